"""A build whose every input is as the last build of the same command found it.

Rebuilding with nothing changed is the commonest build there is (a script, a git hook, a
habit), and for a large vault even a cached build spends seconds reading every note back
and checking every link.  So a successful build leaves a small record: the state of
everything it was made from, taken *before* it read anything, and what it reported.  The
next build of the same command lists the vault (sizes and times, no note is read), and when
that state, the config's bytes, the code, the variables outputs read and each target folder
are all as recorded, it reports the same result without loading the renderer at all.

What makes the record untrustworthy makes it unused, never wrong:

* a file written less than two seconds before the listing (its time could hide a second
  write of the same size) leaves no record, as git treats "racily clean" files;
* a note held back for a future date makes the record expire at that date;
* a vault dated by git history (``date_from_git``) gets a record of the commit its dates
  were read at, which HEAD must still name: a commit changes dates without touching a file;
* a target folder edited by hand since (see :func:`~notepress.output.folder_intact`) means
  a real build.

The record lives in the user's cache folder, never in the output, and ``--no-cache`` or
``notepress clean`` bypass or remove it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomicfile import replace_text
from .cache.environment import environment_key
from .locations import CONFIG_FILE, QUARTZ_CONFIG, SETTINGS_FILES, cache_root
from .model import Problem, Severity
from .output import (
    MANIFEST,
    file_sha256,
    folder_intact,
    folder_listing,
    is_target_folder,
    stale_message,
    stale_targets,
)
from .owners import Owner
from .results import BuildReport, TargetResult

if TYPE_CHECKING:
    from .pipeline import Project

__all__ = ["Request", "remove_records"]

_VERSION = 2
#: A file changed this close to the listing may change again unseen within its time's grain.
_RACY_NS = 2_000_000_000
#: Variables that change what a build writes or which notes it publishes.
_VARIABLES = (
    "SOURCE_DATE_EPOCH",
    "NOTEPRESS_NOTE_BUDGET",
    "NOTEPRESS_MERMAID",
    "TZ",
    "FONTCONFIG_FILE",
    "FONTCONFIG_PATH",
)

Entry = tuple[str, int, int, int]
"""A file as listed: vault-relative path, size, modification and change times in ns.

