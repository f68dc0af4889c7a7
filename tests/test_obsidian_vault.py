"""The Obsidian-shaped test vault (``tests/data/obsidian-vault``) read and published end to end.

The vault uses every rule of "How notepress reads an Obsidian vault" in the README: Obsidian's
settings files, an excluded folder and a templates folder, relative and vault-absolute path
links, two notes of one name, an NFD file name, nested heading links, block references in a
paragraph, a list, after a table and after a quote, transclusion of a section, a block, a
cycle and a draft, inline tags beside code and URLs, every date source, non-Latin titles and
tags, and non-note files.  Each construct is checked in the renderer's HTML and in the four
outputs built once for the module: feed, PDF, EPUB and JSON-LD.
"""

from __future__ import annotations

import json
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest

import notepress
from notepress.markdown.render import UrlLinks
from notepress.model import Note
from tests.conftest import REPO
from tests.test_pdf_support import all_text, destination_page, link_annotations, reader

VAULT = REPO / "tests" / "data" / "obsidian-vault"
SITE = "https://studio.example.org/"
CONFIG = f"""
output = "out"

[site]
title = "Studio notes"
url = "{SITE}"
note_url = "notes/{{slug}}/"
author = "Test Author"

[targets.feed]
exporter = "feed"
formats = ["atom", "json"]

[targets.digest]
exporter = "pdf"
group = "all"

[targets.book]
exporter = "epub"

[targets.meta]
exporter = "jsonld"
"""
#: Words only unpublished or unread files hold: none may reach any output.
PRIVATE = ("QUINCE-SECRET", "ARCHIVED-MARKER", "Cone reached")


@dataclass(frozen=True)
class Built:
    project: notepress.Project
    report: notepress.BuildReport
    out: Path

    def note(self, path: str) -> Note:
        wanted = unicodedata.normalize("NFC", path)
        (note,) = [
            n
            for n in self.project.vault.notes
            if unicodedata.normalize("NFC", n.path.as_posix()) == wanted
        ]
        return note

    def html(self, path: str) -> str:
        site = self.project.config.site
        style = UrlLinks(site.note_url_for, assets_url=site.base_url + "assets/")
        return notepress.render_note(self.note(path), self.project.vault, style).html

    def problems(self) -> set[tuple[str, str, int | None]]:
        return {
            (unicodedata.normalize("NFC", p.path), p.code, p.line)
            for p in self.project.problems()
            if p.code not in ("note-id-missing",)
        }

    def epub_pages(self) -> dict[str, str]:
        with zipfile.ZipFile(self.out / "book" / "book.epub") as book:
            return {
                name: book.read(name).decode("utf-8")
                for name in book.namelist()
                if name.endswith(".xhtml")
            }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("obsidian")
    vault = root / "vault"
    shutil.copytree(VAULT, vault)
    config = root / "notepress.toml"
    config.write_text(CONFIG, encoding="utf-8")
    project = notepress.load_project(vault, config)
    report = project.build()
    failed = [t.error for t in report.targets if not t.ok]
    assert not failed, failed
    return Built(project, report, root / "out")


# what is read --------------------------------------------------------------------------


def test_settings_templates_and_exclusions_decide_what_is_a_note(built: Built) -> None:
    paths = {unicodedata.normalize("NFC", n.path.as_posix()) for n in built.project.vault.notes}
    assert "Templates/Firing log template.md" not in paths  # templates.json's folder
    assert "Archive/Old kiln.md" not in paths  # app.json's userIgnoreFilters
    assert not any(p.endswith((".base", ".canvas")) for p in paths)
    assert len(paths) == 14
    assert built.project.vault.settings.strict_line_breaks is False
    # The template's {{date}} placeholders are never read as YAML, so never reported.
    assert not any("Templates/" in p[0] for p in built.problems())


