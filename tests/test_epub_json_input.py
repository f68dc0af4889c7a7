"""The EPUB exporter hands pandoc the book as pandoc's own JSON document, not as HTML.

The JSON is built in Python from the very HTML chapters the book used to be (see
``exporters/epub/document.py``), and must be what pandoc's HTML reader makes of them, node
for node: then the book cannot differ.  These tests hold the converter to that with real
pandoc: on awkward snippets read side by side, on a vault using every construct (with
formulas and raw HTML that pandoc itself must read), and on the finished EPUB bytes.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

import notepress
from notepress.exporters import epub as epub_module
from notepress.exporters.epub import document, pandoc
from notepress.templating import builtin_templates

from .conftest import note_text, write_vault
from .test_epub import CONSTRUCTS_CONFIG, constructs_vault

EPOCH = 1_700_000_000


def pandoc_reads(html: str) -> dict[str, Any]:
    """Plain pandoc's JSON document of ``html`` (not the exporter's sandboxed run)."""
    binary, _ = pandoc.pandoc_binary()
    done = subprocess.run(
        [binary, "--from=html+epub_html_exts", "--to=json"],
        input=html.encode(),
        capture_output=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


# the converter on its own -----------------------------------------------------------------


def _formula(display: str, tex: str) -> str:
    """A formula as the renderer writes it (the MathML is not what pandoc reads)."""
    return (
        f'<math display="{display}" xmlns="http://www.w3.org/1998/Math/MathML" alttext="t">'
        f"<semantics><mrow><mi>x</mi></mrow>"
        f'<annotation encoding="application/x-tex">{tex}</annotation></semantics></math>'
    )


#: Chapters as :mod:`exporters.epub.book` writes them, with what the renderer and raw HTML
#: in notes can put there, whitespace at every edge.
SNIPPETS = [
    '<p>lead <em>a </em>b<strong> c</strong> d\ne  <a href="#x"> link </a>.</p>',
    "<p>a<em> </em>b <em>\nx\n</em>c<strong></strong>d<em>f</em><em>g</em> <i>h </i></p>",
    "<p>x<br>\ny <br> z<mark> m </mark><kbd> k </kbd>a<small> s </small>b</p>",
    '<p><span class="tag" id="t1" data-x="1">y </span>z <time>1 May</time> '
    "<sup>2</sup><sub>3</sub><s> s </s><del>d</del><u>u</u><ins>i</ins></p>",
    '<p><code>a  b\n c</code> <img src="epub-media/1.png" alt=" spaced alt "> '
    '<img src="x.png" alt="" title="t"></p>',
    '<div class="callout callout-tip" data-callout="tip">\n'
    '<div class="callout-title">Title <em>here</em></div>\n<p>Body.</p>\n'
    "loose text\n</div>",
    "<div>\n lead <em>x</em>\n <div>in</div>\n after\n</div>",
    "<ul>\n<li>one</li>\n<li><p>two</p></li>\n<li>x<ul><li>in</li></ul></li>\n</ul>",
    '<ol start="3">\n<li>a</li>\n<li>b\n<blockquote><p>q</p></blockquote></li>\n</ol>',
    "<blockquote>\nloose <em>quote</em>\n<p>para</p>\n</blockquote>",
    '<pre><code class="language-py">if x:\n\treturn 1\n\n</code></pre>\n'
    "<p>tab\tin\ttext</p>\n<pre><code>\tfirst line tab</code></pre>",
    '<div class="table-wrap"><table>\n<thead>\n<tr>\n<th>n</th>\n'
    '<th style="text-align:center">w</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n'
    '<td style="text-align:right">1</td>\n<td>a<br>b</td>\n</tr>\n</tbody>\n</table></div>',
    '<table>\n<tbody>\n<tr><td>only</td><td style="text-align:left">body</td></tr>\n'
    "</tbody>\n</table>",
    '<p>call<a epub:type="noteref" href="#c-fn-1">1</a> and '
    '<a epub:type="noteref" href="#c-fn-1">1</a></p>\n'
    '<aside epub:type="footnote" id="c-fn-1"><p>Note <em>n</em>.</p>\n'
    "<p>Second.</p>\n</aside>",
    '<h3 id="c-h" class="x" data-heading="Y"> Heading <code>c</code> </h3>\n<hr>\n'
    "<p></p>\n<p> </p>\n<p>&amp; &lt; &#160;nb&nbsp;sp \u201cq\u201d \u2014</p>",
    # Formulas as the renderer writes them: pandoc takes each one's TeX annotation.
    "<p>Inline "
    + _formula("inline", "x^2 + \\alpha")
    + " and"
    + _formula("inline", " a&lt;b ")
    + '.</p>\n<div class="math-block">'
    + _formula("block", "\\begin{aligned}\na &amp;= b \\\\\n\\end{aligned}")
    + "</div>\n<ul>\n<li>item "
    + _formula("inline", "")
    + "</li>\n</ul>\n<p><em>"
    + _formula("block", " e = mc^2 ")
    + " </em>&#160;\u05e9\u05dc\u05d5\u05dd</p>\n<p>\t"
    + _formula("inline", "a\tb \\text{\t}")
    + "</p>",
    # A right-to-left note's blocks, as the direction rule marks them.
    '<p dir="rtl">\u05e9\u05dc\u05d5\u05dd <em>x</em></p>\n<h2 id="c-d" dir="rtl">\u05d0</h2>\n'
    '<ul dir="rtl">\n<li dir="rtl">a</li>\n<li class="task" dir="ltr">b</li>\n</ul>\n'
    '<ol dir="rtl" start="3">\n<li>c</li>\n</ol>\n<blockquote dir="ltr"><p>q</p></blockquote>\n'
    '<div dir="rtl"><p dir="rtl">in a div</p></div>\n'
    '<div class="table-wrap"><table dir="rtl">\n<thead>\n<tr dir="rtl">\n<th dir="rtl">n</th>\n'
    '<th style="text-align:center" dir="ltr">w</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n'
    '<td dir="rtl" style="text-align:right">1</td>\n<td>a</td>\n</tr>\n</tbody>\n</table></div>',
    # A drawing with the size written in its embed.
    '<p><img src="epub-media/2.svg" alt="sketch" width="400"> '
    '<img src="epub-media/3.png" alt="" height="50%" width="30"></p>',
    # A formula no converter draws, shown as its TeX.
    '<p>water <code class="math-tex">\\ce{H2O}  &amp; x</code> and <code class="a  b">c</code></p>',
]


def _chapters(snippets: list[str]) -> list[str]:
    return [
        f'<h1 id="c{number}" class="note-title" epub:type="chapter">Chapter {number}</h1>\n'
        + snippet.replace("c-", f"c{number}-")
        + "\n"
        for number, snippet in enumerate(snippets)
    ]


def test_chapters_convert_to_what_pandoc_reads_from_their_html() -> None:
    """Every snippet converts (none is left to pandoc), to exactly pandoc's blocks for it."""
    sections = _chapters(SNIPPETS)
    read = pandoc_reads("<body>\n" + "".join(sections) + "</body>\n")
    expected = document._cut(read["blocks"], sections)
    for section, want in zip(sections, expected, strict=True):
        assert document.chapter_blocks(section) == want, section


