"""The pipeline: load once, select per target, let each exporter write its own folder."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .cache import Cache, remove_cache
from .chars import shown
from .collisions import assign_urls
from .config import CONFIG_FILE, Config, Site, Target, VaultOptions
from .configfile import default_config, load_config
from .dates import source_date_epoch_problem
from .errors import ConfigError, NotepressError, VaultError
from .exporter import Job
from .markdown.diagrams import one_warning_per_build
from .markdown.memo import memo_installed
from .model import Note, Problem, Severity
from .needed import read_needed
from .output import (
    LOCK_TIMEOUT,
    OutputError,
    OutputFolder,
    copied_targets,
    manifest_notes,
    output_folder_problem,
    remove_target_folder,
    stale_message,
    stale_targets,
    temporary_files_in,
)
from .owners import Owner
from .parse import ParseSettings
from .progress import Progress, begin, plural, step
from .registry import get_exporter
from .results import BuildReport, TargetResult
from .selection import (
    build_now,
    future_problem,
    hold_back_future,
    newest_notes,
    select_notes,
    without_excluded,
    without_future,
)
from .siteurl import PREVIEW_URL, WHY, local_host, site_url_problem
from .unchanged import remove_records
from .vault import Vault, check_vault, face_digest, read_notes, survey_vault
from .workers import jobs_installed

if TYPE_CHECKING:
    from .refresh import FileStats

__all__ = [
    "LOCK_TIMEOUT",
    "BuildReport",
    "Project",
    "TargetResult",
    "build",
    "clean_cache",
    "config_owner",
    "load_project",
    "remove_stale_targets",
    "select_for",
]


@dataclass(frozen=True)
class Project:
    """A vault and the config that publishes it."""

    config: Config
    vault: Vault
    future: bool = False
    """Publish notes dated after the build at once (``--future``) in every target."""
    now: datetime | None = None
    """The build's "now", which decides what is in the future; None: :func:`build_now`."""
    cache: Cache | None = field(default=None, repr=False, compare=False)
    """The build cache opened when the vault was read; None when built without one."""

    def build(
        self,
        targets: Sequence[str] | None = None,
        *,
        lock_timeout: float = LOCK_TIMEOUT,
        progress: Progress | None = None,
    ) -> BuildReport:
        return build(
            self.vault,
            self.config,
            targets,
            lock_timeout=lock_timeout,
            future=self.future,
            now=self.now,
            progress=progress,
            cache=self.cache,
        )

    def files_read(self) -> list[Path]:
        """Files and folders besides notes and attachments that a build reads, wherever they
        are: Obsidian's and its plugins' settings and the TeX preamble, and what the
        targets' options name (a stylesheet, a folder of templates), present or not.  What
        an unchanged build compares and a preview follows besides the vault."""
        from .cache.targets import option_paths

        return [*self.vault.settings.files_read(self.vault.root), *option_paths(self.config)]

    def selected(self, target: Target) -> tuple[Note, ...]:
        return select_for(self.vault, target, future=self.future, now=self.now)

    def problems(self) -> list[Problem]:
        """Every problem a build would report before its exporters run, each once: the
        vault's, then what each target will say about the notes it selects (see
        :func:`target_problems`), and what is wrong with a target's own settings, as a
        problem of that target."""
        found = self.vault.all_problems()
        for target in self.config.targets.values():
            found.extend(_settings_problems(self.config, target, self.vault.warnings_are_errors))
            found.extend(
                target_problems(
                    self.vault,
                    target,
                    future=self.future,
                    now=self.now,
                    dating=self.config.vault,
                )
            )
        for name, lines in self.config.target_problems.items():
            if name not in self.config.targets:  # its exporter could not even be loaded
                found.extend(_config_problems(lines))
        # Each once, as a build reports them: the same formula twice on a line is one
        # thing to fix, said in the same words about the same line.
        return list(dict.fromkeys(found))


