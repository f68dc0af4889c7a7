"""Where this machine keeps the fonts a digest may be printed with.

Characters the bundled faces lack are printed with a font of the machine, or as empty boxes
when it has none (see :mod:`.coverage`).  A font installed after a build changes what the
next build prints though no note, option or template changed, so these folders belong to
a PDF target's key: without them, the boxes the ``pdf-boxes`` warning asked the writer to
mend stayed in an "unchanged" digest until ``--no-cache``.

The folders are those fontconfig (which WeasyPrint's Pango asks for fonts) is configured
with: the ``<dir>`` entries of its configuration file and of the files it includes, read
the way fontconfig reads them.  The configuration files belong to the answer too, since a
font package often installs one beside its fonts.  Nothing here loads a font: listing the
folders must stay cheap enough for a build that turns out to have nothing to do.
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

__all__ = ["font_locations"]

#: Where fontconfig's own configuration is found when no variable names it: Linux and the
#: BSDs, then Homebrew on Intel and Apple silicon, then MacPorts.
_CONFIG_FILES = (
    "/etc/fonts/fonts.conf",
    "/usr/local/etc/fonts/fonts.conf",
    "/opt/homebrew/etc/fonts/fonts.conf",
    "/opt/local/etc/fonts/fonts.conf",
)
#: Included files are followed this deep: a configuration that includes itself ends here.
_DEPTH = 3


def font_locations() -> list[Path]:
    """The configuration files and font folders of this machine that exist, sorted."""
    found: set[Path] = set()
    config = _config_file()
    if config is not None:
        _read(config, found, _DEPTH)
    else:  # no fontconfig configuration: the places the platform keeps fonts
        found.update(_platform_folders())
    return sorted(path for path in found if path.exists())


def _config_file() -> Path | None:
    named = os.environ.get("FONTCONFIG_FILE")
    if named:
        path = Path(named).expanduser()
        if not path.is_absolute():
            folder = os.environ.get("FONTCONFIG_PATH")
            path = Path(folder or "/etc/fonts") / path
        return path
    folder = os.environ.get("FONTCONFIG_PATH")
    candidates = [Path(folder) / "fonts.conf"] if folder else []
    candidates += [Path(name) for name in _CONFIG_FILES]
    return next((path for path in candidates if path.is_file()), None)


def _read(config: Path, found: set[Path], depth: int, *, listed: bool = False) -> None:
    """Add ``config`` (a file, or a folder of ``*.conf`` files) and the font folders it
    names; a file of a folder already added (``listed``) is not added again."""
    if not listed:
        found.add(config)
    if depth <= 0:
        return
    if config.is_dir():
        for path in sorted(config.glob("*.conf")):
            _read(path, found, depth - 1, listed=True)
        return
    try:
        root = ET.parse(config).getroot()
    except (OSError, ET.ParseError):
        return  # fontconfig says what is wrong with its own files
    for element in root.iter():
        text = (element.text or "").strip()
        if not text:
            continue
        if element.tag == "dir":
            found.add(_place(text, element.get("prefix"), config.parent, "XDG_DATA_HOME"))
        elif element.tag == "include":
            place = _place(text, element.get("prefix"), config.parent, "XDG_CONFIG_HOME")
            _read(place, found, depth - 1)


#: Where an XDG base folder is when its variable is not set.
_XDG_DEFAULTS = {"XDG_DATA_HOME": "~/.local/share", "XDG_CONFIG_HOME": "~/.config"}


def _place(text: str, prefix: str | None, folder: Path, xdg: str) -> Path:
    """The path a ``<dir>`` or ``<include>`` names, as fontconfig resolves it: ``xdg`` is
    the variable of the base folder a ``prefix="xdg"`` entry is read against."""
    if prefix == "xdg":
        base = os.environ.get(xdg) or os.path.expanduser(_XDG_DEFAULTS[xdg])
        return Path(base) / text
    if text.startswith("~"):
        return Path(os.path.expanduser(text))
    path = Path(text)
    return path if path.is_absolute() else folder / path


def _platform_folders() -> list[Path]:
    home = Path.home()
    if sys.platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/Library/Fonts"), home / "Library/Fonts"]
    if sys.platform == "win32":
        windows = Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"
        local = os.environ.get("LOCALAPPDATA")
        return [windows, *([Path(local) / "Microsoft/Windows/Fonts"] if local else [])]
    return [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".local/share/fonts",
        home / ".fonts",
    ]
