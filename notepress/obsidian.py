"""Obsidian's own settings of a vault, read from ``.obsidian/``, with ``[vault]`` keys on top.

A vault that reads right in Obsidian should publish right, so the few settings that change
how its files are read are taken from where Obsidian keeps them: ``app.json`` (link format,
attachment folder, excluded files, line breaks), ``templates.json`` (the templates
folder) and the Templater plugin's ``data.json`` (its templates folder).  These files are Obsidian's, not ours: an unknown key is ignored, and a file that
cannot be read or has a value of the wrong kind is a warning of the vault, never a failure.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .budget import BudgetExceeded, cpu_budget
from .chars import printable
from .config import VaultOptions
from .errors import VaultError
from .locations import (
    APP_JSON,
    LEGACY_CONFIG,
    MATHJAX_JSON,
    QUARTZ_CONFIG,
    SETTINGS_FILES,
    TEMPLATER_JSON,
    TEMPLATES_JSON,
)
from .model import Problem, Severity
from .texmacros import PREAMBLE, TexMacros, read_preamble

__all__ = [
    "APP_JSON",
    "TEMPLATER_JSON",
    "TEMPLATES_JSON",
    "ObsidianSettings",
    "gitignore_literal",
    "gitignore_problem",
    "read_settings",
]

_LINK_FORMATS = ("shortest", "relative", "absolute")
#: CPU seconds a regex of the excluded files may take on one path: far beyond any pattern
#: that does not backtrack, which takes microseconds.
REGEX_SECONDS = 2.0
#: Larger settings files are not Obsidian's doing; they are skipped with a warning.
_MAX_SIZE = 1024 * 1024


@dataclass(frozen=True)
class ObsidianSettings:
    """The effective settings: Obsidian's, overridden by ``[vault]`` keys where those are set."""

    new_link_format: str = "shortest"
    """How Obsidian writes new links (``shortest``, ``relative``, ``absolute``).  Links are
    resolved the same way whatever it is; it is kept so tools can write links alike."""
    attachment_folder: str = ""
    """Where Obsidian puts new attachments (``/`` the vault root, ``./x`` beside the note)."""
    templates_folder: str = ""
    """Vault-relative folder of note templates, never read as notes; empty for none."""
    templater_folder: str = ""
    """The Templater plugin's templates folder, never read as notes either; empty for none."""
    strict_line_breaks: bool = False
    """True when a single line break joins lines (Markdown's rule); Obsidian's default keeps it."""
    ignore: tuple[str, ...] = ()
    """Gitignore-style patterns from Obsidian's "Excluded files" (``userIgnoreFilters``).

    Obsidian leaves excluded files out of search, the graph and link suggestions: they are
    the files a writer keeps out of sight, so they are treated as ``ignore`` patterns and
    never published.  A plain entry is a vault path (a folder or a file, ``.md`` optional);
    an entry written ``/regex/`` is kept in :attr:`ignore_regexes`.
    """
    ignore_regexes: tuple[str, ...] = ()
    """Excluded-file entries written as ``/regex/``, matched against vault-relative paths."""
    excluded_by: str = ""
    """Who keeps the files of :attr:`ignore` and :attr:`ignore_regexes` out, in words for a
    message: Obsidian's excluded files, a Quartz site's ``ignorePatterns``, or both."""
    math_macros: TexMacros = TexMacros()
    """The TeX macros of ``[vault] math_preamble`` (``preamble.sty``), expanded in formulas."""
    math_preamble: str = PREAMBLE
    """The preamble file those macros are read from, vault-relative (a hidden folder, or
    ``../`` outside the vault); empty when none is named.  Kept whether or not it exists:
    one created later changes the outputs as much as one edited."""
    quartz_configs: tuple[str, ...] = ()
    """The Quartz configs found in the vault's folders (``.quartz/quartz.config.ts``),
    vault-relative: read as the ones beside the vault are, and followed as they are."""

    def files_read(self, root: Path) -> list[Path]:
        """The settings files and the preamble a load of the vault at ``root`` reads."""
        names = [
            *SETTINGS_FILES,
            *([self.math_preamble] if self.math_preamble else []),
            *self.quartz_configs,
        ]
        return [root / name for name in names]

    def excludes(self, path: PurePosixPath) -> bool:
        """True when a regex entry of the excluded files matches ``path``.

        Matching one path has a CPU budget: a pattern that backtracks (``/(a+)+$/``) on one file
        name held the build for ever.  Past it, the load stops with a :class:`VaultError`
        naming the pattern: read without it, the vault would publish what it excludes.
        """
        text = path.as_posix()
        pattern = ""
        try:
            with cpu_budget(REGEX_SECONDS):
                for pattern in self.ignore_regexes:
                    # The file's name composed (see vault.survey_vault), and the pattern too.
                    if re.search(unicodedata.normalize("NFC", pattern), text):
                        return True
        except BudgetExceeded:
            raise VaultError(
                f"{APP_JSON}: the excluded-files pattern {'/' + pattern + '/'!r} took over "
                f"{REGEX_SECONDS:g} s of CPU to match {printable(text)!r} (it backtracks); "
                "rewrite it in Obsidian's Settings, Files and links, Excluded files"
            ) from None
        return False


