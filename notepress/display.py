"""User text quoted in a message, made safe to print on one line.

Messages are read by people and by scripts that split them into lines: a config key or value
holding a newline or an escape sequence could forge a line (``error: ...``) or repaint the
terminal.  Every message that quotes something a user wrote passes it through :func:`shown`.
"""

from __future__ import annotations

__all__ = ["shown"]

#: Longer text is cut: a message names a value, it does not reprint it.
MAX_SHOWN = 80

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` with every unprintable character escaped (``\\n``, ``\\x1b``, ``\\u202e``).

    Printable text, lookalike letters included, is kept as written so that a person sees
    what the file holds; text longer than ``limit`` characters is cut with ``…``.
    """
    cut = len(text) > limit
    escaped = "".join(_escape(char) for char in (text[:limit] if cut else text))
    return escaped + "…" if cut else escaped


def _escape(char: str) -> str:
    if char.isprintable():
        return char
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
