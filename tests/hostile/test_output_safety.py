"""Data loss: a build never writes over the vault, never removes a file it did not write,
and a target folder is replaced whole or not at all."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import notepress
from notepress import output as output_module
from notepress.output import LOCK, MANIFEST, OUTPUT_MARKER, WORK, read_manifest
from tests.conftest import SAMPLES, note_text, write_vault
from tests.hostile.support import run_cli, snapshot

SITE = '[site]\nurl = "https://example.org/"\n'


def notes_vault(root: Path, config: str) -> Path:
    """A vault with notes in two folders, named like targets people choose."""
    return write_vault(
        root,
        {
            "notes/keep.md": note_text(
                "Keep", "Words worth keeping.", note_id="240101KP01", created="2024-01-01"
            ),
            "journal/day.md": note_text(
                "Day", "A day.", note_id="240102DY01", created="2024-01-02"
            ),
        },
        config + SITE,
    )


def assert_whole(folder: Path) -> None:
    """A target folder holds exactly what its manifest lists, byte for byte."""
    listed = read_manifest(folder)
    assert listed, f"{folder} has no manifest"
    found = {k: v for k, v in snapshot(folder).items() if k != MANIFEST}
    assert found == listed


# Where the output may be ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "args", "rule"),
    [
        pytest.param('output = "."\n', (), "is the vault itself", id="output-dot-is-vault"),
        pytest.param("", ("-o", "{vault}"), "is the vault itself", id="dash-o-vault"),
        pytest.param('output = "journal"\n', (), "holds notes", id="output-in-notes-folder"),
        pytest.param("", ("-o", "{vault}/notes"), "holds notes", id="dash-o-notes-folder"),
    ],
)
def test_output_over_the_vault_is_refused(
    tmp_path: Path, config: str, args: tuple[str, ...], rule: str
) -> None:
    vault = notes_vault(
        tmp_path / "vault",
        config + '[targets.notes]\nexporter = "jsonld"\n[targets.journal]\nexporter = "jsonld"\n',
    )
    before = snapshot(tmp_path)
    run = run_cli("build", vault, *(a.format(vault=vault) for a in args))
    assert run.code == 2, run.output
    assert "invalid output folder" in run.stderr and rule in run.stderr
    assert str(vault.resolve()) in run.stderr
    assert "Traceback" not in run.output
    assert snapshot(tmp_path) == before  # not one file written, moved or removed


def test_output_containing_the_vault_is_refused(tmp_path: Path) -> None:
    """``output = ".."`` with a target named like the vault once deleted the whole vault."""
    vault = notes_vault(tmp_path / "vault", 'output = ".."\n[targets.vault]\nexporter = "jsonld"\n')
    before = snapshot(tmp_path)
    run = run_cli("build", vault)
    assert run.code == 2, run.output
    assert f"the output folder {tmp_path.resolve()} contains the vault" in run.stderr
    assert snapshot(tmp_path) == before


def test_root_as_output_is_refused_before_reading(tmp_path: Path) -> None:
    """``output = "/"`` with a target named ``etc``: refused by every command that loads."""
    vault = notes_vault(tmp_path / "vault", 'output = "/"\n[targets.etc]\nexporter = "jsonld"\n')
    run = run_cli("check", vault)
    assert run.code == 2, run.output
    assert "the output folder / contains the vault" in run.stderr


def test_stale_marker_never_hides_notes(tmp_path: Path) -> None:
    """A marker an earlier build left in a notes folder: the notes are still read and built."""
    vault = notes_vault(tmp_path / "vault", '[targets.all]\nexporter = "jsonld"\n')
    (vault / "journal" / OUTPUT_MARKER).write_text("left by an old build\n")
    run = run_cli("build", vault)
    assert run.code == 0, run.output
    assert "journal: warning[output-marker]" in run.stderr
    built = sorted(p.name for p in (vault / "_publish" / "all").glob("24*.jsonld"))
    assert built == ["240101KP01.jsonld", "240102DY01.jsonld"]


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        "not json",
        '{"files": []}',
        # Readable, as a build writes it: yet the folder holds notes, which no build writes.
        '{"files": {}}',
        '{"files": {"digest.pdf": "00"}}',
        '{"files": {"day.md": "00"}}',
    ],
)
def test_a_manifest_no_build_wrote_never_hides_notes(tmp_path: Path, text: str) -> None:
    """A folder with a file of the manifest's name was skipped as a target folder, its
    notes left out without a word; and an edit to them was missed by the record that
    answers a build when nothing changed (a note made a draft there stayed published)."""
    vault = notes_vault(tmp_path / "vault", '[targets.all]\nexporter = "jsonld"\n')
    (vault / "journal" / MANIFEST).write_text(text)
    # Files written an hour ago: the record is kept (a file changed just now never is).
    hour_ago = time.time() - 3600
    for path in vault.rglob("*"):
        os.utime(path, (hour_ago, hour_ago))
    run = run_cli("build", vault)
    assert run.code == 0, run.output
    assert "journal: warning[output-marker]" in run.stderr
    built = sorted(p.name for p in (vault / "_publish" / "all").glob("24*.jsonld"))
    assert built == ["240101KP01.jsonld", "240102DY01.jsonld"]
    day = vault / "journal" / "day.md"
    day.write_text(day.read_text().replace("draft: false", "draft: true"))
    os.utime(day, (hour_ago + 60, hour_ago + 60))
    assert run_cli("build", vault).code == 0
    built = sorted(p.name for p in (vault / "_publish" / "all").glob("24*.jsonld"))
    assert built == ["240101KP01.jsonld"]


# Only what a build wrote is replaced -----------------------------------------------------


def test_foreign_files_in_a_target_folder_survive(tmp_path: Path) -> None:
    vault = notes_vault(tmp_path / "vault", '[targets.newsletter]\nexporter = "feed"\n')
    assert run_cli("build", vault).code == 0
    target = vault / "_publish" / "newsletter"
    (target / "keep.txt").write_text("mine\n")
    (target / "extra").mkdir()
    (target / "extra" / "notes.txt").write_text("also mine\n")
    notes_before = snapshot(vault / "notes")
    run = run_cli("build", vault)
    assert run.code == 0, run.output
    assert (target / "keep.txt").read_text() == "mine\n"
    assert (target / "extra" / "notes.txt").read_text() == "also mine\n"
    assert "warning[output-foreign]" in run.stderr
    assert "keep.txt" in run.stderr and "extra/notes.txt" in run.stderr
    assert (target / "rss.xml").is_file() and "keep.txt" not in read_manifest(target)
    assert snapshot(vault / "notes") == notes_before


def _drop_meta_target(vault: Path) -> Path:
    config = vault / "notepress.toml"
    config.write_text(config.read_text().replace('[targets.meta]\nexporter = "jsonld"\n', ""))
    return vault / "_publish" / "meta"


_NEWS_AND_META = '[targets.news]\nexporter = "feed"\n[targets.meta]\nexporter = "jsonld"\n'


def test_a_removed_target_is_named_until_clean_stale_removes_what_it_wrote(
    tmp_path: Path,
) -> None:
    """A target dropped from the config leaves a folder nothing updates: each build names
    it, and ``clean --stale`` removes the files a build wrote there, and no file of the
    user's own."""
    vault = notes_vault(tmp_path / "vault", _NEWS_AND_META)
    assert run_cli("build", vault).code == 0
    meta = _drop_meta_target(vault)
    assert (meta / "240101KP01.jsonld").is_file()
    run = run_cli("build", vault)
    assert run.code == 0, run.output
    assert "output: warning[output-stale-target]: the folder meta/ holds" in run.stderr
    assert (meta / "240101KP01.jsonld").is_file()  # nothing it published is private
    assert "news" not in run.stderr.split("output-stale-target")[1]
    (meta / "mine.txt").write_text("my own\n")
    run = run_cli("clean", vault, "--stale")
    assert run.code == 0, run.output
    assert f"kept {meta}" in run.stdout or "kept _publish" in run.stdout, run.stdout
    assert sorted(snapshot(meta)) == ["mine.txt"]
    (meta / "mine.txt").unlink()
    assert run_cli("build", vault).code == 0  # no longer a target folder: no warning
    assert not meta.exists() or not any(meta.iterdir())
    run = run_cli("build", vault, "--no-cache")
    assert "output-stale-target" not in run.stderr
    assert (vault / "_publish" / "news").is_dir()


