"""Raw HTML a note hides stays hidden, and colours written inline stay.

Obsidian keeps ``hidden`` and inline styles: a spoiler or a remark written inside
``<span hidden>`` or ``style="display: none"`` is not seen in it, and text written black on
black is a bar.  The sanitiser dropped those attributes and kept the text, so every output
showed it plainly.  Built for real and read back from the JSON Feed and the JSON-LD.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import notepress

from .conftest import note_text, write_vault

BODY = """\
Visible start <span hidden>first secret, see [[Elsewhere]]</span> and on.

<div style="display: none">
second secret
</div>

<div hidden>

A paragraph between the blocks: Obsidian reads each block alone, so it is shown.

</div>

A <span style="visibility:hidden">third secret</span> and an <em hidden>unclosed
fourth secret, hidden to the end of its paragraph as the browser closes it there.

<p style="display: none /* for now */">fifth secret</p>
<p style="&#100;isplay:none">sixth secret</p>
<p style="display:none; display:block">shown, the last declaration wins</p>
<dialog>seventh secret</dialog><dialog open>an open dialog is shown</dialog>
<p style="d\\isplay: n\\6f ne">eighth secret</p>
<p style="content-visibility: hidden">ninth secret</p>

Spoiler <span style="color:#000000; background-color:#000000">under the bar</span>, and
<mark style="background: url(https://tracker.example.net/p.png)">marked</mark>,
<span style="color: url(https://tracker.example.net/c.png); color: teal">teal</span>,
<span style="color: darkgreen}; background-color: rgb(250 250 210 / 80%)">typo</span>,
<span style="color: (; background-color: #">bracket</span>.

```html
<span hidden>code keeps its text</span>
```
"""

CONFIG = """\
[site]
title = "Hidden"
url = "https://notes.example.org/"

[targets.news]
exporter = "feed"
formats = ["json"]

[targets.meta]
exporter = "jsonld"
article_body = true
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, notepress.BuildReport, str]:
    base = tmp_path_factory.mktemp("hidden")
    text = note_text("Spoilers", BODY, note_id="240101GN01")
    root = write_vault(base / "vault", {"spoilers.md": text}, CONFIG)
    project = notepress.load_project(root, output=base / "out")
    report = project.build()
    assert all(target.ok for target in report.targets), report
    return base / "out", report, text


def test_hidden_elements_reach_no_output(built: tuple[Path, notepress.BuildReport, str]) -> None:
    out, _, _ = built
    (item,) = json.loads((out / "news" / "feed.json").read_text(encoding="utf-8"))["items"]
    html = item["content_html"]
    document = json.loads((out / "meta" / "240101GN01.jsonld").read_text(encoding="utf-8"))
    for text in (html, document["articleBody"]):
        secrets = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
        for secret in (*secrets, "ninth"):
            assert f"{secret} secret" not in text
        assert "Elsewhere" not in text
        for shown in ("Visible start", "and on.", "A paragraph between the blocks"):
            assert shown in text
        assert "and an" in text and "shown, the last declaration wins" in text
        assert "an open dialog is shown" in text
        assert "code keeps its text" in text
    # A link inside a hidden element is no link of the note.
    assert "mentions" not in document


def test_inline_colours_stay_and_load_nothing(
    built: tuple[Path, notepress.BuildReport, str],
) -> None:
    out, _, _ = built
    html = json.loads((out / "news" / "feed.json").read_text(encoding="utf-8"))["items"][0][
        "content_html"
    ]
    assert '<span style="color:#000000;background-color:#000000">under the bar</span>' in html
    assert "<mark><span" in html and ">marked</span></mark>" in html  # the feed's own yellow
    assert "url(" not in html
    assert '<span style="color:teal">teal</span>' in html
    # A declaration that is no CSS (a brace a typo left) goes: an EPUB checker refuses it.
    assert '<span style="background-color:rgb(250 250 210 / 80%)">typo</span>' in html
    assert "<span>bracket</span>" in html
    assert "tracker.example.net" not in html


