"""Every exception notepress raises for a problem a person can fix, in one tree.

::

    NotepressError                 catch this to catch them all
    ├── ConfigError       exit 2   the config file is invalid (nothing was written)
    ├── VaultError        exit 2   the vault folder is missing or cannot be read at all
    ├── RegistryError     exit 2   no exporter by that name, or two by the same name
    ├── DateError                  not a date (reported as a config key's or a note's problem)
    ├── AssetError                 a vault file that must not be read (a note's problem);
    │                              defined in notepress.assets
    ├── BudgetExceeded             one note used up its CPU time (becomes NoteRenderError or
    │                              a note's problem); defined in notepress.budget
    └── ExportError       exit 1   one target could not be written (the others still are)
        ├── OutputError            the output folder cannot be locked, staged or swapped;
        │                          defined in notepress.output
        ├── ResourceLimitError     a render went over its time or memory limit
        └── NoteRenderError        one note could not be rendered: exporters leave it out
                                   and report its problem (also notepress.markdown's name)

The command's exit codes: 0 when everything was built cleanly; 1 when a note had an error or
a target failed, including an operating-system error (a full disk, a folder that cannot be
written) met while building, since everything else is still built; 2 for a usage, config,
vault or registry error, found before anything is written.  130 and 143 after Ctrl-C and
SIGTERM.

Problems inside notes are not exceptions: they are :class:`~notepress.model.Problem` records
on each note, because one bad note must not stop the rest of the vault.  The classes that
become such records (:class:`DateError`, :class:`AssetError`, :class:`NoteRenderError`) are
still in the tree, so that a script calling the lower-level functions needs one ``except``.
Some also derive from the built-in class they used to be (``ValueError``, ``LookupError``),
so older ``except`` clauses keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .model import Problem, Severity

if TYPE_CHECKING:
    from .model import Note

__all__ = [
    "EXIT_ERRORS",
    "EXIT_OK",
    "EXIT_USAGE",
    "ConfigError",
    "DateError",
    "ExportError",
    "NoteRenderError",
    "NotepressError",
    "RegistryError",
    "ResourceLimitError",
    "VaultError",
]

#: Exit codes of the ``notepress`` command (see the module docstring).
EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class NotepressError(Exception):
    """Base class: a problem to report to the user, without a traceback."""


class ConfigError(NotepressError):
    """The config file is not valid; ``errors`` holds one ``key.path: message`` per problem."""

    def __init__(self, message: str, errors: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.errors = list(errors)

    def __str__(self) -> str:
        lines = [self.args[0], *(f"  {error}" for error in self.errors)]
        return "\n".join(lines)


class VaultError(NotepressError):
    """The vault folder is missing or unreadable."""


class RegistryError(NotepressError, LookupError):
    """An exporter name that is unknown, taken twice, or a class that is not an exporter.

    A ``LookupError`` too, since that is what an unknown name was before this class.
    """


class DateError(NotepressError, ValueError):
    """A value that is not a date notepress understands."""


class ExportError(NotepressError):
    """A target failed; the message names the target and what went wrong."""


class ResourceLimitError(ExportError):
    """A render took longer or used more memory than its target allows."""


class NoteRenderError(ExportError):
    """One note could not be rendered (over its time budget, nested too deep for Python).

    Exporters leave that note out and report :attr:`problem`, an error naming its file.
    """

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem

    @classmethod
    def too_deep(cls, note: Note) -> NoteRenderError:
        """For a ``RecursionError`` met with this note, here or in an exporter's own passes."""
        message = "nested too deeply to render; the note is left out"
        return cls(Problem(Severity.ERROR, "note-too-deep", message, note.path.as_posix()))
