"""Audio and video in the finished book: pandoc's HTML reader has no players, so the book's
HTML carries a placeholder ``<span>`` for each, and this module puts the player back.

Each placeholder becomes ``<audio controls>`` or ``<video controls>`` with its label inside
(what a reading system without players shows), and its file is added to the package with
its media type, once however often it is played.  The chapters are edited as XML
(``xml.dom.minidom``, as the rest of the package), never with patterns over text.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from xml.dom import minidom

__all__ = ["PLAYER_CLASS", "place_players"]

#: The class of the placeholder ``<span>`` (``data-player``: audio or video; ``data-src``:
#: the placeholder URL the media store handed out).
PLAYER_CLASS = "epub-player"

_FOLDER = "media/"

AddItem = Callable[[dict[str, str]], None]


def place_players(
    files: dict[str, bytes],
    base: str,
    chapters: Iterable[str],
    players: Mapping[str, tuple[str, bytes]],
    add_item: AddItem,
    parse: Callable[[bytes], minidom.Document],
    serialise: Callable[[minidom.Document], bytes],
) -> None:
    """Replace the placeholders in ``chapters`` (hrefs relative to the package folder
    ``base``) by players, and add each file played to ``files`` and the manifest."""
    hrefs: dict[str, str] = {}
    marker = PLAYER_CLASS.encode("ascii")
    for chapter in chapters:
        path = posixpath.join(base, chapter)
        if marker not in files.get(path, b""):
            continue
        document = parse(files[path])
        spans = [
            span
            for span in document.getElementsByTagName("span")
            if PLAYER_CLASS in span.getAttribute("class").split()
        ]
        for span in spans:
            src = span.getAttribute("data-src")
            found = players.get(src)
            if found is None:  # nothing to play: the label stays, as text
                _replace(span, list(span.childNodes))
                continue
            href = hrefs.get(src)
            if href is None:
                media_type, data = found
                href = hrefs[src] = f"{_FOLDER}player-{len(hrefs) + 1}{posixpath.splitext(src)[1]}"
                files[posixpath.join(base, href)] = data
                add_item({"id": f"player-{len(hrefs)}", "href": href, "media-type": media_type})
            kind = "video" if span.getAttribute("data-player") == "video" else "audio"
            player = document.createElement(kind)
            player.setAttribute("controls", "controls")
            player.setAttribute("src", posixpath.relpath(href, posixpath.dirname(chapter) or "."))
            for child in list(span.childNodes):
                player.appendChild(child)
            _replace(span, [player])
        files[path] = serialise(document)


def _replace(old: minidom.Element, new: list[Any]) -> None:
    parent: Any = old.parentNode
    for node in new:
        parent.insertBefore(node, old)
    parent.removeChild(old)
