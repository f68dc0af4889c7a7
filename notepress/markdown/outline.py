"""What the vault loader knows of a note's body: its wikilinks, headings, first H1, block ids
and tags.

Both are read from the tokens of the parser that renders the note (same plugins, same comment
rule), never from a separate scan of the text: a link or a heading inside a comment, a code
block or anything else the renderer does not show is never recorded, warned about or used as
a title.  Nothing is rendered; the note is only tokenised.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token

from ..links import WIKILINK_RE, parse_wikilink
from ..model import Link
from ..slugs import lookup_key
from ..texmacros import TexMacros
from .blockids import BLOCK_ID, DUPLICATE_BLOCK_IDS, may_hold_block_id
from .comments import (
    COMMENT_FREE_SOURCE,
    FOOTNOTE_REFS,
    HIDDEN_FROM_LINE,
    INLINE_ONLY,
    KEEP_H1,
    KEEP_HEADINGS,
    UNCLOSED_FROM_LINE,
)
from .headings import heading_source, inline_text
from .htmltags import shown_text
from .inlinetags import inline_tags, may_hold_tag
from .math import convertible, invalid_formulas, unpaired_displays
from .parser import create_parser
from .plugindiagrams import DIAGRAM_FENCE, plugin_diagrams
from .queries import INLINE_QUERY_NEEDLES, QUERY_FENCE, inline_queries, query_blocks
from .tables import DROPPED_CELLS

__all__ = ["Outline", "read_outline"]

_WIKILINK_START = "[["
#: A line that may make a heading: ATX (``# x``) or a setext underline (``===``, ``---``).
_MAYBE_HEADING = re.compile(r"^ {0,3}(?:#{1,6}(?:[ \t]|$)|=+[ \t]*$|-+[ \t]*$)", re.MULTILINE)
#: A line that may be a table's delimiter row, whose rows may have cells to warn about.
_MAYBE_TABLE = re.compile(r"^[ \t>]*\|?[ \t]*:?-+:?[ \t]*\|", re.MULTILINE)


@dataclass(frozen=True)
class Outline:
    links: tuple[Link, ...] = ()
    """Wikilinks and embeds in the order of their lines, with file lines."""
    first_h1: str | None = None
    """The text of the first level-1 heading (markup removed, spaces collapsed), the title's
    fallback."""
    block_ids: frozenset[str] = frozenset()
    """The ``^block-id`` names the body defines."""
    tags: tuple[str, ...] = ()
    """Inline ``#tags`` in the order first written, each once (case as first written)."""
    headings: tuple[tuple[int, str, str], ...] = ()
    """(level, text as written, slug) of every heading in document order; the slug is the
    one the renderer's heading plugin gives, so a link's anchor and the heading's id agree.
    See :meth:`headings_for` for the headings a render keeps."""
    heading_bases: tuple[str, ...] = ()
    """The slug of each heading before duplicates are numbered."""
    edge_h1s: frozenset[int] = frozenset()
    """Indexes in :attr:`headings` of an H1 that opens or closes the body."""
    invalid_math: tuple[tuple[int, str], ...] = ()
    unpaired_math: tuple[int, ...] = ()
    """The file line of each ``$$`` that no other of its paragraph closes."""
    """(file line, TeX) of each formula no output can show as math."""
    query_blocks: tuple[tuple[int, str], ...] = ()
    """(file line, language) of each query block, which no output shows (:mod:`.queries`)."""
    inline_queries: tuple[tuple[int, str], ...] = ()
    """(file line, text) of each Dataview inline query no output answers (:mod:`.queries`)."""
    plugin_diagrams: tuple[tuple[int, str], ...] = ()
    """(file line, language) of each block a plugin draws, shown as its source
    (:mod:`.plugindiagrams`)."""
    hidden_from: int | None = None
    """The file line from which comments too tangled with code to settle hid the rest of
    the body (see :mod:`.comments`), if they did."""
    unclosed_from: int | None = None
    """The file line of a ``%%`` that no later one closes, when it hid text after it."""
    repeated_block_ids: tuple[tuple[int, str, int], ...] = ()
    """(file line, id, file line of its first use) of each block id written again."""
    dropped_cells: tuple[tuple[int, int], ...] = ()
    """(file line, count) of each table row with cells past its header's, which no output
    shows."""

    def headings_for(self, title: str) -> tuple[tuple[int, str, str], ...]:
        """The headings a render of the note titled ``title`` shows, with their slugs.

        The renderer drops an H1 that opens or closes the body and repeats the title
        (:mod:`~notepress.markdown.cleanup`), which renumbers the slugs after it.
        """
        key = lookup_key(title)
        dropped = {i for i in self.edge_h1s if lookup_key(self.headings[i][1]) == key}
        if not dropped:
            return self.headings
        used: dict[str, int] = {}
        kept = []
        for index, (level, text, _) in enumerate(self.headings):
            if index in dropped:
                continue
            base = self.heading_bases[index]
            count = used.get(base, 0)
            used[base] = count + 1
            kept.append((level, text, base if count == 0 else f"{base}-{count + 1}"))
        return tuple(kept)


