"""A small file written whole or not at all.

Records in the user's cache (the replay records, the installed-libraries record, the
owners of target folders) and the config ``init`` writes are read by other processes, or
replace what was there: a reader must never see half a file, and a symbolic link in the
file's place is replaced, never written through.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["replace_text"]


def replace_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` in one rename (its folder made if need be); raises
    :class:`OSError`, and leaves no temporary file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
