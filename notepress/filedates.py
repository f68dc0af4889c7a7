"""A date written in a note's file name, as daily notes carry one (``2023-09-12 Meeting.md``).

Obsidian's daily notes and most journaling plugins name a file after its day, and such notes
seldom hold a date key: the name is the date.  The pattern is a config choice
(``[vault] filename_date``) written with the tokens ``YYYY``, ``MM`` and ``DD`` (the tokens
Obsidian's own date formats use), everything else matched literally.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, time, tzinfo
from pathlib import PurePosixPath

from .dates import EARLIEST_YEAR, LATEST_YEAR

__all__ = ["TOKENS", "date_in_name", "pattern_problem"]

#: Each token and the digits it stands for.
TOKENS = {"YYYY": r"(?P<year>\d{4})", "MM": r"(?P<month>\d{2})", "DD": r"(?P<day>\d{2})"}
_TOKEN_RE = re.compile("|".join(TOKENS))


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot date a file name, or None when it can (or is empty: off)."""
    if not pattern:
        return None
    found = _TOKEN_RE.findall(pattern)
    missing = [token for token in TOKENS if token not in found]
    if missing:
        return f"must hold each of YYYY, MM and DD (missing {', '.join(missing)}), or be empty"
    if len(found) != len(set(found)):
        return "holds a token twice; write each of YYYY, MM and DD once"
    return None


@functools.lru_cache(maxsize=16)
def _compile(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    last = 0
    for match in _TOKEN_RE.finditer(pattern):
        parts.append(re.escape(pattern[last : match.start()]))
        parts.append(TOKENS[match.group()])
        last = match.end()
    parts.append(re.escape(pattern[last:]))
    # Not part of a longer number: ``20230912`` must not yield a date from its middle.
    return re.compile(r"(?<!\d)" + "".join(parts) + r"(?!\d)")


def date_in_name(path: PurePosixPath, pattern: str, tz: tzinfo) -> datetime | None:
    """The first date ``pattern`` finds in the file name of ``path`` (without ``.md``), as
    midnight in ``tz``; None when the pattern is empty or invalid, or the name holds no real
    date (``2023-02-30`` is a name, not a day; a year outside the range a note's date may
    take is a subject, not a date)."""
    if not pattern or pattern_problem(pattern):
        return None
    match = _compile(pattern).search(path.stem)
    return _day(match, tz) if match is not None else None


def _day(match: re.Match[str], tz: tzinfo) -> datetime | None:
    try:
        day = datetime(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        return None  # a note about 1066 is not written in 1066
    return datetime.combine(day.date(), time(), tzinfo=tz)
