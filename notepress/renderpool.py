"""Render the notes a target selects on every core, in their order, as one process would.

Rendering is pure, so the notes of a large target are rendered in chunks by forked worker
processes, which inherit the vault, the link style and the settings, and send back each
rendering as plain data with what it read (:class:`~notepress.markdown.memo.Reads`).  This
process keeps the rest of the work: it asks the build cache first, so a note whose rendering
is still right never reaches a worker; it asks the style the questions each rendering asked
it, in the notes' order, so that an exporter whose style remembers what it was asked (the
media an e-book carries) ends up as after a serial run, and a note for which a style would
now answer differently is rendered again here; and it stores the new renderings.  The
renderings are the serial ones, byte for byte.

A pool only starts when enough notes are left to render (:data:`MIN_POOL_RENDERS`) and
``fork`` is safe (:mod:`notepress.forking`): with a thread of another kind running (the
preview server's) or no ``fork`` at all, the notes are rendered here, one after the other.
A worker that dies costs time only: its chunk is rendered here.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .cache.codec import problems_from_data, problems_to_data, rendered_from_data, rendered_to_data
from .errors import NoteRenderError
from .forking import fork_is_safe, forking
from .markdown.footnotes import FootnoteRule
from .markdown.math import MathRule
from .markdown.memo import Reads, count_render, current_memo, replay
from .markdown.render import LinkStyle, RenderedNote, TextLinks, render_args, render_fresh
from .model import Note
from .workers import job_count, worker_pool

if TYPE_CHECKING:
    from .markdown.memo import RenderMemo
    from .vault import Vault

__all__ = ["CHUNK_NOTES", "MIN_POOL_RENDERS", "Outcome", "render_many"]

#: Notes a worker renders per task: about 50 ms of work for notes of 4 KB, so that sending
#: the task and its answer costs little next to it, and a slow note holds up few others.
CHUNK_NOTES = 16
#: Renders a pool must have before it starts.  Measured on 2 cores, notes of 4 KB: 64 of
#: them took 0.15 s on two workers and 0.19 to 0.34 s here, for about 0.08 s more CPU time
#: (forking, and moving the renderings back); fewer are rendered here.
MIN_POOL_RENDERS = 64
#: Chunks each worker may have queued: enough to keep it busy while this process takes the
#: renderings of the others.
CHUNKS_AHEAD = 3

Outcome = RenderedNote | NoteRenderError
"""A note's rendering, or the error that left it out."""


