"""Reading ``notepress.toml``: one validation pass, every problem listed, before anything runs.

This is the one place where config meets the registry: a target's ``exporter`` key names the
exporter whose ``Options`` schema and ``check`` validate the rest of its table.  The plain
types live in :mod:`notepress.config`, which exporters import without pulling this in.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Any

from .chars import printable, shown
from .config import (
    DEFAULT_OUTPUT,
    Config,
    NewOptions,
    Selection,
    Site,
    Target,
    VaultOptions,
    _TopLevel,
)
from .dateformat import format_problem
from .dates import DateError, parse_timezone
from .errors import ConfigError, RegistryError
from .filedates import pattern_problem
from .newnote import new_options_problems
from .obsidian import gitignore_problem
from .registry import MissingExtraError, get_exporter, missing_libraries
from .schema import SchemaErrors, parse_options
from .siteurl import http_url_problem

__all__ = ["default_config", "load_config", "load_new_settings", "parse_config"]

# Matched with fullmatch: ``$`` would also accept a name ending in a newline.
_TARGET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def load_config(path: str | Path, *, targets: Collection[str] | None = None) -> Config:
    """Read and validate a config file; raise :class:`ConfigError` listing every problem.

    ``targets`` names the targets about to be built (all by default); see
    :func:`parse_config`.
    """
    file = Path(path)
    data = _read_toml(file)
    return parse_config(data, root=file.resolve().parent, path=file, targets=targets)


def _output_folder(written: str, errors: SchemaErrors) -> Path:
    """The ``output`` option as a shell reads it (``~/site`` under the home folder); a home
    folder that cannot be found (``~nobody/site``) is an error of the key, not a traceback."""
    try:
        return Path(written).expanduser()
    except RuntimeError:
        errors.add("output", f"{shown(repr(written))}: no such user's home folder")
        return Path(DEFAULT_OUTPUT)


def _read_toml(file: Path) -> dict[str, Any]:
    """The config file's tables, or a :class:`ConfigError` naming the file.  A byte order
    mark, which some Windows editors write, is read past, as it is in notes."""
    try:
        return tomllib.loads(file.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"{printable(str(file))}: config file not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{printable(str(file))}: config file is not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{printable(str(file))}: invalid TOML: {exc}") from None


def load_new_settings(
    path: str | Path | None,
) -> tuple[NewOptions, Site, VaultOptions, tuple[str, ...], Path | None]:
    """``[new]``, ``[site]``, ``[vault]``, ``ignore`` and ``output`` of a config file
    (defaults when ``path`` is None; the output folder then None, for the vault's default),
    checked alone: writing a note needs neither the targets nor their exporters, which are
    slow to import and may be broken while the note is written.  ``[vault]`` says which
    keys date a note, which the new note is written with; it, ``ignore`` and the output
    folder say which folders builds read, where the note must be."""
    if path is None:
        return NewOptions(), Site(), VaultOptions(), (), None
    file = Path(path)
    data = _read_toml(file)
    errors = SchemaErrors()
    ignore = data.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(item, str) for item in ignore):
        errors.add("ignore", "expected a list of text")
        ignore = []
    # Checked as a build checks it (a control character, a wrong type).
    top = parse_options(_TopLevel, {k: v for k, v in data.items() if k == "output"}, "", errors)
    errors[:] = [e.lstrip(".") for e in errors]
    output = _output_folder(top.output, errors)
    for index, pattern in enumerate(ignore):
        if (problem := gitignore_problem(pattern)) is not None:
            errors.add(f"ignore[{index}]", problem)
    tables = {}
    for name in ("site", "new", "vault"):
        tables[name] = data.get(name, {})
        if not isinstance(tables[name], dict):
            errors.add(name, f"expected a table ([{name}])")
            tables[name] = {}
    site = parse_options(Site, tables["site"], "site", errors)
    try:
        site.tz  # noqa: B018 - validated here, used by the caller
    except DateError as exc:
        errors.add("site.timezone", str(exc))
    new = parse_options(NewOptions, tables["new"], "new", errors)
    for key, message in new_options_problems(new):
        errors.add(f"new.{key}", message)
    vault = parse_options(VaultOptions, tables["vault"], "vault", errors)
    if errors:
        raise ConfigError(f"{printable(str(file))}: invalid configuration", errors=list(errors))
    return new, site, vault, tuple(ignore), file.parent / output


def default_config(root: str | Path) -> Config:
    """The built-in config: one target of each exporter, for a vault without ``notepress.toml``.

    It sets no site URL: the feed and JSON-LD targets are built for a local preview, each
    with a warning that says what to set (see :mod:`notepress.siteurl`).  An exporter whose
    extra is not installed (``pip install notepress`` has no pdf or epub) is left out rather
    than failing a config nobody wrote.
    """
    targets = {"feed": "feed", "digest": "pdf", "book": "epub", "jsonld": "jsonld"}
    data = {
        "targets": {
            name: {"exporter": exporter}
            for name, exporter in targets.items()
            if not missing_libraries(exporter)
        },
    }
    return parse_config(data, root=Path(root).resolve(), path=None)


def parse_config(
    data: Mapping[str, Any],
    *,
    root: Path,
    path: Path | None,
    targets: Collection[str] | None = None,
) -> Config:
    """Validate a config already read from TOML.

    The whole file is always checked against its schema.  What an exporter's own check
    finds (a missing setting that only it needs) is an error only for the ``targets`` about
    to be built (every target when None): building a PDF must not wait for a feed's URL.
    The other targets' findings are kept in :attr:`Config.target_problems`, so that
    ``check`` reports them and a build of those targets is refused.
    """
    errors = SchemaErrors()
    where = printable(str(path)) if path else "built-in config"
    top = parse_options(
        _TopLevel,
        {k: v for k, v in data.items() if k not in ("site", "targets", "vault", "new")},
        "",
        errors,
    )
    errors[:] = [e.lstrip(".") for e in errors]
    output = _output_folder(top.output, errors)
    for index, pattern in enumerate(top.ignore):
        if (problem := gitignore_problem(pattern)) is not None:
            errors.add(f"ignore[{index}]", problem)

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
    if site.url and (problem := http_url_problem(site.url, address=True)) is not None:
        errors.add("site.url", problem)
    if "://" in site.author_url and (problem := http_url_problem(site.author_url)) is not None:
        errors.add("site.author_url", problem)  # a port past 65535, a bracket left open
    if _full_url(site.note_url):
        # Joined to site.url, a full URL gave https://x.org/https://x.org/notes/...
        relative = site.note_url.split("//", 1)[-1].partition("/")[2] or "notes/{slug}/"
        errors.add(
            "site.note_url",
            f"expected a path after site.url, got the full URL {shown(repr(site.note_url))}: "
            f"write {shown(repr(relative))} and put the site's address in site.url",
        )

    vault_table = data.get("vault", {})
    if not isinstance(vault_table, dict):
        errors.add("vault", "expected a table ([vault])")
        vault_table = {}
    vault = parse_options(VaultOptions, vault_table, "vault", errors)
    _check_vault_options(vault, errors)

    new_table = data.get("new", {})
    if not isinstance(new_table, dict):
        errors.add("new", "expected a table ([new])")
        new_table = {}
    new = parse_options(NewOptions, new_table, "new", errors)
    for key, message in new_options_problems(new):
        errors.add(f"new.{key}", message)

    targets_table = data.get("targets", {})
    parsed: dict[str, Target] = {}
    deferred: dict[str, tuple[str, ...]] = {}
    if not isinstance(targets_table, dict):
        errors.add("targets", "expected tables such as [targets.weekly]")
        targets_table = {}
    for name, table in targets_table.items():
        found = SchemaErrors()
        target = _parse_target(name, table, site, tz, errors, found)
        if target is not None:
            parsed[name] = target
        if targets is None or name in targets:
            errors.extend(found)
        elif found:
            deferred[name] = tuple(found)

    if errors:
        raise ConfigError(f"{where}: invalid configuration", errors=list(errors))
    return Config(
        site=site,
        targets=parsed,
        output=output if output.is_absolute() else (root / output),
        ignore=top.ignore,
        vault=vault,
        new=new,
        path=path,
        root=root,
        target_problems=deferred,
    )


_TITLE_SOURCES = ("title", "h1", "filename")


def _check_vault_options(vault: VaultOptions, errors: SchemaErrors) -> None:
    """What the types of ``[vault]`` cannot say: the names of title sources, the tokens of
    the file-name date pattern."""
    unknown = [source for source in vault.title_from if source not in _TITLE_SOURCES]
    if unknown:
        errors.add(
            "vault.title_from",
            f"expected title, h1 or filename, got {shown(', '.join(map(repr, unknown)))}",
        )
    for key, check in (("filename_date", pattern_problem), ("date_format", format_problem)):
        written = getattr(vault, key)
        problem = check(written)
        if problem:
            errors.add(f"vault.{key}", f"{problem}, got {shown(repr(written))}")


def _parse_target(
    name: str, table: Any, site: Site, tz: tzinfo, errors: SchemaErrors, checked: SchemaErrors
) -> Target | None:
    """One target; its schema errors go to ``errors``, its exporter's findings to
    ``checked``."""
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
    except MissingExtraError as exc:  # the target is fine; the installation lacks an extra
        checked.add(path, str(exc))  # so only a build of this target needs the extra
        return None
    except RegistryError as exc:
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
        owner=exporter_name,
        shared=["exporter", *selection_keys],
    )
    if selection.drafts and not exporter.allows_drafts:
        errors.add(
            f"{path}.drafts",
            f"the {exporter_name} exporter makes public output and never includes drafts",
        )
    target = Target(name, exporter_name, selection, options)
    for key, message in exporter.check(target, site):
        checked.add(f"{path}.{key}" if key else path, message)
    return target


def _full_url(template: str) -> bool:
    """Whether a URL template names a site of its own (``https://...``, ``//host/...``)."""
    return template.startswith("//") or _SCHEME_AND_HOST.match(template) is not None


_SCHEME_AND_HOST = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
