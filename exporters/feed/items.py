"""Feed items: one published note turned into what every feed format needs.

Everything a feed writer receives is already final here: ids are tag URIs, URLs are
absolute and percent-encoded, text is free of characters XML cannot carry and every date is
timezone-aware.  The writers then only choose element names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import PurePosixPath
from urllib.parse import quote, urlsplit

from notepress.assets import AssetError, AssetGate, VaultFiles, vault_files, without_references
from notepress.markdown import Media, NoteRenderError, RenderedNote, render_note
from notepress.model import Note, Problem
from notepress.renderpool import render_many
from notepress.vault import Vault
from notepress.words import excerpt

from .mail import FeedLinks

__all__ = [
    "Enclosure",
    "FeedItem",
    "ItemFactory",
    "clean_text",
    "is_absolute_url",
    "tag_uri",
]

# XML 1.0 forbids C0 controls other than tab, LF and CR, lone surrogates, U+FFFE and U+FFFF;
# it discourages C1 controls, which no reader shows and which only ever come from broken
# copy-and-paste.  All of them are dropped from every string a feed carries.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """``text`` without the characters XML cannot carry (see ``_ILLEGAL``)."""
    return _ILLEGAL.sub("", text)


def is_absolute_url(url: str) -> bool:
    """True for an ``http(s)`` URL with a host, or a ``mailto:`` address."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "https://[notes.org/": no URL at all
        return False
    scheme = parts.scheme.lower()
    if scheme == "mailto":
        return bool(parts.path)
    return scheme in ("http", "https") and bool(parts.netloc)


def tag_uri(host: str, created: datetime, note_id: str) -> str:
    """The RFC 4151 tag URI of a note: ``tag:HOST,YYYY-MM-DD:NOTE_ID``.

    It depends on nothing a writer edits in passing (file name, title, body), so a feed
    reader never sees an old note as a new one.  The date is the note's own calendar date
    as written in the vault, matching the date at the start of its ``note_id``.
    """
    return f"tag:{host.lower()},{created.date().isoformat()}:{quote(note_id, safe='')}"


@dataclass(frozen=True)
class Enclosure:
    """The first audio or video a note plays, as podcast apps and mail services expect it."""

    url: str
    length: int
    """Bytes; 0 when unknown (a file on the web), as RSS allows."""
    media_type: str


@dataclass(frozen=True)
class FeedItem:
    """One note as an entry of any feed format."""

    note: Note
    id: str
    url: str
    """The note's page, or empty when the site has none (no ``site.note_url``)."""
    title: str
    published: datetime
    updated: datetime
    summary: str
    """Plain text: the note's description, else the opening words of its text."""
    content_html: str
    """The sanitised full HTML, or empty when the feed carries summaries only."""
    tags: tuple[str, ...]
    assets: tuple[PurePosixPath, ...]
    problems: tuple[Problem, ...] = ()
    """Warnings of rendering the note (nesting flattened), to report once."""
    enclosure: Enclosure | None = None

    def date(self, sort: str) -> datetime:
        return self.updated if sort == "updated" else self.published


