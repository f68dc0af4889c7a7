"""The output folder: where it may be, what notepress wrote in it, and how a target is replaced.

A build must never harm the vault or a file notepress did not write.  The rules:

* The output folder is not the vault, does not contain the vault, and when it lies inside
  the vault it holds no notes (no ``*.md`` outside the target folders a build wrote).  The
  default ``_publish`` qualifies; ``output = "journal"`` with notes in ``journal/`` does not.
* Each target writes exactly ``OUTPUT/<target>/``.  A build writes it in full in a staging
  folder, adds a manifest (``.notepress-manifest.json``: every file and its hash), and then
  swaps staging and final in one step (``renameat2(RENAME_EXCHANGE)`` on Linux; elsewhere old
  -> aside, staging -> final) and removes the old folder.  A kill at any instant leaves the old
  or the new folder whole; the next build finishes or undoes an interrupted swap.
* Only files a manifest lists are removed or replaced.  Other files found in a target folder
  are copied into the new one (with a warning naming them); a folder without a manifest that
  is not empty is never touched (the target fails with a message).
* One build at a time per output folder: a lock file, waited for a bounded time.
* Temporary files of a build live in ``OUTPUT/.notepress-work/`` and are removed by the
  next build when a kill left them behind.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .chars import shown
from .errors import ExportError
from .owners import Owner, read_owners, record_owner

__all__ = [
    "LOCK_TIMEOUT",
    "MANIFEST",
    "OUTPUT_MARKER",
    "OutputError",
    "OutputFolder",
    "copied_targets",
    "file_sha256",
    "files_below",
    "folder_intact",
    "folder_listing",
    "is_target_folder",
    "manifest_notes",
    "output_folder_problem",
    "read_manifest",
    "remove_target_folder",
    "stale_message",
    "stale_targets",
    "temporary_files_in",
]

LOCK_TIMEOUT = 60.0
"""Seconds a build waits for another build into the same output folder to finish."""

OUTPUT_MARKER = ".notepress-output"
"""Marks a folder as a build's output folder (it holds target folders)."""
MANIFEST = ".notepress-manifest.json"
"""In each target folder: what the build wrote there."""
LOCK = ".notepress-lock"
WORK = ".notepress-work"
"""Staging folders, the aside copy of a target during a swap, and temporary files."""
_STAGE, _ASIDE, _TMP = "stage-", "old-", "tmp"


class OutputError(ExportError):
    """The output folder could not be locked, prepared or written (exit 1, nothing harmed)."""


# Where the output may be --------------------------------------------------------------


def output_folder_problem(vault: Path, output: Path) -> str | None:
    """Why ``output`` may not receive builds of ``vault``, or None when it may."""
    root, out = vault.resolve(), output.resolve()
    if out == root:
        return f"the output folder {out} is the vault itself; a build would write among the notes"
    if root.is_relative_to(out):
        return (
            f"the output folder {out} contains the vault {root}; "
            "a target folder could replace part of the vault"
        )
    if out.is_relative_to(root):
        note = _first_note(out)
        if note is not None:
            return (
                f"the output folder {out} lies inside the vault {root} and holds notes "
                f"({note}); inside the vault the output must be a folder without notes"
            )
    return None


def _first_note(folder: Path) -> Path | None:
    """A note (``*.md`` the vault loader would read) below ``folder``, outside target folders
    (as :func:`is_target_folder` tells them: a note saved into one is not the build's, and
    would be carried into the published folder as it is)."""
    for current, dirs, files in os.walk(folder):
        if MANIFEST in files and Path(current) != folder and is_target_folder(Path(current)):
            dirs.clear()
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(".md") and not name.startswith("."):
                return Path(current, name)
    return None


