"""Cheap line scans of a markdown body for the loader, which must not pay for a full parse."""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["first_h1", "prose_lines"]

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_H1_RE = re.compile(r"^ {0,3}#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")


def prose_lines(body: str) -> Iterator[tuple[int, str]]:
    """``(offset, line)`` for each line of ``body`` outside fenced code blocks."""
    fence: str | None = None
    for offset, text in enumerate(body.split("\n")):
        marker = _FENCE_RE.match(text)
        if fence is not None:
            if marker and marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence):
                fence = None
            continue
        if marker:
            fence = marker.group(1)
            continue
        yield offset, text


def first_h1(body: str) -> str | None:
    """The text of the first ATX level-1 heading, the title's fallback."""
    for _, text in prose_lines(body):
        match = _H1_RE.match(text)
        if match:
            return match.group(1).strip()
    return None
