"""Which characters of a digest no bundled font can print, named by script.

The bundled faces cover Latin, Greek, Cyrillic and common symbols (``templates/pdf/fonts``).
Anything else (Han, Hangul, Arabic, emoji) is printed with a font of the machine, when it
has one, or as a box: the PDF then depends on the machine.  That is worth one warning per
target, naming the scripts, so that a user knows why two machines print different files.

Coverage is read from the fonts' own character maps (fontTools), never from a list of
ranges kept by hand, so that it stays right if the subsets are made again.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from fontTools import unicodedata as script_data
from fontTools.ttLib import TTFont

from notepress.templating import builtin_templates

__all__ = ["bundled_characters", "describe_missing", "missing_characters"]

#: Unicode blocks whose characters, of no script of their own, are emoji or pictographs.
_EMOJI_BLOCKS = frozenset(
    {
        "Emoticons",
        "Miscellaneous Symbols and Pictographs",
        "Supplemental Symbols and Pictographs",
        "Symbols and Pictographs Extended-A",
        "Transport and Map Symbols",
        "Enclosed Alphanumeric Supplement",
        "Enclosed Ideographic Supplement",
        "Playing Cards",
        "Mahjong Tiles",
        "Domino Tiles",
    }
)
#: Categories that print nothing of their own: controls, formats (joiners), spaces.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})


@functools.cache
def bundled_characters(folder: Path | None = None) -> frozenset[int]:
    """Every code point some bundled font has a glyph for."""
    fonts = (folder or builtin_templates("pdf") / "fonts").glob("*.ttf")
    found: set[int] = set()
    for path in sorted(fonts):
        with TTFont(path, lazy=True) as font:
            found.update(font.getBestCmap() or {})
    return frozenset(found)


def missing_characters(texts: Iterable[str]) -> dict[str, set[str]]:
    """The characters of ``texts`` no bundled font has, by script name."""
    have = bundled_characters()
    by_script: dict[str, set[str]] = {}
    seen: set[str] = set()
    for text in texts:
        for char in set(text) - seen:
            seen.add(char)
            if ord(char) in have or _invisible(char):
                continue
            by_script.setdefault(script_of(char), set()).add(char)
    return by_script


def script_of(char: str) -> str:
    """A readable name for the writing system of ``char``: ``Han``, ``Arabic``, ``Emoji``.

    Characters shared by all scripts (symbols, emoji) are named by their Unicode block.
    """
    code = script_data.script(char)
    if code not in ("Zyyy", "Zinh", "Zzzz"):
        return str(script_data.script_name(code))
    block = str(script_data.block(char))
    return "Emoji" if block in _EMOJI_BLOCKS else block


def describe_missing(missing: dict[str, set[str]]) -> str:
    """``12 characters in the scripts Han, Emoji are``: the count, the scripts (largest
    first) and the verb that agrees with them, for the start of a sentence."""
    count = sum(len(chars) for chars in missing.values())
    scripts = sorted(missing, key=lambda name: (-len(missing[name]), name))
    if count == 1:
        return f"1 character in the script {scripts[0]} is"
    plural = "s" if len(scripts) != 1 else ""
    return f"{count} characters in the script{plural} {', '.join(scripts)} are"


def _invisible(char: str) -> bool:
    """Joiners, variation selectors and spaces: nothing a font must draw."""
    return (
        unicodedata.category(char) in _INVISIBLE
        or 0xFE00 <= ord(char) <= 0xFE0F
        or (0xE0100 <= ord(char) <= 0xE01EF)
    )