@dataclass
class ItemFactory:
    """Renders notes into :class:`FeedItem` once each, however many feeds list them."""

    vault: Vault
    host: str
    note_url: Callable[[Note], str | None]
    assets_url: str
    timezone: tzinfo
    full_content: bool
    summary_words: int = 50
    keep: bool = True
    """Keep each item for later calls (a note in several feeds renders once); False when
    every note is asked for once, so that an item's HTML lives only while it is written."""
    _cache: dict[str, FeedItem] = field(default_factory=dict, repr=False)
    _failed: dict[str, NoteRenderError] = field(default_factory=dict, repr=False)
    _files: VaultFiles | None = field(default=None, repr=False)
    _gate: AssetGate | None = field(default=None, repr=False)

    def item(self, note: Note) -> FeedItem:
        """The note's item; :class:`NoteRenderError` (raised again on every later call,
        without rendering twice) when the note cannot be rendered."""
        failed = self._failed.get(note.note_id)
        if failed is not None:
            raise failed
        found = self._cache.get(note.note_id)
        if found is None:
            try:
                rendered = render_note(note, self.vault, self._style(), math="mathml")
                found = self._make(note, rendered)
            except NoteRenderError as exc:
                self._failed[note.note_id] = exc
                raise
            if self.keep:
                self._cache[note.note_id] = found
        return found

    def items(self, notes: Sequence[Note]) -> Iterator[tuple[Note, FeedItem | NoteRenderError]]:
        """Each note's item (or its error) in the order of ``notes``, those not yet made
        rendered together (on every core when they are many, see
        :mod:`notepress.renderpool`)."""
        fresh = list(
            {
                note.note_id: note
                for note in notes
                if note.note_id not in self._cache and note.note_id not in self._failed
            }.values()
        )
        renderings = render_many(fresh, self.vault, self._style(), math="mathml")
        for note in notes:
            if note.note_id in self._cache or note.note_id in self._failed:
                try:
                    yield note, self.item(note)
                except NoteRenderError as exc:
                    yield note, exc
                continue
            _, outcome = next(renderings)
            if isinstance(outcome, NoteRenderError):
                self._failed[note.note_id] = outcome
                yield note, outcome
                continue
            found = self._make(note, outcome)
            if self.keep:
                self._cache[note.note_id] = found
            yield note, found

    def _style(self) -> FeedLinks:
        # FeedLinks writes every URL absolute, raw HTML's included: a relative one would
        # break in every mail client, and the tests hold the renderer to it.  Only the
        # item's own footnotes are fragments, with ids no other item has.
        return FeedLinks(self.note_url, self.assets_url)

    def dates(self, note: Note) -> tuple[datetime, datetime]:
        """The item's ``published`` and ``updated``, known without rendering the note, so
        that a feed is put in order before any of its items is made."""
        if note.created is None:  # callers leave such notes out; see FeedExporter
            raise ValueError(f"{note.path}: no created date")
        published = self._aware(note.created)
        # An entry is never modified before it is published, whatever the frontmatter says
        # (the vault already warns about such a note).
        return published, max(self._aware(note.updated or note.created), published)

    def _make(self, note: Note, rendered: RenderedNote) -> FeedItem:
        published, updated = self.dates(note)
        html = clean_text(rendered.html)  # lowered for mail by the style (FeedLinks)
        if self._gate is None:
            self._gate = AssetGate(self.vault)
        refused = [path for path in rendered.assets if self._gate.refused(path)]
        if refused:  # not copied (copy_attachments says why): shown as their names
            style = self._style()
            html = without_references(html, filter(None, map(style.asset_href, refused)))
        summary = clean_text(note.description).strip() or excerpt(
            [clean_text(paragraph) for paragraph in rendered.paragraphs], self.summary_words
        )
        return FeedItem(
            note=note,
            id=tag_uri(self.host, published, note.note_id),
            url=self.note_url(note) or "",
            title=clean_text(note.title).strip() or note.note_id,
            published=published,
            updated=updated,
            summary=summary,
            content_html=html if self.full_content else "",
            tags=tuple(t for t in (clean_text(tag).strip() for tag in note.tags) if t),
            assets=rendered.assets,
            problems=rendered.problems,
            enclosure=self._enclosure(rendered.media[0]) if rendered.media else None,
        )

    def _enclosure(self, media: Media) -> Enclosure | None:
        """The enclosure of a played file: a vault file's length is read from the file."""
        length = 0
        if media.path is not None:
            if self._files is None:
                self._files = vault_files(self.vault)
            try:
                length = self._files.size(media.path)
            except AssetError:
                return None  # it will not be copied either; the copy reports it
        if not is_absolute_url(media.src):
            return None
        return Enclosure(media.src, length, media.media_type)

    def _aware(self, value: datetime) -> datetime:
        """A whole-second, timezone-aware copy: feed dates never carry naive times."""
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=self.timezone)
        return value.replace(microsecond=0)
