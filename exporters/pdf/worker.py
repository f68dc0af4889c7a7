"""Render digests with WeasyPrint in worker processes, each under a time and memory limit.

A digest is one call to WeasyPrint, which can take minutes and gigabytes on a pathological
note (a table of ten thousand rows, a huge image).  Running each digest in its own process
lets the parent stop it cleanly: a digest over its limits fails with a message, and the
other digests are still written.  Several digests render at once, one process per core.

WeasyPrint itself is imported by the workers only (:mod:`.render`), once, in the fork
server they are forked from: the build that starts them does not pay for it a second time.

The parent talks to a worker through a one-way pipe: ``("ready",)`` once WeasyPrint is
imported and the memory limit set (the time limit starts then), then one final
``("done", RenderResult)`` or ``("failed", message)``.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import multiprocessing.util
import os
import signal
import tempfile
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from notepress.lifetime import die_with_parent, exit_when_gone

from .jobs import RenderJob, RenderResult

__all__ = ["render_digests"]

#: The worker's body, which imports WeasyPrint, by name for the fork server to preload: never
#: imported by the build itself, which only hands out jobs and reads results.
_RENDER_MODULE = __name__.rpartition(".")[0] + ".render"

_STARTUP_SECONDS = 60.0
#: How Python words a C function's failure that set no exception.
_NULL_WITHOUT_ERROR = ("without setting an exception", "error return without exception set")
#: CPU seconds between SIGXCPU and SIGKILL, for a render stuck in native code.
_CPU_GRACE_SECONDS = 5
#: The wall-clock safety net: a worker that is not using its CPU (stalled, or starved on a
#: machine far busier than its cores) is still stopped, this long after its CPU limit would
#: have struck at full speed.  Generous, so that on a loaded machine the CPU limit, which
#: says something about the digest, is always the one that strikes first: a 463-page digest
#: of 121 CPU seconds took 1,911 s on the clock on two cores shared by a dozen busy
#: processes (a 6 % share), which a net of 1,620 s had killed.
_WALL_FACTOR = 10
_WALL_MARGIN_SECONDS = 120.0
"""How long a worker may take to start (import WeasyPrint) before it counts as hung."""


# The worker process ------------------------------------------------------------------


def _limit_memory(megabytes: int) -> None:
    """Cap the worker's address space, so that a runaway render fails with MemoryError."""
    if megabytes <= 0:
        return
    try:
        import resource
    except ImportError:  # not on this platform: the time limit still applies
        return
    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _limit_cpu(seconds: float) -> None:
    """Stop the render after ``seconds`` of its own CPU time (SIGXCPU, then SIGKILL).

    CPU time, not the wall clock: a digest gets the same allowance on a busy machine as on
    an idle one, so the limit says something about the digest and nothing about the load.
    No core file is written when the limit strikes.
    """
    try:
        import resource
    except ImportError:  # not on this platform: the parent's wall-clock safety net remains
        return
    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(used.ru_utime + used.ru_stime + seconds)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    wanted_hard = soft + _CPU_GRACE_SECONDS
    if hard != resource.RLIM_INFINITY:
        soft, wanted_hard = min(soft, hard), min(wanted_hard, hard)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (soft, wanted_hard))


def _lift_memory_limit() -> None:
    """Give a worker that ran out of memory room to report it."""
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    except (ImportError, ValueError, OSError):
        pass


#: Python's collection thresholds in a worker: see :func:`_collect_less`.
RENDER_GC_THRESHOLDS = (20_000, 10, 10)


def _collect_less() -> None:
    """Collect garbage cycles less often in this worker: one digest, then the process ends.

    WeasyPrint keeps every box it lays out until the PDF is written, so with the default
    thresholds (a young collection every 700 new objects) the collector walks that growing
    tree some two thousand times for a 100-page digest and frees almost nothing: 15% of
    the render's CPU, measured with ``gc.callbacks``.  At these thresholds it runs some sixty
    times (under 4% of the CPU) for a peak 10 to 15% higher, which the memory limit's
    projection for 500 pages still holds (tests/test_pdf_scale.py).  What the worker
    inherited from the fork server (the imported modules) is frozen out of every
    collection.
    """
    gc.freeze()
    gc.set_threshold(*RENDER_GC_THRESHOLDS)


