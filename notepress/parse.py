"""Turn one file's bytes into a :class:`~notepress.model.Note`, recording every problem.

Parsing never raises for bad input: a note that cannot be read still becomes a Note (a draft,
carrying an error), so the rest of the vault builds and the problem is reported with its file
and line.
"""

from __future__ import annotations

import hashlib
import json
import re
import reprlib
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import frontmatter
import yaml

from .budget import BudgetExceeded, cpu_budget, too_slow
from .chars import first_unsafe, strip_unsafe
from .dateformat import date_written, names_a_month
from .dates import DateError, parse_note_date
from .filedates import date_in_name
from .gitdates import NO_COMMIT
from .mayhide import may_hide
from .model import DRAWING_KEY, Note, Problem, Severity
from .texmacros import TexMacros

if TYPE_CHECKING:
    from .markdown.outline import Outline

__all__ = [
    "NOTE_ID_RE",
    "ParseSettings",
    "derived_note_id",
    "outline_note",
    "outline_note_within_budget",
    "parse_note",
    "parse_note_within_budget",
]

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
_YAML = frontmatter.YAMLHandler()
#: How many values YAML aliases may add to a frontmatter beyond what is written.  Reusing a
#: list of tags as keywords adds a few dozen; a "billion laughs" alias bomb of 700 bytes adds
#: hundreds of millions, each built, checked and printed.  Refused above this, before the
#: values are built, so the memory a note costs stays proportional to its size.
ALIAS_BUDGET = 1000
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, with three changes that keep every problem attached to its line.

    * An impossible date (``2023-02-30``) stays text: PyYAML would raise while building the
      mapping and lose every other key; as text it reaches the date check, which reports it
      against its own key and line.
    * A key written twice in one mapping is recorded (PyYAML keeps the last silently, so
      ``draft: true`` then ``draft: false`` would publish a note).
    * Characters no output can carry, written as escapes (``"\\x01"``), are removed from
      strings and recorded with their line.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int, int]] = []
        """(key, line of its first use, line of the repeat), in file order."""
        self.unsafe: list[tuple[int, int]] = []
        """(line, characters removed) for each string that held unsafe characters."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _value in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue  # ``<<: *base`` may be overridden: that is its purpose
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # an unhashable key: PyYAML reports it below
                if first is None:
                    seen[key] = line
                else:
                    self.duplicates.append((str(key), first, line))
        return super().construct_mapping(node, deep=deep)


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


def _clean_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    text = loader.construct_scalar(node)
    cleaned, removed = strip_unsafe(text)
    if removed:
        loader.unsafe.append((node.start_mark.line + 1, removed))
    return cleaned


class _EscapesLoader(_Loader):
    """For frontmatter with a backslash: only an escape (``"\\x01"``) can make a character
    no output carries, since the file's own were removed before YAML reads it, so only such
    frontmatter has each of its strings looked at again."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
_EscapesLoader.add_constructor("tag:yaml.org,2002:str", _clean_str)
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
    title_from: tuple[str, ...] = ("title", "filename")
    """Sources of the title, first found wins: ``title`` (the key), ``h1``, ``filename``."""
    created_keys: tuple[str, ...] = ("created", "date", "published")
    updated_keys: tuple[str, ...] = ("updated", "modified", "lastmod")
    filename_date: str = "YYYY-MM-DD"
    """Pattern of a date in the file name (daily notes); empty to ignore file names."""
    date_format: str = ""
    """The vault's own way of writing a date key's value (``DD-MM-YYYY``), read besides
    ISO dates; empty: ISO dates only."""
    date_from_git: bool = False
    math_macros: TexMacros = field(default_factory=TexMacros)
    """The vault's TeX macros (:mod:`notepress.texmacros`), expanded before a formula is
    checked; set from the vault's survey, since they live in a file of the vault."""


def derived_note_id(path: PurePosixPath) -> str:
    """A stable id for a note without ``note_id``: the same path always gives the same id."""
    return "n" + hashlib.sha256(path.as_posix().encode("utf-8")).hexdigest()[:11]


@dataclass
class _Collector:
    path: str
    key_lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unsafe: list[tuple[int, int]] = field(default_factory=list)
    """(line, count) of characters no output can carry, removed while reading."""
    mapping: yaml.MappingNode | None = None
    """The frontmatter's parsed nodes, for :meth:`written`."""

    def written(self, key: str) -> str | None:
        """Top-level ``key``'s value as written, when it is a plain scalar: the text of a
        ``title: 2024-04-15`` that YAML read as a date.  Asked of the few such values only,
        not walked for every note."""
        for key_node, value in self.mapping.value if self.mapping is not None else ():
            if isinstance(key_node, yaml.ScalarNode) and str(key_node.value) == key:
                return str(value.value) if isinstance(value, yaml.ScalarNode) else None
        return None

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