def read_settings(root: Path, options: VaultOptions) -> tuple[ObsidianSettings, list[Problem]]:
    """The vault's effective settings and the warnings reading Obsidian's files gave."""
    problems: list[Problem] = []
    app: Mapping[str, Any] = {}
    templates: Mapping[str, Any] = {}
    templater: Mapping[str, Any] = {}
    mathjax: Mapping[str, Any] = {}
    # A vault no Obsidian since 0.10 has opened keeps app.json's keys in its one file.
    legacy = not (root / APP_JSON).is_file() and (root / LEGACY_CONFIG).is_file()
    app_file = LEGACY_CONFIG if legacy else APP_JSON
    if options.obsidian_settings:
        app = _read_json(root, app_file, problems)
        templates = _read_json(root, TEMPLATES_JSON, problems)
        templater = _read_json(root, TEMPLATER_JSON, problems)
        mathjax = _read_json(root, MATHJAX_JSON, problems)
    link_format = _text(app, "newLinkFormat", app_file, problems) or "shortest"
    if link_format not in _LINK_FORMATS:
        problems.append(
            _warning(
                app_file,
                f"newLinkFormat {link_format!r} is not one of {', '.join(_LINK_FORMATS)}; ignored",
            )
        )
        link_format = "shortest"
    attachment_folder = _text(app, "attachmentFolderPath", app_file, problems)
    strict = app.get("strictLineBreaks", False)
    if not isinstance(strict, bool):
        problems.append(_warning(app_file, "strictLineBreaks is not true or false; ignored"))
        strict = False
    ignore, regexes = _ignore_filters(app.get("userIgnoreFilters"), problems, app_file)
    configs = quartz_configs(root) if options.obsidian_settings else []
    quartz = tuple(p for config in configs for p in _quartz_ignores(*config, problems))
    excluded_by = " and ".join(
        [
            *(
                ["Obsidian's Excluded files setting (userIgnoreFilters)"]
                if ignore or regexes
                else []
            ),
            *(["Quartz's ignorePatterns"] if quartz else []),
        ]
    )
    ignore += quartz
    templates_folder = _folder(_text(templates, "folder", TEMPLATES_JSON, problems))
    macros, name = TexMacros(), ""
    preamble = options.math_preamble.strip()
    if preamble == PREAMBLE:  # the default: where the plugin reads it, when it says
        preamble = _text(mathjax, "preamblePath", MATHJAX_JSON, problems).strip() or PREAMBLE
    if preamble:
        name = preamble.lstrip("/")
        macros, found = read_preamble(root, name)
        problems.extend(found)
        if name != PREAMBLE and not (root / name).is_file():
            setting = (
                "[vault] math_preamble"
                if preamble == options.math_preamble.strip()
                else f"preamblePath of {MATHJAX_JSON}"
            )
            problems.append(
                Problem(Severity.WARNING, "math-preamble", f"{setting}: no such file", name)
            )
    return (
        ObsidianSettings(
            new_link_format=link_format,
            attachment_folder=options.attachment_folder or attachment_folder,
            templates_folder=_folder(options.templates_folder) or templates_folder,
            templater_folder=_folder(
                _text(templater, "templates_folder", TEMPLATER_JSON, problems)
                # the key's name in Templater's early versions, kept by vaults whose
                # settings no later version has saved
                or _text(templater, "template_folder", TEMPLATER_JSON, problems)
            ),
            strict_line_breaks=(
                strict if options.strict_line_breaks is None else options.strict_line_breaks
            ),
            ignore=ignore,
            ignore_regexes=regexes,
            excluded_by=excluded_by,
            math_macros=macros,
            math_preamble=name,
            quartz_configs=tuple(
                name for _, name, _ in configs if not name.startswith("../") and "/" in name
            ),
        ),
        problems,
    )


