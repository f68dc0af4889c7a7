"""The exceptions notepress raises for problems a person can fix.

::

    NotepressError
    ├── ConfigError       the config file is invalid (nothing was written)
    ├── VaultError        the vault folder cannot be read at all
    └── ExportError       one target could not be written (the others still are)
        └── ResourceLimitError   a render went over its time or memory limit

Problems inside notes are not exceptions: they are :class:`~notepress.model.Problem` records
on each note, because one bad note must not stop the rest of the vault.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["ConfigError", "ExportError", "NotepressError", "ResourceLimitError", "VaultError"]


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


class ExportError(NotepressError):
    """A target failed; the message names the target and what went wrong."""


class ResourceLimitError(ExportError):
    """A render took longer or used more memory than its target allows."""
