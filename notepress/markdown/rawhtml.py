"""A note's raw HTML read as Obsidian reads it: one markdown block at a time.

Obsidian hands each block of a note to the browser's HTML parser on its own, so what one block
leaves open ends with that block.  A rendered note is one document, read whole by the
sanitiser and the outputs' parsers, where two habits of hand-written HTML would take the rest
of the note with them:

- an element written as closing itself (``<iframe src="..."/>``, ``<textarea/>``): HTML
  ignores the slash on any element that is not void, so the element stays open;
- a frame, text area, script or style left open (``<iframe ...>`` without ``</iframe>``):
  its content is raw text up to its end tag, so every block after it would become the
  content of an element the sanitiser then removes with it.

So a self-closed element that is not void is written as an empty element, as its author
meant, and a raw-text element a block leaves open is closed at the end of the block: at the
end of its HTML block, or of the paragraph (the inline content) whose tags opened it.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .htmltags import VOID, TagInfo, split_tags, tag_info

__all__ = ["as_obsidian_reads", "checkboxes_as_glyphs", "is_checkbox", "rawhtml_plugin"]

#: Elements whose content an HTML parser reads as text up to their end tag, whatever it holds.
RAW_TEXT = frozenset(
    {
        "iframe",
        "noembed",
        "noframes",
        "noscript",
        "plaintext",
        "script",
        "style",
        "textarea",
        "title",
        "xmp",
    }
)
_RAW_OPENER = re.compile(r"<(?:" + "|".join(sorted(RAW_TEXT)) + r")[\s/>]", re.IGNORECASE)


_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_CHECKBOX = re.compile(r"""\btype\s*=\s*["']?checkbox\b""", re.IGNORECASE)
_CHECKED = re.compile(
    r"""\schecked(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?(?=[\s/>])""", re.IGNORECASE
)


def is_checkbox(tag: str) -> bool:
    """Whether the start tag ``tag`` is an ``<input type="checkbox">`` (any quoting, case)."""
    return _CHECKBOX.search(tag) is not None


def checkboxes_as_glyphs(html: str) -> str:
    """``html`` with each checkbox written as the ☐ or ☑ a task shows: no output keeps form
    fields, and a removed one took its ticked state with it."""
    if "<input" not in html.lower():
        return html

    def glyph(found: re.Match[str]) -> str:
        tag = found.group(0)
        if not is_checkbox(tag):
            return tag
        return "☑" if _CHECKED.search(tag) else "☐"

    return _INPUT.sub(glyph, html)


def as_obsidian_reads(html: str, *, block: bool) -> str:
    """``html``, the raw HTML of one block (``block``) or one inline tag, with each
    self-closed element that is not void written as an empty element and, in a block, each
    raw-text element it leaves open closed at its end."""
    if "/>" not in html and not (block and _RAW_OPENER.search(html)):
        return html
    pieces = split_tags(html)
    open_raw: str | None = None
    for index in range(1, len(pieces), 2):
        info = tag_info(pieces[index])
        if info is None:
            continue
        if open_raw is None and not info.end and info.self_closing and info.name not in VOID:
            pieces[index] = pieces[index][:-2].rstrip() + f"></{info.name}>"
            continue
        open_raw = _raw_open_after(open_raw, info)
    if block and open_raw is not None:
        pieces.append(f"</{open_raw}>")
    return "".join(pieces)


def _raw_open_after(open_raw: str | None, info: TagInfo) -> str | None:
    """The raw-text element still open after the tag ``info``, given the one open before
    it: inside one, every tag but its own end tag is text."""
    if open_raw is not None:
        return None if info.end and info.name == open_raw else open_raw
    if not info.end and not info.self_closing and info.name in RAW_TEXT:
        return info.name
    return None


def rawhtml_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("rawhtml_close_inline", _close_inline)


def _close_inline(state: StateCore) -> None:
    """Close, at the end of each inline content, a raw-text element its tags left open."""
    if "<" not in state.src:  # no tag anywhere: the usual note pays one search
        return
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        open_raw: str | None = None
        for child in token.children:
            info = tag_info(child.content) if child.type == "html_inline" else None
            if info is not None:
                open_raw = _raw_open_after(open_raw, info)
        if open_raw is not None:
            closer = Token("html_inline", "", 0)
            closer.content = f"</{open_raw}>"
            token.children.append(closer)
