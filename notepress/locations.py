"""Where notepress looks for its own files (the config beside the notes, the cache) and for
the Obsidian settings it reads.

Kept free of imports so that a build found unchanged (:mod:`notepress.unchanged`) can find
both without loading the rest of the package.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "APP_JSON",
    "CONFIG_FILE",
    "LEGACY_CONFIG",
    "MATHJAX_JSON",
    "QUARTZ_CONFIG",
    "SETTINGS_FILES",
    "TEMPLATER_JSON",
    "TEMPLATES_JSON",
    "cache_root",
]

CONFIG_FILE = "notepress.toml"
"""The config a vault folder is published with, unless another is named."""

APP_JSON = ".obsidian/app.json"
LEGACY_CONFIG = ".obsidian/config"
"""The one settings file of Obsidian before 0.10, with ``app.json``'s keys: read in a vault
no later version has opened, which has no ``app.json``."""
TEMPLATES_JSON = ".obsidian/templates.json"
TEMPLATER_JSON = ".obsidian/plugins/templater-obsidian/data.json"
"""The Templater plugin's settings: its templates (``<% tp.file.title %>``) are no notes either."""
MATHJAX_JSON = ".obsidian/plugins/obsidian-latex/data.json"
"""The Extended MathJax plugin's settings: where its preamble of TeX macros is."""
QUARTZ_CONFIG = "quartz.config.ts"
"""A Quartz site's config: beside its ``content`` folder (the vault), or in the vault."""
SETTINGS_FILES = (
    APP_JSON,
    LEGACY_CONFIG,
    TEMPLATES_JSON,
    TEMPLATER_JSON,
    MATHJAX_JSON,
    f"../{QUARTZ_CONFIG}",
)
"""Every file a load may read besides notes, attachments and the TeX preamble they name
(vault-relative): what a change to must start a build."""


def cache_root() -> Path:
    """The user's notepress cache: ``NOTEPRESS_CACHE``, else the XDG cache folder.

    Never inside an output folder, which is published and must not hold drafts.
    """
    explicit = os.environ.get("NOTEPRESS_CACHE", "").strip()
    if explicit:
        try:
            return Path(explicit).expanduser()
        except RuntimeError:  # "~nobody/cache": taken as written, a folder of that name
            return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "notepress"
