"""The EPUB exporter, end to end: real pandoc, real epubcheck, real ZIP and XML parsing.

Builds are shared per module (pandoc and epubcheck take seconds each): one build of the sample
vault, and one vault using every construct (callouts, footnotes in many notes, wikilinks with
headings and aliases, embeds, tables, task lists, inline and hostile HTML) built as a public
book and as a private copy with drafts.  A loopback HTTP server that those notes reference
runs for the whole module and must never be asked for anything.
"""

from __future__ import annotations

import http.server
import io
import os
import re
import subprocess
import sys
import threading
import tomllib
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urldefrag
from urllib.request import urlopen
from xml.etree import ElementTree as ET

import pytest

import notepress
from notepress.errors import ResourceLimitError
from notepress.exporters.epub.book import book_style, group_notes
from notepress.exporters.epub.pandoc import pandoc_binary, run_pandoc
from notepress.parse import parse_note
from notepress.templating import builtin_templates

from .conftest import SAMPLES, note_text, write_vault
from .epubcheck_runner import epubcheck_messages

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data" / "epub"
EPOCH = 1_700_000_000
XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
OUTSIDE_MARKER = b"OUTSIDE-THE-VAULT-MARKER"


# fixtures ------------------------------------------------------------------------------------


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write((DATA / "pic.png").read_bytes())

    do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Loopback:
    url: str
    requests: list[str]


