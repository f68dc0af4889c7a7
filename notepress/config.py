"""The plain config types: the site, each target's selection and options, the whole config.

Nothing here reads a file or asks which exporters exist: exporters import these types, so
the loader that validates a target against the registry lives apart, in
:mod:`notepress.configfile`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote, urlsplit

from .dates import parse_timezone
from .fieldformat import fill
from .locations import CONFIG_FILE
from .model import Note
from .parse import ParseSettings
from .schema import option
from .slugs import note_slug

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_OUTPUT",
    "Config",
    "NewOptions",
    "Selection",
    "Site",
    "Target",
    "VaultOptions",
    "quartz_path",
]

#: The options dataclass of one exporter (see :class:`notepress.exporter.Exporter`).
OptionsT = TypeVar("OptionsT")

DEFAULT_OUTPUT = "_publish"
_URL_FIELDS = ("note_id", "slug", "path", "stem", "quartz", "year", "month", "day")


def quartz_path(path: PurePosixPath) -> str:
    """The URL path Quartz (4) serves the note at vault path ``path`` from: ``.md`` cut,
    in each folder and name whitespace written ``-``, ``%`` ``-percent`` and ``?`` ``-q``,
    and an ``index`` (or ``_index``) note served as its folder (``Folder-A/``).  For a
    site built by Quartz from this vault, so that a feed's links find its pages."""
    parts = [
        re.sub(r"\s", "-", part).replace("%", "-percent").replace("?", "-q")
        for part in path.with_suffix("").parts
    ]
    if parts and parts[-1] in ("index", "_index"):
        return "/".join(parts[:-1]) + "/" if len(parts) > 1 else ""
    return "/".join(parts)


@dataclass(frozen=True)
class Site:
    """``[site]``: who publishes, where, and how a note's URL is formed."""

    title: str = option("Notes", "Name of the site, feed and books.")
    description: str = option("", "One sentence about the notes.", multiline=True)
    url: str = option("", "Public base URL, such as https://notes.example.org/ (needed by feeds).")
    author: str = option("", "Author name for feeds, PDFs, books and JSON-LD.")
    author_url: str = option("", "Author's page, for JSON-LD and feeds.")
    language: str = option("en", "BCP 47 language tag of the notes.")
    timezone: str = option("UTC", "IANA timezone for dates written without one.")
    note_url: str = option(
        "",
        "URL of a note's page on your site, relative to url, for a site that shows notes "
        "(notepress writes no note pages); empty: outputs link to no note page. "
        "Fields: {note_id} {slug} {path} {stem} {quartz} {year} {month} {day}.",
        fields=_URL_FIELDS,
    )
    publish_without_draft_key: bool = option(
        False, "Publish notes that have no 'draft' key (by default they stay private)."
    )

    @property
    def tz(self) -> tzinfo:
        return parse_timezone(self.timezone)

    @property
    def base_url(self) -> str:
        """``url`` with exactly one trailing slash, or empty when unset."""
        return self.url.rstrip("/") + "/" if self.url else ""

    @property
    def host(self) -> str:
        try:
            return urlsplit(self.url).hostname or ""
        except ValueError:  # refused when the config is read; never a traceback here
            return ""

    def note_url_for(self, note: Note) -> str | None:
        """The public URL of ``note``'s page, or None when the site has no URL or shows no
        note pages (no ``note_url``)."""
        if not self.url or not self.note_url:
            return None
        return self.base_url + self.note_path(note)

    def note_path(self, note: Note) -> str:
        """The note's URL path relative to the site, from the ``note_url`` template.

        ``{slug}`` is the slug the core gave the note once the config was read (in the
        ``[vault] slugs`` style, told apart from another note's by its note_id when asked),
        else one made from its title; like ``{path}`` and ``{stem}`` it is percent-encoded,
        so a URL in any script is a valid URL in every output.
        """
        created = note.created
        values = {
            "note_id": note.note_id,
            "slug": quote(note.slug or note_slug(note.title, fallback=note.note_id.lower())),
            "path": quote(PurePosixPath(note.path).with_suffix("").as_posix()),
            "stem": quote(note.path.stem),
            "quartz": quote(quartz_path(PurePosixPath(note.path))),
            "year": f"{created.year:04d}" if created else "0000",
            "month": f"{created.month:02d}" if created else "00",
            "day": f"{created.day:02d}" if created else "00",
        }
        return fill(self.note_url, values).lstrip("/")

    def parse_settings(self, vault: VaultOptions | None = None) -> ParseSettings:
        vault = vault or VaultOptions()
        return ParseSettings(
            timezone=self.tz,
            publish_without_draft_key=self.publish_without_draft_key,
            title_from=vault.title_from,
            created_keys=vault.created_keys,
            updated_keys=vault.updated_keys,
            filename_date=vault.filename_date,
            date_format=vault.date_format,
            date_from_git=vault.date_from_git,
        )


