"""A cold build's work per note: each saving is checked by what it spares (parses, rule calls,
walks), and each shortcut against the full reading it stands in for, on generated input."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from notepress import chars
from notepress.markdown import comments, htmltags, nesting
from notepress.markdown.outline import read_outline
from notepress.markdown.parser import _PASSIVE, create_parser
from notepress.parse import parse_note
from tests.conftest import REPO, note_text

sys.path.insert(0, str(REPO / "bench"))
from synthetic import make_vault as make_synthetic_vault


@pytest.fixture
def count_calls(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any, str], list[int]]:
    """Wrap ``owner.name`` so that each call adds one to the returned counter."""

    def wrap(owner: Any, name: str) -> list[int]:
        calls = [0]
        original = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)
        return calls

    return wrap


def _code_of(text: str, needle: str) -> list[str]:
    return list(comments._nested_codes(create_parser(), text, needle))


# -- comments: one parse per note when no %% can be code ---------------------------------


@pytest.fixture(scope="module")
def synthetic_notes(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[PurePosixPath, bytes]]:
    """Benchmark-shaped notes: a fenced code block, then a paragraph ending in a comment."""
    root = make_synthetic_vault(tmp_path_factory.mktemp("synthetic"), 12, extra=2)
    return [
        (PurePosixPath(path.relative_to(root).as_posix()), path.read_bytes())
        for path in sorted(root.rglob("*.md"))
    ]


def test_a_note_with_code_and_a_comment_in_prose_is_tokenised_once_at_load(
    synthetic_notes: list[tuple[PurePosixPath, bytes]], count_calls: Any
) -> None:
    comments.forget()
    parses = count_calls(create_parser().block, "parse")
    for path, raw in synthetic_notes:
        assert parse_note(path, raw).links  # the outline was read
    assert parses[0] == len(synthetic_notes)
    for _path, raw in synthetic_notes:
        body = raw.decode()
        assert "private" in body
        assert "private" not in comments.hide_comments(body, _code_of)
    assert parses[0] == len(synthetic_notes)  # no placeholder parse there either


def test_a_comment_inside_code_still_gets_the_placeholder_parse(count_calls: Any) -> None:
    comments.forget()
    nested = count_calls(comments, "_nested_codes")
    body = "```\nkeep %%this%% code\n```\n\nhide %%this%% text\n"
    cut = comments.hide_comments(body, _code_of)
    assert cut == "```\nkeep %%this%% code\n```\n\nhide  text\n"
    assert nested[0] >= 1


#: Lines and pieces of lines that decide what is code, and some that only look like it.
_LINES = ["```", "```py", "````", " ```", "~~~", "$$", "---", "===", "", "", "<pre>", "</pre>"]
_STARTS = ["", "", "> ", ">", "- ", "1. ", "  ", "    ", "\t", "[^1]: ", "# ", "| ", "> [!note] "]
_PIECES = ["`", "``", "%%", "%%", "word", "[[a|b`]]", "\\", "$", " ", "    ", "*", "<a b='`'>"]
_PIECES += ["[x](`u`)", "<http://a`b>", "^[", "]", "|", "~~~", "\t", "<!--", "-->", "^id"]
_line = st.one_of(
    st.sampled_from(_LINES),
    st.builds(
        lambda start, pieces: start + "".join(pieces),
        st.sampled_from(_STARTS),
        st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6),
    ),
)
_markdown_with_markers = st.lists(_line, min_size=1, max_size=14).map("\n".join)


@given(_markdown_with_markers)
def test_the_line_test_never_calls_code_what_the_parse_finds_in_code(text: str) -> None:
    if "%%" in text and not comments._may_hold_code_at_markers(text):
        assert comments._parsed_code_markers(text, _code_of) == frozenset()


#: Whole-line comments, the shape taken without a parse after each (holding what would
#: start code anywhere else), and the blank lines that make them paragraphs of their own.
_LONE_COMMENTS = ["%%note%%", "%%a `b%%", "%%x $y%%", "%%[[a|b]] ~~~%%", "%%c | d%%", "", ""]
_with_lone_comments = st.lists(
    st.one_of(_line, st.sampled_from(_LONE_COMMENTS)), min_size=1, max_size=14
).map("\n".join)


@given(_with_lone_comments)
@example("- ```\n\n%%x%%\n\n  %%code without the comment%%\n  ```\n")
@example("`a\n\n%%b ` c%%\n\n`%%d%%`\n")
def test_comments_taken_together_are_cut_as_one_parse_after_each_would_cut_them(
    text: str,
) -> None:
    """What is taken as inert (cut without parsing the rest again) is cut exactly as when
    the note is parsed again after every comment."""
    fast = comments.hide_comments(text, _code_of)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(comments, "_inert", lambda *args: False)
        patch.setattr(comments, "_ROUNDS", 10_000)
        assert fast == comments.hide_comments(text, _code_of)


def test_the_line_test_spares_the_parse_only_where_it_can_tell() -> None:
    may = comments._may_hold_code_at_markers
    assert not may("```py\nx = 1\n```\n\nwords %%private%% words\n")
    assert may("```py\nx = %%1%%\n```\n")  # inside the fence
    assert may("```py\nx = 1\n```\nwords %%private%%\n")  # no blank line after the fence
    assert may("a `span\nand %%more`\n")  # a code span across lines
    assert may("- item\n\n      code %%x%%\n")  # indented code in a list item
    assert may("$$\n%%x%%\n$$\n")  # math
    assert may("<pre>\n\n```\n\n</pre>\n%%x%%\n")  # a fence-looking line inside HTML
    assert may(">" * 40 + " `a\n\n%%b`")  # nesting the parser flattens


# -- outline: no inline reading that finds nothing ----------------------------------------

_PROSE = "Plain words about bread and cables, nothing marked. " * 8


def test_an_outline_reads_no_block_for_footnote_references_that_keep_nothing(
    count_calls: Any,
) -> None:
    inline = count_calls(create_parser().inline, "parse")
    body = f"## details\n\n{_PROSE}[^1]\n\n{_PROSE}\n\n[^1]: {_PROSE}\n"
    outline = read_outline(body, want_title=False)
    assert inline[0] == 1  # the heading's text, for its slug
    assert [heading[1] for heading in outline.headings] == ["details"]


@pytest.mark.parametrize(
    "definition",
    ["a link to [[Elsewhere]]", "a #tagged line", "text ^block-name", "x\n\n    ## Aside"],
)
def test_footnote_references_are_read_when_the_footnote_holds_something(
    definition: str,
) -> None:
    body = f"{_PROSE}[^1]\n\n[^1]: {definition}\n"
    unreferenced = f"{_PROSE}\n\n[^1]: {definition}\n"
    outline, dropped = read_outline(body), read_outline(unreferenced)
    found = (outline.links, outline.tags, outline.block_ids, outline.headings)
    assert found != (dropped.links, dropped.tags, dropped.block_ids, dropped.headings)


def test_an_h1_keeps_footnote_references_read() -> None:
    body = f"# Title\n\n{_PROSE}[^1]\n\n# Title\n\n[^1]: plain\n"
    # The closing H1 is followed by the footnote list only when the reference is read.
    assert read_outline(body).edge_h1s == frozenset({0})


# -- the text rule stops only where an inline rule can start ------------------------------


def test_the_text_rule_passes_over_characters_no_rule_starts_at() -> None:
    stops = create_parser().inline.terminator_re
    assert stops.search("winter switch - a+b {x} 10% a>b") is None
    assert stops.search("see www.example.org").start() == 4  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def markdown_it_stops() -> MarkdownIt:
    """This parser with every stop markdown-it and its plugins ask for."""
    md = create_parser.__wrapped__()
    stops = "".join(sorted(_PASSIVE | {"w"})) + "\n!#$&*:<=@[\\]^_`~"
    md.inline.terminator_re = re.compile(f"[{re.escape(stops)}]")
    return md


def _tokens(tokens: list[Token]) -> Iterator[tuple[Any, ...]]:
    for token in tokens:
        yield token.type, token.content, token.markup, token.info, repr(token.attrs)
        yield from _tokens(token.children or [])


_INLINE = ["www.a.com", "[l](www.x.com)", "*www.b.org*", "wow", "w", "-", "+", "%", "{", "}"]
_INLINE += [">", "a-b", "<!-- x -->", "->", "http://x.y", "a@b.cd", "`", "~~x~~", "==h=="]
_INLINE += ["_a_", "!w", "&amp;w", "\\w", "(www.c.io)", "[[a]]", "#tag", "$x$", "[^1]", " "]


@given(st.lists(st.sampled_from([*_INLINE, "\n", "\n\n", "- ", "> "]), max_size=30).map("".join))
def test_passing_over_them_gives_the_same_tokens(markdown_it_stops: MarkdownIt, text: str) -> None:
    ours = list(_tokens(create_parser().parse(text, {"title": "T"})))
    assert ours == list(_tokens(markdown_it_stops.parse(text, {"title": "T"})))


# -- frontmatter, unsafe characters, the HTML depth cap, link keys ------------------------


def test_frontmatter_without_an_alias_is_not_walked_for_aliases(count_calls: Any) -> None:
    from notepress import parse

    walks = count_calls(parse, "_alias_overflow")
    parse_note(PurePosixPath("a.md"), note_text("A", "Body.", tags=["x", "y"]).encode())
    assert walks[0] == 0
    parse_note(PurePosixPath("b.md"), note_text("B", extra="k: &a [1]\nm: *a").encode())
    assert walks[0] == 1


class _Counted:
    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern, self.calls = pattern, 0

    def search(self, text: str) -> re.Match[str] | None:
        self.calls += 1
        return self.pattern.search(text)

    def subn(self, replacement: str, text: str) -> tuple[str, int]:
        self.calls += 1
        return self.pattern.subn(replacement, text)


def test_the_astral_noncharacters_are_looked_for_only_in_text_that_has_astral_characters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    full = _Counted(chars._UNSAFE)
    monkeypatch.setattr(chars, "_UNSAFE", full)
    text = "plain · prose, accents é and \ufffe"
    assert chars.first_unsafe(text) == text.index("\ufffe")
    assert full.calls == 0
    assert chars.strip_unsafe("emoji 🍞 and \U0001fffe") == ("emoji 🍞 and ", 1)
    assert full.calls == 1


def test_clean_text_with_a_few_lead_bytes_is_passed_without_the_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A middle dot or a no-break space (0xC2 in UTF-8, as the C1 controls) and a full-width
    comma (0xEF, as the noncharacters) are looked at one by one, not by the class tried at
    every character: the usual note is checked in a few microseconds."""
    bmp = _Counted(chars._UNSAFE_BMP)
    monkeypatch.setattr(chars, "_UNSAFE_BMP", bmp)
    text = "a middle · dot, a no-break\xa0space and a full-width comma\uff0c" * 5
    assert chars.first_unsafe(text) is None
    assert chars.strip_unsafe(text) == (text, 0)
    assert bmp.calls == 0
    assert chars.first_unsafe(text + "\x85") == len(text)
    assert chars.first_unsafe(text + "\ufdd0") == len(text)
    assert bmp.calls == 2


