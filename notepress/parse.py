"""Turn one file's bytes into a :class:`~notepress.model.Note`, recording every problem.

Parsing never raises for bad input: a note that cannot be read still becomes a Note (a draft,
carrying an error), so the rest of the vault builds and the problem is reported with its file
and line.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import frontmatter
import ftfy
import yaml

from .dates import DateError, parse_date
from .model import Note, Problem, Severity

if TYPE_CHECKING:
    from .markdown.outline import Outline

__all__ = ["NOTE_ID_RE", "ParseSettings", "derived_note_id", "parse_note"]

#: ``YYMMDD`` + two capital letters + two digits, e.g. ``221215GN01``.
NOTE_ID_RE = re.compile(r"^(\d{2})(\d{2})(\d{2})[A-Z]{2}\d{2}$")

_KNOWN_KEYS = frozenset(
    {
        "title",
        "tags",
        "keywords",
        "draft",
        "description",
        "created",
        "updated",
        "note_id",
        "cssclasses",
        "aliases",
    }
)
_KEY_LINE_RE = re.compile(r"^([^\s#:][^:]*?)\s*:", re.MULTILINE)
_YAML = frontmatter.YAMLHandler()


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, except that an impossible date (``2023-02-30``) stays text.

    PyYAML would raise while building the mapping and lose every other key; as text it
    reaches the date check, which reports it against its own key and line.
    """


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
#: Errors whose start (``context_mark``) is where the writer went wrong: an unclosed quote or
#: bracket is noticed by YAML only lines later.
_OPENING_CONTEXTS = ("while scanning a quoted scalar", "while parsing a flow")
_NEWLINES = re.compile(r"\r\n?")
#: A UTF-8 lead byte read as Latin-1/Windows-1252 (``Â``, ``Ã``, ``â``...) followed by what a
#: continuation byte becomes.  Only text with such a pair is worth ftfy's slower look.
_MAYBE_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    "\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
)


@dataclass(frozen=True)
class ParseSettings:
    """The site settings that change how a note is read."""

    timezone: tzinfo = UTC
    publish_without_draft_key: bool = False
    """Vault notes are private by default; set to publish notes that have no ``draft`` key."""


def derived_note_id(path: PurePosixPath) -> str:
    """A stable id for a note without ``note_id``: the same path always gives the same id."""
    return "n" + hashlib.sha256(path.as_posix().encode("utf-8")).hexdigest()[:11]


@dataclass
class _Collector:
    path: str
    key_lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, severity: Severity, code: str, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(severity, code, message, self.path, line))

    def error(
        self, code: str, message: str, *, key: str | None = None, line: int | None = None
    ) -> None:
        self.add(Severity.ERROR, code, message, line or self.key_lines.get(key or ""))

    def warn(
        self, code: str, message: str, *, key: str | None = None, line: int | None = None
    ) -> None:
        self.add(Severity.WARNING, code, message, line or self.key_lines.get(key or ""))


def parse_note(path: PurePosixPath, raw: bytes, settings: ParseSettings | None = None) -> Note:
    """Parse ``raw`` (the file's bytes) as the note at vault-relative ``path``."""
    settings = settings or ParseSettings()
    report = _Collector(path.as_posix())
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        report.error("encoding", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line=line)
        return _unreadable(path, report)

    text = _NEWLINES.sub("\n", text)
    repaired = ftfy.fix_encoding(text) if _MAYBE_MOJIBAKE.search(text) else text
    if repaired != text:
        report.warn(
            "mojibake",
            "repaired mis-decoded characters (such as 'Â·' for '·'); save the file as UTF-8",
            line=_first_difference(text, repaired),
        )
        text = repaired

    meta, body, body_line = _split_frontmatter(text, report)
    if meta is None:
        # The note is already in error and private; warnings about the metadata it
        # could not provide would only bury the real problem.
        return _unreadable(path, report, title=_outline(body, body_line, want_title=True).first_h1)
    return _build_note(path, meta, body, body_line, settings, report)


def _outline(body: str, body_line: int, *, want_title: bool) -> Outline:
    """The body's links and first H1, read by the markdown parser that renders it."""
    # The parser's plugins import the vault module, which imports this one: import on use.
    from .markdown.outline import read_outline

    return read_outline(body, first_line=body_line, want_title=want_title)


def _unreadable(path: PurePosixPath, report: _Collector, title: str | None = None) -> Note:
    return Note(
        path=path,
        title=title or path.stem,
        note_id=derived_note_id(path),
        draft=True,
        created=None,
        updated=None,
        problems=tuple(report.problems),
    )


def _first_difference(before: str, after: str) -> int | None:
    for number, (old, new) in enumerate(
        zip(before.split("\n"), after.split("\n"), strict=False), 1
    ):
        if old != new:
            return number
    return None


