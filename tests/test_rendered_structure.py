"""The renderer hands exporters structure, so that no exporter reads HTML back.

A rendered note carries its plain text, summary paragraphs, images, footnotes, headings and
the URLs left after sanitising; a footnote rule per output decides how footnotes are written.
Exporters use these and the renderer's tree, and import no HTML parser of their own.
"""

from __future__ import annotations

import ast
import json
import textwrap
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import lxml.html
import pytest

import notepress
from notepress.exporter import Job
from notepress.exporters.epub.book import BookInfo, Part, build_source
from notepress.exporters.epub.media import MediaStore
from notepress.exporters.feed import FeedExporter
from notepress.exporters.pdf.html import PrintSettings, render_notes
from notepress.markdown import (
    DocumentLinks,
    Footnote,
    FootnoteRule,
    Image,
    RenderedNote,
    UrlLinks,
    render_note,
)
from notepress.model import Note
from notepress.parse import parse_note
from notepress.vault import Vault

from .conftest import REPO, note_text, write_vault

SITE = """
[site]
title = "Structure"
url = "https://notes.example.org/"
author = "Ada Example"
timezone = "UTC"
note_url = "notes/{slug}/"
"""

BODY = textwrap.dedent(
    """\
    Opening words with a call[^1] and [[Other|a link]] and [the web](https://web.example/page).

    ![[pic.png|120x80]] ![remote](https://img.example/r.png)

    <object data="x"><a href="https://object.example/">inside an object</a> [[Hidden]]</object>
    <iframe src="https://frame.example/embed"></iframe>

    ## A heading

    Second call[^1] and a long one[^long].

    [^1]: The first note, with [a source](https://source.example/).
    [^long]: Two blocks.

        - item one
        - item two
    """
)

#: Modules whose import means an HTML parser (or the sanitiser's, which parses).
HTML_PARSERS = (
    "lxml.html",
    "html5lib",
    "html.parser",
    "bs4",
    "BeautifulSoup",
    "nh3",
    "notepress.markdown.sanitize",
    "xml.dom.pulldom",
)


def _note(path: str, title: str, body: str, note_id: str) -> Note:
    text = note_text(title, body, note_id=note_id, created="2023-03-01")
    return parse_note(PurePosixPath(path), text.encode())


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Vault:
    root = write_vault(
        tmp_path_factory.mktemp("structure"),
        {"attachments/pic.png": b"\x89PNG\r\n\x1a\n"},
    )
    notes = (
        _note("main.md", "Main", BODY, "230301AB01"),
        _note("other.md", "Other", "Other text.", "230301AB02"),
        _note("hidden.md", "Hidden", "Hidden text.", "230301AB03"),
    )
    loaded = notepress.load_vault(root)
    return Vault(root, notes, attachments=loaded.attachments)


@pytest.fixture(scope="module")
def rendered(vault: Vault) -> RenderedNote:
    style = UrlLinks(
        note_url=lambda note: f"https://notes.example.org/{note.note_id}/",
        assets_url="https://notes.example.org/assets/",
    )
    return render_note(vault.notes[0], vault, style)


# the import rule ----------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_exporter_imports_an_html_parser() -> None:
    modules = sorted((REPO / "exporters").rglob("*.py"))
    assert len(modules) > 10, "the walk must reach every exporter package"
    found = {
        f"{path.relative_to(REPO)}: {name}"
        for path in modules
        for name in _imports(path)
        if any(name == banned or name.startswith(banned + ".") for banned in HTML_PARSERS)
    }
    assert not found, "exporters must use RenderedNote and notepress.markdown.tree instead"


# what a rendered note carries --------------------------------------------------------------


def test_urls_are_those_left_after_sanitising(rendered: RenderedNote) -> None:
    assert "https://frame.example/embed" not in rendered.urls
    assert "https://object.example/" not in rendered.urls
    assert "https://frame.example/embed" not in rendered.external_links
    assert "https://object.example/" not in rendered.external_links
    assert rendered.external_links == (
        "https://web.example/page",
        "https://img.example/r.png",
        "https://source.example/",
    )
    assert set(rendered.urls) == {
        href
        for element in lxml.html.fragment_fromstring(rendered.html, create_parent="div").iter()
        for href in (element.get("href"), element.get("src"))
        if href
    }