_ODD = ["a", "é", "\ud800", "\udfff", "\ufffe", "\U0001fffe", "\U0010ffff", "🍞", "\x00", "\x85"]
#: Characters on either side of the lead bytes' unsafe ranges (0xC2 and 0xEF in UTF-8).
_LEADS = [
    "\x7f",
    "\x80",
    "\x9f",
    "\xa0",
    "·",
    "\xbf",
    "\ufdcf",
    "\ufdef",
    "\ufdf0",
    "\uff0c",
    "\uffbd",
]


@given(
    st.text(
        alphabet=st.sampled_from([*_ODD, *_LEADS, "\ufdd0", "\n"]) | st.characters(), max_size=40
    )
)
def test_unsafe_characters_are_found_as_by_the_full_class(text: str) -> None:
    assert chars.strip_unsafe(text) == chars._UNSAFE.subn("", text)
    match = chars._UNSAFE.search(text)
    assert chars.first_unsafe(text) == (match.start() if match else None)


_HTML = st.lists(
    st.sampled_from(["<a>", "</a>", "<b c='>'>", '<i d="x">', "</i>", "<br>", "<img/>", "x"])
    | st.sampled_from(["</b>", "<!-- c -->", "<p", "=", '"', "'", "<", ">", "</x>", "<é"]),
    max_size=60,
).map("".join)


