"""Obsidian block references: ``^block-id`` names the block it ends, and is never printed.

Where Obsidian reads one, and which element takes the id:

- at the end of a paragraph (after a space, right after an embed's ``]]``, or alone on its
  last line): the paragraph;
- at the end of a list item's first paragraph: the list item (its children included), also
  when display math opens the item (``1. $$`` ... ``$$``, then ``Where ... ^id``);
- alone in a paragraph right after another block (Obsidian asks for a blank line after all
  but a table and display math): that block, and the paragraph holding only the id
  disappears.  A table, a quote, a callout, a list, a paragraph or display math takes the id
  itself.  A heading has an id of its own already, so an empty ``<span>`` at its start takes
  it; code, a diagram, a query block, raw HTML and a rule are wrapped in a ``<div>`` that
  takes it (what they render as varies, down to nothing for a query, and pandoc keeps no id
  on a rule).  A table swallows a line with no pipe as a last row, so a last row holding only
  ``^id`` counts the same.  Display math that opens a list item and is all the item holds
  before the id names the item, as text there would.
- alone on the line right after a quote or callout, without ``>`` (where Obsidian writes the
  id it makes for one; markdown reads it as the last paragraph's lazy line): the quote or
  callout, the outermost when nested, not its last paragraph;
- alone with no block to name (first in the note or in a quote, after a block that already
  has an id, after a footnote's text): nowhere.  The id is not recorded, so ``check`` reports
  a link to it instead of a link that lands on nothing.

The rule works on block tokens, before inline parsing, and only on the raw text of a
paragraph's last line: code spans end with a backtick and code blocks are not paragraphs, so
``^id`` inside code stays text.  The id is kept in the opening token's ``meta`` under
:data:`BLOCK_ID` (a display formula is a single ``math_block`` token, which keeps it); the
renderer writes it as an element id through the output's link style, and the loader records
the ids from the same tokens, so each id it records is carried by an element.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

if TYPE_CHECKING:
    from markdown_it.utils import EnvType, OptionsDict

__all__ = [
    "BLOCK_ID",
    "DUPLICATE_BLOCK_IDS",
    "block_anchor",
    "blockids_plugin",
    "may_hold_block_id",
    "with_id",
]

#: The ``meta`` key of an opening token that carries a block id.
BLOCK_ID = "block_id"
#: A parse whose env holds a list under this key gets ``(line, id, first line)`` for each
#: block id written again in the note (lines 0-based, of the text parsed).
DUPLICATE_BLOCK_IDS = "notepress.blockids.duplicates"
#: A block id's ``^``, its name and the end of its line; starting with its literal ``^`` it
#: is searched from one caret to the next (see :func:`may_hold_block_id`).
_ID_AT_CARET = re.compile(r"\^[A-Za-z0-9-]+[ \t]*$", re.MULTILINE)
_AT_END = re.compile(r"(?:^|[ \t\n]|(?<=\]\]))\^([A-Za-z0-9-]+)[ \t]*$")
_ALONE = re.compile(r"^\^([A-Za-z0-9-]+)$")


def may_hold_block_id(text: str) -> bool:
    r"""Whether ``text`` has something like a block id: ``^name`` ending a line, at its start
    or after a space, a tab or ``]]`` (what ``(?:^|[ \t]|\]\])\^[A-Za-z0-9-]+[ \t]*$`` finds
    with ``re.MULTILINE``, at a tenth of its cost).  A cheap test, so the loader can skip
    parsing a note's blocks for ids."""
    for found in _ID_AT_CARET.finditer(text):
        start = found.start()
        if (
            start == 0
            or text[start - 1] in "\n \t"
            or (start > 1 and text[start - 2 : start] == "]]")
        ):
            return True
    return False


#: Elements that a paragraph holding only ``^id`` right after them names, by their closing
#: token: the id goes on the opening token.
_BEFORE = {
    "table_close": "table_open",
    "blockquote_close": "blockquote_open",
    "callout_close": "callout_open",
    "bullet_list_close": "bullet_list_open",
    "ordered_list_close": "ordered_list_open",
    "paragraph_close": "paragraph_open",
    "heading_close": "heading_open",
}
#: Blocks of one token whose HTML cannot take an id (see the module docstring): a wrapper
#: ``div`` takes it.
_WRAPPED = frozenset({"fence", "code_block", "html_block", "hr"})
#: The tokens of that wrapper, and of the empty ``span`` that takes a heading's block id.
WRAPPER_OPEN, WRAPPER_CLOSE, HEADING_ANCHOR = "block_id_open", "block_id_close", "block_id_anchor"


