"""Parse a vault's notes on every core, when there are enough of them to pay for the pool.

Parsing is pure (bytes and settings in, a :class:`~notepress.model.Note` out) and takes a few
milliseconds a note, so a large vault parses in chunks of contiguous files on a process pool
and the results come back in the order the files were given: the vault is the same note for
note, problems included, as a serial load gives.  A small vault is parsed in this process,
since starting workers costs more than it saves (see :data:`MIN_PARALLEL_NOTES`).

How many processes: the ``jobs`` argument (the CLI's ``-j``, the ``[vault] jobs`` key), else
the ``NOTEPRESS_JOBS`` environment variable, else one per usable core; ``1`` never starts a
pool.  A note over its CPU budget in a worker gets the same ``note-too-slow`` error as in this
process (the budget's timer works in each worker's main thread).  A worker that dies (killed,
out of memory) costs nothing but time: the chunks it took are parsed again here, so the
result is still the serial one.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.reduction
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Any

from .budget import budget_scope
from .forking import fork_is_safe, forking
from .lifetime import die_with_parent
from .markdown import comments
from .model import Note
from .parse import ParseSettings, outline_note_within_budget, parse_note_within_budget

__all__ = [
    "JOBS_ENV",
    "MIN_PARALLEL_BYTES",
    "MIN_PARALLEL_NOTES",
    "job_count",
    "jobs_installed",
    "outline_notes",
    "parse_files",
    "worker_pool",
]

JOBS_ENV = "NOTEPRESS_JOBS"
_JOBS: ContextVar[int | None] = ContextVar("notepress_jobs", default=None)
#: Below this many notes a pool costs more than it saves.  Measured on 2 cores: starting two
#: forked workers and moving the notes back costs about as much as parsing 150 typical notes
#: (4 KB each) here.
MIN_PARALLEL_NOTES = 200
#: ... or this many bytes, whichever comes first: a few very long notes are worth a pool too.
MIN_PARALLEL_BYTES = 2 * 1024 * 1024
#: Chunks per worker: enough that a worker slowed by one long note does not hold up the end.
CHUNKS_PER_WORKER = 4

Item = tuple[PurePosixPath, bytes]
"""One file to parse: its vault-relative path and its bytes."""


def job_count(jobs: int | None = None) -> int:
    """How many processes parse or render: ``jobs`` if given and positive, else the count
    :func:`jobs_installed` set, else ``NOTEPRESS_JOBS`` if valid, else the cores this
    process may use."""
    if jobs is not None and jobs > 0:
        return jobs
    installed = _JOBS.get()
    if installed is not None and installed > 0:
        return installed
    value = os.environ.get(JOBS_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return _usable_cores()


@contextmanager
def jobs_installed(jobs: int | None) -> Iterator[None]:
    """Work in this block uses ``jobs`` processes at most (None: the usual default): how a
    build hands the ``[vault] jobs`` setting to the exporters' renderings."""
    token = _JOBS.set(jobs)
    try:
        yield
    finally:
        _JOBS.reset(token)


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return max(os.cpu_count() or 1, 1)


def parse_files(
    items: Sequence[Item],
    settings: ParseSettings,
    *,
    jobs: int | None = None,
    read_body: bool = True,
) -> list[Note]:
    """The note of each ``(path, bytes)`` item, in the items' order.

    Parsed on a process pool when ``jobs`` allows more than one process and the work is
    large enough (:data:`MIN_PARALLEL_NOTES`, :data:`MIN_PARALLEL_BYTES`), else here.
    ``read_body=False``: the frontmatter alone (see :func:`~notepress.parse.parse_note`),
    always here: reading a frontmatter costs about what moving its note back from a worker
    does, so a pool only adds work (10,000 notes: 2.8 s of CPU here, 3.9 to 4.5 s and no
    less wall time on two workers).
    """
    work = partial(_parse_chunk, settings=settings, read_body=read_body)
    if not read_body:
        return work(items)
    return _spread(work, items, [len(raw) for _, raw in items], jobs)


