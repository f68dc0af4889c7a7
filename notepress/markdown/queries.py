"""Query blocks of Obsidian plugins: written as code, shown by Obsidian as what they find.

Obsidian's own: search (``query``) and Bases (``base``, a table of the notes its filters
find); Dataview's (``dataview``, ``dataviewjs``) and its successor Datacore's
(``datacore``, ``datacorejs``, ``datacorejsx``, ``datacoretsx``), the Tasks plugin's
(``tasks``), Tracker's (``tracker``, charts of fields and tags across notes), the Todoist
plugin's (``todoist``, tasks fetched from an account) and Meta Bind's widgets
(``meta-bind``, ``meta-bind-button``...: inputs and buttons that edit the note).  Obsidian shows a query's results,
never its text, which names folders, tags, fields and filters of the vault or the account,
public or not; notepress runs no queries, so the block is left out.  The loader reports each
one (so ``check`` does), and the renderer leaves them out.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from markdown_it.token import Token

__all__ = [
    "INLINE_QUERY_NEEDLES",
    "QUERY_FENCE",
    "fence_language",
    "fence_pattern",
    "fenced_blocks",
    "inline_queries",
    "inline_query",
    "inline_query_message",
    "own_field",
    "query_blocks",
    "query_language",
    "query_message",
    "reads_own_field",
]

_LANGUAGES = frozenset(
    {
        "base",
        "datacore",
        "datacorejs",
        "datacorejsx",
        "datacoretsx",
        "dataview",
        "meta-bind",
        "meta-bind-button",
        "meta-bind-embed",
        "meta-bind-js-view",
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
    if language.startswith("meta-bind"):
        return (
            f"{language} widget left out: no output can show an input or a button, and "
            "its text is not for readers"
        )
    return (
        f"{language} query left out: notepress runs no queries, and a query's text is not "
        "for readers; write what it finds as text to publish it"
    )


# Inline queries -----------------------------------------------------------------------

#: A Dataview inline query that reads the note itself (``=this.source``, ``= this.file.name``),
#: another note (``= [[Seal spec]].rating``) or calls one of Dataview's functions, named in
#: lower case as Dataview names them (``= date(today)``, ``= choice(...)``), or any
#: DataviewJS one (``$=dv.current().file.inlinks.length``, or a script of the vault's own,
#: ``$=customJS.header(dv, this)``): a code span Obsidian shows as a value.  Only these
#: forms: ``=SUM(A1:A3)`` is a spreadsheet's formula, and ``=this is it`` words.
_DATAVIEW_FUNCTIONS = (  # noqa: SIM905 - a list of words reads best as words
    "all any array average ceil choice containsword contains currencyformat date "
    "dateformat default display dur durationformat econtains elink embed endswith extract "
    "filter flat floor hash icontains join length link list localtime lower map max maxby "
    "meta min minby none nonnull number object padleft padright product reduce regexmatch "
    "regexreplace regextest replace reverse round slice sort split startswith string "
    "striptime substring sum trunc truncate typeof unique upper"
).split()
_INLINE_QUERY = re.compile(
    r"=\s*(?:this(?:\.|\s*$)|\[\[[^\[\]\n]+\]\]|(?:"
    + "|".join(sorted(_DATAVIEW_FUNCTIONS, key=lambda name: (-len(name), name)))
    + r")\()|\$=\s*\S",
    re.DOTALL,
)
#: The one form answered here: a field of the note itself, or its file's name.
_OWN_FIELD = re.compile(r"=\s*this\.(file\.name|[A-Za-z_][\w-]*)\s*")
#: Strings inside a query's first words that may start one, for the loader's look.
INLINE_QUERY_NEEDLES = ("=this", "= this", "$=", "`=", "` =", "INPUT[", "VIEW[", "BUTTON[")


#: A spreadsheet's cell reference (``B2``, ``$C$9``): a formula typed in lower case
#: (``=sum(B2:B9)``) calls no Dataview function.
_CELL = re.compile(r"\b\$?[A-Z]{1,3}\$?[0-9]+\b")


#: Meta Bind's inline widgets (``INPUT[toggle:done]``, ``VIEW[{price} * 2]``), which
#: Obsidian draws as a field or a button and no output can.
_WIDGET = re.compile(r"(?:INPUT|VIEW|BUTTON)\[.*\]\s*$", re.DOTALL)


def inline_query(code: str) -> bool:
    """Whether a code span's text is a Dataview inline query (or a Meta Bind widget)."""
    if _WIDGET.match(code) is not None:
        return True
    if _INLINE_QUERY.match(code) is None:
        return False
    return code.lstrip().startswith("$=") or _CELL.search(code) is None


def own_field(code: str, path: PurePosixPath, fields: Mapping[str, Any]) -> str | None:
    """The value of the note's own field an inline query shows (``=this.source``), as
    Dataview writes text, a number or a list of them; None for another query, a field the
    note does not have, or a value of another kind.  ``fields``: the note's frontmatter."""
    found = _OWN_FIELD.fullmatch(code)
    if found is None:
        return None
    name = found.group(1)
    if name == "file.name":
        return path.stem
    value = fields.get(name)
    if value is None:  # Dataview also answers a key by its name in lower case
        value = next((v for k, v in fields.items() if str(k).lower() == name.lower()), None)
    items = value if isinstance(value, list) else [value]
    if not items or not all(
        isinstance(item, str | int | float) and not isinstance(item, bool) for item in items
    ):
        return None
    return ", ".join(str(item) for item in items)


def reads_own_field(code: str) -> bool:
    """Whether an inline query asks for a field of the note itself (``=this.source``)."""
    return _OWN_FIELD.fullmatch(code) is not None


def inline_query_message(code: str, *, found: bool = True) -> str:
    """The ``query-inline`` warning's text: a query the loader finds (any but a note's own
    field), or, at render, a field the note does not have as text, a number or a list."""
    if not found:
        return (
            f"Dataview inline query {reprlib.repr(code)} left out: the note has no such "
            "field as text, a number or a list"
        )
    if _WIDGET.match(code) is not None:
        return (
            f"Meta Bind widget {reprlib.repr(code)} left out: no output can show an input "
            "or a button"
        )
    return (
        f"Dataview inline query {reprlib.repr(code)} left out: notepress answers only a "
        "note's own field (=this.key, =this.file.name); write what it finds as text to "
        "publish it"
    )


def inline_queries(tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """(body line, 0-based, text) of each inline query of ``tokens`` that does not read a
    field of the note itself: those are left out, whatever the note holds."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        line = token.map[0] if token.map else 0
        for child in token.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif (
                child.type == "code_inline"
                and inline_query(child.content)
                and not reads_own_field(child.content)
            ):
                yield line, child.content