def test_the_folders_another_config_builds_into_the_output_are_not_stale(tmp_path: Path) -> None:
    """Two configs (of one vault, or of two) writing one output folder: each build called
    the other's folders stale and ``clean --stale`` removed them.  A folder of the other
    config that published a note private now is still withdrawn."""
    vault = notes_vault(tmp_path / "vault", '[targets.news]\nexporter = "feed"\n')
    other = tmp_path / "book.toml"
    other.write_text(f'output = "{vault / "_publish"}"\n[targets.meta]\nexporter = "jsonld"\n')
    out = vault / "_publish"
    assert run_cli("build", vault).code == 0
    assert run_cli("build", vault, "-c", other).code == 0
    for run in (run_cli("build", vault, "--no-cache"), run_cli("build", vault, "-c", other)):
        assert run.code == 0 and "output-stale-target" not in run.stderr, run.output
    assert run_cli("clean", vault, "--stale").code == 0
    assert run_cli("clean", vault, "-c", other, "--stale").code == 0
    assert (out / "news" / "rss.xml").is_file() and (out / "meta" / "240101KP01.jsonld").is_file()

    # A target renamed in one config leaves a folder that config alone calls stale.
    other.write_text(other.read_text().replace("targets.meta", "targets.graph"))
    assert run_cli("build", vault, "-c", other).code == 0
    run = run_cli("build", vault)
    assert "output-stale-target" not in run.stderr, run.output
    run = run_cli("build", vault, "-c", other)
    assert "warning[output-stale-target]: the folder meta/ holds" in run.stderr, run.output
    assert "news/" not in run.stderr
    assert run_cli("clean", vault, "-c", other, "--stale").code == 0
    assert not (out / "meta").exists() and (out / "news" / "rss.xml").is_file()

    # Made a draft and built by one config only: the other's folder stops publishing it.
    keep = vault / "notes" / "keep.md"
    keep.write_text(keep.read_text().replace("draft: false", "draft: true"))
    run = run_cli("build", vault, "-c", other, "--no-cache")
    assert (
        "warning[output-withdrawn]: the folder news/, which another config builds into this "
        "output folder; its last output published 1 note private now (240101KP01), so it was "
        "removed"
    ) in run.stderr, run.output
    assert not (out / "news").exists()


