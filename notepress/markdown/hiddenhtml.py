"""Raw HTML a note hides, left out as Obsidian leaves it out.

Obsidian keeps the ``hidden`` attribute and inline styles of a note's HTML, so an element
written ``<span hidden>``, ``style="display: none"``, ``visibility: hidden``,
``content-visibility: hidden``, ``opacity: 0`` or ``font-size: 0`` is not seen in it, nor
a ``<dialog>`` not ``open``: a spoiler, a remark kept for later.  The sanitiser drops those
attributes and keeps the text, so every output showed what the writer hid.  Here such an
element is removed with its content before anything is rendered, and a marker token takes
its place for the load-time warning (``html-removed``, see :mod:`notepress.removedhtml`).

As Obsidian reads HTML one markdown block at a time, an element hides only what its own
block holds: an HTML block, or the inline content of one paragraph, heading or cell.  One
whose end tag its block never writes hides the rest of that block, as the browser closes
it there.  A hiding style is read as CSS reads it: comments, CSS escapes and character
references undone, a declaration of an impossible value dropped, an ``!important`` one
overriding, else the last one.  A tag is read as HTML reads it: an attribute written twice
keeps its first value, a slash closing a start tag is ignored, and an end tag inside a
``<textarea>`` or ``<style>`` is its text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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
    """Whether the declarations ``style`` (decoded) leave in force a ``display: none``, a
    hidden ``visibility`` or ``content-visibility``, an ``opacity`` of 0 or a
    ``font-size`` of 0.

    Read as the cascade reads one element's declarations: a declaration whose value the
    property cannot take is dropped (``display: nonsense`` leaves ``none`` in force), an
    ``!important`` one (``! important`` too) is overridden only by another, and otherwise
    the last one wins."""
    found: dict[str, tuple[str, bool]] = {}
    plain = _CSS_ESCAPE.sub(_unescaped, _CSS_COMMENT.sub(" ", style))
    for declaration in plain.split(";"):
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if not colon or name not in _HIDING:
            continue
        flag = _IMPORTANT.search(value)
        important = flag is not None
        if flag is not None:
            value = value[: flag.start()].strip()
        if "var(" not in value and not _HIDING[name](value):
            continue  # a value the property cannot take: the declaration is dropped
        earlier = found.get(name)
        if earlier is None or important or not earlier[1]:
            found[name] = (value, important)
    value_of = {name: value for name, (value, _important) in found.items()}
    return (
        value_of.get("display") == "none"
        or value_of.get("visibility") in ("hidden", "collapse")
        or value_of.get("content-visibility") == "hidden"
        or _is_zero(value_of.get("opacity"))
        or _is_zero(value_of.get("font-size"))
    )


#: ``!important`` at the end of a value, with any space CSS allows around the ``!``.
_IMPORTANT = re.compile(r"!\s*important\s*$")
_GLOBAL = frozenset({"inherit", "initial", "unset", "revert", "revert-layer"})
_DISPLAY = frozenset(
    {
        "none", "contents", "block", "inline", "run-in", "flow", "flow-root", "table",
        "flex", "grid", "ruby", "list-item", "math", "inline-block", "inline-table",
        "inline-flex", "inline-grid", "inline-list-item", "table-row-group",
        "table-header-group", "table-footer-group", "table-row", "table-cell",
        "table-column-group", "table-column", "table-caption", "ruby-base", "ruby-text",
        "ruby-base-container", "ruby-text-container", "-webkit-box", "-webkit-inline-box",
    }
)  # fmt: skip
#: A number, a length or a percentage (``0``, ``.5``, ``0px``, ``12pt``, ``40%``).
_AMOUNT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?(?:[a-z]+|%)?")


def _is_zero(value: str | None) -> bool:
    number = re.match(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?", value or "")
    return number is not None and float(number.group(0)) <= 0


def _keywords(allowed: frozenset[str]) -> Callable[[str], bool]:
    return lambda value: (
        value in _GLOBAL or (bool(value) and all(word in allowed for word in value.split()))
    )


#: The properties that may hide an element, each with the test of a value it can take.
_HIDING: dict[str, Callable[[str], bool]] = {
    "display": _keywords(_DISPLAY),
    "visibility": _keywords(frozenset({"visible", "hidden", "collapse"})),
    "content-visibility": _keywords(frozenset({"visible", "hidden", "auto"})),
    "opacity": lambda value: value in _GLOBAL or _AMOUNT.fullmatch(value) is not None,
    "font-size": lambda value: (
        value in _GLOBAL or _AMOUNT.fullmatch(value) is not None or value.replace("-", "").isalpha()
    ),
}


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
        if info.name not in VOID:
            # HTML ignores a slash that closes a start tag (``<span hidden/>`` opens a span,
            # as ``<a hidden href=x/>`` does, its slash the URL's).  Never closed, the
            # element ends where the browser closes it: at the end of its block.
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
        if info.name not in VOID:
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
    among the tags at every ``step``-th index from it; None when none does.

    What a raw text element holds (a ``<textarea>``, ``<style>`` or ``<script>``) is text
    to the browser, its tags too: only that element's own end tag ends it."""
    depth = 0
    raw: str | None = name if name in _RAW_TEXT else None
    for index in range(start + step, len(tags), step):
        info = tag_info(tags[index]) if tags[index] else None
        if info is None:
            continue
        if raw is not None:
            if info.end and info.name == raw:
                if raw == name:
                    return index + 1
                raw = None
            continue
        if info.name in _RAW_TEXT and not info.end:
            raw = info.name
            continue
        if info.name != name:
            continue
        if info.end:
            if depth == 0:
                return index + 1
            depth -= 1
        else:
            depth += 1
    return None


#: Elements whose content the browser reads as text until their own end tag.
_RAW_TEXT = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"}
)


class _StartTag(HTMLParser):
    """Reads the attributes of one start tag as a browser does (quotes, entities, case)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # An attribute written twice keeps its first value, as the browser keeps it.
        self.found = {}
        for name, value in attrs:
            self.found.setdefault(name.lower(), value)

    handle_startendtag = handle_starttag


def _attributes(tag: str) -> dict[str, str | None]:
    parser = _StartTag()
    parser.feed(tag)
    parser.close()
    return parser.found