def parse_note(
    path: PurePosixPath,
    raw: bytes,
    settings: ParseSettings | None = None,
    *,
    read_body: bool = True,
) -> Note:
    """Parse ``raw`` (the file's bytes) as the note at vault-relative ``path``.

    ``read_body=False`` reads the frontmatter and leaves the body's outline (links,
    headings, block ids, inline tags, formulas) for :func:`outline_note`: a build that
    publishes a few notes of a large vault needs the bodies of those alone.  The note is then
    not :attr:`~notepress.model.Note.outlined`, unless its title had to come from its first
    heading, which reads the outline anyway.
    """
    settings = settings or ParseSettings()
    report = _Collector(path.as_posix())
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        report.error("encoding", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line=line)
        return _unreadable(path, report)

    if "\r" in text:
        text = _NEWLINES.sub("\n", text)
    # Mojibake starts with a character of U+00C2..U+00F4, all written in UTF-8 with the
    # byte 0xC3: text without that byte (English, Chinese, Russian...) needs no look for it.
    maybe_mojibake = b"\xc3" in raw and _MAYBE_MOJIBAKE.search(text) is not None
    repaired = _fix_encoding(text) if maybe_mojibake else text
    if repaired != text:
        changed, example = _first_repair(text, repaired)
        report.warn(
            "mojibake",
            f"repaired mis-decoded characters{example}: text read once in the wrong "
            "encoding and saved so; correct it in the file",
            line=changed,
        )
        text = repaired
    text = _without_unsafe(text, report)

    meta, body, body_line = _split_frontmatter(text, report)
    _report_unsafe(report)
    if meta is None:
        # The note is already in error and private; warnings about the metadata it
        # could not provide would only bury the real problem.
        want_h1 = "h1" in settings.title_from
        return _unreadable(
            path, report, title=_outline(body, body_line, want_title=want_h1).first_h1
        )
    if "%%" in text[: len(text) - len(body)]:
        meta = _without_comments(meta, report)
    return _build_note(path, meta, body, body_line, settings, report, read_body)


#: A comment in a frontmatter value: to the next ``%%``, or to the value's end.
_VALUE_COMMENT = re.compile(r"%%.*?(?:%%|\Z)", re.DOTALL)


def _without_comments(meta: dict[str, Any], report: _Collector) -> dict[str, Any]:
    """``meta`` with every ``%%comment%%`` cut out of its text values, with a warning on
    each key that held one.

    Obsidian shows a property's ``%%`` as written, but a writer who keeps a remark out of
    the note's text with one expects it kept out of a description or a title too: there it
    reached the feed's summary, the JSON-LD and the note's URL.  Private is the side to err
    on; the warning says where.
    """

    def cut(value: Any) -> Any:
        if isinstance(value, str) and "%%" in value:
            return _VALUE_COMMENT.sub("", value).strip()
        if isinstance(value, list):
            return [cut(item) for item in value]
        if isinstance(value, dict):
            return {key: cut(item) for key, item in value.items()}
        return value

    kept = {}
    for key, value in meta.items():
        kept[key] = cut(value)
        if kept[key] != value:
            report.warn(
                "frontmatter-comment",
                f"'{key}' holds a %% comment: it is left out of every output, as in the "
                "note's text (Obsidian shows it in the note's properties)",
                key=key,
            )
    return kept


def outline_note(note: Note, settings: ParseSettings | None = None) -> Note:
    """``note``, read with ``read_body=False``, with what its body adds: the same links,
    headings, block ids, tags and problems a full :func:`parse_note` gives, the body's
    problems after the others."""
    if note.outlined:
        return note
    settings = settings or ParseSettings()
    outline = _outline(note.body, note.body_line, want_title=False, macros=settings.math_macros)
    report = _Collector(note.path.as_posix())
    _body_problems(outline, report, settings.math_macros)
    return replace(
        note,
        tags=_with_inline_tags(note.tags, outline.tags),
        links=outline.links,
        headings=outline.headings_for(note.title),
        block_ids=outline.block_ids,
        problems=(*note.problems, *report.problems),
        outlined=True,
    )


def outline_note_within_budget(note: Note, settings: ParseSettings | None = None) -> Note:
    """:func:`outline_note` under the per-note budget; a body over it leaves the note
    private with the same ``note-too-slow`` error a full parse over budget gives."""
    try:
        with cpu_budget():
            return outline_note(note, settings)
    except BudgetExceeded as exc:
        slow = too_slow(note.path.as_posix(), "reading the note", exc)
        return replace(note, draft=True, problems=(*note.problems, slow), outlined=True)


def _shows_nothing(body: str, outline: Outline | None, title: str) -> bool:
    """Whether no output would show a word of the body: it is empty once its comments and
    the raw HTML it hides are cut, or it is one H1 repeating the title, which every output
    drops."""
    visible = _COMMENTS.sub("", body).strip() if "%%" in body else body.strip()
    if "<" in visible and may_hide(visible):  # HTML it hides, shown by no output
        from .markdown.hiddenhtml import without_hidden  # a rare body pays the import

        visible = without_hidden(visible, whole_block=False)[0].strip()
    return not visible or (
        outline is not None
        and "\n" not in visible
        and len(outline.headings) == 1
        and not outline.headings_for(title)
    )


#: A closed comment (a body of comments alone holds no code, so no ``%%`` in it is code).
_COMMENTS = re.compile(r"%%.*?%%", re.DOTALL)


