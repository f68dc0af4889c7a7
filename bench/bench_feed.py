"""Time a full-archive feed (every published note, all three formats) of a large vault.

Usage::

    .venv/bin/python bench/bench_feed.py [--notes 10000] [--per-tag] [--keep DIR]

A synthetic vault of ``--notes`` notes is written to a temporary folder: prose paragraphs,
wikilinks to earlier notes (some to drafts), callouts, footnotes, lists, code, tags and image
embeds, about 5 % drafts.  It is then loaded and its feed target built the way the CLI does.
The target sets ``limit = 0``, which is how a feed holds the whole archive.  Figures go to
stdout.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import notepress

WORDS = [
    "the",
    "rack",
    "switch",
    "vlan",
    "router",
    "starter",
    "dough",
    "flour",
    "water",
    "tram",
    "river",
    "path",
    "bike",
    "winter",
    "keyboard",
    "firmware",
    "layout",
    "solder",
    "logbook",
    "archive",
    "street",
    "map",
    "schedule",
    "oven",
    "rye",
    "loaf",
    "measure",
    "power",
    "watt",
    "backup",
    "disk",
    "notes",
    "week",
    "morning",
    "evening",
    "quiet",
    "careful",
    "slowly",
    "because",
    "although",
    "after",
    "before",
    "while",
    "when",
    "every",
    "small",
    "large",
    "old",
    "new",
    "first",
    "second",
]
TAGS = [f"topic-{n:02d}" for n in range(24)] + ["homelab", "baking", "cycling", "history"]
CALLOUTS = ("note", "tip", "warning", "quote", "info")
TINY_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, titles: list[str]) -> str:
    parts = [sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(2, 5))]
    if titles and rng.random() < 0.7:
        target = rng.choice(titles)
        alias = f"|{rng.choice(WORDS)} notes" if rng.random() < 0.4 else ""
        parts.insert(rng.randint(0, len(parts)), f"See [[{target}{alias}]].")
    if rng.random() < 0.2:
        parts.append("It is ==worth remembering==.")
    return " ".join(parts)


def note_file(index: int, rng: random.Random, day: date, titles: list[str]) -> tuple[str, str]:
    """(file name, text) of one synthetic note."""
    title = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {index:05d}"
    note_id = f"{day:%y%m%d}{chr(65 + index % 26)}{chr(65 + index // 26 % 26)}{index % 97 + 1:02d}"
    draft = rng.random() < 0.05
    tags = rng.sample(TAGS, rng.randint(1, 4))
    updated = day + timedelta(days=rng.randint(0, 60))
    lines = [
        "---",
        f"title: {title}",
        f"note_id: {note_id}",
        f"created: {day.isoformat()}",
        f"updated: {updated.isoformat()}",
        f"draft: {'true' if draft else 'false'}",
        "tags:",
        *(f"  - {tag}" for tag in tags),
    ]
    if rng.random() < 0.6:
        lines.append(f"description: {sentence(rng, 12)}")
    lines += ["---", "", f"# {title}", ""]
    body = [paragraph(rng, titles) for _ in range(rng.randint(3, 7))]
    body.insert(1, f"## {rng.choice(WORDS)} section")
    if rng.random() < 0.5:
        kind = rng.choice(CALLOUTS)
        body.append(f"> [!{kind}] {sentence(rng, 4)}\n> {paragraph(rng, titles)}")
    if rng.random() < 0.4:
        body.append("\n".join(f"- {sentence(rng, 6)}" for _ in range(4)))
    if rng.random() < 0.2:
        body.append("```python\nprint('watts', 42)\n```")
    if rng.random() < 0.1:
        body.append(f"![[image-{index % 20:02d}.png]]")
    if rng.random() < 0.4:
        body[-1] += " A claim with a source[^1]."
        body.append(f"[^1]: {sentence(rng, 10)}")
    if rng.random() < 0.3:
        body.append(f"%%private: {sentence(rng, 5)}%%")
    return f"{title}.md", "\n".join(lines) + "\n" + "\n\n".join(body) + "\n"


def write_vault(root: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    (root / "attachments").mkdir(parents=True)
    for n in range(20):
        (root / "attachments" / f"image-{n:02d}.png").write_bytes(TINY_PNG)
    titles: list[str] = []
    start = date(2020, 1, 1)
    for index in range(count):
        day = start + timedelta(days=index * 3 // 10)
        name, text = note_file(index, rng, day, titles[-500:])
        folder = root / f"notes-{index // 1000:02d}"
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
        titles.append(name.removesuffix(".md"))


def write_config(root: Path, count: int, per_tag: bool) -> None:
    (root / "notepress.toml").write_text(
        f"""output = "_publish"

[site]
title = "Bench"
url = "https://notes.example.org/"
author = "Bench Author"

[targets.archive-feed]
exporter = "feed"
formats = ["atom", "rss", "json"]
limit = 0
per_tag = {"true" if per_tag else "false"}
""",
        encoding="utf-8",
    )


def peak_memory_mib() -> float:
    """Peak resident memory of this process (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--per-tag", action="store_true", help="also write the tag feeds")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="notepress-bench-feed-"))
    try:
        started = time.perf_counter()
        write_vault(root, args.notes)
        write_config(root, args.notes, args.per_tag)
        generated = time.perf_counter()
        project = notepress.load_project(root)
        loaded = time.perf_counter()
        report = project.build(["archive-feed"])
        built = time.perf_counter()
        (result,) = report.targets
        if result.error:
            print(result.error, file=sys.stderr)
            return 1
        out = report.output / "archive-feed"
        sizes = {name: (out / name).stat().st_size for name in ("atom.xml", "rss.xml", "feed.json")}
        published = sum(note.published for note in project.vault.notes)
        build_seconds = built - loaded
        print(f"notes in vault:        {len(project.vault.notes)} ({published} published)")
        print(f"items in the feed:     {result.notes}")
        print(f"files written:         {len(result.files)}")
        print(f"generate vault:        {generated - started:.1f} s (not part of the figures)")
        print(f"load vault:            {loaded - generated:.1f} s")
        print(f"build feed target:     {build_seconds:.1f} s")
        print(f"load + build:          {built - generated:.1f} s")
        print(f"throughput (build):    {result.notes / build_seconds:.0f} notes/s")
        print(f"throughput (load+bld): {result.notes / (built - generated):.0f} notes/s")
        for name, size in sizes.items():
            print(f"{name + ':':<22} {size / 1e6:.1f} MB")
        print(f"peak memory (RSS):     {peak_memory_mib():.0f} MiB")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
