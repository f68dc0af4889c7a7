"""The HTML of one digest: notes rendered for print, then laid into the Jinja templates.

Notes are rendered with the ``inline`` footnote rule: each footnote stands at its call as
``<span class="footnote">``, which the print CSS floats to the foot of the page.  For paper a
few more things change, each done on the renderer's tree of the note (never with patterns
over text):

* code blocks are highlighted with Pygments;
* ``<details>`` are opened, since paper cannot unfold;
* links to local files become text (a PDF link to ``file:///home/...`` helps no reader),
  and in-document links whose anchor is missing fall back to the note they point into.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from notepress.assets import IMAGE_SUFFIXES
from notepress.config import Site
from notepress.dates import build_time
from notepress.markdown import (
    DocumentLinks,
    LinkStyle,
    NoteRenderError,
    TextLinks,
    UrlLinks,
)
from notepress.markdown.direction import first_strong
from notepress.markdown.tree import Element, html_tree, inner_html
from notepress.model import Note, Problem
from notepress.renderpool import render_many
from notepress.vault import Vault

from .groups import Group, format_date, format_range
from .safety import VAULT_ORIGIN, vault_url

__all__ = [
    "DigestView",
    "NoteView",
    "PrintSettings",
    "digest_css",
    "digest_html",
    "digest_view",
    "identifier",
    "link_style",
    "render_notes",
    "template_folder",
]


@dataclass(frozen=True)
class PrintSettings:
    """What the templates need from the target's options, already checked and CSS-safe."""

    paper: str
    margins: str
    font_family: str
    heading_font_family: str
    base_size: float
    page_break: bool
    toc: bool
    code_style: str


@dataclass(frozen=True)
class NoteView:
    """One note as the ``note.html`` template sees it."""

    note: Note
    anchor: str
    title: str
    html: Markup
    created: str
    updated: str
    created_iso: str
    tags: tuple[str, ...]
    keywords: tuple[str, ...]
    description: str
    classes: str
    draft: bool
    lang: str
    dir: str = ""
    """``rtl`` for a note whose title is in a right-to-left script: its header reads from the
    right (its body's blocks say their own direction, see notepress.markdown.direction)."""
    text: str = ""
    """The note's text as printed, for the check of which characters the fonts lack."""


@dataclass(frozen=True)
class DigestView:
    """The digest as the templates see it: cover text and PDF metadata."""

    title: str
    subtitle: str
    kind: str
    """What sort of digest this is, for the cover: ``Monthly digest``, ``Reading copy``."""
    full_title: str
    date_range: str
    note_count: int
    draft_count: int
    author: str
    language: str
    description: str
    keywords: tuple[str, ...]
    created: str
    """W3C date for ``dcterms.created``, or empty."""
    file_name: str
    key: str
    site: Site
    notes: tuple[NoteView, ...] = field(default=())


def link_style(site: Site, members: Iterable[str]) -> LinkStyle:
    """Links inside the digest as anchors, to published notes elsewhere as URLs, else text.

    Only published notes get a URL: a draft in a private reading copy has no public page
    to point at.  Attachments are referenced relative to the vault folder, the document's
    base URL, and only images are kept (a PDF cannot open the vault's other files).
    """
    outside: LinkStyle = TextLinks()
    if site.url:
        outside = UrlLinks(
            note_url=lambda note: site.note_url_for(note) if note.published else None
        )
    return DocumentLinks(members=frozenset(members), outside=outside, assets=_image_href)


def _image_href(path: PurePosixPath) -> str | None:
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return None
    return vault_url(path)


def note_view(
    note: Note, html: str, site: Site, style: LinkStyle, english: bool, text: str = ""
) -> NoteView:
    tz = site.tz
    created = format_date(note.created, tz, english=english) if note.created else ""
    updated = ""
    if (
        note.updated
        and note.created
        and note.updated.astimezone(tz).date() != note.created.astimezone(tz).date()
    ):
        updated = format_date(note.updated, tz, english=english)
    lang = note.extra.get("lang")
    return NoteView(
        note=note,
        anchor=style.element_id(note, ""),
        title=note.title,
        html=Markup(html),
        created=created,
        updated=updated,
        created_iso=note.created.isoformat() if note.created else "",
        tags=note.tags,
        keywords=note.keywords,
        description=note.description,
        classes=" ".join(note.cssclasses),
        draft=note.draft,
        lang=lang if isinstance(lang, str) else "",
        dir="rtl" if first_strong(note.title) == "rtl" else "",
        text=text,
    )


_KINDS = {
    "all": "Digest",
    "week": "Weekly digest",
    "month": "Monthly digest",
    "year": "Yearly digest",
    "tag": "Notes by tag",
}