def _body_problems(outline: Outline, report: _Collector, macros: TexMacros) -> None:
    for line, tex in outline.invalid_math:
        report.warn("math-invalid", _math_message(tex, macros), line=line)
    for line in outline.unpaired_math:
        report.warn(
            "math-unpaired",
            "this $$ is closed by no other $$ of its paragraph, so the formula shows as TeX; "
            "write the formula's $$ on lines of their own, or close it before a blank line",
            line=line,
        )
    for line, language in outline.query_blocks:
        report.warn("query-block", _query_message(language), line=line)
    for line, code in outline.inline_queries:
        report.warn("query-inline", _inline_query_message(code), line=line)
    for line, block_id, first in outline.repeated_block_ids:
        report.warn(
            "block-id-duplicate",
            f"block id ^{block_id} is written again here (first on line {first}); links and "
            "embeds lead to the first, as in Obsidian: give this block an id of its own",
            line=line,
        )
    for line, language in outline.plugin_diagrams:
        report.warn("diagram-unsupported", _diagram_message(language), line=line)
    if outline.hidden_from is not None:
        report.warn(
            "comments-hid-rest",
            "the %% comments from this line on could not all be told apart from code: each "
            "comment that may change what is code after it (one around a code block, or "
            "glued to its words) makes the note be read again, and this note has more than "
            "its size allows, so the rest of it is hidden to keep them private; split the "
            "note, or write such comments as whole lines between blank lines",
            line=outline.hidden_from,
        )
    for line, count in outline.dropped_cells:
        cells = "a cell" if count == 1 else f"{count} cells"
        report.warn(
            "table-extra-cells",
            f"this table row has {cells} past the columns of the table's header, which no "
            "output shows (a GFM table keeps its header's columns, as GitHub does); add "
            "columns to the header, or join the cells (a | inside a cell, [[Note|alias]] "
            "too, is written \\|)",
            line=line,
        )
    if outline.unclosed_from is not None:
        report.warn(
            "comment-unclosed",
            "this %% opens a comment that no later %% closes, so the rest of the note is "
            "hidden, as Obsidian hides it; close the comment with %%, or keep %% out of the "
            "text (in a link's address, write a percent sign as %25)",
            line=outline.unclosed_from,
        )


def _fix_encoding(text: str) -> str:
    # Imported on use: ftfy takes longer to import than a note takes to parse, and most
    # vaults, and most loads after an edit, hold no text that needs it.
    import ftfy

    return ftfy.fix_encoding(text)


def _without_unsafe(text: str, report: _Collector) -> str:
    """The text without characters no output can carry (noted for one warning per note)."""
    first = first_unsafe(text)
    if first is None:
        return text
    cleaned, removed = strip_unsafe(text)
    report.unsafe.append((text.count("\n", 0, first) + 1, removed))
    return cleaned


def _report_unsafe(report: _Collector) -> None:
    if not report.unsafe:
        return
    line = min(line for line, _ in report.unsafe)
    count = sum(removed for _, removed in report.unsafe)
    report.warn(
        "control-characters",
        f"removed {count} control or non-character code point{'s' if count > 1 else ''} "
        "that no output can carry (first on this line)",
        line=line,
    )


def _stem_title(path: PurePosixPath) -> str:
    """The file name as a title: a name may hold characters no output can carry, and one
    written on macOS is decomposed (``e`` and a combining accent, Hangul as its letters),
    which some readers show apart and every search tells from the word typed."""
    return unicodedata.normalize("NFC", strip_unsafe(path.stem)[0])


def _outline(
    body: str, body_line: int, *, want_title: bool, macros: TexMacros | None = None
) -> Outline:
    """The body's links and first H1, read by the markdown parser that renders it."""
    # The parser's plugins import the vault module, which imports this one: import on use.
    from .markdown.outline import read_outline

    return read_outline(body, first_line=body_line, want_title=want_title, macros=macros)


def _math_message(tex: str, macros: TexMacros) -> str:
    from .markdown.math import invalid_message

    return invalid_message(tex, macros.expand(tex))


def _diagram_message(language: str) -> str:
    from .markdown.plugindiagrams import diagram_message

    return diagram_message(language)


#: What may be markup in a description (see :func:`~notepress.markdown.parser.plain_text`).
_MAYBE_MARKUP = re.compile(r"[\[*_`&<\\~=$]")


def _plain(description: str) -> str:
    """A description as the text readers see: its markup, shown as written wherever it is
    used, reduced to text (the parser imported only for a description that has some)."""
    if not _MAYBE_MARKUP.search(description):
        return description
    from .markdown.parser import plain_text

    return plain_text(description)


def _query_message(language: str) -> str:
    from .markdown.queries import query_message

    return query_message(language)


def _inline_query_message(code: str) -> str:
    from .markdown.queries import inline_query_message

    return inline_query_message(code)


def _unreadable(path: PurePosixPath, report: _Collector, title: str | None = None) -> Note:
    return Note(
        path=path,
        title=title or _stem_title(path),
        note_id=derived_note_id(path),
        draft=True,
        created=None,
        updated=None,
        problems=tuple(report.problems),
    )


def _first_repair(before: str, after: str) -> tuple[int | None, str]:
    """The first line the repair changed, and what it changed there first, as `` ('Ã©' for
    'é')``: the writer searches the file for what they see in it."""
    for number, (old, new) in enumerate(
        zip(before.split("\n"), after.split("\n"), strict=False), 1
    ):
        if old != new:
            import difflib

            matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
            for tag, start, end, new_start, new_end in matcher.get_opcodes():
                if tag != "equal":
                    if tag != "replace":  # ``Â·`` for ``·`` drops the ``Â``: show the ``·`` too
                        end, new_end = end + 1, new_end + 1
                    seen, meant = old[start:end][:12], new[new_start:new_end][:12]
                    return number, f" ({seen!r} for {meant!r})" if seen and meant else ""
            return number, ""
    return None, ""


#: A ``{{date}}``-style placeholder or a Templater command (``<% tp.date.now() %>``): the
#: frontmatter of a note template, not of a note.
_PLACEHOLDER = re.compile(r"\{\{[^{}\n]*\}\}|<%[^\n]*?%>")
#: A Templater command on one line: its API (``<% tp.file.title %>``) or a script
#: (``<%* ... %>``); an ERB or JSP tag (``<% code %>``) quoted in a note is neither.
_TEMPLATER = re.compile(r"<%(?:[-_]?\s*tp\.|\*)[^\n]*?%>")
_TEMPLATE_HINT = (
    "; its {{...}} or <%...%> placeholders make it look like a template: exclude it with "
    "[vault] templates_folder or an ignore pattern"
)