def test_another_vaults_folder_is_not_withdrawn_for_an_id_of_this_vault(tmp_path: Path) -> None:
    """Note ids are each day's counters, the same in two vaults: a draft of one vault
    withdrew the other vault's published feed, which held its own note of that id."""
    site = tmp_path / "site"
    home = write_vault(
        tmp_path / "home",
        {"tomatoes.md": note_text("Tomatoes", "Planted.", note_id="240301GN01")},
        f'output = "{site}"\n[targets.garden]\nexporter = "feed"\n' + SITE,
    )
    work = write_vault(
        tmp_path / "work",
        {"budget.md": note_text("Budget", "Not yet.", note_id="240301GN01", draft=True)},
        f'output = "{site}"\n[targets.worklog]\nexporter = "jsonld"\n' + SITE,
    )
    assert run_cli("build", home).code == 0
    run = run_cli("build", work)
    assert run.code == 0 and "garden" not in run.stderr, run.output
    assert (site / "garden" / "atom.xml").is_file()


def test_the_record_of_who_built_what_stays_out_of_the_output(tmp_path: Path) -> None:
    """It names configs and vaults by their paths: kept in the output folder, which is
    published, it told where the vault is, and differed between checkouts."""
    vault = notes_vault(tmp_path / "vault", _NEWS_AND_META)
    assert run_cli("build", vault).code == 0
    names = sorted(entry.name for entry in (vault / "_publish").iterdir())
    assert names == [".notepress-lock", ".notepress-output", "meta", "news"]


def test_two_configs_may_not_share_a_target_folder(tmp_path: Path) -> None:
    """Two vaults building into one output folder, each with a target named ``news``: the
    second replaced the first's feed with its own notes, exit 0."""
    site = tmp_path / "site"
    home = notes_vault(tmp_path / "home", f'output = "{site}"\n[targets.news]\nexporter = "feed"\n')
    work = write_vault(
        tmp_path / "work",
        {"memo.md": note_text("Memo", "Work only.", note_id="240301MM01")},
        f'output = "{site}"\n[targets.news]\nexporter = "feed"\n' + SITE,
    )
    assert run_cli("build", home).code == 0
    before = snapshot(site / "news")
    run = run_cli("build", work)
    assert run.code == 1, run.output
    assert f"{site / 'news'} is the output of another config ({home / 'notepress.toml'})" in (
        run.stderr
    )
    assert snapshot(site / "news") == before
    assert run_cli("build", home).code == 0  # its own, still


def test_a_config_moved_or_added_still_owns_what_the_vault_built(tmp_path: Path) -> None:
    """The folders a vault built before it had a config (or before its config moved) are
    its own: a target no config builds any more is named stale, not kept for ever as if
    another config's."""
    vault = notes_vault(tmp_path / "vault", "")
    (vault / "notepress.toml").unlink()  # the built-in config: feed, jsonld... targets
    assert run_cli("build", vault).code == 0
    assert (vault / "_publish" / "jsonld").is_dir()
    (vault / "notepress.toml").write_text('[targets.news]\nexporter = "feed"\n' + SITE)
    run = run_cli("build", vault)
    assert "the folder jsonld/ holds what an earlier build wrote" in run.stderr, run.output
    assert run_cli("clean", vault, "--stale").code == 0
    assert not (vault / "_publish" / "jsonld").exists()
    # Renamed, the config leaves nothing of its own to another.
    (vault / "notepress.toml").rename(vault / "site.toml")
    (vault / "site.toml").write_text('[targets.meta]\nexporter = "jsonld"\n' + SITE)
    run = run_cli("build", vault, "-c", vault / "site.toml")
    assert "the folder news/ holds what an earlier build wrote" in run.stderr, run.output


