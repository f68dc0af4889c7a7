"""Progress and verbosity: the API reports steps to whoever asks, the command shows them.

One small vault, built by the real pipeline into the real JSON-LD exporter (the quickest).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

import notepress
from notepress import forking
from notepress.cli import main
from notepress.progress import PlainProgress, RichProgress, Step, progress_for
from tests.conftest import note_text, write_vault

CONFIG = """
[site]
title = "Progress"
url = "https://notes.example.org/"
author = "Ann"
[targets.meta]
exporter = "jsonld"
[targets.news]
exporter = "feed"
"""


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_vault(
        tmp_path_factory.mktemp("progress") / "v",
        {
            "a.md": note_text("A", "x", note_id="230306GN01"),
            "b.md": note_text("B", "y", note_id="230307GN01", created="2023-03-07"),
        },
        CONFIG,
    )


class Recorder:
    """A display that writes down what it is told."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str, str]] = []

    def started(self, step: Step) -> None:
        self.events.append(("started", step.kind, step.name, step.detail))

    def advanced(self, step: Step, count: int = 1) -> None:
        self.events.append(("advanced", step.kind, step.name, str(count)))

    def finished(self, step: Step, outcome: str = "") -> None:
        self.events.append(("finished", step.kind, step.name, outcome))


def test_the_api_reports_each_step(vault: Path, tmp_path: Path) -> None:
    recorder = Recorder()
    assert isinstance(recorder, notepress.Progress)
    project = notepress.load_project(vault, output=tmp_path / "out", progress=recorder)
    project.build(progress=recorder)
    assert recorder.events == [
        ("started", "load", vault.name, ""),
        ("finished", "load", vault.name, "2 notes"),
        ("started", "target", "meta", "jsonld, 2 notes"),
        ("finished", "target", "meta", "6 files"),
        ("started", "target", "news", "feed, 2 notes"),
        ("finished", "target", "news", "3 files"),
    ]


