"""Time and memory of a 1,000-note EPUB archive, next to pandoc alone on the same HTML.

Usage::

    .venv/bin/python bench/bench_epub.py [--notes 1000] [--images 25] [--keep DIR]

A synthetic vault is written to a temporary folder: notes spread over three years, each with
headings, prose, lists, a callout, footnotes (the same ``[^1]`` label in every note),
wikilinks to other notes and their headings, and every few notes a table, a code block or an
embedded image.  Its ``archive`` target (``group = "month"``) is built the way the CLI does.

Reported: the whole target build (render, one pandoc run, packaging), the part of it pandoc
took, pandoc's peak memory (``getrusage`` of the child), and then pandoc run once more on the
very HTML the exporter fed it, without the exporter around it: plain ``pandoc -f html -t
epub3``, timed and measured with ``wait4``.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

from PIL import Image

import notepress
from notepress.exporters import epub as epub_module
from notepress.exporters.epub import pandoc as _epub_pandoc

TOPICS = ["network", "sourdough", "keyboard", "tram", "bicycle", "backup", "garden", "lease"]
WORDS = [
    "the",
    "rack",
    "switch",
    "river",
    "bread",
    "starter",
    "crumb",
    "solder",
    "firmware",
    "logbook",
    "winter",
    "cable",
    "router",
    "oven",
    "street",
    "layer",
    "patience",
    "signal",
    "dough",
    "journal",
    "map",
    "quiet",
    "flat",
    "morning",
    "evening",
]


def sentence(rng: random.Random, words: int = 16) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, sentences: int = 5) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def body(index: int, count: int, images: int, rng: random.Random) -> str:
    """About 700 words with the constructs real notes carry."""
    other, third = rng.randrange(count), rng.randrange(count)
    parts = [
        f"*see also:* [[Note {other:04d}]] · [[Note {third:04d}#Findings|what I found there]]",
        paragraph(rng) + "[^1]",
        "## Findings",
        paragraph(rng, 6),
        f"- {sentence(rng, 8)}\n- ==marked== {sentence(rng, 6)}[^2]\n- [ ] {sentence(rng, 5)}",
        f"> [!tip] Callout {index}\n> {sentence(rng)}\n> > [!note] Nested\n> > {sentence(rng)}",
        "## Next steps",
        paragraph(rng, 7),
    ]
    if index % 5 == 0:
        rows = "\n".join(f"| {i} | {rng.choice(WORDS)} | {rng.randrange(100)} |" for i in range(6))
        parts.append("| n | word | value |\n|---|:----:|-----:|\n" + rows)
    if index % 4 == 0:
        parts.append("```python\nfor item in range(3):\n    print(item, 'done')\n```")
    if images and index % 10 == 0:
        parts.append(f"![[figure {index % images:02d}.png]]")
    parts.append(f"<details><summary>More</summary>\n\n{paragraph(rng, 3)}\n\n</details>")
    parts.append(f"[^1]: {sentence(rng, 8)}\n[^2]: {sentence(rng, 6)}")
    return "\n\n".join(parts) + "\n"


def make_vault(root: Path, count: int, images: int, seed: int = 11) -> Path:
    rng = random.Random(seed)
    start = date(2021, 1, 1)
    (root / "attachments").mkdir(parents=True)
    for number in range(images):
        picture = Image.new("RGB", (320, 200), (40 + number * 8 % 200, 90, 160))
        picture.save(root / "attachments" / f"figure {number:02d}.png", "PNG")
    for index in range(count):
        day = start + timedelta(days=index * 1095 // count)
        folder = root / str(day.year)
        folder.mkdir(exist_ok=True)
        tags = rng.sample(TOPICS, 2)
        (folder / f"note {index:04d}.md").write_text(
            "---\n"
            f"title: Note {index:04d}\n"
            f"note_id: {day:%y%m%d}BN{index % 100:02d}\n"
            f"created: {day.isoformat()}\n"
            "draft: false\n"
            f"tags: [{', '.join(tags)}]\n"
            f"description: {sentence(rng, 9)}\n"
            "---\n\n" + body(index, count, images, rng),
            encoding="utf-8",
        )
    (root / "notepress.toml").write_text(
        '[site]\ntitle = "Bench Notes"\nurl = "https://notes.example.org/"\nauthor = "Bench"\n\n'
        '[targets.archive]\nexporter = "epub"\ngroup = "month"\n',
        encoding="utf-8",
    )
    return root


class PandocRecorder:
    """Wraps the exporter's pandoc call to keep its input and time it."""

    def __init__(self) -> None:
        self.source = ""
        self.seconds = 0.0
        self.original = epub_module.run_pandoc

    def __call__(self, source: str, **kwargs: object) -> _epub_pandoc.PandocRun:
        self.source = source
        started = time.perf_counter()
        try:
            return self.original(source, **kwargs)  # type: ignore[arg-type]
        finally:
            self.seconds = time.perf_counter() - started


def plain_pandoc(html: Path, out: Path) -> tuple[float, float]:
    """Pandoc alone on ``html``: wall seconds and peak resident megabytes."""
    binary, _ = _epub_pandoc.pandoc_binary()
    started = time.perf_counter()
    process = subprocess.Popen(
        [binary, "-f", "html", "-t", "epub3", "-o", str(out), str(html)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"plain pandoc failed with exit {process.returncode}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--images", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="keep the vault and output in this folder")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-epub-")) if args.keep is None else args.keep
    try:
        root = make_vault(folder / "vault", args.notes, args.images)
        recorder = PandocRecorder()
        epub_module.run_pandoc = recorder  # type: ignore[assignment]

        started = time.perf_counter()
        project = notepress.load_project(root, output=folder / "out")
        loaded = time.perf_counter()
        report = project.build(["archive"])
        built = time.perf_counter()
        (result,) = report.targets
        if not result.ok:
            raise SystemExit(result.error)
        pandoc_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        python_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        epub = result.files[0]
        size_mb = epub.stat().st_size / 1e6
        with zipfile.ZipFile(epub) as archive:
            chapters = sum(1 for name in archive.namelist() if "/text/ch" in name)

        html = folder / "book.html"
        html.write_text(recorder.source, encoding="utf-8")
        plain_seconds, plain_peak = plain_pandoc(html, folder / "plain.epub")
    finally:
        epub_module.run_pandoc = PandocRecorder().original
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)

    build_seconds = built - loaded
    print(f"notes: {args.notes} ({len(result.problems)} warnings), images: {args.images}")
    print(f"book: {size_mb:.1f} MB, {chapters} chapter files")
    print(f"HTML fed to pandoc: {len(recorder.source) / 1e6:.1f} MB")
    print(f"load vault:            {loaded - started:6.2f} s")
    print(f"build target (total):  {build_seconds:6.2f} s")
    print(f"  of which pandoc:     {recorder.seconds:6.2f} s (peak {pandoc_peak:.0f} MB)")
    print(f"  render + packaging:  {build_seconds - recorder.seconds:6.2f} s")
    print(f"plain pandoc, same HTML, one run: {plain_seconds:6.2f} s (peak {plain_peak:.0f} MB)")
    print(f"python peak RSS: {python_peak:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
