"""Heading ids from slugs, unique within a note; the render context adds a per-note prefix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from ..slugs import heading_slug

if TYPE_CHECKING:
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

__all__ = ["heading_source", "headings_plugin", "inline_text"]


def headings_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("heading_ids", _heading_ids)
    md.add_render_rule("heading_open", _render_heading_open)


def inline_text(token: Token) -> str:
    """The visible text of an inline token, markup removed."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "wikilink":
            parts.append(child.meta["link"].text)
    return "".join(parts).strip()


def heading_source(token: Token) -> str:
    """A heading's text as written, markup kept and spaces collapsed, from its inline token:
    what Obsidian matches a link's ``#Heading`` against (``[[#`move`]]`` names ``### `move` ``,
    and ``[[#_Lemma _ x]]`` names ``## _Lemma:_ x``).  Links and embeds alike are matched
    against it, so that a link that leads to a heading and an embed that shows it agree."""
    return " ".join(token.content.split())


def _heading_ids(state: StateCore) -> None:
    used: dict[str, int] = {}
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        base = heading_slug(inline_text(tokens[index + 1]))
        count = used.get(base, 0)
        used[base] = count + 1
        slug = base if count == 0 else f"{base}-{count + 1}"
        token.meta = {**(token.meta or {}), "slug": slug, "base_slug": base}


def _render_heading_open(
    self: object, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    anchor = env["notepress"].heading_id(token.meta.get("slug", "section"))
    direction = token.attrGet("dir")  # right-to-left notes: see .direction
    return f'<{token.tag} id="{anchor}"' + (f' dir="{direction}">' if direction else ">")
