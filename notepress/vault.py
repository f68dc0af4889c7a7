"""Read a whole vault once: notes, attachments, and the index that resolves wikilinks."""

from __future__ import annotations

import errno
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import pathspec

from .assets import check_references
from .budget import parse_note_within_budget
from .chars import printable
from .config import VaultOptions
from .embeds import check_embeds
from .errors import VaultError
from .model import Link, Note, Problem, Severity
from .output import MANIFEST, OUTPUT_MARKER
from .parse import ParseSettings
from .slugs import lookup_key

__all__ = ["OUTPUT_MARKER", "Vault", "load_vault"]


@dataclass(frozen=True)
class Vault:
    """Every note of a vault plus the indexes that resolve links and embeds.

    Notes are ordered by path, so every walk over a vault is deterministic.
    """

    root: Path
    notes: tuple[Note, ...]
    attachments: dict[str, PurePosixPath] = field(default_factory=dict)
    """Attachment file name (as :func:`~notepress.slugs.lookup_key`) to vault-relative path."""
    problems: tuple[Problem, ...] = ()
    """Problems of the vault as a whole, not of one note (an unreadable folder, say)."""
    warnings_are_errors: bool = False
    """Set by :meth:`strict`: what an exporter finds wrong with a note is an error too, and
    an exporter that can leave that note out of its output does."""
    _by_name: dict[str, Note] = field(default_factory=dict, repr=False, compare=False)
    _by_id: dict[str, Note] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        names: dict[str, Note] = {}
        # Later keys never override earlier ones; titles win over aliases, aliases over
        # file names, and within each kind the first note by path wins.
        for key_of in (_title_keys, _alias_keys, _path_keys):
            for note in self.notes:
                for key in key_of(note):
                    names.setdefault(key, note)
        self._by_name.update(names)
        self._by_id.update({note.note_id: note for note in reversed(self.notes)})

    def resolve(self, target: str) -> Note | None:
        """The note a wikilink target names: by title, alias, file name or path, in that order."""
        key = lookup_key(target.removesuffix(".md"))
        return self._by_name.get(key)

    def resolve_link(self, link: Link, source: Note) -> Note | None:
        """The note ``link`` points at; a heading-only link points at its own note."""
        return source if not link.target else self.resolve(link.target)

    def by_id(self, note_id: str) -> Note | None:
        return self._by_id.get(note_id)

    def attachment(self, name: str) -> PurePosixPath | None:
        """The vault path of an embedded file, by its name or its vault-relative path."""
        key = lookup_key(name)
        return self.attachments.get(key) or self.attachments.get(
            lookup_key(PurePosixPath(name).name)
        )

    @property
    def published(self) -> tuple[Note, ...]:
        return tuple(note for note in self.notes if note.published)

    def all_problems(self) -> list[Problem]:
        problems = list(self.problems)
        for note in self.notes:
            problems.extend(note.problems)
        return problems

    @property
    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.all_problems())

    def strict(self) -> Vault:
        """This vault with every warning made an error: notes with warnings are not published."""
        notes = tuple(
            replace(note, problems=tuple(_as_error(p) for p in note.problems))
            for note in self.notes
        )
        problems = tuple(_as_error(p) for p in self.problems)
        return Vault(self.root, notes, self.attachments, problems, warnings_are_errors=True)

    def with_note_problems(self, find: Callable[[Note], Sequence[Problem]]) -> Vault:
        """This vault with the problems ``find`` reports added to each note (itself if none)."""
        notes = []
        changed = False
        for note in self.notes:
            found = find(note)
            if found:
                changed = True
                note = replace(note, problems=(*note.problems, *found))
            notes.append(note)
        if not changed:
            return self
        return replace(self, notes=tuple(notes), _by_name={}, _by_id={})


def _as_error(problem: Problem) -> Problem:
    return replace(problem, severity=Severity.ERROR)


def _title_keys(note: Note) -> Iterable[str]:
    return (lookup_key(note.title),)


