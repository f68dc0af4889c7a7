"""EPUB archives of 1,000 notes next to pandoc alone on the same input, and pandoc's memory.

Usage::

    .venv/bin/python bench/bench_epub.py [--json PATH] [--quick] [--notes 1000] [--keep DIR]
                                          [--repeat N]

A synthetic vault is written to a temporary folder: notes spread over three years, each with
headings, prose, lists, a callout, footnotes (the same ``[^1]`` label in every note),
wikilinks to other notes and their headings, and every few notes a table, a code block or an
embedded image.  Jobs (one JSON row each, in the format every ``bench_*.py`` writes):

* ``epub``: the ``archive`` target (``group = "month"``) built the way the CLI does, next to
  plain ``pandoc -f html -t epub3`` on the book's HTML, the document whose JSON the exporter
  hands its pandoc (goal: at most 1.0x pandoc alone);
* ``epub-volume-memory``: pandoc's peak memory for that one 1,000-note book (goal: at most
  1,200 MB per 1,000-note volume);
* ``epub-json-input``: plain pandoc on the JSON document the exporter fed its pandoc, next to
  plain pandoc on the HTML of the same book: what reading JSON saves pandoc;
* ``epub-over-json``: the whole build next to plain pandoc on that same JSON: all that
  notepress adds to pandoc (loading, rendering, converting, finishing the book);
* ``epub-share``: the same build split in two, the CPU of notepress's own process and its
  workers (loading, rendering, the JSON document, finishing the book) next to that of the
  pandoc runs it made;
* ``epub-volumes``: the same notes split into volumes of a third each (``volume_size``) next
  to the one book: the CPU cost of splitting, and the wall time the parallel runs save;
* ``epub-photos``: ten notes showing a photograph of about 1 MB each, next to pandoc alone on the
  same book with its images inline as ``data:`` URIs, as pandoc used to be given them.

Every measurement runs in a fresh Python process; pandoc is its child, so its CPU and peak
memory are counted (``getrusage`` of the children).  ``--quick`` divides the notes by five;
``--repeat N`` measures the build and both plain pandoc runs N times, interleaved, and keeps
each one's run of median CPU time.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

import notepress

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BenchError, figures_row, measure

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


def make_photo_vault(root: Path, count: int, photos: int) -> Path:
    """``count`` short notes, each showing one of ``photos`` photographs of about 1 MB.

    Noise compresses as badly as a photograph does, so each PNG is about its pixels' size.
    """
    rng = random.Random(5)
    (root / "attachments").mkdir(parents=True)
    for number in range(photos):
        pixels = bytes(rng.getrandbits(8) for _ in range(580 * 580 * 3))
        Image.frombytes("RGB", (580, 580), pixels).save(
            root / "attachments" / f"photo {number}.png"
        )
    for index in range(count):
        day = date(2024, 1, 1) + timedelta(days=index)
        (root / f"photo note {index:03d}.md").write_text(
            f"---\ntitle: Photo {index:03d}\nnote_id: {day:%y%m%d}PH01\ncreated: {day}\n"
            f"draft: false\n---\n\n{paragraph(rng, 3)}\n\n![[photo {index % photos}.png]]\n",
            encoding="utf-8",
        )
    (root / "notepress.toml").write_text(
        '[site]\ntitle = "Photos"\nurl = "https://photos.example.org/"\n\n'
        '[targets.archive]\nexporter = "epub"\n',
        encoding="utf-8",
    )
    return root


class PandocRecorder:
    """Wraps the exporter's pandoc call and its book source to keep the last book's HTML and
    the document pandoc was given (JSON)."""

    def __init__(self) -> None:
        self.workers_done_cpu = 0.0
        self.source = ""
        self.document = b""
        self.original = epub_module.run_pandoc
        self.original_source = epub_module.build_source

    def __call__(self, source: str | bytes, **kwargs: object) -> _epub_pandoc.PandocRun:
        self.document = source.encode() if isinstance(source, str) else source
        return self.original(source, **kwargs)  # type: ignore[arg-type]

    def build_source(self, *args: Any, **kwargs: Any) -> Any:
        built = self.original_source(*args, **kwargs)
        self.source = built.html
        # Workers that parsed and rendered the notes have ended by now; pandoc has not run.
        self.workers_done_cpu = _children_cpu()
        return built


def _usage() -> tuple[float, float, float]:
    """CPU seconds of this process and its children, and the peak RSS (MB) of each."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    return cpu, own.ru_maxrss / 1024, children.ru_maxrss / 1024