def read_outline(
    body: str, *, first_line: int = 1, want_title: bool = True, macros: TexMacros | None = None
) -> Outline:
    """The links of ``body`` (whose first line is file line ``first_line``), its headings and
    its first H1.

    A body without ``[[``, without a line that could make a heading and without anything like
    a tag or a block id has none of them, so when no title is wanted either, it is not parsed.
    """
    may_tag = may_hold_tag(body)
    queried = _may_query(body)
    if (
        not want_title
        and _WIKILINK_START not in body
        and not _MAYBE_HEADING.search(body)
        and not may_tag
        and not may_hold_block_id(body)
        and "$" not in body
        and not QUERY_FENCE.search(body)
        and not queried
        and not DIAGRAM_FENCE.search(body)
        and "%%" not in body
        and ".md" not in body
        and "](#" not in body
        and not ("|" in body and _MAYBE_TABLE.search(body))
    ):
        return Outline()
    # Only blocks that may hold a wikilink (or a footnote reference, without which a
    # footnote and its links are dropped), a tag, and headings need their inline content
    # parsed; block ids are read from the blocks, before inline parsing.
    needles: tuple[str, ...] = (_WIKILINK_START, "[^", "#") if may_tag else (_WIKILINK_START, "[^")
    needles += ("$",) if "$" in body else ()  # formulas, checked here once for all outputs
    needles += (".md",) if ".md" in body else ()  # an image of a note, which embeds it
    needles += ("](#",) if "](#" in body else ()  # ... or of a part of the note itself
    needles += INLINE_QUERY_NEEDLES if queried else ()
    env: dict[str, object] = {
        INLINE_ONLY: needles,
        KEEP_H1: want_title,
        KEEP_HEADINGS: True,
        FOOTNOTE_REFS: True,
    }
    if "|" in body:
        env[DROPPED_CELLS] = []
    if may_hold_block_id(body):
        env[DUPLICATE_BLOCK_IDS] = []
    tokens = create_parser().parse(body, env)
    source = env.get(COMMENT_FREE_SOURCE, body)
    assert isinstance(source, str)
    lines = source.split("\n")
    links = sorted(_links(tokens, lines), key=lambda link: link.line or 0)
    return Outline(
        links=tuple(link._replace(line=first_line + (link.line or 0)) for link in links),
        first_h1=_first_h1(tokens) if want_title else None,
        block_ids=frozenset(
            token.meta[BLOCK_ID] for token in tokens if token.meta and BLOCK_ID in token.meta
        ),
        tags=_unique(inline_tags(tokens)) if may_tag else (),
        **_headings(tokens, lines),
        invalid_math=tuple(
            (first_line + line, tex)
            for line, tex in invalid_formulas(tokens)
            # The vault's macros, expanded as the renderer expands them.
            if not macros or not convertible(macros.expand(tex), False)
        ),
        unpaired_math=tuple(
            first_line + line for line in _unique_lines(unpaired_displays(tokens, source))
        )
        if "$$" in body
        else (),
        query_blocks=tuple(
            (first_line + line, language) for line, language in query_blocks(tokens)
        ),
        inline_queries=tuple((first_line + line, code) for line, code in inline_queries(tokens))
        if queried
        else (),
        plugin_diagrams=tuple(
            (first_line + line, language) for line, language in plugin_diagrams(tokens)
        ),
        hidden_from=_file_line(env, HIDDEN_FROM_LINE, first_line),
        unclosed_from=_file_line(env, UNCLOSED_FROM_LINE, first_line),
        dropped_cells=_dropped_cells(env, first_line),
        repeated_block_ids=_repeated_block_ids(env, first_line),
    )


def _may_query(body: str) -> bool:
    """Whether ``body`` may hold a Dataview inline query: a code span opening with one."""
    return "`" in body and any(needle in body for needle in INLINE_QUERY_NEEDLES)


def _unique_lines(lines: Iterator[int]) -> list[int]:
    return sorted(set(lines))


def _dropped_cells(env: dict[str, object], first_line: int) -> tuple[tuple[int, int], ...]:
    dropped = env.get(DROPPED_CELLS)
    if not isinstance(dropped, list):
        return ()
    counts = Counter(line for line, _ in dropped)
    return tuple((first_line + line, count) for line, count in sorted(counts.items()))


