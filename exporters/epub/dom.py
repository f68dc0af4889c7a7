"""Editing the renderer's tree of a note in one pass per parent, as the book reshapes it.

The tree itself comes from :mod:`notepress.markdown.tree`; these helpers only move nodes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lxml import etree

from notepress.markdown.tree import Element

__all__ = ["parents_of", "rewrite_children", "text_before", "unwrapped"]


def text_before(element: etree._Element, text: str) -> None:
    """Add ``text`` just before ``element``: to the tail of the element before it, else to
    its parent's text (lxml keeps text in those two places only)."""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
        return
    parent = element.getparent()
    if parent is not None:
        parent.text = (parent.text or "") + text


def unwrapped(child: Element) -> list[Element | str]:
    """What takes an element's place when it is unwrapped: its text and its children."""
    return [child.text or "", *child]


def parents_of(root: Element, *tags: str) -> list[Element]:
    """The elements (``root`` included) holding an element of ``tags``, each once, in document
    order: the only parents a pass over those tags has to rewrite.

    Visiting every element of a note to rewrite its children cost 0.8 s for a thousand
    notes, most of it for parents with nothing to change.  The set keeps the proxies alive,
    so lxml hands back the same objects when the tree is walked again.
    """
    wanted = {child.getparent() for child in root.iter(*tags)}
    if not wanted:
        return []
    return [element for element in root.iter() if element in wanted]


def rewrite_children(
    parent: Element, replace: Callable[[Element], Sequence[Element | str] | None]
) -> None:
    """Replace children of ``parent`` in one pass.

    ``replace(child)`` returns None to keep the child, or the nodes (elements and text) that
    take its place; the child's tail follows them.  Linear in the number of children, where
    finding, removing and inserting them one at a time is quadratic: a paragraph of ten
    thousand unwrapped links took minutes.  Text is gathered and set once per gap between
    elements, since growing a tail piece by piece copies it each time.
    """
    children = list(parent)
    results = [replace(child) for child in children]
    if all(result is None for result in results):
        return
    tails = [child.tail for child in children]
    del parent[:]
    pending: list[str] = []
    last: Element | None = None

    def flush() -> None:
        if not pending:
            return
        text = "".join(pending)
        pending.clear()
        if last is None:
            parent.text = (parent.text or "") + text
        else:
            last.tail = (last.tail or "") + text

    for child, tail, nodes in zip(children, tails, results, strict=True):
        if nodes is None:
            child.tail = None
            nodes = [child]
        for node in nodes:
            if isinstance(node, str):
                pending.append(node)
            else:
                flush()
                parent.append(node)  # an unwrapped element's child keeps its own tail
                last = node
        pending.append(tail or "")
    flush()
