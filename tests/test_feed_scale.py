"""A full-archive feed at scale: items written one at a time, bytes as feedgen's own.

The feed exporter streams (render a note, write its entry, drop it): a feed of any length
holds one rendered note at a time.  These tests hold it to that with traced memory on an
archive far larger than one note, and hold the streamed bytes to those of feedgen building
the whole document at once, for every format.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import PurePosixPath
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

import notepress
from notepress import renderpool
from notepress.exporters.feed.items import Enclosure, FeedItem, clean_text
from notepress.exporters.feed.writers import (
    FeedInfo,
    FeedStream,
    write_atom,
    write_json,
    write_rss,
)
from notepress.markdown import NoteRenderError
from notepress.model import Problem, Severity

from .conftest import note_text

WRITERS: dict[str, Callable[[FeedInfo, Sequence[FeedItem]], bytes]] = {
    "atom": write_atom,
    "rss": write_rss,
    "json": write_json,
}
ATOM = "http://www.w3.org/2005/Atom"
SITE = """
[site]
title = "Scale"
url = "https://notes.example.org/"
author = "Ada Example"
timezone = "UTC"
note_url = "notes/{slug}/"

[targets.archive]
exporter = "feed"
formats = ["atom", "rss", "json"]
limit = 0
"""


def streamed(kind: str, info: FeedInfo, items: Sequence[FeedItem]) -> bytes:
    """The feed as the exporter writes it: item by item through a scratch file."""
    with io.BytesIO() as spool, io.BytesIO() as out:
        stream = FeedStream(kind, replace(info, updated=datetime(1970, 1, 1, tzinfo=UTC)), spool)
        for item in items:
            stream.add(item)
        stream.finish(info.updated, out)
        return out.getvalue()


def feed_info(**changes: Any) -> FeedInfo:
    values: dict[str, Any] = {
        "title": "Notes & <Things>",
        "subtitle": "About ]]> and \"quotes\" 'too'",
        "home_url": "https://notes.example.org/",
        "folder_url": "https://notes.example.org/archive/",
        "atom_id": "https://notes.example.org/archive/atom.xml",
        "language": "en",
        "author_name": "Ada Example",
        "author_url": "https://notes.example.org/about/",
        "icon": "",
        "logo": "",
        "hub": "",
        "stylesheet_url": "",
        "updated": datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
    }
    values.update(changes)
    return FeedInfo(**values)


def feed_item(number: int, **changes: Any) -> FeedItem:
    created = datetime(2024, 1, 1, 12, tzinfo=UTC) + timedelta(days=number)
    note = notepress.Note(
        path=PurePosixPath(f"n{number}.md"),
        title=f"Note {number}",
        note_id=f"n{number}",
        draft=False,
        created=created,
        updated=None,
    )
    values: dict[str, Any] = {
        "note": note,
        "id": f"tag:notes.example.org,2024-01-01:n{number}",
        "url": f"https://notes.example.org/notes/n{number}/",
        "title": f"Note {number}",
        "published": created,
        "updated": created,
        "summary": f"Summary of note {number}.",
        "content_html": f"<p>Body of <em>note</em> {number} &amp; more</p>",
        "tags": ("one", "two words"),
        "assets": (),
    }
    values.update(changes)
    return FeedItem(**values)


VARIED_ITEMS = [
    feed_item(1),
    feed_item(2, url="", content_html=""),  # Atom: text content stands in for the link
    feed_item(3, summary="", tags=()),
    feed_item(4, content_html="<p>]]&gt; <![CDATA[x]]> é 中文 \u2028 🎉</p>", title="a < b & c"),
    feed_item(
        5,
        enclosure=Enclosure("https://notes.example.org/a/b%20c.mp3", 1234, "audio/mpeg"),
        published=datetime(2024, 2, 1, 9, tzinfo=timezone(timedelta(hours=2))),
    ),
    feed_item(6, enclosure=Enclosure("https://cdn.example.org/v.mp4", 0, "video/mp4")),
]
VARIED_INFOS = [
    feed_info(),
    feed_info(subtitle="", author_url=""),
    feed_info(
        hub="https://hub.example.org/",
        icon="https://notes.example.org/archive/assets/icon.png",
        logo="https://notes.example.org/archive/assets/logo.png",
        stylesheet_url="../feed.xsl",
    ),
    feed_info(icon="https://notes.example.org/i.png"),
]


@pytest.mark.parametrize("kind", sorted(WRITERS))
@pytest.mark.parametrize("info", VARIED_INFOS, ids=lambda info: f"info{VARIED_INFOS.index(info)}")
@pytest.mark.parametrize("count", [0, 1, 2, len(VARIED_ITEMS)])
def test_a_streamed_feed_is_feedgens_whole_document(kind: str, info: FeedInfo, count: int) -> None:
    items = VARIED_ITEMS[:count]
    assert streamed(kind, info, items) == WRITERS[kind](info, items)


@pytest.mark.parametrize("kind", ["atom", "rss"])
@pytest.mark.parametrize("info", VARIED_INFOS, ids=lambda info: f"info{VARIED_INFOS.index(info)}")
def test_entries_are_serialised_alone_once_the_first_proves_it(
    kind: str, info: FeedInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole feed is serialised for the first entry only, to prove the short way; every
    entry after it is serialised alone, and the feed is still feedgen's whole document."""
    from notepress.exporters.feed import writers

    whole_feeds = []
    original = writers._XmlEntries._in_whole_feed

    def counted(self: Any) -> bytes:
        whole_feeds.append(1)
        return original(self)

    monkeypatch.setattr(writers._XmlEntries, "_in_whole_feed", counted)
    assert streamed(kind, info, VARIED_ITEMS) == WRITERS[kind](info, VARIED_ITEMS)
    assert len(whole_feeds) == 1