# What a build wrote -------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, str] | None:
    """``{relative path: sha256}`` of a target folder a build wrote, or None."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(files, dict):
        return None
    return {str(k): str(v) for k, v in files.items()}


def is_target_folder(folder: Path) -> bool:
    """Whether ``folder`` is a target folder a build wrote, which the vault's walk skips:
    its manifest can be read, and lists every markdown file below it with its bytes (no
    exporter of notepress writes one).  A manifest copied or made by hand into a folder of
    notes must not hide them."""
    listed = read_manifest(folder)
    if listed is None:
        return False
    for path in _files(folder):
        if path.lower().endswith(".md"):
            try:
                if listed.get(path) != file_sha256(folder / path):
                    return False
            except OSError:
                return False
    return True


def _files(folder: Path) -> Iterator[str]:
    """Relative paths of every file and symlink below ``folder`` (symlinks never followed),
    in ``os.walk``'s order with names sorted: a folder's links to folders, its files, then
    each of its folders."""
    yield from _files_in(os.fspath(folder), "")


def _files_in(top: str, rel: str) -> Iterator[str]:
    # Paths as text: a target of a file per note lists thousands after every edit, and a
    # ``Path`` per file cost more than the listing itself.
    try:
        with os.scandir(top) as found:
            entries = list(found)
    except OSError:
        return  # as os.walk: a folder that cannot be listed holds nothing
    folders: list[os.DirEntry[str]] = []
    files: list[os.DirEntry[str]] = []
    for entry in entries:
        try:
            is_folder = entry.is_dir()
        except OSError:
            is_folder = False
        (folders if is_folder else files).append(entry)
    prefix = f"{rel}/" if rel else ""
    below = []
    for entry in sorted(folders, key=lambda entry: entry.name):
        if entry.is_symlink():
            yield prefix + entry.name
        else:
            below.append(entry)
    for name in sorted(entry.name for entry in files):
        yield prefix + name
    for entry in below:
        yield from _files_in(entry.path, prefix + entry.name)


def files_below(folder: Path) -> list[str]:
    """Relative paths of every file and symlink below ``folder``, as a manifest lists them:
    to tell whether a target folder is still as a build left it."""
    return list(_files(folder))


def folder_listing(folder: Path) -> list[list[Any]]:
    """``[path, size, time]`` of every file below a target folder, as its manifest lists
    them: the same listing later means the files are as they were, without reading them."""
    listing: list[list[Any]] = []
    top = os.fspath(folder)
    for rel in _files(folder):
        info = os.stat(os.path.join(top, rel), follow_symlinks=False)
        listing.append([rel, info.st_size, info.st_mtime_ns])
    return listing


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_notes(folder: Path) -> set[str] | None:
    """The note_ids a target folder's build published, as its manifest lists them; None
    when it lists none (written before manifests did)."""
    try:
        notes = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["notes"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {str(note) for note in notes} if isinstance(notes, list) else None


def copied_from(folder: Path) -> str | None:
    """The target whose output ``folder`` is a copy of (``cp -a news news-2023``): its
    manifest names a target of another name, and a build writes a target's output in the
    folder of its name alone.  None for a folder written where it is, or without a name."""
    try:
        target = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["target"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(target, str):
        return None
    same = unicodedata.normalize("NFC", target) == unicodedata.normalize("NFC", folder.name)
    return None if same else target


def copied_targets(output: Path) -> list[tuple[str, str]]:
    """(folder, target) of each folder of ``output`` that is a copy of a target's output
    (:func:`copied_from`): the user's own, which no build writes, updates or removes."""
    try:
        entries = sorted(os.scandir(output), key=lambda entry: entry.name)
    except OSError:
        return []
    found = []
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue
        target = copied_from(Path(entry.path))
        if target is not None:
            found.append((entry.name, target))
    return found


def _write_manifest(folder: Path, target: str, exporter: str, notes: Iterable[str]) -> None:
    files = {rel: file_sha256(folder / rel) for rel in _files(folder) if rel != MANIFEST}
    data = {
        "notepress": 1,
        "target": target,
        "exporter": exporter,
        "files": files,
        # Ids published, embedded or linked to: what a failed build checks before keeping this
        # output (see pipeline._shown_ids).
        "notes": sorted(set(notes)),
    }
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")