def test_linked_notes_are_those_whose_links_were_kept(rendered: RenderedNote) -> None:
    # [[Hidden]] sat inside an <object>, which the sanitiser removed with its content.
    assert [note.title for note in rendered.linked_notes] == ["Other"]
    assert "Hidden text" not in rendered.text


def test_images_in_reading_order_with_vault_paths_and_sizes(rendered: RenderedNote) -> None:
    assert rendered.images == (
        Image(
            "https://notes.example.org/assets/attachments/pic.png",
            "pic",
            PurePosixPath("attachments/pic.png"),
            120,
            80,
        ),
        Image("https://img.example/r.png", "remote", None),
    )
    assert rendered.assets == (PurePosixPath("attachments/pic.png"),)


def test_text_and_summary_paragraphs(rendered: RenderedNote) -> None:
    assert rendered.text.startswith("Opening words with a call[1] and a link and the web.")
    assert "The first note, with a source." in rendered.text
    assert "\u21a9" not in rendered.text  # back-references are navigation, not text
    assert rendered.paragraphs[0] == "Opening words with a call and a link and the web."
    assert not any("first note" in paragraph for paragraph in rendered.paragraphs)


def test_footnotes_as_data(rendered: RenderedNote) -> None:
    first, long = rendered.footnotes
    assert first == Footnote(
        number=1,
        id="fn-1",
        html='<p>The first note, with <a href="https://source.example/">a source</a>.</p>\n',
        ref_ids=("fnref-1", "fnref-1-1"),
    )
    assert long.number == 2 and long.ref_ids == ("fnref-2",)
    assert "<li>item two</li>" in long.html and "footnote-backref" not in long.html


def test_headings_carry_their_ids(rendered: RenderedNote) -> None:
    assert [(h.level, h.text, h.id) for h in rendered.headings] == [(2, "A heading", "a-heading")]


def test_rendering_is_pure(vault: Vault, rendered: RenderedNote) -> None:
    style = UrlLinks(
        note_url=lambda note: f"https://notes.example.org/{note.note_id}/",
        assets_url="https://notes.example.org/assets/",
    )
    again = render_note(vault.notes[0], vault, style)
    assert (again.html, again.text, again.footnotes, again.images, again.urls) == (
        rendered.html,
        rendered.text,
        rendered.footnotes,
        rendered.images,
        rendered.urls,
    )


# footnote rules -----------------------------------------------------------------------------


def _tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


def test_inline_rule_places_each_footnote_at_its_first_call(vault: Vault) -> None:
    note = vault.notes[0]
    html = render_note(note, vault, DocumentLinks(members={note.note_id}), footnotes="inline").html
    root = _tree(html)
    spans = root.find_class("footnote")
    assert [span.get("id") for span in spans] == ["n230301AB01-fn-1", "n230301AB01-fn-2"]
    assert spans[0].text_content() == "The first note, with a source."
    assert spans[0].getparent().tag == "p"
    assert [e.text for e in root.find_class("footnote-again")] == ["1"]
    assert [e.get("class") for e in spans[1] if e.tag == "span"] == [
        "fn-block fn-p",
        "fn-block fn-ul",
    ]
    assert not root.find_class("footnotes") and not root.find_class("footnote-backref")


@pytest.mark.parametrize("rule", ["inline", "endnotes"])
def test_a_footnote_cited_by_another_alone_follows_its_text(vault: Vault, rule: str) -> None:
    """A note in a note, which neither a page's foot nor an e-book holds: the book had two
    elements of one id (an epubcheck error), and the cited note's text was in neither
    output.  It follows the text that cites it, numbered as cited."""
    body = "A claim.[^a]\n\n[^a]: A source, qualified.[^b]\n[^b]: The qualification.\n"
    note = _note("nested.md", "Nested", body, "230301AB09")
    html = render_note(note, vault, DocumentLinks(members={note.note_id}), footnotes=rule).html
    root = _tree(html)
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids)), ids
    assert html.count("The qualification.") == 1
    assert [e.text for e in root.find_class("footnote-again")] == ["2"]
    assert "fn-2" not in html  # no note of its own, no call of one
    text = " ".join(root.text_content().split())
    assert "A source, qualified.2 2 The qualification." in text


