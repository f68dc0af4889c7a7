"""Embed cycles and embeds of missing blocks, found at load time, so ``check`` reports them
before any output is rendered.

A note that embeds itself, directly or through other notes, cannot be shown whole: the
renderer writes the embed that closes the loop as a link.  Loops are first looked for in
the graph of notes (one edge per embed; its strongly connected components by Tarjan's
algorithm, iterative so a long chain cannot exhaust Python's stack, in time linear in
notes and embeds).  Where that graph has one, the notes on it are read again as the
renderer shows them, part by part: an embed of a section leads on only through the embeds
inside that section, so two notes that embed disjoint sections of each other hold no loop
(warned as one, the warning kept both out of every output under ``--strict``).  Each embed
that lies on a real loop gets a warning.
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
    embeds: dict[str, list[tuple[Note, Link]]] = {}
    for note in vault.notes:
        for target, link in _embedded(vault, note):
            embeds.setdefault(note.note_id, []).append((target, link))
    if not embeds:
        return None
    coarse = _components(
        {source: [target.note_id for target, _ in found] for source, found in embeds.items()}
    )
    looping = {
        source: [(t, link) for t, link in found if coarse.get(t.note_id) == coarse.get(source)]
        for source, found in embeds.items()
    }
    on_loop = _on_parts_loop({k: v for k, v in looping.items() if v})

    def cycles(note: Note) -> list[Problem]:
        found: list[Problem] = []
        for target, link in looping.get(note.note_id, ()):
            if (note.note_id, link) in on_loop:
                line = link.line
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
        if target is not None:
            # A note showing one of its own sections is no loop unless that section leads
            # back to itself, which the parts' graph tells.
            yield target, link


#: A part of a note an embed shows: its note, and the heading or ``^block`` (None: whole).
_Part = tuple[str, "str | None"]


def _on_parts_loop(embeds: dict[str, list[tuple[Note, Link]]]) -> set[tuple[str, Link]]:
    """(note id, embed) of each embed, among ``embeds`` (those of notes on a loop of the
    notes' graph), that lies on a loop of the parts' graph: from each part shown, the
    embeds it holds, to the parts they show."""
    notes = {target.note_id: target for found in embeds.values() for target, _ in found}
    places: dict[_Part, list[tuple[int, int]] | None] = {}

    def holds(part: _Part, link: Link) -> bool:
        if part[1] is None:
            return True
        if part not in places:
            places[part] = _lines_of(notes.get(part[0]), part[1])
        ranges = places[part]
        return ranges is None or any(start <= (link.line or 0) < end for start, end in ranges)

    edges: dict[str, list[str]] = {}
    seen: set[_Part] = set()
    todo: list[_Part] = [(source, None) for source in embeds]
    while todo:
        part = todo.pop()
        if part in seen:
            continue
        seen.add(part)
        for target, link in embeds.get(part[0], ()):
            if holds(part, link):
                shown = (target.note_id, link.heading or None)
                edges.setdefault(_key(part), []).append(_key(shown))
                todo.append(shown)
    component = _components(edges)
    found: set[tuple[str, Link]] = set()
    for part in seen:
        for target, link in embeds.get(part[0], ()):
            key = _key((target.note_id, link.heading or None))
            if holds(part, link) and component.get(key) == component.get(_key(part)):
                found.add((part[0], link))
    return found


def _key(part: _Part) -> str:
    return f"{part[0]}\0{part[1] or ''}"


def _lines_of(note: Note | None, part: str) -> list[tuple[int, int]] | None:
    """The file lines (start, end) the part ``part`` of ``note`` is shown from, as the
    renderer selects it; None when it cannot be told (the embed is then taken as held)."""
    if note is None:
        return None
    from .markdown import NoteRenderError  # the markdown package imports this module
    from .markdown.parser import note_tokens
    from .markdown.transclusion import select_embedded

    try:
        tokens = select_embedded(note_tokens(note), part, note.title, note.body)
    except NoteRenderError:
        return None
    if tokens is None:
        return []  # a part the note lacks shows nothing (embed-part-missing says so)
    first = note.body_line
    # A list's own lines are its items': an item shown alone comes in its list, whose
    # lines would count its siblings' embeds as shown.
    return [
        (first + t.map[0], first + t.map[1])
        for t in tokens
        if t.map and t.type not in ("bullet_list_open", "ordered_list_open")
    ]


def _components(edges: dict[str, list[str]]) -> dict[str, int]:
    """Strongly connected component number of each node that has or receives an edge."""
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
                nxt = successors[position]
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
