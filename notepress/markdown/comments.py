"""``%%comments%%`` are private: the parser cuts them out before it builds a single token.

What a comment is (Obsidian's reading):

- A comment starts at a ``%%`` that is not code, and runs to the next ``%%``, wherever that
  is.  "Code" is an inline code span, a fenced or an indented code block, exactly as this
  parser reads the note (not as a line scan guesses).  A comment is not markdown: nothing
  inside it is code, a fence or a link, so the first ``%%`` after the opening one closes it,
  across lines, paragraphs, list items, quotes, footnotes and raw HTML.
- An unclosed ``%%`` hides the rest of the note.
- ``%%`` inside code is kept as written.
- A comment is replaced by the line breaks it spanned, so line numbers in messages stay the
  file's own.

How: a core rule, first after ``normalize``, parses the note once with each ``%%`` replaced by
a numbered placeholder (a nested parse by this same parser, every plugin included), reads which
placeholders ended up inside code tokens, and cuts the comments out of the source that the rest
of the chain then parses.  Comment text never becomes a token, so nothing downstream (the
renderer, the loader's links and title, warnings) can ever see it.

Failing closed: cutting a comment can change what is code elsewhere (a comment that held a
backtick or a fence opener).  The cut text is checked again the same way, and a ``%%`` that is
no longer code starts a comment too.  If that does not settle within a few rounds, or the
placeholder parse and the real parse disagree about a ``%%``, every remaining ``%%`` counts as
a marker: private text stays private, and at worst a code sample loses what follows its
``%%``.  Each round is one parse plus linear scans, so the whole stays linear in the note.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

__all__ = ["COMMENT_FREE_SOURCE", "comments_plugin", "hide_comments"]

#: The env key under which the parse records the note's text with its comments cut.
COMMENT_FREE_SOURCE = "notepress.comments.source"
_NESTED = "notepress.comments.nested"
_MARKER = "%%"
_ROUNDS = 3
_CODE_TOKENS = frozenset({"code_inline", "code_block", "fence"})
#: Where the numbered placeholders come from: private-use characters the note does not hold.
_PLACEHOLDER_RANGE = range(0xE000, 0xF900)

Parse = Callable[[str], Sequence[Token]]


def comments_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("normalize", "comments", _cut_comments)


def _cut_comments(state: StateCore) -> None:
    if state.env.get(_NESTED) or _MARKER not in state.src:
        return
    md = state.md

    def parse(text: str) -> Sequence[Token]:
        # No title: the nested parse must not drop a heading the real one keeps.
        return md.parse(text, {_NESTED: True})

    state.src = hide_comments(state.src, parse)
    state.env[COMMENT_FREE_SOURCE] = state.src


def hide_comments(text: str, parse: Parse) -> str:
    """``text`` with every comment replaced by the line breaks it spanned.

    ``parse`` is the markdown parser (without this rule) that says what is code.
    """
    for _ in range(_ROUNDS):
        if _MARKER not in text:
            return text
        cut = _cut(text, _code_markers(text, parse))
        if cut == text:
            # Every ``%%`` is code in the placeholder parse; the real parse must agree.
            if _code_marker_count(parse(text)) == text.count(_MARKER):
                return text
            break
        text = cut
    return _cut_all(text)


def _code_markers(text: str, parse: Parse) -> frozenset[int]:
    """Indexes (in order of appearance) of the ``%%`` of ``text`` that are code."""
    present = set(text)
    free = [chr(c) for c in _PLACEHOLDER_RANGE if chr(c) not in present][:2]
    if len(free) < 2:
        return frozenset()  # no placeholder available: nothing counts as code
    opening, closing = free
    counter = iter(range(len(text)))
    marked = re.sub(re.escape(_MARKER), lambda _: f"{opening}{next(counter)}{closing}", text)
    found = re.compile(f"{opening}(\\d+){closing}")
    return frozenset(
        int(match.group(1))
        for content in _code_contents(parse(marked))
        for match in found.finditer(content)
    )


def _code_contents(tokens: Iterable[Token]) -> Iterator[str]:
    for token in tokens:
        if token.type in _CODE_TOKENS:
            yield token.content
        if token.children:
            yield from _code_contents(token.children)


def _code_marker_count(tokens: Sequence[Token]) -> int:
    return sum(content.count(_MARKER) for content in _code_contents(tokens))


def _cut(text: str, code: frozenset[int]) -> str:
    """Cut each comment: from a ``%%`` that is not code to the next ``%%`` of any kind."""
    parts: list[str] = []
    position = 0
    opened: int | None = None
    for index, match in enumerate(re.finditer(re.escape(_MARKER), text)):
        if opened is None:
            if index in code:
                continue
            parts.append(text[position : match.start()])
            opened = match.start()
        else:
            parts.append("\n" * text.count("\n", opened, match.end()))
            position = match.end()
            opened = None
    if opened is None:
        parts.append(text[position:])
    else:
        parts.append("\n" * text.count("\n", opened))
    return "".join(parts)


def _cut_all(text: str) -> str:
    """The last resort: every ``%%`` is a marker, code or not."""
    text = _cut(text, frozenset())
    # A cut cannot join two ``%`` into a new marker, but should one ever appear, drop it.
    return text.replace(_MARKER, "")
