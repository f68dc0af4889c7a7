"""The one sanitising pass every rendered note goes through, with nh3 (ammonia).

Everything a note can carry is allowed except what runs or loads: scripts, styles, frames,
forms, event handlers, ``javascript:`` URLs and HTML comments are removed.  Classes stay, so
templates can style the seeds' ``keyword-row``, ``linkage-tree`` and friends.
"""

from __future__ import annotations

from collections.abc import Callable

import nh3

__all__ = ["sanitize"]

# Players load nothing by themselves: an ``src`` is lowered like an image's (vault files
# and public URLs only), and ``autoplay`` is not allowed.
_TAGS = (set(nh3.ALLOWED_TAGS) | {"section", "figure", "figcaption", "audio", "video"}) - {
    "map",
    "area",
}
_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "hreflang", "epub:type"},
    "aside": {"epub:type"},
    "img": {"src", "alt", "width", "height"},
    "audio": {"src", "controls"},
    "video": {"src", "controls", "width", "height"},
    "div": {"data-callout", "data-callout-fold"},
    "details": {"open"},
    "ol": {"start", "reversed"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "time": {"datetime"},
}
_SCHEMES = {"http", "https", "mailto"}
_DROP_WITH_CONTENT = {
    "script",
    "style",
    "template",
    "iframe",
    "object",
    "noscript",
    "textarea",
    "title",
}

AttributeFilter = Callable[[str, str, str], "str | None"]


def sanitize(html: str, attribute_filter: AttributeFilter | None = None) -> str:
    """Clean ``html``; ``attribute_filter`` may rewrite or drop any attribute value."""
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel=None,
        url_schemes=_SCHEMES,
        filter_style_properties={"text-align"},
    )
