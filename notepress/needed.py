"""Read every note's frontmatter and, of the bodies, only those a build publishes.

A target selects notes by what their frontmatter says (draft, dates, tags), so its selection
can be made before any body is read.  The bodies read are then those of the selected notes,
of the notes they embed (whose text is published with them) and of the notes they link to
(whose headings and block ids a link's anchor needs), by wikilink or by path.  A newsletter
of the latest 20 notes of a 10,000-note vault reads some 100 bodies, not 10,000.

This is for a build that has nothing to keep for the next one: without a cache, or the first
with one, as every build in a fresh checkout is (a scheduled job that sends the newsletter).
A later build with a cache reads the whole vault once and keeps it
(:mod:`notepress.refresh`), which the builds after it repay.  Everything a build publishes
is the same either way; what differs is what it can warn about: the problems of a body it
did not read are ``notepress check``'s to report.

Bodies can still change a selection, and are read first when they may:

* a target that selects by tag, or publishes per-tag feeds, needs the tags written inline in a
  body (``#tag``): every body that may hold one is read before selecting;
* a body over its CPU budget makes its note private, so the selection is made again until it
  no longer changes (each round reads only new bodies).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import PurePosixPath

from .links import note_address
from .markdown.inlinetags import may_hold_tag
from .model import Note
from .parse import ParseSettings
from .vault import Survey, Vault, check_outlined, read_notes
from .workers import outline_notes

__all__ = ["read_needed"]

Choose = Callable[[Vault], Iterable[Note]]
"""The notes a build publishes, chosen from a vault whose notes may not be outlined."""


def read_needed(
    survey: Survey,
    settings: ParseSettings,
    choose: Choose,
    *,
    finish: Callable[[Vault], Vault] = lambda vault: vault,
    tags_matter: bool = False,
    jobs: int | None = None,
) -> Vault:
    """The vault ``survey`` found, with the bodies of the notes ``choose`` picks and of the
    notes those need read and checked, the other notes' frontmatter alone.

    ``finish`` completes a vault before choosing (gives the notes their URLs);
    ``tags_matter``: a selection reads inline tags, so every body that may hold one is read
    before choosing.
    """
    notes, problems = read_notes(survey, settings, jobs=jobs, read_bodies=False)
    if tags_matter:
        tagged = [note for note in notes if not note.outlined and may_hold_tag(note.body)]
        notes = _with(notes, outline_notes(tagged, settings, jobs=jobs))

    def vault_of(notes: Sequence[Note]) -> Vault:
        return Vault(
            survey.root, tuple(notes), survey.attachments, problems, settings=survey.settings
        )

    # The first choice is made before any check and URL: they can only make a note
    # private (two notes on one URL), which the next round's choice then sees.
    vault, finished = vault_of(notes), False
    while True:
        originals = {note.path: note for note in notes}
        read = _bodies_needed(vault, list(choose(vault)), originals, settings, jobs)
        if finished and not read:
            return vault
        notes = _with(notes, read)
        vault, finished = finish(check_outlined(vault_of(notes))), True


def _bodies_needed(
    vault: Vault,
    chosen: Sequence[Note],
    originals: Mapping[PurePosixPath, Note],
    settings: ParseSettings,
    jobs: int | None,
) -> list[Note]:
    """``originals`` (the notes before checks and URLs), outlined now, whose bodies
    publishing ``chosen`` (notes of ``vault``) needs and that were not read yet: ``chosen``,
    what they embed (again and again), and what all of those link to.

    Read a level of embeds at a time, each level on the pool when it is large."""
    read: dict[PurePosixPath, Note] = {}

    def outline(notes: Iterable[Note]) -> None:
        # Each once, though several targets choose it: a dict keeps the first.
        fresh = {n.path: originals[n.path] for n in notes if not n.outlined and n.path not in read}
        read.update((n.path, n) for n in outline_notes(list(fresh.values()), settings, jobs=jobs))

    published: set[PurePosixPath] = set()
    level = list(chosen)
    while level:
        outline(level)
        level = [read.get(n.path, n) for n in level]
        embedded: dict[PurePosixPath, Note] = {}
        linked: dict[PurePosixPath, Note] = {}
        for note in level:
            if note.path in published:
                continue
            published.add(note.path)
            for found, embed in _targets(vault, note):
                target = read.get(found.path, found)
                if not target.outlined:
                    linked[target.path] = target
                if embed and target.path not in published:
                    embedded[target.path] = target
        # A linked note's headings and blocks are all a link reads: no need to follow its
        # own links, unless it is embedded.
        outline(n for path, n in linked.items() if path not in embedded)
        level = list(embedded.values())
    return list(read.values())


#: A run of what a URL in markdown or raw HTML is made of: every link to a note by its path
#: (``[x](../a%20b.md#Part)``, ``href="b.md"``) is one, and many others, which only cost a
#: look.  Each run is matched once, from its first character to its last: linear.
_RUN = re.compile(r"[^\s\"'()<>\[\]]+")


def _targets(vault: Vault, note: Note) -> Iterator[tuple[Note, bool]]:
    """The notes ``note`` links to, each with whether it embeds it: by wikilink, and by
    path, as the renderer resolves a path (from the vault's root, once made a vault path):
    what a render reads of those (their headings, and whether a body keeps one private)
    must be known before it."""
    for link in note.links:
        target = vault.resolve_link(link, note)
        if target is not None:
            yield target, link.embed
    if ".md" not in note.body.lower():
        return
    seen: set[str] = set()
    for match in _RUN.finditer(note.body):
        written = match.group(0).partition("#")[0]
        if not written.lower().endswith(".md") or written in seen:
            continue
        seen.add(written)
        address = note_address(written)
        target = vault.resolve(address, note) if address is not None else None
        if target is not None:
            yield target, False


def _with(notes: Sequence[Note], read: Iterable[Note]) -> list[Note]:
    """``notes`` with each of ``read`` in place of the note of its path."""
    by_path = {note.path: note for note in read}
    if not by_path:
        return list(notes)
    return [by_path.get(note.path, note) for note in notes]
