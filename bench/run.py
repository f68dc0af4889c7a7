"""Run every benchmark side by side and write the table and the chart: ``make bench``.

Usage::

    .venv/bin/python bench/run.py [--quick] [--only feed,core] [--out bench/results]
    .venv/bin/python bench/run.py --rows rows.json [--out DIR]   # table and chart only

Each ``bench/bench_*.py`` runs in a process of its own with ``--json`` (see ``common.py`` for
the protocol); the rows they write are gathered into ``latest.md`` (a table: job, notepress's
figures, the anchor's, the ratio, the goal from issue 13 and whether it is met), ``latest.json``
and ``latest.png`` (CPU time of notepress next to its anchor, per job).  A script that fails is
named in the table's notes, and the others still report.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def scripts(only: list[str] | None) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if only:
        found = [path for path in found if path.stem.removeprefix("bench_") in only]
    return found


def run_script(script: Path, quick: bool) -> tuple[list[dict[str, Any]], str | None]:
    """The rows ``script`` reports, or an explanation of why it reported none."""
    helped = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, check=False
    )
    if "--json" not in helped.stdout:
        return [], f"{script.name}: does not write rows (no --json option); not run"
    with tempfile.TemporaryDirectory(prefix="notepress-bench-") as folder:
        path = Path(folder) / "rows.json"
        command = [
            sys.executable,
            str(script),
            "--json",
            str(path),
            *(["--quick"] if quick else []),
        ]
        print(f"== {script.name}", flush=True)
        done = subprocess.run(command, check=False)
        if done.returncode != 0 or not path.is_file():
            return [], f"{script.name}: failed with exit {done.returncode}"
        rows = json.loads(path.read_text(encoding="utf-8"))
    return rows, None


def _figures(measured: dict[str, Any] | None) -> str:
    if not measured:
        return "—"
    name = f"{measured['name']}: " if "name" in measured else ""
    return (
        f"{name}{measured['cpu_s']:.2f} s CPU · {measured['wall_s']:.2f} s wall · "
        f"{measured['peak_mb']:.0f} MB"
    )


def table(rows: list[dict[str, Any]], notes: list[str], context: dict[str, str]) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"One `make bench` run: {context['when']}, {context['machine']}.",
        "CPU is user + system time of each whole process and all it waited for; peak is its",
        "largest resident set; ratios compare CPU time unless the goal says otherwise.",
        "notepress's modules are compiled to bytecode first, as pip compiles an installed one.",
        "",
        "| job | notes | notepress | anchor | ratio | goal | met |",
        "|---|---:|---|---|---:|---|---|",
    ]
    for item in rows:
        ratio = "—" if item.get("ratio") is None else f"{item['ratio']:.2f}x"
        met = {True: "yes", False: "**no**", None: "—"}[item.get("met")]
        lines.append(
            f"| {item['job']} | {item['notes']:,} | {_figures(item['notepress'])} | "
            f"{_figures(item.get('anchor'))} | {ratio} | {item.get('goal') or '—'} | {met} |"
        )
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    lines += ["", f"Total CPU time of the run: {context['cpu']}.", ""]
    return "\n".join(lines)


def chart(rows: list[dict[str, Any]], path: Path) -> None:
    """notepress's CPU time next to its anchor's, one pair of bars per job (the memory rows
    are in the table only)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter, NullFormatter

    rows = [item for item in rows if not str(item.get("goal") or "").endswith("MB")]
    labels = [f"{item['job']} ({item['notes']:,})" for item in rows]
    ours = [item["notepress"]["cpu_s"] for item in rows]
    theirs = [(item.get("anchor") or {}).get("cpu_s", 0.0) for item in rows]
    height = 0.38
    figure, axes = plt.subplots(figsize=(10, 0.55 * len(rows) + 2.0))
    positions = range(len(rows))
    axes.barh([p - height / 2 for p in positions], ours, height, label="notepress", color="#3a6ea5")
    axes.barh(
        [p + height / 2 for p in positions],
        theirs,
        height,
        label="anchor (Hugo, pandoc, WeasyPrint...)",
        color="#c8a34a",
    )
    for position, item in zip(positions, rows, strict=True):
        if item.get("met") is not None:
            mark = "goal met" if item["met"] else "goal not met"
            axes.annotate(
                mark,
                (max(ours[position], theirs[position]), position),
                xytext=(4, -3),
                textcoords="offset points",
                fontsize=7,
                color="#2e7d32" if item["met"] else "#b71c1c",
            )
    axes.set_yticks(list(positions), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("CPU seconds (whole processes)")
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8)
    axes.set_title("notepress next to its anchors", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(figure)


def context(cpu_seconds: float) -> dict[str, str]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = (
        ", ".join(f"{value:.1f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    )
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return {
        "when": when.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": (
            f"{cores} cores, {platform.system()} {platform.machine()}, Python "
            f"{platform.python_version()}, load average {load} at the end"
        ),
        "cpu": f"{cpu_seconds:.0f} s",
    }


def write(rows: list[dict[str, Any]], notes: list[str], out: Path, cpu_seconds: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "latest.md").write_text(table(rows, notes, context(cpu_seconds)), encoding="utf-8")
    chart(rows, out / "latest.png")


def compile_notepress() -> None:
    """Compile notepress's modules to bytecode before anything is timed.

    pip compiles a package it installs from a wheel; an editable install's modules are
    compiled by the first run that may write them, and not at all where writing bytecode
    is turned off (``PYTHONDONTWRITEBYTECODE``).  Each timed process would then compile them
    again, a cost no installed notepress pays, about 0.15 s of every small build.
    """
    import notepress
    import notepress.exporters

    for folder in {*notepress.__path__, *notepress.exporters.__path__}:
        compileall.compile_dir(folder, quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (for the test suite)")
    parser.add_argument("--only", help="comma-separated scripts, e.g. feed,core")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the results")
    parser.add_argument("--rows", type=Path, help="write table and chart from these rows only")
    args = parser.parse_args()

    if args.rows is not None:
        write(json.loads(args.rows.read_text(encoding="utf-8")), [], args.out, 0.0)
        return 0
    started = time.perf_counter()
    compile_notepress()
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for script in scripts(args.only.split(",") if args.only else None):
        found, problem = run_script(script, args.quick)
        rows += found
        if problem:
            notes.append(problem)
            print(problem, file=sys.stderr)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    write(rows, notes, args.out, usage.ru_utime + usage.ru_stime)
    print(f"{len(rows)} rows in {time.perf_counter() - started:.0f} s -> {args.out}/latest.md")
    return 1 if not rows else 0


if __name__ == "__main__":
    raise SystemExit(main())
