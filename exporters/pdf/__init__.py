"""Printable PDF digests: the selected notes as booklets, one per week, month, year or tag.

Each digest has a cover, a table of contents with page numbers, running headers, a
"page X of Y" footer, PDF bookmarks (notes, with their sections beneath), page footnotes
and highlighted code.  The HTML comes from Jinja templates (``templates/pdf/``, which a
target's ``templates`` folder can override file by file) and WeasyPrint lays it out.

WeasyPrint runs in worker processes, one digest each, with a time and a memory limit and
a URL fetcher that only reads ``data:`` URIs and the vault's attachments
(:mod:`.safety`): a digest over its limits fails alone, and no note can make the
build read a file outside the vault or touch the network.

The parts live in :mod:`.groups` (which notes go together), :mod:`.html` (notes
reshaped for print and laid into the templates), :mod:`.safety` (what may be loaded)
and :mod:`.worker` (the processes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote

import jinja2
from pygments.styles import get_all_styles

from notepress.assets import reference_problem
from notepress.config import Site, Target
from notepress.dates import build_time
from notepress.errors import ExportError, ResourceLimitError
from notepress.exporter import CheckProblem, Exporter, Job
from notepress.markdown import NoteRenderError
from notepress.model import Note, Problem
from notepress.schema import Seconds, option
from notepress.templating import builtin_templates, template_environment

from .coverage import describe_missing, missing_characters
from .groups import Group, group_notes
from .html import (
    PrintSettings,
    digest_css,
    digest_html,
    digest_view,
    identifier,
    render_notes,
    template_folder,
)
from .machinefonts import font_locations
from .safety import MISSING_REASONS, VAULT_ORIGIN, LoadPolicy, Request, missing_file_name, scan_note

if TYPE_CHECKING:
    from .jobs import RenderJob, RenderResult

__all__ = ["PdfExporter", "PdfOptions", "Plan"]

_LENGTH = re.compile(r"^(?:0|\d+(?:\.\d+)?(?:mm|cm|in|pt|pc|px))$")
_FAMILY = re.compile(r"^[\w][\w .-]*$")
_GENERIC_FAMILIES = frozenset(
    {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "math"}
)
_MIN_MEMORY_MB = 128
#: The bundled fonts, under the built-in templates (fonts.css declares them).
FONTS_FOLDER = "fonts/"
#: Their families, in the order a character missing from one is looked for in the others.
BUNDLED_FAMILIES = ("Notepress Serif", "Notepress Sans", "Notepress Mono")


@dataclass(frozen=True)
class PdfOptions:
    """Options of a ``pdf`` target, besides the selection keys every target shares."""

    group: Literal["all", "week", "month", "year", "tag"] = option(
        "all",
        "One PDF per group of notes, by created date or tag: all (digest.pdf), week "
        "(2023-W05.pdf), month (2023-02.pdf), year (2023.pdf) or tag (tag-audio.pdf).",
    )
    latest: int = option(0, "Write only the newest N groups; 0 writes every group.")
    title: str = option("", "Title on the cover and in the PDF metadata; the site title if empty.")
    paper: Literal["A4", "Letter", "A5"] = option("A4", "Paper size: A4, Letter or A5.")
    margins: str = option(
        "20mm 18mm 22mm",
        "Page margins: 1 to 4 lengths as in CSS (top, right, bottom, left), e.g. '2cm' or "
        "'20mm 15mm'. Units: mm, cm, in, pt, pc, px.",
    )
    font_family: str = option(
        "'Notepress Serif', serif",
        "Body font: a comma-separated list of font families, first found wins. The bundled "
        "'Notepress Serif', 'Notepress Sans' and 'Notepress Mono' (DejaVu) print the same on "
        "every machine; an installed family makes the PDF depend on the machine's fonts.",
    )
    heading_font_family: str = option(
        "'Notepress Sans', sans-serif",
        "Font of headings, headers and footers: a list like font_family.",
    )
    base_size: float = option(10.5, "Body text size in points.")
    page_break: bool = option(True, "Start each note on a new page.")
    toc: bool = option(True, "Print a table of contents after the cover.")
    code_style: str = option("friendly", "Pygments style of highlighted code blocks.")
    templates: str = option(
        "",
        "Folder of your own templates (digest.html, cover.html, toc.html, note.html, "
        "digest.css, extra.css), relative to the config file; tried before the built-in ones.",
    )
    timeout: Seconds = option(
        600.0,
        "CPU seconds one digest may take to render before it is stopped and reported (CPU "
        "time, so a busy machine does not fail a digest; a stalled render is stopped after "
        "ten times as long plus two minutes on the clock). A 500-page digest takes 125 to "
        "150 CPU seconds, more on a loaded machine and with heavier notes.",
    )
    memory_limit: int = option(
        4096,
        "Megabytes of memory (address space) one digest's render may use; 0 for no limit. "
        "A 500-page digest takes about 1,600 MB.",
    )
    workers: int = option(0, "Digests rendered at the same time; 0 for one per core.")
    tagged: bool = option(
        True,
        "Write a tagged PDF: the structure of headings, paragraphs, lists, tables and figures "
        "that screen readers and reflowing viewers read.",
    )
    pdf_variant: Literal["", "pdf/a-3b", "pdf/ua-1"] = option(
        "",
        "A PDF profile to write: '' (plain PDF), 'pdf/a-3b' (PDF/A-3b, for archiving) or "
        "'pdf/ua-1' (PDF/UA-1, accessible; always tagged).",
    )
    append_pdfs: bool = option(
        False,
        "Append the pages of the PDFs the digest's notes embed (![[paper.pdf]]) after the "
        "notes, once each in order of first embed, each with a bookmark.",
    )


class PdfExporter(Exporter[PdfOptions]):
    """Writes one PDF digest per group of selected notes."""

    name = "pdf"
    Options = PdfOptions
    allows_drafts = True

    @classmethod
    def machine_paths(cls) -> list[Path]:
        return font_locations()

    @classmethod
    def check(cls, target: Target[PdfOptions], site: Site) -> list[CheckProblem]:
        options = target.options
        errors: list[CheckProblem] = []
        if not 1 <= len(options.margins.split()) <= 4 or not all(
            _LENGTH.match(part) for part in options.margins.split()
        ):
            errors.append(
                (
                    "margins",
                    f"expected 1 to 4 lengths such as '20mm' or '2cm 1.5cm', got {options.margins!r}",
                )
            )
        for key in ("font_family", "heading_font_family"):
            try:
                css_font_family(getattr(options, key))
            except ValueError as exc:
                errors.append((key, str(exc)))
        if not 5 <= options.base_size <= 30:
            errors.append(
                ("base_size", f"expected a size in points from 5 to 30, got {options.base_size:g}")
            )
        if options.code_style not in set(get_all_styles()):
            errors.append(
                (
                    "code_style",
                    f"unknown Pygments style {options.code_style!r} "
                    f"(for example: {', '.join(sorted(get_all_styles())[:8])})",
                )
            )
        if 0 < options.memory_limit < _MIN_MEMORY_MB:
            errors.append(
                (
                    "memory_limit",
                    f"expected 0 (no limit) or at least {_MIN_MEMORY_MB} MB, "
                    f"got {options.memory_limit}",
                )
            )
        return errors

    def build(self, job: Job[PdfOptions]) -> None:
        plan = self.plan(job)
        if not plan.groups:
            job.warn("no notes selected, so no digest was written", code="pdf-empty")
            return
        options = job.options
        # WeasyPrint is imported with the worker module, here and in the fork server: not
        # by every command that only reads the config (check, list, an up-to-date build).
        from .worker import render_digests

        results = render_digests(plan.jobs, timeout=options.timeout, workers=options.workers)
        _write(job, plan, results)

    @staticmethod
    def plan(job: Job[PdfOptions]) -> Plan:
        """Everything up to WeasyPrint: groups, their HTML and CSS, and what notes asked for.

        Refused resources are reported on ``job`` here, once per note.
        """
        options = job.options
        site = job.site
        notes = [n for n in job.notes if job.include_drafts or n.published]
        groups = group_notes(
            notes,
            options.group,
            site.tz,
            english=site.language.lower().startswith("en"),
            only_tags=job.target.selection.include_tags,
            latest=options.latest or None,
        )
        if not groups:
            return Plan([], [], {})
        html_env, css_env, folders = _environments(job, options)
        policy = LoadPolicy.for_vault(job.vault.root, job.vault.attachments.values(), folders)
        printed = {n.note_id: n for group in groups for n in group.notes}
        requests = _scan(job, list(printed.values()), policy)
        if len(requests) != len(printed):  # notes that could not be read are left out
            groups = [
                replace(group, notes=kept)
                for group in groups
                if (kept := tuple(n for n in group.notes if n.note_id in requests))
            ]
        settings = print_settings(options)
        unprinted: dict[str, dict[str, set[str]]] = {}
        jobs = [
            _render_job(job, group, settings, html_env, css_env, policy, options, unprinted)
            for group in groups
        ]
        _warn_unprinted(job, unprinted)
        return Plan(groups, jobs, requests)


@dataclass(frozen=True)
class Plan:
    """The digests of one build, ready for the workers."""

    groups: list[Group]
    jobs: list[RenderJob]
    requests: dict[str, list[Request]]
    """What each note asked to load, by note id."""


def print_settings(options: PdfOptions) -> PrintSettings:
    return PrintSettings(
        paper=options.paper,
        margins=" ".join(options.margins.split()),
        font_family=with_bundled_fallback(css_font_family(options.font_family)),
        heading_font_family=with_bundled_fallback(css_font_family(options.heading_font_family)),
        base_size=options.base_size,
        page_break=options.page_break,
        toc=options.toc,
        code_style=options.code_style,
    )


def css_font_family(value: str) -> str:
    """A font list as safe CSS: each family name quoted, generic names left bare."""
    names = [name.strip().strip("'\"").strip() for name in value.split(",")]
    if not names or not all(names):
        raise ValueError(f"expected font family names separated by commas, got {value!r}")
    result = []
    for name in names:
        if not _FAMILY.match(name):
            raise ValueError(f"{name!r} is not a font family name (letters, digits, spaces, '-')")
        result.append(name if name.lower() in _GENERIC_FAMILIES else f'"{name}"')
    return ", ".join(result)


def with_bundled_fallback(families: str) -> str:
    """A checked font list with the bundled faces it does not name put before its generic one.

    A character missing from the first face is looked for in the next one of the list, then
    in the machine's fonts: without this, a sign the sans has and the serif lacks (``⌘``)
    would print with whatever the machine calls "serif", and digests would differ between
    machines.  With it, only what no bundled face has (CJK, emoji) reaches the system.
    """
    names = [name.strip() for name in families.split(",")]
    missing = [f'"{face}"' for face in BUNDLED_FAMILIES if f'"{face}"' not in names]
    generic = next((i for i, name in enumerate(names) if not name.startswith('"')), len(names))
    return ", ".join([*names[:generic], *missing, *names[generic:]])


def _environments(
    job: Job, options: PdfOptions
) -> tuple[jinja2.Environment, jinja2.Environment, list[Path]]:
    """The HTML and CSS template environments, user folder first, and both folders."""
    user_dirs: list[Path] = []
    if options.templates:
        folder = Path(options.templates).expanduser()
        folder = folder if folder.is_absolute() else job.config_root / folder
        if not folder.is_dir():
            raise ExportError(f"templates folder not found: {folder}")
        user_dirs.append(folder)
    html_env = template_environment("pdf", user_dirs)
    css_env = template_environment("pdf", user_dirs, autoescape=False)
    return html_env, css_env, [*user_dirs, builtin_templates("pdf")]


def _scan(job: Job, notes: list[Note], policy: LoadPolicy) -> dict[str, list[Request]]:
    """What each note asks to load; every refusal is reported once, against the note.

    References that no output may use (a private address, a missing or escaping file) were
    reported when the vault was read, with their line; only the digest's own refusals (the
    network, attachments) are reported here.
    """
    strict = job.vault.warnings_are_errors
    requests = {}
    for note in notes:
        try:
            found = scan_note(note, job.vault, policy)
        except NoteRenderError as exc:
            _report_once(job)(exc.problem)
            continue
        refused = False
        for request in found:
            if (
                request.refusal is not None
                and reference_problem(request.written, note, job.vault.attachment) is None
            ):
                refused = True
                missing = request.refusal in MISSING_REASONS
                what = (
                    f"file not found: {request.written!r} ({request.kind}): {request.refusal}"
                    if missing
                    else f"refused to load {request.written!r} ({request.kind}): {request.refusal}"
                )
                job.warn(
                    f"PDF digest: {what}" + ("; the note is left out (--strict)" if strict else ""),
                    note,
                    code="pdf-file-missing" if missing else "pdf-refused",
                    line=request.line,
                )
        if not (refused and strict):  # --strict: a note with a warning is not printed
            requests[note.note_id] = found
    return requests


def _render_job(
    job: Job,
    group: Group,
    settings: PrintSettings,
    html_env: jinja2.Environment,
    css_env: jinja2.Environment,
    policy: LoadPolicy,
    options: PdfOptions,
    unprinted: dict[str, dict[str, set[str]]],
) -> RenderJob:
    """Render the notes and templates of one digest into what a worker needs.

    What no bundled font can print is added to ``unprinted``, by digest file name.
    """
    site = job.site
    title = options.title or site.title or "Notes"
    english = site.language.lower().startswith("en")
    views, _ = render_notes(
        group.notes, job.vault, site, settings, drafts=job.include_drafts, report=_report_once(job)
    )
    if len(views) != len(group.notes):  # a note that could not be rendered is left out
        group = replace(group, notes=tuple(view.note for view in views))
    digest = replace(digest_view(group, site, title, english, options.group), notes=tuple(views))
    texts = [title, digest.full_title, site.author, digest.description]
    for view in views:
        texts += [view.title, view.description, view.text, *view.tags, *view.keywords]
    if missing := missing_characters(texts):
        unprinted[group.file_name] = missing
    try:
        html = digest_html(html_env, digest, settings)
        # The bundled fonts come from the built-in folder, even under a user's digest.css.
        fonts_url = policy.folder_url(builtin_templates("pdf")) + FONTS_FOLDER
        css = digest_css(css_env, digest, settings, fonts_url)
        css_folder = template_folder(css_env, "digest.css")
    except jinja2.TemplateError as exc:
        raise ExportError(f"template problem: {_template_error(exc)}") from None
    from .jobs import RenderJob

    return RenderJob(
        name=group.file_name,
        html=html,
        css=css,
        base_url=VAULT_ORIGIN,
        css_base_url=policy.folder_url(css_folder),
        policy=policy,
        identifier=identifier(html, css),
        source_date_epoch=int(build_time(group.notes).timestamp()),
        memory_limit_mb=options.memory_limit,
        pdf_tags=options.tagged or options.pdf_variant == "pdf/ua-1",
        pdf_variant=options.pdf_variant,
        appendix=_embedded_pdfs(job, group.notes) if options.append_pdfs else (),
    )


def _warn_unprinted(job: Job, unprinted: dict[str, dict[str, set[str]]]) -> None:
    """One warning for the target naming the scripts no bundled font has, if any."""
    if not unprinted:
        return
    merged: dict[str, set[str]] = {}
    for missing in unprinted.values():
        for script, chars in missing.items():
            merged.setdefault(script, set()).update(chars)
    names = list(unprinted)
    where = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    job.warn(
        f"{where}: {describe_missing(merged)} not in the bundled fonts; they print with "
        "this machine's fonts, or as boxes where it has none, so the PDF depends on the "
        "machine (install fonts for these scripts, e.g. Noto)",
        code="pdf-fonts-missing",
    )


def _embedded_pdfs(job: Job, notes: Sequence[Note]) -> tuple[str, ...]:
    """Vault paths of the PDFs ``notes`` embed, each once, in order of first embed."""
    found: dict[str, None] = {}
    for note in notes:
        for link in note.links:
            if not link.embed or not link.target.lower().endswith(".pdf"):
                continue
            attachment = job.vault.resolve_attachment(link.target, note)
            if attachment is not None:
                found.setdefault(attachment.as_posix(), None)
    return tuple(found)


def _report_once(job: Job) -> Callable[[Problem], None]:
    """Report a note's problem once, however many digests hold the note."""

    def report(problem: Problem) -> None:
        if problem not in job.problems:
            job.problems.append(problem)

    return report