def test_data_attributes_are_named_as_pandoc_names_them() -> None:
    """pandoc keeps ``data-src`` (``src`` is an HTML attribute) but reads ``data-player`` as
    ``player``: each name the converter knows, against pandoc's own reading."""
    names = sorted(document.DATA_DROPPED | document.DATA_KEPT)
    span = "<span " + " ".join(f'data-{name}="{i}"' for i, name in enumerate(names)) + ">t</span>"
    read = pandoc_reads(f"<body><p>{span}</p></body>")
    (para,) = read["blocks"]
    assert document.chapter_blocks(f"<p>{span}</p>") == [para]
    with pytest.raises(document._NotConvertible):
        document.chapter_blocks('<p><span data-unknown-to-us="1">t</span></p>')


def test_what_the_converter_does_not_know_is_left_to_pandoc() -> None:
    """MathML, figures or unusual attributes are not guessed at: pandoc reads those chapters,
    in one run for all of them, and the document is still pandoc's reading of the book."""
    odd = [
        '<p>a <math xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</mi></math> b</p>',
        '<p><img src="a.png" alt="styled" style="float: left"></p>',
        "<dl><dt>term</dt><dd>definition</dd></dl>",
    ]
    sections = _chapters([*SNIPPETS[:3], *odd, *SNIPPETS[3:6]])
    for section in sections[3 : 3 + len(odd)]:
        with pytest.raises(document._NotConvertible):
            document.chapter_blocks(section)
    reads: list[str] = []

    def read_html(html: str) -> dict[str, Any]:
        reads.append(html)
        return pandoc_reads(html)

    meta = [("author", "Someone"), ("subject", "one"), ("subject", "two"), ("lang", "en")]
    text = document.book_document("A  <Title>", meta, sections, pandoc.api_version(), read_html)
    assert len(reads) == 1 and all(s in reads[0] for s in sections[3 : 3 + len(odd)])
    head = "".join(f'<meta name="{n}" content="{v}">' for n, v in meta)
    whole = pandoc_reads(
        f"<html><head><title>A  &lt;Title&gt;</title>{head}</head><body>\n"
        + "".join(sections)
        + "</body></html>"
    )
    assert orjson.loads(text) == document.compacted(whole)


