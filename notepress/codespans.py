"""Inline code spans found in linear time, for the loader's light scans.

A code span opens with a run of backticks and closes at the next run of exactly the same
length (CommonMark).  The obvious pattern, a backtick run, anything, the same run again,
backtracks over every shorter prefix of every run and every later position: a long run of
backticks after a wikilink made loading one 12 KB note take most of a minute.  Here each run
is looked at twice: once to find, from the right, the next run of the same length, and once
to pair them from the left.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["blank_code_spans", "code_spans"]

_RUN = re.compile(r"`+")


def code_spans(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each code span of ``text``, backtick runs included, in order."""
    runs = [(match.start(), match.end()) for match in _RUN.finditer(text)]
    following: list[int | None] = [None] * len(runs)
    last_of_length: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        start, end = runs[index]
        following[index] = last_of_length.get(end - start)
        last_of_length[end - start] = index
    index = 0
    while index < len(runs):
        closer = following[index]
        if closer is None:
            index += 1
            continue
        yield runs[index][0], runs[closer][1]
        index = closer + 1


def blank_code_spans(text: str) -> str:
    """``text`` with every code span replaced by spaces, so offsets stay where they were."""
    if "`" not in text:
        return text
    parts = []
    position = 0
    for start, end in code_spans(text):
        parts.append(text[position:start])
        parts.append(" " * (end - start))
        position = end
    parts.append(text[position:])
    return "".join(parts)
