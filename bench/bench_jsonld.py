"""JSON-LD targets of a vault, with and without ``articleBody``: whole ``notepress build`` runs.

Usage::

    .venv/bin/python bench/bench_jsonld.py [--notes 1000] [--repeat 1] [--json PATH] [--quick]

The JSON-LD files should cost little next to rendering, which every target pays; issue 13
sets no goal for them, so these rows have none.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import emit, measure, notepress_command, options, row
from synthetic import make_vault

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


def main() -> int:
    parser = options(__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (median)")
    args = parser.parse_args()
    count = 40 if args.quick else args.notes
    folder = Path(tempfile.mkdtemp(prefix="notepress-bench-jsonld-"))
    rows = []
    try:
        vault = make_vault(folder / "vault", count, drafts_every=5, extra=5)
        (vault / "notepress.toml").write_text(CONFIG, encoding="utf-8")
        for target, job in (("ld", "jsonld"), ("ld-body", "jsonld with articleBody")):
            out = folder / f"out-{target}"
            figures = measure(
                notepress_command("build", vault, "-t", target, "-o", out), repeat=args.repeat
            )
            rows.append(row(job, count, figures))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    emit(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
