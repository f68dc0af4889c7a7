"""Where a note's dates and title come from, and what targets say about undated notes.

Every date source in its order (the configured keys, a date in the file name, the note_id,
git history; never the file's mtime), the warning that lists them for an undated note, git
dates from a real repository, the title sources, and a real feed build: one warning per
target for undated notes, and a failed target rather than an empty feed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import Any

import feedparser
import pytest

import notepress
from notepress import gitdates
from notepress.errors import ConfigError
from notepress.model import Note
from notepress.parse import ParseSettings, parse_note
from notepress.selection import select_notes

from .conftest import git, write_vault
from .hostile.support import run_cli

BERLIN = timezone(timedelta(hours=1))


def parse(text: str, path: str = "note.md", **settings: Any) -> Note:
    return parse_note(PurePosixPath(path), text.encode("utf-8"), ParseSettings(**settings))


def front(*lines: str, body: str = "Some words.\n") -> str:
    return "---\n" + "".join(line + "\n" for line in lines) + "---\n\n" + body


def codes(note: Note) -> list[str]:
    return [problem.code for problem in note.problems]


def day(year: int, month: int, date: int) -> datetime:
    return datetime(year, month, date, tzinfo=UTC)


# --- created and updated from the configured keys -------------------------------------------


@pytest.mark.parametrize(
    ("lines", "created", "source"),
    [
        pytest.param(("date: 2021-05-04",), day(2021, 5, 4), "date", id="date"),
        pytest.param(("published: 2020-01-02",), day(2020, 1, 2), "published", id="published"),
        pytest.param(
            ("published: 2020-01-02", "date: 2021-05-04", "created: 2022-07-08"),
            day(2022, 7, 8),
            "created",
            id="created-first",
        ),
        pytest.param(
            ("published: 2020-01-02", "date: 2021-05-04"), day(2021, 5, 4), "date", id="date-next"
        ),
        pytest.param(("date:", "published: 2020-01-02"), day(2020, 1, 2), "published", id="empty"),
    ],
)
def test_created_comes_from_the_first_key_present(
    lines: tuple[str, ...], created: datetime, source: str
) -> None:
    note = parse(front(*lines))
    assert (note.created, note.created_from) == (created, source)
    assert "created-missing" not in codes(note)


@pytest.mark.parametrize(
    ("written", "moment"),
    [
        ("2021-05-10T18:22:56 (UTC -05:00)", datetime(2021, 5, 10, 23, 22, 56, tzinfo=UTC)),
        ("2021-05-10 18:22 (UTC +01:00)", datetime(2021, 5, 10, 17, 22, tzinfo=UTC)),
    ],
)
def test_a_date_stamped_with_its_offset_in_words_is_read(written: str, moment: datetime) -> None:
    """As a note plugin stamps ``created``: the note stayed private with date-invalid."""
    note = parse(front(f"created: {written}", "draft: false"))
    assert note.created == moment and "date-invalid" not in codes(note)


def test_the_created_keys_are_configurable() -> None:
    text = front("created: 2022-07-08", "written: 2019-03-03")
    note = parse(text, created_keys=("written", "created"))
    assert (note.created, note.created_from) == (day(2019, 3, 3), "written")


def test_an_unreadable_first_key_is_an_error_pointing_at_it_not_a_later_date() -> None:
    note = parse(front("title: T", "created: someday", "date: 2021-05-04"))
    assert note.created is None and note.created_from == "created"
    (error,) = note.errors()
    assert (error.code, error.line) == ("date-invalid", 3)
    assert "'created'" in error.message
    assert "created-missing" not in codes(note)


@pytest.mark.parametrize(
    ("lines", "updated", "source"),
    [
        pytest.param(("modified: 2023-02-01",), day(2023, 2, 1), "modified", id="modified"),
        pytest.param(("lastmod: 2023-03-01",), day(2023, 3, 1), "lastmod", id="lastmod"),
        pytest.param(
            ("lastmod: 2023-03-01", "modified: 2023-02-01", "updated: 2023-04-01"),
            day(2023, 4, 1),
            "updated",
            id="updated-first",
        ),
        pytest.param((), day(2023, 1, 1), "", id="none: created again"),
    ],
)
def test_updated_comes_from_its_keys(
    lines: tuple[str, ...], updated: datetime, source: str
) -> None:
    note = parse(front("date: 2023-01-01", *lines))
    assert (note.updated, note.updated_from) == (updated, source)


def test_updated_before_created_names_the_keys_chosen() -> None:
    note = parse(front("title: T", "date: 2023-05-01", "modified: 2023-01-01"))
    (warning,) = [p for p in note.problems if p.code == "updated-before-created"]
    assert warning.line == 4
    assert "'modified'" in warning.message and "'date'" in warning.message


def test_a_note_id_disagreeing_with_the_chosen_key_names_that_key() -> None:
    note = parse(front("note_id: 230101AB01", "date: 2023-05-01"))
    (warning,) = [p for p in note.problems if p.code == "note-id-date"]
    assert "'date' is 2023-05-01" in warning.message


# --- a date in the file name ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "created"),
    [
        pytest.param("Journal/2023-09-12.md", day(2023, 9, 12), id="daily-note"),
        pytest.param("2023-09-12 Meeting.md", day(2023, 9, 12), id="dated-title"),
        pytest.param("Trips/Walk 2024-02-29 hills.md", day(2024, 2, 29), id="inside"),
    ],
)
def test_a_daily_note_is_dated_by_its_file_name(path: str, created: datetime) -> None:
    note = parse(front("title: T"), path)
    assert (note.created, note.created_from) == (created, "filename")
    assert note.updated == created
    assert "created-missing" not in codes(note)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("20230912.md", id="no-separators"),
        pytest.param("2023-02-30 Not a day.md", id="impossible"),
        pytest.param("1066-10-14 Battle.md", id="a subject, not a date"),
        pytest.param("12023-09-123.md", id="inside-a-number"),
    ],
)
def test_names_that_are_not_dates_date_nothing(path: str) -> None:
    note = parse(front("title: T"), path)
    assert note.created is None
    (warning,) = [p for p in note.problems if p.code == "created-missing"]
    assert "a YYYY-MM-DD date in the file name" in warning.message  # tried, found nothing


def test_a_key_beats_the_file_name_and_the_file_name_beats_the_note_id() -> None:
    keyed = parse(front("created: 2020-01-01"), "2023-09-12.md")
    assert (keyed.created, keyed.created_from) == (day(2020, 1, 1), "created")
    named = parse(front("note_id: 210101AB01"), "2023-09-12 Log.md")
    assert (named.created, named.created_from) == (day(2023, 9, 12), "filename")
    from_id = parse(front("note_id: 210101AB01"), "Log.md")
    assert (from_id.created, from_id.created_from) == (day(2021, 1, 1), "note_id")


def test_the_file_name_pattern_is_configurable_and_can_be_turned_off() -> None:
    european = parse(front("title: T"), "Diary/12.09.2023.md", filename_date="DD.MM.YYYY")
    assert european.created == day(2023, 9, 12)
    off = parse(front("title: T"), "2023-09-12.md", filename_date="")
    assert off.created is None


def test_the_file_name_date_is_midnight_in_the_sites_timezone() -> None:
    note = parse(front("title: T"), "2023-09-12.md", timezone=BERLIN)
    assert note.created == datetime(2023, 9, 12, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("written", "pattern", "created"),
    [
        pytest.param("14-01-2026", "DD-MM-YYYY", datetime(2026, 1, 14, tzinfo=BERLIN), id="dmy"),
        pytest.param("01/14/2026", "MM/DD/YYYY", datetime(2026, 1, 14, tzinfo=BERLIN), id="mdy"),
        pytest.param(
            "2026-01-14", "DD-MM-YYYY", datetime(2026, 1, 14, tzinfo=BERLIN), id="iso-too"
        ),
        # Templater's dates, in moment's tokens, as Obsidian's settings write them.
        pytest.param(
            "Sunday, November 13th 2022 - 19.21",
            "dddd, MMMM Do YYYY - HH.mm",
            datetime(2022, 11, 13, 19, 21, tzinfo=BERLIN),
            id="templater",
        ),
        pytest.param(
            "Nov 3 2022 at 7:05 pm",
            "MMM D YYYY [at] h:mm a",
            datetime(2022, 11, 3, 19, 5, tzinfo=BERLIN),
            id="twelve-hours",
        ),
        pytest.param("3/1/2026", "M/D/YYYY", datetime(2026, 3, 1, tzinfo=BERLIN), id="one-digit"),
    ],
)
def test_a_vaults_own_date_format_is_read(written: str, pattern: str, created: datetime) -> None:
    note = parse(front(f"created: '{written}'"), timezone=BERLIN, date_format=pattern)
    assert (note.created, note.created_from) == (created, "created")
    assert not note.errors()


def test_a_date_in_another_order_says_how_to_read_it_and_that_the_note_waits() -> None:
    (error,) = parse(front("created: 14-01-2026")).errors()
    assert error.code == "date-invalid"
    assert "stays private" in error.message and "[vault] date_format" in error.message
    (other,) = parse(front("created: 31-02-2026"), date_format="DD-MM-YYYY").errors()
    assert other.code == "date-invalid"  # no such day, whatever the format
    (plain,) = parse(front("created: someday")).errors()
    assert "date_format" not in plain.message
    (named,) = parse(front("created: Sunday, November 13th 2022 - 19.21")).errors()
    assert "dddd, MMMM Do YYYY" in named.message  # the tokens to write it in
    # Year first with slashes (four notes of one public vault): the very format to set,
    # which then reads it.
    (slashed,) = parse(front("created: 2022/11/08")).errors()
    assert 'set [vault] date_format = "YYYY/M/D")' in slashed.message
    note = parse(front("created: 2022/11/08"), timezone=BERLIN, date_format="YYYY/M/D")
    assert note.created == datetime(2022, 11, 8, tzinfo=BERLIN) and not note.errors()


@pytest.mark.parametrize(
    ("config", "key"),
    [
        pytest.param('filename_date = "YYYY-MM"', "vault.filename_date", id="no-day"),
        pytest.param('filename_date = "YYYY-MM-DD-DD"', "vault.filename_date", id="twice"),
        pytest.param('title_from = ["title", "heading"]', "vault.title_from", id="title-source"),
        pytest.param('date_format = "DD-MM"', "vault.date_format", id="format-no-year"),
        pytest.param('date_format = "YYYY MMM MM D"', "vault.date_format", id="two-months"),
        pytest.param('date_format = "YYYY-MM-DD hh:mm"', "vault.date_format", id="no-meridiem"),
    ],
)
def test_bad_vault_date_and_title_settings_are_config_errors(
    tmp_path: Path, config: str, key: str
) -> None:
    path = tmp_path / "notepress.toml"
    path.write_text(f"[vault]\n{config}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        notepress.load_config(path)
    assert any(error.startswith(key) for error in caught.value.errors)


# --- undated notes ----------------------------------------------------------------------------


def test_an_undated_note_is_told_every_source_tried_and_how_to_date_it() -> None:
    note = parse(front("title: T"), "Ideas/thought.md")
    (warning,) = [p for p in note.problems if p.code == "created-missing"]
    message = warning.message
    for part in ("'created', 'date', 'published'", "YYYY-MM-DD", "note_id", "date_from_git"):
        assert part in message
    with_git = parse(front("title: T"), "thought.md", date_from_git=True)
    (warning,) = [p for p in with_git.problems if p.code == "created-missing"]
    assert "git history" in warning.message


def test_an_undated_note_with_a_date_under_another_key_is_told_to_name_that_key() -> None:
    """A Zettelkasten ``uid`` holds the moment the note was made: named, never taken
    unasked; named in ``created_keys``, it dates the note."""
    text = front("title: T\naliases: [x]\nuid: 20230608202613\nmodified: 20230609101500")
    note = parse(text, "thought.md")
    (warning,) = [p for p in note.problems if p.code == "created-missing"]
    assert note.created is None
    assert warning.line == 4  # the uid line
    assert warning.message == (
        "no date key, but 'uid' holds 20230608202613, which reads as a date: add 'uid' to "
        "[vault] created_keys to date notes by it"
    )
    dated = parse(text, "thought.md", created_keys=("created", "uid"))
    assert dated.created == datetime(2023, 6, 8, 20, 26, 13, tzinfo=UTC)
    assert not [p for p in dated.problems if p.code == "created-missing"]
    stamped = parse(front("title: T\nmade: 2023-06-08"), "thought.md")
    (warning,) = [p for p in stamped.problems if p.code == "created-missing"]
    assert "'made' holds 2023-06-08, which" in warning.message
    plain = parse(front("title: T\nuid: a7f3\nrating: 5"), "thought.md")
    (warning,) = [p for p in plain.problems if p.code == "created-missing"]
    assert "tried the keys" in warning.message
    # The date of another event is not the note's: advised, a person's note was dated by
    # their birthday, and a letter's by its receipt.
    for key in ("birthday", "Born", "received", "due", "deadline"):
        person = parse(front(f"title: T\n{key}: 1987-06-14"), "thought.md")
        (warning,) = [p for p in person.problems if p.code == "created-missing"]
        assert "tried the keys" in warning.message and key not in warning.message


def test_the_file_name_dates_a_note_and_the_file_mtime_never_does(tmp_path: Path) -> None:
    files = {"plain.md": front("title: Plain"), "Log/2023-09-12.md": front("title: Day")}
    root = write_vault(tmp_path / "vault", files)
    stamp = datetime(2022, 6, 1, tzinfo=UTC).timestamp()
    for name in files:
        os.utime(root / name, (stamp, stamp))
    daily, plain = notepress.load_vault(root).notes
    assert daily.created == daily.updated == day(2023, 9, 12)
    assert plain.created is None and plain.updated is None


def test_undated_notes_come_first_in_path_order() -> None:
    notes = [
        parse(front("draft: false"), path)
        for path in ("zeta.md", "alpha.md", "2023-01-05 log.md", "mid.md")
    ]
    chosen = select_notes(notes, notepress.Selection())
    assert [n.path.as_posix() for n in chosen] == [
        "alpha.md",
        "mid.md",
        "zeta.md",
        "2023-01-05 log.md",
    ]


# --- git history --------------------------------------------------------------------------------


def _commit(repo: Path, message: str, when: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, f"--date={when}", when=when)


@pytest.fixture(scope="module")
def git_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose vault is a subfolder: notes committed at fixed dates."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("repo")
    git(repo, "init", "-q")
    vault = repo / "vault"
    write_vault(
        repo,
        {
            "outside.md": front("title: Outside"),
            "vault/seed.md": front("title: Seed"),
            "vault/kept.md": front("created: 2019-01-01"),
        },
    )
    _commit(repo, "first", "2021-03-04T10:00:00+01:00")
    (vault / "seed.md").write_text(front("title: Seed", body="More words.\n"), encoding="utf-8")
    write_vault(vault, {"Deep/grown.md": front("title: Grown"), "Café\nnotes.md": front()})
    _commit(repo, "second", "2022-08-09T12:30:00+02:00")
    (vault / "kept.md").write_text(front("created: 2019-01-01", body="Edit.\n"), encoding="utf-8")
    _commit(repo, "third", "2023-01-02T08:00:00+00:00")
    write_vault(vault, {"loose.md": front("title: Loose")})  # never committed
    return vault


def test_git_dates_undated_notes_by_their_first_and_last_commit(
    git_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(command: list[str], *args: Any, **kwargs: Any) -> Any:
        calls.append(command)
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(gitdates.subprocess, "run", counting_run)
    monkeypatch.setattr(gitdates, "_DATES", {})  # asked afresh, not from an earlier test
    vault = notepress.load_vault(git_vault, ParseSettings(date_from_git=True))
    # One git log for the whole vault, not one per note, from the commit HEAD names.
    assert [command[command.index("-C") + 2] for command in calls] == ["rev-parse", "log"]
    notes = {note.path.as_posix(): note for note in vault.notes}
    seed = notes["seed.md"]
    assert seed.created == datetime.fromisoformat("2021-03-04T10:00:00+01:00")
    assert seed.updated == datetime.fromisoformat("2022-08-09T12:30:00+02:00")
    assert (seed.created_from, seed.updated_from) == ("git", "git")
    assert "created-missing" not in codes(seed)
    grown = notes["Deep/grown.md"]
    assert grown.created == grown.updated == datetime.fromisoformat("2022-08-09T12:30:00+02:00")
    assert notes["Café\nnotes.md"].created == grown.created  # any file name, as git wrote it
    kept = notes["kept.md"]  # its key wins for created; git gives its last edit
    assert (kept.created, kept.created_from) == (day(2019, 1, 1), "created")
    assert kept.updated == datetime.fromisoformat("2023-01-02T08:00:00+00:00")
    loose = notes["loose.md"]
    assert loose.created is None and "created-missing" in codes(loose)
    assert "outside.md" not in notes
    assert not vault.problems


def test_a_note_first_committed_by_a_merge_is_dated_by_it(tmp_path: Path) -> None:
    """Obsidian Git's "vault backup" after a pull is a merge commit, which may add a note of
    its own: plain ``git log`` lists no file for a merge, so the note was undated and left
    out of every feed."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = write_vault(tmp_path / "repo", {"first.md": front("title: First")})
    git(repo, "init", "-q", "-b", "main")
    _commit(repo, "first", "2024-01-01T09:00:00+00:00")
    git(repo, "checkout", "-q", "-b", "side")
    write_vault(repo, {"side.md": front("title: Side")})
    _commit(repo, "side", "2024-01-02T09:00:00+00:00")
    git(repo, "checkout", "-q", "main")
    (repo / "first.md").write_text(front("title: First", body="Edited.\n"), encoding="utf-8")
    _commit(repo, "edit", "2024-01-03T09:00:00+00:00")
    merged = "2024-01-04T09:00:00+00:00"
    git(repo, "merge", "-q", "--no-commit", "side", when=merged)
    write_vault(repo, {"merged.md": front("title: Merged")})
    _commit(repo, "vault backup", merged)
    vault = notepress.load_vault(repo, ParseSettings(date_from_git=True))
    notes = {note.path.as_posix(): note for note in vault.notes}
    assert notes["merged.md"].created == datetime.fromisoformat(merged)
    assert "created-missing" not in codes(notes["merged.md"])
    # A note of the branch keeps the date it was written on the branch; the merge brought
    # it into the main line, which is its last change there.
    side = notes["side.md"]
    assert side.created == datetime.fromisoformat("2024-01-02T09:00:00+00:00")
    assert side.updated == datetime.fromisoformat(merged)
    assert notes["first.md"].updated == datetime.fromisoformat("2024-01-03T09:00:00+00:00")
    assert not vault.problems


