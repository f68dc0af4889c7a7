"""Where notepress looks for its own files: the config beside the notes, and the cache.

Kept free of imports so that a build found unchanged (:mod:`notepress.unchanged`) can find
both without loading the rest of the package.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CONFIG_FILE", "cache_root"]

CONFIG_FILE = "notepress.toml"
"""The config a vault folder is published with, unless another is named."""


def cache_root() -> Path:
    """The user's notepress cache: ``NOTEPRESS_CACHE``, else the XDG cache folder.

    Never inside an output folder, which is published and must not hold drafts.
    """
    explicit = os.environ.get("NOTEPRESS_CACHE", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "notepress"
