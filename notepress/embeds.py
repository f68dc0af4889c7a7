"""Embed cycles and embeds of missing blocks, found at load time, so ``check`` reports them
before any output is rendered.

A note that embeds itself, directly or through other notes, cannot be shown whole: the
renderer writes the embed that closes the loop as a link.  The graph is one of notes, not
of sections: a loop through sections of notes that never holds the embeds is still reported
(rare, and only a warning), but a note embedding one of its own sections is not.  Each embed that lies on such a loop
gets a warning here.  The graph has one edge per note embed; its strongly connected
components (Tarjan's algorithm, iterative so a long chain cannot exhaust Python's stack)
give every edge on a loop in time linear in notes and embeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from .model import Link, Note, Problem, Severity

if TYPE_CHECKING:
    from .vault import Vault

__all__ = ["check_embeds", "embed_problems"]


def check_embeds(vault: Vault) -> Vault:
    """``vault`` with an ``embed-cycle`` warning on each embed that is part of a loop (an
    embed of a heading or block its note lacks is the link checks' ``embed-part-missing``)."""
    find = embed_problems(vault)
    return vault if find is None else vault.with_note_problems(find)


def embed_problems(vault: Vault) -> Callable[[Note], list[Problem]] | None:
    """What :func:`check_embeds` adds to a note of ``vault``; None when no note embeds one.

    The loops are those of the whole vault's graph, so a note's share is asked of it after
    the graph is built, which lets a caller check one note without touching the others.
    """
    edges: dict[str, list[tuple[Note, int | None]]] = {}
    for note in vault.notes:
        for target, link in _embedded(vault, note):
            edges.setdefault(note.note_id, []).append((target, link.line))
    if not edges:
        return None
    component = _components(edges)

    def cycles(note: Note) -> list[Problem]:
        found: list[Problem] = []
        for target, line in edges.get(note.note_id, ()):
            if component.get(target.note_id) == component.get(note.note_id):
                if target.note_id == note.note_id:
                    message = "the note embeds itself; written as a link"
                else:
                    message = (
                        f"this embed of {target.path.as_posix()} is part of a cycle of embeds; "
                        "where it would show a note again it is written as a link"
                    )
                problem = Problem(
                    Severity.WARNING, "embed-cycle", message, note.path.as_posix(), line
                )
                if problem not in found:
                    found.append(problem)
        return found

    return cycles


def _embedded(vault: Vault, note: Note) -> Iterator[tuple[Note, Link]]:
    """The notes ``note`` embeds (attachments and missing notes aside), with lines."""
    for link in note.links:
        if not link.embed:
            continue
        if link.target and vault.attachment(link.target) is not None:
            continue
        target = vault.resolve_link(link, note)
        if target is not None and not (target is note and link.heading):
            # A note showing one of its own sections is no loop unless that section embeds
            # it again, which the renderer catches (with the depth limit as a backstop).
            yield target, link


def _components(edges: dict[str, list[tuple[Note, int | None]]]) -> dict[str, int]:
    """Strongly connected component number of each note id that has or receives an edge."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    component: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    for root in edges:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = edges.get(node, [])
            if position < len(successors):
                work.append((node, position + 1))
                nxt = successors[position][0].note_id
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = index[node]
                    if member == node:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return component
