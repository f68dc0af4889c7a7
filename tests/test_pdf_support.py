"""Reading built PDFs back with pypdf: outline, contents page numbers, links, streams."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdf
from PIL import Image


def png_bytes(colour: str = "#3366aa", size: tuple[int, int] = (40, 24)) -> bytes:
    """A small real PNG, so that an embedded image is a real image XObject."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def reader(path: Path) -> pypdf.PdfReader:
    return pypdf.PdfReader(path)


def outline(pdf: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    """``(depth, title, page number from 1)`` of every bookmark, in order."""
    found: list[tuple[int, str, int]] = []

    def walk(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, pdf.get_destination_page_number(item) + 1))

    walk(pdf.outline, 0)
    return found


def page_texts(pdf: pypdf.PdfReader) -> list[str]:
    return [page.extract_text() or "" for page in pdf.pages]


def all_text(path: Path) -> str:
    return "\n".join(page_texts(reader(path)))


_TOC_LINE = re.compile(r"^(?P<title>.+?)\s*\.{3,}\s*(?P<page>\d+)\s*$")


def toc_entries(pdf: pypdf.PdfReader, page_index: int = 1) -> dict[str, int]:
    """Title to printed page number, read from the contents page's text."""
    entries = {}
    for line in page_texts(pdf)[page_index].splitlines():
        match = _TOC_LINE.match(line.strip())
        if match:
            entries[match["title"].strip()] = int(match["page"])
    return entries


def link_annotations(pdf: pypdf.PdfReader) -> list[dict[str, Any]]:
    """Every link annotation, with the page it sits on (from 1)."""
    links = []
    for number, page in enumerate(pdf.pages, start=1):
        for ref in page.get("/Annots") or []:
            annotation = ref.get_object()
            if annotation.get("/Subtype") == "/Link":
                links.append({"page": number, **annotation})
    return links


def destination_page(pdf: pypdf.PdfReader, link: dict[str, Any]) -> int | None:
    """The page (from 1) an internal link leads to, or None for an external link."""
    dest = link.get("/Dest")
    action = link.get("/A")
    if dest is None and action is not None and action.get("/S") == "/GoTo":
        dest = action.get("/D")
    if dest is None:
        return None
    if isinstance(dest, str):
        return pdf.get_destination_page_number(pdf.named_destinations[dest]) + 1
    return pdf.get_page_number(dest[0].get_object()) + 1


def uri_links(pdf: pypdf.PdfReader) -> list[str]:
    return [
        str(link["/A"]["/URI"])
        for link in link_annotations(pdf)
        if link.get("/A") is not None and link["/A"].get("/S") == "/URI"
    ]


def stream_data(pdf: pypdf.PdfReader) -> bytes:
    """Every stream of the file, decompressed: where a leaked file would hide."""
    chunks = []
    for number in range(1, int(pdf.trailer.get("/Size", 0))):
        try:
            item = pdf.get_object(number)
        except (KeyError, ValueError, pypdf.errors.PdfReadError):
            continue
        if isinstance(item, pypdf.generic.StreamObject):
            chunks.append(item.get_data())
    return b"\n".join(chunks)


def image_count(pdf: pypdf.PdfReader) -> int:
    """How many distinct images the document holds (pages may share their resources)."""
    found = set()
    for page in pdf.pages:
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        for ref in xobjects.values():
            if ref.get_object().get("/Subtype") == "/Image":
                found.add(ref.idnum if hasattr(ref, "idnum") else id(ref))
    return len(found)


def embedded_files(pdf: pypdf.PdfReader) -> list[str]:
    """Names of files embedded in the document or attached to annotations."""
    names = list(pdf.attachments)
    for link in _all_annotations(pdf):
        if link.get("/Subtype") == "/FileAttachment":
            names.append(str(link.get("/FS")))
    return names


def _all_annotations(pdf: pypdf.PdfReader) -> list[Any]:
    return [ref.get_object() for page in pdf.pages for ref in page.get("/Annots") or []]