def load_project(
    vault: str | Path,
    config: str | Path | None = None,
    *,
    output: str | Path | None = None,
    strict: bool = False,
    targets: Sequence[str] | None = None,
    future: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
    cache: bool = True,
    jobs: int | None = None,
    listed: FileStats | None = None,
    bodies: Literal["all", "published"] = "all",
) -> Project:
    """Read the config (``VAULT/notepress.toml`` unless given; built-in defaults if absent)
    and the vault it describes.

    ``strict`` turns every warning into an error, so a note with a warning is not published.
    ``targets`` names the targets about to be built (all by default): only their exporters'
    requirements must be met (``check`` passes ``()`` and reports every target's).
    ``future`` publishes notes dated after ``now`` (default: :func:`build_now`).
    ``progress`` is told of the ``load`` step (see :mod:`notepress.progress`).
    ``cache=False`` neither reads nor writes the build cache (see :mod:`notepress.cache`).
    ``jobs`` (else ``[vault] jobs``) caps the processes that parse and render notes: 1 works
    here.  ``listed``: the vault's files as the caller listed them before reading any (see
    :func:`~notepress.refresh.list_notes`), not listed again.
    ``bodies="published"``, not ``strict``, and without a cache or with one that holds
    nothing yet: read every note's frontmatter but only the bodies ``targets`` publish,
    embed or link to (see :mod:`notepress.needed`); the vault then answers for those alone,
    and ``check`` is what reports the problems of the others.  A target that takes every
    note (no limit, no tag or date filter) has every body read at once.  With a cache that
    an earlier build filled, the whole vault is read and kept, which the builds after it
    repay (:mod:`notepress.refresh`).
    """
    root = Path(vault)
    if not root.is_dir():
        raise VaultError(f"{root}: vault folder not found")
    if (unreadable := source_date_epoch_problem()) is not None:
        raise ConfigError(unreadable)
    if config is not None:
        cfg = load_config(config, targets=targets)
    elif (root / CONFIG_FILE).is_file():
        cfg = load_config(root / CONFIG_FILE, targets=targets)
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
    settings = cfg.site.parse_settings(cfg.vault)
    opened = Cache.open(cfg.output, root) if cache else None
    loading = begin(progress, "load", root.resolve().name or str(root))
    chosen = [t for name, t in cfg.targets.items() if targets is None or name in targets]
    if (
        bodies == "published"
        and (opened is None or opened.found_empty)
        and not strict
        and not any(map(_takes_every_note, chosen))
    ):
        loaded = _load_published(root, cfg, settings, excluded, chosen, future, now)
        read = sum(note.outlined for note in loaded.notes)
        loading.end(f"{plural(len(loaded.notes), 'note')}, {read} read whole")
    else:
        loaded = _load(root, cfg, settings, excluded, opened, listed)
        if strict:
            loaded = _strict(loaded, cfg)
        loading.end(plural(len(loaded.notes), "note"))
    return Project(cfg, loaded, future=future, now=now, cache=opened)


def _load(
    root: Path,
    config: Config,
    settings: ParseSettings,
    excluded: list[Path],
    cache: Cache | None,
    listed: FileStats | None = None,
) -> Vault:
    """The vault, its notes checked and given their URLs: from the last build's snapshot
    when one fits (reading only changed files, see :mod:`notepress.refresh`), else read
    whole, and then kept for the next build."""
    survey = survey_vault(root, ignore=config.ignore, exclude_dirs=excluded, options=config.vault)
    settings = survey.parse_settings(settings)
    store = cache.store if cache is not None else None
    if store is not None:
        store.with_settings(repr(settings))
    jobs = config.vault.jobs or None
    git = None
    if cache is not None and settings.date_from_git:
        from .gitdates import dated_at, head_commit

        # Git dates change without a file changing: the kept vault is the one dated from
        # the commit HEAD names, and without one the vault is read whole.
        git = head_commit(survey.root)
    if cache is None or (settings.date_from_git and git is None):
        notes, problems = read_notes(survey, settings, cache=store, jobs=jobs)
        return assign_urls(
            check_vault(survey, notes, problems, cache=store), config.site, config.vault
        )
    from .refresh import (
        list_notes,
        refresh_vault,
        renewed_snapshot,
        snapshot_key,
        take_snapshot,
    )

    # How many processes parse the notes changes nothing in them: not part of the key.
    options = replace(config.vault, jobs=0)
    key = snapshot_key(survey.root, settings, config.ignore, excluded, options, config.site, git)
    listing = list_notes(survey, listed)
    earlier = cache.snapshot(key)
    if earlier is not None:
        refreshed = refresh_vault(
            earlier, survey, listing, settings, config.site, config.vault, store, git=git
        )
        if refreshed is not None:
            if git is not None:
                dated_at(survey.root, git)
            vault = refreshed.vault
            cache.know_shape(vault, refreshed.checked_shape, refreshed.checked_faces)
            if refreshed.changed:  # kept, so that the next build need not read them again
                cache.keep_snapshot(lambda: renewed_snapshot(earlier, survey, listing, refreshed))
            return vault
    # Dated from the commit the key names, whatever HEAD names by now.
    notes, problems = read_notes(survey, settings, cache=store, jobs=jobs, git_commit=git)
    faces = [face_digest(note) for note in notes]
    checked = check_vault(survey, notes, problems, cache=store, faces=faces)
    loaded = assign_urls(checked, config.site, config.vault)
    cache.keep_snapshot(
        lambda: take_snapshot(key, survey, listing, notes, faces, loaded, cache.shaped(loaded))
    )
    return loaded


