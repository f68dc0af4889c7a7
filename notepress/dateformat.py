"""A vault's own way of writing dates in its frontmatter, in the tokens Obsidian writes them with.

Obsidian, its daily notes and the Templater plugin format dates with moment.js, so a vault
that does not write ISO dates writes them in moment's tokens: ``DD-MM-YYYY``, or Templater's
``dddd, MMMM Do YYYY - HH.mm`` (``Sunday, November 13th 2022 - 19.21``).  ``[vault]
date_format`` takes the same tokens, so the format a writer set in Obsidian is the one to
copy here.  Names of months and days are English, moment's default; text in brackets
(``[at]``) is literal, as in moment, and so is anything that is no token.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, tzinfo

from .dates import EARLIEST_YEAR, LATEST_YEAR

__all__ = ["TOKENS", "date_written", "format_problem", "names_a_month"]

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

#: Each token, the field it gives and the text it matches (longest tokens first).
TOKENS: dict[str, tuple[str | None, str]] = {
    "YYYY": ("year", r"\d{4}"),
    "MMMM": ("month_name", "|".join(_MONTHS)),
    "MMM": ("month_short", "|".join(name[:3] for name in _MONTHS)),
    "MM": ("month", r"\d{2}"),
    "M": ("month", r"\d{1,2}"),
    "Do": ("day", r"\d{1,2}(?:st|nd|rd|th)"),
    "DD": ("day", r"\d{2}"),
    "D": ("day", r"\d{1,2}"),
    "dddd": (None, "|".join(_DAYS)),
    "ddd": (None, "|".join(name[:3] for name in _DAYS)),
    "HH": ("hour", r"\d{2}"),
    "H": ("hour", r"\d{1,2}"),
    "hh": ("hour12", r"\d{2}"),
    "h": ("hour12", r"\d{1,2}"),
    "mm": ("minute", r"\d{2}"),
    "ss": ("second", r"\d{2}"),
    "A": ("meridiem", "AM|PM"),
    "a": ("meridiem", "am|pm"),
}
_TOKEN_RE = re.compile(r"\[[^\]]*\]|" + "|".join(TOKENS))
_MONTH_FIELDS = ("month", "month_name", "month_short")


_MONTH_WORD = re.compile(
    r"\b(?:" + "|".join(name[:3] for name in _MONTHS) + r")[a-z]*\b", re.IGNORECASE
)


def names_a_month(text: str) -> bool:
    """Whether ``text`` holds an English month's name or its first three letters (a date
    written as Templater writes one, ``November 13th 2022``)."""
    return _MONTH_WORD.search(text) is not None


def format_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot read a date, or None when it can (or is empty: off)."""
    if not pattern:
        return None
    fields = [TOKENS[token][0] for token in _tokens(pattern)]
    named = [field for field in fields if field is not None]
    missing = []
    if "year" not in named:
        missing.append("a year (YYYY)")
    if not any(field in named for field in _MONTH_FIELDS):
        missing.append("a month (MM, M, MMM or MMMM)")
    if "day" not in named:
        missing.append("a day (DD, D or Do)")
    if missing:
        return f"must hold {', '.join(missing)}, or be empty"
    months = sum(1 for field in named if field in _MONTH_FIELDS)
    if len(named) != len(set(named)) or months > 1:
        return "gives a part of the date twice; write each of year, month and day once"
    if ("hour12" in named) != ("meridiem" in named):
        return "needs hh or h together with A or a (a 12-hour clock), or HH for 24 hours"
    return None


def date_written(text: str, pattern: str, tz: tzinfo) -> datetime | None:
    """The moment ``text`` is, written the whole of it as ``pattern`` says, in ``tz``
    (midnight when the pattern has no time); None when it is not one."""
    if not pattern or format_problem(pattern):
        return None
    found = _compile(pattern).fullmatch(" ".join(text.split()))
    if found is None:
        return None
    parts = found.groupdict()
    if parts.get("month_name"):
        month = _index(_MONTHS, parts["month_name"])
    elif parts.get("month_short"):
        month = _index([name[:3] for name in _MONTHS], parts["month_short"])
    else:
        month = int(parts["month"])
    hour = int(parts.get("hour") or 0)
    if parts.get("hour12"):
        hour = int(parts["hour12"]) % 12 + (12 if parts["meridiem"].lower() == "pm" else 0)
    try:
        moment = datetime(
            int(parts["year"]),
            month,
            int(re.sub(r"\D", "", parts["day"])),
            hour,
            int(parts.get("minute") or 0),
            int(parts.get("second") or 0),
            tzinfo=tz,
        )
    except ValueError:
        return None  # 31 February, hour 25: no moment
    return moment if EARLIEST_YEAR <= moment.year <= LATEST_YEAR else None


def _index(names: list[str], written: str) -> int:
    return [name.lower() for name in names].index(written.lower()) + 1


def _tokens(pattern: str) -> list[str]:
    return [token for token in _TOKEN_RE.findall(pattern) if not token.startswith("[")]


@functools.lru_cache(maxsize=16)
def _compile(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    last = 0
    for match in _TOKEN_RE.finditer(pattern):
        parts.append(_literal(pattern[last : match.start()]))
        token = match.group()
        if token.startswith("["):
            parts.append(_literal(token[1:-1]))
        else:
            field, text = TOKENS[token]
            parts.append(f"(?P<{field}>{text})" if field else f"(?:{text})")
        last = match.end()
    parts.append(_literal(pattern[last:]))
    # Spaces are compared collapsed, as the text is: a value wrapped by a YAML editor reads.
    return re.compile("".join(parts), re.IGNORECASE)


def _literal(text: str) -> str:
    return re.escape(re.sub(r"\s+", " ", text))
