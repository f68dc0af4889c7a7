"""The EPUB on a small screen: nothing runs off the page, lists keep their look, notes number.

One small book is built for the module (real pandoc, real epubcheck) from notes with a wide
table, a long URL, long inline code, a long word, a highlighted code line, a task list, a
``brain-dump`` list, footnotes in two chapters and an SVG with an ordinary DOCTYPE.  Its
chapters are then laid out by a real CSS engine (WeasyPrint, as a screen at 360 px wide,
pandoc's own ``<style>`` included) to see what a reader would compute.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

import notepress

from .conftest import note_text, write_vault
from .test_epub import epubcheck

pytestmark = pytest.mark.slow

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
WIDTH = 360
CONFIG = """
[site]
title = "Layout"
url = "https://notes.example.org/"
author = "Ada Example"
timezone = "UTC"

[targets.book]
exporter = "epub"
cover = "none"
"""
LONG_URL = "https://example.org/" + "/".join(f"segment{n:02d}" for n in range(14)) + "/index.html"
LONG_CODE = "configuration_value_" + "_".join(["without"] * 12) + "_any_break"
LONG_WORD = "Werkzeugkastenschubladenverschlussmechanismusreparaturanleitung"
WIDE = """
| planting | watering | light | soil | feeding | repotting | pests | notes on the season |
|---|---|---|---|---|---|---|---|
| early spring sowing | every second morning | bright indirect | loose and sandy | monthly in summer | every other year | aphids on new leaves | cut back after the first frost |
"""
FIRST = f"""
A long address {LONG_URL} in a sentence, and `{LONG_CODE}` as code, and {LONG_WORD}.

{WIDE}

```python
def water_the_plants(garden_bed_identifier, amount_in_litres, time_of_day, repeat_every_days): pass
```

- [ ] sow the beans
- [x] mend the fence

<ul class="brain-dump"><li>loose thought</li><li>another one</li></ul>

- a plain bullet

A claim[^1] and a second claim[^2], then the first again[^1].

![[drawing.svg]]

[^1]: The first note of the first chapter.
[^2]: Two blocks in this one.

    - a listed point
"""
SECOND = """
Another chapter with its own first note[^1].

[^1]: The first note of the second chapter.
"""
DOCTYPE_SVG = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="120" height="40" viewBox="0 0 120 40">
  <title>a drawing</title>
  <rect x="2" y="2" width="116" height="36" fill="#336699" stroke="#112233"/>
</svg>
"""


@dataclass
class Book:
    path: Path
    folder: Path
    """The EPUB unpacked, so that a CSS engine can read a chapter with its stylesheet."""
    report: notepress.BuildReport

    def chapters(self) -> dict[str, ET.Element]:
        return {
            path.name: ET.parse(path).getroot() for path in sorted(self.folder.rglob("ch*.xhtml"))
        }

    def chapter_path(self, name: str) -> Path:
        (path,) = self.folder.rglob(name)
        return path


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    root = write_vault(
        tmp_path_factory.mktemp("layout"),
        {
            "first.md": note_text("Garden", FIRST, note_id="230301LA01", created="2023-03-01"),
            "second.md": note_text("Shed", SECOND, note_id="230302LA01", created="2023-03-02"),
            "drawing.svg": DOCTYPE_SVG,
        },
        config=CONFIG,
    )
    report = notepress.load_project(root).build(["book"])
    (result,) = report.targets
    assert result.ok, result.error
    (path,) = result.files
    folder = root.parent / "unpacked"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    return Book(path, folder, report)


def _classes(element: ET.Element) -> list[str]:
    return element.get("class", "").split()


def _iter_with_parents(root: ET.Element) -> Iterator[tuple[ET.Element, ET.Element]]:
    for parent in root.iter():
        for child in parent:
            yield parent, child


# validity ------------------------------------------------------------------------------------


def test_the_book_passes_epubcheck(book: Book) -> None:
    assert epubcheck(book.path) == []
    assert not [str(p) for p in book.report.all_problems() if "epub" in p.code], "warnings"


def test_an_svg_with_a_doctype_is_in_the_book(book: Book) -> None:
    chapter = book.chapters()["ch001.xhtml"]
    (image,) = [img for img in chapter.iter(f"{XHTML}img") if img.get("alt") == "drawing"]
    source = book.chapter_path("ch001.xhtml").parent / image.get("src", "")
    data = source.read_bytes()
    assert b'fill="#336699"' in data and data.lstrip().startswith(b"<?xml")


# classes the stylesheet matches ----------------------------------------------------------------


def test_list_classes_survive_pandoc(book: Book) -> None:
    chapter = book.chapters()["ch001.xhtml"]
    wrapped = {
        " ".join(_classes(parent)): ["".join(li.itertext()) for li in child]
        for parent, child in _iter_with_parents(chapter)
        if child.tag == f"{XHTML}ul" and parent.tag == f"{XHTML}div"
    }
    assert wrapped == {
        "contains-task-list task-list": ["\u2610 sow the beans", "\u2611 mend the fence"],
        "brain-dump": ["loose thought", "another one"],
    }


def test_tables_sit_in_a_scrolling_wrapper(book: Book) -> None:
    chapter = book.chapters()["ch001.xhtml"]
    parents = [p for p, c in _iter_with_parents(chapter) if c.tag == f"{XHTML}table"]
    assert [_classes(p) for p in parents] == [["table-wrap"]]