def _load_published(
    root: Path,
    config: Config,
    settings: ParseSettings,
    excluded: list[Path],
    targets: Sequence[Target],
    future: bool,
    now: datetime | None,
) -> Vault:
    """The vault with only the bodies ``targets`` publish read."""
    survey = survey_vault(root, ignore=config.ignore, exclude_dirs=excluded, options=config.vault)
    now = now or build_now()

    def everything(target: Target) -> bool:
        return get_exporter(target.exporter).selection_defaults.publishes_matching(target.options)

    def choose(vault: Vault) -> Iterator[Note]:
        for target in targets:
            matching, kept, _held = _select(vault, target, future, now)
            yield from matching if everything(target) else kept

    return read_needed(
        survey,
        survey.parse_settings(settings),
        choose,
        finish=lambda vault: assign_urls(vault, config.site, config.vault),
        tags_matter=any(
            t.selection.include_tags or t.selection.exclude_tags or everything(t) for t in targets
        ),
        jobs=config.vault.jobs or None,
    )


def _strict(vault: Vault, config: Config) -> Vault:
    """``vault`` with every warning made an error, and the URLs claimed again: a note that
    ``--strict`` keeps private claims none, as a draft, so a note refused its URL only
    because of it is published."""
    strict = vault.strict()
    if not any(p.code == "url-collision" for note in strict.notes for p in note.problems):
        return strict
    unclaimed = [
        replace(note, problems=tuple(p for p in note.problems if p.code != "url-collision"))
        for note in strict.notes
    ]
    return assign_urls(strict.with_notes(unclaimed), config.site, config.vault)


def _takes_every_note(target: Target) -> bool:
    """Whether ``target`` publishes every published note, whose bodies are then all read:
    at once, rather than each note's frontmatter first."""
    selection = target.selection
    if selection.include_tags or selection.since is not None or selection.until is not None:
        return False
    defaults = get_exporter(target.exporter).selection_defaults
    limit = selection.limit if selection.limit is not None else defaults.limit
    return not limit or defaults.publishes_matching(target.options)


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


def select_for(
    vault: Vault, target: Target, *, future: bool = False, now: datetime | None = None
) -> tuple[Note, ...]:
    """The notes ``target`` selects, its exporter's :class:`SelectionDefaults` applied;
    notes dated after ``now`` wait for their date unless ``future`` or the target's
    ``future`` says otherwise."""
    return _select(vault, target, future, now)[1]


def _select(
    vault: Vault, target: Target, future: bool = False, now: datetime | None = None
) -> tuple[tuple[Note, ...], tuple[Note, ...], tuple[Note, ...]]:
    """Every note ``target``'s selection matches, the newest of them its limit keeps, and
    the notes held back because they are dated after ``now``."""
    defaults = get_exporter(target.exporter).selection_defaults
    matching = select_notes(vault.notes, replace(target.selection, limit=None))
    held: tuple[Note, ...] = ()
    if not (future or target.selection.future):
        matching, held = hold_back_future(matching, now or build_now())
    limit = target.selection.limit if target.selection.limit is not None else defaults.limit
    return matching, newest_notes(matching, limit, defaults.order(target.options)), held