#: A block between fences at the top of a note, after blank lines (``---``) or at once
#: (Hugo's TOML between ``+++``): frontmatter Obsidian does not read, when it reads as a
#: mapping (:func:`_misplaced_frontmatter`).
_MISPLACED_FRONTMATTER = re.compile(r"(\s*)(---|\+\+\+)[ \t]*\n((?:[^\n]*\n)*?)\2[ \t]*(?:\n|$)")


def _misplaced_frontmatter(text: str) -> re.Match[str] | None:
    """The block :data:`_MISPLACED_FRONTMATTER` finds, when it reads as a mapping of at
    least one key: a horizontal rule, a line of prose and another rule is no frontmatter."""
    found = _MISPLACED_FRONTMATTER.match(text)
    if found is None or (found.group(2) == "---" and "\n" not in found.group(1)):
        return None
    block = found.group(3)
    if "*" in block and "&" in block:
        return None  # aliases: not worth the risk of a bomb for a warning's sake
    try:
        data = tomllib.loads(block) if found.group(2) == "+++" else yaml.load(block, _Loader)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, ValueError, RecursionError):
        return None
    return found if isinstance(data, dict) and data else None


def _split_frontmatter(text: str, report: _Collector) -> tuple[dict[str, Any] | None, str, int]:
    """Metadata, body and the body's first line; metadata is None when it cannot be read."""
    if not _YAML.detect(text):
        misplaced = _misplaced_frontmatter(text)
        if misplaced is not None:
            # Obsidian reads YAML properties from the first line alone: published as the
            # body, a "draft: true" here was printed, not read.
            line = misplaced.group(1).count("\n") + 1
            why = (
                "TOML frontmatter ('+++'), which Obsidian does not read"
                if misplaced.group(2) == "+++"
                else f"frontmatter that starts on line {line}, after blank lines"
            )
            report.error(
                "frontmatter-misplaced",
                f"this reads as {why}, so it is not read as frontmatter: kept private; write "
                "it in YAML between '---' lines from the first line",
                line=line,
            )
        return {}, text, 1
    try:
        fm_text, body = _YAML.split(text)
    except ValueError:
        report.error(
            "frontmatter-unclosed", "frontmatter starts with '---' but is never closed", line=1
        )
        return {}, text, 1
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    # ``fm_text`` starts right after the opening ``---``, so its line numbers are the file's.
    loader = (_EscapesLoader if "\\" in fm_text else _Loader)(fm_text)
    try:
        node = loader.get_single_node()
        # Every alias is written with a ``*``: without one, nothing is repeated.
        if node is not None and "*" in fm_text and _alias_overflow(node, report):
            return None, body, body_line
        if isinstance(node, yaml.MappingNode):
            report.key_lines = _key_lines(node)
            report.mapping = node
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None and context.startswith(_OPENING_CONTEXTS):
            problem += f" ({context.removeprefix('while ')} from line {context_mark.line + 1})"
            line = context_mark.line + 1
        hint = _TEMPLATE_HINT if _PLACEHOLDER.search(fm_text) else _quoting_hint(fm_text, line)
        report.error(
            "frontmatter-yaml", f"frontmatter is not valid YAML: {problem}{hint}", line=line
        )
        return None, body, body_line
    finally:
        loader.dispose()
    report.unsafe.extend(loader.unsafe)
    for key, first, line in loader.duplicates:
        where = f"on line {line}" if first == line else f"(lines {first} and {line})"
        report.error(
            "frontmatter-duplicate-key",
            f"key {key!r} is written twice {where}; YAML would keep only the last, so the "
            "note stays private until one is removed",
            line=line,
        )
    command = _TEMPLATER.search(fm_text)
    if command is not None:
        # Valid YAML, but a template's: published, it would be titled "<% tp.file.title %>".
        report.error(
            "frontmatter-template",
            "frontmatter holds a Templater command "
            f"({reprlib.repr(command.group(0))}), so this is a template, not a note; kept "
            "private: exclude it with [vault] templates_folder or an ignore pattern",
            line=fm_text.count("\n", 0, command.start()) + 1,
        )
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


#: A line ``key: value`` of a top-level key.
_KEY_VALUE = re.compile(r"([A-Za-z_][\w-]*):[ \t]+(\S.*?)[ \t]*")
_CLOSERS = {'"': '"', "'": "'", "[": "]", "{": "}"}


def _quoting_hint(fm_text: str, line: int) -> str:
    """How to mend the commonest error of hand-written frontmatter, text YAML reads as more
    than text: ``title: Part one: the start``, a value opening with a backtick or ``@``, or
    one that goes on after a closing quote or bracket (``title: "Quoted" words``).  Empty
    when the failing line is not such a value."""
    lines = fm_text.split("\n")
    found = _KEY_VALUE.fullmatch(lines[line - 1]) if 0 < line <= len(lines) else None
    if found is None:
        return ""
    key, value = found.groups()
    closer = _CLOSERS.get(value[0])
    if closer is None:
        mend = ": " in value or value[0] in "`@"
    else:  # unclosed is said by the error itself; closed, then more text, is not
        mend = 0 < _closing(value, closer) < len(value) - 1
    if not mend:
        return ""
    return (
        f"; if the value of {key!r} is text, put all of it in quotes: {key}: '...' "
        "(a ' inside written twice)"
    )


def _closing(value: str, closer: str) -> int:
    """Where the quote or bracket that opens ``value`` closes (-1: never); brackets nest,
    so that ``[[Note]]`` closes at its end."""
    if closer in "\"'":
        return value.find(closer, 1)
    depth = 0
    for index, char in enumerate(value):
        depth += (char == value[0]) - (char == closer)
        if depth == 0:
            return index
    return -1


