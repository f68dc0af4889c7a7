"""A build with nothing changed answers from the last build's record, and anything that
could change an output makes a real build.

Whether a build was answered from the record is read from what it imported (a real build
imports the renderer), never from how long it took.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from notepress.cli import main
from notepress.unchanged import Request, records_folder

from .conftest import git, make_draft_keeping_size_and_time, note_text, write_vault
from .hostile.support import run_cli
from .test_cache import XSL

CONFIG = """
[site]
url = "https://notes.example.org/"
title = "Crumbs"

[targets.news]
exporter = "feed"
formats = ["rss"]
stylesheet = "../style/feed.xsl"

[targets.meta]
exporter = "jsonld"
"""


DAY = 86_400

#: Run one build in a child and say whether it loaded the renderer.
_PROBE = """
import sys
from notepress.cli import main
code = main(sys.argv[1:])
loaded = sorted(m for m in ("notepress.markdown", "notepress.vault", "notepress.parse")
                if m in sys.modules)
print("LOADED", ",".join(loaded) or "-", "CODE", code)
"""


def _age(folder: Path, seconds: int = DAY) -> None:
    """Date every file well before now, as files are between two builds in real use."""
    moment = time.time() - seconds
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (moment, moment), follow_symlinks=False)


def _dated_back(path: Path) -> None:
    """Date the one file a change wrote half a day back: out of the listing's two-second
    window, and every other file as it was, so that only this change can be seen."""
    moment = time.time() - DAY // 2
    os.utime(path, (moment, moment))


@pytest.fixture
def project(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A vault whose feed names a stylesheet outside it, and its output folder."""
    style = tmp_path / "style"
    style.mkdir()
    (style / "feed.xsl").write_text(XSL.format("first look"), encoding="utf-8")
    vault = write_vault(
        tmp_path / "vault",
        {
            "Kettle.md": note_text("Kettle", "Boils water. See [[Teapot]].", created="2024-02-01"),
            "Teapot.md": note_text(
                "Teapot", "Holds tea. See [[Missing cup]].", created="2024-02-02"
            ),
            "Sieve.md": note_text("Sieve", "Not yet.", created="2024-02-03", draft=True),
        },
        CONFIG,
    )
    _age(tmp_path)
    yield vault, tmp_path / "out"


def _probe(vault: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "build", str(vault), "-o", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def _build_here(vault: Path, out: Path, *extra: str) -> int:
    """A build in this process, where whether it replayed is not asked: it spares a child's
    start for the builds that only set the scene or give the bytes to compare with."""
    return main(["build", str(vault), "-o", str(out), *extra])


def _replayed(output: str) -> bool:
    line = next(line for line in output.splitlines() if line.startswith("LOADED"))
    return line.split()[1] == "-"


def _records(out: Path) -> list[Path]:
    """The records of builds into ``out`` (every test of the run shares one cache folder)."""
    return [
        path
        for path in sorted(records_folder().glob("*.json"))
        if json.loads(path.read_text(encoding="utf-8")).get("output") == str(out.resolve())
    ]


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_nothing_changed_is_answered_without_reading_a_note(project: tuple[Path, Path]) -> None:
    vault, out = project
    first = _probe(vault, out)
    assert not _replayed(first) and "CODE 0" in first
    written = _files(out)
    second = _probe(vault, out)
    assert _replayed(second), second
    assert "news (feed, 2 notes) up to date" in second
    assert "meta (jsonld, 2 notes) up to date" in second
    assert "CODE 0" in second
    assert _files(out) == written  # not a byte nor a time changed


def test_a_replay_reports_what_a_cached_build_reports(project: tuple[Path, Path]) -> None:
    vault, out = project
    assert run_cli("build", vault, "-o", out).code == 0
    replayed = run_cli("build", vault, "-o", out, "--format", "json")
    for record in _records(out):
        record.unlink()
    cached = run_cli("build", vault, "-o", out, "--format", "json")
    assert json.loads(replayed.stdout) == json.loads(cached.stdout)
    report = json.loads(replayed.stdout)
    assert [t["up_to_date"] for t in report["targets"]] == [True, True]
    # The broken link's warning is reported again, with its file and line.
    assert any("Missing cup" in p["message"] for p in report["problems"]), report
    text_replayed = run_cli("build", vault, "-o", out)
    for record in _records(out):
        record.unlink()
    text_cached = run_cli("build", vault, "-o", out)
    assert text_replayed.stdout == text_cached.stdout
    assert [line for line in text_replayed.stderr.splitlines() if "..." not in line] == [
        line for line in text_cached.stderr.splitlines() if "..." not in line
    ]


def _edit_note(vault: Path, root: Path) -> None:
    path = vault / "Kettle.md"
    path.write_text(note_text("Kettle", "Boils water fast.", created="2024-02-01"), "utf-8")
    _dated_back(path)


def _same_size_edit(vault: Path, root: Path) -> None:
    path = vault / "Kettle.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Boils", "Heats"), encoding="utf-8")
    _dated_back(path)


