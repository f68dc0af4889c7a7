"""Read a whole vault once: notes, attachments, and the index that resolves wikilinks."""

from __future__ import annotations

import copy
import errno
import functools
import hashlib
import os
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal, Protocol

from .assets import check_references, reference_problems
from .chars import printable
from .config import VaultOptions
from .embeds import check_embeds, embed_problems
from .errors import VaultError
from .gitdates import apply_git_dates
from .links import anchor_missing, find_heading, with_title_heading
from .model import Link, Note, Problem, Severity
from .obsidian import ObsidianSettings, gitignore_literal, read_settings
from .output import MANIFEST, OUTPUT_MARKER, is_target_folder
from .parse import ParseSettings, outline_note
from .plainjson import json_bytes
from .resolve import NOT_NOTES, Found, PathIndex, folder_key, view_kind
from .slugs import lookup_key
from .workers import parse_files

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

__all__ = [
    "NOT_NOTES",
    "OUTPUT_MARKER",
    "IdHolders",
    "ParsedNotes",
    "Survey",
    "Vault",
    "check_note",
    "check_outlined",
    "check_vault",
    "face_digest",
    "load_vault",
    "note_face",
    "parse_notes",
    "read_notes",
    "survey_vault",
    "vault_shape",
]


class ParsedNotes(Protocol):
    """Notes parsed by an earlier build (:class:`notepress.cache.BuildCache`): looked up
    before a file is parsed, given each note that had to be parsed."""

    def parsed_note(
        self, rel: PurePosixPath, size: int, mtime_ns: int, raw: bytes
    ) -> Note | None: ...

    def remember_parsed(
        self, rel: PurePosixPath, size: int, mtime_ns: int, raw: bytes, note: Note
    ) -> None: ...

    def checked(self, kind: str, path: str, key: str) -> list[Problem] | None: ...

    def remember_checked(
        self, kind: str, path: str, key: str, problems: Sequence[Problem]
    ) -> None: ...


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
    settings: ObsidianSettings = field(default_factory=ObsidianSettings)
    """The effective Obsidian settings (``.obsidian/`` with ``[vault]`` keys on top)."""
    _by_name: dict[str, Note] = field(default_factory=dict, repr=False, compare=False)
    _by_id: dict[str, Note] = field(default_factory=dict, repr=False, compare=False)
    _outlines: dict[str, tuple[tuple[tuple[int, str, str], ...], frozenset[str]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _notes: PathIndex[Note] = field(init=False, repr=False, compare=False)
    _files: PathIndex[PurePosixPath] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Every index is built here, once, so that each link costs a few dict probes.
        names: dict[str, Note] = {}
        # After Obsidian's path rules come the fallbacks a vault written for notepress
        # relies on: aliases, then titles; within each kind the first note by path wins.
        for key_of in (_alias_keys, _title_keys):
            for note in self.notes:
                for key in key_of(note):
                    names.setdefault(key, note)
        self._by_name.update(names)
        self._by_id.update({note.note_id: note for note in reversed(self.notes)})
        object.__setattr__(
            self, "_notes", PathIndex(((n.path, n) for n in self.notes), strip_md=True)
        )
        files = sorted(set(self.attachments.values()))
        object.__setattr__(self, "_files", PathIndex(((p, p) for p in files), strip_md=False))

    def resolve(self, target: str, source: Note | None = None) -> Note | None:
        """The note a wikilink target names, from ``source`` (None: from the vault root).

        Obsidian's rules first (:mod:`notepress.resolve`: paths, then the shortest unique
        name), then an alias, then a title.
        """
        return self.find_note(target, source).item

    def find_note(self, target: str, source: Note | None = None) -> Found[Note]:
        """Like :meth:`resolve`, with every note a bare name could mean (to warn about)."""
        found = self._notes.find(target, folder_key(source.path) if source else "")
        if found.item is not None:
            return found
        note = self._by_name.get(lookup_key(target.strip().removesuffix(".md")))
        return Found(note, (note,), 1) if note is not None else Found(None)

    def resolve_link(self, link: Link, source: Note) -> Note | None:
        """The note ``link`` points at; a heading-only link points at its own note."""
        return source if not link.target else self.resolve(link.target, source)

    def resolve_attachment(self, target: str, source: Note | None = None) -> PurePosixPath | None:
        """The vault path of the attachment (any file that is not a note) ``target`` names,
        by the same path rules as notes; the file's extension is part of its name."""
        return self.find_attachment(target, source).item

    def find_attachment(self, target: str, source: Note | None = None) -> Found[PurePosixPath]:
        folder = folder_key(source.path) if source else ""
        found = self._files.find(target, folder)
        if found.item is None and target.strip().lower().endswith(_DRAWING_LINK):
            found = self._files.find(target.strip() + ".md", folder)
        return found

    def anchor_for(self, note: Note, written: str) -> str | None:
        """The local element id a link's ``#...`` part names in ``note``, or None.

        ``^id`` names a block (id ``block-<id>``) the note declares; anything else a
        heading, matched as Obsidian matches it (nested ``A#B``, case, punctuation), else
        a heading written as its slug, as a markdown link ``[x](#slug)`` does.
        """
        written = written.strip()
        headings, block_ids = self._parts(note)
        if written.startswith("^"):
            block = written[1:].strip()
            return f"block-{block}" if block in block_ids else None
        # With the H1 repeating the title, which every output drops (the title stands in
        # its place): a link to it leads to the note's top, and one through it
        # (``Title#Part``) to the part, as Obsidian's do.
        pairs, title_at = with_title_heading(
            [(level, text) for level, text, _ in headings], note.body, note.title
        )
        index = find_heading(pairs, written)
        if index == title_at:
            return ""
        if index is not None:
            return headings[index - (index > title_at)][2]
        return written if any(slug == written for _, _, slug in headings) else None

    def _parts(self, note: Note) -> tuple[tuple[tuple[int, str, str], ...], frozenset[str]]:
        """``note``'s headings and block ids, read from its body now when only its
        frontmatter was read (:attr:`~notepress.model.Note.outlined`): a build without a
        cache reads ahead the notes its notes link to, so this is for the few it cannot
        see coming (a markdown link to a heading)."""
        if note.outlined:
            return note.headings, note.block_ids
        key = note.path.as_posix()
        known = self._outlines.get(key)
        if known is None:
            whole = outline_note(note)
            known = self._outlines[key] = (whole.headings, whole.block_ids)
        return known

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
            replace(note, problems=tuple(_as_error(p, of_note=True) for p in note.problems))
            for note in self.notes
        )
        problems = tuple(_as_error(p) for p in self.problems)
        return Vault(
            self.root,
            notes,
            self.attachments,
            problems,
            warnings_are_errors=True,
            settings=self.settings,
        )

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
        return self.with_notes(notes) if changed else self

    def with_same_faces(self, notes: Sequence[Note]) -> Vault:
        """This vault with ``notes`` in place of its own, each with the :func:`note_face`
        of the note it replaces: every index keeps its keys, so it is copied with the new
        notes in it rather than built again (see :mod:`notepress.refresh`)."""
        swap = {id(old): new for old, new in zip(self.notes, notes, strict=True) if old is not new}
        vault = copy.copy(self)
        object.__setattr__(vault, "notes", tuple(notes))
        object.__setattr__(
            vault, "_by_name", {k: swap.get(id(v), v) for k, v in self._by_name.items()}
        )
        object.__setattr__(vault, "_by_id", {k: swap.get(id(v), v) for k, v in self._by_id.items()})
        object.__setattr__(vault, "_notes", self._notes.swapped(swap))
        return vault

    def with_notes(self, notes: Sequence[Note]) -> Vault:
        """This vault with ``notes`` (the same files, changed: a slug, a problem) in place of
        its own: its indexes copied with the new notes in them when every note keeps what
        they are keyed by (a URL given, a problem added), else built again."""
        if len(notes) == len(self.notes) and all(
            _same_keys(old, new) for old, new in zip(self.notes, notes, strict=True)
        ):
            return self.with_same_faces(notes)
        return replace(self, notes=tuple(notes), _by_name={}, _by_id={}, _outlines={})


#: What a warning says the build does instead, which --strict does not do: cut from the
#: message, so that an error does not promise a fallback that is not taken.
_STRICT_DROPS = {
    "note-id-missing": "; using an id derived from the file path",
    "asset-missing": "; left out",
}


def _as_error(problem: Problem, *, of_note: bool = False) -> Problem:
    """``problem`` as an error; a note's says what --strict does with the note."""
    if not of_note or problem.severity is Severity.ERROR:
        return replace(problem, severity=Severity.ERROR)
    message = problem.message.removesuffix(_STRICT_DROPS.get(problem.code, ""))
    message += " (--strict: a warning is an error, so the note is not published)"
    return replace(problem, severity=Severity.ERROR, message=message)


#: Obsidian links a drawing ``x.excalidraw.md`` as ``[[x.excalidraw]]``.
_DRAWING_LINK = ".excalidraw"


def _same_keys(old: Note, new: Note) -> bool:
    """Whether every index of a vault finds ``new`` where it found ``old``: the same file,
    id, title and aliases, and the same body (which :meth:`Vault._parts` reads)."""
    return old is new or (
        old.path == new.path
        and old.note_id == new.note_id
        and old.title == new.title
        and old.aliases == new.aliases
        and old.body == new.body
        and old.outlined == new.outlined
    )


def _title_keys(note: Note) -> Iterable[str]:
    return (lookup_key(note.title),)


def _alias_keys(note: Note) -> Iterable[str]:
    return (lookup_key(alias) for alias in note.aliases)


def load_vault(
    root: str | os.PathLike[str],
    settings: ParseSettings | None = None,
    *,
    ignore: Sequence[str] = (),
    exclude_dirs: Sequence[Path] = (),
    options: VaultOptions | None = None,
    cache: ParsedNotes | None = None,
    jobs: int | None = None,
) -> Vault:
    """Read every note under ``root``.

    Hidden files and folders (``.obsidian``, ``.trash``, ``.git``), the folders in
    ``exclude_dirs`` (the build output), paths matching the gitignore-style ``ignore``
    patterns or Obsidian's excluded files, and the templates folder are skipped.  Obsidian
    views and drawings (``.base``, ``.canvas``, ``*.excalidraw.md``) are attachments, not
    notes.  Symlinks are followed only while they stay inside the vault.
    Raises :class:`~notepress.errors.VaultError` when ``root`` is not a folder.

    With a ``cache``, a file whose bytes an earlier build parsed with the same settings is
    taken from it; only the others are parsed.
    ``jobs`` caps the processes that parse notes (see :mod:`notepress.workers`).

    The three steps (:func:`survey_vault`, :func:`read_notes`, :func:`check_vault`) are
    public so that a build can keep what the first two found and, next time, read only the
    files that changed (:mod:`notepress.refresh`).
    """
    survey = survey_vault(root, ignore=ignore, exclude_dirs=exclude_dirs, options=options)
    settings = survey.parse_settings(settings or ParseSettings())
    notes, problems = read_notes(survey, settings, cache=cache, jobs=jobs)
    return check_vault(survey, notes, problems, cache=cache)


@dataclass(frozen=True)
class Survey:
    """What a walk of the vault finds before any note is read: which files are notes, the
    attachments, the effective Obsidian settings and the problems of the walk itself."""

    root: Path
    """The vault folder, resolved."""
    settings: ObsidianSettings
    notes: tuple[tuple[str, str], ...]
    """Each note file as (its path, its vault-relative path with ``/``), in path order."""
    attachments: dict[str, PurePosixPath]
    problems: tuple[Problem, ...]

    def parse_settings(self, settings: ParseSettings) -> ParseSettings:
        """``settings`` with what the vault's own files add to them: its TeX macros."""
        if settings.math_macros == self.settings.math_macros:
            return settings
        return replace(settings, math_macros=self.settings.math_macros)


def survey_vault(
    root: str | os.PathLike[str],
    *,
    ignore: Sequence[str] = (),
    exclude_dirs: Sequence[Path] = (),
    options: VaultOptions | None = None,
) -> Survey:
    """Walk ``root`` (see :func:`load_vault` for what is skipped) without reading a note."""
    options = options or VaultOptions()
    root_path = Path(root).resolve()
    if not root_path.is_dir():
        raise VaultError(f"{printable(os.fspath(root))}: vault folder not found")
    obsidian, vault_problems = read_settings(root_path, options)
    patterns = [*ignore, *obsidian.ignore]
    for folder in (obsidian.templates_folder, obsidian.templater_folder):
        if folder in ("", ".") or folder.startswith("../"):
            continue
        found = _folder_as_written(root_path, folder)
        if found is None:
            vault_problems.append(
                Problem(
                    Severity.WARNING,
                    "obsidian-settings",
                    f"the templates folder {folder!r} is not in the vault; a template "
                    "elsewhere is read as a note (set [vault] templates_folder)",
                    folder,
                )
            )
            found = folder
        patterns.append("/" + gitignore_literal(found) + "/")
    spec = _ignore_spec(patterns)
    # A folder is skipped whole only by a pattern that names it: ``drafts/**`` names what is
    # inside (git's reading, which pathspec's folder match does not follow), so that
    # ``!drafts/ready.md`` keeps that note, as git does; it was skipped with the folder.
    inside = [p for p in patterns if p.rstrip().endswith("/**")]
    folder_spec = (
        _ignore_spec([p for p in patterns if p not in inside])
        if inside and any(p.startswith("!") for p in patterns)
        else spec
    )
    excluded = {Path(d).resolve() for d in exclude_dirs}
    notes: list[tuple[str, str]] = []
    attachments: dict[str, PurePosixPath] = {}

    def skipped(rel: str, folder: bool) -> bool:
        """Whether the settings keep the vault path ``rel`` out of the vault (the excluded
        files' regexes are matched against files alone, as they always were).

        Both sides composed (NFC): a name macOS stored decomposed (``Prive\u0301``) was not
        matched by the same name typed in the config, and its notes were published.
        """
        if not rel.isascii():
            rel = unicodedata.normalize("NFC", rel)
        matcher = folder_spec if folder else spec
        if matcher is not None and matcher.match_file(rel + ("/" if folder else "")):
            return True
        return (
            not folder and bool(obsidian.ignore_regexes) and obsidian.excludes(PurePosixPath(rel))
        )

    for path, rel in _walk(root_path, skipped, excluded, vault_problems):
        lower = rel.lower()
        if lower.endswith(".md") and not lower.endswith(".excalidraw.md"):
            notes.append((path, rel))
        else:
            posix = PurePosixPath(rel)
            attachments.setdefault(lookup_key(rel), posix)
            attachments.setdefault(lookup_key(posix.name), posix)
    return Survey(root_path, obsidian, tuple(notes), attachments, tuple(vault_problems))


def _folder_as_written(root: Path, folder: str) -> str | None:
    """``folder`` (a vault path) as the vault's own folders spell it, case and Unicode
    composition aside, as Obsidian finds it on a file system that ignores case; None when
    there is none."""
    current, parts = root, []
    for part in folder.split("/"):
        if (current / part).is_dir():
            name = part
        else:
            try:
                names = [e.name for e in os.scandir(current) if e.is_dir()]
            except OSError:
                return None
            # Case aside and composed alike (macOS stores "Modèles" decomposed).
            wanted = unicodedata.normalize("NFC", part).casefold()
            matches = sorted(
                n for n in names if unicodedata.normalize("NFC", n).casefold() == wanted
            )
            if not matches:
                return None
            name = matches[0]
        parts.append(name)
        current = current / name
    return "/".join(parts)


def read_notes(
    survey: Survey,
    settings: ParseSettings,
    *,
    cache: ParsedNotes | None = None,
    jobs: int | None = None,
    read_bodies: bool = True,
    git_commit: str | None = None,
) -> tuple[list[Note], tuple[Problem, ...]]:
    """The notes ``survey`` found, read and parsed (the cache's first), dated by git when
    ``settings`` say so (from ``git_commit``, else the commit HEAD names), with shared
    note_ids marked; and the vault's problems: the survey's, then each file that could not
    be read (left out) or dated.

    ``read_bodies=False`` reads each note's frontmatter alone (see
    :func:`~notepress.parse.parse_note`); it takes no ``cache``.
    """
    if cache is not None and not read_bodies:
        raise ValueError("a cache keeps whole notes: read_bodies=False takes none")
    notes, lost = parse_notes(survey, settings, cache=cache, jobs=jobs, read_bodies=read_bodies)
    if settings.date_from_git:
        notes = apply_git_dates(survey.root, notes, lost, commit=git_commit)
    return _mark_duplicate_ids(notes), tuple(lost)


def parse_notes(
    survey: Survey,
    settings: ParseSettings,
    *,
    cache: ParsedNotes | None = None,
    jobs: int | None = None,
    read_bodies: bool = True,
) -> tuple[list[Note], list[Problem]]:
    """The notes ``survey`` found, each read and parsed alone (the cache's first), and the
    survey's problems followed by each file that could not be read (left out)."""
    found: list[Note | tuple[PurePosixPath, bytes, int, int]] = []
    lost = list(survey.problems)
    for path, name in survey.notes:
        try:
            with open(path, "rb") as file:
                raw = file.read()
            info = os.stat(path)
        except OSError as exc:
            lost.append(Problem(Severity.ERROR, "unreadable", f"cannot read: {exc.strerror}", name))
            continue
        rel = PurePosixPath(name)
        cached = cache.parsed_note(rel, info.st_size, info.st_mtime_ns, raw) if cache else None
        found.append(cached or (rel, raw, info.st_size, info.st_mtime_ns))
    return _parse_missing(found, settings, cache, jobs, read_bodies), lost


def check_vault(
    survey: Survey,
    notes: Sequence[Note],
    problems: Sequence[Problem],
    *,
    cache: ParsedNotes | None = None,
    faces: Sequence[bytes] | None = None,
) -> Vault:
    """The vault of ``notes`` with the load-time checks' problems added to each note.

    ``faces`` are the notes' :func:`face_digest` when the caller has them.
    """
    vault = Vault(
        survey.root, tuple(notes), survey.attachments, tuple(problems), settings=survey.settings
    )
    shape = vault_shape(vault, faces) if cache is not None else None
    memo = _check_memo(cache, vault, shape) if cache is not None else None
    return check_references(check_embeds(_check_links(vault, memo)), memo)


def check_outlined(vault: Vault) -> Vault:
    """``vault`` with the problems :func:`check_vault` adds to each note whose body was
    read (:attr:`~notepress.model.Note.outlined`), in its order; the others have no links
    to check, and their text is not published by the build that left them unread."""
    embeds = embed_problems(vault)
    notes = [
        check_note(vault, note, embeds=embeds) if note.outlined else note for note in vault.notes
    ]
    if all(new is old for new, old in zip(notes, vault.notes, strict=True)):
        return vault
    return vault.with_notes(notes)


def vault_shape(vault: Vault, faces: Iterable[bytes] | None = None) -> str:
    """A digest of everything a link, embed, id or file lookup in ``vault`` is answered
    from (see :mod:`notepress.cache.shape`); equal shapes give equal answers.

    Made of a digest per note (:func:`face_digest`), which ``faces`` gives when the caller
    has them: after an edit the shape of 10,000 notes is made again from the kept digests of
    the notes that did not change, not from the notes.
    """
    digest = hashlib.sha256()
    for face in faces if faces is not None else map(face_digest, vault.notes):
        digest.update(face)
    files = sorted(path.as_posix() for path in set(vault.attachments.values()))
    rest = [files, sorted(vault.attachments), repr(vault.settings), vault.warnings_are_errors]
    digest.update(json_bytes(rest))
    return digest.hexdigest()


def face_digest(note: Note, embeds_of: Note | None = None) -> bytes:
    """What other notes read of ``note`` (:func:`note_face`) and what it embeds (or
    ``embeds_of`` embeds), as one digest of a fixed length: a note's part of the vault's
    shape, and what the kept vault compares after an edit (:mod:`notepress.refresh`)."""
    digest = hashlib.blake2b(note_face(note), digest_size=16)
    links = (embeds_of or note).links
    embeds = [[link.target, link.heading] for link in links if link.embed]
    digest.update(json_bytes(embeds))
    return digest.digest()


def note_face(note: Note) -> bytes:
    """What a lookup from another note may read of ``note``: one line of the shape."""
    face = [
        note.path.as_posix(),
        note.note_id,
        note.title,
        note.draft,
        note.has_errors,
        note.drawing,  # a link to a drawing is warned of, to another draft not
        note.slug,
        # Sorts notes, and decides which of two on one URL keeps it (the older).
        note.created.isoformat() if note.created else None,
        list(note.aliases),
        [list(heading) for heading in note.headings],
        sorted(note.block_ids),
    ]
    return json_bytes(face)


CheckMemo = Callable[
    [str, Callable[[Note], Sequence[Problem]]], Callable[[Note], Sequence[Problem]]
]
"""Wraps a per-note check (named by a kind) so that its results are reused; see
:func:`_check_memo`."""


def _check_memo(cache: ParsedNotes, vault: Vault, shape: str | None = None) -> CheckMemo:
    """Per-note results of the load-time checks, reused while the note and the vault's shape
    are unchanged.

    A check reads the note (its links, its text, its frontmatter) and asks the vault which
    note or file a name means and which headings and blocks a note has: all of that is the
    shape.  So after one edit, only the edited note is checked again, unless the edit
    changed a title, a heading, a block id or the files, which changes the shape and every
    note is checked.  A result that depends on the machine's speed is never kept.
    """
    context = shape or vault_shape(vault)

    def memo(
        kind: str, find: Callable[[Note], Sequence[Problem]]
    ) -> Callable[[Note], Sequence[Problem]]:
        def cached(note: Note) -> Sequence[Problem]:
            path = note.path.as_posix()
            key = _check_key(context, kind, note)
            found = cache.checked(kind, path, key)
            if found is None:
                found = list(find(note))
                if not any(problem.code == "note-too-slow" for problem in found):
                    cache.remember_checked(kind, path, key, found)
            return found

        return cached

    return memo


def _check_key(context: str, kind: str, note: Note) -> str:
    """The check's inputs from ``note``: everything it may read, and the vault's shape."""
    face = [
        context,
        kind,
        note.path.as_posix(),
        note.note_id,
        note.body_line,
        [[x.target, x.heading, x.alias, x.embed, x.line] for x in note.links],
        repr(sorted(note.extra.items())),
    ]
    digest = hashlib.blake2b(digest_size=20)
    digest.update(repr(face).encode("utf-8", "surrogatepass"))
    digest.update(b"\0")
    digest.update(note.body.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _parse_missing(
    found: Sequence[Note | tuple[PurePosixPath, bytes, int, int]],
    settings: ParseSettings,
    cache: ParsedNotes | None,
    jobs: int | None,
    read_bodies: bool = True,
) -> list[Note]:
    """Every note in walk order: those the cache had, the others parsed now (on a process
    pool when they are many, see :func:`~notepress.workers.parse_files`)."""
    missing = [item for item in found if not isinstance(item, Note)]
    items = [(rel, raw) for rel, raw, _size, _mtime in missing]
    parsed = iter(parse_files(items, settings, jobs=jobs, read_body=read_bodies))
    notes = []
    for item in found:
        if isinstance(item, Note):
            notes.append(item)
            continue
        rel, raw, size, mtime_ns = item
        note = next(parsed)
        if cache is not None:
            cache.remember_parsed(rel, size, mtime_ns, raw, note)
        notes.append(note)
    return notes


def _ignore_spec(patterns: Sequence[str]) -> GitIgnoreSpec | None:
    """The matcher of ``patterns``, or None for none: pathspec is imported only for a vault
    that skips something, not before every build of one that does not."""
    if not patterns:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(
        [unicodedata.normalize("NFC", pattern) for pattern in patterns]
    )


def _walk(
    root: Path,
    skipped: Callable[[str, bool], bool],
    excluded: set[Path],
    problems: list[Problem],
) -> Iterator[tuple[str, str]]:
    """Files of the vault in sorted order, as (path, vault-relative path with ``/``), but
    for those ``skipped`` (a vault path, and whether it is a folder) keeps out.

    Plain strings: a vault of 10,000 notes is walked before every build, and two path
    objects per file cost more than the walk itself.
    """
    seen_dirs: set[Path] = set()
    reported: set[str] = set()
    start = len(os.path.join(str(root), ""))

    def visit(folder: Path, marked: str | None = None) -> Iterator[tuple[str, str]]:
        real = folder.resolve()
        if real in excluded and real != root and real not in seen_dirs:
            seen_dirs.add(real)
            problems.extend(_unread_in_output(folder, root))
        if real in seen_dirs or real in excluded:
            return
        if real != root and (folder / MANIFEST).is_file():
            if is_target_folder(folder):
                return  # a target folder an earlier build wrote, wherever the config put it
            # A file of that name that no build wrote hides nothing.
            where = folder.relative_to(root).as_posix()
            problems.append(
                Problem(
                    Severity.WARNING,
                    "output-marker",
                    f"this folder holds a {MANIFEST} that no build wrote (it cannot be read, "
                    "or the folder holds notes, which no build writes); its notes are read: "
                    "delete the file",
                    where,
                )
            )
        if (folder / OUTPUT_MARKER).exists():
            # Output folders hold target folders, skipped above; notes found below a marker
            # are still read (a marker must never hide notes) and the marker is reported.
            marked = folder.relative_to(root).as_posix() or "."
        seen_dirs.add(real)
        # Below a linked folder, an entry is reached under the link's name: the settings are
        # matched against its own path too, or ``ignore = ["journal/private/"]`` would not
        # keep out ``Daily/private/`` when ``Daily`` links to ``journal``.
        here = folder.relative_to(root).as_posix()
        own = real.relative_to(root).as_posix() if real.is_relative_to(root) else here
        linked = own != here
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
            rel = entry.path[start:]
            if os.sep != "/":
                rel = rel.replace(os.sep, "/")
            if not _decodable(entry.name):
                problems.append(_undecodable_name(entry, PurePosixPath(rel)))
                continue
            if entry.is_symlink():
                target = _symlink_target(Path(entry.path), rel, problems)
                if target is None:
                    continue
                if not target.is_relative_to(root):
                    problems.append(
                        Problem(
                            Severity.WARNING,
                            "symlink-outside",
                            "symlink leads outside the vault; not followed",
                            rel,
                        )
                    )
                    continue
                if any(part.startswith(".") for part in target.relative_to(root).parts):
                    problems.append(
                        Problem(
                            Severity.WARNING,
                            "symlink-hidden",
                            "symlink leads into a hidden folder, which is never read; not followed",
                            rel,
                        )
                    )
                    continue
                folder_link = target.is_dir()
                if skipped(target.relative_to(root).as_posix(), folder_link):
                    # Followed, it would publish what ignore, a templates folder or the
                    # excluded files keep out, under a second name; left out silently, the
                    # writer would wonder where the note went.
                    what = "into a folder" if folder_link else "to a file"
                    problems.append(
                        Problem(
                            Severity.WARNING,
                            "symlink-skipped",
                            f"symlink leads {what} the vault's settings skip (ignore, "
                            "the templates folder, excluded files); not followed",
                            rel,
                        )
                    )
                    continue
                if not folder_link:
                    # A second name for a file of the vault, which is read under its own name.
                    continue
            is_dir = entry.is_dir()
            if skipped(rel, is_dir):
                continue
            if linked and skipped(own_rel := f"{own}/{entry.name}".removeprefix("./"), is_dir):
                problems.append(
                    Problem(
                        Severity.WARNING,
                        "symlink-skipped",
                        f"reached through a symlinked folder, this is {own_rel}, which the "
                        "vault's settings skip (ignore, the templates folder, excluded "
                        "files); not read under a second name",
                        rel,
                    )
                )
                continue
            if is_dir:
                yield from visit(Path(entry.path), marked)
            elif entry.is_file():
                if marked is not None and marked not in reported and rel.lower().endswith(".md"):
                    reported.add(marked)
                    problems.append(_marker_problem(marked))
                yield entry.path, rel

    yield from visit(root)


def _unread_in_output(folder: Path, root: Path) -> list[Problem]:
    """A warning naming what an output folder inside the vault holds that no build wrote.

    The folder is never read (the next build would publish the last one's files), so a
    picture kept there is "not found" by every note that shows it: the warning says why.
    """
    try:
        names = sorted(
            entry.name
            for entry in os.scandir(folder)
            if not entry.name.startswith(".")
            and not (entry.is_dir() and os.path.isfile(os.path.join(entry.path, MANIFEST)))
        )
    except OSError:
        return []
    if not names:
        return []
    where = folder.relative_to(root).as_posix()
    shown = ", ".join(printable(name) for name in names[:3]) + (", ..." if len(names) > 3 else "")
    return [
        Problem(
            Severity.WARNING,
            "output-holds-files",
            f"the output folder holds files no build wrote ({shown}); notepress never reads "
            "its output folder, so notes and attachments there are not published: move them "
            "out, or write the output outside the vault",
            where,
        )
    ]


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


def _symlink_target(path: Path, rel: str, problems: list[Problem]) -> Path | None:
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
    problems.append(Problem(Severity.WARNING, code, message, rel))
    return None


def _marker_problem(folder: str) -> Problem:
    """Notes below an output marker: a build once wrote into a notes folder."""
    message = (
        f"this folder holds notes but is marked as build output by {OUTPUT_MARKER}; "
        "its notes are read: delete the marker"
    )
    return Problem(Severity.WARNING, "output-marker", message, folder)


def _mark_duplicate_ids(notes: list[Note]) -> list[Note]:
    """An error on every note sharing a note_id (see :func:`_duplicate_id`)."""
    holders = IdHolders(notes)
    return [holders.mark(note) for note in notes]


def _duplicate_id(note: Note, group: Sequence[Note]) -> Problem | None:
    """The error of ``note`` when others of ``group`` (all holders of its note_id, in path
    order) share its id, naming one other holder and a count.

    Naming them all would make the report grow with the square of their number.
    """
    if len(group) < 2:
        return None
    other = group[1] if group[0].path == note.path else group[0]
    rest = len(group) - 2
    more = f" and {rest} other note{'s' if rest > 1 else ''}" if rest else ""
    return Problem(
        Severity.ERROR,
        "note-id-duplicate",
        f"note_id {note.note_id} is also used by {other.path.as_posix()}{more}",
        note.path.as_posix(),
        note.field_lines.get("note_id"),
    )


class IdHolders:
    """Which notes hold each note_id, in path order: built once over a vault's notes, so that
    marking the notes read again after an edit costs a dict probe each, not a walk over
    every note (a ``git pull`` may change thousands of them)."""

    def __init__(self, notes: Iterable[Note]) -> None:
        self._holders: dict[str, list[Note]] = defaultdict(list)
        for note in notes:
            self._holders[note.note_id].append(note)

    def count(self, note_id: str) -> int:
        """How many notes hold ``note_id``."""
        return len(self._holders.get(note_id, ()))

    def mark(self, note: Note) -> Note:
        """``note`` as :func:`read_notes` leaves it among the notes: with an error when
        another note holds its note_id.  Only paths of the holders are read, so ``note``
        may be a newer reading of one of them."""
        # ``_duplicate_id`` names the first other holder in path order and counts them, so
        # ``note`` may lead the group.
        holders = self._holders.get(note.note_id, ())
        others = [other for other in holders if other.path != note.path]
        problem = _duplicate_id(note, [note, *others])
        return note if problem is None else replace(note, problems=(*note.problems, problem))


def check_note(
    vault: Vault,
    note: Note,
    *,
    cache: ParsedNotes | None = None,
    shape: str | None = None,
    embeds: Callable[[Note], list[Problem]] | Literal["find"] | None = "find",
) -> Note:
    """``note`` (one of ``vault``'s, as :func:`read_notes` left it) with the problems
    :func:`check_vault` adds to it, in their order.

    For a vault loaded earlier with this file changed: the other notes' problems do not
    depend on it as long as what they can read of it (its :func:`note_face`) is the same.
    ``embeds`` is :func:`embed_problems` of ``vault`` when the caller checks several notes
    (it walks every note's embeds).
    """
    memo = _check_memo(cache, vault, shape) if cache is not None else None

    def links(item: Note) -> list[Problem]:
        return list(_link_problems(vault, item))

    def references(item: Note) -> list[Problem]:
        return reference_problems(item, vault)

    found = list((memo("links", links) if memo is not None else links)(note))
    if embeds == "find":
        embeds = embed_problems(vault)
    if embeds is not None:
        found += embeds(note)
    found += (memo("references", references) if memo is not None else references)(note)
    return replace(note, problems=(*note.problems, *found)) if found else note


def _template_names(root: Path, folder: str) -> frozenset[str]:
    """The lookup keys of the notes' names in the templates folder, which a link that finds
    nothing may mean (named in its warning only then: said of every such link, the hint
    was noise).  Read once per folder as it is now."""
    top = root / folder
    try:
        stamp = top.stat().st_mtime_ns
    except OSError:
        return frozenset()
    return _template_names_at(top, stamp)


@functools.lru_cache(maxsize=8)
def _template_names_at(top: Path, stamp: int) -> frozenset[str]:
    del stamp  # part of the key: the folder as it was when read
    return frozenset(
        lookup_key(name.removesuffix(".md"))
        for _, _, files in os.walk(top)
        for name in files
        if name.lower().endswith(".md")
    )


def _check_links(vault: Vault, memo: CheckMemo | None = None) -> Vault:
    """Warn, with file and line, about wikilinks and embeds that lead nowhere or are
    ambiguous, and about headings and blocks a target does not have.

    Found here, at load, so that ``check`` reports them before any exporter runs; the rest
    of the vault is unaffected.
    """

    def find(note: Note) -> list[Problem]:
        return list(_link_problems(vault, note))

    return vault.with_note_problems(memo("links", find) if memo is not None else find)


def _link_problems(vault: Vault, note: Note) -> Iterator[Problem]:
    where = note.path.as_posix()
    for link in note.links:
        if not link.target:
            target: Note | None = note
        else:
            found = vault.find_note(link.target, note)
            target = found.item
            if found.ambiguous:
                yield _ambiguous(link, found, where)
            if target is None:
                attachment = vault.find_attachment(link.target, note)
                if attachment.ambiguous:
                    yield _ambiguous(link, attachment, where)
                if attachment.item is None:
                    yield _missing(link, where, vault)
                elif (kind := view_kind(attachment.item)) is not None:
                    yield _view(link, attachment.item, kind, where)
                continue
        if target is not None and target is not note and target.drawing:
            # A drawing by its frontmatter, kept private: told as one named *.excalidraw.md.
            yield _view(link, target.path, "Excalidraw drawing", where)
            continue
        if target is not None and link.heading:
            yield from _anchor_problems(vault, target, link, where)


def _missing(link: Link, where: str, vault: Vault) -> Problem:
    # Obsidian opens a link to a file of its excluded folders; notepress never reads them,
    # which a writer who sees the link work in Obsidian must be told.
    settings = vault.settings
    excluded = (
        f"; files matching {settings.excluded_by} are not read, if it is one of them"
        if settings.excluded_by
        else ""
    )
    folder = settings.templates_folder
    name = lookup_key(PurePosixPath(link.target).name.removesuffix(".md"))
    if folder and name in _template_names(vault.root, folder):
        excluded += f"; a note of that name is in the templates folder {folder}/, never read"
    if link.embed:
        return Problem(
            Severity.WARNING,
            "embed-missing",
            f"embedded file not found: {link.target}{excluded}",
            where,
            link.line,
        )
    return Problem(
        Severity.WARNING,
        "link-unresolved",
        f"no note or file is called {link.target!r}{excluded}",
        where,
        link.line,
    )


def _view(link: Link, path: PurePosixPath, kind: str, where: str) -> Problem:
    what = "embed" if link.embed else "link"
    return Problem(
        Severity.WARNING,
        "view-not-published",
        f"{path.as_posix()} is an Obsidian {kind}, which only Obsidian can draw and no output "
        f"publishes: the {what} is written as its text",
        where,
        link.line,
    )


def _ambiguous(link: Link, found: Found[Note] | Found[PurePosixPath], where: str) -> Problem:
    paths = [c.path if isinstance(c, Note) else c for c in found.candidates]
    rest = found.count - 2
    more = f" and {rest} more" if rest > 0 else ""
    return Problem(
        Severity.WARNING,
        "link-ambiguous",
        f"{link.target!r} could mean {paths[0].as_posix()} or {paths[1].as_posix()}{more}; "
        f"linked to {paths[0].as_posix()} as Obsidian does: write its path to choose",
        where,
        link.line,
    )


def _anchor_problems(vault: Vault, target: Note, link: Link, where: str) -> Iterator[Problem]:
    heading = link.heading or ""
    if vault.anchor_for(target, heading) is not None:
        return
    code, message = anchor_missing(target.path.as_posix(), heading, embed=link.embed)
    yield Problem(Severity.WARNING, code, message, where, link.line)
