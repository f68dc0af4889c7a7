"""Audio and video in the finished book: pandoc's HTML reader has no players, so the book's
HTML carries a placeholder ``<span>`` for each, and this module puts the player back.

Each placeholder becomes ``<audio controls>`` or ``<video controls>`` with its label inside
(what a reading system without players shows), and its file is added to the package with
its media type, once however often it is played.  The chapters are edited as XML (the
lxml tree :mod:`.chapters` parses once per chapter), never with patterns over text.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from lxml import etree

from .dom import text_before

__all__ = ["PLAYER_CLASS", "place_players"]

#: The class of the placeholder ``<span>`` (``data-player``: audio or video; ``data-src``:
#: the placeholder URL the media store handed out).
PLAYER_CLASS = "epub-player"

_XHTML = "{http://www.w3.org/1999/xhtml}"

PlayerHref = Callable[[str], "str | None"]


def place_players(root: etree._Element, folder: str, player_href: PlayerHref) -> None:
    """Replace the placeholders of the chapter ``root`` (in the package's ``folder``) by
    players of the file ``player_href`` gives a package href for (adding it once)."""
    spans = [
        span
        for span in root.iter(f"{_XHTML}span")
        if PLAYER_CLASS in (span.get("class") or "").split()
    ]
    for span in spans:
        href = player_href(span.get("data-src") or "")
        if href is None:  # nothing to play: the label stays, as text
            _unwrap(span)
            continue
        kind = "video" if span.get("data-player") == "video" else "audio"
        player = etree.Element(f"{_XHTML}{kind}")
        player.set("controls", "controls")
        player.set("src", posixpath.relpath(href, folder or "."))
        player.text, player.tail = span.text, span.tail
        player.extend(list(span))
        parent = span.getparent()
        if parent is not None:
            parent.replace(span, player)


def _unwrap(element: etree._Element) -> None:
    """Put the content of ``element`` (its text, children and tail) in its place."""
    parent = element.getparent()
    if parent is None:
        return
    position = parent.index(element)
    text, children, tail = element.text or "", list(element), element.tail or ""
    text_before(element, text if children else text + tail)
    parent.remove(element)
    for offset, child in enumerate(children):
        parent.insert(position + offset, child)
    if children:
        last = children[-1]
        last.tail = (last.tail or "") + tail
