"""Query blocks of Obsidian plugins: written as code, shown by Obsidian as what they find.

Obsidian's own: search (``query``) and Bases (``base``, a table of the notes its filters
find); Dataview's (``dataview``, ``dataviewjs``) and its successor Datacore's
(``datacore``, ``datacorejs``, ``datacorejsx``, ``datacoretsx``), the Tasks plugin's
(``tasks``), Tracker's (``tracker``, charts of fields and tags across notes) and the Todoist
plugin's (``todoist``, tasks fetched from an account).  Obsidian shows a query's results,
never its text, which names folders, tags, fields and filters of the vault or the account,
public or not; notepress runs no queries, so the block is left out.  The loader reports each
one (so ``check`` does), and the renderer leaves them out.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Iterator, Sequence

from markdown_it.token import Token

__all__ = [
    "QUERY_FENCE",
    "fence_language",
    "fence_pattern",
    "fenced_blocks",
    "query_blocks",
    "query_language",
    "query_message",
]

_LANGUAGES = frozenset(
    {
        "base",
        "datacore",
        "datacorejs",
        "datacorejsx",
        "datacoretsx",
        "dataview",
        "dataviewjs",
        "query",
        "tasks",
        "todoist",
        "tracker",
    }
)


def fence_pattern(languages: Iterable[str]) -> re.Pattern[str]:
    """A line that may open a fenced block of one of ``languages``, for the loader's look
    before it parses a body (no two parts of it match the same characters, so a long line
    of spaces costs one pass)."""
    return re.compile(
        r"^[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(?:`{3,}|~{3,})[ \t]*(?:"
        + "|".join(sorted(languages, key=lambda name: (-len(name), name)))
        + r")\b",
        re.IGNORECASE | re.MULTILINE,
    )


def fence_language(token: Token, languages: Container[str]) -> str | None:
    """The language of a fenced block, lower case, when it is one of ``languages``."""
    if token.type != "fence":
        return None
    words = token.info.strip().split(maxsplit=1)
    language = words[0].lower() if words else ""
    return language if language in languages else None


#: A line that may open a query block.
QUERY_FENCE = fence_pattern(_LANGUAGES)


def query_language(token: Token) -> str | None:
    """The query language of a fenced block, lower case; None for any other block."""
    return fence_language(token, _LANGUAGES)


def fenced_blocks(tokens: Sequence[Token], languages: Container[str]) -> Iterator[tuple[int, str]]:
    """(body line, 0-based, language) of each fenced block of ``tokens`` in one of
    ``languages``."""
    for token in tokens:
        language = fence_language(token, languages)
        if language is not None:
            yield (token.map[0] if token.map else 0), language


def query_blocks(tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """(body line, 0-based, language) of each query block of ``tokens``."""
    return fenced_blocks(tokens, _LANGUAGES)


def query_message(language: str) -> str:
    """The ``query-block`` warning's text, the same at load and at render."""
    return (
        f"{language} query left out: notepress runs no queries, and a query's text is not "
        "for readers; write what it finds as text to publish it"
    )
