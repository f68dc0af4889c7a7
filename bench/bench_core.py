"""Load a 10,000-note vault and render every published note once.

.venv/bin/python bench/bench_core.py [COUNT]
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
from notepress.markdown import UrlLinks, render_note


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        root = make_vault(Path(folder), count)
        started = time.perf_counter()
        vault = notepress.load_vault(root)
        loaded = time.perf_counter()
        style = UrlLinks(lambda note: f"https://notes.example.org/{note.note_id}/")
        published = vault.published
        for note in published:
            render_note(note, vault, style)
        rendered = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"notes: {count}, published: {len(published)}")
    print(f"load:   {loaded - started:6.2f} s  ({count / (loaded - started):,.0f} notes/s)")
    print(
        f"render: {rendered - loaded:6.2f} s  ({len(published) / (rendered - loaded):,.0f} notes/s)"
    )
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
