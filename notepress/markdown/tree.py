"""The renderer's HTML as an element tree, for outputs that must reshape it for their format.

Print and e-book outputs change a rendered note structurally (code highlighted, headings
shifted, ids prefixed), which takes a tree, never patterns over text.  The tree comes from
here, next to the renderer that wrote the HTML: the sanitiser re-serialises a parsed HTML5
tree (every element closed, every attribute quoted), so lxml reads back exactly that tree,
and no exporter needs an HTML parser of its own.
"""

from __future__ import annotations

from collections.abc import Mapping

import lxml.html
from lxml.html import HtmlElement

__all__ = ["Element", "html_tree", "inner_html", "new_element"]

Element = HtmlElement


def html_tree(html: str, container: str = "div") -> HtmlElement:
    """The nodes of ``html`` as children of a new ``container`` element (empty for no HTML)."""
    if not html.strip():
        root = lxml.html.Element(container)
        root.text = html or None
        return root
    return lxml.html.fragment_fromstring(html, create_parent=container)


def new_element(tag: str, attributes: Mapping[str, str] | None = None) -> HtmlElement:
    """An element of the same kind as :func:`html_tree` makes, to insert into one."""
    return lxml.html.Element(tag, dict(attributes or {}))


def inner_html(root: HtmlElement) -> str:
    """The children of ``root`` (and the text before them) as HTML."""
    parts = [_escape_text(root.text or "")]
    parts.extend(lxml.html.tostring(child, encoding="unicode") for child in root)
    return "".join(parts)


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
