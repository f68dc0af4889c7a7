"""Finish pandoc's EPUB: stylesheet, cover, landmarks, numbered notes, dates, a byte-stable ZIP.

Pandoc runs sandboxed and so reads no stylesheet or cover file; both are added here, as
structural edits of the package and navigation documents.  ``xml.dom.minidom`` is used
because it writes elements back with the prefixes the documents were written with (the OPF's
default namespace, ``dc:``, ``epub:``), which readers that match names literally expect.
The archive is then written again with fixed timestamps and permissions (``mimetype`` first
and stored, as EPUB requires), so the same book always gives the same bytes.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from xml.dom import minidom
from xml.parsers.expat import ExpatError

from notepress.errors import ExportError

from .chapters import PackageMedia, finish_chapter
from .pictures import IMAGE_SUFFIXES

__all__ = ["finish_epub"]

#: The span a ZIP entry's date can hold (MS-DOS time: 1980 to 2107, even seconds).
_EARLIEST_ZIP_TIME = datetime(1980, 1, 1, tzinfo=UTC)
_LATEST_ZIP_TIME = datetime(2107, 12, 31, 23, 59, 58, tzinfo=UTC)

CoverPage = Callable[[str, str], bytes]
"""Builds the cover page from the image's and the stylesheet's hrefs relative to it."""


def finish_epub(
    epub: bytes,
    *,
    stylesheet: bytes,
    cover: tuple[str, bytes] | None,
    cover_page: CoverPage | None,
    modified: datetime,
    players: Mapping[str, tuple[str, bytes]] | None = None,
    images: Mapping[str, tuple[str, bytes]] | None = None,
) -> bytes:
    """Pandoc's EPUB with our stylesheet, cover, landmarks, the images it shows and the audio
    and video it plays (``images``, ``players``: media type and bytes by placeholder),
    zipped reproducibly."""
    files = _read_zip(epub)
    opf_path = _opf_path(files)
    base = posixpath.dirname(opf_path)
    opf = _parse(files, opf_path)
    manifest = _only(opf, "manifest")
    spine = _only(opf, "spine")
    metadata = _only(opf, "metadata")

    css_href = _one_href(manifest, lambda item: item.getAttribute("media-type") == "text/css")
    files[posixpath.join(base, css_href)] = stylesheet
    nav_href = _one_href(manifest, lambda item: "nav" in item.getAttribute("properties").split())
    nav_path = posixpath.join(base, nav_href)
    nav = _parse(files, nav_path)
    landmarks: list[tuple[str, str, str]] = []

    if cover is not None and cover_page is not None:
        media_type, data = cover
        image_href = _free_href(manifest, "media/cover" + IMAGE_SUFFIXES[media_type])
        page_href = _free_href(manifest, "text/cover.xhtml")
        page_dir = posixpath.dirname(page_href)
        files[posixpath.join(base, image_href)] = data
        files[posixpath.join(base, page_href)] = cover_page(
            posixpath.relpath(image_href, page_dir), posixpath.relpath(css_href, page_dir)
        )
        cover_item = {"id": "cover-image", "href": image_href, "media-type": media_type}
        _add_item(opf, manifest, {**cover_item, "properties": "cover-image"})
        _add_item(
            opf,
            manifest,
            {"id": "cover-page", "href": page_href, "media-type": "application/xhtml+xml"},
        )
        spine.insertBefore(_element(opf, "itemref", {"idref": "cover-page"}), _first_element(spine))
        metadata.appendChild(_element(opf, "meta", {"name": "cover", "content": "cover-image"}))
        _add_guide(opf, "cover", "Cover", page_href)
        landmarks.append(("cover", "Cover", _relative(page_href, nav_href)))
    first_chapter = _first_bodymatter(files, base, manifest, spine)
    if first_chapter is not None:
        landmarks.append(("bodymatter", "Start of notes", _relative(first_chapter, nav_href)))

    chapters = [
        item.getAttribute("href")
        for item in _items(manifest)
        if item.getAttribute("media-type") == "application/xhtml+xml"
    ]
    media = PackageMedia(images or {}, players or {})
    edited: set[str] = set()
    for href in chapters:  # in the manifest's order, which numbers the images
        path = posixpath.join(base, href)
        if path in files and path != nav_path and path not in edited:
            edited.add(path)
            files[path] = finish_chapter(files[path], path, href, media)
    unlisted = PackageMedia({}, {})  # a page outside the manifest shows no media
    for name in files:
        if name.endswith(".xhtml") and name != nav_path and name not in edited:
            files[name] = finish_chapter(files[name], name, name, unlisted)
    for item, data in media.added():
        files[posixpath.join(base, item["href"])] = data
        _add_item(opf, manifest, item)
    _set_dates(opf, metadata, modified)
    _add_landmarks(nav, landmarks)
    files[opf_path] = _xml_bytes(opf)
    files[nav_path] = _xml_bytes(nav)
    return _write_zip(files, modified)


# reading -----------------------------------------------------------------------------------


def _read_zip(epub: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(epub)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    except zipfile.BadZipFile as exc:
        raise ExportError(f"pandoc wrote a damaged EPUB: {exc}") from None


def _parse(files: dict[str, bytes], path: str) -> minidom.Document:
    try:
        return minidom.parseString(files[path])
    except (KeyError, ExpatError) as exc:
        raise ExportError(f"pandoc's EPUB has no readable {path}: {exc}") from None


def _opf_path(files: dict[str, bytes]) -> str:
    container = _parse(files, "META-INF/container.xml")
    for rootfile in container.getElementsByTagName("rootfile"):
        path = rootfile.getAttribute("full-path")
        if path in files:
            return path
    raise ExportError("pandoc's EPUB names no package document")


def _only(document: minidom.Document, name: str) -> minidom.Element:
    found = document.getElementsByTagName(name)
    if len(found) != 1:
        raise ExportError(f"pandoc's package document has no single <{name}>")
    return found[0]


def _items(manifest: minidom.Element) -> list[minidom.Element]:
    return manifest.getElementsByTagName("item")


def _one_href(manifest: minidom.Element, accept: Callable[[minidom.Element], bool]) -> str:
    matches = [item for item in _items(manifest) if accept(item)]
    if len(matches) != 1:
        raise ExportError("pandoc's package document does not have the expected items")
    return matches[0].getAttribute("href")


def _first_element(parent: minidom.Element) -> minidom.Element | None:
    for node in parent.childNodes:
        if node.nodeType == node.ELEMENT_NODE:
            return node
    return None


def _first_bodymatter(
    files: dict[str, bytes], base: str, manifest: minidom.Element, spine: minidom.Element
) -> str | None:
    """The first page in reading order whose body is ``bodymatter``: where reading starts."""
    hrefs = {item.getAttribute("id"): item.getAttribute("href") for item in _items(manifest)}
    for itemref in spine.getElementsByTagName("itemref"):
        href = hrefs.get(itemref.getAttribute("idref"), "")
        path = posixpath.join(base, href)
        if not href.endswith(".xhtml") or path not in files:
            continue
        page = _parse(files, path)
        bodies = page.getElementsByTagName("body")
        if bodies and bodies[0].getAttribute("epub:type") == "bodymatter":
            return href
    return None


# editing -----------------------------------------------------------------------------------


def _element(document: minidom.Document, tag: str, attributes: dict[str, str]) -> minidom.Element:
    element = document.createElement(tag)
    for key, value in attributes.items():
        element.setAttribute(key, value)
    return element


def _add_item(
    document: minidom.Document, manifest: minidom.Element, attributes: dict[str, str]
) -> None:
    if any(item.getAttribute("id") == attributes["id"] for item in _items(manifest)):
        raise ExportError(f"pandoc's package document already has an item {attributes['id']!r}")
    manifest.appendChild(_element(document, "item", attributes))


def _free_href(manifest: minidom.Element, wanted: str) -> str:
    used = {item.getAttribute("href") for item in _items(manifest)}
    stem, dot, suffix = wanted.rpartition(".")
    candidate, counter = wanted, 1
    while candidate in used:
        counter += 1
        candidate = f"{stem}-{counter}{dot}{suffix}"
    return candidate


def _add_guide(opf: minidom.Document, kind: str, title: str, href: str) -> None:
    guides = opf.getElementsByTagName("guide")
    guide = guides[0] if guides else _only(opf, "package").appendChild(opf.createElement("guide"))
    reference = _element(opf, "reference", {"type": kind, "title": title, "href": href})
    guide.insertBefore(reference, _first_element(guide))


def _set_dates(opf: minidom.Document, metadata: minidom.Element, modified: datetime) -> None:
    """``dcterms:modified`` (and ``dc:date`` if pandoc left it empty) from the build's moment.

    Pandoc's sandbox has no clock, so it would write the Unix epoch.
    """
    stamp = modified.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for meta in metadata.getElementsByTagName("meta"):
        if meta.getAttribute("property") == "dcterms:modified":
            _set_text(opf, meta, stamp)
    for date in metadata.getElementsByTagName("dc:date"):
        if not _text(date).strip():
            _set_text(opf, date, stamp)


def _text(element: minidom.Element) -> str:
    return "".join(node.data for node in element.childNodes if node.nodeType == node.TEXT_NODE)


def _set_text(document: minidom.Document, element: minidom.Element, text: str) -> None:
    for node in list(element.childNodes):
        element.removeChild(node)
    element.appendChild(document.createTextNode(text))


def _add_landmarks(nav: minidom.Document, entries: list[tuple[str, str, str]]) -> None:
    """The cover before pandoc's title page and contents, the start of the notes after."""
    landmarks = [
        element
        for element in nav.getElementsByTagName("nav")
        if element.getAttribute("epub:type") == "landmarks"
    ]
    if len(landmarks) != 1:
        raise ExportError("pandoc's navigation document has no landmarks")
    lists = landmarks[0].getElementsByTagName("ol")
    listing = lists[0] if lists else landmarks[0].appendChild(nav.createElement("ol"))
    for kind, title, href in entries:
        item = nav.createElement("li")
        link = _element(nav, "a", {"href": href, "epub:type": kind})
        link.appendChild(nav.createTextNode(title))
        item.appendChild(link)
        if kind == "cover":
            listing.insertBefore(item, _first_element(listing))
        else:
            listing.appendChild(item)


def _xml_bytes(document: minidom.Document) -> bytes:
    """The document with its declaration, doctype and root element each on a line."""
    nodes = [node.toxml() for node in document.childNodes]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(nodes) + "\n").encode()


def _relative(href: str, from_href: str) -> str:
    return posixpath.relpath(href, posixpath.dirname(from_href) or ".")


# writing -----------------------------------------------------------------------------------


def _write_zip(files: dict[str, bytes], modified: datetime) -> bytes:
    """``mimetype`` stored first, then every file deflated with one fixed timestamp."""
    moment = min(max(modified.astimezone(UTC), _EARLIEST_ZIP_TIME), _LATEST_ZIP_TIME)
    date_time = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    names = ["mimetype", *(name for name in files if name != "mimetype")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                archive.writestr(info, b"application/epub+zip")
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()
