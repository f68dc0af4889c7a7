"""Which config built each target folder of an output folder, when several build into one.

Two vaults, or two configs of one vault (``-c book.toml``), may write one output folder.
Each then sees the other's target folders as folders it did not build: it must not call
them stale (``clean --stale`` would remove them), nor replace one that shares a target's
name, nor withdraw one for a note id of its own (ids are each day's counters, the same in
every vault).  The record names each folder's config and vault by their absolute paths, so
it lives in the user's cache (never in the output folder, which is published), one file
per output folder.  A config that no longer exists at its path (moved, renamed, deleted)
owns nothing: its folders are read as before any record, as this config's to judge.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from .atomicfile import replace_text
from .locations import cache_root

__all__ = ["Owner", "read_owners", "record_owner"]

#: A record larger than this is no record of ours.
_MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Owner:
    """A config building a vault: the config file's path (the vault's, for the built-in
    config) and the vault's, both absolute."""

    config: str
    vault: str

    @classmethod
    def of(cls, config_file: Path | None, vault: Path) -> Owner:
        root = str(vault.resolve())
        return cls(str(config_file.resolve()) if config_file is not None else root, root)

    def others(self, recorded: Owner) -> bool:
        """Whether ``recorded`` is another config, still there, whose folders are its own."""
        if recorded == self:
            return False
        if recorded.config == recorded.vault == self.vault:
            return False  # this vault's built-in config, before it was given one
        return os.path.exists(recorded.config)


def _record_path(output: Path) -> Path:
    key = hashlib.sha256(os.fsencode(output.resolve())).hexdigest()[:32]
    return cache_root() / "owners" / f"{key}.json"


def read_owners(output: Path) -> dict[str, Owner]:
    """``{target folder: owner}`` recorded for ``output``; empty when there is no readable
    record (as before any build recorded one)."""
    path = _record_path(output)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return {}
    with os.fdopen(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return {}
            data = json.loads(handle.read(_MAX_BYTES + 1)[:_MAX_BYTES])
        except (OSError, ValueError):
            return {}
    if not isinstance(data, dict):
        return {}
    owners = {}
    for name, value in data.items():
        if isinstance(value, dict) and all(isinstance(value.get(k), str) for k in ("c", "v")):
            owners[str(name)] = Owner(value["c"], value["v"])
    return owners


def record_owner(output: Path, target: str, owner: Owner, owners: dict[str, Owner]) -> None:
    """Record that ``owner`` built ``target`` of ``output`` in ``owners`` (the record as
    :func:`read_owners` read it under the output's lock) and in the file; a record that
    cannot be written leaves the folder to be judged as before any record."""
    if owners.get(target) == owner:
        return
    owners[target] = owner
    data = {name: {"c": found.config, "v": found.vault} for name, found in owners.items()}
    with suppress(OSError):
        replace_text(_record_path(output), json.dumps(data, indent=1, sort_keys=True))
