"""The cache file: one SQLite database per output folder, in the user's cache folder.

It keeps parsed notes, renderings and what each target was last built from.  It holds
every note's text, drafts and ``%%comments%%`` included, so it never lies in the output
folder, which is what gets published (served as the site, copied to a server): it is
``NOTEPRESS_CACHE/builds/`` (else ``$XDG_CACHE_HOME/notepress/builds/``, else
``~/.cache/notepress/builds/``), named by a hash of the output folder's path, readable by
its owner alone.  It is a
hint, never a source of truth: every row is checked against what this build would compute
(a note's bytes, the answers a rendering depends on, a target's inputs) before it is used.

The file is read when the vault is loaded and written only while the build holds the
output folder's lock, in one transaction per step, so a build killed at any instant leaves
the file as it was before that step (SQLite's journal) or a file the next build discards.
A file that cannot be read, was written for another vault, or by another version of
notepress or of this layout is discarded with one warning; it is never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..locations import cache_root
from ..model import Note, Problem, Severity
from ..output import OutputFolder
from .codec import (
    Uncacheable,
    canonical,
    note_from_data,
    note_to_data,
    problems_from_data,
    problems_to_data,
)
from .environment import environment_key

__all__ = [
    "SCHEMA",
    "BuildCache",
    "TargetRecord",
    "cache_path",
    "remove_cache",
    "stat_key",
]

SCHEMA = 4
"""The layout of the tables; a file of another layout is discarded."""

_TABLES = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE parsed (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER "
    "NOT NULL, sha256 TEXT NOT NULL, env TEXT NOT NULL, data TEXT NOT NULL)",
    "CREATE TABLE rendered (scope TEXT NOT NULL, path TEXT NOT NULL, args TEXT NOT NULL, "
    "note TEXT NOT NULL, reads TEXT NOT NULL, data TEXT NOT NULL, shape TEXT NOT NULL, "
    "PRIMARY KEY (scope, path, args))",
    "CREATE TABLE checks (path TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, "
    "problems TEXT NOT NULL, PRIMARY KEY (path, kind))",
    "CREATE TABLE targets (name TEXT PRIMARY KEY, key TEXT NOT NULL, shape TEXT NOT NULL, "
    "reads TEXT NOT NULL, problems TEXT NOT NULL, files TEXT NOT NULL, "
    "manifest TEXT NOT NULL, written TEXT NOT NULL)",
)
_COLUMNS = {
    "meta": ["key", "value"],
    "parsed": ["path", "size", "mtime_ns", "sha256", "env", "data"],
    "rendered": ["scope", "path", "args", "note", "reads", "data", "shape"],
    "checks": ["path", "kind", "key", "problems"],
    "targets": ["name", "key", "shape", "reads", "problems", "files", "manifest", "written"],
}


def cache_path(output: Path) -> Path:
    """The cache file of the output folder ``output``."""
    name = hashlib.sha256(os.fsencode(Path(output).resolve())).hexdigest()[:32]
    return cache_root() / "builds" / f"{name}.sqlite"


def remove_cache(output: Path) -> list[Path]:
    """Delete the cache file of ``output``, SQLite's journal and the kept vault beside it
    with its changes (and a kept vault a killed build left half written); what was
    removed."""
    removed = []
    base = cache_path(output)
    suffixes = ("", "-journal", "-wal", "-shm", "-vault", "-vault.changes")
    names = [base.name + suffix for suffix in suffixes]
    with suppress(OSError):
        names += sorted(p.name for p in base.parent.glob(f"{base.name}-vault.*.partial"))
    for name in names:
        path = base.with_name(name)
        with suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


@dataclass(frozen=True)
class TargetRecord:
    """What a target was last built from, and what that build reported."""

    key: str
    shape: str
    """The vault's shape (:func:`notepress.cache.shape.vault_shape`) when it was built."""
    reads: list[list[Any]]
    problems: list[Problem]
    files: list[str]
    manifest: str
    written: list[list[Any]]
    """The target folder's files as the build left them (:func:`~notepress.output.
    folder_listing`): while they list the same, they need not be read back."""


@dataclass
class _Parsed:
    size: int
    mtime_ns: int
    sha256: str
    note: Note


#: Check rows read one query each before a load reads them all in one.
_ONE_BY_ONE = 64