def _key_lines(root: yaml.MappingNode) -> dict[str, int]:
    """File line of each top-level key, from the parsed nodes (the first, if written twice)."""
    lines: dict[str, int] = {}
    for key_node, _value in root.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
            lines.setdefault(str(key_node.value), key_node.start_mark.line + 1)
    return lines


def _alias_overflow(root: yaml.Node, report: _Collector) -> bool:
    """Report (and return True) when aliases make the frontmatter grow beyond its budget.

    Works on the composed nodes, where an alias is the anchored node itself, shared: the
    expanded size of each node is counted once, so the check costs as little as the text.
    """
    sizes: dict[int, int] = {}
    parts: list[tuple[str, int, tuple[yaml.Node, ...]]]
    if isinstance(root, yaml.MappingNode):
        parts = [
            (str(k.value) if isinstance(k, yaml.ScalarNode) else "?", k.start_mark.line + 1, (k, v))
            for k, v in root.value
        ]
    else:
        parts = [("(frontmatter)", root.start_mark.line + 1, (root,))]
    written, largest = 0, (0, "", 1)
    for key, line, nodes in parts:
        counts = [_expanded_size(node, sizes) for node in nodes]
        if None in counts:
            report.error(
                "frontmatter-alias",
                f"frontmatter key {key!r} holds a YAML alias that contains itself",
                line=line,
            )
            return True
        size = sum(count or 0 for count in counts)
        written += size
        largest = max(largest, (size, key, line), key=lambda item: item[0])
    if written - len(sizes) <= ALIAS_BUDGET:
        return False
    _size, key, line = largest
    report.error(
        "frontmatter-alias",
        f"YAML aliases under key {key!r} repeat more than {ALIAS_BUDGET} values in all "
        "(an alias bomb?); write the values out",
        line=line,
    )
    return True


_SIZE_CAP = 10**12  # far above any budget; keeps the sums of a bomb small numbers