@dataclass(frozen=True)
class VaultOptions:
    """``[vault]``: how the vault is read, so that a vault that reads right in Obsidian
    publishes right.  Obsidian's own settings (``.obsidian/``) are read too; a key set here
    wins over them."""

    obsidian_settings: bool = option(
        True, "Read Obsidian's settings (.obsidian/app.json, templates.json) when present."
    )
    attachment_folder: str = option(
        "", "Folder of attachments; empty means Obsidian's attachmentFolderPath, if any."
    )
    templates_folder: str = option(
        "", "Folder of note templates, never read as notes; empty means Obsidian's setting."
    )
    strict_line_breaks: bool | None = option(
        None, "Join single line breaks as Markdown does; unset means Obsidian's setting (off)."
    )
    math_preamble: str = option(
        "preamble.sty",
        "File of TeX macros (\\newcommand, \\DeclareMathOperator) for formulas, as Obsidian's "
        "Extended MathJax plugin reads it; empty: none.",
    )
    title_from: tuple[str, ...] = option(
        ("title", "filename"),
        "Where a note's title comes from, first found wins: title, h1, filename.",
    )
    created_keys: tuple[str, ...] = option(
        ("created", "date", "published"), "Frontmatter keys that date a note, first found wins."
    )
    updated_keys: tuple[str, ...] = option(
        ("updated", "modified", "lastmod"), "Frontmatter keys for a note's last edit."
    )
    filename_date: str = option(
        "YYYY-MM-DD", "Date pattern in file names (daily notes) for undated notes; empty: off."
    )
    date_format: str = option(
        "",
        "A vault's own way of writing dates in frontmatter, read besides ISO dates, in the "
        "moment.js tokens Obsidian and Templater use (DD-MM-YYYY, MM/DD/YYYY, "
        "dddd, MMMM Do YYYY - HH.mm); empty: ISO dates only.",
    )
    date_from_git: bool = option(False, "Date undated notes by their first and last git commit.")
    slugs: Literal["unicode", "ascii"] = option(
        "unicode", "Slugs keep every script's letters (unicode) or transliterate (ascii)."
    )
    url_collisions: Literal["error", "note_id"] = option(
        "error", "Two notes with one URL: an error of the second, or tell them apart by note_id."
    )
    jobs: int = option(
        0, "Processes that parse and render notes; 0: one per core (or NOTEPRESS_JOBS), 1: no pool."
    )


@dataclass(frozen=True)
class NewOptions:
    """``[new]``: what ``notepress new`` writes.  A kind is a name people type
    (``--kind journal``) for the two capitals in the middle of a ``note_id``."""

    kind: str = option("note", "The kind of note written when --kind is not given.")
    folder: str = option("", "Folder of new notes, relative to the vault; empty: its top.")
    draft: bool = option(True, "New notes start as drafts (private until draft: false).")
    kinds: dict[str, str] = field(
        default_factory=dict,
        metadata={
            "doc": "More kinds: name = two capital letters of the note_id "
            "(note = GN, a general note, and journal = TJ are built in).",
            "multiline": False,
        },
    )
    folders: dict[str, str] = field(
        default_factory=dict,
        metadata={
            "doc": 'A kind\'s own folder, such as { journal = "journal" }.',
            "multiline": False,
        },
    )
    drafts: dict[str, bool] = field(
        default_factory=dict,
        metadata={
            "doc": "A kind's own draft default, such as { journal = false }.",
            "multiline": False,
        },
    )


@dataclass(frozen=True)
class Selection:
    """Keys every target shares: which notes it takes."""

    include_tags: tuple[str, ...] = option((), "Only notes with at least one of these tags.")
    exclude_tags: tuple[str, ...] = option((), "No note with any of these tags.")
    since: datetime | None = option(None, "Only notes created on or after this date.")
    until: datetime | None = option(None, "Only notes created on or before this date.")
    limit: int | None = option(None, "At most this many notes, the newest; 0 means no limit.")
    drafts: bool = option(
        False, "Include drafts, marked as such (private pdf and epub copies only)."
    )
    future: bool = option(
        False, "Publish notes dated after the build at once (by default they wait for their date)."
    )


@dataclass(frozen=True)
class Target(Generic[OptionsT]):
    """One output: a name, an exporter, its selection and its exporter's own options.

    Generic over the options, so that an exporter's ``check`` and ``build`` see its own
    ``Options`` dataclass as the type of ``target.options``.
    """

    name: str
    exporter: str
    selection: Selection
    options: OptionsT


@dataclass(frozen=True)
class Config:
    site: Site
    targets: Mapping[str, Target[Any]]
    output: Path
    """Absolute output folder."""
    ignore: tuple[str, ...] = ()
    vault: VaultOptions = field(default_factory=lambda: VaultOptions())
    new: NewOptions = field(default_factory=lambda: NewOptions())
    path: Path | None = None
    """The file the config was read from; None for the built-in default."""
    root: Path = field(default_factory=Path.cwd)
    """The folder relative paths in the config are read against."""
    target_problems: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """What an exporter's check found wrong with a target that was not asked for when the
    config was read (``targets.NAME.key: message``): building that target is refused, the
    others build (see :func:`notepress.configfile.parse_config`)."""

    def target(self, name: str) -> Target[Any]:
        return self.targets[name]


@dataclass(frozen=True)
class _TopLevel:
    """The keys at the top of the file, outside ``[site]`` and ``[targets.*]``."""

    output: str = option(
        DEFAULT_OUTPUT, "Output folder, relative to this file (~ for your home folder)."
    )
    ignore: tuple[str, ...] = option((), "Gitignore-style patterns of vault paths to skip.")