def test_a_renamed_or_moved_note_keeps_the_date_of_its_first_commit(tmp_path: Path) -> None:
    """Obsidian Git commits a rename or a folder reorganised like any edit: the note is
    dated from its first commit under its old name, as Obsidian keeps a renamed file's
    creation time; a new note that takes the old name starts its own history.  A few notes
    read again alone get the dates the whole vault's reading gave them."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = write_vault(
        tmp_path / "repo", {"kiln.md": front("title: Kiln"), "glaze.md": front("title: Glaze")}
    )
    git(repo, "init", "-q")
    _commit(repo, "first", "2021-03-01T10:00:00+00:00")
    (repo / "Studio").mkdir()
    git(repo, "mv", "kiln.md", "Studio/kiln log.md")
    _commit(repo, "reorganised", "2022-05-05T10:00:00+00:00")
    git(repo, "mv", "Studio/kiln log.md", "Studio/firing log.md")
    write_vault(repo, {"kiln.md": front("title: Kiln again", body="Other words.\n")})
    _commit(repo, "renamed again", "2023-09-09T10:00:00+00:00")
    vault = notepress.load_vault(repo, ParseSettings(date_from_git=True))
    notes = {note.path.as_posix(): note for note in vault.notes}
    moved = notes["Studio/firing log.md"]
    assert moved.created == datetime.fromisoformat("2021-03-01T10:00:00+00:00")
    assert moved.updated == datetime.fromisoformat("2023-09-09T10:00:00+00:00")
    assert notes["kiln.md"].created == datetime.fromisoformat("2023-09-09T10:00:00+00:00")
    assert notes["glaze.md"].created == datetime.fromisoformat("2021-03-01T10:00:00+00:00")
    alone, failure = gitdates.read_git_dates(repo, paths=["Studio/firing log.md"])
    assert failure is None
    assert alone == {"Studio/firing log.md": gitdates.FileDates(moved.created, moved.updated)}


def test_a_git_without_the_merge_option_is_asked_without_it(
    git_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git before 2.31 refuses ``--diff-merges``: it still dates every note but merges'."""
    calls: list[list[str]] = []
    real_run = subprocess.run

    def old_git(command: list[str], *args: Any, **kwargs: Any) -> Any:
        calls.append(command)
        if "--diff-merges=first-parent" in command:
            return subprocess.CompletedProcess(
                command, 129, b"", b"fatal: unrecognized argument: --diff-merges=first-parent\n"
            )
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(gitdates.subprocess, "run", old_git)
    monkeypatch.setattr(gitdates, "_DATES", {})
    vault = notepress.load_vault(git_vault, ParseSettings(date_from_git=True))
    logs = [command for command in calls if "log" in command]
    assert len(logs) == 2 and "--diff-merges=first-parent" not in logs[1]
    seed = {note.path.as_posix(): note for note in vault.notes}["seed.md"]
    assert seed.created == datetime.fromisoformat("2021-03-04T10:00:00+01:00")
    assert not vault.problems


