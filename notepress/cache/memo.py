"""Renderings kept for one target: the memo :func:`render_note` asks before rendering.

A rendering is stored under (target, note path, render arguments) with the note's
fingerprint and what the render read (:mod:`notepress.markdown.memo`); it is reused when the
note is the same and every read gives the same answer in this build.  The memo also gathers
the vault questions behind all of the target's renderings, hits included, which is what
tells on the next build whether the target may stay as it is.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..markdown.memo import STYLE_READS, Reads, json_bytes, replay
from ..model import Note
from .codec import Uncacheable, canonical, fingerprint, rendered_from_data, rendered_to_data

if TYPE_CHECKING:
    from ..markdown.render import LinkStyle, RenderedNote
    from ..vault import Vault
    from .store import BuildCache

__all__ = ["Fingerprints", "TargetMemo"]

#: Problems that may not happen again (a diagram renderer that timed out on a busy
#: machine): a rendering that has one is not kept.
_TRANSIENT = frozenset({"diagram-failed"})


class Fingerprints:
    """Each note's fingerprint, computed once per build (a note object never changes)."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Note, str]] = {}

    def __call__(self, note: Note) -> str:
        known = self._known.get(id(note))
        if known is None or known[0] is not note:
            try:
                value = fingerprint(note)
            except Uncacheable:
                value = "uncacheable:" + str(id(note))  # equal to nothing stored
            known = self._known[id(note)] = (note, value)
        return known[1]

    def give(self, note: Note, value: str) -> None:
        """Take ``value`` as the fingerprint of ``note`` (from the last build's snapshot,
        which held this very note)."""
        self._known[id(note)] = (note, value)


class TargetMemo:
    def __init__(self, cache: BuildCache, scope: str, fingerprints: Fingerprints) -> None:
        self.cache = cache
        self.scope = scope
        self.fingerprint = fingerprints
        self.vault_reads: dict[str, list[Any]] = {}
        """Every question asked of the vault by this target's renderings."""
        self.hits = 0
        self.misses = 0
        self._rows: list[tuple[str, str, str, str, str, str]] = []
        self._paths: dict[int, tuple[Vault, dict[str, Note]]] = {}

    def notes_of(self, vault: Vault) -> dict[str, Note]:
        known = self._paths.get(id(vault))
        if known is None or known[0] is not vault:
            known = self._paths[id(vault)] = (vault, {n.path.as_posix(): n for n in vault.notes})
        return known[1]

    def reads(self) -> Reads:
        return Reads(self.fingerprint)

    def lookup(
        self, note: Note, vault: Vault, style: LinkStyle, args: list[Any]
    ) -> RenderedNote | None:
        stored = self.cache.rendered(self.scope, note.path.as_posix(), canonical(args))
        if stored is None or stored[0] != self.fingerprint(note):
            self.misses += 1
            return None
        notes = self.notes_of(vault)
        try:
            reads = json.loads(stored[1])
            if replay(reads, vault, style, notes, self.fingerprint) is None:
                self.misses += 1
                return None
            rendered = rendered_from_data(json.loads(stored[2]), note, notes)
        except (ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self._gather(reads)
        self.hits += 1
        return rendered

    def store(
        self, note: Note, style: LinkStyle, args: list[Any], reads: Reads, rendered: RenderedNote
    ) -> None:
        data = reads.as_data()
        self._gather(data)
        note_fp = self.fingerprint(note)
        if note_fp.startswith("uncacheable:") or any(
            problem.code in _TRANSIENT for problem in rendered.problems
        ):
            return
        self._rows.append(
            (
                self.scope,
                note.path.as_posix(),
                canonical(args),
                note_fp,
                json_bytes(data).decode(),
                json_bytes(rendered_to_data(rendered)).decode(),
            )
        )

    def _gather(self, reads: list[list[Any]]) -> None:
        for kind, args, answer in reads:
            if kind not in STYLE_READS:
                self.vault_reads.setdefault(canonical([kind, args]), [kind, args, answer])

    def flush(self) -> None:
        """Write the renderings made for this target (the build holds the lock)."""
        self.cache.store_rendered(self._rows)
        self._rows = []
