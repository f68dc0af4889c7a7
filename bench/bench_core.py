"""Loading a large vault in one process and on every core: ``notepress check``, whole processes.

Usage::

    .venv/bin/python bench/bench_core.py [--notes 10000] [--repeat 1] [--json PATH] [--quick]

``check`` reads and parses every note and reports its problems, rendering nothing: the load
every build pays before its first target.  ``-j 1`` parses in the one process; the default
spreads parsing over every core (``notepress.workers``), which costs a little more CPU time
and should take less wall time, so this row's ratio is of wall time.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import emit, every_core_row, measure, notepress_command, options, row
from synthetic import make_vault


def main() -> int:
    parser = options(__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (median)")
    args = parser.parse_args()
    count = 300 if args.quick else args.notes
    folder = Path(tempfile.mkdtemp(prefix="notepress-bench-core-"))
    try:
        vault = make_vault(folder / "vault", count, drafts_every=5, extra=5)
        # Warnings make check exit 1; the figures are what matter here.
        codes = (0, 1)
        serial = measure(
            notepress_command("check", vault, "-j", "1"), repeat=args.repeat, ok_codes=codes
        )
        pooled = measure(notepress_command("check", vault), repeat=args.repeat, ok_codes=codes)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rows = [
        row("load (check), one process", count, serial),
        every_core_row("load (check), every core", count, pooled, serial),
    ]
    emit(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