def _made_draft_same_size_and_time(vault: Path, root: Path) -> None:
    make_draft_keeping_size_and_time(vault / "Teapot.md")


def _add_note(vault: Path, root: Path) -> None:
    (vault / "Cup.md").write_text(note_text("Cup", "Holds tea too."), encoding="utf-8")
    _dated_back(vault / "Cup.md")


def _remove_note(vault: Path, root: Path) -> None:
    (vault / "Teapot.md").unlink()


def _edit_config(vault: Path, root: Path) -> None:
    config = vault / "notepress.toml"
    config.write_text(config.read_text().replace("Crumbs", "Crumbs and more"), "utf-8")
    _dated_back(config)


def _edit_stylesheet(vault: Path, root: Path) -> None:
    (root / "style" / "feed.xsl").write_text(XSL.format("second look"), encoding="utf-8")
    _dated_back(root / "style" / "feed.xsl")


def _edit_obsidian_settings(vault: Path, root: Path) -> None:
    (vault / ".obsidian").mkdir(exist_ok=True)
    (vault / ".obsidian" / "app.json").write_text('{"newLinkFormat": "absolute"}', "utf-8")
    _dated_back(vault / ".obsidian" / "app.json")


def _edit_templater_settings(vault: Path, root: Path) -> None:
    plugin = vault / ".obsidian" / "plugins" / "templater-obsidian"
    plugin.mkdir(parents=True)
    (plugin / "data.json").write_text('{"templates_folder": "Scripts"}', "utf-8")
    _dated_back(plugin / "data.json")


def _touch_output(vault: Path, root: Path) -> None:
    (root / "out" / "news" / "rss.xml").write_text("<rss/>", encoding="utf-8")


def _delete_output(vault: Path, root: Path) -> None:
    (root / "out" / "meta" / "index.jsonld").unlink(missing_ok=True)
    for path in (root / "out" / "meta").glob("*.jsonld"):
        path.unlink()


@pytest.mark.parametrize(
    "change",
    [
        _edit_note,
        _same_size_edit,
        _made_draft_same_size_and_time,
        _add_note,
        _remove_note,
        _edit_config,
        _edit_stylesheet,
        _edit_obsidian_settings,
        _edit_templater_settings,
        _touch_output,
        _delete_output,
    ],
)
def test_any_change_makes_a_real_build(project: tuple[Path, Path], change: object) -> None:
    vault, out = project
    assert _build_here(vault, out) == 0
    assert _replayed(_probe(vault, out))
    change(vault, vault.parent)  # type: ignore[operator]
    after = _probe(vault, out)
    assert not _replayed(after), after
    fresh = out.parent / "fresh"
    assert _build_here(vault, fresh, "--no-cache") == 0
    assert _contents(out) == _contents(fresh)


def _contents(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".notepress-output")
    }


def test_a_picture_swapped_for_one_of_its_size_and_time_is_copied_again(
    tmp_path: Path,
) -> None:
    """The feed copies the picture a note shows; a new picture of the same size, its time
    put back, replaces the copy: its change time moved, so neither the replay nor the
    target's memo trusts the old one."""
    square = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect fill="{}" '
    square += 'width="4" height="4"/></svg>'
    vault = write_vault(
        tmp_path / "vault",
        {
            "Kettle.md": note_text("Kettle", "Boils. ![[pic.svg]]", created="2024-02-01"),
            "pic.svg": square.format("red"),
        },
        CONFIG.replace('stylesheet = "../style/feed.xsl"', 'content = "full"'),
    )
    _age(tmp_path)
    out = tmp_path / "out"
    assert _build_here(vault, out) == 0
    copy = out / "news" / "assets" / "pic.svg"
    assert b"red" in copy.read_bytes()
    picture = vault / "pic.svg"
    before = picture.stat()
    picture.write_text(square.format("tan"), encoding="utf-8")
    os.utime(picture, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert picture.stat().st_size == before.st_size
    assert not _replayed(_probe(vault, out))
    assert b"tan" in copy.read_bytes()


@pytest.mark.parametrize("preamble", [".obsidian/macros.sty", "../macros.sty"])
def test_a_preamble_the_listing_does_not_reach_is_part_of_the_state(
    project: tuple[Path, Path], preamble: str
) -> None:
    """A preamble in a hidden folder or beside the vault is read by the load, not listed
    with the vault: its edit still makes a real build, which shows the new macro."""
    vault, out = project
    config = vault / "notepress.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + f'\n[vault]\nmath_preamble = "{preamble}"\n',
        encoding="utf-8",
    )
    kettle = vault / "Kettle.md"
    kettle.write_text(note_text("Kettle", "Boils at $\\hot$.", created="2024-02-01"), "utf-8")
    sty = vault / preamble
    sty.parent.mkdir(exist_ok=True)
    sty.write_text("\\newcommand{\\hot}{\\mathrm{warm}}\n", encoding="utf-8")
    _age(vault.parent)
    assert _build_here(vault, out) == 0
    assert _replayed(_probe(vault, out))
    sty.write_text("\\newcommand{\\hot}{\\mathrm{boiling}}\n", encoding="utf-8")
    _dated_back(sty)
    assert not _replayed(_probe(vault, out))
    assert "boiling" in (out / "news" / "rss.xml").read_text(encoding="utf-8")


