"""What a render read, so that a stored rendering can be proven still right, and the hook
through which a cache offers one.

Rendering is pure in the note, the render arguments and the answers the vault and the link
style gave while it ran.  So a render records each question it asked (which note a link
names, which id the style writes for a heading, whether line breaks are strict...) with its
answer, as plain data.  A stored rendering is reused only when asking every one of those
questions again, of the vault and style of this build, gives the same answers: a note that
links to an edited note is rendered again exactly when what it shows of that note changed,
and an embedded note's content is one of the answers.  Replaying also repeats any effect a
style's answers have (an exporter that notes the assets it is asked for).

Nothing here knows where renderings are kept: :mod:`notepress.cache` installs a
:class:`RenderMemo` for the span of one target with :func:`memo_installed`.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from ..model import Note
from ..plainjson import json_bytes
from .diagrams import mermaid_command

if TYPE_CHECKING:
    from ..vault import Vault
    from .render import LinkStyle, RenderedNote

__all__ = [
    "STYLE_READS",
    "Reads",
    "RenderMemo",
    "count_render",
    "current_memo",
    "face",
    "file_state",
    "kinds",
    "memo_installed",
    "mermaid_identity",
    "render_count",
    "rendered_paths",
    "replay",
    "stat_reads",
]

Answer = Any
"""JSON data: str, int, bool, None or lists of them."""


def face(note: Note | None) -> Answer:
    """What a link to ``note`` may show of it: who it is, whether it may be linked (a draft
    or a note in error is text), and what a style makes its URL of (slug, date)."""
    if note is None:
        return None
    created = note.created.isoformat() if note.created else None
    path = note.path.as_posix()
    return [path, note.note_id, note.title, note.draft, note.has_errors, note.slug, created]


def kinds(note: Note) -> Answer:
    """What an exporter reads of a note a rendering links to, beyond its :func:`face`: its
    cssclasses and tags, by which the JSON-LD ``mentions`` give it a type."""
    return [list(note.cssclasses), list(note.tags)]


class Reads:
    """The questions one render asked and their answers, in order, each once."""

    def __init__(self, fingerprint: Callable[[Note], str]) -> None:
        self.fingerprint = fingerprint
        self.entries: dict[bytes, tuple[str, list[Any], Answer]] = {}

    def add(self, kind: str, args: list[Any], answer: Answer) -> None:
        key = json_bytes([kind, args])
        self.entries.setdefault(key, (kind, args, answer))

    def as_data(self) -> list[list[Any]]:
        return [[kind, args, answer] for kind, args, answer in self.entries.values()]


#: Questions asked of the link style; the others are asked of the vault alone.
STYLE_READS = frozenset({"href", "eid", "ahref", "asset"})


def replay(
    reads: list[list[Any]],
    vault: Vault,
    style: LinkStyle | None,
    notes: Mapping[str, Note],
    fingerprint: Callable[[Note], str],
    *,
    style_only: bool = False,
    skip: frozenset[str] = frozenset(),
) -> list[str] | None:
    """Ask ``reads`` again of ``vault`` and ``style``; the paths of the notes whose content
    was read (embedded notes) when every answer is the same, else None.

    Without a ``style`` only the questions asked of the vault are asked again; with
    ``style_only`` only those asked of the style (the vault is known to be the same one);
    reads of a kind in ``skip`` are known to hold.
    """
    contents: list[str] = []
    try:
        for kind, args, answer in reads:
            if (
                (style is None and kind in STYLE_READS)
                or (style_only and kind not in STYLE_READS)
                or kind in skip
            ):
                continue
            if _ask(kind, args, vault, style, notes, fingerprint) != answer:
                return None
            if kind == "content":
                contents.append(args[0])
    except (KeyError, ValueError, TypeError, IndexError):
        return None  # a note asked about is gone, or the data is not what this version wrote
    return contents


def _ask(
    kind: str,
    args: list[Any],
    vault: Vault,
    style: LinkStyle | None,
    notes: Mapping[str, Note],
    fingerprint: Callable[[Note], str],
) -> Answer:
    def note(path: str | None) -> Note | None:
        return None if path is None else notes[path]

    if kind == "resolve":
        return face(vault.resolve(args[1], note(args[0])))
    if kind == "file":
        return _posix(vault.resolve_attachment(args[1], note(args[0])))
    if kind == "attachment":
        return _posix(vault.attachment(args[0]))
    if kind == "anchor":
        return vault.anchor_for(notes[args[0]], args[1])
    if kind == "by_id":
        found = vault.by_id(args[0])
        return found.path.as_posix() if found is not None else None
    if kind == "content":
        return fingerprint(notes[args[0]])
    if kind == "kinds":
        return kinds(notes[args[0]])
    if kind == "strict":
        return bool(vault.settings.strict_line_breaks)
    if kind == "macros":
        return vault.settings.math_macros.digest
    if kind == "stat":
        return file_state(vault.root / args[0])
    if kind == "mermaid":
        return mermaid_identity()
    if style is None:
        raise ValueError(kind)
    if kind == "href":
        return style.note_href(notes[args[0]], args[1])
    if kind == "eid":
        return style.element_id(notes[args[0]], args[1])
    if kind == "ahref":
        return style.anchor_href(notes[args[0]], args[1])
    if kind == "asset":
        return style.asset_href(PurePosixPath(args[0]))
    raise ValueError(kind)


def file_state(path: Path) -> Answer:
    """Size, modification and change times of a file the output copies, or None (the
    change time, as in :data:`notepress.refresh.Stamp`, catches a time put back)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def stat_reads(reads: Iterable[list[Any]], root: Path) -> list[list[Any]]:
    """A ``stat`` read for each vault file ``reads`` found: a rendering does not change
    when a file it links changes, but the copy an output makes of it does."""
    found = {answer for kind, _args, answer in reads if kind in ("file", "attachment") and answer}
    return [["stat", [path], file_state(root / path)] for path in sorted(found)]


def _posix(path: PurePosixPath | None) -> str | None:
    return path.as_posix() if path is not None else None


def mermaid_identity() -> str | None:
    """Which diagram renderer a note's mermaid blocks would be drawn with, if any."""
    command = mermaid_command()
    return None if command is None else " ".join(command)


class RenderMemo(Protocol):
    """Where :func:`~notepress.markdown.render.render_note` looks for a rendering first."""

    def lookup(
        self, note: Note, vault: Vault, style: LinkStyle, args: list[Any]
    ) -> RenderedNote | None: ...

    def reads(self) -> Reads: ...

    def store(
        self,
        note: Note,
        style: LinkStyle,
        args: list[Any],
        reads: Reads,
        rendered: RenderedNote,
        vault: Vault | None = None,
    ) -> None: ...


_MEMO: ContextVar[RenderMemo | None] = ContextVar("notepress_render_memo", default=None)
_RENDERS: Counter[str] = Counter()


def current_memo() -> RenderMemo | None:
    return _MEMO.get()


@contextmanager
def memo_installed(memo: RenderMemo | None) -> Iterator[None]:
    """Renders in this block look in ``memo`` first (None: no memo, every note rendered)."""
    token = _MEMO.set(memo)
    try:
        yield
    finally:
        _MEMO.reset(token)


def count_render(note: Note) -> None:
    _RENDERS[note.path.as_posix()] += 1


def render_count() -> int:
    """How many notes were actually rendered (not taken from a memo) in this process: what
    tests and benchmarks count to prove that a build did no more than it had to."""
    return _RENDERS.total()


def rendered_paths() -> Counter[str]:
    """How many times each note (by vault path) was actually rendered in this process."""
    return Counter(_RENDERS)
