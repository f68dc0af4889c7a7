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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import unquote

from .config import Site, VaultOptions
from .model import Note, Problem, Severity
from .slugs import note_slug
from .vault import Vault

__all__ = ["UrlClaims", "assign_urls", "claim_keys", "claim_order"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def assign_urls(vault: Vault, site: Site, options: VaultOptions) -> Vault:
    """``vault`` with every note's slug set in the configured style, and no two published
    notes on one URL.

    Of two notes on one URL the older keeps it (:func:`claim_order`), so the outcome never
    depends on the file system, and a URL readers already follow is never taken by a note
    written later, or by one dated ahead and still waiting for its date: the younger is an
    error (``url-collision``, naming the older), which keeps it private until one is
    renamed; or, with ``[vault] url_collisions = "note_id"``, the younger's slug gains its
    note_id.  Drafts and notes with errors claim no URL: no output publishes theirs.
    """
    notes = [_slugged(note, options) for note in vault.notes]
    if site.note_url:  # without note pages no URL is claimed
        claimed: dict[str, Note] = {}
        for index in sorted(range(len(notes)), key=lambda i: claim_order(notes[i], i)):
            if notes[index].published:
                notes[index] = _claim(notes[index], site, options, claimed)
    return vault.with_notes(notes)


def claim_order(note: Note, index: int) -> tuple[bool, datetime, int]:
    """Where ``note``, at ``index`` in path order, comes when notes claim their URLs: by the
    date it was created, the undated after the dated, and notes of one date in path order."""
    return (note.created is None, note.created or _EPOCH, index)


class UrlClaims:
    """Assign URLs again to some notes of a vault, as :func:`assign_urls` would, given the
    others as it left them: what a load after an edit does, without claiming every URL of
    the vault again.

    ``notes`` are the vault's in path order, as :func:`assign_urls` left them but for those
    at ``again``, which :meth:`assign` is given.  Only the outcome of the notes at ``again``
    is computed: a caller that finds one of them changed its slug, its published state or
    its errors must assign the whole vault again, since the notes it met may then change too.
    """

    def __init__(self, notes: Sequence[Note], site: Site, again: Iterable[int]) -> None:
        self._notes = notes
        self._site = site
        self._again = frozenset(again)

    def assign(self, read: Mapping[int, Note], options: VaultOptions) -> dict[int, Note]:
        """Each note of ``read`` (by index in path order, one for each index named again)
        with its slug and URL, as a whole assignment would give it."""
        if set(read) != self._again:
            raise ValueError("one note for each index named again")
        site = self._site
        slugged = {index: _slugged(note, options) for index, note in read.items()}
        if not site.note_url:
            return slugged
        # Only the URLs ``_claim`` asks for: each note's own, and the one told apart by its
        # note_id that it may fall back on.
        wanted = {key for note in slugged.values() if note.published for key in _wants(note, site)}
        held = [
            (claim_order(other, index), key, other)
            for index, other in enumerate(self._notes)
            if wanted and index not in self._again and other.published
            if (key := _url_key(site.note_path(other))) in wanted
        ]
        for index in sorted(slugged, key=lambda i: claim_order(slugged[i], i)):
            note = slugged[index]
            if not note.published:
                continue
            order = claim_order(note, index)
            claimed: dict[str, Note] = {}
            for earlier, key, other in sorted(held):  # the oldest first, named in the error
                if earlier < order:
                    claimed.setdefault(key, other)
            note = _claim(note, site, options, claimed)
            if note.published:
                held.append((order, _url_key(site.note_path(note)), note))
            slugged[index] = note
        return slugged


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


def _slugged(note: Note, options: VaultOptions) -> Note:
    return replace(note, slug=note_slug(note.title, options.slugs, fallback=_id_slug(note)))


def _wants(note: Note, site: Site) -> tuple[str, str]:
    apart = replace(note, slug=f"{note.slug}-{_id_slug(note)}")
    return _url_key(site.note_path(note)), _url_key(site.note_path(apart))


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
        "(the older note keeps it: created first, or first in path order); give one a "
        f"different title or file name, {hint}"
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
