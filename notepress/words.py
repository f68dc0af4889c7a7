"""Words of text in any script, counted and cut as a reader counts them.

Chinese and Japanese are written without spaces between words, so splitting on spaces made
a paragraph of 1,500 characters one word: a JSON-LD ``wordCount`` of 32 for a whole note,
and a feed summary of "the first 50 words" that ran to 600 characters.  Each ideograph and
kana counts as a word here, as Hugo and word processors count them; every other run of
characters between spaces is one word, as before.  Korean separates its words with spaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import islice

__all__ = ["count_words", "excerpt"]

#: CJK ideographs (and their extensions and compatibility forms), hiragana and katakana.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
#: CJK punctuation and full-width forms (the ideographic full stop and comma): between
#: words, never one.
_CJK_MARKS = "\u3000-\u303f\uff00-\uffef"
_WORD = re.compile(f"[{_UNSPACED}]|[^\\s{_UNSPACED}{_CJK_MARKS}]+")


def count_words(text: str) -> int:
    if text.isascii():  # the renderer asks of every run of text: most are plain
        return len(text.split())
    return sum(1 for _ in _WORD.finditer(text))


def excerpt(paragraphs: Sequence[str], words: int) -> str:
    """The opening ``words`` words of ``paragraphs``, spaces collapsed, with `` …`` when
    more follow; a text in a script without spaces is cut after its ``words``-th character."""
    taken: list[str] = []
    left = words
    for paragraph in paragraphs:
        text = " ".join(paragraph.split())
        if not text:
            continue
        ends = [found.end() for found in islice(_WORD.finditer(text), left + 1)]
        if len(ends) > left:
            if left:
                taken.append(text[: ends[left - 1]])
            return " ".join(taken) + " …"
        taken.append(text)
        left -= len(ends)
    return " ".join(taken)