def test_titles_and_dates_come_from_obsidians_sources(built: Built) -> None:
    heading = built.note("Places/Heading title.md")
    assert heading.title == "Heading title"  # the file name, as Obsidian shows it
    expected = {
        "Pottery/Glazes.md": ("2024-03-01", "created"),
        "Pottery/Kiln log.md": ("2024-04-10", "date"),
        "Garden/Compost heap.md": ("2024-05-20", "published"),
        "Journal/2024-05-02.md": ("2024-05-02", "filename"),
        "Journal/2024-05-03 Glaze test.md": ("2024-05-03", "filename"),
    }
    for path, (day, source) in expected.items():
        note = built.note(path)
        assert note.created is not None and note.created.date().isoformat() == day, path
        assert note.created_from == source, path


def test_problems_are_found_at_load_with_file_and_line(built: Built) -> None:
    problems = built.problems()
    assert ("Journal/2024-05-02.md", "link-ambiguous", 5) in problems
    assert ("Pottery/Kiln log.md", "link-heading-missing", 10) in problems
    assert ("Loops/Ping.md", "embed-cycle", 7) in problems
    assert ("Loops/Pong.md", "embed-cycle", 7) in problems
    assert ("Pottery/Index.md", "url-collision", None) in problems
    assert not any(code == "link-unresolved" for _, code, _ in problems)
    ambiguous = next(p for p in built.project.problems() if p.code == "link-ambiguous")
    assert "Garden/Index.md" in ambiguous.message and "Pottery/Index.md" in ambiguous.message


# the renderer's HTML -------------------------------------------------------------------


def test_links_resolve_by_path_name_heading_and_block(built: Built) -> None:
    html = built.html("Pottery/Kiln log.md")
    glazes = f"{SITE}notes/glazes/"
    assert f'<a href="{glazes}" class="internal-link">./Glazes</a>' in html
    assert f'href="{SITE}notes/compost-heap/#turning-the-heap"' in html  # ../Garden/...
    # Pottery/Glazes#Tenmoku#Firing: the Firing under Tenmoku, the second of that name.
    assert f'<a href="{glazes}#firing-2" class="internal-link">' in html
    assert "Glazes &gt; Tenmoku &gt; Firing" in html
    assert f'href="{glazes}#block-cone-chart"' in html
    assert f'<a href="{glazes}" class="internal-link">Glazes &gt; Shino</a>' in html
    assert f'href="{SITE}assets/Attachments/kiln%20manual.pdf" class="attachment"' in html
    assert 'width="120"' in html
    # The NFD file name is found by its NFC spelling.
    index = built.html("Garden/Index.md")
    assert f'href="{SITE}notes/caf%C3%A9-compost/"' in index


def test_block_ids_name_their_blocks_and_are_never_printed(built: Built) -> None:
    html = built.html("Pottery/Glazes.md")
    assert '<p id="block-thin-mix">' in html
    assert '<li id="block-sieve-twice">' in html
    assert '<table id="block-cone-chart">' in html
    assert '<blockquote id="block-wax-foot">' in html
    assert "^" not in html
    assert built.note("Pottery/Glazes.md").block_ids == {
        "thin-mix",
        "sieve-twice",
        "cone-chart",
        "wax-foot",
    }


def test_transclusion_shows_the_part_and_never_a_draft(built: Built) -> None:
    html = built.html("Pottery/Kiln log.md")
    parts = html.split('<div class="transclusion">')[1:]
    assert len(parts) == 2  # the section and the block; the draft is not shown
    section, block = parts
    assert "pools in the carved lines" in section and "reduction firing" in section
    assert "breaks brown" not in section  # the next section of the same level
    assert "sieve twice" in block and "stir before every dip" not in block
    assert "<p>Secret recipe</p>" in html and "QUINCE" not in html
    # A cycle shows each note once, then a link.
    ping = built.html("Loops/Ping.md")
    assert ping.count("Ping starts here") == 1 and ping.count("Pong answers") == 1
    assert f'href="{SITE}notes/ping/"' in ping