def test_endnotes_rule_writes_pandoc_notes(vault: Vault) -> None:
    note = vault.notes[0]
    html = render_note(
        note, vault, DocumentLinks(members={note.note_id}), footnotes="endnotes"
    ).html
    root = _tree(html)
    refs = [a for a in root.iter("a") if a.get("epub:type") == "noteref"]
    assert [(a.get("href"), a.text) for a in refs] == [
        ("#n230301AB01-fn-1", "1"),
        ("#n230301AB01-fn-1", "1"),
        ("#n230301AB01-fn-2", "2"),
    ]
    asides = list(root.iter("aside"))
    assert [(a.get("epub:type"), a.get("id")) for a in asides] == [
        ("footnote", "n230301AB01-fn-1"),
        ("footnote", "n230301AB01-fn-2"),
    ]
    assert "footnote-backref" not in html and "footnotes-list" not in html


@pytest.mark.parametrize("rule", ["list", "inline", "endnotes"])
def test_raw_html_cannot_make_or_hide_a_footnote(rule: FootnoteRule) -> None:
    body = 'A <a epub:type="noteref" href="#x">call</a> <aside epub:type="footnote">KEPT</aside>'
    note = _note("raw.md", "Raw", body, "230301AB09")
    html = render_note(note, Vault(Path("."), (note,)), footnotes=rule).html
    assert "epub:type" not in html
    assert "KEPT" in html


# exporters use the structure ----------------------------------------------------------------


def test_jsonld_never_cites_what_the_sanitiser_removed(tmp_path: Path) -> None:
    body = (
        "[a source](https://source.example/) and an embed:\n\n"
        '<iframe src="https://frame.example/embed"></iframe>\n'
    )
    root = write_vault(
        tmp_path / "vault",
        {"note.md": note_text("Cited", body, note_id="230301AB01", created="2023-03-01")},
        SITE + '\n[targets.meta]\nexporter = "jsonld"\n',
    )
    project = notepress.load_project(root)
    report = notepress.build(project.vault, project.config)
    assert not report.has_errors
    document = json.loads((project.config.output / "meta" / "230301AB01.jsonld").read_text())
    assert document["citation"] == [{"@type": "CreativeWork", "url": "https://source.example/"}]


def test_pdf_and_epub_get_their_footnotes_from_the_renderer(vault: Vault) -> None:
    site = notepress.default_config(vault.root).site
    settings = PrintSettings("A4", "2cm", "serif", "serif", 10.0, False, False, "default")
    views, _ = render_notes(vault.notes[:1], vault, site, settings, drafts=False)
    printed = _tree(str(views[0].html))
    assert [e.get("id") for e in printed.find_class("footnote")] == [
        "n230301AB01-fn-1",
        "n230301AB01-fn-2",
    ]
    book = build_source(
        [Part(None, None, vault.notes[:1])],
        _book_info(),
        vault,
        site,
        MediaStore(vault, lambda *_: None),
        include_drafts=False,
        warn=lambda message, note: None,
    )
    source = lxml.html.document_fromstring(book.html)
    refs = [a.get("href") for a in source.iter("a") if a.get("epub:type") == "noteref"]
    asides = [a.get("id") for a in source.iter("aside") if a.get("epub:type") == "footnote"]
    assert refs == ["#n230301AB01-fn-1", "#n230301AB01-fn-1", "#n230301AB01-fn-2"]
    assert asides == ["n230301AB01-fn-1", "n230301AB01-fn-2"]


def _book_info() -> BookInfo:
    return BookInfo(
        "Book", "", "", "en", "", "urn:x", datetime(2023, 3, 1, tzinfo=UTC), (), "", 1, 0, False
    )


def test_tag_feeds_draw_from_the_matching_notes_the_job_carries(tmp_path: Path) -> None:
    files = {
        f"n{i}.md": note_text(
            f"Tagged {i}", "Text.", note_id=f"23030{i}AB01", created=f"2023-03-0{i}", tags=["t"]
        )
        for i in range(1, 4)
    }
    config = (
        SITE
        + '\n[targets.news]\nexporter = "feed"\nper_tag = true\nlimit = 1\nformats = ["json"]\n'
    )
    project = notepress.load_project(write_vault(tmp_path / "vault", files, config))
    notes = project.vault.notes
    out = tmp_path / "out"
    job = Job(
        target=project.config.target("news"),
        site=project.config.site,
        vault=project.vault,
        notes=notes[-1:],
        matching=notes[:2],  # what the selection matched; the vault holds one more
        out_dir=out,
        config_root=tmp_path,
    )
    FeedExporter().build(job)
    feed = json.loads((out / "tags" / "t" / "feed.json").read_text(encoding="utf-8"))
    assert [item["title"] for item in feed["items"]] == ["Tagged 2"]
