"""pandoc's warnings as the user's problems, named by note and line where they can be.

pandoc reads the whole book at once, so what it says names no file.  A formula it cannot
write as MathML (texmath reads less TeX than the converter the check uses, and ``$`` pairs in
prose are read as math by pandoc and Obsidian alike) is found again in the notes: its TeX,
between dollars, is in the body of the note that holds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from notepress.model import Note

from .pictures import placeholder_warning

__all__ = ["Relayed", "relay"]

#: pandoc's warning for a formula, whose TeX runs to the end of the line (a formula of
#: several lines is cut at its first line break, and the ending is on another line).
_MATH = re.compile(r"Could not convert TeX math (?P<tex>.*?)(?P<whole>, rendering as TeX:?)?$")
_SHOWN = 80


@dataclass(frozen=True)
class Relayed:
    """One warning for the target's report."""

    message: str
    code: str
    note: Note | None = None
    line: int | None = None


def relay(warnings: Iterable[str], notes: Sequence[Note]) -> Iterator[Relayed]:
    """``warnings`` from the pandoc run of the book of ``notes`` (in book order), as they
    are reported: the placeholders' expected ones left out, each formula's named."""
    after: dict[str, tuple[int, int]] = {}
    for warning in warnings:
        if placeholder_warning(warning):
            continue
        match = _MATH.match(warning)
        found = _formula(match["tex"], bool(match["whole"]), notes, after) if match else None
        if found is None:
            yield Relayed(f"pandoc: {warning}", "epub-pandoc")
            continue
        note, line, tex = found
        yield Relayed(
            f"pandoc cannot write the formula {tex} as MathML, so the book shows its TeX "
            "(dollars that are not math are written \\$)",
            "epub-math",
            note,
            line,
        )


def _formula(
    tex: str, whole: bool, notes: Sequence[Note], after: dict[str, tuple[int, int]]
) -> tuple[Note, int, str] | None:
    """The note and file line of the next place ``tex`` is written as a formula; pandoc
    warns once per formula, in book order, so a second warning of the same TeX is the next
    place (``after`` keeps where each search stopped)."""
    needle = f"${tex}$" if whole else f"${tex}"
    first, start = after.get(needle, (0, 0))
    for index in range(first, len(notes)):
        body = notes[index].body
        at = body.find(needle, start if index == first else 0)
        if at >= 0:
            after[needle] = (index, at + 1)
            shown = needle if len(needle) <= _SHOWN else needle[: _SHOWN - 3] + "..."
            return notes[index], notes[index].body_line + body.count("\n", 0, at), shown
    return None