def render_many(
    notes: Sequence[Note],
    vault: Vault,
    style: LinkStyle | None = None,
    *,
    include_drafts: bool = False,
    footnotes: FootnoteRule = "list",
    math: MathRule = "mathml",
    jobs: int | None = None,
) -> Iterator[tuple[Note, Outcome]]:
    """Each note with its :func:`~notepress.markdown.render_note` rendering (or the
    :class:`NoteRenderError` that call would raise), in the order of ``notes``.

    ``jobs`` caps the processes (see :func:`notepress.workers.job_count`); 1 renders here.
    Renderings are made a window ahead of the one yielded, so only that window is held.
    """
    style = style or TextLinks()
    args = render_args(style, include_drafts, footnotes, math)
    workers = min(job_count(jobs), max(len(notes) // CHUNK_NOTES, 1))
    if workers <= 1 or len(notes) < MIN_POOL_RENDERS or not fork_is_safe():
        for note in notes:
            yield note, _render_here(note, vault, style, args, current_memo())
        return
    yield from _Renderer(notes, vault, style, args, workers).run()


def _render_here(
    note: Note, vault: Vault, style: LinkStyle, args: list[Any], memo: RenderMemo | None
) -> Outcome:
    """What :func:`render_note` gives, the memo asked first."""
    if memo is not None:
        stored = memo.lookup(note, vault, style, args)
        if stored is not None:
            return stored
    return _render_and_store(note, vault, style, args, memo)


def _render_and_store(
    note: Note, vault: Vault, style: LinkStyle, args: list[Any], memo: RenderMemo | None
) -> Outcome:
    reads = memo.reads() if memo is not None else None
    count_render(note)
    try:
        rendered = render_fresh(note, vault, style, args, reads)
    except NoteRenderError as exc:
        return exc
    if memo is not None and reads is not None:
        memo.store(note, style, args, reads, rendered, vault)
    return rendered


@dataclass
class _Chunk:
    """Notes sent to a worker together, and what came back."""

    indexes: list[int] = field(default_factory=list)
    future: Future[list[tuple[int, Any]]] | None = None
    answers: dict[int, Any] | None = None


@dataclass
class _Slot:
    """One note in the window: its outcome once known, else the chunk rendering it."""

    index: int
    outcome: Outcome | None = None
    chunk: _Chunk | None = None


# What a forked worker renders from: set in this process just before the workers are
# forked, so that they inherit it instead of receiving the vault through a pipe.
_JOB: _Renderer | None = None


class _Renderer:
    """One :func:`render_many` call that is worth a pool: the window of notes, the chunks
    not yet sent and, once started, the pool."""

    def __init__(
        self, notes: Sequence[Note], vault: Vault, style: LinkStyle, args: list[Any], workers: int
    ) -> None:
        self.notes = notes
        self.vault = vault
        self.style = style
        self.args = args
        self.workers = workers
        self.memo = current_memo()
        self.window = max(workers * (CHUNKS_AHEAD + 1) * CHUNK_NOTES, 2 * MIN_POOL_RENDERS)
        self.pool: ProcessPoolExecutor | None = None
        self.open = _Chunk()
        """The chunk notes to render are added to."""
        self.unsent: list[_Chunk] = []
        """Full chunks kept until enough of them pay for a pool."""
        self._by_path: dict[str, Note] | None = None

    def run(self) -> Iterator[tuple[Note, Outcome]]:
        global _JOB
        slots: deque[_Slot] = deque()
        try:
            for index, note in enumerate(self.notes):
                slot = _Slot(index)
                if self.memo is not None:
                    slot.outcome = self.memo.lookup(note, self.vault, self.style, self.args)
                if slot.outcome is None:
                    slot.chunk = self._add(index)
                slots.append(slot)
                while len(slots) > self.window:
                    yield self._take(slots.popleft())
            while slots:
                yield self._take(slots.popleft())
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
            if _JOB is self:
                _JOB = None

    def _add(self, index: int) -> _Chunk:
        chunk = self.open
        chunk.indexes.append(index)
        if len(chunk.indexes) == CHUNK_NOTES:
            self._seal()
        return chunk

    def _seal(self) -> None:
        """Close the open chunk; send it, with those kept, once there is a pool or enough
        of them to start one."""
        global _JOB
        self.unsent.append(self.open)
        self.open = _Chunk()
        if self.pool is None and sum(len(c.indexes) for c in self.unsent) >= MIN_POOL_RENDERS:
            _JOB = self  # before the fork: the workers inherit it
            self.pool = worker_pool(self.workers, multiprocessing.get_context("fork"))
            with forking():  # the workers are forked by the first submit
                self._submit_unsent()
        if self.pool is not None:
            self._submit_unsent()

    def _submit_unsent(self) -> None:
        for chunk in self.unsent:
            self._submit(chunk)
        self.unsent = []

    def _submit(self, chunk: _Chunk) -> None:
        assert self.pool is not None
        if not chunk.indexes:
            chunk.answers = {}
            return
        try:
            chunk.future = self.pool.submit(_render_chunk, list(chunk.indexes))
        except BrokenProcessPool:
            chunk.answers = {}  # its notes are rendered here

    def _take(self, slot: _Slot) -> tuple[Note, Outcome]:
        note = self.notes[slot.index]
        if slot.outcome is not None:
            return note, slot.outcome
        chunk = slot.chunk
        assert chunk is not None
        if chunk.future is None and chunk.answers is None:
            if self.pool is None:  # too few notes to render for a pool, so far
                chunk.indexes.remove(slot.index)
                return note, self._here(note)
            self._seal()  # the open chunk, sent as it is
        if chunk.answers is None:
            chunk.answers = self._collect(chunk)
        answer = chunk.answers.pop(slot.index, None)
        if answer is None:  # its worker died
            return note, self._here(note)
        return note, self._received(note, answer)

    def _collect(self, chunk: _Chunk) -> dict[int, Any]:
        assert chunk.future is not None
        try:
            return dict(chunk.future.result())
        except BrokenProcessPool:
            return {}

    def _here(self, note: Note) -> Outcome:
        return _render_and_store(note, self.vault, self.style, self.args, self.memo)

    def _received(self, note: Note, answer: tuple[Any, ...]) -> Outcome:
        """The rendering a worker sent, once this process's style gives the answers the
        worker's gave (asking also leaves the style as a serial run would)."""
        if answer[0] == "error":
            count_render(note)
            return NoteRenderError(problems_from_data(answer[1])[0])
        _, data, reads = answer
        if self._by_path is None:
            self._by_path = {n.path.as_posix(): n for n in self.vault.notes}
        if replay(reads, self.vault, self.style, self._by_path, _unused, style_only=True) is None:
            return self._here(note)
        count_render(note)
        rendered = rendered_from_data(data, note, self._by_path)
        if self.memo is not None:
            kept = self.memo.reads()
            for kind, args, value in reads:
                kept.add(kind, args, value)
            self.memo.store(note, self.style, self.args, kept, rendered, self.vault)
        return rendered


def _unused(note: Note) -> str:
    raise AssertionError("no content is read again when only the style is asked")


def _render_chunk(indexes: list[int]) -> list[tuple[int, Any]]:
    """In a worker: each note's rendering as data, with what it read, or its error."""
    job = _JOB
    assert job is not None, "a render worker started without its job"
    answers: list[tuple[int, Any]] = []
    for index in indexes:
        note = job.notes[index]
        reads = job.memo.reads() if job.memo is not None else Reads(_no_content)
        try:
            rendered = render_fresh(note, job.vault, job.style, job.args, reads)
        except NoteRenderError as exc:
            answers.append((index, ("error", problems_to_data([exc.problem]))))
            continue
        answers.append((index, ("ok", rendered_to_data(rendered), reads.as_data())))
    return answers


def _no_content(note: Note) -> str:
    """Without a memo nothing is stored, so what an embedded note's content was is moot."""
    return ""
