"""Task items with any character in their box, as Obsidian reads them.

markdown-it reads ``[ ]`` (open) and ``[x]``/``[X]`` (done) at the start of a list item as a
task; Obsidian reads any other single character there as a task too (``[-]`` cancelled,
``[/]`` in progress, ``[>]`` deferred...), shown checked, its character left to themes.
Without this rule such an item is a plain bullet whose text starts with a literal ``[-]``,
inside a list that says it holds tasks.

Such an item is marked exactly as markdown-it marks a done one (``checked`` in the item's
``meta``, the ``task-list-item`` class, ``contains-task-list`` on its list), so every output
writes it as it writes ``[x]``: with the done glyph.  The character itself is not written:
the sanitiser keeps no ``data-`` attribute on a list item.

The rule reads the raw first line of the item's first paragraph, before inline parsing and
before block ids (so ``- [-] ^id`` names the item), and only where markdown-it would have
read a box: on the item's marker line, followed by a space or a tab.  An escaped ``\\[-]`` or a
code span does not start with ``[`` and stays text.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

__all__ = ["tasks_plugin"]

#: A box holding one character other than a space (markdown-it reads ``[ ]``, ``[x]``,
#: ``[X]`` itself), then the space or tab that must follow it.
_BOX = re.compile(r"\[(\S)\][ \t]")
_LISTS = ("bullet_list_open", "ordered_list_open")
_LIST_ENDS = ("bullet_list_close", "ordered_list_close")


def tasks_plugin(md: MarkdownIt) -> None:
    """Read the other tasks after the block rules, before block ids and inline parsing."""
    md.core.ruler.before("block_ids", "other_tasks", _other_tasks)


def _other_tasks(state: StateCore) -> None:
    tokens = state.tokens
    lists: list[Token] = []  # the opening tokens of the lists the walk is in
    for index, token in enumerate(tokens):
        if token.type in _LISTS:
            lists.append(token)
        elif token.type in _LIST_ENDS:
            lists.pop()
        elif token.type == "list_item_open" and lists and _mark_task(tokens, index):
            classes = str(lists[-1].attrGet("class") or "").split()
            if "contains-task-list" not in classes:
                lists[-1].attrJoin("class", "contains-task-list")


def _mark_task(tokens: list[Token], item: int) -> bool:
    """Whether the item opening at ``item`` starts with another box, made a done task."""
    opener = tokens[item]
    if opener.meta and "checked" in opener.meta:
        return False  # markdown-it's own
    if item + 2 >= len(tokens):
        return False
    paragraph, inline = tokens[item + 1], tokens[item + 2]
    if paragraph.type != "paragraph_open" or inline.type != "inline":
        return False
    if not (opener.map and paragraph.map and opener.map[0] == paragraph.map[0]):
        return False  # the box must be on the marker line, where markdown-it reads one
    if _BOX.match(inline.content) is None:
        return False
    inline.content = inline.content[4:].lstrip(" \t")
    opener.meta = {**(opener.meta or {}), "checked": True}
    opener.attrJoin("class", "task-list-item")
    return True