def _worker(
    connection: Connection, job: RenderJob, log_path: str, build_pid: int, cpu_seconds: float
) -> None:
    """Entry point of a worker process: render one digest and send the result back.

    The worker's stderr goes to ``log_path``: a library that aborts (GLib does when an
    allocation fails) leaves its last words there for the parent's message.  The worker
    dies with its parent (the fork server) and with the build, even one killed outright.
    """
    die_with_parent()
    exit_when_gone(build_pid)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 2)
    os.close(log)
    try:
        # fontTools stamps each font subset with the time unless this is set.  Set it from
        # the job, not inherited: a forkserver keeps the environment it was started with.
        os.environ["SOURCE_DATE_EPOCH"] = str(job.source_date_epoch)
        # WeasyPrint copies the @font-face fonts into a temporary folder of its own: keep it
        # inside the build's temporary folder, which the parent removes even after a kill.
        tempfile.tempdir = os.path.dirname(log_path)
        # Already imported where the fork server preloads it; with ``spawn``, imported here,
        # before the limits start: they are the digest's, not WeasyPrint's import.
        from .render import render_in_process

        _collect_less()
        _limit_memory(job.memory_limit_mb)
        _limit_cpu(cpu_seconds)
        connection.send(("ready",))
        result = render_in_process(job)
        connection.send(("done", result))
    except MemoryError:
        _lift_memory_limit()
        connection.send(("memory", ""))
    except SystemError as exc:
        # Under an address-space cap a C extension whose allocation fails can return NULL
        # without setting MemoryError; Python then raises this instead, worded by where the
        # NULL surfaced: a call's result, or the interpreter's own loop.
        _lift_memory_limit()
        if job.memory_limit_mb and any(words in str(exc) for words in _NULL_WITHOUT_ERROR):
            connection.send(("memory", ""))
        else:
            connection.send(("failed", f"{type(exc).__name__}: {exc}"))
    except BaseException as exc:  # reported to the parent, which names the digest
        _lift_memory_limit()
        connection.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


# The parent ---------------------------------------------------------------------------


def _context() -> Any:
    """A start method that does not copy the parent's threads and locks into the worker.

    ``forkserver`` starts a clean server once and forks workers from it, with WeasyPrint
    already imported there; ``spawn`` is the portable fallback.
    """
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([_RENDER_MODULE])
        return context
    return multiprocessing.get_context("spawn")


def _pin_multiprocessing_folder() -> None:
    """Create multiprocessing's folder (the fork server's socket) in the system's temporary
    folder, not in the build's own (which goes when the build ends): the fork server outlives
    one build and serves the next ones of this process."""
    saved = tempfile.tempdir
    tempfile.tempdir = None
    try:
        multiprocessing.util.get_temp_dir()
    finally:
        tempfile.tempdir = saved


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class _Running:
    job: RenderJob
    process: Any
    connection: Connection
    deadline: float
    log: str
    ready: bool = False

    def last_words(self) -> str:
        """The last line the worker wrote on stderr, if any."""
        try:
            with open(self.log, encoding="utf-8", errors="replace") as file:
                lines = [line.strip() for line in file if line.strip()]
        except OSError:
            return ""
        return lines[-1][:300] if lines else ""


def render_digests(
    jobs: Sequence[RenderJob], *, timeout: float, workers: int = 0
) -> list[RenderResult]:
    """Render every job in a worker process, ``workers`` at a time, in the jobs' order.

    A worker still rendering ``timeout`` seconds after it started is killed; one that runs
    out of memory or dies reports that.  Either way its result carries an ``error`` and the
    others are unaffected.
    """
    if not jobs:
        return []
    _pin_multiprocessing_folder()
    context = _context()
    limit = max(1, min(workers or default_workers(), len(jobs)))
    pending = deque(enumerate(jobs))
    running: list[_Running] = []
    results: dict[str, RenderResult] = {}
    with tempfile.TemporaryDirectory(prefix="notepress-pdf-") as logs:
        try:
            while pending or running:
                while pending and len(running) < limit:
                    index, job = pending.popleft()
                    log = os.path.join(logs, f"worker-{index}.log")
                    running.append(_start(context, job, timeout, log))
                _wait(running)
                for item in list(running):
                    outcome = _poll(item, timeout)
                    if outcome is not None:
                        running.remove(item)
                        results[item.job.name] = outcome
        finally:  # interrupted (Ctrl-C): leave no worker rendering behind
            for item in running:
                item.process.kill()
                _finish(item, RenderResult(item.job.name, error="interrupted"))
    return [results[job.name] for job in jobs]


