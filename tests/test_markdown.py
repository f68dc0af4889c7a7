"""Obsidian-flavoured markdown: fixture files per plugin, plus the rules fixtures cannot show.

Fixture format (``tests/fixtures/markdown/*.md``, in the style of markdown-it's own fixtures)::

    Case title
    .
    markdown input
    .
    expected HTML
    .

A case is a title line, then a line holding a single ``.``, the markdown, another ``.``, the
expected HTML and a closing ``.``.  Lines between cases are free text (the last one before a
case's first ``.`` is its title).  Each case renders as the body of the note "Fixture Note"
(``notes/Fixture Note.md``) in the small vault below, with absolute-URL links.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

import pytest

from notepress.assets import reference_problems
from notepress.markdown import (
    DocumentLinks,
    LinkStyle,
    RenderedNote,
    UrlLinks,
    comments,
    render_note,
)
from notepress.markdown.outline import read_outline
from notepress.markdown.parser import create_parser
from notepress.model import Note, Severity
from notepress.parse import parse_note
from notepress.slugs import lookup_key
from notepress.vault import Vault, load_vault
from tests.conftest import SAMPLES, SEEDS

FIXTURES = Path(__file__).parent / "fixtures" / "markdown"
SITE = "https://ex.org/"
FIXTURE_PATH = "notes/Fixture Note.md"


# --- the fixture vault ---------------------------------------------------------------------------

#: path -> (title, note_id, draft line, extra frontmatter, body)
VAULT_NOTES: dict[str, tuple[str, str, str, str, str]] = {
    "notes/Other Note.md": (
        "Other Note",
        "230301AB01",
        "false",
        "aliases: [Alt Name]",
        "## Some Heading\n",
    ),
    "journal/paper logbook.md": ("Why I Keep a Paper Logbook", "230301AB02", "false", "", ""),
    "notes/Café Crème.md": ("Café Crème", "230301AB03", "false", "", ""),
    "private/Secret Plans.md": (
        "Secret Plans",
        "230302DR01",
        "true",
        "aliases: [the plan]\ndescription: SECRET-DESCRIPTION",
        "SECRET-BODY\n",
    ),
    "notes/Broken.md": ("Broken Note", "230303ER01", '"false"', "aliases: [the wreck]", ""),
}
ATTACHMENTS = ("attachments/image.png", "attachments/diagram v2.png", "files/manual.pdf")
#: Everything that identifies the unpublishable notes; none of it may reach a rendered page.
UNPUBLISHED_MARKS = (
    "230302DR01",
    "230303ER01",
    "Secret Plans",
    "Secret%20Plans",
    "SECRET-",
    "private/",
    "Broken Note",
    "Broken.md",
)


def note_source(title: str, note_id: str, draft: str, extra: str, body: str) -> bytes:
    lines = ["---", f"title: {title}", f"note_id: {note_id}", "created: 2023-03-01"]
    lines += [f"draft: {draft}", *filter(None, [extra]), "---", "", body]
    return "\n".join(lines).encode("utf-8")


def make_note(
    path: str, body: str, title: str = "Fixture Note", note_id: str = "230306FX01"
) -> Note:
    return parse_note(PurePosixPath(path), note_source(title, note_id, "false", "", body))


@cache
def base_notes() -> tuple[Note, ...]:
    notes = tuple(
        parse_note(PurePosixPath(path), note_source(*fields))
        for path, fields in VAULT_NOTES.items()
    )
    assert [n.published for n in notes] == [True, True, True, False, False]
    assert notes[-1].has_errors and not notes[-2].has_errors
    return notes


def vault_with(*notes: Note) -> Vault:
    attachments: dict[str, PurePosixPath] = {}
    for name in ATTACHMENTS:
        path = PurePosixPath(name)
        attachments.setdefault(lookup_key(path.as_posix()), path)
        attachments.setdefault(lookup_key(path.name), path)
    return Vault(Path("/vault"), (*base_notes(), *notes), attachments)


def url_links() -> UrlLinks:
    return UrlLinks(lambda n: f"{SITE}{n.note_id}/", assets_url=f"{SITE}assets/")


def render(
    body: str, style: LinkStyle | None = None, *, include_drafts: bool = False
) -> RenderedNote:
    note = make_note(FIXTURE_PATH, body)
    return render_note(note, vault_with(note), style or url_links(), include_drafts=include_drafts)


# --- fixture files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    file: str
    title: str
    markdown: str
    html: str
    line: int


def read_cases(path: Path) -> Iterator[Case]:
    """The cases of one fixture file, in order (see the module docstring for the format)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    index = 0
    title = ""
    while index < len(lines):
        line = lines[index]
        if line != ".":
            title = line.strip() or title
            index += 1
            continue
        assert title, f"{path.name}:{index + 1}: a case needs a title line"
        parts: list[list[str]] = [[], []]
        start = index + 1
        index += 1
        for part in parts:
            while index < len(lines) and lines[index] != ".":
                part.append(lines[index])
                index += 1
            assert index < len(lines), f"{path.name}:{start}: case {title!r} is not closed"
            index += 1
        yield Case(path.stem, title, "\n".join(parts[0]) + "\n", "\n".join(parts[1]), start)
        title = ""


def all_cases() -> list[Case]:
    cases = [case for path in sorted(FIXTURES.glob("*.md")) for case in read_cases(path)]
    ids = [f"{case.file}: {case.title}" for case in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"fixture titles must be unique per file: {duplicates}"
    return cases


CASES = all_cases()


def test_every_plugin_has_fixtures() -> None:
    files = {case.file for case in CASES}
    expected = {"wikilinks", "embeds", "callouts", "highlight", "comments", "html", "cleanup"}
    assert expected <= files
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES, ids=[f"{c.file}: {c.title}" for c in CASES])
def test_fixture(case: Case) -> None:
    html = render(case.markdown).html
    assert html.strip() == case.html.strip(), f"{case.file}.md:{case.line}"


