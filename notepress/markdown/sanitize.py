"""The one sanitising pass every rendered note goes through, with nh3 (ammonia).

Everything a note can carry is allowed except what runs or loads: scripts, styles, frames,
forms, event handlers, ``javascript:`` URLs and HTML comments are removed.  Classes stay, so
templates can style the seeds' ``keyword-row``, ``linkage-tree`` and friends.

Formulas come as MathML (:mod:`.math`): exactly the presentation elements and attributes a
converter writes pass, with the TeX annotation; no link, ``href`` or other MathML does.  A
formula drawn as SVG is an ``img`` with a ``data:`` URL and a ``style`` sizing it, which the
renderer's attribute filter lets through only where the renderer wrote them itself.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from typing import Any

import nh3

__all__ = ["sanitize"]

#: MathML presentation elements (MathML Core), and the annotation that keeps the TeX.
_MATHML_TAGS = {
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace",
    "msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts",
    "mprescripts", "none", "mfrac", "msqrt", "mroot", "mstyle", "mpadded", "mphantom",
    "menclose", "merror", "mtable", "mtr", "mtd",
}  # fmt: skip
_MATHML_ATTRIBUTES: dict[str, set[str]] = {
    "math": {"xmlns", "display", "alttext"},
    "annotation": {"encoding"},
    "mi": {"mathvariant"},
    "mn": {"mathvariant"},
    "mtext": {"mathvariant"},
    "ms": {"mathvariant"},
    "mo": {"mathvariant", "fence", "form", "stretchy", "symmetric", "separator", "accent",
           "largeop", "movablelimits", "lspace", "rspace", "minsize", "maxsize"},
    "mspace": {"width", "height", "depth", "linebreak"},
    "mfrac": {"linethickness"},
    "mover": {"accent"},
    "munder": {"accentunder"},
    "munderover": {"accent", "accentunder"},
    "mstyle": {"displaystyle", "scriptlevel", "mathvariant", "mathsize"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset"},
    "menclose": {"notation"},
    "mtable": {"displaystyle", "columnalign", "columnspacing", "rowspacing", "columnlines",
               "rowlines", "frame"},
    "mtr": {"columnalign"},
    "mtd": {"columnalign", "columnspan", "rowspan"},
}  # fmt: skip
# Players load nothing by themselves: an ``src`` is lowered like an image's (vault files
# and public URLs only), and ``autoplay`` is not allowed.
_TAGS = (
    set(nh3.ALLOWED_TAGS) | {"section", "figure", "figcaption", "audio", "video"} | _MATHML_TAGS
) - {
    "map",
    "area",
}
_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "hreflang", "epub:type"},
    "aside": {"epub:type"},
    **_MATHML_ATTRIBUTES,
    "img": {"src", "alt", "width", "height", "style"},
    "audio": {"src", "controls"},
    "video": {"src", "controls", "width", "height"},
    "details": {"open"},
    "ol": {"start", "reversed"},
    # Colours written inline (the only style properties kept besides sizes, see
    # _options): text a writer greyed out, or wrote black on black as a spoiler, is not
    # shown plainly.
    **{tag: {"style"} for tag in ("span", "mark", "p", "li", "strong", "em", "b", "i", "u", "s")},
    "div": {"data-callout", "data-callout-fold", "style"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "time": {"datetime"},
}
#: ``data:`` only for what the renderer wrote (a formula's SVG): the attribute filter refuses
#: every URL of a note's own HTML that is not on the web.
_SCHEMES = {"http", "https", "mailto", "data"}
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
    """Clean ``html``; ``attribute_filter`` may rewrite or drop any attribute value.

    One :class:`nh3.Cleaner` per process does the work: ``nh3.clean`` builds ammonia's
    sanitiser from these sets on every call, 75 µs each, more than cleaning a footnote takes
    (a book of a thousand notes sanitises three thousand fragments).  The filter differs per
    note, so the cleaner's own filter hands each attribute to the one set for this thread.
    """
    cleaner = _cleaner(attribute_filter is not None)
    if cleaner is None:  # an nh3 without Cleaner
        return nh3.clean(html, attribute_filter=attribute_filter, **_options(attribute_filter))
    if attribute_filter is None:
        return _without_empty_styles(cleaner.clean(html))
    previous = getattr(_FILTER, "current", None)
    _FILTER.current = attribute_filter
    try:
        return _without_empty_styles(cleaner.clean(html))
    finally:
        _FILTER.current = previous


def _without_empty_styles(html: str) -> str:
    """Cleaned ``html`` without the ``style=""`` left where no property of a style was kept
    (``background: ...``, a shorthand, is not)."""
    return _EMPTY_STYLE.sub(r"\1", html) if ' style=""' in html else html


#: An empty ``style`` inside a tag (not the text ``style=""`` of a code example, which
#: the cleaner wrote escaped, after ``&lt;``).
_EMPTY_STYLE = re.compile(r'(<[a-zA-Z][^<>]*?) style=""')


_FILTER = threading.local()


def _current_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute == "style":
        vetted = _vetted_style(value)
        if vetted is None:
            return None
        value = vetted
    return _FILTER.current(element, attribute, value)  # type: ignore[no-any-return]


def _style_filter(element: str, attribute: str, value: str) -> str | None:
    return _vetted_style(value) if attribute == "style" else value


#: A declaration whose value could load something or hide a name from a reader of this
#: file: ``url()``, ``image-set()``, an old ``expression()``, an escape or a comment.
_LOADS = re.compile(r"url|image|expression|\\|/\*", re.IGNORECASE)
#: A declaration of the properties kept, as CSS writes one: a name, and a value of words,
#: numbers with their units, ``#`` colours and calls of a function on such values
#: (``rgb(0 0 0 / 50%)``), nothing else.  A brace, a quote or a bracket a typo left
#: (``color: green}``, ``color: (``) is no CSS an EPUB checker passes.
_TERM = r"(?:#[0-9a-f]{3,8}|[+-]?(?:\d+\.?\d*|\.\d+)(?:[a-z]+|%)?|-{0,2}[a-z][\w-]*)"
_CALL = rf"[a-z][\w-]*\(\s*{_TERM}(?:\s*[,/]?\s*{_TERM})*\s*\)"
_VALUE = rf"(?:{_CALL}|{_TERM})"
_DECLARATION = re.compile(
    rf"\s*[a-z-]+\s*:\s*{_VALUE}(?:\s*[,/]?\s*{_VALUE})*\s*(?:!\s*important\s*)?",
    re.IGNORECASE,
)


def _vetted_style(value: str) -> str | None:
    """A ``style`` value without declarations that could load anything or are no CSS;
    None if none is left.  The properties kept (colours, sizes, alignment) take no URL in
    valid CSS, but a reader that read an invalid one leniently would load it."""
    kept = [
        part.strip()
        for part in value.split(";")
        if part.strip() and not _LOADS.search(part) and _DECLARATION.fullmatch(part)
    ]
    return ";".join(kept) or None


def _options(attribute_filter: object) -> dict[str, Any]:
    return {
        "tags": _TAGS,
        "clean_content_tags": _DROP_WITH_CONTENT,
        "attributes": _ATTRIBUTES,
        "strip_comments": True,
        "link_rel": None,
        "url_schemes": _SCHEMES if attribute_filter is not None else _SCHEMES - {"data"},
        # No property that can hold a URL: a style never loads anything.
        "filter_style_properties": {
            "text-align",
            "width",
            "height",
            "vertical-align",
            "color",
            "background-color",
        },
    }


@functools.cache
def _cleaner(filtered: bool) -> nh3.Cleaner | None:
    if not hasattr(nh3, "Cleaner"):
        return None
    if filtered:
        return nh3.Cleaner(attribute_filter=_current_filter, **_options(_current_filter))
    return nh3.Cleaner(attribute_filter=_style_filter, **_options(None))
