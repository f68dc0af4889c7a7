"""Footnotes that work in every reader: each note shows its number, which leads back.

Pandoc writes an EPUB 3 note as ``<aside epub:type="footnote">`` holding only the note's
text: a reader with pop-up notes shows it at the call, but one without (or a reader that
shows asides in the flow) prints a list of unnumbered paragraphs at the end of the chapter
with no way back to the call.  No pandoc option adds the number (``--reference-location``
only moves the notes), so each chapter pandoc wrote gets it here: the note opens with its
call's number as a back-link (``role="doc-backlink"``) to the call.

Nearly every chapter of a book of notes has footnotes, so each is edited here on the lxml
tree :mod:`.chapters` parses once per chapter (``xml.dom.minidom`` took ten times as long),
which keeps the chapter's namespace prefixes as pandoc wrote them.
"""

from __future__ import annotations

from lxml import etree

__all__ = ["NOTE_MARK", "number_footnotes"]

#: In a chapter's bytes whenever it has a footnote (pandoc's ``role="doc-footnote"``).
NOTE_MARK = b"doc-footnote"
_XHTML = "{http://www.w3.org/1999/xhtml}"
_EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def number_footnotes(root: etree._Element) -> bool:
    """Number each note of the chapter ``root`` and link it to its call; whether any was."""
    calls: dict[str, tuple[str, str]] = {}
    for link in root.iter(f"{_XHTML}a"):
        if "noteref" in (link.get(_EPUB_TYPE) or "").split() and link.get("id"):
            target = (link.get("href") or "").partition("#")[2]
            calls.setdefault(target, (link.get("id") or "", "".join(link.itertext()).strip()))
    changed = False
    for aside in root.iter(f"{_XHTML}aside"):
        if "footnote" not in (aside.get(_EPUB_TYPE) or "").split():
            continue
        call = calls.get(aside.get("id") or "")
        if call is None:
            continue
        _number(aside, *call)
        changed = True
    return changed


def _number(aside: etree._Element, ref_id: str, number: str) -> None:
    """Open the note with ``number.`` linking back to the call ``ref_id``."""
    back = etree.Element(
        f"{_XHTML}a", {"href": "#" + ref_id, "class": "footnote-back", "role": "doc-backlink"}
    )
    back.text = f"{number}."
    first = next((child for child in aside if isinstance(child.tag, str)), None)
    if first is not None and first.tag == f"{_XHTML}p":
        back.tail = " " + (first.text or "")
        first.text = None
        first.insert(0, back)
        return
    paragraph = etree.Element(f"{_XHTML}p", {"class": "footnote-number"})
    paragraph.append(back)
    if first is None:
        aside.append(paragraph)
    else:
        first.addprevious(paragraph)
