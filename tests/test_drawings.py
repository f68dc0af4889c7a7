"""Drawings exported with web fonts (every Excalidraw export) reach every output, their
``@font-face`` rules taken out: the text is drawn in a local face, the drawing is kept."""

from __future__ import annotations

import base64
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from pypdf import PdfReader

import notepress
from notepress.assets import safe_svg, svg_is_safe

from .conftest import note_text, write_vault

#: A drawing of my own in the shape Excalidraw exports: its hand-drawn fonts named by URL.
DRAWING = b"""<svg version="1.1" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60"
 width="120" height="60">
  <!-- svg-source:excalidraw -->
  <defs>
    <style class="style-fonts">
      @font-face { font-family: "Virgil"; src: url("https://drawings.example.com/Virgil.woff2"); }
      @font-face { font-family: "Cascadia"; src: url(data:font/woff2;base64,d09GMgABAAAAAA); }
      .label { fill: #1e1e1e; }
    </style>
  </defs>
  <rect x="0" y="0" width="120" height="60" fill="#ffffff"/>
  <path d="M10 10 L110 50" stroke="#1e1e1e" stroke-width="2" fill="none"/>
  <text class="label" x="10" y="40" font-family="Virgil, Segoe UI Emoji">kettle</text>
</svg>
"""


def test_a_drawing_is_carried_without_its_font_files() -> None:
    assert not svg_is_safe(DRAWING)  # it would load a font from the web
    carried = safe_svg(DRAWING)
    assert carried is not None and svg_is_safe(carried)
    assert b"url(" not in carried and b"font-face" not in carried
    for kept in (b".label { fill: #1e1e1e; }", b'<path d="M10 10 L110 50"', b">kettle</text>"):
        assert kept in carried
    assert safe_svg(carried) == carried  # a safe SVG is carried as it is


@pytest.mark.parametrize(
    "extra",
    [
        b"<script>alert(1)</script>",
        b'<image href="https://example.net/x.png"/>',
        b'<style>@import url("https://example.net/s.css");</style>',
        b'<rect style="fill: url(https://example.net/p.svg#a)"/>',
    ],
)
def test_a_drawing_that_loads_more_than_fonts_is_still_refused(extra: bytes) -> None:
    assert safe_svg(DRAWING.replace(b"</svg>", extra + b"</svg>")) is None


#: A diagram in the shape draw.io exports: each label an HTML ``<div>`` in a
#: ``<foreignObject>``, with a ``<text>`` for readers without HTML in SVG, in a ``<switch>``.
DIAGRAM = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
 width="160" height="60" viewBox="0 0 160 60">
  <rect x="1" y="1" width="70" height="40" fill="#dae8fc" stroke="#6c8ebf"/>
  <switch>
    <foreignObject x="6" y="12" width="60" height="20"
     requiredFeatures="http://www.w3.org/TR/SVG11/feature#Extensibility">
      <div xmlns="http://www.w3.org/1999/xhtml" style="font-size: 12px">queue</div>
    </foreignObject>
    <text x="36" y="26" font-size="12px" text-anchor="middle">queue</text>
  </switch>
  <switch>
    <g requiredFeatures="http://www.w3.org/TR/SVG11/feature#Extensibility"/>
    <a transform="translate(0,-5)" xlink:href="https://diagrams.example.com/help">
      <text x="50%" y="100%" font-size="10px">Text is not SVG</text>
    </a>
  </switch>