def _template_error(exc: jinja2.TemplateError) -> str:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"template not found: {exc.name}"
    return str(exc)


_VAULT_URL = re.compile(re.escape(VAULT_ORIGIN) + r"([^\s\"']*)")


def _vault_paths(message: str) -> str:
    """WeasyPrint's message with each of the digest's own URLs for vault files written as
    the file's vault path, the name the writer knows it by."""
    return _VAULT_URL.sub(lambda match: unquote(match.group(1)), message)


def _write(job: Job, plan: Plan, results: list[RenderResult]) -> None:
    """Write the digests that rendered; report the others, and fail if none did."""
    failed = []
    for group, result in zip(plan.groups, results, strict=True):
        _report_refusals(job, group, result, plan.requests)
        for message in dict.fromkeys(result.messages):
            if not _report_about_image(job, group, result, plan.requests, message):
                job.warn(f"{result.name}: WeasyPrint: {_vault_paths(message)}", code="pdf-render")
        if result.boxes:
            _warn_boxes(job, result)
        if result.error is not None or result.pdf is None:
            failed.append(result)
            continue
        job.write_bytes(result.name, result.pdf)
    if failed and len(failed) == len(results):
        # The target fails, and its one error line says why: each reason is printed once.
        reasons = "; ".join(f"{r.name}: {r.error}" for r in failed)
        message = f"no digest could be rendered: {reasons}"
        if all(r.over_limit for r in failed):
            raise ResourceLimitError(message)
        raise ExportError(message)
    for result in failed:
        job.error(f"{result.name} was not written: {result.error}", code="pdf-failed")


