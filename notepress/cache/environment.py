"""What every cached result depends on besides its own inputs: the code that made it.

The version number alone would not do: an editable install keeps its number through every
change of the code, and a rendering depends on the markdown, sanitising and math libraries
as much as on notepress.  So the key names notepress's version, the versions of the
libraries that shape its outputs, and the size and time of every module of notepress and
of its exporters.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from ..installed import distribution_versions
from ..version import __version__

__all__ = ["environment_key"]

_LIBRARIES = (
    "markdown-it-py",
    "mdit-py-plugins",
    "nh3",
    "PyYAML",
    "ftfy",
    "python-slugify",
    "latex2mathml",
    "ziamath",
    "lxml",
    "Jinja2",
    "feedgen",
    "WeasyPrint",
    "pypandoc-binary",
    "pygments",
    "pyld",
)


@cache
def environment_key() -> str:
    parts = [f"notepress {__version__}"]
    for name, version in distribution_versions(_LIBRARIES).items():
        parts.append(f"{name} {version or 'absent'}")
    digest = hashlib.sha256()
    for folder in _code_folders():
        for current, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    info = os.stat(os.path.join(current, name))
                    rel = os.path.relpath(os.path.join(current, name), folder)
                    digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return (
        f"{__version__}:{hashlib.sha256(chr(10).join(parts).encode()).hexdigest()[:16]}:"
        + (digest.hexdigest()[:16])
    )


def _code_folders() -> list[Path]:
    package = Path(__file__).resolve().parent.parent
    folders = [package]
    try:
        import notepress.exporters as exporters

        folders += [Path(p).resolve() for p in exporters.__path__]
    except ImportError:
        pass
    return sorted({f for f in folders if not f.is_relative_to(package)} | {package})
