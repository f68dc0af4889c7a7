r"""TeX math: ``$...$`` inline and ``$$...$$`` display, read as Obsidian reads them.

Math is parsed by mdit-py-plugins' dollarmath before any other inline rule, so markdown never
touches the TeX: no ``\\`` turned into ``\``, no ``_`` pairs read as emphasis, no wikilink,
tag, highlight or footnote inside a formula.  Obsidian's reading (as pandoc's): inline math
has no space right inside its dollars and its closing ``$`` is not followed by a digit, so
"costs $5 and $10" stays text; ``$$...$$`` is display math, on its own lines (over several,
inside list items and callouts too) or within a paragraph.

A display block runs to the next line ending in ``$$`` whatever blank lines it holds, as
Obsidian's MathJax reads it (in TeX a blank line is a paragraph break, which display math
ignores; latex2mathml, ziamath and pandoc's texmath read it as space).  Only a block without
a blank line may run on over lines outside its list item (lazy lines, as dollarmath reads
them); past a blank line the closing ``$$`` must be in the same container, so that a stray
``$$`` never swallows what follows it: with no closing ``$$`` the line stays text.  The
block's token is tagged ``div``, the element it is written as, which carries its block id
(``^id`` on the line after it, :mod:`~notepress.markdown.blockids`).

How a formula is written depends on the output, its *math rule*, chosen next to the footnote
rule:

``mathml``
    MathML (latex2mathml), the TeX kept as an annotation and as ``alttext``: feeds and
    e-books, whose readers show MathML.
``svg``
    An SVG image (ziamath, pure Python) sized in ``em`` so that it sits on the text line:
    print, since WeasyPrint has no MathML.
``tex``
    The TeX as written, between its dollars: metadata and plain text.

A formula neither library can convert is written as its TeX in a code style
(``<code class="math-tex">``) and gives a ``math-invalid`` warning.  Conversions are cached by
the TeX alone, so rendering stays pure.
"""

from __future__ import annotations

import base64
import functools
import re
import threading
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Literal, NamedTuple
from xml.etree import ElementTree

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar

from ..budget import BudgetExceeded
from .mathparagraph import math_paragraph_plugin, odd_doubles

__all__ = [
    "MATH_LINE",
    "MATH_RULES",
    "MATH_TOKENS",
    "SVG_NODES",
    "TOO_COMPLEX",
    "MathRule",
    "Svg",
    "TooComplex",
    "Unprintable",
    "convertible",
    "display_rows",
    "invalid_formulas",
    "invalid_message",
    "math_plugin",
    "standard_tex",
    "to_mathml",
    "to_svg",
    "too_complex_message",
    "trimmed",
    "unpaired_displays",
]

MathRule = Literal["mathml", "svg", "tex"]
MATH_RULES: tuple[MathRule, ...] = ("mathml", "svg", "tex")
#: Token types holding a formula; ``content`` is its TeX exactly as written.
MATH_TOKENS = frozenset({"math_inline", "math_inline_double", "math_block"})
#: ``meta`` key of an inline formula: its line in the body (0-based), for warnings.
MATH_LINE = "math_line"

_MATHML = "http://www.w3.org/1998/Math/MathML"
#: A TeX command left as text in the result: a command the converter does not know.
_UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z]+")
#: Environments latex2mathml lacks, and the one it knows that draws the same.
_ENVIRONMENTS = {"aligned": "align*", "gathered": "gather*"}
_ENVIRONMENT_RE = re.compile(r"\\(begin|end)\{(aligned|gathered)\}")
#: ``alignat`` and ``alignedat``, with the number of column pairs that opens them: neither
#: converter knows them, and latex2mathml drew that number as the first cell's.
_ALIGNAT = re.compile(
    r"\\begin\{(?:alignat\*?|alignedat)\}\s*\{\s*\d+\s*\}|\\end\{(?:alignat\*?|alignedat)\}"
)
#: Environments no converter here draws, which latex2mathml and ziamath would print as
#: their source's characters in a row (amscd's ``CD``: ``P @>f>> Q``) rather than refuse.
_UNDRAWN = re.compile(r"\\begin\{CD\}")
#: Scripts nested deeper than this (``2^{2^{2^{...}}}``) are refused by every converter:
#: a book's pandoc takes time that doubles with each level past it (16 levels: 1.4 s; 22:
#: more than a minute, and the whole book failed at its time limit), in a formula of a
#: hundred characters no note writes but to break a build.
MAX_SCRIPT_DEPTH = 12
_SCRIPT_GROUP = re.compile(r"\\.|[_^]\s*\{|[{}]")


def _undrawn(tex: str) -> str | None:
    """Why no converter here may draw ``tex``, or None: an environment none draws, or
    scripts nested past :data:`MAX_SCRIPT_DEPTH`."""
    if _UNDRAWN.search(tex):
        return "commutative diagrams (amscd's CD) are drawn by no converter here"
    if tex.count("{") <= MAX_SCRIPT_DEPTH:
        return None
    stack: list[bool] = []  # per open group: whether it is a script's
    depth = 0
    for found in _SCRIPT_GROUP.finditer(tex):
        token = found.group(0)
        if token.startswith("\\"):
            continue
        if token == "}":
            if stack and stack.pop():
                depth -= 1
            continue
        script = token != "{"
        stack.append(script)
        if script:
            depth += 1
            if depth > MAX_SCRIPT_DEPTH:
                return f"scripts nested more than {MAX_SCRIPT_DEPTH} deep are drawn by no converter here"
    return None


