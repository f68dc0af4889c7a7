"""Notes and renderings as plain JSON data, and back.

A cache file lies in a folder anyone may write to, so it holds data only: no pickle, nothing
that runs code when read.  Every field of :class:`~notepress.model.Note` and
:class:`~notepress.markdown.render.RenderedNote` is written out explicitly, and frontmatter
values a note keeps unread (``extra``) are tagged by type, so that a note read back is equal
to the note parsed, dates, timezones and key order included.  A value this module cannot
write faithfully makes the note uncacheable (:class:`Uncacheable`), never approximated.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import NotepressError
from ..markdown.render import Footnote, Heading, Image, Media, RenderedNote
from ..model import Link, Note, Problem, Severity
from ..plainjson import json_bytes

__all__ = [
    "Uncacheable",
    "canonical",
    "fingerprint",
    "note_from_data",
    "note_to_data",
    "notes_from_columns",
    "notes_to_columns",
    "problems_from_data",
    "problems_to_data",
    "rendered_from_data",
    "rendered_to_data",
]


class Uncacheable(NotepressError, ValueError):
    """A value that plain data cannot carry faithfully: the note is parsed every time."""


def canonical(data: Any) -> str:
    """One text for one value: keys sorted, no spaces (keys and rows compare as text)."""
    return json_bytes(data, sort_keys=True).decode("utf-8", "surrogatepass")


def fingerprint(note: Note) -> str:
    """A hash of everything the note holds: two notes with one fingerprint are equal.

    :func:`note_to_data` writes its keys in one order and mappings as lists of pairs, so
    the JSON needs no sorting to be the same for equal notes.
    """
    return _fingerprint(note_to_data(note))


def _fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(json_bytes(data)).hexdigest()


# time ----------------------------------------------------------------------------------


def _tz(zone: tzinfo | None) -> Any:
    if zone is None:
        return None
    if zone is UTC:
        return "utc"
    if isinstance(zone, ZoneInfo):
        return ["zone", zone.key]
    if isinstance(zone, timezone):
        offset = zone.utcoffset(None)
        return ["fixed", offset.total_seconds(), zone.tzname(None)]
    raise Uncacheable(f"timezone {zone!r}")


def _tz_back(data: Any) -> tzinfo | None:
    if data is None:
        return None
    if data == "utc":
        return UTC
    if data[0] == "zone":
        return ZoneInfo(data[1])
    return timezone(timedelta(seconds=data[1]), data[2])


def _moment(value: datetime | None) -> Any:
    if value is None:
        return None
    naive = value.replace(tzinfo=None).isoformat()
    return [naive, value.fold, _tz(value.tzinfo)]


def _moment_back(data: Any) -> datetime | None:
    if data is None:
        return None
    naive, fold, zone = data
    if zone == "utc" and not fold:
        return datetime.fromisoformat(naive + "+00:00")  # the same, made once, not twice
    return datetime.fromisoformat(naive).replace(fold=fold, tzinfo=_tz_back(zone))


# frontmatter values ---------------------------------------------------------------------


#: Nesting deeper than this is not cached (the note is parsed again each build): each level
#: costs the encoder, the JSON writer and the reader a frame, and 500 levels of YAML lists
#: (valid, and a generated note may hold them) stopped every cached command with a
#: RecursionError.
_MAX_DEPTH = 64


def _value(value: Any, depth: int = 0) -> Any:
    """A YAML value as tagged JSON: ``{"$": type, "v": ...}`` for what JSON has no type for."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return {"$": "int", "v": str(value)}  # any size, and never read back as a float
    if isinstance(value, float):
        return {"$": "float", "v": repr(value)}
    if isinstance(value, datetime):
        return {"$": "datetime", "v": _moment(value)}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise Uncacheable("time with a timezone")
        return {"$": "time", "v": value.isoformat()}
    if isinstance(value, bytes):
        return {"$": "bytes", "v": base64.b64encode(value).decode("ascii")}
    if depth >= _MAX_DEPTH:
        raise Uncacheable(f"a frontmatter value nested over {_MAX_DEPTH} deep")
    depth += 1
    if isinstance(value, list):
        return [_value(item, depth) for item in value]
    if isinstance(value, tuple):
        return {"$": "tuple", "v": [_value(item, depth) for item in value]}
    if isinstance(value, set | frozenset):
        items = [_value(item, depth) for item in value]
        return {"$": type(value).__name__, "v": sorted(items, key=canonical)}
    if isinstance(value, dict | MappingProxyType):
        kind = "dict" if isinstance(value, dict) else "mapping"
        return {
            "$": kind,
            "v": [[_value(k, depth), _value(v, depth)] for k, v in value.items()],
        }
    raise Uncacheable(f"a frontmatter value of type {type(value).__name__}")