def test_a_history_whose_renames_git_cannot_find_is_read_without_them(
    git_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding a rename reads the files' contents, which a partial clone may lack (git
    fails: unable to read a blob): the notes are then dated as if nothing was renamed,
    never left undated."""
    real_run = subprocess.run
    logs: list[list[str]] = []

    def blobless(command: list[str], *args: Any, **kwargs: Any) -> Any:
        if "log" in command:
            logs.append(command)
            if "-M" in command:
                return subprocess.CompletedProcess(command, 128, b"", b"fatal: unable to read\n")
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(gitdates.subprocess, "run", blobless)
    monkeypatch.setattr(gitdates, "_DATES", {})
    vault = notepress.load_vault(git_vault, ParseSettings(date_from_git=True))
    assert len(logs) == 2 and "--no-renames" in logs[1]
    seed = {note.path.as_posix(): note for note in vault.notes}["seed.md"]
    assert seed.created == datetime.fromisoformat("2021-03-04T10:00:00+01:00")
    assert not vault.problems


def test_git_dates_are_off_unless_the_config_asks(git_vault: Path, tmp_path: Path) -> None:
    config = tmp_path / "notepress.toml"
    config.write_text(
        "[site]\npublish_without_draft_key = true\n[vault]\ndate_from_git = true\n"
        '[targets.news]\nexporter = "feed"\n',  # a note not committed is still undated
        encoding="utf-8",
    )
    project = notepress.load_project(git_vault, config, output=tmp_path / "out")
    notes = {n.path.as_posix(): n for n in project.vault.notes}
    assert notes["seed.md"].created == datetime.fromisoformat("2021-03-04T10:00:00+01:00")
    # A note still undated has no commit: the advice is to commit it, not to set the option.
    advice = [p.message for p in project.problems() if p.code == "undated-notes"]
    assert advice and all("a commit (date_from_git is set)" in m for m in advice)
    assert not any("date_from_git = true" in m for m in advice)
    config.write_text("[vault]\n", encoding="utf-8")
    project = notepress.load_project(git_vault, config, output=tmp_path / "out")
    assert {n.path.as_posix(): n for n in project.vault.notes}["seed.md"].created is None


def test_a_vault_outside_git_gets_one_warning_and_still_loads(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "plain", {"a.md": front("title: A"), "b.md": front("title: B")})
    env_ceiling = {"GIT_CEILING_DIRECTORIES": str(tmp_path)}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env_ceiling.items():
            patch.setenv(key, value)
        vault = notepress.load_vault(root, ParseSettings(date_from_git=True))
    (problem,) = vault.problems
    assert (problem.code, problem.severity.value) == ("git-dates", "warning")
    assert "git history cannot be read" in problem.message
    assert len(vault.notes) == 2
    # Each undated note's warning says git was not read, not that no commit touches it.
    undated = [p.message for n in vault.notes for p in n.problems if p.code == "created-missing"]
    assert len(undated) == 2
    assert all("git history (not read: see the git-dates warning)" in m for m in undated)
    assert not any("no commit touches" in m for m in undated)


def test_no_git_installed_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_vault(tmp_path / "plain", {"a.md": front("title: A")})
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    vault = notepress.load_vault(root, ParseSettings(date_from_git=True))
    (problem,) = vault.problems
    assert "git is not installed" in problem.message


# --- titles -------------------------------------------------------------------------------------

BODY = "# A heading\n\nWords.\n"


def test_title_sources() -> None:
    cases: list[tuple[tuple[str, ...], tuple[str, ...] | None, str]] = [
        ((), None, "my file"),  # by default the file name, not the H1, as Obsidian shows it
        (("title: Keyed",), None, "Keyed"),
        ((), ("title", "h1", "filename"), "A heading"),
        (("title: Keyed",), ("title", "h1", "filename"), "Keyed"),
        (("title: Keyed",), ("h1", "title", "filename"), "A heading"),
        (("title: Keyed",), ("filename",), "my file"),
    ]
    for lines, title_from, title in cases:
        settings = {"title_from": title_from} if title_from else {}
        note = parse(front(*lines, body=BODY), "Folder/my file.md", **settings)
        assert note.title == title, (lines, title_from)


@pytest.mark.parametrize(
    ("written", "shown"),
    [("Cre\u0300me bru\u0302le\u0301e", "Crème brûlée"), ("\u1112\u1161\u11ab", "\ud55c")],
    ids=["accents", "hangul"],
)
def test_a_title_from_a_decomposed_file_name_is_composed(
    tmp_path: Path, written: str, shown: str
) -> None:
    """macOS writes file names decomposed: as a title, the name is written composed, as it
    reads, in every output (the file is still found by its own name)."""
    root = write_vault(tmp_path / "vault", {f"{written}.md": front("draft: false", body="Sweet.")})
    (note,) = notepress.load_vault(root).notes
    assert note.title == shown and note.path.stem == written
    assert "Sweet." in note.body


def test_title_from_in_the_config_reaches_the_notes(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path / "vault",
        {"Reference.md": front("draft: false", body=BODY)},
        config='[vault]\ntitle_from = ["title", "h1", "filename"]\n',
    )
    (note,) = notepress.load_project(root).vault.notes
    assert note.title == "A heading"
    (default,) = notepress.load_vault(root).notes
    assert default.title == "Reference"


# --- what targets say about undated notes: a real feed -------------------------------------------

SITE = """
[site]
title = "Dated"
url = "https://notes.example.org/"
publish_without_draft_key = true