def _expanded_size(start: yaml.Node, sizes: dict[int, int]) -> int | None:
    """How many nodes ``start`` holds with every alias written out, or None for a cycle.

    Iterative, because nesting may be deep; ``sizes`` is shared between calls so that a
    node reached twice is counted once.
    """
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(start, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            active.discard(key)
            sizes[key] = min(_SIZE_CAP, 1 + sum(sizes[id(child)] for child in children))
            continue
        if key in sizes:
            continue
        if key in active:
            return None
        active.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in active:
                return None
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(start)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _yaml_kind(value: object) -> str:
    return "list" if isinstance(value, list) else f"scalar ({type(value).__name__})"


#: Warnings whose advice would publish a note (a draft key, a date, an id): a drawing is
#: never published, so to it they say only what cannot help.
_ADVICE_TO_PUBLISH = frozenset(
    {"draft-missing", "draft-empty", "created-missing", "note-id-missing"}
)


def _build_note(
    path: PurePosixPath,
    meta: dict[str, Any],
    body: str,
    body_line: int,
    settings: ParseSettings,
    report: _Collector,
    read_body: bool = True,
) -> Note:
    written_title = _text(meta, "title", report)
    wants_h1 = _wants_h1(settings.title_from, bool(written_title))
    outline = (
        _outline(body, body_line, want_title=wants_h1, macros=settings.math_macros)
        if read_body or wants_h1
        else None
    )
    title = _title(path, written_title, outline.first_h1 if outline else None, settings.title_from)
    draft = _draft(_flags_any_case(meta, report), settings, report)
    drawing = DRAWING_KEY in meta
    if drawing:
        if not draft:
            report.warn(
                "drawing-not-note",
                "an Excalidraw drawing (its frontmatter has 'excalidraw-plugin'), not a note: "
                "kept private, as a drawing named *.excalidraw.md is; no output draws it",
                key=DRAWING_KEY,
            )
        draft = True
    if not draft and _shows_nothing(body, outline, title):
        # Often a note made by following a link to a note not yet written.
        report.warn(
            "body-empty",
            "published without a word of text: its feed item or page would show the title "
            "alone; write its text, or keep it private with 'draft: true'",
            key="draft",
            line=None if "draft" in meta else 1,
        )
    created, created_from = _first_date(meta, settings.created_keys, settings, report)
    updated, updated_from = _first_date(meta, settings.updated_keys, settings, report)
    note_id = _note_id(path, meta, created, report, created_key=created_from or "created")
    if not created_from:
        created, created_from = _fallback_date(path, note_id, settings, report, meta)
    if updated is None:
        updated = created
    elif created is not None and updated < created:
        report.warn(
            "updated-before-created",
            f"{updated_from!r} is earlier than {created_from!r}",
            key=updated_from,
        )

    if outline is not None:
        _body_problems(outline, report, settings.math_macros)
    # Each list key's spellings in frontmatter order (``tag``, ``Tags``...); other keys are
    # kept as they are for templates.
    spellings: dict[str, list[str]] = {}
    extra = {}
    for key, value in meta.items():
        list_key = _SPELLINGS.get(key.casefold()) if isinstance(key, str) else None
        if list_key is not None:
            spellings.setdefault(list_key, []).append(key)
        elif key not in _KNOWN_KEYS:
            extra[key] = value
    return Note(
        path=path,
        title=title,
        note_id=note_id,
        draft=draft,
        created=created,
        updated=updated,
        tags=_with_inline_tags(
            _list_key(meta, "tags", spellings, report), outline.tags if outline else ()
        ),
        keywords=_terms(meta, "keywords", report),
        description=_plain(_text(meta, "description", report)),
        cssclasses=_list_key(meta, "cssclasses", spellings, report),
        aliases=_list_key(meta, "aliases", spellings, report, strip_hash=False),
        extra=extra,
        body=body,
        body_line=body_line,
        links=outline.links if outline else (),
        headings=outline.headings_for(title) if outline else (),
        block_ids=outline.block_ids if outline else frozenset(),
        field_lines=MappingProxyType(dict(report.key_lines)),
        problems=tuple(
            p for p in report.problems if not (drawing and p.code in _ADVICE_TO_PUBLISH)
        ),
        created_from=created_from,
        updated_from=updated_from,
        outlined=outline is not None,
    )


def _wants_h1(title_from: tuple[str, ...], has_title_key: bool) -> bool:
    """Whether the first H1 could be the title: listed, and not after a title key found."""
    if "h1" not in title_from:
        return False
    return not (has_title_key and "title" in title_from[: title_from.index("h1")])


def _title(
    path: PurePosixPath, written: str, first_h1: str | None, title_from: tuple[str, ...]
) -> str:
    """The first source of ``title_from`` that gives a title; the file name, as Obsidian
    shows a note, when none does."""
    for source in title_from:
        if source == "title" and written:
            return written
        if source == "h1" and first_h1:
            return first_h1
        if source == "filename":
            break
    return _stem_title(path)


def _first_date(
    meta: dict[str, Any], keys: tuple[str, ...], settings: ParseSettings, report: _Collector
) -> tuple[datetime | None, str]:
    """The date of the first of ``keys`` that the frontmatter sets, and that key.

    The first key present wins even when its value cannot be read: its error names it, and
    the note is not dated by a later key the writer did not mean.
    """
    for key in keys:
        if meta.get(key) is not None and not _flag_not_date(meta, key):
            return _date(meta, key, settings, report), key
    return None, ""


#: Date keys that other tools also use as a yes/no flag: Jekyll's ``published: false``
#: keeps a post unpublished.  Such a boolean is no date; it says whether to publish.
_FLAG_DATE_KEYS = ("published",)


def _flag_not_date(meta: dict[str, Any], key: str) -> bool:
    return key in _FLAG_DATE_KEYS and isinstance(meta.get(key), bool)


def _fallback_date(
    path: PurePosixPath,
    note_id: str,
    settings: ParseSettings,
    report: _Collector,
    meta: dict[str, Any] | None = None,
) -> tuple[datetime | None, str]:
    """A date for a note without a date key: its file name, then its note_id.

    Never the file's modification time, which a copy or a checkout changes.  An undated note
    gets one warning that lists every source tried and how to date it.
    """
    named = date_in_name(path, settings.filename_date, settings.timezone)
    if named is not None:
        return named, "filename"
    if NOTE_ID_RE.match(note_id):
        from_id = _date_from_id(note_id, settings.timezone)
        if from_id is not None:
            report.warn("created-missing", "no date key; using the date in note_id", line=1)
            return from_id, "note_id"
    dated = _date_elsewhere(meta or {}, settings)
    if dated is not None:
        key, value = dated
        shown = value.isoformat() if isinstance(value, date) else repr(value)
        report.warn(
            "created-missing",
            f"no date key, but {key!r} holds {shown}, which reads as a date: add {key!r} to "
            "[vault] created_keys to date notes by it",
            key=key,
        )
    else:
        report.warn("created-missing", _undated_message(settings), line=1)
    return None, ""


#: Keys whose date is of another event than the note's writing (a person's birthday, a
#: deadline, a letter received): never advised as the note's date.
_OTHER_EVENT = re.compile(
    r"birth|born|death|died|deceased|due|deadline|expir|remind|schedul|review|next|"
    r"anniversar|wedding|receiv|sent|start|end|until|begin|finish|return|deliver",
    re.IGNORECASE,
)


def _date_elsewhere(meta: dict[str, Any], settings: ParseSettings) -> tuple[str, object] | None:
    """The first key of ``meta`` that no setting reads as a date but whose value is one
    (a Zettelkasten ``uid: 20230608202613``, a ``time:`` key): named in the warning, never
    taken, since what a key means is the writer's to say."""
    known = {*_KNOWN_KEYS, *settings.created_keys, *settings.updated_keys}
    for key, value in meta.items():
        if not isinstance(key, str) or key in known or isinstance(value, bool):
            continue
        if _OTHER_EVENT.search(key):
            continue  # a date, but of something else: advised, it dated a person by birth
        if not isinstance(value, datetime | date | int | str):
            continue
        try:
            parse_note_date(value, settings.timezone)
        except DateError:
            continue
        return key, value
    return None


def _undated_message(settings: ParseSettings) -> str:
    keys = ", ".join(repr(key) for key in settings.created_keys) or "(none configured)"
    tried = [f"the keys {keys}"]
    if settings.filename_date:
        tried.append(f"a {settings.filename_date} date in the file name")
    tried.append("the note_id")
    if settings.date_from_git:
        tried.append(NO_COMMIT)
    fixes = [f"add '{(settings.created_keys or ('created',))[0]}: YYYY-MM-DD'"]
    if settings.filename_date:
        fixes.append(f"name the file '{settings.filename_date} ...'")
    if not settings.date_from_git:
        fixes.append("set [vault] date_from_git = true in a git vault")
    return (
        f"no date: tried {', '.join(tried)}; the note sorts as the oldest and feeds leave it "
        f"out ({', or '.join(fixes)})"
    )


def _with_inline_tags(tags: tuple[str, ...], inline: tuple[str, ...]) -> tuple[str, ...]:
    """The frontmatter tags, then the body's ``#tags`` not among them (case ignored, as
    Obsidian ignores it), so tag filters and per-tag outputs see both."""
    seen = {tag.casefold() for tag in tags}
    return tags + tuple(tag for tag in inline if tag.casefold() not in seen)


def _text(meta: dict[str, Any], key: str, report: _Collector) -> str:
    """A text key's value.  A plain value YAML reads as something else (``title: 2024-04-15``,
    a date; ``title: yes``, a boolean) is the text as written, as Obsidian shows it: an error
    for it kept hundreds of notes of a real vault private."""
    value = meta.get(key)
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    written = report.written(key) if isinstance(value, bool | date) else None
    if written is not None:
        return written.strip()
    report.error("field-type", f"'{key}' must be text, not {type(value).__name__}", key=key)
    return ""


#: Keys other publishing tools write to say whether a note is public: Obsidian Publish and
#: Quartz (``publish``), the Digital Garden plugin (``dg-publish``).  A vault published with
#: one of them already says which notes are public; ignoring the key would publish a note
#: its author marked ``publish: false`` as soon as notes without ``draft`` are published.
PUBLISH_KEYS = ("publish", "dg-publish")


def _flags_any_case(meta: dict[str, Any], report: _Collector) -> dict[str, Any]:
    """``meta`` with ``Draft``, ``PUBLISH``... read as ``draft`` and ``publish``: Obsidian's
    property names know no case, and with ``publish_without_draft_key`` a note marked
    ``Draft: true`` was published.  Spellings that disagree give the private answer, with
    a warning."""
    found: dict[str, list[str]] = {}
    for name, value in meta.items():
        if not isinstance(name, str):
            continue
        key = name.casefold()
        # Jekyll's ``published: false`` too, when a boolean (as a date it is no flag).
        if key in ("draft", *PUBLISH_KEYS) or (key in _FLAG_DATE_KEYS and isinstance(value, bool)):
            found.setdefault(key, []).append(name)
    if all(names == [key] for key, names in found.items()):
        return meta  # the common case: each written once, in lower case
    meta = dict(meta)
    for key, names in found.items():
        values = [meta[name] for name in names]
        if all(value == values[0] for value in values):
            meta[key] = values[0]
            continue
        private = key == "draft"  # draft: true, publish: false, published: false
        withheld = any(value is private for value in values)
        meta[key] = private if withheld else meta.get(key, values[0])
        report.warn(
            "draft-conflict",
            f"{' and '.join(map(repr, names))} disagree: "
            + ("kept private" if withheld else f"{names[0]!r} decides"),
            key=names[0],
        )
    return meta


def _draft(meta: dict[str, Any], settings: ParseSettings, report: _Collector) -> bool:
    """Whether the note stays private: ``draft`` decides, ``publish``-like keys stand in
    for a missing one, and a note any of them keeps private stays private."""
    draft = meta.get("draft")
    decided = isinstance(draft, bool)
    # An empty ``publish:`` (a template's blank) says nothing, as an absent key says nothing.
    publish = [key for key in PUBLISH_KEYS if meta.get(key) is not None]
    publish += [key for key in _FLAG_DATE_KEYS if _flag_not_date(meta, key)]
    withheld = [key for key in publish if not _publish_flag(meta, key, report, decided)]
    if "draft" not in meta:
        if publish:
            return bool(withheld)
        if settings.publish_without_draft_key:
            return False
        report.warn(
            "draft-missing",
            "no 'draft' key: kept private (add 'draft: false' to publish it, or set "
            "site.publish_without_draft_key)",
            line=1,
        )
        return True
    if draft is None:  # ``draft:`` left blank, as a template leaves it
        if publish:
            return bool(withheld)
        report.warn(
            "draft-empty",
            "'draft' has no value: kept private (write 'draft: false' to publish it)",
            key="draft",
        )
        return True
    if not decided:
        report.error("draft-type", _draft_type_message(draft), key="draft")
        return True
    if not draft and withheld:
        report.warn(
            "draft-conflict",
            f"'draft: false', but {withheld[0]!r} says not to publish: kept private "
            "(remove one of the two)",
            key=withheld[0],
        )
        return True
    return bool(draft)


def _publish_flag(meta: dict[str, Any], key: str, report: _Collector, decided: bool) -> bool:
    """The boolean of a ``publish``-like key.

    Another value (a date: some vaults write when a note went out) is not read: beside a
    boolean ``draft``, which decides, it is a warning; alone, it is an error and reads as
    "do not publish", so that a value notepress cannot read never makes a note public.
    """
    value = meta[key]
    if isinstance(value, bool):
        return value
    if decided:
        shown = reprlib.repr(value)
        report.warn(
            "publish-ignored",
            f"{key} is {shown}, not true or false: not read, 'draft' decides",
            key=key,
        )
        return True
    report.error("draft-type", _draft_type_message(value, key), key=key)
    return False


#: Words YAML reads as booleans when unquoted: written as text, they were quoted.
_YAML_TRUE = frozenset({"true", "yes", "on", "y"})
_YAML_FALSE = frozenset({"false", "no", "off", "n"})


def _draft_type_message(value: object, key: str = "draft") -> str:
    """Why a ``draft`` (or ``publish``) value is not a boolean, and what to write instead: a
    quoted ``"no"`` reads as a boolean to a person but is text to YAML, and stays private."""
    if isinstance(value, str):
        word = value.strip().lower()
        fix = f"{key}: true" if word in _YAML_TRUE else f"{key}: false"
        if word in _YAML_TRUE | _YAML_FALSE:
            return (
                f"{key}: {json.dumps(value, ensure_ascii=False)} is a quoted string, not a "
                f"boolean; write {fix} (kept private until then)"
            )
        quoted = json.dumps(value[:40] + ("…" if len(value) > 40 else ""), ensure_ascii=False)
        return (
            f"{key}: {quoted} is text, not a boolean; write {key}: true or {key}: false "
            "(kept private until then)"
        )
    kind = "a list" if isinstance(value, list) else "a table" if isinstance(value, dict) else None
    shown = kind or f"{reprlib.repr(value)} ({type(value).__name__})"
    return (
        f"{key} is {shown}, not a boolean; write {key}: true or {key}: false "
        "(kept private until then)"
    )


#: A date written day or month first (``14-01-2026``, ``01/14/2026``): a vault's own way.
_OTHER_ORDER = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
#: A date written year first with slashes or dots (``2022/11/08``), which ISO does not read.
_YEAR_FIRST = re.compile(r"\d{4}([/.])\d{1,2}\1\d{1,2}")
#: A year, which with a month's name (:func:`names_a_month`) makes a date written in words.
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")


def _date(
    meta: dict[str, Any], key: str, settings: ParseSettings, report: _Collector
) -> datetime | None:
    value = meta.get(key)
    if value is None:
        return None
    try:
        return parse_note_date(value, settings.timezone)
    except DateError as exc:
        if isinstance(value, str) and settings.date_format:
            found = date_written(value, settings.date_format, settings.timezone)
            if found is not None:
                return found
        hint = "; the note stays private until then"
        year_first = _YEAR_FIRST.fullmatch(value.strip()) if isinstance(value, str) else None
        if year_first is not None:
            sep = year_first.group(1)
            hint += (
                " (if the vault writes dates this way, set [vault] date_format = "
                f'"YYYY{sep}M{sep}D")'
            )
        elif isinstance(value, str) and _OTHER_ORDER.fullmatch(value.strip()):
            hint += (
                " (if the vault writes dates this way, set [vault] date_format, "
                'such as "DD-MM-YYYY")'
            )
        elif isinstance(value, str) and names_a_month(value) and _YEAR.search(value):
            hint += (
                " (if the vault writes dates this way, set [vault] date_format in the tokens "
                'Obsidian and Templater use, such as "dddd, MMMM Do YYYY - HH.mm")'
            )
        report.error("date-invalid", f"'{key}': {exc}{hint}", key=key)
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
    path: PurePosixPath,
    meta: dict[str, Any],
    created: datetime | None,
    report: _Collector,
    *,
    created_key: str = "created",
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
            f"note_id {note_id} says {id_date.date().isoformat()} but {created_key!r} is "
            f"{created.date().isoformat()}",
            key="note_id",
        )
    return note_id


