"""Notes in a right-to-left script read from the right in every output, block by block, as
Obsidian lays them out by each line's first letter; other notes are written as before."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

import notepress
from notepress.markdown import render_note
from notepress.markdown.direction import first_strong

from .conftest import note_text, write_vault
from .test_epub import epubcheck
from .test_markdown import make_note, url_links, vault_with
from .test_pdf_support import reader

# Hebrew of my own: a short recipe.
BODY = """\
איך מכינים תה? מרתיחים מים.

## הכנה

1. מחממים את הקומקום.
2. Steep for three minutes.

> [!tip] עצה
> כוס חמה שומרת על החום.

- נענע
- לימון

| שם | דקות |
|---|---|
| ירוק | 2 |

An English paragraph, with one word בעברית in it.

$x^2$ ואחריה מילים.

`code` ואחריו מילים.

[[Kettle|קומקום]] חשמלי.

חזרה [[#הכנה|לשלב ההכנה]].
"""


def _html(body: str) -> str:
    note = make_note("notes/Tea.md", body)
    return render_note(note, vault_with(note), url_links()).html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("שלום", "rtl"),
        ("سلام", "rtl"),
        ("hello שלום", "ltr"),
        ("12, 34 שלום", "rtl"),  # digits and punctuation are weak: the first letter decides
        ("123 !?", None),
    ],
)
def test_the_first_strong_letter_decides(text: str, expected: str | None) -> None:
    assert first_strong(text) == expected


def test_each_block_gets_the_direction_of_its_first_letter() -> None:
    html = _html(BODY)
    assert '<p dir="rtl">איך מכינים תה? מרתיחים מים.</p>' in html
    assert re.search(r'<h2 id="[^"]+" dir="rtl">הכנה</h2>', html)
    assert '<ol dir="rtl">' in html
    assert '<li dir="rtl">מחממים את הקומקום.</li>' in html
    assert '<li dir="ltr">Steep for three minutes.</li>' in html
    assert '<div class="callout callout-tip" data-callout="tip" dir="rtl">' in html
    assert '<ul dir="rtl">' in html and '<table dir="rtl">' in html
    assert '<p dir="ltr">An English paragraph' in html
    # A formula, code and a link's target are not prose: the words after them decide; a
    # link's visible text is prose.
    assert re.search(r'<p dir="rtl"><math [^>]*>.*</math> ואחריה מילים\.</p>', html)
    assert '<p dir="rtl"><code>code</code> ואחריו מילים.</p>' in html
    assert '<p dir="rtl">קומקום חשמלי.</p>' in html


def test_a_heading_in_another_script_has_an_id_of_its_letters() -> None:
    """Not ``section``, which a heading added above would move to another heading."""
    html = _html(BODY + "\n## Привет мир\n\n## Café au lait\n")
    assert '<h2 id="הכנה" dir="rtl">הכנה</h2>' in html
    assert re.search('href="[^"]*#הכנה"', html)
    assert 'id="привет-мир"' in html and 'id="cafe-au-lait"' in html


def test_a_heading_mixing_scripts_keeps_every_word_in_its_id() -> None:
    """Folded to ASCII, ``Kettle 東京`` and ``Kettle 大阪`` were ``kettle`` and ``kettle-2``:
    the second id moved whenever a heading was added above.  Latin alone folds as before,
    ``ß`` and ``ł`` included."""
    html = _html("## Kettle 東京\n\n## Kettle 大阪\n\n## Lemma λ\n\n## Große Straße\n\n## Naïve\n")
    for slug in ("kettle-東京", "kettle-大阪", "lemma-λ", "groe-strae", "naive"):
        assert f'id="{slug}"' in html, slug


def test_a_note_without_right_to_left_text_is_written_as_before() -> None:
    assert "dir=" not in _html("A paragraph.\n\n- an item\n\n> a quote with $x$\n")


CONFIG = """\
[site]
title = "Tea"
url = "https://notes.example.org/"
language = "he"

[targets.print]
exporter = "pdf"
group = "all"

[targets.book]
exporter = "epub"
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("direction")
    vault = write_vault(
        root / "vault",
        {
            "Tea.md": note_text("תה", BODY, note_id="240301TE01", created="2024-03-01"),
            "Kettle.md": note_text("Kettle", "Boils.", note_id="240301KE01", created="2024-03-02"),
        },
        CONFIG,
    )
    report = notepress.load_project(vault, output=root / "out").build()
    assert all(target.ok for target in report.targets), report.targets
    return root / "out"


def _line_starts(path: Path) -> dict[str, float]:
    """The horizontal position where each line of text starts, by its text."""
    starts: dict[str, float] = {}
    for page in reader(path).pages:

        def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
            if text.strip():
                starts.setdefault(text.strip(), cm[4] + tm[4] * cm[0])

        page.extract_text(visitor_text=visit)
    return starts


@pytest.mark.slow
def test_the_digest_prints_right_to_left_blocks_from_the_right(built: Path) -> None:
    """A short Hebrew line ends at the right margin, so it starts right of the middle of the
    page; a short English line starts at the left margin."""
    pdf = built / "print" / "digest.pdf"
    width = float(reader(pdf).pages[0].mediabox.width)
    starts = _line_starts(pdf)
    hebrew = next(x for text, x in starts.items() if "מרתיחים" in text)
    english = next(x for text, x in starts.items() if "Steep for three" in text)
    assert hebrew > width / 2, starts
    assert english < width / 4, starts
    # The link to the Hebrew heading is a link inside the document.
    destinations = [
        annotation.get_object().get("/Dest") or annotation.get_object()["/A"].get("/D")
        for page in reader(pdf).pages
        for annotation in page.get("/Annots") or []
        if annotation.get_object().get("/Subtype") == "/Link"
        and "/URI" not in (annotation.get_object().get("/A") or {})
    ]
    assert destinations and all(destinations), destinations


@pytest.mark.slow
def test_the_book_keeps_each_blocks_direction(built: Path) -> None:
    """pandoc has no attributes on paragraphs, lists and items: a div carries them."""
    (book,) = (built / "book").glob("*.epub")
    with zipfile.ZipFile(book) as archive:
        chapters = "".join(
            archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("EPUB/text/ch")
        )
    assert re.search(r'<div dir="rtl">\s*<p>איך מכינים תה\? מרתיחים מים\.</p>', chapters)
    assert re.search(r'<li><div dir="ltr">\s*Steep for three minutes\.', chapters)
    assert re.search(r'<div dir="ltr">\s*<p>An English paragraph', chapters)
    # The link to the Hebrew heading leads to it (epubcheck checks every fragment).
    (heading_id,) = re.findall(r' id="([^"]*הכנה)"', chapters)
    # Written as the id is (pandoc matches ids as written), in its chapter.
    assert re.search(rf'href="(?:ch\d+\.xhtml)?#{re.escape(heading_id)}"', chapters)
    assert epubcheck(book) == []


def test_a_right_to_left_list_of_paragraphs_keeps_each_marker_on_its_items_line(
    tmp_path: Path,
) -> None:
    """Items apart (each a paragraph) printed their marker alone, on a line above the
    item's text: the marker stands at the right of the item's first line, as in Obsidian."""
    body = (
        "פתיחה קצרה.\n\n- הפריט הראשון כאן.\n\n- הפריט השני כאן.\n\n1. מספר אחד\n\n2. מספר שתיים\n"
    )
    vault = write_vault(
        tmp_path / "vault",
        {"List.md": note_text("רשימה", body, note_id="240301LI01", created="2024-03-01")},
        '[site]\ntitle = "Tea"\nlanguage = "he"\n[targets.print]\nexporter = "pdf"\ntoc = false\n',
    )
    report = notepress.load_project(vault, output=tmp_path / "out").build()
    assert all(target.ok for target in report.targets), report.targets
    placed: list[tuple[str, float, float]] = []
    for page in reader(tmp_path / "out" / "print" / "digest.pdf").pages:

        def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
            if text.strip():
                placed.append((text.strip(), cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3]))

        page.extract_text(visitor_text=visit)
    # An extractor may read "1." right to left, as ".1".
    markers = [(text, x, y) for text, x, y in placed if text in ("•", "1.", "2.", ".1", ".2")]
    assert len(markers) == 4, placed
    for marker, x, y in markers:
        beside = [text for text, tx, ty in placed if abs(ty - y) < 1 and text != marker]
        assert beside, (marker, placed)  # its item's text is on its line
        assert all(tx < x for text, tx, ty in placed if abs(ty - y) < 1 and text != marker)
