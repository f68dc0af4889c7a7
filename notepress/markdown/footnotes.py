"""How footnotes are written: one rule per kind of output, chosen next to the link style.

``list``
    Calls are superscript numbers; the notes follow the text as a numbered list with a way
    back to each call.  Screens, feeds, metadata.
``inline``
    Each note stands at its first call as ``<span class="footnote">``, its blocks written as
    classed spans so that it may sit inside a paragraph; later calls are plain numbers.  A
    print stylesheet floats these spans to the foot of the page (``float: footnote``).
``endnotes``
    Calls are ``<a epub:type="noteref">`` and the notes ``<aside epub:type="footnote">``
    after the text: the form pandoc reads as real notes of an e-book.

The renderer writes each note's text once (:func:`footnote_bodies`) and the rule decides
where it goes, so no output has to undo another output's footnotes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from lxml.html import HtmlElement
from markdown_it.token import Token

from .tree import html_tree, inner_html

__all__ = ["FOOTNOTE_RULES", "FootnoteRule", "footnote_bodies", "phrasing", "without_footnotes"]

FootnoteRule = Literal["list", "inline", "endnotes"]
FOOTNOTE_RULES: tuple[FootnoteRule, ...] = ("list", "inline", "endnotes")

#: Elements that may sit inside a paragraph; anything else in an inline note becomes a span.
_PHRASING = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "br",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "i",
        "img",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
        "wbr",
    ]
)


def without_footnotes(tokens: Sequence[Token]) -> list[Token]:
    """The tokens of the text alone, the block of footnote definitions left out."""
    result = []
    inside = False
    for token in tokens:
        if token.type == "footnote_block_open":
            inside = True
        elif token.type == "footnote_block_close":
            inside = False
        elif not inside:
            result.append(token)
    return result


def footnote_bodies(tokens: Sequence[Token]) -> dict[int, list[Token]]:
    """The block tokens of each footnote's text by its number, back-references left out."""
    bodies: dict[int, list[Token]] = {}
    current: list[Token] | None = None
    for token in tokens:
        if token.type == "footnote_open":
            current = bodies.setdefault(token.meta["id"] + 1, [])
        elif token.type == "footnote_close":
            current = None
        elif current is not None and token.type != "footnote_anchor":
            current.append(token)
    return bodies


def phrasing(html: str) -> str:
    """A footnote's sanitised HTML as content that may stand inside a paragraph.

    A note of one paragraph gives that paragraph's content; in a longer one every element
    that may not sit in a paragraph becomes a ``span`` classed ``fn-block fn-<tag>``.
    """
    root = html_tree(html)
    blocks = [child for child in root if isinstance(child.tag, str)]
    if len(blocks) == 1 and blocks[0].tag == "p" and not (root.text or "").strip():
        source = blocks[0]
    else:
        source = root
    for element in source.iter():
        # A formula is phrasing content as a whole: its MathML stays as it is.  (Asked of
        # the tree, not by ``id()``: lxml's element proxies come and go, and their ids are
        # reused.)
        if element.tag == "math" or next(element.iterancestors("math"), None) is not None:
            continue
        if element is not source and isinstance(element.tag, str) and element.tag not in _PHRASING:
            element.set("class", f"fn-block fn-{element.tag} {element.get('class') or ''}".strip())
            element.tag = "span"
    _strip_trailing_space(source)
    return inner_html(source)


def _strip_trailing_space(element: HtmlElement) -> None:
    """No space at the end of the note, where the call's number follows in print."""
    last = element[-1] if len(element) else None
    if last is None:
        element.text = (element.text or "").rstrip()
    elif last.tail is not None:
        last.tail = last.tail.rstrip()
    elif len(last):
        _strip_trailing_space(last)
    else:
        last.text = (last.text or "").rstrip() if last.text else last.text