def _split_frontmatter(text: str, report: _Collector) -> tuple[dict[str, Any] | None, str, int]:
    """Metadata, body and the body's first line; metadata is None when it cannot be read."""
    if not _YAML.detect(text):
        return {}, text, 1
    try:
        fm_text, body = _YAML.split(text)
    except ValueError:
        report.error(
            "frontmatter-unclosed", "frontmatter starts with '---' but is never closed", line=1
        )
        return {}, text, 1
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    report.key_lines = {
        m.group(1).strip(): fm_text.count("\n", 0, m.start()) + 1
        for m in _KEY_LINE_RE.finditer(fm_text)
    }
    try:
        data = yaml.load(fm_text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None and context.startswith(_OPENING_CONTEXTS):
            problem += f" ({context.removeprefix('while ')} from line {context_mark.line + 1})"
            line = context_mark.line + 1
        report.error("frontmatter-yaml", f"frontmatter is not valid YAML: {problem}", line=line)
        return None, body, body_line
    if data is None:
        return {}, body, body_line
    if not isinstance(data, dict):
        report.error(
            "frontmatter-type",
            f"frontmatter must be a mapping of keys to values, not a {_yaml_kind(data)}",
            line=2,
        )
        return None, body, body_line
    return {str(key): value for key, value in data.items()}, body, body_line


def _yaml_kind(value: object) -> str:
    return "list" if isinstance(value, list) else f"scalar ({type(value).__name__})"


def _build_note(
    path: PurePosixPath,
    meta: dict[str, Any],
    body: str,
    body_line: int,
    settings: ParseSettings,
    report: _Collector,
) -> Note:
    written_title = _text(meta, "title", report)
    outline = _outline(body, body_line, want_title=not written_title)
    title = written_title or outline.first_h1 or path.stem
    draft = _draft(meta, settings, report)
    created = _date(meta, "created", settings.timezone, report)
    updated = _date(meta, "updated", settings.timezone, report)
    note_id = _note_id(path, meta, created, report)
    if created is None and NOTE_ID_RE.match(note_id):
        created = _date_from_id(note_id, settings.timezone)
        if created is not None and "created" not in meta:
            report.warn("created-missing", "no 'created' date; using the date in note_id", line=1)
    elif created is None and "created" not in meta:
        report.warn("created-missing", "no 'created' date; the note sorts as the oldest", line=1)
    if updated is None:
        updated = created
    elif created is not None and updated < created:
        report.warn("updated-before-created", "'updated' is earlier than 'created'", key="updated")

    links = outline.links
    extra = {key: value for key, value in meta.items() if key not in _KNOWN_KEYS}
    return Note(
        path=path,
        title=title,
        note_id=note_id,
        draft=draft,
        created=created,
        updated=updated,
        tags=_terms(meta, "tags", report),
        keywords=_terms(meta, "keywords", report),
        description=_text(meta, "description", report),
        cssclasses=_terms(meta, "cssclasses", report),
        aliases=_terms(meta, "aliases", report, strip_hash=False),
        extra=extra,
        body=body,
        body_line=body_line,
        links=links,
        field_lines=MappingProxyType(dict(report.key_lines)),
        problems=tuple(report.problems),
    )


def _text(meta: dict[str, Any], key: str, report: _Collector) -> str:
    value = meta.get(key)
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    report.error("field-type", f"'{key}' must be text, not {type(value).__name__}", key=key)
    return ""


def _draft(meta: dict[str, Any], settings: ParseSettings, report: _Collector) -> bool:
    if "draft" not in meta:
        if settings.publish_without_draft_key:
            return False
        report.warn(
            "draft-missing",
            "no 'draft' key: kept private (add 'draft: false' to publish it, or set "
            "site.publish_without_draft_key)",
            line=1,
        )
        return True
    value = meta["draft"]
    if isinstance(value, bool):
        return value
    report.error(
        "draft-type", f"'draft' must be true or false (a YAML boolean), not {value!r}", key="draft"
    )
    return True


def _date(meta: dict[str, Any], key: str, tz: tzinfo, report: _Collector) -> datetime | None:
    if meta.get(key) is None:
        return None
    try:
        return parse_date(meta[key], tz)
    except DateError as exc:
        report.error("date-invalid", f"'{key}': {exc}", key=key)
        return None


def _date_from_id(note_id: str, tz: tzinfo) -> datetime | None:
    match = NOTE_ID_RE.match(note_id)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        return datetime(2000 + year, month, day, tzinfo=tz)
    except ValueError:
        return None


def _note_id(
    path: PurePosixPath, meta: dict[str, Any], created: datetime | None, report: _Collector
) -> str:
    value = meta.get("note_id")
    if value is None or value == "":
        report.warn(
            "note-id-missing", "no 'note_id'; using an id derived from the file path", line=1
        )
        return derived_note_id(path)
    note_id = str(value).strip()
    if not NOTE_ID_RE.match(note_id):
        report.error(
            "note-id-format",
            f"note_id {note_id!r} is not YYMMDD + two capital letters + two digits "
            "(such as 221215GN01)",
            key="note_id",
        )
        return derived_note_id(path)
    id_date = _date_from_id(note_id, UTC)
    if id_date is None:
        report.error(
            "note-id-format", f"note_id {note_id!r} does not start with a real date", key="note_id"
        )
    elif created is not None and id_date.date() != created.date():
        report.warn(
            "note-id-date",
            f"note_id {note_id} says {id_date.date().isoformat()} but 'created' is "
            f"{created.date().isoformat()}",
            key="note_id",
        )
    return note_id


def _terms(
    meta: dict[str, Any], key: str, report: _Collector, *, strip_hash: bool = True
) -> tuple[str, ...]:
    """Tags and similar lists: a YAML list or a comma-separated string, cleaned and de-duplicated."""
    value = meta.get(key)
    if value is None:
        return ()
    items: Iterable[object]
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list | tuple):
        items = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        items = [value]
    else:
        report.error("field-type", f"'{key}' must be a list or a comma-separated string", key=key)
        return ()
    seen: dict[str, None] = {}
    for item in items:
        if item is None or isinstance(item, dict | list | bool):
            report.error("field-type", f"'{key}' holds a value that is not text: {item!r}", key=key)
            continue
        term = str(item).strip()
        if strip_hash:
            term = term.lstrip("#").strip()
        if term and term not in seen:
            seen[term] = None
    return tuple(seen)
