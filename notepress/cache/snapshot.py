"""The loaded vault of the last build, kept whole so that the next load reads only what
changed (see :mod:`notepress.refresh`).

One file beside the build cache, written under the output lock at the end of a build and
replaced in one rename.  Like the cache it is plain data, never a pickle, so a file someone
else wrote cannot run code: a line of text naming the layout and the code that wrote it,
then one line of JSON, the notes in columns (:func:`~.codec.notes_to_columns`, read back
about twice as fast as a document per note) but for their bodies, which follow as plain
UTF-8, one after the other: most of the bytes, and decoded as a block each rather than
character by character as JSON strings are.  A file of another layout or code is replaced
without a word (the cache beside it says why); one that does not read back is discarded
with a warning.

Writing the whole vault again takes about a second at 10,000 notes, so a build that read a
few notes again (up to 1 %, see :func:`notepress.refresh.must_renew`) writes only those
notes, with their files' times, faces and fingerprints, to a small file of changes beside it
(``...-vault.changes``), which the next read lays over the large one.  The next build then
reads again only what changed since, rather than every note edited since the large file was
written, each time.  A file of changes names the large file it was written against by a
digest of its content, and applies to no other.
"""

from __future__ import annotations

import gc
import hashlib
import mmap
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from ..model import Note, Problem
from .codec import notes_from_columns, notes_to_columns, problems_from_data, problems_to_data
from .environment import environment_key

__all__ = [
    "SNAPSHOT_LAYOUT",
    "Snapshot",
    "changes_path",
    "read_snapshot",
    "snapshot_path",
    "write_snapshot",
]

SNAPSHOT_LAYOUT = 5
"""The layout of the file; a file of another layout is replaced."""


@dataclass(frozen=True)
class Snapshot:
    """A loaded vault and what it was loaded from."""

    key: str
    """Everything besides the files that the load depended on (settings, config, code)."""
    files: dict[str, tuple[int, int, int] | None]
    """Each note file's (size, mtime, ctime in ns) when it was listed, in path order; None when
    the file changed too close to that moment for its time to tell a later change apart."""
    attachments: dict[str, PurePosixPath]
    problems: tuple[Problem, ...]
    settings: str
    """The effective Obsidian settings, as their repr."""
    shape: str
    """The shape of the unchecked vault (:func:`notepress.vault.vault_shape`)."""
    checked_shape: str
    """The shape of the vault as loaded, which the target cache compares."""
    notes: tuple[Note, ...]
    """The loaded notes: checked and with their URLs (before ``--strict``)."""
    faces: tuple[bytes, ...]
    """Per note, a digest of all that other notes' checks and URLs read of it
    (:func:`~notepress.vault.face_digest` of the note before its checks)."""
    checked_faces: tuple[bytes, ...] = ()
    """Per note, the same digest of the note as loaded: ``checked_shape`` is made of them."""
    fingerprints: tuple[str, ...] = ()
    """Per note, its fingerprint (:func:`~.codec.fingerprint`), known from its line."""
    changed: frozenset[int] = frozenset()
    """The indexes of the notes that differ from the large file's: written as a file of
    changes when there are any, else the whole snapshot is written."""
    generation: str = ""
    """A digest of what the large file holds, which a file of changes names."""


_LAST: dict[str, tuple[tuple[_Identity, _Identity], Snapshot]] = {}
"""The snapshot this process last wrote or read, by its files' identity (inode, size and
time of the large file and of its changes): a process that builds again and again
(``serve``, ``watch``) takes it from memory while the files are the ones it knows, instead
of decoding every note again."""


def snapshot_path(cache_file: Path) -> Path:
    return cache_file.with_name(cache_file.name + "-vault")


def changes_path(path: Path) -> Path:
    """The file of changes beside the snapshot at ``path``."""
    return path.with_name(path.name + ".changes")


def write_snapshot(path: Path, snapshot: Snapshot) -> None:
    """Write ``snapshot`` to ``path`` in one rename: only its changed notes, to the file of
    changes, when it names some (and the large file it changes); else whole.

    Raises OSError, or :class:`~.codec.Uncacheable` (UnicodeEncodeError, or TypeError from
    the JSON writer) for a note that plain data cannot carry: such a vault is loaded whole
    every time, as without a cache.
    """
    if snapshot.changed and snapshot.generation:
        _write_changes(path, snapshot)
        return
    notes, fingerprints = notes_to_columns(snapshot.notes)
    files = [[rel, *(stat or ())] for rel, stat in snapshot.files.items()]
    generation = _generation(snapshot.key, fingerprints, files)
    vault = {
        "key": snapshot.key,
        "generation": generation,
        "files": files,
        "attachments": [[key, rel.as_posix()] for key, rel in snapshot.attachments.items()],
        "problems": problems_to_data(snapshot.problems),
        "settings": snapshot.settings,
        "shape": snapshot.shape,
        "checked_shape": snapshot.checked_shape,
        "faces": [face.hex() for face in snapshot.faces],
        "checked_faces": [face.hex() for face in snapshot.checked_faces],
        "fingerprints": fingerprints,
        "notes": notes,
    }
    _write(path, vault)
    with suppress(FileNotFoundError):
        changes_path(path).unlink()  # changes to the file just replaced
    written = replace(
        snapshot, fingerprints=tuple(fingerprints), changed=frozenset(), generation=generation
    )
    _remember(path, written)


