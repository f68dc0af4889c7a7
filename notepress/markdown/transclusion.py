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

from ..links import find_heading, with_title_heading
from .blockids import BLOCK_ID
from .headings import heading_source

__all__ = [
    "HEADING_EMBED",
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
#: ``meta`` key of the paragraph an embed written as a heading moved to (``## ![[Note]]``):
#: the heading already reads as its name, which the paragraph must not show again.
HEADING_EMBED = "heading_embed"
#: Embeds inside embeds shown before the next one is written as a link.
MAX_EMBED_DEPTH = 4
#: Embeds shown in one rendered note, nested ones included; the rest are written as links.
#: A note embedding a long note a thousand times (each embedding another...) would
#: otherwise multiply its size by as much.
MAX_EMBEDS_SHOWN = 100


def transclusion_plugin(md: MarkdownIt) -> None:
    # After the wikilinks plugin has made images of notes embeds (it is used first).
    md.core.ruler.after("note_images", "lone_embeds", _lone_embeds)
    md.core.ruler.before("lone_embeds", "heading_embeds", _heading_embeds)


def _heading_embeds(state: StateCore) -> None:
    """``## ![[Saltmarsh]]``, an outline of embedded notes: the heading reads as the embed's
    name and the note follows it, as if written on the next line.  Shown inside the heading,
    the note's paragraphs and headings were a block in a heading, which no output may hold
    (an EPUB kept an empty heading before them).  Embeds of files (a picture, ``.pdf``)
    stay where they are, as the inline content they are."""
    tokens = state.tokens
    found: list[tuple[int, list[Token]]] = []
    for index in range(len(tokens) - 2):
        token = tokens[index]
        if token.type != "heading_open" or tokens[index + 1].type != "inline":
            continue
        inline = tokens[index + 1]
        embeds = [child for child in inline.children or () if _embeds_a_note(child)]
        if not embeds:
            continue
        moved = {id(child) for child in embeds}
        inline.children = [
            _text(child.meta["link"].text) if id(child) in moved else child
            for child in inline.children or ()
        ]
        found.append((index + 3, [t for child in embeds for t in _paragraph_of(child, token)]))
    for at, added in reversed(found):  # from the end: earlier places stay where they are
        tokens[at:at] = added


def _embeds_a_note(token: Token) -> bool:
    """Whether ``token`` embeds a note, by its name: one with no suffix, or ``.md``."""
    if token.type != "wikilink" or not token.meta["link"].embed:
        return False
    name = token.meta["link"].target.rsplit("/", 1)[-1]
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return suffix in ("", "md") or " " in suffix  # "Notes v1.2 draft" has no suffix


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _paragraph_of(embed: Token, heading: Token) -> list[Token]:
    """A paragraph of ``embed`` alone, on the lines of ``heading``."""
    opened = Token("paragraph_open", "p", 1)
    inline = Token("inline", "", 0)
    closed = Token("paragraph_close", "p", -1)
    for token in (opened, inline, closed):
        token.map = heading.map
        token.meta = {HEADING_EMBED: True}
        token.block = True
        token.level = heading.level
    inline.level += 1
    inline.content = embed.markup
    inline.children = [embed]
    return [opened, inline, closed]


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


def select_embedded(
    tokens: Sequence[Token], heading: str | None, title: str = "", body: str = ""
) -> list[Token] | None:
    """The tokens an embed of a note with ``tokens`` shows, or None when the part is missing.

    ``heading`` is what the embed names after ``#``: a heading, ``^block-id``, or None.
    ``title`` and ``body`` are the note's, whose H1 repeating the title the tokens no
    longer hold (see :func:`~notepress.links.with_title_heading`).
    """
    body_end = next(
        (i for i, token in enumerate(tokens) if token.type == "footnote_block_open"), len(tokens)
    )
    if heading is None:
        return list(tokens)
    if heading.startswith("^"):
        part = _block(tokens, body_end, heading[1:])
    else:
        part = _section(tokens, body_end, heading, title, body)
    if part is None:
        return None
    return part + _footnotes(tokens, body_end, part)


def _section(
    tokens: Sequence[Token], end: int, written: str, title: str, body: str
) -> list[Token] | None:
    starts = [i for i in range(end) if tokens[i].type == "heading_open"]
    heads = [(int(tokens[i].tag[1]), heading_source(tokens[i + 1])) for i in starts]
    title_at = -1
    if title:
        # With the H1 repeating the title, dropped from the tokens (the title stands
        # there): its section runs from the top to the next H1, as Obsidian shows it, or
        # holds nothing at the end; ``Title#Part`` is the part under it.
        heads, title_at = with_title_heading(heads, body, title)
    found = find_heading(heads, written)
    if found is not None and found == title_at:
        if title_at:
            return []
        stop = next((i for i in starts if tokens[i].tag == "h1" and tokens[i].level == 0), end)
        return list(tokens[:stop])
    if found is not None and 0 <= title_at < found:
        found -= 1
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
