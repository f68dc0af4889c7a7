"""Names as keys: slugs for URLs and anchors, and the normal form used to match link targets."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Literal

import slugify as _slugify

__all__ = ["SlugStyle", "heading_slug", "lookup_key", "note_slug", "slugify", "tag_slug"]

#: How a note's URL slug writes letters outside ASCII: kept (``unicode``) or transliterated.
SlugStyle = Literal["unicode", "ascii"]

_NON_WORD = re.compile(r"[^\w\s-]", re.UNICODE)
_SEPARATORS = re.compile(r"[\s_-]+", re.UNICODE)
_TAG_SEPARATORS = re.compile(r"[\s/]+", re.UNICODE)


def slugify(text: str, *, fallback: str = "section") -> str:
    """A lowercase ASCII slug for URLs and element ids.

    Accents are folded (``Café`` gives ``cafe``) so that slugs stay valid in every output:
    URLs, XML ids and file names.  Text with no ASCII letters at all gets ``fallback``.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = _NON_WORD.sub("", folded.lower()).strip()
    slug = _SEPARATORS.sub("-", folded).strip("-")
    return slug or fallback


def heading_slug(text: str) -> str:
    """The id of a heading: its ASCII slug when it is written in Latin letters only
    (``Café au lait`` gives ``cafe-au-lait``, as it always has), else its letters as
    :func:`note_slug` keeps them (``שלום עולם`` gives ``שלום-עולם``, ``Café 東京`` gives
    ``café-東京``), else ``section``.  A heading in another script, or mixing one with Latin,
    thus keeps an id of its own: folded to ASCII it lost those words (``Café 東京`` and
    ``Café 大阪`` were ``cafe`` and ``cafe-2``), and a numbered id moves to another heading
    whenever one is added above it."""
    if text.isascii() or not _other_script(text):
        folded = slugify(text, fallback="")
        if folded:
            return folded
    return note_slug(text, "unicode", fallback="section")


def _other_script(text: str) -> bool:
    """Whether ``text`` holds a letter of a script other than Latin, which folding to ASCII
    drops (an accent is only taken off; ``ß`` or ``ł``, Latin, stay as they always were)."""
    return any(
        char.isalpha() and not char.isascii() and not unicodedata.name(char, "").startswith("LATIN")
        for char in text
    )


def note_slug(text: str, style: SlugStyle = "unicode", *, fallback: str = "note") -> str:
    """The slug of a note's URL, readable in every script.

    ``unicode`` keeps the letters of every script, lowercased (``東京 notes`` gives
    ``東京-notes``, ``Déjà vu`` gives ``déjà-vu``), as Hugo writes URLs: two titles in another
    script stay two URLs, where folding to ASCII would leave both empty.  ``ascii``
    transliterates (``dong-jing-notes``, ``deja-vu``) for sites that want plain URLs; two
    titles may then meet, which the core reports as a URL collision.  Both come from
    python-slugify (with text-unidecode), not from rules of our own.  Punctuation and emoji
    go; a title left with nothing gets ``fallback``.  The URL writer percent-encodes.

    ``unicode`` uses the library's ``modern`` rules, which keep combining marks inside a
    word (Hindi's vowel signs, Hebrew's points, Arabic's harakat, a Russian stress mark):
    its ``legacy`` rules cut a word at each, ``हिन्दी`` gave ``ह-न-द``, and two words
    differing by a vowel sign alone met in one URL, which keeps both notes unpublished.
    """
    if style == "unicode":
        slug = _slugify.slugify(text, allow_unicode=True, algorithm="modern")
    else:
        slug = _slugify.slugify(text)
    return slug or fallback


#: The longest tag slug written whole: with a digest, a prefix and a suffix (``tag-``,
#: ``.pdf``), far inside the 255 bytes a file name may hold.
MAX_TAG_SLUG = 100


def tag_slug(tag: str) -> str:
    """The one name a tag takes in file names and URLs (a PDF digest, a feed folder).

    Readable where possible, stable from build to build, and distinct for distinct tags:

    * A tag that is already a slug once case is ignored and spaces and slashes are read as
      hyphens (``audio``, ``Baking``, ``split keyboard``, nested ``projects/notepress``) is
      that slug.  Case variants are one tag, as they are in Obsidian, so they share a file.
    * Any other tag (accents, ``c++``, non-Latin scripts) gets its folded slug (``tag`` when
      that is empty), an underscore and the first 8 hex digits of the SHA-256 of its
      case-folded NFC text: ``café`` gives ``cafe_<hash>``, ``日本`` and ``東京`` give
      ``tag_<hash>`` each.  A plain slug never holds an underscore (:func:`slugify` turns it
      into a hyphen), so the two kinds cannot meet, and two hashed names meet only if
      their hashes do (one chance in four billion per pair).

    A nested tag, the same words spaced and the same words hyphenated (``a/b``, ``a b``,
    ``a-b``) share a name: the hyphen is how a separator is written in a file name.  A slug
    longer than :data:`MAX_TAG_SLUG` is cut there and hashed, so that its file's name fits
    every file system (a pasted token of 260 characters as a tag failed whole targets).
    """
    key = _TAG_SEPARATORS.sub("-", unicodedata.normalize("NFC", tag).casefold().strip())
    slug = slugify(key, fallback="")
    if slug and slug == key and len(slug) <= MAX_TAG_SLUG:
        return slug
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{slug[:MAX_TAG_SLUG].rstrip('-') or 'tag'}_{digest}"


def lookup_key(name: str) -> str:
    """How link targets are compared: NFC-normalised, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())
