"""Build once, then rebuild what an edit affects, keeping what every target last did.

The preview shows each target as its last build left it: a target that an edit does not
reach keeps its files and problems from before, and a config that no longer loads keeps
the last good output on show, with the error beside it, until it is fixed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from ..errors import NotepressError
from ..model import Problem, Severity
from ..obsidian import ObsidianSettings
from ..output import MANIFEST, OUTPUT_MARKER, is_target_folder
from ..pipeline import LOCK_TIMEOUT, BuildReport, Project, TargetResult, load_project
from ..templating import builtin_templates
from .affected import affected_targets

__all__ = ["BuildState", "Rebuilder", "TargetState"]

#: Files in ``.obsidian/`` that change how the vault reads; the rest (the workspace layout
#: Obsidian saves at every click) must not start a build.


@dataclass(frozen=True)
class TargetState:
    """What the last build of one target left: its files (relative to its folder)."""

    name: str
    exporter: str
    notes: int
    files: tuple[str, ...]
    problems: tuple[Problem, ...]
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def from_result(cls, result: TargetResult, folder: Path) -> TargetState:
        # By their text first: a target of a file per note lists thousands, and each
        # ``relative_to`` parses both paths again.
        prefix = f"{folder}{os.sep}"
        files = []
        for path in result.files:
            text = str(path)
            if text.startswith(prefix):
                files.append(PurePath(text[len(prefix) :]).as_posix())
                continue
            try:
                files.append(path.relative_to(folder).as_posix())
            except ValueError:
                continue
        return cls(
            result.name,
            result.exporter,
            result.notes,
            tuple(files),
            tuple(result.problems),
            result.error,
        )


@dataclass(frozen=True)
class BuildState:
    """One snapshot the server pages read; replaced whole after each build."""

    generation: int
    output: Path
    targets: tuple[TargetState, ...] = ()
    problems: tuple[Problem, ...] = ()
    """The vault's and the build's own problems (not a target's)."""
    error: str | None = None
    """Why the last attempt built nothing (a config that no longer loads), or None."""
    rebuilt: tuple[str, ...] = ()
    """The targets the last build wrote."""
    vault: Path | None = None

    @property
    def output_shown(self) -> str:
        """The output folder as the vault's user knows it: relative to the vault inside it."""
        if self.vault is not None and self.output.is_relative_to(self.vault):
            return self.output.relative_to(self.vault).as_posix() + "/"
        return str(self.output)

    def target(self, name: str) -> TargetState | None:
        return next((t for t in self.targets if t.name == name), None)

    def counts(self) -> tuple[int, int]:
        """(errors, warnings) over everything shown."""
        problems = [*self.problems, *(p for t in self.targets for p in t.problems)]
        errors = sum(1 for p in problems if p.severity is Severity.ERROR)
        return errors, len(problems) - errors


@dataclass
class Rebuilder:
    """Loads and builds a project through the Python API, and again after each change."""

    vault: Path
    config: Path | None = None
    output: Path | None = None
    strict: bool = False
    lock_timeout: float = LOCK_TIMEOUT
    on_build: Callable[[BuildState, BuildReport | None], None] | None = None
    project: Project | None = field(default=None, init=False)
    _state: BuildState | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _named: tuple[Project | None, frozenset[Path]] | None = field(
        default=None, init=False, repr=False
    )

    @property
    def state(self) -> BuildState:
        with self._lock:
            if self._state is None:
                raise RuntimeError("nothing built yet: call build() first")
            return self._state

    def load(self) -> Project:
        return load_project(self.vault, self.config, output=self.output, strict=self.strict)

    def build(self) -> BuildState:
        """Load the project and build every target; a config or vault error is raised."""
        project = self.load()
        self.project = project
        report = project.build(lock_timeout=self.lock_timeout)
        return self._publish(project, report, previous=())

    def rebuild(self, changed: Collection[Path]) -> BuildState:
        """Load again and build the targets ``changed`` files can affect (and any target
        whose last build failed); a config or vault error is shown, not raised."""
        old = self.project
        previous = self.state.targets if self._state is not None else ()
        try:
            new = self.load()
        except (NotepressError, OSError) as exc:  # the session goes on: fixed, it builds
            return self._failed(str(exc))
        names = list(new.config.targets) if old is None else affected_targets(old, new, changed)
        failed = {t.name for t in previous if not t.ok}
        names = [n for n in new.config.targets if n in names or n in failed]
        self.project = new
        try:
            report = new.build(names, lock_timeout=self.lock_timeout) if names else None
        except (NotepressError, OSError) as exc:
            return self._failed(str(exc))
        return self._publish(new, report, previous)

    def _failed(self, error: str) -> BuildState:
        with self._lock:
            current = self._state
            generation = current.generation + 1 if current else 1
            output = current.output if current else (self.output or self.vault)
            targets = current.targets if current else ()
            problems = current.problems if current else ()
            vault = current.vault if current else None
            state = BuildState(generation, output, targets, problems, error, (), vault)
            self._state = state
        if self.on_build is not None:
            self.on_build(state, None)
        return state

    def _publish(
        self, project: Project, report: BuildReport | None, previous: Sequence[TargetState]
    ) -> BuildState:
        output = project.config.output
        built = {
            t.name: TargetState.from_result(t, output / t.name)
            for t in (report.targets if report else [])
        }
        kept = {t.name: t for t in previous}
        targets = tuple(
            built.get(name) or kept.get(name) or _unbuilt(project, name)
            for name in project.config.targets
        )
        problems = tuple(report.problems) if report else tuple(project.vault.all_problems())
        with self._lock:
            generation = self._state.generation + 1 if self._state else 1
            state = BuildState(
                generation, output, targets, problems, None, tuple(built), project.vault.root
            )
            self._state = state
        if self.on_build is not None:
            self.on_build(state, report)
        return state

    # What to watch ---------------------------------------------------------------------

    def watched(self) -> list[Path]:
        """The vault, and the config's folder when the config lives outside it (the
        templates, stylesheets and covers it names are found from there), and a preamble
        outside both."""
        root = self._root()
        folder = self._config_folder()
        if folder is None or folder.is_relative_to(root):
            folders = [root]
        elif root.is_relative_to(folder):
            folders = [folder]
        else:
            folders = [root, folder]
        # A preamble or a stylesheet shared by several vaults: the file alone, not the
        # folder of all of them; a folder of templates whole.
        for path in sorted(self._named_files()):
            if (
                path.exists()
                and not root.is_relative_to(path)  # never a folder holding the vault
                and not any(path.is_relative_to(f) for f in folders)
            ):
                folders.append(path)
        return folders

    def ignores(self, path: Path) -> bool:
        """True for a change no build should follow: the output folder (a build's own writes
        must not start another build), hidden folders, editors' scratch files."""
        path = path.resolve() if path.is_absolute() else (Path.cwd() / path).resolve()
        project = self.project
        if project is not None and path.is_relative_to(project.config.output.resolve()):
            return True
        name = path.name
        if name.endswith(("~", ".swp", ".swx", ".tmp")) or name.startswith(".#"):
            return True
        if any(path == named or path.is_relative_to(named) for named in self._named_files()):
            return False
        root = self._root()
        if path.is_relative_to(root):
            parts = path.relative_to(root).parts
            if parts[:1] == (".obsidian",):
                return True
        else:
            root = self._config_folder() or root
            if not path.is_relative_to(root):
                return True
            parts = path.relative_to(root).parts
        return any(part.startswith(".") for part in parts) or _inside_output(path, root)

    def _named_files(self) -> frozenset[Path]:
        """Files and folders outside the vault's notes that change what a build writes:
        Obsidian's settings files and the TeX preamble the last load read (hidden, or
        outside the vault), and what the targets' options name (a stylesheet, a folder of
        templates), wherever they are."""
        project = self.project
        if self._named is not None and self._named[0] is project:
            return self._named[1]  # once per load: asked of every path a checkout touches
        if project is None:
            read = ObsidianSettings().files_read(self._root())
        else:
            read = project.files_read()
        builtin = builtin_templates("feed").parent.resolve()  # notepress's own: never edited
        named = {path.resolve() for path in read} - {builtin}
        self._named = (project, frozenset(named))
        return self._named[1]

    def _root(self) -> Path:
        return (self.project.vault.root if self.project else self.vault).resolve()

    def _config_folder(self) -> Path | None:
        config = self.project.config.path if self.project else self.config
        return Path(config).resolve().parent if config is not None else None


def _inside_output(path: Path, root: Path) -> bool:
    """Below a target folder an earlier build wrote, such as the output of another config
    or of ``-o``: as the vault's walk tells one (:func:`~notepress.output.is_target_folder`).
    A marker or a manifest alone hides nothing from a build, so not from a watch either: a
    note made a draft below one went on being published by every build the watch ran."""
    if (path / MANIFEST).exists() and is_target_folder(path):
        return True  # swapped in whole by another config's build
    if (
        not path.exists()
        and path.parent != root
        and (path.parent / OUTPUT_MARKER).exists()
        and not path.name.lower().endswith(".md")
    ):
        return True  # a target folder that build swapped out
    for folder in path.parents:
        if folder == root or not folder.is_relative_to(root):
            return False
        if (folder / MANIFEST).exists() and is_target_folder(folder):
            return True
    return False


def _unbuilt(project: Project, name: str) -> TargetState:
    target = project.config.targets[name]
    return TargetState(name, target.exporter, len(project.selected(target)), (), (), None)
