"""The EPUB archive: valid EPUB 3 books of the selected notes, one pandoc run per book.

A naive ``pandoc notes/*.md`` breaks on a large vault (minutes, gigabytes, colliding ids and
an invalid book), so pandoc is fed one clean HTML document built from the shared note model
(see :mod:`.book`): one chapter per note, ids unique in the book, links between notes
as anchors that pandoc turns into cross-chapter links when it splits the chapters, images
from vault attachments only, as placeholders pandoc never loads.  Pandoc runs with
``--sandbox``, a time limit and a memory cap (:mod:`.pandoc`); the stylesheet, cover,
images and landmarks are added to its output and the archive is written byte-stable
(:mod:`.package`).  A large archive can be split into volumes (:mod:`.volumes`), one
book and one pandoc run each, runs in parallel.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Literal
from urllib.parse import unquote

from notepress.assets import (
    AssetError,
    css_imports,
    css_urls,
    note_references,
    svg_is_safe,
    vault_files,
)
from notepress.config import Site, Target
from notepress.dates import build_time
from notepress.errors import ExportError, ResourceLimitError
from notepress.exporter import CheckProblem, Exporter, Job
from notepress.markdown import NoteRenderError
from notepress.model import Note
from notepress.schema import Seconds, option
from notepress.templating import builtin_templates

from .book import BookInfo, build_source, date_range, group_notes, subjects_of
from .cover import cover_page, generated_cover
from .document import book_document
from .media import MAX_IMAGE_BYTES, MediaStore, identify_raster
from .messages import relay
from .package import finish_epub
from .pandoc import MIN_MEMORY_MB, PandocRun, api_version, read_html, run_pandoc
from .volumes import Volume, overlapped, split_volumes

__all__ = ["EpubExporter", "EpubOptions"]

_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)
NO_COVER = "none"


@dataclass(frozen=True)
class EpubOptions:
    group: Literal["none", "year", "month", "tag"] = option(
        "none", "Parts of the book: none, or one part per year, month or tag (a note's first tag)."
    )
    title: str = option("", "Book title; empty uses site.title.")
    subtitle: str = option("", "Subtitle on the cover and title page; empty for none.")
    author: str = option("", "Author (dc:creator); empty uses site.author.")
    language: str = option(
        "", "BCP 47 language of the book, such as en or de-CH; empty uses site.language."
    )
    description: str = option(
        "",
        "dc:description; empty uses site.description, else the date range and note count.",
        multiline=True,
    )
    cover: str = option(
        "",
        "Cover image: a vault attachment (name or path). Empty draws one (title, dates, "
        "note count); 'none' for no cover.",
    )
    css: str = option(
        "", "Extra stylesheet, relative to the config file, added after the built-in one."
    )
    toc_depth: int = option(
        0, "Heading levels inside each note that the contents list (0: note titles only)."
    )
    timeout: Seconds = option(600, "Seconds one pandoc run (one book or volume) may take.")
    memory: int = option(
        4096,
        "Megabytes of memory one pandoc run may use (+RTS -M) before the target fails. A "
        "thousand notes of prose take about 300 MB, of notes dense with formulas about "
        "1,700 MB: split a larger archive into volumes rather than raising this.",
    )
    volumes: Literal["none", "year"] = option(
        "none",
        "Split the archive into books: none (one book, <target>.epub), or one volume per "
        "year of creation (<target>-2024.epub; undated notes in <target>-undated.epub). "
        "Links between volumes become the notes' URLs (text when the site has no url).",
    )
    volume_size: int = option(
        0,
        "At most this many notes per volume (<target>-01.epub, <target>-02.epub, or "
        "<target>-2024-01.epub by year); 0 for no limit. 1000 keeps each pandoc run near a "
        "gigabyte.",
    )
    workers: int = option(
        0, "Volumes converted at the same time (pandoc runs); 0 for one per core."
    )


class EpubExporter(Exporter[EpubOptions]):
    name = "epub"
    Options = EpubOptions
    allows_drafts = True

    @classmethod
    def check(cls, target: Target[EpubOptions], site: Site) -> list[CheckProblem]:
        options = target.options
        problems: list[CheckProblem] = []
        language = options.language or site.language
        if not _LANGUAGE_TAG.match(language):
            where = "language" if options.language else "site.language"
            problems.append(
                ("language", f"{where} {language!r} is not a BCP 47 tag such as en or pt-BR")
            )
        if options.memory < MIN_MEMORY_MB:
            problems.append(("memory", f"expected at least {MIN_MEMORY_MB} (megabytes)"))
        if options.toc_depth > 4:
            problems.append(("toc_depth", "expected 0 to 4"))
        if options.volume_size < 0:
            problems.append(("volume_size", "expected a number of notes, or 0 for no limit"))
        if options.workers < 0:
            problems.append(("workers", "expected a number of pandoc runs, or 0 for one per core"))
        return problems

    def build(self, job: Job[EpubOptions]) -> None:
        options = job.options
        notes = list(job.notes)
        if not notes:
            job.warn("no notes selected: the book has only its title page", code="epub-empty")
        volumes = split_volumes(notes, options.volumes, options.volume_size, job.site.tz)
        if volumes is None:
            book, work = self._prepare(job, notes, book_info(job, notes))
            job.write_bytes(f"{job.target.name}.epub", self._finish(job, book, work()))
            return
        built = overlapped(
            volumes,
            lambda volume: self._prepare(job, volume.notes, volume_info(job, volume)),
            options.workers,
        )
        failed: list[tuple[str, ExportError]] = []
        for volume, book, future in built:
            name = f"{job.target.name}-{volume.key}.epub"
            try:
                epub = self._finish(job, book, future.result())
            except ExportError as exc:  # one volume over its limits: the others are written
                failed.append((name, exc))
                job.error(f"{name} was not written: {exc}", code="epub-failed")
                continue
            job.write_bytes(name, epub)
        if failed and len(failed) == len(built):
            first, error = failed[0]
            kind = ResourceLimitError if isinstance(error, ResourceLimitError) else ExportError
            raise kind(f"no volume could be built; {first}: {error}")

    def _prepare(
        self, job: Job[EpubOptions], notes: Sequence[Note], info: BookInfo
    ) -> tuple[_Book, Callable[[], tuple[PandocRun, MediaStore]]]:
        """The book's HTML, rendered here, and the pandoc run that converts it, to run anywhere.

        Only links between ``notes`` are anchors: a note of another volume is outside.
        """
        options = job.options
        cover = self._cover(job, info)  # a missing cover fails before pandoc runs
        media = MediaStore(
            job.vault,
            lambda message, path, note: job.warn(
                f"{path}: {message}", note, code="epub-image", line=_line_showing(job, note, path)
            ),
        )
        parts = group_notes(notes, options.group, job.site.tz, job.target.selection.include_tags)
        source = build_source(
            parts,
            info,
            job.vault,
            job.site,
            media,
            include_drafts=job.include_drafts,
            warn=lambda message, note: job.warn(message, note, code="epub-link"),
            report=job.problems.append,
        )
        split_level = source.split_level

        def work() -> tuple[PandocRun, MediaStore]:
            document = book_document(
                info.title,
                source.meta,
                source.sections,
                api_version(),
                lambda text: read_html(text, timeout=options.timeout, memory_mb=options.memory),
            )
            run = run_pandoc(
                document,
                reader="json",
                template=builtin_templates("epub") / "book.epub3",
                split_level=split_level,
                toc_depth=min(6, split_level + options.toc_depth),
                epoch=int(info.date.timestamp()),
                timeout=options.timeout,
                memory_mb=options.memory,
            )
            return run, media

        in_order = tuple(note for part in parts for note in part.notes)
        return _Book(info, cover, in_order), work

    def _finish(
        self, job: Job[EpubOptions], book: _Book, converted: tuple[PandocRun, MediaStore]
    ) -> bytes:
        """pandoc's book with the stylesheet, cover, landmarks and players added."""
        run, media = converted
        expand = job.vault.settings.math_macros.expand
        for relayed in relay(run.warnings, book.notes, expand):
            job.warn(relayed.message, relayed.note, code=relayed.code, line=relayed.line)
        info, cover = book.info, book.cover
        return finish_epub(
            run.epub,
            stylesheet=self._stylesheet(job),
            cover=cover,
            cover_page=(lambda image, css: cover_page(info, image, css)) if cover else None,
            modified=info.date,
            players=media.players(),
            images=media.images(),
        )

    def _cover(self, job: Job[EpubOptions], info: BookInfo) -> tuple[str, bytes] | None:
        """The cover's media type and bytes: the configured attachment, or a drawn one."""
        name = job.options.cover.strip()
        if name.lower() == NO_COVER:
            return None
        if not name:
            return "image/svg+xml", generated_cover(info)
        path = job.vault.attachment(name)
        if path is None:
            raise ExportError(f"cover: no attachment called {name!r} in the vault")
        try:
            data = vault_files(job.vault).read(path, MAX_IMAGE_BYTES)
        except AssetError as exc:
            raise ExportError(f"cover {path}: {exc}") from None
        if path.suffix.lower() == ".svg":
            if not svg_is_safe(data):
                raise ExportError(f"cover {path}: SVG with scripts or external references")
            return "image/svg+xml", data
        image = identify_raster(data)
        if image is None:
            raise ExportError(f"cover {path}: not a readable image")
        return image.media_type, image.data

    def _stylesheet(self, job: Job[EpubOptions]) -> bytes:
        css = (builtin_templates("epub") / "epub.css").read_text(encoding="utf-8")
        extra = job.options.css.strip()
        if not extra:
            return css.encode("utf-8")
        path = Path(extra) if Path(extra).is_absolute() else job.config_root / extra
        if path.suffix.lower() != ".css":
            # Added as it is to the book's stylesheet: a note named by mistake would be in
            # the book whole, frontmatter and all.
            raise ExportError(f"css: {path} is not a stylesheet (.css)")
        try:
            user_css = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ExportError(f"css: cannot read {path}: {exc}") from None
        if css_urls(user_css) or css_imports(user_css):
            job.warn(
                f"css: {path} refers to other files (url() or @import); they are not in the book",
                code="epub-css",
            )
        return f"{css}\n/* {path.name} */\n{user_css}\n".encode()