def stale_targets(output: Path, targets: Iterable[str], owner: Owner | None = None) -> list[str]:
    """The folders of ``output`` an earlier build wrote (their manifest says so) for a
    target not among ``targets``: a target removed or renamed in the config.  With an
    ``owner``, a folder another config built (:mod:`notepress.owners`) is not one: two
    vaults, or two configs of one vault, may build into one output folder.

    Nothing rewrites them, so whatever they published stays published as it was, notes
    made private since included.
    """
    kept = set(targets)
    if owner is not None:
        kept |= {name for name, built in read_owners(output).items() if owner.others(built)}
    try:
        entries = sorted(os.scandir(output), key=lambda entry: entry.name)
    except OSError:
        return []
    return [
        entry.name
        for entry in entries
        if entry.name not in kept
        and not entry.name.startswith(".")
        and entry.is_dir(follow_symlinks=False)
        and read_manifest(Path(entry.path)) is not None
        # A copy the user made of a target's output is theirs (see copied_targets).
        and copied_from(Path(entry.path)) is None
    ]


def stale_message(name: str) -> str:
    """What a build says of a folder :func:`stale_targets` names (``output-stale-target``)."""
    return (
        f"the folder {shown(name + '/')} holds what an earlier build wrote for a target this config no "
        "longer has: nothing updates it, so it stays published as it was; remove it with "
        "'notepress clean --stale'"
    )


def remove_target_folder(folder: Path) -> list[str]:
    """Remove the files a build wrote in ``folder`` (those its manifest lists, with the
    bytes it recorded), the manifest, and the folders left empty; the files left, which
    are the user's own or edited since.  A symlinked folder is left whole."""
    if folder.is_symlink():
        return ["."]
    listed = read_manifest(folder) or {}
    left = []
    for rel in _files(folder):
        path = folder / rel
        try:
            if rel in listed and not path.is_symlink() and file_sha256(path) == listed[rel]:
                path.unlink()
            else:
                left.append(rel)
        except OSError:
            left.append(rel)
    if not any(rel in listed for rel in left):  # nothing a build wrote is left
        with suppress(OSError):
            (folder / MANIFEST).unlink()
            left.remove(MANIFEST)
    _remove_empty_folders(folder)
    return left


def _remove_empty_folders(folder: Path) -> None:
    """``folder`` and the folders below it that are left empty, deepest first."""
    for current, _dirs, _ in sorted(os.walk(folder), reverse=True):
        with suppress(OSError):
            os.rmdir(current)


# The output folder --------------------------------------------------------------------


