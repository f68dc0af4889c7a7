"""Images in the finished book: pandoc gets a placeholder URL for each, never the image.

pandoc's HTML reader holds an attribute as a list of characters, tens of bytes each: a
``data:`` URI costs it about a hundred bytes of memory and a second of CPU per megabyte of
image (a 5 MB photo: 4.7 s and 510 MB), so an archive with a few hundred photos needed
gigabytes.  The book's HTML therefore names each image by its media store placeholder
(``epub-media/3.png``); pandoc, sandboxed, cannot fetch it, keeps the ``<img>`` and says so.
Here each placeholder becomes a file of the package (``media/image-1.png``, numbered in
reading order) with its manifest item, and the ``src`` points at it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from lxml import etree

from .dom import text_before

__all__ = ["IMAGE_SUFFIXES", "PLACEHOLDER_FOLDER", "place_images", "placeholder_warning"]

#: Where the media store's placeholders point (relative to the book's HTML).
PLACEHOLDER_FOLDER = "epub-media/"
#: The file name suffix of each image type a book carries.
IMAGE_SUFFIXES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/svg+xml": ".svg",
}

_IMG = "{http://www.w3.org/1999/xhtml}img"

ImageHref = Callable[[str], "str | None"]


def placeholder_warning(warning: str) -> bool:
    """pandoc's note that it could not fetch a placeholder: expected, not worth a warning."""
    return warning.startswith("Could not fetch resource") and PLACEHOLDER_FOLDER in warning


def place_images(root: etree._Element, folder: str, image_href: ImageHref) -> None:
    """Point each placeholder ``<img>`` of the chapter ``root`` (in the package's ``folder``)
    at its image, whose package href ``image_href`` gives (adding it to the book once).

    An ``<img>`` whose placeholder has no image (it cannot happen: only loaded images keep
    one) becomes its alt text.
    """
    for img in list(root.iter(_IMG)):
        src = img.get("src") or ""
        placeholder = posixpath.normpath(posixpath.join(folder, src))
        if not placeholder.startswith(PLACEHOLDER_FOLDER):
            continue
        href = image_href(placeholder)
        if href is None:
            _replace_with_text(img, img.get("alt") or "")
            continue
        img.set("src", posixpath.relpath(href, folder or "."))


def _replace_with_text(element: etree._Element, text: str) -> None:
    """Put ``text`` where ``element`` was (its tail follows), and remove the element."""
    parent = element.getparent()
    if parent is None:
        return
    text_before(element, text + (element.tail or ""))
    parent.remove(element)
