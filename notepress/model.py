"""The shared note model: what every exporter reads, and nothing about any output format."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Any, NamedTuple

from .chars import printable

__all__ = ["DRAWING_KEY", "Link", "Note", "Problem", "Severity"]


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a note or the vault, reported with where it was found.

    ``code`` is a short stable identifier (``frontmatter-yaml``, ``draft-missing``...) so that
    scripts can filter problems without parsing messages.
    """

    severity: Severity
    code: str
    message: str
    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.format(self.path)

    def format(self, path: str) -> str:
        """``path:line: severity[code]: message``, with ``path`` as the reader should see it.

        Always one line: a control character in a file name or a quoted value is escaped,
        so that no name can forge a message of its own.
        """
        where = f"{path}:{self.line}" if self.line else path
        return printable(f"{where}: {self.severity.value}[{self.code}]: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
        }


class Link(NamedTuple):
    """A wikilink or embed as written in a note, kept symbolic.

    Links are resolved against the vault and lowered to an output form (URL, anchor or plain
    text) only by the exporter that writes them, because each output wants its own form.

    A named tuple rather than a dataclass: a vault of 10,000 notes holds some 60,000 links,
    and each build reading its kept vault back makes every one of them again, which a tuple
    does in C (``Link._make``) at a tenth of a frozen dataclass's cost.
    """

    target: str
    """The note or attachment name as written; empty for a same-note link ``[[#Heading]]``."""
    heading: str | None = None
    alias: str | None = None
    embed: bool = False
    line: int | None = None

    @property
    def names_nothing(self) -> bool:
        """``[[ ]]``: neither a note nor a heading, which Obsidian leaves as text."""
        return not self.target and not self.heading

    @property
    def text(self) -> str:
        """What a reader sees when the link is written as text: the alias, else what was written."""
        if self.alias:
            return self.alias
        if self.target and self.heading:
            # Nested headings ``A#B`` read as Obsidian shows them: ``Note > A > B``.
            return f"{self.target} > {self.heading.replace('#', ' > ')}"
        return self.target or self.heading or ""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The frontmatter key of a drawing the Excalidraw plugin saved as markdown.
DRAWING_KEY = "excalidraw-plugin"


def _frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class Note:
    """One markdown file of the vault, parsed once and shared by every target.

    The body stays markdown: rendering happens per target, and only for the notes a target
    selects, so that a large vault costs little to load.
    """

    path: PurePosixPath
    """Path relative to the vault root, with forward slashes."""
    title: str
    note_id: str
    draft: bool
    created: datetime | None
    updated: datetime | None
    tags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    description: str = ""
    cssclasses: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=_frozen)
    """Frontmatter keys notepress does not know, kept for templates and plugins."""
    body: str = ""
    body_line: int = 1
    """Line of the file where the body starts, so that body problems point at the file's line."""
    links: tuple[Link, ...] = ()
    field_lines: Mapping[str, int] = field(default_factory=_frozen)
    """File line of each frontmatter key, for problems found after parsing."""
    headings: tuple[tuple[int, str, str], ...] = ()
    """(level, text as written, element slug) of every heading in order, so that a link to a
    heading is checked at load and written with the id the renderer gives that heading."""
    block_ids: frozenset[str] = frozenset()
    """Block ids (``^id``) the body declares, without the caret: targets of ``[[Note#^id]]``."""
    problems: tuple[Problem, ...] = ()
    created_from: str = ""
    """Where ``created`` came from: the frontmatter key, ``filename``, ``note_id`` or ``git``;
    empty when nothing dated the note.  A key whose value could not be read still names it."""
    updated_from: str = ""
    """Where ``updated`` came from: the frontmatter key or ``git``; empty when it is
    ``created`` again (a note never edited since)."""
    slug: str = ""
    """The slug of the note's URL, set once the site's config is known (slug style, and a
    note_id suffix that tells two notes apart); empty: made from the title."""
    outlined: bool = True
    """False while only the frontmatter was read: ``links``, ``headings`` and ``block_ids``
    are then empty and ``tags`` holds the frontmatter's alone, until
    :func:`~notepress.parse.outline_note` reads the body.  A build without a cache reads the
    bodies of the notes its targets publish and link to, not of every note."""

    @property
    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)

    @property
    def published(self) -> bool:
        """True when the note may appear in a public output: not a draft and free of errors."""
        return not self.draft and not self.has_errors

    @property
    def drawing(self) -> bool:
        """An Excalidraw drawing saved as a markdown file under any name (its frontmatter has
        ``excalidraw-plugin``): its text is the drawing's data and a banner asking to open it
        in the plugin, so it is a draft (see :mod:`notepress.parse`) that not even a private
        reading copy shows."""
        return DRAWING_KEY in self.extra

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def sort_key(self) -> tuple[datetime, str, str]:
        """Chronological order, stable for notes created at the same instant.  Undated
        notes come first, in path order (a derived note_id is a hash: no order for people)."""
        path = self.path.as_posix()
        return (self.created or _EPOCH, self.note_id if self.created else path, path)

    def date(self, order: str = "created") -> datetime | None:
        """The note's date by ``order``: ``created``, or ``updated`` falling back to
        ``created`` for a note never edited since.

        The one place that chooses between the two, so that a feed's sort, a selection's
        limit and JSON-LD's ``dateModified`` agree on which date a note has.
        """
        if order == "updated":
            return self.updated or self.created
        if order == "created":
            return self.created
        raise ValueError(f"unknown date order {order!r} (use 'created' or 'updated')")

    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)