def test_the_stylesheet_holds_the_wrapping_rules(book: Book) -> None:
    (css_path,) = book.folder.rglob("stylesheet*.css")
    css = css_path.read_text(encoding="utf-8")
    for rule in (
        "html body pre > code.sourceCode {",
        "white-space: pre-wrap;",
        "overflow-wrap: anywhere;",
        "word-break: break-word;",
        "div.task-list > ul, div.task-list > ol { list-style: none;",
        "div.table-wrap { max-width: 100%; overflow-x: auto;",
    ):
        assert rule in css, rule


# what a reader computes -----------------------------------------------------------------------


def _layout(path: Path) -> Any:
    """The chapter laid out as a screen ``WIDTH`` pixels wide, with every stylesheet it links."""
    from weasyprint import CSS, HTML

    page = CSS(string=f"@page {{ size: {WIDTH}px 6000px; margin: 0 }}")
    document = HTML(filename=str(path), media_type="screen").render(stylesheets=[page])
    assert len(document.pages) == 1
    return document.pages[0]._page_box


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _boxes(child)


@pytest.fixture(scope="module")
def laid_out(book: Book) -> dict[str, list[Any]]:
    return {name: list(_boxes(_layout(book.chapter_path(name)))) for name in book.chapters()}


def test_nothing_runs_past_a_narrow_screen(laid_out: dict[str, list[Any]]) -> None:
    for name, boxes in laid_out.items():
        wide = [
            (getattr(box, "element_tag", ""), round(box.position_x + box.margin_width()))
            for box in boxes
            if box.position_x + box.margin_width() > WIDTH + 0.5
        ]
        assert not wide, f"{name}: {wide[:5]}"
    texts = {getattr(box, "text", "") for boxes in laid_out.values() for box in boxes}
    assert any("configuration_value_" in text for text in texts)  # laid out, not left out


def test_code_wraps_under_pandocs_own_style(laid_out: dict[str, list[Any]]) -> None:
    codes = [
        box
        for boxes in laid_out.values()
        for box in boxes
        if getattr(box, "element_tag", "") == "code"
    ]
    assert len(codes) >= 2
    highlighted = [b for b in codes if "sourceCode" in (b.element.get("class") or "")]
    assert highlighted and all(b.style["white_space"] == "pre-wrap" for b in highlighted)
    assert all(b.style["overflow_wrap"] == "anywhere" for b in codes)


def test_task_items_have_no_bullet(laid_out: dict[str, list[Any]]) -> None:
    items = {
        "".join(box.element.itertext()).strip(): box.style["list_style_type"]
        for box in laid_out["ch001.xhtml"]
        if getattr(box, "element_tag", "") == "li" and type(box).__name__ == "BlockBox"
    }
    assert items["\u2610 sow the beans"] == items["\u2611 mend the fence"] == "none"
    assert items["a plain bullet"] == "disc"


# footnotes ------------------------------------------------------------------------------------


def _notes(chapter: ET.Element) -> dict[str, ET.Element]:
    return {
        aside.get("id", ""): aside
        for aside in chapter.iter(f"{XHTML}aside")
        if "footnote" in aside.get(EPUB_TYPE, "").split()
    }


def test_each_note_shows_its_number_and_leads_back_to_its_call(book: Book) -> None:
    numbered = 0
    for name, chapter in book.chapters().items():
        calls = {
            a.get("id"): a
            for a in chapter.iter(f"{XHTML}a")
            if "noteref" in a.get(EPUB_TYPE, "").split()
        }
        for note_id, aside in _notes(chapter).items():
            backs = [a for a in aside.iter(f"{XHTML}a") if "footnote-back" in _classes(a)]
            assert len(backs) == 1, (name, note_id)
            (back,) = backs
            call = calls[back.get("href", "").removeprefix("#")]
            assert call.get("href") == f"#{note_id}"
            assert back.text == f"{call.text}.", (name, note_id)
            first = next(iter(aside))
            assert back in list(first.iter()), "the number opens the note"
            numbered += 1
    assert numbered >= 4  # three calls in the first chapter, one in the second


def test_a_note_of_several_blocks_still_opens_with_its_number(book: Book) -> None:
    notes = _notes(book.chapters()["ch001.xhtml"])
    long = next(aside for aside in notes.values() if "Two blocks" in "".join(aside.itertext()))
    first = next(iter(long))
    assert first.tag == f"{XHTML}p"
    assert "".join(first.itertext()).startswith("2. Two blocks")


def test_a_css_option_naming_a_note_puts_nothing_of_it_in_the_book(tmp_path: Path) -> None:
    """The css option's file is added as it is to the book's stylesheet: a note named by
    mistake was in the book whole, frontmatter and all."""
    files = {
        "open.md": note_text("Open", "Shared words.", note_id="230301OP01"),
        "private/plans.md": note_text("Plans", "HUSHWREN", note_id="230302PL01", draft=True),
    }
    root = write_vault(tmp_path / "vault", files, config=CONFIG + 'css = "private/plans.md"\n')
    report = notepress.load_project(root).build()
    (result,) = report.targets
    assert "css:" in (result.error or "") and "plans.md is not a stylesheet (.css)" in result.error
    published = root / "_publish"
    assert not any(b"HUSHWREN" in p.read_bytes() for p in published.rglob("*") if p.is_file())
