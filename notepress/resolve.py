"""Finding the file a link names, by Obsidian's rules, through dict indexes built once.

Obsidian (``MetadataCache.getFirstLinkpathDest``) reads the text of a link as a path:

* ``/Folder/x`` is a path from the vault root;
* ``./x`` and ``../Folder/x`` are paths from the folder of the note that holds the link;
* any other text is first a path from the vault root (``Folder/x``), then from the note's
  folder, then the end of a path: ``x`` or ``Folder/x`` names every file whose path ends
  with it, and when several do, Obsidian takes the one in the note's own folder, else the
  one nearest the vault root (then the first by path, to stay deterministic).

Notes are found with or without ``.md``; attachments by their full name.  Names are
compared case-insensitively and Unicode-normalised (NFC), so a file name written in NFD, as
macOS writes them, matches a link typed in NFC.  Each lookup costs a few dict probes plus
the files sharing the link's last name, never a walk over the vault.
"""

from __future__ import annotations

import functools
import posixpath
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Generic, TypeVar

from .slugs import lookup_key

__all__ = ["DRAWINGS", "NOT_NOTES", "Found", "PathIndex", "folder_key", "view_kind"]

T = TypeVar("T")

#: Excalidraw's drawings, whose embed's words after the bar (``|center 100%``, ``|600``)
#: are the drawing plugin's placement and size, never a label.
DRAWINGS = (".excalidraw", ".excalidraw.md")
#: Files that are Obsidian views or drawings, not notes: never published, and a link or an
#: embed of one is written as its text.  Obsidian draws them; as raw files they show a
#: reader nothing but their source (a view's filters, a canvas's cards and the paths of the
#: notes it lays out, private ones too).
NOT_NOTES = (".base", ".canvas", *DRAWINGS)

_RELATIVE = ("./", "../")


def view_kind(path: PurePosixPath) -> str | None:
    """What Obsidian view or drawing the file at ``path`` is, in words; None for any other
    file."""
    name = path.name.lower()
    if not name.endswith(NOT_NOTES):
        return None
    if name.endswith(".base"):
        return "Bases view"
    return "Excalidraw drawing" if name.endswith(DRAWINGS) else "canvas"


@dataclass(frozen=True)
class Found(Generic[T]):
    """What a link names: the file Obsidian opens, and the files it could mean."""

    item: T | None
    candidates: tuple[T, ...] = ()
    """The item and, when the link's name is shared, the next one in Obsidian's order: two
    are enough to name in a warning, and a longer tuple would cost each link the number of
    files sharing its name."""
    count: int = 0
    """How many files the link could mean."""

    @property
    def ambiguous(self) -> bool:
        return self.count > 1


class PathIndex(Generic[T]):
    """Items (notes or attachments) by their vault path, looked up as Obsidian looks up links.

    ``strip_md``: the items are notes, whose ``.md`` is optional in a link.
    """

    def __init__(self, items: Iterable[tuple[PurePosixPath, T]], *, strip_md: bool) -> None:
        self._strip_md = strip_md
        self._by_path: dict[str, T] = {}
        self._by_name: dict[str, list[tuple[str, T]]] = defaultdict(list)
        for path, item in items:
            key = self._key(path.as_posix())
            if key is None or key in self._by_path:
                continue
            self._by_path[key] = item
            self._by_name[key.rpartition("/")[2]].append((key, item))
        # Obsidian's order among files of one name (the note's own folder aside, which a
        # lookup finds as a relative path first): the nearest the root, then by path.
        for bucket in self._by_name.values():
            if len(bucket) > 1:
                bucket.sort(key=lambda entry: (entry[0].count("/"), entry[0]))

    def swapped(self, swap: dict[int, T]) -> PathIndex[T]:
        """This index with each item whose ``id`` is a key of ``swap`` replaced by its value,
        which must have the same path: the keys and their order stay as they are, and only
        the entries that change are copied."""
        index: PathIndex[T] = object.__new__(PathIndex)
        index._strip_md = self._strip_md
        index._by_path = dict(self._by_path)
        index._by_name = defaultdict(list, self._by_name)
        for key, item in self._by_path.items():
            new = swap.get(id(item))
            if new is None:
                continue
            index._by_path[key] = new
            name = key.rpartition("/")[2]
            index._by_name[name] = [
                (known, new if known == key else found) for known, found in index._by_name[name]
            ]
        return index

    def find(self, written: str, folder: str = "") -> Found[T]:
        """The item ``written`` names from a note in ``folder`` (a :func:`folder_key`)."""
        text = written.strip()
        if not text:
            return Found(None)
        if text.startswith("/"):
            return self._exact(self._key(text.lstrip("/")))
        if text.startswith(_RELATIVE) or text in (".", ".."):
            return self._exact(self._key(posixpath.join(folder, text)))
        key = self._key(text)
        if key is None:
            return Found(None)
        found = self._exact(key)
        if found.item is None and folder:
            found = self._exact(self._key(posixpath.join(folder, text)))
        if found.item is not None:
            return found
        return self._by_ending(key, folder)

    def _exact(self, key: str | None) -> Found[T]:
        item = self._by_path.get(key) if key is not None else None
        return Found(item, (item,), 1) if item is not None else Found(None)

    def _by_ending(self, key: str, folder: str) -> Found[T]:
        """The items whose path ends with ``key``, Obsidian's pick first."""
        folder_part, _, name = key.rpartition("/")
        bucket = self._by_name.get(name, [])
        if folder_part:  # a partial path: only the files under such a folder
            bucket = [entry for entry in bucket if entry[0].endswith("/" + key)]
            # Sorted already; a file in the note's own folder comes first.
            bucket.sort(key=lambda entry: entry[0].rpartition("/")[0] != folder)
        if not bucket:
            return Found(None)
        return Found(bucket[0][1], tuple(item for _, item in bucket[:2]), len(bucket))

    def _key(self, path: str) -> str | None:
        """The normal form of a vault path, or None when it leaves the vault."""
        if self._strip_md and path.lower().endswith(".md"):
            path = path[:-3]
        normal = posixpath.normpath(path) if path else ""
        if normal in ("", ".", "..") or normal.startswith(("../", "/")):
            return None
        return lookup_key(normal)


@functools.lru_cache(maxsize=4096)
def folder_key(path: PurePosixPath) -> str:
    """The normal form of the folder holding ``path``, as :meth:`PathIndex.find` takes it.

    Remembered: every link of a note asks for its note's folder, at load and at each render.
    """
    parent = path.parent.as_posix()
    return "" if parent == "." else lookup_key(parent)
