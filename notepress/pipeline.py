"""The pipeline: load once, select per target, let each exporter write its own folder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .chars import shown
from .collisions import assign_urls
from .config import CONFIG_FILE, Config, Target
from .configfile import default_config, load_config
from .errors import ConfigError, NotepressError, VaultError
from .exporter import Job
from .markdown.diagrams import one_warning_per_build
from .model import Note, Problem, Severity
from .output import OutputError, OutputFolder, output_folder_problem, temporary_files_in
from .registry import get_exporter
from .selection import newest_notes, select_notes
from .vault import Vault, load_vault

__all__ = [
    "LOCK_TIMEOUT",
    "BuildReport",
    "Project",
    "TargetResult",
    "build",
    "load_project",
    "select_for",
]

LOCK_TIMEOUT = 60.0
"""Seconds a build waits for another build into the same output folder to finish."""


@dataclass(frozen=True)
class Project:
    """A vault and the config that publishes it."""

    config: Config
    vault: Vault

    def build(
        self, targets: Sequence[str] | None = None, *, lock_timeout: float = LOCK_TIMEOUT
    ) -> BuildReport:
        return build(self.vault, self.config, targets, lock_timeout=lock_timeout)

    def selected(self, target: Target) -> tuple[Note, ...]:
        return select_for(self.vault, target)

    def problems(self) -> list[Problem]:
        """Every problem a build would report before its exporters run: the vault's, then
        what each target will say about the notes it selects (see :func:`target_problems`)."""
        found = self.vault.all_problems()
        for target in self.config.targets.values():
            found.extend(target_problems(self.vault, target))
        return found


@dataclass
class TargetResult:
    name: str
    exporter: str
    notes: int
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None

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
        result = list(self.problems)
        for target in self.targets:
            result.extend(target.problems)
        return result


def load_project(
    vault: str | Path,
    config: str | Path | None = None,
    *,
    output: str | Path | None = None,
    strict: bool = False,
    jobs: int | None = None,
) -> Project:
    """Read the config (``VAULT/notepress.toml`` unless given; built-in defaults if absent)
    and the vault it describes.

    ``strict`` turns every warning into an error, so a note with a warning is not published.
    ``jobs`` (else ``[vault] jobs``) caps the processes that parse notes: 1 parses here.
    """
    root = Path(vault)
    if not root.is_dir():
        raise VaultError(f"{root}: vault folder not found")
    if config is not None:
        cfg = load_config(config)
    elif (root / CONFIG_FILE).is_file():
        cfg = load_config(root / CONFIG_FILE)
    else:
        cfg = default_config(root)
    if jobs is not None:
        cfg = replace(cfg, vault=replace(cfg.vault, jobs=jobs))
    # The configured output folder is never read as vault content, even when this build
    # writes elsewhere: an earlier build's copies would shadow the real attachments.
    excluded = [cfg.output]
    if output is not None:
        cfg = replace(cfg, output=Path(output).resolve())
        excluded.append(cfg.output)
    _check_output_folders(root, cfg, excluded)
    loaded = load_vault(
        root,
        cfg.site.parse_settings(cfg.vault),
        ignore=cfg.ignore,
        exclude_dirs=excluded,
        options=cfg.vault,
        jobs=cfg.vault.jobs or None,
    )
    loaded = assign_urls(loaded, cfg.site, cfg.vault)
    if strict:
        loaded = loaded.strict()
    return Project(cfg, loaded)


def _check_output_folders(root: Path, config: Config, folders: Sequence[Path]) -> None:
    """Refuse, before anything is read or written, an output that could harm the vault."""
    where = str(config.path) if config.path else "built-in config"
    errors = []
    for folder in dict.fromkeys(folders):
        problem = output_folder_problem(root, folder)
        if problem is not None:
            errors.append(f"output: {problem}")
    folded: dict[str, str] = {}
    for name in config.targets:
        other = folded.setdefault(name.casefold(), name)
        if other != name:
            errors.append(
                f"targets.{name}: same folder as targets.{other} on a case-insensitive disk"
            )
    if errors:
        raise ConfigError(f"{where}: invalid output folder", errors)


def select_for(vault: Vault, target: Target) -> tuple[Note, ...]:
    """The notes ``target`` selects, its exporter's :class:`SelectionDefaults` applied."""
    return _select(vault, target)[1]


def _select(vault: Vault, target: Target) -> tuple[tuple[Note, ...], tuple[Note, ...]]:
    """Every note ``target``'s selection matches, and the newest of them its limit keeps."""
    defaults = get_exporter(target.exporter).selection_defaults
    matching = select_notes(vault.notes, replace(target.selection, limit=None))
    limit = target.selection.limit if target.selection.limit is not None else defaults.limit
    return matching, newest_notes(matching, limit, defaults.order(target.options))