# the exporter ------------------------------------------------------------------------------


@dataclass
class Recorded:
    sources: list[Any]
    documents: list[bytes]
    runs: list[list[str]]
    path: Path


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    """The constructs vault, plus formulas and raw HTML pandoc must read itself, built once
    with the exporter's book source, pandoc's input and every pandoc run recorded."""
    root = constructs_vault(tmp_path_factory.mktemp("json-input") / "vault", "http://127.0.0.1:9")
    write_vault(
        root,
        {
            "formulas.md": note_text(
                "Formulas",
                "Inline $e^{i\\pi} + 1 = 0$ and a display:\n\n$$\\int_0^1 x\\,dx$$\n\n"
                'A sized picture: <img src="pic.png" width="40" alt="small">\n',
                note_id="230501MA01",
                created="2023-05-01",
            ),
            "spaces.md": note_text(
                "Spaces",
                "Text with *emphasis *and __strong__, ==mark==, `code  span`.\n\n"
                "```md\n- list\n\t- tabbed\n```\n",
                note_id="230502SP01",
                created="2023-05-02",
            ),
        },
        CONSTRUCTS_CONFIG,
    )
    recording = Recorded([], [], [], Path())
    original_source, original_run = epub_module.build_source, pandoc._run

    def build_source(*args: Any, **kwargs: Any) -> Any:
        built = original_source(*args, **kwargs)
        recording.sources.append(built)
        return built

    def run(options: list[str], inputs: dict[str, str | bytes], *args: Any) -> Any:
        recording.runs.append(options)
        for name, data in inputs.items():
            if name.endswith(".json"):
                recording.documents.append(data if isinstance(data, bytes) else data.encode())
        return original_run(options, inputs, *args)

    pandoc.api_version()  # asked once per process, before the build
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        patch.setattr(epub_module, "build_source", build_source)
        patch.setattr(pandoc, "_run", run)
        project = notepress.load_project(root, output=tmp_path_factory.mktemp("json-out"))
        report = project.build(["book"])
    (result,) = report.targets
    assert result.ok, result.error
    (recording.path,) = result.files
    yield recording


@pytest.mark.slow
def test_pandoc_is_given_json_once_per_book(recorded: Recorded) -> None:
    """One conversion run, reading JSON; one more reads the chapters the converter left."""
    inputs = [next(o for o in options if o.startswith("--from=")) for options in recorded.runs]
    assert inputs == ["--from=html+epub_html_exts", "--from=json"]
    assert "--to=epub3" in recorded.runs[1] and "--to=json" in recorded.runs[0]


