"""Feed items read right with no stylesheet: in a mail client and in any feed reader.

One feed is built for the module from notes using each construct; its items are read as
written (lxml) and as a feed reader shows them (feedparser, whose sanitiser keeps only the
elements, attributes and CSS it knows), and the feed still validates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import lxml.html
import pytest
from lxml import etree

import notepress
from notepress.exporters.feed.mail import lower_for_mail

from .conftest import note_text, write_vault

DATA = Path(__file__).parent / "data" / "feed"
ATOM = "{http://www.w3.org/2005/Atom}"
CONFIG = """
[site]
title = "Mail Notes"
url = "https://notes.example.org/"
author = "Ada Example"
timezone = "UTC"
note_url = "notes/{slug}/"

[targets.news]
exporter = "feed"
formats = ["atom", "rss", "json"]
"""

FIRST = """
Opening words with a call[^1] and ==a bright phrase with *emphasis*== in them.

> [!note]
> A plain note callout.

> [!warning] Mind the **kettle**
> Outer words.
> > [!tip] Inner tip
> > Inner words.

> [!madeup] Odd type
> Still a callout.

- [ ] open task
- [x] finished task
- plain item

[^1]: The first note's own footnote.
"""

SECOND = """
Another call[^1] here, and a second one[^1] to the same note.

[^1]: The second note's footnote.
"""


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_vault(
        tmp_path_factory.mktemp("mail"),
        {
            "first.md": note_text("First", FIRST, note_id="230301MA01", created="2023-03-01"),
            "second.md": note_text("Second", SECOND, note_id="230302MA01", created="2023-03-02"),
        },
        config=CONFIG,
    )
    report = notepress.load_project(root).build(["news"])
    (result,) = report.targets
    assert result.ok, result.error
    return root / "_publish" / "news"


@pytest.fixture(scope="module")
def items(feed: Path) -> dict[str, lxml.html.HtmlElement]:
    """Each item's content_html from the JSON feed, parsed, by title."""
    data = json.loads((feed / "feed.json").read_text(encoding="utf-8"))
    return {
        item["title"]: lxml.html.fragment_fromstring(item["content_html"], create_parent="div")
        for item in data["items"]
    }


