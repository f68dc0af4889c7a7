"""Follow the vault's files and rebuild after each burst of changes.

watchfiles waits for a quiet moment (``debounce``) before it reports, so an editor that
saves a file in three writes, or a ``git checkout`` of fifty notes, starts one build.
Changes that arrive while a build runs are reported once it is over.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import watchfiles

from .rebuild import BuildState, Rebuilder

__all__ = ["DEBOUNCE_MS", "changes", "watch"]

DEBOUNCE_MS = 1600
"""Longest wait for a burst of changes to end, in milliseconds (watchfiles' own default)."""
_STEP_MS = 100
"""A burst is over when nothing changed for this long."""


def changes(
    rebuilder: Rebuilder, stop: threading.Event, *, debounce_ms: int = DEBOUNCE_MS
) -> Iterator[set[Path]]:
    """Each burst of changes worth a build, as absolute paths, until ``stop`` is set."""

    def wanted(change: watchfiles.Change, path: str) -> bool:
        return not rebuilder.ignores(Path(path))

    for batch in watchfiles.watch(
        *rebuilder.watched(),
        watch_filter=wanted,
        debounce=debounce_ms,
        step=_STEP_MS,
        stop_event=stop,
        raise_interrupt=False,
    ):
        found = {Path(path) for _, path in batch}
        if found:
            yield found


def watch(
    rebuilder: Rebuilder,
    stop: threading.Event,
    *,
    debounce_ms: int = DEBOUNCE_MS,
    on_change: Callable[[set[Path]], None] | None = None,
) -> BuildState | None:
    """Rebuild after each burst until ``stop`` is set (or Ctrl-C); the last state built."""
    state = None
    for found in changes(rebuilder, stop, debounce_ms=debounce_ms):
        if on_change is not None:
            on_change(found)
        state = rebuilder.rebuild(found)
    return state
