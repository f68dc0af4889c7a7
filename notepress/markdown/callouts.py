"""Obsidian callouts: ``> [!type|metadata]± Title`` blockquotes become typed containers.

Works on the block tokens (before inline parsing), so nested callouts, any type name and
titles with inline markup come for free from the blockquote rule.

Obsidian reads the marker line as the callout's title line and the lines after it as markdown
of their own.  CommonMark instead reads the marker line as the start of the quote's first
paragraph, or, when a ``---`` or ``===`` line ends that paragraph, of a setext heading: the
body after the marker line is then read again by itself (:func:`_underlined_body`), so the
marker never shows as text nor names a heading.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..slugs import slugify

__all__ = ["callout_body", "callout_title", "callouts_plugin", "make_callout"]

#: ``[!type|metadata]±  title``: the type runs to the first ``|``; what follows it up to the
#: ``]`` is metadata for themes and CSS snippets (``[!tip|wide]``), neither type nor title.
#: A type may hold spaces (``[!to do]``), as Obsidian's does: its class joins the words.
_MARKER = re.compile(r"^\[!([^\]\s|][^\]|]*)(?:\|([^\]]*))?\]([+-]?)[ \t]*(.*)$")
#: The underline of a setext heading, at the end of its source line (after any ``>``).
_UNDERLINE = re.compile(r"(?:=+|-+)[ \t]*$")
#: The markup of a setext heading's token (an ATX heading's is its ``#``s).
_SETEXT = frozenset({"=", "-"})


def callouts_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("block", "callouts", _callouts)


def _callouts(state: StateCore) -> None:
    tokens = state.tokens
    lines: list[str] = []  # the source's lines, split once if a setext heading needs them
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "blockquote_open" and _is_callout(tokens, index):
            _convert(state, index, lines)
        index += 1


def _is_callout(tokens: list[Token], index: int) -> bool:
    """Whether the quote opening at ``index`` starts with a marker line.

    Its first block is a paragraph, or a setext heading when a ``---`` or ``===`` line ends
    it: either way the marker line is Obsidian's title line, not part of that block.
    """
    if index + 2 >= len(tokens) or tokens[index + 2].type != "inline":
        return False
    block = tokens[index + 1]
    if block.type != "paragraph_open" and not (
        block.type == "heading_open" and block.markup in _SETEXT
    ):
        return False
    return _MARKER.match(tokens[index + 2].content.split("\n", 1)[0]) is not None


def _convert(state: StateCore, open_index: int, lines: list[str]) -> None:
    tokens = state.tokens
    block = tokens[open_index + 1]
    inline = tokens[open_index + 2]
    first, _, rest = inline.content.partition("\n")
    match = _MARKER.match(first)
    assert match is not None
    kind = " ".join(match.group(1).split()).lower()
    # On the token only, spaces collapsed, for whoever may style by it: the sanitiser keeps
    # no ``data-callout-metadata`` attribute, and a theme's layout hint means little in a
    # feed, a PDF or an EPUB.
    metadata = " ".join((match.group(2) or "").split())
    fold = match.group(3)
    title = match.group(4).strip()

    opener = tokens[open_index]
    closer = tokens[_matching_close(tokens, open_index)]
    make_callout(opener, closer, kind, fold, metadata)
    title_tokens = callout_title(
        title or kind.replace("-", " ").capitalize(), opener.level + 1, opener.map
    )

    if block.type == "heading_open":
        if not lines:
            lines.extend(state.src.split("\n"))
        body = _body(state, block, _underlined(block, rest, lines))
    elif rest.strip():
        body = _body(state, block, rest)
    else:
        body = []  # the marker was the whole first paragraph: drop that paragraph
    tokens[open_index + 1 : open_index + 4] = [*title_tokens, *body]


def _underlined(heading: Token, rest: str, lines: list[str]) -> str:
    """A setext heading's lines after its marker line, with its underline: lines and then a
    ``---`` stay a heading (of those lines only), while a ``---`` right under the marker
    line is a rule, a ``===`` there a paragraph, a ``-`` an empty list item."""
    end = heading.map[1] if heading.map else 0
    found = _UNDERLINE.search(lines[end - 1]) if 0 < end <= len(lines) else None
    underline = found.group(0).rstrip() if found else heading.markup * 3
    return f"{rest}\n{underline}" if rest.strip() else underline


def _body(state: StateCore, first: Token, text: str) -> list[Token]:
    """The blocks of the lines after the marker line, read by themselves, as Obsidian reads a
    callout's body apart from its title line.

    CommonMark read them as the rest of the marker's paragraph (or setext heading): a list
    that starts at ``2.`` or an indented code block there stayed paragraph text.
    """
    return callout_body(state, text, first.level, first.map[0] + 1 if first.map else None)


def make_callout(opener: Token, closer: Token, kind: str, fold: str, metadata: str) -> None:
    """``opener`` and ``closer`` made the tokens of a callout of ``kind`` (``fold``: ``+``,
    ``-`` or empty), as every output reads them: a typed ``div``."""
    slug = slugify(kind, fallback="note")
    opener.type, opener.tag = "callout_open", "div"
    opener.attrs = {"class": f"callout callout-{slug}", "data-callout": slug}
    if fold:
        opener.attrs["data-callout-fold"] = "closed" if fold == "-" else "open"
    opener.meta = {"kind": kind, "fold": fold, "metadata": metadata}
    closer.type, closer.tag = "callout_close", "div"


def callout_title(text: str, level: int, lines: list[int] | None) -> list[Token]:
    """The title paragraph of a callout: ``text`` as inline markdown, at ``level``."""
    opener = Token("callout_title_open", "p", 1)
    opener.attrs = {"class": "callout-title"}
    inline = Token("inline", "", 0)
    inline.content = text
    inline.children = []
    closer = Token("callout_title_close", "p", -1)
    for token in (opener, inline, closer):
        token.block = token is not inline
        token.level = level
        token.map = lines
    return [opener, inline, closer]


def callout_body(state: StateCore, text: str, level: int, first_line: int | None) -> list[Token]:
    """The blocks of ``text`` read as a document of its own at ``level``, their lines moved
    to the note's (``first_line`` is the note line of the text's first line)."""
    tokens: list[Token] = []
    blocks = StateBlock(text, state.md, state.env, tokens)
    blocks.level = level
    state.md.block.tokenize(blocks, blocks.line, blocks.lineMax)
    if first_line is not None:
        for token in tokens:
            if token.map:
                token.map = [line + first_line for line in token.map]
    return tokens


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
