"""``notepress new``: the next free note_id of the day, safe file names, never an overwrite."""

from __future__ import annotations

import multiprocessing
import os
from datetime import UTC, date
from pathlib import Path

import pytest

import notepress
from notepress.cli import main
from notepress.config import NewOptions
from notepress.errors import ConfigError
from notepress.newnote import NewNoteError, create_note

from .conftest import note_text, write_vault
from .hostile.support import run_cli

DAY = date(2024, 5, 17)


def new(root: Path, title: str, **kwargs: object) -> Path:
    options = kwargs.pop("options", NewOptions())
    return create_note(root, title, options=options, tz=UTC, day=kwargs.pop("day", DAY), **kwargs)  # type: ignore[arg-type]


def ids(paths: list[Path]) -> list[str]:
    return [path.name[:10] for path in paths]


def loaded(root: Path) -> dict[str, notepress.Note]:
    project = notepress.load_project(root, targets=())
    return {note.note_id: note for note in project.vault.notes}


def test_ids_count_up_per_kind_and_per_day(tmp_path: Path) -> None:
    made = [
        new(tmp_path, "First"),
        new(tmp_path, "Second"),
        new(tmp_path, "Log", kind="journal"),
        new(tmp_path, "Next day", day=date(2024, 5, 18)),
        new(tmp_path, "Third"),
    ]
    assert ids(made) == ["240517GN01", "240517GN02", "240517TJ01", "240518GN01", "240517GN03"]
    assert [path.name for path in made][:2] == ["240517GN01 First.md", "240517GN02 Second.md"]


def test_ids_used_anywhere_in_the_vault_are_skipped(tmp_path: Path) -> None:
    write_vault(
        tmp_path,
        {
            # an id in frontmatter, in a file name that does not show it, deep in a folder
            "deep/folder/bread.md": note_text("Bread", note_id="240517GN01"),
            # an id in a file name only, with no frontmatter id
            "240517GN02 Old.md": "# Old\n",
            # an attachment that carries an id
            "scans/240517GN03 receipt.png": b"\x89PNG",
        },
    )
    made = new(tmp_path, "Fresh")
    assert made.name == "240517GN04 Fresh.md"
    assert (tmp_path / "240517GN02 Old.md").read_text(encoding="utf-8") == "# Old\n"
    notes = loaded(tmp_path)
    assert notes["240517GN04"].title == "Fresh" and notes["240517GN01"].title == "Bread"


def test_ninety_nine_a_day_then_a_clear_error(tmp_path: Path) -> None:
    made = [new(tmp_path, f"Note {n}") for n in range(99)]
    assert ids(made)[0] == "240517GN01" and ids(made)[-1] == "240517GN99"
    assert len(set(ids(made))) == 99
    with pytest.raises(NewNoteError) as caught:
        new(tmp_path, "One too many")
    assert str(caught.value) == (
        "all 99 ids of 2024-05-17 for kind note (GN) are taken (240517GN01 to 240517GN99); "
        "write this note with another --date or --kind"
    )
    assert not list(tmp_path.glob("*One too many*"))
    assert new(tmp_path, "Still fine", kind="journal").name == "240517TJ01 Still fine.md"


def _make_notes(root: str, worker: int, count: int, barrier: object) -> None:
    barrier.wait()  # type: ignore[attr-defined]
    for n in range(count):
        new(Path(root), f"Worker {worker} note {n}")