# --- wikilinks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("Café Crème", id="nfc"),
        pytest.param("Cafe\u0301 Cre\u0300me", id="nfd-combining-accents"),
        pytest.param("CAFÉ CRÈME", id="upper-case"),
        pytest.param("café  crème", id="extra-space"),
    ],
)
def test_wikilinks_resolve_after_nfc_normalisation_and_case_folding(written: str) -> None:
    html = render(f"[[{written}]]").html
    assert html == f'<p><a href="{SITE}230301AB03/" class="internal-link">{written}</a></p>\n'


def test_note_with_decomposed_title_is_found_by_composed_link() -> None:
    target = make_note("notes/nfd.md", "", title="Re\u0301sume\u0301", note_id="230301AB09")
    note = make_note(FIXTURE_PATH, "[[Résumé]]")
    html = render_note(note, vault_with(target, note), url_links()).html
    assert f'href="{SITE}230301AB09/"' in html


@pytest.mark.parametrize(
    "markdown",
    [
        "[[Secret Plans]]",
        "[[secret plans|a friendly alias]]",
        "[[the plan]]",
        "[[Secret Plans#Heading]]",
        "[[private/Secret Plans]]",
        "![[Secret Plans]]",
        "[[Broken Note]]",
        "[[the wreck|alias]]",
        "[[Broken#Part]]",
        "[[Nowhere]]",
        '<div class="linkage-tree"><ul><li>[[Secret Plans]]</li><li>[[Broken Note]]</li></ul></div>',
        '<a href="../private/Secret%20Plans.md">raw</a> [md](../private/Secret%20Plans.md)',
        "[md](Broken.md#part)",
    ],
)
@pytest.mark.parametrize("style", ["url", "document"])
def test_links_to_unpublished_notes_leak_nothing(markdown: str, style: str) -> None:
    links = url_links() if style == "url" else DocumentLinks({"230302DR01", "230303ER01"})
    rendered = render(markdown, links)
    html = rendered.html
    written = re.sub(r"\[\[(?:[^|\]]*\|)?", "", markdown)
    for mark in UNPUBLISHED_MARKS:
        if mark not in written:
            assert mark not in html
    assert "href" not in html
    assert "title=" not in html
    assert " id=" not in html
    assert rendered.linked_notes == ()


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("[[Secret Plans]]", "Secret Plans"),
        ("[[Secret Plans|alias]]", "alias"),
        ("[[Secret Plans#Heading]]", "Secret Plans &gt; Heading"),
        ("[[Nowhere|shown]]", "shown"),
        ("[[Nowhere#Part]]", "Nowhere &gt; Part"),
        ("[[Broken Note]]", "Broken Note"),
    ],
)
def test_unlinkable_wikilink_is_its_alias_or_written_target(markdown: str, text: str) -> None:
    assert render(markdown).html == f"<p>{text}</p>\n"


def test_include_drafts_makes_drafts_linkable_but_never_notes_with_errors() -> None:
    body = "[[Secret Plans]] [[the plan|alias]] [[Broken Note]]"
    html = render(body, include_drafts=True).html
    draft_link = f'<a href="{SITE}230302DR01/" class="internal-link">'
    assert html == f"<p>{draft_link}Secret Plans</a> {draft_link}alias</a> Broken Note</p>\n"
    assert "230302DR01" not in render(body).html


def test_rendered_note_records_linked_notes_in_order() -> None:
    rendered = render("[[Alt Name]] [[Café Crème]] [[Other Note#Some Heading]] [[Secret Plans]]")
    assert [n.note_id for n in rendered.linked_notes] == ["230301AB01", "230301AB03"]


def test_same_note_heading_link_uses_the_document_anchor() -> None:
    rendered = render("## Part Two\n\nSee [[#Part Two]].", DocumentLinks({"230306FX01"}))
    assert rendered.html == (
        '<h2 id="n230306FX01-part-two">Part Two</h2>\n'
        '<p>See <a href="#n230306FX01-part-two" class="internal-link">Part Two</a>.</p>\n'
    )


def test_a_heading_link_may_hold_single_brackets() -> None:
    """Obsidian ends a wikilink at its first ``]]``, so a link to a heading such as
    ``Adjoining $R[t]$`` or ``Brackets [a] here`` holds brackets (Obsidian writes such
    links itself); they were printed as raw ``[[...]]`` text, with no warning."""
    body = (
        "## Adjoining $R[t]$ to it\n\n## Brackets [a] here\n\n"
        "[[#Adjoining $R[t]$ to it|rings]], [[#Brackets [a] here]] and [[a [[#Brackets [a] here]]]"
    )
    note = make_note(FIXTURE_PATH, body)
    html = render_note(note, vault_with(note), DocumentLinks({"230306FX01"})).html
    assert '<a href="#n230306FX01-adjoining-to-it" class="internal-link">rings</a>' in html
    assert html.count('href="#n230306FX01-brackets-a-here"') == 2
    assert "[[a " in html and "]]]" not in html  # ``[[`` cannot stand inside one
    assert [link.heading for link in note.links] == [
        "Adjoining $R[t]$ to it",
        "Brackets [a] here",
        "Brackets [a] here",
    ]
    assert not [p for p in note.problems if p.code.startswith("link-")]


def test_what_the_check_says_of_a_path_link_is_what_the_render_writes() -> None:
    """A markdown link by path is judged by the load-time check (a warning when it leads
    nowhere) and written by the renderer (a link, or its text alone): one answer serves
    both, so every link the check passes is written, and every one it warns of is not."""
    links = {
        "Other%20Note.md": f"{SITE}230301AB01/",
        "Other%20Note": f"{SITE}230301AB01/",  # a note's name, ``.md`` left out
        "../journal/paper%20logbook": f"{SITE}230301AB02/",
        "../attachments/image.png": f"{SITE}assets/attachments/image.png",
        "/files/manual.pdf": f"{SITE}assets/files/manual.pdf",
        "Nowhere.md": None,
        "missing.png": None,
        "Nowhere": None,
        "../../outside.png": None,
    }
    body = "\n\n".join(f"[link {index}]({url})" for index, url in enumerate(links))
    note = make_note(FIXTURE_PATH, body)
    vault = vault_with(note)
    warned = {problem.line for problem in reference_problems(note, vault)}
    html = render_note(note, vault, url_links()).html
    first = note.body_line + note.body.split("\n").index("[link 0](Other%20Note.md)")
    for index, (url, href) in enumerate(links.items()):
        line = first + 2 * index
        written = re.search(rf"(?:<a href=\"([^\"]*)\"[^>]*>)?link {index}\b", html)
        assert written is not None and written.group(1) == href, url
        assert (line in warned) == (href is None), url


