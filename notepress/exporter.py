"""The contract between the pipeline and an exporter.

An exporter is a class with a ``name``, an ``Options`` dataclass (its config schema) and one
method, :meth:`Exporter.build`, that receives a :class:`Job`: the notes its target selected
and a folder of its own to write into.  Exporters know nothing of each other.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .model import Note, Problem, Severity

if TYPE_CHECKING:
    from .config import Site, Target
    from .vault import Vault

__all__ = ["Exporter", "Job", "NoOptions"]


@dataclass(frozen=True)
class NoOptions:
    """For exporters without options of their own."""


class Exporter(ABC):
    """Base class of every exporter."""

    #: The name used in ``exporter = "..."``.
    name: ClassVar[str]
    #: A frozen dataclass whose fields are the target's own options.
    Options: ClassVar[type] = NoOptions
    #: Whether ``drafts = true`` is allowed (private reading copies only).
    allows_drafts: ClassVar[bool] = False
    #: ``limit`` when the target does not set one.
    default_limit: ClassVar[int | None] = None

    @classmethod
    def limit_order(cls, options: Any) -> str:
        """The date ``limit`` keeps the newest notes by: ``created`` or ``updated``."""
        return "created"

    @classmethod
    def check(cls, target: Target, site: Site) -> list[str]:
        """Problems of a target that its schema cannot see, such as a missing ``site.url``.

        Each message may start with ``.key:`` to name the offending key.
        """
        return []

    @abstractmethod
    def build(self, job: Job) -> None:
        """Write the target's files under ``job.out_dir``."""


@dataclass
class Job:
    """What one target build gets: its notes, its settings and its output folder."""

    target: Target
    site: Site
    vault: Vault
    notes: Sequence[Note]
    """Selected notes, oldest first."""
    out_dir: Path
    config_root: Path
    problems: list[Problem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def options(self) -> Any:
        return self.target.options

    @property
    def include_drafts(self) -> bool:
        return self.target.selection.drafts

    def path(self, relative: str | os.PathLike[str]) -> Path:
        """A path under the output folder; ``..`` escapes are refused."""
        path = (self.out_dir / relative).resolve()
        if not path.is_relative_to(self.out_dir.resolve()):
            raise ValueError(f"{relative} is outside the target folder")
        return path

    def write_bytes(self, relative: str | os.PathLike[str], data: bytes) -> Path:
        path = self.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.written.append(path)
        return path

    def write_text(self, relative: str | os.PathLike[str], text: str) -> Path:
        return self.write_bytes(relative, text.encode("utf-8"))

    def record(self, path: Path) -> Path:
        """Note a file written by a tool (pandoc, a worker) rather than through ``write_*``."""
        self.written.append(path)
        return path

    def warn(
        self,
        message: str,
        note: Note | None = None,
        *,
        code: str = "export",
        line: int | None = None,
    ) -> None:
        """Something the user should know; the output is still complete."""
        self._report(Severity.WARNING, message, note, code, line)

    def error(self, message: str, note: Note | None = None, *, code: str = "export") -> None:
        """Part of the output could not be written (one digest of several, say).

        The rest of the target is still written, and the build exits with an error.
        """
        self._report(Severity.ERROR, message, note, code)

    def _report(
        self,
        severity: Severity,
        message: str,
        note: Note | None,
        code: str,
        line: int | None = None,
    ) -> None:
        where = note.path.as_posix() if note is not None else f"targets.{self.target.name}"
        if note is not None and self.vault.warnings_are_errors:
            severity = Severity.ERROR  # --strict: what is wrong with a note is an error
        self.problems.append(Problem(severity, code, message, where, line))
