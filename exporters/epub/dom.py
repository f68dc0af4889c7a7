"""A small element tree for the sanitiser's HTML, so the book can be reshaped structurally.

The renderer's output has already been through nh3, which re-serialises a parsed HTML5 tree:
every element is closed and attributes are quoted.  The standard library's
:class:`html.parser.HTMLParser` is therefore enough to rebuild that tree, without a
dependency on a full HTML5 parser.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from html.parser import HTMLParser

__all__ = [
    "Element",
    "add_text",
    "parse_fragment",
    "replace_with_children",
    "rewrite_children",
    "serialize",
    "text_of",
    "unwrapped",
    "walk",
]

Element = ET.Element

VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = ET.Element("div")
        self.stack: list[ET.Element] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = ET.SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})
        if tag not in VOID_TAGS:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ET.SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        add_text(self.stack[-1], data)


def parse_fragment(html: str) -> ET.Element:
    """The fragment's nodes as children of a ``<div>`` container."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def add_text(parent: ET.Element, text: str) -> None:
    """Append ``text`` after the last child of ``parent`` (or as its text)."""
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def walk(element: ET.Element) -> Iterator[tuple[ET.Element, ET.Element]]:
    """``(parent, child)`` pairs below ``element``, over a snapshot so callers may edit."""
    for parent in list(element.iter()):
        for child in list(parent):
            yield parent, child


def replace_with_children(parent: ET.Element, child: ET.Element) -> None:
    """Remove ``child`` but keep its text and children in place (unwrapping it)."""
    index = list(parent).index(child)
    previous = parent[index - 1] if index else None

    def attach(text: str | None) -> None:
        if not text:
            return
        if previous is None:
            parent.text = (parent.text or "") + text
        else:
            previous.tail = (previous.tail or "") + text

    attach(child.text)
    grandchildren = list(child)
    parent.remove(child)
    for offset, grandchild in enumerate(grandchildren):
        parent.insert(index + offset, grandchild)
    if grandchildren:
        last = grandchildren[-1]
        last.tail = (last.tail or "") + (child.tail or "")
    else:
        attach(child.tail)


def unwrapped(child: ET.Element) -> list[ET.Element | str]:
    """What takes an element's place when it is unwrapped: its text and its children."""
    return [child.text or "", *child]


def rewrite_children(
    parent: ET.Element, replace: Callable[[ET.Element], Sequence[ET.Element | str] | None]
) -> None:
    """Replace children of ``parent`` in one pass.

    ``replace(child)`` returns None to keep the child, or the nodes (elements and text) that
    take its place; the child's tail follows them.  Linear in the number of children, where
    finding, removing and inserting them one at a time is quadratic: a paragraph of ten
    thousand unwrapped links took minutes.
    """
    children = list(parent)
    results = [replace(child) for child in children]
    if all(result is None for result in results):
        return
    del parent[:]
    for child, nodes in zip(children, results, strict=True):
        if nodes is None:
            parent.append(child)
            continue
        for node in nodes:
            if isinstance(node, str):
                add_text(parent, node)
            else:
                parent.append(node)
        add_text(parent, child.tail or "")


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext())


def serialize(container: ET.Element) -> str:
    """The children of ``container`` as HTML (void elements unclosed, others closed)."""
    parts = [_escape_text(container.text or "")]
    for child in container:
        parts.append(ET.tostring(child, encoding="unicode", method="html"))
    return "".join(parts)


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
