"""One home per policy: the tag slug, the build date and a note's date, as every output sees them.

One small vault with tags in several scripts is built once for the module, as a PDF target
grouped by tag and a feed with one feed per tag, so the names asserted here are those the
real exporters write.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

import notepress
from notepress.dates import BUILD_EPOCH, build_time
from notepress.model import Note
from notepress.slugs import tag_slug
from notepress.urls import encode_url
from tests.conftest import note_text, write_vault
from tests.test_pdf_support import reader

NOTES = {
    "tokyo.md": note_text("Tokyo by tram", "Trams.", created="2023-03-01", tags=["日本", "東京"]),
    "athens.md": note_text("Athens walls", "Walls.", created="2023-03-02", tags=["Ελλάδα"]),
    "stars.md": note_text("Star charts", "Stars.", created="2023-03-03", tags=["★"]),
    "accent.md": note_text("Corner café", "Coffee.", created="2023-03-04", tags=["café"]),
    "plain.md": note_text("Cafe hours", "Hours.", created="2023-03-05", tags=["cafe"]),
    "loose.md": note_text("Loose thought", "Nothing.", created="2023-03-06"),
    "kyoto.md": note_text(
        "Kyoto gardens", "Moss.", created="2023-03-07", updated="2023-04-02", tags=["日本"]
    ),
}
CONFIG = """
[site]
title = "Policy test"
url = "https://example.org/"

[targets.bytag]
exporter = "pdf"
group = "tag"

