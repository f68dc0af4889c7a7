"""A large archive as several books: one volume per year, or at most N notes each.

pandoc holds the whole book in memory at once (about a gigabyte per thousand plain notes,
far more with formulas), and one run uses one core.  Volumes bound both: each is its own
book, built by its own pandoc run, and runs overlap up to the number of cores.

A volume is a complete book: links between its notes stay anchors, and a link to a note in
another volume leaves the book like a link to any note outside it (an absolute URL when the
site has one, else plain text), so no volume ever holds a dangling link.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import tzinfo
from typing import Literal, TypeVar

from notepress.model import Note

__all__ = ["Volume", "default_workers", "overlapped", "split_volumes"]

Volumes = Literal["none", "year"]
T = TypeVar("T")
R = TypeVar("R")
P = TypeVar("P")


@dataclass(frozen=True)
class Volume:
    """Some of the archive's notes, in their order, and the book's name for them."""

    key: str
    """What tells the volume apart in its file name and identifier: ``2024``, ``02``, ``2024-02``."""
    label: str
    """What the title says after the archive's title: ``2024``, ``Volume 2 of 3``."""
    notes: tuple[Note, ...]


def split_volumes(
    notes: Sequence[Note], volumes: Volumes, size: int, tz: tzinfo
) -> list[Volume] | None:
    """The volumes of an archive, or None when it is one book.

    By year, a note goes to the year it was created in (undated notes to ``undated``, last);
    with ``size`` too, a year of more than ``size`` notes is split again.  By size alone the
    notes are cut in order, every volume but the last holding exactly ``size``.
    """
    if (volumes == "none" and size <= 0) or not notes:
        return None  # an empty archive is one book with its title page, as without volumes
    if volumes == "none":
        return _by_size(tuple(notes), size, "", "")
    years: dict[int | None, list[Note]] = {}
    for note in notes:
        year = note.created.astimezone(tz).year if note.created else None
        years.setdefault(year, []).append(note)
    ordered = sorted(years.items(), key=lambda item: (item[0] is None, item[0] or 0))
    result: list[Volume] = []
    for year, members in ordered:
        name = "undated" if year is None else f"{year:04d}"
        label = "Undated" if year is None else str(year)
        if size > 0 and len(members) > size:
            result.extend(_by_size(tuple(members), size, name + "-", label + ", "))
        else:
            result.append(Volume(name, label, tuple(members)))
    return result


def _by_size(notes: tuple[Note, ...], size: int, key: str, label: str) -> list[Volume]:
    chunks = [notes[start : start + size] for start in range(0, len(notes), size)]
    return [
        Volume(f"{key}{number:02d}", f"{label}Volume {number} of {len(chunks)}", chunk)
        for number, chunk in enumerate(chunks, 1)
    ]


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def overlapped(
    items: Sequence[T],
    prepare: Callable[[T], tuple[P, Callable[[], R]]],
    workers: int,
) -> list[tuple[T, P, Future[R]]]:
    """Prepare each item here, in order, and run what it returns on a thread meanwhile.

    ``prepare`` (rendering a volume's notes) is Python and stays on this thread, where it may
    report problems; the work it hands back (a pandoc subprocess) only waits, so threads are
    enough to keep ``workers`` of them going at once.  No more than ``workers`` prepared
    books wait at a time (each is a whole HTML document); results keep the items' order.
    """
    limit = max(1, workers or default_workers())
    done: list[tuple[T, P, Future[R]]] = []
    with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="pandoc") as pool:
        for item in items:
            running = [entry[2] for entry in done if not entry[2].done()]
            if len(running) >= limit:
                wait(running, return_when=FIRST_COMPLETED)
            kept, work = prepare(item)
            done.append((item, kept, pool.submit(work)))
    return done