def test_concurrent_calls_get_different_ids(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers, each = 4, 5
    barrier = context.Barrier(workers)
    processes = [
        context.Process(target=_make_notes, args=(str(tmp_path), worker, each, barrier))
        for worker in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    made = sorted(tmp_path.glob("*.md"))
    assert len(made) == workers * each
    assert sorted(ids(made)) == [f"240517GN{n:02d}" for n in range(1, workers * each + 1)]
    assert all(note.problems == () for note in loaded(tmp_path).values())


@pytest.mark.parametrize(
    ("title", "file_name"),
    [
        ("Re: build/deploy", "240517GN01 Re build deploy.md"),
        ('What? "quoted" <tags> | pipe *', "240517GN01 What quoted tags pipe.md"),
        ("a#b^c[d] back\\slash", "240517GN01 a b c d back slash.md"),
        ("  trailing dots...  ", "240517GN01 trailing dots.md"),
        ("東京 notes", "240517GN01 東京 notes.md"),
        ("yes", "240517GN01 yes.md"),
        ("2024-05-17", "240517GN01 2024-05-17.md"),
        ("[[not a link]]: # nor a comment", "240517GN01 not a link nor a comment.md"),
        ("///", "240517GN01.md"),
    ],
)
def test_titles_make_safe_file_names_and_stay_whole_in_frontmatter(
    tmp_path: Path, title: str, file_name: str
) -> None:
    made = new(tmp_path, title)
    assert made.name == file_name
    note = loaded(tmp_path)["240517GN01"]
    assert note.title == title.strip()
    assert note.problems == ()


def test_a_long_title_fits_in_a_file_name(tmp_path: Path) -> None:
    made = new(tmp_path, "é" * 300)
    assert len(made.name.encode("utf-8")) <= 255
    assert loaded(tmp_path)["240517GN01"].title == "é" * 300


def test_bad_titles_are_refused(tmp_path: Path) -> None:
    with pytest.raises(NewNoteError, match=r"^a note needs a title$"):
        new(tmp_path, "   ")
    with pytest.raises(NewNoteError) as caught:
        new(tmp_path, "two\nlines")
    assert str(caught.value) == "a title may not hold control characters: 'two\\nlines'"
    assert not list(tmp_path.iterdir())


def test_the_cli_writes_complete_frontmatter_that_loads_without_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 2023-11-14 22:13 UTC is already the 15th in Tokyo: "today" is the site's.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    write_vault(tmp_path, {}, config='[site]\ntimezone = "Asia/Tokyo"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["new", "Rye: a second try"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == "231115GN01 Rye a second try.md"
    assert (tmp_path / printed).read_text(encoding="utf-8") == (
        "---\n"
        'title: "Rye: a second try"\n'
        "note_id: 231115GN01\n"
        "created: 2023-11-15\n"
        "updated: 2023-11-15\n"
        "tags: []\n"
        "keywords: []\n"
        'description: ""\n'
        "draft: true\n"
        "---\n\n"
    )
    note = loaded(tmp_path)["231115GN01"]
    assert note.problems == ()
    assert note.draft and not note.published
    assert note.created is not None and note.created.isoformat() == "2023-11-15T00:00:00+09:00"
    assert main(["new", "Published now", "--no-draft", "--date", "2024-02-29"]) == 0
    assert loaded(tmp_path)["240229GN01"].published


def test_a_new_note_is_dated_with_the_keys_the_vault_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With ``created_keys = ["date"]`` a ``created:`` key is not read: the new note was
    undated, and ``--strict`` kept it out of the feed."""
    config = '[vault]\ncreated_keys = ["date"]\nupdated_keys = ["last edit"]\n'
    root = write_vault(tmp_path / "vault", {}, config=config)
    assert main(["new", "Garden plan", str(root), "--date", "2024-06-01", "--no-draft"]) == 0
    text = (root / capsys.readouterr().out.strip()).read_text(encoding="utf-8")
    assert "\ndate: 2024-06-01\nlast edit: 2024-06-01\n" in text and "created:" not in text
    project = notepress.load_project(root, root / "notepress.toml")
    (note,) = project.vault.notes
    assert note.created_from == "date" and note.updated_from == "last edit"
    assert [p.code for p in note.problems] == ["body-empty"]  # nothing written yet
    none = write_vault(tmp_path / "none", {}, config="[vault]\nupdated_keys = []\n")
    assert main(["new", "Idea", str(none), "--date", "2024-06-01"]) == 0
    assert "updated" not in (none / capsys.readouterr().out.strip()).read_text(encoding="utf-8")


KINDS = """
[new]
folder = "inbox"
kinds = { recipe = "RC" }
folders = { recipe = "kitchen", journal = "log/tech" }
drafts = { recipe = false }
"""


def test_kinds_folders_and_drafts_come_from_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_vault(tmp_path / "vault", {}, config=KINDS)
    args = [str(root), "--date", "2024-05-17"]
    assert main(["new", "Rye", *args, "--kind", "recipe"]) == 0
    assert main(["new", "Idea", *args]) == 0
    assert main(["new", "Router", *args, "--kind", "journal"]) == 0
    assert main(["new", "Elsewhere", *args, "--folder", "misc/sub"]) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) >= 4
    made = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.md"))
    assert made == [
        "inbox/240517GN01 Idea.md",
        "kitchen/240517RC01 Rye.md",
        "log/tech/240517TJ01 Router.md",
        "misc/sub/240517GN02 Elsewhere.md",
    ]
    notes = loaded(root)
    assert notes["240517RC01"].published and notes["240517GN01"].draft


def test_unknown_kinds_and_bad_folders_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", "X", str(tmp_path), "--kind", "recipe"]) == 2
    assert capsys.readouterr().err == (
        "notepress: no kind named 'recipe'; kinds: note (GN), journal (TJ) (add more in [new] kinds)\n"
    )
    assert main(["new", "X", str(tmp_path), "--folder", "../outside"]) == 2
    assert capsys.readouterr().err == (
        "notepress: --folder: expected a folder inside the vault, got '../outside'\n"
    )
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("inside", ["", "sub"], ids=["the-link-itself", "below-the-link"])
def test_a_folder_through_a_link_out_of_the_vault_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], inside: str
) -> None:
    """The note was written where the link led, outside the vault, and no build read it."""
    vault, elsewhere = tmp_path / "vault", tmp_path / "elsewhere"
    vault.mkdir()
    elsewhere.mkdir()
    (vault / "inbox").symlink_to(elsewhere, target_is_directory=True)
    folder = f"inbox/{inside}".rstrip("/")
    assert main(["new", "X", str(vault), "--folder", folder]) == 2
    assert "leads out of the vault through a symbolic link" in capsys.readouterr().err
    assert not list(elsewhere.iterdir())


@pytest.mark.parametrize(
    ("folder", "setup"),
    [
        ("old", 'ignore = ["old/"]\n'),
        ("Templates", '[vault]\ntemplates_folder = "Templates"\n'),
        ("inbox", "link into .obsidian"),
    ],
    ids=["ignored", "templates", "link-into-hidden"],
)
def test_a_folder_builds_do_not_read_gets_no_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], folder: str, setup: str
) -> None:
    """Written there, with exit 0, the note was never published and no build said so."""
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    if setup.startswith("link"):
        (vault / "inbox").symlink_to(".obsidian", target_is_directory=True)
        setup = ""
    (vault / "notepress.toml").write_text(setup, encoding="utf-8")
    before = sorted(p.relative_to(vault) for p in vault.rglob("*"))
    assert main(["new", "Groceries", str(vault), "--folder", folder, "--no-draft"]) == 2
    assert "is a folder builds do not read" in capsys.readouterr().err
    assert sorted(p.relative_to(vault) for p in vault.rglob("*")) == before
    assert main(["new", "Groceries", str(vault), "--folder", "notes", "--no-draft"]) == 0


@pytest.mark.parametrize(
    ("config", "folder"),
    [
        (None, "_publish"),
        ('output = "site"\n', "site/news"),
        ('output = "site"\n', "site/new folder"),
        ('output = "out"\n', "linked"),
    ],
    ids=["default-output", "target-folder", "new-subfolder", "link-to-output"],
)
def test_the_output_folder_gets_no_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str | None, folder: str
) -> None:
    """Written into the output folder with exit 0, the note made every later build refuse
    to run (an output folder inside the vault holds no notes)."""
    vault = tmp_path / "vault"
    (vault / "site" / "news").mkdir(parents=True)
    (vault / "out").mkdir()
    (vault / "linked").symlink_to("out", target_is_directory=True)
    if config is not None:
        (vault / "notepress.toml").write_text(config, encoding="utf-8")
    before = sorted(p.relative_to(vault) for p in vault.rglob("*"))
    assert main(["new", "Groceries", str(vault), "--folder", folder, "--no-draft"]) == 2
    assert "is in the output folder" in capsys.readouterr().err
    assert sorted(p.relative_to(vault) for p in vault.rglob("*")) == before
    assert main(["new", "Groceries", str(vault), "--folder", "notes", "--no-draft"]) == 0


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'kinds = { recipe = "rc" }',
            "new.kinds.recipe: expected two capital letters such as GN, got 'rc'",
        ),
        ('folders = { soup = "x" }', "new.folders.soup: no kind named 'soup' (journal, note)"),
        ('kind = "soup"', "new.kind: no kind named 'soup' (journal, note)"),
        ('folder = "/abs"', "new.folder: expected a folder inside the vault, got '/abs'"),
        ("draft = 1", "new.draft: expected true or false, got 1"),
    ],
)
def test_the_new_table_is_validated(tmp_path: Path, table: str, message: str) -> None:
    write_vault(tmp_path, {}, config=f"[new]\n{table}\n")
    with pytest.raises(ConfigError) as caught:
        notepress.load_project(tmp_path)
    assert caught.value.errors == [message]


def test_new_needs_only_the_site_and_new_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken target does not stop a note from being written; a broken [new] does."""
    config = '[targets.x]\nexporter = "nope"\n[new]\nfolder = "inbox"\n'
    root = write_vault(tmp_path / "vault", {}, config=config)
    assert main(["new", "Idea", str(root), "--date", "2024-05-17"]) == 0
    assert (root / "inbox" / "240517GN01 Idea.md").is_file()
    other = write_vault(tmp_path / "other", {}, config='[new]\nkind = "soup"\n')
    capsys.readouterr()
    assert main(["new", "Idea", str(other), "-c", str(other / "notepress.toml")]) == 2
    assert capsys.readouterr().err == (
        f"notepress: {other / 'notepress.toml'}: invalid configuration\n"
        "  new.kind: no kind named 'soup' (journal, note)\n"
    )
    assert list(other.iterdir()) == [other / "notepress.toml"]


def test_a_named_pipe_or_a_link_to_a_device_among_the_notes_is_passed_over(
    tmp_path: Path,
) -> None:
    """``new`` reads every note for the ids in use: a named pipe called ``x.md`` (which
    builds skip) held it for ever, and a link to ``/dev/zero`` was read without end.  The
    child's timeout is a safety net, not a measure."""
    vault = write_vault(tmp_path / "vault", {"a.md": note_text("A", "x", note_id="240501GN01")})
    os.mkfifo(vault / "pipe.md")
    (vault / "zero.md").symlink_to("/dev/zero")
    run = run_cli("new", "Shopping list", vault, "--date", "2024-05-01", timeout=300)
    assert run.code == 0, run.output
    assert (vault / "240501GN02 Shopping list.md").is_file()


@pytest.mark.parametrize("day", ["1998-06-14", "1899-06-14", "2100-01-01"])
def test_a_day_no_note_id_can_say_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], day: str
) -> None:
    """A note_id's YYMMDD reads as 2000 to 2099: written for 1998, the note said 2098 in its
    id and was warned about on every load (and 1899 was an error)."""
    vault = write_vault(tmp_path / "vault", {})
    assert main(["new", "Old letter", str(vault), "--date", day]) == 2
    assert "no id can say this day" in capsys.readouterr().err
    assert not list(vault.rglob("*.md"))


def test_new_refuses_what_a_build_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An output with a control character ended ``new`` in a traceback, and a
    SOURCE_DATE_EPOCH that is no number was passed over for today's date, where a build
    refuses both with a message."""
    vault = write_vault(tmp_path / "vault", {}, config='output = "site\\u0000x"\n')
    assert main(["new", "Groceries", str(vault)]) == 2
    assert "output: a control character" in capsys.readouterr().err
    (vault / "notepress.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2024-01-15")
    assert main(["new", "Groceries", str(vault)]) == 2
    assert "SOURCE_DATE_EPOCH" in capsys.readouterr().err
    assert not list(vault.rglob("*.md"))