def _read_json(root: Path, name: str, problems: list[Problem]) -> Mapping[str, Any]:
    path = root / name
    try:
        if not path.is_file():
            return {}
        if path.stat().st_size > _MAX_SIZE:
            problems.append(_warning(name, "larger than 1 MB; Obsidian's settings ignored"))
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        problems.append(_warning(name, f"cannot read: {exc.strerror}; Obsidian's settings ignored"))
        return {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(_warning(name, f"not valid JSON ({exc}); Obsidian's settings ignored"))
        return {}
    if not isinstance(data, dict):
        problems.append(_warning(name, "not a JSON object; Obsidian's settings ignored"))
        return {}
    return data


def _text(data: Mapping[str, Any], key: str, name: str, problems: list[Problem]) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        problems.append(_warning(name, f"{key} is not text; ignored"))
        return ""
    return value.strip()


def _folder(value: str) -> str:
    """A folder setting as a vault path: no leading or trailing slash, no ``./``, ``.`` for
    the root (``./Meta/Templates`` and ``Meta\\Templates`` are ``Meta/Templates``)."""
    text = value.strip().replace("\\", "/").strip("/")
    return posixpath.normpath(text) if text else ""


def _ignore_filters(
    value: object, problems: list[Problem], name: str = APP_JSON
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Obsidian's excluded-files entries (of the settings file ``name``) as gitignore
    patterns and regexes."""
    if value is None:
        return (), ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(_warning(name, "userIgnoreFilters is not a list of text; ignored"))
        return (), ()
    patterns: list[str] = []
    regexes: list[str] = []
    for entry in value:
        entry = entry.strip()
        if len(entry) > 2 and entry.startswith("/") and entry.endswith("/"):
            try:
                re.compile(entry[1:-1])
            except re.error as exc:
                problems.append(
                    _warning(
                        name,
                        f"userIgnoreFilters entry {entry!r} is not a regular expression ({exc}); ignored",
                    )
                )
                continue
            regexes.append(entry[1:-1])
            continue
        path = entry.strip("/")
        if not path:
            continue
        escaped = gitignore_literal(path)
        patterns.append(f"/{escaped}")
        if not path.lower().endswith(".md") and "." not in PurePosixPath(path).name:
            patterns.append(f"/{escaped}.md")
    return tuple(patterns), tuple(regexes)


#: Where a Quartz config names its ignore list (outside comments and strings).
_QUARTZ_PATTERNS = re.compile(r"\bignorePatterns\s*:\s*\[")
#: Quartz's own default: what it keeps out of a site when its config says nothing readable.
QUARTZ_DEFAULT_IGNORES = ("private", "templates", ".obsidian")
#: In a TypeScript file: a comment, or a string (single, double or backtick quoted).
_TS_SKIPPED = re.compile(
    r"//[^\n]*|/\*.*?(?:\*/|\Z)|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`",
    re.DOTALL,
)
#: In the list itself: a quoted pattern, a comma, a space or a comment.
_LIST_ITEM = re.compile(
    r"\s+|,|//[^\n]*|/\*.*?\*/|\"((?:[^\"\\\n]|\\.)*)\"|'((?:[^'\\\n]|\\.)*)'", re.DOTALL
)


def quartz_configs(root: Path) -> list[tuple[Path, str, str]]:
    """Each Quartz config whose site is made of the vault at ``root``, as ``(file, its
    vault-relative name, the folder its patterns with a slash start from)``.

    Quartz is found where people install it: around the vault (the vault is Quartz's
    ``content`` folder, or Quartz's own folder with ``content`` in it), or in a folder of the
    vault (often hidden, ``.quartz/``, built with ``--directory=..``), which makes its site
    of the vault, or of its own ``content`` folder if it has one.  Every one found is read:
    a pattern read once too often keeps a note private, one missed publishes it.
    """
    found: list[tuple[Path, str, str]] = []
    if root.name == "content" and (root.parent / QUARTZ_CONFIG).is_file():
        found.append((root.parent / QUARTZ_CONFIG, f"../{QUARTZ_CONFIG}", ""))
    if (root / QUARTZ_CONFIG).is_file():
        found.append((root / QUARTZ_CONFIG, QUARTZ_CONFIG, "content/"))
    try:
        folders = sorted(e.name for e in os.scandir(root) if e.is_dir(follow_symlinks=False))
    except OSError:
        folders = []
    for folder in folders:
        config = root / folder / QUARTZ_CONFIG
        if config.is_file():
            own = (root / folder / "content").is_dir()
            found.append((config, f"{folder}/{QUARTZ_CONFIG}", f"{folder}/content/" if own else ""))
    return found


def _quartz_ignores(
    config: Path, name: str, prefix: str, problems: list[Problem]
) -> tuple[str, ...]:
    """The ``ignorePatterns`` of the Quartz config ``config`` (``name`` in messages): the
    notes Quartz keeps out of the site (its default is ``private`` and ``templates``) stay
    out of every output too.  A pattern with a slash is read from ``prefix``, the folder
    Quartz's site is made of.

    The list is read as TypeScript is: a commented-out line is no setting, and a ``]``
    inside a pattern (``"[Dd]rafts"``) ends nothing.  A list that is not only quoted
    patterns (a variable, a spread, a template) or a config that cannot be read keeps
    Quartz's defaults private, with a warning: reading nothing would publish them.
    """
    try:
        if config.stat().st_size > _MAX_SIZE:
            raise ValueError("larger than 1 MB")
        text = config.read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return _quartz_defaults(name, f"cannot be read ({reason})", problems)
    # Comments and strings blanked (same length), so that a match is code.
    code = _TS_SKIPPED.sub(lambda found: " " * len(found.group(0)), text)
    found = _QUARTZ_PATTERNS.search(code)
    if found is None:
        return ()
    patterns, position = [], found.end()
    while True:
        item = _LIST_ITEM.match(text, position)
        if item is None:
            if text.startswith("]", position):
                break
            why = "its ignorePatterns is not a list of quoted patterns"
            return _quartz_defaults(name, why, problems)
        position = item.end()
        quoted = item.group(1) if item.group(1) is not None else item.group(2)
        pattern = (quoted or "").strip()
        if pattern and (problem := gitignore_problem(pattern)) is not None:
            problems.append(_warning(name, f"ignorePatterns: {problem}; skipped"))
        elif pattern and not pattern.startswith("!"):
            # A pattern with a folder in it is Quartz's, from its content folder.
            patterns.append(prefix + pattern.lstrip("/") if "/" in pattern else pattern)
    return tuple(patterns)


def _quartz_defaults(name: str, why: str, problems: list[Problem]) -> tuple[str, ...]:
    problems.append(
        _warning(
            name,
            f"{why}; the folders Quartz keeps private by default "
            f"({', '.join(QUARTZ_DEFAULT_IGNORES)}) are kept private",
        )
    )
    return QUARTZ_DEFAULT_IGNORES


def gitignore_problem(pattern: str) -> str | None:
    """Why ``pattern`` is no gitignore pattern (``!`` alone, a trailing ``\\``), or None:
    a pattern the matcher cannot read would stop the walk of the whole vault."""
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except ValueError as exc:  # pathspec's GitIgnorePatternError
        return f"{pattern!r} is not a gitignore pattern ({exc})"
    return None


def gitignore_literal(path: str) -> str:
    """``path`` as a gitignore pattern that matches only itself."""
    return re.sub(r"([\\*?\[])", r"\\\1", path)


def _warning(name: str, message: str) -> Problem:
    return Problem(Severity.WARNING, "obsidian-settings", message, name)
