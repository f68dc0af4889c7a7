"""One build's use of the cache: open at load, ask per target, keep what was built."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from ..config import Config, Target
from ..markdown.memo import replay, stat_reads
from ..model import Note, Problem, Severity
from ..output import MANIFEST, OutputFolder, file_sha256, folder_intact, folder_listing
from ..vault import Vault, face_digest
from .codec import Uncacheable
from .memo import Fingerprints, TargetMemo
from .shape import SHAPED_READS, vault_shape
from .snapshot import Snapshot, read_snapshot, snapshot_path, write_snapshot
from .store import BuildCache, TargetRecord
from .targets import target_key

__all__ = ["Cache"]


class Cache:
    """The cache as one build uses it: opened at load, written under the output lock."""

    def __init__(self, store: BuildCache) -> None:
        self.store = store
        self.fingerprints = Fingerprints()
        self._keys: dict[str, str] = {}
        self._shaped: tuple[Vault, str, tuple[bytes, ...]] | None = None
        self._snapshot: Callable[[], Snapshot | None] | None = None

    def snapshot(self, key: str) -> Snapshot | None:
        """The vault the last build of this output loaded for ``key``, if it can be used;
        its notes' fingerprints are this build's."""
        if self.store.discarded:
            return None
        path = snapshot_path(self.store.path)
        found = read_snapshot(path, key)
        if isinstance(found, str):
            message = f"the vault snapshot {path} was discarded: {found}; it is made anew"
            self.store.problems.append(
                Problem(Severity.WARNING, "cache-discarded", message, "output")
            )
            return None
        if found is not None:
            for note, value in zip(found.notes, found.fingerprints, strict=True):
                self.fingerprints.give(note, value)
        return found

    def keep_snapshot(self, make: Callable[[], Snapshot | None]) -> None:
        """Write the snapshot ``make`` gives when the build ends (under the output lock);
        made then, so that a load that builds nothing (``check``) does not pay for it."""
        self._snapshot = make

    @classmethod
    def open(cls, output: Path, vault_root: Path) -> Cache:
        return cls(BuildCache.open(output, vault_root))

    @property
    def found_empty(self) -> bool:
        """Nothing of an earlier build could be read (see :attr:`BuildCache.found_empty`)."""
        return self.store.found_empty

    @property
    def problems(self) -> list[Problem]:
        return self.store.problems

    def start(self, folder: OutputFolder) -> None:
        """The build holds ``folder``'s lock: the file may be written from now on."""
        self.store.writing(folder)

    def up_to_date(
        self,
        vault: Vault,
        config: Config,
        target: Target[Any],
        notes: Sequence[Note],
        matching: Sequence[Note],
        final: Path,
    ) -> TargetRecord | None:
        """The last build's record of ``target`` when nothing it was built from changed and
        its folder is as that build left it; else None (and the key is kept for
        :meth:`built`)."""
        key = target_key(vault, config, target, notes, matching, self.fingerprints)
        self._keys[target.name] = key
        record = self.store.target(target.name)
        if record is None or record.key != key:
            return None
        reads = record.reads
        if record.shape == self.shape(vault):
            # Every answer about links, headings and ids is a function of the shape.
            reads = [read for read in reads if read[0] not in SHAPED_READS]
        notes_by_path = {note.path.as_posix(): note for note in vault.notes}
        if replay(reads, vault, None, notes_by_path, self.fingerprints) is None:
            return None
        # Files listed with the sizes and times the build left are not read back: a target
        # of a file per note would otherwise read thousands of them after every edit.
        try:
            unread = folder_listing(final) == record.written
        except OSError:
            return None
        return record if folder_intact(final, record.manifest, contents=not unread) else None

    def know_shape(self, vault: Vault, shape: str, faces: Sequence[bytes]) -> None:
        """Take ``shape`` as :func:`vault_shape` of ``vault``, made of its notes' digests
        ``faces`` (a snapshot knew them)."""
        self._shaped = (vault, shape, tuple(faces))

    def shape(self, vault: Vault) -> str:
        """:func:`vault_shape` of ``vault``, computed once per vault."""
        return self.shaped(vault)[0]

    def shaped(self, vault: Vault) -> tuple[str, tuple[bytes, ...]]:
        """:func:`vault_shape` of ``vault`` and the digest of each of its notes it is made
        of (:func:`~notepress.vault.face_digest`), computed once per vault."""
        if self._shaped is None or self._shaped[0] is not vault:
            faces = tuple(map(face_digest, vault.notes))
            self._shaped = (vault, vault_shape(vault, faces), faces)
        return self._shaped[1], self._shaped[2]

    def memo(self, target: str) -> TargetMemo:
        return TargetMemo(self.store, target, self.fingerprints, self.shape)

    def built(
        self,
        vault: Vault,
        target: str,
        memo: TargetMemo,
        problems: list[Problem],
        files: list[str],
        final: Path,
    ) -> None:
        """Keep what ``target`` was built from, now that its folder is in place."""
        memo.flush()
        key = self._keys.get(target)
        try:
            manifest = file_sha256(final / MANIFEST)
            written = folder_listing(final)
        except OSError:
            key = None
        record = None
        if key is not None:
            reads = sorted(memo.vault_reads.values(), key=lambda read: str(read[:2]))
            reads += stat_reads(reads, vault.root)
            shape = self.shape(vault)
            record = TargetRecord(key, shape, reads, problems, files, manifest, written)
        self.store.store_target(target, record)

    def failed(self, target: str, memo: TargetMemo | None) -> None:
        """A failed target is built again next time; its renderings are still good."""
        if memo is not None:
            memo.flush()
        self.store.store_target(target, None)

    def finish(self, vault: Vault, targets: Iterable[str]) -> None:
        """Forget notes that left the vault and targets that left the config; close; keep
        the vault's snapshot."""
        self.store.finish((note.path.as_posix() for note in vault.notes), targets)
        make = self._snapshot
        self._snapshot = None
        snapshot = make() if make is not None and self.store.kept else None
        if snapshot is None:
            return
        path = snapshot_path(self.store.path)
        try:
            write_snapshot(path, snapshot)
        except (OSError, Uncacheable, UnicodeEncodeError, TypeError):
            # An old snapshot is still checked file by file before use; a note that plain
            # data cannot carry means full loads, as without a cache.
            with suppress(OSError):
                path.unlink()