def test_a_build_found_unchanged_still_names_a_stale_folder(tmp_path: Path) -> None:
    """Replayed from the record of the build before, a build said nothing of the folder the
    config no longer builds, which every build is to name."""
    vault = notes_vault(tmp_path / "vault", _NEWS_AND_META)
    assert run_cli("build", vault).code == 0
    _drop_meta_target(vault)
    past = time.time() - 3600  # out of the window in which a record is not trusted
    for path in vault.rglob("*"):
        if "_publish" not in path.parts:
            os.utime(path, (past, past))
    first = run_cli("build", vault)
    again = run_cli("build", vault)
    assert "news (feed, 2 notes) up to date" in again.stdout, again.output
    for run in (first, again):
        assert "output: warning[output-stale-target]: the folder meta/ holds" in run.stderr


def _made_a_draft(note: Path) -> None:
    note.write_text(note.read_text().replace("draft: false", "draft: true"))


#: Two ways of making a note private: a draft, and the strongest, deleting it.
_WITHDRAWALS = pytest.mark.parametrize(
    "withdraw", [_made_a_draft, Path.unlink], ids=["draft", "deleted"]
)


@_WITHDRAWALS
def test_a_removed_target_that_published_a_note_private_now_is_removed(
    tmp_path: Path, withdraw: Callable[[Path], None]
) -> None:
    """Kept, it would go on publishing the note made a draft, or deleted, in the same edit
    (a folder this vault's builds wrote, by the record: its notes are this vault's)."""
    vault = notes_vault(tmp_path / "vault", _NEWS_AND_META)
    assert run_cli("build", vault).code == 0
    meta = _drop_meta_target(vault)
    withdraw(vault / "notes" / "keep.md")
    run = run_cli("build", vault)
    assert run.code == 0, run.output
    assert (
        "warning[output-stale-target]: the folder meta/ held what an earlier build wrote for a "
        "target this config no longer has; its last output published 1 note private now "
        "(240101KP01), so it was removed"
    ) in run.stderr
    assert not meta.exists()


@_WITHDRAWALS
def test_a_copy_of_a_target_folder_is_the_users_and_is_never_removed(
    tmp_path: Path, withdraw: Callable[[Path], None]
) -> None:
    """``cp -a news news-2023`` keeps last year's feed online: no build wrote the copy (its
    manifest names the target ``news``), so neither a build nor ``clean --stale`` removes
    it; one that publishes a note private now (a draft, or deleted) is said to, naming the
    notes."""
    vault = notes_vault(tmp_path / "vault", '[targets.news]\nexporter = "feed"\n')
    assert run_cli("build", vault).code == 0
    output = vault / "_publish"
    shutil.copytree(output / "news", output / "news-2023")
    before = snapshot(output / "news-2023")
    run = run_cli("build", vault)  # nothing private: nothing to say of the copy
    assert run.code == 0 and "news-2023" not in run.output, run.output
    withdraw(vault / "notes" / "keep.md")
    run = run_cli("build", vault)
    assert run.code == 0, run.output
    assert (
        "output: warning[output-copy-private]: the folder news-2023/ is a copy of what a build "
        "wrote for the target news, and publishes 1 note private now (240101KP01)"
    ) in run.stderr
    assert "output-stale-target" not in run.stderr
    assert run_cli("clean", vault, "--stale").code == 0
    assert snapshot(output / "news-2023") == before
    # A target of the copy's name is refused: it would replace the user's folder.
    config = vault / "notepress.toml"
    config.write_text(config.read_text() + '[targets.news-2023]\nexporter = "feed"\n')
    run = run_cli("build", vault)
    assert run.code == 1, run.output
    assert "news-2023 is a copy of the output of the target 'news'" in run.stderr
    assert snapshot(output / "news-2023") == before


def test_another_vaults_target_in_the_same_output_folder_is_kept(tmp_path: Path) -> None:
    """Two vaults built into one output folder: each one's targets are the other config's,
    not stale, and their notes unknown to it, which makes none of them private: kept."""
    first = notes_vault(tmp_path / "first", '[targets.news]\nexporter = "feed"\n')
    second = write_vault(
        tmp_path / "second",
        {"other.md": note_text("Other", "Elsewhere.", note_id="240301OT01", created="2024-03-01")},
        '[targets.theirs]\nexporter = "jsonld"\n' + SITE,
    )
    site = tmp_path / "site"
    assert run_cli("build", second, "-o", site).code == 0
    run = run_cli("build", first, "-o", site)
    assert run.code == 0, run.output
    assert "output-stale-target" not in run.stderr and "theirs" not in run.stderr
    assert run_cli("clean", first, "-o", site, "--stale").code == 0
    assert (site / "theirs" / "240301OT01.jsonld").is_file()


