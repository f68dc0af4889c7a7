"""Raw HTML a note hides, left out as Obsidian leaves it out.

Obsidian keeps the ``hidden`` attribute and inline styles of a note's HTML, so an element
written ``<span hidden>``, ``style="display: none"``, ``visibility: hidden`` or
``content-visibility: hidden`` is not seen in it, nor a ``<dialog>`` not ``open``: a spoiler, a remark kept for later.  The
sanitiser drops those attributes and keeps the text, so every output showed what the
writer hid.  Here such an element is removed
with its content before anything is rendered, and a marker token takes its place for the
load-time warning (``html-removed``, see :mod:`notepress.removedhtml`).

As Obsidian reads HTML one markdown block at a time, an element hides only what its own
block holds: an HTML block, or the inline content of one paragraph, heading or cell.  One
whose end tag its block never writes hides the rest of that block, as the browser closes
it there.  A hiding style is read as CSS reads it: comments, CSS escapes and character
references undone, the last declaration of a property winning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..mayhide import may_hide
from .htmltags import VOID, split_tags, tag_info

__all__ = ["HIDDEN", "hiddenhtml_plugin", "hides", "without_hidden"]

#: ``meta`` key of a token that stands where hidden elements were: ``((line, name), ...)``,
#: the line counted from the token's first (always 0 for an inline marker, which stands
#: where its element began).
HIDDEN = "notepress.hidden_html"
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
#: A CSS escape: a backslash and up to six hex digits (and one space after), or a character.
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n]?|(.))", re.DOTALL)


def hiddenhtml_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("inline", "hidden_html", _leave_out_hidden)


def hides(tag: str) -> bool:
    """Whether the start tag ``tag`` hides its element."""
    if not may_hide(tag):
        return False
    attributes = _attributes(tag)
    if _tag_name(tag) == "dialog" and "open" not in attributes:
        return True  # a closed dialog, which only a script opens
    return "hidden" in attributes or _hiding_style(attributes.get("style") or "")


def _tag_name(tag: str) -> str:
    info = tag_info(tag)
    return info.name if info is not None else ""


def _hiding_style(style: str) -> bool:
    """Whether the declarations ``style`` (decoded) leave ``display: none`` or a hidden
    ``visibility`` in force."""
    found: dict[str, str] = {}
    plain = _CSS_ESCAPE.sub(_unescaped, _CSS_COMMENT.sub(" ", style))
    for declaration in plain.split(";"):
        name, colon, value = declaration.partition(":")
        if colon:
            value = value.lower().replace("!important", "").strip()
            found[name.strip().lower()] = value
    return (
        found.get("display") == "none"
        or found.get("visibility") in ("hidden", "collapse")
        or found.get("content-visibility") == "hidden"
    )


def _unescaped(match: re.Match[str]) -> str:
    if match.group(2) is not None:
        return match.group(2)
    code = int(match.group(1), 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def without_hidden(html: str, *, whole_block: bool = True) -> tuple[str, list[tuple[int, str]]]:
    """``html`` (one block's) without the elements it hides, and (line in ``html``, name)
    of each left out.  An element never closed hides the rest of ``html`` when it is one
    ``whole_block``, and only itself when it is not (text of many blocks)."""
    if not may_hide(html):
        return html, []
    pieces = split_tags(html)
    kept: list[str] = []
    left_out: list[tuple[int, str]] = []
    index, lines = 0, 0
    while index < len(pieces):
        piece = pieces[index]
        info = tag_info(piece) if index % 2 else None
        if info is None or info.end or not hides(piece):
            kept.append(piece)
            lines += piece.count("\n")
            index += 1
            continue
        left_out.append((lines, info.name))
        stop = index + 1
        if not info.self_closing and info.name not in VOID:
            # Never closed: the browser closes it at the end of its block.
            stop = _end_of(pieces, index, info.name) or (len(pieces) if whole_block else stop)
        # The lines left out stay as line breaks: later lines keep their numbers.
        gone = sum(p.count("\n") for p in pieces[index:stop])
        kept.append("\n" * gone)
        lines += gone
        index = stop
    return "".join(kept), left_out


def _leave_out_hidden(state: StateCore) -> None:
    if not may_hide(state.src):  # the usual note pays one look
        return
    for token in state.tokens:
        if token.type == "html_block":
            kept, left_out = without_hidden(token.content)
            if left_out:
                token.content = kept
                token.meta = {**(token.meta or {}), HIDDEN: tuple(left_out)}
        elif token.type == "inline" and token.children:
            token.children = _inline_without_hidden(token.children)


def _inline_without_hidden(children: list[Token]) -> list[Token]:
    """Inline ``children`` with each hidden element (its tags and all between) replaced by
    a marker holding its line breaks."""
    if not any(c.type == "html_inline" and may_hide(c.content) for c in children):
        return children
    tags = [c.content if c.type == "html_inline" else "" for c in children]
    kept: list[Token] = []
    index = 0
    while index < len(children):
        child = children[index]
        info = tag_info(child.content) if child.type == "html_inline" else None
        if info is None or info.end or not hides(child.content):
            kept.append(child)
            index += 1
            continue
        stop = index + 1
        if not info.self_closing and info.name not in VOID:
            stop = _end_of(tags, index, info.name, step=1) or len(children)
        gone = sum(_breaks(c) for c in children[index:stop])
        marker = Token("html_inline", "", 0)
        marker.content = "\n" * gone
        # On the marker's own line: a child's line is told by the breaks before it.
        marker.meta = {HIDDEN: ((0, info.name),)}
        kept.append(marker)
        index = stop
    return kept


def _breaks(token: Token) -> int:
    if token.type in ("softbreak", "hardbreak"):
        return 1
    return token.content.count("\n") if token.type == "html_inline" else 0


def _end_of(tags: Sequence[str], start: int, name: str, step: int = 2) -> int | None:
    """The index just past the end tag that closes the element ``tags[start]`` opens,
    among the tags at every ``step``-th index from it; None when none does."""
    depth = 0
    for index in range(start, len(tags), step):
        info = tag_info(tags[index]) if tags[index] else None
        if info is None or info.name != name or info.self_closing:
            continue
        depth += -1 if info.end else 1
        if depth == 0:
            return index + 1
    return None


class _StartTag(HTMLParser):
    """Reads the attributes of one start tag as a browser does (quotes, entities, case)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found = {name.lower(): value for name, value in attrs}

    handle_startendtag = handle_starttag


def _attributes(tag: str) -> dict[str, str | None]:
    parser = _StartTag()
    parser.feed(tag)
    parser.close()
    return parser.found
