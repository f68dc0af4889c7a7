"""The pipeline: load once, select per target, let each exporter write its own folder."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .chars import shown
from .config import CONFIG_FILE, Config, Target, default_config, load_config
from .errors import ConfigError, NotepressError, VaultError
from .exporter import Job
from .model import Note, Problem, Severity
from .registry import get_exporter
from .selection import select_notes
from .vault import OUTPUT_MARKER, Vault, load_vault

__all__ = ["BuildReport", "Project", "TargetResult", "build", "load_project", "select_for"]


@dataclass(frozen=True)
class Project:
    """A vault and the config that publishes it."""

    config: Config
    vault: Vault

    def build(self, targets: Sequence[str] | None = None) -> BuildReport:
        return build(self.vault, self.config, targets)

    def selected(self, target: Target) -> tuple[Note, ...]:
        return select_for(self.vault, target)


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
) -> Project:
    """Read the config (``VAULT/notepress.toml`` unless given; built-in defaults if absent)
    and the vault it describes.

    ``strict`` turns every warning into an error, so a note with a warning is not published.
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
    # The configured output folder is never read as vault content, even when this build
    # writes elsewhere: an earlier build's copies would shadow the real attachments.
    excluded = [cfg.output]
    if output is not None:
        cfg = replace(cfg, output=Path(output).resolve())
        excluded.append(cfg.output)
    loaded = load_vault(root, cfg.site.parse_settings(), ignore=cfg.ignore, exclude_dirs=excluded)
    if strict:
        loaded = loaded.strict()
    return Project(cfg, loaded)


def select_for(vault: Vault, target: Target) -> tuple[Note, ...]:
    exporter = get_exporter(target.exporter)
    return select_notes(
        vault.notes,
        target.selection,
        limit=exporter.default_limit,
        order=exporter.limit_order(target.options),
    )


def build(vault: Vault, config: Config, targets: Sequence[str] | None = None) -> BuildReport:
    """Build the named targets (all by default).

    A target that fails is reported and leaves its previous output in place; the other
    targets are still built.  Each target is written to a staging folder and moved into
    ``OUTPUT/<target>`` only once complete, so readers never see half a build.
    """
    names = list(config.targets) if targets is None else list(targets)
    unknown = [name for name in names if name not in config.targets]
    if unknown:
        raise ConfigError(
            f"unknown target: {', '.join(map(shown, unknown))}",
            [f"available: {', '.join(config.targets)}"],
        )
    output = config.output
    report = BuildReport(output=output, problems=vault.all_problems(), targets=[])
    for name in names:
        report.targets.append(_build_target(vault, config, config.targets[name], output))
    return report


def _build_target(vault: Vault, config: Config, target: Target, output: Path) -> TargetResult:
    exporter_cls = get_exporter(target.exporter)
    notes = select_for(vault, target)
    result = TargetResult(target.name, target.exporter, len(notes))
    final = output / target.name
    staging = output / f".{target.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    marker = output / OUTPUT_MARKER
    if not marker.exists():
        marker.write_text("Written by notepress: this folder is build output, not notes.\n")
    job = Job(
        target=target,
        site=config.site,
        vault=vault,
        notes=notes,
        out_dir=staging,
        config_root=config.root,
    )
    try:
        exporter_cls().build(job)
    except NotepressError as exc:
        result.error = str(exc)
    except Exception as exc:  # an exporter bug must not take the other targets down
        result.error = f"{type(exc).__name__}: {exc}"
    result.problems = job.problems
    if result.error is not None:
        shutil.rmtree(staging, ignore_errors=True)
        result.error = f"target {target.name!r} ({target.exporter}) failed: {result.error}"
        return result
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
    result.files = sorted(
        final / path.resolve().relative_to(staging.resolve()) for path in job.written
    )
    return result
