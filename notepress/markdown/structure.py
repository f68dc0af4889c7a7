"""What a rendered note holds, read from the sanitised tree once, when the note is rendered.

Exporters need more than HTML: the plain text (JSON-LD's ``articleBody``), the opening
paragraphs (a feed's summary), the images in reading order and every URL the note still
references.  All of it is read here from the tree of the sanitised HTML, so that it is
exactly what a reader of the output sees: text of comments, refused links and elements the
sanitiser removed (an ``<iframe>`` and its URL) is never reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

import lxml.etree
from lxml.html import HtmlElement

__all__ = ["Footnote", "Image", "Media", "Reading", "read_tree"]

#: Elements after which the plain text starts a new paragraph.
_PARAGRAPHS = frozenset(
    {
        "p",
        "div",
        "section",
        "blockquote",
        "pre",
        "table",
        "ul",
        "ol",
        "dl",
        "figure",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    }
)
#: Elements after which the plain text starts a new line.
_LINES = frozenset({"li", "tr", "br", "dt", "dd", "figcaption"})
_CELLS = frozenset({"td", "th"})
#: Elements without content or end tag: they break the text once, where they stand.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_URL_ATTRIBUTES = ("href", "src", "cite")
_SPACES = re.compile(r"\s+")
_BLANK_RUNS = re.compile(r"\n{3,}")
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Image:
    """An image the note shows, as written in the output."""

    src: str
    alt: str
    path: PurePosixPath | None
    """The vault attachment it shows, or None for an image on the web."""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Media:
    """An audio or video file the note plays, as written in the output."""

    src: str
    kind: str
    """``audio`` or ``video``."""
    media_type: str
    """Its MIME type, by its name (``audio/mpeg``)."""
    path: PurePosixPath | None
    """The vault attachment it plays, or None for a file on the web."""


@dataclass(frozen=True)
class Footnote:
    """One footnote of a note, whatever rule wrote it into the HTML."""

    number: int
    id: str
    """The element id of the footnote (``fn-1``, prefixed as the link style prefixes ids)."""
    html: str
    """The footnote's sanitised HTML, without back-references."""
    ref_ids: tuple[str, ...]
    """Ids of the places that call it, in order: where the ``list`` rule's back-references
    lead (the other rules write no back-references and give calls no ids)."""


@dataclass(frozen=True)
class Reading:
    urls: tuple[str, ...]
    """Every ``href``, ``src`` and ``cite`` left in the HTML, in document order."""
    images: tuple[tuple[str, str, int | None, int | None], ...]
    """``(src, alt, width, height)`` of each image, in reading order."""
    text: str
    """The body as plain text: paragraphs separated by a blank line."""
    paragraphs: tuple[str, ...]
    """Text of the top-level paragraphs (calls of footnotes left out), else of the top-level
    blocks other than the footnotes: what a summary is drawn from."""
    media: tuple[tuple[str, str], ...] = ()
    """``(tag, src)`` of each ``<audio>`` and ``<video>``, in reading order."""


def read_tree(root: HtmlElement) -> Reading:
    """Everything :class:`Reading` holds, in one walk of ``root`` (which it then edits)."""
    urls: list[str] = []
    images: list[tuple[str, str, int | None, int | None]] = []
    media: list[tuple[str, str]] = []
    text = _TextWriter()
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        if element is root:
            if event == "start":
                text.data(root.text)
            continue
        tag = element.tag
        if not isinstance(tag, str):  # a comment or processing instruction: no text
            if event == "end":
                text.data(element.tail)
            continue
        if event == "start":
            urls.extend(v for v in (element.get(a) for a in _URL_ATTRIBUTES) if v is not None)
            if tag == "img" and _is_formula(element):
                text.formula(_formula_text(element, element.get("alt")))
            elif tag == "img":
                if element.get("src"):
                    images.append(_image(element))
            else:
                if tag in ("audio", "video") and element.get("src"):
                    media.append((tag, element.get("src") or ""))
                text.start(tag, element.get("class"))
                if text.formula_depth == 1 and (tag == "math" or _is_formula(element)):
                    # A formula reads as its TeX, not as the letters of its MathML.
                    if tag == "math":
                        text.formula(_formula_text(element, element.get("alttext")))
                    else:  # the TeX itself, between its dollars
                        text.formula(element.text_content())
                text.data(element.text)
        else:
            if tag not in _VOID:
                text.end(tag)
            text.data(element.tail)
    return Reading(
        tuple(urls), tuple(images), text.result(), tuple(_paragraphs(root)), tuple(media)
    )