def target_problems(vault: Vault, target: Target) -> list[Problem]:
    """What ``target`` says about the notes it selects before its exporter runs: undated
    notes, once for the target (each note's own ``created-missing`` names its file)."""
    return _undated_problems(target, select_for(vault, target))


def _undated_problems(target: Target, notes: Sequence[Note]) -> list[Problem]:
    """One warning when ``notes`` hold undated ones: how the target orders them, or, for an
    exporter that needs dates, that they are left out; with the count and the fix."""
    undated = sum(1 for note in notes if note.created is None)
    if not undated:
        return []
    count = f"{undated} of the {len(notes)} notes it selects have no date"
    if get_exporter(target.exporter).needs_dates:
        what = f"{count} and are left out (a {target.exporter} needs dates)"
    else:
        what = f"{count}: they come first, as the oldest, in file path order"
    fix = (
        "date them with a 'created' or 'date' key, a YYYY-MM-DD file name, or "
        "[vault] date_from_git = true"
    )
    return [Problem(Severity.WARNING, "undated-notes", f"{what}; {fix}", f"targets.{target.name}")]


def build(
    vault: Vault,
    config: Config,
    targets: Sequence[str] | None = None,
    *,
    lock_timeout: float = LOCK_TIMEOUT,
) -> BuildReport:
    """Build the named targets (all by default).

    A target that fails is reported and leaves its previous output in place; the other
    targets are still built.  Each target is written to a staging folder and swapped into
    ``OUTPUT/<target>`` only once complete (see :mod:`notepress.output`), so readers never
    see half a build and a kill leaves the old or the new folder whole.  The output folder
    is locked for the whole build: a second build into it waits up to ``lock_timeout``
    seconds, then fails with :class:`~notepress.output.OutputError`.
    """
    names = list(config.targets) if targets is None else list(targets)
    unknown = [name for name in names if name not in config.targets]
    if unknown:
        raise ConfigError(
            f"unknown target: {', '.join(map(shown, unknown))}",
            [f"available: {', '.join(config.targets)}"],
        )
    _check_output_folders(vault.root, config, [config.output])  # for callers of the API too
    report = BuildReport(output=config.output, problems=vault.all_problems(), targets=[])
    folder = OutputFolder(config.output)
    with folder.locked(lock_timeout), temporary_files_in(folder.temp):
        for name in names:
            report.targets.append(_build_target(vault, config, config.targets[name], folder))
    report.problems.extend(
        Problem(Severity.ERROR, "output-leftover", message, "output") for message in folder.warnings
    )
    # Mermaid blocks left as code for want of a renderer: one warning, not one per block.
    diagrams = one_warning_per_build([target.problems for target in report.targets])
    if diagrams is not None:
        report.problems.append(diagrams)
    return report


def _build_target(
    vault: Vault, config: Config, target: Target, folder: OutputFolder
) -> TargetResult:
    exporter_cls = get_exporter(target.exporter)
    matching, notes = _select(vault, target)
    result = TargetResult(target.name, target.exporter, len(notes))
    final = folder.path / target.name
    try:
        refusal = folder.check_target(target.name)
        if refusal is not None:
            raise OutputError(refusal)
        staging = folder.stage(target.name)
    except OSError as exc:
        return _failed(result, target, f"cannot prepare a staging folder: {exc}")
    except OutputError as exc:
        return _failed(result, target, str(exc))
    job = Job(
        target=target,
        site=config.site,
        vault=vault,
        notes=notes,
        matching=matching,
        out_dir=staging,
        config_root=config.root,
    )
    job.problems.extend(_undated_problems(target, notes))
    try:
        exporter_cls().build(job)
    except NotepressError as exc:
        result.error = str(exc)
    except Exception as exc:  # an exporter bug must not take the other targets down
        result.error = f"{type(exc).__name__}: {exc}"
    except BaseException:  # Ctrl-C, SIGTERM: the old folder stays, the staging goes
        folder.discard(staging)
        raise
    result.problems = job.problems
    if result.error is None:
        try:
            written = sorted(path.resolve().relative_to(staging.resolve()) for path in job.written)
            kept = folder.commit(target.name, target.exporter, staging)
            result.files = [final / path for path in written]
            if kept:
                shown = ", ".join(kept[:8]) + (" ..." if len(kept) > 8 else "")
                job.warn(
                    f"kept {len(kept)} file(s) in {final} that notepress did not write: {shown}",
                    code="output-foreign",
                )
        except OutputError as exc:
            result.error = str(exc)
    if result.error is not None:
        folder.discard(staging)  # the unpublished new build; the old folder is untouched
        return _failed(result, target, result.error)
    return result


def _failed(result: TargetResult, target: Target, error: str) -> TargetResult:
    """A failed target is an error of the build: counted, printed, exit 1."""
    result.error = f"target {target.name!r} ({target.exporter}) failed: {error}"
    result.problems.append(
        Problem(Severity.ERROR, "target-failed", result.error, f"targets.{target.name}")
    )
    return result
