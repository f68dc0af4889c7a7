r"""A paragraph that opens display math inside it runs on to the ``$$`` that closes it.

Obsidian reads dollar math before markdown, so in::

    The mean is bounded by $$
    L \ge H
    $$ and reached when $$
    p = r^{-l}
    $$ exactly.

each ``$$`` closes the one before it: two formulas inside one paragraph.  Read as markdown
first, the third line, which starts with ``$$``, ended the paragraph as a display block of
its own (holding the words between), a TeX line starting ``- `` or ``+ `` became a list
item, and both formulas were printed as raw TeX, with no warning.

So this is markdown-it's paragraph rule with one change: while the paragraph holds an odd
number of ``$$`` and a later line of it (before a blank line) closes that formula, no line
ends the paragraph.  A ``$$`` that nothing closes changes nothing, so a stray one never
swallows a heading or a list after it.  Lines are scanned for the closing ``$$`` once: a
scan that found none is kept for the lines it passed (:class:`_Scan`), so a list of many
items each with a stray ``$$`` costs a linear pass, not one per item.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import mdTrim
from markdown_it.rules_block import StateBlock

__all__ = ["math_paragraph_plugin", "odd_doubles"]

#: A ``$$`` not escaped by a backslash.
_DOUBLE = re.compile(r"(?<!\\)\$\$")
_SCAN = "notepress_math_paragraph_scan"


def math_paragraph_plugin(md: MarkdownIt) -> None:
    md.block.ruler.at("paragraph", _paragraph)
    (quote,) = [rule for rule in md.block.ruler.__rules__ if rule.name == "blockquote"]
    md.block.ruler.at("blockquote", _quote_keeping_formulas(quote.fn), {"alt": quote.alt})


@dataclass
class _Scan:
    """The last search for a line with an odd number of ``$$``: from ``start`` (exclusive),
    within lines before ``end``, it found ``found`` (None: none up to ``stop``, a blank line
    or ``end``)."""

    start: int
    end: int
    stop: int
    found: int | None


def odd_doubles(text: str) -> bool:
    """Whether ``text`` holds an odd number of ``$$`` that delimit display math (not
    escaped, not where two inline formulas meet): it opens or closes a formula."""
    return "$$" in text and _display_doubles(text) % 2 == 1


#: An unescaped ``$`` or ``$$``.
_DOLLARS = re.compile(r"(?<!\\)\$\$?")


def _display_doubles(text: str) -> int:
    """The ``$$`` of ``text`` that delimit display math.

    Where two inline formulas touch (``$a$$b$``, which Obsidian shows as two, and a vault
    may use ``$\\space$$\\space$`` as a spacer), the ``$$`` closes one and opens the other,
    as the inline rule reads it: counted as a display delimiter, it made the paragraph run
    on to the next odd line, taking the headings and lists between as its text.  Any other
    ``$$`` counts, as before.  One pass over the dollars, so a line of thousands of them
    costs its length.
    """
    found = [match.span() for match in _DOLLARS.finditer(text)]
    # The last single ``$`` that can close an inline formula (not after a space): a ``$$``
    # joins two formulas only if one closes the second after it.
    last_closer = max(
        (
            start
            for start, end in found
            if end - start == 1 and start and not text[start - 1].isspace()
        ),
        default=-1,
    )
    count, inside = 0, False  # inside: after a single ``$`` that opened an inline formula
    for start, end in found:
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if end - start == 1:
            # A ``$`` after a space closes nothing; one before a space opens nothing.
            inside = before.isspace() if inside else not after.isspace()
            continue
        if inside and not before.isspace() and not after.isspace() and last_closer > end:
            continue  # ``$a$$b$``: inside stays true, for the second formula
        count += 1
        inside = False
    return count


def _odd(state: StateBlock, line: int) -> bool:
    """Whether ``line`` holds an odd number of ``$$``: it opens or closes a formula."""
    return odd_doubles(state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]])


def _closing(state: StateBlock, opened: int, end: int) -> int | None:
    """The first line after ``opened`` with an odd number of ``$$``, before a blank line."""
    scan: _Scan | None = getattr(state, _SCAN, None)
    if scan is not None and scan.end == end and scan.start <= opened:
        limit = scan.found if scan.found is not None else scan.stop
        if opened < limit:
            return scan.found
    line = opened + 1
    while line < end and not state.isEmpty(line):
        if _odd(state, line):
            setattr(state, _SCAN, _Scan(opened, end, line, line))
            return line
        line += 1
    setattr(state, _SCAN, _Scan(opened, end, line, None))
    return None


def _paragraph(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's paragraph rule, kept whole while a formula it opened is still open."""
    next_line = start_line + 1
    terminators = state.md.block.ruler.getRules("paragraph")
    end_line = state.lineMax
    parent = state.parentType
    state.parentType = "paragraph"
    # The line whose ``$$`` closes the formula open at ``next_line``, when one does.
    closes = _closing(state, start_line, end_line) if _odd(state, start_line) else None
    while next_line < end_line:
        if state.isEmpty(next_line):
            break
        if closes is not None and next_line <= closes:
            if next_line == closes:
                closes = None
            next_line += 1
            continue
        # As markdown-it: a line indented as code or a quote's lazy line continues the
        # paragraph whatever it holds; any other line is asked whether it starts a block.
        if (
            state.sCount[next_line] - state.blkIndent <= 3
            and state.sCount[next_line] >= 0
            and any(rule(state, next_line, end_line, True) for rule in terminators)
        ):
            break
        if _odd(state, next_line):
            closes = _closing(state, next_line, end_line)
        next_line += 1
    content = mdTrim(state.getLines(start_line, next_line, state.blkIndent, False))
    state.line = next_line
    token = state.push("paragraph_open", "p", 1)
    token.map = [start_line, state.line]
    token = state.push("inline", "", 0)
    token.content = content
    token.map = [start_line, state.line]
    token.children = []
    state.push("paragraph_close", "p", -1)
    state.parentType = parent
    return True