def _warn_boxes(job: Job, result: RenderResult) -> None:
    """Say that characters printed as empty boxes: the warning before rendering can only
    say they depend on the machine's fonts; this one says the machine had none."""
    by_script = missing_characters([result.boxes])
    if not by_script:  # only characters nothing needs to draw
        return
    shown = repr(result.boxes[:5]) + ("..." if len(result.boxes) > 5 else "")
    job.warn(
        f"{result.name}: {describe_missing(by_script)} printed as empty boxes ({shown}), "
        "since no font of this machine has them: install fonts for these scripts (Noto "
        "Sans CJK for Han, say) and build again",
        code="pdf-boxes",
    )


def _asked_for(
    url: str, group: Group, requests: dict[str, list[Request]]
) -> list[tuple[Note, Request]]:
    """Each note of the digest that asked for ``url``, with how it asked."""
    return [
        (note, request)
        for note in group.notes
        for request in requests.get(note.note_id, ())
        if request.url == url
    ]


#: WeasyPrint's complaint, in a tagged PDF, about an image without a description.
_NO_ALT = re.compile(r'Image "(.*)" has no required alt description')


#: WeasyPrint's complaint about a picture it could not read (a file that is no image, or
#: a broken one); the reason is often empty.
_UNREADABLE = re.compile(r"Failed to load image at (['\"])(.*)\1: ?(.*)", re.DOTALL)