def _write_changes(path: Path, snapshot: Snapshot) -> None:
    indexes = sorted(snapshot.changed)
    notes, prints = notes_to_columns(snapshot.notes[index] for index in indexes)
    rels = list(snapshot.files)
    changes = {
        "key": snapshot.key,
        "generation": snapshot.generation,
        "indexes": indexes,
        "files": [[rels[i], *(snapshot.files[rels[i]] or ())] for i in indexes],
        "shape": snapshot.shape,
        "checked_shape": snapshot.checked_shape,
        "faces": [snapshot.faces[index].hex() for index in indexes],
        "checked_faces": [snapshot.checked_faces[index].hex() for index in indexes],
        "fingerprints": prints,
        "notes": notes,
    }
    _write(changes_path(path), changes)
    fingerprints = list(snapshot.fingerprints)
    for index, value in zip(indexes, prints, strict=True):
        fingerprints[index] = value
    _remember(path, replace(snapshot, fingerprints=tuple(fingerprints)))


def _write(path: Path, data: dict[str, Any]) -> None:
    """The header, ``data`` as one line of JSON but for its notes' bodies, and the bodies
    after it, in one rename."""
    notes = data["notes"]
    bodies = [body.encode("utf-8", "surrogatepass") for body in notes.pop("body")]
    notes["body"] = [len(body) for body in bodies]
    text = orjson.dumps(data)
    partial = path.with_name(path.name + f".{os.getpid()}.partial")
    try:
        fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(_header())
            file.write(text + b"\n")
            file.writelines(bodies)
        os.replace(partial, path)
    finally:
        with suppress(FileNotFoundError):
            partial.unlink()


def _generation(key: str, fingerprints: list[str], files: list[list[Any]]) -> str:
    """What a large file holds, in one digest: its notes and their files' times."""
    text = orjson.dumps([key, fingerprints, files])
    return hashlib.sha256(text).hexdigest()


def read_snapshot(path: Path, key: str) -> Snapshot | str | None:
    """The snapshot at ``path`` when it was written by this code for ``key``; None when
    there is none or it is another version's or for other settings; else why it is not
    usable."""
    known = _LAST.get(str(path))
    if known is not None and known[0] == _identities(path) and known[1].key == key:
        return known[1]
    try:
        with _mapped(path) as data:
            line = _json_line(data)
            if line is None:
                return None
            with _kept_from_collector():
                found = _snapshot(data, *line, key)
        if found is not None:
            changes = changes_path(path)
            try:
                found = _with_changes(changes, found)
            except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
                return f"its changes in {changes} do not read back ({type(exc).__name__})"
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        return f"it does not read back ({type(exc).__name__})"
    if found is not None:
        _remember(path, found)
    return found


def _with_changes(path: Path, snapshot: Snapshot) -> Snapshot:
    """``snapshot`` with the changes in the file at ``path`` laid over it, when they were
    written against it (raises ValueError, KeyError or TypeError for a file they do not
    read back from)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return snapshot
    line = _json_line(data)
    if line is None:
        return snapshot  # another version's, replaced by the next write
    start, end = line
    changes = orjson.loads(data[start:end])
    if changes["key"] != snapshot.key or changes["generation"] != snapshot.generation:
        return snapshot  # changes to a large file since replaced
    indexes = [int(index) for index in changes["indexes"]]
    if indexes != sorted(set(indexes)) or (
        indexes and (indexes[0] < 0 or indexes[-1] >= len(snapshot.notes))
    ):
        raise ValueError("indexes out of order or range")
    notes_data = changes["notes"]
    notes_data["body"] = _bodies(memoryview(data), notes_data["body"], end)
    changed = notes_from_columns(notes_data)
    faces = [bytes.fromhex(face) for face in changes["faces"]]
    checked_faces = [bytes.fromhex(face) for face in changes["checked_faces"]]
    prints = [str(value) for value in changes["fingerprints"]]
    columns = (changed, faces, checked_faces, prints, changes["files"])
    if any(len(column) != len(indexes) for column in columns):
        raise ValueError("not one note, file, face and fingerprint per index")
    files = dict(snapshot.files)
    rels = list(files)
    notes, all_faces = list(snapshot.notes), list(snapshot.faces)
    all_checked, fingerprints = list(snapshot.checked_faces), list(snapshot.fingerprints)
    for index, note, (rel, *stat), face, checked, value in zip(
        indexes, changed, changes["files"], faces, checked_faces, prints, strict=True
    ):
        if rels[index] != rel or note.path.as_posix() != rel:
            raise ValueError("a change to another file")
        files[rel] = _stamp(stat)
        notes[index], all_faces[index], all_checked[index] = note, face, checked
        fingerprints[index] = value
    return replace(
        snapshot,
        files=files,
        notes=tuple(notes),
        faces=tuple(all_faces),
        checked_faces=tuple(all_checked),
        fingerprints=tuple(fingerprints),
        shape=str(changes["shape"]),
        checked_shape=str(changes["checked_shape"]),
        changed=frozenset(indexes),
    )


def _bodies(view: memoryview, lengths: list[int], end: int) -> list[str]:
    """The bodies that follow the JSON line ending at ``end``, one by one: one string of
    them all would take four bytes per character of every note as soon as one note holds
    an emoji."""
    if sum(lengths) != len(view) - end - 1 or (lengths and min(lengths) < 0):
        raise ValueError("bodies of another length")
    bodies, offset = [], end + 1
    for length in lengths:
        bodies.append(str(view[offset : offset + length], "utf-8", "surrogatepass"))
        offset += length
    return bodies


@contextmanager
def _mapped(path: Path) -> Iterator[bytes | mmap.mmap]:
    """The file's bytes, mapped rather than copied: the bodies, most of the file, are then
    decoded straight from the page cache instead of from a second copy of 40 MB.

    The file is only ever replaced by a rename, never written in place, so the mapping
    stays whole while it is read.  An empty file cannot be mapped; it reads as no bytes.
    """
    with open(path, "rb") as file:
        if os.fstat(file.fileno()).st_size == 0:
            yield b""
            return
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield data


_Identity = tuple[int, int, int] | None


def _identities(path: Path) -> tuple[_Identity, _Identity]:
    """The identity of the snapshot's large file and of its file of changes."""
    return _identity(path), _identity(changes_path(path))


