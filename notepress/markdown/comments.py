"""``%%comments%%`` are private: removed entirely, inline or as blocks.

When in doubt, private text stays private: an unclosed ``%%`` inside a paragraph hides the
rest of that paragraph, and an unclosed ``%%`` block hides the rest of the note.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

__all__ = ["comments_plugin"]


def comments_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before(
        "paragraph",
        "comment_block",
        _block,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    md.inline.ruler.before("text", "comment_inline", _inline)
    md.inline.add_terminator_char("%")


def _block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    first = state.src[begin : state.eMarks[start_line]]
    if not first.startswith("%%"):
        return False
    rest = first[2:]
    if "%%" in rest:
        # ``%%one line%%`` followed by text is inline, not a block.
        if rest.rstrip().endswith("%%") and rest.rstrip().count("%%") == 1:
            if not silent:
                state.line = start_line + 1
            return True
        return False
    if silent:
        return True
    line = start_line + 1
    while line < end_line:
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
        if "%%" in text:
            line += 1
            break
        line += 1
    state.line = line
    return True


def _inline(state: StateInline, silent: bool) -> bool:
    src = state.src
    if not src.startswith("%%", state.pos):
        return False
    close = src.find("%%", state.pos + 2, state.posMax)
    state.pos = state.posMax if close == -1 else close + 2
    return True
