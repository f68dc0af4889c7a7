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
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from xml.dom import minidom

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

AddItem = Callable[[dict[str, str]], None]


def placeholder_warning(warning: str) -> bool:
    """pandoc's note that it could not fetch a placeholder: expected, not worth a warning."""
    return warning.startswith("Could not fetch resource") and PLACEHOLDER_FOLDER in warning


def place_images(
    files: dict[str, bytes],
    base: str,
    chapters: Iterable[str],
    images: Mapping[str, tuple[str, bytes]],
    add_item: AddItem,
    parse: Callable[[bytes], minidom.Document],
    serialise: Callable[[minidom.Document], bytes],
) -> None:
    """Point each placeholder ``<img>`` of ``chapters`` (hrefs relative to the package
    folder ``base``) at its image, added once to ``files`` and the manifest.

    ``images`` maps a placeholder to its media type and bytes; an ``<img>`` whose
    placeholder has none (it cannot happen: only loaded images keep one) becomes its alt text.
    """
    hrefs: dict[str, str] = {}
    marker = PLACEHOLDER_FOLDER.encode("ascii")
    for chapter in chapters:
        path = posixpath.join(base, chapter)
        if marker not in files.get(path, b""):
            continue
        folder = posixpath.dirname(chapter)
        document = parse(files[path])
        for img in list(document.getElementsByTagName("img")):
            src = img.getAttribute("src")
            placeholder = posixpath.normpath(posixpath.join(folder, src))
            if not placeholder.startswith(PLACEHOLDER_FOLDER):
                continue
            found = images.get(placeholder)
            if found is None:
                parent: Any = img.parentNode
                parent.insertBefore(document.createTextNode(img.getAttribute("alt")), img)
                parent.removeChild(img)
                continue
            href = hrefs.get(placeholder)
            if href is None:
                media_type, data = found
                number = len(hrefs) + 1
                href = hrefs[placeholder] = f"media/image-{number}{IMAGE_SUFFIXES[media_type]}"
                files[posixpath.join(base, href)] = data
                add_item({"id": f"image-{number}", "href": href, "media-type": media_type})
            img.setAttribute("src", posixpath.relpath(href, folder or "."))
        files[path] = serialise(document)
