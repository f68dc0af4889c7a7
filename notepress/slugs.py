"""Names as keys: slugs for URLs and anchors, and the normal form used to match link targets."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["lookup_key", "slugify"]

_NON_WORD = re.compile(r"[^\w\s-]", re.UNICODE)
_SEPARATORS = re.compile(r"[\s_-]+", re.UNICODE)


def slugify(text: str, *, fallback: str = "section") -> str:
    """A lowercase ASCII slug for URLs and element ids.

    Accents are folded (``Café`` gives ``cafe``) so that slugs stay valid in every output:
    URLs, XML ids and file names.  Text with no ASCII letters at all gets ``fallback``.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = _NON_WORD.sub("", folded.lower()).strip()
    slug = _SEPARATORS.sub("-", folded).strip("-")
    return slug or fallback


def lookup_key(name: str) -> str:
    """How link targets are compared: NFC-normalised, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())
