"""pandoc's warnings as the user's problems, named by note and line where they can be.

pandoc reads the whole book at once, so what it says names no file.  A formula it cannot
write as MathML (texmath reads less TeX than the converter the check uses, and ``$`` pairs in
prose are read as math by pandoc and Obsidian alike) is found again in the notes: its TeX,
between dollars, is in the body of the note that holds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from notepress.model import Note

from .pictures import placeholder_warning

__all__ = ["Relayed", "relay"]

#: pandoc's warning for a formula, whose TeX runs to the end of the line (a formula of
#: several lines is cut at its first line break, and the ending is on another line).
_MATH = re.compile(r"Could not convert TeX math (?P<tex>.*?)(?P<whole>, rendering as TeX:?)?$")
_SHOWN = 80
#: pandoc's notes that it has no words of its own in the book's language (``zh-CN``): the
#: book names nothing in pandoc's words (its template writes no "Abstract"), so they say
#: nothing a writer could act on.
_LOCALE = re.compile(r"Could not load translations for |The term \w+ has no translation defined")


@dataclass(frozen=True)
class Relayed:
    """One warning for the target's report."""

    message: str
    code: str
    note: Note | None = None
    line: int | None = None


def relay(
    warnings: Iterable[str], notes: Sequence[Note], expand: Callable[[str], str] = str
) -> Iterator[Relayed]:
    """``warnings`` from the pandoc run of the book of ``notes`` (in book order), as they
    are reported: the placeholders' expected ones left out, each formula's named.

    ``expand`` writes the vault's TeX macros out as the renderer did (pandoc quotes the
    formula it was given): a formula not found as written is looked for expanded.
    """
    after: dict[str, tuple[int, int]] = {}
    after_expanded: dict[str, tuple[int, int]] = {}
    expanded: dict[int, Note] = {}

    def as_expanded(note: Note) -> Note:
        # Macro bodies hold no line break, so the lines of the body stay where they were.
        if id(note) not in expanded:
            expanded[id(note)] = replace(note, body=expand(note.body))
        return expanded[id(note)]

    for warning in warnings:
        if placeholder_warning(warning) or _LOCALE.match(warning):
            continue
        match = _MATH.match(warning)
        found = _formula(match["tex"], bool(match["whole"]), notes, after) if match else None
        if match and found is None and (unwrapped := _unwrapped(match["tex"])) is not None:
            found = _formula(unwrapped, bool(match["whole"]), notes, after)
        if match and found is None and expand is not str:
            texts = [as_expanded(note) for note in notes]
            found = _formula(match["tex"], bool(match["whole"]), texts, after_expanded)
            if found is not None:  # named by the note itself, not its expanded copy
                found = (notes[texts.index(found[0])], found[1], found[2])
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


#: The environment the renderer puts a display formula's bare rows in for pandoc
#: (:func:`notepress.markdown.math.display_rows`), which the note does not hold.
_ROWS = re.compile(r"\\begin\{(gathered|aligned)\}(?P<tex>.*?)(?:\\end\{\1\})?$", re.DOTALL)


def _unwrapped(tex: str) -> str | None:
    """``tex`` without the rows' environment the renderer added, or None without one."""
    found = _ROWS.match(tex)
    return found["tex"] if found is not None and found["tex"].strip() else None


def _formula(
    tex: str, whole: bool, notes: Sequence[Note], after: dict[str, tuple[int, int]]
) -> tuple[Note, int, str] | None:
    """The note and file line of the next place ``tex`` is written as a formula; pandoc
    warns once per formula, in book order, so a second warning of the same TeX is the next
    place (``after`` keeps where each search stopped).

    The TeX is found between its dollars with any space or line break beside them, as a
    display formula is written (``$$`` on a line of its own), and pandoc quotes it trimmed;
    in a quote or callout, with the ``>`` that starts each line.
    """
    # Inside a quote or a callout each line of the formula starts with ``>``, which the
    # TeX pandoc quotes does not hold.
    closing = r"[\s>]*\$" if whole else ""
    written = re.escape(tex).replace("\n", "\n[ \t>]*")
    needle = re.compile(r"\$[\s>]*" + written + closing)
    key = f"{tex}\0{whole}"
    first, start = after.get(key, (0, 0))
    for index in range(first, len(notes)):
        body = notes[index].body
        found = needle.search(body, start if index == first else 0)
        if found is not None:
            after[key] = (index, found.start() + 1)
            # pandoc quotes a formula of several lines up to its first line break.
            written = f"${tex}$" if whole else f"${tex} ..."
            shown = written if len(written) <= _SHOWN else written[: _SHOWN - 3] + "..."
            line = notes[index].body_line + body.count("\n", 0, found.start())
            return notes[index], line, shown
    return None