[targets.news]
exporter = "feed"
formats = ["atom"]

[targets.meta]
exporter = "jsonld"
"""


@pytest.fixture(scope="module")
def mixed_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, Any]:
    root = write_vault(
        tmp_path_factory.mktemp("mixed") / "vault",
        {
            "Journal/2023-09-12.md": "A day of rain and a long walk.\n",
            "keyed.md": front("date: 2023-10-01"),
            "loose one.md": "No date anywhere.\n",
            "loose two.md": "Nor here.\n",
        },
        config=SITE,
    )
    project = notepress.load_project(root)
    return root, project, project.build()


def test_a_feed_leaves_undated_notes_out_with_one_warning_for_the_target(
    mixed_build: tuple[Path, Any, Any],
) -> None:
    root, _project, report = mixed_build
    news = next(t for t in report.targets if t.name == "news")
    assert news.ok
    parsed = feedparser.parse((root / "_publish" / "news" / "atom.xml").read_bytes())
    assert not parsed.bozo
    assert [entry.title for entry in parsed.entries] == ["keyed", "2023-09-12"]
    assert parsed.entries[1].published_parsed[:3] == (2023, 9, 12)
    undated = [p for p in news.problems if p.code == "undated-notes"]
    assert len(undated) == 1 and undated[0].path == "targets.news"
    assert "2 of the 4 notes" in undated[0].message
    assert "left out" in undated[0].message and "date_from_git" in undated[0].message


def test_other_targets_say_how_they_order_undated_notes(
    mixed_build: tuple[Path, Any, Any],
) -> None:
    _root, _project, report = mixed_build
    meta = next(t for t in report.targets if t.name == "meta")
    (warning,) = [p for p in meta.problems if p.code == "undated-notes"]
    assert "in file path order" in warning.message


def test_check_reports_undated_notes_per_target_before_any_exporter(
    mixed_build: tuple[Path, Any, Any],
) -> None:
    _root, project, _report = mixed_build
    found = [(p.path, p.code) for p in project.problems()]
    assert ("targets.news", "undated-notes") in found
    assert ("targets.meta", "undated-notes") in found
    assert ("loose one.md", "created-missing") in found


def test_a_feed_of_only_undated_notes_fails_instead_of_writing_an_empty_feed(
    tmp_path: Path,
) -> None:
    root = write_vault(
        tmp_path / "vault",
        {"one.md": "First.\n", "two.md": "Second.\n"},
        config=textwrap.dedent(SITE),
    )
    report = notepress.load_project(root).build(["news"])
    (news,) = report.targets
    assert not news.ok and report.has_errors
    assert "none of the 2 notes it selects has a date" in (news.error or "")
    assert not (root / "_publish" / "news" / "atom.xml").exists()


def test_the_command_line_shows_undated_targets_and_date_sources(
    mixed_build: tuple[Path, Any, Any],
) -> None:
    root, _project, _report = mixed_build
    check = run_cli("check", root)
    assert "targets.news: warning[undated-notes]: 2 of the 4 notes" in check.stdout
    assert "loose one.md:1: warning[created-missing]: no date: tried the keys" in check.stdout
    listing = run_cli("list", root, "--format", "json")
    rows = {row["path"]: row for row in json.loads(listing.stdout)}
    assert rows["Journal/2023-09-12.md"]["created_from"] == "filename"
    assert rows["keyed.md"]["created_from"] == "date"
    assert rows["loose two.md"]["created"] is None
