"""Whether ``site.url`` is fit to publish under: feed item ids and JSON-LD ids derive from it.

A feed reader keys every item by its id; ids are made from the site's address, so a feed
first published under a preview address (``localhost``, ``example.com``) and later moved to
the real one shows every item again as new.  This rule warns about that before it happens,
and ``--strict`` refuses it.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .chars import shown

__all__ = ["PREVIEW_URL", "WHY", "http_url_problem", "local_host", "site_url_problem"]

PREVIEW_URL = "http://localhost:8000/"
"""The address a target that needs one is built for when ``site.url`` is not set."""

# Names that are never anyone's public site (RFC 2606, RFC 6761): a preview on this machine
# and the example domain.  example.org and example.net are reserved too, but they are the
# customary stand-in for a real site in documentation and tests, so they are not flagged.
_RESERVED_NAMES = ("localhost", "example.com")
_RESERVED_SUFFIXES = (".localhost", ".example", ".test", ".invalid", ".example.com")

WHY = (
    "item ids derive from it, and changing it later makes feed readers show every item again as new"
)


def http_url_problem(value: str, *, address: bool = False) -> str | None:
    """Why ``value`` is no absolute http(s) URL with a host (and, for an ``address`` other
    URLs are made from, such as ``site.url``, one without a query or a fragment, which would
    end up inside each of them); None when it is one.  ``https://[notes.org/`` stopped every
    command with a traceback where a config error names the key."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - read for its check: a port past 65535 raises
    except ValueError as exc:
        return f"expected an http(s) URL, got {shown(repr(value))} ({exc})"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return f"expected an absolute http(s) URL, got {shown(repr(value))}"
    if address and (parts.query or parts.fragment or value.rstrip().endswith(("?", "#"))):
        return (
            f"expected an address without ?query or #fragment, got {shown(repr(value))}: "
            "every URL made from it would hold them"
        )
    return None


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def local_host(url: str) -> bool:
    """True for an address no reader can reach: loopback, private or link-local, or a name
    reserved for previews, examples and tests."""
    host = _host(url).rstrip(".").lower()
    if not host:
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host in _RESERVED_NAMES or host.endswith(_RESERVED_SUFFIXES)
    return address.is_loopback or address.is_private or address.is_link_local


def site_url_problem(url: str) -> tuple[str, str] | None:
    """``(code, message)`` when a target that writes ids from ``url`` should not be
    published as it is; None when ``url`` is a public address."""
    if not url:
        return (
            "site-url-missing",
            f"site.url is not set, so this target builds for a local preview at "
            f"{PREVIEW_URL}; set url in [site] to the public address before publishing: "
            f"{WHY}",
        )
    if local_host(url):
        return (
            "site-url-local",
            f"site.url {shown(repr(url))} is a local or example address; set url in [site] to "
            f"the public address before publishing: {WHY}",
        )
    return None