def test_a_link_within_the_note_to_no_heading_is_said_at_load_and_leads_to_its_top() -> None:
    """A table of contents written for GitHub (``[Part](#part)`` beside ``## 2. Part``)
    named nothing: ``check`` said nothing, the book's link led nowhere and only the book's
    build warned, without a line.  A raw HTML id is a fine target."""
    body = (
        "[gone](#second-part) [slug](#2-second-part) [spot](#spot)\n\n"
        '## 2. Second part\n\nWords <span id="spot">here</span>.\n'
    )
    note = make_note(FIXTURE_PATH, body)
    vault = vault_with(note)
    found = [(p.code, p.message) for p in reference_problems(note, vault)]
    assert found == [
        (
            "link-heading-missing",
            "notes/Fixture Note.md has no heading 'second-part'; the link leads to the note",
        )
    ]
    html = render_note(note, vault, DocumentLinks({"230306FX01"})).html
    assert '<a href="#n230306FX01">gone</a>' in html
    assert '<a href="#n230306FX01-2-second-part">slug</a>' in html
    assert '<a href="#n230306FX01-spot">spot</a>' in html  # the book gives the span that id


# --- embeds ----------------------------------------------------------------------------------------


def test_embeds_are_recorded_as_assets_in_order_of_use() -> None:
    rendered = render("![[diagram v2.png]] ![[image.png|300]] ![[manual.pdf]] ![[image.png]]")
    assert rendered.assets == (
        PurePosixPath("attachments/diagram v2.png"),
        PurePosixPath("attachments/image.png"),
        PurePosixPath("files/manual.pdf"),
    )


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("![[Secret Plans|400]]", "Secret Plans"),  # a draft
        ("![[Nowhere|300x200]]", "Nowhere"),
        ("![[gone.png|300]]", "gone.png"),
        ("![[Secret Plans|a label]]", "a label"),
    ],
)
def test_an_embed_that_cannot_be_shown_is_its_name_never_its_size(markdown: str, text: str) -> None:
    """A size written for an embed (``|400``) was printed in its place when the embed could
    not be shown (a draft, a missing note or file): a lone "400" in the text."""
    assert render(markdown).html == f"<p>{text}</p>\n"


def test_embed_without_asset_url_keeps_only_the_text() -> None:
    style = UrlLinks(lambda n: f"{SITE}{n.note_id}/")
    rendered = render("![[image.png]] ![[image.png|A diagram]]", style)
    assert rendered.html == "<p>image.png A diagram</p>\n"
    assert rendered.assets == ()


def test_embed_with_a_space_in_its_name_gives_a_valid_url() -> None:
    """Obsidian names pasted images ``Pasted image 20230306.png``: spaces are common."""
    rendered = render("![[diagram v2.png]]")
    assert rendered.html == (
        f'<p><img src="{SITE}assets/attachments/diagram%20v2.png" alt="diagram v2"></p>\n'
    )
    assert rendered.assets == (PurePosixPath("attachments/diagram v2.png"),)


# --- comments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "markdown",
    [
        pytest.param("Visible %%PRIVATE-COMMENT%% text.", id="inline"),
        pytest.param("%%\nPRIVATE-COMMENT\n\nstill PRIVATE-COMMENT\n%%\n\nVisible", id="block"),
        pytest.param("Visible\n\n%% PRIVATE-COMMENT never closed\n\n# PRIVATE-COMMENT", id="open"),
        pytest.param("> [!note]\n> Visible\n> %%PRIVATE-COMMENT%%", id="in-callout"),
        pytest.param("- Visible %%PRIVATE-COMMENT%%\n- item", id="in-list"),
        pytest.param("| a |\n|---|\n| Visible %%PRIVATE-COMMENT%% |", id="in-table"),
        pytest.param("Visible[^1]\n\n[^1]: note %%PRIVATE-COMMENT%%", id="in-footnote"),
        pytest.param(
            "<div>Visible</div>\n\n%%\n<div>PRIVATE-COMMENT</div>\n%%", id="html-in-comment"
        ),
        pytest.param(
            "<div>\nVisible %%PRIVATE-COMMENT%%\n</div>",
            id="comment-in-html-block",
        ),
        pytest.param(
            "Visible %%starts here\n\nPRIVATE-COMMENT paragraph\n\nPRIVATE-COMMENT end%% tail",
            id="inline-across-paragraphs",
        ),
    ],
)
def test_private_comments_never_reach_the_output(markdown: str) -> None:
    html = render(markdown).html
    assert "Visible" in html
    assert "PRIVATE" not in html
    assert "%%" not in html


def _comment_note(body: str) -> Note:
    text = f"---\ntitle: Remarks\ncreated: 2024-01-01\ndraft: false\n---\n{body}"
    return parse_note(PurePosixPath("remarks.md"), text.encode())


def test_comments_alone_on_their_lines_are_all_settled_however_many() -> None:
    """The shape a drawing plugin writes after every drawing: no round of parsing each, so
    a hundred of them in a note with code hide nothing but themselves."""
    body = "Code `x` here.\n\n" + "".join(f"%%REMARK {i} `%%\n\n" for i in range(100))
    body += "The end stays.\n"
    note = _comment_note(body)
    assert not any(p.code == "comments-hid-rest" for p in note.problems)
    html = render(body).html
    assert "The end stays." in html and "REMARK" not in html


def test_comments_too_tangled_to_settle_hide_the_rest_and_say_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each comment glued to its words costs a parse; past the characters a note may have
    parsed, the rest of the note is hidden (private text stays private), with a warning on
    the line it starts from: public text is never lost in silence."""
    body = "Code `x` here.\n\n" + "".join(f"w{i}w%%SECRET {i}%%t\n\n" for i in range(80))
    body += "The end.\n"
    # About 20 parses of this note: each a little shorter than the one before.
    monkeypatch.setattr(comments, "_ROUND_CHARACTERS", 20 * len(body))
    note = _comment_note(body)
    (hid,) = [p for p in note.problems if p.code == "comments-hid-rest"]
    assert hid.severity is Severity.WARNING
    assert "more than its size allows" in hid.message
    # Body line 1 is file line 6; the first comment is on body line 3, one every two lines.
    first_hidden = (hid.line - 8) // 2
    assert 20 <= first_hidden < 25
    html = render(body).html
    # Hidden from that line's ``%%``: the words before it on its line stay.
    assert "w0w" in html and f"w{first_hidden}w" in html
    assert f"w{first_hidden + 1}w" not in html and "The end." not in html
    assert "SECRET" not in html


def _annotations(count: int, data: str = "") -> str:
    """Highlights as an annotation plugin writes them: a quote holding a comment around a
    fenced block of ``data``, comments glued to the highlighted words, and a block id."""
    return "".join(
        f'>%%\n>```annotation-json\n>{{"n": {i}, "data": "{data}"}}\n>```\n>%%\n'
        f">*%%BEFORE%%lead words%%MARK%% ==marked words {i}== %%AFTER%%tail words*\n"
        f">%%LINK%%[[#^mark{i}|open]]\n>%%NOTE%%\n>\n>%%TAGS%%\n>\n^mark{i}\n\n"
        for i in range(count)
    )


def test_many_annotations_with_comments_around_code_are_all_read() -> None:
    """Some seven rounds of parsing a highlight: a note of 15 was cut after its tenth, the
    rest hidden, when the rounds were a fixed count rather than the note's size's."""
    body = _annotations(15) + "\nThe closing words.\n"
    note = _comment_note(body)
    assert not any(p.code == "comments-hid-rest" for p in note.problems)
    html = render(body).html
    assert "marked words 0" in html and "marked words 14" in html
    assert "The closing words." in html
    for private in ("annotation-json", "BEFORE", "MARK%", "AFTER", "LINK", "NOTE", "TAGS"):
        assert private not in html


def test_a_long_note_of_annotations_is_read_within_its_budget() -> None:
    """Each round reads the note as it is then, shorter by every comment cut: counted as
    rounds of the whole note, a 20 KB note of 19 annotations (their data the most of it)
    had its last four hidden; it takes some 1.7 million characters, within the budget."""
    body = _annotations(19, data="d" * 800) + "\nThe closing words.\n"
    assert len(body) > 15_000
    note = _comment_note(body)
    assert not any(p.code == "comments-hid-rest" for p in note.problems)
    assert "The closing words." in render(body).html


@pytest.mark.parametrize(
    "body,line",
    [
        pytest.param(
            "Port 161 answers [SNMP](../old/25%%20files/SNMP.md) here.\n\n## Later\nMore.\n",
            6,
            id="in-a-link-address",
        ),
        pytest.param("Half `done`.\n\nAbout 50%% of it.\n\nThe rest.\n", 8, id="with-code"),
        pytest.param("One.\n\nTwo.\n\n%%\nnotes to self\n", 10, id="a-block-never-closed"),
    ],
)
def test_a_comment_nothing_closes_hides_the_rest_and_says_so(body: str, line: int) -> None:
    """As in Obsidian, an unclosed ``%%`` hides the rest of the note (it may be private);
    what it hid is reported on the line it opens on, never lost in silence."""
    note = _comment_note(body)
    (unclosed,) = [p for p in note.problems if p.code == "comment-unclosed"]
    assert unclosed.severity is Severity.WARNING and unclosed.line == line
    html = render(body).html
    assert "More." not in html and "The rest." not in html and "notes to self" not in html


@pytest.mark.parametrize("body", ["All done 100%%\n", "Closed %%here%% and then text.\n"])
def test_a_comment_that_hides_nothing_more_is_not_reported(body: str) -> None:
    note = _comment_note(body)
    assert not [p for p in note.problems if p.code == "comment-unclosed"]


def test_table_cells_past_the_header_are_reported_on_their_row() -> None:
    """A GFM table shows its header's columns only; a row with more cells loses text, which
    the loader reports on that row's line (also in a list item, and with nothing else in
    the note that would make it parse the body)."""
    body = (
        "| Tool | Use | Note |\n|-|-|-|\n| mv | moves || and renames, too |\n| cp | copies | ok |\n"
        "\n- item\n\n  | a | b |\n  |---|---|\n  | 1 | 2 | 3 | 4 |\n"
    )
    note = _comment_note(body)
    found = [(p.line, p.message) for p in note.problems if p.code == "table-extra-cells"]
    assert [line for line, _ in found] == [8, 15]
    assert "a cell past" in found[0][1] and "2 cells past" in found[1][1]
    assert found[0][1].endswith("(a | inside a cell, [[Note|alias]] too, is written \\|)")
    html = render(body).html
    assert "and renames" not in html  # as GFM reads it: the warning is the point


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("The test went fine![[exam shot.png]]today.", "The test went fine exam shot.png today."),
        ("Plain ![[exam shot.png]], and on.", "Plain exam shot.png, and on."),
        ("A view![[Tasks.base]]", "A view Tasks.base"),
    ],
)
def test_an_embed_shown_as_its_name_keeps_apart_from_the_words_around_it(
    markdown: str, shown: str
) -> None:
    """Obsidian draws a missing embed as a box of its own; as text, its name was glued to
    the word written against it ("went fineexam shot.png")."""
    assert render(markdown).html == f"<p>{shown}</p>\n"


# --- raw HTML ---------------------------------------------------------------------------------------


def test_wikilink_inside_html_attribute_becomes_its_text() -> None:
    html = render(
        '<span title="[[Other Note]]">hover</span> <img alt="[[Alt Name]]" src="image.png">'
    ).html
    assert html == (
        '<p><span title="Other Note">hover</span> '
        f'<img alt="Alt Name" src="{SITE}assets/attachments/image.png"></p>\n'
    )


def test_wikilinks_in_a_script_a_style_or_a_comment_are_no_links() -> None:
    """A drawing's script holds point lists (``[[0,0],[12,-3]]``) that no reader sees and
    Obsidian links nowhere: read as wikilinks they gave hundreds of "no note is called"
    warnings in one vault.  Links between the tags around them still count, on their line."""
    body = (
        '<div id="chart">[[Tides]]</div><script>\nconst pts = [[0,0],[12,-3]];\n</script>\n'
        "<style>a[[b]] {}</style><!-- [[Old plan]] -->\n<p>\n[[Harbour]]</p>\n"
    )
    outline = read_outline(body)
    assert [(link.target, link.line) for link in outline.links] == [("Tides", 1), ("Harbour", 6)]
    html = render(body).html
    assert "pts" not in html and "Old plan" not in html
    assert "Tides" in html and "Harbour" in html


def test_table_spans_are_clamped_as_html_clamps_them() -> None:
    """A pasted ``colspan="99999999999"`` made WeasyPrint and pandoc lay out that many
    columns: the whole digest and the whole book failed, naming no note."""
    html = render(
        '<table><colgroup><col span="999999999"></colgroup><tr>'
        '<td colspan="99999999999" rowspan="0">x</td><td colspan="two" rowspan="70000">y</td>'
        "</tr></table>"
    ).html
    assert '<col span="1000">' in html
    assert '<td colspan="1000" rowspan="0">x</td>' in html
    assert '<td rowspan="65534">y</td>' in html


def test_form_fields_are_removed() -> None:
    html = render('<form action="https://example.org"><input type="text" name="q"></form>').html
    assert "<input" not in html


# --- footnotes and ids ----------------------------------------------------------------------------


class _Ids(HTMLParser):
    """Every id and every in-document href of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.anchors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)
            if name == "href" and value and value.startswith("#"):
                self.anchors.append(value[1:])


def test_footnote_and_heading_ids_are_unique_when_notes_are_concatenated() -> None:
    """Two notes with the same headings and ``[^1]`` in one document: no id twice."""
    body = "## Notes\n\nFirst[^1] and second[^note], see [[{other}#Notes]].\n\n## Notes\n\n"
    body += "[^1]: One.\n[^note]: Two.\n"
    first = make_note("a.md", body.format(other="B"), title="A", note_id="230301AA01")
    second = make_note("b.md", body.format(other="A"), title="B", note_id="230302BB01")
    vault = vault_with(first, second)
    style = DocumentLinks({first.note_id, second.note_id})
    parser = _Ids()
    for note in (first, second):
        parser.feed(render_note(note, vault, style).html)
    assert len(parser.ids) == 2 * 6, "two headings, two footnotes, two footnote refs per note"
    assert len(set(parser.ids)) == len(parser.ids)
    assert len(parser.anchors) == 2 * 5, "footnote refs, back links and the heading link"
    assert set(parser.anchors) <= set(parser.ids)
    assert {"n230301AA01-fn-1", "n230302BB01-fn-1", "n230302BB01-notes"} <= set(parser.ids)


def test_headings_are_reported_with_their_ids() -> None:
    rendered = render("## One\n\n### Two `code`\n\n## One\n\n## [[Other Note|Linked]] part")
    assert [(h.level, h.text, h.id) for h in rendered.headings] == [
        (2, "One", "one"),
        (3, "Two code", "two-code"),
        (2, "One", "one-2"),
        (2, "Linked part", "linked-part"),
    ]


# --- task lists -----------------------------------------------------------------------------------


def test_a_task_of_another_character_reads_like_a_done_one_at_load_and_render() -> None:
    """``[-]``, ``[/]``... are tasks in Obsidian: their box is not text, what follows is."""
    body = "- [-] skip [[Other Note]] today #chores ^skipped\n- [x] bake [[Other Note]] #chores\n"
    outline = read_outline(body)
    assert [link.target for link in outline.links] == ["Other Note", "Other Note"]
    assert outline.tags == ("chores",)
    assert outline.block_ids == frozenset({"skipped"})
    html = render(body).html
    assert (
        '<li id="block-skipped" class="task-list-item"><span class="task-checkbox task-done">'
        in html
    )
    assert "[-]" not in html and html.count("\u2611") == 2


def test_a_loose_task_list_keeps_each_box_with_its_text() -> None:
    """Items apart hold their text in paragraphs: the box stood before the paragraph, on a
    line of its own above its text (in print too)."""
    html = render("- [ ] check the calendar\n\n- [x] draw the range ^drawn\n").html
    assert '<p><span class="task-checkbox">\u2610</span> check the calendar</p>' in html
    assert '<span class="task-checkbox task-done">\u2611</span> draw the range</p>' in html
    assert "</span> <p" not in html


def test_a_box_in_code_or_escaped_is_no_task() -> None:
    html = render("- \\[-] escaped\n- `[-]` code\n").html
    assert "task" not in html
    assert "<li>[-] escaped</li>" in html and "<li><code>[-]</code> code</li>" in html


# --- callouts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "meta"),
    [
        pytest.param(
            "> [!tip|wide] T\n> B", {"kind": "tip", "fold": "", "metadata": "wide"}, id="pipe"
        ),
        pytest.param(
            "> [!Info|left   narrow]- T",
            {"kind": "info", "fold": "-", "metadata": "left narrow"},
            id="spaces-and-fold",
        ),
        pytest.param("> [!note] T", {"kind": "note", "fold": "", "metadata": ""}, id="none"),
    ],
)
def test_callout_metadata_is_kept_on_the_token_apart_from_the_type(
    markdown: str, meta: dict[str, str]
) -> None:
    tokens = create_parser().parse(markdown, {})
    assert tokens[0].type == "callout_open"
    assert tokens[0].meta == meta


@pytest.mark.parametrize(
    ("markdown", "headings"),
    [
        pytest.param(
            "> [!quote]\n> Words to remember.\n> ---\n> Author",
            [(2, "Words to remember.")],
            id="body-then-dashes",
        ),
        pytest.param("> [!note] My title\n> ===", [], id="title-then-equals"),
        pytest.param("> [!quote]\n> ---\n> Body.", [], id="marker-then-dashes"),
        pytest.param("- > [!tip]\n  > Inner\n  > ===", [(1, "Inner")], id="in-a-list"),
    ],
)
def test_a_callout_marker_never_makes_a_heading(
    markdown: str, headings: list[tuple[int, str]]
) -> None:
    rendered = render(markdown)
    assert [(h.level, h.text) for h in rendered.headings] == headings
    assert "[!" not in rendered.html
    outline = read_outline(markdown)
    assert [(level, text) for level, text, _ in outline.headings] == headings
    assert outline.first_h1 == next((text for level, text in headings if level == 1), None)


# --- plugins' blocks ----------------------------------------------------------------------------


def test_a_query_block_is_left_out_with_a_warning_naming_its_line() -> None:
    """Obsidian shows what a query finds; its text names folders and fields of the vault."""
    body = (
        'Intro.\n\n```dataview\nTABLE mood FROM "Private/Journal"\n```\n\n'
        "~~~DataviewJS\ndv.pages('#secret')\n~~~\n\n```js\nlet kept = 1;\n```\n\n"
        "```tasks\nnot done\npath includes Private/Chores\n```\n\n"
        "```query\ntag:#hidden\n```\n\n"
        '```base\nfilters:\n  and:\n    - file.inFolder("Private/Letters")\n```\n\n'
        '```todoist\nfilter: "#Private & today"\n```\n\n'
        "```tracker\nsearchType: frontmatter\nsearchTarget: weight\nfolder: Private/Health\n```\n\n"
        "```datacorejsx\nreturn dc.useQuery('@page and #diary');\n```\n"
    )
    rendered = render(body)
    secrets = ("Private/Journal", "#secret", "Private/Chores", "#hidden", "Private/Letters")
    for secret in (*secrets, "#Private", "Private/Health", "#diary"):
        assert secret not in rendered.html and secret not in rendered.text
    assert "let kept = 1;" in rendered.html  # other code stays code
    assert "Intro." in rendered.html
    note = make_note(FIXTURE_PATH, body)
    lines = note.body.split("\n")
    fences = (
        "```dataview",
        "~~~DataviewJS",
        "```tasks",
        "```query",
        "```base",
        "```todoist",
        "```tracker",
        "```datacorejsx",
    )
    expected = [("query-block", note.body_line + lines.index(fence)) for fence in fences]
    # Found at load, once for every output (and by `check`); the render does not repeat it.
    assert [(p.code, p.line) for p in note.problems if p.code == "query-block"] == expected
    assert next(p for p in note.problems if p.line == expected[1][1]).message.startswith(
        "dataviewjs query left out"
    )
    assert rendered.problems == ()
    # A block the loader did not report is reported by the render, with its line.
    unchecked = dataclasses.replace(note, problems=())
    again = render_note(unchecked, vault_with(unchecked), url_links())
    assert [(p.code, p.line) for p in again.problems] == expected


def test_dataview_inline_queries_show_the_notes_own_fields_or_nothing() -> None:
    """Obsidian shows what an inline query finds, never its code.  A note's own field is
    known here and shown; any other query is left out, with a warning naming its line at
    load; a code span that is no query (a spreadsheet's formula) stays code."""
    source = note_source(
        "Lantern",
        "230306FX02",
        "false",
        "school: evocation\nrange:\n  - near\n  - far\nCost: 4",
        "*School:* `=this.school` *range:* `= this.range` *cost:* `=this.cost`\n"
        "Named `=this.file.name`, titled `=this.title`.\n\n"
        "Linked from `$=dv.current().file.inlinks.length` notes\n"
        "and `=this.file.inlinks` too; `=this.missing` is none.\n"
        "Headed by `$=customJS.scrolls.header(this)`.\n\n"
        "Sum with `=SUM(A1:A3)`; `=this is it` are words.\n",
    )
    note = parse_note(PurePosixPath("spells/Lantern.md"), source)
    html = render_note(note, vault_with(note), url_links()).html
    assert "<em>School:</em> evocation <em>range:</em> near, far <em>cost:</em> 4" in html
    assert "Named Lantern, titled Lantern." in html
    assert "dv." not in html and "inlinks" not in html and "this." not in html
    assert "customJS" not in html and "Headed by ." in html
    assert "<code>=SUM(A1:A3)</code>" in html and "<code>=this is it</code>" in html
    lines = source.decode().split("\n")
    linked = next(i for i, line in enumerate(lines) if line.startswith("Linked from")) + 1
    found = [(p.line, p.message) for p in note.problems if p.code == "query-inline"]
    assert [line for line, _ in found] == [linked, linked + 1, linked + 2]  # file lines
    assert "'$=dv.current...nlinks.length' left out" in found[0][1]
    assert "=this.file.inlinks" in found[1][1]
    rendered = render_note(note, vault_with(note), url_links())
    (missing,) = [p for p in rendered.problems if p.code == "query-inline"]
    assert "'=this.missing' left out: the note has no such field" in missing.message


def test_meta_bind_widgets_are_left_out_with_a_warning() -> None:
    """Inputs and buttons that edit the note in Obsidian were published as their code."""
    body = (
        "Mood: `INPUT[inlineSelect(option(calm), option(tense)):mood]` today.\n\n"
        "```meta-bind-button\nlabel: Reset\nactions:\n  - type: command\n```\n\n"
        "Kept: `INPUT is a word` and `VIEW`.\n"
    )
    note = parse_note(PurePosixPath("w.md"), note_source("W", "230306FX04", "false", "", body))
    html = render_note(note, vault_with(note), url_links()).html
    assert "inlineSelect" not in html and "Reset" not in html and "Mood:  today." in html
    assert "<code>INPUT is a word</code>" in html and "<code>VIEW</code>" in html
    codes = sorted(p.code for p in note.problems if p.code.startswith("query-"))
    assert codes == ["query-block", "query-inline"]


def test_dataview_inline_queries_of_other_notes_and_functions_are_left_out() -> None:
    """Only ``=this`` and DataviewJS were known: ``= date(today)`` and ``= [[Other]].rating``
    were published as code showing the query, with no warning.  A spreadsheet's formula,
    its functions in capitals, stays code."""
    body = (
        "Checked `= date(today)`, scored `= [[Seal spec]].rating`, then\n"
        '`=choice(this.done, "yes", "no")` and `= length(filter(x, (t) => t))`.\n\n'
        "Kept: `=SUM(A1:A3)`, `=A1*2`, `= 2 + 2` and `==`, `=sum(B2:B9)`, "
        "`=round(C2, 2)` and `=[[1, 2], [3, 4]]`.\n"
    )
    note = parse_note(PurePosixPath("log.md"), note_source("Log", "230306FX03", "false", "", body))
    html = render_note(note, vault_with(note), url_links()).html
    for query in ("date(today)", "rating", "choice", "filter"):
        assert query not in html, html
    for kept in ("=SUM(A1:A3)", "=A1*2", "= 2 + 2", "==", "=sum(B2:B9)", "=round(C2, 2)"):
        assert f"<code>{kept}</code>" in html
    assert "<code>=[[1, 2], [3, 4]]</code>" in html
    found = [p.message for p in note.problems if p.code == "query-inline"]
    assert len(found) == 4 and "'= date(today)' left out" in found[0]


@pytest.mark.parametrize(
    "body",
    [
        'Plain words only.\n\n```dataview\nLIST FROM "Private"\n```\n',  # nothing else to parse
        "- item\n  ```tasks\n  not done\n  ```\n",
        "> ~~~ Query\n> tag:#x\n> ~~~\n",
        "Words.\n\n```base\nviews:\n  - type: table\n```\n",
        "Words.\n\n````Todoist\nfilter: today\n````\n",
    ],
)
def test_the_loader_finds_query_blocks_in_any_body(body: str) -> None:
    note = make_note(FIXTURE_PATH, body)
    assert [p.code for p in note.problems if p.code == "query-block"] == ["query-block"]


@pytest.mark.parametrize(
    "body",
    [
        "Plain words.\n\n```tikz\n\\begin{tikzcd} U \\ar[r] & V \\end{tikzcd}\n```\n",
        "- item\n  ~~~ PlantUML\n  a -> b\n  ~~~\n",
        "> ```graphviz\n> digraph { a -> b }\n> ```\n",
        "Words.\n\n```chart\ntype: bar\n```\n",
    ],
)
def test_a_block_a_plugin_draws_is_its_source_with_a_warning(body: str) -> None:
    """TikZJax draws a ```` ```tikz ```` block in Obsidian; nothing here can, and the
    outputs showed its source where the drawing was, with no word (a maths vault had 280
    of them).  It stays code, reported on its line at load (``check``) and at render."""
    note = make_note(FIXTURE_PATH, body)
    (problem,) = [p for p in note.problems if p.code == "diagram-unsupported"]
    fence = next(i for i, line in enumerate(note.body.split("\n")) if "`" in line or "~" in line)
    assert problem.line == note.body_line + fence
    assert "export the drawing as an image" in problem.message
    unchecked = dataclasses.replace(note, problems=())
    rendered = render_note(unchecked, vault_with(unchecked), url_links())
    assert [(p.code, p.line) for p in rendered.problems] == [(problem.code, problem.line)]
    assert "<pre><code" in rendered.html
    assert render("```python\nx = 1\n```\n").problems == ()


def test_an_image_no_output_may_load_is_written_as_its_alternative_text() -> None:
    """Raw HTML's ``img`` whose file is missing loses its ``src``: a reader would see a
    broken image, or nothing; the text is what the image was.  Its ``<`` stays text."""
    rendered = render(
        'A <img src="missing.png" alt="a kettle"> and <img src="gone.png" '
        'alt="<script>x()</script>"> and <img src="https://example.org/p.png" alt="kept">\n'
    )
    assert "a kettle" in rendered.html and "&lt;script&gt;x()&lt;/script&gt;" in rendered.html
    assert "<script" not in rendered.html
    assert rendered.html.count("<img") == 1 and 'alt="kept"' in rendered.html


# --- whole notes -----------------------------------------------------------------------------------


def _outside_code(html: str) -> str:
    return re.sub(r"<(pre|code)\b.*?</\1>", "", html, flags=re.DOTALL)


@cache
def sample_vault() -> Vault:
    return load_vault(SAMPLES, exclude_dirs=[SAMPLES / "_publish"])


@pytest.mark.parametrize(
    "path",
    sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.md")),
)
def test_sample_notes_show_no_note_syntax_and_no_private_comment(path: str) -> None:
    vault = sample_vault()
    (note,) = [n for n in vault.notes if n.path.as_posix() == path]
    html = render_note(note, vault, url_links()).html
    prose = _outside_code(html)
    for syntax in ("[[", "]]", "[!", "==", "%%"):
        assert syntax not in prose, f"{path}: {syntax!r} in output"
    assert "PRIVATE-COMMENT" not in html


def test_sample_notes_exercise_every_construct() -> None:
    """The property test above means something only if the samples use the syntax."""
    bodies = "\n".join(note.body for note in sample_vault().notes)
    for syntax in ("[[", "![[", "> [!", "==", "%%", "PRIVATE-COMMENT", "[^", "<div class="):
        assert syntax in bodies, syntax


@pytest.mark.parametrize(
    "heading",
    [
        "# History of [[Brennport]]",
        "# *History* of `Brennport`",
        "# [History](x.md) of ==Brennport==",
    ],
    ids=["wikilink", "emphasis-and-code", "link-and-highlight"],
)
def test_a_title_h1_written_with_markup_is_dropped_as_the_plain_one(heading: str) -> None:
    """A heading repeats the title when its shown text does: kept because of a link, the
    title was printed twice in every output."""
    note = make_note(
        FIXTURE_PATH, f"{heading}\n\nThe harbour silted up.\n", title="History of Brennport"
    )
    html = render_note(note, vault_with(note), url_links()).html
    assert "<h1" not in html and "harbour" in html


def test_an_embed_written_as_a_heading_follows_a_heading_of_its_name() -> None:
    """``## ![[Note]]`` (an outline of embedded notes): the note was a block inside the
    heading, which no output may hold.  It now follows a heading that reads as its name; a
    picture stays in its heading, and the embeds are still found on their lines."""
    body = (
        "Regions, one each.\n\n## ![[Other Note]]\n\n### ![[Other Note#Some Heading|Part]]\n\n"
        "## ![[image.png]] Pictured\n"
    )
    note = make_note(FIXTURE_PATH, body)
    html = render_note(note, vault_with(note), url_links()).html
    assert re.search(r'<h2 id="[^"]*other-note">Other Note</h2>\n<div class="transclusion">', html)
    assert re.search(r'<h3 id="[^"]*part">Part</h3>\n<div class="transclusion">', html)
    assert re.search(r"<h2[^>]*><img [^>]*> Pictured</h2>", html)
    assert not re.search(r"<h[1-6][^>]*>[^<]*<div", html)
    lines = [(link.target, link.line or 0) for link in note.links]
    start = lines[0][1]  # two lines apart, as written
    assert lines == [("Other Note", start), ("Other Note", start + 2), ("image.png", start + 4)]


def test_an_embed_written_as_a_heading_of_a_note_not_shown_is_named_once() -> None:
    """A draft's, or a missing note's, embed shows its name: under a heading that reads as
    it, the name was printed twice.  A link the embed becomes stays."""
    body = "## ![[Secret Plans]]\n\n## ![[Nowhere|The lost one]]\n\n## ![[Other Note]]\n"
    html = render(body).html
    assert html.count("Secret Plans") == 1 and "SECRET-" not in html
    assert html.count("The lost one") == 1
    assert re.search(r'<h2 id="[^"]*secret-plans">Secret Plans</h2>\n<h2', html)
    assert re.search(r'<h2 id="[^"]*other-note">Other Note</h2>\n<div class="transclusion">', html)


@cache
def seed_vault() -> Vault:
    return load_vault(SEEDS)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed notes are not present")
@pytest.mark.parametrize("include_drafts", [False, True], ids=["public", "with-drafts"])
def test_seed_notes_render_cleanly(include_drafts: bool) -> None:
    vault = seed_vault()
    notes = {note.note_id: note for note in vault.notes}
    general = render_note(notes["221215GN01"], vault, url_links(), include_drafts=include_drafts)
    journal = render_note(notes["221215TJ01"], vault, url_links(), include_drafts=include_drafts)
    for rendered in (general, journal):
        assert "<h1" not in rendered.html, "leading and trailing title H1 and lone # are dropped"
        prose = _outside_code(rendered.html)
        for syntax in ("[[", "]]", "[!", "%%", "Â"):
            assert syntax not in prose
        assert '<div class="linkage-tree">' in rendered.html
    assert "Latency Budget · Platform Risk" in general.html
    link = f'<a href="{SITE}221215TJ01/" class="internal-link">Riffusion Generates Music</a>'
    assert (link in general.html) is include_drafts
    assert '<div class="keyword-row">' in journal.html
    assert '<span class="inline-note">' in journal.html
    assert '<ul class="brain-dump">' in journal.html
    assert '<div class="callout callout-question" data-callout="question">' in journal.html
    assert '<p class="callout-title">Riffusion - About</p>' in journal.html


def test_a_url_never_holds_a_second_hash() -> None:
    """A pasted run of citations autolinks as one URL with two ``#``; a fragment cannot hold
    one, and an EPUB reader refuses the link: the second is escaped, for links written in
    markdown and in raw HTML alike."""
    html = render(
        "limits https://example.org/wiki/Cg#cite-9#cite-10 and"
        "[[9]](https://example.org/wiki/Cg#cite-9)[[10]](https://example.org/wiki/Cg#cite-10)"
        '\n\n<a href="https://example.org/a#b#c">raw</a>'
    ).html
    hrefs = re.findall(r'href="([^"]*)"', html)
    external = [href for href in hrefs if href.startswith("https://")]
    assert external, html
    assert all(href.count("#") <= 1 for href in hrefs), hrefs
    assert "https://example.org/a#b%23c" in external
    assert "https://example.org/wiki/Cg#cite-9%23cite-10" in external
    # Each citation of the pasted run, wikilink then address, is a link of its own.
    assert "https://example.org/wiki/Cg#cite-9" in external
    assert "https://example.org/wiki/Cg#cite-10" in external


def test_a_pasted_line_separator_is_a_line_break() -> None:
    """U+2028 and U+2029, left by pasted text, break the line as a browser shows them: no
    font draws them, and a digest printed an empty box at each."""
    html = render("- A pasted line.\u2028And the next.\n\nOne\u2029\u2029Two `a\u2028b`\n").html
    assert "<li>A pasted line.<br>\nAnd the next.</li>" in html
    assert "<p>One<br>\nTwo <code>a\u2028b</code></p>" in html  # code keeps what it holds


def test_a_protocol_relative_link_leads_to_its_page_over_https() -> None:
    """``[the post](//blog.example.org/post)``, as pasted from a web page, was read as a
    vault path that names nothing: the link and the picture became their text, unsaid."""
    html = render(
        "Read [the post](//blog.example.org/post/1) and ![a chart](//cdn.example.org/c.png).\n"
    ).html
    assert '<a href="https://blog.example.org/post/1">the post</a>' in html
    assert '<img src="https://cdn.example.org/c.png" alt="a chart">' in html
