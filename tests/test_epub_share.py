"""notepress's own share of an EPUB build: work done once that used to be done again.

pandoc's run is most of a book's CPU; what notepress adds (rendering, reshaping, finishing)
is bounded here by counts, never by time: the sanitiser is built once per process, not once
per fragment; each element of a chapter gets its Python object once while the book is
reshaped; each chapter pandoc wrote is parsed once, with lxml, for its footnotes, images and
players, and never by ``xml.dom.minidom``.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.dom import minidom
from xml.etree import ElementTree as ET

import lxml.html
import nh3
import pytest
from PIL import Image

import notepress
from notepress.exporters.epub import chapters
from notepress.exporters.epub.book import BookInfo, Part, build_source
from notepress.exporters.epub.media import MediaStore
from notepress.markdown import render_note
from notepress.markdown import sanitize as sanitize_module
from notepress.markdown.sanitize import sanitize
from notepress.markdown.tree import html_tree

from .conftest import note_text, write_vault

SITE = '[site]\ntitle = "Shares"\nurl = "https://notes.example.org/"\n'
BOOK = '\n[targets.book]\nexporter = "epub"\ngroup = "month"\n'
XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"
NOTES = 12


def _png(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (shade, 90, 160)).save(out, "PNG")
    return out.getvalue()


def _body(index: int) -> str:
    """A note with a footnote, a figure (each third note the same one), quotes, a table and
    a callout: a chapter that needs both edits after pandoc (players are placed in the same
    pass, see ``tests/test_media.py``)."""
    return (
        f'A "quoted" line with a note[^1] and [[Note {(index + 1) % NOTES:02d}]].\n\n'
        f"![[figure {index % 3}.png]]\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        f"> [!tip] Tip {index}\n> Inside.\n\n"
        f"[^1]: The note of {index}, with *emphasis*.\n"
    )


def _files() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {
        f"attachments/figure {shade}.png": _png(40 * shade) for shade in range(3)
    }
    for index in range(NOTES):
        files[f"note {index:02d}.md"] = note_text(
            f"Note {index:02d}",
            _body(index),
            note_id=f"2303{index + 1:02d}SH01",
            created=f"2023-0{1 + index % 3}-{index + 1:02d}",
        )
    return files


# the sanitiser ----------------------------------------------------------------------------


class _Counting:
    """Counts how often ``nh3.Cleaner`` is built and ``nh3.clean`` called."""

    def __init__(self) -> None:
        self.built = 0
        self.cleaned = 0

    def install(self, patch: pytest.MonkeyPatch) -> None:
        cleaner, clean = nh3.Cleaner, nh3.clean

        def build(*args: Any, **kwargs: Any) -> Any:
            self.built += 1
            return cleaner(*args, **kwargs)

        def clean_once(*args: Any, **kwargs: Any) -> str:
            self.cleaned += 1
            return clean(*args, **kwargs)

        patch.setattr(nh3, "Cleaner", build)
        patch.setattr(nh3, "clean", clean_once)


def test_the_sanitiser_is_built_once_per_process_not_per_fragment(tmp_path: Path) -> None:
    """Forty notes with two footnotes each are 120 fragments to clean; ammonia's sanitiser
    is built once for those with an attribute filter (and once for those without)."""
    files = {
        f"n{index}.md": note_text(
            f"N{index}",
            f"Text[^a] and more[^b] with [a link](https://example.org/{index}).\n\n"
            f"[^a]: One <em>note</em>.\n[^b]: Two.\n",
            note_id=f"230301NS{index:02d}",
        )
        for index in range(40)
    }
    root = write_vault(tmp_path, files)
    vault = notepress.load_vault(root)
    counting = _Counting()
    with pytest.MonkeyPatch.context() as patch:
        sanitize_module._cleaner.cache_clear()
        counting.install(patch)
        for note in vault.notes:
            render_note(note, vault, footnotes="endnotes")
        sanitize_module._cleaner.cache_clear()  # none built with the counting stand-in stays
    assert len(vault.notes) == 40
    assert counting.cleaned == 0
    assert counting.built <= 2


#: Fragments a note can hold, each cleaned with and without a filter.
HOSTILE = [
    '<p onclick="x()">a <script>alert(1)</script><a href="javascript:x">j</a></p>',
    '<img src="data:image/png;base64,AAAA" style="width: 3px; color: red" alt="d">',
    '<a href="https://example.org/" rel="x" target="_blank" epub:type="noteref">l</a>',
    '<div data-callout="tip" data-other="no"><details open><summary>s</summary>t</details></div>',
    "<math><mi>x</mi><annotation-xml>bad</annotation-xml></math><!-- comment -->",
    '<td style="text-align: center; position: fixed">c</td><iframe src="https://x/"></iframe>',
]


def _rewrite(element: str, attribute: str, value: str) -> str | None:
    return None if attribute == "title" else value.upper() if attribute == "alt" else value


def test_the_shared_sanitiser_cleans_as_nh3_clean_does() -> None:
    """The same allowed tags, attributes, schemes and filter as a cleaner built per call,
    from the one cleaner of each kind."""
    options: dict[str, Any] = {
        "tags": sanitize_module._TAGS,
        "clean_content_tags": sanitize_module._DROP_WITH_CONTENT,
        "attributes": sanitize_module._ATTRIBUTES,
        "strip_comments": True,
        "link_rel": None,
        "filter_style_properties": sanitize_module._options(None)["filter_style_properties"],
    }
    schemes = sanitize_module._SCHEMES
    fragments = HOSTILE + [fragment + ' <b title="t">b</b>' for fragment in HOSTILE]
    expected = [
        (
            nh3.clean(html, url_schemes=schemes - {"data"}, **options),
            nh3.clean(html, url_schemes=schemes, attribute_filter=_rewrite, **options),
        )
        for html in fragments
    ]
    counting = _Counting()
    with pytest.MonkeyPatch.context() as patch:
        sanitize_module._cleaner.cache_clear()
        counting.install(patch)
        cleaned = [(sanitize(html), sanitize(html, _rewrite)) for html in fragments]
        sanitize_module._cleaner.cache_clear()
    assert cleaned == expected
    assert (counting.built, counting.cleaned) == (2, 0)


def test_each_thread_cleans_with_its_own_filter() -> None:
    """Two threads share the one cleaner, and a filter never leaks to the other caller."""
    results: dict[str, list[str]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def work(name: str) -> None:
        start.wait()
        for _ in range(200):
            results[name].append(sanitize('<img src="x.png" alt="x">', lambda e, a, v: name))

    counting = _Counting()
    with pytest.MonkeyPatch.context() as patch:
        sanitize_module._cleaner.cache_clear()
        counting.install(patch)
        threads = [threading.Thread(target=work, args=(name,)) for name in results]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sanitize_module._cleaner.cache_clear()
    for name, cleaned in results.items():
        assert set(cleaned) == {f'<img src="{name}" alt="{name}">'}
    assert counting.built <= 2 and counting.cleaned == 0


# reshaping the book -----------------------------------------------------------------------


def test_each_element_is_made_a_python_object_about_once(tmp_path: Path) -> None:
    """lxml.html asks its Python class lookup each time it makes an element's Python object.
    With the renderer's own reading, the book's dozen walks per chapter asked it six times
    per element of the book; with the elements held alive while the book is reshaped, each
    walk after the first finds them made."""
    root = write_vault(tmp_path, _files(), SITE)
    project = notepress.load_project(root)
    vault, site = project.vault, project.config.site
    notes = tuple(vault.notes)
    media = MediaStore(vault, lambda *_: None)
    info = BookInfo("Book", "", "", "en", "", "urn:x", datetime(2023, 3, 1, tzinfo=UTC), (), "", 1, 0, False)  # fmt: skip
    lookups = Counter[str]()
    original = lxml.html.HtmlElementClassLookup.lookup

    def counted(self: Any, node_type: str, document: Any, namespace: Any, name: Any) -> Any:
        lookups[node_type] += 1
        return original(self, node_type, document, namespace, name)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lxml.html.HtmlElementClassLookup, "lookup", counted)
        source = build_source(
            [Part(None, None, notes)],
            info,
            vault,
            site,
            media,
            include_drafts=False,
            warn=lambda message, note: None,
        )
    elements = sum(1 for section in source.sections for _ in html_tree(section).iter())
    assert source.chapters == NOTES and elements > 20 * NOTES
    assert lookups["element"] < 3.5 * elements  # it was over 6 (2.8 now)


# finishing the book -----------------------------------------------------------------------


@dataclass
class Finished:
    path: Path
    parsed: Counter[str]
    minidom_inputs: list[bytes]
    json_dumps: int


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Finished:
    """One real build (real pandoc), counting what parsed the chapters it wrote."""
    root = write_vault(tmp_path_factory.mktemp("share"), _files(), SITE + BOOK)
    parsed: Counter[str] = Counter()
    minidom_inputs: list[bytes] = []
    parse_chapter: Callable[[bytes, str], Any] = chapters._parse
    parse_string = minidom.parseString
    dumps = json.dumps
    json_dumps = 0

    def counted_dumps(*args: Any, **kwargs: Any) -> str:
        nonlocal json_dumps
        json_dumps += 1
        return dumps(*args, **kwargs)

    def counted_parse(xhtml: bytes, path: str) -> Any:
        parsed[path] += 1
        return parse_chapter(xhtml, path)

    def recorded_parse_string(data: Any, *args: Any, **kwargs: Any) -> Any:
        minidom_inputs.append(bytes(data))
        return parse_string(data, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        patch.setattr(chapters, "_parse", counted_parse)
        patch.setattr(minidom, "parseString", recorded_parse_string)
        project = notepress.load_project(root, output=tmp_path_factory.mktemp("share-out"))
        patch.setattr(json, "dumps", counted_dumps)
        report = project.build(["book"])
    (result,) = report.targets
    assert result.ok, result.error
    (path,) = result.files
    return Finished(path, parsed, minidom_inputs, json_dumps)


@pytest.mark.slow
def test_each_chapter_is_parsed_once_and_never_by_minidom(finished: Finished) -> None:
    """Every chapter with a footnote, an image or a player is parsed by lxml exactly once;
    minidom reads only the package's own documents (container, OPF, navigation) and the
    pages before the first chapter."""
    with zipfile.ZipFile(finished.path) as archive:
        names = archive.namelist()
        texts = {name: archive.read(name) for name in names if name.endswith(".xhtml")}
    noted = [name for name, text in texts.items() if b"footnote-back" in text]
    assert len(noted) == NOTES
    assert set(finished.parsed) >= set(noted)
    assert set(finished.parsed.values()) == {1}
    chapter_inputs = [
        data
        for data in finished.minidom_inputs
        if b"doc-footnote" in data or b"epub-media/" in data
    ]
    assert chapter_inputs == []
    assert len(finished.minidom_inputs) <= 8  # container, OPF, navigation, first pages


@pytest.mark.slow
def test_images_are_placed_once_each_in_reading_order(finished: Finished) -> None:
    """Three figures shown twelve times are three files, numbered as first shown, and every
    reference leads to its file; the quotes of a chapter with a figure are written as
    everywhere else."""
    with zipfile.ZipFile(finished.path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    opf_path = next(name for name in files if name.endswith(".opf"))
    manifest = ET.fromstring(files[opf_path]).find(f"{OPF}manifest")
    assert manifest is not None
    media = [item.get("href") for item in manifest if (item.get("href") or "").startswith("media/")]
    assert media == ["media/cover.svg", *(f"media/image-{n}.png" for n in (1, 2, 3))]
    base = opf_path.rpartition("/")[0]
    shown = []
    for name in sorted(files):
        if not name.endswith(".xhtml") or "/text/ch" not in f"/{name}":
            continue
        page = ET.fromstring(files[name])
        shown.extend(img.get("src") for img in page.iter(f"{XHTML}img"))
    assert list(dict.fromkeys(shown)) == [f"../media/image-{n}.png" for n in (1, 2, 3)]
    assert len(shown) == NOTES
    for src in set(shown):
        assert f"{base}/{src.removeprefix('../')}" in files
    assert b"&quot;quoted&quot;" not in b"".join(files.values())


@pytest.mark.slow
def test_renderings_are_remembered_without_the_stdlib_json_encoder(finished: Finished) -> None:
    """The cache remembers each rendering with the questions it asked (one per link, id and
    footnote): serialised with orjson, the stdlib encoder is left with the cache's keys and
    fingerprints, about eight calls per note of this book where there were nineteen."""
    assert finished.json_dumps < 12 * NOTES
