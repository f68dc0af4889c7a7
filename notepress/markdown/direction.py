"""The writing direction of each block, for notes written in a right-to-left script.

Obsidian lays out each line by its first strong character, as HTML's ``dir="auto"`` does, so a
Hebrew, Arabic or Persian paragraph reads from the right even in a vault set left to right,
and an English line among them from the left.  ``dir="auto"`` itself would do for browsers,
but WeasyPrint has no such value, and a PDF digest laid out left to right puts a sentence's
final stop at its start and every list number on the wrong side.  So each block gets the
direction of the first letter it holds, written as ``dir="rtl"`` or ``dir="ltr"``.

Only notes with a block in a right-to-left script get the attribute, on all of their blocks
that hold text (an English block in a Hebrew note must say so, whatever the document's
direction); other notes are written as before.  Formulas and code are left-to-right whatever
surrounds them and never decide a block's direction; a link's visible text does.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

__all__ = ["directions_plugin", "first_strong"]

#: Blocks whose direction decides where their text starts and their markers stand.
_BLOCKS = frozenset(
    {
        "paragraph_open",
        "heading_open",
        "blockquote_open",
        "bullet_list_open",
        "ordered_list_open",
        "list_item_open",
        "callout_open",
        "table_open",
        "th_open",
        "td_open",
        "footnote_open",
    }
)
#: Inline tokens whose text is no prose: TeX, code, markup.
_NOT_PROSE = frozenset(
    {"code_inline", "math_inline", "math_inline_double", "html_inline", "footnote_ref"}
)


def directions_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("directions", _directions)


def first_strong(text: str) -> str | None:
    """``rtl`` or ``ltr`` from the first character with a strong direction, as the Unicode
    bidirectional algorithm picks a paragraph's (rules P2 and P3); None when there is none."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def _inline_direction(inline: Token) -> str | None:
    return next(filter(None, map(first_strong, _prose(inline.children or ()))), None)


def _prose(children: Iterable[Token]) -> Iterable[str]:
    for child in children:
        if child.type in _NOT_PROSE:
            continue
        if child.type == "wikilink":
            link = child.meta.get("link")
            if link is not None and not link.embed:
                yield link.text
        elif child.type == "inline_tag" or child.type == "text":
            yield child.content
        if child.children:
            yield from _prose(child.children)


def _directions(state: StateCore) -> None:
    tokens = state.tokens
    found = [_inline_direction(t) if t.type == "inline" else None for t in tokens]
    if "rtl" not in found:
        return
    after = _first_after(found)
    closes = _closing(tokens)
    for index, token in enumerate(tokens):
        if token.type in _BLOCKS and token.attrGet("dir") is None:
            first = after[index]
            if first is not None and first < closes[index]:
                token.attrSet("dir", found[first] or "")


def _first_after(found: Sequence[str | None]) -> list[int | None]:
    """For each position, the first position at or after it with a direction."""
    result: list[int | None] = [None] * (len(found) + 1)
    for index in range(len(found) - 1, -1, -1):
        result[index] = index if found[index] else result[index + 1]
    return result[: len(found)]


def _closing(tokens: Sequence[Token]) -> list[int]:
    """For each opening token, the position of the token that closes it (else its own)."""
    closes = list(range(len(tokens)))
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.nesting == 1:
            stack.append(index)
        elif token.nesting == -1 and stack:
            closes[stack.pop()] = index
    return closes
