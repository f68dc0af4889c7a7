"""Wikilink syntax shared by the vault loader (which records links) and the markdown plugin.

Both read ``[[target#heading|alias]]`` through :func:`parse_wikilink`, so the model and the
rendered output can never disagree about what a link points at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .codespans import blank_code_spans
from .model import Link
from .scan import prose_lines

__all__ = ["WIKILINK_RE", "parse_wikilink", "scan_links"]

#: ``[[...]]`` or ``![[...]]`` on one line, without nested brackets.
WIKILINK_RE = re.compile(r"(!?)\[\[([^\[\]\n]+?)\]\]")


def parse_wikilink(inner: str, *, embed: bool = False, line: int | None = None) -> Link:
    """Split the inside of ``[[...]]`` into target, heading and alias.

    ``|`` separates the alias (for embeds, a size such as ``300``), the first ``#`` the
    heading. Obsidian escapes ``|`` as ``\\|`` inside tables; that is accepted too.
    """
    inner = inner.replace("\\|", "|")
    target, _, alias = inner.partition("|")
    target, _, heading = target.partition("#")
    return Link(
        target=target.strip(),
        heading=heading.strip() or None,
        alias=alias.strip() or None,
        embed=embed,
        line=line,
    )


def scan_links(body: str, *, first_line: int = 1) -> Iterator[Link]:
    """Every wikilink and embed of a markdown body, with its file line, skipping code.

    This is a light scan, not a full parse: the loader uses it to know a note's links
    without rendering it.  Fenced blocks and code spans are skipped; indented code is not
    worth the cost of a real block parse here.
    """
    for offset, text in prose_lines(body):
        if "[[" not in text:
            continue
        visible = blank_code_spans(text)
        for match in WIKILINK_RE.finditer(visible):
            yield parse_wikilink(
                match.group(2), embed=bool(match.group(1)), line=first_line + offset
            )
