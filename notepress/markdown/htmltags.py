"""Split HTML into tags and the text between them, in one linear pass.

Two passes need to tell tags from text without building a tree: wikilinks in raw HTML (a link
between tags, text inside one) and the nesting cap.  A regular expression that allows quoted
``>`` inside a tag backtracks to the end of the input from every ``<`` when a quote is never
closed, which is quadratic; this scanner reads each character once and follows the HTML
tokenizer's rules closely enough for both jobs: quotes only matter in an attribute value
(after ``=``), a tag or comment left open runs to the end of the input, and ``<`` not followed
by a letter, ``/``, ``!`` or ``?`` is text.
"""

from __future__ import annotations

import re

__all__ = ["SIMPLE_TAG", "VOID", "TagInfo", "shown_text", "split_tags", "tag_info"]

#: HTML's void elements, which never have content: ``<br>`` and ``<br/>`` are complete.
VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)

_PLAIN = re.compile(r"[^>=]*")
_SPACE = re.compile(r"[ \t\n\r\f]*")
_NAME = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")
#: A start or end tag whose attribute values, if any, are quoted right after their ``=``:
#: where it matches, it ends where :func:`_tag_end` ends (one C-level match for the usual tag
#: instead of a loop).  Its branches start with different characters, so a text it does not
#: match fails at the first character that differs, never by backtracking.
SIMPLE_TAG = re.compile(r"</?[A-Za-z](?:[^>=\"']|=\"[^\"]*\"|='[^']*')*>")


def split_tags(text: str) -> list[str]:
    """``text`` as alternating pieces: text, tag, text, tag..., each tag starting with ``<``.

    Joining the pieces gives ``text`` back.  Text pieces may be empty.
    """
    pieces: list[str] = []
    position = 0
    length = len(text)
    start = text.find("<")
    while start != -1:
        simple = SIMPLE_TAG.match(text, start)
        end = simple.end() if simple is not None else _tag_end(text, start)
        if end is None:
            start = text.find("<", start + 1)
            continue
        pieces.append(text[position:start])
        pieces.append(text[start:end])
        position = end
        start = text.find("<", end)
    pieces.append(text[position:length])
    return pieces


def _tag_end(text: str, start: int) -> int | None:
    """Where the tag, comment or declaration opening at ``start`` ends; None if it is text."""
    following = text[start + 1 : start + 2]
    if not following:
        return None
    if following == "!" and text.startswith("<!--", start):
        close = text.find("-->", start + 4)
        return len(text) if close == -1 else close + 3
    if following in "!?":
        close = text.find(">", start + 2)
        return len(text) if close == -1 else close + 1
    if following == "/":
        following = text[start + 2 : start + 3]
    if not (following.isascii() and following.isalpha()):
        return None
    position = start + 1
    length = len(text)
    while True:
        position = _PLAIN.match(text, position).end()  # type: ignore[union-attr]
        if position >= length:
            return length
        if text[position] == ">":
            return position + 1
        # ``=``: a quoted value may hold ``>``; an unclosed one runs to the end.
        position = _SPACE.match(text, position + 1).end()  # type: ignore[union-attr]
        if position < length and text[position] in "\"'":
            close = text.find(text[position], position + 1)
            if close == -1:
                return length
            position = close + 1


class TagInfo:
    """The name of a start or end tag, and whether it closes itself (``<br/>``)."""

    __slots__ = ("end", "name", "self_closing")

    def __init__(self, name: str, end: bool, self_closing: bool) -> None:
        self.name = name
        self.end = end
        self.self_closing = self_closing


def tag_info(piece: str) -> TagInfo | None:
    """What a tag piece of :func:`split_tags` is; None for comments and declarations."""
    match = _NAME.match(piece)
    if match is None:
        return None
    return TagInfo(match.group(2).lower(), bool(match.group(1)), piece.endswith("/>"))


#: Elements whose content is not text a reader sees: a script's code, a style sheet.
_UNSHOWN = frozenset({"script", "style"})


def shown_text(text: str) -> str:
    """``text`` with what no reader sees as text blanked out: comments, and ``<script>`` and
    ``<style>`` elements whole.  Lengths and line breaks are kept, so that what is found in
    the result (a wikilink in raw HTML) is at its place in ``text``; an element left open
    runs to the end, as in a browser.  The sanitiser drops all of these from every output,
    and Obsidian shows no link there: ``[[0,0],[12,-3]]`` in a drawing's script is data.
    """
    pieces = split_tags(text)
    inside: str | None = None
    for index in range(1, len(pieces), 2):
        piece = pieces[index]
        info = tag_info(piece)
        if inside is not None:
            pieces[index - 1] = _blank(pieces[index - 1])
            if info is not None and info.end and info.name == inside:
                inside = None
            pieces[index] = _blank(piece)
        elif info is None:  # a comment or declaration
            pieces[index] = _blank(piece)
        elif info.name in _UNSHOWN and not info.end and not info.self_closing:
            inside = info.name
            pieces[index] = _blank(piece)
    if inside is not None:
        pieces[-1] = _blank(pieces[-1])
    return "".join(pieces)


def _blank(piece: str) -> str:
    return re.sub(r"[^\n]", " ", piece)
