"""PDF digests next to WeasyPrint alone, and how a digest's cost grows with its length.

Usage::

    .venv/bin/python bench/bench_pdf.py [--json PATH] [--quick] [--scaling] [--keep DIR]

Jobs (one JSON row each, in the format every ``bench_*.py`` writes):

* ``pdf-digest``: a ``group = "all"`` digest of 100 notes of ``bench/synthetic.py``, built the
  way the CLI builds it, next to WeasyPrint alone on the very HTML and CSS the exporter fed
  its worker (same fonts, same images; goal: at most 1.05x); three pairs, one after the
  other, and the median of each side (``--repeat``);
* ``pdf-500-pages``: one digest of about 500 pages next to five digests of a fifth of the
  notes each, built one after the other (goal: at most 2x);
* with ``--scaling``: WeasyPrint alone on digests of 50, 100, 200 and 400 notes, to see
  whether its time grows faster than the pages (no anchor; CPU seconds per page).

Every measurement runs in a fresh Python process, so that each peak memory is its own; CPU
time is the process's and its children's, plus the CPU the render worker reports (a worker
is a child of multiprocessing's fork server, not of the process that asked for it).
``--quick`` divides the sizes by five.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import figures_row  # noqa: E402

CONFIG = """
[site]
title = "Bench Notes"
url = "https://notes.example.org/"
author = "Bench"

[targets.digest]
exporter = "pdf"
group = "all"
"""


# Measuring ---------------------------------------------------------------------------------


def _usage() -> tuple[float, float]:
    """CPU seconds of this process and its waited-for children, and their peak RSS in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    return cpu, max(own.ru_maxrss, children.ru_maxrss) / 1024


def measured(function: Callable[[], Any]) -> tuple[dict[str, float], Any]:
    """``{"cpu_s", "wall_s", "peak_mb"}`` of one call in this process, and its result."""
    cpu, _ = _usage()
    started = time.perf_counter()
    result = function()
    wall = time.perf_counter() - started
    cpu_after, peak = _usage()
    return {"cpu_s": cpu_after - cpu, "wall_s": wall, "peak_mb": peak}, result