</svg>
"""


def test_a_diagram_is_carried_with_its_labels_as_text() -> None:
    """Its HTML labels are left out and their ``<text>`` twins drawn, as a reader without
    HTML in SVG draws them: every draw.io drawing of a vault was left out."""
    assert not svg_is_safe(DIAGRAM)
    carried = safe_svg(DIAGRAM)
    assert carried is not None and svg_is_safe(carried)
    assert b"foreignObject" not in carried and b"<div" not in carried
    assert b">queue</text>" in carried and b'<rect x="1"' in carried


@pytest.mark.parametrize(
    "svg",
    [
        # HTML with nothing to fall back on.
        DIAGRAM.replace(b"<switch>", b"<g>", 1).replace(b"</switch>", b"</g>", 1),
        # A switch whose only choice is HTML.
        DIAGRAM.replace(b'<text x="36"', b'<!-- <text x="36"', 1).replace(
            b"queue</text>", b"queue</text> -->", 1
        ),
    ],
    ids=["no-switch", "no-fallback"],
)
def test_html_in_a_drawing_without_a_fallback_is_still_refused(svg: bytes) -> None:
    assert safe_svg(svg) is None


def _with_image(svg: bytes, inner: bytes, *, encode: str = "base64") -> bytes:
    if encode == "base64":
        url = "data:image/svg+xml;base64," + base64.b64encode(inner).decode()
    else:
        url = "data:image/svg+xml;charset=utf-8," + quote(inner.decode())
    return svg.replace(b"</svg>", f'<image href="{url}" width="9" height="9"/></svg>'.encode())


FORMULA = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><path d="M0 0h9"/></svg>'


@pytest.mark.parametrize("encode", ["base64", "percent"])
def test_a_drawing_may_hold_a_safe_svg_inside_it(encode: str) -> None:
    """Excalidraw keeps each formula of a sketch as an SVG inside it, in a data: URL."""
    carried = safe_svg(_with_image(DRAWING, FORMULA, encode=encode))
    assert carried is not None and b"data:image/svg+xml" in carried


@pytest.mark.parametrize(
    "inner",
    [
        FORMULA.replace(b"</svg>", b"<script>alert(1)</script></svg>"),
        FORMULA.replace(b"</svg>", b'<image href="https://example.net/x.png"/></svg>'),
        b"not xml",
    ],
)
def test_an_svg_inside_a_drawing_must_be_safe_itself(inner: bytes) -> None:
    assert safe_svg(_with_image(DRAWING, inner)) is None


def test_svgs_inside_svgs_are_followed_four_levels_deep_and_no_further() -> None:
    nested = FORMULA
    for _ in range(4):
        nested = _with_image(FORMULA, nested)
    assert svg_is_safe(nested)
    assert not svg_is_safe(_with_image(FORMULA, nested))


CONFIG = """\
[site]
title = "Sketches"
url = "https://notes.example.org/"

[targets.news]
exporter = "feed"

[targets.print]
exporter = "pdf"
group = "all"

[targets.book]
exporter = "epub"
"""


@pytest.mark.slow
def test_every_output_shows_the_drawing(tmp_path: Path) -> None:
    vault = write_vault(
        tmp_path / "vault",
        {
            "Kettle.md": note_text(
                "Kettle", "The kettle:\n\n![[kettle.excalidraw.svg]]\n", note_id="240301KE01"
            ),
            "kettle.excalidraw.svg": DRAWING,
        },
        CONFIG,
    )
    report = notepress.load_project(vault, output=tmp_path / "out").build()
    assert all(target.ok for target in report.targets), report.targets
    codes = [p.code for p in report.problems] + [
        p.code for target in report.targets for p in target.problems
    ]
    assert not {"asset-refused", "pdf-refused", "pdf-render", "epub-image"} & set(codes), codes
    copied = tmp_path / "out" / "news" / "assets" / "kettle.excalidraw.svg"
    assert copied.read_bytes() == safe_svg(DRAWING)
    assert "assets/kettle.excalidraw.svg" in (tmp_path / "out" / "news" / "atom.xml").read_text()
    with zipfile.ZipFile(tmp_path / "out" / "book" / "book.epub") as book:
        drawings = [n for n in book.namelist() if n.startswith("EPUB/media/image")]
        assert [book.read(n) for n in drawings] == [safe_svg(DRAWING)]
    text = "".join(
        page.extract_text() for page in PdfReader(tmp_path / "out/print/digest.pdf").pages
    )
    assert "kettle" in text.split("The kettle:", 1)[1]


@pytest.mark.parametrize("hint", ["center", "100%", "center 100%", "600", " 70%"])
def test_a_drawing_embedded_with_a_placement_shows_its_name_not_the_placement(
    tmp_path: Path, hint: str
) -> None:
    """What follows the bar of a drawing's embed is the drawing plugin's placement and size
    (``|center 100%``): where the drawing is not shown, its name stands there, as for
    ``|600``; the placement was printed as a paragraph of its own."""
    from notepress.markdown import UrlLinks, render_note
    from notepress.vault import load_vault

    root = write_vault(
        tmp_path / "vault",
        {
            "Pumps.md": note_text(
                "Pumps",
                f"The sketch:\n\n![[Pump room.excalidraw|{hint}]]\n\n"
                f"And as a file: ![[Valve.excalidraw|{hint}]]\n",
            ),
            "Pump room.excalidraw.md": "---\nexcalidraw-plugin: parsed\n---\n# Text Elements\n",
            "Valve.excalidraw": "{}\n",
        },
    )
    vault = load_vault(root)
    note = next(n for n in vault.notes if n.title == "Pumps")
    html = render_note(note, vault, UrlLinks(lambda n: "https://x.example/", None)).html
    assert "<p>Pump room.excalidraw</p>" in html
    assert "And as a file: Valve.excalidraw</p>" in html
    assert hint.strip() not in html
