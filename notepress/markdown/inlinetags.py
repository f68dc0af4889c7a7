"""Obsidian inline tags: ``#tag`` and ``#nested/tag`` in the body.

Obsidian's rules, as an inline rule so that the parser, not a text scan, decides what is code:

- a tag starts with ``#`` at the start of the inline text or after whitespace, so ``a#b``, a
  URL fragment (``page/#part``) and ``##`` are not tags;
- it runs over letters, digits, ``_``, ``-`` and ``/`` and holds at least one character that
  is not a digit (``#123`` is an issue number, not a tag);
- code spans, autolinks, raw HTML and wikilinks are consumed by their own rules before this
  one sees a ``#``, link text is skipped (``state.linkLevel``), and a heading's ``#`` markers
  are block syntax that never reach inline rules.

The token carries the tag in ``meta``; the loader collects it into the note's tags, and the
renderer writes ``<span class="tag">#tag</span>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

if TYPE_CHECKING:
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

__all__ = ["inline_tags", "inlinetags_plugin", "may_hold_tag"]

_TAG = re.compile(r"#([\w/-]+)")
_NOT_DIGITS = re.compile(r"[^\W\d]")
#: What follows a tag's ``#``; a pattern that starts with its literal ``#`` is searched at
#: C speed from one ``#`` to the next, where ``(?:^|\s)#...`` is tried at every character.
_TAG_AT_HASH = re.compile(r"#[\w/-]*[^\W\d]")


def may_hold_tag(text: str) -> bool:
    r"""Whether ``text`` has something like a tag: ``#``, at a line start or after
    whitespace, then tag characters with one that is not a digit (what
    ``(?:^|\s)#[\w/-]*[^\W\d]`` finds, at a tenth of its cost).  A cheap test, so the loader
    can skip parsing a note's inline text for tags.

    A match that does not start a tag (``a#b``) covers only tag characters, so the next
    ``#`` that may start one is never inside it.
    """
    for found in _TAG_AT_HASH.finditer(text):
        start = found.start()
        if start == 0 or text[start - 1].isspace():
            return True
    return False


def inlinetags_plugin(md: MarkdownIt) -> None:
    """Add the ``inline_tag`` rule after ``text``, where every ``#`` stops the text rule."""
    md.inline.ruler.after("text", "inline_tag", _inline_tag)
    md.add_render_rule("inline_tag", _render_tag)


def _inline_tag(state: StateInline, silent: bool) -> bool:
    start = state.pos
    src = state.src
    if src[start] != "#" or state.linkLevel > 0:
        return False
    if start > 0 and not src[start - 1].isspace():
        return False
    match = _TAG.match(src, start, state.posMax)
    if match is None:
        return False
    name = match.group(1).rstrip("/")
    if not name or _NOT_DIGITS.search(name) is None:
        return False
    if not silent:
        token = state.push("inline_tag", "span", 0)
        token.meta = {"tag": name}
        token.markup = "#" + name
        token.content = name
    state.pos = start + 1 + len(name)
    return True


def _render_tag(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<span class="tag">#{escapeHtml(tokens[idx].meta["tag"])}</span>'


def inline_tags(tokens: Sequence[Token]) -> Iterator[str]:
    """The inline tags of parsed ``tokens``, in document order (repeats included)."""
    for token in tokens:
        if token.type == "inline_tag":
            yield token.meta["tag"]
        if token.children:
            yield from inline_tags(token.children)