def test_inline_tags_join_the_notes_tags(built: Built) -> None:
    assert built.note("Pottery/Glazes.md").tags == ("pottery", "ceramics/glaze")
    assert built.note("Pottery/Kiln log.md").tags == ("pottery", "kiln", "studio/kiln")
    assert built.note("Places/東京 notes.md").tags == ("日本", "旅行", "陶芸")
    html = built.html("Pottery/Glazes.md")
    assert '<span class="tag">#ceramics/glaze</span>' in html
    assert "<code>#reduction</code>" in html  # code is never a tag
    assert "glazes#tenmoku" in html and "issue#12" in html  # a URL fragment, a word


# the four outputs ----------------------------------------------------------------------


def test_feed(built: Built) -> None:
    feed = feedparser.parse((built.out / "feed" / "atom.xml").read_bytes())
    assert not feed.bozo
    entries = {entry.title: entry for entry in feed.entries}
    assert "Index" in entries and len([t for t in entries if t == "Index"]) == 1
    kiln = entries["Kiln log"]
    content = kiln.content[0].value
    assert "pools in the carved lines" in content and "sieve twice" in content
    assert f"{SITE}notes/glazes/#block-cone-chart" in content
    assert {tag.term for tag in kiln.tags} >= {"studio/kiln", "kiln"}
    tokyo, osaka = entries["東京 notes"].link, entries["大阪 notes"].link
    assert tokyo != osaka
    assert tokyo == f"{SITE}notes/%E6%9D%B1%E4%BA%AC-notes/"
    assert (built.out / "feed" / "assets" / "Attachments" / "kiln manual.pdf").is_file()
    assert not list((built.out / "feed").rglob("*.base"))


def pdf_text(path: Path) -> str:
    """The PDF's text; pypdf reads the two-byte codes of a font subset that holds many
    scripts as pairs with a NUL (poppler reads them right), so NULs are dropped."""
    return all_text(path).replace("\x00", "")


def test_pdf(built: Built) -> None:
    path = built.out / "digest" / "digest.pdf"
    text = pdf_text(path)
    assert "pools in the carved lines" in text and "sieve twice" in text
    assert "Ping starts here" in text
    pdf = reader(path)
    internal = [link for link in link_annotations(pdf) if destination_page(pdf, link)]
    assert len(internal) >= 5  # path, heading, block and embed-source links inside the digest
    assert "cone-chart" in " ".join(str(name) for name in pdf.named_destinations)


def test_epub(built: Built) -> None:
    pages = built.epub_pages()
    joined = "\n".join(pages.values())
    assert "pools in the carved lines" in joined
    (glazes_page,) = [name for name, page in pages.items() if "breaks brown" in page]
    glazes_file = glazes_page.rsplit("/", 1)[-1]
    anchor = next(
        part.split('"')[0] for part in pages[glazes_page].split('id="')[1:] if "cone-chart" in part
    )
    assert f'href="{glazes_file}#{anchor}"' in joined or f'href="#{anchor}"' in joined
    assert 'class="tag"' in joined


def test_jsonld(built: Built) -> None:
    nodes = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in (built.out / "meta").glob("n*.jsonld")
    ]
    by_name = {node["headline"]: node for node in nodes}
    assert "ceramics/glaze" in by_name["Glazes"]["keywords"]
    assert by_name["東京 notes"]["@id"] != by_name["大阪 notes"]["@id"]
    assert len({node["@id"] for node in nodes}) == len(nodes)


def test_nothing_private_reaches_any_output(built: Built) -> None:
    texts = [pdf_text(built.out / "digest" / "digest.pdf"), *built.epub_pages().values()]
    for path in built.out.rglob("*"):
        if path.is_file() and path.suffix in (".xml", ".json", ".jsonld", ".html"):
            texts.append(path.read_text(encoding="utf-8"))
    for text in texts:
        for word in PRIVATE:
            assert word not in text
