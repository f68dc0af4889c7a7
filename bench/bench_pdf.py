"""Time one PDF digest of 100 notes, next to WeasyPrint alone on the same HTML and CSS.

Usage::

    .venv/bin/python bench/bench_pdf.py [--notes 100] [--repeat 1] [--keep DIR]

A synthetic vault (``bench/synthetic.py``: prose, wikilinks, callouts, footnotes, lists,
code, linkage trees) with ``--notes`` published notes is written to a temporary folder, and
a ``group = "all"`` pdf target is built the way the CLI builds it: notes rendered and laid
into the templates here, WeasyPrint in a worker process under its limits, the file written.
Then the same HTML and CSS go straight to ``weasyprint.HTML(string=...).write_pdf`` in this
process, which is the floor notepress cannot go below.  Figures go to stdout.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pypdf
from weasyprint import CSS, HTML

import notepress
from notepress.exporter import Job
from notepress.exporters.pdf import PdfExporter
from notepress.exporters.pdf.worker import render_digests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import make_vault

CONFIG = """
[site]
title = "Bench Notes"
url = "https://notes.example.org/"
author = "Bench"

[targets.digest]
exporter = "pdf"
group = "all"
"""


def timed(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The median wall time of ``repeat`` calls, and the last call's result."""
    times = []
    result: object = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def vm_peak_mb() -> float:
    """This process's peak virtual size: what ``memory_limit`` is compared against."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=100, help="published notes in the digest")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement")
    parser.add_argument("--keep", type=Path, help="write the vault and PDFs here and keep them")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="notepress-bench-pdf-"))
    try:
        vault = folder / "vault"
        # One draft (note 0) among notes+1, so that the digest holds exactly --notes notes.
        make_vault(vault, args.notes + 1, drafts_every=args.notes + 10)
        (vault / "notepress.toml").write_text(CONFIG, encoding="utf-8")
        project = notepress.load_project(vault)

        build_time, report = timed(lambda: project.build(["digest"]), args.repeat)
        result = report.targets[0]  # type: ignore[attr-defined]
        if not result.ok:
            raise SystemExit(result.error)
        pdf_path = result.files[0]
        pages = len(pypdf.PdfReader(pdf_path).pages)

        target = project.config.targets["digest"]
        job = Job(
            target=target,
            site=project.config.site,
            vault=project.vault,
            notes=project.selected(target),
            out_dir=folder / "scratch",
            config_root=vault,
        )
        plan_time, plan = timed(lambda: PdfExporter.plan(job), args.repeat)
        render = plan.jobs[0]  # type: ignore[attr-defined]
        options = target.options
        worker_time, results = timed(
            lambda: render_digests([render], timeout=options.timeout), args.repeat
        )
        inside = results[0].seconds  # type: ignore[index]

        def weasyprint_alone() -> bytes:
            html = HTML(string=render.html, base_url=render.base_url)
            return html.write_pdf(stylesheets=[CSS(string=render.css)])

        alone_time, alone_pdf = timed(weasyprint_alone, args.repeat)
        alone_pages = len(pypdf.PdfReader(_bytes_file(alone_pdf)).pages)  # type: ignore[arg-type]

        print(
            f"digest of {len(job.notes)} notes: {pages} pages, {pdf_path.stat().st_size // 1024} KiB"
        )
        print(
            f"notepress build (target end to end): {build_time:6.2f} s  "
            f"{pages / build_time:6.1f} pages/s"
        )
        print(f"  of which notes to HTML (plan):      {plan_time:6.2f} s")
        print(
            f"  of which one worker process:        {worker_time:6.2f} s  "
            f"(WeasyPrint inside, last run: {inside:.2f} s)"
        )
        print(
            f"WeasyPrint alone, same HTML and CSS:  {alone_time:6.2f} s  "
            f"{alone_pages / alone_time:6.1f} pages/s  ({alone_pages} pages)"
        )
        print(
            f"overhead of notepress over WeasyPrint: {build_time - alone_time:+.2f} s "
            f"({(build_time / alone_time - 1) * 100:+.0f} %)"
        )
        print(f"peak virtual memory of this process after WeasyPrint: {vm_peak_mb():.0f} MB")
        print(f"repeat: {args.repeat} (median); python {sys.version.split()[0]}")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def _bytes_file(data: bytes) -> object:
    import io

    return io.BytesIO(data)


if __name__ == "__main__":
    main()
