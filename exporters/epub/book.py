"""The book as one HTML document for pandoc: parts, one chapter per note, metadata in ``<head>``.

Each note is rendered by the shared renderer with :class:`DocumentLinks`, so wikilinks
between notes of the book are ``#n<note_id>-<heading>`` anchors and every id carries its
note's prefix, and with the ``endnotes`` footnote rule, whose ``noteref``/``footnote`` pairs
pandoc turns into real notes.  The renderer's tree of the note is then reshaped (never with
regexes) into what pandoc's HTML reader maps one to one onto its document model:

* callout titles, ``<details>`` and ``<summary>`` become classed ``<div>`` elements (pandoc
  drops classes on paragraphs and has no ``<details>``), so folded content is always shown;
* ids from raw HTML get the note's prefix, every id is unique in the book, and a link to an
  id that does not exist is repaired (to its note) or written as text;
* images are placeholders of vault attachments, added to the finished book (pandoc never
  holds them); anything else is its alt text.
"""

from __future__ import annotations

import base64
import html
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import PurePosixPath
from typing import Literal
from urllib.parse import unquote

from notepress.assets import svg_is_safe
from notepress.config import Site
from notepress.markdown import (
    DocumentLinks,
    LinkStyle,
    NoteRenderError,
    TextLinks,
    UrlLinks,
)
from notepress.markdown.tree import Element, html_tree, inner_html, new_element
from notepress.model import Note, Problem
from notepress.periods import format_day, month_label
from notepress.renderpool import render_many
from notepress.selection import tagged
from notepress.slugs import slugify
from notepress.vault import Vault

from .dom import parents_of, rewrite_children, unwrapped
from .media import MediaStore
from .players import PLAYER_CLASS

__all__ = [
    "BookInfo",
    "BookSource",
    "Part",
    "build_source",
    "date_range",
    "group_notes",
    "subjects_of",
]

Group = Literal["none", "year", "month", "tag"]

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_NOTE_PREFIX = re.compile(r"^n[A-Za-z0-9]+")


@dataclass(frozen=True)
class BookInfo:
    """What the title page, the cover and the OPF metadata say about the book."""

    title: str
    subtitle: str
    author: str
    language: str
    description: str
    identifier: str
    date: datetime
    subjects: tuple[str, ...]
    date_range: str
    note_count: int
    draft_count: int
    private: bool

    @property
    def count_text(self) -> str:
        text = f"{self.note_count} note" + ("" if self.note_count == 1 else "s")
        if self.private:
            text += f", {self.draft_count} draft" + ("" if self.draft_count == 1 else "s")
        return text


@dataclass(frozen=True)
class Part:
    """A group of notes; ``title`` is None when the book has no parts."""

    id: str | None
    title: str | None
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class BookSource:
    html: str
    split_level: int
    """Heading level of a note's title: 1 without parts, 2 with."""
    chapters: int
    sections: tuple[str, ...] = ()
    """The body of ``html`` cut before each part and chapter: what :mod:`.document` reads."""
    meta: tuple[tuple[str, str], ...] = ()
    """The ``<meta>`` names and contents of ``html``'s head, in order."""


Warn = Callable[[str, Note | None], None]


def date_range(notes: Sequence[Note], tz: tzinfo) -> str:
    """``March 2023 - June 2024`` (with an en dash) from the first and last creation dates, or empty."""
    dates = sorted(note.created.astimezone(tz) for note in notes if note.created)
    if not dates:
        return ""
    first, last = (month_label(d) for d in (dates[0], dates[-1]))
    return first if first == last else f"{first} \u2013 {last}"


def group_notes(
    notes: Sequence[Note], group: Group, tz: tzinfo, preferred_tags: Sequence[str] = ()
) -> list[Part]:
    """Split the (chronological) notes into parts; notes keep their order inside each part.

    With ``tag``, a note goes to its first tag (its first tag among ``preferred_tags`` when
    the target selects by tag), since a note can be in the book only once.
    """
    if group == "none":
        return [Part(None, None, tuple(notes))]
    buckets: dict[tuple[object, ...], list[Note]] = defaultdict(list)
    titles: dict[tuple[object, ...], tuple[str, str]] = {}
    for note in notes:
        key, part_id, title = _part_of(note, group, tz, preferred_tags)
        buckets[key].append(note)
        titles.setdefault(key, (part_id, title))  # a tag's first spelling names its part
    used: set[str] = set()
    parts = []
    for key in sorted(buckets):
        part_id, title = titles[key]
        parts.append(Part(_unique(part_id, used), title, tuple(buckets[key])))
    return parts


