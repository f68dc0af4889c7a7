"""SIGKILL a build at random instants: every target stays whole, no helper process survives,
and the next build leaves no staging or temporary folder behind.

Kill instants are fractions of one measured, uninterrupted build (as long as each round's,
whose edit every target shows).  The fractions are seeded and stratified, one in each equal
slice of the build, so that the rounds cover its whole length evenly, the swap of the
targets at its end included (the time itself is never asserted).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from notepress.output import MANIFEST, WORK, read_manifest
from tests.conftest import note_text, write_vault
from tests.hostile.support import snapshot

NOTES = 40
KILLS = 4
TARGETS = ("newsletter", "metadata", "digest")
CONFIG = """\
[site]
url = "https://example.org/"

[targets.newsletter]
exporter = "feed"
formats = ["atom", "rss", "json"]
limit = 0

[targets.metadata]
exporter = "jsonld"

[targets.digest]
exporter = "pdf"
group = "all"
include_tags = ["print"]
"""
_ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}
pytestmark = pytest.mark.slow


def _note(i: int, words: str) -> str:
    created = f"2023-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}"
    note_id = f"23{1 + i // 28 % 12:02d}{1 + i % 28:02d}K{chr(65 + i // 336)}{i % 100:02d}"
    tags = ["print"] if i < 2 else ["bulk"]
    body = f"{words} Paragraph {i}.\n\n" + "Some ordinary text for the feed. " * 8
    return note_text(f"Note {i}", body, note_id=note_id[:10], created=created, tags=tags)


def _start(vault: Path) -> subprocess.Popen[bytes]:
    """A build in its own process group, as a shell would start it."""
    return subprocess.Popen(
        [sys.executable, "-m", "notepress", "build", str(vault)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_ENV,
        start_new_session=True,
    )


def _living(group: int) -> list[str]:
    """Processes of a process group that still run (zombies wait for init and are dead)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(f"{entry} {stat.split('(', 1)[1].split(')')[0]} {fields[0]}")
    return found


def _wait_for_group_to_end(group: int, safety: float = 30.0) -> list[str]:
    """The survivors once the group is empty or the safety net expires (a hang, not speed)."""
    deadline = time.monotonic() + safety
    while (alive := _living(group)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def _assert_whole(output: Path) -> dict[str, dict[str, str]]:
    """Every target folder holds exactly what its manifest lists; return the manifests."""
    manifests = {}
    for name in TARGETS:
        folder = output / name
        listed = read_manifest(folder)
        assert listed, f"{name}: missing or without a manifest"
        found = {k: v for k, v in snapshot(folder).items() if k != MANIFEST}
        assert found == listed, f"{name}: not the build its manifest describes"
        manifests[name] = listed
    return manifests


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """A large vault built once, and how long that uninterrupted build took."""
    vault = write_vault(
        tmp_path_factory.mktemp("kill") / "vault",
        {f"notes/n{i:03d}.md": _note(i, "First.") for i in range(NOTES)},
        CONFIG,
    )
    started = time.monotonic()
    process = _start(vault)
    _, stderr = process.communicate(timeout=600)
    duration = time.monotonic() - started
    assert process.returncode == 0, stderr.decode()
    _assert_whole(vault / "_publish")
    return vault, duration


def _instants(count: int, seed: int) -> list[float]:
    """``count`` fractions of a build, one drawn in each equal slice of 5% to 100%."""
    rng = random.Random(seed)
    width = 0.95 / count
    return [0.05 + (k + rng.random()) * width for k in range(count)]


def test_sigkill_at_random_instants_leaves_every_target_whole(built: tuple[Path, float]) -> None:
    vault, duration = built
    output = vault / "_publish"
    notes_before = snapshot(vault / "notes")
    for round_, fraction in enumerate(_instants(KILLS, 20240601)):
        (vault / "notes" / "n000.md").write_text(_note(0, f"Round {round_}."), encoding="utf-8")
        notes_before["n000.md"] = snapshot(vault / "notes")["n000.md"]
        process = _start(vault)
        time.sleep(fraction * duration)
        process.kill()
        process.communicate(timeout=60)
        survivors = _wait_for_group_to_end(process.pid)
        assert not survivors, f"round {round_}: processes outlived the build: {survivors}"
        _assert_whole(output)
        assert snapshot(vault / "notes") == notes_before
    final = _start(vault)
    _, stderr = final.communicate(timeout=600)
    assert final.returncode == 0, stderr.decode()
    _assert_whole(output)
    assert not (output / WORK).exists(), "a staging or temporary folder was left"
    assert f"Round {KILLS - 1}." in (output / "newsletter" / "rss.xml").read_text()


def test_sigkill_during_two_concurrent_builds(built: tuple[Path, float]) -> None:
    vault, duration = built
    output = vault / "_publish"
    first, second = _start(vault), _start(vault)
    time.sleep(0.5 * duration)
    first.kill()
    first.communicate(timeout=60)
    _, stderr = second.communicate(timeout=600)
    assert second.returncode == 0, stderr.decode()
    assert not _wait_for_group_to_end(first.pid)
    assert not _wait_for_group_to_end(second.pid)
    _assert_whole(output)
    assert not (output / WORK).exists()


def test_sigterm_stops_workers_and_removes_temporary_folders(built: tuple[Path, float]) -> None:
    vault, duration = built
    output = vault / "_publish"
    process = _start(vault)
    time.sleep(0.8 * duration)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    # 143: stopped mid-build and said so.  0 or -SIGTERM: the signal came as the build was
    # ending (after the command had restored the default handler); either way the checks
    # below must hold.
    assert process.returncode in (0, 128 + signal.SIGTERM, -signal.SIGTERM), stderr.decode()
    if process.returncode == 128 + signal.SIGTERM:
        assert "notepress: terminated" in stderr.decode()
    assert not _wait_for_group_to_end(process.pid)
    _assert_whole(output)
    assert not (output / WORK).exists()