#: LaTeX's named operators that latex2mathml (and ziamath, which uses it) does not know,
#: written as the ``\operatorname`` they are: ``\arg\max`` is everyday statistics.
_OPERATORS_RE = re.compile(r"\\(arg)(?![A-Za-z])")
#: ``\begin{align}`` and a ``[`` that starts its first row (a commutator ``[u, v]``), which
#: latex2mathml (and ziamath, which uses it) reads as an option of the environment, failing;
#: a one-letter ``[t]``, ``[b]``... is such an option and stays one.
_BRACKET_AFTER_BEGIN = re.compile(r"(\\begin\{[A-Za-z]+\*?\})(?=\s*\[(?![tbclr]\]))")
#: A big operator with a limit below it (``\sum_{k}``), which a display formula draws below
#: anyway: ziamath drew such an operator with no limit above, inside ``\left( ... \right)``,
#: two thousand pixels tall (a page of parentheses in a PDF), and draws it right when told
#: ``\limits``.
_BIG_OPERATOR_BELOW = re.compile(
    r"\\(sum|prod|coprod|big(?:cup|cap|vee|wedge|oplus|otimes|odot|uplus|sqcup))"
    r"(?![A-Za-z])(\s*)(?=_)"
)
#: A command that sets its argument as words, inside which MathJax reads ``$...$`` as math.
_TEXT_OPEN = re.compile(r"\\(?:text|textrm|textit|textbf|textsf|texttt|textnormal|mbox|hbox)\s*\{")
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")
_BRACE = re.compile(r"(?<!\\)[{}]")
#: ``\lbrace`` and ``\rbrace``, which are ``\{`` and ``\}``: latex2mathml reads them alone
#: but not after a size (``\big\lbrace``), which a real vault writes.
_NAMED_BRACES = re.compile(r"\\([lr]brace)(?![A-Za-z])")
_BRACES = {"lbrace": "\\{", "rbrace": "\\}"}
#: ``\over`` with nothing before it in its group (an inference rule's line with no premise,
#: ``\over \Gamma \vdash x``), which TeX reads as an empty numerator and latex2mathml
#: refuses; given the empty group it means.
_BARE_OVER = re.compile(r"(^|\{)(?=\s*\\over(?![A-Za-z]))")
#: Size in pixels at which ziamath draws; results are scaled back to em.
_SVG_SIZE = 20.0


