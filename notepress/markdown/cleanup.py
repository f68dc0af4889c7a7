"""Tidy what vault notes carry for the editor's sake: the title repeated as an H1, empty headings."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..slugs import lookup_key
from .headings import inline_text

__all__ = ["cleanup_plugin"]


def cleanup_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("block", "note_cleanup", _cleanup)


def _cleanup(state: StateCore) -> None:
    tokens = state.tokens
    title = state.env.get("title")
    # Empty headings (a lone ``#``) carry nothing.  One pass that keeps the rest: deleting
    # them one by one moves the whole tail each time, quadratic in a note of empty headings.
    last = len(tokens) - 2
    empty = {
        index
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and index < last and not tokens[index + 1].content.strip()
    }
    if empty:
        tokens[:] = [
            token
            for index, token in enumerate(tokens)
            if not (index in empty or index - 1 in empty or index - 2 in empty)
        ]
    if not title:
        return
    key = lookup_key(title)
    if _is_heading(tokens, 0, "h1") and lookup_key(_shown(state, tokens[1].content)) == key:
        del tokens[0:3]
    last = len(tokens) - 3
    if (
        last >= 0
        and _is_heading(tokens, last, "h1")
        and lookup_key(_shown(state, tokens[last + 1].content)) == key
    ):
        del tokens[last : last + 3]


def _shown(state: StateCore, source: str) -> str:
    """A heading's text as a reader sees it: ``# History of [[Wildemount]]`` repeats the
    title "History of Wildemount" as much as the plain heading does."""
    if not any(mark in source for mark in "[*_`=~<"):
        return source
    parsed = state.md.parseInline(source, {})  # its own env: nothing noted for the note
    return inline_text(parsed[0]) if parsed else source


def _is_heading(tokens: list[Token], index: int, tag: str | None = None) -> bool:
    return (
        index + 2 < len(tokens)
        and tokens[index].type == "heading_open"
        and (tag is None or tokens[index].tag == tag)
    )
