"""Which digests a pdf target writes: grouping by week, month, year and tag, and ``latest``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

import pytest

from notepress.exporters.pdf.groups import format_range, group_notes
from notepress.model import Note

BERLIN = ZoneInfo("Europe/Berlin")


def make_note(note_id: str, created: datetime | None, tags: tuple[str, ...] = ()) -> Note:
    return Note(
        path=PurePosixPath(f"{note_id}.md"),
        title=f"Note {note_id}",
        note_id=note_id,
        draft=False,
        created=created,
        updated=created,
        tags=tags,
    )


NOTES = [
    make_note("a", datetime(2023, 1, 30, 9, tzinfo=UTC), ("audio", "tools")),
    make_note("b", datetime(2023, 2, 5, 12, tzinfo=UTC), ("audio",)),
    make_note("c", datetime(2023, 2, 27, 8, tzinfo=UTC), ("Tools",)),
    make_note("d", datetime(2024, 1, 2, 8, tzinfo=UTC)),
]


def keys(groups: list) -> list[str]:
    return [g.file_name for g in groups]


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("all", ["digest.pdf"]),
        ("week", ["2023-W05.pdf", "2023-W09.pdf", "2024-W01.pdf"]),
        ("month", ["2023-01.pdf", "2023-02.pdf", "2024-01.pdf"]),
        ("year", ["2023.pdf", "2024.pdf"]),
        ("tag", ["tag-audio.pdf", "tag-tools.pdf", "untagged.pdf"]),
    ],
)
def test_file_names_are_predictable(how: str, expected: list[str]) -> None:
    assert keys(group_notes(NOTES, how, UTC)) == expected


def test_week_groups_use_iso_weeks_and_hold_their_notes_oldest_first() -> None:
    weeks = group_notes(NOTES, "week", UTC)
    assert [n.note_id for n in weeks[0].notes] == ["a", "b"]  # Mon 30 Jan to Sun 5 Feb
    assert weeks[0].label == "Week 5, 2023"


def test_dates_are_read_in_the_site_timezone() -> None:
    late_sunday = make_note("x", datetime(2023, 2, 5, 23, 30, tzinfo=BERLIN))
    # 22:30 UTC on Sunday is still Sunday in Berlin, so week 5; and 2023-01-31 23:30 UTC
    # is already February in Berlin.
    new_month = make_note("y", datetime(2023, 1, 31, 23, 30, tzinfo=UTC))
    assert keys(group_notes([late_sunday], "week", BERLIN)) == ["2023-W05.pdf"]
    assert keys(group_notes([new_month], "month", BERLIN)) == ["2023-02.pdf"]
    assert keys(group_notes([new_month], "month", UTC)) == ["2023-01.pdf"]


def test_a_note_appears_in_each_of_its_tags_and_tag_spellings_merge() -> None:
    tags = {g.key: [n.note_id for n in g.notes] for g in group_notes(NOTES, "tag", UTC)}
    assert tags == {"tag-audio": ["a", "b"], "tag-tools": ["a", "c"], "untagged": ["d"]}


def test_nested_tags_keep_their_parts_in_the_file_name() -> None:
    nested = make_note("n", datetime(2023, 1, 1, tzinfo=UTC), ("projects/notepress",))
    assert keys(group_notes([nested], "tag", UTC)) == ["tag-projects-notepress.pdf"]
    assert group_notes([nested], "tag", UTC)[0].label == "#projects/notepress"


def test_include_tags_limit_tag_digests_to_those_tags() -> None:
    groups = group_notes(NOTES, "tag", UTC, only_tags=["audio"])
    assert keys(groups) == ["tag-audio.pdf"]


def test_an_included_tag_digest_holds_the_notes_tagged_below_it() -> None:
    """Selected for ``baking`` as ``baking/rye`` (or ``#Baking``), a note was in no digest."""
    rye = make_note("r", None, ("baking/rye",))
    plain = make_note("p", None, ("Baking",))
    loaf = make_note("l", None, ("bread",))
    (group,) = group_notes([rye, plain, loaf], "tag", UTC, only_tags=["baking"])
    assert (group.file_name, group.label) == ("tag-baking.pdf", "#baking")
    assert sorted(note.note_id for note in group.notes) == ["p", "r"]
    # Two included tags of one file name share its digest: the second's notes were lost.
    lab, dash = make_note("a", None, ("home/lab",)), make_note("b", None, ("home-lab",))
    (shared,) = group_notes([lab, dash], "tag", UTC, only_tags=["home/lab", "home-lab"])
    assert shared.file_name == "tag-home-lab.pdf" and len(shared.notes) == 2


def test_latest_keeps_the_newest_groups() -> None:
    assert keys(group_notes(NOTES, "month", UTC, latest=2)) == ["2023-02.pdf", "2024-01.pdf"]
    # For tags, the newest group is the one with the newest note.
    assert keys(group_notes(NOTES, "tag", UTC, latest=1)) == ["untagged.pdf"]
    assert keys(group_notes(NOTES, "tag", UTC, latest=2)) == ["tag-tools.pdf", "untagged.pdf"]


def test_undated_notes_get_their_own_digest_counted_as_oldest() -> None:
    undated = make_note("u", None)
    groups = group_notes([*NOTES, undated], "month", UTC)
    assert keys(groups)[0] == "undated.pdf"
    assert keys(group_notes([*NOTES, undated], "month", UTC, latest=1)) == ["2024-01.pdf"]


def test_no_notes_no_digest() -> None:
    assert group_notes([], "all", UTC) == []
    assert group_notes([], "month", UTC) == []


def test_labels_in_other_languages_stay_numeric() -> None:
    groups = group_notes(NOTES, "month", UTC, english=False)
    assert groups[0].label == "2023-01"


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ((2023, 2, 6), (2023, 2, 27), "6 \u2013 27 February 2023"),
        ((2023, 1, 30), (2023, 2, 5), "30 January \u2013 5 February 2023"),
        ((2022, 12, 30), (2023, 1, 2), "30 December 2022 \u2013 2 January 2023"),
        ((2023, 2, 6), (2023, 2, 6), "6 February 2023"),
    ],
)
def test_date_ranges_read_naturally(first: tuple, last: tuple, expected: str) -> None:
    start = datetime(*first, 12, tzinfo=UTC)
    end = datetime(*last, 12, tzinfo=UTC)
    assert format_range(start, end, UTC) == expected
