"""The Admonition plugin's blocks: a fence whose language is ``ad-<type>`` is a callout.

Before Obsidian had callouts, its Admonition community plugin drew boxes from code blocks::

    ```ad-warning
    title: Mind the **step**
    collapse: closed
    The body is markdown: [[links]], lists, formulas, even a nested admonition.
    ```

Vaults written then hold hundreds of them, and read as code they showed their markdown raw,
their links unread.  Each becomes the callout a ``> [!warning]`` quote would make, so every
output, the link graph and the checks treat the two alike.  As the plugin reads them:

- ``title:``, ``collapse:``, ``icon:``, ``color:`` and ``metadata:`` lines at the top are
  parameters, each once, in any order; the first other line starts the body;
- the title is inline markdown; without a ``title:`` line it is the type, capitalised; an
  empty one shows no title (unless the block folds, which needs one);
- ``collapse: open`` folds open, ``closed`` (or any other value but ``none``) folds shut;
- ``icon`` and ``color`` belong to the vault's theme and are not carried; ``metadata`` is
  kept on the token, as a callout's ``[!type|metadata]`` is;
- an admonition nested in another uses a longer fence, and is converted in turn.

It runs right after the block rule, before the callout rule, so a ``> [!note]`` inside an
admonition is a callout too; the comment rule's own parse runs it as well, so a ``%%`` inside
an admonition is a comment, as in Obsidian, not code.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .callouts import callout_body, callout_title, make_callout

__all__ = ["ADMONITION_LANGUAGE", "admonitions_plugin"]

#: A fence's info string naming an admonition: ``ad-`` and the type, nothing after it.
ADMONITION_LANGUAGE = re.compile(r"^ad-([^\s`]+)(?:\s|$)")
#: A parameter line at the top of the block.
_PARAMETER = re.compile(r"^(title|collapse|icon|color|metadata):(.*)$")
#: The plugin's own names for a callout type that notepress styles under another name.
_ALIASES = {"seealso": "note"}


def admonitions_plugin(md: MarkdownIt) -> None:
    md.core.ruler.after("block", "admonitions", _admonitions)


def _admonitions(state: StateCore) -> None:
    if "ad-" not in state.src:
        return  # most notes: no token to look at
    tokens = state.tokens
    index = 0
    # The loop goes on through each converted block's tokens: an admonition's body may hold
    # another (with a shorter fence), which it then meets and converts in turn.
    while index < len(tokens):
        token = tokens[index]
        if token.type == "fence":
            match = ADMONITION_LANGUAGE.match(token.info.strip())
            if match is not None:
                tokens[index : index + 1] = _callout(state, token, match.group(1))
        index += 1


def _callout(state: StateCore, fence: Token, name: str) -> list[Token]:
    """The tokens of the callout that the admonition ``fence`` of type ``name`` draws."""
    lines = fence.content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the fence's content ends with a line break
    parameters: dict[str, str] = {}
    title_at = -1  # the title's line in the block (the fence's line for the type's name)
    for at, line in enumerate(lines):
        found = _PARAMETER.match(line)
        if found is None or found.group(1) in parameters:
            break
        parameters[found.group(1)] = found.group(2).strip()
        title_at = at if found.group(1) == "title" else title_at
    body = lines[len(parameters) :]

    kind = name.lower()
    kind = _ALIASES.get(kind, kind)
    collapse = parameters.get("collapse", "none").lower()
    fold = "" if collapse == "none" else "+" if collapse == "open" else "-"
    title = parameters.get("title")
    if title is None or (not title and fold):
        title = name[:1].upper() + name[1:].lower()

    start = fence.map[0] if fence.map else 0
    opener, closer = Token("", "", 1), Token("", "", -1)
    make_callout(opener, closer, kind, fold, parameters.get("metadata", ""))
    for token in (opener, closer):
        token.block = True
        token.level = fence.level
        token.map = fence.map
        token.markup = fence.markup
    opener.info = fence.info

    made = [opener]
    if title:
        title_line = start + 1 + title_at
        made.extend(callout_title(title, fence.level + 1, [title_line, title_line + 1]))
    if "\n".join(body).strip():  # the plugin renders the body as a document of its own
        made.extend(
            callout_body(state, "\n".join(body), fence.level + 1, start + 1 + len(parameters))
        )
    made.append(closer)
    return made
