"""The pages the preview server adds: the index of targets, the newsletter preview, the EPUB
reader and folder listings, rendered from ``templates/serve/`` with every value escaped."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import jinja2

from ..model import Problem
from ..templating import template_environment
from .epubview import Book
from .feedview import FEED_FILES, FeedPreview
from .rebuild import BuildState, TargetState

__all__ = ["PREFIX", "FileEntry", "Pages", "file_url"]

PREFIX = "/_notepress/"
"""Where the server's own pages live; no target can be called so (a target name starts
with a letter or a digit)."""
FILES_SHOWN = 200
"""Files listed per target on the index; the folder listing has them all."""
PROBLEMS_SHOWN = 1000


def file_url(target: str, relative: str) -> str:
    return "/" + quote(target) + "/" + quote(relative)


@dataclass(frozen=True)
class FileEntry:
    name: str
    url: str
    size: int | None
    """None when the file is gone (a later build of another config removed it)."""


@dataclass(frozen=True)
class TargetView:
    target: TargetState
    folder_url: str
    files: tuple[FileEntry, ...]
    more: int
    newsletter_url: str | None
    feed_views: tuple[FileEntry, ...]
    books: tuple[FileEntry, ...]
    documents: tuple[FileEntry, ...]


class Pages:
    def __init__(self) -> None:
        self.env: jinja2.Environment = template_environment("serve")

    def _render(self, template_name: str, state: BuildState, **values: object) -> bytes:
        template = self.env.get_template(template_name)
        text = template.render(
            build=state.generation, prefix=PREFIX, state=state, shown=_shown, **values
        )
        return text.encode("utf-8")

    def index(self, state: BuildState) -> bytes:
        views = [_target_view(state.output, target) for target in state.targets]
        errors, warnings = state.counts()
        return self._render(
            "index.html",
            state,
            views=views,
            errors=errors,
            warnings=warnings,
            problems=state.problems[:PROBLEMS_SHOWN],
            problems_more=max(0, len(state.problems) - PROBLEMS_SHOWN),
        )

    def newsletter(self, state: BuildState, target: str, feed: FeedPreview | None) -> bytes:
        return self._render("newsletter.html", state, target=target, feed=feed)

    def book(
        self,
        state: BuildState,
        target: str,
        name: str,
        book: Book | None,
        chapter: int,
        base_url: str,
    ) -> bytes:
        return self._render(
            "epub.html",
            state,
            target=target,
            name=name,
            book=book,
            chapter=chapter,
            base_url=base_url,
            download=file_url(target, name),
        )

    def listing(self, state: BuildState, target: str, folder: Path, relative: str) -> bytes:
        entries = []
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            name = entry.name + ("/" if is_dir else "")
            size = None if is_dir else entry.stat(follow_symlinks=False).st_size
            entries.append(FileEntry(name, file_url(target, relative + name), size))
        return self._render("folder.html", state, target=target, relative=relative, entries=entries)

    def not_found(self, state: BuildState, path: str) -> bytes:
        return self._render("missing.html", state, path=path)


def _shown(problem: Problem) -> str:
    return str(problem)


def _target_view(output: Path, target: TargetState) -> TargetView:
    folder = output / target.name
    entries = []
    for relative in target.files:
        try:
            size: int | None = (folder / relative).stat().st_size
        except OSError:
            size = None
        entries.append(FileEntry(relative, file_url(target.name, relative), size))
    top = {PurePosixPath(e.name).name: e for e in entries if "/" not in e.name}
    newsletter = None
    if any(name in top for name in FEED_FILES):
        newsletter = f"{PREFIX}newsletter/{quote(target.name)}/"
    feed_views = tuple(top[n] for n in ("atom.xml", "rss.xml") if n in top)
    books = tuple(
        FileEntry(e.name, f"{PREFIX}epub/{quote(target.name)}/{quote(e.name)}", e.size)
        for e in entries
        if e.name.endswith(".epub")
    )
    documents = tuple(e for e in entries if e.name.endswith(".pdf"))
    return TargetView(
        target,
        "/" + quote(target.name) + "/",
        tuple(entries[:FILES_SHOWN]),
        max(0, len(entries) - FILES_SHOWN),
        newsletter,
        feed_views,
        books,
        documents,
    )
