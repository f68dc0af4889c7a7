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


#: Every byte that, in UTF-8, is surely part of a character outputs carry: all but the C0
#: controls and DEL, and the lead bytes of C1 controls (0xC2), surrogates (0xED), the
#: noncharacters of the BMP (0xEF) and every character above U+FFFF (0xF0 to 0xF4).
_CLEAN_BYTES = bytes(
    byte
    for byte in range(256)
    if byte in b"\t\n\r"
    or 0x20 <= byte < 0x7F
    or (0x80 <= byte < 0xF0 and byte not in b"\xc2\xed\xef")
)
#: Up to this many 0xC2 and 0xEF lead bytes are looked at one by one; more (CJK text with its
#: full-width punctuation) are left to the character class.
_FEW_LEADS = 32


def _unsafe_after_leads(encoded: bytes) -> bool:
    """Whether a 0xC2 or 0xEF of the UTF-8 ``encoded`` starts an unsafe character: a C1
    control (0xC2 0x80..0x9F) or a noncharacter of the BMP (0xEF 0xB7 0x90..0xAF, 0xEF 0xBF
    0xBE..0xBF).  Common text has these lead bytes (a middle dot, a no-break space) and
    seldom these characters."""
    for lead in b"\xc2\xef":
        at = encoded.find(lead)
        while at != -1:
            second = encoded[at + 1]
            if lead == 0xC2:
                if second <= 0x9F:
                    return True
            elif (second == 0xB7 and 0x90 <= encoded[at + 2] <= 0xAF) or (
                second == 0xBF and encoded[at + 2] >= 0xBE
            ):
                return True
            at = encoded.find(lead, at + 2)
    return False


def _unsafe_in(text: str) -> re.Pattern[str] | None:
    """The class of unsafe characters that ``text`` can hold; None when it surely holds none.

    Deleting the bytes that are surely clean from the UTF-8 text is one pass in C, several
    times faster than a character class tried at every character; most notes are found
    clean so, and only the rest pay for the class.
    """
    encoded = text.encode("utf-8", "surrogatepass")
    doubtful = encoded.translate(None, _CLEAN_BYTES)
    if not doubtful or (
        len(doubtful) <= _FEW_LEADS
        and not doubtful.strip(b"\xc2\xef")
        and not _unsafe_after_leads(encoded)
    ):
        return None
    return _UNSAFE if any(lead in doubtful for lead in _ASTRAL_LEADS) else _UNSAFE_BMP


def first_unsafe(text: str) -> int | None:
    """Index of the first character no output can carry, or None when the text is clean."""
    unsafe = _unsafe_in(text)
    match = unsafe.search(text) if unsafe is not None else None
    return match.start() if match else None


def strip_unsafe(text: str) -> tuple[str, int]:
    """``text`` without the characters no output can carry, and how many were removed."""
    unsafe = _unsafe_in(text)
    return unsafe.subn("", text) if unsafe is not None else (text, 0)


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
