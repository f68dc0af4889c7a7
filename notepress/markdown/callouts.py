"""Obsidian callouts: ``> [!type]± Title`` blockquotes become typed containers.

Works on the block tokens (before inline parsing), so nested callouts, any type name and
titles with inline markup come for free from the blockquote rule.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..slugs import slugify

__all__ = ["callouts_plugin"]

_MARKER = re.compile(r"^\[!([^\]\s]+)\]([+-]?)[ \t]*(.*)$")


def callouts_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("block", "callouts", _callouts)


def _callouts(state: StateCore) -> None:
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "blockquote_open" and _is_callout(tokens, index):
            _convert(tokens, index)
        index += 1


def _is_callout(tokens: list[Token], index: int) -> bool:
    return (
        index + 2 < len(tokens)
        and tokens[index + 1].type == "paragraph_open"
        and tokens[index + 2].type == "inline"
        and _MARKER.match(tokens[index + 2].content.split("\n", 1)[0]) is not None
    )


def _convert(tokens: list[Token], open_index: int) -> None:
    inline = tokens[open_index + 2]
    first, _, rest = inline.content.partition("\n")
    match = _MARKER.match(first)
    assert match is not None
    kind = match.group(1).lower()
    fold = match.group(2)
    title = match.group(3).strip()

    opener = tokens[open_index]
    close_index = _matching_close(tokens, open_index)
    closer = tokens[close_index]
    slug = slugify(kind, fallback="note")
    opener.type, opener.tag = "callout_open", "div"
    opener.attrs = {"class": f"callout callout-{slug}", "data-callout": slug}
    if fold:
        opener.attrs["data-callout-fold"] = "closed" if fold == "-" else "open"
    opener.meta = {"kind": kind, "fold": fold}
    closer.type, closer.tag = "callout_close", "div"

    title_open = Token("callout_title_open", "p", 1)
    title_open.attrs = {"class": "callout-title"}
    title_open.block = True
    title_open.map = opener.map
    title_inline = Token("inline", "", 0)
    title_inline.content = title or kind.replace("-", " ").capitalize()
    title_inline.children = []
    title_inline.map = opener.map
    title_close = Token("callout_title_close", "p", -1)
    title_close.block = True
    for token in (title_open, title_inline, title_close):
        token.level = opener.level + 1

    if rest.strip():
        inline.content = rest
    else:
        # The marker was the whole first paragraph: drop that paragraph.
        del tokens[open_index + 1 : open_index + 4]
    tokens[open_index + 1 : open_index + 1] = [title_open, title_inline, title_close]


def _matching_close(tokens: list[Token], open_index: int) -> int:
    depth = 0
    for index in range(open_index, len(tokens)):
        kind = tokens[index].type
        if kind == "blockquote_open":
            depth += 1
        elif kind == "blockquote_close":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced blockquote tokens")