def blockids_plugin(md: MarkdownIt) -> None:
    """Read block ids after the block rules and callouts, before any inline parsing; give a
    named heading its anchor once its inline content is parsed."""
    md.core.ruler.after("callouts", "block_ids", _block_ids)
    md.core.ruler.after("inline", "heading_block_ids", _heading_anchors)
    md.add_render_rule(WRAPPER_OPEN, _render_with_id)
    md.add_render_rule(HEADING_ANCHOR, _render_with_id)


def block_anchor(block_id: str) -> str:
    """The local element id of a block (``block-`` and the id), as links to it write it."""
    return "block-" + block_id


def with_id(html: str, tag: str, element_id: str) -> str:
    """An opening tag as markdown-it wrote it, with ``id`` added (the id is already safe)."""
    return html.replace(f"<{tag}", f'<{tag} id="{element_id}"', 1)


def _block_ids(state: StateCore) -> None:
    tokens = state.tokens
    drop: list[int] = []  # paragraph_open indexes of paragraphs that held only an id
    wraps: dict[int, Token] = {}  # the wrapper opening before the block at an index
    open_blocks: list[Token] = []  # the blocks the current token is inside, outermost first
    lines: list[str] | None = None
    for index, token in enumerate(tokens):
        if token.nesting == -1 and open_blocks:
            open_blocks.pop()
        elif token.nesting == 1:
            open_blocks.append(token)
        if token.type == "table_close":
            _table_row(tokens, index)
        if token.type != "paragraph_open" or index + 2 >= len(tokens):
            continue
        inline = tokens[index + 1]
        if inline.type != "inline" or "^" not in inline.content:
            continue  # every block id is written with a caret
        alone = _ALONE.match(inline.content.strip())
        item = _item_of(tokens, index)
        if alone and item is None:
            opener = _named_before(tokens, index, wraps) if index else None
            if opener is not None and BLOCK_ID not in (opener.meta or {}):
                opener.meta = {**(opener.meta or {}), BLOCK_ID: alone.group(1)}
            drop.append(index)  # named or not, never printed
            continue
        found = _AT_END.search(inline.content)
        if found is None:
            continue
        quote = None
        if found.start() and inline.content[found.start()] == "\n" and token.map:
            lines = state.src.split("\n") if lines is None else lines
            quote = _quote_of_lazy_line(open_blocks[:-1], lines, token.map[1] - 1)
        inline.content = inline.content[: found.start()].rstrip()
        holder = quote or item or token
        holder.meta = {**(holder.meta or {}), BLOCK_ID: found.group(1)}
        if not inline.content:
            # ``^id`` alone in a list item, which takes it: an empty paragraph, never printed
            token.hidden = tokens[index + 2].hidden = True
    if drop or wraps:
        tokens[:] = _rebuilt(tokens, {i + k for i in drop for k in range(3)}, wraps)
    _first_of_each(tokens, state.env)


def _first_of_each(tokens: list[Token], env: EnvType) -> None:
    """Keep each block id on its first block only, as Obsidian's links and embeds find the
    first: written twice, it gave two elements one id (a page whose links lead to either,
    a book that fails its check).  A repeat's ``^id`` stays hidden, as Obsidian hides it."""
    first: dict[str, int | None] = {}
    line: int | None = None
    for token in tokens:
        line = token.map[0] if token.map else line
        block_id = (token.meta or {}).get(BLOCK_ID)
        if block_id is None:
            continue
        if block_id not in first:
            first[block_id] = line
            continue
        token.meta = {key: value for key, value in token.meta.items() if key != BLOCK_ID}
        found = env.get(DUPLICATE_BLOCK_IDS)
        if isinstance(found, list):
            found.append((line, block_id, first[block_id]))


def _rebuilt(tokens: list[Token], dropped: set[int], wraps: dict[int, Token]) -> list[Token]:
    """``tokens`` without the ``dropped`` ones, and each block in ``wraps`` in its wrapper."""
    result: list[Token] = []
    for index, token in enumerate(tokens):
        if index in dropped:
            continue
        wrapper = wraps.get(index)
        if wrapper is None:
            result.append(token)
            continue
        close = Token(WRAPPER_CLOSE, "div", -1)
        close.block, close.level = True, wrapper.level
        token.level += 1
        result += (wrapper, token, close)
    return result


_QUOTES = frozenset({"blockquote_open", "callout_open"})