@dataclass
class OutputFolder:
    """The output folder of one build, held under its lock while the build runs."""

    path: Path
    warnings: list[str] = field(default_factory=list)
    """Things the user should know about the folder itself (leftovers that could not go)."""
    owner: Owner | None = None
    """The config building here, recorded for each target committed (see
    :mod:`notepress.owners`)."""
    owners: dict[str, Owner] = field(default_factory=dict)
    """Who built each target folder, read once the lock is held (with an :attr:`owner`)."""

    @property
    def work(self) -> Path:
        return self.path / WORK

    @property
    def temp(self) -> Path:
        return self.work / _TMP

    @contextmanager
    def locked(self, timeout: float) -> Iterator[OutputFolder]:
        """Hold the output's lock (waiting up to ``timeout`` seconds) and tidy up after kills."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            _refuse_links(self.path, (OUTPUT_MARKER, LOCK, WORK))
            marker = self.path / OUTPUT_MARKER
            if not marker.exists():
                _write_new(marker, "Written by notepress: this folder is build output.\n")
            handle = os.open(
                self.path / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644
            )
        except OSError as exc:
            raise OutputError(_os_message("cannot prepare the output folder", exc)) from None
        try:
            _acquire(handle, self.path, timeout)
            _refuse_links(self.path, (WORK,))  # as it is now the folder is ours alone
            if self.owner is not None:
                self.owners = read_owners(self.path)
            self.recover()
            self.temp.mkdir(parents=True, exist_ok=True)
            yield self
        finally:  # every exit path, Ctrl-C and SIGTERM included: no staging or temp left
            for entry in _entries(self.work):
                if entry.name.startswith(_STAGE) or entry.name == _TMP:
                    shutil.rmtree(entry, ignore_errors=True)
            with suppress(OSError):
                self.work.rmdir()  # only when empty: an aside that could not go stays
            os.close(handle)  # releases the lock

    def recover(self) -> None:
        """Finish or undo a swap a kill interrupted, and drop stale staging and temp folders.

        A symbolic link among them is removed itself, never followed: what it leads to is
        not the build's."""
        for entry in _entries(self.work):
            name = entry.name
            if entry.is_symlink():
                if name.startswith((_ASIDE, _STAGE)) or name == _TMP:
                    entry.unlink()
                continue
            if name.startswith(_ASIDE) and name.count("-") >= 2:
                final = self.path / name.split("-", 2)[2]
                if not final.exists() and not final.is_symlink():
                    entry.rename(final)  # the kill came between the two renames: undo
                else:
                    self._remove_old(entry, final)
            elif name.startswith(_STAGE) or name == _TMP:
                shutil.rmtree(entry, ignore_errors=True)

    def stage(self, target: str) -> Path:
        """An empty staging folder for ``target``."""
        staging = self.work / f"{_STAGE}{target}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        return staging

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def check_target(self, target: str) -> str | None:
        """Why ``OUTPUT/<target>`` may not be replaced, or None."""
        final = self.path / target
        if final.is_symlink():
            return f"{final} is a symbolic link; notepress replaces only folders it wrote"
        if not final.exists():
            return None
        if not final.is_dir():
            return f"{final} is a file, not a folder notepress wrote; move it away"
        if read_manifest(final) is None and any(final.iterdir()):
            return (
                f"{final} was not written by this version of notepress (it has no "
                f"{MANIFEST}); move it away, it is left as it is"
            )
        copied = copied_from(final)
        if copied is not None:
            return (
                f"{final} is a copy of the output of the target {copied!r}, made by hand "
                "(a build writes a target's output in the folder of its name only): rename "
                "this target or the folder; it is left as it is"
            )
        built = self.owners.get(target)
        if built is not None and self.owner is not None and self.owner.others(built):
            return (
                f"{final} is the output of another config ({built.config}), which builds "
                "into this output folder too: rename this target, or build into another "
                "folder; it is left as it is"
            )
        return None

    def commit(
        self, target: str, exporter: str, staging: Path, notes: Iterable[str] = ()
    ) -> list[str]:
        """Put the staging folder in place of ``OUTPUT/<target>``, its manifest naming the
        ``notes`` (note_ids) it publishes; return the foreign files kept.

        Raises :class:`OutputError` (the old folder stays whole) when the swap cannot happen.
        """
        final = self.path / target
        problem = self.check_target(target)
        if problem is not None:
            raise OutputError(problem)
        aside = self._free_aside(target)
        try:
            _write_manifest(staging, target, exporter, notes)
            kept = self._carry_foreign(final, staging)
            old = None
            if final.exists() and _exchange(staging, final):
                old = staging  # it holds the old build now
                with suppress(OSError):
                    staging.rename(aside)
                    old = aside
            else:
                if final.exists():
                    final.rename(aside)  # a kill from here to the next line: next build undoes
                    old = aside
                staging.rename(final)
        except OSError as exc:
            if aside.exists() and not final.exists():
                aside.rename(final)  # the old folder goes back whole
            raise OutputError(_os_message(f"cannot replace {final}", exc)) from None
        if old is not None:
            self._remove_old(old, final)
        if self.owner is not None:
            record_owner(self.path, target, self.owner, self.owners)
        return kept

    def _free_aside(self, target: str) -> Path:
        """A name for the replaced folder (``old-N-target``) that no leftover holds."""
        number = 0
        while (aside := self.work / f"{_ASIDE}{number}-{target}").exists():
            number += 1
        return aside

    def _carry_foreign(self, final: Path, staging: Path) -> list[str]:
        """Copy the files of ``final`` that its manifest does not list into ``staging``."""
        if not final.is_dir():
            return []
        listed = read_manifest(final) or {}
        kept = []
        for rel in _files(final):
            if rel in listed or rel == MANIFEST:
                continue
            source, copy = final / rel, staging / rel
            if copy.exists() or copy.is_symlink():
                raise OutputError(
                    f"{source} was not written by notepress and the new build writes the same "
                    "path; move it away"
                )
            copy.parent.mkdir(parents=True, exist_ok=True)
            if source.is_symlink():
                os.symlink(os.readlink(source), copy)
            else:
                shutil.copy2(source, copy)
            kept.append(rel)
        return kept

    def _remove_old(self, aside: Path, final: Path) -> None:
        """Remove a replaced target folder: the files its manifest lists, and the foreign
        files whose copies are in the new folder.  Anything else stays, with a warning."""
        listed = read_manifest(aside) or {}
        left = []
        for rel in _files(aside):
            path = aside / rel
            if rel == MANIFEST:
                continue
            if rel in listed or _same(path, final / rel):
                try:
                    path.unlink()
                except OSError:
                    left.append(rel)
            else:
                left.append(rel)
        if not left:
            # Last: until every file it lists is gone, the next build needs it to know them
            # (removed first, a kill or a file that could not go left the folder for ever).
            try:
                (aside / MANIFEST).unlink(missing_ok=True)
            except OSError:
                left.append(MANIFEST)
        _remove_empty_folders(aside)
        if aside.exists():
            shown = ", ".join(left[:5]) + (" ..." if len(left) > 5 else "")
            self.warnings.append(
                f"could not remove the previous build kept aside in {aside} ({shown}); "
                "the next build tries again"
            )