def _children_cpu() -> float:
    """CPU seconds of the children that have ended: notepress's workers, pandoc runs."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def _own_cpu() -> float:
    """CPU seconds of this process alone: notepress's share of a build, pandoc's left out."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def child_build(vault: str, out: str, target: str, html_dump: str) -> dict[str, object]:
    """Load and build one target; its figures, pandoc's peak, and the book's HTML (and, next
    to it with ``.json``, the document pandoc was fed).

    With ``BENCH_INLINE_DUMP`` set, that HTML is also written there with each image as the
    ``data:`` URI pandoc used to be given (the input before images were placeholders).
    """
    recorder = PandocRecorder()
    epub_module.run_pandoc = recorder  # type: ignore[assignment]
    epub_module.build_source = recorder.build_source  # type: ignore[assignment]
    images: dict[str, tuple[str, bytes]] = {}
    finish = epub_module.finish_epub

    def keep_images(epub: bytes, **options: Any) -> bytes:
        images.update(options.get("images") or {})
        return finish(epub, **options)

    epub_module.finish_epub = keep_images  # type: ignore[assignment]
    cpu, _, _ = _usage()
    own_cpu = _own_cpu()
    children_cpu = _children_cpu()
    started = time.perf_counter()
    project = notepress.load_project(Path(vault), output=Path(out))
    report = project.build([target])
    wall = time.perf_counter() - started
    cpu_after, own_peak, pandoc_peak = _usage()
    # notepress's share: this process and the workers that parsed and rendered the notes
    # (one book: they end before its pandoc run starts).
    own_cpu = _own_cpu() - own_cpu + recorder.workers_done_cpu - children_cpu
    (result,) = report.targets
    if not result.ok:
        raise SystemExit(result.error)
    if html_dump:
        Path(html_dump).write_text(recorder.source, encoding="utf-8")
        Path(html_dump).with_suffix(".json").write_bytes(recorder.document)
    if os.environ.get("BENCH_INLINE_DUMP"):
        inline = recorder.source
        for token, (media_type, data) in images.items():
            uri = f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"
            inline = inline.replace(f'src="{token}"', f'src="{uri}"')
        Path(os.environ["BENCH_INLINE_DUMP"]).write_text(inline, encoding="utf-8")
    return {
        "cpu_s": cpu_after - cpu,
        "python_cpu_s": own_cpu,
        "pandoc_cpu_s": cpu_after - cpu - own_cpu,
        "wall_s": wall,
        "peak_mb": max(own_peak, pandoc_peak),
        "pandoc_peak_mb": pandoc_peak,
        "python_peak_mb": own_peak,
        "books": len(result.files),
        "bytes": sum(path.stat().st_size for path in result.files),
    }