def book_info(job: Job[EpubOptions], notes: Sequence[Note]) -> BookInfo:
    """Title, author, dates and identifiers from the options, falling back to ``[site]``."""
    options = job.options
    site = job.site
    tz = site.tz
    dates = date_range(notes, tz)
    drafts = sum(1 for note in notes if note.draft)
    info = BookInfo(
        title=options.title or site.title,
        subtitle=options.subtitle,
        author=options.author or site.author,
        language=options.language or site.language,
        description="",
        identifier=book_identifier(site, job.target.name),
        date=book_date(notes),
        subjects=subjects_of(notes),
        date_range=dates,
        note_count=len(notes),
        draft_count=drafts,
        private=job.include_drafts,
    )
    summary = ", ".join(part for part in (info.count_text, dates) if part)
    description = options.description or site.description or summary
    return replace(info, description=description)


def _line_showing(job: Job[EpubOptions], note: Note | None, path: PurePosixPath) -> int | None:
    """The line of ``note`` that shows the vault file ``path``, when one can be told: its
    first embed or image naming it.  Asked only of a file left out of the book."""
    if note is None:
        return None
    for link in note.links:
        if link.embed and link.target and job.vault.attachment(link.target) == path:
            return link.line
    try:
        references = list(note_references(note))
    except NoteRenderError:  # over its budget: the note's own error says so
        return None
    for reference in references:
        if reference.kind == "image" and job.vault.attachment(unquote(reference.url)) == path:
            return reference.line
    return None


@dataclass(frozen=True)
class _Book:
    """What finishing a book needs besides pandoc's output."""

    info: BookInfo
    cover: tuple[str, bytes] | None
    notes: tuple[Note, ...] = ()
    """The book's notes in book order, which pandoc's warnings are traced back to."""


def volume_info(job: Job[EpubOptions], volume: Volume) -> BookInfo:
    """A volume's own title, identifier, dates and counts: each volume is a book of its own."""
    info = book_info(job, volume.notes)
    return replace(
        info,
        title=f"{info.title}: {volume.label}" if info.title else volume.label,
        identifier=book_identifier(job.site, f"{job.target.name}/{volume.key}"),
    )


def book_identifier(site: Site, target: str) -> str:
    """A ``urn:uuid`` that stays the same for the same site and target, build after build."""
    base = site.base_url or f"notepress:{site.title}/"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, base + '#' + target)}"


def book_date(notes: Sequence[Note]) -> datetime:
    """The core's :func:`build_time`, no earlier than 1980: a ZIP entry cannot be dated before."""
    return max(build_time(notes), _EARLIEST)
