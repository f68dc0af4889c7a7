"""The command line: exit codes, messages without tracebacks, and the JSON listings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from notepress.chars import cells
from notepress.cli import main

from .conftest import SEEDS, note_text

BAD_NOTES = {
    "good.md": note_text(
        "Good note", "A fine published note about GOOD-TEXT.", note_id="230306GN01"
    ),
    "secret.md": note_text("Secret", "DRAFT-SECRET-TEXT", note_id="230307GN01", draft=True),
    "latin1.md": "---\ntitle: Caf\xe9\ndraft: false\n---\nbody".encode("latin-1"),
    "broken-yaml.md": "---\ntitle: [unclosed\ndraft: false\n---\nBROKEN-YAML-TEXT\n",
    "list-fm.md": "---\n- a\n- b\n---\nLIST-FM-TEXT\n",
    "draft-string.md": note_text(
        "Draft string", "DRAFT-STRING-TEXT", extra='draft: "false"', draft=None
    ),
    "bad-date.md": note_text("Bad date", "BAD-DATE-TEXT", created="someday"),
    "dup-a.md": note_text("Dup A", "DUP-A-TEXT", note_id="230308GN01"),
    "dup-b.md": note_text("Dup B", "DUP-B-TEXT", note_id="230308GN01"),
    "bad-id.md": note_text("Bad id", "BAD-ID-TEXT", note_id="2303GN1"),
}
BAD_FILES = sorted(name for name in BAD_NOTES if name not in ("good.md", "secret.md"))
JSONLD_ONLY = """
[site]
title = "Bad vault"
url = "https://notes.example.org/"
[targets.meta]
exporter = "jsonld"
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "notepress", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_list_json_on_seeds() -> None:
    if not SEEDS.is_dir():
        pytest.skip("seed notes not present")
    result = run("list", "--format", "json", str(SEEDS))
    assert result.returncode == 0, result.stderr
    rows = {row["note_id"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {"221215GN01", "221215TJ01"}
    for row in rows.values():
        assert row["draft"] is True and row["published"] is False
        assert row["created"].startswith("2022-12-15")
    assert rows["221215TJ01"]["updated"].startswith("2025-02-09")
    assert rows["221215GN01"]["tags"] == ["general-note", "ai", "audio", "creativity", "2022"]
    assert rows["221215GN01"]["title"] == "riffusion turns diffusion into a music instrument"


def test_check_reports_every_bad_file(make_vault) -> None:
    root = make_vault(BAD_NOTES, config=JSONLD_ONLY)
    result = run("check", "--format", "json", str(root))
    assert result.returncode == 1
    problems = json.loads(result.stdout)
    bad = {p["path"] for p in problems if p["severity"] == "error"}
    assert bad == set(BAD_FILES)
    yaml_error = next(p for p in problems if p["code"] == "frontmatter-yaml")
    assert yaml_error["line"] == 2  # where the bracket was opened, not where YAML gave up


def test_check_text_names_file_and_line(make_vault) -> None:
    root = make_vault(BAD_NOTES, config=JSONLD_ONLY)
    result = run("check", str(root))
    assert result.returncode == 1
    assert "broken-yaml.md:2: error[frontmatter-yaml]" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_build_bad_vault_exits_1_and_still_builds(make_vault, tmp_path: Path) -> None:
    root = make_vault(BAD_NOTES, config=JSONLD_ONLY)
    out = tmp_path / "out"
    result = run("build", str(root), "-o", str(out))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    for name in BAD_FILES:
        assert name in result.stderr
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written, "the good note is still published"
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in written)
    assert "GOOD-TEXT" in text or "Good note" in text
    for marker in (
        "DRAFT-SECRET-TEXT",
        "BROKEN-YAML-TEXT",
        "DRAFT-STRING-TEXT",
        "DUP-A-TEXT",
        "BAD-ID-TEXT",
    ):
        assert marker not in text


def test_config_error_exits_2_and_writes_nothing(make_vault, tmp_path: Path) -> None:
    root = make_vault(
        {"a.md": note_text("A", "text", note_id="230306GN01")},
        config='[targets.weekly]\nexporter = "pdf"\ngroup = "fortnight"\n',
    )
    out = tmp_path / "out"
    result = run("build", str(root), "-o", str(out))
    assert result.returncode == 2
    assert "targets.weekly.group" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("value", ["2024-01-01", "17e8", "999999999999999999"])
def test_an_unreadable_source_date_epoch_stops_the_build(
    make_vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """It was ignored without a word: the build's time fell back to the clock, so what is
    held back as future, and so the bytes, depended on the day, though the variable was set."""
    root = make_vault({"a.md": note_text("A", "text", note_id="230306GN01")})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    for command in (["build", "-o", str(tmp_path / "out")], ["check"]):
        result = run(*command, str(root))
        assert result.returncode == 2, result.stderr
        assert f"SOURCE_DATE_EPOCH {value!r} is not a number of seconds" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_a_usage_error(tmp_path: Path, port: str) -> None:
    result = run("serve", str(tmp_path), "--port", port)
    assert result.returncode == 2
    assert "expected a port from 0 to 65535" in result.stderr and "Traceback" not in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("build", str(tmp_path / "missing")).returncode == 2
    assert run("frobnicate").returncode == 2
    assert run("build", str(tmp_path), "-t", "nope").returncode == 2


def test_the_command_runs_exit_handlers_and_flushes_its_output_before_it_ends(
    make_vault,
) -> None:
    """The ``notepress`` command ends without the interpreter's teardown: what it printed
    into a pipe (block-buffered) still arrives whole, the handlers registered to run at
    exit still run, after it, and the exit code is the one ``main`` returned."""
    root = make_vault(BAD_NOTES, config=JSONLD_ONLY)
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('HANDLER-RAN'))\n"
        f"sys.argv = ['notepress', 'check', '--format', 'json', {str(root)!r}]\n"
        "from notepress.cli import run\n"
        "run()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.endswith("HANDLER-RAN\n")
    problems = json.loads(result.stdout.removesuffix("HANDLER-RAN\n"))
    assert {p["path"] for p in problems if p["severity"] == "error"} == set(BAD_FILES)


@pytest.mark.parametrize("errors_too", [False, True], ids=["stdout", "stdout-and-stderr"])
def test_a_reader_that_stops_early_ends_the_command_quietly(make_vault, errors_too: bool) -> None:
    """``notepress list | head -1`` (and ``2>&1 | head``) printed Python's internal dump of
    a lost standard error and exited 1: the pipe's reader closing it is no error of ours."""
    notes = {f"n{i:03d}.md": note_text(f"Note {i}", "Words.\n") for i in range(300)}
    root = make_vault(notes)
    listing = subprocess.Popen(
        [sys.executable, "-m", "notepress", "list", "--format", "json", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if errors_too else subprocess.PIPE,
    )
    assert listing.stdout is not None
    listing.stdout.readline()
    listing.stdout.close()  # as `head -1` does, long before 300 notes are printed
    errors = b""
    if listing.stderr is not None:
        with listing.stderr:
            errors = listing.stderr.read()
    assert listing.wait(timeout=300) == 0, errors
    assert b"lost sys.stderr" not in errors and b"Traceback" not in errors


def test_strict_turns_warnings_into_errors(make_vault, tmp_path: Path) -> None:
    root = make_vault(
        {"a.md": note_text("A", "see [[Nowhere]]", note_id="230306GN01")}, config=JSONLD_ONLY
    )
    assert run("check", str(root)).returncode == 0
    assert run("check", "--strict", str(root)).returncode == 1
    assert run("build", "--strict", str(root), "-o", str(tmp_path / "o")).returncode == 1


def test_targets_lists_counts(make_vault) -> None:
    root = make_vault(
        {
            "a.md": note_text("A", "x", note_id="230306GN01"),
            "b.md": note_text("B", "x", note_id="230307GN01", draft=True),
        },
        config=JSONLD_ONLY,
    )
    result = run("targets", str(root))
    assert result.returncode == 0
    assert "meta" in result.stdout and "jsonld" in result.stdout and " 1 note " in result.stdout


def test_init_writes_a_config_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / "notepress.toml").is_file()
    assert main(["init", str(tmp_path)]) == 2
    assert main(["init", "--force", str(tmp_path)]) == 0


def test_init_replaces_a_link_and_leaves_what_it_led_to(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Written through, ``notepress.toml`` linked to a note overwrote the note; a dangling
    link made a file where it pointed, out of the vault."""
    vault, elsewhere = tmp_path / "vault", tmp_path / "elsewhere"
    vault.mkdir(), elsewhere.mkdir()
    note = elsewhere / "keep.md"
    note.write_text("# Keep\n\nMine.\n", encoding="utf-8")
    (vault / "notepress.toml").symlink_to(note)
    assert main(["init", str(vault)]) == 2
    assert main(["init", "--force", str(vault)]) == 0
    assert "symbolic link" in capsys.readouterr().out
    assert note.read_text(encoding="utf-8") == "# Keep\n\nMine.\n"
    config = vault / "notepress.toml"
    assert not config.is_symlink() and "[targets" in config.read_text(encoding="utf-8")

    dangling = tmp_path / "other"
    dangling.mkdir()
    (dangling / "notepress.toml").symlink_to(elsewhere / "made-here.toml")
    assert main(["init", str(dangling)]) == 2
    assert main(["init", "--force", str(dangling)]) == 0
    assert not (elsewhere / "made-here.toml").exists()
    assert sorted(p.name for p in dangling.iterdir()) == ["notepress.toml"]


def test_list_text(make_vault, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_vault(
        {"a.md": note_text("Alpha", "x", note_id="230306GN01", tags=["one"])}, config=JSONLD_ONLY
    )
    assert main(["list", str(root)]) == 0
    out = capsys.readouterr().out
    assert "230306GN01" in out and "Alpha" in out and "#one" in out and "published" in out


def test_a_space_of_another_width_is_printed_as_it_is(
    make_vault, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ideographic space in a path (common in CJK file names) was printed ``\\u3000``,
    as a control character is: the path could not be pasted or searched for."""
    name = "読書\u3000メモ.md"
    root = make_vault(
        {name: note_text("Memo", "See [[nowhere]].", note_id="230306GN01")}, config=JSONLD_ONLY
    )
    assert main(["list", str(root)]) == 0
    assert name in capsys.readouterr().out
    assert main(["check", str(root)]) == 0
    said = "".join(capsys.readouterr())
    assert f"{name}:" in said and "\\u3000" not in said


def test_list_columns_line_up_under_wide_characters(
    make_vault, capsys: pytest.CaptureFixture[str]
) -> None:
    """東京 takes four cells of a terminal: padded by characters, its row ran two cells on."""
    root = make_vault(
        {
            "東京.md": note_text("Tokyo", "x", note_id="230306GN01"),
            "plain.md": note_text("Plain", "x", note_id="230306GN02"),
        },
        config=JSONLD_ONLY,
    )
    assert main(["list", str(root)]) == 0
    rows = capsys.readouterr().out.splitlines()
    starts = [cells(row[: row.index("230306GN0")]) for row in rows[1:]]
    assert starts == [cells(rows[0][: rows[0].index("NOTE_ID")])] * 2