def math_plugin(md: MarkdownIt) -> None:
    """Parse dollar math as Obsidian does, and record each inline formula's line."""
    dollarmath_plugin(
        md,
        allow_labels=False,
        allow_space=False,
        allow_digits=False,
        allow_blank_lines=False,  # its rule is replaced: see _display_block
        double_inline=True,
    )
    md.inline.ruler.at("math_inline", _inline_at_start(math_inline_dollar(False, False, True)))
    # Like a fence, a ``$$`` line ends the paragraph above it (and a quote's or list item's
    # lazy line): Obsidian shows a formula written straight under a line of text, and
    # otherwise a ``=`` or ``- x`` line of its TeX would make the text a heading or a list.
    md.block.ruler.at(
        "math_block", _display_block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    md.core.ruler.after("inline", "math_lines", _lines)
    md.use(math_paragraph_plugin)


def _inline_at_start(
    rule: Callable[[StateInline, bool], bool],
) -> Callable[[StateInline, bool], bool]:
    """dollarmath's inline rule, reading nothing before the start of its text.

    At the first character of a paragraph it looks at ``src[pos - 1]``, which Python reads
    as the *last* character: ``$n$ is at least 2`` stayed text (a digit before the opening
    dollar), and a paragraph ending in a backslash made its opening ``$`` escaped.  There it
    is given the text with a line end after it, which is what it then reads instead (nothing
    it searches for: no dollar, digit or backslash); elsewhere it runs as it is.
    """

    def at_start(state: StateInline, silent: bool) -> bool:
        if state.pos != 0:
            return rule(state, silent)
        src = state.src
        state.src = src + "\n"
        try:
            return rule(state, silent)
        finally:
            state.src = src

    return at_start


def _display_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """``$$`` on its own lines: dollarmath's block rule (without labels), blank lines allowed.

    dollarmath's own rule either stops at a blank line or, allowing them, lets a ``$$`` close
    a block from outside its list item (the next item, or the text after the list, becomes
    TeX).  It also searches again, from each line that opens with ``$$``, the lines an
    earlier search went through: quadratic on a note of many such lines that nothing closes
    (``$$a`` then a heading, repeated; or, with blank lines allowed, ``$$a`` paragraphs).
    """
    if state.is_code_block(start_line):
        return False
    src = state.src
    start, end = state.bMarks[start_line] + state.tShift[start_line], state.eMarks[start_line]
    if not src.startswith("$$", start, end):
        return False
    first = src[start:end].rstrip()
    if len(first) > 3 and first.endswith("$$"):
        if "$$" in first[2:-2]:
            return False  # ``$$a$$ and $$b$$``: two formulas and words, a paragraph's
        last, stop = start_line, start + len(first) - 2
    elif "$$" in first[2:]:
        return False  # a ``$$`` inside the line is inline math of a paragraph
    else:
        found = _closing_line(state, start_line, end_line)
        if found is None:
            return False
        last = found
        closing = src[state.bMarks[last] : state.eMarks[last]].rstrip()
        # The formula ends at the line's first ``$$``, as Obsidian pairs them in order.
        double = _UNESCAPED_DOUBLE.search(closing)
        if double is None or closing[double.end() :].strip():
            # ``$$ because ...``: words follow the formula on its closing line (and may
            # open the next, ``$$ then $y$ holds: $$``), and the paragraph rule keeps them
            # with it, as Obsidian does (:mod:`.mathparagraph`).  Ended at the last ``$$``,
            # the block took the words as TeX and left the next formula as text.
            return False
        stop = state.bMarks[last] + double.start()
    if silent:
        return True
    state.line = last + 1
    token = state.push("math_block", "div", 0)
    token.content = _content(state, start_line, start + 2, last, stop)
    token.markup = "$$"
    token.map = [start_line, state.line]
    return True


def _content(state: StateBlock, first: int, start: int, last: int, stop: int) -> str:
    """The TeX between the dollars, each line without its container's prefix (``> ``)."""
    if first == last:
        return state.src[start:stop]
    lines = [state.src[start : state.eMarks[first]]]
    lines += (state.src[state.bMarks[i] : state.eMarks[i]] for i in range(first + 1, last))
    lines.append(state.src[state.bMarks[last] : stop])
    return "\n".join(lines)


class _Miss(NamedTuple):
    """A search for a closing ``$$`` that found none, kept for the searches after it."""

    start: int
    """The line of the ``$$`` that opened the search."""
    stop: int
    """The line where it stopped: the container's end, or a line outside the container."""
    blank: int
    """The last blank line it passed, -1 if none."""


#: The attribute of the parse's block state holding its misses, by container.
_MISSES = "notepress_display_math_misses"


def _closing_line(state: StateBlock, start_line: int, end_line: int) -> int | None:
    """The line that closes the block opened on ``start_line``, if any: one ending in
    ``$$``, or one holding an odd number of them (words after the closing one).

    Before a blank line any line counts (dollarmath reads lines outside a list item as lazy
    continuation); after one, a written line outside the container (less indented than a
    list item's content) ends the search, unless it is a bare ``$$``: the formula of a list
    item closed at the margin.

    Each miss is kept, by container (its depth, end and indent), so that a later ``$$`` in the
    same container does not search the same lines again: no line before the miss's stop
    closes a block, so a search from within that range fails as well if it reaches the stop
    in the same way (at the container's end, or after a blank line), and otherwise goes on
    from the stop.  The lines of a note are thus searched a bounded number of times.
    """
    key = (state.level, end_line, state.blkIndent)
    misses: dict[tuple[int, int, int], _Miss] = vars(state).setdefault(_MISSES, {})
    line, blank = start_line + 1, -1
    miss = misses.get(key)
    if miss is not None and miss.start <= start_line < miss.stop:
        if miss.stop >= end_line or miss.blank > start_line:
            return None
        line = miss.stop
    src, begins, ends, indents = state.src, state.bMarks, state.eMarks, state.sCount
    while line < end_line:
        text = src[begins[line] + state.tShift[line] : ends[line]].strip()
        if not text:
            blank = line
        elif blank >= 0 and indents[line] < state.blkIndent:
            if text == "$$":
                # Closed at the margin after blank lines, as Obsidian pairs it: only the
                # container's own lines are inside, no text after the container is taken.
                return line
            break
        elif text.endswith("$$") or odd_doubles(text):
            return line
        line += 1
    misses[key] = _Miss(start_line, line, blank)
    return None


def _lines(state: StateCore) -> None:
    """The body line of each inline formula: its block's first line plus the breaks before."""
    for token in state.tokens:
        if token.type != "inline" or not token.map or not token.children:
            continue
        line = token.map[0]
        for child in token.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type in MATH_TOKENS:
                child.meta[MATH_LINE] = line
                line += child.content.count("\n")


def invalid_formulas(tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """(body line, TeX) of each formula of ``tokens`` that cannot be written as MathML
    (an empty one is nothing to write, and no problem).

    For the loader's check: MathML is the cheap conversion, and what it cannot read no
    output can show as math.
    """
    for token in tokens:
        tex = trimmed(token.content) if token.type == "math_block" else ""
        if tex and not convertible(tex, True):
            yield (token.map[0] if token.map else 0), tex
        for child in token.children or ():
            if child.type in MATH_TOKENS:
                tex = trimmed(child.content)
                if tex and not convertible(tex, child.type == "math_inline_double"):
                    yield child.meta.get(MATH_LINE, 0), tex


def trimmed(tex: str) -> str:
    """``tex`` as readers see it: without its comments (:func:`without_comments`) and the
    spaces and line breaks around it, but for a control space (``\\ ``) at its end: trimmed
    to a lone backslash, it would escape the closing dollar (``$$x \\$$``), and no reader
    could find the formula's end."""
    stripped = without_comments(tex).strip()
    backslashes = len(stripped) - len(stripped.rstrip("\\"))
    return stripped + " " if backslashes % 2 else stripped


#: Commands whose braced argument MathJax reads as text, where ``%`` is a percent sign.
_TEXT_COMMANDS = frozenset(
    {"text", "mbox", "hbox", "textrm", "textbf", "textit", "textsf", "texttt", "textup",
     "textnormal", "textsl", "textmd", "fbox", "tag", "intertext"}
)  # fmt: skip
_COMMAND = re.compile(r"\\(?:[A-Za-z]+|[\s\S])")


def without_comments(tex: str) -> str:
    """``tex`` without its comments, as Obsidian's MathJax reads them: from a ``%`` no
    backslash escapes to the end of its line (with the line break and the next line's
    leading spaces), or, inside a braced argument, which MathJax reads apart, to the
    argument's end.  In the argument of ``\\text`` and its kin, ``%`` is text.

    Obsidian never shows them, so they are often remarks meant for the writer alone; every
    output writes the formula's TeX somewhere (a MathML annotation, JSON-LD's text, the
    TeX shown when a formula cannot be drawn), and none may carry them.
    """
    if "%" not in tex:
        return tex
    kept: list[str] = []
    index, length, depth = 0, len(tex), 0
    while index < length:
        char = tex[index]
        if char == "\\":
            command = _COMMAND.match(tex, index)
            end = command.end() if command else length
            name = tex[index + 1 : end]
            kept.append(tex[index:end])
            index = end
            if name in _TEXT_COMMANDS:
                start = index
                while start < length and tex[start] in " \t*":  # ``\tag*{...}`` too
                    start += 1
                close = _group_end(tex, start + 1) if tex[start : start + 1] == "{" else None
                if close is not None:
                    kept.append(tex[index : close + 1])
                    index = close + 1
        elif char == "%":
            index = _comment_end(tex, index, inside=depth > 0)
        else:
            depth += (char == "{") - (char == "}" and depth > 0)
            kept.append(char)
            index += 1
    return "".join(kept)


def _comment_end(tex: str, start: int, *, inside: bool) -> int:
    """Where the comment at ``start`` stops: past its line break and the next line's
    leading spaces, or (``inside`` a braced argument) at the brace that closes it."""
    index, length, depth = start, len(tex), 0
    while index < length and tex[index] != "\n":
        char = tex[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0 and inside:
                return index
            depth -= 1
        index += 1
    index += 1
    while index < length and tex[index] in " \t":
        index += 1
    return min(index, length)


def unpaired_displays(tokens: Sequence[Token], source: str) -> Iterator[int]:
    """The body line of each ``$$`` left as text in a paragraph: no other ``$$`` of its
    paragraph closes it (one past a blank line, say), so its formula shows as raw TeX.

    Counted per line of ``source`` (the text parsed): the ``$$`` no backslash escapes,
    less those that open or close a formula and those inside code or other math.
    """
    lines = source.split("\n")
    # Summed over every inline token: a table's row holds a cell's formulas per token, on
    # one line (each cell's count against the whole row's said the formulas after the
    # first cell showed as TeX, which they did not).
    used: Counter[int] = Counter()
    checked: set[int] = set()
    for token in tokens:
        if token.type != "inline" or not token.map or "$$" not in token.content:
            continue
        line = token.map[0]
        children = token.children or []
        for index, child in enumerate(children):
            if child.type in ("softbreak", "hardbreak"):
                line += 1
                continue
            if child.type == "math_inline_double":
                used[line] += 1
                used[line + child.content.count("\n")] += 1
            following = children[index + 1] if index + 1 < len(children) else None
            if child.type == "math_inline" and following and following.type == "math_inline":
                used[line + child.content.count("\n")] += 1  # ``$k$$x$``: two formulas
            if child.type in MATH_TOKENS or child.type == "code_inline":
                used[line] += child.content.count("$$")
                line += child.content.count("\n")
        last = token.map[0] + token.content.count("\n")
        checked.update(range(token.map[0], min(token.map[1], last + 1, len(lines))))
    for number in sorted(checked):
        if len(_UNESCAPED_DOUBLE.findall(lines[number])) > used[number]:
            yield number


#: A ``$$`` that no backslash escapes.
_UNESCAPED_DOUBLE = re.compile(r"(?<!\\)\$\$")


def invalid_message(tex: str, expanded: str | None = None) -> str:
    """The ``math-invalid`` warning's text, the same at load and at render: the formula as
    written, and the commands no converter knows in it once the vault's macros are expanded
    (``expanded``), which is most often why."""
    unknown = _unknown_commands(tex if expanded is None else expanded)
    extensions = [name for name in unknown if name in _MATHJAX_EXTENSIONS]
    own = [name for name in unknown if name not in _MATHJAX_EXTENSIONS]
    reasons = []
    undrawn = _undrawn(tex if expanded is None else expanded)
    if undrawn is not None:
        reasons.append(undrawn)
    if extensions:
        what = "comes" if len(extensions) == 1 else "come"
        reasons.append(
            f"{', '.join(extensions)} {what} from a MathJax extension the converters lack"
        )
    if own:
        what = "a command" if len(own) == 1 else "commands"
        reasons.append(
            f"{', '.join(own)}: {what} the converters do not know; a vault's own commands "
            "belong in its preamble.sty, see [vault] math_preamble"
        )
    why = f" ({'; '.join(reasons)})" if reasons else ""
    return f"{_quoted(tex)} cannot be converted{why}; it is shown as TeX"


#: Commands of MathJax's extensions (mhchem's chemistry, HTML and boxing commands) that
#: Obsidian draws and no converter here knows: not a vault's own, no preamble defines them.
_MATHJAX_EXTENSIONS = frozenset(
    {
        "\\ce",
        "\\pu",
        "\\bbox",
        "\\require",
        "\\unicode",
        "\\class",
        "\\cssId",
        "\\style",
        "\\href",
        "\\enclose",
        "\\bcancel",
        "\\xcancel",
        "\\cancelto",
        "\\mathtip",
        "\\texttip",
        "\\toggle",
    }
)


def _unknown_commands(tex: str) -> tuple[str, ...]:
    """The first few commands of ``tex`` that latex2mathml leaves as text."""
    from latex2mathml.converter import convert_to_element

    try:
        root = convert_to_element(_converter_source(tex))
    except BudgetExceeded:
        raise
    except Exception:  # latex2mathml raises many kinds; it stopped before any was left
        return ()
    found: dict[str, None] = {}
    for element in root.iter():
        for name in _UNKNOWN_COMMAND.findall(element.text or ""):
            found.setdefault(name, None)
    # A command the converter stopped before is left as text too: only those it leaves so
    # when read alone are unknown to it.
    return tuple(name for name in found if _unknown_alone(name))[:3]


@functools.lru_cache(maxsize=1024)
def _unknown_alone(name: str) -> bool:
    from latex2mathml.converter import convert_to_element

    try:
        root = convert_to_element(name)
    except BudgetExceeded:  # the note's budget ran out here: never cached as an answer
        raise
    except Exception:  # it wants arguments: a command it knows
        return False
    return _unknown(root)


def too_complex_message(tex: str) -> str:
    """The ``math-too-complex`` warning's text (:data:`SVG_NODES`)."""
    return f"{_quoted(tex)} is nested too deeply to draw for print; it is shown as TeX"


def _quoted(tex: str) -> str:
    """The formula as the note writes it, on one line: quoted as a ``repr`` it showed each
    backslash twice (``'\\\\done'`` for ``\\done``), which the note does not hold."""
    shown = " ".join(tex.split())
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return f"formula '{shown}'"


#: What latex2mathml's writer leaves in text that is no XML once it has unescaped it: a
#: ``<``, or an ``&`` that starts no reference (an ``&`` where ``gather`` aligns nothing).
_NOT_XML_TEXT = re.compile(r"<|&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")


@functools.lru_cache(maxsize=4096)
def convertible(tex: str, display: bool) -> bool:
    """Whether :func:`to_mathml` converts ``tex``, at two thirds of its cost.

    The loader asks it of every formula of the vault, most of which no target renders: a
    real vault of 22,913 display formulas spent three quarters of its loading here.  The
    element tree latex2mathml builds is checked as :func:`to_mathml` checks the text it
    writes: nothing that would not read back as XML, no command left unknown.
    """
    from latex2mathml.converter import convert_to_element

    if _undrawn(tex) is not None:
        return False
    try:
        root = convert_to_element(_converter_source(tex), display="block" if display else "inline")
    except BudgetExceeded:  # the note's budget, not this formula's fault: never cached
        raise
    except Exception:  # latex2mathml raises many kinds
        return False
    for element in root.iter():
        values = (element.text, element.tail, *element.attrib.values())
        if any(value and _NOT_XML_TEXT.search(value) for value in values):
            return False
    return not _unknown(root)


def _converter_source(tex: str) -> str:
    """``tex`` with what latex2mathml lacks written as what it knows."""
    source = _ENVIRONMENT_RE.sub(lambda m: f"\\{m.group(1)}{{{_ENVIRONMENTS[m.group(2)]}}}", tex)
    return _as_converters_read(source)


@functools.lru_cache(maxsize=4096)
def to_mathml(tex: str, display: bool, alt: str | None = None) -> str | None:
    """MathML for ``tex`` with the TeX as annotation and ``alttext`` (``alt`` there when
    given: the formula as written, where ``tex`` is what it became); None if it fails."""
    from latex2mathml.converter import convert

    if _undrawn(tex) is not None:
        return None
    source = _converter_source(tex)
    try:
        root = ElementTree.fromstring(convert(source, display="block" if display else "inline"))
    except BudgetExceeded:  # the note's budget, not this formula's fault: never cached
        raise
    except Exception:  # latex2mathml raises many kinds, and may write malformed XML
        return None
    if _unknown(root):
        return None
    semantics = ElementTree.Element(f"{{{_MATHML}}}semantics")
    row = ElementTree.SubElement(semantics, f"{{{_MATHML}}}mrow")
    row.extend(list(root))
    annotation = ElementTree.SubElement(
        semantics, f"{{{_MATHML}}}annotation", {"encoding": "application/x-tex"}
    )
    annotation.text = _for_tex_readers(tex)
    root[:] = [semantics]
    for element in root.iter():  # written unprefixed, as HTML holds MathML
        element.tag = element.tag.rpartition("}")[2]
    root.set("xmlns", _MATHML)
    root.set("alttext", tex if alt is None else alt)
    return ElementTree.tostring(root, encoding="unicode", short_empty_elements=False)


#: MathJax's size commands (``\\large``...), which standard TeX has for text alone; and a
#: row's end, kept as it is (``\\\\large`` ends a row, then writes the letters "large").
_SIZES = re.compile(
    r"\\\\|\\(?:tiny|scriptsize|footnotesize|small|normalsize|large|Large|LARGE|huge|Huge)"
    r"(?![A-Za-z])[ \t\n]*"
)
_SIZE_WORDS = ("tiny", "size", "small", "arge", "ARGE", "uge")


def _for_tex_readers(tex: str) -> str:
    """``tex`` for the annotation, which a book's pandoc reads: as standard TeX without
    what its reader lacks and the converter here draws.

    * MathJax's size commands are left out: pandoc refused the whole formula and showed its
      TeX (851 formulas of one vault that sizes its displays); it now shows the formula at
      its normal size.
    * Plain TeX's fractions, ``{a \\over b}``, are written ``\\frac{a}{b}`` (most of one
      statistics vault's refused formulas).
    * ``\\degree`` is written ``^{\\circ}`` and ``\\cal`` ``\\mathcal``, as pandoc reads them.
    """
    if any(word in tex for word in _SIZE_WORDS):
        tex = _SIZES.sub(lambda found: found.group(0) if found.group(0) == "\\\\" else "", tex)
    if "\\over" in tex:
        tex = _over_as_frac(tex)
    if "\\degree" in tex or "\\cal" in tex:
        tex = _UNREAD_BY_PANDOC.sub(lambda found: _AS_PANDOC_READS[found.group(1)], tex)
    return tex


#: Commands MathJax and KaTeX draw (Obsidian's and Quartz's renderers) that pandoc's
#: reader lacks, with what it reads: ``90\degree`` and the old font switch ``\cal``.
_AS_PANDOC_READS = {"degree": "^{\\circ}", "cal": "\\mathcal"}
_UNREAD_BY_PANDOC = re.compile(r"\\(degree|cal)(?![A-Za-z])")


#: A command, a control symbol (``\\{``, ``\\\\``), a brace, or any other character.
_TEX_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}]|[^\\{}]+", re.DOTALL)
#: What divides a group other than ``\\over``, makes it more than a brace group, or
#: belongs to the whole formula (its number): a fraction is not written out across them.
_OVER_BLOCKERS = frozenset(
    {
        "&",
        "\\\\",
        "\\left",
        "\\right",
        "\\middle",
        "\\begin",
        "\\end",
        "\\atop",
        "\\above",
        "\\choose",
        "\\brace",
        "\\brack",
        "\\cr",
        "\\tag",
        "\\label",
        "\\notag",
        "\\nonumber",
    }
)


def _over_as_frac(tex: str) -> str:
    """Each brace group (and the formula itself) holding one ``\\over`` as a ``\\frac``
    of what stands before and after it.  A group that holds more than one, or a cell's or
    row's end or ``\\left``/``\\right`` beside it (whose own groups would be the
    fraction's), is left as it is, as is a formula whose braces do not pair."""
    frames: list[tuple[list[str], list[int], list[bool]]] = [([], [], [False])]
    for found in _TEX_TOKEN.finditer(tex):
        token = found.group(0)
        parts, overs, blocked = frames[-1]
        if token == "{":
            frames.append(([], [], [False]))
        elif token == "}":
            if len(frames) == 1:
                return tex
            frames.pop()
            frames[-1][0].append("{" + _fraction(parts, overs, blocked[0]) + "}")
        elif token == "\\over":
            overs.append(len(parts))
            parts.append(token)
        else:
            if token in _OVER_BLOCKERS or (not token.startswith("\\") and "&" in token):
                blocked[0] = True
            parts.append(token)
    if len(frames) != 1:
        return tex
    parts, overs, blocked = frames[0]
    return _fraction(parts, overs, blocked[0])


def _fraction(parts: list[str], overs: list[int], blocked: bool) -> str:
    if len(overs) != 1 or blocked:
        return "".join(parts)
    (index,) = overs
    above, below = "".join(parts[:index]).strip(), "".join(parts[index + 1 :]).strip()
    return f"\\frac{{{above}}}{{{below}}}"


#: What decides whether a ``\\`` is outside every group and environment.
_ROW_TOKENS = re.compile(r"\\(?:begin|end)\{[^{}]*\}|\\\\|\\[&{}]|[{}&]")
#: Environments of a whole display, which no other environment may hold.
_DISPLAY_ENVIRONMENTS = re.compile(r"\\begin\{(?:align|equation|gather|multline|eqnarray|flalign)")


def display_rows(tex: str) -> str:
    """A display formula whose rows are broken by ``\\`` outside any group or environment,
    as rows of ``gathered`` (``aligned`` when ``&`` aligns them).

    MathJax, which Obsidian uses, breaks a display formula's line at such a ``\\``;
    pandoc's texmath refuses it, so the book showed the TeX.  Every converter draws the
    environments as MathJax draws the bare rows.
    """
    if "\\\\" not in tex or _DISPLAY_ENVIRONMENTS.search(tex):
        return tex
    depth, rows, columns = 0, False, False
    for found in _ROW_TOKENS.finditer(tex):
        token = found.group(0)
        if token == "{" or token.startswith("\\begin{"):
            depth += 1
        elif token == "}" or token.startswith("\\end{"):
            depth -= 1
        elif depth == 0 and token == "\\\\":
            rows = True
        elif depth == 0 and token == "&":
            columns = True
    if not rows or depth != 0:
        return tex
    environment = "aligned" if columns else "gathered"
    return f"\\begin{{{environment}}}{tex}\\end{{{environment}}}"


#: A size command before a delimiter written by name (``\\Big\\vert``), which both
#: converters refuse while they take the delimiter as a character (``\\Big|``).
_SIZED_NAMED = re.compile(
    r"(\\[bB]ig(?:g)?[lrm]?)\s*\\(vert|Vert|lvert|rvert|lVert|rVert|langle|rangle|lfloor|"
    r"rfloor|lceil|rceil|uparrow|downarrow|Uparrow|Downarrow|updownarrow)(?![A-Za-z])"
)
_DELIMITERS = {
    "vert": "|",
    "lvert": "|",
    "rvert": "|",
    "Vert": "\\|",
    "lVert": "\\|",
    "rVert": "\\|",
    "langle": "\u27e8",
    "rangle": "\u27e9",
    "lfloor": "\u230a",
    "rfloor": "\u230b",
    "lceil": "\u2308",
    "rceil": "\u2309",
    "uparrow": "\u2191",
    "downarrow": "\u2193",
    "Uparrow": "\u21d1",
    "Downarrow": "\u21d3",
    "updownarrow": "\u2195",
}


#: MathJax's spaces by name, which pandoc's texmath refuses: as the commands every
#: converter reads.
_SPACES = {"space": "\\ ", "nobreakspace": "~", "thinspace": "\\,", "negthinspace": "\\!"}
_SPACE_NAMES = re.compile(r"\\(space|nobreakspace|thinspace|negthinspace)(?![A-Za-z])")
#: The braket extension's commands, which MathJax loads by itself (``\\set{x | x > 0}``).
_BRAKET = re.compile(r"\\(set|Set|bra|Bra|ket|Ket|braket|Braket)\s*\{")
_BRAKET_SIDES = {
    "set": ("\\{", "\\}"),
    "Set": ("\\left\\{", "\\right\\}"),
    "bra": ("\\langle ", "|"),
    "Bra": ("\\left\\langle ", "\\right|"),
    "ket": ("|", "\\rangle"),
    "Ket": ("\\left|", "\\right\\rangle"),
    "braket": ("\\langle ", "\\rangle"),
    "Braket": ("\\left\\langle ", "\\right\\rangle"),
}


def standard_tex(tex: str) -> str:
    """``tex`` with commands MathJax draws by itself (Obsidian's renderer) and no converter
    here reads written as standard TeX: the spaces by name (``\\space``, pandoc refused
    them) and the braket extension's sets, bras and kets (``\\set{x | x > 0}``, which
    every converter refused, and the warning blamed the vault).  What a book's pandoc is
    given as well as what the converters read; the TeX as written stays beside it."""
    if "space" in tex:
        tex = _SPACE_NAMES.sub(lambda found: _SPACES[found.group(1)], tex)
    if "\\textcolor" in tex:
        tex = _as_color(tex)
    if not (
        "set" in tex or "Set" in tex or "bra" in tex or "ket" in tex or "Bra" in tex or "Ket" in tex
    ):
        return tex
    out, done = [], 0
    for found, close in _outer_groups(tex, _BRAKET):
        opening, closing = _BRAKET_SIDES[found.group(1)]
        inside = standard_tex(tex[found.end() : close])
        if found.group(1) in ("set", "Set"):
            inside = _first_bar_as_mid(inside)
        out.append(tex[done : found.start()] + "{" + opening + inside + closing + "}")
        done = close + 1
    out.append(tex[done:])
    return "".join(out)


#: MathJax's ``\textcolor{orange}{x}``, which pandoc's texmath refuses (a book showed
#: the TeX): written ``{\color{orange}{x}}``, which every converter here reads.
_TEXTCOLOR = re.compile(r"\\textcolor\s*\{([^{}]*)\}\s*\{")


def _as_color(tex: str) -> str:
    out, done = [], 0
    for found, close in _outer_groups(tex, _TEXTCOLOR):
        inside = _as_color(tex[found.end() : close])
        out.append(tex[done : found.start()] + "{\\color{" + found.group(1) + "}{" + inside + "}}")
        done = close + 1
    out.append(tex[done:])
    return "".join(out)


def _first_bar_as_mid(tex: str) -> str:
    """The first ``|`` outside every group as ``\\mid``: the bar of a set's condition."""
    depth = 0
    for index, char in enumerate(tex):
        if char == "{" and (index == 0 or tex[index - 1] != "\\"):
            depth += 1
        elif char == "}" and (index == 0 or tex[index - 1] != "\\"):
            depth -= 1
        elif char == "|" and depth == 0 and (index == 0 or tex[index - 1] != "\\"):
            return f"{tex[:index]}\\mid {tex[index + 1 :]}"
    return tex


#: A row's end with extra space after it (``\\\\[2ex]``): the converters drew the length
#: as the next row's first characters ("[2ex]"); the row ends, the space is left out.
_ROW_SPACE = re.compile(
    r"(\\\\)\s*\[\s*[-+]?(?:\d+\.?\d*|\.\d+)\s*(?:ex|em|pt|mm|cm|in|pc|bp|dd|cc|sp|mu|px)\s*\]"
)
#: ``align``, whose rows latex2mathml numbers and Obsidian's MathJax does not (there only
#: ``\tag`` numbers an equation): written as its unnumbered form.
_NUMBERED = re.compile(r"\\(begin|end)\{(align)\}")


def _as_converters_read(tex: str) -> str:
    """``tex`` with what both converters lack, and MathJax reads, written as what they know:
    named operators they do not know (``\\arg``), math inside text (``\\text{when $k >
    1$}``), named braces (``\\lbrace``), an ``\\over`` with nothing before it, a sized
    delimiter written by name (``\\Big\\vert``), ``alignat``, MathJax's own commands
    (:func:`standard_tex`), and a first row opening with ``[`` kept from being an option.
    The TeX as written is what every output shows beside it (the annotation, the ``alt``
    text)."""
    tex = standard_tex(tex)
    if "\\\\" in tex and "[" in tex:
        tex = _ROW_SPACE.sub(r"\1", tex)
    if "align" in tex:
        tex = _ALIGNAT.sub(
            lambda found: found.group(0)[: found.group(0).index("{")] + "{align*}", tex
        )
        tex = _NUMBERED.sub(r"\\\1{\2*}", tex)
    if "\\arg" in tex:
        tex = _OPERATORS_RE.sub(r"\\operatorname{\1}", tex)
    if "$" in tex:
        tex = _math_in_text(tex)
    if ("<" in tex or ">" in tex) and "\\" in tex:
        tex = _angles_in_text(tex)
    if "brace" in tex:
        tex = _NAMED_BRACES.sub(lambda found: _BRACES[found.group(1)], tex)
    if "\\over" in tex:
        tex = _BARE_OVER.sub(r"\1{}", tex)
    if "\\big" in tex or "\\Big" in tex:
        tex = _SIZED_NAMED.sub(lambda found: found.group(1) + _DELIMITERS[found.group(2)], tex)
    return _BRACKET_AFTER_BEGIN.sub(r"\1{}", tex) if "\\begin" in tex else tex


def _math_in_text(tex: str) -> str:
    """Each ``\\text{...}`` holding ``$...$`` (math inside words, as MathJax reads it) as
    text and math side by side: ``\\text{when }{k > 1}``.  Both converters
    refused the dollars, and the formula showed as TeX.  A group that does not close, or
    an odd number of dollars, is left as it is."""
    out, done = [], 0
    for found, close in _outer_groups(tex, _TEXT_OPEN):
        parts = _UNESCAPED_DOLLAR.split(tex[found.end() : close])
        words = parts[::2]
        if len(parts) < 3 or len(parts) % 2 == 0 or any(_BRACE.search(w) for w in words):
            continue  # no math, a dollar left open, or math inside a group of the words
        opener = found.group(0)
        out.append(tex[done : found.start()])
        out.extend(
            (f"{opener}{part}}}" if part else "") if index % 2 == 0 else f"{{{part}}}"
            for index, part in enumerate(parts)
        )
        done = close + 1
    out.append(tex[done:])
    return "".join(out)


def _angles_in_text(tex: str) -> str:
    """Each ``\\text{...}`` with ``<`` or ``>`` written as the entities latex2mathml
    writes out for them: it copies a text group's characters into its XML as they are
    (``<mtext><END></mtext>``), so ``\\text{<END>}`` failed to convert in every output."""
    out, done = [], 0
    for found, close in _outer_groups(tex, _TEXT_OPEN):
        words = tex[found.end() : close]
        if "<" in words or ">" in words:
            words = words.replace("<", "&lt;").replace(">", "&gt;")
            out.append(tex[done : found.end()] + words)
            done = close
    out.append(tex[done:])
    return "".join(out)


def _outer_groups(tex: str, opener: re.Pattern[str]) -> Iterator[tuple[re.Match[str], int]]:
    """Each outermost group of ``tex`` that ``opener`` opens (``\\text{``, ``\\set{``):
    its opening and the index of its closing brace, up to the first that does not close;
    each character is read once."""
    scanned = 0
    for found in opener.finditer(tex):
        if found.start() < scanned:
            continue  # inside a text group already read
        close = _group_end(tex, found.end())
        if close is None:
            return
        scanned = close
        yield found, close


def _group_end(tex: str, start: int) -> int | None:
    """The index of the ``}`` closing the group whose content starts at ``start``."""
    depth, index = 1, start
    while index < len(tex):
        char = tex[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


#: Categories of characters that draw nothing: spaces, invisible operators, controls.
_NOT_DRAWN = frozenset({"Zs", "Zl", "Zp", "Cf", "Cc"})


def _without_glyphs(root: ElementTree.Element, glyph: Callable[[str], int]) -> str:
    """The characters of the MathML ``root`` that the font ``glyph`` indexes lacks (index
    0, its empty box), each once, in order."""
    text = "".join(element.text or "" for element in root.iter())
    return "".join(
        c
        for c in dict.fromkeys(text)
        if unicodedata.category(c) not in _NOT_DRAWN and glyph(c) == 0
    )


def _unknown(root: ElementTree.Element) -> bool:
    return any(_UNKNOWN_COMMAND.search(element.text or "") for element in root.iter())


class Svg:
    """A formula drawn as SVG: a ``data:`` URL and its size and baseline, in em."""

    def __init__(self, url: str, width: float, height: float, depth: float) -> None:
        self.url = url
        self.width = width
        self.height = height
        self.depth = depth
        """How far the drawing reaches below the text's baseline."""

    @property
    def style(self) -> str:
        """The size as CSS, numbers written as the sanitiser writes them back (``0.94em``)."""
        return (
            f"width:{_em(self.width)};height:{_em(self.height)};vertical-align:{_em(-self.depth)}"
        )


def _em(value: float) -> str:
    number = f"{value:.3f}".rstrip("0").rstrip(".")
    return ("0" if number in ("0", "-0") else number) + "em"


class TooComplex:
    """What :func:`to_svg` answers for a formula it stopped drawing: see :data:`SVG_NODES`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "TOO_COMPLEX"


TOO_COMPLEX = TooComplex()


class Unprintable:
    """What :func:`to_svg` answers for a formula holding characters its math font has no
    glyph for (a word of Chinese in ``\\text{}``): ziamath draws each as an empty box, and
    one font is all it draws with."""

    __slots__ = ("characters",)

    def __init__(self, characters: str) -> None:
        self.characters = characters

    def message(self, tex: str) -> str:
        """The ``math-unprintable`` warning's text."""
        shown = ", ".join(repr(c) for c in self.characters[:5])
        more = ", ..." if len(self.characters) > 5 else ""
        return (
            f"{_quoted(tex)} holds characters the print math font has no glyph for "
            f"({shown}{more}); the PDF shows it as TeX (words written outside the formula "
            "print in the text's fonts)"
        )


#: Layout nodes ziamath may build for one formula.  It lays out every row twice (once to
#: measure it for its stretchy fences), so its work doubles with each level of nesting: the
#: formulas of a real 560-note engineering vault took 275 nodes (median) and 17,343 at most
#: (3.5 s); ``\frac`` nested twelve deep takes some 100,000, and each level more twice that.
#: Nodes are counted, not seconds, so that whether a formula is drawn is the same on every
#: machine, and the output with it.
SVG_NODES = 60_000


class _NodeCount(threading.local):
    left: int | None = None


_NODES = _NodeCount()


class _TooManyNodes(BaseException):
    """A BaseException, so that no ``except Exception`` of ziamath's can swallow it."""


@functools.cache
def _count_ziamath_nodes() -> None:
    """Count the nodes ziamath builds, against :data:`SVG_NODES` while :func:`to_svg` draws.

    ziamath builds every node through ``Mnode.fromelement``; a version without it is drawn
    uncounted, and the per-note CPU budget still bounds it.
    """
    try:
        from ziamath.nodes.mnode import Mnode

        build = Mnode.fromelement.__func__  # type: ignore[attr-defined]
    except (ImportError, AttributeError):
        return

    def counted(
        cls: type, element: ElementTree.Element, parent: object, **kwargs: object
    ) -> object:
        if _NODES.left is not None:
            _NODES.left -= 1
            if _NODES.left < 0:
                raise _TooManyNodes
        return build(cls, element, parent, **kwargs)

    Mnode.fromelement = classmethod(counted)  # type: ignore[method-assign,assignment]


#: A matrix row with nothing in it, at its start or between two others: ziamath draws the
#: matrix as nothing, or at a negative height that took the paragraph around it off the
#: page.  A phantom digit fills the row, as tall as a row of text, as TeX spaces one.
_EMPTY_ROW = re.compile(
    r"(\\begin\{[A-Za-z]+\*?\}(?:\{[^{}]*\})?|\\\\)(\s*(?:\{\s*\}\s*)*)(?=\\\\)"
)
#: An empty numerator (``{}\over x``, ``\frac{}{x}``): ziamath draws it at a negative height
#: too; a thin space is what it draws instead.
_EMPTY_NUMERATOR = re.compile(r"\{\s*\}(?=\s*\\over(?![A-Za-z]))|(\\[dt]?frac\s*)\{\s*\}")


def _for_ziamath(source: str) -> str:
    """``source`` with the empty rows and numerators ziamath cannot draw filled."""
    if "\\\\" in source or "\\begin" in source:
        source = _EMPTY_ROW.sub(r"\1\2\\phantom{0}", source)
    if "{" in source and ("\\over" in source or "frac" in source):
        source = _EMPTY_NUMERATOR.sub(lambda found: f"{found.group(1) or ''}{{\\,}}", source)
    return source


#: Drawings larger than this (in ``_SVG_SIZE`` units) are wrong, not large.
_SVG_LIMIT = 100_000.0


@functools.lru_cache(maxsize=4096)
def to_svg(tex: str, display: bool) -> Svg | TooComplex | Unprintable | None:
    """``tex`` drawn by ziamath; None when it cannot be (or holds an unknown command),
    :data:`TOO_COMPLEX` when drawing it would take more than :data:`SVG_NODES` nodes."""
    with warnings.catch_warnings():  # ziamath finds its font with a deprecated resources API
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath
    _count_ziamath_nodes()

    if _undrawn(tex) is not None:
        return None
    _NODES.left = SVG_NODES
    try:
        source = _for_ziamath(_as_converters_read(tex))
        if display and "\\left" in source:
            source = _BIG_OPERATOR_BELOW.sub(r"\\\1\\limits\2", source)
        latex = ziamath.Latex(source, size=_SVG_SIZE, inline=not display)
        mathml = ElementTree.fromstring(latex.mathmlstr())
        if _unknown(mathml):
            return None
        if missing := _without_glyphs(mathml, latex.font.glyphindex):
            return Unprintable(missing)
        svg = latex.svg()
        root = ElementTree.fromstring(svg)
        _, min_y, _, _ = (float(v) for v in root.attrib["viewBox"].split())
        width, height = float(root.attrib["width"]), float(root.attrib["height"])
        if not (0 < width < _SVG_LIMIT and 0 < height < _SVG_LIMIT):
            return None  # a drawing ziamath got wrong would take the text around it along
    except _TooManyNodes:
        return TOO_COMPLEX
    except BudgetExceeded:  # the note's budget, not this formula's fault: never cached
        raise
    except Exception:  # ziamath raises many kinds on TeX it cannot read
        return None
    finally:
        _NODES.left = None
    url = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
    return Svg(url, width / _SVG_SIZE, height / _SVG_SIZE, (height + min_y) / _SVG_SIZE)
