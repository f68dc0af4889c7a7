"""Which notes a target takes: published ones (drafts only for private copies), filtered."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from .config import Selection
from .dates import source_date_epoch
from .model import Note, Problem, Severity

if TYPE_CHECKING:
    from .vault import Vault

__all__ = [
    "build_now",
    "future_problem",
    "hold_back_future",
    "newest_notes",
    "select_notes",
    "tagged",
    "without_excluded",
    "without_future",
]

_OLDEST = datetime(1970, 1, 1, tzinfo=UTC)


def select_notes(
    notes: Iterable[Note], selection: Selection, *, limit: int | None = None, order: str = "created"
) -> tuple[Note, ...]:
    """The notes a target selects, oldest first.

    Notes with errors never qualify.  Tags match as in Obsidian: case aside, and a tag
    counts for every tag it is nested in (``private/journal`` for ``private``).  ``limit``
    keeps the newest by ``order`` (``created`` or ``updated``); ``0`` means no limit.  An
    ``until`` written as a date includes that whole day.
    """
    include = {_tag_key(tag) for tag in selection.include_tags}
    exclude = {_tag_key(tag) for tag in selection.exclude_tags}
    until = selection.until
    until_exclusive = until is not None and until.timetz().replace(tzinfo=None) == time()
    if until is not None and until_exclusive:
        try:
            until += timedelta(days=1)
        except OverflowError:  # until = 9999-12-31, an open end: no date is after that day
            until = None
    chosen = []
    for note in notes:
        if note.has_errors or (note.draft and not selection.drafts) or note.drawing:
            continue
        tags = _tag_keys(note.tags) if include or exclude else set()
        if include and not tags & include:
            continue
        if exclude and tags & exclude:
            continue
        created = note.created or _OLDEST
        if selection.since is not None and created < selection.since:
            continue
        if until is not None and (created >= until if until_exclusive else created > until):
            continue
        chosen.append(note)
    limit = selection.limit if selection.limit is not None else limit
    return newest_notes(chosen, limit, order)


def tagged(note: Note, tag: str) -> bool:
    """Whether ``note`` carries ``tag`` as a selection reads tags: in any case, or nested
    in it (``baking/rye`` is tagged ``baking``).  For exporters that group notes by the tags
    a target includes: grouped by the written tag alone, a note selected for ``baking``
    as ``baking/rye`` was in no group."""
    return _tag_key(tag) in _tag_keys(note.tags)


def _tag_key(tag: str) -> str:
    """A tag as a filter compares it: without ``#`` and edge ``/``, case folded, as
    Obsidian's tag pane counts ``#Private`` and ``#private`` as one tag, and composed (NFC):
    ``privé`` pasted from a macOS file name comes decomposed, and was not excluded."""
    return unicodedata.normalize("NFC", tag.strip().lstrip("#").strip("/")).casefold()


def _tag_keys(tags: Iterable[str]) -> set[str]:
    """Each tag's key, and the key of every tag it is nested in: Obsidian's ``tag:#private``
    finds ``#private/journal`` too, and an ``exclude_tags = ["private"]`` that let a note
    tagged so through would publish what it was written to keep out."""
    keys: set[str] = set()
    for tag in tags:
        parts = _tag_key(tag).split("/")
        keys.update("/".join(parts[:end]) for end in range(1, len(parts) + 1))
    return keys


def newest_notes(
    notes: Iterable[Note], limit: int | None, order: str = "created"
) -> tuple[Note, ...]:
    """The newest ``limit`` of ``notes`` by ``order`` (all for ``0`` or None), oldest first."""
    chosen = list(notes)
    if limit and len(chosen) > limit:
        by_order = sorted(chosen, key=lambda n: (_date(n, order), n.sort_key))
        chosen = by_order[-limit:]
    return tuple(sorted(chosen, key=lambda n: n.sort_key))


def _date(note: Note, order: str) -> datetime:
    return note.date(order) or _OLDEST


def build_now() -> datetime:
    """The moment that decides which notes are still in the future: ``SOURCE_DATE_EPOCH``
    when set to an integer, so that a build can be replayed for any day, else the clock."""
    return source_date_epoch() or datetime.now(UTC).replace(microsecond=0)


def hold_back_future(
    notes: Sequence[Note], now: datetime
) -> tuple[tuple[Note, ...], tuple[Note, ...]]:
    """``notes`` split into those dated up to ``now`` and those created after it.

    A note dated ahead is a scheduled post: it waits for its date, so that it neither
    appears early nor moves a feed's ``updated`` into the future.  Undated notes are never
    held back.  Applied per build rather than in the model, which knows nothing of "now".
    """
    ready = tuple(note for note in notes if note.created is None or note.created <= now)
    if len(ready) == len(notes):
        return ready, ()
    return ready, tuple(note for note in notes if note.created is not None and note.created > now)


def without_future(vault: Vault, now: datetime) -> Vault:
    """``vault`` with the notes dated after ``now`` read as drafts until their date.

    A held-back note is not selected, but a published note may link to it or embed it: as
    with a draft, the link is then its text and the embed shows nothing of it, so that no
    output shows a scheduled note early.
    """
    if not any(_ahead(note, now) for note in vault.notes):
        return vault
    return vault.with_notes(
        [replace(note, draft=True) if _ahead(note, now) else note for note in vault.notes]
    )


def without_excluded(vault: Vault, exclude_tags: Iterable[str]) -> Vault:
    """``vault`` with the notes a target's ``exclude_tags`` keep out read as private, as a
    note in error is: not shown even by a reading copy that shows drafts.

    Left out of the selection alone, such a note was still shown whole by an embed in a
    selected note, and named by a link: a tag written to keep a note out
    (``exclude_tags = ["private"]``) must keep it out of the whole output.
    """
    exclude = {_tag_key(tag) for tag in exclude_tags}
    if not exclude:
        return vault

    def excluded(note: Note) -> bool:
        return bool(_tag_keys(note.tags) & exclude)

    if not any(excluded(note) for note in vault.notes):
        return vault
    return vault.with_notes([_kept_out(note) if excluded(note) else note for note in vault.notes])


def _kept_out(note: Note) -> Note:
    problem = Problem(
        Severity.ERROR,
        "tag-excluded",
        "kept out of this target by its exclude_tags",
        note.path.as_posix(),
    )
    return replace(note, draft=True, problems=(*note.problems, problem))


def _ahead(note: Note, now: datetime) -> bool:
    return note.created is not None and note.created > now and not note.draft


def future_problem(target_name: str, held: Sequence[Note]) -> Problem | None:
    """The one line a target says about the notes it holds back, with the next date."""
    if not held:
        return None
    first = min(note.created for note in held if note.created is not None)
    if len(held) == 1:
        what = "1 note dated after this build is held back until its date"
    else:
        what = f"{len(held)} notes dated after this build are held back until their dates"
    return Problem(
        Severity.WARNING,
        "future-notes",
        f"{what} (the next on {first.date().isoformat()}); build with --future or set "
        "future = true on the target to publish them now",
        f"targets.{target_name}",
    )