[targets.news]
exporter = "feed"
formats = ["atom"]
per_tag = true
"""
#: Written out, not computed: a name that changed between versions would break links.
PDF_NAMES = {
    "tag-tag_cf2abf0c.pdf": ("#日本", {"Tokyo by tram", "Kyoto gardens"}),
    "tag-tag_130016b2.pdf": ("#東京", {"Tokyo by tram"}),
    "tag-tag_752e6ea6.pdf": ("#Ελλάδα", {"Athens walls"}),
    "tag-tag_26c57b08.pdf": ("#★", {"Star charts"}),
    "tag-cafe_850f7dc4.pdf": ("#café", {"Corner café"}),
    "tag-cafe.pdf": ("#cafe", {"Cafe hours"}),
    "untagged.pdf": ("Untagged notes", {"Loose thought"}),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, notepress.BuildReport]]:
    root = write_vault(tmp_path_factory.mktemp("policies") / "vault", NOTES, CONFIG)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)  # dated by the notes themselves
        report = notepress.load_project(root).build()
    assert not report.has_errors, report.all_problems()
    yield root / "_publish", report


def test_tag_slugs_are_readable_stable_and_distinct() -> None:
    tags = ["日本", "東京", "Ελλάδα", "★", "café", "cafe", "c++", "c", "a_b", "a-b"]
    slugs = [tag_slug(tag) for tag in tags]
    assert len(set(slugs)) == len(tags)
    assert slugs[:6] == [
        "tag_cf2abf0c",
        "tag_130016b2",
        "tag_752e6ea6",
        "tag_26c57b08",
        "cafe_850f7dc4",
        "cafe",
    ]
    # Case variants are one tag (as in Obsidian); nesting reads as a hyphen.
    assert tag_slug("Baking") == tag_slug("baking") == "baking"
    assert tag_slug("ΕΛΛΆΔΑ") == tag_slug("Ελλάδα")
    assert tag_slug("projects/notepress") == "projects-notepress"
    assert tag_slug("Split keyboard") == tag_slug("split-keyboard") == "split-keyboard"


def test_a_tag_too_long_for_a_file_name_is_cut_and_hashed(tmp_path: Path) -> None:
    """A pasted token of 260 characters as a tag: its feed's folder could not be made, and
    the whole target failed, every other note with it."""
    token = "a1" * 130
    assert len(tag_slug(token)) <= 110 and tag_slug(token) != tag_slug(token + "b")
    assert tag_slug(token).startswith(token[:100]) and "_" in tag_slug(token)
    files = {
        "good.md": note_text("Good", "Plain words #baking.", created="2023-03-01"),
        "bad.md": note_text("Bad", f"A pasted #{token} here.", created="2023-03-02"),
    }
    config = (
        '[site]\ntitle = "T"\nurl = "https://example.org/"\n'
        '[targets.news]\nexporter = "feed"\nformats = ["json"]\nper_tag = true\n'
    )
    report = notepress.load_project(write_vault(tmp_path / "vault", files, config)).build()
    (target,) = report.targets
    assert target.ok, target.error
    folders = {path.parent.name for path in target.files if path.parent.parent.name == "tags"}
    assert folders == {"baking", tag_slug(token)}


def test_pdf_tag_digests_get_one_file_per_tag(built: tuple[Path, notepress.BuildReport]) -> None:
    out, _ = built
    assert {path.name for path in (out / "bytag").glob("*.pdf")} == set(PDF_NAMES)
    for name, (label, _titles) in PDF_NAMES.items():
        title = reader(out / "bytag" / name).metadata.title
        assert title == f"Policy test \u2014 {label}", name


def test_feed_per_tag_folders_are_distinct(built: tuple[Path, notepress.BuildReport]) -> None:
    out, _ = built
    folders = {path.name for path in (out / "news" / "tags").iterdir()}
    expected = {name.removeprefix("tag-").removesuffix(".pdf") for name in PDF_NAMES}
    assert folders == expected - {"untagged"}
    for name, (_label, titles) in PDF_NAMES.items():
        if name == "untagged.pdf":
            continue
        folder = name.removeprefix("tag-").removesuffix(".pdf")
        feed = feedparser.parse((out / "news" / "tags" / folder / "atom.xml").read_bytes())
        assert not feed.bozo, feed.bozo_exception
        assert {entry.title for entry in feed.entries} == titles, folder


def test_digest_is_dated_by_its_newest_note_without_source_date_epoch(
    built: tuple[Path, notepress.BuildReport],
) -> None:
    out, _ = built
    japan = reader(out / "bytag" / "tag-tag_cf2abf0c.pdf").metadata
    assert japan.creation_date == datetime(2023, 4, 2, tzinfo=UTC)  # Kyoto's `updated`
    tokyo = reader(out / "bytag" / "tag-tag_130016b2.pdf").metadata
    assert tokyo.creation_date == datetime(2023, 3, 1, tzinfo=UTC)


def _notes(built: tuple[Path, notepress.BuildReport]) -> dict[str, Note]:
    project = notepress.load_project(built[0].parent)
    return {note.title: note for note in project.vault.notes}


def test_build_time_rule(
    built: tuple[Path, notepress.BuildReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = _notes(built)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert build_time(notes.values()) == datetime(2023, 4, 2, tzinfo=UTC)
    assert build_time([notes["Tokyo by tram"]]) == datetime(2023, 3, 1, tzinfo=UTC)
    assert build_time() == BUILD_EPOCH == datetime(1970, 1, 1, tzinfo=UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    pinned = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert build_time(notes.values()) == build_time() == pinned
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")  # unreadable: the notes decide
    assert build_time(notes.values()) == datetime(2023, 4, 2, tzinfo=UTC)


def test_note_date_by_order(built: tuple[Path, notepress.BuildReport]) -> None:
    notes = _notes(built)
    kyoto, tokyo = notes["Kyoto gardens"], notes["Tokyo by tram"]
    assert kyoto.date("created") == kyoto.date() == datetime(2023, 3, 7, tzinfo=UTC)
    assert kyoto.date("updated") == datetime(2023, 4, 2, tzinfo=UTC)
    assert tokyo.date("updated") == tokyo.date("created")  # never edited: its creation
    with pytest.raises(ValueError, match="unknown date order 'modified'"):
        kyoto.date("modified")


def test_one_url_encoder() -> None:
    assert encode_url("https://example.org/notes/café au lait/") == (
        "https://example.org/notes/caf%C3%A9%20au%20lait/"
    )
    assert encode_url("https://example.org/a%20b?q=1#x") == "https://example.org/a%20b?q=1#x"
    assert encode_url("https://example.org/\x00bad\ud800") == "https://example.org/bad"
