"""Progress of a build, told to whoever asks: the pipeline reports steps, a display shows them.

The pipeline knows nothing of terminals: :func:`~notepress.pipeline.load_project` and
:func:`~notepress.pipeline.build` take an optional :class:`Progress` and call it as each step
starts, moves on and ends.  The API stays silent without one; the command line picks a
display (:func:`progress_for`): a live one with ``rich`` on a terminal, one plain line per
step in a pipe or CI, nothing with ``-q``.  ``-v`` adds each step's times.

The protocol is three methods on a :class:`Step`, so that a cache or targets built in
parallel can report steps of their own (several may be open at once) without changing it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, Protocol, runtime_checkable

from .forking import guard_thread

__all__ = [
    "NoProgress",
    "OpenStep",
    "PlainProgress",
    "Progress",
    "RichProgress",
    "Step",
    "begin",
    "plural",
    "progress_for",
    "step",
]


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 note``, ``2 notes``: every count a person reads is written with its noun."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


@dataclass(frozen=True, eq=False)
class Step:
    """One step of a build: ``load`` (the vault), ``target`` (one target), or another kind.

    Compared by identity, so that two steps with the same words stay two steps.
    """

    kind: str
    name: str
    """What the step works on: the vault folder, the target's name."""
    detail: str = ""
    """Shown beside the name: ``pdf, 24 notes``."""
    total: int | None = None
    """Units of work, when they are known in advance; None for a step shown as a spinner."""


@runtime_checkable
class Progress(Protocol):
    """What the pipeline tells a display; each method is called from the building thread."""

    def started(self, step: Step) -> None:
        """``step`` begins."""

    def advanced(self, step: Step, count: int = 1) -> None:
        """``count`` more units of ``step`` are done."""

    def finished(self, step: Step, outcome: str = "") -> None:
        """``step`` ended; ``outcome`` says how in a few words (``24 notes``, ``failed``)."""


class NoProgress:
    """The default of the API: nothing is shown."""

    def started(self, step: Step) -> None:
        pass

    def advanced(self, step: Step, count: int = 1) -> None:
        pass

    def finished(self, step: Step, outcome: str = "") -> None:
        pass

    def close(self) -> None:
        pass


class OpenStep:
    """A step being worked on: :meth:`advance` it; set :attr:`outcome` before it ends."""

    def __init__(self, progress: Progress | None, step: Step) -> None:
        self.progress = progress
        self.step = step
        self.outcome = ""

    def advance(self, count: int = 1) -> None:
        if self.progress is not None:
            self.progress.advanced(self.step, count)

    def end(self, outcome: str = "") -> None:
        """The step is done; for a step begun with :func:`begin` (``with step`` ends itself)."""
        if self.progress is not None:
            self.progress.finished(self.step, outcome)


def begin(
    progress: Progress | None, kind: str, name: str, detail: str = "", total: int | None = None
) -> OpenStep:
    """Report that a step starts; call :meth:`OpenStep.end` when it is done.

    A step that raises is never ended: the display is closed by whoever made it.
    """
    current = OpenStep(progress, Step(kind, name, detail, total))
    if progress is not None:
        progress.started(current.step)
    return current


@contextmanager
def step(
    progress: Progress | None, kind: str, name: str, detail: str = "", total: int | None = None
) -> Iterator[OpenStep]:
    """``with step(progress, "load", root) as open_step:`` reports the start and, however
    the block ends, the end (``failed`` when it raised)."""
    current = OpenStep(progress, Step(kind, name, detail, total))
    if progress is None:
        yield current
        return
    progress.started(current.step)
    failed = True
    try:
        yield current
        failed = False
    finally:
        progress.finished(current.step, "failed" if failed else current.outcome)