def _is_formula(element: HtmlElement) -> bool:
    """An image the renderer drew from TeX, or TeX it wrote as text (:mod:`.math`)."""
    return "math" in (element.get("class") or "").split()


def _formula_text(element: HtmlElement, tex: str | None) -> str:
    """A formula as written in the note: its TeX between dollars."""
    display = element.get("display") == "block" or "math-display" in (element.get("class") or "")
    dollars = "$$" if display else "$"
    return f"{dollars}{tex or ''}{dollars}"


def _image(element: HtmlElement) -> tuple[str, str, int | None, int | None]:
    return (
        element.get("src") or "",
        element.get("alt") or "",
        _size(element.get("width")),
        _size(element.get("height")),
    )


def _size(value: str | None) -> int | None:
    return int(value) if value is not None and _DIGITS.match(value) else None


class _TextWriter:
    """Plain text with paragraph and line breaks where blocks and lines end."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._skipped: list[bool] = []
        self._skip_depth = 0
        self._pre_depth = 0
        self._formulas: list[bool] = []
        self.formula_depth = 0
        """Inside a formula, whose text is written once, as TeX, where the formula starts."""

    def start(self, tag: str, classes: str | None) -> None:
        if tag == "a":
            # The footnote's way back to its reference is navigation, not text.
            skip = "footnote-backref" in (classes or "").split()
            self._skipped.append(skip)
            self._skip_depth += skip
        if tag in ("math", "span"):
            formula = tag == "math" or "math" in (classes or "").split()
            self._formulas.append(formula)
            self.formula_depth += formula
        if tag == "pre":
            self._pre_depth += 1
        self._break_before(tag)

    def end(self, tag: str) -> None:
        if tag == "a" and self._skipped:
            self._skip_depth -= self._skipped.pop()
        if tag in ("math", "span") and self._formulas:
            self.formula_depth -= self._formulas.pop()
        if tag == "pre" and self._pre_depth:
            self._pre_depth -= 1
        self._break_before(tag)

    def data(self, data: str | None) -> None:
        if not data or self._skip_depth:
            return
        if self.formula_depth:
            return
        self.parts.append(data if self._pre_depth else _SPACES.sub(" ", data))

    def formula(self, tex: str) -> None:
        """Write a formula's TeX as it is (spaces and line breaks included)."""
        if not self._skip_depth:
            self.parts.append(tex)

    def _break_before(self, tag: str) -> None:
        if tag in _PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag in _LINES:
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")

    def result(self) -> str:
        lines = [line.strip() for line in "".join(self.parts).split("\n")]
        return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def _paragraphs(root: HtmlElement) -> Iterator[str]:
    """Top-level paragraphs, so keyword rows, callout titles, tables and footnotes stay out
    of a summary; all top-level blocks but the footnotes when the note has no paragraph."""
    elements = [child for child in root if isinstance(child.tag, str)]
    for element in elements:
        for ref in element.find_class("footnote-ref"):
            # Emptied, not dropped: dropping joins each tail onto the text before it, which
            # is quadratic in a paragraph of many footnote calls.
            del ref[:]
            ref.text = None
    for element in elements:
        for formula in element.iter("math", "img"):
            if formula.tag == "math" or _is_formula(formula):
                tex = formula.get("alttext") if formula.tag == "math" else formula.get("alt")
                del formula[:]  # emptied like the calls above: dropping would be quadratic
                formula.text = _formula_text(formula, tex)
    paragraphs = [element for element in elements if element.tag == "p"]
    for element in paragraphs or [e for e in elements if e.tag != "section"]:
        yield element.text_content()
