"""``notepress.toml``: the site, the targets, and one validation pass before anything runs."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

from .chars import printable, shown
from .dates import DateError, parse_timezone
from .errors import ConfigError
from .fieldformat import fill
from .model import Note
from .parse import ParseSettings
from .registry import get_exporter
from .schema import SchemaErrors, option, parse_options
from .slugs import slugify

__all__ = ["CONFIG_FILE", "Config", "Selection", "Site", "Target", "default_config", "load_config"]

CONFIG_FILE = "notepress.toml"
DEFAULT_OUTPUT = "_publish"
# Matched with fullmatch: ``$`` would also accept a name ending in a newline.
_TARGET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_URL_FIELDS = ("note_id", "slug", "path", "stem", "year", "month", "day")


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
        "notes/{slug}/",
        "URL of a note, relative to url. Fields: {note_id} {slug} {path} {stem} {year} {month} {day}.",
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
        return urlsplit(self.url).hostname or ""

    def note_url_for(self, note: Note) -> str | None:
        """The public URL of ``note``, or None when the site has no URL."""
        if not self.url:
            return None
        return self.base_url + self.note_path(note)

    def note_path(self, note: Note) -> str:
        """The note's URL path relative to the site, from the ``note_url`` template."""
        created = note.created
        values = {
            "note_id": note.note_id,
            "slug": slugify(note.title, fallback=note.note_id.lower()),
            "path": quote(PurePosixPath(note.path).with_suffix("").as_posix()),
            "stem": quote(note.path.stem),
            "year": f"{created.year:04d}" if created else "0000",
            "month": f"{created.month:02d}" if created else "00",
            "day": f"{created.day:02d}" if created else "00",
        }
        return fill(self.note_url, values).lstrip("/")

    def parse_settings(self) -> ParseSettings:
        return ParseSettings(
            timezone=self.tz, publish_without_draft_key=self.publish_without_draft_key
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


@dataclass(frozen=True)
class Target:
    """One output: a name, an exporter, its selection and its exporter's own options."""

    name: str
    exporter: str
    selection: Selection
    options: Any


@dataclass(frozen=True)
class Config:
    site: Site
    targets: Mapping[str, Target]
    output: Path
    """Absolute output folder."""
    ignore: tuple[str, ...] = ()
    path: Path | None = None
    """The file the config was read from; None for the built-in default."""
    root: Path = field(default_factory=Path.cwd)
    """The folder relative paths in the config are read against."""

    def target(self, name: str) -> Target:
        return self.targets[name]


@dataclass(frozen=True)
class _TopLevel:
    output: str = option(DEFAULT_OUTPUT, "Output folder, relative to this file.")
    ignore: tuple[str, ...] = option((), "Gitignore-style patterns of vault paths to skip.")


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; raise :class:`ConfigError` listing every problem."""
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{printable(str(file))}: config file not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{printable(str(file))}: config file is not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{printable(str(file))}: invalid TOML: {exc}") from None
    return parse_config(data, root=file.resolve().parent, path=file)


def default_config(root: str | Path) -> Config:
    """The built-in config: one target of each exporter, for a vault without ``notepress.toml``.

    The site URL is a local preview address, since feeds and JSON-LD need absolute URLs.
    """
    data = {
        "site": {"url": "http://localhost:8000/"},
        "targets": {
            "feed": {"exporter": "feed"},
            "digest": {"exporter": "pdf"},
            "book": {"exporter": "epub"},
            "jsonld": {"exporter": "jsonld"},
        },
    }
    return parse_config(data, root=Path(root).resolve(), path=None)


def parse_config(data: Mapping[str, Any], *, root: Path, path: Path | None) -> Config:
    """Validate a config already read from TOML."""
    errors = SchemaErrors()
    where = printable(str(path)) if path else "built-in config"
    top = parse_options(
        _TopLevel, {k: v for k, v in data.items() if k not in ("site", "targets")}, "", errors
    )
    errors[:] = [e.lstrip(".") for e in errors]

    site_table = data.get("site", {})
    if not isinstance(site_table, dict):
        errors.add("site", "expected a table ([site])")
        site_table = {}
    site = parse_options(Site, site_table, "site", errors)
    try:
        tz = site.tz
    except DateError as exc:
        errors.add("site.timezone", str(exc))
        tz = parse_timezone("UTC")
    if site.url and urlsplit(site.url).scheme not in ("http", "https"):
        errors.add("site.url", f"expected an http(s) URL, got {shown(repr(site.url))}")

    targets_table = data.get("targets", {})
    targets: dict[str, Target] = {}
    if not isinstance(targets_table, dict):
        errors.add("targets", "expected tables such as [targets.weekly]")
        targets_table = {}
    for name, table in targets_table.items():
        target = _parse_target(name, table, site, tz, errors)
        if target is not None:
            targets[name] = target

    if errors:
        raise ConfigError(f"{where}: invalid configuration", errors=list(errors))
    output = Path(top.output)
    return Config(
        site=site,
        targets=targets,
        output=output if output.is_absolute() else (root / output),
        ignore=top.ignore,
        path=path,
        root=root,
    )


def _parse_target(
    name: str, table: Any, site: Site, tz: tzinfo, errors: SchemaErrors
) -> Target | None:
    path = f"targets.{name}"
    if not _TARGET_NAME.fullmatch(name):
        errors.add(
            path,
            "a target name is 1 to 64 ASCII letters, digits, '-', '_' and '.', starting with "
            "a letter or digit (it names the target's folder in the output)",
        )
        return None
    if not isinstance(table, dict):
        errors.add(path, "expected a table")
        return None
    exporter_name = table.get("exporter")
    if not isinstance(exporter_name, str):
        errors.add(f"{path}.exporter", "missing: name the exporter (feed, pdf, epub or jsonld)")
        return None
    try:
        exporter = get_exporter(exporter_name)
    except LookupError as exc:
        errors.add(f"{path}.exporter", str(exc))
        return None
    selection_keys = set(Selection.__dataclass_fields__)
    selection = parse_options(
        Selection, {k: v for k, v in table.items() if k in selection_keys}, path, errors, tz=tz
    )
    options: Any = parse_options(
        exporter.Options,
        {k: v for k, v in table.items() if k not in selection_keys and k != "exporter"},
        path,
        errors,
        tz=tz,
    )
    if selection.drafts and not exporter.allows_drafts:
        errors.add(
            f"{path}.drafts",
            f"the {exporter_name} exporter makes public output and never includes drafts",
        )
    target = Target(name, exporter_name, selection, options)
    for message in exporter.check(target, site):
        errors.append(f"{path}{'' if message.startswith('.') else ': '}{message}")
    return target
