"""``[[wikilinks]]`` and ``![[embeds]]`` as inline tokens, written out by the render context.

The parser only records what was written (a :class:`~notepress.model.Link` in ``token.meta``);
how the link is lowered (URL, anchor, plain text) is decided at render time by the target's
:class:`~notepress.markdown.render.RenderContext`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from ..links import WIKILINK_RE, note_address, parse_wikilink
from ..model import Link

if TYPE_CHECKING:
    from markdown_it.utils import EnvType, OptionsDict

__all__ = ["wikilinks_plugin"]


def wikilinks_plugin(md: MarkdownIt) -> None:
    """Add the ``wikilink`` inline rule, before links and images so ``[[`` is never a link;
    and read an image of a note (``![](Note.md#Part)``) as the embed it is."""
    md.inline.ruler.before("link", "wikilink", _wikilink)
    md.inline.ruler.before("image", "wikilink_embed", _wikilink)
    md.core.ruler.after("inline", "note_images", _note_images)
    md.add_render_rule("wikilink", _render_wikilink)


def _note_images(state: StateCore) -> None:
    """``![](Source%20note.md#^id)`` as ``![[Source note#^id]]`` (and ``![](#^id)`` as
    ``![[#^id]]``): Obsidian writes an embed so when wikilinks are off, and shows the note's
    text.  As an image it was a broken
    picture of a web page in a feed, and nothing in a book or a digest."""
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        if ".md" not in token.content.lower() and "](#" not in token.content:
            continue
        for index, child in enumerate(token.children):
            if child.type != "image":
                continue
            written = str(child.attrGet("src") or "")
            # ``![](#^id)``: a part of the note itself, as ``![[#^id]]`` embeds it.
            address = "" if written.strip().startswith("#") else note_address(written)
            if address is None:
                continue
            fragment = unquote(urlsplit(written.strip()).fragment) or None
            if address == "" and fragment is None:
                continue
            alt = "".join(part.content for part in child.children or ()).strip() or None
            embed = Token("wikilink", "", 0)
            embed.meta = {"link": Link(address, fragment, alt, embed=True)}
            embed.markup = written  # what the loader finds the line by
            token.children[index] = embed


def _wikilink(state: StateInline, silent: bool) -> bool:
    src = state.src
    start = state.pos
    embed = src.startswith("![[", start)
    if not embed and not src.startswith("[[", start):
        return False
    match = WIKILINK_RE.match(src, start, state.posMax)
    if match is None or bool(match.group(1)) != embed:
        return False
    link = parse_wikilink(match.group(2), embed=embed)
    if link.names_nothing:
        return False  # ``[[ ]]`` names nothing: text, as in Obsidian
    if not silent:
        token = state.push("wikilink", "", 0)
        token.meta = {"link": link}
        token.markup = match.group(0)
    state.pos = match.end()
    return True


def _render_wikilink(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    context = env["notepress"]
    return context.render_link(tokens[idx].meta["link"])