def outline_notes(
    notes: Sequence[Note], settings: ParseSettings, *, jobs: int | None = None
) -> list[Note]:
    """Each of ``notes`` with its body read (:func:`~notepress.parse.outline_note`), in the
    same order, on a process pool when there are enough of them, as :func:`parse_files`."""
    work = partial(_outline_chunk, settings=settings)
    return _spread(work, notes, [len(note.body) for note in notes], jobs)


_Work = Callable[[Sequence[Any]], list[Note]]


def _spread(work: _Work, items: Sequence[Any], sizes: list[int], jobs: int | None) -> list[Note]:
    """``work`` done on ``items`` (whose sizes in bytes are ``sizes``), here or on a pool."""
    workers = min(job_count(jobs), len(items))
    if workers <= 1 or not _worth_a_pool(sizes):
        return work(items)
    return _on_pool(work, items, sizes, workers)


def _on_pool(work: _Work, items: Sequence[Any], sizes: list[int], workers: int) -> list[Note]:
    chunks = _chunks(items, sizes, workers * CHUNKS_PER_WORKER)
    notes: list[Note] = []
    pool = worker_pool(workers, _context())
    try:
        with forking():  # the workers are forked by the first submit
            futures: list[Future[Any]] = [pool.submit(_in_worker, work, c) for c in chunks]
        for chunk, future in zip(chunks, futures, strict=True):
            try:
                done, known = future.result()
            except BrokenProcessPool:  # a worker died (killed, out of memory): work here
                done, known = work(chunk), []
            comments.remember(known)
            notes.extend(done)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return notes


def _worth_a_pool(sizes: Sequence[int]) -> bool:
    return len(sizes) >= MIN_PARALLEL_NOTES or sum(sizes) >= MIN_PARALLEL_BYTES


def _chunks(items: Sequence[Any], sizes: Sequence[int], count: int) -> list[Sequence[Any]]:
    """``items`` cut into ``count`` contiguous runs of about the same number of bytes."""
    total = sum(sizes) or 1
    chunks: list[Sequence[Any]] = []
    start = 0
    size = 0
    for index, length in enumerate(sizes):
        size += length
        if size * count >= total * (len(chunks) + 1) and index + 1 < len(items):
            chunks.append(items[start : index + 1])
            start = index + 1
    chunks.append(items[start:])
    return [chunk for chunk in chunks if chunk]


def worker_pool(workers: int, context: multiprocessing.context.BaseContext) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that end with this one, even killed outright: such a
    build runs no cleanup, and its workers would wait for work for ever.  (A worker of a
    fork server is the server's child; the server itself ends when this process does.)"""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=die_with_parent,
        initargs=(os.getpid() if context.get_start_method() == "fork" else None,),
    )


def _in_worker(work: _Work, chunk: Sequence[Any]) -> tuple[list[Note], list[Any]]:
    """In a worker: ``work`` on the chunk, and what the comment rule learnt doing it, so that
    rendering the notes in the parent does not repeat that work."""
    comments.forget()
    notes = work(chunk)
    return notes, comments.forget()


def _parse_chunk(chunk: Sequence[Item], settings: ParseSettings, read_body: bool) -> list[Note]:
    with budget_scope():
        return [
            parse_note_within_budget(path, raw, settings, read_body=read_body)
            for path, raw in chunk
        ]


def _outline_chunk(chunk: Sequence[Note], settings: ParseSettings) -> list[Note]:
    with budget_scope():
        return [outline_note_within_budget(note, settings) for note in chunk]


def _context() -> multiprocessing.context.BaseContext:
    """``fork`` where it is safe: workers start at once with everything imported.
    Otherwise ``forkserver`` or ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    if fork_is_safe():
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def _mapping_proxy(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


def _reduce_mapping_proxy(
    proxy: MappingProxyType[Any, Any],
) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _mapping_proxy, (dict(proxy),)


# A note's frontmatter maps are read-only views, which pickle cannot carry on its own; the
# worker sends the mapping and the parent wraps it again.  Registered for multiprocessing
# alone: nothing else in the process pickles differently.
multiprocessing.reduction.ForkingPickler.register(MappingProxyType, _reduce_mapping_proxy)
