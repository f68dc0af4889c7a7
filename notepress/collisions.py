"""One URL per note: two notes that would share a URL are never published silently.

A note's URL comes from the ``note_url`` template, so two notes with one title, one file
name in two folders or two titles that transliterate alike would get one URL, and with it
one JSON-LD ``@id`` and one feed link: a reader would reach the wrong note and a search
engine would merge them.  Other output names cannot meet: per-note files are named by
``note_id``, which is unique (a shared one is an error of its own), and tag folders and
digests by :func:`~notepress.slugs.tag_slug`, distinct per tag.

This runs once, in the core, after the vault is read and before any exporter, where the
site's config is known: ``check`` reports every collision, and every exporter sees the same
slugs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace
from urllib.parse import unquote

from .config import Site, VaultOptions
from .model import Note, Problem, Severity
from .slugs import note_slug
from .vault import Vault

__all__ = ["UrlClaims", "assign_urls", "claim_keys"]


def assign_urls(vault: Vault, site: Site, options: VaultOptions) -> Vault:
    """``vault`` with every note's slug set in the configured style, and no two published
    notes on one URL.

    Notes are taken in path order, so the outcome never depends on the file system: the
    first note keeps its URL and the second is an error (``url-collision``, naming the
    first), which keeps it private until one is renamed; or, with ``[vault] url_collisions =
    "note_id"``, the second's slug gains its note_id.  Drafts and notes with errors claim no
    URL: no output publishes theirs.
    """
    claimed: dict[str, Note] = {}
    notes: list[Note] = []
    for note in vault.notes:
        note = replace(note, slug=note_slug(note.title, options.slugs, fallback=_id_slug(note)))
        if note.published and site.note_url:  # without note pages no URL is claimed
            note = _claim(note, site, options, claimed)
        notes.append(note)
    return vault.with_notes(notes)


class UrlClaims:
    """Assign URLs again to some notes of a vault, as :func:`assign_urls` would, without
    walking every earlier note for each: the claims of the notes kept as they are are read
    once, as the notes to assign reach past them.

    ``notes`` are the vault's in path order, as :func:`assign_urls` left them but for those
    at ``again``, which :meth:`assign` must then be given in path order.
    """

    def __init__(self, notes: Sequence[Note], site: Site, again: Iterable[int]) -> None:
        self._notes = notes
        self._site = site
        self._again = set(again)
        self._last = -1
        self._read = 0
        """The notes before this index have had their claims read."""
        self._claimed: dict[str, Note] = {}
        """Each URL claimed before the note last assigned, with the first note in path
        order that holds it."""

    def assign(self, index: int, note: Note, options: VaultOptions) -> Note:
        """``note``, at ``index`` in path order, with its slug and URL: each note before it
        that is still published holds its URL."""
        if index not in self._again or index <= self._last:
            raise ValueError("only the notes named again, in path order")
        self._last = index
        site = self._site
        note = replace(note, slug=note_slug(note.title, options.slugs, fallback=_id_slug(note)))
        if not (note.published and site.note_url):
            return note
        for earlier in range(self._read, index):
            other = self._notes[earlier]
            if earlier not in self._again and other.published:
                self._claimed.setdefault(_url_key(site.note_path(other)), other)
        self._read = index
        # Only the URLs ``_claim`` asks for: the note's own, and the one told apart by its
        # note_id that it may fall back on.
        apart = replace(note, slug=f"{note.slug}-{_id_slug(note)}")
        keys = (_url_key(site.note_path(note)), _url_key(site.note_path(apart)))
        claimed = {key: self._claimed[key] for key in keys if key in self._claimed}
        note = _claim(note, site, options, claimed)
        if note.published:
            self._claimed.setdefault(_url_key(site.note_path(note)), note)
        return note


def claim_keys(note: Note, site: Site) -> set[str]:
    """The URLs ``note`` (as :func:`assign_urls` left it) holds or wanted, in the form they
    are compared in: its own and, for a note told apart by its note_id, the one it was
    refused.  None without note pages, where no URL is claimed."""
    if not site.note_url:
        return set()
    keys = {_url_key(site.note_path(note))}
    suffix = f"-{_id_slug(note)}"
    if note.slug.endswith(suffix):
        keys.add(_url_key(site.note_path(replace(note, slug=note.slug.removesuffix(suffix)))))
    return keys


def _claim(note: Note, site: Site, options: VaultOptions, claimed: dict[str, Note]) -> Note:
    key = _url_key(site.note_path(note))
    first = claimed.get(key)
    if first is None:
        claimed[key] = note
        return note
    hint = 'or set [vault] url_collisions = "note_id"'
    if "{path}" not in site.note_url and first.path.parent != note.path.parent:
        # Notes of one name in two folders (index.md, definition.md): the commonest case.
        hint += (
            "; if the site's pages follow the vault's folders (as Quartz's and Obsidian "
            "Publish's do), write {path} in site.note_url, which tells them apart"
        )
    if options.url_collisions == "note_id":
        apart = replace(note, slug=f"{note.slug}-{_id_slug(note)}")
        apart_key = _url_key(site.note_path(apart))
        if apart_key not in claimed:
            claimed[apart_key] = apart
            return apart
        hint = "and site.note_url has no {slug} to tell them apart: add {note_id} to it"
    message = (
        f"its URL {site.note_path(note)!r} is already the URL of {first.path.as_posix()} "
        f"(the first in path order keeps it); give one a different title or file name, {hint}"
    )
    problem = Problem(
        Severity.ERROR,
        "url-collision",
        message,
        note.path.as_posix(),
        note.field_lines.get("title"),
    )
    return replace(note, problems=(*note.problems, problem))


def _id_slug(note: Note) -> str:
    return note.note_id.lower()


def _url_key(path: str) -> str:
    """How two URL paths are compared: decoded, NFC, case-folded and without a trailing
    slash, since a static host on a case-insensitive disk serves ``A/`` and ``a`` alike."""
    return unicodedata.normalize("NFC", unquote(path)).casefold().rstrip("/")
