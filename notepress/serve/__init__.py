"""``notepress serve`` and ``notepress watch``: build, then rebuild what each edit affects;
``serve`` also shows the output on a loopback address with pages of its own (an index of
the targets, a newsletter preview, an EPUB reader) that reload after each build.

- :mod:`.rebuild` builds through the Python API and keeps each target's last result;
- :mod:`.affected` decides which targets an edit can change;
- :mod:`.watch` follows the files (watchfiles) and debounces bursts of changes;
- :mod:`.server` serves the output folder and the pages (:mod:`.pages`, :mod:`.feedview`,
  :mod:`.epubview`).
"""

from .affected import affected_targets
from .rebuild import BuildState, Rebuilder, TargetState
from .server import PreviewServer, is_loopback
from .watch import DEBOUNCE_MS, changes, watch

__all__ = [
    "DEBOUNCE_MS",
    "BuildState",
    "PreviewServer",
    "Rebuilder",
    "TargetState",
    "affected_targets",
    "changes",
    "is_loopback",
    "watch",
]