#: Obsidian reads its list keys in any case, singular or plural (``Tags``, ``tag``,
#: ``Aliases``, ``alias``, ``cssclass``): vaults written before its properties view use
#: them all, and a link to an alias under ``Aliases`` resolves there.
_SPELLINGS = {
    "tags": "tags",
    "tag": "tags",
    "aliases": "aliases",
    "alias": "aliases",
    "cssclasses": "cssclasses",
    "cssclass": "cssclasses",
}


#: List keys whose terms hold no space, as Obsidian reads them: ``tags: journal private``
#: is two tags there (and a class name is one word).  Read as one tag, "private" was not
#: found by ``exclude_tags = ["private"]``, and the note was published.
_WORD_KEYS = frozenset({"tags", "cssclasses"})


def _list_key(
    meta: dict[str, Any],
    key: str,
    spellings_of: dict[str, list[str]],
    report: _Collector,
    *,
    strip_hash: bool = True,
) -> tuple[str, ...]:
    """The terms of every spelling of Obsidian's list key ``key`` (``spellings_of[key]``,
    in frontmatter order)."""
    spellings = spellings_of.get(key, [])
    words = key in _WORD_KEYS
    if len(spellings) <= 1:
        name = spellings[0] if spellings else key
        return _terms(meta, name, report, strip_hash=strip_hash, words=words)
    merged = (_terms(meta, name, report, strip_hash=strip_hash, words=words) for name in spellings)
    return tuple(dict.fromkeys(term for terms in merged for term in terms))