@given(_HTML)
def test_a_usual_tag_is_split_where_the_scanner_splits_it(html: str) -> None:
    for start in (index for index, char in enumerate(html) if char == "<"):
        simple = htmltags.SIMPLE_TAG.match(html, start)
        if simple is not None:
            assert simple.end() == htmltags._tag_end(html, start)


@given(_HTML, st.integers(min_value=1, max_value=6))
def test_html_within_the_limit_is_what_the_cap_would_keep_whole(html: str, limit: int) -> None:
    within = nesting._within(htmltags.split_tags(html), limit)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(nesting, "_within", lambda pieces, limit: False)
        full = nesting.cap_html_depth(html, limit) if html.count("<") > limit else (html, False)
    assert within == (not full[1])
    if within:
        assert full == (html, False) == nesting.cap_html_depth(html, limit)


_DEEP_HTML = st.lists(
    st.sampled_from(["<div>", "</div>", "<p>", "</p>", "<span a='x'>", "</span>", "<br>", "t"])
    | st.sampled_from(["<ul><li>", "</li>", "</ul>", "<img/>", '<b title="</b>">', "< b>"])
    | st.sampled_from(["<!-- x -->", "<A>", "</a>", "<em\n>", "</em >", "\0", "<?x?>", "<b="]),
    max_size=80,
).map("".join)


