"""Human dates and periods shared by the outputs that group notes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from notepress.periods import format_day, format_range, period

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("how", "moment", "expected"),
    [
        pytest.param("week", datetime(2023, 2, 5), ("2023-W05", "Week 5, 2023"), id="iso-week"),
        pytest.param(
            "week", datetime(2021, 1, 2), ("2020-W53", "Week 53, 2020"), id="week-of-last-year"
        ),
        pytest.param("month", datetime(2023, 2, 5), ("2023-02", "February 2023"), id="month"),
        pytest.param("year", datetime(2023, 2, 5), ("2023", "2023"), id="year"),
    ],
)
def test_period(how: str, moment: datetime, expected: tuple[str, str]) -> None:
    assert period(moment, how) == expected


def test_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="fortnight"):
        period(datetime(2023, 1, 1), "fortnight")


def test_days_are_read_in_the_site_timezone() -> None:
    late = datetime(2023, 2, 5, 23, 30, tzinfo=UTC)
    assert format_day(late, BERLIN) == "6 February 2023"
    assert format_day(late, BERLIN, english=False) == "2023-02-06"


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        pytest.param((2023, 2, 6), (2023, 2, 6), "6 February 2023", id="one-day"),
        pytest.param((2023, 2, 6), (2023, 2, 27), "6 \u2013 27 February 2023", id="same-month"),
        pytest.param(
            (2023, 1, 30), (2023, 2, 5), "30 January \u2013 5 February 2023", id="two-months"
        ),
        pytest.param(
            (2022, 12, 30), (2023, 1, 2), "30 December 2022 \u2013 2 January 2023", id="two-years"
        ),
    ],
)
def test_format_range(
    first: tuple[int, int, int], last: tuple[int, int, int], expected: str
) -> None:
    start, end = (datetime(*parts, 12, tzinfo=UTC) for parts in (first, last))
    assert format_range(start, end, UTC) == expected