def _terms(
    meta: dict[str, Any],
    key: str,
    report: _Collector,
    *,
    strip_hash: bool = True,
    words: bool = False,
) -> tuple[str, ...]:
    """Tags and similar lists: a YAML list or a comma-separated string, cleaned and
    de-duplicated; with ``words``, the terms of a string are split at spaces too."""
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
        if item is None:  # an empty ``- `` entry: Obsidian shows nothing for it either
            continue
        if isinstance(item, dict | list | bool):
            shown = reprlib.repr(item)  # bounded: a value may be a large nested structure
            report.error("field-type", f"'{key}' holds a value that is not text: {shown}", key=key)
            continue
        # Only a string is split at spaces, as Obsidian splits it: a list item is one term
        # ("Home Lab"), as Obsidian shows it.
        split = words and isinstance(value, str)
        for term in str(item).split() if split else (str(item).strip(),):
            if strip_hash:
                term = term.lstrip("#").strip()
            if term and term not in seen:
                seen[term] = None
    return tuple(seen)


def parse_note_within_budget(
    path: PurePosixPath,
    raw: bytes,
    settings: ParseSettings | None = None,
    *,
    read_body: bool = True,
) -> Note:
    """:func:`~notepress.parse.parse_note` under the per-note budget.

    A note over budget is kept in the vault as a private note with an error, so that links
    to it still resolve to text and the problem is reported against its file.
    """
    try:
        with cpu_budget():
            return parse_note(path, raw, settings, read_body=read_body)
    except BudgetExceeded as exc:
        return Note(
            path=path,
            title=_stem_title(path),
            note_id=derived_note_id(path),
            draft=True,
            created=None,
            updated=None,
            problems=(too_slow(path.as_posix(), "reading the note", exc),),
        )
