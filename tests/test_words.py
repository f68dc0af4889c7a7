"""Words in any script: Chinese and Japanese count a word per character, other scripts a
word per run between spaces; a summary is cut at a word, in either."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from notepress.words import count_words, excerpt
from tests.test_markdown import render


def _by_spaces(paragraphs: list[str], words: int) -> str:
    """The cut of a summary before scripts without spaces were counted: the oracle for
    every text they do not appear in."""
    tokens: list[str] = []
    for paragraph in paragraphs:
        tokens.extend(re.split(r"\s+", paragraph.strip()))
        if len(tokens) > words:
            break
    tokens = [token for token in tokens if token]
    text = " ".join(tokens[:words])
    return text + " …" if len(tokens) > words else text


def test_each_ideograph_and_kana_is_a_word() -> None:
    assert count_words("茶を飲む") == 4
    assert count_words("我们喝茶。 Then English words, 3 of them.") == 4 + 6
    assert count_words("한국어는 띄어 씁니다") == 3  # Korean is written with spaces


def test_a_summary_of_chinese_is_cut_after_its_words() -> None:
    text = "今天我们去公园散步。天气很好。"
    assert excerpt([text, "下一段。"], 6) == "今天我们去公 …"
    assert excerpt(["短句。"], 6) == "短句。"
    assert excerpt(["Tea 茶 time", "more"], 3) == "Tea 茶 time …"


@given(
    st.lists(st.text(alphabet=st.sampled_from("ab é\n\t-."), max_size=30), max_size=5),
    st.integers(min_value=0, max_value=12),
)
def test_text_with_spaces_is_cut_as_before(paragraphs: list[str], words: int) -> None:
    """As before, but past a blank paragraph: before, one ended the summary there, empty."""
    assert excerpt(paragraphs, words) == _by_spaces([p for p in paragraphs if p.strip()], words)


def test_a_chinese_note_counts_its_characters() -> None:
    """JSON-LD's wordCount of a note of 1,500 characters was the number of its spaces."""
    rendered = render("我们每天早上喝茶。\n\n然后开始工作。写一些笔记。\n")
    assert rendered.word_count == 8 + 11  # marks are no words