@dataclass
class BuildCache:
    """The cache of one build: opened for reading when the vault is loaded, written under
    the output lock by :meth:`writing`."""

    output: Path
    vault_root: Path
    problems: list[Problem] = field(default_factory=list)
    """A one-line warning when the file was discarded."""
    _read: sqlite3.Connection | None = None
    _write: sqlite3.Connection | None = None
    _discard: bool = False
    _pending: dict[str, tuple[int, int, str, str, str]] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)
    _env: str = ""
    _checks: dict[tuple[str, str], tuple[str, str]] | None = None
    _check_lookups: int = 0
    _pending_checks: list[tuple[str, str, str, str]] = field(default_factory=list)
    _kept: bool = False
    _opened_empty: bool = False

    @property
    def path(self) -> Path:
        return cache_path(self.output)

    @classmethod
    def open(cls, output: Path, vault_root: Path) -> BuildCache:
        cache = cls(Path(output), Path(vault_root).resolve())
        cache._open_for_reading()
        cache._opened_empty = cache._read is None
        return cache

    # reading ---------------------------------------------------------------------------
    def _open_for_reading(self) -> None:
        if not self.path.is_file():
            return
        try:
            connection = sqlite3.connect(
                self.path.resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False
            )
        except sqlite3.Error as exc:
            self._discarded(f"it cannot be opened ({exc})")
            return
        reason = _unfit(connection, self.vault_root, self.output)
        if reason is not None:
            connection.close()
            self._discarded(reason)
            return
        self._read = connection

    def _discarded(self, reason: str) -> None:
        self._discard = True
        message = f"the build cache {self.path} was discarded: {reason}; it is built anew"
        self.problems.append(Problem(Severity.WARNING, "cache-discarded", message, "output"))

    def _query(self, sql: str, args: Iterable[Any]) -> Any:
        """One row of the open cache, or None; a cache that fails to answer is discarded."""
        connection = self._write or self._read
        if connection is None:
            return None
        try:
            return connection.execute(sql, tuple(args)).fetchone()
        except sqlite3.Error as exc:
            if not self._discard:
                self._discarded(f"it cannot be read ({exc})")
            self._read = None
            return None

    def parsed_note(self, rel: PurePosixPath, size: int, mtime_ns: int, raw: bytes) -> Note | None:
        """The note parsed earlier from these very bytes with these settings, or None."""
        path = rel.as_posix()
        self._seen.add(path)
        digest = hashlib.sha256(raw).hexdigest()
        row = self._query(
            "SELECT size, mtime_ns, sha256, env, data FROM parsed WHERE path = ?", (path,)
        )
        if row is None or tuple(row[:4]) != (size, mtime_ns, digest, self._env):
            return None
        try:
            note = note_from_data(json.loads(row[4]), rel)
        except (ValueError, KeyError, TypeError, IndexError):
            return None
        return note if note.path == rel else None

    def remember_parsed(
        self, rel: PurePosixPath, size: int, mtime_ns: int, raw: bytes, note: Note
    ) -> None:
        """Keep a freshly parsed note, to be written when the build holds the lock."""
        if any(problem.code == "note-too-slow" for problem in note.problems):
            return  # the budget may be larger next time, or the machine less busy
        try:
            data = canonical(note_to_data(note))
        except Uncacheable:
            return
        digest = hashlib.sha256(raw).hexdigest()
        self._pending[rel.as_posix()] = (size, mtime_ns, digest, self._env, data)

    def checked(self, kind: str, path: str, key: str) -> list[Problem] | None:
        """The problems the ``kind`` check found in the note at ``path`` when its inputs had
        ``key`` (see :func:`notepress.vault.load_vault`), or None."""
        if self._checks is None and self._check_lookups < _ONE_BY_ONE:
            # A load that checks a few notes again (one edit, see notepress.refresh) asks
            # for their rows alone; a load that checks them all reads every row at once.
            self._check_lookups += 1
            row = self._query(
                "SELECT key, problems FROM checks WHERE path = ? AND kind = ?", (path, kind)
            )
        else:
            if self._checks is None:
                self._checks = self._all_checks()
            row = self._checks.get((path, kind))
        if row is None or row[0] != key:
            return None
        try:
            return problems_from_data(json.loads(row[1]))
        except (ValueError, KeyError, TypeError, IndexError):
            return None

    def _all_checks(self) -> dict[tuple[str, str], tuple[str, str]]:
        """Every check kept, read at once: one query instead of one per note."""
        connection = self._write or self._read
        if connection is None:
            return {}
        try:
            rows = connection.execute("SELECT path, kind, key, problems FROM checks").fetchall()
        except sqlite3.Error as exc:
            if not self._discard:
                self._discarded(f"it cannot be read ({exc})")
            self._read = None
            return {}
        return {(path, kind): (key, problems) for path, kind, key, problems in rows}

    def remember_checked(self, kind: str, path: str, key: str, problems: Sequence[Problem]) -> None:
        """Keep what a check found, to be written when the build holds the lock."""
        data = json.dumps(problems_to_data(problems), ensure_ascii=False)
        self._pending_checks.append((path, kind, key, data))

    def with_settings(self, settings_key: str) -> None:
        """Key parsed notes by the settings that change how a note is read, too."""
        self._env = environment_key() + ":" + hashlib.sha256(settings_key.encode()).hexdigest()

    def rendered(self, scope: str, path: str, args: str) -> tuple[str, str, str, str] | None:
        """(note fingerprint, reads, rendering, vault shape its reads were last found true
        in) of a kept rendering."""
        row = self._query(
            "SELECT note, reads, data, shape FROM rendered "
            "WHERE scope = ? AND path = ? AND args = ?",
            (scope, path, args),
        )
        return None if row is None else (row[0], row[1], row[2], row[3])

    def target(self, name: str) -> TargetRecord | None:
        row = self._query(
            "SELECT key, shape, reads, problems, files, manifest, written FROM targets "
            "WHERE name = ?",
            (name,),
        )
        if row is None:
            return None
        try:
            problems = problems_from_data(json.loads(row[3]))
            reads = json.loads(row[2])
            files, written = json.loads(row[4]), json.loads(row[6])
            return TargetRecord(row[0], row[1], reads, problems, files, row[5], written)
        except (ValueError, TypeError):
            return None

    # writing ---------------------------------------------------------------------------
    def writing(self, folder: OutputFolder) -> None:
        """Open the file for writing; the caller holds ``folder``'s lock.  A discarded or
        missing file is made anew; parsed notes kept while loading are written now."""
        del folder  # the lock is what matters: only a build that holds it writes
        try:
            if self._discard or not self.path.is_file():
                remove_cache(self.output)
                self._write = self._create()
            else:
                self._write = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False
                )
                if _unfit(self._write, self.vault_root, self.output) is not None:
                    self._write.close()
                    remove_cache(self.output)
                    self._write = self._create()
            self._flush_parsed()
        except (sqlite3.Error, OSError) as exc:
            self._give_up(exc)

    def _create(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600))
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        with _transaction(connection):
            for statement in _TABLES:
                connection.execute(statement)
            connection.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("schema", str(SCHEMA)),
                    ("notepress", environment_key()),
                    ("vault", str(self.vault_root)),
                    ("output", str(self.output.resolve())),
                ],
            )
        return connection

    def _give_up(self, exc: Exception) -> None:
        """A cache that cannot be written is no reason to fail the build: it goes."""
        if self._write is not None:
            with suppress(sqlite3.Error):
                self._write.close()
        self._write = None
        self._read = None
        with suppress(OSError):
            remove_cache(self.output)
        message = f"the build cache {self.path} cannot be written ({exc}); built without it"
        self.problems.append(Problem(Severity.WARNING, "cache-discarded", message, "output"))

    def _flush_parsed(self) -> None:
        if self._write is None:
            return
        rows = [(path, *row) for path, row in self._pending.items()]
        with _transaction(self._write):
            self._write.executemany("INSERT OR REPLACE INTO parsed VALUES (?,?,?,?,?,?)", rows)
            self._write.executemany(
                "INSERT OR REPLACE INTO checks VALUES (?,?,?,?)", self._pending_checks
            )
        self._pending.clear()
        self._pending_checks.clear()

    def store_rendered(self, rows: list[tuple[str, str, str, str, str, str, str]]) -> None:
        self._execute_many("INSERT OR REPLACE INTO rendered VALUES (?,?,?,?,?,?,?)", rows)

    def reshape_rendered(self, rows: list[tuple[str, str, str, str]]) -> None:
        """Record (shape, scope, path, args): the rendering's reads were all found true in
        a vault of that shape."""
        self._execute_many(
            "UPDATE rendered SET shape = ? WHERE scope = ? AND path = ? AND args = ?", rows
        )

    def store_target(self, name: str, record: TargetRecord | None) -> None:
        if record is None:
            self._execute_many("DELETE FROM targets WHERE name = ?", [(name,)])
            return
        problems = problems_to_data(record.problems)
        row = (
            name,
            record.key,
            record.shape,
            json.dumps(record.reads, ensure_ascii=False),
            json.dumps(problems, ensure_ascii=False),
            json.dumps(record.files, ensure_ascii=False),
            record.manifest,
            json.dumps(record.written, ensure_ascii=False),
        )
        self._execute_many("INSERT OR REPLACE INTO targets VALUES (?,?,?,?,?,?,?,?)", [row])

    @property
    def found_empty(self) -> bool:
        """No earlier build of this output left a file this build could read: the first
        build, in a fresh checkout or a new cache folder, or after one was discarded."""
        return self._opened_empty

    @property
    def discarded(self) -> bool:
        """The file was found unfit or failed: nothing of it is used in this build."""
        return self._discard

    @property
    def kept(self) -> bool:
        """This build's results were written and the file closed (see :meth:`finish`)."""
        return self._kept

    def finish(self, all_paths: Iterable[str], targets: Iterable[str]) -> None:
        """Forget notes that left the vault and targets that left the config; close."""
        self._kept = self._write is not None
        if self._write is not None:
            try:
                with _transaction(self._write):
                    # The paths each table holds, read from its index and compared here: half
                    # the time of handing SQLite every path of a large vault to compare.
                    present = set(all_paths)
                    for table in ("parsed", "rendered", "checks"):
                        gone = [
                            row
                            for row in self._write.execute(f"SELECT DISTINCT path FROM {table}")
                            if row[0] not in present
                        ]
                        self._write.executemany(f"DELETE FROM {table} WHERE path = ?", gone)
                    names = list(targets)
                    marks = ",".join("?" * len(names))
                    self._write.execute(f"DELETE FROM targets WHERE name NOT IN ({marks})", names)
                    self._write.execute(f"DELETE FROM rendered WHERE scope NOT IN ({marks})", names)
            except sqlite3.Error as exc:
                self._kept = False
                self._give_up(exc)
        self.close()

    def close(self) -> None:
        for connection in (self._read, self._write):
            if connection is not None:
                with suppress(sqlite3.Error):
                    connection.close()
        self._read = self._write = None

    def _execute_many(self, sql: str, rows: list[Any]) -> None:
        if self._write is None or not rows:
            return
        try:
            with _transaction(self._write):
                self._write.executemany(sql, rows)
        except sqlite3.Error as exc:
            self._give_up(exc)


class _transaction:
    """BEGIN ... COMMIT, or ROLLBACK when the block raises (a kill rolls back by itself)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is None:
            self.connection.execute("COMMIT")
        else:
            with suppress(sqlite3.Error):
                self.connection.execute("ROLLBACK")


def _unfit(connection: sqlite3.Connection, vault_root: Path, output: Path) -> str | None:
    """Why the open file may not be used for ``vault_root`` by this notepress, or None."""
    try:
        tables = {
            name: [column[1] for column in connection.execute(f"PRAGMA table_info({name})")]
            for name in _COLUMNS
        }
        if tables != _COLUMNS:
            return "its tables are not the ones this version of notepress writes"
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error as exc:
        return f"it is not a cache notepress can read ({exc})"
    if meta.get("schema") != str(SCHEMA):
        return f"it has layout {meta.get('schema')!r}, this version of notepress writes {SCHEMA}"
    if meta.get("notepress") != environment_key():
        return "it was written by another version of notepress or of its libraries"
    if meta.get("vault") != str(vault_root):
        return f"it was written for another vault ({meta.get('vault')!r})"
    if meta.get("output") != str(output.resolve()):
        return f"it was written for another output folder ({meta.get('output')!r})"
    return None


def stat_key(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns
