"""The note model's parsing rules, one test (or readable parametrised case) per rule.

Notes are parsed from bytes with :func:`notepress.parse.parse_note`, as the vault loader does;
rules that need the whole vault (duplicate ids, folder walking) go through
:func:`notepress.vault.load_vault` on a real folder.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import pytest

import notepress
from notepress.config import Selection
from notepress.model import Note, Problem, Severity
from notepress.output import MANIFEST, file_sha256
from notepress.parse import NOTE_ID_RE, ParseSettings, derived_note_id, parse_note
from notepress.selection import select_notes
from notepress.vault import load_vault
from tests.conftest import SEEDS, note_text, write_vault

BERLIN = ZoneInfo("Europe/Berlin")
PATH = "notes/sample note.md"

#: A complete, valid frontmatter; tests replace one line at a time.
GOOD_FIELDS = {
    "title": "A sample note",
    "note_id": "230306AB01",
    "created": "2023-03-06",
    "draft": "false",
}


def frontmatter(*lines: str, **fields: str | None) -> str:
    """A note text whose frontmatter is ``GOOD_FIELDS`` changed by ``fields`` (None drops a key).

    Extra raw ``lines`` are appended to the frontmatter as written.
    """
    merged = {**GOOD_FIELDS, **fields}
    body = [f"{key}: {value}" for key, value in merged.items() if value is not None]
    return "---\n" + "\n".join([*body, *lines]) + "\n---\n\nSome text.\n"


def parse(text: str | bytes, path: str = PATH, settings: ParseSettings | None = None) -> Note:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return parse_note(PurePosixPath(path), raw, settings)


def codes(note: Note) -> list[str]:
    return [problem.code for problem in note.problems]


def only(note: Note, code: str) -> Problem:
    """The single problem of ``note`` with ``code``."""
    found = [problem for problem in note.problems if problem.code == code]
    assert len(found) == 1, f"expected one {code!r} problem, got {note.problems}"
    return found[0]


def test_good_note_parses_without_problems() -> None:
    note = parse(frontmatter())
    assert note.problems == ()
    assert note.published
    assert note.title == "A sample note"
    assert note.path == PurePosixPath(PATH)
    assert note.body == "\nSome text.\n"


# --- encoding ----------------------------------------------------------------------------

LF_TEXT = frontmatter("tags: [one, two]") + "See [[Other note]].\n\nMore text.\n"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"\xef\xbb\xbf" + LF_TEXT.encode(), id="utf8-bom"),
        pytest.param(LF_TEXT.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(b"\xef\xbb\xbf" + LF_TEXT.replace("\n", "\r\n").encode(), id="bom-crlf"),
    ],
)
def test_bom_and_crlf_read_as_plain_utf8_lf(raw: bytes) -> None:
    plain = parse(LF_TEXT)
    assert plain.problems == ()
    note = parse(raw)
    assert note == plain
    assert "\r" not in note.body
    assert note.links[0].line == plain.links[0].line == 10


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        pytest.param(frontmatter().encode() + b"caf\xe9 in latin-1\n", 9, id="latin1-body"),
        pytest.param(frontmatter(title="Caf\xe9").encode("cp1252"), 2, id="cp1252-title"),
        pytest.param(frontmatter().encode("utf-16"), 1, id="utf16"),
    ],
)
def test_non_utf8_file_is_an_encoding_error_with_line(raw: bytes, line: int) -> None:
    note = parse(raw)
    problem = only(note, "encoding")
    assert problem.severity is Severity.ERROR
    assert problem.line == line
    assert problem.path == PATH
    assert str(problem).startswith(f"{PATH}:{line}: error[encoding]")
    assert note.draft
    assert not note.published


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        pytest.param(frontmatter(title="CafÃ© notes"), "title", "Café notes", id="title"),
        pytest.param(
            frontmatter(description="one Â· two"), "description", "one · two", id="description"
        ),
        pytest.param(frontmatter("tags: [CafÃ©, bread]"), "tags", ("Café", "bread"), id="tags"),
        pytest.param(
            frontmatter() + "[[A]] Â· [[B]] at the CafÃ©\n",
            "body",
            "\nSome text.\n[[A]] · [[B]] at the Café\n",
            id="body",
        ),
    ],
)
def test_mojibake_is_repaired_with_a_warning_naming_the_file(
    text: str, field: str, expected: object
) -> None:
    note = parse(text)
    assert getattr(note, field) == expected
    problem = only(note, "mojibake")
    assert problem.severity is Severity.WARNING
    assert problem.path == PATH
    assert PATH in str(problem)
    assert note.published, "a repaired note is still publishable"


@pytest.mark.parametrize(
    "good",
    ["über", "it\u2019s", "— dash", "déjà vu", "🎉", "Straße", "€5", "Ærø", "a · b"],
)
def test_mojibake_of_common_characters_is_repaired(good: str) -> None:
    """Text saved as UTF-8 after being read as Windows-1252, as editors on Windows do."""
    try:
        bad = good.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:
        bad = good.encode("utf-8").decode("latin-1")
    note = parse(frontmatter() + f"word {bad} end\n")
    assert note.body.endswith(f"word {good} end\n")
    problem = only(note, "mojibake")
    assert problem.line == 9
    # What the file shows and what it meant, as the writer would search for them.
    shown, meant = re.search(r"\((.+) for (.+)\):", problem.message).groups()  # type: ignore[union-attr]
    assert ast.literal_eval(shown) in bad and ast.literal_eval(meant) in good
    assert ast.literal_eval(shown) not in good


def test_correct_non_ascii_text_is_left_alone() -> None:
    text = "naïve café — “quoted” ½ Straße 日本語 🎉 · Ärger"
    note = parse(frontmatter(title=text) + text + "\n")
    assert note.title == text
    assert note.body.endswith(text + "\n")
    assert "mojibake" not in codes(note)


# --- frontmatter --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(
            "---\ntitle: ok\ndraft: true\nnote_id: 230306AB01\n  bad: indent\n---\nbody\n",
            5,
            id="bad-indentation",
        ),
        pytest.param(
            "---\ntitle: ok\ndraft: true\n- a list item\n---\nbody\n", 4, id="list-in-mapping"
        ),
        pytest.param("---\ntitle: ok\ncreated: @now\n---\nbody\n", 3, id="reserved-character"),
        pytest.param(
            "---\ntitle: ok\ndraft: true\ntags: [a, b\nnote_id: 230306AB01\n---\nbody\n",
            4,
            id="unclosed-flow-list",
        ),
        pytest.param(
            '---\ntitle: ok\ndraft: true\nnote_id: 230306AB01\nkey: "unclosed\nother: x\n---\n',
            5,
            id="unclosed-quote",
        ),
    ],
)
def test_malformed_yaml_is_an_error_with_the_file_line(text: str, line: int) -> None:
    note = parse(text)
    problem = only(note, "frontmatter-yaml")
    assert problem.severity is Severity.ERROR
    assert (problem.path, problem.line) == (PATH, line)
    assert not note.published


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("---\n- a\n- b\n---\nbody\n", id="list"),
        pytest.param("---\njust some words\n---\nbody\n", id="string"),
        pytest.param("---\n42\n---\nbody\n", id="number"),
    ],
)
def test_frontmatter_that_is_not_a_mapping_is_an_error(text: str) -> None:
    note = parse(text)
    problem = only(note, "frontmatter-type")
    assert problem.severity is Severity.ERROR
    assert problem.line == 2
    assert not note.published


def test_unclosed_frontmatter_is_an_error() -> None:
    note = parse("---\ntitle: ok\ndraft: false\n\nbody without a closing fence\n")
    assert only(note, "frontmatter-unclosed").severity is Severity.ERROR
    assert not note.published


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("# Heading only\n\nbody\n", id="no-frontmatter"),
        pytest.param("---\n---\n# Heading only\n\nbody\n", id="empty-frontmatter"),
    ],
)
def test_missing_frontmatter_gives_a_private_note_with_defaults(text: str) -> None:
    note = parse(text)
    assert not note.has_errors
    assert note.draft
    assert note.title == "sample note"  # the file name, as Obsidian shows it
    assert {"draft-missing", "note-id-missing"} <= set(codes(note))


# --- draft ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "draft"), [("true", True), ("false", False)])
def test_draft_boolean(value: str, draft: bool) -> None:
    note = parse(frontmatter(draft=value))
    assert note.draft is draft
    assert note.published is not draft
    assert note.problems == ()


def test_missing_draft_key_means_draft_with_a_warning() -> None:
    note = parse(frontmatter(draft=None))
    assert note.draft
    assert not note.published
    assert only(note, "draft-missing").severity is Severity.WARNING
    assert not note.has_errors


def test_site_option_publishes_notes_without_draft_key() -> None:
    note = parse(frontmatter(draft=None), settings=ParseSettings(publish_without_draft_key=True))
    assert not note.draft
    assert note.published
    assert note.problems == ()


@pytest.mark.parametrize("body", ["", "\n\n", "  \n\t\n"])
def test_a_published_note_without_text_is_a_warning_at_its_draft_key(body: str) -> None:
    """Often a note made by following a link to one not written yet: published, its feed
    item would be a title alone."""
    text = frontmatter().replace("\nSome text.\n", body)
    note = parse(text)
    problem = only(note, "body-empty")
    assert problem.severity is Severity.WARNING and note.published
    assert problem.line == text.splitlines().index("draft: false") + 1
    assert "draft: true" in problem.message
    # Published without a draft key, it names the first line; kept private, it is not said.
    settings = ParseSettings(publish_without_draft_key=True)
    assert (
        only(parse(text.replace("draft: false\n", ""), settings=settings), "body-empty").line == 1
    )
    assert "body-empty" not in codes(parse(text.replace("draft: false", "draft: true")))
    assert "body-empty" not in codes(parse(frontmatter()))


@pytest.mark.parametrize(
    ("flags", "published", "conflict"),
    [
        ("Draft: true", False, False),
        ("DRAFT: false", True, False),
        ("Publish: false", False, False),
        ("Draft: true\ndraft: false", False, True),
        ("draft: false\nDraft: false", True, False),
        ("Publish: true\npublish: false", False, True),
        ("Published: false", False, False),
        ("Published: 2024-01-02", True, False),  # a date, no flag
    ],
)
def test_draft_and_publish_are_read_whatever_their_case(
    flags: str, published: bool, conflict: bool
) -> None:
    """Obsidian's property names know no case: with notes published without a draft key,
    one marked ``Draft: true`` was published."""
    settings = ParseSettings(publish_without_draft_key=True)
    note = parse(f"---\ntitle: Leaving\n{flags}\n---\nWords.\n", settings=settings)
    assert note.published is published
    assert ("draft-conflict" in codes(note)) is conflict


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("\n---\ntitle: Late\ndraft: true\n---\nWords.\n", 2),
        ("\n\n---\ndraft: true\n---\n", 3),
        ('+++\ntitle = "Hugo"\ndraft = true\n+++\nWords.\n', 1),
        ("\n---\ndate created: 2024-01-02\ndraft: true\n---\nWords.\n", 2),
        ("\n---\n\n'title': Late\ndraft: true\n---\nWords.\n", 2),
    ],
    ids=["after-a-blank-line", "after-two", "toml", "key-with-a-space", "quoted-key"],
)
def test_frontmatter_obsidian_does_not_read_keeps_the_note_private(text: str, line: int) -> None:
    """Not read, it was published as the note's text when notes publish without a draft
    key, its ``draft: true`` printed rather than obeyed."""
    settings = ParseSettings(publish_without_draft_key=True)
    note = parse(text, settings=settings)
    problem = only(note, "frontmatter-misplaced")
    assert problem.severity is Severity.ERROR and problem.line == line
    assert not note.published
    prose = "\n---\nIngredients: rye, water.\n\nMix, rest, shape.\n\n---\n\nBake.\n"
    for body in ("Intro.\n\n---\n\nA rule: and text.\n\n---\n", "---\n\nA rule.\n", prose):
        assert "frontmatter-misplaced" not in codes(parse(body, settings=settings))


def test_a_body_that_only_repeats_the_title_as_an_h1_is_empty_too() -> None:
    """Every output drops an H1 that repeats the title, and every comment, so such a note
    was published as a title alone, with no word said (three notes of one public garden)."""
    title = GOOD_FIELDS["title"]
    for body, empty in [
        (f"# {title}\n", True),
        (f"\n#  {title.upper()}  \n\n", True),
        (f"# {title}\n\nA line.\n", False),
        ("# Another heading\n", False),
        (f"## {title}\n", False),
        ("%% to write: the outline %%\n", True),  # a comment alone shows nothing either
        (f"# {title}\n\n%%\nnotes to self\n%%\n", True),
        ("%% draft idea %% One visible line.\n", False),
    ]:
        note = parse(frontmatter().replace("\nSome text.\n", body))
        assert ("body-empty" in codes(note)) is empty, body


@pytest.mark.parametrize("value", ["", "null", "~"], ids=["empty", "null", "tilde"])
@pytest.mark.parametrize("publish_without_key", [False, True], ids=["default", "publish-option"])
def test_a_blank_draft_keeps_the_note_private_with_a_warning(
    value: str, publish_without_key: bool
) -> None:
    """``draft:`` left blank, as a template leaves it: private, said plainly (it read "draft
    is None (NoneType)"), unless a ``publish`` key beside it decides."""
    settings = ParseSettings(publish_without_draft_key=publish_without_key)
    note = parse(frontmatter(draft=value), settings=settings)
    problem = only(note, "draft-empty")
    assert problem.severity is Severity.WARNING and problem.line == 5
    assert (
        problem.message == "'draft' has no value: kept private (write 'draft: false' to publish it)"
    )
    assert note.draft and not note.published
    text = frontmatter(draft=value).replace("draft:", "publish: true\ndraft:")
    assert parse(text, settings=settings).published


@pytest.mark.parametrize(
    "value",
    [
        pytest.param('"false"', id="quoted-false"),
        pytest.param('"true"', id="quoted-true"),
        pytest.param("1", id="one"),
        pytest.param("0", id="zero"),
        pytest.param("[false]", id="list"),
    ],
)
@pytest.mark.parametrize("publish_without_key", [False, True], ids=["default", "publish-option"])
def test_draft_that_is_not_a_boolean_is_an_error(value: str, publish_without_key: bool) -> None:
    settings = ParseSettings(publish_without_draft_key=publish_without_key)
    note = parse(frontmatter(draft=value), settings=settings)
    problem = only(note, "draft-type")
    assert problem.severity is Severity.ERROR
    assert problem.line == 5, "the line of the draft key"
    assert note.draft
    assert not note.published


@pytest.mark.parametrize("key", ["publish", "dg-publish"])
@pytest.mark.parametrize("publish_without_key", [False, True], ids=["default", "publish-option"])
def test_a_publishing_tools_key_stands_in_for_draft(key: str, publish_without_key: bool) -> None:
    """Obsidian Publish, Quartz and the Digital Garden plugin mark public notes with their
    own key: ``false`` keeps a note private even where notes without ``draft`` publish."""
    settings = ParseSettings(publish_without_draft_key=publish_without_key)
    withheld = parse(frontmatter(f"{key}: false", draft=None), settings=settings)
    assert withheld.draft
    assert withheld.problems == ()  # said on purpose: no draft-missing warning
    shown = parse(frontmatter(f"{key}: true", draft=None), settings=settings)
    assert not shown.draft
    assert shown.published
    assert shown.problems == ()


@pytest.mark.parametrize(
    ("lines", "draft"),
    [
        pytest.param(("publish: true", "dg-publish: false"), True, id="tools-disagree"),
        pytest.param(("draft: true", "publish: true"), True, id="draft-true-wins"),
        pytest.param(("draft: false", "dg-publish: true"), False, id="all-agree"),
    ],
)
def test_any_key_that_withholds_a_note_keeps_it_private(
    lines: tuple[str, ...], draft: bool
) -> None:
    note = parse(frontmatter(*lines, draft=None))
    assert note.draft is draft
    assert note.problems == ()


@pytest.mark.parametrize("key", ["publish", "dg-publish"])
def test_an_empty_publish_key_says_nothing(key: str) -> None:
    settings = ParseSettings(publish_without_draft_key=True)
    note = parse(frontmatter(f"{key}:", draft=None), settings=settings)
    assert note.published and note.problems == ()
    note = parse(frontmatter(f"{key}:", draft=None))
    assert note.draft and codes(note) == ["draft-missing"]


@pytest.mark.parametrize(("draft", "private"), [("false", False), ("true", True)])
def test_a_publish_key_that_is_no_boolean_beside_draft_is_not_read(
    draft: str, private: bool
) -> None:
    """Some vaults write the day a note went out as ``publish``: ``draft`` decides."""
    note = parse(frontmatter("publish: 2024-05-01", draft=draft))
    assert note.draft is private
    problem = only(note, "publish-ignored")
    assert problem.severity is Severity.WARNING and problem.line == 6
    assert not note.has_errors


def test_draft_false_and_publish_false_stay_private_with_a_warning() -> None:
    note = parse(frontmatter("publish: false", draft="false"))
    assert note.draft
    problem = only(note, "draft-conflict")
    assert problem.severity is Severity.WARNING
    assert problem.line == 6, "the line of the publish key"
    assert "'publish'" in problem.message


@pytest.mark.parametrize("value", ['"yes"', "1", "[true]"])
def test_a_publish_key_that_is_not_a_boolean_is_an_error(value: str) -> None:
    note = parse(
        frontmatter(f"publish: {value}", draft=None),
        settings=ParseSettings(publish_without_draft_key=True),
    )
    problem = only(note, "draft-type")
    assert problem.severity is Severity.ERROR
    assert problem.message.startswith("publish")
    assert "publish: true or publish: false" in problem.message or "write publish: true" in (
        problem.message
    )
    assert not note.published


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param(frontmatter(created="someday"), "date-invalid", id="date-invalid"),
        pytest.param(frontmatter(note_id="abc"), "note-id-format", id="note-id-format"),
        pytest.param(frontmatter(title="[a, b]"), "field-type", id="field-type"),
        pytest.param(frontmatter("tags: {a: 1}"), "field-type", id="tags-type"),
        pytest.param(frontmatter("oops: [unclosed"), "frontmatter-yaml", id="frontmatter-yaml"),
        pytest.param(frontmatter().encode() + b"\xff\n", "encoding", id="encoding"),
    ],
)
def test_a_note_with_an_error_is_never_published(text: str | bytes, code: str) -> None:
    """Even with ``draft: false``: an error keeps the note out of every output."""
    note = parse(text, settings=ParseSettings(publish_without_draft_key=True))
    assert code in codes(note)
    assert note.has_errors
    assert not note.published


@pytest.mark.parametrize(
    ("value", "title"),
    [("2024-04-15", "2024-04-15"), ("yes", "yes"), ("2024-04-15 08:30", "2024-04-15 08:30")],
)
def test_a_title_yaml_reads_as_a_date_or_a_boolean_is_the_text_written(
    value: str, title: str
) -> None:
    """Obsidian shows it as written; an error kept 241 notes of a real vault private."""
    note = parse(frontmatter(title=value))
    assert note.title == title and note.problems == () and note.published


def test_an_empty_list_entry_is_skipped() -> None:
    """``aliases:`` then a lone ``- ``: Obsidian ignores the entry (33 notes of a real vault
    were private over one)."""
    note = parse(frontmatter("aliases:\n  - \n  - Other name", "tags:\n  -\n  - kettle"))
    assert note.aliases == ("Other name",) and note.tags == ("kettle",)
    assert note.problems == ()


@pytest.mark.parametrize(
    ("line", "draft"),
    [("published: true", False), ("published: false", True)],
)
def test_a_boolean_published_is_a_publish_flag_not_a_date(line: str, draft: bool) -> None:
    """Jekyll's ``published: false`` keeps a post unpublished: a date key that is a yes/no
    flag says whether to publish, as ``publish`` does, and dates nothing."""
    settings = ParseSettings(publish_without_draft_key=True)
    note = parse(frontmatter(line, draft=None, created=None), settings=settings)
    assert note.draft is draft and not note.has_errors
    assert note.created_from == "note_id" and "date-invalid" not in codes(note)
    dated = parse(frontmatter("published: 2024-04-14", draft=None, created=None), settings=settings)
    assert dated.created is not None and dated.created.date().isoformat() == "2024-04-14"
    assert (dated.created_from, dated.draft) == ("published", False)


def test_an_excalidraw_drawing_under_any_name_is_never_a_note_of_any_output() -> None:
    """A drawing the plugin saved as ``Sketch.md`` (or an Obsidian copy, ``X.excalidraw
    1.md``) holds a banner and the drawing's labels: published, it was a feed item of them."""
    text = (
        "---\nexcalidraw-plugin: parsed\ncreated: 2024-05-01\n---\n"
        "==Open this in the drawing view==\n\n# Text Elements\nA box label ^abc12345\n"
    )
    settings = ParseSettings(publish_without_draft_key=True)
    drawing = parse(text, "notes/Whiteboard copy.excalidraw 1.md", settings=settings)
    assert drawing.drawing and drawing.draft and not drawing.published
    assert only(drawing, "drawing-not-note").severity is Severity.WARNING
    assert only(drawing, "drawing-not-note").line == 2
    note = parse(frontmatter(), settings=settings)
    chosen = select_notes([drawing, note], Selection(drafts=True))
    assert chosen == (note,)  # not even a private reading copy takes it


@pytest.mark.parametrize("publish_without_draft_key", [False, True])
def test_a_drawing_gets_no_advice_that_would_publish_it(publish_without_draft_key: bool) -> None:
    """Undated, without a draft key or an id, a drawing was told to add 'draft: false' or
    a date to be published, which would publish nothing: it is told only that it is a
    drawing, and that only where a note like it would have been published."""
    text = "---\nexcalidraw-plugin: parsed\ntags: [sketch]\n---\n# Text Elements\nA box ^abc12345\n"
    settings = ParseSettings(publish_without_draft_key=publish_without_draft_key)
    drawing = parse(text, "media/Tree sketch.md", settings=settings)
    assert drawing.draft and not drawing.published
    expected = ["drawing-not-note"] if publish_without_draft_key else []
    assert [p.code for p in drawing.problems] == expected


def test_a_link_or_embed_of_a_drawing_by_its_frontmatter_is_told_like_any_drawing(
    tmp_path: Path,
) -> None:
    """A drawing named ``Sketch.md`` is as private as ``Sketch.excalidraw.md``, but the note
    embedding it was told nothing while the drawing's place showed its name alone."""
    drawing = "---\nexcalidraw-plugin: parsed\n---\n# Text Elements\nA box ^abc12345\n"
    lesson = note_text("Lesson", "Before.\n\n![[Sketch|600]]\n\nAs a link: [[Sketch]].\n")
    root = write_vault(tmp_path / "vault", {"Sketch.md": drawing, "Lesson.md": lesson}, "")
    vault = load_vault(root)
    note = next(n for n in vault.notes if n.path.name == "Lesson.md")
    found = [p for p in note.problems if p.code == "view-not-published"]
    lines = note.body.split("\n")
    embed = note.body_line + lines.index("![[Sketch|600]]")
    assert [p.line for p in found] == [embed, embed + 2]
    assert found[0].message.startswith("Sketch.md is an Obsidian Excalidraw drawing")
    assert "the embed is written as its text" in found[0].message


# --- title ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title"),
    [
        pytest.param(frontmatter() + "# A heading\n", "A sample note", id="frontmatter-wins"),
        pytest.param(
            frontmatter(title=None) + "## Second level\n\n# First H1 #\n\n# Second H1\n",
            "First H1",
            id="first-h1",
        ),
        pytest.param(
            frontmatter(title=None) + "```\n# in code\n```\n\n# After code\n",
            "After code",
            id="h1-outside-code",
        ),
        pytest.param(frontmatter(title="''") + "# From heading\n", "From heading", id="empty"),
        pytest.param(frontmatter(title=None) + "## Only H2\n", "sample note", id="file-name"),
        pytest.param("no frontmatter and no heading\n", "sample note", id="bare-file-name"),
        pytest.param(frontmatter(title="2023"), "2023", id="number"),
    ],
)
def test_title_falls_back_to_first_h1_then_file_name(text: str, title: str) -> None:
    """With ``h1`` among the title sources (by default the file name follows the key)."""
    settings = ParseSettings(title_from=("title", "h1", "filename"))
    assert parse(text, settings=settings).title == title


# --- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2023-03-06", datetime(2023, 3, 6, tzinfo=BERLIN), id="yaml-date-winter"),
        pytest.param("2023-07-06", datetime(2023, 7, 6, tzinfo=BERLIN), id="yaml-date-summer"),
        pytest.param("'2023-03-06'", datetime(2023, 3, 6, tzinfo=BERLIN), id="quoted-date"),
        pytest.param(
            "2023-03-06 10:00:00", datetime(2023, 3, 6, 10, tzinfo=BERLIN), id="yaml-datetime"
        ),
        pytest.param(
            "2023-03-06 10:00", datetime(2023, 3, 6, 10, tzinfo=BERLIN), id="date-hour-minute"
        ),
        pytest.param(
            "'2023-03-06 10:00'",
            datetime(2023, 3, 6, 10, tzinfo=BERLIN),
            id="quoted-date-hour-minute",
        ),
        pytest.param(
            "2023-03-06T10:00:00+05:30",
            datetime(2023, 3, 6, 10, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            id="rfc3339-offset",
        ),
        pytest.param(
            "'2023-03-06T10:00:00-05:00'",
            datetime(2023, 3, 6, 10, tzinfo=timezone(timedelta(hours=-5))),
            id="quoted-rfc3339-offset",
        ),
        pytest.param(
            "2023-03-06T10:00:00Z", datetime(2023, 3, 6, 10, tzinfo=UTC), id="rfc3339-utc"
        ),
    ],
)
def test_created_forms_become_aware_datetimes(value: str, expected: datetime) -> None:
    note_id = expected.strftime("%y%m%d") + "AB01"
    note = parse(
        frontmatter(created=value, note_id=note_id), settings=ParseSettings(timezone=BERLIN)
    )
    assert note.problems == ()
    assert note.created is not None
    assert note.created.utcoffset() is not None
    assert note.created == expected
    assert note.created.utcoffset() == expected.utcoffset()
    assert note.updated == note.created


def test_date_only_means_midnight_utc_by_default() -> None:
    note = parse(frontmatter())
    assert note.created == datetime(2023, 3, 6, tzinfo=UTC)
    assert note.created.utcoffset() == timedelta(0)


def test_date_only_means_midnight_in_site_timezone() -> None:
    note = parse(frontmatter(), settings=ParseSettings(timezone=BERLIN))
    assert note.created is not None
    assert note.created.isoformat() == "2023-03-06T00:00:00+01:00"


def test_updated_is_kept_when_given() -> None:
    note = parse(frontmatter(updated="2023-04-01 12:30"))
    assert note.created == datetime(2023, 3, 6, tzinfo=UTC)
    assert note.updated == datetime(2023, 4, 1, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize("key", ["created", "updated"])
@pytest.mark.parametrize(
    "value",
    [
        pytest.param("yesterday", id="word"),
        pytest.param("06/03/2023", id="slashes"),
        pytest.param("1700000000", id="ten-digits"),  # seconds or a stamp to the hour
        pytest.param("20230230", id="compact-feb-30"),
        pytest.param("20230414500000", id="compact-hour-50"),
        pytest.param("'2023-13-01'", id="month-13"),
        pytest.param("'2023-02-30'", id="quoted-feb-30"),
        pytest.param(
            "2023-02-30",
            id="yaml-feb-30",
        ),
        pytest.param("[2023-03-06]", id="list"),
    ],
)
def test_unparseable_date_is_an_error(key: str, value: str) -> None:
    note = parse(frontmatter(**{key: value}))
    problem = only(note, "date-invalid")
    assert problem.severity is Severity.ERROR
    assert problem.line == {"created": 4, "updated": 6}[key]
    assert key in problem.message
    assert not note.published


# --- note_id -----------------------------------------------------------------------------------


def test_note_id_is_kept() -> None:
    note = parse(frontmatter(note_id="221215GN01", created="2022-12-15"))
    assert note.note_id == "221215GN01"
    assert note.problems == ()


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("230306ab01", id="lowercase-letters"),
        pytest.param("230306A01", id="one-letter"),
        pytest.param("230306ABC1", id="three-letters"),
        pytest.param("2303AB01", id="short-date"),
        pytest.param("230306AB01x", id="trailing"),
        pytest.param("231306AB01", id="month-13"),
        pytest.param("230230AB01", id="feb-30"),
    ],
)
def test_malformed_note_id_is_an_error(value: str) -> None:
    note = parse(frontmatter(note_id=value))
    problem = only(note, "note-id-format")
    assert problem.severity is Severity.ERROR
    assert problem.line == 3
    assert not note.published


def test_note_id_date_disagreeing_with_created_is_a_warning() -> None:
    note = parse(frontmatter(note_id="230307AB01"))
    problem = only(note, "note-id-date")
    assert problem.severity is Severity.WARNING
    assert problem.line == 3
    assert note.note_id == "230307AB01"
    assert note.published


def test_note_id_date_is_compared_in_the_created_offset() -> None:
    """23:30 in New York on the 6th is the 7th in UTC, but the author wrote the 6th."""
    note = parse(frontmatter(created="2023-03-06T23:30:00-05:00"))
    assert "note-id-date" not in codes(note)


def test_missing_note_id_is_a_warning_with_a_stable_derived_id() -> None:
    note = parse(frontmatter(note_id=None))
    assert only(note, "note-id-missing").severity is Severity.WARNING
    assert note.published
    assert note.note_id == derived_note_id(PurePosixPath(PATH))
    # The id depends on the path only: edits to the note keep it, and it never looks real.
    edited = parse(frontmatter(note_id=None, title="Renamed") + "New words.\n")
    assert edited.note_id == note.note_id
    assert parse(frontmatter(note_id=None), path="other.md").note_id != note.note_id
    assert not NOTE_ID_RE.match(note.note_id)


def test_derived_note_id_survives_reloading_the_vault(make_vault: Callable[..., Path]) -> None:
    root = make_vault({"a/one.md": frontmatter(note_id=None), "b.md": frontmatter(note_id=None)})
    first = [note.note_id for note in load_vault(root).notes]
    second = [note.note_id for note in load_vault(root).notes]
    assert first == second
    assert len(set(first)) == 2


def test_duplicate_note_id_is_an_error_on_every_holder(make_vault: Callable[..., Path]) -> None:
    root = make_vault(
        {
            "a.md": note_text("A", note_id="230306AB01"),
            "sub/b.md": note_text("B", note_id="230306AB01"),
            "c.md": note_text("C", note_id="230306AB02"),
        }
    )
    vault = load_vault(root)
    by_path = {note.path.as_posix(): note for note in vault.notes}
    for path, other in (("a.md", "sub/b.md"), ("sub/b.md", "a.md")):
        problem = only(by_path[path], "note-id-duplicate")
        assert problem.severity is Severity.ERROR
        assert problem.line == 3, "the line of note_id"
        assert other in problem.message
        assert not by_path[path].published
    assert by_path["c.md"].published
    assert [note.title for note in vault.published] == ["C"]


# --- tags and keywords ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["tags", "keywords"])
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("[ai, audio]", ("ai", "audio"), id="list"),
        pytest.param("\n  - ai\n  - audio", ("ai", "audio"), id="block-list"),
        pytest.param("ai, audio ,music", ("ai", "audio", "music"), id="comma-string"),
        pytest.param("'#ai, #audio'", ("ai", "audio"), id="hash-string"),
        pytest.param("['#ai', audio, '#ai', ai]", ("ai", "audio"), id="hash-duplicates"),
        pytest.param("[zeta, alpha, mid]", ("zeta", "alpha", "mid"), id="order-kept"),
        pytest.param("[2022, ai]", ("2022", "ai"), id="number"),
        pytest.param("solo", ("solo",), id="single"),
        pytest.param("'a, , b,'", ("a", "b"), id="empty-parts"),
        pytest.param("[]", (), id="empty-list"),
    ],
)
def test_tags_and_keywords_are_normalised(key: str, value: str, expected: tuple[str, ...]) -> None:
    note = parse(frontmatter(f"{key}: {value}"))
    assert getattr(note, key) == expected
    assert note.problems == ()


@pytest.mark.parametrize(
    ("value", "tags"),
    [
        pytest.param("journal private", ("journal", "private"), id="spaces"),
        pytest.param("'#money #private'", ("money", "private"), id="hashes"),
        pytest.param("walks, journal private", ("walks", "journal", "private"), id="both"),
        pytest.param("[Home Lab, walks]", ("Home Lab", "walks"), id="list-items-whole"),
    ],
)
def test_tags_written_with_spaces_are_words_as_obsidian_reads_them(
    value: str, tags: tuple[str, ...]
) -> None:
    """Read as one tag ``journal private``, "private" was not found by ``exclude_tags =
    ["private"]``, and the note was published.  Keywords may be phrases: kept whole."""
    note = parse(frontmatter(f"tags: {value}\nkeywords: {value}\ncssclasses: wide  serif"))
    assert note.tags == tags
    assert any(" " in keyword for keyword in note.keywords)
    assert note.cssclasses == ("wide", "serif")


@pytest.mark.parametrize(
    ("lines", "field", "expected"),
    [
        pytest.param(("Tags: [ai]",), "tags", ("ai",), id="Tags"),
        pytest.param(("tag: ai",), "tags", ("ai",), id="tag"),
        pytest.param(("TAGS: '#ai'",), "tags", ("ai",), id="TAGS"),
        pytest.param(("tags: [ai]", "Tag: [audio, ai]"), "tags", ("ai", "audio"), id="both"),
        pytest.param(("Aliases: [Kettle]",), "aliases", ("Kettle",), id="Aliases"),
        pytest.param(("alias: '#1 kettle'",), "aliases", ("#1 kettle",), id="alias"),
        pytest.param(("cssclass: wide",), "cssclasses", ("wide",), id="cssclass"),
        pytest.param(("Keywords: [ai]",), "keywords", (), id="keywords-exact"),
    ],
)
def test_obsidian_list_keys_are_read_in_any_spelling(
    lines: tuple[str, ...], field: str, expected: tuple[str, ...]
) -> None:
    """Obsidian reads ``Tags``, ``tag``, ``Aliases``, ``alias`` and ``cssclass`` as its own
    keys; ``keywords`` is notepress's and stays exact."""
    note = parse(frontmatter(*lines))
    assert getattr(note, field) == expected
    assert note.problems == ()
    assert not {key.casefold() for key in note.extra} & {"tags", "tag", "aliases", "alias"}


def test_an_alias_under_a_capitalised_key_resolves(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    root.mkdir()
    (root / "kettle.md").write_text(
        note_text("Kettle", "Boils.", extra="Aliases: [Water boiler]"), encoding="utf-8"
    )
    (root / "tea.md").write_text(note_text("Tea", "Use the [[Water boiler]]."), encoding="utf-8")
    vault = load_vault(root)
    assert "link-unresolved" not in {p.code for p in vault.all_problems()}
    tea = next(note for note in vault.notes if note.title == "Tea")
    assert vault.resolve_link(tea.links[0], tea).title == "Kettle"


def test_extra_frontmatter_keys_are_kept() -> None:
    note = parse(
        frontmatter("mood: calm", "rating: 5", "source:", "  url: https://example.org", "tags: [a]")
    )
    assert dict(note.extra) == {
        "mood": "calm",
        "rating": 5,
        "source": {"url": "https://example.org"},
    }
    assert note.problems == ()


# --- links --------------------------------------------------------------------------------------


def test_links_are_recorded_with_file_lines_outside_code() -> None:
    body = (
        "Intro [[First]] and [[Second#Part|shown]].\n"  # line 9
        "\n"
        "`[[in code span]]` but ![[picture.png|300]] counts\n"  # line 11
        "\n"
        "```\n"
        "[[in fenced code]]\n"
        "```\n"
        "~~~~\n"
        "```\n"
        "[[in tilde fence]]\n"
        "~~~~\n"
        "Last [[#Local heading]]\n"  # line 20
    )
    note = parse(frontmatter() + body)
    found = [(link.target, link.heading, link.alias, link.embed, link.line) for link in note.links]
    assert found == [
        ("First", None, None, False, 9),
        ("Second", "Part", "shown", False, 9),
        ("picture.png", None, "300", True, 11),
        ("", "Local heading", None, False, 20),
    ]
    assert [link.text for link in note.links] == ["First", "shown", "300", "Local heading"]


def test_links_in_indented_code_are_not_recorded() -> None:
    note = parse(frontmatter() + "Text.\n\n    [[in indented code]]\n")
    assert note.links == ()


def test_unresolved_links_and_embeds_are_warnings_with_lines(
    make_vault: Callable[..., Path],
) -> None:
    root = make_vault(
        {
            "a.md": note_text(
                "A", "[[B]] [[Nowhere]]\n\n![[missing.png]] ![[pic.png]]\n", note_id="230306AB01"
            ),
            "b.md": note_text("B", note_id="230306AB02"),
            "pic.png": b"\x89PNG",
        }
    )
    note = load_vault(root).notes[0]
    assert [(p.code, p.line, p.severity) for p in note.problems] == [
        ("link-unresolved", 8, Severity.WARNING),
        ("embed-missing", 10, Severity.WARNING),
    ]
    assert note.published


# --- the vault -----------------------------------------------------------------------------------


def test_hidden_folders_and_files_are_skipped(make_vault: Callable[..., Path]) -> None:
    root = make_vault(
        {
            "visible.md": note_text("Visible"),
            ".obsidian/workspace.md": note_text("Obsidian"),
            ".trash/old.md": note_text("Trash"),
            ".git/notes.md": note_text("Git"),
            "sub/.hidden.md": note_text("Hidden"),
            ".obsidian/cover.png": b"png",
        }
    )
    vault = load_vault(root)
    assert [note.path.as_posix() for note in vault.notes] == ["visible.md"]
    assert vault.attachments == {}


def test_output_folder_is_excluded(make_vault: Callable[..., Path]) -> None:
    root = make_vault(
        {
            "note.md": note_text("Note"),
            "out/site/copy.md": note_text("Copy"),
            "out/x.png": b"x",
        },
        config='output = "out"\n',
    )
    # An earlier build's target folder, which wrote a markdown file.
    site = root / "out" / "site"
    (site / MANIFEST).write_text(json.dumps({"files": {"copy.md": file_sha256(site / "copy.md")}}))
    assert [n.title for n in load_vault(root, exclude_dirs=[root / "out"]).notes] == ["Note"]
    project = notepress.load_project(root)
    assert [n.title for n in project.vault.notes] == ["Note"]
    assert project.vault.attachment("x.png") is None
    # What the folder holds that no build wrote is named, once: it is not published.
    (warning,) = [p for p in project.vault.problems if p.code == "output-holds-files"]
    assert warning.path == "out" and "(x.png)" in warning.message
    assert "site" not in warning.message


def test_ignore_globs_skip_paths(make_vault: Callable[..., Path]) -> None:
    root = make_vault(
        {
            "keep.md": note_text("Keep"),
            "templates/daily.md": note_text("Template"),
            "deep/er/templates/inner.md": note_text("Nested template"),
            "drawing.excalidraw.md": note_text("Drawing"),
            "private/a/b.md": note_text("Private"),
            "private.md": note_text("Private file kept"),
        },
        config='ignore = ["templates/", "*.excalidraw.md", "/private/"]\n',
    )
    titles = sorted(n.title for n in notepress.load_project(root).vault.notes)
    assert titles == ["Keep", "Private file kept"]


@pytest.mark.parametrize(
    ("ignore", "kept"),
    [
        (["drafts/**", "!drafts/ready.md"], ["Keep", "Ready"]),
        (["drafts/", "!drafts/ready.md"], ["Keep"]),  # git cannot take it back either
        (["drafts/**"], ["Keep"]),
    ],
)
def test_ignore_takes_back_a_file_as_git_does(
    make_vault: Callable[..., Path], ignore: list[str], kept: list[str]
) -> None:
    """``drafts/**`` names what is inside the folder, not the folder: git keeps
    ``drafts/ready.md`` after ``!drafts/ready.md``, and the note was skipped, unsaid."""
    root = make_vault(
        {
            "keep.md": note_text("Keep"),
            "drafts/ready.md": note_text("Ready"),
            "drafts/rough.md": note_text("Rough"),
        },
        config=f"ignore = {json.dumps(ignore)}\n",
    )
    assert sorted(n.title for n in notepress.load_project(root).vault.notes) == kept


def test_attachments_are_indexed_by_name(make_vault: Callable[..., Path]) -> None:
    root = make_vault(
        {
            "note.md": note_text("Note"),
            "attachments/Diagram.PNG": b"png",
            "files/deep/manual.pdf": b"%PDF",
        }
    )
    vault = load_vault(root)
    assert [note.path.as_posix() for note in vault.notes] == ["note.md"]
    diagram = PurePosixPath("attachments/Diagram.PNG")
    assert vault.attachment("Diagram.PNG") == diagram
    assert vault.attachment("diagram.png") == diagram
    assert vault.attachment("attachments/Diagram.PNG") == diagram
    assert vault.attachment("manual.pdf") == PurePosixPath("files/deep/manual.pdf")
    assert vault.attachment("note.md") is None
    assert vault.attachment("absent.png") is None
    assert (vault.root / diagram).read_bytes() == b"png"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks_outside_the_vault_or_into_a_hidden_folder_are_not_followed(
    make_vault: Callable[..., Path], tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.md").write_text(note_text("Outside file"), encoding="utf-8")
    (outside / "folder" / "inner.md").write_text(note_text("Outside folder"), encoding="utf-8")
    root = make_vault(
        {
            "note.md": note_text("Inside"),
            "real/kept.md": note_text("Kept"),
            ".stash/hidden.md": note_text("Hidden"),  # a hidden folder is never read
        }
    )
    (root / "stash-link").symlink_to(root / ".stash", target_is_directory=True)
    (root / "hidden-link.md").symlink_to(root / ".stash" / "hidden.md")
    (root / "file-link.md").symlink_to(outside / "secret.md")
    (root / "folder-link").symlink_to(outside / "folder", target_is_directory=True)
    (root / "inside-link").symlink_to(root / "real", target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)

    vault = load_vault(root)
    titles = sorted(note.title for note in vault.notes)
    assert titles == ["Inside", "Kept"]
    reported = sorted((p.code, p.path, p.severity) for p in vault.problems)
    assert reported == [
        ("symlink-hidden", "hidden-link.md", Severity.WARNING),
        ("symlink-hidden", "stash-link", Severity.WARNING),
        ("symlink-outside", "file-link.md", Severity.WARNING),
        ("symlink-outside", "folder-link", Severity.WARNING),
    ]


def test_notes_are_ordered_by_path(make_vault: Callable[..., Path]) -> None:
    root = make_vault({name: note_text(name) for name in ("b.md", "a/z.md", "c/a.md", "a.md")})
    assert [n.path.as_posix() for n in load_vault(root).notes] == [
        "a/z.md",
        "a.md",
        "b.md",
        "c/a.md",
    ]


def test_site_settings_reach_the_parser(make_vault: Callable[..., Path]) -> None:
    root = make_vault(
        {"no-draft-key.md": note_text("Open", note_id="230306AB01", draft=None)},
        config="""
        [site]
        title = "T"
        url = "https://example.org/"
        timezone = "Europe/Berlin"
        publish_without_draft_key = true
        """,
    )
    (note,) = notepress.load_project(root).vault.notes
    assert note.published
    assert note.created is not None
    assert note.created.isoformat() == "2023-03-06T00:00:00+01:00"


# --- the real seed notes ---------------------------------------------------------------------------

SEED_EXPECTED = {
    "221215GN01": {
        "title": "riffusion turns diffusion into a music instrument",
        "tags": ("general-note", "ai", "audio", "creativity", "2022"),
        "keywords": ("diffusion", "music", "audio", "generative", "interface"),
        "created": datetime(2022, 12, 15, tzinfo=UTC),
        "updated": datetime(2022, 12, 15, tzinfo=UTC),
        "cssclasses": ("general-note",),
    },
    "221215TJ01": {
        "title": "riffusion generates music",
        "tags": ("tech-journal", "ai", "music", "tooling", "2022"),
        "keywords": ("audio", "diffusion", "creativity", "model", "tool"),
        "created": datetime(2022, 12, 15, tzinfo=UTC),
        "updated": datetime(2025, 2, 9, tzinfo=UTC),
        "cssclasses": ("tech-journal",),
    },
}


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed notes are not present")
def test_seed_notes_parse_as_drafts_with_ids_dates_tags_and_repaired_text() -> None:
    vault = load_vault(SEEDS)
    notes = {note.note_id: note for note in vault.notes}
    assert sorted(notes) == sorted(SEED_EXPECTED)
    for note_id, expected in SEED_EXPECTED.items():
        note = notes[note_id]
        assert note.draft
        assert not note.published
        assert not note.has_errors, note.problems
        for field, value in expected.items():
            assert getattr(note, field) == value, (note_id, field)
        assert "Â" not in note.body
    general = notes["221215GN01"]
    assert "[[Latency Budget]] · [[Platform Risk]]" in general.body
    mojibake = only(general, "mojibake")
    assert mojibake.path == general.path.as_posix()
    assert "mojibake" not in codes(notes["221215TJ01"])


@pytest.mark.parametrize(
    "value",
    [
        "Kiln log: the second firing",
        "`make` runs twice on a cold tree",
        '"Slow" cooling, and why it matters',
        "[WIP] glaze tests",
        "@potter notes",
    ],
)
def test_text_yaml_reads_as_more_than_text_gets_the_quoting_hint(value: str) -> None:
    """Real vaults hold such titles by the dozen; the message says how to mend them, and
    the mend it says works."""
    note = parse(f"---\ntitle: {value}\ndraft: false\n---\nbody\n")
    problem = only(note, "frontmatter-yaml")
    assert problem.line == 2
    assert problem.message.endswith(
        "; if the value of 'title' is text, put all of it in quotes: title: '...' "
        "(a ' inside written twice)"
    )
    quoted = "'" + value.replace("'", "''") + "'"
    mended = parse(f"---\ntitle: {quoted}\ndraft: false\n---\nbody\n")
    assert mended.title == value and not mended.errors()


@pytest.mark.parametrize(
    "line",
    [
        "tags: [a, b",
        'title: "unclosed',
        "title: ok\nbad line here\nx: 1",
        "title: ok\n\tindent: tab",
        "type:[[Kind]]\nsource: [[Book]]",  # the missing space is the fault, not the link
    ],
)
def test_an_error_the_quoting_hint_would_not_mend_gets_none(line: str) -> None:
    problem = only(parse(f"---\n{line}\ndraft: false\n---\nbody\n"), "frontmatter-yaml")
    assert "quotes" not in problem.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("20230608", datetime(2023, 6, 8, tzinfo=UTC), id="YYYYMMDD"),
        pytest.param("202306082037", datetime(2023, 6, 8, 20, 37, tzinfo=UTC), id="to-minute"),
        pytest.param(
            "20230608203724", datetime(2023, 6, 8, 20, 37, 24, tzinfo=UTC), id="to-second"
        ),
        pytest.param("'20230608203724'", datetime(2023, 6, 8, 20, 37, 24, tzinfo=UTC), id="quoted"),
        pytest.param(
            "1636999999999", datetime(2021, 11, 15, 18, 13, 19, tzinfo=UTC), id="epoch-ms"
        ),
    ],
)
def test_a_date_written_as_digits_is_read(value: str, expected: datetime) -> None:
    """Compact stamps (note plugins, Zettelkasten ids) and Dendron's milliseconds since
    1970: a real vault wrote every ``modified`` this way."""
    note = parse(f"---\ntitle: T\ndraft: false\ncreated: {value}\nupdated: {value}\n---\nbody\n")
    assert not note.errors(), note.errors()
    assert note.created == expected and note.updated == expected


