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
from collections.abc import Iterator, Sequence

from markdown_it.token import Token

__all__ = ["QUERY_FENCE", "query_blocks", "query_language", "query_message"]

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
#: A line that may open a query block, for the loader's look before it parses a body (no two
#: parts of it match the same characters, so a long line of spaces costs one pass).
QUERY_FENCE = re.compile(
    r"^[ \t>]*(?:(?:[-*+]|\d+[.)])[ \t]+)?(?:`{3,}|~{3,})[ \t]*(?:"
    + "|".join(sorted(_LANGUAGES, key=lambda name: (-len(name), name)))
    + r")\b",
    re.IGNORECASE | re.MULTILINE,
)


def query_language(token: Token) -> str | None:
    """The query language of a fenced block, lower case; None for any other block."""
    if token.type != "fence":
        return None
    words = token.info.strip().split(maxsplit=1)
    language = words[0].lower() if words else ""
    return language if language in _LANGUAGES else None


def query_blocks(tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """(body line, 0-based, language) of each query block of ``tokens``."""
    for token in tokens:
        language = query_language(token)
        if language is not None:
            yield (token.map[0] if token.map else 0), language


def query_message(language: str) -> str:
    """The ``query-block`` warning's text, the same at load and at render."""
    return (
        f"{language} query left out: notepress runs no queries, and a query's text is not "
        "for readers; write what it finds as text to publish it"
    )