def _part_of(
    note: Note, group: Group, tz: tzinfo, preferred_tags: Sequence[str]
) -> tuple[tuple[object, ...], str, str]:
    if group == "tag":
        # Case aside, and nested tags in the tag they are nested in, as the selection
        # reads them: "#Garden" and "#garden" made two parts of one tag.
        tags = [t.strip().lstrip("#") for t in preferred_tags if tagged(note, t)]
        tags = tags or list(note.tags)
        if not tags:
            return (1, ""), "part-untagged", "Untagged"
        tag = tags[0]
        return (0, tag.casefold()), f"part-tag-{slugify(tag, fallback='tag')}", f"#{tag}"
    if note.created is None:
        return (0,), "part-undated", "Undated"
    created = note.created.astimezone(tz)
    if group == "year":
        return (1, created.year), f"part-{created.year:04d}", f"{created.year}"
    return (
        (1, created.year, created.month),
        f"part-{created.year:04d}-{created.month:02d}",
        month_label(created),
    )


def _unique(candidate: str, used: set[str], tried: dict[str, int] | None = None) -> str:
    """``candidate``, or the first free ``candidate-N``.

    ``tried`` remembers the last N per candidate, so that ten thousand equal ids cost ten
    thousand steps, not fifty million (``used`` only grows, so a taken N stays taken).
    """
    counter = tried.get(candidate, 1) if tried is not None else 1
    result = candidate if counter == 1 else f"{candidate}-{counter}"
    while result in used:
        counter += 1
        result = f"{candidate}-{counter}"
    if tried is not None:
        tried[candidate] = counter
    used.add(result)
    return result


def book_style(
    site: Site, members: set[str], assets: Callable[[PurePosixPath], str | None]
) -> LinkStyle:
    """Anchors inside the book; published notes outside it as URLs; never a draft's URL."""
    outside: LinkStyle = TextLinks()
    if site.url:
        outside = UrlLinks(note_url=lambda n: site.note_url_for(n) if n.published else None)
    return DocumentLinks(members=members, outside=outside, assets=assets)


def build_source(
    parts: Sequence[Part],
    info: BookInfo,
    vault: Vault,
    site: Site,
    media: MediaStore,
    *,
    include_drafts: bool,
    warn: Warn,
    report: Callable[[Problem], None] = lambda problem: None,
) -> BookSource:
    """The whole book as one HTML document, ready for pandoc's HTML reader.

    A note that cannot be rendered is left out of the book and handed to ``report``, as are
    the warnings of the notes that are rendered.
    """
    grouped = any(part.title is not None for part in parts)
    level = 2 if grouped else 1
    notes = [note for part in parts for note in part.notes]
    style = book_style(site, {note.note_id for note in notes}, media.href)
    ids: set[str] = {part.id for part in parts if part.id}
    chapters: list[tuple[Part, Note, Element]] = []
    # Every element of every chapter, held until the links are checked: lxml makes a Python
    # object for an element each time a walk reaches it unless one is alive, and the walks
    # below (a dozen per chapter) made about 220,000 of them for a thousand notes, not 35,000.
    alive: list[Element] = []
    renderings = render_many(
        notes, vault, style, include_drafts=include_drafts, footnotes="endnotes", math="mathml"
    )
    for part in parts:
        for note in part.notes:
            ids.add(f"n{note.note_id}")
            _, rendered = next(renderings)
            try:
                if isinstance(rendered, NoteRenderError):
                    raise rendered
                body = html_tree(rendered.html)
                alive.extend(body.iter())
                _reshape(body, note, level, ids, media, warn)
            except (NoteRenderError, RecursionError) as exc:
                failure = (
                    exc if isinstance(exc, NoteRenderError) else NoteRenderError.too_deep(note)
                )
                report(failure.problem)
                ids.discard(f"n{note.note_id}")  # links to it become text
                continue
            for problem in rendered.problems:
                report(problem)
            chapters.append((part, note, body))
    for _, note, body in chapters:
        _check_links(body, note, ids, warn)
    del alive

    sections: list[str] = []
    current: Part | None = None
    for part, note, body in chapters:
        out = []
        if part is not current and part.title is not None:
            out.append(f'<h1 id="{part.id}" class="part" epub:type="part">')
            out.append(f"{html.escape(part.title)}</h1>\n")
        current = part
        out.append(_chapter_head(note, level, site.tz))
        out.append(inner_html(body))
        out.append("\n")
        sections.append("".join(out))
    meta = head_fields(info)
    text = "".join([_head(info.title, meta), "<body>\n", *sections, "</body>\n</html>\n"])
    return BookSource(text, level, len(chapters), tuple(sections), meta)