def target_problems(
    vault: Vault,
    target: Target,
    *,
    future: bool = False,
    now: datetime | None = None,
    dating: VaultOptions | None = None,
) -> list[Problem]:
    """What ``target`` says about the notes it selects before its exporter runs: undated
    notes, once for the target (each note's own ``created-missing`` names its file), and
    notes held back until their date.  ``dating``: the vault's options, whose date keys,
    file name pattern and ``date_from_git`` the fix names."""
    _matching, notes, held = _select(vault, target, future, now)
    found = _undated_problems(target, notes, dating or VaultOptions())
    waiting = future_problem(target.name, held)
    return found if waiting is None else [*found, waiting]


def _settings_problems(config: Config, target: Target, strict: bool) -> list[Problem]:
    """What is wrong with ``target``'s own settings: its exporter's findings (errors: the
    target would not build) and an unfit ``site.url`` (an error with ``--strict``)."""
    found = _config_problems(config.target_problems.get(target.name, ()))
    url = _url_problem(config.site, target, strict)
    if url is not None:
        found.append(url)
    return found


def _config_problems(lines: Sequence[str]) -> list[Problem]:
    """A target's deferred config findings (``"targets.x.key: message"``) as errors."""
    found = []
    for line in lines:
        path, _, message = line.partition(": ")
        found.append(Problem(Severity.ERROR, "target-config", message, path))
    return found


def _url_problem(site: Site, target: Target, strict: bool) -> Problem | None:
    """A warning (an error with ``--strict``) when ``target`` writes ids from a
    ``site.url`` that is missing or local (see :mod:`notepress.siteurl`)."""
    exporter = get_exporter(target.exporter)
    if not exporter.needs_url:
        return None
    severity = Severity.ERROR if strict else Severity.WARNING
    problem = site_url_problem(site.url)
    if problem is not None:
        code, message = problem
        return Problem(severity, code, message, f"targets.{target.name}")
    for key, url in exporter.id_urls(target.options):
        if local_host(url):
            message = (
                f"{key} {shown(repr(url))} is a local or example address; set it to the "
                f"public address before publishing: {WHY}"
            )
            return Problem(severity, "site-url-local", message, f"targets.{target.name}")
    return None


def _refusals(vault: Vault, config: Config, names: Sequence[str]) -> list[str]:
    """Why some of the targets about to be built cannot be: their exporters' findings, and
    with ``--strict`` an unfit ``site.url``."""
    refused = [line for name in names for line in config.target_problems.get(name, ())]
    if vault.warnings_are_errors:
        for name in names:
            url = _url_problem(config.site, config.targets[name], strict=True)
            if url is not None:
                refused.append(f"{url.path}: {url.message} (--strict refuses this)")
    return refused


def _undated_problems(target: Target, notes: Sequence[Note], dating: VaultOptions) -> list[Problem]:
    """One warning when ``notes`` hold undated ones: how the target orders them, or, for an
    exporter that needs dates, that they are left out; with the count and the fix (with
    ``date_from_git`` set, a note still undated has no commit: committing it dates it)."""
    undated = sum(1 for note in notes if note.created is None)
    if not undated:
        return []
    if undated == len(notes):
        count = (
            "the note it selects has no date"
            if undated == 1
            else f"none of the {undated} notes it selects has a date"
        )
    else:
        verb = "has" if undated == 1 else "have"
        count = f"{undated} of the {len(notes)} notes it selects {verb} no date"
    if get_exporter(target.exporter).needs_dates:
        left_out = "it is" if undated == 1 else "they are"
        what = f"{count}, so {left_out} left out (a {target.exporter} needs dates)"
    else:
        come = "it comes" if undated == 1 else "they come"
        what = f"{count}: {come} first, as the oldest, in file path order"
    keys = " or ".join(repr(key) for key in dating.created_keys[:2])
    ways = [f"a {keys} key"] if keys else []
    if dating.filename_date:
        ways.append(f"a {dating.filename_date} file name")
    ways.append(
        "a commit (date_from_git is set)"
        if dating.date_from_git
        else "[vault] date_from_git = true"
    )
    fix = f"date {'it' if undated == 1 else 'them'} with " + ", ".join(ways[:-1])
    fix += f", or {ways[-1]}" if len(ways) > 1 else ways[-1]
    return [Problem(Severity.WARNING, "undated-notes", f"{what}; {fix}", f"targets.{target.name}")]