@given(_HTML | _DEEP_HTML, st.integers(min_value=1, max_value=8))
@example("</p></p><div><div>", 1)  # stray end tags close nothing
@example("<div><!-- </div> --><div>", 1)  # an end tag inside a comment
@example("<div><b\0x></b><div>", 2)  # the joiner inside a tag
@example("<div><x=1></div><div>", 1)  # a tag that is not plain (unquoted value)
def test_the_quick_depth_check_never_passes_what_the_exact_walk_would_cut(
    html: str, limit: int
) -> None:
    if nesting._surely_within(html, limit):
        assert nesting._within(htmltags.split_tags(html), limit)


@given(_DEEP_HTML, st.integers(min_value=1, max_value=8))
def test_the_quick_depth_check_is_exact_on_what_the_sanitiser_writes(html: str, limit: int) -> None:
    from notepress.markdown.sanitize import sanitize

    clean = sanitize(html)
    assert nesting._surely_within(clean, limit) == nesting._within(
        htmltags.split_tags(clean), limit
    )


#: The loader's cheap tests as first written, one regular expression each: the definitions
#: the faster scans must agree with.
_TAG_HINT = re.compile(r"(?:^|\s)#[\w/-]*[^\W\d]", re.MULTILINE)
_BLOCK_HINT = re.compile(r"(?:^|[ \t]|\]\])\^[A-Za-z0-9-]+[ \t]*$", re.MULTILINE)
_HINT_TEXT = st.lists(
    st.sampled_from(["#", "^", "]]", "]", " ", "\t", "\n", "\r", "\u00a0", "a", "7", "-", "/"])
    | st.sampled_from(["_", "é", "#tag", "^id", "##", "x#y", "[^1]", "[[a]]", "1", "\u3000"]),
    max_size=40,
).map("".join)


@given(_HINT_TEXT)
@example("a]^id")  # one character before the caret: not a "]]"
@example("see [[a]]^id")  # right after a wikilink
@example("#1 #2a")
def test_the_quick_tag_and_block_hints_find_what_their_patterns_find(text: str) -> None:
    from notepress.markdown.blockids import may_hold_block_id
    from notepress.markdown.inlinetags import may_hold_tag

    assert may_hold_tag(text) == (_TAG_HINT.search(text) is not None)
    assert may_hold_block_id(text) == (_BLOCK_HINT.search(text) is not None)


