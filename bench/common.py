"""What every benchmark script shares: its options, how it measures a process, the rows it writes.

The protocol, which ``bench/run.py`` reads: each ``bench_*.py`` accepts ``--json PATH`` (write
the rows there) and ``--quick`` (small sizes, for the test suite), and writes a JSON list of
rows::

    {"job": str, "notes": int,
     "notepress": {"cpu_s": float, "wall_s": float, "peak_mb": float},
     "anchor": {"name": str, "cpu_s": float, "wall_s": float, "peak_mb": float} | null,
     "goal": str | null, "ratio": float | null, "met": bool | null}

Every figure is of a whole process, measured the same way for notepress and for its anchor
(Hugo, pandoc, WeasyPrint): CPU time is user plus system time of the process and everything it
waited for (worker processes, pandoc), as ``wait4`` reports it; peak memory is the largest
resident set among them (the command's own: it is started from a small launcher, not from
the benchmark's process, whose size Linux would count as the command's).  CPU time, not wall time, is what ratios compare: the machine that
runs the benchmarks is usually shared, and a busy neighbour stretches wall time, not CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "BenchError",
    "Measure",
    "anchor_row",
    "emit",
    "every_core_row",
    "measure",
    "notepress_command",
    "options",
    "python_command",
    "row",
]


class BenchError(RuntimeError):
    """A measured command failed: the benchmark's figures would mean nothing."""


@dataclass(frozen=True)
class Measure:
    cpu_s: float
    wall_s: float
    peak_mb: float

    def as_dict(self) -> dict[str, float]:
        return {key: round(value, 3) for key, value in asdict(self).items()}


def measure(
    command: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    repeat: int = 1,
    ok_codes: tuple[int, ...] = (0,),
) -> Measure:
    """Run ``command`` ``repeat`` times; the run of median CPU time.

    Raises :class:`BenchError` with the end of its output when it exits with another code.
    """
    runs = [_run_once(command, cwd=cwd, env=env, ok_codes=ok_codes) for _ in range(repeat)]
    middle = statistics.median_low([run.cpu_s for run in runs])
    return next(run for run in runs if run.cpu_s == middle)