def build(
    vault: Vault,
    config: Config,
    targets: Sequence[str] | None = None,
    *,
    lock_timeout: float = LOCK_TIMEOUT,
    future: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
    cache: Cache | None = None,
) -> BuildReport:
    """Build the named targets (all by default); ``progress`` is told of each (a ``target``
    step, see :mod:`notepress.progress`).

    Notes dated after ``now`` (default: :func:`build_now`) wait for their date unless
    ``future``; a target whose own settings are wrong is refused before anything is written.

    A target that fails is reported and leaves its previous output in place; the other
    targets are still built.  Each target is written to a staging folder and swapped into
    ``OUTPUT/<target>`` only once complete (see :mod:`notepress.output`), so readers never
    see half a build and a kill leaves the old or the new folder whole.  The output folder
    is locked for the whole build: a second build into it waits up to ``lock_timeout``
    seconds, then fails with :class:`~notepress.output.OutputError`.

    With a ``cache`` (see :mod:`notepress.cache`), notes are rendered only when no earlier
    rendering is proven still right, and a target nothing of which changed is left as it is
    (``TargetResult.up_to_date``).
    """
    names = list(config.targets) if targets is None else list(targets)
    unknown = [name for name in names if name not in config.targets]
    if unknown:
        raise ConfigError(
            f"unknown target: {', '.join(map(shown, unknown))}",
            [f"available: {', '.join(config.targets)}"],
        )
    refused = _refusals(vault, config, names)
    if refused:
        where = str(config.path) if config.path else "built-in config"
        raise ConfigError(f"{where}: invalid configuration", refused)
    now = now or build_now()
    _check_output_folders(vault.root, config, [config.output])  # for callers of the API too
    report = BuildReport(output=config.output, problems=vault.all_problems(), targets=[])
    folder = OutputFolder(config.output, owner=config_owner(config, vault.root))
    with (
        folder.locked(lock_timeout),
        temporary_files_in(folder.temp),
        jobs_installed(config.vault.jobs or None),
    ):
        try:
            if cache is not None:
                cache.start(folder)
            for name in names:
                target = config.targets[name]
                selection = _select(vault, target, future, now)
                detail = f"{target.exporter}, {plural(len(selection[1]), 'note')}"
                with step(progress, "target", name, detail) as building:
                    result = _build_target(
                        vault, config, target, folder, selection, future, now, cache
                    )
                    if result.up_to_date:
                        building.outcome = "up to date"
                    elif result.ok:
                        building.outcome = plural(len(result.files), "file")
                    else:
                        building.outcome = "failed"
                report.targets.append(result)
            stale = _stale_target_problems(
                config, vault if future else without_future(vault, now), folder.owners
            )
        finally:
            if cache is not None:
                cache.finish(vault, config.targets)
    if cache is not None:
        report.problems.extend(cache.problems)
    report.problems.extend(
        Problem(Severity.ERROR, "output-leftover", message, "output") for message in folder.warnings
    )
    report.problems.extend(stale)
    # Mermaid blocks left as code for want of a renderer: one warning, not one per block.
    diagrams = one_warning_per_build([target.problems for target in report.targets])
    if diagrams is not None:
        report.problems.append(diagrams)
    return report