def head_fields(info: BookInfo) -> tuple[tuple[str, str], ...]:
    """The book's metadata as pandoc reads it from ``<meta>``: name and content, in order."""
    fields = [
        ("subtitle", info.subtitle),
        ("author", info.author),
        ("lang", info.language),
        ("identifier", info.identifier),
        ("date", info.date.strftime("%Y-%m-%d")),
        ("toc-title", "Contents"),
        ("description", info.description),
        *(("subject", subject) for subject in info.subjects),
        ("notepress-range", info.date_range),
        ("notepress-count", info.count_text),
        ("notepress-private", "Private copy: includes drafts" if info.private else ""),
    ]
    return tuple((name, value) for name, value in fields if value)


def _head(title: str, fields: Sequence[tuple[str, str]]) -> str:
    lines = [
        "<!DOCTYPE html>\n<html>\n<head>\n",
        f"<title>{html.escape(title)}</title>\n",
        *(f'<meta name="{name}" content="{html.escape(value)}">\n' for name, value in fields),
        "</head>\n",
    ]
    return "".join(lines)


def _chapter_head(note: Note, level: int, tz: tzinfo) -> str:
    """The note's title, dates, tags and description, which open its chapter."""
    # Plain text only: pandoc also writes a chapter's title into its <title>.
    title = html.escape(note.title + (" (draft)" if note.draft else ""))
    lines = [
        f'<h{level} id="n{note.note_id}" class="note-title" epub:type="chapter">{title}</h{level}>'
    ]
    dates = []
    if note.created:
        created = note.created.astimezone(tz)
        dates.append(
            f'<time class="note-created" datetime="{created.date().isoformat()}">'
            f"{format_day(created)}</time>"
        )
    if note.updated and (not note.created or note.updated.date() != note.created.date()):
        updated = note.updated.astimezone(tz)
        dates.append(f'<span class="note-updated">updated {format_day(updated)}</span>')
    meta = []
    if dates:
        meta.append(f'<div class="note-dates">{" · ".join(dates)}</div>')
    if note.tags:
        tags = " ".join(f'<span class="tag">#{html.escape(tag)}</span>' for tag in note.tags)
        meta.append(f'<div class="note-tags">{tags}</div>')
    if meta:
        lines.append(f'<div class="note-meta">{"".join(meta)}</div>')
    if note.draft:
        lines.append('<div class="draft-notice">Draft: not published.</div>')
    if note.description:
        lines.append(f'<div class="note-description">{html.escape(note.description)}</div>')
    return "\n".join(lines) + "\n"


# reshaping one note ------------------------------------------------------------------------


def _reshape(
    body: Element, note: Note, level: int, ids: set[str], media: MediaStore, warn: Warn
) -> None:
    _images(body, note, media)
    for element in list(body.iter()):
        _rename_block(element)
    _unwrap_ruby(body)
    _wrap_lists_and_tables(body)
    _keep_directions(body)
    _block_anchors(body)
    _shift_headings(body, level)
    _own_ids(body, note, ids)


