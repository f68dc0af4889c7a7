"""When worker processes may be forked, and how a thread of ours stays out of their way.

A forked child has only the thread that forked; any other thread is gone, and a lock it held
at that instant stays held in the child for ever (the standard output's, a display's).  So
workers are forked only when no other thread runs, or when each other thread is *guarded*:
all it does that a child could inherit half-done happens while it holds a lock of its own,
which :func:`forking` takes before the fork and gives back after.  The live progress display
is such a thread (a refresh ten times a second), so a build on a terminal still forks its
workers.  Any other thread (the preview server's, a caller's) turns forking off.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from weakref import WeakKeyDictionary

__all__ = ["fork_is_safe", "forking", "guard_thread"]

_GUARDED: WeakKeyDictionary[threading.Thread, threading.Lock] = WeakKeyDictionary()


def guard_thread(thread: threading.Thread, lock: threading.Lock) -> None:
    """Let workers be forked while ``thread`` runs: it promises to do nothing that a child
    could inherit half-done unless it holds ``lock``."""
    _GUARDED[thread] = lock


def fork_is_safe() -> bool:
    """Whether workers may be forked: POSIX (not macOS, whose system libraries refuse it),
    and every other running thread guarded."""
    if "fork" not in multiprocessing.get_all_start_methods() or sys.platform == "darwin":
        return False
    current = threading.current_thread()
    return all(t is current or t in _GUARDED for t in threading.enumerate())


@contextmanager
def forking() -> Iterator[None]:
    """Hold every guarded thread at a point where it holds nothing: fork in this block."""
    with ExitStack() as held:
        for thread, lock in list(_GUARDED.items()):
            if thread.is_alive() and thread is not threading.current_thread():
                held.enter_context(lock)
        yield
