"""Footnotes that work in every reader: each note shows its number, which leads back.

Pandoc writes an EPUB 3 note as ``<aside epub:type="footnote">`` holding only the note's
text: a reader with pop-up notes shows it at the call, but one without (or a reader that
shows asides in the flow) prints a list of unnumbered paragraphs at the end of the chapter
with no way back to the call.  No pandoc option adds the number (``--reference-location``
only moves the notes), so each chapter pandoc wrote gets it here: the note opens with its
call's number as a back-link (``role="doc-backlink"``) to the call.

Pandoc's chapters are XML (XHTML), edited with the same DOM as the package documents.
"""

from __future__ import annotations

from xml.dom import minidom
from xml.parsers.expat import ExpatError

from notepress.errors import ExportError

__all__ = ["number_footnotes"]

_NOTE_MARK = b"doc-footnote"


def number_footnotes(xhtml: bytes, name: str) -> bytes:
    """``xhtml`` (a chapter pandoc wrote) with each note numbered and linked to its call."""
    if _NOTE_MARK not in xhtml:
        return xhtml
    try:
        document = minidom.parseString(xhtml)
    except ExpatError as exc:
        raise ExportError(f"pandoc's EPUB has an unreadable chapter {name}: {exc}") from None
    calls: dict[str, tuple[str, str]] = {}
    for link in document.getElementsByTagName("a"):
        if "noteref" in link.getAttribute("epub:type").split() and link.getAttribute("id"):
            target = link.getAttribute("href").partition("#")[2]
            calls.setdefault(target, (link.getAttribute("id"), _text(link)))
    changed = False
    for aside in document.getElementsByTagName("aside"):
        if "footnote" not in aside.getAttribute("epub:type").split():
            continue
        call = calls.get(aside.getAttribute("id"))
        if call is None:
            continue
        _number(document, aside, *call)
        changed = True
    if not changed:
        return xhtml
    nodes = [node.toxml() for node in document.childNodes]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(nodes) + "\n").encode()


def _number(document: minidom.Document, aside: minidom.Element, ref_id: str, number: str) -> None:
    """Open the note with ``number.`` linking back to the call ``ref_id``."""
    back = document.createElement("a")
    back.setAttribute("href", "#" + ref_id)
    back.setAttribute("class", "footnote-back")
    back.setAttribute("role", "doc-backlink")
    back.appendChild(document.createTextNode(f"{number}."))
    first = next((n for n in aside.childNodes if n.nodeType == n.ELEMENT_NODE), None)
    if first is not None and first.tagName == "p":
        first.insertBefore(document.createTextNode(" "), first.firstChild)
        first.insertBefore(back, first.firstChild)
        return
    paragraph = document.createElement("p")
    paragraph.setAttribute("class", "footnote-number")
    paragraph.appendChild(back)
    aside.insertBefore(paragraph, first)


def _text(element: minidom.Element) -> str:
    parts = []
    for node in element.childNodes:
        if node.nodeType == node.TEXT_NODE:
            parts.append(node.data)
        elif node.nodeType == node.ELEMENT_NODE:
            parts.append(_text(node))
    return "".join(parts).strip()
