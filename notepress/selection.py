"""Which notes a target takes: published ones (drafts only for private copies), filtered."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

from .config import Selection
from .model import Note

__all__ = ["newest_notes", "select_notes"]

_OLDEST = datetime(1970, 1, 1, tzinfo=UTC)


def select_notes(
    notes: Iterable[Note], selection: Selection, *, limit: int | None = None, order: str = "created"
) -> tuple[Note, ...]:
    """The notes a target selects, oldest first.

    Notes with errors never qualify.  ``limit`` keeps the newest by ``order`` (``created`` or
    ``updated``); ``0`` means no limit.  An ``until`` written as a date includes that whole day.
    """
    include = set(selection.include_tags)
    exclude = set(selection.exclude_tags)
    until = selection.until
    until_exclusive = until is not None and until.timetz().replace(tzinfo=None) == time()
    chosen = []
    for note in notes:
        if note.has_errors or (note.draft and not selection.drafts):
            continue
        tags = set(note.tags)
        if include and not tags & include:
            continue
        if exclude and tags & exclude:
            continue
        created = note.created or _OLDEST
        if selection.since is not None and created < selection.since:
            continue
        if until is not None:
            if until_exclusive and created >= until + timedelta(days=1):
                continue
            if not until_exclusive and created > until:
                continue
        chosen.append(note)
    limit = selection.limit if selection.limit is not None else limit
    return newest_notes(chosen, limit, order)


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
