"""``![[Note]]``, ``![[Note#Heading]]`` and ``![[Note#^block]]``: which tokens an embed shows.

Parsing only marks a paragraph that holds nothing but one embed (``lone_embed`` in the
paragraph tokens' ``meta``), so the renderer can write the embedded content as a block of its
own instead of inside a ``<p>``: whether the embed is a note at all (and may be shown) is only
known at render time, against the vault.  An embed among other words of a paragraph is marked
too (``in_paragraph``): shown, it ends the paragraph before it and starts one after it.

Selection works on the target note's tokens, as the renderer parsed them:

- the whole note: every token;
- a heading (matched as Obsidian matches it, nested ``A#B`` included): the heading and what
  follows it, up to the next heading of the same or a higher level in the same container;
- a block id: the element that carries it (a paragraph, a list item inside its list with its
  children, a table, a quote or callout, a list).

Footnotes referenced by the selected tokens come along (the note's footnote block, only
those footnotes), so the embedded text keeps its notes.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..links import find_heading
from .blockids import BLOCK_ID
from .headings import heading_source

__all__ = [
    "IN_PARAGRAPH",
    "LONE_EMBED",
    "MAX_EMBEDS_SHOWN",
    "MAX_EMBED_DEPTH",
    "select_embedded",
    "transclusion_plugin",
]

#: ``meta`` key of a paragraph's tokens when the paragraph is one embed and nothing else.
LONE_EMBED = "lone_embed"
#: ``meta`` key of an embed written among other text of a shown paragraph: a block shown
#: there closes the paragraph and opens a new one after it.
IN_PARAGRAPH = "in_paragraph"
#: Embeds inside embeds shown before the next one is written as a link.
MAX_EMBED_DEPTH = 4
#: Embeds shown in one rendered note, nested ones included; the rest are written as links.
#: A note embedding a long note a thousand times (each embedding another...) would
#: otherwise multiply its size by as much.
MAX_EMBEDS_SHOWN = 100


def transclusion_plugin(md: MarkdownIt) -> None:
    # After the wikilinks plugin has made images of notes embeds (it is used first).
    md.core.ruler.after("note_images", "lone_embeds", _lone_embeds)


def _lone_embeds(state: StateCore) -> None:
    tokens = state.tokens
    for index in range(1, len(tokens) - 1):
        inline = tokens[index]
        if inline.type != "inline" or tokens[index - 1].type != "paragraph_open":
            continue
        children = [
            child
            for child in inline.children or ()
            if not (child.type == "text" and not child.content.strip())
        ]
        if len(children) == 1 and children[0].type == "wikilink" and children[0].meta["link"].embed:
            for token in (tokens[index - 1], tokens[index + 1]):
                token.meta = {**(token.meta or {}), LONE_EMBED: True}
        elif not tokens[index - 1].hidden:
            for child in children:
                if child.type == "wikilink" and child.meta["link"].embed:
                    child.meta = {**child.meta, IN_PARAGRAPH: True}


def select_embedded(tokens: Sequence[Token], heading: str | None) -> list[Token] | None:
    """The tokens an embed of a note with ``tokens`` shows, or None when the part is missing.

    ``heading`` is what the embed names after ``#``: a heading, ``^block-id``, or None.
    """
    body_end = next(
        (i for i, token in enumerate(tokens) if token.type == "footnote_block_open"), len(tokens)
    )
    if heading is None:
        return list(tokens)
    if heading.startswith("^"):
        part = _block(tokens, body_end, heading[1:])
    else:
        part = _section(tokens, body_end, heading)
    if part is None:
        return None
    return part + _footnotes(tokens, body_end, part)


def _section(tokens: Sequence[Token], end: int, written: str) -> list[Token] | None:
    starts = [i for i in range(end) if tokens[i].type == "heading_open"]
    found = find_heading(
        [(int(tokens[i].tag[1]), heading_source(tokens[i + 1])) for i in starts], written
    )
    if found is None:
        return None
    start = starts[found]
    opener = tokens[start]
    stop = end
    for index in range(start + 3, end):
        token = tokens[index]
        if token.level < opener.level:
            stop = index  # the container holding the heading closes
            break
        if token.type == "heading_open" and token.level == opener.level and token.tag <= opener.tag:
            stop = index
            break
    return list(tokens[start:stop])


def _block(tokens: Sequence[Token], end: int, block_id: str) -> list[Token] | None:
    for index in range(end):
        token = tokens[index]
        # an opening token, or display math (a single token)
        if token.nesting >= 0 and (token.meta or {}).get(BLOCK_ID) == block_id:
            close = _close(tokens, index)
            part = list(tokens[index : close + 1])
            if token.type == "list_item_open":
                # An item shown alone keeps its list, so that it stays valid HTML.
                list_open = _parent(tokens, index)
                if list_open is not None:
                    part = [tokens[list_open], *part, tokens[_close(tokens, list_open)]]
            if token.type == "paragraph_open" and token.hidden:
                part = [_shown(t) if t.type.startswith("paragraph") else t for t in part]
            return part
    return None


def _shown(token: Token) -> Token:
    """A copy of a tight list's hidden paragraph token, shown: it stands alone now."""
    copy = token.copy()
    copy.hidden = False
    return copy


def _close(tokens: Sequence[Token], open_index: int) -> int:
    depth = 0
    for index in range(open_index, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _parent(tokens: Sequence[Token], index: int) -> int | None:
    level = tokens[index].level - 1
    for earlier in range(index - 1, -1, -1):
        if tokens[earlier].level == level and tokens[earlier].nesting == 1:
            return earlier
        if tokens[earlier].level < level:
            return None
    return None


def _footnotes(tokens: Sequence[Token], end: int, part: Sequence[Token]) -> list[Token]:
    """The footnote block holding only the footnotes that ``part`` refers to."""
    wanted = {
        child.meta["id"]
        for token in part
        for child in token.children or ()
        if child.type == "footnote_ref"
    }
    if not wanted or end >= len(tokens):
        return []
    kept = [tokens[end]]
    index = end + 1
    while index < len(tokens) and tokens[index].type != "footnote_block_close":
        token = tokens[index]
        if token.type == "footnote_open":
            close = index
            while tokens[close].type != "footnote_close":
                close += 1
            if token.meta["id"] in wanted:
                kept.extend(tokens[index : close + 1])
            index = close + 1
        else:
            index += 1
    if index < len(tokens):
        kept.append(tokens[index])
    return kept