The change time is git's answer to an edit that keeps a file's size and puts its time back
(``touch -r``, some sync tools): no one can set it, and any write moves it.  A note made a
draft so would otherwise be replayed as published."""


@dataclass
class Request:
    """One ``build`` command: its arguments and the vault's state when it started."""

    vault: Path
    config: Path | None
    output: Path | None = None
    targets: tuple[str, ...] | None = None
    strict: bool = False
    future: bool = False
    _listing: list[Entry] | None = field(default=None, repr=False)
    _taken_ns: int = field(default=0, repr=False)

    @classmethod
    def of(
        cls,
        vault: str | Path,
        config: str | Path | None = None,
        *,
        output: str | Path | None = None,
        targets: Sequence[str] | None = None,
        strict: bool = False,
        future: bool = False,
    ) -> Request | None:
        """The request, or None when its config is not a file (the real build says why)."""
        root = Path(vault).resolve()
        if config is not None:
            found: Path | None = Path(config).resolve()
        else:
            default = root / CONFIG_FILE
            found = default if default.is_file() else None
        if found is not None and not found.is_file():
            return None
        return cls(
            vault=root,
            config=found,
            output=Path(output).resolve() if output is not None else None,
            targets=tuple(targets) if targets is not None else None,
            strict=strict,
            future=future,
        )

    @property
    def record(self) -> Path:
        """The record's file: one per vault, config and arguments."""
        words = [
            str(self.vault),
            str(self.config or ""),
            str(self.output or ""),
            "\0".join(self.targets) if self.targets is not None else "*",
            str(self.strict),
            str(self.future),
        ]
        name = hashlib.sha256("\n".join(words).encode("utf-8", "surrogateescape")).hexdigest()
        return records_folder() / f"{name[:32]}.json"

    def replay(self, now: datetime | None = None) -> tuple[BuildReport, Path | None] | None:
        """The last build's report and config file when nothing it was made from changed;
        else None.

        The vault is listed here either way: :meth:`remember` keeps that listing, taken
        before the build read anything.
        """
        self._taken_ns = time.time_ns()
        self._listing = list(_listing(self.vault))
        record = _read(self.record)
        if record is None:
            return None
        try:
            until = record["valid_until"]
            if until is not None and (now or _now()).timestamp() >= until:
                return None
            if record["key"] != self._key(record["skip"], record["extras"]):
                return None
            if record["git"] is not None:
                from .gitdates import head_commit  # for git-dated vaults alone

                if head_commit(self.vault) != record["git"]:
                    return None  # a commit since, or a checkout: dates may differ
            report = _report(record)
            if _manifested(report.output, record["config_targets"]) != record["others"]:
                # A folder with a manifest came back or changed since (a backup restored,
                # a copy made): only a build withdraws it or names what it publishes.
                return None
            # The output folder's own problems are not the inputs': a folder made stale is
            # named by every build, this one too (another config may have built meanwhile).
            owner = Owner(*record["owner"])
            for name in stale_targets(report.output, record["config_targets"], owner):
                report.problems.append(
                    Problem(Severity.WARNING, "output-stale-target", stale_message(name), "output")
                )
            for target in record["targets"]:
                folder = report.output / target["name"]
                if not folder_intact(folder, target["manifest"], contents=False):
                    return None
                if folder_listing(folder) != target["written"]:
                    return None  # a file edited by hand: a real build writes it again
        except (KeyError, TypeError, ValueError, OSError):
            return None  # a record of another version, damaged, or a folder in flux: build
        return report, Path(record["config"]) if record["config"] else None

    def listed(self) -> tuple[int, dict[str, tuple[int, int, int]]] | None:
        """The files :meth:`replay` listed, as :func:`~notepress.pipeline.load_project`
        takes them (``listed``); None before it ran."""
        if self._listing is None:
            return None
        stats = {
            rel: (size, mtime, ctime) for rel, size, mtime, ctime in self._listing if size >= 0
        }
        return self._taken_ns, stats

    def remember(self, project: Project, report: BuildReport, now: datetime | None = None) -> None:
        """Keep ``report`` for the next build of this request, when it can be trusted."""
        path = self.record
        with suppress(OSError):
            path.unlink()
        with suppress(OSError, ValueError):  # a folder in flux: no record, the build stands
            self._remember(path, project, report, now)

    def _remember(
        self, path: Path, project: Project, report: BuildReport, now: datetime | None
    ) -> None:
        if self._listing is None or not report.targets:
            return
        if any(not target.ok for target in report.targets):
            return
        config = project.config
        git = None
        if config.vault.date_from_git:
            from .gitdates import commit_read

            git = commit_read(self.vault)
            if git is None:
                return  # dates read without a commit to name them by
        if any(mtime >= self._taken_ns - _RACY_NS for _, _, mtime, _ in self._listing):
            return
        skip = sorted(
            {
                folder.resolve().relative_to(self.vault).as_posix()
                for folder in (config.output, self.output)
                if folder is not None and folder.resolve().is_relative_to(self.vault)
            }
        )
        # Hidden or outside the vault, the listing does not reach them all; nor the fonts
        # a PDF is printed with, which a preview does not follow but a build must.
        from .cache.targets import machine_paths  # loaded by the build this one records

        read = [*project.files_read(), *machine_paths(config)]
        extras = sorted({str(path) for path in read})
        moment = now or _now()
        held = [
            note.created.timestamp()
            for note in project.vault.notes
            if note.created is not None and note.created > moment
        ]
        targets = []
        for target in report.targets:
            folder = report.output / target.name
            manifest = file_sha256(folder / MANIFEST)
            targets.append(
                {
                    "name": target.name,
                    "exporter": target.exporter,
                    "notes": target.notes,
                    "files": [file.relative_to(report.output).as_posix() for file in target.files],
                    "problems": [problem.as_dict() for problem in target.problems],
                    "manifest": manifest,
                    "written": folder_listing(folder),
                }
            )
        record = {
            "version": _VERSION,
            "key": self._key(skip, extras),
            "skip": skip,
            "extras": extras,
            "git": git,
            "valid_until": None if self.future or not held else min(held),
            "output": str(report.output),
            "config": str(config.path) if config.path else None,
            # Problems of the output folder and the cache belong to that build, not its inputs.
            "problems": [p.as_dict() for p in report.problems if p.path != "output"],
            "targets": targets,
            # What says which folders of the output are stale, told again on each replay.
            "config_targets": sorted(config.targets),
            "others": _manifested(report.output, sorted(config.targets)),
            "owner": [(owner := Owner.of(config.path, self.vault)).config, owner.vault],
        }
        _write(path, record)

    def _key(self, skip: Sequence[str], extras: Sequence[str]) -> str:
        assert self._listing is not None
        prefixes = tuple(f"{folder}/" for folder in skip)
        digest = hashlib.sha256()
        head = {
            "version": _VERSION,
            "code": environment_key(),
            "config": _file_digest(self.config) if self.config else None,
            "variables": [os.environ.get(name, "") for name in _VARIABLES],
            "mermaid": shutil.which("mmdc"),
            "extras": [[name, list(_state(Path(name)))] for name in extras],
        }
        digest.update(json.dumps(head, sort_keys=True).encode("utf-8", "surrogateescape"))
        for rel, size, mtime, ctime in self._listing:
            if rel.startswith(prefixes) or rel in skip:
                continue
            line = f"{rel}\0{size}\0{mtime}\0{ctime}\n"
            digest.update(line.encode("utf-8", "surrogateescape"))
        return digest.hexdigest()


