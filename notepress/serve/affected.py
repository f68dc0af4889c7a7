"""Which targets an edit can change, so that a rebuild leaves the others alone.

Decided by comparing the project before and after the edit rather than by trusting file
events alone: a note whose parsed form is unchanged (a save without an edit) costs nothing,
and a note changed by something other than its own file (a URL collision with a renamed
neighbour, a link that now resolves) is still caught.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath

from ..model import Link, Note
from ..pipeline import Project
from ..selection import select_notes
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
    dirty |= set(_resolving_elsewhere(old.vault, new.vault))
    dirty = _with_dependents(dirty, old.vault) | _with_dependents(dirty, new.vault)
    if not dirty:
        return []
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


def _resolving_elsewhere(old: Vault, new: Vault) -> Iterator[PurePosixPath]:
    """Notes with a link that leads somewhere else than before: a note was added, removed,
    renamed or retitled, and a link by name now finds another note or file."""
    before = {note.path: note for note in old.notes}
    for note in new.notes:
        previous = before.get(note.path)
        if previous is None:
            continue
        for link in note.links:
            if _destination(new, link.target, note) != _destination(old, link.target, previous):
                yield note.path
                break


def _destination(
    vault: Vault, target: str, note: Note
) -> tuple[PurePosixPath | None, PurePosixPath | None]:
    if not target:
        return (None, None)
    found = vault.resolve(target, note)
    return (found.path if found else None, vault.resolve_attachment(target, note))


def _with_dependents(dirty: set[PurePosixPath], vault: Vault) -> set[PurePosixPath]:
    """``dirty`` and every note that links to or embeds one of them, transitively: a link
    shows its target's title and URL, an embed its text."""
    linked_from: dict[PurePosixPath, set[PurePosixPath]] = {}
    for note in vault.notes:
        for found in _linked(vault, note, note.links):
            linked_from.setdefault(found, set()).add(note.path)
    result = set(dirty)
    queue = list(dirty)
    while queue:
        for source in linked_from.get(queue.pop(), ()):
            if source not in result:
                result.add(source)
                queue.append(source)
    return result


def _linked(vault: Vault, note: Note, links: Iterable[Link]) -> Iterator[PurePosixPath]:
    for link in links:
        if link.target:
            found = vault.resolve(link.target, note)
            if found is not None:
                yield found.path
