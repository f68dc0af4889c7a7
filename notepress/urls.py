"""How URLs are written into outputs: percent-encoded, and agreeing with where files are.

Every output that names a URL of its own files (a feed's self link, its images, its XSL
stylesheet, the images of JSON-LD) names the place the build really writes them, so that
serving the output folder at ``site.url`` gives no 404: a target writes ``OUTPUT/<target>/``
and is published at ``site.url + <target>/`` unless its ``base_url`` says otherwise.
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from .chars import strip_unsafe

__all__ = ["encode_url", "relative_href", "target_base_url", "with_slash"]

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


def with_slash(url: str) -> str:
    """``url`` ending in exactly one ``/``: a folder's URL, to which file names are added."""
    return url.rstrip("/") + "/"


def target_base_url(site_url: str, target: str, override: str = "") -> str:
    """The public URL of a target's folder, ending in ``/``.

    A target is written to ``OUTPUT/<target>/``, so published as the output folder is, at
    ``site.url``, it is found at ``site.url + <target>/``; ``override`` (the target's own
    ``base_url``) is for a site that publishes the folder somewhere else.  Empty when there
    is neither, since no absolute URL can be made.
    """
    if override:
        return with_slash(override)
    if not site_url:
        return ""
    return with_slash(site_url) + quote(target, safe="") + "/"


def relative_href(from_folder: str, to_file: str) -> str:
    """The relative reference from a file in ``from_folder`` to ``to_file``, both relative to
    the same root (a target's folder), ``/``-separated.

    Used where a reference must keep working wherever the folder is served, or opened from
    disk: an ``<?xml-stylesheet?>`` is resolved against the feed's own URL, as any relative
    URI reference of a document is.
    """
    start = from_folder.strip("/") or "."
    return quote(posixpath.relpath(to_file, start), safe="/")