def _cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for (pandoc; not the PDF
    workers, which the forkserver starts and waits for); this process alone on Windows."""
    try:
        import resource
    except ImportError:
        return time.process_time()
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class _Clock:
    wall: float = field(default_factory=time.perf_counter)
    cpu: float = field(default_factory=_cpu_seconds)

    def elapsed(self) -> str:
        wall = time.perf_counter() - self.wall
        cpu = _cpu_seconds() - self.cpu
        return f"{wall:.2f} s, CPU {cpu:.2f} s"


def _verb(step: Step) -> str:
    return {"load": "loading", "target": "building"}.get(step.kind, step.kind)


def _label(step: Step) -> str:
    return f"{step.name} ({step.detail})" if step.detail else step.name


class PlainProgress:
    """One line per step as it starts, for logs: ``building digest (pdf, 24 notes)...``.

    ``verbose`` adds a line as each step ends, with its wall-clock and CPU time.
    """

    def __init__(self, stream: IO[str], *, verbose: bool = False) -> None:
        self.stream = stream
        self.verbose = verbose
        self._clocks: dict[Step, _Clock] = {}

    def started(self, step: Step) -> None:
        self._clocks[step] = _Clock()
        print(f"{_verb(step)} {_label(step)}...", file=self.stream, flush=True)

    def advanced(self, step: Step, count: int = 1) -> None:
        pass

    def finished(self, step: Step, outcome: str = "") -> None:
        clock = self._clocks.pop(step, None)
        if self.verbose and clock is not None:
            what = f"{step.kind} {step.name}: {outcome + ', ' if outcome else ''}"
            print(f"  {what}{clock.elapsed()}", file=self.stream, flush=True)

    def close(self) -> None:
        pass


class RichProgress:
    """A live display on a terminal: a spinner or a bar per running step, and its time.

    Finished steps stay on screen as one line each; ``verbose`` adds their CPU time.  The
    display is redrawn by a thread of its own that touches the terminal only while it holds
    a lock, which a build forking workers takes first (:mod:`notepress.forking`): rich's
    own refresh thread keeps no such promise, and would leave a build on a terminal with
    no workers.
    """

    #: Redraws a second, as rich's own default.
    REFRESH_PER_SECOND = 10

    def __init__(self, stream: IO[str], *, verbose: bool = False) -> None:
        from rich.console import Console
        from rich.markup import escape
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            Task,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as Display
        from rich.text import Text

        class _CountColumn(MofNCompleteColumn):
            """``3/24`` for a step that counts its units; nothing for one that does not."""

            def render(self, task: Task) -> Text:
                return Text("") if task.total is None else super().render(task)

        self._escape = escape
        self.console = Console(file=stream, highlight=False)
        self.verbose = verbose
        self._display = Display(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            _CountColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            auto_refresh=False,
        )
        self._tasks: dict[Step, Any] = {}
        self._clocks: dict[Step, _Clock] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None

    def started(self, step: Step) -> None:
        with self._lock:
            if not self._tasks:
                self._display.start()
            self._clocks[step] = _Clock()
            description = self._escape(f"{_verb(step)} {_label(step)}")
            self._tasks[step] = self._display.add_task(description, total=step.total)
            self._display.refresh()
        if self._refresher is None:
            self._refresher = threading.Thread(
                target=self._refresh, name="notepress-progress", daemon=True
            )
            guard_thread(self._refresher, self._lock)
            self._refresher.start()

    def advanced(self, step: Step, count: int = 1) -> None:
        with self._lock:
            task = self._tasks.get(step)
            if task is not None:
                self._display.advance(task, count)
                self._display.refresh()

    def finished(self, step: Step, outcome: str = "") -> None:
        with self._lock:
            task = self._tasks.pop(step, None)
            clock = self._clocks.pop(step, None)
            if task is None:
                return
            self._display.remove_task(task)
            times = f"[dim], {clock.elapsed()}[/dim]" if self.verbose and clock is not None else ""
            mark = "[red]✗[/red]" if outcome == "failed" else "[green]✓[/green]"
            what = self._escape(f"{step.kind} {_label(step)}{': ' + outcome if outcome else ''}")
            self._display.console.print(f"{mark} {what}{times}")
            if self._tasks:
                self._display.refresh()
            else:
                self._display.stop()

    def close(self) -> None:
        """Stop the live display, also when a step raised and never ended."""
        self._stop.set()
        if self._refresher is not None:
            self._refresher.join()
            self._refresher = None
        with self._lock:
            self._tasks.clear()
            self._display.stop()

    def _refresh(self) -> None:
        """Redraw the running steps (spinners, times) until :meth:`close`."""
        while not self._stop.wait(1 / self.REFRESH_PER_SECOND):
            with self._lock:
                if self._tasks:
                    self._display.refresh()


def progress_for(
    stream: IO[str], *, quiet: bool = False, verbose: bool = False
) -> NoProgress | PlainProgress | RichProgress:
    """The display the command line uses: rich on a terminal, plain lines elsewhere, or none."""
    if quiet:
        return NoProgress()
    if stream.isatty():
        return RichProgress(stream, verbose=verbose)
    return PlainProgress(stream, verbose=verbose)