def _alias_keys(note: Note) -> Iterable[str]:
    return (lookup_key(alias) for alias in note.aliases)


def _path_keys(note: Note) -> Iterable[str]:
    return (lookup_key(note.path.stem), lookup_key(note.path.with_suffix("").as_posix()))


def load_vault(
    root: str | os.PathLike[str],
    settings: ParseSettings | None = None,
    *,
    ignore: Sequence[str] = (),
    exclude_dirs: Sequence[Path] = (),
    options: VaultOptions | None = None,
) -> Vault:
    """Read every note under ``root``.

    Hidden files and folders (``.obsidian``, ``.trash``, ``.git``), the folders in
    ``exclude_dirs`` (the build output) and paths matching the gitignore-style ``ignore``
    patterns are skipped.  Symlinks are followed only while they stay inside the vault.
    Raises :class:`~notepress.errors.VaultError` when ``root`` is not a folder.
    """
    settings = settings or ParseSettings()
    options = options or VaultOptions()
    root_path = Path(root).resolve()
    if not root_path.is_dir():
        raise VaultError(f"{printable(os.fspath(root))}: vault folder not found")
    spec = pathspec.GitIgnoreSpec.from_lines(ignore)
    excluded = {Path(d).resolve() for d in exclude_dirs}
    vault_problems: list[Problem] = []

    notes: list[Note] = []
    attachments: dict[str, PurePosixPath] = {}
    for path, rel in _walk(root_path, spec, excluded, vault_problems):
        if rel.suffix.lower() == ".md":
            try:
                raw = path.read_bytes()
            except OSError as exc:
                vault_problems.append(
                    Problem(
                        Severity.ERROR, "unreadable", f"cannot read: {exc.strerror}", rel.as_posix()
                    )
                )
                continue
            notes.append(parse_note_within_budget(rel, raw, settings))
        else:
            attachments.setdefault(lookup_key(rel.as_posix()), rel)
            attachments.setdefault(lookup_key(rel.name), rel)

    notes = _mark_duplicate_ids(notes)
    vault = Vault(root_path, tuple(notes), attachments, tuple(vault_problems))
    return check_references(check_embeds(_check_links(vault)))


def _walk(
    root: Path, spec: pathspec.GitIgnoreSpec, excluded: set[Path], problems: list[Problem]
) -> Iterator[tuple[Path, PurePosixPath]]:
    """Files of the vault in sorted order, as (absolute path, vault-relative path)."""
    seen_dirs: set[Path] = set()
    reported: set[str] = set()

    def visit(folder: Path, marked: str | None = None) -> Iterator[tuple[Path, PurePosixPath]]:
        real = folder.resolve()
        if real in seen_dirs or real in excluded:
            return
        if real != root and (folder / MANIFEST).is_file():
            return  # a target folder an earlier build wrote, wherever the config put it
        if (folder / OUTPUT_MARKER).exists():
            # Output folders hold target folders, skipped above; notes found below a marker
            # are still read (a marker must never hide notes) and the marker is reported.
            marked = folder.relative_to(root).as_posix() or "."
        seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as exc:
            where = folder.relative_to(root).as_posix() or "."
            problems.append(
                Problem(
                    Severity.WARNING, "unreadable", f"cannot list folder: {exc.strerror}", where
                )
            )
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            rel = PurePosixPath(path.relative_to(root).as_posix())
            if not _decodable(entry.name):
                problems.append(_undecodable_name(entry, rel))
                continue
            if entry.is_symlink():
                target = _symlink_target(path, rel, problems)
                if target is None:
                    continue
                if not target.is_relative_to(root):
                    problems.append(
                        Problem(
                            Severity.WARNING,
                            "symlink-outside",
                            "symlink leads outside the vault; not followed",
                            rel.as_posix(),
                        )
                    )
                    continue
                if not target.is_dir():
                    # A second name for a file of the vault, which is read under its own name.
                    continue
            is_dir = entry.is_dir()
            if spec.match_file(rel.as_posix() + ("/" if is_dir else "")):
                continue
            if is_dir:
                yield from visit(path, marked)
            elif entry.is_file():
                if marked is not None and marked not in reported and rel.suffix.lower() == ".md":
                    reported.add(marked)
                    problems.append(_marker_problem(marked))
                yield path, rel

    yield from visit(root)


