"""Frontmatter dates: every accepted spelling becomes a timezone-aware datetime."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .chars import shown
from .errors import DateError  # defined in the error tree, still importable from here

if TYPE_CHECKING:
    from .model import Note

__all__ = [
    "BUILD_EPOCH",
    "EARLIEST_YEAR",
    "LATEST_YEAR",
    "DateError",
    "build_time",
    "parse_date",
    "parse_note_date",
    "parse_timezone",
    "source_date_epoch",
    "source_date_epoch_problem",
]

#: The years a note's ``created`` and ``updated`` may fall in, both included.  Every real note
#: fits (1900 is before any digital note, 2100 is far ahead of any plausible schedule), and
#: every conversion an output makes stays well inside its limits: to UTC and back (Python's
#: years 1 to 9999), ZIP timestamps (1980 to 2107; earlier ones are clamped, see the EPUB
#: package), PDF and feed dates.  A year outside is a typo or a test of the tool.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100

#: What :func:`build_time` gives when nothing else dates a build: no notes, none dated.
BUILD_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_timezone(name: str) -> tzinfo:
    """The IANA zone called ``name`` (``Europe/Berlin``), or ``UTC``."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DateError(
            f"unknown timezone {name!r} (use an IANA name such as 'Europe/Berlin')"
        ) from exc


def parse_date(value: object, tz: tzinfo) -> datetime:
    """Read a YAML or TOML date value as an aware datetime.

    A date alone means midnight in ``tz`` (the site's timezone), and so does a datetime
    written without an offset: a vault is written in one place, and that place is the site's.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=tz)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return _digits(str(value), tz)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise DateError("empty date")
        if text.isascii() and text.isdigit():
            return _digits(text, tz)
        offset = _UTC_NOTE.fullmatch(text)
        if offset is not None:  # ``2021-05-10T18:22:56 (UTC -05:00)``, as plugins stamp it
            text = offset.group(1) + offset.group(2)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise DateError(
                f"cannot read {value!r} as a date (use 2023-03-06, 2023-03-06 10:00 "
                "or 2023-03-06T10:00:00+01:00)"
            ) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    raise DateError(f"expected a date, got {type(value).__name__} {value!r}")


#: A date and time followed by its offset from UTC in words, as some note plugins stamp
#: ``created``: ``2021-05-10T18:22:56 (UTC -05:00)``.
_UTC_NOTE = re.compile(
    r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)\s*\(UTC\s*([+-]\d{2}:\d{2})\)"
)

#: Dates written as digits alone, by their length: the compact stamps that note plugins
#: and Zettelkasten ids write (``20230608`` and ``20230608203724``, in the site's timezone),
#: and the milliseconds since 1970 that Dendron writes (13 digits, UTC).  Ten digits could
#: be seconds since 1970 or a stamp to the hour, so they are refused rather than guessed.
_STAMPS = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}
_EPOCH_MS_DIGITS = 13


def _digits(text: str, tz: tzinfo) -> datetime:
    if len(text) == _EPOCH_MS_DIGITS:
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC).replace(microsecond=0)
    layout = _STAMPS.get(len(text))
    if layout is None:
        raise DateError(
            f"cannot read {text} as a date: digits alone are read as YYYYMMDD, "
            "YYYYMMDDhhmm, YYYYMMDDhhmmss or milliseconds since 1970 (13 digits)"
        )
    try:
        return datetime.strptime(text, layout).replace(tzinfo=tz)
    except ValueError:
        shown = layout.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
        shown = shown.replace("%H", "hh").replace("%M", "mm").replace("%S", "ss")
        raise DateError(f"cannot read {text} as a date ({shown}: no such day or time)") from None


def parse_note_date(value: object, tz: tzinfo) -> datetime:
    """A note's date: :func:`parse_date`, then refused outside ``EARLIEST_YEAR`` to
    ``LATEST_YEAR`` (the year as written, before any conversion that could overflow)."""
    moment = parse_date(value, tz)
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise DateError(
            f"{moment.isoformat()} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR} "
            "that a note's date may take"
        )
    return moment


def source_date_epoch_problem() -> str | None:
    """Why ``SOURCE_DATE_EPOCH`` cannot be read, or None (unset, or a whole number of
    seconds): a build must not fall back to the clock when the variable says otherwise."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if raw and source_date_epoch() is None:
        return (
            f"SOURCE_DATE_EPOCH {shown(repr(raw))} is not a number of seconds since 1970-01-01 "
            "UTC (as `date +%s` prints); set it to one, or unset it"
        )
    return None


def source_date_epoch() -> datetime | None:
    """``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) as a UTC moment, or None
    when it is unset or not an integer (which :func:`source_date_epoch_problem` reports)."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if raw:
        try:
            return datetime.fromtimestamp(int(raw), tz=UTC)
        except (ValueError, OverflowError, OSError):
            pass
    return None


def build_time(notes: Iterable[Note] = ()) -> datetime:
    """The moment a build claims to happen, the same on every build of the same vault.

    ``SOURCE_DATE_EPOCH`` when set to an integer (the reproducible-builds convention), else
    the newest ``created`` or ``updated`` among ``notes``, else the Unix epoch.  Never the
    wall clock, so that two builds of one vault give the same bytes.  Always UTC, to the
    second, as PDF metadata, ZIP entries and feed dates carry it.
    """
    fixed = source_date_epoch()
    if fixed is not None:
        return fixed
    moments = [moment for note in notes for moment in (note.created, note.updated) if moment]
    newest = max(moments, default=BUILD_EPOCH)
    return newest.astimezone(UTC).replace(microsecond=0)
