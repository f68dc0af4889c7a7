"""Raw HTML elements no output keeps, and which hold no text that would stay: said at load.

The sanitiser removes what it does not allow and keeps the text inside, so a ``<button>`` or
a ``<select>`` loses only its look.  A few elements carry everything they show outside their
text: an inline drawing (``<svg>``), a canvas, a plug-in object, a form field.  Removed, they
leave nothing and no trace, so each note holding one gets a warning (``html-removed``) on the
line of the first of each kind.  A checkbox is written as the ☐/☑ glyph of a task instead
(:func:`notepress.markdown.rawhtml.checkboxes_as_glyphs`), and frames have their own warning
(``iframe-removed``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .mayhide import may_hide
from .model import Note, Problem, Severity

__all__ = ["removed_html_problems"]

#: Each element, and why no output keeps it.
_REMOVED = {
    "svg": "inline SVG can carry scripts, so no output keeps it; save the drawing as an .svg "
    "file of the vault and embed it (![[drawing.svg]])",
    "canvas": "a canvas draws only with scripts, which no output runs",
    "object": "no output loads plug-in objects; link to the file instead",
    "embed": "no output loads plug-in objects; link to the file instead",
    "input": "no output shows form fields (a checkbox is written as ☐ or ☑)",
    "progress": "no output shows progress bars; write the value in words",
    "meter": "no output shows meters; write the value in words",
}
_OPENER = re.compile(r"<(" + "|".join(_REMOVED) + r")[\s/>]", re.IGNORECASE)


def removed_html_problems(note: Note) -> list[Problem]:
    """One ``html-removed`` warning per kind of element ``note``'s raw HTML loses, and one
    for what it hides (:mod:`notepress.markdown.hiddenhtml`)."""
    from .markdown.hiddenhtml import HIDDEN  # the markdown package imports us

    if not _OPENER.search(note.body) and not may_hide(note.body):
        return []
    from .markdown.htmltags import split_tags, tag_info
    from .markdown.rawhtml import is_checkbox

    problems: dict[str, Problem] = {}
    for html, line, meta in _raw_html(note):
        for offset, name in meta.get(HIDDEN, ()) if "hidden" not in problems else ():
            message = (
                f"<{name}> left out with its text: the note hides it (hidden, display: none, "
                "visibility: hidden, opacity: 0...), and Obsidian does not show it either"
            )
            problems["hidden"] = Problem(
                Severity.WARNING, "html-removed", message, note.path.as_posix(), line + offset
            )
            break
        for index, piece in enumerate(split_tags(html)):
            if not index % 2:
                continue
            info = tag_info(piece)
            if info is None or info.end or info.name not in _REMOVED:
                continue
            if info.name in problems or (info.name == "input" and is_checkbox(piece)):
                continue
            where = line + html.count("\n", 0, html.find(piece))
            message = f"<{info.name}> removed: {_REMOVED[info.name]}"
            problems[info.name] = Problem(
                Severity.WARNING, "html-removed", message, note.path.as_posix(), where
            )
    return list(problems.values())


def _raw_html(note: Note) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """Each piece of raw HTML of ``note`` as the renderer reads it, with its file line and
    its token's ``meta``."""
    from .markdown.parser import located_tokens

    for token, line in located_tokens(note):
        if token.type in ("html_block", "html_inline"):
            yield token.content, line, token.meta or {}