@pytest.fixture(scope="module")
def reader(feed: Path) -> dict[str, lxml.html.HtmlElement]:
    """Each Atom entry's content as feedparser (a real reader's sanitiser) hands it on."""
    parsed = feedparser.parse((feed / "atom.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return {
        entry.title: lxml.html.fragment_fromstring(entry.content[0].value, create_parent="div")
        for entry in parsed.entries
    }


def _callouts(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return [e for e in root.iter("blockquote") if "callout" in e.get("class", "").split()]


def _title(callout: lxml.html.HtmlElement) -> str:
    (title,) = [p for p in callout if p.tag == "p" and "callout-title" in p.get("class", "")]
    return " ".join(title.text_content().split())


# callouts ------------------------------------------------------------------------------------


def test_callouts_are_blockquotes_with_a_bold_title_and_their_type(
    items: dict[str, lxml.html.HtmlElement],
) -> None:
    first = items["First"]
    assert [e.tag for e in first.find_class("callout")] == ["blockquote"] * 4
    callouts = _callouts(first)
    assert [_title(c) for c in callouts] == [
        "\u2139\ufe0f Note",
        "\u26a0\ufe0f Warning: Mind the kettle",
        "\U0001f4a1 Tip: Inner tip",
        "\u2139\ufe0f Madeup: Odd type",
    ]
    note, warning, tip, odd = callouts
    assert note.xpath("string(p[1]/strong)") == "\u2139\ufe0f Note"
    assert warning.xpath("string(p[1]/strong)") == "Mind the kettle"
    assert warning.xpath("p[1]/strong/strong/text()") == ["kettle"]  # inline markup kept
    assert tip.getparent() is warning  # nesting kept
    assert "border-left: 4px solid #c05621" in warning.get("style", "")
    assert "Still a callout." in odd.text_content()


def test_a_feed_reader_keeps_the_callout_shape(reader: dict[str, lxml.html.HtmlElement]) -> None:
    callouts = reader["First"].findall(".//blockquote")
    assert len(callouts) == 4
    assert callouts[1].xpath("string(p[1]/strong)") == "Mind the kettle"
    style = callouts[1].get("style", "")
    assert "border-left: 4px solid #c05621" in style and "background-color: #fcf1ea" in style


# highlights and tasks ------------------------------------------------------------------------


def test_highlights_keep_mark_and_carry_their_colour_inline(
    items: dict[str, lxml.html.HtmlElement], reader: dict[str, lxml.html.HtmlElement]
) -> None:
    (mark,) = items["First"].iter("mark")
    (span,) = mark
    assert "background-color: #fff3a3" in span.get("style", "")
    assert span.text_content() == "a bright phrase with emphasis"
    assert span.find("em") is not None
    # feedparser drops <mark>, as many readers do; the inline colour survives it.
    shown = [
        s for s in reader["First"].iter("span") if "background-color: #fff3a3" in s.get("style", "")
    ]
    assert [s.text_content() for s in shown] == ["a bright phrase with emphasis"]


def test_task_items_show_their_glyph_and_no_bullet(
    items: dict[str, lxml.html.HtmlElement],
) -> None:
    items_ = [li for li in items["First"].iter("li") if li.getparent().tag == "ul"]
    shown = {li.text_content().strip(): li.get("style") for li in items_}
    assert shown == {
        "\u2610 open task": "list-style-type: none;",
        "\u2611 finished task": "list-style-type: none;",
        "plain item": None,
    }


# footnotes ------------------------------------------------------------------------------------


def _ids(root: lxml.html.HtmlElement) -> list[str]:
    return [e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")]


def test_footnote_ids_are_unique_across_items(items: dict[str, lxml.html.HtmlElement]) -> None:
    first, second = _ids(items["First"]), _ids(items["Second"])
    assert "n230301MA01-fn-1" in first and "n230302MA01-fn-1" in second
    assert not set(first) & set(second), "two items of one feed share an id"
    assert len(first) == len(set(first)) and len(second) == len(set(second))
    assert all(i.startswith("n230301MA01-") for i in first)
    assert all(i.startswith("n230302MA01-") for i in second)


@pytest.mark.parametrize("title", ["First", "Second"])
def test_footnote_links_and_back_links_stay_inside_the_item(
    title: str,
    items: dict[str, lxml.html.HtmlElement],
    reader: dict[str, lxml.html.HtmlElement],
) -> None:
    for root in (items[title], reader[title]):  # as written, and as a reader shows it
        ids = set(_ids(root))
        calls = root.xpath("//sup[@class='footnote-ref']/a/@href")
        backs = root.xpath("//a[@class='footnote-backref']/@href")
        assert calls and backs
        for href in calls + backs:
            assert href.startswith("#") and href[1:] in ids, href
    assert items[title].xpath("//section[@class='footnotes']/hr")


# the lowering alone ----------------------------------------------------------------------------


def test_lowering_leaves_what_it_does_not_know_alone() -> None:
    html = '<p>plain <a href="https://example.org/">link</a></p>\n<ul><li>item</li></ul>'
    assert lower_for_mail(html) == html
    assert lower_for_mail("") == ""


def test_a_callout_without_a_title_paragraph_is_still_a_blockquote() -> None:
    lowered = lower_for_mail('<div class="callout callout-bug" data-callout="bug"><p>x</p></div>')
    root = lxml.html.fragment_fromstring(lowered, create_parent="div")
    (quote,) = root
    assert quote.tag == "blockquote" and quote.text_content() == "x"


# the feed is still valid ---------------------------------------------------------------------


def test_the_lowered_feed_still_validates(feed: Path) -> None:
    schema = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))
    atom = etree.parse(str(feed / "atom.xml"))
    assert schema.validate(atom), schema.error_log
    assert len(atom.findall(f"{ATOM}entry")) == 2
    rss = feedparser.parse((feed / "rss.xml").read_bytes())
    assert not rss.bozo and rss.version == "rss20" and len(rss.entries) == 2
    json_schema: Any = json.loads((DATA / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
    data = json.loads((feed / "feed.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json_schema).validate(data)
