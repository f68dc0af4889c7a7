"""Human dates for outputs that group notes by period: days, ranges, months, ISO weeks.

English names are built in, so no locale database is needed; other languages get ISO dates,
which every reader understands.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

__all__ = ["MONTH_NAMES", "format_day", "format_range", "month_label", "period"]

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DASH = "\u2013"  # an en dash, for ranges


def format_day(moment: datetime, tz: tzinfo | None = None, *, english: bool = True) -> str:
    """``6 February 2023`` in English, else the ISO date."""
    local = moment.astimezone(tz) if tz is not None else moment
    if not english:
        return local.date().isoformat()
    return f"{local.day} {MONTH_NAMES[local.month - 1]} {local.year}"


def month_label(moment: datetime) -> str:
    """``February 2023``."""
    return f"{MONTH_NAMES[moment.month - 1]} {moment.year}"


def format_range(first: datetime, last: datetime, tz: tzinfo, *, english: bool = True) -> str:
    """``6-27 February 2023``, ``30 January - 5 February 2023`` (with en dashes) or one day."""
    start, end = first.astimezone(tz), last.astimezone(tz)
    if start.date() == end.date():
        return format_day(start, english=english)
    if not english:
        return f"{start.date().isoformat()} {_DASH} {end.date().isoformat()}"
    if start.year != end.year:
        return f"{format_day(start)} {_DASH} {format_day(end)}"
    if start.month != end.month:
        return f"{start.day} {MONTH_NAMES[start.month - 1]} {_DASH} {format_day(end)}"
    return f"{start.day} {_DASH} {format_day(end)}"


def period(moment: datetime, how: str, *, english: bool = True) -> tuple[str, str]:
    """The key (``2023-W05``, ``2023-02``, ``2023``) and label of the period holding ``moment``.

    ``how`` is ``week`` (ISO weeks), ``month`` or ``year``; keys sort chronologically.
    """
    if how == "week":
        year, week, _ = moment.isocalendar()
        key = f"{year:04d}-W{week:02d}"
        return key, (f"Week {week}, {year}" if english else key)
    if how == "month":
        key = f"{moment.year:04d}-{moment.month:02d}"
        return key, (month_label(moment) if english else key)
    if how == "year":
        return f"{moment.year:04d}", f"{moment.year}"
    raise ValueError(f"unknown period {how!r}")