#: Runs the measured command and reports its ``wait4`` figures on the descriptor it is given.
#: Linux carries a process's peak resident set across ``exec``, and a child starts with its
#: parent's: a command started straight from this process (over 100 MB once notepress is
#: imported) would report that as its own peak.  Forked from this small interpreter (``-S
#: -I``: a few MB), its peak is its own.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    except OSError as exc:
        sys.stderr.write(f"cannot run {sys.argv[2]}: {exc}\\n")
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
with os.fdopen(int(sys.argv[1]), "w") as out:
    cpu = usage.ru_utime + usage.ru_stime
    out.write(f"{cpu} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def _run_once(
    command: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None,
    env: Mapping[str, str] | None,
    ok_codes: tuple[int, ...],
) -> Measure:
    read, write = os.pipe()
    started = time.perf_counter()
    try:
        process = subprocess.Popen(
            [sys.executable, "-S", "-I", "-c", _LAUNCHER, str(write)]
            + [os.fspath(part) for part in command],
            cwd=cwd,
            env=None if env is None else {**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            pass_fds=(write,),
        )
    finally:
        os.close(write)
    with os.fdopen(read) as figures:
        errors = process.communicate()[1]  # drained as it runs: a full pipe would stall it
        wall = time.perf_counter() - started
        reported = figures.read().split()
    if process.returncode != 0 or len(reported) != 3:
        tail = errors.decode("utf-8", "replace")[-2000:]
        raise BenchError(f"{' '.join(map(str, command))} could not be run:\n{tail}")
    cpu, maxrss, code = float(reported[0]), int(reported[1]), int(reported[2])
    if code not in ok_codes:
        tail = errors.decode("utf-8", "replace")[-2000:]
        raise BenchError(f"{' '.join(map(str, command))} exited {code}:\n{tail}")
    return Measure(cpu_s=cpu, wall_s=wall, peak_mb=_megabytes(maxrss))


def _megabytes(maxrss: int) -> float:
    """``ru_maxrss`` in MB: kilobytes on Linux, bytes on macOS."""
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def notepress_command(*args: str | os.PathLike[str]) -> list[str | os.PathLike[str]]:
    """``notepress ARGS`` with this interpreter, as a person runs it."""
    return [sys.executable, "-m", "notepress", *args]


def python_command(code: str, *args: str | os.PathLike[str]) -> list[str | os.PathLike[str]]:
    """A Python snippet in a process of its own (an anchor such as WeasyPrint alone)."""
    return [sys.executable, "-c", code, *args]


def row(
    job: str,
    notes: int,
    notepress: Measure,
    anchor: tuple[str, Measure] | None = None,
    *,
    goal: str | None = None,
    ratio: float | None = None,
    met: bool | None = None,
) -> dict[str, Any]:
    """One row of the protocol.  With an anchor and no ``ratio``, the ratio is of CPU time."""
    if anchor is not None and ratio is None and anchor[1].cpu_s > 0:
        ratio = notepress.cpu_s / anchor[1].cpu_s
    return {
        "job": job,
        "notes": notes,
        "notepress": notepress.as_dict(),
        "anchor": None if anchor is None else {"name": anchor[0], **anchor[1].as_dict()},
        "goal": goal,
        "ratio": None if ratio is None else round(ratio, 3),
        "met": met,
    }


def every_core_row(job: str, notes: int, pooled: Measure, serial: Measure) -> dict[str, Any]:
    """A job on every core next to the same with ``-j 1``: its goal is of wall time, since
    workers cost a little more CPU time to take less time on the clock."""
    return row(
        job,
        notes,
        pooled,
        ("same, -j 1", serial),
        goal="less wall time than one process",
        ratio=pooled.wall_s / serial.wall_s,
        met=pooled.wall_s < serial.wall_s,
    )


def figures_row(
    job: str,
    notes: int,
    notepress: dict[str, Any],
    anchor: dict[str, Any] | None,
    goal: float | None,
    goal_text: str | None,
    ratio: float | None = None,
) -> dict[str, Any]:
    """:func:`row` for figures already read as dicts (``cpu_s``, ``wall_s``, ``peak_mb``; an
    anchor adds ``name``), as the PDF and EPUB benchmarks' children report them; ``ratio``
    compares CPU time unless given, and ``goal`` is the ratio's limit."""
    if ratio is None and anchor and anchor["cpu_s"]:
        ratio = notepress["cpu_s"] / anchor["cpu_s"]
    keys = ("cpu_s", "wall_s", "peak_mb")
    return {
        "job": job,
        "notes": notes,
        "notepress": {k: round(notepress[k], 3) for k in keys},
        "anchor": None
        if anchor is None
        else {"name": anchor["name"], **{k: round(anchor[k], 3) for k in keys}},
        "goal": goal_text,
        "ratio": None if ratio is None else round(ratio, 3),
        "met": None if ratio is None or goal is None else ratio <= goal,
    }


def anchor_row(
    job: str, notes: int, notepress: Measure, anchor: tuple[str, Measure], *, limit: float
) -> dict[str, Any]:
    """A row whose goal is a ratio of CPU time to the anchor's: at most ``limit``."""
    ratio = notepress.cpu_s / anchor[1].cpu_s if anchor[1].cpu_s > 0 else None
    return row(
        job,
        notes,
        notepress,
        anchor,
        goal=f"≤ {limit:g}x {anchor[0]} CPU",
        ratio=ratio,
        met=None if ratio is None else ratio <= limit,
    )


def options(description: str) -> argparse.ArgumentParser:
    """The options every benchmark script takes; a script adds its own sizes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the rows here")
    parser.add_argument("--quick", action="store_true", help="small sizes, for the test suite")
    return parser


def emit(rows: list[dict[str, Any]], path: Path | None) -> None:
    """Write ``rows`` to ``path`` (if given) and a line per row to stdout."""
    if path is not None:
        path.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for item in rows:
        mine = item["notepress"]
        anchor = item["anchor"]
        against = (
            f"  vs {anchor['name']} {anchor['cpu_s']:.2f} s CPU, {anchor['peak_mb']:.0f} MB"
            if anchor
            else ""
        )
        print(
            f"{item['job']} ({item['notes']} notes): {mine['cpu_s']:.2f} s CPU, "
            f"{mine['wall_s']:.2f} s wall, {mine['peak_mb']:.0f} MB{against}",
            flush=True,
        )
