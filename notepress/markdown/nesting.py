"""One nesting limit for every note, applied once at render, so no output ever recurses deeply.

Deep nesting breaks outputs in different ways: markdown-it stops parsing a container past its
``maxNesting`` and silently drops the rest of the note, the HTML sanitiser's tree builder gets
quadratic, and WeasyPrint or the book's tree walkers hit ``RecursionError`` and take a whole
digest or book down.  Nobody writes forty levels of lists on purpose, so past
:data:`MAX_DEPTH` levels the structure is flattened and the text kept:

- a markdown container (list, quote, callout) that would open beyond the limit is read as one
  plain paragraph holding its lines as written;
- an HTML element that would open beyond the limit loses its start and end tags, its content
  stays in the enclosing element.

Both are reported as a warning of the note, never as lost text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt

from .htmltags import SIMPLE_TAG, VOID, split_tags, tag_info

if TYPE_CHECKING:
    from markdown_it.rules_block import StateBlock

__all__ = ["FLATTENED_LINE", "MAX_DEPTH", "cap_html_depth", "nesting_plugin"]

#: Levels of nesting kept: markdown token levels (a list item counts two: list and item) and
#: HTML elements.  Far beyond any real note, far below Python's recursion limit.
MAX_DEPTH = 32

#: ``env`` key where the parser records the first (0-based) source line it flattened.
FLATTENED_LINE = "nesting_flattened_line"


def nesting_plugin(md: MarkdownIt) -> None:
    """Flatten block containers past :data:`MAX_DEPTH` instead of dropping them.

    markdown-it's own limit (``maxNesting``) is set to ours: a block container checks it at
    the level it was entered at, which :func:`limited` keeps below it, so it never drops
    text; inline, it turns link brackets nested deeper than that into text.  Inline work
    grows with it, so it stays small.
    """
    md.options["maxNesting"] = MAX_DEPTH
    tokenize = md.block.tokenize

    def limited(state: StateBlock, start_line: int, end_line: int) -> None:
        if state.level < MAX_DEPTH:
            tokenize(state, start_line, end_line)
            return
        _flatten(state, start_line, end_line)

    md.block.tokenize = limited  # type: ignore[method-assign, assignment]


def _flatten(state: StateBlock, start_line: int, end_line: int) -> None:
    """The lines of a container too deep to open, as one paragraph of their own text."""
    line = state.skipEmptyLines(start_line)
    if line >= end_line:
        state.line = end_line
        return
    content = state.getLines(line, end_line, state.blkIndent, False).strip()
    state.line = end_line
    if not content:
        return
    state.env.setdefault(FLATTENED_LINE, line)
    opener = state.push("paragraph_open", "p", 1)
    opener.map = [line, end_line]
    inline = state.push("inline", "", 0)
    inline.content = content
    inline.map = [line, end_line]
    inline.children = []
    state.push("paragraph_close", "p", -1)


def cap_html_depth(html: str, limit: int = MAX_DEPTH) -> tuple[str, bool]:
    """``html`` with elements deeper than ``limit`` unwrapped, and whether any were.

    Linear: each tag is read once, and an end tag closes the elements it implies (as an
    HTML parser would) by popping them, so every element is pushed and popped once.  Exact on
    serialised trees (the sanitiser's output); on raw HTML it follows the common cases, which
    is all it needs to keep the sanitiser's own work bounded.
    """
    if html.count("<") <= limit or _surely_within(html, limit):
        return html, False
    pieces = split_tags(html)
    if _within(pieces, limit):
        return html, False
    out: list[str] = []
    stack: list[tuple[str, bool]] = []
    open_names: dict[str, int] = {}
    kept = 0
    cut = False
    for index, piece in enumerate(pieces):
        info = tag_info(piece) if index % 2 else None
        if info is None:
            out.append(piece)
            continue
        if not info.end:
            if info.name in VOID or info.self_closing:
                out.append(piece)
                continue
            keep = kept < limit
            stack.append((info.name, keep))
            open_names[info.name] = open_names.get(info.name, 0) + 1
            if keep:
                kept += 1
                out.append(piece)
            else:
                cut = True
            continue
        if not open_names.get(info.name):
            out.append(piece)  # a stray end tag: the sanitiser drops it
            continue
        while stack:
            name, was_kept = stack.pop()
            open_names[name] -= 1
            if was_kept:
                kept -= 1
            if name == info.name:
                if was_kept:
                    out.append(piece)
                break
    return "".join(out), cut


#: Where a tag may start: :func:`~notepress.markdown.htmltags.split_tags` reads ``<`` followed
#: by anything else as text (``<!`` and ``<?`` are ruled out separately).
_TAG_START = re.compile(r"</?[A-Za-z]")
#: The name of each tag in the tags joined by NUL, as :func:`~notepress.markdown.htmltags.tag_info`
#: reads it, and whether it is an end tag.
_TAG_NAMES = re.compile(r"(?:^|\0)<(/?)([A-Za-z][^\s/>\0]*)")


def _surely_within(html: str, limit: int) -> bool:
    """True only when :func:`_within` is true, found at a fraction of its cost: the usual
    rendered note (a few hundred tags, all of them plain) is checked by C-level regular
    expressions and a loop over names.

    It applies when every place a tag may start begins a plain tag (quoted attribute values
    only, no comment or declaration): :func:`split_tags` then finds exactly those tags.  An
    end tag counts only against a start tag of its name still counted open, so for each name
    the count here is never below the elements :func:`_within` keeps open, which may pop
    several at one end tag or ignore a stray one: the depth here is an upper bound, exact on
    a well-formed tree such as the sanitiser writes.  False means "not sure": the caller
    runs the exact walk.
    """
    if "<!" in html or "<?" in html or "\0" in html:
        return False
    tags = SIMPLE_TAG.findall(html)
    if len(tags) != len(_TAG_START.findall(html)):
        return False
    names = _TAG_NAMES.findall("\0".join(tags))
    if len(names) != len(tags):
        return False
    depth = 0
    open_names: dict[str, int] = {}
    for (end, name), tag in zip(names, tags, strict=True):
        name = name.lower()
        if not end:
            if name in VOID or tag.endswith("/>"):
                continue
            depth += 1
            if depth > limit:
                return False
            open_names[name] = open_names.get(name, 0) + 1
        elif open_names.get(name):
            open_names[name] -= 1
            depth -= 1
    return True


def _within(pieces: list[str], limit: int) -> bool:
    """Whether :func:`cap_html_depth` would keep every element of ``pieces`` (its loop,
    without writing anything: the usual note is within the limit and stays as it is)."""
    stack: list[str] = []
    open_names: dict[str, int] = {}
    for piece in pieces[1::2]:
        info = tag_info(piece)
        if info is None:
            continue
        name = info.name
        if not info.end:
            if name in VOID or info.self_closing:
                continue
            if len(stack) >= limit:
                return False
            stack.append(name)
            open_names[name] = open_names.get(name, 0) + 1
        elif open_names.get(name):
            while True:
                popped = stack.pop()
                open_names[popped] -= 1
                if popped == name:
                    break
    return True
