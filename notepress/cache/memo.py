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

import orjson

from ..markdown.memo import STYLE_READS, Reads, replay
from ..model import Note
from ..plainjson import json_bytes
from .codec import Uncacheable, canonical, fingerprint, rendered_from_data, rendered_to_data
from .shape import SHAPED_READS

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..markdown.render import LinkStyle, RenderedNote
    from ..vault import Vault
    from .store import BuildCache

__all__ = ["Fingerprints", "TargetMemo"]


def _loads(text: str) -> Any:
    """JSON a rendering was kept as: orjson, three times as fast, unless it holds what
    orjson refuses and the standard library reads (an integer past 64 bits)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


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
    """The renderings kept for one target (``scope``).

    Each is kept with the vault shape (:mod:`.shape`) its reads were last found true in:
    in a vault of that shape, the answers the shape determines (which note a link names,
    which heading an anchor is) are the same, and only the others are asked again, so that
    a rebuild after an edit no other note sees does not resolve every link of the vault.
    """

    def __init__(
        self,
        cache: BuildCache,
        scope: str,
        fingerprints: Fingerprints,
        shape_of: Callable[[Vault], str] | None = None,
    ) -> None:
        self.cache = cache
        self.scope = scope
        self.fingerprint = fingerprints
        self.vault_reads: dict[bytes, list[Any]] = {}
        """Every question asked of the vault by this target's renderings."""
        self.hits = 0
        self.misses = 0
        self._rows: list[tuple[str, str, str, str, str, str, str]] = []
        self._reshaped: list[tuple[str, str, str, str]] = []
        self._paths: dict[int, tuple[Vault, dict[str, Note]]] = {}
        self._shape_of = shape_of
        self._arg_keys: dict[tuple[Any, ...], str] = {}
        self._shape: tuple[Vault, str] | None = None

    def shape(self, vault: Vault) -> str:
        """The shape of ``vault``; empty (equal to no kept shape) without a way to know it."""
        if self._shape_of is None:
            return ""
        if self._shape is None or self._shape[0] is not vault:
            self._shape = (vault, self._shape_of(vault))
        return self._shape[1]

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
        path, key = note.path.as_posix(), self._args_key(args)
        stored = self.cache.rendered(self.scope, path, key)
        if stored is None or stored[0] != self.fingerprint(note):
            self.misses += 1
            return None
        notes = self.notes_of(vault)
        shape = self.shape(vault)
        same_shape = bool(shape) and stored[3] == shape
        try:
            reads = _loads(stored[1])
            skip = SHAPED_READS if same_shape else frozenset()
            if replay(reads, vault, style, notes, self.fingerprint, skip=skip) is None:
                self.misses += 1
                return None
            rendered = rendered_from_data(_loads(stored[2]), note, notes)
        except (ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        if shape and not same_shape:
            self._reshaped.append((shape, self.scope, path, key))
        self._gather(reads)
        self.hits += 1
        return rendered

    def _args_key(self, args: list[Any]) -> str:
        """:func:`canonical` of the render arguments, the same for most of a target's notes."""
        known = tuple(args)
        key = self._arg_keys.get(known)
        if key is None:
            key = self._arg_keys[known] = canonical(args)
        return key

    def store(
        self,
        note: Note,
        style: LinkStyle,
        args: list[Any],
        reads: Reads,
        rendered: RenderedNote,
        vault: Vault | None = None,
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
                self._args_key(args),
                note_fp,
                json_bytes(data).decode(),
                json_bytes(rendered_to_data(rendered)).decode(),
                self.shape(vault) if vault is not None else "",
            )
        )

    def _gather(self, reads: list[list[Any]]) -> None:
        for kind, args, answer in reads:
            if kind not in STYLE_READS:
                # Only tells equal questions apart within this build: orjson's bytes will do.
                self.vault_reads.setdefault(json_bytes([kind, args]), [kind, args, answer])

    def flush(self) -> None:
        """Write the renderings made for this target (the build holds the lock)."""
        self.cache.store_rendered(self._rows)
        self.cache.reshape_rendered(self._reshaped)
        self._rows = []
        self._reshaped = []
