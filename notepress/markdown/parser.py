"""The Obsidian-flavoured markdown parser, and each note's tokens under its CPU budget.

Apart from the renderer so that the vault loader (which reads links, headings, block ids and
tags from the tokens) and the reference check read notes with the very parser that renders
them, without depending on the renderer, which depends on the vault.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import validateLink
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin

from ..budget import BudgetExceeded, cpu_budget, too_slow
from ..errors import NoteRenderError
from ..model import Note
from .admonitions import admonitions_plugin
from .autolinks import autolinks_plugin
from .blockids import blockids_plugin
from .callouts import callouts_plugin
from .cleanup import cleanup_plugin
from .comments import comments_plugin
from .direction import directions_plugin
from .headings import headings_plugin
from .hiddenhtml import hiddenhtml_plugin
from .highlight import highlight_plugin
from .inlinetags import inlinetags_plugin
from .math import MATH_TOKENS, math_plugin, trimmed
from .nesting import FLATTENED_LINE, nesting_plugin
from .rawhtml import rawhtml_plugin
from .tables import tables_plugin
from .tasks import tasks_plugin
from .transclusion import transclusion_plugin
from .wikilinks import wikilinks_plugin

__all__ = ["create_parser", "located_tokens", "note_tokens", "parse_body", "plain_text"]


@functools.cache
def create_parser() -> MarkdownIt:
    """The Obsidian-flavoured parser: CommonMark, GFM tables, tasks (any character in the box,
    :mod:`.tasks`), strikethrough, plugins."""
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.options["tasklists"] = True
    md.options["alerts"] = False
    # ``file:`` links become link tokens, dropped by lower_url and reported by the load-time
    # reference check: markdown-it's own filter would leave ``[x](file:///home/...)`` as
    # literal text, the local path included, and unreported.
    md.validateLink = _file_links_too  # type: ignore[method-assign]
    md.core.ruler.at("inline", _inline)
    md.use(math_plugin)  # first: no other rule may read inside a formula
    md.use(gfm_autolink_plugin)
    md.use(autolinks_plugin)
    md.use(footnote_plugin)
    md.use(tables_plugin)
    md.use(comments_plugin)
    md.use(wikilinks_plugin)
    md.use(highlight_plugin)
    md.use(callouts_plugin)
    md.use(admonitions_plugin)  # after the callout rule is added: it runs before it
    md.use(blockids_plugin)
    md.use(tasks_plugin)  # before block ids: ``- [-] ^id`` names the item
    md.use(inlinetags_plugin)
    md.use(transclusion_plugin)
    md.use(cleanup_plugin)
    md.use(headings_plugin)
    md.use(nesting_plugin)
    md.use(rawhtml_plugin)
    md.use(hiddenhtml_plugin)
    md.use(directions_plugin)  # last: blocks as every other rule leaves them
    md.inline.terminator_re = _terminators(md.inline.terminator_re)
    return md


#: Characters that stop markdown-it's text rule although no inline rule of this parser
#: starts at them (markdown-it keeps them for extensions).  ``w`` stops it for the GFM
#: ``www.`` autolinks, which start only at ``www.``.
_PASSIVE = frozenset("%+-{}>")


def _terminators(stops: re.Pattern[str]) -> re.Pattern[str]:
    """``stops`` without the characters where no rule can match.

    At such a character every inline rule is tried, each fails, and the character is added
    to the text, as the text rule would have added it: the tokens are the same, at a
    fraction of the calls (a ``w`` or a ``-`` is common in prose).
    """
    if not stops.pattern.isascii():
        return stops  # a stop character this reading does not know: keep them all
    chars = {char for char in map(chr, range(128)) if stops.fullmatch(char)}
    kept = "".join(sorted(chars - _PASSIVE - {"w"}))
    www = "|w(?=ww\\.)" if "w" in chars else ""
    return re.compile(f"[{re.escape(kept)}]{www}")


def _inline(state: StateCore) -> None:
    """markdown-it's inline rule, without its fixed cost for a block with no inline text.

    A partial parse empties most blocks (see ``comments.INLINE_ONLY``), and an empty string
    gives no inline token whatever the rules: parsing it only builds and discards a state.
    """
    md = state.md
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            if token.content:
                md.inline.parse(token.content, md, state.env, token.children)


def _file_links_too(url: str) -> bool:
    return url.strip().lower().startswith("file:") or validateLink(url)


@functools.lru_cache(maxsize=256)
def parse_body(body: str, title: str) -> tuple[tuple[Token, ...], int | None]:
    """Tokens of a body, and the first body line (0-based) whose nesting was flattened.

    Parsing does not depend on the output, so it is shared by targets.
    """
    env: dict[str, Any] = {"title": title}
    tokens = tuple(create_parser().parse(body, env))
    return tokens, env.get(FLATTENED_LINE)


def plain_text(source: str) -> str:
    """One line of markdown (a frontmatter ``description``) as the text a reader sees:
    ``[[Frozen|frozen solid]]`` as "frozen solid", ``**bold**`` as "bold", ``&NewLine;``
    as a space; angle brackets are text.  Where it is shown (a feed's summary, the
    JSON-LD, a digest's line under a title) markup would be printed as written."""
    # Angle brackets stay text, as a property's are in Obsidian: "<angle>" is no HTML tag.
    tokens = create_parser().parseInline(source.replace("<", "&lt;"), {})
    parts: list[str] = []
    for child in _flat(tokens[0].children or []) if tokens else ():
        if child.type in MATH_TOKENS:  # as readers see it: without its TeX comments
            parts.append(trimmed(child.content))
        elif child.type in ("text", "code_inline", "text_special"):
            parts.append(child.content)
        elif child.type == "wikilink":
            parts.append(child.meta["link"].text)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _flat(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _flat(token.children)


def note_tokens(note: Note) -> tuple[Token, ...]:
    """The note's markdown tokens, parsed under the note's budget (shared with rendering).

    Raises :class:`NoteRenderError` like :func:`render_note`.
    """
    try:
        with cpu_budget():
            return parse_body(note.body, note.title)[0]
    except BudgetExceeded as exc:
        raise NoteRenderError(too_slow(note.path.as_posix(), "parsing", exc)) from None
    except RecursionError:
        raise NoteRenderError.too_deep(note) from None


def located_tokens(note: Note) -> Iterator[tuple[Token, int]]:
    """Each block token of :func:`note_tokens` and each inline token inside one, with the
    file line it starts on: for the load-time checks that name the line of a URL or a tag
    the renderer will meet."""
    for token in note_tokens(note):
        first = note.body_line + (token.map[0] if token.map else 0)
        yield token, first
        offset = 0
        for child in token.children or ():
            yield child, first + offset
            if child.type in ("softbreak", "hardbreak"):
                offset += 1
            elif child.type == "html_inline":
                offset += child.content.count("\n")
