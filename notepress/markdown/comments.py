"""``%%comments%%`` are private: removed from the source before anything else reads it.

Obsidian comments cross every boundary (paragraphs, raw HTML blocks, list items), so they are
cut from the source text itself, sparing code: code blocks and inline code spans keep their
``%%``.  When in doubt, private text stays private: an unclosed ``%%`` hides the rest of the
note.
"""

from __future__ import annotations

import itertools
import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from ..scan import classify_lines

__all__ = ["comments_plugin", "strip_comments"]

# In prose, whichever comes first wins: a code span is kept, a comment marker toggles.
_PROSE = re.compile(r"(?P<code>(?P<ticks>`+)[^`].*?(?<!`)(?P=ticks)(?!`))|%%", re.DOTALL)


def comments_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("normalize", "comments", _strip)


def strip_comments(text: str) -> str:
    """``text`` without its ``%%comments%%``, code untouched."""
    if "%%" not in text:
        return text
    kept: list[str] = []
    hidden = False
    lines = classify_lines(text)
    for is_code, run in itertools.groupby(lines, key=lambda line: line[2]):
        block = "\n".join(line for _, line, _ in run)
        if is_code:
            if not hidden:
                kept.append(block)
            continue
        visible, hidden = _strip_prose(block, hidden)
        kept.append(visible)
    return "\n".join(kept)


def _strip_prose(block: str, hidden: bool) -> tuple[str, bool]:
    """The visible part of a run of prose lines, and whether a comment is still open at its end."""
    parts = []
    position = 0
    for match in _PROSE.finditer(block):
        if match.group("code"):
            if not hidden:
                parts.append(block[position : match.end()])
            position = match.end()
            continue
        if not hidden:
            parts.append(block[position : match.start()])
        hidden = not hidden
        position = match.end()
    if not hidden:
        parts.append(block[position:])
    return "".join(parts), hidden


def _strip(state: StateCore) -> None:
    state.src = strip_comments(state.src)