def _images(body: Element, note: Note, media: MediaStore) -> None:
    """Vault images as placeholders (checked now, added after pandoc); a remote image becomes
    a link to it; anything else its alt text.

    Audio and video become a placeholder ``<span>`` pandoc keeps (its HTML reader drops
    players), turned back into the player when the book is finished (:mod:`.players`);
    one the book cannot carry is its label (``▶ talk.wav``).
    """

    def lowered(child: Element) -> list[Element | str] | None:
        if child.tag in ("audio", "video"):
            label = child.text_content().strip()
            src = child.get("src", "")
            if media.player(src, note) is None:
                return [label]
            span = new_element(
                "span", {"class": PLAYER_CLASS, "data-player": child.tag, "data-src": src}
            )
            span.text = label
            return [span]
        if child.tag != "img":
            return None
        src = child.get("src", "")
        image = media.image(src, note)
        alt = child.get("alt", "")
        if image is not None:  # the placeholder stays: the image is added after pandoc
            child.set("alt", alt)
            return None
        if drawn_svg(src):  # a diagram the renderer drew, already inline
            return None
        if src.startswith(("http://", "https://")):
            link = new_element("a", {"href": src, "class": "remote-image"})
            link.text = alt or "image"
            return [link]
        return [alt]

    for parent in parents_of(body, "img", "audio", "video"):
        rewrite_children(parent, lowered)


def drawn_svg(src: str) -> bool:
    """A ``data:`` SVG (a drawn diagram) that is safe to carry into the book as it is."""
    prefix = "data:image/svg+xml;base64,"
    if not src.startswith(prefix):
        return False
    try:
        return svg_is_safe(base64.b64decode(src[len(prefix) :], validate=True))
    except ValueError:
        return False


def _rename_block(element: Element) -> None:
    """Map elements pandoc would flatten onto classed ``div``/``span`` it keeps."""
    classes = element.get("class", "").split()
    if element.tag == "p" and {"callout-title", "transclusion-source", "embed-card"} & set(classes):
        element.tag = "div"
    elif element.tag == "details":
        element.tag = "div"
        element.attrib.pop("open", None)
        element.set("class", " ".join(["details", *classes]))
    elif element.tag == "summary":
        element.tag = "div"
        element.set("class", " ".join(["details-summary", *classes]))


def _wrap_lists_and_tables(body: Element) -> None:
    """Keep what pandoc would lose on lists, and let wide tables scroll.

    pandoc's document model has no classes on a list, so ``brain-dump`` or a task list would
    lose its styling: a classed list is wrapped in a ``<div>`` with its classes (and its id),
    and a list made only of task items gets ``task-list``, which the stylesheet shows with
    the check-mark glyph and no bullet.  A table is wrapped in ``div.table-wrap``, which
    scrolls sideways where a reader allows it instead of running off the screen.
    """

    for element in list(body.iter("table", "ul", "ol")):
        if element.tag == "table":
            div = new_element("div", {"class": "table-wrap"})
        elif element.get("class"):
            classes = element.attrib.pop("class").split()
            items = [item for item in element if item.tag == "li"]
            if items and all("task-list-item" in i.get("class", "").split() for i in items):
                classes.append("task-list")
            attributes = {"class": " ".join(dict.fromkeys(classes))}
            if element.get("id"):
                attributes["id"] = element.attrib.pop("id")
            div = new_element("div", attributes)
        else:
            continue
        div.tail, element.tail = element.tail, None
        element.addprevious(div)
        div.append(element)


def _keep_directions(body: Element) -> None:
    """Keep the direction of right-to-left blocks (``dir``, notepress.markdown.direction).

    pandoc's document model has no attribute on a paragraph, a quote, a list or a list item,
    and would write a Hebrew paragraph as one read from the left, its final stop at its
    start.  Such a block is wrapped in a ``<div>`` that carries its direction; a list item's
    contents are, inside the item.
    """
    for item in body.iter("li"):
        direction = item.attrib.pop("dir", None)
        if direction:
            div = new_element("div", {"dir": direction})
            div.text, item.text = item.text, None
            div.extend(list(item))
            item.append(div)

    def wrapped(child: Element) -> list[Element | str] | None:
        direction = child.attrib.pop("dir", None) if child.tag in _UNDIRECTED else None
        if not direction:
            return None
        div = new_element("div", {"dir": direction})
        inner = new_element(child.tag, dict(child.attrib))
        inner.text = child.text
        inner.extend(list(child))
        div.append(inner)
        return [div]

    for parent in parents_of(body, *_UNDIRECTED):
        rewrite_children(parent, wrapped)


