"""What the build cache saves: cold, nothing changed and one note edited, as whole processes.

Usage::

    .venv/bin/python bench/bench_cache.py [--notes 2000 10000] [--keep DIR]

For each size a synthetic vault (:mod:`synthetic`) gets two feed targets: ``newsletter``
(the newest 20) and ``archive`` (every published note, ``limit = 0``).  Each is built by
``notepress build`` in a child process: cold (no cache), again with nothing changed, then
after one note's body was edited.  Figures are CPU seconds (user + system) of the child
and its peak memory, with the count of targets rewritten; wall-clock time is printed
for reference only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_vault

CONFIG = """
[site]
url = "https://notes.example.org/"
title = "Bench"

[targets.newsletter]
exporter = "feed"
formats = ["atom", "rss", "json"]

[targets.archive]
exporter = "feed"
formats = ["atom", "rss", "json"]
limit = 0
"""


def run(vault: Path, target: str, *extra: str) -> tuple[float, float, int, str]:
    """CPU seconds, wall seconds, peak KB and the output of one ``notepress build``, each
    of that child alone (``wait4``)."""
    command = [sys.executable, "-m", "notepress", "build", str(vault), "-t", target, *extra]
    env = {**os.environ, "NOTEPRESS_CACHE": str(vault.parent / "cache")}
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(command, stdout=out, stderr=err, text=True, env=env)
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode not in (0, 1):
        raise SystemExit(stderr)
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss, stdout


def measure(count: int, keep: Path | None) -> None:
    folder = Path(keep or tempfile.mkdtemp(prefix="notepress-cache-bench-"))
    folder = folder / str(count)
    vault = folder / "vault"
    shutil.rmtree(vault, ignore_errors=True)
    make_vault(vault, count)
    (vault / "notepress.toml").write_text(CONFIG, encoding="utf-8")
    edited = sorted(vault.rglob("*.md"))[-1]
    print(f"\n{count} notes")
    print(f"{'target':<11} {'build':<16} {'CPU s':>7} {'wall s':>7} {'peak MB':>8}  written")
    for target in ("newsletter", "archive"):
        shutil.rmtree(vault / "_publish", ignore_errors=True)
        shutil.rmtree(folder / "cache", ignore_errors=True)  # cold means cold
        steps = [("no cache", ("--no-cache",)), ("cold cache", ()), ("nothing changed", ())]
        for name, extra in steps:
            cpu, wall, peak, out = run(vault, target, *extra)
            written = "no" if "up to date" in out else "yes"
            print(f"{target:<11} {name:<16} {cpu:7.2f} {wall:7.2f} {peak / 1024:8.0f}  {written}")
        text = edited.read_text(encoding="utf-8")
        edited.write_text(text.replace("Note", "Edited note", 1) + "\nOne more line.\n")
        cpu, wall, peak, out = run(vault, target)
        written = "no" if "up to date" in out else "yes"
        print(
            f"{target:<11} {'one note edited':<16} {cpu:7.2f} {wall:7.2f} {peak / 1024:8.0f}  {written}"
        )
        edited.write_text(text, encoding="utf-8")
    if keep is None:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, nargs="+", default=[2000])
    parser.add_argument("--keep", type=Path, help="write the vaults here and keep them")
    args = parser.parse_args()
    for count in args.notes:
        measure(count, args.keep)


if __name__ == "__main__":
    main()
