"""Helpers for the hostile corpus: run the real command, and prove a vault was left alone."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CPU_FLOOR", "Run", "assert_linear", "cpu_seconds", "run_cli", "snapshot"]

#: CPU seconds below which a measurement is noise rather than work.
CPU_FLOOR = 0.02


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str | os.PathLike[str], cwd: Path | None = None, timeout: float = 600) -> Run:
    """``notepress ARGS`` in a child process, as a person would run it.

    The timeout is a safety net against a hung child, never an assertion about speed.
    """
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "notepress", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    return Run(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def snapshot(root: Path) -> dict[str, str]:
    """Every file below ``root`` (symlinks as their target text) with a hash of its bytes."""
    result: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if Path(folder, d).is_symlink()]:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                result[rel] = "link:" + os.readlink(path)
            else:
                result[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def cpu_seconds(work: Callable[[], object]) -> float:
    """CPU time of one call of ``work``: process time, never the wall clock."""
    started = time.process_time()
    work()
    return time.process_time() - started


def assert_linear(
    measure: Callable[[int], float], *, ratio: float, what: str = "", floor: float = CPU_FLOOR
) -> None:
    """Ten times the input may cost about ten times the CPU, never a hundred.

    ``measure(size)`` gives the CPU seconds spent on an input of ``size`` characters.  The
    best of a few runs is kept (a collection or a busy neighbour can only add time), and
    the floor keeps milliseconds of noise from passing for quadratic work.
    """
    small = min(measure(10_000) for _ in range(3))
    bound = ratio * max(small, floor)
    # The best of two large runs must be within the bound; once the first is, so is the
    # best, and the second run (ten times the small ones) could change nothing.
    large = measure(100_000)
    if large > bound:
        large = min(large, measure(100_000))
    assert large <= bound, f"{what}: {small:.3f} s of CPU at 10k characters, {large:.3f} s at 100k"