def digest_view(
    group: Group, site: Site, title: str, english: bool, how: str = "all"
) -> DigestView:
    notes = group.notes
    tz = site.tz
    dated = [n.created for n in notes if n.created is not None]
    date_range = format_range(min(dated), max(dated), tz, english=english) if dated else ""
    count = f"{len(notes)} note{'s' if len(notes) != 1 else ''}"
    description = f"{count}, {date_range}" if date_range else count
    if site.description:
        description += f". {site.description}"
    keywords = tuple(sorted({tag for note in notes for tag in note.tags}, key=str.casefold))
    full_title = f"{title} \u2014 {group.label}" if group.label else title
    return DigestView(
        title=title,
        subtitle=group.label,
        kind="Reading copy" if any(n.draft for n in notes) else _KINDS.get(how, "Digest"),
        full_title=full_title,
        date_range=date_range,
        note_count=len(notes),
        draft_count=sum(1 for n in notes if n.draft),
        author=site.author,
        language=site.language,
        description=description,
        keywords=keywords,
        created=_w3c(build_time(notes)),
        file_name=group.file_name,
        key=group.key,
        site=site,
    )


def _w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Rendering one digest ---------------------------------------------------------------


def render_notes(
    notes: Sequence[Note],
    vault: Vault,
    site: Site,
    settings: PrintSettings,
    *,
    drafts: bool,
    report: Callable[[Problem], None] = lambda problem: None,
) -> tuple[list[NoteView], LinkStyle]:
    """Every note of a digest rendered and reshaped for print, links resolved between them.

    A note that cannot be rendered is left out (its views are missing) and handed to
    ``report``, as are the warnings of the notes that are rendered.
    """
    style = link_style(site, (n.note_id for n in notes))
    english = site.language.lower().startswith("en")
    formatter = HtmlFormatter(style=settings.code_style, nowrap=True)
    trees = []
    kept = []
    renderings = render_many(
        notes, vault, style, include_drafts=drafts, footnotes="inline", math="svg"
    )
    for note, rendered in renderings:
        try:
            if isinstance(rendered, NoteRenderError):
                raise rendered
            trees.append(_print_tree(rendered.html, formatter))
        except (NoteRenderError, RecursionError) as exc:
            failure = exc if isinstance(exc, NoteRenderError) else NoteRenderError.too_deep(note)
            report(failure.problem)
            continue
        for problem in rendered.problems:
            report(problem)
        kept.append(note)
    notes = kept
    owners = {style.element_id(n, "") for n in notes}
    anchors = set(owners)
    for tree in trees:
        anchors.update(str(e.get("id")) for e in tree.iter() if e.get("id"))
    views = []
    for note, tree in zip(notes, trees, strict=True):
        _fix_links(tree, anchors, owners, style.element_id(note, ""))
        text = "".join(tree.itertext())
        views.append(note_view(note, inner_html(tree), site, style, english, text))
    return views, style


def _print_tree(html: str, formatter: HtmlFormatter) -> Element:
    root = html_tree(html or "<p></p>")
    _highlight_code(root, formatter)
    _open_details(root)
    _size_images(root)
    _number_lists(root)
    _mark_figures(root)
    return root


def _number_lists(root: Element) -> None:
    """An ordered list's ``start`` (``7. knead``) as CSS: WeasyPrint runs without
    presentational hints, so the attribute alone was ignored and the list counted from 1."""
    for ordered in root.iter("ol"):
        start = ordered.get("start", "").strip()
        if start.lstrip("-").isdigit() and len(start) < 10:
            ordered.set("style", f"counter-reset: list-item {int(start) - 1}")


def _size_images(root: Element) -> None:
    """An image's ``width`` and ``height`` (``![[chart.png|300]]``) as CSS: WeasyPrint runs
    without presentational hints, so the attributes alone would be ignored on paper."""
    for img in root.iter("img"):
        width, height = img.get("width", ""), img.get("height", "")
        rules = [f"width: {width}px" if width.isdigit() else ""]
        rules.append(f"height: {height}px" if height.isdigit() and width.isdigit() else "")
        if any(rules):
            img.set("style", "; ".join(rule for rule in rules if rule))


def _highlight_code(root: Element, formatter: HtmlFormatter) -> None:
    for code in list(root.iter("code")):
        pre = code.getparent()
        if pre is None or pre.tag != "pre":
            continue
        pre.set("class", ("highlight " + (pre.get("class") or "")).strip())
        language = next(
            (c.removeprefix("language-") for c in _classes(code) if c.startswith("language-")), ""
        )
        if not language:
            continue
        try:
            lexer = get_lexer_by_name(language, stripnl=False, ensurenl=False)
        except ClassNotFound:
            continue
        pre.set("data-language", language)
        colored = highlight(code.text_content(), lexer, formatter)
        replacement = html_tree(colored, container="code")
        _unwrap_plain_tokens(replacement, formatter)
        replacement.set("class", code.get("class") or "")
        _replace(code, replacement)


def _unwrap_plain_tokens(code: Any, formatter: HtmlFormatter) -> None:
    """Take out the ``<span>`` of every token its style leaves as plain text, and of blanks.

    Each span is an inline box WeasyPrint lays out, keeps and draws one by one: in C or
    C++ blocks, names, punctuation and whitespace are half the tokens, so a code-heavy
    digest (a vault of contest solutions) took twice the CPU time and memory for nothing
    the page shows.  The text of the spans stays where it was, merged with its neighbours.
    """
    plain = _plain_classes(formatter.style)
    for span in list(code.iter("span")):
        if span.get("class") in plain and len(span.attrib) == 1:
            span.drop_tag()


