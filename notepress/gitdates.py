"""Dates from git history, for vaults kept in git whose notes carry no date of their own.

A file's modification time is not a date: a checkout, a copy or a sync tool sets it, so two
machines would publish different dates.  The commits that touched a file are the same on
every clone.  ``[vault] date_from_git = true`` dates a note still undated after its keys, its
file name and its note_id by its first commit (``created``), and gives a note without an
``updated`` key its last commit.

One ``git log`` runs for the whole vault, never one per note, so a vault of ten thousand
notes costs one process.  No git, a vault outside a repository, or any other failure of git
is one warning for the vault, never a failure of the build.
"""

from __future__ import annotations

import os
import subprocess
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from .chars import printable
from .dates import EARLIEST_YEAR, LATEST_YEAR
from .model import Note, Problem, Severity

__all__ = [
    "GIT_TIMEOUT",
    "NO_COMMIT",
    "UNREAD",
    "FileDates",
    "apply_git_dates",
    "commit_read",
    "dated_at",
    "head_commit",
    "read_git_dates",
]

#: Seconds the one ``git log`` of the vault may take.
GIT_TIMEOUT = 300.0
_COMMIT = "\x01"
#: Settings that would make ``git log`` run other programs or read a signature: none is
#: needed to list which files each commit touched.
_SAFE_CONFIG = (
    "-c",
    "core.fsmonitor=false",
    "-c",
    "log.showSignature=false",
    "-c",
    "core.quotePath=false",
)


#: A merge's files, as changed against its first parent (git 2.31 and later).
_MERGES = ("--diff-merges=first-parent",)
#: Each commit's files with what happened to them, renames found (``R100 old new``); a git
#: that cannot find them (blobs missing) is asked for the names alone.
_RENAMES = ("-M", "--name-status")
_NO_RENAMES = ("--no-renames", "--name-status")


@dataclass(frozen=True)
class FileDates:
    """The author dates of the first and the last commit that touched one file."""

    first: datetime
    last: datetime


def read_git_dates(
    root: Path, *, commit: str | None = None, paths: Sequence[str] | None = None
) -> tuple[dict[str, FileDates], str | None]:
    """Dates of every file under ``root`` that git history knows, by vault-relative path
    (NFC, forward slashes); and why there are none, when git could not be asked.

    Read from ``commit`` (else the one HEAD names), and of the files at ``paths`` alone
    when given (paths below ``root`` as the file system names them): a build that reads a
    few notes again dates them from the history its kept vault was dated from.

    Author dates, not committer dates: a rebase or a cherry-pick rewrites the second, while
    the first stays the moment the change was written.  Renames are followed, as git finds
    them in each commit (``-M``): a note renamed or moved into another folder keeps the date
    it was first committed under its old name, as Obsidian keeps a renamed file's creation
    time (a folder reorganised in one commit dated every note in it anew).  Where git cannot
    tell renames (blobs missing from a partial clone), it is asked without, and a renamed
    note is dated from its rename.

    ``paths`` are dated from the whole history, not from a ``git log`` of those paths, which
    would see a rename into them as the file's first commit: the dates of a note are the
    same whether it is read alone or with its vault.

    A merge commit lists the files it changed against its first parent (the branch merged
    into): plain ``git log`` lists none for a merge, so a note first committed by a merge
    (Obsidian Git's "vault backup" after a pull, a conflict resolved by hand) had no commit
    at all, and was left out of every feed as undated.  A git older than 2.31, which does
    not know the option, is asked without it.
    """
    commit = commit or head_commit(root)
    known = _DATES.get((_root_key(root), commit)) if commit else None
    if known is not None:
        dates = known
    else:
        start = (commit,) if commit else ()
        done = _git_log(root, (*_MERGES, *start), _RENAMES)
        if not isinstance(done, str) and done.returncode != 0 and b"diff-merges" in done.stderr:
            done = _git_log(root, start, _RENAMES)
        if not isinstance(done, str) and done.returncode != 0:
            done = _git_log(root, start, _NO_RENAMES)
        if isinstance(done, str):
            return {}, done
        if done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            return {}, reason[0] if reason else f"git log exited with {done.returncode}"
        dates = _parse_log(done.stdout.decode("utf-8", "surrogateescape"))
        if commit:
            _DATES.clear()  # one history kept: the newest asked for
            _DATES[(_root_key(root), commit)] = dates
    if commit and paths is None:
        _COMMITS[_root_key(root)] = commit
    if paths is not None:
        wanted = {unicodedata.normalize("NFC", path) for path in paths}
        dates = {path: found for path, found in dates.items() if path in wanted}
    return dates, None


#: The dates read at a commit, by vault folder and commit: a process that builds again
#: (watch, serve) after an edit asks for the same history, which a commit cannot change.
_DATES: dict[tuple[str, str], dict[str, FileDates]] = {}


#: The commit each vault's dates were last read at, by its folder: what a build that asks
#: again can compare with HEAD (:mod:`notepress.unchanged`).
_COMMITS: dict[str, str] = {}


def commit_read(root: Path) -> str | None:
    """The commit the vault at ``root`` was last dated from in this process: by the last
    :func:`read_git_dates` of all its files, or as :func:`dated_at` says; None when none."""
    return _COMMITS.get(_root_key(root))


def dated_at(root: Path, commit: str) -> None:
    """Say that the vault at ``root`` was dated from ``commit``: a kept vault dated from it,
    with the notes read again dated from it too (:mod:`notepress.refresh`)."""
    _COMMITS[_root_key(root)] = commit