def _refuse_links(folder: Path, names: tuple[str, ...]) -> None:
    """Raise when one of the build's own files or folders in ``folder`` is a symbolic link:
    followed, a build would write, or delete, where it leads."""
    for name in names:
        if (folder / name).is_symlink():
            raise OutputError(
                f"{folder / name} is a symbolic link; notepress keeps its own files there "
                "and never follows a link out of the output folder: remove it"
            )


def _write_new(path: Path, text: str) -> None:
    """Write ``path``, which must not exist yet (a link put there in the meantime is not
    followed)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    handle = os.open(path, flags, 0o666)  # as ``open`` makes a file: the umask decides
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


@contextmanager
def temporary_files_in(folder: Path) -> Iterator[None]:
    """Exporters' temporary files (pandoc's work folder, PDF worker logs) go under the locked
    output folder rather than the system's: a build killed midway leaves them where the next
    build removes them.
    """
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = previous


def _same(old: Path, new: Path) -> bool:
    """Whether ``new`` is a faithful copy of ``old`` (a symlink with the same target)."""
    try:
        if old.is_symlink():
            return new.is_symlink() and os.readlink(old) == os.readlink(new)
        return new.is_file() and not new.is_symlink() and file_sha256(old) == file_sha256(new)
    except OSError:
        return False


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2(RENAME_EXCHANGE)``): no instant
    without a target folder.  False where the system cannot, and two renames are used."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _acquire(handle: int, folder: Path, timeout: float) -> None:
    deadline = time.monotonic() + max(timeout, 0.0)
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise OutputError(_os_message("cannot lock the output folder", exc)) from None
        if time.monotonic() >= deadline:
            raise OutputError(
                f"another build is writing to {folder} (waited {timeout:g} seconds for "
                f"{folder / LOCK}); try again when it has finished"
            )
        time.sleep(0.1)


def _os_message(what: str, exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    return f"{what}:{where}: {exc.strerror or exc}"


def folder_intact(final: Path, manifest_digest: str, *, contents: bool = True) -> bool:
    """Whether the target folder still holds the manifest the last build wrote and every
    file it lists, unchanged (someone may have deleted or edited one since).

    ``contents=False`` skips reading the files back, for a caller that compared their
    sizes and times itself.
    """
    try:
        if file_sha256(final / MANIFEST) != manifest_digest:
            return False
    except OSError:
        return False
    listed = read_manifest(final)
    if listed is None:
        return False
    # A file added by hand is carried over with a warning by a real build: build again.
    found = set(files_below(final)) - {MANIFEST}
    if found != set(listed):
        return False
    if not contents:
        return True
    try:
        return all(file_sha256(final / rel) == digest for rel, digest in listed.items())
    except OSError:
        return False
