"""Each chapter pandoc wrote is parsed once, edited once and written once.

Four edits touch the chapters: numbering footnotes (:mod:`.notes`), putting images in place
of their placeholders (:mod:`.pictures`) and players in place of theirs (:mod:`.players`),
and making each sized slash of a formula an operator (:func:`sized_operators`).
Each used to parse and write the chapters it edits on its own, the last two with
``xml.dom.minidom``, a tenth of lxml's speed: for a thousand notes with a hundred images
that was half a second of CPU, more than everything else finishing the book does.  Here a
chapter is parsed with lxml only when its bytes show one of the edits is due, all of them
are made on that one tree, and it is written once.

lxml writes a chapter as pandoc wrote it (the prefixes, the empty elements, the
declaration and doctype); only a straight quote in text, which minidom wrote as
``&quot;``, is now written as pandoc and lxml write it everywhere else, ``"``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from notepress.errors import ExportError

from .notes import NOTE_MARK, number_footnotes
from .pictures import IMAGE_SUFFIXES, PLACEHOLDER_FOLDER, place_images
from .players import PLAYER_CLASS, place_players

__all__ = ["PackageMedia", "finish_chapter", "sized_operators"]

_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_MI, _MO = f"{_MATHML}mi", f"{_MATHML}mo"
_SIZES = ("stretchy", "minsize", "maxsize")
#: A look at the bytes before any parse: an identifier with an operator's size.
_SIZED_IDENTIFIER = re.compile(rb"<mi [^>]*(?:stretchy|minsize|maxsize)=")

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_IMAGE_MARK = PLACEHOLDER_FOLDER.encode("ascii")
_PLAYER_MARK = PLAYER_CLASS.encode("ascii")


@dataclass
class PackageMedia:
    """The images and players the chapters show, each a file of the package once.

    Images are numbered in reading order (``media/image-1.png``), players too
    (``media/player-1.mp3``); :meth:`added` lists the new files and manifest items, the
    images first, as the package has always listed them.
    """

    images: Mapping[str, tuple[str, bytes]]
    players: Mapping[str, tuple[str, bytes]]
    _image_hrefs: dict[str, str] = field(default_factory=dict)
    _player_hrefs: dict[str, str] = field(default_factory=dict)
    _image_items: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    _player_items: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def image_href(self, placeholder: str) -> str | None:
        """The package href of the image behind ``placeholder``, or None if it has none."""
        return self._place("image", placeholder, self.images, self._image_hrefs, self._image_items)

    def player_href(self, src: str) -> str | None:
        """The package href of the audio or video behind ``src``, or None if it has none."""
        return self._place("player", src, self.players, self._player_hrefs, self._player_items)

    @staticmethod
    def _place(
        kind: str,
        key: str,
        files: Mapping[str, tuple[str, bytes]],
        hrefs: dict[str, str],
        items: list[tuple[dict[str, str], bytes]],
    ) -> str | None:
        """The href of the file ``files`` holds for ``key``, numbered in the order first
        placed, once however often it is shown."""
        href = hrefs.get(key)
        if href is not None:
            return href
        found = files.get(key)
        if found is None:
            return None
        media_type, data = found
        number = len(hrefs) + 1
        suffix = IMAGE_SUFFIXES[media_type] if kind == "image" else posixpath.splitext(key)[1]
        href = hrefs[key] = f"media/{kind}-{number}{suffix}"
        items.append(({"id": f"{kind}-{number}", "href": href, "media-type": media_type}, data))
        return href

    def added(self) -> list[tuple[dict[str, str], bytes]]:
        """Manifest items (id, href, media type) and bytes of every file placed so far."""
        return [*self._image_items, *self._player_items]


def finish_chapter(xhtml: bytes, path: str, href: str, media: PackageMedia) -> bytes:
    """The chapter at ``path`` (``href`` relative to the package folder) with its footnotes
    numbered and its images and players in place; the same bytes when nothing was due."""
    notes = NOTE_MARK in xhtml
    images = bool(media.images) and _IMAGE_MARK in xhtml
    players = bool(media.players) and _PLAYER_MARK in xhtml
    sized = _SIZED_IDENTIFIER.search(xhtml) is not None
    if not (notes or images or players or sized):
        return xhtml
    root = _parse(xhtml, path)
    changed = number_footnotes(root) if notes else False
    changed = sized_operators(root) or changed
    folder = posixpath.dirname(href)
    if images:
        place_images(root, folder, media.image_href)
    if players:
        place_players(root, folder, media.player_href)
    if not (changed or images or players):
        return xhtml
    body = etree.tostring(root.getroottree(), encoding="UTF-8", doctype="<!DOCTYPE html>")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"


def sized_operators(root: etree._Element) -> bool:
    """pandoc's MathML writer makes a sized slash (``\\big/``) an identifier with an
    operator's size attributes, ``<mi stretchy="true" minsize=...>``, which MathML (and so
    epubcheck) refuses; a sized character is an operator: ``<mo>``, as pandoc writes a sized
    bracket.  Whether anything changed."""
    changed = False
    for element in root.iter(_MI):
        if any(name in element.attrib for name in _SIZES):
            element.tag = _MO
            changed = True
    return changed


def _parse(xhtml: bytes, path: str) -> etree._Element:
    try:
        return etree.fromstring(xhtml, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ExportError(f"pandoc's EPUB has an unreadable chapter {path}: {exc}") from None
