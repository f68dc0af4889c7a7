"""Wikilink syntax shared by the markdown plugin and the raw-HTML renderer.

Both read ``[[target#heading|alias]]`` through :func:`parse_wikilink`, and the vault loader
records the links those tokens carry, so the model and the rendered output can never disagree
about what a link points at.
"""

from __future__ import annotations

import re

from .model import Link

__all__ = ["WIKILINK_RE", "parse_wikilink"]

#: ``[[...]]`` or ``![[...]]`` on one line, without nested brackets.
WIKILINK_RE = re.compile(r"(!?)\[\[([^\[\]\n]+?)\]\]")


def parse_wikilink(inner: str, *, embed: bool = False, line: int | None = None) -> Link:
    """Split the inside of ``[[...]]`` into target, heading and alias.

    ``|`` separates the alias (for embeds, a size such as ``300``), the first ``#`` the
    heading. Obsidian escapes ``|`` as ``\\|`` inside tables; that is accepted too.
    """
    inner = inner.replace("\\|", "|")
    target, _, alias = inner.partition("|")
    target, _, heading = target.partition("#")
    return Link(
        target=target.strip(),
        heading=heading.strip() or None,
        alias=alias.strip() or None,
        embed=embed,
        line=line,
    )
