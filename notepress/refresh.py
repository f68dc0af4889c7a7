"""Load a vault again after an edit, reading only the notes whose files changed.

A build keeps the vault it loaded (:mod:`notepress.cache.snapshot`).  The next load walks
the vault without reading a note, compares each note file's size and times (modification
and change, see :data:`Stamp`) with the snapshot's, and reads only the files that differ,
as Sphinx does with the environment it keeps between builds.  Each such note goes through
the steps a full load takes (:class:`~notepress.vault.IdHolders`,
:func:`~notepress.vault.check_note`, :class:`~notepress.collisions.UrlClaims`) against the
rest of the vault as it was.

Taking the other notes as they were is right only while nothing they read of a changed
note has changed: its face (path, id, title, aliases, headings, block ids, dates, draft,
errors), what it embeds, whether it is published and its URL.  When that holds for every
changed note the result equals a full load.  Headings and block ids are read only by the
links that find the note, so when they changed, the notes with such a link are checked
again too (while they are few: 1 % of the vault, at least 50); what a note embeds is read
only through the loops of embeds, so a note on none, before and after, may change its
embeds, while the notes that did not change stay on the loops they were on (an embed moved
under another heading makes or breaks a loop of sections); whether a note is published
(its draft flag, its own errors) is read only by the URL claims, so it may change while no
other note claims the URL it claims or claimed.
When anything else changed, or a note was added, removed or renamed, or an attachment, a
setting or a problem of the walk changed, the load is a full one.  A file whose time is
too close to the moment it was listed may change again within the same tick of the
clock, so such a file is always read (git does the same).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from .cache.snapshot import Snapshot
from .collisions import UrlClaims, claim_keys
from .config import Site, VaultOptions
from .embeds import embed_problems
from .gitdates import apply_git_dates
from .links import markdown_linkers
from .model import Note, Problem, Severity
from .parse import ParseSettings
from .slugs import lookup_key
from .vault import (
    IdHolders,
    ParsedNotes,
    Survey,
    Vault,
    check_note,
    face_digest,
    parse_notes,
    vault_shape,
)

__all__ = [
    "FileStats",
    "Listing",
    "Refreshed",
    "Stamp",
    "list_notes",
    "must_renew",
    "refresh_vault",
    "renewed_snapshot",
    "snapshot_key",
    "take_snapshot",
]

#: A file changed within this long before it was listed may change again unseen.
RACY_NS = 2_000_000_000


Stamp = tuple[int, int, int]
"""A file's size, modification time and change time (ns): the change time catches an edit
that keeps the size and puts the modification time back (``touch -r``), as git's does."""


@dataclass(frozen=True)
class Listing:
    """Each note file's size and time (None: it could not be read), listed before any is
    read, so that a file changed while the build runs is read again next time."""

    taken_ns: int
    stats: tuple[Stamp | None, ...]


FileStats = tuple[int, Mapping[str, Stamp]]
"""(when they were taken, in ``time.time_ns()``; vault-relative path to :data:`Stamp`)
of files a caller listed before anything was read."""


