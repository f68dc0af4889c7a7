"""Cheap line scans of a markdown body for the loader, which must not pay for a full parse."""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["classify_lines", "first_h1", "prose_lines"]

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM_RE = re.compile(r"^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_H1_RE = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")


def classify_lines(body: str) -> Iterator[tuple[int, str, bool]]:
    """``(offset, line, is_code)`` for each line of ``body``.

    Fenced blocks are exact (fence lines count as code).  Indented code follows CommonMark's
    main rules (four spaces after a blank line, not inside a list), which is as far as a line
    scan can go without a full parse.
    """
    fence: str | None = None
    after_blank = True
    in_list = False
    in_indented = False
    for offset, text in enumerate(body.split("\n")):
        marker = _FENCE_RE.match(text)
        if fence is not None:
            if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                fence = None
            yield offset, text, True
            continue
        if not text.strip():
            after_blank = True
            yield offset, text, in_indented
            continue
        expanded = text.expandtabs(4)
        indented = len(expanded) - len(expanded.lstrip(" ")) >= 4
        if indented and not in_list and (after_blank or in_indented):
            in_indented = True
            after_blank = False
            yield offset, text, True
            continue
        in_indented = False
        after_blank = False
        if marker:
            fence = marker.group(1)
            yield offset, text, True
            continue
        if _LIST_ITEM_RE.match(text):
            in_list = True
        elif not indented:
            in_list = False
        yield offset, text, False


def prose_lines(body: str) -> Iterator[tuple[int, str]]:
    """``(offset, line)`` for each line of ``body`` outside code blocks."""
    for offset, text, is_code in classify_lines(body):
        if not is_code:
            yield offset, text


def first_h1(body: str) -> str | None:
    """The text of the first ATX level-1 heading, the title's fallback."""
    for _, text in prose_lines(body):
        match = _H1_RE.match(text)
        if match:
            return match.group(1).strip()
    return None
