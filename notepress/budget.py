"""A CPU-time budget for the work done on one note, so one note can never hold a build hostage.

Every parsing rule is meant to be linear, but a budget is the guarantee that holds when one is
not: a note whose parsing or rendering uses more CPU time than :func:`note_budget` is stopped
and reported as an error of that note (``note-too-slow``), and the rest of the vault builds.

The budget counts CPU time (``ITIMER_PROF``: the process's user and system time), never wall
time, so a busy machine does not make a note fail.  The timer's signal is handled between
Python bytecodes; the regular expression engine checks for signals as it runs, so a long match
is stopped too, but a call into a compiled library (the sanitiser) is only stopped once it
returns.  Signals reach only the main thread, so elsewhere the budget does nothing.

The budget is :data:`DEFAULT_NOTE_BUDGET` seconds; the ``NOTEPRESS_NOTE_BUDGET`` environment
variable sets another (in seconds; ``0`` turns it off).  An environment variable, unlike a
config key, reaches the exporters' worker processes unchanged.
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .errors import NotepressError
from .model import Problem, Severity

__all__ = [
    "BUDGET_ENV",
    "DEFAULT_NOTE_BUDGET",
    "BudgetExceeded",
    "budget_scope",
    "cpu_budget",
    "note_budget",
    "too_slow",
]

#: Seconds of CPU time one note may take to parse, and again to render.  A large real note
#: takes milliseconds; this is for input built to be slow.
DEFAULT_NOTE_BUDGET = 20.0
BUDGET_ENV = "NOTEPRESS_NOTE_BUDGET"


class BudgetExceeded(NotepressError):
    """The work inside :func:`cpu_budget` used up its CPU time."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"took more than {seconds:g} s of CPU time")
        self.seconds = seconds


def note_budget() -> float:
    """The per-note budget in seconds: ``NOTEPRESS_NOTE_BUDGET`` if valid, else the default."""
    value = os.environ.get(BUDGET_ENV, "").strip()
    if not value:
        return DEFAULT_NOTE_BUDGET
    try:
        seconds = float(value)
    except ValueError:
        return DEFAULT_NOTE_BUDGET
    return seconds if math.isfinite(seconds) and seconds >= 0 else DEFAULT_NOTE_BUDGET


#: CPU seconds after which an expired budget is raised again, should the first be lost.
_AGAIN = 0.05


class _Armed:
    __slots__ = ("on", "seconds")

    def __init__(self, seconds: float) -> None:
        self.on = True
        self.seconds = seconds


#: The budgets running in this thread, innermost last: the one the timer's signal is for.
_running: list[_Armed] = []
#: Whether :func:`_expire` is the handler of the timer's signal, set by this module.
_installed = False


def _expire(signum: int, frame: Any) -> None:
    if _running and _running[-1].on:
        # Again shortly, until the body ends: raised inside a garbage collector's callback
        # or a ``__del__``, the exception is printed and lost, and the budget with it (a
        # hypothesis run's callback took one so).
        signal.setitimer(signal.ITIMER_PROF, _AGAIN)
        raise BudgetExceeded(_running[-1].seconds)


def _can_time() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def budget_scope() -> Iterator[None]:
    """Keep the budgets' signal handler installed while many notes are given a budget each.

    Installing a handler and putting the previous one back costs more than the rest of a
    budget together; a loop over ten thousand notes pays it once inside this scope.
    """
    global _installed
    if _installed or not _can_time():
        yield
        return
    previous = signal.signal(signal.SIGPROF, _expire)
    _installed = True
    try:
        yield
    finally:
        _installed = False
        signal.signal(signal.SIGPROF, previous if previous is not None else signal.SIG_DFL)


@contextmanager
def cpu_budget(seconds: float | None = None) -> Iterator[None]:
    """Raise :class:`BudgetExceeded` in the body once it has used ``seconds`` of CPU time.

    ``None`` means :func:`note_budget`; ``0`` means no budget.  Any timer and handler set
    before are restored afterwards, with the CPU time the body used taken off that timer.
    An enclosing budget that runs out sooner stays in charge.
    """
    if seconds is None:
        seconds = note_budget()
    if seconds <= 0 or not _can_time():
        yield
        return
    outer_remaining, outer_interval = signal.getitimer(signal.ITIMER_PROF)
    if 0 < outer_remaining <= seconds:
        yield
        return
    global _installed
    install = not _installed
    if install:
        previous = signal.signal(signal.SIGPROF, _expire)
        _installed = True
    armed = _Armed(seconds)
    _running.append(armed)
    started = time.process_time()
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        try:
            armed.on = False
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            _running.remove(armed)
            if install:
                _installed = False
                signal.signal(signal.SIGPROF, previous if previous is not None else signal.SIG_DFL)
            if outer_remaining > 0:
                used = time.process_time() - started
                signal.setitimer(
                    signal.ITIMER_PROF, max(outer_remaining - used, 0.001), outer_interval
                )


def too_slow(path: str, stage: str, exceeded: BudgetExceeded) -> Problem:
    """The error of a note whose ``stage`` (parsing, rendering) ran over its budget."""
    return Problem(
        Severity.ERROR,
        "note-too-slow",
        f"{stage} {exceeded}; the note is left out (see NOTEPRESS_NOTE_BUDGET)",
        path,
    )