#: Blocks pandoc reads without their attributes.
_UNDIRECTED = ("p", "blockquote", "ul", "ol")


def _block_anchors(body: Element) -> None:
    """Keep the ids of paragraphs, quotes and lists (block references, ``^id``).

    pandoc's document model has no id on a paragraph, a quote or a list, and would drop
    them with the links to them: a paragraph's id moves to an empty ``<span>`` at its start,
    a quote or a list is wrapped in a ``<div>`` that takes its id.
    """
    for element in body.iter("p"):
        if element.get("id"):
            anchor = new_element("span", {"id": element.attrib.pop("id")})
            anchor.tail, element.text = element.text, None
            element.insert(0, anchor)

    def wrapped(child: Element) -> list[Element | str] | None:
        if child.tag not in ("blockquote", "ul", "ol") or not child.get("id"):
            return None
        div = new_element("div", {"id": child.attrib.pop("id")})
        inner = new_element(child.tag, dict(child.attrib))
        inner.text = child.text
        inner.extend(list(child))
        div.append(inner)
        return [div]

    for parent in parents_of(body, "blockquote", "ul", "ol"):
        rewrite_children(parent, wrapped)


def _unwrap_ruby(body: Element) -> None:
    """Ruby annotations as ``base(reading)``: pandoc has no ruby and would run them together."""
    for parent in parents_of(body, "rt", "rp"):
        rewrite_children(parent, _ruby_text)


def _ruby_text(child: Element) -> list[Element | str] | None:
    if child.tag == "rp":
        return []
    if child.tag == "rt":
        return ["(" + (child.text or ""), *child, ")"]
    return None


def _shift_headings(body: Element, level: int) -> None:
    """Push the note's headings below its title, so a note is exactly one chapter."""
    levels = [int(e.tag[1]) for e in body.iter() if e.tag in _HEADINGS]
    if not levels:
        return
    shift = max(0, level + 1 - min(levels))
    if not shift:
        return
    for element in body.iter():
        if element.tag in _HEADINGS:
            new = int(element.tag[1]) + shift
            if new <= 6:
                element.tag = f"h{new}"
            else:
                element.tag = "div"
                element.set("class", " ".join(["deep-heading", *element.get("class", "").split()]))


def _own_ids(body: Element, note: Note, ids: set[str]) -> None:
    """Give every id the note's prefix and make it unique in the whole book.

    Ids the renderer wrote already start with ``n<note_id>``; ids written in raw HTML do
    not, and would otherwise collide with other notes' ids or with pandoc's own.
    """
    prefix = f"n{note.note_id}"
    tried: dict[str, int] = {}
    for element in body.iter():
        if element.tag == "aside":
            continue  # footnotes: pandoc numbers them itself
        current = element.get("id")
        if current is None and element.tag in _HEADINGS:
            current = slugify("".join(element.itertext()))
        if current is None:
            continue
        if current != prefix and not current.startswith(prefix + "-"):
            current = f"{prefix}-{slugify(current, fallback='id')}"
        element.set("id", _unique(current, ids, tried))


def _check_links(body: Element, note: Note, ids: set[str], warn: Warn) -> None:
    """Keep links that lead somewhere; repair or unwrap the rest."""

    def checked(child: Element) -> list[Element | str] | None:
        if child.tag != "a" or child.get("epub:type") == "noteref":
            return None
        href = child.get("href", "").strip()
        if href.startswith(_SAFE_SCHEMES):
            return None
        if href.startswith("#"):
            target = unquote(href[1:])
            if target in ids:
                return None
            owner = _NOTE_PREFIX.match(target)
            if owner and owner.group(0) in ids:
                child.set("href", "#" + owner.group(0))
                heading = target[len(owner.group(0)) + 1 :]
                warn(f"link to a missing heading '{heading}': linked to its note", note)
                return None
        return unwrapped(child)

    for parent in parents_of(body, "a"):
        rewrite_children(parent, checked)


def subjects_of(notes: Sequence[Note]) -> tuple[str, ...]:
    """The book's subjects: its notes' tags, most used first."""
    counts = Counter(tag for note in notes for tag in note.tags)
    return tuple(tag for tag, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