def pandoc_alone(source: Path, out: Path, reader: str = "html") -> dict[str, float]:
    """Plain pandoc on ``source``: CPU and wall seconds, peak resident megabytes."""
    binary, _ = _epub_pandoc.pandoc_binary()
    try:
        figures = measure([binary, "-f", reader, "-t", "epub3", "-o", out, source])
    except BenchError as exc:
        raise SystemExit(f"plain pandoc failed on {source.name}: {exc}") from exc
    return figures.as_dict()


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median CPU time (the lower one of an even count)."""
    ordered = sorted(runs, key=lambda run: run["cpu_s"])
    return ordered[(len(ordered) - 1) // 2]


def _cpus(runs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{run['cpu_s']:.1f}" for run in runs)


def in_child(*args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if done.returncode != 0:
        raise SystemExit(f"bench child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


CONFIG_VOLUMES = """
[targets.volumes]
exporter = "epub"
group = "month"
volume_size = {size}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", type=Path, help="write the rows here")
    parser.add_argument("--quick", action="store_true", help="a fifth of the notes")
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--images", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="keep the vault and output in this folder")
    parser.add_argument(
        "--repeat", type=int, default=1, help="interleaved runs of the build and plain pandoc"
    )
    parser.add_argument("--child-build", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_build:
        print(json.dumps(child_build(*args.child_build)))
        return

    notes = args.notes // 5 if args.quick else args.notes
    folder = Path(tempfile.mkdtemp(prefix="bench-epub-")) if args.keep is None else args.keep
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        root = make_vault(folder / "vault", notes, args.images)
        size = -(-notes // 3)
        with (root / "notepress.toml").open("a", encoding="utf-8") as config:
            config.write(CONFIG_VOLUMES.format(size=size))
        html = folder / "book.html"
        document = html.with_suffix(".json")
        builds, alones, from_jsons = [], [], []
        for attempt in range(max(1, args.repeat)):
            out = folder / f"out-{attempt}"  # a fresh output: a cold build, no cache
            builds.append(in_child("--child-build", str(root), str(out), "archive", str(html)))
            alones.append(pandoc_alone(html, folder / "plain.epub"))
            from_jsons.append(pandoc_alone(document, folder / "from-json.epub", reader="json"))
        built, alone, from_json = median_run(builds), median_run(alones), median_run(from_jsons)
        print(
            f"{notes} notes: build {built['cpu_s']:.1f} s CPU, pandoc peak "
            f"{built['pandoc_peak_mb']:.0f} MB; pandoc alone {alone['cpu_s']:.1f} s CPU, "
            f"{alone['peak_mb']:.0f} MB (runs: build {_cpus(builds)}; pandoc alone "
            f"{_cpus(alones)})",
            file=sys.stderr,
        )
        rows.append(
            figures_row(
                "epub",
                notes,
                built,
                {"name": "pandoc alone, same HTML", **alone},
                1.0,
                "<= 1.0x pandoc alone (CPU)",
            )
        )
        per_thousand = built["pandoc_peak_mb"] * 1000 / notes
        rows.append(
            figures_row(
                "epub-volume-memory",
                notes,
                {**built, "peak_mb": per_thousand},
                None,
                1.0,
                "pandoc peak <= 1,200 MB per 1,000-note volume (ratio: peak / 1,200 MB)",
                ratio=per_thousand / 1200,
            )
        )
        print(
            f"the build's share: notepress {built['python_cpu_s']:.1f} s CPU, its pandoc runs "
            f"{built['pandoc_cpu_s']:.1f} s CPU",
            file=sys.stderr,
        )
        rows.append(
            figures_row(
                "epub-share",
                notes,
                {**built, "cpu_s": built["python_cpu_s"]},
                {
                    "name": "its pandoc runs, same build",
                    **built,
                    "cpu_s": built["pandoc_cpu_s"],
                    "peak_mb": built["pandoc_peak_mb"],
                },
                None,
                None,
            )
        )
        print(
            f"pandoc from the exporter's JSON: {from_json['cpu_s']:.1f} s CPU, "
            f"{from_json['peak_mb']:.0f} MB (HTML {html.stat().st_size / 1e6:.1f} MB, "
            f"JSON {document.stat().st_size / 1e6:.1f} MB)",
            file=sys.stderr,
        )
        rows.append(
            figures_row(
                "epub-json-input",
                notes,
                from_json,
                {"name": "pandoc reading the same book as HTML", **alone},
                None,
                None,
            )
        )
        rows.append(
            figures_row(
                "epub-over-json",
                notes,
                built,
                {"name": "pandoc alone on the JSON the exporter fed it", **from_json},
                None,
                None,
            )
        )

        split = in_child("--child-build", str(root), str(folder / "out"), "volumes", "")
        print(
            f"{split['books']} volumes of {size}: {split['cpu_s']:.1f} s CPU, "
            f"{split['wall_s']:.1f} s wall, pandoc peak {split['pandoc_peak_mb']:.0f} MB",
            file=sys.stderr,
        )
        rows.append(
            figures_row(
                f"epub-{split['books']}-volumes",
                notes,
                split,
                {"name": "one book of the same notes", **built},
                None,
                None,
            )
        )

        # Ten photos shown once each: inline, they take pandoc about 3.5 GB already.
        photos = make_photo_vault(folder / "photos", 10, 10)
        inline = folder / "photos-inline.html"
        with_photos = in_child(
            "--child-build",
            str(photos),
            str(folder / "photos-out"),
            "archive",
            "",
            env={"BENCH_INLINE_DUMP": str(inline)},
        )
        before = pandoc_alone(inline, folder / "photos-inline.epub")
        print(
            f"photos: build {with_photos['cpu_s']:.1f} s CPU, pandoc peak "
            f"{with_photos['pandoc_peak_mb']:.0f} MB; pandoc alone on the images inline "
            f"{before['cpu_s']:.1f} s CPU, {before['peak_mb']:.0f} MB",
            file=sys.stderr,
        )
        rows.append(
            figures_row(
                "epub-photos",
                10,
                with_photos,
                {
                    "name": "pandoc alone, the same book with its images inline (data: URIs)",
                    **before,
                },
                None,
                None,
            )
        )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    text = json.dumps(rows, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