_TEXT = st.text(st.characters(codec="utf-8"), max_size=40).map(clean_text)


@given(
    title=_TEXT,
    summary=_TEXT,
    html=_TEXT,
    tags=st.lists(_TEXT.filter(str.strip), max_size=3),
    subtitle=_TEXT,
)
def test_any_text_streams_to_the_same_bytes(
    title: str, summary: str, html: str, tags: list[str], subtitle: str
) -> None:
    info = feed_info(subtitle=subtitle, title=title or "T")
    items = [
        feed_item(1, title=title or "x", summary=summary, content_html=html, tags=tuple(tags)),
        feed_item(2, content_html=html + "<b>x</b>"),
    ]
    for kind, write in WRITERS.items():
        assert streamed(kind, info, items) == write(info, items), kind


# -- the exporter on a large archive --------------------------------------------------

NOTES = 200
WORDS = 1000  # about 8 KB of HTML a note: the archive is far larger than one note


def archive_files() -> dict[str, str]:
    files = {}
    for number in range(NOTES):
        day = datetime(2023, 1, 1) + timedelta(days=number)
        words = " ".join(f"w{number}x{index}" for index in range(WORDS))
        files[f"n{number:03d}.md"] = note_text(
            f"Note {number}",
            f"{words}\n",
            note_id=f"{day:%y%m%d}TS01",
            created=f"{day:%Y-%m-%d}",
        )
    return files


@pytest.fixture(scope="module")
def archive_project(tmp_path_factory: pytest.TempPathFactory) -> notepress.Project:
    from .conftest import write_vault

    root = write_vault(tmp_path_factory.mktemp("archive") / "vault", archive_files(), SITE)
    return notepress.load_project(root, cache=False)


def test_a_full_archive_holds_one_rendered_note_at_a_time(
    archive_project: notepress.Project,
) -> None:
    """Before streaming, every item's HTML, feedgen's tree and each format's whole bytes were
    alive at once: traced memory grew by several times the archive's text.  Now it grows by
    little more than one note's worth, whatever the number of notes."""
    archive_project.build(["archive"])  # imports and first-use caches out of the figure
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        report = archive_project.build(["archive"])
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    (result,) = report.targets
    assert result.error is None, result.error
    folder = archive_project.config.output / "archive"
    atom = (folder / "atom.xml").read_bytes()
    entries = etree.fromstring(atom).findall(f"{{{ATOM}}}entry")
    assert len(entries) == NOTES
    assert len(json.loads((folder / "feed.json").read_bytes())["items"]) == NOTES
    # Measured for these 200 notes: 11.3 MB before (6.2 times atom.xml), 2.2 MB now (one
    # note's rendering and the manifest's read buffer, whatever the number of notes).
    assert peak < 3 * len(atom), (peak, len(atom))


def test_a_note_that_fails_to_render_leaves_the_order_and_date_to_the_others(
    archive_project: notepress.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest note fails: the feed is dated by the next one, as the whole-document
    writers date it, and the failure is reported once."""
    newest = max(archive_project.vault.notes, key=lambda note: note.sort_key)
    real = renderpool.render_fresh

    def failing(note: notepress.Note, *args: Any, **kwargs: Any) -> Any:
        if note.note_id == newest.note_id:
            raise NoteRenderError(
                Problem(Severity.ERROR, "note-too-slow", "slow", note.path.as_posix())
            )
        return real(note, *args, **kwargs)

    monkeypatch.setattr(renderpool, "render_fresh", failing)  # here and in forked workers
    report = archive_project.build(["archive"])
    (result,) = report.targets
    assert [problem.code for problem in result.problems] == ["note-too-slow"]
    folder = archive_project.config.output / "archive"
    feed = etree.parse(str(folder / "atom.xml")).getroot()
    entries = feed.findall(f"{{{ATOM}}}entry")
    assert len(entries) == NOTES - 1
    assert feed.findtext(f"{{{ATOM}}}updated") == entries[0].findtext(f"{{{ATOM}}}updated")
    second = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(days=NOTES - 2)
    assert feed.findtext(f"{{{ATOM}}}updated") == second.isoformat()
    published = [entry.findtext(f"{{{ATOM}}}published") for entry in entries]
    assert published == sorted(published, reverse=True)
