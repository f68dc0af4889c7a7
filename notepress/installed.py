"""What the Python environment has installed: versions of distributions, and entry points.

Every build needs both: the versions are part of the cache's key (:mod:`notepress.cache.
environment`) and the entry points name third-party exporters (:mod:`notepress.registry`).
``importlib.metadata`` answers by importing the email parser and reading every installed
distribution's files, some 60 ms of a build that otherwise takes a few hundred after an edit.

So the answers are remembered in the user's cache, with the distributions' metadata
folders found on ``sys.path`` and their times: installing, upgrading or removing a
distribution adds, renames or removes its ``.dist-info`` folder, and the answers are then
read afresh.  A record that is missing, unreadable or of another environment is
simply read again; nothing is trusted that the current ``sys.path`` did not produce.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Sequence
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Any

from .atomicfile import replace_text
from .locations import cache_root

__all__ = ["EXPORTERS_GROUP", "distribution_versions", "entry_point_specs"]

EXPORTERS_GROUP = "notepress.exporters"
"""The entry point group of third-party exporters."""
#: Entry point groups read into a record; other groups are not asked for.
_GROUPS = (EXPORTERS_GROUP,)
_LAYOUT = 1


def distribution_versions(names: Sequence[str]) -> dict[str, str | None]:
    """The installed version of each distribution in ``names`` (None: not installed)."""
    # In the order asked, and only those: a record may hold more names than this caller's.
    versions: dict[str, str | None] = _record(tuple(names))["versions"]
    return {name: versions[name] for name in names}


def entry_point_specs(group: str, *, fresh: bool = False) -> list[tuple[str, str]]:
    """``(name, value)`` of every entry point of ``group``, in ``importlib.metadata``'s
    order (``group`` must be one of :data:`_GROUPS`).

    ``fresh`` reads them from the installed distributions, not from the record: before an
    entry point is imported, since the record is data in the user's cache, and data there
    never chooses the code a build runs.
    """
    if group not in _GROUPS:
        raise ValueError(f"entry point group {group!r} is not remembered")
    groups = _read_installed(())["groups"] if fresh else _record(None)["groups"]
    return [(name, value) for name, value in groups[group]]


@cache
def _record(names: tuple[str, ...] | None) -> dict[str, Any]:
    """The remembered answers for this environment, read afresh when a folder changed.

    Cached per process and per ``names`` (None: the caller wants the entry points only, and
    any record of this environment serves).
    """
    signature = _signature()
    path = cache_root() / "installed" / f"{_environment_id()}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if (
            stored.get("layout") == _LAYOUT
            and stored.get("signature") == signature
            and (names is None or set(names) <= set(stored.get("versions", {})))
        ):
            return dict(stored)
    except (OSError, ValueError, AttributeError):
        pass
    fresh = _read_installed(names or ())
    fresh.update(layout=_LAYOUT, signature=signature)
    # The folders are timed before reading: a change while reading shows up next time.
    _store(path, fresh)
    return fresh


def _environment_id() -> str:
    """Which environment: the interpreter and its path, so that two virtual environments
    (or two Pythons) keep records of their own."""
    identity = json.dumps([sys.executable, sys.version, sys.path])
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:24]


#: What ``importlib.metadata`` reads distributions from, in a folder on ``sys.path``.
_METADATA_NAMES = (".dist-info", ".egg-info", ".egg-link", ".pth")


def _signature() -> list[Any]:
    """Per ``sys.path`` entry, the metadata folders and files it holds, with their times.

    An install, an upgrade or a removal adds, renames or removes a ``.dist-info`` folder; a
    reinstall of the same version writes it anew, with a new time.  Other files do not
    count: the current folder (on ``sys.path`` for ``python -m``) may be the vault itself,
    changed by every save.  An entry that is not a folder counts by its own time.
    """
    found: list[Any] = []
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as items:
                names = [item.path for item in items if item.name.endswith(_METADATA_NAMES)]
        except NotADirectoryError:
            found.append(_time_of(entry))
        except OSError:
            found.append(None)
        else:  # lists, not tuples: as JSON reads them back
            found.append(sorted([os.path.basename(name), _time_of(name)] for name in names))
    return found


def _time_of(path: str) -> int | None:
    """The modification time of ``path`` (None: it is gone, or a link to nothing)."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _read_installed(names: Sequence[str]) -> dict[str, Any]:
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    groups = {
        group: [[entry.name, entry.value] for entry in metadata.entry_points(group=group)]
        for group in _GROUPS
    }
    return {"versions": versions, "groups": groups}


def _store(path: Path, record: dict[str, Any]) -> None:
    """Write ``record`` in one rename; a cache that cannot be written is not an error."""
    with suppress(OSError):
        replace_text(path, json.dumps(record))