def test_a_comment_in_a_frontmatter_value_is_left_out_with_a_warning() -> None:
    """A remark kept out with ``%%`` in a title or description reached the feed's summary,
    the JSON-LD and the note's URL: it is cut as in the note's text, and the key named."""
    note = parse(
        "---\ntitle: Lease talk %%with the landlord%%\n"
        "description: Notes on the lease. %%call back on Friday\n"
        "keywords: [housing, '%%private%% lease']\n"
        "draft: false\ncreated: 2024-01-02\n---\nbody\n"
    )
    assert note.title == "Lease talk"
    assert note.description == "Notes on the lease."
    assert note.keywords == ("housing", "lease")
    warned = {(p.code, p.line) for p in note.problems if p.severity is Severity.WARNING}
    assert {("frontmatter-comment", line) for line in (2, 3, 4)} <= warned
    assert not any(p.code == "frontmatter-comment" for p in parse(note_text("Plain")).problems)


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        pytest.param(
            "A cold beam: targets are [[Slowed]], then [[Frozen|frozen solid]].",
            "A cold beam: targets are Slowed, then frozen solid.",
            id="wikilinks",
        ),
        pytest.param(
            "**Bold** and _slanted_ and `code`.", "Bold and slanted and code.", id="marks"
        ),
        pytest.param("First.&NewLine;Second <part>.", "First. Second <part>.", id="entities"),
        pytest.param("A [site](https://example.org/) with $x^2$.", "A site with x^2.", id="link"),
        pytest.param("snake_case and 5 * 3 at $5", "snake_case and 5 * 3 at $5", id="literal"),
        pytest.param("Plain words.", "Plain words.", id="plain"),
    ],
)
def test_a_description_is_the_text_readers_see(written: str, shown: str) -> None:
    """Shown as a feed's summary, in the JSON-LD and under a digest's title, where markup
    was printed as written (``[[Slowed]]``, ``**``)."""
    escaped = written.replace('"', '\\"')
    note = parse(f'---\ntitle: Ray\ndescription: "{escaped}"\ndraft: false\n---\nbody\n')
    assert note.description == shown
