"""``%%comments%%`` are private: the parser cuts them out before it builds a single token.

What a comment is (Obsidian's reading):

- A comment starts at a ``%%`` that is not code, and runs to the next ``%%``, wherever that
  is.  "Code" is an inline code span, a fenced or an indented code block or a formula
  (``$...$``), exactly as this parser reads the note (not as a line scan guesses).  A comment is not markdown: nothing
  inside it is code, a fence or a link, so the first ``%%`` after the opening one closes it,
  across lines, paragraphs, list items, quotes, footnotes and raw HTML.
- An unclosed ``%%`` hides the rest of the note.
- ``%%`` inside code is kept as written.  A code span in a table cell past the header's
  columns is code too, though the table drops the cell: the writer's backticks say so, and a
  ``%%`` there taken as a comment's start would pair with one meant to hide the rest.
- A comment is replaced by the line breaks it spanned, so line numbers in messages stay the
  file's own.

How: a core rule, first after ``normalize``, parses the note with each ``%%`` replaced by a
numbered placeholder (a nested parse by this same parser, every plugin included, reading inline
content only where a placeholder is), reads which placeholders ended up inside code tokens, and
cuts the comments out of the source that the rest of the chain then parses.  Comment text never
becomes a token, so nothing downstream (the renderer, the loader's links and title, warnings)
can ever see it.  A note with no backtick, tilde fence, tab or four-space indent holds no code,
and needs no nested parse at all.

Reused: the nested parse depends on nothing but the text, and the same note is parsed at load
(its outline), for the reference check and again for each render, so what it found is kept by
a digest of the text (see ``_nested_codes``): a note's placeholder parse runs once per build.

Failing closed: cutting a comment can change what is code after it (a comment holding a
backtick or a fence opener, a line left blank).  So comments are taken in order, and after one
that might change anything the rest is parsed again; inert comments (see ``_inert``) are taken
together from one parse.  When that takes more rounds than the note's size allows, or the
placeholder parse and the real parse disagree about a ``%%``, the first ``%%`` not yet settled
hides the rest of the note: private text stays private, at the cost of public text after it,
which the note's ``comments-hid-rest`` warning names.  Each round is one parse plus linear
scans, and the rounds are bounded by the note's size, so the whole stays linear in the note.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .blockids import BLOCK_ID
from .tables import DROPPED_CELLS

__all__ = [
    "COMMENT_FREE_SOURCE",
    "FOOTNOTE_REFS",
    "HIDDEN_FROM_LINE",
    "INLINE_ONLY",
    "KEEP_H1",
    "KEEP_HEADINGS",
    "UNCLOSED_FROM_LINE",
    "comments_plugin",
    "forget",
    "hide_comments",
    "remember",
]

#: The env key under which the parse records the note's text with its comments cut.
COMMENT_FREE_SOURCE = "notepress.comments.source"
#: The env key under which the parse records the line (0-based) from which the last resort
#: hid the rest of the note (see :func:`hide_comments`), when it had to.
HIDDEN_FROM_LINE = "notepress.comments.hidden_from"
#: The env key under which the parse records the line (0-based) of a ``%%`` that no later
#: ``%%`` closes, when it hid text after it.
UNCLOSED_FROM_LINE = "notepress.comments.unclosed_from"
#: Env keys for a partial parse, when only some inline content matters: inline content holding
#: none of the ``INLINE_ONLY`` strings is skipped, except H1 headings with ``KEEP_H1``.
INLINE_ONLY = "notepress.inline_only"
KEEP_H1 = "notepress.keep_h1"
#: Env key for a partial parse that keeps every heading's inline content (for their slugs).
KEEP_HEADINGS = "notepress.keep_headings"
#: Env key for a partial parse that wants footnote references (the needle ``[^``) only for
#: what the footnotes they keep hold (see :func:`_footnotes_matter`).
FOOTNOTE_REFS = "notepress.footnote_refs"
_REF = "[^"
#: Set in the nested parses that find code, which must not cut comments themselves.
_NESTED = "notepress.comments.nested"
_CODES = "notepress.comments.codes"
_MARKER = "%%"
#: Parses spent on one note before the last resort: as many as keep the work within
#: :data:`_ROUND_CHARACTERS` characters parsed, and at least :data:`_ROUNDS`.  A round
#: follows each comment that may change what is code after it, so a note of annotations
#: (a comment around a fenced block of data and half a dozen inline ones per highlight,
#: as an annotation plugin writes them) takes some seven a highlight: a fixed count of
#: rounds hid the rest of a note after its tenth highlight however small the note.
_ROUNDS = 4
#: Characters parsed, over all rounds, that a note may cost before the last resort (about
#: two seconds of CPU): a 20 KB note of 19 annotations takes 127 rounds, 1.7 million.
_ROUND_CHARACTERS = 2_000_000
#: What an inert comment may hold: nothing that starts code, a link, HTML, an escape or a cell.
_INERT_CONTENT = re.compile(r"(?:[\w .,;:?!*=~#+/@^{}-]|\[\[[\w .,:#@-]*\]\])*")
#: Math counts as code: markdown, comments included, never reads inside a formula.
_CODE_TOKENS = frozenset(
    {"code_inline", "code_block", "fence", "math_inline", "math_inline_double", "math_block"}
)
#: Where the numbered placeholders come from: private-use characters the note does not hold.
_PLACEHOLDERS = tuple(map(chr, range(0xE000, 0xF900)))

#: Nested parses remembered (a digest and a few short strings each): more than a large vault.
_KNOWN_LIMIT = 50_000
_known: dict[tuple[bytes, str], tuple[str, ...]] = {}
_known_lock = threading.Lock()

CodeOf = Callable[[str, str], list[str]]
"""``code_of(text, needle)``: the content of every code token of ``text``, as this parser
reads it; inline content without ``needle`` may be skipped (it can hold no such code)."""


def comments_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("normalize", "comments", _cut_comments)
    md.core.ruler.before("inline", "comments_prune", _prune)
    md.core.ruler.after("inline", "comments_collect", _collect)


def _cut_comments(state: StateCore) -> None:
    if state.env.get(_NESTED) or _MARKER not in state.src:
        return
    md = state.md

    def code_of(text: str, needle: str) -> list[str]:
        return list(_nested_codes(md, text, needle))

    state.src, hidden = _hide(state.src, code_of)
    state.env[COMMENT_FREE_SOURCE] = state.src
    if hidden.tangled is not None:
        state.env[HIDDEN_FROM_LINE] = hidden.tangled
    if hidden.unclosed is not None:
        state.env[UNCLOSED_FROM_LINE] = hidden.unclosed


def _nested_codes(md: MarkdownIt, text: str, needle: str) -> tuple[str, ...]:
    """The code contents of ``text`` that hold ``needle``, by a nested parse, remembered.

    Only those matter to :func:`hide_comments` (the placeholders and ``%%`` it looks for are
    the needle), and keeping only them keeps what is remembered small.
    """
    key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(), needle)
    found = _known.get(key)
    if found is None:
        # No title: the nested parse must not drop a heading the real one keeps.
        # The cells a table drops are read too: a code span there is code to the writer.
        env: dict[str, object] = {_NESTED: True, INLINE_ONLY: (needle,), DROPPED_CELLS: []}
        md.parse(text, env)
        codes = env[_CODES]
        assert isinstance(codes, list)
        found = tuple(code for code in codes if needle in code)
        remember([(key, found)])
    return found


def remember(entries: Iterable[tuple[tuple[bytes, str], tuple[str, ...]]]) -> None:
    """Keep what nested parses found (here, or in a worker process that parsed notes)."""
    with _known_lock:
        for key, found in entries:
            _known[key] = found
        while len(_known) > _KNOWN_LIMIT:
            del _known[next(iter(_known))]


def forget() -> list[tuple[tuple[bytes, str], tuple[str, ...]]]:
    """Everything remembered, which is then forgotten (a worker hands it to its parent)."""
    with _known_lock:
        entries = list(_known.items())
        _known.clear()
    return entries


def _prune(state: StateCore) -> None:
    """In a partial parse, skip the inline content that cannot hold what the caller wants.

    Inline content is parsed block by block, so skipping one changes no other.
    """
    needles = state.env.get(INLINE_ONLY)
    if needles is None:
        return
    if state.env.get(FOOTNOTE_REFS) and not _footnotes_matter(state.tokens, needles):
        needles = tuple(needle for needle in needles if needle != _REF)
    keep_h1 = state.env.get(KEEP_H1, False)
    keep_headings = state.env.get(KEEP_HEADINGS, False)
    previous = None
    for token in state.tokens:
        if (
            token.type == "inline"
            and not any(needle in token.content for needle in needles)
            and not (keep_h1 and previous is not None and previous.tag == "h1")
            and not (keep_headings and previous is not None and previous.type == "heading_open")
        ):
            token.content = ""
        previous = token


def _footnotes_matter(tokens: list[Token], needles: tuple[str, ...]) -> bool:
    """Whether reading the footnote references can change what a partial parse finds.

    A reference keeps its definition (unreferenced ones are dropped) and adds the footnote
    list at the end.  That changes nothing found when no definition holds another needle, a
    heading, a block id or display math, and no H1 exists (whether one closes the body
    depends on that list).
    """
    others = tuple(needle for needle in needles if needle != _REF)
    depth = 0
    for token in tokens:
        kind = token.type
        if kind == "heading_open" and token.tag == "h1":
            return True
        if kind == "footnote_reference_open":
            depth += 1
        elif kind == "footnote_reference_close":
            depth -= 1
        elif depth and (
            kind in ("heading_open", "math_block")
            or (token.meta and BLOCK_ID in token.meta)
            or (kind in ("inline", "html_block") and any(n in token.content for n in others))
        ):
            return True
    return False


def _collect(state: StateCore) -> None:
    """In a nested parse, keep the code tokens' content and stop: nothing later is needed.

    Inline footnotes keep their tokens in ``env`` until a later rule moves them.  Cells a
    table dropped are read as the inline content they would have been.
    """
    if not state.env.get(_NESTED):
        return
    footnotes = state.env.pop("footnotes", None) or {}
    tokens = [
        *state.tokens,
        *(token for note in footnotes.get("list", {}).values() for token in note.get("tokens", ())),
    ]
    codes = list(_code_contents(tokens))
    needles = state.env.get(INLINE_ONLY)
    for _, cell in state.env.pop(DROPPED_CELLS, ()):
        if needles is None or any(needle in cell for needle in needles):
            inner: dict[str, object] = {_NESTED: True}
            state.md.parseInline(cell, inner)
            codes.extend(inner.get(_CODES, ()))  # type: ignore[arg-type]
    state.env[_CODES] = codes
    state.tokens.clear()


def hide_comments(text: str, code_of: CodeOf) -> str:
    """``text`` with every comment replaced by the line breaks it spanned.

    Comments are taken in order.  What is code after a comment is read again once that comment
    is cut, unless the comment is inert (see :func:`_inert`): then nothing else can change,
    and the next comments are taken from the same parse.
    """
    return _hide(text, code_of)[0]


def _hide(text: str, code_of: CodeOf) -> tuple[str, _Hidden]:
    """:func:`hide_comments`, and what of the note's text was hidden beyond its comments,
    for a warning: public text hidden is a loss the writer must hear of."""
    settled = 0  # decisions before this offset are final
    # Characters the rounds may parse: each parses the text as it is then, shorter by every
    # comment cut before it (a note of annotations loses most of its length so).
    left = max(_ROUND_CHARACTERS, _ROUNDS * len(text))
    unclosed = None
    while len(text) <= left:
        if _MARKER not in text[settled:]:
            return text, _Hidden(unclosed=unclosed)
        if not _may_hold_code(text):
            break  # no code anywhere (any more): no parse is needed
        left -= len(text)
        text, settled, cut_any, unclosed = _cut(text, _code_markers(text, code_of), settled)
        if not cut_any:
            # Every ``%%`` left is code in the placeholder parse; the real parse must agree.
            if sum(code.count(_MARKER) for code in code_of(text, _MARKER)) == text.count(_MARKER):
                return text, _Hidden()
            settled = 0
            break
    if not _may_hold_code(text):
        # No code anywhere: every ``%%`` is a marker, exactly.
        rest, _, _, unclosed = _cut(text, frozenset(), 0, all_at_once=True)
        return rest.replace(_MARKER, ""), _Hidden(unclosed=unclosed)
    # The last resort: the first ``%%`` not yet settled hides the rest of the note.
    first = text.find(_MARKER, settled)
    if first == -1:
        return text, _Hidden(unclosed=unclosed)
    hidden = text[:first] + "\n" * text.count("\n", first)
    return hidden, _Hidden(tangled=text.count("\n", 0, first))


@dataclass(frozen=True)
class _Hidden:
    """Lines (0-based) from which text that is not a closed comment was hidden."""

    unclosed: int | None = None
    """A ``%%`` that no later one closes hid the rest of the note from this line."""
    tangled: int | None = None
    """Comments too tangled with code to settle hid the rest of the note from this line."""


def _may_hold_code(text: str) -> bool:
    """False when no code can exist: no backtick, tilde fence, indentation of 4 or dollar."""
    return "`" in text or "~~~" in text or "\t" in text or "    " in text or "$" in text


def _code_markers(text: str, code_of: CodeOf) -> frozenset[int]:
    """Indexes (in order of appearance) of the ``%%`` of ``text`` that are code."""
    if not _may_hold_code_at_markers(text):
        return frozenset()
    return _parsed_code_markers(text, code_of)


def _parsed_code_markers(text: str, code_of: CodeOf) -> frozenset[int]:
    """:func:`_code_markers` as the placeholder parse reads them."""
    present = set(text)
    free = list(itertools.islice((c for c in _PLACEHOLDERS if c not in present), 2))
    if len(free) < 2:
        return frozenset()  # no placeholder available: nothing counts as code
    opening, closing = free
    counter = iter(range(len(text)))
    marked = re.sub(re.escape(_MARKER), lambda _: f"{opening}{next(counter)}{closing}", text)
    found = re.compile(f"{opening}(\\d+){closing}")
    return frozenset(
        int(match.group(1))
        for content in code_of(marked, opening)
        for match in found.finditer(content)
    )


#: A top-level backtick fence: opener at the first column, after a blank line, its info
#: without a backtick; closer as CommonMark reads one at the top level.
_FENCE_OPENER = re.compile(r"(`{3,})[^`]*")
_FENCE_CLOSER = re.compile(r" {0,3}(`{3,})[ \t]*")
_BLANK = re.compile(r"[ \t]*")
#: HTML blocks that run across blank lines (CommonMark's kinds 1 to 5).
_LONG_HTML = re.compile(r"<(?:script|pre|style|textarea|!|\?)", re.IGNORECASE)
#: What opens containers at the start of a line: indentation, quote and list markers,
#: footnote labels.
_CONTAINERS = re.compile(r"(?:[ \t>*+\-.)0-9]|\[\^[^\]\s]*\]:)*")
#: Columns of container prefix that cannot reach :data:`~.nesting.MAX_DEPTH` levels (each
#: level costs at least half a column), whose flattening joins lines across blank lines.
_SHALLOW = 12


def _may_hold_code_at_markers(text: str) -> bool:
    """False when no ``%%`` of ``text`` can be inside code, however the note's blocks fall.

    A cheap, sound test that spares the placeholder parse for the usual note: code around a
    ``%%`` starts before it, with a backtick (a code span or fence), ``~~~``, a ``$``
    (math) or an indentation of four columns on its own line (an indented code block).  A
    code span never crosses a blank line, and a top-level backtick fence is known by its
    lines.  So every ``%%`` is outside code when: before the last one there is no ``$``,
    ``~~~``, HTML block that runs across blank lines or deep nesting outside such fences;
    every line with three backticks opens or closes one of those fences (or lies inside
    one); no ``%%`` is inside a fence; and each ``%%`` has no tab or four spaces before it
    on its line and no backtick before it since the last blank line.  Anything else
    (True) is left to the parse.
    """
    last = text.rfind(_MARKER)
    fence = 0  # backticks of the open top-level fence; 0 when none is open
    after_blank = True  # the previous line is blank (or there is none)
    ticked = False  # a backtick since the last blank line, outside fences
    start = 0
    while start <= last:
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end]
        start = end + 1
        if fence:
            if _MARKER in line:
                return True
            closer = _FENCE_CLOSER.fullmatch(line)
            if closer is not None and len(closer.group(1)) >= fence:
                fence, ticked = 0, True
            continue
        if _BLANK.fullmatch(line):
            after_blank, ticked = True, False
            continue
        if "```" in line:
            opener = _FENCE_OPENER.fullmatch(line)
            if opener is None or not after_blank or _MARKER in line:
                return True
            fence, after_blank = len(opener.group(1)), False
            continue
        after_blank = False
        prefix = _CONTAINERS.match(line)
        if (
            "$" in line
            or "~~~" in line
            or _LONG_HTML.search(line)
            or (prefix is not None and len(prefix.group(0).expandtabs(4)) >= _SHALLOW)
        ):
            return True
        if _MARKER in line:
            before = line[: line.rfind(_MARKER)]
            if ticked or "`" in before or "\t" in before or "    " in before:
                return True
        ticked = ticked or "`" in line
    return False


def _code_contents(tokens: Iterable[Token]) -> Iterator[str]:
    for token in tokens:
        if token.type in _CODE_TOKENS:
            yield token.content
        if token.children:
            yield from _code_contents(token.children)


def _cut(
    text: str, code: frozenset[int], settled: int, *, all_at_once: bool = False
) -> tuple[str, int, bool, int | None]:
    """Cut comments after ``settled``: from a ``%%`` that is not code to the next ``%%``.

    Stops after the first comment that is not inert (unless ``all_at_once``), since what
    follows it must be read again.  Returns the text, the new settled offset, whether
    anything was cut, and the line (0-based) of a ``%%`` that nothing closed when it hid
    text (None otherwise).
    """
    parts: list[str] = [text[:settled]]
    position = settled
    opened: int | None = None
    cut_any = False
    markers = re.finditer(re.escape(_MARKER), text)
    for index, match in enumerate(markers):
        if match.start() < settled:
            continue
        if opened is None:
            if index in code:
                continue
            parts.append(text[position : match.start()])
            opened = match.start()
            continue
        parts.append("\n" * text.count("\n", opened, match.end()))
        position = match.end()
        cut_any = True
        inert = _inert(text, opened, match.end())
        opened = None
        if not (inert or all_at_once):
            break
    unclosed = None
    if opened is not None:
        parts.append("\n" * text.count("\n", opened))
        if text[opened + len(_MARKER) :].strip():
            unclosed = text.count("\n", 0, opened)
        position = len(text)
        cut_any = True
    done = "".join(parts)
    return done + text[position:], len(done), cut_any, unclosed


def _inert(text: str, start: int, end: int) -> bool:
    """Whether cutting ``text[start:end]`` (a comment) can change nothing else of the note.

    Three shapes qualify.  A comment on one line, between spaces, holding only words, plain
    punctuation and whole wikilinks, after a word on that line or at its start before a word
    (so the line keeps its kind: no empty list item, rule, heading underline, table delimiter
    row, link definition or new indentation).  A comment that is a whole line between blank
    lines, holding anything (see :func:`_alone_between_blank_lines`): the commonest shape of
    all, which a drawing plugin writes after every drawing.  Or a block comment: a line
    ``%%``, any lines without a fence, HTML or a link definition, a line ``%%``, with a blank
    line (or the note's edge) before and after (so the blocks around it stay as they were).
    Anything else might change what is code around it (a backtick pairing with one outside,
    a fence left open...), so the rest of the note is read again after it is cut.
    """
    before = text[start - 1] if start else "\n"
    after = text[end] if end < len(text) else "\n"
    content = text[start + len(_MARKER) : end - len(_MARKER)]
    if "\n" in text[start:end]:
        blank_before = start == 0 or text[max(start - 2, 0) : start] in ("\n\n", "\n")
        return blank_before and _is_block_comment(text, end, content)
    prefix = text[text.rfind("\n", 0, start) + 1 : start]
    if not prefix and _alone_between_blank_lines(text, start, end):
        return True
    if prefix:
        placed = before in " \t" and any(c.isalpha() for c in prefix) and "[" not in prefix
    else:
        placed = text[end : end + 1] == " " and text[end + 1 : end + 2].isalpha()
    return placed and after in " \t\n" and _INERT_CONTENT.fullmatch(content) is not None


#: Blank lines (empty ones, as :func:`_alone_between_blank_lines` counts them).
_EMPTY_LINES = re.compile(r"\n*")


def _alone_between_blank_lines(text: str, start: int, end: int) -> bool:
    """Whether the one-line comment ``text[start:end]``, at the start of its line, is all of
    its line, with an empty line (or the note's edge) before and after it and no
    indentation on the next line that is not empty.

    Such a comment is a paragraph of its own, and nothing it holds can reach past it: a code
    span or an inline formula ends with its paragraph, and a fence, a formula block or an
    HTML block starts a line, which starts with ``%%`` here.  Cut, it leaves blank lines,
    which change no code around it but one: an indented block after a list, which the
    comment's paragraph ended and a list without it would continue, hence the last rule.
    """
    if start >= 2 and text[start - 2] != "\n":
        return False
    if end < len(text) and text[end] != "\n":
        return False
    following = _EMPTY_LINES.match(text, end).end()  # type: ignore[union-attr]
    if following < len(text) and following - end < 2:
        return False  # the next line is not empty
    return following >= len(text) or text[following] not in " \t"


def _is_block_comment(text: str, end: int, content: str) -> bool:
    opener_alone = content.startswith("\n")
    closer_alone = content.endswith("\n")
    blank_after = text[end : end + 2] in ("\n\n", "\n", "")
    return (
        opener_alone
        and closer_alone
        and blank_after
        and not any(mark in content for mark in ("```", "~~~", "<", "]:"))
    )