def _identity(path: Path) -> _Identity:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def _remember(path: Path, snapshot: Snapshot) -> None:
    """Keep ``snapshot`` as the one of ``path`` as the file is now (one at a time)."""
    _LAST.clear()
    identities = _identities(path)
    if identities[0] is not None:
        _LAST[str(path)] = (identities, snapshot)


def _stamp(stat: list[Any]) -> tuple[int, int, int] | None:
    """A file's stamp as written (see :data:`notepress.refresh.Stamp`); an empty list, none."""
    if not stat:
        return None
    size, mtime, ctime = stat
    return int(size), int(mtime), int(ctime)


def _snapshot(data: bytes | mmap.mmap, start: int, end: int, key: str) -> Snapshot | None:
    """The snapshot in ``data``: its JSON between ``start`` and ``end``, the bodies after.

    A function of its own, so that the parsed JSON is gone before the collector runs again.
    """
    with memoryview(data) as view:
        vault = orjson.loads(view[start:end])
        if vault["key"] != key:
            return None
        vault["notes"]["body"] = _bodies(view, vault["notes"]["body"], end)
    files = {str(rel): _stamp(stat) for rel, *stat in vault["files"]}
    if vault["notes"]["path"] != list(files):
        raise ValueError("notes out of order")
    notes = notes_from_columns(vault["notes"])
    faces = tuple(bytes.fromhex(face) for face in vault["faces"])
    checked_faces = tuple(bytes.fromhex(face) for face in vault["checked_faces"])
    fingerprints = tuple(str(value) for value in vault["fingerprints"])
    if not len(files) == len(notes) == len(faces) == len(checked_faces) == len(fingerprints):
        raise ValueError("not one file, face and fingerprint per note")
    return Snapshot(
        key=vault["key"],
        files=files,
        attachments={str(k): PurePosixPath(rel) for k, rel in vault["attachments"]},
        problems=tuple(problems_from_data(vault["problems"])),
        settings=str(vault["settings"]),
        shape=str(vault["shape"]),
        checked_shape=str(vault["checked_shape"]),
        notes=notes,
        faces=faces,
        checked_faces=checked_faces,
        fingerprints=fingerprints,
        generation=str(vault["generation"]),
    )


def _json_line(data: bytes | mmap.mmap) -> tuple[int, int] | None:
    """Where the JSON line after this code's header starts and ends in ``data``; None for a
    file of another layout or code (raises ValueError for a line that never ends)."""
    header = _header()
    if data[: len(header)] != header:
        return None
    end = data.find(b"\n", len(header))
    if end < 0:
        raise ValueError("no end to the JSON line")
    return len(header), end


def _header() -> bytes:
    return f"notepress vault snapshot {SNAPSHOT_LAYOUT} {environment_key()}\n".encode()


@contextmanager
def _kept_from_collector() -> Iterator[None]:
    """Keep Python's collector from walking the notes while they are made, and after.

    While 10,000 notes are made at once, the collector would walk the growing heap again
    and again, doubling the time; once they are made, it would still walk each of them
    three times over as they age through its generations (0.1 s of a 1.2 s build after one
    edit).  They live as long as the build and none of them can form a cycle of garbage,
    so they are moved out of its sight (``gc.freeze``); reference counting still frees
    each one when the build lets it go.  A process that has frozen objects before (one
    that builds again and again, such as ``serve``, when another process replaced the
    snapshot) first collects what is garbage already, so that nothing unreachable is
    frozen with the notes; a process's first decode, a command's only one, skips that walk.
    """
    enabled = gc.isenabled()
    if enabled and gc.get_freeze_count():
        gc.collect()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()
