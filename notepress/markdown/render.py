"""Render one note to sanitised HTML for one output.

Rendering is pure: the same note, vault, link style and footnote rule give the same HTML, so
results can be cached and rendering spread over processes.  What differs between outputs is
only how links, ids and assets are written, the :class:`LinkStyle` an exporter passes in, and
where footnotes go, its footnote rule (:mod:`.footnotes`).  With the HTML comes what the
renderer knows of the note (text, images, footnotes, URLs), so that no output reads it back.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from ..assets import IMAGE_SUFFIXES, is_public_url, local_target, raw_html_ids
from ..budget import BudgetExceeded, cpu_budget, too_slow
from ..errors import NoteRenderError  # in the error tree; still importable from here
from ..links import WIKILINK_RE, embed_part_message, parse_wikilink
from ..model import Link, Note, Problem, Severity
from ..resolve import DRAWINGS, NOT_NOTES
from ..slugs import heading_slug
from ..words import count_words
from .blockids import BLOCK_ID, block_anchor, with_id
from .diagrams import diagram_html, diagram_image, draw_mermaid
from .footnotes import FootnoteRule, footnote_bodies, phrasing, without_footnotes
from .headings import inline_text
from .htmltags import split_tags
from .math import (
    MATH_LINE,
    TOO_COMPLEX,
    MathRule,
    Svg,
    TooComplex,
    Unprintable,
    display_rows,
    invalid_message,
    standard_tex,
    to_mathml,
    to_svg,
    too_complex_message,
    trimmed,
)
from .media import (
    SOUND_OR_FILM,
    SOUND_OR_FILM_HEAD,
    MediaKind,
    embed_card,
    frame_cards,
    media_html,
    media_kind,
    media_type,
    sound_only,
    split_size,
)
from .memo import Reads, count_render, current_memo, face, kinds, mermaid_identity
from .nesting import MAX_DEPTH, cap_html_depth
from .parser import create_parser, note_tokens, parse_body
from .plugindiagrams import diagram_message, plugin_diagram
from .queries import (
    inline_query,
    inline_query_message,
    own_field,
    query_language,
    query_message,
    reads_own_field,
)
from .rawhtml import as_obsidian_reads, checkboxes_as_glyphs
from .sanitize import sanitize
from .structure import Footnote, Image, Media, read_tree
from .transclusion import (
    HEADING_EMBED,
    IN_PARAGRAPH,
    LONE_EMBED,
    MAX_EMBED_DEPTH,
    MAX_EMBEDS_SHOWN,
    select_embedded,
)
from .tree import html_tree

if TYPE_CHECKING:
    from ..vault import Vault

__all__ = [
    "DocumentLinks",
    "Footnote",
    "FootnoteRule",
    "Heading",
    "Image",
    "LinkStyle",
    "MathRule",
    "Media",
    "NoteRenderError",
    "RenderedNote",
    "TextLinks",
    "UrlLinks",
    "create_parser",
    "note_tokens",
    "render_args",
    "render_fresh",
    "render_note",
]

#: Written instead of an autolink to a private address, whose text would be the address.
_REMOVED_LINK = "[private link removed]"


class LinkStyle:
    """How one output writes links, element ids and asset references.

    The base style writes every note link as plain text and every id unprefixed, which suits
    a note shown alone with no site around it.  Exporters subclass it or use the styles
    below.  Notes that must not be linked (drafts, notes with errors, missing notes) never
    reach these methods: they are already plain text.
    """

    def note_href(self, note: Note, anchor: str | None) -> str | None:
        """The href for a link to ``note`` (``anchor`` is a heading slug), or None for text."""
        return None

    def element_id(self, note: Note, local_id: str) -> str:
        """The id written for ``local_id`` (a heading slug, ``fn-1``) of ``note``."""
        return local_id

    def anchor_href(self, note: Note, local_id: str) -> str:
        """The href of an element of the note being rendered, such as a footnote."""
        return "#" + self.element_id(note, local_id)

    def asset_href(self, path: PurePosixPath) -> str | None:
        """Where the output finds the vault attachment ``path``, or None to leave it out."""
        return None

    def finish_html(self, html: str) -> str:
        """The rendered HTML as the output writes it, once everything a rendering tells
        (text, paragraphs, URLs, images) has been read from it.

        Done here rather than by the exporter so that it is kept with the rendering in the
        build cache and done in the worker that rendered the note: a feed rewritten after
        one edit changes the markup of one note, not of every note it lists.
        """
        return html


class TextLinks(LinkStyle):
    """Every link as text and no assets: the safest rendering, for summaries and checks."""


@dataclass
class UrlLinks(LinkStyle):
    """Links to published notes as absolute URLs, attachments under an assets URL."""

    note_url: Callable[[Note], str | None]
    assets_url: str | None = None

    def note_href(self, note: Note, anchor: str | None) -> str | None:
        url = self.note_url(note)
        if url is None:
            return None
        return f"{url}#{anchor}" if anchor else url

    def anchor_href(self, note: Note, local_id: str) -> str:
        url = self.note_url(note)
        return f"{url}#{local_id}" if url else "#" + local_id

    def asset_href(self, path: PurePosixPath) -> str | None:
        if self.assets_url is None:
            return None
        return self.assets_url + quote(path.as_posix())


@dataclass
class DocumentLinks(LinkStyle):
    """Links inside one document of many notes (a digest, a book): anchors where possible.

    Notes in ``members`` are reached by in-document anchors; other notes fall back to
    ``outside`` (absolute URLs, say), else plain text.  Every id is prefixed with the note's
    id so that notes can be concatenated without collisions.
    """

    members: Collection[str]
    """``note_id`` of each note in the document."""
    outside: LinkStyle = field(default_factory=TextLinks)
    assets: Callable[[PurePosixPath], str | None] = lambda path: None

    def note_href(self, note: Note, anchor: str | None) -> str | None:
        if note.note_id in self.members:
            return "#" + self.element_id(note, anchor or "")
        return self.outside.note_href(note, anchor)

    def element_id(self, note: Note, local_id: str) -> str:
        return f"n{note.note_id}" + (f"-{local_id}" if local_id else "")

    def asset_href(self, path: PurePosixPath) -> str | None:
        return self.assets(path)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    id: str


@dataclass(frozen=True)
class RenderedNote:
    """A note's HTML for one output, with what exporters need to know about it.

    Everything but ``html`` is what the renderer learnt while writing it, read from the
    sanitised result: a URL, image or link the sanitiser removed is in none of them.
    Exporters use these rather than read the HTML again.
    """

    note: Note
    html: str
    headings: tuple[Heading, ...]
    assets: tuple[PurePosixPath, ...]
    """Vault attachments the HTML refers to, in order of first use."""
    external_links: tuple[str, ...]
    """Web addresses (``http``, ``https``) the HTML links to or shows, in order of first use."""
    linked_notes: tuple[Note, ...]
    """Notes written as links, in order of first link."""
    word_count: int
    problems: tuple[Problem, ...] = ()
    """Warnings found while rendering (nesting flattened), each naming the note."""
    text: str = ""
    """The note as plain text, paragraphs separated by a blank line (footnotes included,
    back-references not)."""
    paragraphs: tuple[str, ...] = ()
    """Plain text of the top-level paragraphs, without footnote calls: for summaries."""
    images: tuple[Image, ...] = ()
    """Images shown, in reading order."""
    footnotes: tuple[Footnote, ...] = ()
    urls: tuple[str, ...] = ()
    """Every URL the HTML references (``href``, ``src``, ``cite``), in document order."""
    media: tuple[Media, ...] = ()
    """Audio and video the note plays, in reading order (a feed's enclosure is the first)."""


def render_note(
    note: Note,
    vault: Vault,
    style: LinkStyle | None = None,
    *,
    include_drafts: bool = False,
    footnotes: FootnoteRule = "list",
    math: MathRule = "mathml",
) -> RenderedNote:
    """Render ``note`` for an output that writes links the ``style`` way.

    ``include_drafts`` makes drafts (without errors) linkable, for private reading copies
    that contain them.  Links to anything unpublished are written as their text alone.
    ``footnotes`` is how the output writes footnotes (:mod:`notepress.markdown.footnotes`),
    ``math`` how it writes formulas (:mod:`notepress.markdown.math`).

    Raises :class:`NoteRenderError` when the note uses more than its CPU-time budget
    (:mod:`notepress.budget`) or is still too deep for Python despite the nesting limit.
    """
    style = style or TextLinks()
    memo = current_memo()
    args = render_args(style, include_drafts, footnotes, math)
    if memo is not None:
        stored = memo.lookup(note, vault, style, args)
        if stored is not None:
            return stored
    reads = memo.reads() if memo is not None else None
    count_render(note)
    rendered = render_fresh(note, vault, style, args, reads)
    if memo is not None and reads is not None:
        memo.store(note, style, args, reads, rendered, vault)
    return rendered


def render_args(
    style: LinkStyle, include_drafts: bool, footnotes: FootnoteRule, math: MathRule
) -> list[Any]:
    """What a rendering depends on besides the note, the vault and the style's answers: the
    key a memo stores it under."""
    return [f"{type(style).__module__}.{type(style).__qualname__}", include_drafts, footnotes, math]


def render_fresh(
    note: Note, vault: Vault, style: LinkStyle, args: Sequence[Any], reads: Reads | None
) -> RenderedNote:
    """Render ``note`` with no memo asked or told, within its CPU budget, recording what it
    read in ``reads``; ``args`` are :func:`render_args`.  A process that renders for
    another (:mod:`notepress.renderpool`) calls this, and the other one counts it.

    Raises :class:`NoteRenderError` as :func:`render_note` does.
    """
    _kind, include_drafts, footnotes, math = args
    try:
        with cpu_budget():
            return _render(note, vault, style, include_drafts, footnotes, math, reads)
    except BudgetExceeded as exc:
        raise NoteRenderError(too_slow(note.path.as_posix(), "rendering", exc)) from None
    except RecursionError:
        raise NoteRenderError.too_deep(note) from None


def _render(
    note: Note,
    vault: Vault,
    style: LinkStyle,
    include_drafts: bool,
    rule: FootnoteRule,
    math: MathRule,
    reads: Reads | None = None,
) -> RenderedNote:
    md = create_parser()
    parsed, flattened = parse_body(note.body, note.title)
    tokens = list(parsed)
    context = _RenderContext(
        note, vault, style, include_drafts, rule, math_rule=math, shared=_Embeds(reads=reads)
    )
    raw, footnotes = _write(md, tokens, context)
    if context.shared.count:  # a paragraph that ended with an embed, split round it
        raw = _SPLIT_TAIL.sub("", raw)
    # Capped before the sanitiser too: its tree builder is quadratic in depth.
    raw, cut_raw = cap_html_depth(raw)
    html, cut = cap_html_depth(sanitize(raw, context.filter_attribute))
    html = _unsourced_images(_with_diagrams(html, context))
    problems: tuple[Problem, ...] = ()
    if flattened is not None or cut_raw or cut:
        problems = (_too_deep(note, flattened),)
    reading = read_tree(html_tree(html))
    kept = set(reading.urls)
    problems += tuple(context.shared.problems)
    return RenderedNote(
        note=note,
        html=style.finish_html(html),
        headings=tuple(_headings(tokens, context)),
        assets=tuple(path for path, src in context.assets.items() if src in kept),
        external_links=tuple(url for url in context.external if url in kept),
        linked_notes=tuple(
            context.linked[note_id]
            for note_id, hrefs in context.link_hrefs.items()
            if not hrefs.isdisjoint(kept)
        ),
        word_count=_word_count(tokens),
        problems=problems,
        text=reading.text,
        paragraphs=reading.paragraphs,
        images=tuple(
            Image(src, alt, context.asset_paths.get(src), width, height)
            for src, alt, width, height in reading.images
        ),
        footnotes=footnotes,
        urls=reading.urls,
        media=tuple(_media(tag, src, context.asset_paths.get(src)) for tag, src in reading.media),
    )


def _media(tag: str, src: str, path: PurePosixPath | None) -> Media:
    named = path if path is not None else PurePosixPath(urlsplit(src).path)
    kind = media_type(named) or "application/octet-stream"
    if tag == "audio" and kind.startswith("video/"):
        kind = "audio/" + kind.removeprefix("video/")  # a WebM of sound alone: audio/webm
    return Media(src, tag, kind, path)


#: What is left of a paragraph whose last words were an embed shown as a block (see
#: ``_RenderContext._transclude``): it closes with nothing in it.
_SPLIT_TAIL = re.compile(r"(?<=</div>\n)<p>[ \t]*</p>\n")


def _write(
    md: MarkdownIt, tokens: Sequence[Token], context: _RenderContext
) -> tuple[str, tuple[Footnote, ...]]:
    """The raw HTML of ``tokens`` with footnotes where the context's rule puts them, and the
    footnotes as data.  Used for a note and for each part of a note it embeds."""
    env: dict[str, Any] = {"notepress": context}
    rule = context.footnote_rule
    if rule == "list":
        raw = md.renderer.render(list(tokens), md.options, env)
        return raw, _footnotes(md, tokens, context)
    footnotes = _footnotes(md, tokens, context)  # written at their calls, or after
    raw = md.renderer.render(without_footnotes(list(tokens)), md.options, env)
    if footnotes:  # where the list would begin, a line break, as with the list rule
        raw += "\n"
    if rule == "endnotes":
        raw += "".join(
            f'<aside epub:type="footnote {context.mark}" id="{footnote.id}">'
            f"{context.footnote_html[footnote.number]}</aside>"
            for footnote in footnotes
        )
    return raw, footnotes


def _footnotes(
    md: MarkdownIt, tokens: Sequence[Token], context: _RenderContext
) -> tuple[Footnote, ...]:
    """Each footnote's text rendered and sanitised once, for the rule to place.

    Rendered with the note's context, so its links are lowered like the rest of the note.
    """
    bodies = footnote_bodies(tokens)
    if not bodies:
        return ()
    calls: dict[int, list[str]] = {}
    for token in tokens:
        for child in token.children or ():
            if child.type == "footnote_ref":
                calls.setdefault(child.meta["id"] + 1, []).append(_call_id(child.meta))
    result = []
    context.in_footnote = True
    for number, body in bodies.items():
        raw = md.renderer.render(body, md.options, {"notepress": context})
        html, _ = cap_html_depth(sanitize(cap_html_depth(raw)[0], context.filter_attribute))
        # Written into the note, a diagram's placeholder (an image without a source yet)
        # stays until the note's own pass.
        shown = _unsourced_images(_with_diagrams(html, context))
        result.append(
            Footnote(
                number=number,
                id=context.footnote_id(f"fn-{number}"),
                html=shown.replace(" " + context.mark, ""),
                ref_ids=tuple(context.footnote_id(local) for local in calls.get(number, ())),
            )
        )
        context.footnote_html[number] = html
    context.in_footnote = False
    if context.footnote_rule == "list":
        return tuple(result)
    nested = _cited_in_notes_only(tokens, bodies)
    for number in sorted(context.footnote_html):
        if number not in nested:
            context.footnote_html[number] = _with_nested(number, nested, context.footnote_html)
    return tuple(footnote for footnote in result if footnote.number not in nested)


def _cited_in_notes_only(tokens: Sequence[Token], bodies: dict[int, list[Token]]) -> dict[int, int]:
    """``{footnote: the footnote citing it}`` for each footnote cited by another's text and
    never by the note's: a note in a note, which neither a page's foot nor an e-book holds
    (the book had two elements of one id, and the cited text was in neither output)."""
    called = {
        child.meta["id"] + 1
        for token in without_footnotes(tokens)
        for child in token.children or ()
        if child.type == "footnote_ref"
    }
    nested: dict[int, int] = {}
    for number, body in bodies.items():
        for token in body:
            for child in token.children or ():
                cited = child.meta["id"] + 1 if child.type == "footnote_ref" else None
                if cited is not None and cited != number and cited not in called:
                    nested.setdefault(cited, number)
    return nested


def _with_nested(
    number: int, nested: dict[int, int], html: dict[int, str], seen: frozenset[int] = frozenset()
) -> str:
    """Footnote ``number``'s HTML followed by each footnote only it cites, numbered as cited."""
    out = html[number]
    for cited in sorted(n for n, by in nested.items() if by == number and n not in seen):
        inner = phrasing(_with_nested(cited, nested, html, seen | {number}))
        out += f'<p class="footnote-nested"><sup>{cited}</sup> {inner}</p>'
    return out


def _call_id(meta: dict[str, Any]) -> str:
    """The local id of one call of a footnote: ``fnref-2``, then ``fnref-2-1`` and so on."""
    sub = meta.get("subId", 0)
    return f"fnref-{meta['id'] + 1}" + (f"-{sub}" if sub > 0 else "")


def _too_deep(note: Note, flattened: int | None) -> Problem:
    line = note.body_line + flattened if flattened is not None else None
    return Problem(
        Severity.WARNING,
        "nesting-too-deep",
        f"lists, quotes, callouts or HTML elements nested deeper than {MAX_DEPTH} levels "
        "were flattened; their text is kept",
        note.path.as_posix(),
        line,
    )


def _headings(tokens: Sequence[Token], context: _RenderContext) -> list[Heading]:
    result = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            result.append(
                Heading(
                    int(token.tag[1]),
                    inline_text(tokens[index + 1]),
                    context.heading_id(token.meta["slug"]),
                )
            )
    return result


def _word_count(tokens: Sequence[Token]) -> int:
    words = 0
    for token in tokens:
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                words += count_words(child.content)
    return words


@dataclass
class _Embeds:
    """What the contexts of one render share across its embeds: a counter, the warnings."""

    count: int = 0
    problems: dict[Problem, None] = field(default_factory=dict)
    diagrams: dict[str, str] = field(default_factory=dict)
    """Drawn diagrams by the placeholder written for each, put back after sanitising
    (their ``data:`` image is a URL the sanitiser removes from anything a note writes)."""
    reads: Reads | None = None
    """What the render asked of the vault and the style, when a memo keeps renderings."""


@dataclass(frozen=True)
class _Plan:
    """What an embed of a note becomes: ``kind`` is text, link or transclude."""

    kind: str
    target: Note | None = None
    tokens: tuple[Token, ...] = ()
    problem: tuple[str, str] | None = None
    """(code, message) of the warning this embed gives, if any."""


@dataclass
class _RenderContext:
    """Per-render state, reached by the render rules through ``env["notepress"]``.

    An embedded note is rendered by a context of its own (``note`` is the embedded note, so
    its links resolve from it) that writes its ids into the host note's id space: ``host`` and
    a ``prefix`` unique to that embed, so the host never holds an id twice.
    """

    note: Note
    vault: Vault
    style: LinkStyle
    include_drafts: bool
    footnote_rule: FootnoteRule = "list"
    math_rule: MathRule = "mathml"
    assets: dict[PurePosixPath, str] = field(default_factory=dict)
    """Each attachment used, with the URL it is written as."""
    asset_paths: dict[str, PurePosixPath] = field(default_factory=dict)
    external: dict[str, None] = field(default_factory=dict)
    linked: dict[str, Note] = field(default_factory=dict)
    link_hrefs: dict[str, set[str]] = field(default_factory=dict)
    """The hrefs written for each linked note, to tell which links the sanitiser kept."""
    footnote_html: dict[int, str] = field(default_factory=dict)
    placed: set[int] = field(default_factory=set)
    """Footnotes already written at a call (the ``inline`` rule)."""
    in_footnote: bool = False
    mark: str = field(default_factory=lambda: secrets.token_hex(8))
    """Written after the ``epub:type`` values the renderer writes itself and removed by the
    sanitiser, which drops any other: a note's raw HTML cannot make or hide a footnote.
    It never reaches the output, which stays the same on every run."""
    emitted: set[str] = field(default_factory=set)
    styles: set[str] = field(default_factory=set)
    """``style`` values the renderer wrote itself (a formula's size): raw HTML has none."""
    open_links: list[bool] = field(default_factory=list)
    hidden_text: bool = False
    """Set inside an autolink whose URL was refused, so its text is not written either."""
    host: Note | None = None
    """The note being rendered, when this context renders a note embedded in it."""
    prefix: str = ""
    chain: tuple[tuple[str, str | None], ...] = ()
    """(``note_id``, part embedded or None for all of it) of the host and of each embed on
    the way to this one."""
    shared: _Embeds = field(default_factory=_Embeds)
    plans: dict[Link, _Plan] = field(default_factory=dict)
    in_paragraph: bool = False
    """Set while an embed written inside a shown paragraph is rendered."""
    lone_open: bool = False
    """Set between the start and end of a paragraph left out around a lone embed."""
    lone_id: Token | None = None
    """That paragraph, when it holds a block id (``![[Note#Part]] ^ref``): its embed carries
    the id, which the paragraph, left out, cannot."""
    checkbox: str = ""
    """A task's glyph, written at the start of its item's first paragraph (a loose list)."""
    unshown_open: bool = False
    """Set between the start and end of the paragraph of an embed written as a heading
    whose note is not shown: the heading already reads as the embed's name."""

    # ids -------------------------------------------------------------
    @property
    def id_note(self) -> Note:
        return self.host or self.note

    def heading_id(self, slug: str) -> str:
        return self.element_id(self.id_note, self.prefix + slug)

    def footnote_id(self, local: str) -> str:
        return self.element_id(self.id_note, self.prefix + local)

    def footnote_href(self, local: str) -> str:
        local = self.prefix + local
        href = self.style.anchor_href(self.id_note, local)
        self.read("ahref", [self.id_note.path.as_posix(), local], href)
        self.emitted.add(href)
        return href

    # what the render asks of the vault and the style, recorded for a memo -------------
    def read(self, kind: str, args: list[Any], answer: Any) -> None:
        if self.shared.reads is not None:
            self.shared.reads.add(kind, args, answer)

    def element_id(self, note: Note, local: str) -> str:
        written = self.style.element_id(note, local)
        self.read("eid", [note.path.as_posix(), local], written)
        return written

    def resolve(self, target: str, source: Note | None) -> Note | None:
        found = self.vault.resolve(target, source)
        self.read("resolve", [source.path.as_posix() if source else None, target], face(found))
        return found

    def resolve_link(self, link: Link) -> Note | None:
        return self.note if not link.target else self.resolve(link.target, self.note)

    def anchor_for(self, target: Note, heading: str) -> str | None:
        anchor = self.vault.anchor_for(target, heading)
        self.read("anchor", [target.path.as_posix(), heading], anchor)
        return anchor

    def strict_line_breaks(self) -> bool:
        strict = bool(self.vault.settings.strict_line_breaks)
        self.read("strict", [], strict)
        return strict

    def with_block_id(self, token: Token, html: str, tag: str | None = None) -> str:
        """An opening tag (of ``tag``, else the token's) with the id of the block ``token``
        holds (``^id``), if it holds one."""
        block_id = (token.meta or {}).get(BLOCK_ID)
        if not block_id or not html:
            return html
        local = self.prefix + block_anchor(block_id)
        element_id = escapeHtml(self.element_id(self.id_note, local))
        return with_id(html, tag or token.tag, element_id)

    # math ------------------------------------------------------------
    def formula(self, tex: str, display: bool, line: int | None, *, block: bool = False) -> str:
        """A formula written by this output's math rule, or as TeX code with a warning.

        ``block`` is display math on lines of its own, written in a ``div``; display math
        inside a paragraph stays phrasing content there.
        """
        source = trimmed(tex)
        if not source:
            return ""  # ``$$ $$``: Obsidian draws nothing, and no output has anything to show
        written = self.expand_macros(source)
        dollars = "$$" if display else "$"
        kind = "math math-display" if display else "math math-inline"
        too_complex = False
        unprintable: Unprintable | None = None
        if self.math_rule == "tex":
            html = f'<span class="{kind}">{escapeHtml(dollars + written + dollars)}</span>'
        elif self.math_rule == "mathml":
            html = _mathml(written, display) or ""
        else:
            svg = _svg(written, display)
            html = ""
            if isinstance(svg, Svg):
                self.emitted.add(svg.url)
                self.styles.add(svg.style)
                html = (
                    f'<img class="{kind}" src="{svg.url}" alt="{escapeHtml(written)}"'
                    f' style="{svg.style}">'
                )
            too_complex = svg is TOO_COMPLEX
            unprintable = svg if isinstance(svg, Unprintable) else None
        if not html:  # the TeX the author wrote, not its macros expanded
            html = f'<code class="math-tex">{escapeHtml(dollars + source + dollars)}</code>'
            if unprintable is not None:
                self.warn("math-unprintable", unprintable.message(source), self.file_line(line))
            elif too_complex:
                self.warn("math-too-complex", too_complex_message(source), self.file_line(line))
            else:
                self.warn("math-invalid", invalid_message(source, written), self.file_line(line))
        return f'<div class="math-block">{html}</div>\n' if block else html

    def expand_macros(self, tex: str) -> str:
        """``tex`` with the vault's macros expanded (its ``preamble.sty``)."""
        macros = self.vault.settings.math_macros
        # Asked even when there are none: a preamble written later changes the rendering.
        self.read("macros", [], macros.digest)
        return macros.expand(tex)

    def warn(self, code: str, message: str, line: int | None) -> None:
        """A warning about this note at file ``line``, unless the loader already gave it
        (a formula it could not convert, a query block, a missing embed...)."""
        if not any(p.code == code and p.line == line for p in self.note.problems):
            problem = Problem(Severity.WARNING, code, message, self.note.path.as_posix(), line)
            self.shared.problems.setdefault(problem, None)

    def file_line(self, line: int | None) -> int | None:
        """The file line of body line ``line`` (0-based)."""
        return self.note.body_line + line if line is not None else None

    # links -----------------------------------------------------------
    def linkable(self, target: Note | None) -> bool:
        if target is None or target.has_errors or target.drawing:
            return False
        return not target.draft or self.include_drafts

    def href_for_note(
        self, target: Note, heading: str | None, *, raw_id: bool = False
    ) -> str | None:
        """The href of a link to ``target`` (at ``heading``, matched as Obsidian does).

        ``raw_id`` keeps a fragment no heading or block matches as an element id, for a
        markdown or HTML link (``#intro``) that may name an id of the note's raw HTML.
        """
        if not self.linkable(target):
            return None
        anchor = self.anchor_for(target, heading) if heading else None
        if (
            anchor is None
            and heading
            and raw_id
            and heading_slug(heading) in raw_html_ids(target.body)
        ):
            anchor = heading_slug(heading)  # else the note's top, as the check warned
        href = self.style.note_href(target, anchor)
        self.read("href", [target.path.as_posix(), anchor], href)
        if href is not None:
            if target.note_id not in self.linked:  # an output may say what it links to
                self.read("kinds", [target.path.as_posix()], kinds(target))
            self.linked.setdefault(target.note_id, target)
            self.link_hrefs.setdefault(target.note_id, set()).add(href)
            self.emitted.add(href)
        return href

    def render_link(self, link: Link) -> str:
        if link.embed:
            return self._render_embed(link)
        target = self.resolve_link(link)
        text = escapeHtml(link.text)
        if target is None:
            return self._attachment_link(link, text)
        href = self.href_for_note(target, link.heading)
        if href is None:
            return text
        return f'<a href="{escapeHtml(href)}" class="internal-link">{text}</a>'

    def linked_file(self, link: Link) -> PurePosixPath | None:
        """The vault file (not a note) a link or embed names, by the path rules from this
        note: the one lookup every decision about a file link shares."""
        if not link.target:
            return None
        found = self.vault.resolve_attachment(link.target, self.note)
        answer = found.as_posix() if found is not None else None
        self.read("file", [self.note.path.as_posix(), link.target], answer)
        return found

    def media_kind(self, file: PurePosixPath) -> MediaKind | None:
        """How the vault file ``file`` is played: by its name, and for a container of sound
        or film by its tracks (a file the output copies is already part of the key that
        keeps this rendering, so reading its start here keeps the rendering pure)."""
        kind = media_kind(file)
        if kind == "video" and file.suffix.lower() in SOUND_OR_FILM:
            try:
                with open(self.vault.root / file, "rb") as stream:
                    head = stream.read(SOUND_OR_FILM_HEAD)
            except OSError:
                return kind
            if sound_only(head):
                return "audio"
        return kind

    def _attachment_link(self, link: Link, text: str) -> str:
        """A plain link to a file of the vault: to its copy where the output has assets."""
        attachment = self.linked_file(link)
        src = self.asset(attachment) if attachment is not None else None
        if src is None:
            return text
        return f'<a href="{escapeHtml(src)}" class="attachment">{text}</a>'

    def _render_embed(self, link: Link) -> str:
        attachment = self.linked_file(link)
        # What stands in the embed's place when it cannot be shown: never its size.
        label = _without_size(link)
        if attachment is not None and attachment.name.lower().endswith(NOT_NOTES):
            # A view or drawing shows nothing as a raw file: its text, and nothing copied.
            if attachment.name.lower().endswith(DRAWINGS):  # its placement is no label
                label = label._replace(alias=None)
            return escapeHtml(_embed_text(label))
        if attachment is None:
            plan = self.plan(link)
            if plan.problem is not None:
                self._warn(link, *plan.problem)
            if plan.kind == "transclude" and self.shared.count >= MAX_EMBEDS_SHOWN:
                message = (
                    f"more than {MAX_EMBEDS_SHOWN} embeds shown in one note; the rest are links"
                )
                self._warn(link, "embed-limit", message)
                written = self.render_link(label._replace(embed=False))
                return f"<p>{written}</p>\n" if self.lone_open else written
            if plan.kind == "transclude":
                assert plan.target is not None
                return self._transclude(link, plan.target, plan.tokens)
            if plan.kind == "link":
                return self.render_link(label._replace(embed=False))
            if self.unshown_open:
                return ""
            if plan.target is not None and plan.target.drawing:
                label = label._replace(alias=None)
            return escapeHtml(label.text if plan.target is not None else _embed_text(label))
        src = self.asset(attachment)
        kind = self.media_kind(attachment)
        if kind is not None:  # played, or linked, where the output has the file; else named
            size = split_size("|" + (link.alias or ""))[1]
            name = link.alias if link.alias and size is None else attachment.name
            return media_html(kind, src, name)
        if src is None:
            return escapeHtml(_embed_text(label))
        if attachment.suffix.lower() not in IMAGE_SUFFIXES:
            return f'<a href="{escapeHtml(src)}" class="attachment">{escapeHtml(label.alias or attachment.name)}</a>'
        # ``|300`` alone is a size; ``|center|300`` is a word (a theme's) then a size, and
        # the bar between them is neither.
        alias = link.alias or ""
        alt, width, height = split_size(alias if "|" in alias else "|" + alias)
        if width is None:
            alt = alias or attachment.stem
        return f'<img src="{escapeHtml(src)}" alt="{escapeHtml(alt or attachment.stem)}"{_dims(width, height)}>'

    def _warn(self, link: Link, code: str, message: str) -> None:
        """A warning about an embed of this note, at the line the loader read it on."""
        self.warn(code, message, next((x.line for x in self.note.links if _same(x, link)), None))

    def plan(self, link: Link) -> _Plan:
        """What the embed ``link`` of a note becomes here; the same answer every time."""
        plan = self.plans.get(link)
        if plan is None:
            plan = self.plans[link] = self._plan(link)
        return plan

    def _plan(self, link: Link) -> _Plan:
        target = self.resolve_link(link)
        if target is None or not self.linkable(target):
            # Missing, a draft or in error: text, exactly as a link to it would be.
            return _Plan("text", target)
        chain = self.chain or ((self.note.note_id, None),)
        if _repeats(chain, target, link.heading):
            return _Plan("link", target, problem=_cycle(chain, target, link.heading, self))
        if len(chain) > MAX_EMBED_DEPTH:
            message = (
                f"embeds nested deeper than {MAX_EMBED_DEPTH} levels: "
                f"{link.text!r} is written as a link"
            )
            return _Plan("link", target, problem=("embed-depth", message))
        if self.shared.reads is not None:
            self.read("content", [target.path.as_posix()], self.shared.reads.fingerprint(target))
        try:
            tokens = note_tokens(target)
        except NoteRenderError:
            return _Plan("text", target)
        part = select_embedded(tokens, link.heading, target.title, target.body)
        if part is None:
            message = embed_part_message(target.path.as_posix(), link.heading or "")
            return _Plan("link", target, problem=("embed-part-missing", message))
        return _Plan("transclude", target, tuple(part))

    def _transclude(self, link: Link, target: Note, tokens: Sequence[Token]) -> str:
        """The embedded part of ``target``, rendered by a context of its own, in a block."""
        self.shared.count += 1
        chain = self.chain or ((self.note.note_id, None),)
        child = _RenderContext(
            target,
            self.vault,
            self.style,
            self.include_drafts,
            self.footnote_rule,
            math_rule=self.math_rule,
            mark=self.mark,
            assets=self.assets,
            external=self.external,
            linked=self.linked,
            emitted=self.emitted,
            styles=self.styles,
            host=self.id_note,
            prefix=f"e{self.shared.count}-",
            chain=(*chain, (target.note_id, link.heading)),
            shared=self.shared,
        )
        holder, self.lone_id = self.lone_id, None  # this embed's, not one inside it
        raw, _ = _write(create_parser(), tokens, child)
        body = sanitize(raw, child.filter_attribute)  # its raw HTML lowered from its own folder
        section = link.heading if link.heading and not link.heading.startswith("^") else None
        name = escapeHtml(target.title + (f" > {section}" if section else ""))
        href = self.href_for_note(target, link.heading)
        source = f'<a href="{escapeHtml(href)}" class="internal-link">{name}</a>' if href else name
        opening = '<div class="transclusion">'
        if holder is not None:
            opening = self.with_block_id(holder, opening, "div")
        block = f'{opening}<p class="transclusion-source">{source}</p>\n{body}</div>\n'
        return f"</p>\n{block}<p>" if self.in_paragraph else block

    def asset(self, path: PurePosixPath) -> str | None:
        """Where the output has the vault file ``path``, which it then copies; None to leave
        it out.  A view or drawing is never copied (:data:`~notepress.resolve.NOT_NOTES`),
        whether a wikilink, a markdown link or raw HTML names it."""
        if path.name.lower().endswith(NOT_NOTES):
            return None
        src = self.style.asset_href(path)
        self.read("asset", [path.as_posix()], src)
        if src is not None:
            self.assets.setdefault(path, src)
            self.asset_paths.setdefault(src, path)
            self.emitted.add(src)
        return src

    def lower_url(self, url: str) -> str | None:
        """Where a URL written in the note (markdown or raw HTML) leads in this output."""
        url = url.strip()
        if url.startswith("//") and not url.startswith("///"):
            # Protocol-relative, as pasted from a web page: its page's scheme, which every
            # published output here has as https.  Read as a vault path, it was dropped.
            url = "https:" + url
        parts = urlsplit(url)
        if parts.scheme:
            if not is_public_url(url):  # loopback, private range, file: (a warning at load)
                return None
            if parts.scheme.lower() in ("http", "https", "mailto"):
                url = _one_hash(url, parts.fragment)
                if parts.scheme.lower() != "mailto":
                    self.external.setdefault(url, None)
                return url
            return None
        if url.startswith("#"):
            return self.href_for_note(self.note, unquote(url[1:]), raw_id=True)
        target = local_target(url, self.note, self.attachment, self.resolve)
        if target.file is not None:
            return self.asset(target.file)
        if target.note is None:
            return None
        return self.href_for_note(target.note, unquote(parts.fragment) or None)

    def local_file(self, url: str) -> PurePosixPath | None:
        """The vault file a URL written in the note names, if it names one."""
        url = url.strip()
        if not url or url.startswith(("#", "//")) or urlsplit(url).scheme:
            return None
        return local_target(url, self.note, self.attachment, self.resolve).file

    def attachment(self, path: str) -> PurePosixPath | None:
        found = self.vault.attachment(path)
        self.read("attachment", [path], found.as_posix() if found else None)
        return found

    def filter_attribute(self, tag: str, attribute: str, value: str) -> str | None:
        """Lower the URLs raw HTML carries; URLs the renderer wrote itself pass as they are.

        ``epub:type`` passes only where the ``endnotes`` rule writes it.
        """
        if attribute == "style" and tag == "img":
            return value if value in self.styles else None
        if attribute in _SPANS:
            return _clamped_span(attribute, value)
        if attribute == "epub:type":
            kind, _, mark = value.partition(" ")
            if mark != self.mark:
                return None
            # A footnote's HTML, and an embedded part, are sanitised again in the note.
            return value if self.in_footnote or self.host is not None else kind
        if attribute not in ("href", "src", "cite"):
            return value
        if value in self.emitted:
            return value
        lowered = self.lower_url(value)
        if lowered is not None:
            self.emitted.add(lowered)  # a footnote's HTML is sanitised again inside the note
        return lowered


#: The largest value of each span attribute, as HTML's table model clamps them: a pasted
#: ``colspan="99999999999"`` made WeasyPrint and pandoc lay out that many columns, and took
#: a whole digest and a whole book down with it.
_SPANS = {"colspan": 1000, "span": 1000, "rowspan": 65534, "columnspan": 1000}


def _clamped_span(attribute: str, value: str) -> str | None:
    """``value`` of the span ``attribute`` within ``[1, its largest]`` (``rowspan="0"``
    kept: to the group's end); None, dropping it, when it is no number."""
    text = value.strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text[:12])
    if number == 0:
        return "0" if attribute == "rowspan" else "1"
    return str(min(number, _SPANS[attribute]))


