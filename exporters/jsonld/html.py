"""HTML in and out of the JSON-LD exporter: reading a rendered note, writing a script element.

A note's rendered HTML is already sanitised, so reading it with the standard library's parser
is enough to get its plain text (for ``articleBody``) and its images in order (for
``image``).  Going through the rendered HTML rather than the markdown means comments, drafts
and unpublished links are already gone, exactly as in every other output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

__all__ = ["BodyText", "read_body", "script_element", "to_json"]

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
_SPACES = re.compile(r"\s+")
_BLANK_RUNS = re.compile(r"\n{3,}")

#: What a JSON text inside ``<script>`` must not contain literally.  ``<`` alone covers
#: ``</script>`` and ``<!--``; ``>`` and ``&`` are escaped too so that the text is also safe
#: in XHTML and for tools that unescape entities; U+2028/U+2029 for old JavaScript parsers.
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")
#: Template delimiters (``{{ }}``, ``{% %}``, ``{# #}``): Jinja, Nunjucks, Liquid and Go
#: templates would run them when a site includes the snippet.  Only strings can hold them,
#: since the indented JSON never puts a brace next to another brace, ``%`` or ``#``.
_TEMPLATE_OPEN = re.compile(r"\{(?=[{%#])")
_TEMPLATE_CLOSE = re.compile(r"(?<=[}%#])\}")


@dataclass(frozen=True)
class BodyText:
    text: str
    """The body as plain text: paragraphs separated by a blank line."""
    images: tuple[str, ...]
    """``src`` of every image, in reading order."""


class _BodyReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images: list[str] = []
        self._skipped: list[bool] = []
        self._skip_depth = 0
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img":
            if attributes.get("src"):
                self.images.append(attributes["src"] or "")
            return
        if tag == "a":
            # The footnote's way back to its reference is navigation, not text.
            skip = "footnote-backref" in (attributes.get("class") or "").split()
            self._skipped.append(skip)
            self._skip_depth += skip
        if tag == "pre":
            self._pre_depth += 1
        self._break_before(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._skipped:
            self._skip_depth -= self._skipped.pop()
        if tag == "pre" and self._pre_depth:
            self._pre_depth -= 1
        self._break_before(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        self.parts.append(data if self._pre_depth else _SPACES.sub(" ", data))

    def _break_before(self, tag: str) -> None:
        if tag in _PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag in _LINES:
            self.parts.append("\n")
        elif tag in _CELLS:
            self.parts.append(" ")

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.parts).split("\n")]
        return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def read_body(html: str) -> BodyText:
    """The plain text and the image sources of a rendered note."""
    reader = _BodyReader()
    reader.feed(html)
    reader.close()
    return BodyText(reader.text(), tuple(reader.images))


def to_json(document: Any) -> str:
    """The one serialisation every file uses: sorted keys, two-space indent, real UTF-8."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def script_element(json_text: str) -> str:
    """``<script type="application/ld+json">`` holding ``json_text``, safe to paste in a page.

    Inside ``<script>`` HTML ends the element at the first ``</script`` whatever the JSON
    says, so the characters that could start markup are written as JSON escapes, and so are
    the braces of template delimiters, so that a template engine can include the file as it
    is: a JSON parser reads the same strings back.
    """
    text = _SCRIPT_UNSAFE.sub(lambda m: _SCRIPT_ESCAPES[m.group(0)], json_text)
    text = _TEMPLATE_CLOSE.sub(r"\\u007d", _TEMPLATE_OPEN.sub(r"\\u007b", text))
    return f'<script type="application/ld+json">\n{text}</script>\n'