def _decodable(name: str) -> bool:
    """False for a name that is not UTF-8: Python keeps its bytes as lone surrogates."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _undecodable_name(entry: os.DirEntry[str], rel: PurePosixPath) -> Problem:
    """A file or folder whose name is not UTF-8 is skipped, with a warning.

    Such a name has no faithful text form, yet a note's name becomes its title, its slug,
    its URL and a path inside a book: reading it under an escaped name would publish a name
    the writer never chose, and no wikilink written in the (UTF-8) notes could reach it.
    """
    kind = "folder" if entry.is_dir() else "file"
    skipped = "its files are skipped" if kind == "folder" else "skipped"
    return Problem(
        Severity.WARNING,
        "filename-encoding",
        f"{kind} name is not valid UTF-8 (shown with \\x escapes); {skipped}: rename it",
        printable(rel.as_posix()),
    )


def _symlink_target(path: Path, rel: PurePosixPath, problems: list[Problem]) -> Path | None:
    """Where a symlink leads, or None (with a warning) for a loop or a link to nothing."""
    try:
        return path.resolve(strict=True)
    except RuntimeError:  # Python before 3.13 reports a loop this way
        code, message = "symlink-loop", "symlink loop; not followed"
    except FileNotFoundError:
        code, message = "symlink-dangling", "symlink leads to nothing; skipped"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            code, message = "symlink-loop", "symlink loop; not followed"
        else:
            code, message = "unreadable", f"cannot follow symlink: {exc.strerror}"
    problems.append(Problem(Severity.WARNING, code, message, rel.as_posix()))
    return None


def _marker_problem(folder: str) -> Problem:
    """Notes below an output marker: a build once wrote into a notes folder."""
    message = (
        f"this folder holds notes but is marked as build output by {OUTPUT_MARKER}; "
        "its notes are read: delete the marker"
    )
    return Problem(Severity.WARNING, "output-marker", message, folder)


def _mark_duplicate_ids(notes: list[Note]) -> list[Note]:
    """An error on every note sharing a note_id, naming one other holder and a count.

    Naming them all would make the report grow with the square of their number.
    """
    holders: dict[str, list[Note]] = defaultdict(list)
    for note in notes:
        holders[note.note_id].append(note)
    result = []
    for note in notes:
        group = holders[note.note_id]
        if len(group) > 1:
            other = group[1] if group[0] is note else group[0]
            rest = len(group) - 2
            more = f" and {rest} other note{'s' if rest > 1 else ''}" if rest else ""
            problem = Problem(
                Severity.ERROR,
                "note-id-duplicate",
                f"note_id {note.note_id} is also used by {other.path.as_posix()}{more}",
                note.path.as_posix(),
                note.field_lines.get("note_id"),
            )
            note = replace(note, problems=(*note.problems, problem))
        result.append(note)
    return result


def _check_links(vault: Vault) -> Vault:
    """Warn about wikilinks and embeds that lead nowhere; the rest of the vault is unaffected."""

    def unresolved(note: Note) -> list[Problem]:
        found: list[Problem] = []
        for link in note.links:
            if link.embed:
                if vault.attachment(link.target) is None and vault.resolve(link.target) is None:
                    found.append(
                        Problem(
                            Severity.WARNING,
                            "embed-missing",
                            f"embedded file not found: {link.target}",
                            note.path.as_posix(),
                            link.line,
                        )
                    )
            elif link.target and vault.resolve(link.target) is None:
                found.append(
                    Problem(
                        Severity.WARNING,
                        "link-unresolved",
                        f"no note is called {link.target!r}",
                        note.path.as_posix(),
                        link.line,
                    )
                )
        return found

    return vault.with_note_problems(unresolved)