def records_folder() -> Path:
    return cache_root() / "builds" / "unchanged"


def remove_records(output: Path) -> list[Path]:
    """Delete the records of builds into ``output`` (``notepress clean``); those removed."""
    removed = []
    folder = records_folder()
    with suppress(OSError):
        for path in sorted(folder.glob("*.json")):
            record = _read(path)
            if record is None or record.get("output") == str(output.resolve()):
                with suppress(OSError):
                    path.unlink()
                    removed.append(path)
    return removed


def _now() -> datetime:
    from .selection import build_now  # what the build itself calls "now"

    return build_now()


def _listing(root: Path) -> Iterator[Entry]:
    """An :data:`Entry` for every file the loader could read, in a fixed order.

    Symlinks count by their own size and time: the loader follows only those that stay in
    the vault, whose targets are listed themselves.
    """
    for rel in SETTINGS_FILES:  # hidden, or beside the vault: the walk skips them
        with suppress(OSError):
            info = os.stat(root / rel)
            yield rel, info.st_size, info.st_mtime_ns, info.st_ctime_ns
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            yield f"{prefix}?", -1, -1, -1
            continue
        if prefix and any(entry.name == MANIFEST for entry in entries) and is_target_folder(folder):
            continue  # a target folder, which the loader never reads (as it decides)
        for entry in entries:
            rel = prefix + entry.name
            if entry.name.startswith("."):
                if not prefix:
                    with suppress(OSError):  # .gitignore and the like, beside the config
                        info = entry.stat(follow_symlinks=False)
                        if entry.is_dir(follow_symlinks=False):  # Quartz in .quartz/
                            rel += f"/{QUARTZ_CONFIG}"
                            info = os.stat(Path(entry.path, QUARTZ_CONFIG))
                        yield rel, info.st_size, info.st_mtime_ns, info.st_ctime_ns
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((Path(entry.path), rel + "/"))
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError:
                yield rel, -1, -1, -1
                continue
            yield rel, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _manifested(output: Path, targets: Sequence[str]) -> dict[str, str | None]:
    """The digest of the manifest of each folder of ``output`` that has one, but for the
    config's ``targets``: stale folders, copies, another config's (see :meth:`replay`)."""
    found: dict[str, str | None] = {}
    try:
        entries = sorted(os.scandir(output), key=lambda entry: entry.name)
    except OSError:
        return found
    for entry in entries:
        if entry.name in targets or entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False) and os.path.isfile(Path(entry.path, MANIFEST)):
            found[entry.name] = _file_digest(Path(entry.path, MANIFEST))
    return found


def _state(path: Path) -> Iterator[Any]:
    """The sizes and times of ``path``, or of every file below it: a file that cannot be
    read (a dangling link among fonts) is one entry, not the end of the walk, or a file
    added after it would go unseen."""
    try:
        if not path.is_dir():
            yield _times(path.stat())
            return
    except OSError:
        yield None
        return
    for current, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(current, name)
            try:
                yield [full, *_times(os.stat(full))]
            except OSError:
                yield [full, None]


def _times(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _report(record: dict[str, Any]) -> BuildReport:
    output = Path(record["output"])
    return BuildReport(
        output=output,
        problems=_problems(record["problems"]),
        targets=[
            TargetResult(
                name=target["name"],
                exporter=target["exporter"],
                notes=int(target["notes"]),
                files=[output / rel for rel in target["files"]],
                problems=_problems(target["problems"]),
                up_to_date=True,
            )
            for target in record["targets"]
        ],
    )


def _problems(items: Iterable[dict[str, Any]]) -> list[Problem]:
    return [
        Problem(
            Severity(item["severity"]), item["code"], item["message"], item["path"], item["line"]
        )
        for item in items
    ]


def _read(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("version") != _VERSION:
        return None
    return record


def _write(path: Path, record: dict[str, Any]) -> None:
    """Written whole or not at all: a reader never sees half a record."""
    with suppress(OSError):
        replace_text(path, json.dumps(record, sort_keys=True))
