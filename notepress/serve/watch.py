"""Follow the vault's files and rebuild after each burst of changes.

watchfiles waits for a quiet moment (``debounce``) before it reports, so an editor that
saves a file in three writes, or a ``git checkout`` of fifty notes, starts one build.
Changes that arrive while a build runs are reported once it is over.
"""

from __future__ import annotations

import os
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
_READY_MS = 500
"""How soon the watcher says it runs, when files saved before it did are to be looked for."""


def changes(
    rebuilder: Rebuilder,
    stop: threading.Event,
    *,
    debounce_ms: int = DEBOUNCE_MS,
    since: float | None = None,
) -> Iterator[set[Path]]:
    """Each burst of changes worth a build, as absolute paths, until ``stop`` is set.

    ``since``: when the build the changes follow began (``time.time()``).  The watcher
    starts after that build, so a file saved meanwhile is looked for once it runs: missed,
    the preview showed the old note until the next save.
    """

    def wanted(change: watchfiles.Change, path: str) -> bool:
        return not rebuilder.ignores(Path(path))

    for batch in watchfiles.watch(
        *rebuilder.watched(),
        watch_filter=wanted,
        debounce=debounce_ms,
        step=_STEP_MS,
        stop_event=stop,
        raise_interrupt=False,
        yield_on_timeout=since is not None,  # once, to say that the watcher runs
        rust_timeout=_READY_MS if since is not None else 5000,
    ):
        found = {Path(path) for _, path in batch}
        if since is not None:
            found |= changed_since(rebuilder, since)
            since = None
        if found:
            yield found


def changed_since(rebuilder: Rebuilder, since: float) -> set[Path]:
    """The files of the watched folders written or changed at ``since`` or after, but for
    those no build follows."""
    found: set[Path] = set()
    for top in rebuilder.watched():
        paths = [top] if not top.is_dir() else _files_below(top, rebuilder)
        for path in paths:
            try:
                info = path.stat()
            except OSError:
                continue
            if max(info.st_mtime, info.st_ctime) >= since and not rebuilder.ignores(path):
                found.add(path)
    return found


def _files_below(top: Path, rebuilder: Rebuilder) -> Iterator[Path]:
    for folder, dirs, files in os.walk(top):
        here = Path(folder)
        dirs[:] = [d for d in dirs if not rebuilder.ignores(here / d)]
        yield from (here / name for name in files)


def watch(
    rebuilder: Rebuilder,
    stop: threading.Event,
    *,
    debounce_ms: int = DEBOUNCE_MS,
    on_change: Callable[[set[Path]], None] | None = None,
    since: float | None = None,
) -> BuildState | None:
    """Rebuild after each burst until ``stop`` is set (or Ctrl-C); the last state built.
    ``since``: when the first build began (see :func:`changes`)."""
    state = None
    for found in changes(rebuilder, stop, debounce_ms=debounce_ms, since=since):
        if on_change is not None:
            on_change(found)
        state = rebuilder.rebuild(found)
    return state
