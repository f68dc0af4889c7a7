"""A bare ``http://`` or ``https://`` with no address after it stays text.

The GFM autolink rule (mdit-py-plugins) links a scheme followed by an empty domain, which
GitHub's own parser does not: prose such as "rewrite it to https://<ip>" (``<ip>`` a
placeholder) would become a link to nowhere, and, as an address no public output may show,
its text would give way to a notice and a warning about a private address.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

__all__ = ["autolinks_plugin"]

_SCHEME_ONLY = frozenset({"http://", "https://"})


def autolinks_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("inline", "scheme_only_autolinks", _unlink)


def _unlink(state: StateCore) -> None:
    if "://" not in state.src:
        return
    for token in state.tokens:
        children = token.children
        if children and any(_scheme_only(child) for child in children):
            token.children = _without_scheme_only_links(children)


def _scheme_only(token: Token) -> bool:
    return (
        token.type == "link_open"
        and token.info == "auto"
        and token.attrGet("href") in (_SCHEME_ONLY)
    )


def _without_scheme_only_links(children: list[Token]) -> list[Token]:
    kept: list[Token] = []
    index = 0
    while index < len(children):
        child = children[index]
        if _scheme_only(child) and index + 2 < len(children):
            text, close = children[index + 1], children[index + 2]
            if text.type == "text" and close.type == "link_close":
                kept.append(text)
                index += 3
                continue
        kept.append(child)
        index += 1
    return kept
