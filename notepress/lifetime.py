"""Child processes that never outlive the build that started them.

A build killed with SIGKILL runs no cleanup code, so its helpers (PDF workers, pandoc) must
notice on their own: on Linux the kernel sends them a signal when their parent exits
(``PR_SET_PDEATHSIG``), and a watchdog thread covers the case where the process that died
is not the direct parent (a worker forked by a fork server).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

__all__ = ["die_with_parent", "exit_when_gone", "preexec_die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent(expected_parent: int | None = None) -> None:
    """Ask the kernel to SIGKILL this process when its parent exits (Linux only).

    When the parent is already gone (it died between the fork and this call), exit now.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watchdog still applies
            pass
    if expected_parent is not None and os.getppid() != expected_parent:
        os._exit(1)


def preexec_die_with_parent() -> Callable[[], None]:
    """A ``preexec_fn`` for :mod:`subprocess`: the child dies with the process that runs it."""
    parent = os.getpid()
    return lambda: die_with_parent(parent)


def exit_when_gone(pid: int, interval: float = 0.1) -> None:
    """Watch ``pid`` from a daemon thread and end this process as soon as it has exited."""

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # the pid was reused by another user's process
                os._exit(1)

    if pid > 0:
        threading.Thread(target=watch, name="notepress-watchdog", daemon=True).start()