def test_a_folder_notepress_did_not_write_is_left_alone(tmp_path: Path) -> None:
    """``-o`` pointed at a folder of one's own: a same-named folder there is never replaced."""
    vault = notes_vault(
        tmp_path / "vault",
        '[targets.photos]\nexporter = "jsonld"\n[targets.meta]\nexporter = "jsonld"\n',
    )
    mine = tmp_path / "documents"
    (mine / "photos").mkdir(parents=True)
    (mine / "photos" / "holiday.txt").write_text("irreplaceable\n")
    before = snapshot(mine / "photos")
    run = run_cli("build", vault, "-o", mine)
    assert run.code == 1, run.output
    assert "targets.photos: error[target-failed]" in run.stderr
    assert f"{mine / 'photos'} was not written by this version of notepress" in run.stderr
    assert snapshot(mine / "photos") == before
    assert_whole(mine / "meta")  # the next target still builds
    assert "1 target built, 1 failed; 1 error" in run.stderr


def test_symlinked_target_folder_is_not_followed(tmp_path: Path) -> None:
    vault = notes_vault(
        tmp_path / "vault",
        '[targets.feed]\nexporter = "feed"\n[targets.meta]\nexporter = "jsonld"\n',
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "diary.txt").write_text("private\n")
    (vault / "_publish").mkdir()
    (vault / "_publish" / "feed").symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(tmp_path / "elsewhere")
    run = run_cli("build", vault)
    assert run.code == 1, run.output
    assert "is a symbolic link" in run.stderr and "targets.feed: error[target-failed]" in run.stderr
    assert "Traceback" not in run.output
    assert snapshot(elsewhere) == before
    assert_whole(vault / "_publish" / "meta")


@pytest.mark.parametrize("name", [WORK, OUTPUT_MARKER, LOCK])
def test_a_link_in_place_of_the_builds_own_files_is_not_followed(tmp_path: Path, name: str) -> None:
    """The build's work folder, marker and lock, planted as links: it deleted the staging
    and temporary folders where the work folder's link led, and created the marker and the
    lock where theirs led (dangling ones too).  Now it refuses, naming the link."""
    vault = notes_vault(tmp_path / "vault", '[targets.feed]\nexporter = "feed"\n')
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "stage-feed").mkdir(parents=True)
    (elsewhere / "stage-feed" / "kept.txt").write_text("mine\n")
    (elsewhere / "tmp").mkdir()
    (elsewhere / "tmp" / "kept.txt").write_text("mine\n")
    out = tmp_path / "out"
    out.mkdir()
    # The work folder's link leads to a folder; the others dangle, into it.
    (out / name).symlink_to(elsewhere if name == WORK else elsewhere / "created")
    before = snapshot(elsewhere)
    run = run_cli("build", vault, "-o", out)
    assert run.code == 1 and "is a symbolic link" in run.stderr, run.output
    assert "Traceback" not in run.output
    assert snapshot(elsewhere) == before


def test_the_marker_is_a_plain_file(tmp_path: Path) -> None:
    vault = notes_vault(tmp_path / "vault", '[targets.feed]\nexporter = "feed"\n')
    assert run_cli("build", vault, "-o", tmp_path / "out").code == 0
    mode = (tmp_path / "out" / OUTPUT_MARKER).stat().st_mode
    assert not mode & 0o111  # not executable, as a text file is made


def test_links_in_the_work_folder_are_removed_not_followed(tmp_path: Path) -> None:
    vault = notes_vault(tmp_path / "vault", '[targets.feed]\nexporter = "feed"\n')
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "kept").mkdir(parents=True)
    (elsewhere / "kept" / "data.txt").write_text("mine\n")
    out = tmp_path / "out"
    (out / WORK).mkdir(parents=True)
    for name in ("tmp", "stage-feed", "old-1-feed"):
        (out / WORK / name).symlink_to(elsewhere / "kept", target_is_directory=True)
    before = snapshot(elsewhere)
    run = run_cli("build", vault, "-o", out)
    assert run.code == 0, run.output
    assert snapshot(elsewhere) == before
    assert_whole(out / "feed")