def test_the_api_is_silent_by_default(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notepress.load_project(vault, output=tmp_path / "out").build()
    assert capsys.readouterr() == ("", "")


def test_a_failed_target_ends_its_step_as_failed(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path / "v",
        {"a.md": "---\ntitle: A\ndraft: false\n---\n\nUndated.\n"},
        CONFIG + '[vault]\nfilename_date = ""\n',
    )
    recorder = Recorder()
    notepress.load_project(root).build(["news"], progress=recorder)
    assert recorder.events[-1] == ("finished", "target", "news", "failed")


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_plain_lines_when_not_a_terminal(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "build", vault, "-o", tmp_path / "out")
    assert code == 0
    lines = err.splitlines()
    assert lines[0] == f"loading {vault.name}..."
    assert lines[1:3] == ["building meta (jsonld, 2 notes)...", "building news (feed, 2 notes)..."]
    assert re.fullmatch(r"output in .*: 2 targets built, 0 failed; 0 errors, 0 warnings", lines[-1])
    assert "meta (jsonld, 2 notes) -> " in out


def test_quiet_prints_nothing_for_a_clean_build(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "build", "-q", vault, "-o", tmp_path / "out") == (0, "", "")


def test_quiet_prints_errors_and_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_vault(
        tmp_path / "v",
        {
            "bad.md": '---\ntitle: Bad\nnote_id: 230306GN01\ndraft: "no"\n---\n',
            "loose.md": "No frontmatter at all.\n",
        },
        CONFIG,
    )
    code, out, err = run(capsys, "build", "-q", root, "-o", tmp_path / "out")
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 2
    assert "error[draft-type]" in lines[0]
    assert lines[1].endswith("2 targets built, 0 failed; 1 error, 6 warnings")  # both empty


def test_verbose_prints_the_time_of_each_step_and_every_file(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "build", "-v", vault, "-o", tmp_path / "out")
    assert code == 0
    times = r"\d+\.\d\d s, CPU \d+\.\d\d s"
    assert re.search(rf"^  load {vault.name}: 2 notes, {times}$", err, re.M)
    assert re.search(rf"^  target meta: 6 files, {times}$", err, re.M)
    assert re.search(rf"^  target news: 3 files, {times}$", err, re.M)
    assert "more file" not in out


def test_rich_on_a_terminal(vault: Path, tmp_path: Path) -> None:
    screen = _Terminal()
    display = progress_for(screen, verbose=True)
    assert isinstance(display, RichProgress)
    try:
        project = notepress.load_project(vault, output=tmp_path / "out", progress=display)
        project.build(progress=display)
    finally:
        display.close()
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "✓ target meta (jsonld, 2 notes): 6 files" in shown
    assert "✓ target news (feed, 2 notes): 3 files" in shown


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _grows(screen: io.StringIO, since: int, seconds: float = 60.0) -> bool:
    """Whether the screen gets more output within ``seconds`` (a generous bound: only a
    display that never redraws waits it out)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(screen.getvalue()) > since:
            return True
        time.sleep(0.02)
    return False


def test_the_live_display_redraws_by_itself_and_holds_still_while_workers_fork() -> None:
    """Its own thread redraws a running step (the spinner, the time), and never while a
    fork is under way, which is why workers may be forked while it runs."""
    screen = _Terminal()
    display = progress_for(screen)
    assert isinstance(display, RichProgress)
    step = Step("target", "news", "feed, 9 notes")
    try:
        display.started(step)
        assert _grows(screen, len(screen.getvalue()))
        assert forking.fork_is_safe()  # the display's thread is the only other one
        with forking.forking():
            held = len(screen.getvalue())
            time.sleep(5 / RichProgress.REFRESH_PER_SECOND)
            assert len(screen.getvalue()) == held
        assert _grows(screen, held)
        display.finished(step, "3 files")
    finally:
        display.close()
    assert threading.active_count() == 1  # the thread is gone once closed


def test_the_display_follows_the_stream() -> None:
    assert isinstance(progress_for(io.StringIO()), PlainProgress)
    assert isinstance(progress_for(io.StringIO(), quiet=True), notepress.progress.NoProgress)


def test_build_format_json_is_the_whole_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_vault(
        tmp_path / "v",
        {
            "a.md": note_text("A", "x", note_id="230306GN01"),
            "bad.md": '---\ntitle: Bad\nnote_id: 230307GN01\ncreated: 2023-03-07\ndraft: "no"\n---\n',
        },
        CONFIG,
    )
    code, out, err = run(capsys, "build", "--format", "json", "-q", root, "-o", tmp_path / "o")
    assert code == 1 and err == ""
    report = json.loads(out)
    assert report["exit_status"] == 1
    assert report["config"] == str(root / "notepress.toml")
    assert report["counts"] == {
        "targets_built": 2,
        "targets_failed": 0,
        "errors": 1,
        "warnings": 0,
    }
    meta = report["targets"][0]
    assert (meta["name"], meta["exporter"], meta["notes"], meta["ok"]) == (
        "meta",
        "jsonld",
        1,
        True,
    )
    assert str(tmp_path / "o" / "meta" / "index.jsonld") in meta["files"]
    assert [p["code"] for p in report["problems"]] == ["draft-type"]
    assert report["problems"][0]["line"] == 5


def test_targets_format_json(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "targets", "--format", "json", vault)
    assert code == 0
    assert json.loads(out) == [
        {"name": "meta", "exporter": "jsonld", "notes": 2, "output": str(vault / "_publish/meta")},
        {"name": "news", "exporter": "feed", "notes": 2, "output": str(vault / "_publish/news")},
    ]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "completion", shell)
    assert code == 0
    for word in ("build", "check", "targets", "completion", "strict", "format", "verbose"):
        assert word in out
    if shell == "bash" and shutil.which("bash"):
        # The script is valid bash: it defines its function and registers it.
        checked = subprocess.run(
            ["bash", "-n"], input=out, capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, checked.stderr
