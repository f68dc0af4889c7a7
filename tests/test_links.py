"""Heading links matched the way Obsidian matches them, and the ``[vault]`` config table."""

from __future__ import annotations

from pathlib import Path

import pytest

from notepress.configfile import parse_config
from notepress.errors import ConfigError
from notepress.links import find_heading, heading_key

HEADINGS = [(1, "Top"), (2, "Setup"), (3, "Step 1: wiring"), (2, "Later"), (3, "Step 1: wiring")]


@pytest.mark.parametrize(
    ("written", "index"),
    [
        ("Setup", 1),
        ("setup", 1),  # case is ignored
        ("Step 1 wiring", 2),  # Obsidian writes ':' as a space in links
        ("Step 1: wiring", 2),
        ("Later#Step 1 wiring", 4),  # nested: the one under Later
        ("Top#Later#Step 1 wiring", 4),  # ancestors at any depth, outermost first
        ("Top#Step 1 wiring", 2),  # first in document order under Top
        ("Setup#Later", None),  # Later is not under Setup
        ("Later#Setup", None),
        ("nothing", None),
        ("", None),
        ("#", None),
    ],
)
def test_find_heading(written: str, index: int | None) -> None:
    assert find_heading(HEADINGS, written) == index


def test_heading_key_is_unicode_normalised() -> None:
    assert heading_key("Cafe\u0301  Notes") == heading_key("Café notes")


def test_vault_table_is_read_and_checked(tmp_path: Path) -> None:
    config = parse_config(
        {"vault": {"title_from": ["title", "h1", "filename"], "slugs": "ascii"}},
        root=tmp_path,
        path=None,
    )
    assert config.vault.title_from == ("title", "h1", "filename")
    assert config.vault.slugs == "ascii"
    with pytest.raises(ConfigError) as caught:
        parse_config(
            {"vault": {"slugs": "latin", "date_from_git": "yes"}}, root=tmp_path, path=None
        )
    joined = "\n".join(caught.value.errors)
    assert "vault.slugs: expected one of unicode, ascii" in joined
    assert "vault.date_from_git" in joined