# -- references: the cheap look before a note's URLs are parsed --------------------------

#: :func:`notepress.assets._needs_parse` as first written, one pattern per place a URL can
#: be: what the faster scans must never miss.
_DESTINATION = re.compile(r"\]\(\s*(<?)([^\s)]*)")
_DEFINITION = re.compile(r"^[ \t>]*\[(?!\^)[^\]\n]+\]:\s*(<?)(\S*)", re.MULTILINE)
_AUTOLINK = re.compile(r"<()([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\s]*)>")
_BARE = re.compile(r"()((?:https?:|xmpp:|www\.)[^\s<>\"']*)")
_ATTRIBUTE = re.compile(
    r"(?:src|href|data|poster|cite|background)\s*=\s*()(\"[^\"]*\"|'[^']*'|[^\s>]*)"
)
_STYLE = re.compile(r"url\(|<style|style\s*=|@import")


def _needed_parse_as_written(body: str) -> bool:
    from notepress.assets import _plainly_public

    lower = body.lower()
    if "<" in body and _STYLE.search(lower):
        return True
    searches = [(_DESTINATION, body), (_DEFINITION, body), (_BARE, lower)]
    if "<" in body:
        searches += [(_AUTOLINK, body), (_ATTRIBUTE, lower)]
    return any(
        match.group(1) or not _plainly_public(match.group(2).strip("\"'"))
        for pattern, text in searches
        for match in pattern.finditer(text)
    )


_REFERENCE_TEXT = st.lists(
    st.sampled_from(["](", "]:", "[a]", "[^1]", "<", ">", "=", " ", "\n", "\t", "'", '"', "/"])
    | st.sampled_from(["src", "HREF", "data", "style", "url(", "@import", "<style", "<a "])
    | st.sampled_from(["http://", "https://", "www.", "xmpp:", "mailto:a@b", "file:///x"])
    | st.sampled_from(["127.0.0.1", "example.org", "javascript:x", "#top", "x", "\u2003"]),
    max_size=30,
).map("".join)


@given(_REFERENCE_TEXT)
@example("intro\n[a]: file:///etc/passwd")  # a definition after a first line
@example("[a]: https://example.org/ [b]: file:///x")  # one line, two markers
@example('<img src = "file:///x">')  # spaces around the equals sign
@example("<a HREF='javascript:x'>")  # any case
@example("<a data-x=1 src='http://10.0.0.1/'>")  # a name inside a longer name
@example("see http://example.org/?next=http://127.0.0.1/")  # a URL inside a URL
def test_the_reference_look_never_spares_a_note_its_patterns_would_parse(text: str) -> None:
    from notepress.assets import _needs_parse

    if _needed_parse_as_written(text):
        assert _needs_parse(text)


@pytest.mark.parametrize("unit", ["]:", " =", "http", "[a]: x\n"])
def test_the_reference_look_is_linear_on_long_runs_of_its_markers(unit: str) -> None:
    """A line of 2,000,000 characters made of one marker: a look that went back to the
    line's start at each marker would take minutes; the limit is CPU time, far above a
    linear look's (a second), so a slow machine cannot fail it."""
    from notepress.assets import _needs_parse
    from notepress.budget import cpu_budget

    with cpu_budget(10.0):
        _needs_parse("<p>" + unit * (2_000_000 // len(unit)))


@pytest.mark.parametrize("unit", ["a:", "http:", "www."])
def test_bare_url_rules_are_linear_on_a_long_line_of_their_markers(unit: str) -> None:
    """Every inline rule is tried at each ``:`` and ``www.``: the protocol rule searched the
    whole text before each ``:`` (40,000 colons on one line: 45 s).  The limit is CPU time,
    far above a linear parse of these 200,000 characters (under a second)."""
    from notepress.budget import cpu_budget

    text = unit * (200_000 // len(unit))
    with cpu_budget(10.0):
        create_parser().parse(text)
