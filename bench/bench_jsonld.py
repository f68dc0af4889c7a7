"""Build a jsonld target over a 10,000-note vault, with and without articleBody.

.venv/bin/python bench/bench_jsonld.py [COUNT]

Goal: the JSON-LD files cost little next to rendering, which every target pays: the whole
target (render, plain text, two files per note, the index) under 3 s per 1,000 notes.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import make_vault

import notepress

CONFIG = """
[site]
title = "Bench"
url = "https://notes.example.org/"
author = "Bench Author"

[targets.ld]
exporter = "jsonld"

[targets.ld-body]
exporter = "jsonld"
article_body = true
"""


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        root = make_vault(Path(folder), count)
        (root / "notepress.toml").write_text(CONFIG, encoding="utf-8")
        project = notepress.load_project(root, output=Path(folder) / "out")
        for target in ("ld", "ld-body"):
            started = time.perf_counter()
            result = project.build([target]).targets[0]
            elapsed = time.perf_counter() - started
            size = sum(path.stat().st_size for path in result.files) / 1e6
            print(
                f"{target:8} {result.notes} notes: {elapsed:6.2f} s "
                f"({result.notes / elapsed:,.0f} notes/s), {len(result.files)} files, {size:.1f} MB"
                + (f", error: {result.error}" if result.error else "")
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
