"""Characters that must not reach an output, and characters that must not reach a terminal.

Two different rules, kept side by side because both are about text notepress did not write:

* :func:`strip_unsafe` removes what no output format can carry.  XML 1.0 (feeds, EPUB, the
  PDF's HTML) forbids C0 controls other than tab, newline and carriage return, lone
  surrogates and U+FFFE/U+FFFF; HTML also calls DEL, the C1 controls and the other Unicode
  noncharacters parse errors, and a PDF prints them as boxes.  Removing them once, when a note
  is read, means no exporter has to remember to.
* :func:`printable` escapes what would let a file name forge lines or hide text in a
  message: controls (a newline would start a new ``path:line: error`` line), line and
  paragraph separators, bidirectional overrides, and the bytes of a file name that is not
  UTF-8 (which Python keeps as lone surrogates and no terminal can print).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["cells", "first_unsafe", "printable", "shown", "strip_unsafe"]

#: Longer text is cut in messages: a message names a value, it does not reprint it.
MAX_SHOWN = 80

_NONCHARACTERS = "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]"
)

#: The same class without the 32 noncharacters above U+FFFF, which the full class tests one
#: by one at every character (several times slower over a whole note): text that holds no
#: character above U+FFFF needs only this one.
_UNSAFE_BMP = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
#: UTF-8 lead bytes of the characters above U+FFFF (and of nothing else).
_ASTRAL_LEADS = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")

_SHOWN_AS = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _unsafe_in(text: str) -> re.Pattern[str]:
    """The class of unsafe characters that ``text`` can hold."""
    if text.isascii():
        return _UNSAFE_BMP
    encoded = text.encode("utf-8", "surrogatepass")
    return _UNSAFE if any(lead in encoded for lead in _ASTRAL_LEADS) else _UNSAFE_BMP


def first_unsafe(text: str) -> int | None:
    """Index of the first character no output can carry, or None when the text is clean."""
    match = _unsafe_in(text).search(text)
    return match.start() if match else None


def strip_unsafe(text: str) -> tuple[str, int]:
    """``text`` without the characters no output can carry, and how many were removed."""
    return _unsafe_in(text).subn("", text)


def _escape(char: str) -> str:
    if char.isprintable() or unicodedata.category(char) == "Zs":
        # A space of another width (the ideographic space of CJK names, a no-break space)
        # can forge no line: printed as \u3000 it could not be pasted or searched for.
        return char
    if char in _SHOWN_AS:
        return _SHOWN_AS[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a name that is not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` safe to print as part of one line: every character Unicode does not call
    printable (controls, line and paragraph separators, invisible format and bidirectional
    marks, noncharacters) escaped as ``\\n``, ``\\x01``, ``\\u202e``; undecodable name
    bytes as ``\\xe9``.  Spaces of other widths are printed as they are."""
    if text.isprintable():
        return text
    return "".join(map(_escape, text))


def cells(text: str) -> int:
    """How many cells of a terminal ``text`` takes: two for a wide character (CJK, full-width
    forms), none for a combining mark, one for any other."""
    if text.isascii():
        return len(text)
    return sum(
        0
        if unicodedata.combining(char)
        else 2
        if unicodedata.east_asian_width(char) in ("W", "F")
        else 1
        for char in text
    )


def shown(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` quoted in a message: :func:`printable`, cut with ``…`` past ``limit`` characters.

    Every message that quotes something a user wrote (a config key or value, a target name)
    passes it through here, so that it can neither forge a line nor bury the message.
    """
    if len(text) > limit:
        return printable(text[:limit]) + "…"
    return printable(text)