@pytest.mark.slow
def test_the_json_is_pandocs_reading_of_the_books_html(recorded: Recorded) -> None:
    """Metadata, every chapter, footnotes, formulas, images, links and ids: the document
    pandoc was given is the one it would have read from the book's HTML."""
    (source,) = recorded.sources
    (given,) = recorded.documents
    assert "<math" in source.html and "data-callout" in source.html
    assert orjson.loads(given) == document.compacted(pandoc_reads(source.html))


@pytest.mark.slow
def test_the_book_from_json_is_the_book_from_html(recorded: Recorded, tmp_path: Path) -> None:
    """pandoc writes the same EPUB, byte for byte, from the JSON as from the HTML."""
    (source,) = recorded.sources
    (given,) = recorded.documents
    options = {
        "template": builtin_templates("epub") / "book.epub3",
        "split_level": source.split_level,
        "toc_depth": source.split_level,
        "epoch": EPOCH,
        "timeout": 120,
        "memory_mb": 2048,
    }
    from_html = pandoc.run_pandoc(source.html, reader="html", **options)  # type: ignore[arg-type]
    from_json = pandoc.run_pandoc(given, reader="json", **options)  # type: ignore[arg-type]
    assert from_json.epub == from_html.epub
    with zipfile.ZipFile(recorded.path) as archive:
        chapters = [name for name in archive.namelist() if name.endswith(".xhtml")]
        text = b"".join(archive.read(name) for name in chapters)
    assert b"<math" in text and b"footnote-back" in text


def test_metadata_is_what_pandoc_reads_from_the_head() -> None:
    """An empty title, spaces at the edges, a name given three times, a line break."""
    fields = [("subject", "a"), ("author", " x  y "), ("subject", "b"), ("subject", "c")]
    fields.append(("description", "two\nlines"))
    head = "".join(f'<meta name="{name}" content="{value}">' for name, value in fields)
    read = pandoc_reads(f"<html><head><title></title>{head}</head><body></body></html>")
    assert document.head_meta("", fields) == read["meta"]


def test_runs_of_words_and_spaces_become_one_word_node() -> None:
    """Within every list of inlines (in metadata, emphasis, links, notes, table cells), a
    run of words, spaces and soft breaks is one ``Str``; anything else stays a node."""

    def words(text: str) -> list[dict[str, Any]]:
        return document._text(text)

    emph = {"t": "Emph", "c": words("in  side")}
    link = {"t": "Link", "c": [["", [], []], words("a\nlink"), ["#x", ""]]}
    note = {"t": "Note", "c": [{"t": "Para", "c": words("noted here")}]}
    cell = [["", [], []], {"t": "AlignDefault"}, 1, 1, [{"t": "Plain", "c": words("c d")}]]
    table = {"t": "Table", "c": [["", [], []], [None, []], [], [["", [], []], []]]}
    table["c"].append([[["", [], []], 0, [], [[["", [], []], [cell]]]]])
    para = [*words("one two "), emph, *words(" three"), {"t": "LineBreak"}, link, note]
    doc = {
        "pandoc-api-version": [1, 23],
        "meta": {"title": {"t": "MetaInlines", "c": words("A title")}},
        "blocks": [
            {"t": "Header", "c": [1, ["h", [], []], words("Head ing")]},
            {"t": "Para", "c": para},
            table,
        ],
    }
    out = document.compacted(orjson.loads(orjson.dumps(doc)))

    def one(text: str) -> dict[str, Any]:
        return {"t": "Str", "c": text}

    assert out["meta"]["title"]["c"] == [one("A title")]
    assert out["blocks"][0]["c"][2] == [one("Head ing")]
    assert out["blocks"][1]["c"] == [
        one("one two "),
        {"t": "Emph", "c": [one("in side")]},
        one(" three"),
        {"t": "LineBreak"},
        {"t": "Link", "c": [["", [], []], [one("a link")], ["#x", ""]]},
        {"t": "Note", "c": [{"t": "Para", "c": [one("noted here")]}]},
    ]
    assert out["blocks"][2]["c"][4][0][3][0][1][0][4] == [{"t": "Plain", "c": [one("c d")]}]