def head_commit(root: Path) -> str | None:
    """The commit HEAD names in the repository holding ``root``: the whole history the dates
    are read from, in one id; None without git, a repository or a commit."""
    try:
        done = subprocess.run(
            ["git", *_SAFE_CONFIG, "-C", str(root), "rev-parse", "--verify", "-q", "HEAD"],
            capture_output=True,
            env=_env(),
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = done.stdout.decode("ascii", "replace").strip()
    return commit if done.returncode == 0 and commit else None


def _root_key(root: Path) -> str:
    return str(Path(root).resolve())


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_LITERAL_PATHSPECS": "1",
        "LC_ALL": "C",
        "GIT_PAGER": "cat",
    }


def _git_log(
    root: Path, options: Sequence[str], names: Sequence[str]
) -> subprocess.CompletedProcess[bytes] | str:
    """The vault's ``git log`` of the files each commit touched, listed as ``names`` asks;
    why it could not run."""
    command = [
        "git",
        *_SAFE_CONFIG,
        "-C",
        str(root),
        "log",
        *options,
        *names,
        "--relative",
        "-z",
        f"--format={_COMMIT}%aI",
        "--",
        ".",
    ]
    try:
        return subprocess.run(
            command, capture_output=True, env=_env(), timeout=GIT_TIMEOUT, check=False
        )
    except FileNotFoundError:
        return "git is not installed"
    except subprocess.TimeoutExpired:
        return f"git log took longer than {GIT_TIMEOUT:g} seconds"
    except OSError as exc:
        return f"cannot run git: {exc.strerror or exc}"


def _parse_log(output: str) -> dict[str, FileDates]:
    """Newest commit first, as ``git log`` writes: the first date seen for a file is its
    last commit, the final one its first.

    Each commit lists its files as ``status NUL path`` or, renamed or copied,
    ``R100 NUL old NUL new``: from the commit that renamed a file on, going back, its old
    name stands for it.
    """
    found: dict[str, FileDates] = {}
    #: A name in older commits, and the file of today it became.
    became: dict[str, str] = {}
    for chunk in output.split(_COMMIT):
        # ``-z`` ends the date with NUL, then a newline starts the entries, each NUL-ended.
        stamp, _, entries = chunk.partition("\0")
        try:
            moment = datetime.fromisoformat(stamp.strip())
        except ValueError:
            continue
        dated = EARLIEST_YEAR <= moment.year <= LATEST_YEAR  # a broken clock dates nothing
        fields = entries.removeprefix("\n").split("\0")
        index = 0
        while index < len(fields):
            status = fields[index]
            if not status:
                index += 1
                continue
            moved = status[0] in "RC"
            names = fields[index + 1 : index + (3 if moved else 2)]
            index += 3 if moved else 2
            if not names or not names[-1]:
                continue
            name = unicodedata.normalize("NFC", names[-1])
            today = became.get(name, name)
            if dated:
                known = found.get(today)
                found[today] = FileDates(first=moment, last=known.last if known else moment)
            if status[0] == "R" and names[0]:
                became[unicodedata.normalize("NFC", names[0])] = today
    return found


#: What an undated note's ``created-missing`` warning says of git when it was asked, and
#: what it says instead when git could not be: "no commit touches this file" claimed
#: something of a history that was never read.
NO_COMMIT = "git history (no commit touches this file)"
UNREAD = "git history (not read: see the git-dates warning)"


def apply_git_dates(
    root: Path,
    notes: Sequence[Note],
    problems: list[Problem],
    *,
    commit: str | None = None,
    paths: Sequence[str] | None = None,
) -> list[Note]:
    """``notes`` with git dates where their own sources gave none.

    A note without ``created`` takes its first commit (and loses its ``created-missing``
    warning); a note whose ``updated`` came from no key takes its last commit when that is
    not earlier than its ``created``.  When git cannot be asked, ``problems`` gets one
    warning for the vault and the notes are returned as they are.  ``commit`` and
    ``paths``: see :func:`read_git_dates`.
    """
    dates, failure = read_git_dates(root, commit=commit, paths=paths)
    if failure is not None:
        problems.append(
            Problem(
                Severity.WARNING,
                "git-dates",
                f"date_from_git is set, but git history cannot be read ({printable(failure)}); "
                "notes keep the dates of their keys and file names",
                ".",
            )
        )
        return [_unread(note) for note in notes]
    return [
        _dated(note, dates.get(unicodedata.normalize("NFC", note.path.as_posix())))
        for note in notes
    ]


def _unread(note: Note) -> Note:
    """``note`` with its ``created-missing`` warning saying git was not read."""
    if note.created is not None:
        return note
    problems = tuple(
        replace(p, message=p.message.replace(NO_COMMIT, UNREAD))
        if p.code == "created-missing"
        else p
        for p in note.problems
    )
    return replace(note, problems=problems) if problems != note.problems else note


def _dated(note: Note, dates: FileDates | None) -> Note:
    if dates is None:
        return note
    changes: dict[str, object] = {}
    created = note.created
    if created is None and not note.created_from:
        created = dates.first
        changes.update(
            created=created,
            created_from="git",
            problems=tuple(p for p in note.problems if p.code != "created-missing"),
        )
    if not note.updated_from and (created is None or dates.last >= created):
        changes.update(updated=dates.last, updated_from="git")
    return replace(note, **changes) if changes else note  # type: ignore[arg-type]
