"""Which digests a pdf target writes: notes grouped by created week, month, year or tag.

Grouping is by the note's ``created`` date in the site's timezone, so a note written late on
Sunday evening in Berlin lands in that week's digest, not in the next one's by UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from notepress.model import Note
from notepress.periods import format_day as format_date
from notepress.periods import format_range, period
from notepress.selection import tagged
from notepress.slugs import tag_slug

__all__ = ["Group", "format_date", "format_range", "group_notes"]


@dataclass(frozen=True)
class Group:
    """One digest: its file name, a label for people, and its notes (oldest first)."""

    key: str
    """Sort key and stem of the file name: ``2023-W05``, ``2023-02``, ``2023``, ``tag-audio``."""
    label: str
    """How the cover names the group: ``February 2023``, ``Week 5, 2023``, ``#audio``."""
    notes: tuple[Note, ...]

    @property
    def file_name(self) -> str:
        return f"{self.key}.pdf"


def group_notes(
    notes: Sequence[Note],
    how: str,
    tz: tzinfo,
    *,
    english: bool = True,
    only_tags: Sequence[str] = (),
    latest: int | None = None,
) -> list[Group]:
    """The digests for ``notes`` grouped ``how`` (all, week, month, year or tag).

    Notes without a created date go to an ``undated`` digest rather than vanish.  With
    ``latest``, only the newest groups are kept: by date for time groups, by their newest
    note for tag groups.  ``only_tags`` limits tag digests to those tags (the target's
    ``include_tags``), so that a digest of one tag does not spawn digests of its neighbours.
    """
    if how == "all":
        groups = [Group("digest", "", tuple(notes))] if notes else []
    elif how == "tag":
        groups = _by_tag(notes, only_tags)
    else:
        groups = _by_date(notes, how, tz, english)
    if latest is not None:
        groups = _newest(groups, how, latest)
    return groups


def _by_date(notes: Sequence[Note], how: str, tz: tzinfo, english: bool) -> list[Group]:
    buckets: dict[str, list[Note]] = {}
    labels: dict[str, str] = {}
    for note in notes:
        if note.created is None:
            key, label = "undated", "Undated notes"
        else:
            key, label = period(note.created.astimezone(tz), how, english=english)
        buckets.setdefault(key, []).append(note)
        labels[key] = label
    # Undated notes count as the oldest, as they do when the core sorts notes.
    return [
        Group(key, labels[key], tuple(sorted(buckets[key], key=lambda n: n.sort_key)))
        for key in sorted(buckets, key=lambda k: (k != "undated", k))
    ]


def _by_tag(notes: Sequence[Note], only_tags: Sequence[str]) -> list[Group]:
    if only_tags:
        return _by_included_tag(notes, only_tags)
    buckets: dict[str, list[Note]] = {}
    labels: dict[str, str] = {}
    for note in notes:
        tags = note.tags or ("",)
        for tag in tags:
            slug = tag_slug(tag) if tag else ""
            key = f"tag-{slug}" if slug else "untagged"
            buckets.setdefault(key, [])
            if note not in buckets[key]:
                buckets[key].append(note)
            labels.setdefault(key, f"#{tag}" if tag else "Untagged notes")
    return [
        Group(key, labels[key], tuple(sorted(buckets[key], key=lambda n: n.sort_key)))
        for key in sorted(buckets)
    ]


def _newest(groups: list[Group], how: str, latest: int) -> list[Group]:
    if how != "tag":
        return groups[len(groups) - latest :] if latest else []
    by_recency = sorted(groups, key=lambda g: (max(n.sort_key for n in g.notes), g.key))
    kept = {g.key for g in by_recency[len(by_recency) - latest :]} if latest else set()
    return [g for g in groups if g.key in kept]


def _by_included_tag(notes: Sequence[Note], only_tags: Sequence[str]) -> list[Group]:
    """A digest per tag of ``only_tags``, of the notes the selection took for it: those
    tagged so in any case, or with a tag nested in it (``baking/rye`` for ``baking``)."""
    buckets: dict[str, list[Note]] = {}
    labels: dict[str, str] = {}
    for tag in only_tags:
        # Tags that share a file name (``home/lab``, ``home-lab``) share its digest: the
        # second's notes were in none.
        key = f"tag-{tag_slug(tag.strip().lstrip('#'))}"
        bucket = buckets.setdefault(key, [])
        bucket.extend(n for n in notes if tagged(n, tag) and n not in bucket)
        labels.setdefault(key, f"#{tag.strip().lstrip('#')}")
    return [
        Group(key, labels[key], tuple(sorted(buckets[key], key=lambda n: n.sort_key)))
        for key in sorted(buckets)
        if buckets[key]
    ]
