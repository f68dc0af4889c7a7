"""The build cache: what a build may reuse from the last one, proven unchanged first.

Three things are kept in one SQLite file per output folder (:mod:`.store`; in the user's
cache folder, never in the output, which is published and must not hold drafts):

* parsed notes, by path, size, modification time, the hash of the bytes, the version of
  the code and the settings that change how a note is read (:meth:`BuildCache.parsed_note`);
* renderings, by target, note and render arguments, with what each render read of the vault
  and the link style (:mod:`.memo`);
* per target, the key of everything it was built from (:mod:`.targets`): a target whose key
  and vault answers are unchanged, and whose folder is as the last build left it, is not
  built nor written at all.

Beside it, the vault the last build loaded (:mod:`.snapshot`), from which the next load
reads only the notes that changed (:mod:`notepress.refresh`).

:class:`Cache` is what the pipeline drives, one per build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_names

if TYPE_CHECKING:
    from .build import Cache
    from .memo import TargetMemo
    from .store import BuildCache, cache_path, remove_cache

__all__ = ["BuildCache", "Cache", "TargetMemo", "cache_path", "remove_cache"]

# Imported on use: :mod:`.environment` is read by builds that stop before any of this.
_LAZY = {
    "BuildCache": "store",
    "Cache": "build",
    "TargetMemo": "memo",
    "cache_path": "store",
    "remove_cache": "store",
}


__getattr__ = lazy_names(__name__, _LAZY)
