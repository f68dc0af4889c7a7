"""The key of a target: everything its output is made from, except what its renderings
asked of the vault (replayed separately, see :meth:`notepress.cache.Cache.up_to_date`).

Two builds with one key write the same bytes: the code, the target's options and the site,
``SOURCE_DATE_EPOCH`` and the other variables outputs read, the built-in templates and the
files the target's options name (a templates folder, a stylesheet), the vault's settings, the
names of its attachments and the state of those its notes' frontmatter names, and each
selected note whole (its fingerprint).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import fields, is_dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ..config import Config, Target
from ..markdown.memo import mermaid_identity
from ..model import Note
from ..output import file_sha256
from ..registry import get_exporter
from ..templating import builtin_templates
from ..vault import Vault
from .codec import canonical
from .environment import environment_key
from .store import stat_key

__all__ = ["machine_paths", "option_paths", "target_key"]

#: Variables that change what an output holds.
_VARIABLES = ("SOURCE_DATE_EPOCH", "NOTEPRESS_NOTE_BUDGET")
#: A folder an option names is hashed file by file up to this many files, then by size and
#: time alone: an option naming a large folder must not make every build slow.
_HASHED_FILES = 500


def target_key(
    vault: Vault,
    config: Config,
    target: Target[Any],
    notes: Sequence[Note],
    matching: Sequence[Note],
    fingerprint: Callable[[Note], str],
) -> str:
    selected = [note.path.as_posix() for note in notes]
    data = {
        "code": environment_key(),
        "target": repr(target),
        "site": repr(config.site),
        "vault_options": repr(config.vault),
        "root": str(config.root),
        "variables": [os.environ.get(name, "") for name in _VARIABLES],
        "diagrams": mermaid_identity(),
        "templates": list(_folder_state(builtin_templates("feed").parent, hashed=False)),
        "option_files": [list(_option_files(config.root, value)) for value in _values(target)],
        "machine": [
            [str(path), *_folder_state(path, hashed=False)]
            for path in get_exporter(target.exporter).machine_paths()
        ],
        "settings": repr(vault.settings),
        "strict": vault.warnings_are_errors,
        "attachments": sorted(vault.attachments),
        "named_files": [
            [rel.as_posix(), stat_key(vault.root / rel)]
            for rel in _named_attachments(vault, target, matching)
        ],
        "matching": [[n.path.as_posix(), fingerprint(n)] for n in matching],
        "selected": selected,
    }
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()


def _named_attachments(
    vault: Vault, target: Target[Any], notes: Sequence[Note]
) -> list[PurePosixPath]:
    """Vault files the target's options or its notes' frontmatter name (an icon, a cover,
    a note's ``image``): an exporter copies them without a rendering asking for them.

    Files the renderings use are checked with the renderings' reads; a file of the vault
    nothing names (the config, another target's stylesheet) changes no output.
    """
    names = list(_values(target))
    for note in notes:
        names.extend(_texts(note.extra))
    found = {vault.attachment(name) for name in names if len(name) < 4096}
    return sorted(path for path in found if path is not None)


def _texts(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _values(target: Target[Any]) -> Iterator[str]:
    """Every text value of the target's options (a path among them, maybe)."""
    options = target.options
    if not is_dataclass(options):
        return
    for item in fields(options):
        value = getattr(options, item.name)
        for text in value if isinstance(value, tuple | list) else (value,):
            if isinstance(text, str) and text and "\n" not in text and len(text) < 4096:
                yield text


def option_paths(config: Config) -> list[Path]:
    """Files and folders outside the vault that outputs are made from: the built-in
    templates, and whatever a target's option values would name, present or not (a
    stylesheet created later changes the output as much as one edited)."""
    found = {builtin_templates("feed").parent}
    root = config.root.resolve()
    for target in config.targets.values():
        for value in _values(target):
            with suppress(OSError, ValueError):
                path = Path(value).expanduser()
                path = path if path.is_absolute() else config.root / path
                if path.resolve() != root:
                    found.add(path)
    return sorted(found)


def machine_paths(config: Config) -> list[Path]:
    """Files and folders of the machine the targets' outputs are made with (see
    :meth:`~notepress.exporter.Exporter.machine_paths`)."""
    found: set[Path] = set()
    for name in sorted({target.exporter for target in config.targets.values()}):
        found.update(get_exporter(name).machine_paths())
    return sorted(found)


def _named_path(root: Path, value: str) -> Path | None:
    """The file or folder (not the vault's root) an option's value names, if any."""
    try:
        path = Path(value).expanduser()
        path = path if path.is_absolute() else root / path
        if path.is_file() or (path.is_dir() and path.resolve() != root.resolve()):
            return path
    except (OSError, ValueError):
        pass
    return None


def _option_files(root: Path, value: str) -> Iterator[list[Any]]:
    """The state of the file or folder an option names, if it names one."""
    path = _named_path(root, value)
    try:
        if path is not None and path.is_file():
            yield [value, file_sha256(path)]
        elif path is not None:
            yield [value, *_folder_state(path, hashed=True)]
    except OSError:
        return


def _folder_state(folder: Path, *, hashed: bool) -> Iterator[list[Any]]:
    count = 0
    for current, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(current, name)
            rel = path.relative_to(folder).as_posix()
            count += 1
            if hashed and count <= _HASHED_FILES:
                yield [rel, file_sha256(path)]
            else:
                yield [rel, stat_key(path)]