@pytest.fixture(scope="module")
def loopback() -> Iterator[Loopback]:
    """A web server on 127.0.0.1 that counts what it is asked for."""
    requests: list[str] = []
    handler = type("Handler", (_CountingHandler,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Loopback(f"http://127.0.0.1:{server.server_address[1]}", requests)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def pinned_epoch() -> Iterator[int]:
    """SOURCE_DATE_EPOCH for the module's shared builds."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        yield EPOCH


@dataclass
class Built:
    """One built EPUB, opened: its files, package document and problems."""

    path: Path
    report: notepress.BuildReport
    files: dict[str, bytes]

    @property
    def opf_path(self) -> str:
        container = ET.fromstring(self.files["META-INF/container.xml"])
        rootfile = container.find(".//{urn:oasis:names:tc:opendocument:xmlns:container}rootfile")
        assert rootfile is not None
        return rootfile.get("full-path", "")

    @property
    def opf(self) -> ET.Element:
        return ET.fromstring(self.files[self.opf_path])

    def manifest(self) -> dict[str, ET.Element]:
        return {item.get("id", ""): item for item in self.opf.iter(f"{OPF}item")}

    def resolve(self, href: str, base: str | None = None) -> str:
        """A manifest href as a path inside the ZIP."""
        folder = PurePosixPath(base or self.opf_path).parent
        return _normalise(folder / unquote(href))

    def spine_pages(self) -> list[str]:
        manifest = self.manifest()
        return [
            self.resolve(manifest[ref.get("idref", "")].get("href", ""))
            for ref in self.opf.iter(f"{OPF}itemref")
        ]

    def pages(self) -> dict[str, ET.Element]:
        return {
            name: ET.fromstring(data)
            for name, data in self.files.items()
            if name.endswith(".xhtml")
        }

    def text(self) -> str:
        return "\n".join(
            data.decode("utf-8", errors="replace")
            for name, data in self.files.items()
            if not name.startswith("EPUB/media/")
        )

    def chapter_of(self, element_id: str) -> tuple[str, ET.Element]:
        for name, page in self.pages().items():
            for element in page.iter():
                if element.get("id") == element_id:
                    return name, element
        raise AssertionError(f"no element with id {element_id!r}")

    def warnings(self) -> list[str]:
        return [str(problem) for problem in self.report.all_problems()]


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def build_target(root: Path, target: str, output: Path, config: Path | None = None) -> Built:
    project = notepress.load_project(root, config, output=output)
    report = project.build([target])
    (result,) = report.targets
    assert result.ok, result.error
    (path,) = result.files
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return Built(path, report, files)


def epubcheck(path: Path) -> list[str]:
    """epubcheck's fatal errors, errors and warnings for ``path`` (usage notes are fine)."""
    messages = epubcheck_messages(path)
    return [str(m) for m in messages if m.level in ("FATAL", "ERROR", "WARNING")]


CONSTRUCTS_CONFIG = """
[site]
title = "Every *Construct* & <More>"
description = "A vault that uses everything."
url = "https://notes.example.org/"
note_url = "notes/{slug}/"
author = "Test Author"
language = "en"
timezone = "Europe/Berlin"

[targets.book]
exporter = "epub"
group = "month"
exclude_tags = ["excluded"]

[targets.private]
exporter = "epub"
drafts = true
group = "tag"
exclude_tags = ["excluded"]
cover = "cover-picture.png"
css = "extra.css"
title = "Private Copy"
subtitle = "With drafts"
author = "Someone Else"
language = "de"
description = "Only for me."
toc_depth = 1
"""


def constructs_vault(root: Path, server: str) -> Path:
    """A vault using every construct, with references to ``server`` and to files outside."""
    outside = root.parent / "outside"
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.png").write_bytes((DATA / "pic.png").read_bytes() + OUTSIDE_MARKER)
    (outside / "secret.txt").write_bytes(OUTSIDE_MARKER)
    secret = outside / "secret.png"
    notes = {
        "callouts.md": note_text(
            "Callouts",
            """
            Opening paragraph.[^1]

            > [!note] A *titled* note
            > Body of the note with ![[pic.png]].

            > [!warning]- Folded warning
            > Outer text.
            > > [!tip] Inner tip
            > > Inner text.[^2]
            > > > [!danger] Deepest
            > > > Deepest text.

            > [!quote]
            > Untitled quote callout.

            ## Second heading

            Text under the second heading.

            ## Local heading

            [[#Second heading]] links inside the note.

            [^1]: CALLOUT-FOOT-ONE.
            [^2]: CALLOUT-FOOT-TWO in a nested callout.
            """,
            note_id="230301CA01",
            created="2023-03-01",
            tags=["alpha", "shared"],
        ),
        "footnotes a.md": note_text(
            "Footnotes A",
            """
            First[^1], second[^label], first again[^1].

            ## Some heading

            More.[^3]

            [^1]: FOOT-A-ONE.
            [^label]: FOOT-A-LABEL with `code` and a [[Callouts|link]].
            [^3]: FOOT-A-THREE with a list:

                - item one
                - item two
            """,
            note_id="230302FN01",
            created="2023-03-02",
            tags=["beta"],
        ),
        "footnotes b.md": note_text(
            "Footnotes B",
            """
            Same label as note A.[^1]

            [^1]: FOOT-B-ONE.
            """,
            note_id="230403FN02",
            created="2023-04-03",
            tags=["beta", "shared"],
        ),
        "links.md": note_text(
            "Links",
            """
            - plain: [[Callouts]]
            - heading with alias: [[Callouts#Second heading|the second heading]]
            - heading: [[Footnotes A#Some heading]]
            - by alias of the target: [[Link Hub]]
            - missing: [[Missing note]]
            - draft: [[Draft note]]
            - outside the book: [[Outside note]]
            - missing heading: [[Callouts#No such heading]]
            - markdown link: [md link](callouts.md#local-heading)
            - local: [[#Links heading]]
            - embed of a note: ![[Footnotes B]]
            - embed of an image with size: ![[pic.png|120]]
            - embed of a JPEG named .png: ![[photo-really-jpeg.png]]
            - embed of a BMP: ![[legacy.bmp]]
            - embed of an SVG: ![[diagram.svg]]
            - embed of a hostile SVG: ![[evil.svg]]
            - embed of a PDF: ![[manual.pdf]]

            ## Links heading

            Done.
            """,
            note_id="230404LK01",
            created="2023-04-04",
            tags=["gamma"],
            extra="aliases:\n  - Link Hub",
        ),
        "tables and tasks.md": note_text(
            "Tables and tasks",
            """
            | left | centre | right |
            |:-----|:------:|------:|
            | a `code` | **b** | 1 |
            | [[Links]] | c \\| d | 2 |

            - [ ] open task
            - [x] done task
              - [ ] nested task

            ```python
            def hello() -> str:
                return "<not a tag>"
            ```

            ==highlighted== and ~~struck~~ text.
            """,
            note_id="230505TT01",
            created="2023-05-05",
            tags=["gamma"],
        ),
        "inline html.md": note_text(
            "Inline HTML",
            """
            # A body H1 that must not split the chapter

            <span class="inline-note">A span</span> with <mark>mark</mark>, <kbd>Ctrl</kbd>,
            H<sub>2</sub>O, x<sup>2</sup>, <abbr title="HyperText">HTML</abbr>,
            <time datetime="2020-01-01">a time</time>, <ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>.

            <details open>
            <summary>Summary with <em>emphasis</em></summary>

            Hidden **markdown** inside details.

            </details>

            <details>No summary at all</details>

            <details><summary>Outer</summary><details><summary>Inner</summary>Nested</details></details>

            <div id="intro" class="keyword-row"><span class="inline-keyword">kw</span></div>
            <a href="#intro">to the intro</a>

            <div class="linkage-tree"><div class="linkage-tree-title">tree</div><ul><li>[[Callouts]]</li></ul></div>

            <figure><img src="pic.png" alt="figure image"><figcaption>A caption</figcaption></figure>

            <table><tr><th>raw</th></tr><tr><td>table</td></tr></table>

            <center>centred</center>

            ###### A level-six heading
            """,
            note_id="230506HT01",
            created="2023-05-06",
            tags=["delta"],
        ),
        "hostile.md": note_text(
            "Hostile <HTML> & *Stars*",
            f"""
            <script>document.write("SCRIPT-RAN")</script>
            <img src="x" onerror="alert('ONERROR-RAN')">
            <a href="javascript:alert('JS-URL')">js link</a>
            <iframe src="{server}/iframe"></iframe>
            <object data="{server}/object"></object>
            <embed src="{server}/embed">
            <video src="{server}/video" poster="{server}/poster"></video>
            <audio src="{server}/audio"></audio>
            <link rel="stylesheet" href="{server}/style.css">
            <style>@import url("{server}/import.css");</style>
            <div style="background: url({server}/bg.png)">styled</div>
            <svg><image href="{server}/svg-image.png"></image></svg>
            <form action="{server}/form"><input name="q"></form>
            <base href="{server}/">
            <meta http-equiv="refresh" content="0; url={server}/refresh">
            <!-- SECRET-HTML-COMMENT -->
            %%PRIVATE-COMMENT%%

            ![remote markdown image]({server}/remote.png)
            <img src="{server}/remote-html.png" alt="remote html image">
            [a link to the server]({server}/page)

            ![passwd](/etc/passwd)
            <img src="/etc/passwd" alt="passwd html">
            <img src="file:///etc/passwd" alt="passwd file url">
            ![outside](../outside/secret.png)
            ![[../outside/secret.png]]
            <img src="{secret}" alt="absolute outside">
            <img src="file://{secret}" alt="file url outside">
            <a href="../outside/secret.txt">outside text</a>

            <span id="fn1">pandoc's footnote id</span> <div id="footnotes">and section id</div>
            <p id="toc">toc id</p> <span id="dup">one</span> <span id="dup">two</span>
            <span id="n230301CA01">another note's id</span>
            <sup class="footnote-ref"><a href="#n230607HO01-fn-9">[9]</a></sup> a fake footnote
            """,
            note_id="230607HO01",
            created="2023-06-07",
            tags=["epsilon"],
        ),
        "draft note.md": note_text(
            "Draft note",
            "DRAFT-ONLY: this must never be published.\n\n[[Callouts]]",
            note_id="230608DR01",
            created="2023-06-08",
            draft=True,
            tags=["alpha"],
        ),
        "outside note.md": note_text(
            "Outside note",
            "Published, but not in the book.",
            note_id="230609OU01",
            created="2023-06-09",
            tags=["excluded"],
        ),
        "pic.png": (DATA / "pic.png").read_bytes(),
        "photo-really-jpeg.png": (DATA / "photo-really-jpeg.png").read_bytes(),
        "legacy.bmp": (DATA / "legacy.bmp").read_bytes(),
        "diagram.svg": (DATA / "diagram.svg").read_bytes(),
        "evil.svg": (DATA / "evil.svg").read_bytes(),
        "manual.pdf": b"%PDF-1.4 not really",
        "cover-picture.png": (DATA / "cover-picture.png").read_bytes(),
    }
    root.mkdir(parents=True, exist_ok=True)
    for name, content in notes.items():
        path = root / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (root / "notepress.toml").write_text(CONSTRUCTS_CONFIG, encoding="utf-8")
    (root / "extra.css").write_text("p.extra-rule { color: #123456; }\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def constructs_root(tmp_path_factory: pytest.TempPathFactory, loopback: Loopback) -> Path:
    return constructs_vault(tmp_path_factory.mktemp("constructs") / "vault", loopback.url)


@pytest.fixture(scope="module")
def book(
    constructs_root: Path, pinned_epoch: int, tmp_path_factory: pytest.TempPathFactory
) -> Built:
    return build_target(constructs_root, "book", tmp_path_factory.mktemp("book-out"))


@pytest.fixture(scope="module")
def private(
    constructs_root: Path, pinned_epoch: int, tmp_path_factory: pytest.TempPathFactory
) -> Built:
    return build_target(constructs_root, "private", tmp_path_factory.mktemp("private-out"))


@pytest.fixture(scope="module")
def samples_book(pinned_epoch: int, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample vault's ``archive`` target, with only that target in the config."""
    config = tomllib.loads((SAMPLES / "notepress.toml").read_text(encoding="utf-8"))
    archive = config["targets"]["archive"]
    folder = tmp_path_factory.mktemp("samples")
    lines = ["[site]", *(f"{k} = {_toml(v)}" for k, v in config["site"].items()), ""]
    lines += ["[targets.archive]", *(f"{k} = {_toml(v)}" for k, v in archive.items())]
    path = folder / "notepress.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return build_target(SAMPLES, "archive", folder / "out", config=path)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


# validity ------------------------------------------------------------------------------------


def test_samples_archive_passes_epubcheck(samples_book: Built) -> None:
    assert epubcheck(samples_book.path) == []


def test_constructs_book_passes_epubcheck(book: Built) -> None:
    assert epubcheck(book.path) == []


def test_private_copy_passes_epubcheck(private: Built) -> None:
    assert epubcheck(private.path) == []


# package document and navigation -------------------------------------------------------------


def _dc(built: Built, name: str) -> list[str]:
    return [(element.text or "") for element in built.opf.iter(f"{DC}{name}")]


def _modified(built: Built) -> str:
    for meta in built.opf.iter(f"{OPF}meta"):
        if meta.get("property") == "dcterms:modified":
            return meta.text or ""
    raise AssertionError("no dcterms:modified")


def test_metadata_comes_from_the_site(book: Built) -> None:
    opf = book.opf
    identifier_id = opf.get("unique-identifier")
    (identifier,) = [e.text for e in opf.iter(f"{DC}identifier") if e.get("id") == identifier_id]
    expected = uuid.uuid5(uuid.NAMESPACE_URL, "https://notes.example.org/#book")
    assert identifier == f"urn:uuid:{expected}"
    assert _dc(book, "title") == ["Every *Construct* & <More>"]
    assert _dc(book, "language") == ["en"]
    assert _dc(book, "creator") == ["Test Author"]
    assert _dc(book, "description") == ["A vault that uses everything."]
    assert _dc(book, "date")[0].startswith("2023-11-14")
    assert _modified(book) == "2023-11-14T22:13:20Z"
    # Subjects are the tags of the notes in the book (not of excluded notes or drafts), most
    # used first.
    assert _dc(book, "subject") == ["beta", "gamma", "shared", "alpha", "delta", "epsilon"]


def test_metadata_options_override_the_site(private: Built) -> None:
    assert _dc(private, "title") == ["Private Copy"]
    assert _dc(private, "language") == ["de"]
    assert _dc(private, "creator") == ["Someone Else"]
    assert _dc(private, "description") == ["Only for me."]
    expected = uuid.uuid5(uuid.NAMESPACE_URL, "https://notes.example.org/#private")
    assert f"urn:uuid:{expected}" in _dc(private, "identifier")


def test_generated_cover_is_an_svg_with_title_dates_and_count(book: Built) -> None:
    manifest = book.manifest()
    (cover,) = [i for i in manifest.values() if "cover-image" in i.get("properties", "")]
    assert cover.get("media-type") == "image/svg+xml"
    metas = {m.get("name"): m.get("content") for m in book.opf.iter(f"{OPF}meta")}
    assert metas["cover"] == cover.get("id")
    svg = ET.fromstring(book.files[book.resolve(cover.get("href", ""))])
    text = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "Every *Construct* &amp;" not in text  # escaped once, read back as text
    assert "Every *Construct* &" in text
    assert "March 2023 \u2013 June 2023" in text
    assert "7 notes" in text
    assert book.spine_pages()[0].endswith("cover.xhtml")


def test_cover_option_uses_the_vault_image(private: Built, constructs_root: Path) -> None:
    manifest = private.manifest()
    (cover,) = [i for i in manifest.values() if "cover-image" in i.get("properties", "")]
    assert cover.get("media-type") == "image/png"
    data = private.files[private.resolve(cover.get("href", ""))]
    assert data == (constructs_root / "cover-picture.png").read_bytes()


def _nav(built: Built) -> ET.Element:
    (nav_item,) = [i for i in built.manifest().values() if "nav" in i.get("properties", "")]
    return ET.fromstring(built.files[built.resolve(nav_item.get("href", ""))])


def _nav_section(built: Built, kind: str) -> ET.Element:
    (section,) = [n for n in _nav(built).iter(f"{XHTML}nav") if n.get(EPUB_TYPE) == kind]
    return section


def _toc_tree(ol: ET.Element) -> list[tuple[str, list]]:
    tree = []
    for li in ol.findall(f"{XHTML}li"):
        link = li.find(f"{XHTML}a")
        assert link is not None
        child = li.find(f"{XHTML}ol")
        tree.append(("".join(link.itertext()), _toc_tree(child) if child is not None else []))
    return tree


def test_contents_list_parts_and_notes_in_order(book: Built) -> None:
    toc = _nav_section(book, "toc").find(f"{XHTML}ol")
    assert toc is not None
    assert _toc_tree(toc) == [
        ("March 2023", [("Callouts", []), ("Footnotes A", [])]),
        ("April 2023", [("Footnotes B", []), ("Links", [])]),
        ("May 2023", [("Tables and tasks", []), ("Inline HTML", [])]),
        ("June 2023", [("Hostile <HTML> & *Stars*", [])]),
    ]


def test_landmarks_cover_title_page_contents_and_start(book: Built) -> None:
    landmarks = _nav_section(book, "landmarks")
    kinds = [a.get(EPUB_TYPE) for a in landmarks.iter(f"{XHTML}a")]
    assert kinds == ["cover", "titlepage", "toc", "bodymatter"]


def test_group_by_tag_and_toc_depth(private: Built) -> None:
    toc = _nav_section(private, "toc").find(f"{XHTML}ol")
    assert toc is not None
    tree = dict(_toc_tree(toc))
    assert list(tree) == ["#alpha", "#beta", "#delta", "#epsilon", "#gamma"]
    assert [title for title, _ in tree["#alpha"]] == ["Callouts", "Draft note (draft)"]
    # toc_depth = 1 lists each note's own headings too.
    callouts = dict(tree["#alpha"])["Callouts"]
    assert [title for title, _ in callouts] == ["Second heading", "Local heading"]


# links and ids -------------------------------------------------------------------------------

_EXTERNAL = ("http://", "https://", "mailto:")


def _broken_links(built: Built) -> list[str]:
    """Every href and src inside the book that does not lead to an existing file and id."""
    pages = built.pages()
    ids = {name: {e.get("id") for e in page.iter() if e.get("id")} for name, page in pages.items()}
    broken = []
    for name, page in pages.items():
        for element in page.iter():
            for attribute in ("href", "src", "{http://www.w3.org/1999/xlink}href"):
                value = element.get(attribute)
                if value is None or value.startswith(_EXTERNAL):
                    continue
                path, fragment = urldefrag(value)
                target = built.resolve(path, name) if path else name
                if target not in built.files:
                    broken.append(f"{name}: {value} (no file {target})")
                elif fragment and fragment not in ids.get(target, set()):
                    broken.append(f"{name}: {value} (no id {fragment} in {target})")
    for item in built.manifest().values():
        if built.resolve(item.get("href", "")) not in built.files:
            broken.append(f"manifest: {item.get('href')}")
    return broken


def test_every_internal_link_resolves(book: Built, private: Built, samples_book: Built) -> None:
    assert _broken_links(book) == []
    assert _broken_links(private) == []
    assert _broken_links(samples_book) == []


def test_a_link_to_a_heading_in_another_script_leads_to_it(tmp_path: Path) -> None:
    """The sanitiser writes a link's id percent-encoded and pandoc matched it to the ids
    as written: a link to a heading in Chinese (any script but Latin) led nowhere."""
    files = {
        "Setup.md": note_text("Setup", "## 准备工作\n\n先烧水。\n\n## Plain part\n\nWords.\n"),
        "Usage.md": note_text(
            "Usage", "见 [[Setup#准备工作|准备]] 和 [[Setup#Plain part|plain]]。\n"
        ),
    }
    root = tmp_path / "vault"
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "notepress.toml").write_text(
        '[site]\ntitle = "T"\nurl = "https://ex.org/"\nauthor = "A"\n\n'
        '[targets.book]\nexporter = "epub"\ngroup = "none"\n',
        encoding="utf-8",
    )
    built = build_target(root, "book", tmp_path / "out")
    assert _broken_links(built) == []
    (page,) = [
        name
        for name, tree in built.pages().items()
        if "准备" in "".join(tree.itertext())
        and any("".join(a.itertext()) == "准备" for a in tree.iter(f"{XHTML}a"))
    ]
    href = _link(built, page, "准备").get("href") or ""
    assert "#" in href and unquote(href).endswith("-准备工作")
    assert epubcheck(built.path) == []


def _link(built: Built, page: str, text: str) -> ET.Element:
    for element in built.pages()[page].iter(f"{XHTML}a"):
        if "".join(element.itertext()) == text:
            return element
    raise AssertionError(f"no link {text!r} in {page}")


def _has_link(built: Built, text: str) -> bool:
    return any(
        "".join(a.itertext()) == text
        for page in built.pages().values()
        for a in page.iter(f"{XHTML}a")
    )


def test_wikilinks_become_cross_chapter_links(book: Built) -> None:
    links_page, _ = book.chapter_of("n230404LK01")
    callouts_page, _ = book.chapter_of("n230301CA01")
    assert links_page != callouts_page
    target = _link(book, links_page, "the second heading").get("href", "")
    page, fragment = urldefrag(target)
    assert book.resolve(page, links_page) == callouts_page
    assert book.chapter_of(fragment)[0] == callouts_page
    assert fragment == "n230301CA01-second-heading"
    footnotes_page, _ = book.chapter_of("n230302FN01")
    heading = _link(book, links_page, "Footnotes A > Some heading").get("href", "")
    assert book.resolve(urldefrag(heading)[0], links_page) == footnotes_page
    assert urldefrag(heading)[1] == "n230302FN01-some-heading"
    # A link by the target's alias, a markdown link with a heading, a same-note heading link.
    assert urldefrag(_link(book, links_page, "Link Hub").get("href", ""))[1] == "n230404LK01"
    md = _link(book, links_page, "md link").get("href", "")
    assert urldefrag(md)[1] == "n230301CA01-local-heading"
    local = _link(book, links_page, "Links heading").get("href", "")
    assert urldefrag(local)[1] == "n230404LK01-links-heading"


def test_links_outside_the_book(book: Built) -> None:
    links_page, _ = book.chapter_of("n230404LK01")
    # Missing notes, drafts and a note the target excludes by tag (as a draft: the tag may
    # be what keeps it private): text, never a link.
    text = "".join(book.pages()[links_page].itertext())
    assert "missing: Missing note" in text
    assert "draft: Draft note" in text
    assert "outside the book: Outside note" in text
    assert not _has_link(book, "Missing note")
    assert not _has_link(book, "Draft note")
    assert not _has_link(book, "Outside note")
    # A heading that does not exist: the link goes to its note, with a warning from the load.
    missing = _link(book, links_page, "Callouts > No such heading").get("href", "")
    assert urldefrag(missing)[1] == "n230301CA01"
    assert any("link-heading-missing" in w and "No such heading" in w for w in book.warnings()), (
        book.warnings()
    )


def _ids_per_page(built: Built) -> dict[str, list[str]]:
    return {
        name: [e.get("id", "") for e in page.iter() if e.get("id")]
        for name, page in built.pages().items()
    }


def test_ids_are_unique(book: Built, private: Built, samples_book: Built) -> None:
    for built in (book, private, samples_book):
        ids = _ids_per_page(built)
        for name, page_ids in ids.items():
            assert len(page_ids) == len(set(page_ids)), name
        # Ids from the notes (headings, raw HTML, note and part anchors) are unique in the
        # whole book, not just in their chapter.
        content = [i for page_ids in ids.values() for i in page_ids if re.match(r"n\d|part-", i)]
        assert len(content) == len(set(content))


def test_raw_html_ids_get_the_note_prefix(book: Built) -> None:
    page, _ = book.chapter_of("n230607HO01")
    ids = _ids_per_page(book)[page]
    for raw in ("fn1", "footnotes", "dup"):
        assert f"n230607HO01-{raw}" in ids
    assert "toc" not in ids  # pandoc keeps no id on a paragraph; it must not keep the raw one
    assert "n230607HO01-dup-2" in ids
    assert "n230607HO01-n230301ca01" in ids
    # A raw link to a raw id of the same note still works.
    inline_page, _ = book.chapter_of("n230506HT01")
    intro = _link(book, inline_page, "to the intro").get("href", "")
    assert urldefrag(intro)[1] == "n230506HT01-intro"


def _chapter_text(built: Built, note_id: str) -> str:
    page, _ = built.chapter_of(note_id)
    return "".join(built.pages()[page].itertext())


def test_footnotes_are_real_notes_per_chapter(book: Built) -> None:
    for name, page in book.pages().items():
        ids = {e.get("id") for e in page.iter()}
        for ref in page.iter(f"{XHTML}a"):
            if ref.get(EPUB_TYPE) == "noteref":
                target = ref.get("href", "")
                assert target.startswith("#") and target[1:] in ids, name
                (aside,) = [a for a in page.iter(f"{XHTML}aside") if a.get("id") == target[1:]]
                assert aside.get(EPUB_TYPE) == "footnote"
    a_text = _chapter_text(book, "n230302FN01")
    b_text = _chapter_text(book, "n230403FN02")
    assert "FOOT-A-ONE" in a_text and "FOOT-B-ONE" not in a_text
    assert "FOOT-B-ONE" in b_text and "FOOT-A-ONE" not in b_text
    assert "item two" in a_text  # a footnote with a list keeps its blocks
    a_page = book.pages()[book.chapter_of("n230302FN01")[0]]
    assert len(list(a_page.iter(f"{XHTML}aside"))) == 4  # [^1] twice, [^label], [^3]
    # Raw HTML borrowing the footnote class makes no note.
    hostile_page = book.pages()[book.chapter_of("n230607HO01")[0]]
    assert list(hostile_page.iter(f"{XHTML}aside")) == []
    assert "CALLOUT-FOOT-TWO" in _chapter_text(book, "n230301CA01")  # from a nested callout
    assert "\u21a9" not in book.text()  # no leftover back-references


# content -------------------------------------------------------------------------------------


def test_constructs_survive(book: Built) -> None:
    callouts = _chapter_text(book, "n230301CA01")
    for text in ("A titled note", "Folded warning", "Inner tip", "Deepest text", "Quote"):
        assert text in callouts
    page, _ = book.chapter_of("n230301CA01")
    classes = [e.get("class", "") for e in book.pages()[page].iter()]
    assert "callout callout-danger" in classes and "callout-title" in classes
    tables = book.pages()[book.chapter_of("n230505TT01")[0]]
    assert [e.text for e in tables.iter(f"{XHTML}th")] == ["left", "centre", "right"]
    tasks = "".join(tables.itertext())
    assert "\u2610 open task" in tasks or "\u2610open task" in tasks
    assert "\u2611" in tasks or "\u2612" in tasks
    assert any("sourceCode" in e.get("class", "") for e in tables.iter())
    inline = book.chapter_of("n230506HT01")
    text = "".join(inline[1].itertext())
    for piece in ("Summary with emphasis", "Hidden markdown inside details", "No summary at all"):
        assert piece in " ".join(text.split())
    assert "\u6f22(kan)" in text
    # The body's H1 was moved below the note's title, so the note stayed one chapter.
    inline_page = book.pages()[inline[0]]
    levels = [int(e.tag[-1]) for e in inline_page.iter() if re.fullmatch(f"{XHTML}h[1-6]", e.tag)]
    assert levels[0] == 2 and min(levels[1:]) == 3


def test_public_book_has_no_drafts(book: Built) -> None:
    assert "DRAFT-ONLY" not in book.text()
    assert "230608DR01" not in book.text()


def test_private_copy_marks_drafts(private: Built) -> None:
    assert "DRAFT-ONLY" in private.text()
    page, _ = private.chapter_of("n230608DR01")
    chapter = private.pages()[page]
    assert "draft-notice" in {e.get("class", "") for e in chapter.iter()}
    (heading,) = chapter.iter(f"{XHTML}h2")
    assert "".join(heading.itertext()) == "Draft note (draft)"
    assert chapter.findtext(f"{XHTML}head/{XHTML}title") == "Draft note (draft)"
    title_page = next(p for n, p in private.pages().items() if n.endswith("title_page.xhtml"))
    text = "".join(title_page.itertext())
    assert "Private copy: includes drafts" in text and "1 draft" in text
    # In the private copy, links to the draft work.
    assert any(
        urldefrag(a.get("href", ""))[1] == "n230608DR01"
        for p in private.pages().values()
        for a in p.iter(f"{XHTML}a")
    )


def test_hostile_html_is_gone(book: Built) -> None:
    text = book.text().lower()
    for marker in (
        "script-ran",
        "onerror",
        "javascript:",
        "js-url",
        "<script",
        "<iframe",
        "<object",
        "<embed",
        "<video",
        "<audio",
        "<form",
        "<base",
        "http-equiv",
        "import.css",
        "bg.png",
        "svg-image",
        "secret-html-comment",
        "private-comment",
        "<!--",
    ):
        assert marker not in text, marker


def test_images_come_only_from_vault_attachments(book: Built) -> None:
    media = {
        item.get("media-type")
        for item in book.manifest().values()
        if item.get("media-type", "").startswith("image/")
    }
    # PNG, the JPEG that was named .png, the BMP converted to PNG, the SVG; the SVG with a
    # script is left out with a warning.
    assert media == {"image/png", "image/jpeg", "image/svg+xml"}
    assert any("evil.svg" in w and "left out" in w for w in book.warnings())
    for name, data in book.files.items():
        assert OUTSIDE_MARKER not in data, name
        assert b"root:x:0:0" not in data, name
    # Images on the loopback server are never fetched, and not even linked to: a private
    # address never reaches a public output, only the image's text does.
    hostile = book.pages()[book.chapter_of("n230607HO01")[0]]
    remote = [a for a in hostile.iter(f"{XHTML}a") if a.get("class") == "remote-image"]
    assert remote == []
    text = "".join(hostile.itertext())
    assert "remote markdown image" in text and "remote html image" in text
    for name, data in book.files.items():
        assert b"127.0.0.1" not in data, name


def test_stylesheet_is_builtin_plus_extra(book: Built, private: Built) -> None:
    def css(built: Built) -> str:
        (item,) = [i for i in built.manifest().values() if i.get("media-type") == "text/css"]
        return built.files[built.resolve(item.get("href", ""))].decode()

    assert "div.callout" in css(book) and "p.extra-rule" not in css(book)
    assert "div.callout" in css(private) and "p.extra-rule" in css(private)


# sandbox, reproducibility, limits ------------------------------------------------------------


def _html_naming(path: Path) -> str:
    return (
        "<html><head><title>t</title></head><body><h1 id='a'>A</h1>"
        f"<p><img src='{path}' alt='absolute'> <img src='file://{path}' alt='url'></p>"
        "</body></html>"
    )


def test_pandoc_sandbox_reads_no_file_it_was_not_given(tmp_path: Path) -> None:
    """Even HTML naming a local file (which the book never contains) cannot make pandoc read it."""

    secret = tmp_path / "secret.png"
    secret.write_bytes((DATA / "pic.png").read_bytes() + OUTSIDE_MARKER)
    run = run_pandoc(
        _html_naming(secret),
        template=builtin_templates("epub") / "book.epub3",
        split_level=1,
        toc_depth=1,
        epoch=EPOCH,
        timeout=60,
        memory_mb=512,
    )
    with zipfile.ZipFile(io.BytesIO(run.epub)) as archive:
        assert all(OUTSIDE_MARKER not in archive.read(name) for name in archive.namelist())
    assert any("Could not fetch resource" in warning for warning in run.warnings)


def test_without_the_sandbox_pandoc_would_embed_it(tmp_path: Path) -> None:
    """The control for the test above: the same HTML without ``--sandbox`` leaks the file."""

    secret = tmp_path / "secret.png"
    secret.write_bytes((DATA / "pic.png").read_bytes() + OUTSIDE_MARKER)
    (tmp_path / "in.html").write_text(_html_naming(secret), encoding="utf-8")
    binary, _ = pandoc_binary()
    subprocess.run(
        [binary, "-f", "html", "-t", "epub3", "-o", "out.epub", "in.html"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=60,
    )
    with zipfile.ZipFile(tmp_path / "out.epub") as archive:
        assert any(OUTSIDE_MARKER in archive.read(name) for name in archive.namelist())


def test_rebuild_is_byte_identical(
    book: Built, constructs_root: Path, pinned_epoch: int, tmp_path: Path
) -> None:
    again = build_target(constructs_root, "book", tmp_path / "again")
    assert again.path.read_bytes() == book.path.read_bytes()


def test_another_process_builds_the_same_bytes(
    book: Built, constructs_root: Path, pinned_epoch: int, tmp_path: Path
) -> None:
    """A fresh interpreter with another hash seed: no set or dict order leaks into the book."""
    env = {**os.environ, "PYTHONHASHSEED": "12345", "SOURCE_DATE_EPOCH": str(pinned_epoch)}
    command = [sys.executable, "-m", "notepress", "build", str(constructs_root)]
    subprocess.run(
        [*command, "-t", "book", "-o", str(tmp_path)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert (tmp_path / "book" / "book.epub").read_bytes() == book.path.read_bytes()


def test_dates_without_source_date_epoch_come_from_the_notes(
    make_vault, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = make_vault(
        {
            "a.md": note_text("A", "One.", note_id="230101AA01", created="2023-01-01"),
            "b.md": note_text(
                "B", "Two.", note_id="230201BB01", created="2023-02-01", updated="2023-03-05"
            ),
        },
        config='[site]\ntimezone = "UTC"\n[targets.book]\nexporter = "epub"\n',
    )
    first = build_target(root, "book", tmp_path / "one")
    second = build_target(root, "book", tmp_path / "two")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert _modified(first) == "2023-03-05T00:00:00Z"
    with zipfile.ZipFile(first.path) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 3, 5, 0, 0, 0)}
        assert archive.infolist()[0].filename == "mimetype"
        assert archive.infolist()[0].compress_type == zipfile.ZIP_STORED
    # Without a site URL the identifier still stays the same from build to build.
    assert _dc(first, "identifier") == _dc(second, "identifier")


def test_pandoc_time_limit(tmp_path: Path) -> None:

    html = "<html><body><h1 id='a'>A</h1><p>" + "word " * 200_000 + "</p></body></html>"
    with pytest.raises(ResourceLimitError, match="did not finish within"):
        run_pandoc(
            html,
            template=builtin_templates("epub") / "book.epub3",
            split_level=1,
            toc_depth=1,
            epoch=EPOCH,
            timeout=0.05,
            memory_mb=1024,
        )


def test_memory_cap_failure_names_the_target(make_vault, build_vault) -> None:
    root = make_vault(
        {"big.md": note_text("Big", "word " * 200_000, note_id="230101BG01")},
        config='[targets.tiny-memory]\nexporter = "epub"\nmemory = 64\n',
    )
    report = build_vault(root)
    (result,) = report.targets
    assert not result.ok
    assert "target 'tiny-memory'" in (result.error or "")
    assert "more than 64 MB" in (result.error or "")
    assert not (report.output / "tiny-memory").exists()


# options ------------------------------------------------------------------------------------


def test_invalid_options_are_config_errors(make_vault) -> None:
    root = make_vault(
        {"a.md": note_text("A", "x", note_id="230101AA01")},
        config="""
        [targets.book]
        exporter = "epub"
        group = "week"
        language = "not a tag"
        memory = 10
        timeout = 0
        toc_depth = 9
        colour = "red"
        """,
    )
    with pytest.raises(notepress.ConfigError) as raised:
        notepress.load_project(root)
    keys = {error.split(":", 1)[0] for error in raised.value.errors}
    assert {
        "targets.book.group",
        "targets.book.language",
        "targets.book.memory",
        "targets.book.timeout",
        "targets.book.toc_depth",
        "targets.book.colour",
    } <= keys


def test_missing_cover_fails_the_target_by_name(make_vault, build_vault) -> None:
    root = make_vault(
        {"a.md": note_text("A", "x", note_id="230101AA01")},
        config='[targets.book]\nexporter = "epub"\ncover = "nowhere.png"\n',
    )
    (result,) = build_vault(root).targets
    assert result.error is not None
    assert "target 'book'" in result.error and "nowhere.png" in result.error


def test_cover_none_and_an_empty_selection(make_vault, build_vault) -> None:
    root = make_vault(
        {"a.md": note_text("A", "only a draft", note_id="230101AA01", draft=True)},
        config='[targets.book]\nexporter = "epub"\ncover = "none"\n',
    )
    report = build_vault(root)
    (result,) = report.targets
    assert result.ok, result.error
    assert any(p.code == "epub-empty" for p in result.problems)
    with zipfile.ZipFile(result.files[0]) as archive:
        names = archive.namelist()
    assert not any("cover" in name for name in names)
    assert any(name.endswith("title_page.xhtml") for name in names)
    assert not any(b"only a draft" in zipfile.ZipFile(result.files[0]).read(n) for n in names)


def test_group_notes_by_year_and_tag() -> None:

    def note(name: str, created: str | None, tags: list[str]) -> notepress.Note:
        text = note_text(name, "x", created=created or "", tags=tags)
        if created is None:
            text = text.replace("created: \n", "")
        return parse_note(PurePosixPath(f"{name}.md"), text.encode())

    notes = sorted(
        [
            note("undated", None, ["b"]),
            note("old", "2021-05-01", ["b", "a"]),
            note("new", "2023-01-01", []),
            note("newer", "2023-07-01", ["a"]),
        ],
        key=lambda n: n.sort_key,
    )
    tz = notepress.Site().tz
    by_year = group_notes(notes, "year", tz)
    assert [(p.id, p.title, [n.title for n in p.notes]) for p in by_year] == [
        ("part-undated", "Undated", ["undated"]),
        ("part-2021", "2021", ["old"]),
        ("part-2023", "2023", ["new", "newer"]),
    ]
    by_tag = group_notes(notes, "tag", tz)
    assert [(p.title, [n.title for n in p.notes]) for p in by_tag] == [
        ("#a", ["newer"]),
        ("#b", ["undated", "old"]),
        ("Untagged", ["new"]),
    ]
    # With include_tags, a note goes to the first of its tags the target selects.
    preferred = group_notes(notes, "tag", tz, ["a"])
    assert [n.title for n in preferred[0].notes] == ["old", "newer"]
    assert [p.title for p in group_notes(notes, "none", tz)] == [None]
    # One tag whatever its case, and a nested tag in the included one it is nested in:
    # "#Garden" and "#garden" were two parts.
    mixed = [note("upper", "2022-01-01", ["Garden"]), note("lower", "2022-02-01", ["garden"])]
    assert [(p.title, len(p.notes)) for p in group_notes(mixed, "tag", tz)] == [("#Garden", 2)]
    nested = [note("rye", "2022-01-01", ["baking/rye"]), note("loaf", "2022-02-01", ["Baking"])]
    parts = group_notes(nested, "tag", tz, ["baking"])
    assert [(p.title, len(p.notes)) for p in parts] == [("#baking", 2)]


def test_unpublished_notes_outside_the_book_get_no_url() -> None:

    site = notepress.Site(url="https://notes.example.org/", note_url="notes/{slug}/")
    draft = parse_note(PurePosixPath("d.md"), note_text("D", "x", draft=True).encode())
    public = parse_note(PurePosixPath("p.md"), note_text("P", "x").encode())
    style = book_style(site, set(), lambda path: None)
    assert style.note_href(draft, None) is None
    assert style.note_href(public, None) == "https://notes.example.org/notes/p/"


# last: nothing above may have asked the loopback server for anything -------------------------


def test_loopback_server_received_no_requests(
    book: Built, private: Built, loopback: Loopback
) -> None:
    assert loopback.requests == []
    with urlopen(loopback.url + "/probe", timeout=10) as response:  # the server does count
        response.read()
    assert loopback.requests == ["/probe"]


def test_a_formula_pandoc_cannot_write_is_named_by_its_note_and_line(
    make_vault, build_vault
) -> None:
    """Dollars in prose read as math, as pandoc and Obsidian read them; the check's converter
    takes the words, pandoc's does not: its warning names the note and the line, once per
    place, and a formula pandoc writes gives none."""
    prose = "Set `total`, then $rate stays `raw` until `$(node)` runs."
    # A display formula of several lines: pandoc quotes its first line, trimmed.
    display = "$$\n\\begin{align}\nx &= {1 \\atop 2} \\tag{a} \\\\[10 pt]\ny &= 2\n\\end{align}\n$$"
    root = make_vault(
        {
            "ledger.md": note_text(
                "Ledger",
                f"Plain words.\n\n{prose}\n\nAnd $x^2$ is fine.\n\n{display}\n",
                created="2020-01-02",
            ),
            "kiln.md": note_text(
                "Kiln",
                # Rows broken outside any environment, as MathJax reads them: no warning.
                f"First line.\n\nThen:\n\n{prose}\n\n$$\nt = 1 \\\\[10 pt]\nt = 2\n$$\n",
                created="2020-01-03",
            ),
            # pandoc quotes the formula with the vault's macros written out.
            "gauge.md": note_text("Gauge", "Turn it by $\\ang{45}$ now.\n", created="2020-01-04"),
            # In a callout each line starts with ``>``, which the TeX pandoc quotes lacks.
            "quote.md": note_text(
                "Quote",
                "> [!note] Sum\n" + display.replace("\n", "\n> ").replace("$$", "> $$", 1) + "\n",
                created="2020-01-05",
            ),
            "preamble.sty": "\\newcommand{\\ang}[1]{\\fbox{#1}}\n",
        },
        config='[targets.book]\nexporter = "epub"\n',
    )
    (result,) = build_vault(root).targets
    assert result.ok, result.error
    found = [(p.code, p.path, p.line) for p in result.problems if "formula" in p.message]
    lines = {
        name: (root / name).read_text(encoding="utf-8").splitlines().index(prose) + 1
        for name in ("ledger.md", "kiln.md")
    }
    gauge = (root / "gauge.md").read_text(encoding="utf-8").splitlines()
    lines["gauge.md"] = next(n for n, line in enumerate(gauge, 1) if "ang{45}" in line)
    opening = (root / "ledger.md").read_text(encoding="utf-8").splitlines().index("$$") + 1
    quoted = (root / "quote.md").read_text(encoding="utf-8").splitlines().index("> $$") + 1
    assert found == [
        ("epub-math", "ledger.md", lines["ledger.md"]),
        ("epub-math", "ledger.md", opening),
        ("epub-math", "kiln.md", lines["kiln.md"]),
        ("epub-math", "gauge.md", lines["gauge.md"]),
        ("epub-math", "quote.md", quoted),
    ], [str(p) for p in result.problems]
    # Quoted up to its first line break, as pandoc quotes it, and said to go on.
    (multi,) = [p for p in result.problems if (p.path, p.line) == ("ledger.md", opening)]
    assert "the formula $\\begin{align} ... as MathML" in multi.message
    assert not [p for p in result.problems if p.code == "epub-pandoc"]


@pytest.mark.parametrize(
    "formula", ["$$\\colorbox{yellow}{a+b} \\\\ c$$", "$$\n\\colorbox{yellow}{a+b} \\\\\nc\n$$"]
)
def test_a_formula_of_bare_rows_pandoc_cannot_write_is_named_by_its_note(
    make_vault, build_vault, formula: str
) -> None:
    """Its rows are given to pandoc in an environment the note does not hold, so pandoc's
    warning was relayed raw, naming no note and ending on a colon."""
    root = make_vault(
        {"rows.md": note_text("Rows", f"Two rows:\n\n{formula}\n", created="2020-01-02")},
        config='[targets.book]\nexporter = "epub"\n',
    )
    (result,) = build_vault(root).targets
    assert result.ok, result.error
    (found,) = [p for p in result.problems if p.code == "epub-math"]
    lines = (root / "rows.md").read_text(encoding="utf-8").splitlines()
    assert (found.path, found.line) == (
        "rows.md",
        next(number for number, line in enumerate(lines, 1) if "$$" in line),
    )
    assert "the formula $\\colorbox{yellow}{a+b} \\\\" in found.message
    assert "gathered" not in found.message
    assert not [p for p in result.problems if p.code == "epub-pandoc"]


def test_a_book_in_a_language_pandoc_has_no_words_for_gives_no_warning(
    make_vault, build_vault
) -> None:
    """``zh-CN`` gave two of pandoc's own lines on every build, naming no note and no fix:
    the book holds no words of pandoc's."""
    root = make_vault(
        {"a.md": note_text("Notes", "Words.", created="2020-01-02")},
        config='[site]\nlanguage = "zh-CN"\n[targets.book]\nexporter = "epub"\n',
    )
    (result,) = build_vault(root).targets
    assert result.ok, result.error
    assert not [p for p in result.problems if p.code == "epub-pandoc"], result.problems


def test_a_picture_left_out_is_named_with_each_note_and_line_that_shows_it(
    tmp_path: Path,
) -> None:
    """A text file saved as ``.png`` cannot go in the book: the warning names every note
    that shows it and the line, as an embed or as a markdown image, so the writer need not
    search the vault for them."""
    embed_body = "Before.\n\n![[chart.png]]\n"
    image_body = "Words first.\n\nMore words.\n\n![the chart](chart.png)\n"
    root = write_vault(
        tmp_path / "vault",
        {
            "Embeds.md": note_text("Embeds", embed_body, created="2023-03-06"),
            "Images.md": note_text("Images", image_body, created="2023-03-07"),
            "chart.png": b"not a picture at all\n",
        },
        '[site]\ntitle = "T"\n\n[targets.book]\nexporter = "epub"\n',
    )
    built = build_target(root, "book", tmp_path / "out")
    found = sorted(
        (problem.path, problem.line)
        for problem in built.report.targets[0].problems
        if problem.code == "epub-image"
    )
    embeds = note_text("Embeds", embed_body, created="2023-03-06").splitlines()
    images = note_text("Images", image_body, created="2023-03-07").splitlines()
    assert found == [
        ("Embeds.md", embeds.index("![[chart.png]]") + 1),
        ("Images.md", images.index("![the chart](chart.png)") + 1),
    ]