BlockRule = Callable[[StateBlock, int, int, bool], bool]


def _quote_keeping_formulas(quote: BlockRule) -> BlockRule:
    """markdown-it's quote rule, whose lazy lines (written without ``>``, as a callout's
    often are) inside a formula its paragraph opened never end the quote.

    The quote decides where it ends before its paragraph is read: a lazy line that could
    start a block (``$$Then ... $$``, ``- x``) ended it, so a callout written::

        >[!note]
        Suppose that $$
        a < b
        $$Then it holds: $$
        c = a + b
        $$and so on.

    lost its text from the third line on, and its formulas and words changed places.  For
    the quote's scan, such lines read as indented like code (which no block interrupts, so
    they stay lazy lines of its paragraph); the paragraph rule then keeps the formulas
    whole, as it does outside a quote.
    """

    def keeping(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        # Asked at every line that starts a block: the lines are read only for a quote.
        start = state.bMarks[start_line] + state.tShift[start_line]
        opens = state.src.startswith(">", start) and not state.is_code_block(start_line)
        lines = (
            _inside_formulas(state, start_line, end_line)
            if opens and not silent and _holds_doubles(state)
            else []
        )
        if not lines:
            return quote(state, start_line, end_line, silent)
        counts = [state.sCount[line] for line in lines]
        for line in lines:
            state.sCount[line] = state.blkIndent + 4
        try:
            return quote(state, start_line, end_line, silent)
        finally:
            for line, count in zip(lines, counts, strict=True):
                state.sCount[line] = count

    return keeping


_DOUBLES = "notepress_math_paragraph_doubles"


def _holds_doubles(state: StateBlock) -> bool:
    """Whether the text parsed holds a ``$$`` at all (most notes do not), found once."""
    found: bool | None = getattr(state, _DOUBLES, None)
    if found is None:
        found = "$$" in state.src
        setattr(state, _DOUBLES, found)
    return found


def _inside_formulas(state: StateBlock, start_line: int, end_line: int) -> list[int]:
    """The lines without ``>`` of the quote at ``start_line`` that lie inside a formula
    opened above them in the same paragraph and closed on them or below.

    Read up to where the quote may end: a blank line, or a line without ``>`` outside a
    formula that starts a block (as the quote's own scan asks), so that the lines of a
    note are read a bounded number of times however many quotes it holds."""
    terminators = state.md.block.ruler.getRules("blockquote")
    inside: list[int] = []
    lazy: list[int] = []  # lines without ``>`` since the formula opened
    opened = False
    for line in range(start_line, end_line):
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
        if not text:
            break  # a blank line ends the quote
        marked = text.startswith(">") and state.sCount[line] - state.blkIndent < 4
        if marked and not text.lstrip("> \t"):
            opened, lazy = False, []  # an empty quote line ends the paragraph
            continue
        if not marked and line > start_line:
            if opened:
                lazy.append(line)
            elif state.sCount[line] - state.blkIndent < 4 and any(
                rule(state, line, end_line, True) for rule in terminators
            ):
                break  # the quote ends here
        if "$$" in text and odd_doubles(text):
            if opened:
                inside += lazy
            opened, lazy = not opened, []
    return inside