# render rules ---------------------------------------------------------------------------


def _one_hash(url: str, fragment: str) -> str:
    """``url`` with any ``#`` after the first escaped: a fragment cannot hold one (RFC 3986),
    and an EPUB reader refuses the chapter's link.  A pasted citation run such as
    ``...#cite_note-9)[[10]](https://...#cite_note-10)`` autolinks as one URL with two.
    Browsers decode ``%23`` in a fragment, so the link leads where it did."""
    if "#" not in fragment:
        return url
    return url[: len(url) - len(fragment)] + fragment.replace("#", "%23")


def _ctx(env: dict[str, Any]) -> _RenderContext:
    return env["notepress"]


def _mathml(tex: str, display: bool) -> str | None:
    """MathML of ``tex``, MathJax's own commands as standard TeX (:func:`~.math.standard_tex`)
    and a display formula's bare rows as an environment's (:func:`~.math.display_rows`)
    when the converter takes them so; the annotation holds what was converted (a book's
    pandoc reads it), ``alttext`` the formula as written."""
    source = standard_tex(tex)
    rows = display_rows(source) if display else source
    return (rows != tex and to_mathml(rows, display, alt=tex)) or to_mathml(tex, display)


def _svg(tex: str, display: bool) -> Svg | TooComplex | Unprintable | None:
    rows = display_rows(tex) if display else tex
    drawn = to_svg(rows, display) if rows != tex else None
    # Too complex as rows is too complex as written: the same nesting, drawn no cheaper.
    return drawn if drawn is not None else to_svg(tex, display)


