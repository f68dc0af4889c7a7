"""Wikilink syntax shared by the markdown plugin and the raw-HTML renderer.

Both read ``[[target#heading|alias]]`` through :func:`parse_wikilink`, and the vault loader
records the links those tokens carry, so the model and the rendered output can never disagree
about what a link points at.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from .model import Link, Note

__all__ = [
    "WIKILINK_RE",
    "anchor_missing",
    "embed_part_message",
    "find_heading",
    "heading_key",
    "link_path",
    "markdown_linkers",
    "note_address",
    "parse_wikilink",
    "with_title_heading",
]

#: ``[[...]]`` or ``![[...]]`` on one line, ending at the first ``]]`` as Obsidian's do:
#: single brackets may stand inside (a heading ``Adjoining $R[t]$``), ``[[`` may not.
WIKILINK_RE = re.compile(r"(!?)\[\[((?:[^\[\]\n]|\[(?!\[)|\](?!\]))+?)\]\]")


def parse_wikilink(inner: str, *, embed: bool = False, line: int | None = None) -> Link:
    """Split the inside of ``[[...]]`` into target, heading and alias.

    ``|`` separates the alias (for embeds, a size such as ``300``), the first ``#`` the
    heading. Obsidian escapes ``|`` as ``\\|`` inside tables; that is accepted too.
    """
    inner = inner.replace("\\|", "|")
    target, _, alias = inner.partition("|")
    target, _, heading = target.partition("#")
    return Link(
        target=target.strip(),
        heading=heading.strip() or None,
        alias=alias.strip() or None,
        embed=embed,
        line=line,
    )


#: Characters Obsidian ignores when it matches a link to a heading (its ``stripHeading``):
#: ASCII punctuation but ``-``, ``_`` and ``'``.  Each is read as a space, so a link written
#: without them, as Obsidian's own link writer long did (``Rule 2.3 (Corners)`` linked as
#: ``Rule 2 3 Corners``, ``Step 1: setup`` as ``Step 1 setup``), finds its heading.
_HEADING_NOISE = re.compile(r"[!\"#$%&()*+,.:;<=>?@^`{|}~/\[\]\\]+")


def heading_key(text: str) -> str:
    """How a heading and a link to it are compared: Obsidian's way, case and the characters
    a link cannot hold ignored, spaces collapsed, Unicode-normalised."""
    cleaned = _HEADING_NOISE.sub(" ", unicodedata.normalize("NFC", text))
    return " ".join(cleaned.casefold().split())


#: A body's first line that holds anything: an ATX H1 there, and its text.
_OPENING_H1 = re.compile(r"\A\s*#[ \t]+(.*?)[ \t#]*$", re.MULTILINE)


def with_title_heading(
    headings: Sequence[tuple[int, str]], body: str, title: str
) -> tuple[list[tuple[int, str]], int]:
    """``headings`` (a note's, without the H1 repeating its title that outputs drop) with
    that H1 put back as a level-1 heading, and its index: first when the body opens with
    it, so that a link finds it before a later H1 of the same text, as Obsidian's does;
    else last (a trailing one, or none: a link naming the title still leads to the note)."""
    opening = _OPENING_H1.match(body)
    if opening is not None and heading_key(opening.group(1)) == heading_key(title):
        return [(1, title), *headings], 0
    return [*headings, (1, title)], len(headings)


def find_heading(headings: Sequence[tuple[int, str]], written: str) -> int | None:
    """The index in ``headings`` ((level, text) in document order) that ``written`` names.

    ``written`` is the part of a link after the note's name: ``Heading``, or a nested path
    ``Part#Section`` meaning a ``Section`` heading under a ``Part`` heading (an ancestor at
    any depth).  The first match in document order wins, as in Obsidian.
    """
    path = [key for key in (heading_key(part) for part in written.split("#")) if key]
    if not path:
        return None
    for index, (level, text) in enumerate(headings):
        if heading_key(text) == path[-1] and _under(headings, index, level, path[:-1]):
            return index
    return None


def _under(headings: Sequence[tuple[int, str]], index: int, level: int, parents: list[str]) -> bool:
    """True when ``parents`` (outermost first) are ancestors of heading ``index``, in order."""
    if not parents:
        return True
    ancestors: list[str] = []  # innermost first
    for earlier_level, text in reversed(headings[:index]):
        if earlier_level < level:
            ancestors.append(heading_key(text))
            level = earlier_level
    wanted = iter(reversed(parents))
    needed: str | None = next(wanted)
    for key in ancestors:
        if key == needed:
            needed = next(wanted, None)
            if needed is None:
                return True
    return False


def embed_part_message(target: str, heading: str) -> str:
    """The ``embed-part-missing`` warning's text, the same at load and at render."""
    kind = "block" if heading.strip().startswith("^") else "heading"
    return f"{target} has no {kind} {heading!r} to embed; the embed is a link to the note"


