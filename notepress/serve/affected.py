"""Which targets an edit can change, so that a rebuild leaves the others alone.

Decided by comparing the project before and after the edit rather than by trusting file
events alone: a note whose parsed form is unchanged (a save without an edit) costs nothing,
and a note changed by something other than its own file (a URL collision with a renamed
neighbour, a link that now resolves) is still caught.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import replace
from functools import lru_cache
from pathlib import Path, PurePosixPath

from ..links import markdown_linkers
from ..model import Link, Note
from ..pipeline import Project
from ..selection import select_notes
from ..slugs import lookup_key
from ..vault import Vault

__all__ = ["affected_targets"]


def affected_targets(old: Project, new: Project, changed: Collection[Path]) -> list[str]:
    """The targets of ``new`` whose output the change from ``old`` can alter, in config order.

    A target is affected when a note it selected before or selects now differs, or links to
    or embeds (through any chain of embeds) a note that differs or now resolves elsewhere.
    A change to anything but a note (the config, a template, an attachment, Obsidian's
    settings) may reach every target, so it rebuilds them all.
    """
    everything = list(new.config.targets)
    if old.config != new.config or old.vault.root.resolve() != new.vault.root.resolve():
        return everything
    root = new.vault.root.resolve()
    old_notes = {note.path: note for note in old.vault.notes}
    new_notes = {note.path: note for note in new.vault.notes}
    config = new.config.path.resolve() if new.config.path else None
    for path in changed:
        if path.resolve() == config:
            continue  # saved without a change that matters: compared above
        relative = _relative(path, root)
        if relative is None:
            return everything  # the config or a template folder outside the vault
        if relative in old_notes or relative in new_notes:
            continue
        if relative.suffix.lower() != ".md":
            return everything  # an attachment or a settings file
        # A markdown file that is a note in neither project is ignored by the config.
    dirty = {
        path
        for path in old_notes.keys() | new_notes.keys()
        if old_notes.get(path) != new_notes.get(path)
    }
    if not dirty:
        return []
    faced = _changed(dirty, old_notes, new_notes, _face_changed)
    if faced:
        # Markdown links are no part of a note's outline: the notes whose text may name a
        # changed note by a link's address are found by that text.
        dirty |= markdown_linkers(new.vault.notes, faced)
        dirty |= markdown_linkers(old.vault.notes, faced)
    new_links = _LinkIndex(new.vault)
    renamed = _changed(dirty, old_notes, new_notes, _names_changed)
    if renamed:
        # A note came, went or changed its title or aliases: a link by name elsewhere may
        # now find another note, and whoever linked to the old one depends on it too.
        old_links = _LinkIndex(old.vault)
        keys = {key for note in renamed for key in _names(note)}
        dirty |= set(_resolving_elsewhere(old.vault, new_links, keys))
        dirty = old_links.with_dependents(dirty) | new_links.with_dependents(dirty)
    else:
        # Names and paths are as they were, so every link leads where it did before.
        dirty = new_links.with_dependents(dirty)
    return [
        name
        for name, target in new.config.targets.items()
        if any(note.path in dirty for note in _candidates(old, name))
        or any(note.path in dirty for note in _candidates(new, name))
    ]


def _relative(path: Path, root: Path) -> PurePosixPath | None:
    try:
        return PurePosixPath(path.resolve().relative_to(root).as_posix())
    except ValueError:
        return None


def _candidates(project: Project, name: str) -> tuple[Note, ...]:
    """Every note the target's selection matches before its limit: a note entering or
    leaving the newest N changes the output as much as an edit of one inside it."""
    target = project.config.targets.get(name)
    if target is None:
        return ()
    return tuple(select_notes(project.vault.notes, replace(target.selection, limit=None)))


def _names_changed(before: Note | None, after: Note | None) -> bool:
    if before is None or after is None:
        return True
    return (before.title, before.aliases) != (after.title, after.aliases)


def _changed(
    paths: Iterable[PurePosixPath],
    old: dict[PurePosixPath, Note],
    new: dict[PurePosixPath, Note],
    differs: Callable[[Note | None, Note | None], bool],
) -> list[Note]:
    """Both sides (those that exist) of each note at ``paths`` that ``differs`` between the
    old project and the new."""
    return [
        note
        for path in paths
        if differs(old.get(path), new.get(path))
        for note in (old.get(path), new.get(path))
        if note is not None
    ]


def _face_changed(before: Note | None, after: Note | None) -> bool:
    """Whether what a link to the note shows changed: its title, URL, anchors or whether it
    is published (a link to a draft is text)."""
    if before is None or after is None:
        return True
    return (
        before.title,
        before.aliases,
        before.slug,
        before.published,
        before.headings,
        before.block_ids,
    ) != (after.title, after.aliases, after.slug, after.published, after.headings, after.block_ids)


def _names(note: Note) -> set[str]:
    """Every key a link can find ``note`` by: its file name, title and aliases."""
    return {lookup_key(note.path.stem), lookup_key(note.title), *map(lookup_key, note.aliases)}


@lru_cache(maxsize=1 << 16)
def _link_keys(target: str) -> frozenset[str]:
    """The keys of :func:`_names` a link target could match: the whole target (a title or
    an alias) and its last path component (a file name), ``.md`` or not.  Remembered: a
    vault links the same names again and again, and from one rebuild to the next."""
    written = target.strip()
    if written.lower().endswith(".md"):
        written = written[:-3]
    return frozenset((lookup_key(written), lookup_key(written.rsplit("/", 1)[-1])))


class _LinkIndex:
    """Each link of a vault filed under the names it could mean, so that finding who links
    to a note resolves a handful of links instead of every link of the vault."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.notes = {note.path: note for note in vault.notes}
        self.by_key: dict[str, list[tuple[Note, Link]]] = {}
        for note in vault.notes:
            for link in note.links:
                if link.target:
                    for key in _link_keys(link.target):
                        self.by_key.setdefault(key, []).append((note, link))

    def links_naming(self, keys: Iterable[str]) -> Iterator[tuple[Note, Link]]:
        for key in keys:
            yield from self.by_key.get(key, ())

    def with_dependents(self, dirty: set[PurePosixPath]) -> set[PurePosixPath]:
        """``dirty`` and the notes that show something of them: a link shows its target's
        title and URL (one step), an embed its text (and so on through embeds of embeds)."""
        result = set(dirty)
        shown = set(dirty)
        queue = [(path, True) for path in dirty if path in self.notes]
        while queue:
            path, changed = queue.pop()
            target = self.notes[path]
            for source, link in self.links_naming(_names(target)):
                if source.path in shown or (
                    not link.embed and (not changed or source.path in result)
                ):
                    continue
                found = self.vault.resolve(link.target, source)
                if found is None or found.path != target.path:
                    continue
                result.add(source.path)
                if link.embed:
                    shown.add(source.path)
                    queue.append((source.path, False))
        return result


def _resolving_elsewhere(old: Vault, new: _LinkIndex, keys: set[str]) -> Iterator[PurePosixPath]:
    """Notes with a link, by one of ``keys``, that leads somewhere else than before."""
    before = {note.path: note for note in old.notes}
    for note, link in new.links_naming(keys):
        previous = before.get(note.path)
        if previous is None:
            continue  # a new note: dirty already
        if _destination(new.vault, link.target, note) != _destination(old, link.target, previous):
            yield note.path


def _destination(
    vault: Vault, target: str, note: Note
) -> tuple[PurePosixPath | None, PurePosixPath | None]:
    found = vault.resolve(target, note)
    return (found.path if found else None, vault.resolve_attachment(target, note))