def test_target_with_an_undeletable_file_keeps_building(tmp_path: Path) -> None:
    """An immutable file in the old folder: the new folder still goes in whole, the rest of
    the old one is removed, and the leftover is an error naming the file (exit 1, not 2)."""
    vault = notes_vault(
        tmp_path / "vault",
        '[targets.feed]\nexporter = "feed"\n[targets.meta]\nexporter = "jsonld"\n',
    )
    assert run_cli("build", vault).code == 0
    stuck = vault / "_publish" / "feed" / "rss.xml"
    if subprocess.run(["chattr", "+i", stuck], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        (vault / "notes" / "new.md").write_text(note_text("New", "x", note_id="240103NW01"))
        run = run_cli("build", vault)
    finally:
        for leftover in (vault / "_publish").rglob("rss.xml"):
            subprocess.run(["chattr", "-i", leftover], check=False)
    assert run.code == 1, run.output
    assert "output: error[output-leftover]" in run.stderr and "rss.xml" in run.stderr
    assert "Traceback" not in run.output
    assert_whole(vault / "_publish" / "feed")
    assert "New" in (vault / "_publish" / "feed" / "rss.xml").read_text()
    assert_whole(vault / "_publish" / "meta")
    assert "2 targets built, 0 failed" in run.stderr


# One build at a time ---------------------------------------------------------------------


def test_a_second_build_waits_for_the_lock_then_fails_clearly(tmp_path: Path) -> None:
    vault = notes_vault(tmp_path / "vault", '[targets.meta]\nexporter = "jsonld"\n')
    output = vault / "_publish"
    output.mkdir()
    with open(output / LOCK, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        run = run_cli("build", vault, "--wait", "0.2")
    assert run.code == 1, run.output
    assert "another build is writing to" in run.stderr and "waited 0.2 seconds" in run.stderr
    assert not (output / "meta").exists()


def test_two_concurrent_builds_both_leave_a_whole_target(tmp_path: Path) -> None:
    files = {
        f"notes/n{i:03d}.md": note_text(
            f"Note {i}", "word " * 50, note_id=f"24{1 + i // 28:02d}{1 + i % 28:02d}CC01"
        )
        for i in range(120)
    }
    vault = write_vault(tmp_path / "vault", files, SITE + '[targets.meta]\nexporter = "jsonld"\n')
    # The second build waits for the first however slow the machine is: this test is about
    # whole targets, not about the lock's patience.
    command = [sys.executable, "-m", "notepress", "build", str(vault), "--wait", "600"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(2)
    ]
    for process in runs:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr.decode()
    assert_whole(vault / "_publish" / "meta")
    assert len(read_manifest(vault / "_publish" / "meta") or {}) == 2 * 121  # + both indexes
    assert not (vault / "_publish" / WORK).exists()


# Failures are counted and exit 1 ---------------------------------------------------------


def test_pandoc_out_of_memory_is_an_error_of_the_build(tmp_path: Path) -> None:
    vault = write_vault(
        tmp_path / "vault",
        {"big.md": note_text("Big", "word " * 30_000, note_id="230306BG01")},
        '[targets.tiny-memory]\nexporter = "epub"\nmemory = 64\n',
    )
    run = run_cli("build", vault)
    assert run.code == 1, run.output
    assert "targets.tiny-memory: error[target-failed]: target 'tiny-memory' (epub) failed" in (
        run.stderr
    )
    assert "more than 64 MB" in run.stderr
    assert "0 targets built, 1 failed; 1 error, 0 warnings" in run.stderr
    assert not (vault / "_publish" / "tiny-memory").exists()


_ONE_PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


@pytest.mark.parametrize("withdrawn", [True, False], ids=["note-withdrawn", "nothing-withdrawn"])
def test_a_failed_target_keeps_its_last_output_only_while_all_it_published_is_public(
    tmp_path: Path, withdrawn: bool
) -> None:
    """A target that fails keeps its last output, unless that output published a note the
    same build finds private (here made a draft): kept, the feed would go on publishing
    it until a build succeeds.  The failure says so."""
    vault = notes_vault(
        tmp_path / "vault", '[targets.feed]\nexporter = "feed"\nicon = "icon.png"\n'
    )
    (vault / "icon.png").write_bytes(_ONE_PIXEL)
    assert run_cli("build", vault).code == 0
    feed = vault / "_publish" / "feed"
    assert "Words worth keeping" in (feed / "atom.xml").read_text()
    (vault / "icon.png").unlink()  # the target fails: its icon is gone
    if withdrawn:
        keep = vault / "notes" / "keep.md"
        keep.write_text(keep.read_text().replace("draft: false", "draft: true"))
    run = run_cli("build", vault)
    assert run.code == 1, run.output
    assert "targets.feed: error[target-failed]" in run.stderr
    if withdrawn:
        assert "its last output published 1 note private now (240101KP01), so it was removed" in (
            run.stderr
        )
        assert not feed.exists() or not any(feed.rglob("*.xml"))
    else:
        assert "private now" not in run.stderr
        assert "Words worth keeping" in (feed / "atom.xml").read_text()


def test_a_failed_target_that_showed_a_note_private_now_through_an_embed_is_removed(
    tmp_path: Path,
) -> None:
    """The withdrawal looked at the notes the target selected alone: a selected note's
    embed of one made a draft in the same edit went on being published."""
    vault = notes_vault(
        tmp_path / "vault",
        '[targets.feed]\nexporter = "feed"\nicon = "icon.png"\ninclude_tags = ["letter"]\n',
    )
    (vault / "letter.md").write_text(
        note_text("Letter", "This month:\n\n![[Day]]\n", note_id="240105LT01", tags=["letter"])
    )
    (vault / "icon.png").write_bytes(_ONE_PIXEL)
    assert run_cli("build", vault).code == 0
    feed = vault / "_publish" / "feed"
    assert "A day." in (feed / "atom.xml").read_text()
    assert json.loads((feed / MANIFEST).read_text())["notes"] == ["240102DY01", "240105LT01"]
    (vault / "icon.png").unlink()  # the target fails: its icon is gone
    day = vault / "journal" / "day.md"
    day.write_text(day.read_text().replace("draft: false", "draft: true"))
    run = run_cli("build", vault)
    assert run.code == 1, run.output
    assert "its last output published 1 note private now (240102DY01)" in run.stderr
    assert not feed.exists() or not any(feed.rglob("*.xml"))


def test_a_failed_target_that_named_a_note_private_now_through_a_link_is_removed(
    tmp_path: Path,
) -> None:
    """A feed item links to the note's page, whose URL holds its title: the output kept
    naming a note made a draft in the same edit."""
    vault = notes_vault(
        tmp_path / "vault",
        '[targets.feed]\nexporter = "feed"\nicon = "icon.png"\ninclude_tags = ["letter"]\n',
    )
    (vault / "letter.md").write_text(
        note_text("Letter", "See [[Day]].\n", note_id="240105LT01", tags=["letter"])
    )
    (vault / "icon.png").write_bytes(_ONE_PIXEL)
    assert run_cli("build", vault).code == 0
    feed = vault / "_publish" / "feed"
    assert json.loads((feed / MANIFEST).read_text())["notes"] == ["240102DY01", "240105LT01"]
    (vault / "icon.png").unlink()
    day = vault / "journal" / "day.md"
    day.write_text(day.read_text().replace("draft: false", "draft: true"))
    run = run_cli("build", vault)
    assert "its last output published 1 note private now (240102DY01)" in run.stderr
    assert not feed.exists() or not any(feed.rglob("*.xml"))


def test_a_private_reading_copy_that_fails_keeps_its_last_output(tmp_path: Path) -> None:
    """A copy built with drafts = true shows drafts by design: a failed build removed it as
    if it had "published" a note private now."""
    vault = notes_vault(
        tmp_path / "vault",
        '[targets.copy]\nexporter = "epub"\ndrafts = true\ncover = "cover.png"\n',
    )
    (vault / "plan.md").write_text(
        note_text("Plan", "Mine alone.", note_id="240106PL01", draft=True)
    )
    (vault / "cover.png").write_bytes(
        (SAMPLES / "attachments" / "homelab-network.png").read_bytes()
    )
    assert run_cli("build", vault).code == 0
    copy = vault / "_publish" / "copy"
    before = snapshot(copy)
    (vault / "cover.png").unlink()  # the target fails: its cover is gone
    run = run_cli("build", vault)
    assert run.code == 1 and "private now" not in run.stderr, run.output
    assert snapshot(copy) == before


def test_a_note_saved_into_a_target_folder_in_the_vault_stops_the_build(tmp_path: Path) -> None:
    """Obsidian shows ``_publish/``: a draft saved in ``_publish/news/`` was carried, raw,
    into the published folder as a file the build did not write."""
    vault = notes_vault(tmp_path / "vault", '[targets.news]\nexporter = "feed"\n')
    assert run_cli("build", vault).code == 0
    letter = vault / "_publish" / "news" / "Letter.md"
    letter.write_text(note_text("Letter", "Not for anyone.", draft=True))
    before = snapshot(vault / "_publish" / "news")
    run = run_cli("build", vault)
    assert run.code == 2, run.output
    assert f"holds notes ({letter})" in run.stderr
    assert snapshot(vault / "_publish" / "news") == before


def test_an_unwritable_output_exits_1_naming_the_path(tmp_path: Path) -> None:
    vault = notes_vault(
        tmp_path / "vault", 'output = "site"\n[targets.meta]\nexporter = "jsonld"\n'
    )
    (vault / "site").write_text("a file where the output folder should be\n")
    run = run_cli("build", vault)
    assert run.code == 1, run.output
    assert "cannot prepare the output folder" in run.stderr and str(vault / "site") in run.stderr
    assert "Traceback" not in run.output


def test_manifest_lists_every_file_with_its_hash(tmp_path: Path) -> None:
    vault = notes_vault(tmp_path / "vault", '[targets.meta]\nexporter = "jsonld"\n')
    assert run_cli("build", vault).code == 0
    target = vault / "_publish" / "meta"
    data = json.loads((target / MANIFEST).read_text())
    assert data["target"] == "meta" and data["exporter"] == "jsonld"
    assert_whole(target)


def test_target_names_map_to_one_folder_each(tmp_path: Path) -> None:
    """Two names that one case-insensitive disk would store as one folder are refused."""
    vault = notes_vault(
        tmp_path / "vault",
        '[targets.Feed]\nexporter = "jsonld"\n[targets.feed]\nexporter = "jsonld"\n',
    )
    before = snapshot(tmp_path)
    run = run_cli("build", vault)
    assert run.code == 2, run.output
    assert "targets.feed: same folder as targets.Feed" in run.stderr
    assert snapshot(tmp_path) == before


def test_next_build_finishes_a_swap_a_kill_interrupted(tmp_path: Path) -> None:
    """Killed between the two renames of a swap: the old folder is aside, the final missing,
    a staging folder and temporary files are left.  The next build, even of another target,
    puts the old folder back whole and removes the rest."""
    vault = notes_vault(
        tmp_path / "vault",
        '[targets.meta]\nexporter = "jsonld"\n[targets.feed]\nexporter = "feed"\n',
    )
    assert run_cli("build", vault).code == 0
    output = vault / "_publish"
    before = snapshot(output / "meta")
    (output / WORK).mkdir()
    (output / "meta").rename(output / WORK / "old-0-meta")
    (output / WORK / "stage-meta" / "html").mkdir(parents=True)
    (output / WORK / "tmp" / "notepress-pdf-x").mkdir(parents=True)
    run = run_cli("build", vault, "-t", "feed")
    assert run.code == 0, run.output
    assert snapshot(output / "meta") == before
    assert_whole(output / "meta")
    assert not (output / WORK).exists()


def test_swap_without_an_atomic_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the system cannot swap two folders in one step, two renames do it."""
    monkeypatch.setattr(output_module, "_exchange", lambda first, second: False)
    vault = notes_vault(tmp_path / "vault", '[targets.meta]\nexporter = "jsonld"\n')
    notepress.load_project(vault).build()
    (vault / "_publish" / "meta" / "mine.txt").write_text("mine\n")
    (vault / "notes" / "more.md").write_text(note_text("More", "x", note_id="240104MR01"))
    report = notepress.load_project(vault).build()
    assert [p.code for p in report.all_problems() if p.severity.value == "error"] == []
    assert (vault / "_publish" / "meta" / "240104MR01.jsonld").is_file()
    assert (vault / "_publish" / "meta" / "mine.txt").read_text() == "mine\n"
    assert not (vault / "_publish" / WORK).exists()


def test_the_python_api_refuses_the_vault_as_output(tmp_path: Path) -> None:
    vault = notes_vault(tmp_path / "vault", '[targets.notes]\nexporter = "jsonld"\n')
    project = notepress.load_project(vault)
    before = snapshot(tmp_path)
    config = dataclasses.replace(project.config, output=vault)
    with pytest.raises(notepress.ConfigError, match="is the vault itself"):
        notepress.build(project.vault, config)
    assert snapshot(tmp_path) == before


def test_a_replaced_folder_that_could_not_go_at_once_goes_with_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The replaced target folder kept aside lost its manifest first: when one of its files
    could not be removed for a moment (or a kill came then), no later build knew its files
    and every one failed to remove it, the old output left in the output folder."""
    vault = notes_vault(tmp_path / "vault", '[targets.all]\nexporter = "jsonld"\n')
    notepress.load_project(vault).build()
    day = vault / "journal" / "day.md"
    day.write_text(day.read_text().replace("draft: false", "draft: true"))
    unlink = Path.unlink
    refused: list[Path] = []

    def busy(path: Path, missing_ok: bool = False) -> None:
        if f"{WORK}/old-" in path.as_posix() and path.suffix == ".jsonld" and not refused:
            refused.append(path)
            raise PermissionError(1, "Operation not permitted", str(path))
        unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", busy)
    report = notepress.load_project(vault).build()
    found = [p.message for p in report.all_problems() if p.code == "output-leftover"]
    assert refused and any("could not remove the previous build" in m for m in found)
    aside = refused[0].parent
    while aside.parent.name != WORK:
        aside = aside.parent
    assert (aside / MANIFEST).is_file()  # kept until every file it lists is gone
    notepress.load_project(vault).build()  # the file can go now
    assert not (vault / "_publish" / WORK).exists()