_PLAIN_CLASSES: dict[Any, frozenset[str]] = {}


def _plain_classes(style: Any) -> frozenset[str]:
    """Pygments classes ``style`` gives nothing a page shows: no color, background, weight,
    slant, underline or border; for whitespace (``w``), whose color and weight never show,
    no background, underline or border."""
    found = _PLAIN_CLASSES.get(style)
    if found is None:
        from pygments.token import STANDARD_TYPES, Whitespace

        def shown(token: Any) -> tuple[str, ...]:
            if token is Whitespace:
                return ("bgcolor", "underline", "border")
            return ("color", "bgcolor", "bold", "italic", "underline", "border")

        found = frozenset(
            STANDARD_TYPES[token]
            for token, rules in style
            if STANDARD_TYPES.get(token) and not any(rules[key] for key in shown(token))
        )
        _PLAIN_CLASSES[style] = found
    return found


def _open_details(root: Element) -> None:
    """Print every ``<details>`` open, as folded callouts are: paper cannot unfold."""
    for details in root.iter("details"):
        details.set("open", "")


def _mark_figures(root: Element) -> None:
    """Paragraphs holding nothing but images (formulas are text) are set as centred figures;
    those holding words and a picture too, unjustified.

    A picture wider than what is left of a line goes to the next one, and justified text
    would spread the words before it across the page (``Status bar:`` then a screenshot,
    one paragraph where line breaks are strict); an icon-sized image is only a word."""
    for p in root.iter("p"):
        children = list(p)
        pictures = [c for c in children if c.tag == "img" and "math" not in _classes(c)]
        if not pictures:
            continue
        if (
            len(pictures) == len(children)
            and not any((c.tail or "").strip() for c in children)
            and not (p.text or "").strip()
        ):
            p.set("class", ("figure " + (p.get("class") or "")).strip())
        elif any(not _icon_sized(picture) for picture in pictures):
            p.set("class", ("with-picture " + (p.get("class") or "")).strip())


#: Pixels up to which a picture given a width is an icon, set within a line of text.
_ICON_WIDTH = 48


def _icon_sized(img: Element) -> bool:
    width = img.get("width", "")
    return width.isdigit() and int(width) <= _ICON_WIDTH


def _fix_links(root: Element, anchors: set[str], owners: set[str], own: str) -> None:
    """Keep links a reader of the PDF can follow: anchors in the digest and web URLs.

    A link to a heading that does not exist goes to the note it points into instead.
    """
    for link in list(root.iter("a")):
        href = link.get("href")
        if href is None:
            continue
        if href.startswith("#"):
            target = href[1:]
            if target not in anchors:
                # Element ids are ``n<note_id>-<local id>`` and note ids hold no ``-``: the
                # owner is the part before the first one, found without a scan of every note.
                owner = target.partition("-")[0]
                link.set("href", "#" + (owner if owner in owners else own))
            link.set("class", ("internal " + (link.get("class") or "")).strip())
            continue
        if href.startswith(VAULT_ORIGIN):
            _unwrap(link)  # a vault file: nothing a reader of the PDF could open
            continue
        if urlsplit(href).scheme.lower() in ("http", "https", "mailto"):
            link.set("class", ("external " + (link.get("class") or "")).strip())
            continue
        _unwrap(link)  # a relative link would point at a file on the build machine


# Tree helpers -------------------------------------------------------------------------


def _classes(element: Any) -> list[str]:
    return (element.get("class") or "").split()


def _replace(old: Any, new: Any) -> None:
    new.tail = old.tail
    old.getparent().replace(old, new)


def _unwrap(element: Any) -> None:
    element.drop_tag()


# The whole document -------------------------------------------------------------------


def digest_html(
    html_env: jinja2.Environment,
    digest: DigestView,
    settings: PrintSettings,
) -> str:
    """The digest's HTML from ``digest.html`` (which includes cover, contents and notes)."""
    return html_env.get_template("digest.html").render(digest=digest, settings=settings)


def digest_css(
    css_env: jinja2.Environment,
    digest: DigestView,
    settings: PrintSettings,
    fonts_url: str = "fonts/",
) -> str:
    """The digest's stylesheet; ``fonts_url`` is where the bundled fonts are loaded from."""
    pygments_css = HtmlFormatter(style=settings.code_style).get_style_defs(".highlight")
    return css_env.get_template("digest.css").render(
        digest=digest, settings=settings, pygments_css=pygments_css, fonts_url=fonts_url
    )


def identifier(html: str, css: str) -> bytes:
    """The PDF's file identifier: a digest of its sources, so that it is stable."""
    return hashlib.sha256((html + "\0" + css).encode("utf-8")).hexdigest()[:32].encode("ascii")


def template_folder(env: jinja2.Environment, name: str) -> Path:
    """The folder the template ``name`` was loaded from: a user's folder or the built-ins."""
    filename = env.get_template(name).filename
    return Path(filename).resolve().parent if filename else Path.cwd()