def list_notes(survey: Survey, listed: FileStats | None = None) -> Listing:
    """Each note's size and time; those ``listed`` has are taken from it (a note reached
    through a linked folder is not listed there), which spares a build 10,000 ``stat``
    calls when the CLI has just listed the vault to see whether anything changed."""
    taken = time.time_ns()
    known: Mapping[str, Stamp] = {}
    if listed is not None:
        taken, known = min(taken, listed[0]), listed[1]
    stats: list[Stamp | None] = []
    for path, rel in survey.notes:
        stat = known.get(rel)
        if stat is None:
            try:
                info = os.stat(path)
            except OSError:
                stats.append(None)
                continue
            stat = (info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        stats.append(stat)
    return Listing(taken, tuple(stats))


def snapshot_key(root: object, settings: ParseSettings, *parts: object) -> str:
    """What a load depends on besides its files: the vault folder, the settings that read a
    note, and ``parts`` (the config's ignore list, vault options, site, skipped folders)."""
    text = repr([str(root), repr(settings), *(repr(part) for part in parts)])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def take_snapshot(
    key: str,
    survey: Survey,
    listing: Listing,
    unchecked: Sequence[Note],
    faces: Sequence[bytes],
    vault: Vault,
    checked: tuple[str, Sequence[bytes]],
) -> Snapshot | None:
    """The snapshot of ``vault``, loaded from ``survey`` (each note as read in
    ``unchecked``, with its :func:`~notepress.vault.face_digest` in ``faces``; its own
    shape and digests in ``checked``, which the target cache computes anyway); None when
    the load depended on more than its files (a file that could not be read, a note over
    its time budget)."""
    if (
        len(unchecked) != len(survey.notes)
        or len(vault.notes) != len(survey.notes)
        or vault.problems != survey.problems
        or any(
            note.path.as_posix() != rel or final.path != note.path
            for (_, rel), note, final in zip(survey.notes, unchecked, vault.notes, strict=True)
        )
        or any(p.code == "note-too-slow" for note in vault.notes for p in note.problems)
    ):
        return None
    checked_shape, checked_faces = checked
    return Snapshot(
        key=key,
        files=_files(survey, listing),
        attachments=dict(survey.attachments),
        problems=survey.problems,
        settings=repr(survey.settings),
        shape=vault_shape(vault, faces),
        checked_shape=checked_shape,
        notes=vault.notes,
        faces=tuple(faces),
        checked_faces=tuple(checked_faces),
    )


def renewed_snapshot(
    snapshot: Snapshot, survey: Survey, listing: Listing, refreshed: Refreshed
) -> Snapshot:
    """``snapshot`` brought up to the vault :func:`refresh_vault` made from it.

    Its ``changed`` notes, those that differ from the snapshot's large file, are written
    alone while they are few (see :func:`must_renew`); past that, the whole vault is.
    """
    notes = refreshed.vault.notes
    changed = set(snapshot.changed)
    pairs = enumerate(zip(snapshot.notes, notes, strict=True))
    changed.update(index for index, (old, new) in pairs if old is not new)
    whole = must_renew(snapshot, len(changed))
    return replace(
        snapshot,
        files=_files(survey, listing),
        notes=notes,
        fingerprints=() if whole else snapshot.fingerprints,
        faces=refreshed.faces,
        shape=refreshed.shape,
        checked_faces=refreshed.checked_faces,
        checked_shape=refreshed.checked_shape,
        changed=frozenset() if whole else frozenset(changed),
    )


def must_renew(snapshot: Snapshot, changed: int) -> bool:
    """Whether to write the whole snapshot again rather than its ``changed`` notes alone:
    past 1 % of the notes, each build would read more of them than the large file's
    writing costs once."""
    return changed > _few(snapshot)


def _few(snapshot: Snapshot) -> int:
    """How many notes a refresh may read before a full load (or a new snapshot) pays."""
    return max(50, len(snapshot.notes) // 100)


def _files(survey: Survey, listing: Listing) -> dict[str, Stamp | None]:
    racy = listing.taken_ns - RACY_NS
    return {
        rel: stat if stat is not None and stat[1] < racy else None
        for (_, rel), stat in zip(survey.notes, listing.stats, strict=True)
    }


@dataclass(frozen=True)
class Refreshed:
    """What :func:`refresh_vault` made of a snapshot."""

    vault: Vault
    changed: list[Note]
    """The notes read again: those whose files changed, and the notes that link to one
    whose headings or block ids changed."""
    faces: tuple[bytes, ...]
    """Each note's :func:`~notepress.vault.face_digest` before its checks, for the next
    snapshot."""
    shape: str
    """:func:`vault_shape` of the vault before its checks."""
    checked_faces: tuple[bytes, ...]
    """Per note of ``vault``, its :func:`~notepress.vault.face_digest`."""
    checked_shape: str
    """:func:`vault_shape` of ``vault``, made from ``checked_faces``."""


def refresh_vault(
    snapshot: Snapshot,
    survey: Survey,
    listing: Listing,
    settings: ParseSettings,
    site: Site,
    options: VaultOptions,
    cache: ParsedNotes | None = None,
    *,
    git: str | None = None,
) -> Refreshed | None:
    """The vault of ``survey`` from ``snapshot`` and the notes whose files changed (see the
    module's docstring); None when a full load is needed.  ``git``: the commit the snapshot
    was dated from (its key names it), from which the notes read again are dated too."""
    if (
        len(survey.notes) != len(snapshot.notes)
        or list(snapshot.files) != [rel for _, rel in survey.notes]
        or survey.attachments != snapshot.attachments
        or survey.problems != snapshot.problems
        or repr(survey.settings) != snapshot.settings
    ):
        return None
    changed: list[int] = []
    kept = snapshot.files.values()
    for index, (stat, known) in enumerate(zip(listing.stats, kept, strict=True)):
        if stat is None or stat != known:
            changed.append(index)
    base = _vault(survey, snapshot.notes)
    if not changed:
        return Refreshed(
            base,
            [],
            snapshot.faces,
            snapshot.shape,
            checked_faces=snapshot.checked_faces,
            checked_shape=snapshot.checked_shape,
        )
    notes = list(snapshot.notes)
    if not _read(changed, notes, survey, settings, cache, git):
        return None
    faces = list(snapshot.faces)
    reshaped: list[int] = []
    re_embedded: list[int] = []
    restated: list[int] = []
    holders = IdHolders(notes)
    for index in changed:
        marked = holders.mark(notes[index])
        faces[index] = face_digest(marked)
        if faces[index] != snapshot.faces[index]:
            differs = _what_differs(marked, snapshot.notes[index], snapshot.faces[index])
            if differs is None:
                return None
            for kind, indexes in (("parts", reshaped), ("embeds", re_embedded)):
                if kind in differs:
                    indexes.append(index)
            if "state" in differs:
                restated.append(index)
        notes[index] = marked
    shape = snapshot.shape
    if reshaped:
        # The notes that link to a note whose headings or block ids changed are checked
        # again: what their links find in it is all the change can alter.
        readers = _readers(base, [snapshot.notes[i] for i in reshaped], set(changed))
        if len(changed) + len(readers) > _few(snapshot):
            return None
        if not _read(readers, notes, survey, settings, cache, git):
            return None
        holders = IdHolders(notes)
        for index in readers:
            notes[index] = holders.mark(notes[index])
            if face_digest(notes[index]) != snapshot.faces[index]:
                return None  # changed since it was listed
        changed = sorted([*changed, *readers])
    unchecked = base.with_same_faces(notes)
    if reshaped or restated:
        shape = vault_shape(unchecked, faces)
    loops = embed_problems(unchecked)  # the whole vault's graph: once for every note
    if not _loops_unchanged(unchecked.notes, set(changed), loops):
        return None
    checked = {
        index: check_note(unchecked, notes[index], cache=cache, shape=shape, embeds=loops)
        for index in changed
    }
    finals = UrlClaims(notes, site, changed).assign(checked, options)
    for index in changed:
        final = finals[index]
        before = snapshot.notes[index]
        if final.slug != before.slug or (
            index not in restated
            and (final.published, final.has_errors) != (before.published, before.has_errors)
        ):
            return None
        notes[index] = final
    if not all(_off_every_cycle(holders, snapshot.notes[i], notes[i]) for i in re_embedded):
        return None
    republished = [i for i in changed if notes[i].published != snapshot.notes[i].published]
    if republished and not _claims_alone(notes, snapshot.notes, republished, site):
        return None
    vault = unchecked.with_same_faces(notes)
    checked_faces = list(snapshot.checked_faces)
    for index in changed:
        checked_faces[index] = face_digest(notes[index])
    checked_shape = snapshot.checked_shape
    if any(checked_faces[i] != snapshot.checked_faces[i] for i in changed):
        checked_shape = vault_shape(vault, checked_faces)
    return Refreshed(
        vault,
        [notes[i] for i in changed],
        tuple(faces),
        shape,
        checked_faces=tuple(checked_faces),
        checked_shape=checked_shape,
    )


def _claims_alone(
    notes: Sequence[Note], earlier: Sequence[Note], changed: Sequence[int], site: Site
) -> bool:
    """Whether no other note claims a URL that a note published or withdrawn (at one of
    ``changed``, as it is in ``notes`` and was in ``earlier``) claims or claimed: then its
    claim decides no other note's URL (see :mod:`notepress.collisions`)."""
    keys: set[str] = set()
    for index in changed:
        keys |= claim_keys(notes[index], site) | claim_keys(earlier[index], site)
    if not keys:
        return True
    skip = set(changed)
    return not any(
        claim_keys(note, site) & keys for index, note in enumerate(notes) if index not in skip
    )


def _read(
    indexes: Sequence[int],
    notes: list[Note],
    survey: Survey,
    settings: ParseSettings,
    cache: ParsedNotes | None,
    git: str | None = None,
) -> bool:
    """Put the notes at ``indexes``, read again, into ``notes`` (dated from the commit
    ``git`` when the vault is dated by git); False when a file can no longer be read or
    dated (the full load reports it)."""
    files = tuple(survey.notes[i] for i in indexes)
    read, problems = parse_notes(replace(survey, notes=files, problems=()), settings, cache=cache)
    if settings.date_from_git and not problems:
        if git is None:
            return False
        paths = [rel for _, rel in files]
        read = apply_git_dates(survey.root, read, problems, commit=git, paths=paths)
    if problems or len(read) != len(indexes):
        return False
    for index, note in zip(indexes, read, strict=True):
        notes[index] = note
    return True


def _what_differs(note: Note, before: Note, known: bytes) -> set[str] | None:
    """What of ``note``'s face differs from ``before`` (the same note as the snapshot holds
    it, whose face was ``known``): ``parts`` (headings, block ids), ``embeds``, ``state``
    (draft flag, errors of its own); None when anything else does.

    ``before`` was checked since, so whether the note itself had errors is found by trying
    both answers."""
    for errors in (note.has_errors, not note.has_errors):
        same = replace(
            note,
            draft=before.draft,
            headings=before.headings,
            block_ids=before.block_ids,
            problems=_AN_ERROR if errors else (),
        )
        if face_digest(same, embeds_of=before) != known:
            continue
        differs = set()
        if (note.headings, note.block_ids) != (before.headings, before.block_ids):
            differs.add("parts")
        if _embeds(note) != _embeds(before):
            differs.add("embeds")
        if (note.draft, note.has_errors) != (before.draft, errors):
            differs.add("state")
        return differs
    return None


def _loops_unchanged(
    notes: Sequence[Note], changed: set[int], loops: Callable[[Note], list[Problem]] | None
) -> bool:
    """Whether every note not read again is on the loops of embeds it was on.

    A loop of sections reads where a note's embeds sit among its headings, which is no
    part of its face: an embed moved under another heading makes or breaks a loop through
    notes that did not change.  The graph is the whole vault's and is built anyway, so
    each unchanged note with an embed is asked again, which is exact."""
    for index, note in enumerate(notes):
        if index in changed:
            continue
        had = [(p.message, p.line) for p in note.problems if p.code == "embed-cycle"]
        if not had and not any(link.embed for link in note.links):
            continue
        now = loops(note) if loops is not None else []
        if had != [(p.message, p.line) for p in now]:
            return False
    return True


def _embeds(note: Note) -> list[tuple[str, str | None]]:
    return [(link.target, link.heading) for link in note.links if link.embed]


#: Problems that make :func:`note_face` read a note as having errors.
_AN_ERROR = (Problem(Severity.ERROR, "any", "", ""),)


def _off_every_cycle(holders: IdHolders, before: Note, after: Note) -> bool:
    """Whether a note whose embeds changed was on no loop of embeds, before or after.

    Other notes read what a note embeds only through the loops of the embed graph (see
    :mod:`notepress.embeds`): a note on none, before and after, changed no other note's
    loops.  A note on a loop has an ``embed-cycle`` warning; the graph is one of note ids,
    so the id must be the note's alone.
    """
    return (
        not any(p.code == "embed-cycle" for p in (*before.problems, *after.problems))
        and holders.count(after.note_id) == 1
    )


def _readers(vault: Vault, targets: Sequence[Note], skip: set[int]) -> list[int]:
    """The indexes of ``vault``'s notes (but ``skip``) with a link or embed that finds one
    of ``targets``, or whose text may hold a markdown link to one.

    A link can find a note only by its file name (a path ends with it) or, failing that,
    by its title or an alias, so only the links written with one of those names are
    resolved.
    """
    names: set[str] = set()
    for note in targets:
        names.add(lookup_key(note.path.stem))
        names.add(lookup_key(note.path.name))
        names.add(lookup_key(note.title))
        names.update(lookup_key(alias) for alias in note.aliases)
    wanted = {id(note) for note in targets}
    # A markdown link's anchor (``[part](Kiln.md#Part)``) is checked by the reference
    # checks, not through ``links``: the notes whose text may hold one are read again too.
    linkers = markdown_linkers(vault.notes, targets)
    # A vault's links name far fewer notes than there are links: each target as written is
    # normalised once, not once per link (60,000 links in 10,000 notes).
    could_name: dict[str, bool] = {}
    readers = []
    for index, note in enumerate(vault.notes):
        if index in skip:
            continue
        if note.path in linkers:
            readers.append(index)
            continue
        for link in note.links:
            if not link.target:
                continue
            maybe = could_name.get(link.target)
            if maybe is None:
                maybe = could_name[link.target] = _could_name(link.target, names)
            if maybe and id(vault.resolve_link(link, note)) in wanted:
                readers.append(index)
                break
    return readers


def _could_name(target: str, names: set[str]) -> bool:
    """Whether a link to ``target`` (as written) may find a note with one of ``names``."""
    key = lookup_key(target)
    last = posixpath.normpath(key).rpartition("/")[2]
    return not names.isdisjoint((key, key.removesuffix(".md"), last, last.removesuffix(".md")))


def _vault(survey: Survey, notes: Sequence[Note]) -> Vault:
    return Vault(
        survey.root, tuple(notes), survey.attachments, survey.problems, settings=survey.settings
    )
