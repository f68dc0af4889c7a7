"""The contract between the pipeline and an exporter.

An exporter is a class with a ``name``, an ``Options`` dataclass (its config schema, fields
declared with :func:`notepress.option`), an optional :meth:`Exporter.check` for what the
schema cannot see, and one method, :meth:`Exporter.build`, that receives a :class:`Job`: the
notes its target selected and a folder of its own to write into.  ``Exporter[FooOptions]``
and ``Job[FooOptions]`` carry the options type, so ``job.options`` is a ``FooOptions`` to a
type checker.  Exporters know nothing of each other.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from .model import Note, Problem, Severity

if TYPE_CHECKING:
    from .config import Site, Target
    from .vault import Vault

__all__ = ["CheckProblem", "Exporter", "Job", "NoOptions", "SelectionDefaults"]

OptionsT = TypeVar("OptionsT")

#: One problem :meth:`Exporter.check` finds: the key, relative to the target's table
#: (``"formats"``, ``"types.essay"``), or ``""`` for the target as a whole; and the message.
CheckProblem = tuple[str, str]


@dataclass(frozen=True)
class NoOptions:
    """For exporters without options of their own."""


@dataclass(frozen=True)
class SelectionDefaults:
    """What the shared selection keys mean for one exporter when a target leaves them out.

    Data rather than methods, so that the pipeline applies every exporter's defaults the same
    way and an exporter states them in one line.
    """

    limit: int | None = None
    """``limit`` when the target does not set one (None: every selected note)."""
    order_option: str | None = None
    """The name of an option of the exporter whose value, ``created`` or ``updated``, is the
    date ``limit`` keeps the newest notes by; None for ``created``."""

    matching_option: str | None = None
    """The name of a boolean option of the exporter that, when true, makes it publish notes
    of :attr:`Job.matching` beyond those the limit kept (a feed's tag feeds); None: it
    publishes :attr:`Job.notes` alone.  A build without a cache reads the bodies of the
    notes a target publishes, and no others."""

    def order(self, options: object) -> str:
        """The date ``limit`` sorts by for a target with these ``options``."""
        return "created" if self.order_option is None else str(getattr(options, self.order_option))

    def publishes_matching(self, options: object) -> bool:
        """Whether a target with these ``options`` publishes notes beyond its limit."""
        return self.matching_option is not None and bool(getattr(options, self.matching_option))


class Exporter(ABC, Generic[OptionsT]):
    """Base class of every exporter: ``class MyExporter(Exporter[MyOptions])``."""

    #: The name used in ``exporter = "..."``.
    name: ClassVar[str]
    #: A frozen dataclass whose fields are the target's own options (the ``OptionsT``).
    Options: ClassVar[type[Any]] = NoOptions
    #: Whether ``drafts = true`` is allowed (private reading copies only).
    allows_drafts: ClassVar[bool] = False
    #: How the shared ``limit`` applies when the target does not set it.
    selection_defaults: ClassVar[SelectionDefaults] = SelectionDefaults()
    #: True when a note without a date cannot be written (a feed item needs one): the
    #: pipeline then says that undated notes are left out, rather than how they are ordered.
    needs_dates: ClassVar[bool] = False
    #: True when the output carries ids made from ``site.url`` (feed items, JSON-LD): the
    #: pipeline then builds without a URL for a local preview, warns about a local one, and
    #: ``--strict`` refuses both (see :mod:`notepress.siteurl`).
    needs_url: ClassVar[bool] = False

    @classmethod
    def id_urls(cls, options: OptionsT) -> list[tuple[str, str]]:
        """``(key, URL)`` of each option the output's ids derive from instead of
        ``site.url`` (a feed's ``base_url``): held to the same rule as ``site.url``."""
        return []

    @classmethod
    def machine_paths(cls) -> list[Path]:
        """Files and folders of the machine, outside the vault and the config, that the
        output is made with (the fonts a PDF is printed in): a change to them builds a
        target again though none of its notes or options changed."""
        return []

    @classmethod
    def check(cls, target: Target[OptionsT], site: Site) -> list[CheckProblem]:
        """Problems of a target that its schema cannot see, such as a missing ``site.url``.

        Each is a ``(key, message)`` pair: the key relative to the target's table, or ``""``
        when the problem is the target as a whole (its message then names the keys).
        """
        return []

    @abstractmethod
    def build(self, job: Job[OptionsT]) -> None:
        """Write the target's files under ``job.out_dir``."""


@dataclass
class Job(Generic[OptionsT]):
    """What one target build gets: its notes, its settings and its output folder."""

    target: Target[OptionsT]
    site: Site
    vault: Vault
    notes: Sequence[Note]
    """Selected notes, oldest first."""
    out_dir: Path
    config_root: Path
    matching: Sequence[Note] = ()
    """Every note the selection matches before its limit, oldest first (a feed's tag feeds
    take their newest from these); empty when the job was made without them: ``notes``."""
    problems: list[Problem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def options(self) -> OptionsT:
        """The target's options, typed by the exporter's ``Options``."""
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

    def error(
        self,
        message: str,
        note: Note | None = None,
        *,
        code: str = "export",
        line: int | None = None,
    ) -> None:
        """Part of the output could not be written (one digest of several, say).

        The rest of the target is still written, and the build exits with an error.
        """
        self._report(Severity.ERROR, message, note, code, line)

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