def clean_cache(output: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> list[Path]:
    """Remove the build cache of ``output`` (under its lock, so no build is writing it);
    the files removed.  Target folders and everything else stay."""
    if not output.is_dir():
        return []
    with OutputFolder(output).locked(lock_timeout):
        return remove_cache(output) + remove_records(output)


def _stale_target_problems(
    config: Config, vault: Vault, owners: Mapping[str, Owner]
) -> list[Problem]:
    """A warning for each folder an earlier build wrote for a target the config no longer
    has; such a folder that published a note of this vault that is private now is removed
    first (under the build's lock), as a failed target's is (see :func:`_withdraw`).  A
    note it names that this vault lacks may be another vault's, built into the same
    output folder by another config: that alone removes nothing."""
    problems = []
    owner = config_owner(config, vault.root)
    # Another config's folders of this vault too: one that published a note private now
    # would go on publishing it until that config builds again.  Another vault's are left
    # alone: its note ids are its own, and may be this vault's too (each day's counters).
    for name in stale_targets(config.output, config.targets):
        other = owners.get(name)
        theirs = other is not None and owner.others(other)
        if other is not None and theirs and other.vault != owner.vault:
            continue
        # Built from this vault, by the record: a note it names that the vault lacks was
        # deleted (or moved out, or given another id), which withdraws it as a draft does.
        ours = other is not None and other.vault == owner.vault
        withdrawn = _withdraw(config.output / name, vault, gone_too=ours)
        where = f"the folder {shown(name + '/')}"
        if theirs:
            if withdrawn:
                message = f"{where}, which another config builds into this output folder{withdrawn}"
                problems.append(Problem(Severity.WARNING, "output-withdrawn", message, "output"))
            continue
        if withdrawn:
            message = (
                f"{where} held what an earlier build wrote for a target this config no longer "
                f"has{withdrawn}"
            )
        else:
            message = stale_message(name)
        problems.append(Problem(Severity.WARNING, "output-stale-target", message, "output"))
    return problems + _private_copies(config, vault, owners)


def _private_copies(config: Config, vault: Vault, owners: Mapping[str, Owner]) -> list[Problem]:
    """A warning for each copy the user made of a target's output (see
    :func:`~notepress.output.copied_targets`) that publishes a note of this vault that is
    private now (deleted too, when the target copied was built from this vault): no build
    wrote it, so none removes it, but it must not go unsaid."""
    problems = []
    public = {note.note_id for note in vault.notes if note.published}
    ours = {note.note_id for note in vault.notes}
    vault_root = config_owner(config, vault.root).vault
    for name, target in copied_targets(config.output):
        named = manifest_notes(config.output / name) or set()
        built = owners.get(target)
        if built is None or built.vault != vault_root:
            named &= ours  # another vault's note ids are its own
        private = sorted(named - public)
        if not private:
            continue
        listed = ", ".join(private[:3]) + (" ..." if len(private) > 3 else "")
        message = (
            f"the folder {shown(name + '/')} is a copy of what a build wrote for the target "
            f"{shown(target)}, and publishes {plural(len(private), 'note')} private now "
            f"({listed}): no build writes or removes a copy, so remove it or copy the "
            "target's folder again"
        )
        problems.append(Problem(Severity.WARNING, "output-copy-private", message, "output"))
    return problems


def config_owner(config: Config, vault: Path) -> Owner:
    """Who builds a target folder, for the output's record (see :mod:`notepress.owners`):
    the config file (else the vault, for the built-in config) and the vault."""
    return Owner.of(config.path, vault)


def remove_stale_targets(
    config: Config, vault: Path, *, lock_timeout: float = LOCK_TIMEOUT
) -> list[tuple[Path, list[str]]]:
    """Remove the folders of ``config``'s output that earlier builds of ``vault`` wrote for
    targets it no longer has (see :func:`~notepress.output.stale_targets`): each folder,
    with the files left in it (the user's own, or edited since the build wrote them)."""
    output = config.output
    if not output.is_dir():
        return []
    with OutputFolder(output).locked(lock_timeout):
        return [
            (output / name, remove_target_folder(output / name))
            for name in stale_targets(output, config.targets, config_owner(config, vault))
        ]


def _build_target(
    vault: Vault,
    config: Config,
    target: Target,
    folder: OutputFolder,
    selection: tuple[tuple[Note, ...], tuple[Note, ...], tuple[Note, ...]],
    future: bool = False,
    now: datetime | None = None,
    cache: Cache | None = None,
) -> TargetResult:
    """Build one target from its ``selection`` (matching, kept and held-back notes, as
    :func:`_select` made it for the progress line)."""
    exporter_cls = get_exporter(target.exporter)
    matching, notes, held = selection
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
    site = config.site
    if exporter_cls.needs_url and not site.url:  # a local preview, with a loud warning
        site = replace(site, url=PREVIEW_URL)
    if not (future or target.selection.future):
        vault = without_future(vault, now or build_now())
    vault = without_excluded(vault, target.selection.exclude_tags)
    if cache is not None:
        record = cache.up_to_date(vault, config, target, notes, matching, final)
        if record is not None:
            folder.discard(staging)
            result.up_to_date = True
            result.files = [final / path for path in record.files]
            result.problems = list(record.problems)
            return result
    memo = cache.memo(target.name) if cache is not None else None
    job = Job(
        target=target,
        site=site,
        vault=vault,
        notes=notes,
        matching=matching,
        out_dir=staging,
        config_root=config.root,
    )
    job.problems.extend(_undated_problems(target, notes, config.vault))
    url = _url_problem(config.site, target, strict=False)
    waiting = future_problem(target.name, held)
    job.problems.extend(problem for problem in (url, waiting) if problem is not None)
    try:
        with memo_installed(memo):
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
            kept = folder.commit(target.name, target.exporter, staging, _shown_ids(vault, notes))
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
        if cache is not None:
            cache.failed(target.name, memo)
        # A private reading copy (drafts = true) shows drafts by design: kept as it was.
        withdrawn = "" if target.selection.drafts else _withdraw(final, vault)
        return _failed(result, target, result.error + withdrawn)
    if cache is not None and memo is not None:
        files = [path.relative_to(final).as_posix() for path in result.files]
        cache.built(vault, target.name, memo, result.problems, files, final)
    return result


def _shown_ids(vault: Vault, notes: Sequence[Note]) -> list[str]:
    """The note_ids an output of ``notes`` shows or names: theirs, those of the notes they
    embed (and those embed...), and those of the notes they link to, whose titles and URLs
    the output holds (a feed item's link, JSON-LD's ``mentions``).  The manifest lists them
    so that an output naming one is withdrawn when it turns private (see :func:`_withdraw`)."""
    shown: dict[str, None] = {}
    pending = list(notes)
    walked = {id(note) for note in pending}
    while pending:
        note = pending.pop()
        shown[note.note_id] = None
        for link in note.links:
            if not link.target:
                continue
            found = vault.find_note(link.target, note).item
            if found is None or not found.published:
                continue
            shown[found.note_id] = None
            if link.embed and id(found) not in walked:
                walked.add(id(found))
                pending.append(found)  # shown whole: what it embeds and names too
    return list(shown)


def _withdraw(final: Path, vault: Vault, *, gone_too: bool = True) -> str:
    """Remove a failed target's last output when it published a note that is private now
    (a draft, in error, dated later, or with ``gone_too`` deleted): kept, it would go on
    publishing it until a build succeeds.  What to add to the failure's message; empty when
    the output stays."""
    published = manifest_notes(final)
    if not published:
        return ""
    public = {note.note_id for note in vault.notes if note.published}
    if not gone_too:  # a folder of another config may hold another vault's notes
        published &= {note.note_id for note in vault.notes}
    withdrawn = sorted(published - public)
    if not withdrawn:
        return ""
    left = remove_target_folder(final)
    shown = ", ".join(withdrawn[:3]) + (" ..." if len(withdrawn) > 3 else "")
    what = f"{plural(len(withdrawn), 'note')} private now ({shown})"
    if left:
        return f"; its last output published {what}: removed, but for files no build wrote"
    return f"; its last output published {what}, so it was removed"


def _failed(result: TargetResult, target: Target, error: str) -> TargetResult:
    """A failed target is an error of the build: counted, printed, exit 1."""
    result.error = f"target {target.name!r} ({target.exporter}) failed: {error}"
    result.problems.append(
        Problem(Severity.ERROR, "target-failed", result.error, f"targets.{target.name}")
    )
    return result
