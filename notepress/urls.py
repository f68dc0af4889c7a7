"""The one way a URL is written into an output: percent-encoded, delimiters kept."""

from __future__ import annotations

from urllib.parse import quote

from .chars import strip_unsafe

__all__ = ["encode_url"]

#: Kept as they are: the URI delimiters, and ``%`` so that an encoded URL is not encoded twice.
URL_SAFE = "/:?#[]@!$&'()*+,;=%~"


def encode_url(url: str) -> str:
    """``url`` with spaces and non-ASCII characters percent-encoded, delimiters kept.

    Note URLs are built from titles and paths and attachment URLs from file names, so they
    may hold spaces, which no feed reader or JSON-LD consumer accepts in a link.  Characters
    no output can carry (controls, lone surrogates) are dropped first, so every exporter
    writes the same bytes for the same URL.
    """
    return quote(strip_unsafe(url)[0], safe=URL_SAFE)
