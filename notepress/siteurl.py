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

__all__ = ["PREVIEW_URL", "WHY", "local_host", "site_url_problem"]

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


def local_host(url: str) -> bool:
    """True for an address no reader can reach: loopback, private or link-local, or a name
    reserved for previews, examples and tests."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
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