def _quote_of_lazy_line(outer: list[Token], lines: list[str], line: int) -> Token | None:
    """The quote or callout that ``^id`` alone on ``line`` names, when that line carries no
    ``>`` (a lazy line of the quote's last paragraph): where Obsidian writes the id it makes
    for a quote or callout, which names all of it, not its last paragraph.  ``outer``: the
    blocks around the paragraph, outermost first.  The outermost of the quotes the
    paragraph is directly inside; None when it is in none, or the line is marked."""
    if not outer or outer[-1].type not in _QUOTES or not 0 <= line < len(lines):
        return None
    if lines[line].lstrip(" \t").startswith(">"):
        return None
    chain = len(outer) - 1
    while chain > 0 and outer[chain - 1].type in _QUOTES:
        chain -= 1
    return outer[chain]


def _item_of(tokens: list[Token], paragraph: int) -> Token | None:
    """The list item whose first paragraph opens at ``paragraph``: nothing but display math
    comes before it in the item."""
    index = paragraph - 1
    while index >= 0 and tokens[index].type == "math_block":
        index -= 1
    return tokens[index] if index >= 0 and tokens[index].type == "list_item_open" else None


def _named_before(tokens: list[Token], paragraph: int, wraps: dict[int, Token]) -> Token | None:
    """The token that takes the id of the block right before ``paragraph``, which holds only
    ``^id``: display math itself, the opening token of the element the block closes, or the
    wrapper of a block in ``_WRAPPED`` (made here, kept in ``wraps``); None for no block."""
    before = tokens[paragraph - 1]
    if before.type == "math_block":
        return before
    if before.type in _BEFORE:
        return _opening(tokens, paragraph - 1, _BEFORE[before.type])
    if before.type in _WRAPPED:
        if paragraph - 1 not in wraps:
            wrapper = Token(WRAPPER_OPEN, "div", 1)
            wrapper.block, wrapper.level, wrapper.map = True, before.level, before.map
            wraps[paragraph - 1] = wrapper
        return wraps[paragraph - 1]
    return None


def _heading_anchors(state: StateCore) -> None:
    """An empty ``span`` first in each heading named by a block id, which takes the id: the
    heading's own id is its slug, and an element has one id.  Inline content is parsed, so
    the ``span`` is a child of it, kept wherever the heading is shown (an embed)."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        block_id = (token.meta or {}).get(BLOCK_ID) if token.type == "heading_open" else None
        if block_id and index + 1 < len(tokens) and tokens[index + 1].type == "inline":
            anchor = Token(HEADING_ANCHOR, "span", 0)
            anchor.meta = {BLOCK_ID: block_id}
            inline = tokens[index + 1]
            inline.children = [anchor, *(inline.children or ())]


def _render_with_id(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A wrapper or a heading's anchor, with the id the output writes (its render context
    knows how, as it does for every block id)."""
    token = tokens[idx]
    html = (
        "<span></span>"
        if token.type == HEADING_ANCHOR
        else self.renderToken(tokens, idx, options, env)
    )
    return str(env["notepress"].with_block_id(token, html))


def _opening(tokens: list[Token], close: int, kind: str) -> Token | None:
    """The opening token of the element that ``tokens[close]`` closes."""
    level = tokens[close].level
    for index in range(close - 1, -1, -1):
        if tokens[index].level == level and tokens[index].type == kind:
            return tokens[index]
        if tokens[index].level < level:
            break
    return None


def _table_row(tokens: list[Token], close: int) -> None:
    """A last table row that holds only ``^id`` (the line right after the table) names it.

    The row ``tr_open, td_open, inline, td_close, ..., tr_close`` is hidden (not removed: the
    caller walks the token list), and so is a ``tbody`` left empty.
    """
    end = close - 1
    if tokens[end].type == "tbody_close":
        end -= 1
    if tokens[end].type != "tr_close":
        return
    start = end
    while start > 0 and tokens[start].type != "tr_open":
        start -= 1
    cells = [t.content.strip() for t in tokens[start:end] if t.type == "inline"]
    written = [cell for cell in cells if cell]
    if len(written) != 1 or not (alone := _ALONE.match(written[0])):
        return
    opener = _opening(tokens, close, "table_open")
    if opener is None:
        return
    opener.meta = {**(opener.meta or {}), BLOCK_ID: alone.group(1)}
    first = (
        start - 1
        if tokens[start - 1].type == "tbody_open" and tokens[end + 1].type == "tbody_close"
        else start
    )
    last = end + 1 if first < start else end
    for token in tokens[first : last + 1]:
        token.hidden = True
        if token.type == "inline":
            token.content = ""
