"""A small EPUB reader: the book's chapters in reading order, each file read from the zip.

Only names the zip lists are ever served, compared as they are written in the book, so a
request cannot reach outside the book or the book outside its folder.
"""

from __future__ import annotations

import mimetypes
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

__all__ = ["Book", "Chapter", "read_book", "read_member"]

_CONTAINER = "META-INF/container.xml"
_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CONTAINER_NS = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_XHTML = "{http://www.w3.org/1999/xhtml}"
_TYPES = {
    ".xhtml": "application/xhtml+xml",
    ".html": "text/html",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".ncx": "application/x-dtbncx+xml",
    ".opf": "application/oebps-package+xml",
}


@dataclass(frozen=True)
class Chapter:
    href: str
    """The chapter's name inside the zip."""
    title: str


@dataclass(frozen=True)
class Book:
    title: str
    chapters: tuple[Chapter, ...]


def _xml(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    return etree.fromstring(data, parser)


def read_book(path: Path) -> Book:
    """The title and the spine of the EPUB at ``path`` (``zipfile.BadZipFile`` or
    ``KeyError`` when it is not an EPUB)."""
    with zipfile.ZipFile(path) as book:
        container = _xml(book.read(_CONTAINER))
        rootfile = container.find(f".//{_CONTAINER_NS}rootfile")
        if rootfile is None:
            raise KeyError("no rootfile in META-INF/container.xml")
        opf_name = rootfile.get("full-path", "")
        opf = _xml(book.read(opf_name))
        base = posixpath.dirname(opf_name)
        manifest = {item.get("id"): item.get("href", "") for item in opf.iter(f"{_OPF}item")}
        names = set(book.namelist())
        chapters = []
        for itemref in opf.iter(f"{_OPF}itemref"):
            href = manifest.get(itemref.get("idref"))
            if not href:
                continue
            name = posixpath.normpath(posixpath.join(base, href.split("#")[0]))
            if name in names:
                chapters.append(Chapter(name, _chapter_title(book.read(name)) or name))
        title = opf.findtext(f".//{_DC}title") or path.name
        return Book(title, tuple(chapters))


def _chapter_title(data: bytes) -> str:
    try:
        page = _xml(data)
    except etree.XMLSyntaxError:
        return ""
    if page is None:
        return ""
    for tag in ("h1", "h2", "title"):
        found = page.find(f".//{_XHTML}{tag}")
        if found is not None:
            text = "".join(found.itertext()).strip()
            if text:
                return text
    return ""


def read_member(path: Path, name: str) -> tuple[bytes, str] | None:
    """The bytes and media type of the file ``name`` in the book, or None if it has none."""
    with zipfile.ZipFile(path) as book:
        if name not in set(book.namelist()) or name.endswith("/"):
            return None
        data = book.read(name)
    suffix = posixpath.splitext(name)[1].lower()
    kind = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return data, kind