@pytest.mark.parametrize(
    "body",
    [
        "First line,\nsecond line,\nthird <span hidden>aside</span> line.\n",
        "Intro.\n\n<div>\n<p>shown</p>\n<p hidden>aside</p>\n</div>\n",
    ],
    ids=["paragraph", "html-block"],
)
def test_the_warning_names_the_line_of_the_hidden_element(tmp_path: Path, body: str) -> None:
    text = note_text("Lines", body, note_id="240102GN01")
    root = write_vault(tmp_path / "vault", {"lines.md": text}, CONFIG)
    vault = notepress.load_project(root).vault
    (line,) = [p.line for n in vault.notes for p in n.problems if p.code == "html-removed"]
    assert text.splitlines()[line - 1].count("aside") == 1


def test_what_is_hidden_is_said_once_on_its_line(
    built: tuple[Path, notepress.BuildReport, str],
) -> None:
    _, report, text = built
    found = [(p.line, p.message) for p in report.problems if p.code == "html-removed"]
    ((line, message),) = found
    assert line == text.splitlines().index(BODY.splitlines()[0]) + 1
    assert message.startswith("<span> left out with its text")


def test_a_note_whose_only_text_is_hidden_is_said_to_be_empty(tmp_path: Path) -> None:
    text = note_text("Later", "<div hidden>\nNotes for later.\n</div>\n", note_id="240103GN01")
    root = write_vault(tmp_path / "vault", {"later.md": text}, CONFIG)
    (note,) = notepress.load_project(root).vault.notes
    assert "body-empty" in [p.code for p in note.problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<span HIDDEN>x</span>", True),
        ('<p STYLE="Display: None">x</p>', True),
        ('<p style="VISIBILITY:hidden">x</p>', True),
        ("<DIALOG>x</DIALOG>", True),
        ('<p style="&#100;isplay:none">x</p>', True),
        ('<p style="d\\isplay: n\\6f ne">x</p>', True),
        ('<p style="color: red">a b</p>', False),
        ('<p style="color: red">a \\ b</p>', True),  # an escape may spell a word: read it
        ("A line with a backslash \\ and a <b>bold</b> word.", False),
        ("", False),
    ],
)
def test_the_first_look_misses_nothing_that_hides(text: str, expected: bool) -> None:
    """The cheap look that spares most notes the tag reading answers yes to every way of
    hiding (any case, references, escapes) and no to ordinary HTML."""
    from notepress.mayhide import may_hide

    assert may_hide(text) is expected


@pytest.mark.parametrize(
    "html",
    [
        # An attribute written twice keeps its first value.
        '<p style="display:none" style="color: gray">SECRET</p>',
        # The cascade: important beats later, an impossible value is dropped, "! important".
        '<p style="display:none !important; display:inline">SECRET</p>',
        '<p style="display:none; display:nonsense">SECRET</p>',
        '<p style="visibility: hidden ! important">SECRET</p>',
        # A slash that closes a start tag is ignored, or is part of an unquoted value.
        "<div hidden class=todo/>SECRET</div>",
        "<a hidden href=https://x.example/>SECRET</a>",
        "<span hidden/>SECRET",
        # Inside a raw text element, an end tag is text.
        "<div hidden><textarea></div></textarea>SECRET</div>",
        "<div hidden><style>p { } </div></style>SECRET</div>",
        # A CSS escape after a quoted '>' or far into a long style.
        "<p style=\"content: '>'; \\64 isplay: none\">SECRET</p>",
        '<p style="' + "color: red; " * 100 + '\\64 isplay: none">SECRET</p>',
        # Invisible by opacity or size.
        '<span style="opacity: 0">SECRET</span>',
        '<span style="opacity: 0%">SECRET</span>',
        '<span style="font-size: 0px">SECRET</span>',
    ],
)
def test_every_way_the_browser_hides_an_element_leaves_it_out(html: str) -> None:
    from notepress.markdown.hiddenhtml import without_hidden

    kept, left_out = without_hidden("Before. " + html + " After.")
    assert "SECRET" not in kept and left_out
    assert kept.startswith("Before.")


@pytest.mark.parametrize(
    "html",
    [
        '<p style="display: none; display: block">SHOWN</p>',
        '<p style="display: none !important; display: block !important">SHOWN</p>',
        '<p style="display: none; display: var(--shown)">SHOWN</p>',
        '<p style="opacity: 0.5; font-size: 12px">SHOWN</p>',
        '<p style="visibility: hidden; visibility: visible">SHOWN</p>',
    ],
)
def test_a_later_or_stronger_declaration_shows_the_element(html: str) -> None:
    from notepress.markdown.hiddenhtml import without_hidden

    kept, left_out = without_hidden(html)
    assert "SHOWN" in kept and not left_out
