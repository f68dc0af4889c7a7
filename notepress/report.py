"""What the command line prints about problems and builds, apart from how it prints it.

Text output folds a warning that repeats for many notes (``note-id-missing`` on every note of
a plain Obsidian vault) into a few examples and one line with the count, so that the real
problems are not drowned; ``-v`` and ``--format json`` keep every one.  Errors are never
folded: each one is something to fix.  JSON output carries the whole report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .model import Problem, Severity
from .progress import plural
from .results import BuildReport

__all__ = [
    "FOLD_ABOVE",
    "FOLD_SHOWN",
    "build_dict",
    "build_summary",
    "problem_counts",
    "problem_lines",
]

#: A warning code reported for more files than this is folded in text output...
FOLD_ABOVE = 5
#: ...into this many examples and one line with the count.
FOLD_SHOWN = 3


def problem_counts(problems: Iterable[Problem]) -> tuple[int, int]:
    """``(errors, warnings)``."""
    errors = warnings = 0
    for problem in problems:
        if problem.severity is Severity.ERROR:
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def problem_lines(
    problems: Sequence[Problem], shown: Callable[[Problem], str], *, fold: bool = True
) -> list[str]:
    """One line per problem, in order; with ``fold``, a warning code reported for more than
    :data:`FOLD_ABOVE` files keeps its first :data:`FOLD_SHOWN` lines and ends the list with
    a line saying how many more there are and how to see them.  Many warnings in one note
    are each a different place to look, and stay."""
    warnings = [p for p in problems if p.severity is Severity.WARNING]
    repeated = Counter(p.code for p in warnings)
    files = Counter(code for code, _ in {(p.code, p.path) for p in warnings})
    folded = {code for code, count in files.items() if fold and count > FOLD_ABOVE}
    seen: Counter[str] = Counter()
    lines = []
    for problem in problems:
        if problem.severity is Severity.WARNING and problem.code in folded:
            seen[problem.code] += 1
            if seen[problem.code] > FOLD_SHOWN:
                continue
        lines.append(shown(problem))
    for code in sorted(folded, key=lambda code: (-repeated[code], code)):
        more = repeated[code] - FOLD_SHOWN
        lines.append(
            f"warning[{code}]: {plural(more, 'more warning')} like the {FOLD_SHOWN} above "
            f"not shown (-v or --format json lists every one)"
        )
    return lines


def build_summary(report: BuildReport, output: str) -> str:
    """The last line of a build: targets built and failed, errors (failed targets among
    them) and warnings, every count with its noun."""
    errors, warnings = problem_counts(report.all_problems())
    failed = sum(1 for target in report.targets if not target.ok)
    built = len(report.targets) - failed
    # A failed target is an error of the build even when no problem says so.
    unreported = sum(
        1
        for target in report.targets
        if not target.ok and not any(p.code == "target-failed" for p in target.problems)
    )
    return (
        f"output in {output}: {plural(built, 'target')} built, {failed} failed; "
        f"{plural(errors + unreported, 'error')}, {plural(warnings, 'warning')}"
    )


def build_dict(report: BuildReport, exit_code: int, config: Path | None) -> dict[str, Any]:
    """The whole report for ``build --format json``: every target with its files and
    problems, the vault's problems, the counts and the exit status."""
    errors, warnings = problem_counts(report.all_problems())
    failed = sum(1 for target in report.targets if not target.ok)
    return {
        "config": str(config) if config is not None else None,
        "output": str(report.output),
        "exit_status": exit_code,
        "counts": {
            "targets_built": len(report.targets) - failed,
            "targets_failed": failed,
            "errors": errors,
            "warnings": warnings,
        },
        "targets": [
            {
                "name": target.name,
                "exporter": target.exporter,
                "notes": target.notes,
                "ok": target.ok,
                "up_to_date": target.up_to_date,
                "error": target.error,
                "files": [str(path) for path in target.files],
                "problems": [problem.as_dict() for problem in target.problems],
            }
            for target in report.targets
        ],
        "problems": [problem.as_dict() for problem in report.problems],
    }