def _report_about_image(
    job: Job, group: Group, result: RenderResult, requests: dict[str, list[Request]], message: str
) -> bool:
    """Say which note shows an image WeasyPrint complained about, on the line that shows
    it (True), when ``message`` is about one that a note asked for: the picture's name alone
    left the writer to search the vault for the notes showing it."""
    if (found := _NO_ALT.fullmatch(message)) is not None:
        url = found.group(1)
        code = "pdf-alt-missing"
    elif (found := _UNREADABLE.fullmatch(message)) is not None:
        url = found.group(2)
        code = "pdf-image-unreadable"
    else:
        return False
    asked = _asked_for(url, group, requests)
    for note, request in asked:
        if code == "pdf-alt-missing":
            what = (
                f"the image {_vault_paths(url)!r} has no alt text, which a tagged PDF gives "
                "readers who cannot see it; write what it shows between the brackets: "
                f"![what it shows]({request.written})"
            )
        else:
            reason = found.group(3).strip()
            what = (
                f"the image {request.written!r} could not be read"
                + (f" ({reason})" if reason else "")
                + ": it is not a picture WeasyPrint reads (PNG, JPEG, GIF, WebP, SVG...), or "
                "the file is damaged; the digest shows its alt text instead"
            )
        job.warn(f"{result.name}: {what}", note, code=code, line=request.line)
    return bool(asked)


def _report_refusals(
    job: Job, group: Group, result: RenderResult, requests: dict[str, list[Request]]
) -> None:
    """Name the note behind each URL the renderer refused, unless already reported."""
    for url, reason in dict.fromkeys(result.refused):
        asked = _asked_for(url, group, requests)
        if asked and all(request.refusal is not None for _, request in asked):
            continue  # reported when the notes were scanned
        missing = reason in MISSING_REASONS
        code = "pdf-file-missing" if missing else "pdf-refused"
        if asked:
            for note, request in asked:
                what = (
                    f"file not found: {request.written!r}: {reason}"
                    if missing
                    else f"refused to load {url!r}: {reason}"
                )
                job.warn(f"{result.name}: {what}", note, code=code, line=request.line)
        elif missing:
            job.warn(
                f"{result.name}: file not found: {missing_file_name(url)!r}, asked for by a "
                f"template or a stylesheet: {reason}",
                code=code,
            )
        else:
            job.warn(
                f"{result.name}: refused to load {url!r} (asked for by a template, a "
                f"stylesheet or an image): {reason}",
                code=code,
            )
