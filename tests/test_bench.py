"""``make bench`` keeps working: the protocol helpers measure whole processes, the runner
gathers the rows of a real (tiny) benchmark, and the table and chart are written from rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

BENCH = REPO / "bench"
sys.path.insert(0, str(BENCH))
import common  # noqa: E402

ROWS = [
    {
        "job": "feed, full archive, cold",
        "notes": 10000,
        "notepress": {"cpu_s": 20.5, "wall_s": 14.0, "peak_mb": 310.0},
        "anchor": {"name": "Hugo", "cpu_s": 13.2, "wall_s": 7.5, "peak_mb": 915.0},
        "goal": "≤ 1x Hugo CPU",
        "ratio": 1.553,
        "met": False,
    },
    {
        "job": "feed, full archive, peak memory",
        "notes": 10000,
        "notepress": {"cpu_s": 20.5, "wall_s": 14.0, "peak_mb": 310.0},
        "anchor": {"name": "Hugo", "cpu_s": 13.2, "wall_s": 7.5, "peak_mb": 915.0},
        "goal": "≤ 400 MB",
        "ratio": 0.339,
        "met": True,
    },
    {
        "job": "newsletter (latest 20), cold",
        "notes": 10000,
        "notepress": {"cpu_s": 6.1, "wall_s": 7.0, "peak_mb": 200.0},
        "anchor": None,
        "goal": None,
        "ratio": None,
        "met": None,
    },
]


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH / "run.py"), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_table_and_chart_from_rows(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the chart needs matplotlib (the bench extra)")
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps(ROWS), encoding="utf-8")
    done = _run("--rows", rows, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    table = (tmp_path / "out" / "latest.md").read_text(encoding="utf-8")
    assert "| job | notes | notepress | anchor | ratio | goal | met |" in table
    assert (
        "| feed, full archive, cold | 10,000 | 20.50 s CPU · 14.00 s wall · 310 MB | "
        "Hugo: 13.20 s CPU · 7.50 s wall · 915 MB | 1.55x | ≤ 1x Hugo CPU | **no** |"
    ) in table
    assert "| ≤ 400 MB | yes |" in table
    assert "| newsletter (latest 20), cold | 10,000 |" in table
    assert (tmp_path / "out" / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "out" / "latest.json").read_text(encoding="utf-8")) == ROWS


def test_measure_counts_the_whole_process_tree() -> None:
    # The child spends its CPU time in a grandchild: the figure must include it.
    spin = "import time; t = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    code = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {spin!r}], check=True)"
    figures = common.measure(common.python_command(code))
    assert figures.cpu_s >= 0.3
    assert figures.peak_mb > 1
    with pytest.raises(common.BenchError, match="exited 3"):
        common.measure(common.python_command("raise SystemExit(3)"))


def test_peak_is_the_commands_own() -> None:
    """Measured from a process of 300 MB, a small command reports its own peak, and a large
    one its 200 MB: Linux carries a parent's peak into the child it starts."""
    code = f"""
import sys
sys.path.insert(0, {str(BENCH)!r})
import common
big = bytearray(300 * 1024 * 1024)
for i in range(0, len(big), 4096):
    big[i] = 1
grow = "x = bytearray(200 * 1024 * 1024)\\nfor i in range(0, len(x), 4096): x[i] = 1"
print(common.measure(common.python_command("pass")).peak_mb)
print(common.measure(common.python_command(grow)).peak_mb)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    small, large = map(float, done.stdout.split())
    assert small < 100
    assert 200 <= large < 300


def test_rows_follow_the_protocol() -> None:
    mine = common.Measure(2.0, 3.0, 100.0)
    hugo = common.Measure(4.0, 2.0, 300.0)
    made = common.anchor_row("feed", 10, mine, ("Hugo", hugo), limit=1.0)
    assert made == {
        "job": "feed",
        "notes": 10,
        "notepress": {"cpu_s": 2.0, "wall_s": 3.0, "peak_mb": 100.0},
        "anchor": {"name": "Hugo", "cpu_s": 4.0, "wall_s": 2.0, "peak_mb": 300.0},
        "goal": "≤ 1x Hugo CPU",
        "ratio": 0.5,
        "met": True,
    }


def test_runner_gathers_a_real_benchmark(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the chart needs matplotlib (the bench extra)")
    done = _run("--quick", "--only", "jsonld", "--out", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert [row["job"] for row in rows] == ["jsonld", "jsonld with articleBody"]
    assert all(row["notes"] == 40 and row["notepress"]["cpu_s"] > 0 for row in rows)
    assert "| jsonld | 40 |" in (tmp_path / "latest.md").read_text(encoding="utf-8")