def _repeated_block_ids(
    env: dict[str, object], first_line: int
) -> tuple[tuple[int, str, int], ...]:
    repeated = env.get(DUPLICATE_BLOCK_IDS)
    if not isinstance(repeated, list):
        return ()
    return tuple(
        (first_line + (line or 0), block_id, first_line + (first or 0))
        for line, block_id, first in repeated
    )


def _file_line(env: dict[str, object], key: str, first_line: int) -> int | None:
    line = env.get(key)
    return first_line + line if isinstance(line, int) else None


def _unique(tags: Iterator[str]) -> tuple[str, ...]:
    """Each tag once, case-insensitively, as first written (Obsidian's tags ignore case)."""
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(tag.casefold(), tag)
    return tuple(seen.values())


def _headings(tokens: Sequence[Token], lines: list[str]) -> dict[str, Any]:
    """The :class:`Outline` fields that describe the headings."""
    headings: list[tuple[int, str, str]] = []
    bases: list[str] = []
    edges: set[int] = set()
    # The cleanup runs while footnote definitions are still tokens where they were written
    # (they are moved out later): an H1 before or after one does not open or close the body.
    footnotes = any(token.type == "footnote_block_open" for token in tokens)
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or index + 1 >= len(tokens):
            continue
        meta = token.meta or {}
        start = token.map[0] if token.map else 0
        opens = index == 0 and not (footnotes and any(line.strip() for line in lines[:start]))
        if token.tag == "h1" and (opens or index + 3 == len(tokens)):
            edges.add(len(headings))
        # As written, markup kept: Obsidian matches a link against the heading's source
        # (``[[#`move`]]`` names ``### `move` ``).
        text = heading_source(tokens[index + 1])
        headings.append((int(token.tag[1]), text, str(meta.get("slug", "section"))))
        bases.append(str(meta.get("base_slug", "section")))
    return {
        "headings": tuple(headings),
        "heading_bases": tuple(bases),
        "edge_h1s": frozenset(edges),
    }


def _first_h1(tokens: Sequence[Token]) -> str | None:
    """The first H1 by position in the file (footnote blocks are moved to the end)."""
    found: list[tuple[int, str]] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1" and index + 1 < len(tokens):
            text = " ".join(inline_text(tokens[index + 1]).split())
            if text:
                found.append((token.map[0] if token.map else 0, text))
    return min(found, key=lambda item: item[0])[1] if found else None


def _links(tokens: Sequence[Token], lines: list[str]) -> Iterator[Link]:
    """Every wikilink outside code, with its line as an offset in the body (0 = first line)."""
    locate = _Locator(lines)
    for token in tokens:
        if token.type == "html_block" and _WIKILINK_START in token.content:
            start = token.map[0] if token.map else 0
            shown = shown_text(token.content)  # not in a script, a style sheet, a comment
            for match in WIKILINK_RE.finditer(shown):
                line = start + shown.count("\n", 0, match.start())
                found = _link(match, line)
                if not found.names_nothing:
                    yield found
        elif token.type == "inline" and token.children:
            for child in _flatten(token.children):
                if child.type == "wikilink":
                    link = child.meta["link"]
                    yield link._replace(line=locate(token, child.markup))
                elif child.type == "html_inline" and _WIKILINK_START in child.content:
                    for match in WIKILINK_RE.finditer(child.content):
                        found = _link(match, locate(token, match.group(0)))
                        if not found.names_nothing:
                            yield found


class _Locator:
    """Finds the line of each wikilink of an inline token in the (comment-free) source.

    Searches only move forward within the lines of a block, and tokens that share those lines
    (the cells of a table row) continue where the previous one stopped, so a block with many
    links costs one pass over it.
    """

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._blocks: dict[tuple[int, int], list[Any]] = {}

    def __call__(self, token: Token, markup: str) -> int:
        start, end = token.map if token.map else (0, 1)
        block = self._blocks.get((start, end))
        if block is None:
            block = self._blocks[start, end] = ["\n".join(self._lines[start:end]), 0, start]
        region, cursor, line = block
        found = region.find(markup, cursor)
        if found < 0:  # in a table cell, ``\|`` was read as ``|``
            markup = markup.replace("|", "\\|")
            found = region.find(markup, cursor)
        if found < 0:
            return int(line)
        line += region.count("\n", cursor, found)
        block[1:] = [found + len(markup), line]  # a wikilink never spans lines
        return int(line)


def _flatten(tokens: Sequence[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _flatten(token.children)


def _link(match: re.Match[str], line: int) -> Link:
    return parse_wikilink(match.group(2), embed=bool(match.group(1)), line=line)
