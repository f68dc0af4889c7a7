"""What ``notepress serve`` and ``watch`` spend after one edit: loading the vault again,
deciding which targets the edit reaches, and rebuilding them (CPU seconds).

.venv/bin/python bench/bench_serve.py [COUNT]     # a generated vault of COUNT notes
.venv/bin/python bench/bench_serve.py PATH      # a copy of the vault at PATH, its own config
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import make_vault

from notepress.serve import Rebuilder, affected_targets

CONFIG = """
[site]
title = "Bench"
url = "https://notes.example.org/"

[targets.newsletter]
exporter = "feed"

[targets.metadata]
exporter = "jsonld"
"""


def main() -> None:
    given = sys.argv[1] if len(sys.argv) > 1 else "2000"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "vault"
        if given.isdigit():
            make_vault(root, int(given))
            (root / "notepress.toml").write_text(CONFIG, encoding="utf-8")
            # Dated as a vault's files are, long before the build: a file written within a
            # moment of the listing is read again by the next load whatever its time says.
            when = time.time() - 3600
            for path in root.rglob("*"):
                os.utime(path, (when, when))
        else:  # never edit the vault itself: a copy, without its earlier output
            shutil.copytree(given, root, ignore=shutil.ignore_patterns("_publish"))
        count = len(list(root.rglob("*.md")))
        rebuilder = Rebuilder(root)
        started = time.process_time()
        rebuilder.build()
        built = time.process_time()
        old = rebuilder.project
        assert old is not None
        note = sorted(root.rglob("*.md"))[count // 2]
        note.write_text(note.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
        new = rebuilder.load()
        loaded = time.process_time()
        names = affected_targets(old, new, {note})
        decided = time.process_time()
        state = rebuilder.rebuild({note})
        rebuilt = time.process_time()
    print(f"notes: {count}; the edit reaches {', '.join(names) or 'no target'}")
    print(f"first build:          {built - started:6.2f} s CPU")
    print(f"load after the edit:  {loaded - built:6.2f} s CPU")
    print(f"affected targets:     {decided - loaded:6.2f} s CPU")
    print(f"rebuild (load+build): {rebuilt - decided:6.2f} s CPU ({', '.join(state.rebuilt)})")


if __name__ == "__main__":
    main()
