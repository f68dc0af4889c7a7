"""Two corrections to the GFM autolink rule (mdit-py-plugins), for bare URLs in prose.

A bare ``http://`` or ``https://`` with no address after it stays text.  The rule links a
scheme followed by an empty domain, which GitHub's own parser does not: prose such as
"rewrite it to https://<ip>" (``<ip>`` a placeholder) would become a link to nowhere, and,
as an address no public output may show, its text would give way to a notice and a warning
about a private address.

A bare URL ends before CJK or fullwidth punctuation (an ideographic full stop or comma, a
fullwidth comma or parenthesis) and before a no-break or ideographic space.  Chinese and Japanese prose puts no space after a URL, and
the rule ran on to the next space, taking the rest of the sentence into the address: a link
to a page that does not exist, and when the address was a local one
(``http://localhost:3000/`` then a fullwidth comma and the words) the whole sentence gave
way to the notice.  Letters of any script still belong to a URL's path (``/wiki/中文``).
A bare URL also ends before ``[[``: Obsidian reads a wikilink before anything else, so in
``[[9]](https://a.example/x)[[10]](...)`` (references numbered as wikilinks, each followed by
its address) the second wikilink is a link of its own, not the end of the first address.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

__all__ = ["autolinks_plugin"]

_SCHEME_ONLY = frozenset({"http://", "https://"})
#: Where a bare URL ends: a space (a no-break or an ideographic one too, which the rule
#: reads as part of the URL), CJK or fullwidth punctuation, or a wikilink's ``[[``.
_URL_END = re.compile(r"[\s\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]|\[\[")
_ASCII_SPACES = frozenset(" \t\n\r\f\v")

InlineRule = Callable[[StateInline, bool], bool]


def autolinks_plugin(md: MarkdownIt) -> None:
    rules = {rule.name: rule.fn for rule in md.inline.ruler.__rules__}
    for name, starts in (
        ("gfm_autolink_www", _www_starts),
        ("gfm_autolink_protocol", _protocol_starts),
    ):
        if name in rules:
            md.inline.ruler.at(name, _bare_url_rule(rules[name], starts))
    md.core.ruler.after("inline", "scheme_only_autolinks", _unlink)


def _bare_url_rule(rule: InlineRule, starts: Callable[[StateInline], bool]) -> InlineRule:
    """``rule``, asked only where ``starts`` says a URL can start, and reading no further
    than the first CJK or fullwidth punctuation or non-ASCII space of the word it starts in
    (its end, when an ASCII space comes first, is the rule's own).

    Every inline rule is tried at every ``:`` and ``w`` that stops the text: asked first,
    the rule's own condition in constant time keeps a line of ``a:a:a:...`` linear (the
    protocol rule searches all the text before a ``:`` and copies all after it: 40,000 of
    them took 45 s), and the search for the URL's end is made only for a URL.
    """

    def bounded(state: StateInline, silent: bool) -> bool:
        if not starts(state):
            return False
        end = _URL_END.search(state.src, state.pos, state.posMax)
        if end is None or end.group() in _ASCII_SPACES:
            return rule(state, silent)  # the rule ends a URL there itself
        limit = state.posMax
        state.posMax = end.start()
        try:
            return rule(state, silent)
        finally:
            state.posMax = limit

    return bounded


def _www_starts(state: StateInline) -> bool:
    return state.src.startswith("www.", state.pos)


def _protocol_starts(state: StateInline) -> bool:
    """After ``http`` or ``https`` and before ``://``, or after ``mailto`` or ``xmpp``: the
    protocol rule matches nowhere else."""
    if state.pending.endswith(("http", "https")):
        return state.src.startswith("://", state.pos)
    return state.pending.endswith(("mailto", "xmpp"))


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
