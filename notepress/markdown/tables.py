"""GFM tables, with the cells they drop noted for whoever asks.

A body row with more cells than the header shows only the header's count (GFM, GitHub and
Obsidian alike); the others become no token at all.  Two readers need them: the comment rule,
since a ``%%`` in a dropped code span is still code to the writer (:mod:`.comments`), and the
loader, which warns that the text is not shown (``table-extra-cells``) rather than lose it in
silence.  A parse whose env holds a list under :data:`DROPPED_CELLS` gets ``(line, cell)``
for each dropped cell, ``line`` 0-based in the source parsed; other parses read tables with
markdown-it's own rule.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.common.utils import mdTrim
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import escapedSplit, getLine
from markdown_it.rules_block.table import table as table_rule

__all__ = ["DROPPED_CELLS", "tables_plugin"]

DROPPED_CELLS = "notepress.tables.dropped"


def tables_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before(
        "table", "tables_dropped", _table_noting_dropped_cells, {"alt": ["paragraph", "reference"]}
    )


def _table_noting_dropped_cells(
    state: StateBlock, start_line: int, end_line: int, silent: bool
) -> bool:
    dropped = state.env.get(DROPPED_CELLS)
    if not isinstance(dropped, list):
        return False
    first = len(state.tokens)
    if not table_rule(state, start_line, end_line, silent):
        return False
    if silent:
        return True
    pushed = state.tokens[first:]
    columns = sum(1 for token in pushed if token.type == "th_open")
    for token in pushed:
        if token.type == "tr_open" and token.map and token.map[0] >= start_line + 2:
            line = token.map[0]
            # Split as the table rule splits a row.
            cells = escapedSplit(mdTrim(getLine(state, line)))
            if cells and cells[0] == "":
                cells.pop(0)
            if cells and cells[-1] == "":
                cells.pop()
            dropped.extend((line, mdTrim(cell)) for cell in cells[columns:])
    return True
