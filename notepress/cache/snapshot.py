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
"""

from __future__ import annotations

import gc
import mmap
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import orjson

from ..model import Note, Problem
from .codec import notes_from_columns, notes_to_columns, problems_from_data, problems_to_data
from .environment import environment_key

__all__ = ["SNAPSHOT_LAYOUT", "Snapshot", "read_snapshot", "snapshot_path", "write_snapshot"]

SNAPSHOT_LAYOUT = 2
"""The layout of the file; a file of another layout is replaced."""


@dataclass(frozen=True)
class Snapshot:
    """A loaded vault and what it was loaded from."""

    key: str
    """Everything besides the files that the load depended on (settings, config, code)."""
    files: dict[str, tuple[int, int] | None]
    """Each note file's (size, mtime in ns) when it was listed, in path order; None when
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
    """Per note, a digest of all that other notes' checks and URLs read of it."""
    fingerprints: tuple[str, ...] = ()
    """Per note, its fingerprint (:func:`~.codec.fingerprint`), known from its line."""


_LAST: dict[str, tuple[tuple[int, int, int], Snapshot]] = {}
"""The snapshot this process last wrote or read, by its file's identity (inode, size and
time): a process that builds again and again (``serve``, ``watch``) takes it from memory
while the file is the one it knows, instead of decoding every note again."""


def snapshot_path(cache_file: Path) -> Path:
    return cache_file.with_name(cache_file.name + "-vault")


def write_snapshot(path: Path, snapshot: Snapshot) -> None:
    """Write ``snapshot`` to ``path`` in one rename.

    Raises OSError, or :class:`~.codec.Uncacheable` (UnicodeEncodeError, or TypeError from
    the JSON writer) for a note that plain data cannot carry: such a vault is loaded whole
    every time, as without a cache.
    """
    notes, fingerprints = notes_to_columns(snapshot.notes)
    bodies = [body.encode("utf-8", "surrogatepass") for body in notes.pop("body")]
    notes["body"] = [len(body) for body in bodies]
    vault = {
        "key": snapshot.key,
        "files": [[rel, *(stat or ())] for rel, stat in snapshot.files.items()],
        "attachments": [[key, rel.as_posix()] for key, rel in snapshot.attachments.items()],
        "problems": problems_to_data(snapshot.problems),
        "settings": snapshot.settings,
        "shape": snapshot.shape,
        "checked_shape": snapshot.checked_shape,
        "faces": [face.hex() for face in snapshot.faces],
        "fingerprints": fingerprints,
        "notes": notes,
    }
    text = orjson.dumps(vault)
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
    _remember(path, replace(snapshot, fingerprints=tuple(fingerprints)))


def read_snapshot(path: Path, key: str) -> Snapshot | str | None:
    """The snapshot at ``path`` when it was written by this code for ``key``; None when
    there is none or it is another version's or for other settings; else why it is not
    usable."""
    known = _LAST.get(str(path))
    if known is not None and known[0] == _identity(path) and known[1].key == key:
        return known[1]
    try:
        with _mapped(path) as data:
            header = _header()
            if data[: len(header)] != header:
                return None
            end = data.find(b"\n", len(header))
            if end < 0:
                raise ValueError("no end to the JSON line")
            with _collected_once():
                found = _snapshot(data, len(header), end, key)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        return f"it does not read back ({type(exc).__name__})"
    if found is not None:
        _remember(path, found)
    return found


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


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def _remember(path: Path, snapshot: Snapshot) -> None:
    """Keep ``snapshot`` as the one of ``path`` as the file is now (one at a time)."""
    _LAST.clear()
    identity = _identity(path)
    if identity is not None:
        _LAST[str(path)] = (identity, snapshot)


def _snapshot(data: bytes | mmap.mmap, start: int, end: int, key: str) -> Snapshot | None:
    """The snapshot in ``data``: its JSON between ``start`` and ``end``, the bodies after.

    A function of its own, so that the parsed JSON is gone before the collector runs again.
    """
    with memoryview(data) as view:
        vault = orjson.loads(view[start:end])
        if vault["key"] != key:
            return None
        # Each body is decoded from the file's bytes on its own: one string of them all
        # would take four bytes per character of every note as soon as one note holds an
        # emoji.
        lengths = vault["notes"]["body"]
        if sum(lengths) != len(data) - end - 1 or (lengths and min(lengths) < 0):
            raise ValueError("bodies of another length")
        bodies, offset = [], end + 1
        for length in lengths:
            bodies.append(str(view[offset : offset + length], "utf-8", "surrogatepass"))
            offset += length
    vault["notes"]["body"] = bodies
    files = {
        str(rel): (int(stat[0]), int(stat[1])) if stat else None for rel, *stat in vault["files"]
    }
    if vault["notes"]["path"] != list(files):
        raise ValueError("notes out of order")
    notes = notes_from_columns(vault["notes"])
    faces = tuple(bytes.fromhex(face) for face in vault["faces"])
    fingerprints = tuple(str(value) for value in vault["fingerprints"])
    if not len(files) == len(notes) == len(faces) == len(fingerprints):
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
        fingerprints=fingerprints,
    )


def _header() -> bytes:
    return f"notepress vault snapshot {SNAPSHOT_LAYOUT} {environment_key()}\n".encode()


@contextmanager
def _collected_once() -> Iterator[None]:
    """Keep Python's collector from walking the notes while they are made, and after.

    While 10,000 notes are made at once, the collector would walk the growing heap again
    and again, doubling the time; once they are made, it would still walk each of them
    three times over as they age through its generations (0.1 s of a 1.2 s build after one
    edit).  They live as long as the build and none of them can form a cycle of garbage,
    so they are moved out of its sight (``gc.freeze``); reference counting still frees
    each one when the build lets it go.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()