def in_child(*args: str) -> dict[str, Any]:
    """Run this script with ``args`` in a fresh interpreter; its last stdout line is JSON."""
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench child {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# Children ----------------------------------------------------------------------------------


def child_build(vault: str, out: str, html_dump: str) -> dict[str, Any]:
    """Build the vault's digest target; keep the HTML and CSS its worker was given."""
    import pypdf

    import notepress
    import notepress.pipeline  # imported before the clock, as WeasyPrint is for the anchor
    from notepress.exporters.pdf import worker as pdf_module  # the exporter calls it from there

    original = pdf_module.render_digests
    results: list[Any] = []
    jobs: list[Any] = []

    def recorder(batch: Any, **options: Any) -> Any:
        jobs.extend(batch)
        found = original(batch, **options)
        results.extend(found)
        return found

    pdf_module.render_digests = recorder  # type: ignore[assignment]

    def build() -> Any:
        project = notepress.load_project(Path(vault), output=Path(out))
        return project.build(["digest"])

    figures, report = measured(build)
    (target,) = report.targets
    if not target.ok:
        raise SystemExit(target.error)
    figures["cpu_s"] += sum(result.cpu_seconds for result in results)
    figures["peak_mb"] = max([figures["peak_mb"], *(result.peak_mb for result in results)])
    if html_dump:
        job = jobs[0]
        Path(html_dump).write_text(
            json.dumps({"html": job.html, "css": job.css, "root": vault}), encoding="utf-8"
        )
    pages = sum(len(pypdf.PdfReader(path).pages) for path in target.files)
    return {**figures, "pages": pages}


def child_plan(vault: str, html_dump: str) -> dict[str, Any]:
    """The digest's HTML and CSS as the exporter would hand them to its worker, unrendered."""
    import notepress
    from notepress.exporter import Job
    from notepress.exporters.pdf import PdfExporter

    project = notepress.load_project(Path(vault))
    target = project.config.targets["digest"]
    job = Job(
        target=target,
        site=project.config.site,
        vault=project.vault,
        notes=project.selected(target),
        out_dir=Path(vault) / "scratch",
        config_root=Path(vault),
    )
    render = PdfExporter.plan(job).jobs[0]
    Path(html_dump).write_text(
        json.dumps({"html": render.html, "css": render.css, "root": vault}), encoding="utf-8"
    )
    return {"notes": len(job.notes)}


def child_weasyprint(dump: str) -> dict[str, Any]:
    """WeasyPrint alone on a digest's HTML and CSS: plain files, no fetcher, no worker.

    The exporter's virtual URLs (the vault and template folders) become ``file:`` URLs, so
    the same fonts and images are loaded, and the PDF is tagged as a digest is by default
    (the structure tree costs about a quarter of the layout's CPU on top).
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from notepress.exporters.pdf.safety import VAULT_ORIGIN
    from notepress.templating import builtin_templates

    data = json.loads(Path(dump).read_text(encoding="utf-8"))
    fonts_folder = (builtin_templates("pdf")).resolve().as_uri() + "/"
    css = _file_urls(data["css"], fonts_folder)
    html = _file_urls(data["html"], fonts_folder)
    vault_url = Path(data["root"]).resolve().as_uri() + "/"
    html = html.replace(VAULT_ORIGIN, vault_url)

    def render() -> bytes:
        fonts = FontConfiguration()
        document = HTML(string=html, base_url=vault_url).render(
            stylesheets=[CSS(string=css, base_url=fonts_folder, font_config=fonts)],
            font_config=fonts,
        )
        return document.write_pdf(pdf_tags=True)

    figures, pdf = measured(render)
    import io

    import pypdf

    return {**figures, "pages": len(pypdf.PdfReader(io.BytesIO(pdf)).pages)}


def _file_urls(text: str, folder: str) -> str:
    """The template folders' virtual URLs as the built-in folder's ``file:`` URL."""
    import re

    return re.sub(r"https://templates-\d+\.invalid/", folder, text)


# Jobs --------------------------------------------------------------------------------------


def make_digest_vault(folder: Path, notes: int) -> Path:
    from synthetic import make_vault

    vault = folder / f"vault-{notes}"
    # One draft (note 0) among notes + 1, so that the digest holds exactly ``notes`` notes.
    make_vault(vault, notes + 1, drafts_every=notes + 10)
    (vault / "notepress.toml").write_text(CONFIG, encoding="utf-8")
    return vault


def digest(folder: Path, notes: int, repeat: int = 1) -> tuple[dict[str, Any], dict[str, Any]]:
    """The notepress build and WeasyPrint alone on its HTML, for a digest of ``notes``:
    ``repeat`` pairs, one after the other, and the run of median CPU time of each side.

    Pairs, because the machine's speed drifts over minutes: a build and its anchor measured
    side by side see the same machine, and the median of a few pairs is not one lucky run.
    Each build writes into an output folder of its own, so each is cold.
    """
    vault = make_digest_vault(folder, notes)
    builds, anchors = [], []
    for run in range(repeat):
        dump = folder / f"digest-{notes}-{run}.json"
        out = folder / f"out-{notes}-{run}"
        builds.append(in_child("--child-build", str(vault), str(out), str(dump)))
        anchors.append(in_child("--child-weasyprint", str(dump)))
        ratio = builds[-1]["cpu_s"] / anchors[-1]["cpu_s"]
        print(
            f"digest of {notes} notes, pair {run + 1}: {builds[-1]['cpu_s']:.2f} s against "
            f"{anchors[-1]['cpu_s']:.2f} s ({ratio:.2f}x)",
            file=sys.stderr,
        )
    return _median(builds), _median(anchors)


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median CPU time (the lower middle one of an even count)."""
    ordered = sorted(runs, key=lambda run: run["cpu_s"])
    return ordered[(len(ordered) - 1) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the rows here")
    parser.add_argument("--quick", action="store_true", help="sizes divided by five")
    parser.add_argument("--scaling", action="store_true", help="also 50/100/200/400 notes")
    parser.add_argument("--keep", type=Path, help="keep the vaults and PDFs in this folder")
    parser.add_argument(
        "--repeat", type=int, default=3, help="pairs of the 100-note digest (median; default 3)"
    )
    parser.add_argument("--child-build", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-weasyprint", help=argparse.SUPPRESS)
    parser.add_argument("--child-plan", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_plan:
        print(json.dumps(child_plan(*args.child_plan)))
        return
    if args.child_build:
        print(json.dumps(child_build(*args.child_build)))
        return
    if args.child_weasyprint:
        print(json.dumps(child_weasyprint(args.child_weasyprint)))
        return

    scale = 5 if args.quick else 1
    folder = args.keep or Path(tempfile.mkdtemp(prefix="notepress-bench-pdf-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []

    def add(new: dict[str, Any]) -> None:
        """Keep the row, and the file up to date: a long run stopped early loses nothing."""
        rows.append(new)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")

    try:
        if args.scaling:
            scaling(folder, scale, add)

        notes = 100 // scale
        built, alone = digest(folder, notes, 1 if args.quick else args.repeat)
        print(f"digest of {notes} notes: {built['pages']} pages", file=sys.stderr)
        add(
            figures_row(
                "pdf-digest",
                notes,
                built,
                {"name": "WeasyPrint alone, same HTML", **alone},
                1.05,
                "<= 1.05x WeasyPrint alone (CPU)",
            )
        )

        # About 500 pages: a synthetic note prints on a little more than one page.
        big = 450 // scale
        whole = in_child("--child-build", *_build_args(folder, big))
        # The five digests hold the same kind of notes: one is built and counted five times.
        part = in_child("--child-build", *_build_args(folder, big // 5))
        five = {
            "name": f"five digests of {big // 5} notes ({part['pages']} pages each)",
            "cpu_s": 5 * part["cpu_s"],
            "wall_s": 5 * part["wall_s"],
            "peak_mb": part["peak_mb"],
        }
        print(f"digest of {big} notes: {whole['pages']} pages", file=sys.stderr)
        add(
            figures_row(
                f"pdf-{whole['pages']}-pages",
                big,
                whole,
                five,
                2.0,
                "<= 2x five digests of a fifth (CPU)",
            )
        )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(rows, indent=2))


def scaling(folder: Path, scale: int, add: Callable[[dict[str, Any]], None]) -> None:
    """WeasyPrint alone on digests of 50 to 400 notes: CPU per page as the digest grows.

    The ratio of each row is its CPU seconds per page over the smallest digest's: 1.0 all
    along means time grows like the pages.
    """
    first = None
    for count in (50 // scale, 100 // scale, 200 // scale, 400 // scale):
        vault = folder / f"vault-{count}"
        if not vault.exists():
            make_digest_vault(folder, count)
        dump = folder / f"digest-{count}.json"
        in_child("--child-plan", str(vault), str(dump))
        alone = in_child("--child-weasyprint", str(dump))
        per_page = alone["cpu_s"] / alone["pages"]
        first = first or per_page
        print(
            f"{count:4d} notes {alone['pages']:4d} pages: WeasyPrint alone "
            f"{alone['cpu_s']:7.1f} s CPU, {per_page:.3f} s/page, {alone['peak_mb']:.0f} MB",
            file=sys.stderr,
        )
        add(
            {
                "job": f"pdf-weasyprint-{alone['pages']}-pages",
                "notes": count,
                "notepress": {k: round(alone[k], 3) for k in ("cpu_s", "wall_s", "peak_mb")},
                "anchor": None,
                "goal": "CPU per page / CPU per page of the smallest digest",
                "ratio": round(per_page / first, 3),
                "met": None,
            }
        )


def _build_args(folder: Path, notes: int) -> tuple[str, str, str]:
    vault = folder / f"vault-{notes}"
    if not vault.exists():
        make_digest_vault(folder, notes)
    return str(vault), str(folder / f"out-{notes}"), ""


if __name__ == "__main__":
    main()