_IMAGE = re.compile(r"<img\b[^>]*>")
_ALT = re.compile(r'\salt="([^"]*)"')


def _unsourced_images(html: str) -> str:
    """Sanitised ``html`` with each image whose source no output may use (a missing file,
    a private address: reported at load) written as its alternative text, which a reader
    would otherwise never see: an ``img`` without ``src`` shows as a broken image or nothing."""
    if "<img" not in html:
        return html

    def text(match: re.Match[str]) -> str:
        element = match.group(0)
        if " src=" in element:
            return element
        alt = _ALT.search(element)
        # Escaped as an attribute's value: ``<`` may stand there as written, not in text.
        return alt.group(1).replace("<", "&lt;").replace(">", "&gt;") if alt else ""

    return _IMAGE.sub(text, html)


def _with_diagrams(html: str, context: _RenderContext) -> str:
    """Sanitised HTML with each drawn diagram in place of its placeholder."""
    for placeholder, drawn in context.shared.diagrams.items():
        html = html.replace(placeholder, drawn)
    return html


def _fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A ```` ```mermaid ```` block as a diagram (:mod:`.diagrams`), a query block as
    nothing (with a warning), any other as code (a block a plugin draws with a warning:
    :mod:`.plugindiagrams`)."""
    token = tokens[idx]
    query = query_language(token)
    if query is not None:  # :mod:`.queries`
        context = _ctx(env)
        line = context.file_line(token.map[0] if token.map else None)
        context.warn("query-block", query_message(query), line)
        return ""
    drawn_elsewhere = plugin_diagram(token)
    if drawn_elsewhere is not None:
        context = _ctx(env)
        line = context.file_line(token.map[0] if token.map else None)
        context.warn("diagram-unsupported", diagram_message(drawn_elsewhere), line)
    language = token.info.strip().split(maxsplit=1)[:1]
    if language != ["mermaid"]:
        return str(type(self).fence(self, tokens, idx, options, env))
    context = _ctx(env)
    context.read("mermaid", [], mermaid_identity())
    drawing = draw_mermaid(token.content)
    if drawing.problem is not None:
        code, message = drawing.problem
        context.warn(code, message, context.file_line(token.map[0] if token.map else None))
    if drawing.svg is None:
        return diagram_html(token.content, drawing)
    # An image stays an image wherever the note is reshaped (a footnote at its call).
    placeholder = (
        f'<img class="{context.mark}-diagram-{len(context.shared.diagrams)}" alt="Diagram">'
    )
    context.shared.diagrams[placeholder] = diagram_image(drawing.svg)
    return diagram_html(token.content, drawing, placeholder)


def _link_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    context = _ctx(env)
    written = str(tokens[idx].attrGet("href") or "")
    href = context.lower_url(written)
    context.open_links.append(href is not None)
    if href is None:
        if tokens[idx].markup == "autolink" and _is_private(written):
            context.hidden_text = True  # the autolink's text is the address just refused
            return escapeHtml(_REMOVED_LINK)
        return ""
    context.emitted.add(href)
    return f'<a href="{escapeHtml(href)}">'


def _link_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    context = _ctx(env)
    context.hidden_text = False
    return "</a>" if context.open_links and context.open_links.pop() else ""


def _text(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """Text as markdown-it writes it, except the text of an autolink whose URL was refused.

    A line or paragraph separator (U+2028, U+2029, left by text pasted from word processors
    and web pages) is a line break, as a browser and Obsidian show it: a PDF printed it as
    an empty box, no font having a glyph for it."""
    if _ctx(env).hidden_text:
        return ""
    html = escapeHtml(tokens[idx].content)
    return _SEPARATORS.sub("<br>\n", html) if "\u2028" in html or "\u2029" in html else html


_SEPARATORS = re.compile("[\u2028\u2029]+")


def _is_private(url: str) -> bool:
    """A web or file address that is not public (loopback, private range, local file)."""
    return urlsplit(url.strip()).scheme.lower() in ("http", "https", "file") and not (
        is_public_url(url)
    )


def _same(written: Link, link: Link) -> bool:
    """Whether the loader's ``written`` link (with a line) is ``link`` (without one)."""
    return (written.target, written.heading, written.alias, written.embed) == (
        link.target,
        link.heading,
        link.alias,
        link.embed,
    )


def _repeats(chain: Sequence[tuple[str, str | None]], target: Note, part: str | None) -> bool:
    """Whether embedding ``part`` of ``target`` would show again what is being shown.

    A whole note is being shown when any part of it is (it holds them all); a part when that
    same part is.  A note may show another of its own sections (Obsidian's help does): the
    depth limit stops whatever this does not catch.
    """
    if part is None:
        return any(note_id == target.note_id for note_id, _ in chain)
    return (target.note_id, part) in chain


def _cycle(
    chain: Sequence[tuple[str, str | None]],
    target: Note,
    part: str | None,
    context: _RenderContext,
) -> tuple[str, str]:
    if len(chain) == 1 and chain[0] == (target.note_id, None) and part is None:
        return "embed-cycle", "the note embeds itself; written as a link"

    def name(note_id: str, shown: str | None) -> str:
        note = context.vault.by_id(note_id)
        context.read("by_id", [note_id], note.path.as_posix() if note is not None else None)
        path = note.path.as_posix() if note is not None else note_id
        return f"{path}#{shown}" if shown else path

    start = next(i for i, (note_id, _) in enumerate(chain) if note_id == target.note_id)
    loop = " -> ".join([*(name(*item) for item in chain[start:]), name(target.note_id, part)])
    return "embed-cycle", f"embeds form a cycle ({loop}); written as a link"


def _without_size(link: Link) -> Link:
    """``link`` without an alias that is a display size (``![[Note|400]]``,
    ``![[pic.png|400x300]]``): where the embed cannot be shown, a draft, a missing note or
    file, or a link in its place, its name stands there, not the number."""
    if link.alias and split_size("|" + link.alias)[1] is not None:
        return link._replace(alias=None)
    return link


def _embed_text(link: Link) -> str:
    """What a missing embed shows: its alias, else its file name, never a local path."""
    return link.alias or PurePosixPath(link.target).name or link.target


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    context = _ctx(env)
    alt, width, height = split_size(self.renderInlineAsText(token.children or [], options, env))
    written = str(token.attrGet("src") or "")
    card = embed_card(written) if urlsplit(written.strip()).scheme else None
    if card is not None:  # Obsidian plays a video link written as an image
        context.lower_url(card.url)
        context.emitted.add(card.url)
        if len(tokens) == 1:  # the paragraph is the card (see _paragraph_open)
            return card.link()
        return f'<span class="embed-card">{card.link()}</span>'
    src = context.lower_url(written)
    file = context.local_file(written)
    if file is not None and file.suffix.lower() not in IMAGE_SUFFIXES:
        # Obsidian shows a PDF, a sound or a film written as an image as ``![[...]]`` shows
        # it; an ``<img>`` of one is a broken picture in every reader.
        if src is not None:
            context.emitted.add(src)
        name = alt or file.name
        kind = context.media_kind(file)
        if kind is not None:
            return media_html(kind, src, name)
        if src is None:
            return escapeHtml(name)
        return f'<a href="{escapeHtml(src)}" class="attachment">{escapeHtml(name)}</a>'
    if src is None:
        return escapeHtml(alt)
    context.emitted.add(src)
    title = token.attrGet("title")
    title_attr = f' title="{escapeHtml(str(title))}"' if title else ""
    return (
        f'<img src="{escapeHtml(src)}" alt="{escapeHtml(alt)}"{title_attr}{_dims(width, height)}>'
    )


def _dims(width: int | None, height: int | None) -> str:
    """``width`` and ``height`` attributes of a sized image (``|300``, ``|100x80``)."""
    dims = f' width="{width}"' if width else ""
    return dims + (f' height="{height}"' if width and height else "")


def _html(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """Raw HTML is kept (the sanitiser cleans it later), with its wikilinks resolved.

    Between tags a wikilink becomes a link; inside a tag (an attribute value) it can only
    become its text.
    """
    context = _ctx(env)
    token = tokens[idx]
    content = as_obsidian_reads(token.content, block=token.type == "html_block")
    content = frame_cards(checkboxes_as_glyphs(content))
    if "[[" not in content:
        return content
    parts = []
    for index, piece in enumerate(split_tags(content)):
        if index % 2:
            parts.append(
                WIKILINK_RE.sub(lambda m: escapeHtml(parse_wikilink(m.group(2)).text), piece)
            )
        else:
            parts.append(WIKILINK_RE.sub(lambda m: _html_link(context, m), piece))
    return "".join(parts)


def _softbreak(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A single newline in a paragraph: a line break, as Obsidian shows it, unless the vault
    turns on strict line breaks (markdown's joining).  Code holds no soft breaks."""
    return "\n" if _ctx(env).strict_line_breaks() else "<br>\n"


def _wikilink(match: re.Match[str]) -> Link:
    return parse_wikilink(match.group(2), embed=bool(match.group(1)))


def _html_link(context: _RenderContext, match: re.Match[str]) -> str:
    """A wikilink between raw HTML's tags; ``[[ ]]``, which names nothing, stays as written."""
    link = _wikilink(match)
    return match.group(0) if link.names_nothing else context.render_link(link)


def _list_item_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """Task items carry a check mark glyph, not a form control: outputs hold no forms."""
    token = tokens[idx]
    context = _ctx(env)
    result = context.with_block_id(token, self.renderToken(tokens, idx, options, env))
    if token.meta and "checked" in token.meta:
        if token.meta["checked"]:
            glyph = '<span class="task-checkbox task-done">\u2611</span> '
        else:
            glyph = '<span class="task-checkbox">\u2610</span> '
        following = tokens[idx + 1] if idx + 1 < len(tokens) else None
        if (
            following is not None
            and following.type == "paragraph_open"
            and not following.hidden
            and not {LONE_EMBED, HEADING_EMBED} & (following.meta or {}).keys()
        ):
            # A loose list's item holds its text in a paragraph: the glyph goes inside it,
            # or it stood on a line of its own above its text (in print too).
            context.checkbox = glyph
        else:
            result += glyph
    return result


def _footnote_ref(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A call of a footnote, written as the output's footnote rule says."""
    token = tokens[idx]
    number = token.meta["id"] + 1
    context = _ctx(env)
    if context.footnote_rule != "list" and context.in_footnote:
        return f'<sup class="footnote-again">{number}</sup>'  # no note in a note
    if context.footnote_rule == "inline":
        body = context.footnote_html.get(number)
        if body is None or number in context.placed:
            return f'<sup class="footnote-again">{number}</sup>'
        context.placed.add(number)
        fn_id = context.footnote_id(f"fn-{number}")
        return f'<span class="footnote" id="{fn_id}">{phrasing(body)}</span>'
    href = context.footnote_href(f"fn-{number}")
    if context.footnote_rule == "endnotes":
        return f'<a epub:type="noteref {context.mark}" href="{escapeHtml(href)}">{number}</a>'
    ref = context.footnote_id(_call_id(token.meta))
    return f'<sup class="footnote-ref"><a href="{escapeHtml(href)}" id="{ref}">[{number}]</a></sup>'


def _footnote_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    number = tokens[idx].meta["id"] + 1
    return f'<li id="{_ctx(env).footnote_id(f"fn-{number}")}" class="footnote-item">'


def _footnote_anchor(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    number = token.meta["id"] + 1
    sub = token.meta.get("subId", 0)
    context = _ctx(env)
    href = context.footnote_href(f"fnref-{number}" + (f"-{sub}" if sub > 0 else ""))
    return f' <a href="{escapeHtml(href)}" class="footnote-backref">\u21a9\ufe0e</a>'


def _footnote_block_open(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
) -> str:
    return '<section class="footnotes">\n<ol class="footnotes-list">\n'


def _wikilink_token(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A wikilink or embed; an embed inside a paragraph may have to close it (a block)."""
    token = tokens[idx]
    context = _ctx(env)
    context.in_paragraph = bool(token.meta.get(IN_PARAGRAPH))
    try:
        html = context.render_link(token.meta["link"])
    finally:
        context.in_paragraph = False
    if token.meta["link"].embed and html and not html.startswith("<"):
        # An embed shown as its name (a missing file, a view): Obsidian draws it as a box
        # of its own, so a word written against it stays apart ("went fine![[x.png]]").
        if _glued(tokens, idx - 1, -1):
            html = " " + html
        if _glued(tokens, idx + 1, 0):
            html += " "
    return html


def _glued(tokens: Sequence[Token], idx: int, end: int) -> bool:
    """Whether the text token at ``idx`` has a letter or digit at its ``end`` (0 or -1)."""
    if not 0 <= idx < len(tokens) or tokens[idx].type != "text":
        return False
    content = tokens[idx].content
    return bool(content) and content[end].isalnum()


def _block_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """An element that may carry a block id (``^id``)."""
    return _ctx(env).with_block_id(tokens[idx], self.renderToken(tokens, idx, options, env))


def _paragraph_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A paragraph; none around an embed shown as a block of its own."""
    if _transcluded(tokens[idx], tokens[idx + 1], env):
        context = _ctx(env)
        context.lone_open = True
        context.lone_id = tokens[idx] if BLOCK_ID in (tokens[idx].meta or {}) else None
        return ""
    if _unshown_under_heading(tokens[idx], tokens[idx + 1], env):
        _ctx(env).unshown_open = True
        return ""
    html = _block_open(self, tokens, idx, options, env)
    if html.startswith("<p") and _lone_card(tokens[idx + 1]):
        html = '<p class="embed-card"' + html[2:]
    context = _ctx(env)
    if context.checkbox:
        html, context.checkbox = html + context.checkbox, ""
    return html


def _lone_card(inline: Token) -> bool:
    """Whether a paragraph holds nothing but an image of a video page (written as a card)."""
    children = inline.children or ()
    if len(children) != 1 or children[0].type != "image":
        return False
    src = str(children[0].attrGet("src") or "").strip()
    return bool(urlsplit(src).scheme) and embed_card(src) is not None


def _paragraph_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    context = _ctx(env)
    if (tokens[idx].meta or {}).get(LONE_EMBED) and context.lone_open:
        context.lone_open = False
        return "\n"
    if (tokens[idx].meta or {}).get(HEADING_EMBED) and context.unshown_open:
        context.unshown_open = False
        return ""
    return str(self.renderToken(tokens, idx, options, env))


def _unshown_under_heading(paragraph: Token, inline: Token, env: Any) -> bool:
    """Whether ``paragraph`` is that of an embed written as a heading, which shows neither
    the note nor a link to it (a draft, a note not found): its name alone, which the
    heading shows."""
    return _lone_plan(paragraph, inline, env, HEADING_EMBED) not in (None, "transclude", "link")


def _transcluded(paragraph: Token, inline: Token, env: Any) -> bool:
    return _lone_plan(paragraph, inline, env, LONE_EMBED) == "transclude"


def _lone_plan(paragraph: Token, inline: Token, env: Any, mark: str) -> str | None:
    """How the note embedded by the paragraph marked ``mark`` is shown (see ``_Plan``);
    None for another paragraph, or an embed of a file."""
    if not (paragraph.meta or {}).get(mark):
        return None
    context = _ctx(env)
    for child in inline.children or ():
        if child.type == "wikilink":
            link = child.meta["link"]
            return None if context.linked_file(link) is not None else context.plan(link).kind
    return None


def _code_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """Code, or a Dataview inline query (:mod:`.queries`): the note's own field it shows,
    else nothing, with a warning (the loader warned of the other queries already)."""
    token = tokens[idx]
    if not inline_query(token.content):
        return str(type(self).code_inline(self, tokens, idx, options, env))
    context = _ctx(env)
    note = context.note
    fields = {
        **note.extra,
        "title": note.title,
        "description": note.description,
        "note_id": note.note_id,
        "tags": list(note.tags),
        "aliases": list(note.aliases),
        "keywords": list(note.keywords),
    }
    value = own_field(token.content, note.path, fields)
    if value is None and reads_own_field(token.content):
        context.warn("query-inline", inline_query_message(token.content, found=False), None)
    return "" if value is None else escapeHtml(value)


def _math_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    display = token.type == "math_inline_double"
    return _ctx(env).formula(token.content, display, (token.meta or {}).get(MATH_LINE))


def _math_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """Display math in its ``div``, which carries the formula's block id (``^id``)."""
    token = tokens[idx]
    line = token.map[0] if token.map else None
    context = _ctx(env)
    return context.with_block_id(token, context.formula(token.content, True, line, block=True))


_RULES: dict[str, Callable[..., str]] = {
    "code_inline": _code_inline,
    "math_inline": _math_inline,
    "math_inline_double": _math_inline,
    "math_block": _math_block,
    "link_open": _link_open,
    "link_close": _link_close,
    "text": _text,
    "softbreak": _softbreak,
    "image": _image,
    "html_block": _html,
    "html_inline": _html,
    "list_item_open": _list_item_open,
    "wikilink": _wikilink_token,
    "paragraph_open": _paragraph_open,
    "paragraph_close": _paragraph_close,
    "table_open": _block_open,
    "blockquote_open": _block_open,
    "callout_open": _block_open,
    "bullet_list_open": _block_open,
    "ordered_list_open": _block_open,
    "footnote_ref": _footnote_ref,
    "footnote_open": _footnote_open,
    "footnote_anchor": _footnote_anchor,
    "footnote_block_open": _footnote_block_open,
    "fence": _fence,
}


def _install_render_rules(md: MarkdownIt) -> None:
    """The renderer's rules, on the one parser every note is read with.

    Parsing (:mod:`.parser`) needs none of them, so the loader reads notes without this
    module; rendering needs all, so they are in place as soon as it is imported.
    """
    for rule, function in _RULES.items():
        md.add_render_rule(rule, function)


_install_render_rules(create_parser())