def test_variables_outputs_read_are_part_of_the_state(project: tuple[Path, Path]) -> None:
    vault, out = project
    _build_here(vault, out)
    assert _replayed(_probe(vault, out))
    assert not _replayed(_probe(vault, out, env={"SOURCE_DATE_EPOCH": "1735689600"}))


def test_a_file_dated_within_two_seconds_of_the_listing_leaves_no_record(
    project: tuple[Path, Path],
) -> None:
    """Its time could hide a second write of the same size: such a listing is not kept.
    The file is dated ahead, so that no machine is fast or slow enough to change that."""
    vault, out = project
    cup = vault / "Cup.md"
    cup.write_text(note_text("Cup", "Just written."), encoding="utf-8")
    ahead = time.time() + 3600
    os.utime(cup, (ahead, ahead))
    assert not _replayed(_probe(vault, out))
    assert _records(out) == []
    assert not _replayed(_probe(vault, out))


def test_the_record_expires_when_a_held_back_note_comes_due(
    project: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    vault, out = project
    (vault / "Later.md").write_text(note_text("Later", "Soon.", created="2024-06-01"), "utf-8")
    _age(vault.parent)
    epoch = str(int(datetime(2024, 3, 1, tzinfo=UTC).timestamp()))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert run_cli("build", vault, "-o", out).code == 0
    request = Request.of(vault, output=out)
    assert request is not None
    assert request.replay(now=datetime(2024, 5, 31, tzinfo=UTC)) is not None
    assert request.replay(now=datetime(2024, 6, 2, tzinfo=UTC)) is None


def test_no_cache_ignores_the_record_and_clean_removes_it(project: tuple[Path, Path]) -> None:
    vault, out = project
    _build_here(vault, out)
    assert len(_records(out)) == 1
    assert not _replayed(_probe(vault, out, "--no-cache"))
    cleaned = run_cli("clean", vault, "-o", out)
    assert cleaned.code == 0, cleaned.stderr
    assert _records(out) == []
    assert not _replayed(_probe(vault, out))


def test_a_vault_dated_by_git_replays_while_head_names_the_same_commit(
    project: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit changes dates without touching a file: the record names the commit the
    dates were read at, and a build replays only while HEAD still names it."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    vault, out = project
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(vault.parent))
    config = vault / "notepress.toml"
    config.write_text(config.read_text() + "\n[vault]\ndate_from_git = true\n", "utf-8")
    _age(vault.parent)
    _build_here(vault, out)
    assert _records(out) == []  # outside a repository: no commit to name the dates by
    git(vault, "init", "-q")
    git(vault, "add", "-A")
    git(vault, "commit", "-q", "-m", "notes")
    _build_here(vault, out)
    (record,) = _records(out)
    assert json.loads(record.read_text(encoding="utf-8"))["git"]
    assert _replayed(_probe(vault, out))
    git(vault, "commit", "-q", "--allow-empty", "-m", "later")  # no file changed
    assert not _replayed(_probe(vault, out))
    assert _replayed(_probe(vault, out))  # that build named the new commit
    # A build after an edit takes the kept vault, dated from the same commit, and leaves a
    # record the next build replays.
    kettle = vault / "Kettle.md"
    kettle.write_text(kettle.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    _age(vault.parent)
    assert not _replayed(_probe(vault, out))
    assert _replayed(_probe(vault, out))


def test_a_folder_with_a_dangling_link_still_shows_a_file_added_to_it(tmp_path: Path) -> None:
    """A folder the record follows (fonts, templates) holding a link to nothing: its state
    is every other file's still, so a font installed beside it is seen."""
    from notepress.unchanged import _state

    fonts = tmp_path / "fonts"
    (fonts / "a").mkdir(parents=True)
    (fonts / "a" / "broken.ttf").symlink_to(tmp_path / "nowhere.ttf")
    before = list(_state(fonts))
    (fonts / "z").mkdir()
    (fonts / "z" / "new.ttf").write_bytes(b"font")
    after = list(_state(fonts))
    assert after != before
    assert any(str(entry[0]).endswith("new.ttf") for entry in after if entry)


def test_a_folder_restored_into_the_output_makes_a_real_build(
    project: tuple[Path, Path],
) -> None:
    """A folder with a manifest that came back into the output after the last build (a
    backup restored, a copy made) may publish a note private now: only a real build
    withdraws it or names it, so the record is not answered; the build after is again."""
    vault, out = project
    assert _build_here(vault, out) == 0
    assert _replayed(_probe(vault, out))
    shutil.copytree(out / "news", out / "news-2023")
    assert not _replayed(_probe(vault, out))
    assert _replayed(_probe(vault, out))
