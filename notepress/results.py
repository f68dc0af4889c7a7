"""What a build did, target by target: the report the command line prints.

Kept apart from the pipeline so that a build found unchanged (:mod:`notepress.unchanged`)
can report without importing the renderer and the exporters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .model import Problem, Severity

__all__ = ["BuildReport", "TargetResult"]


@dataclass
class TargetResult:
    name: str
    exporter: str
    notes: int
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    up_to_date: bool = False
    """Nothing the target is built from changed since the last build: its folder was left
    as it was, not written again."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BuildReport:
    """What a build did: each target's files and problems, and the vault's problems."""

    output: Path
    problems: list[Problem]
    targets: list[TargetResult]

    @property
    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.all_problems()) or any(
            not t.ok for t in self.targets
        )

    def all_problems(self) -> list[Problem]:
        """The vault's problems, then each target's, each problem once: a note rendered by
        three targets gives its rendering's warning three times, the same words about the
        same line, which a reader should be told once (JSON keeps each target's own)."""
        result = dict.fromkeys(self.problems)
        for target in self.targets:
            result.update(dict.fromkeys(target.problems))
        return list(result)