def _start(context: Any, job: RenderJob, timeout: float, log: str) -> _Running:
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_worker, args=(sender, job, log, os.getpid(), timeout), name=f"pdf {job.name}"
    )
    process.start()
    sender.close()
    deadline = time.monotonic() + max(timeout, _STARTUP_SECONDS)
    return _Running(job, process, receiver, deadline, log)


def _wait(running: list[_Running]) -> None:
    now = time.monotonic()
    soonest = min(item.deadline for item in running)
    handles: list[Any] = [item.connection for item in running]
    handles += [item.process.sentinel for item in running]
    wait(handles, timeout=max(0.0, soonest - now))


def _poll(item: _Running, timeout: float) -> RenderResult | None:
    """The worker's result once it has one, else None while it may go on."""
    name = item.job.name
    while item.connection.poll():
        try:
            message = item.connection.recv()
        except (EOFError, OSError):
            break
        kind = message[0]
        if kind == "ready":
            item.ready = True
            item.deadline = time.monotonic() + _wall_limit(timeout)
        elif kind == "done":
            return _finish(item, message[1])
        elif kind == "memory":
            return _finish(item, _over_memory(item.job))
        else:
            return _finish(item, RenderResult(name, error=f"rendering failed: {message[1]}"))
    if not item.process.is_alive():
        code = item.process.exitcode
        if code in (-signal.SIGXCPU, -signal.SIGKILL) and item.ready:
            return _finish(item, _over_time(name, f"{_seconds(timeout)} of CPU time"))
        detail = f"the worker stopped with exit code {code}"
        if item.last_words():
            detail += f": {item.last_words()}"
        if item.job.memory_limit_mb and _looks_out_of_memory(code, item.last_words()):
            result = _over_memory(item.job, f" ({detail})")
        elif item.job.memory_limit_mb and code is not None and code < 0:
            result = RenderResult(name, error=_crashed_under_cap(item.job, code, detail))
        else:
            result = RenderResult(name, error=detail)
        return _finish(item, result)
    if time.monotonic() >= item.deadline:
        item.process.kill()
        what = _seconds(_wall_limit(timeout)) if item.ready else "its start-up time"
        return _finish(item, _over_time(name, what))
    return None


def _seconds(seconds: float) -> str:
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"


def _wall_limit(timeout: float) -> float:
    return timeout * _WALL_FACTOR + _WALL_MARGIN_SECONDS


def _over_time(name: str, what: str) -> RenderResult:
    return RenderResult(
        name,
        error=f"rendering took longer than {what} and was stopped; raise the target's "
        "'timeout' option or split the digest (group, latest)",
        over_limit=True,
    )


def _looks_out_of_memory(code: int | None, last_words: str) -> bool:
    """A worker that died under its memory cap, not of any crash at all: GLib stops the
    process (SIGABRT, or SIGTRAP for a ``GLib-ERROR``) when an allocation or a thread's
    stack cannot be had, and says so on stderr."""
    words = last_words.lower()
    clues = ("memory", "alloc", "resource temporarily unavailable")
    return code in (-signal.SIGABRT, -signal.SIGTRAP) or any(clue in words for clue in clues)


def _crashed_under_cap(job: RenderJob, code: int, detail: str) -> str:
    """A crash by a signal while a memory cap was set: perhaps the cap, perhaps not.

    Some C libraries crash (SIGSEGV) instead of reporting an allocation they cannot have, so
    the cap is named as a likely cause and the way to tell, without claiming it was.
    """
    try:
        signame = signal.Signals(-code).name
    except ValueError:
        signame = f"signal {-code}"
    return (
        f"{detail} ({signame}) under the {job.memory_limit_mb} MB memory limit; a library "
        "may crash when it cannot have memory: raise the target's 'memory_limit' option "
        "(0 lifts it) to see whether memory is the cause"
    )


def _over_memory(job: RenderJob, detail: str = "") -> RenderResult:
    return RenderResult(
        job.name,
        error=f"rendering needed more than {job.memory_limit_mb} MB of memory{detail}; raise "
        "the target's 'memory_limit' option or split the digest (group, latest)",
        over_limit=True,
    )


def _finish(item: _Running, result: RenderResult) -> RenderResult:
    item.process.join(5)
    if item.process.is_alive():
        item.process.kill()
        item.process.join()
    item.connection.close()
    item.process.close()
    return result