_BACK: dict[str, Callable[[Any], Any]] = {
    "int": int,
    "float": float,
    "datetime": _moment_back,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "bytes": lambda v: base64.b64decode(v.encode("ascii")),
    "tuple": lambda v: tuple(_value_back(item) for item in v),
    "set": lambda v: {_value_back(item) for item in v},
    "frozenset": lambda v: frozenset(_value_back(item) for item in v),
    "dict": lambda v: {_value_back(k): _value_back(x) for k, x in v},
    "mapping": lambda v: MappingProxyType({_value_back(k): _value_back(x) for k, x in v}),
}


def _value_back(data: Any) -> Any:
    if isinstance(data, list):
        return [_value_back(item) for item in data]
    if isinstance(data, dict):
        return _BACK[data["$"]](data["v"])
    return data


# notes ---------------------------------------------------------------------------------


def _problem(problem: Problem) -> list[Any]:
    return [problem.severity.value, problem.code, problem.message, problem.path, problem.line]


def _problem_back(data: list[Any]) -> Problem:
    severity, code, message, path, line = data
    return Problem(Severity(severity), code, message, path, line)


def problems_to_data(problems: Iterable[Problem]) -> list[list[Any]]:
    return [_problem(problem) for problem in problems]


def problems_from_data(data: Iterable[list[Any]]) -> list[Problem]:
    return [_problem_back(item) for item in data]


def note_to_data(note: Note) -> dict[str, Any]:
    """Every field of ``note`` as JSON data (raises :class:`Uncacheable`)."""
    return {
        "path": note.path.as_posix(),
        "title": note.title,
        "note_id": note.note_id,
        "draft": note.draft,
        "created": _moment(note.created),
        "updated": _moment(note.updated),
        "tags": list(note.tags),
        "keywords": list(note.keywords),
        "description": note.description,
        "cssclasses": list(note.cssclasses),
        "aliases": list(note.aliases),
        "extra": _value(note.extra),
        "body": note.body,
        "body_line": note.body_line,
        "links": [[x.target, x.heading, x.alias, x.embed, x.line] for x in note.links],
        "field_lines": [[key, line] for key, line in note.field_lines.items()],
        "field_lines_type": type(note.field_lines).__name__,
        "headings": [list(heading) for heading in note.headings],
        "block_ids": sorted(note.block_ids),
        "problems": [_problem(p) for p in note.problems],
        "created_from": note.created_from,
        "updated_from": note.updated_from,
        "slug": note.slug,
        "outlined": note.outlined,
    }


def note_from_data(data: Mapping[str, Any], path: PurePosixPath | None = None) -> Note:
    """The note :func:`note_to_data` wrote (raises KeyError, TypeError or ValueError on data
    it did not write); ``path``, when the caller has it, saves making it again."""
    values = [
        convert(*(data[key] for key in keys)) if convert else data[keys[0]]
        for keys, convert in _FIELDS_BACK[1:]
    ]
    if path is None or path.as_posix() != data["path"]:
        path = _note_path(data["path"])
    return Note(path, *values)


def notes_to_columns(notes: Iterable[Note]) -> tuple[dict[str, list[Any]], list[str]]:
    """Notes as :func:`note_to_data` writes them, one list per field, and their
    fingerprints: many notes are read back faster as columns than one by one."""
    rows = [note_to_data(note) for note in notes]
    prints = [_fingerprint(row) for row in rows]
    return {key: [row[key] for row in rows] for key in _NOTE_KEYS}, prints


def notes_from_columns(columns: Mapping[str, list[Any]]) -> tuple[Note, ...]:
    """The notes :func:`notes_to_columns` wrote (raises KeyError, TypeError or ValueError
    on data it did not write)."""
    if len({len(columns[key]) for key in _NOTE_KEYS}) > 1:
        raise ValueError("columns of different lengths")
    # Column by column, each converter mapped over a whole column and the notes made by
    # position: a build after one edit reads 10,000 notes back, and a Python call per note
    # and field costs twice as much.
    arguments = [
        map(convert, *(columns[key] for key in keys)) if convert else columns[keys[0]]
        for keys, convert in _FIELDS_BACK
    ]
    return tuple(map(Note, *arguments))


def _note_path(path: PurePosixPath | str) -> PurePosixPath:
    return path if isinstance(path, PurePosixPath) else PurePosixPath(path)