def anchor_missing(target: str, heading: str, *, embed: bool = False) -> tuple[str, str]:
    """``(code, message)`` of a link or embed whose ``#...`` part names nothing in the note
    at ``target``: the same words for a wikilink and a markdown link, at load and at
    render."""
    if embed:
        return "embed-part-missing", embed_part_message(target, heading)
    if heading.strip().startswith("^"):
        block = heading.strip()[1:].strip()
        return "link-block-missing", f"{target} has no block ^{block}; the link leads to the note"
    return (
        "link-heading-missing",
        f"{target} has no heading {heading!r}; the link leads to the note",
    )


def note_address(written: str) -> str | None:
    """The link text by which a markdown link's address names a note (``x.md``,
    ``../x.md``, ``Folder/x.md``, ``/Folder/x.md``: escapes decoded, fragment cut), to be
    found by Obsidian's rules from the note that holds the link, as a wikilink's text is
    (:meth:`~notepress.vault.Vault.resolve`).  Obsidian writes markdown links in each of
    its link formats (the shortest name, a path from the vault's root, a path from the note)
    and reads them so.  None when the address names no note."""
    path = link_path(written)
    return path if path is not None and path.lower().endswith(".md") else None


def link_path(written: str) -> str | None:
    """The path of a markdown link's address within the vault, escapes decoded and fragment
    cut; None for a URL of another site, or none at all.

    Besides :func:`note_address`, Obsidian reads such a path without ``.md`` as a note's
    name (``[x](Other%20Note)``) when no file of the vault has that name.
    """
    try:
        parts = urlsplit(written.strip())
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return unquote(parts.path)


_MD = re.compile(r"\.md", re.IGNORECASE)


def markdown_linkers(notes: Iterable[Note], targets: Iterable[Note]) -> set[PurePosixPath]:
    """The paths of ``notes`` whose text holds the file name, title or an alias of one of
    ``targets`` as a markdown link's address would (``Glaze recipes.md``,
    ``Glaze%20recipes.md``, or without ``.md``: ``Glaze%20recipes)``, ``<Glaze recipes#Part>``),
    case ignored as Obsidian ignores it: more than link to them, never fewer.

    The text is looked at with its percent escapes decoded, so that an address escaped in
    any way (``Caf%C3%A9``, ``caf%c3%a9``, ``Café%20menu``) is found by the name as
    written; decoding text that is no address only finds more.
    """
    needles = set()
    for note in targets:
        # A link's address finds a note by its file name, then (as a wikilink's text does)
        # by an alias or its title.
        for written in {note.path.stem, note.title, *note.aliases}:
            name = written.lower()
            needles |= {f"{name}.md", f"{name})", f"{name}#", f"{name}>"}
    found = set()
    for note in notes:
        if not _MD.search(note.body) and "](" not in note.body:
            continue
        body = unquote(note.body).lower()
        if any(needle in body for needle in needles):
            found.add(note.path)
    return found
