"""``==highlight==`` to ``<mark>``, a delimiter rule shaped exactly like strikethrough's."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Delimiter

__all__ = ["highlight_plugin"]

_EQUALS = 0x3D


def highlight_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("emphasis", "highlight", _tokenize)
    md.inline.ruler2.before("emphasis", "highlight", _post_process)


def _tokenize(state: StateInline, silent: bool) -> bool:
    if silent or state.src[state.pos] != "=":
        return False
    scanned = state.scanDelims(state.pos, True)
    length = scanned.length
    if length < 2:
        return False
    if length % 2:
        token = state.push("text", "", 0)
        token.content = "="
        length -= 1
    for _ in range(0, length, 2):
        token = state.push("text", "", 0)
        token.content = "=="
        state.delimiters.append(
            Delimiter(
                marker=_EQUALS,
                length=0,
                token=len(state.tokens) - 1,
                end=-1,
                open=scanned.can_open,
                close=scanned.can_close,
            )
        )
    state.pos += scanned.length
    return True


def _pair(state: StateInline, delimiters: list[Delimiter]) -> None:
    lone_markers = []
    for start in delimiters:
        if start.marker != _EQUALS or start.end == -1:
            continue
        end = delimiters[start.end]
        opener = state.tokens[start.token]
        opener.type, opener.tag, opener.nesting, opener.markup, opener.content = (
            "mark_open",
            "mark",
            1,
            "==",
            "",
        )
        closer = state.tokens[end.token]
        closer.type, closer.tag, closer.nesting, closer.markup, closer.content = (
            "mark_close",
            "mark",
            -1,
            "==",
            "",
        )
        previous = state.tokens[end.token - 1]
        if previous.type == "text" and previous.content == "=":
            lone_markers.append(end.token - 1)
    # An odd run (``===``) leaves one ``=`` in front: move it after the closing tags.
    while lone_markers:
        index = lone_markers.pop()
        later = index + 1
        while later < len(state.tokens) and state.tokens[later].type == "mark_close":
            later += 1
        later -= 1
        if index != later:
            state.tokens[index], state.tokens[later] = state.tokens[later], state.tokens[index]


def _post_process(state: StateInline) -> None:
    _pair(state, state.delimiters)
    for meta in state.tokens_meta:
        if meta and "delimiters" in meta:
            _pair(state, meta["delimiters"])