def _field_lines_back(pairs: list[list[Any]], kind: str) -> Mapping[str, int]:
    lines = dict(pairs)
    return lines if kind == "dict" else MappingProxyType(lines)


def _links_back(data: list[list[Any]]) -> tuple[Link, ...]:
    return tuple(map(Link._make, data))


def _headings_back(data: list[list[Any]]) -> tuple[tuple[int, str, str], ...]:
    return tuple(map(_heading, data))


def _heading(data: list[Any]) -> tuple[int, str, str]:
    level, text, anchor = data
    return level, text, anchor


def _problems_back(data: list[list[Any]]) -> tuple[Problem, ...]:
    return tuple(map(_problem_back, data))


#: Each field of :class:`~notepress.model.Note`, in order: the keys :func:`note_to_data`
#: writes it under, and how they are read back (None: as they are).  One table for both
#: ways of reading notes back, one at a time and by columns.
_FIELDS_BACK: tuple[tuple[tuple[str, ...], Callable[..., Any] | None], ...] = (
    (("path",), _note_path),
    (("title",), None),
    (("note_id",), None),
    (("draft",), None),
    (("created",), _moment_back),
    (("updated",), _moment_back),
    (("tags",), tuple),
    (("keywords",), tuple),
    (("description",), None),
    (("cssclasses",), tuple),
    (("aliases",), tuple),
    (("extra",), _value_back),
    (("body",), None),
    (("body_line",), None),
    (("links",), _links_back),
    (("field_lines", "field_lines_type"), _field_lines_back),
    (("headings",), _headings_back),
    (("block_ids",), frozenset),
    (("problems",), _problems_back),
    (("created_from",), None),
    (("updated_from",), None),
    (("slug",), None),
    (("outlined",), None),
)
if [keys[0] for keys, _ in _FIELDS_BACK] != [item.name for item in fields(Note)]:
    raise RuntimeError("the codec's fields are not Note's fields, in Note's order")
#: The keys :func:`note_to_data` writes.
_NOTE_KEYS = tuple(key for keys, _ in _FIELDS_BACK for key in keys)


# renderings ----------------------------------------------------------------------------


def _path(path: PurePosixPath | None) -> str | None:
    return path.as_posix() if path is not None else None


def _path_back(data: str | None) -> PurePosixPath | None:
    return PurePosixPath(data) if data is not None else None


def rendered_to_data(rendered: RenderedNote) -> dict[str, Any]:
    """Every field of ``rendered`` but the note itself, which a cache keys it by; linked
    notes by path."""
    return {
        "html": rendered.html,
        "headings": [[h.level, h.text, h.id] for h in rendered.headings],
        "assets": [p.as_posix() for p in rendered.assets],
        "external_links": list(rendered.external_links),
        "linked_notes": [n.path.as_posix() for n in rendered.linked_notes],
        "word_count": rendered.word_count,
        "problems": [_problem(p) for p in rendered.problems],
        "text": rendered.text,
        "paragraphs": list(rendered.paragraphs),
        "images": [[i.src, i.alt, _path(i.path), i.width, i.height] for i in rendered.images],
        "footnotes": [[f.number, f.id, f.html, list(f.ref_ids)] for f in rendered.footnotes],
        "urls": list(rendered.urls),
        "media": [[m.src, m.kind, m.media_type, _path(m.path)] for m in rendered.media],
    }


def rendered_from_data(
    data: Mapping[str, Any], note: Note, notes: Mapping[str, Note]
) -> RenderedNote:
    """The rendering of ``note`` :func:`rendered_to_data` wrote, its linked notes looked up in
    ``notes`` (by path) as they are in this build."""
    return RenderedNote(
        note=note,
        html=data["html"],
        headings=tuple(Heading(level, text, id_) for level, text, id_ in data["headings"]),
        assets=tuple(PurePosixPath(p) for p in data["assets"]),
        external_links=tuple(data["external_links"]),
        linked_notes=tuple(notes[p] for p in data["linked_notes"]),
        word_count=data["word_count"],
        problems=tuple(_problem_back(p) for p in data["problems"]),
        text=data["text"],
        paragraphs=tuple(data["paragraphs"]),
        images=tuple(
            Image(src, alt, _path_back(path), width, height)
            for src, alt, path, width, height in data["images"]
        ),
        footnotes=tuple(
            Footnote(number, id_, html, tuple(refs))
            for number, id_, html, refs in data["footnotes"]
        ),
        urls=tuple(data["urls"]),
        media=tuple(
            Media(src, kind, media_type, _path_back(path))
            for src, kind, media_type, path in data["media"]
        ),
    )
