"""The book as pandoc's own JSON document, read in a third of the time pandoc takes for HTML.

pandoc spends about 40% of an EPUB build reading the book's HTML (tagsoup, then its HTML
reader) and keeps that HTML's tag list in memory; reading the same document as JSON costs it
a second.  This module builds that JSON from the same HTML chapters :mod:`.book` writes,
reproducing what pandoc's HTML reader (with ``epub_html_exts``) makes of them, node for
node: whitespace becomes ``Space`` or ``SoftBreak`` and moves out of emphasis and links,
``<p>`` is ``Para`` and loose text ``Plain``, footnote calls take their ``<aside>``'s blocks,
``data-`` prefixes are dropped from attributes, and so on.

Only the elements the renderer and the book's reshaping write are converted, formulas
included (pandoc reads a formula's TeX annotation, which the renderer always writes); a
chapter with anything else (MathML without TeX, inline SVG, definition lists, merged table
cells, unusual attributes) is left to pandoc's reader, which needs some 300 MB of memory for
each megabyte of HTML: its HTML is read by one ``pandoc -t json`` run for all such
chapters, and its blocks are put in their place.  The book is therefore the same whichever
way a chapter went, which the tests check against pandoc's reading of the whole HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import unquote

import orjson

from notepress.errors import ExportError
from notepress.markdown.tree import Element, html_tree

__all__ = ["DATA_DROPPED", "DATA_KEPT", "book_document", "chapter_blocks", "head_meta"]

Node = dict[str, Any]
Attr = list[Any]

_WHITESPACE = re.compile(r"[ \t\n\r]+")
_SPLIT = re.compile(r"([ \t\n\r]+)")
#: Word nodes by word, shared (see :func:`_text`); cleared after each book.
_WORDS: dict[str, Node] = {}
_SPACE: Node = {"t": "Space"}
_SOFT: Node = {"t": "SoftBreak"}
_MATHML = "http://www.w3.org/1998/Math/MathML"
#: pandoc's reader drops the ``data-`` of an attribute unless what follows is the name of an
#: HTML attribute (``data-src`` stays ``data-src``, ``data-player`` becomes ``player``).  The
#: names the renderer and the book write, each checked against pandoc by the tests; any
#: other ``data-`` attribute is left to pandoc.
DATA_DROPPED = frozenset({"callout", "callout-fold", "callout-metadata", "player", "heading", "x"})
DATA_KEPT = frozenset({"src", "href", "title", "width", "height", "alt", "lang", "dir", "style"})
#: The attribute a block of a right-to-left note carries; pandoc keeps it on tables, rows,
#: cells and headings only.
_DIRECTION = ("dir",)
_BREAK: Node = {"t": "LineBreak"}
#: pandoc moves spaces at the edges of these out of them (its ``extractSpaces``).
_EXTRACTING = {
    "em": "Emph",
    "i": "Emph",
    "strong": "Strong",
    "b": "Strong",
    "s": "Strikeout",
    "del": "Strikeout",
    "strike": "Strikeout",
    "sup": "Superscript",
    "sub": "Subscript",
    "u": "Underline",
    "ins": "Underline",
}
#: Inline elements pandoc reads as a ``Span`` with the tag as its class (``small`` with
#: its edge spaces moved out, the others with them kept in).
_CLASSED_SPANS = frozenset({"mark", "kbd", "small"})
#: Inline elements pandoc reads through: only their content is kept.
_TRANSPARENT = frozenset({"time"})
_BLOCK_TAGS = frozenset(
    {"p", "div", "ul", "ol", "blockquote", "pre", "hr", "table", "aside"}
    | {f"h{level}" for level in range(1, 7)}
)
_ALIGNMENTS = {"left": "AlignLeft", "right": "AlignRight", "center": "AlignCenter"}
_CELL_STYLE = re.compile(r"^text-align:\s*(left|right|center);?$")
#: Neighbours of these kinds become one (``Emph [a] <> Emph [b]`` is ``Emph [a, b]``).
_JOINED = frozenset({"Emph", "Underline", "Strong", "Subscript", "Superscript", "Strikeout"})
_KEEP_FIRST = frozenset(
    {
        ("Space", "Space"),
        ("SoftBreak", "Space"),
        ("SoftBreak", "SoftBreak"),
        ("LineBreak", "Space"),
        ("LineBreak", "SoftBreak"),
    }
)
_KEEP_SECOND = frozenset(
    {("Space", "SoftBreak"), ("Space", "LineBreak"), ("SoftBreak", "LineBreak")}
)
_PARAISH = frozenset({"Para", "CodeBlock", "Header", "BlockQuote"})
_LISTS = frozenset({"BulletList", "OrderedList", "DefinitionList"})


class _NotConvertible(Exception):
    """The chapter holds something this module does not reproduce: pandoc reads it."""


_CHAPTER_START = re.compile(r'<h[1-6] id="([^"]+)"')

ReadHtml = Callable[[str], dict[str, Any]]
"""pandoc's own reading of an HTML document, as its JSON document."""


# the document ------------------------------------------------------------------------------


def book_document(
    title: str,
    meta: Iterable[tuple[str, str]],
    sections: Sequence[str],
    api_version: Sequence[int],
    read_html: ReadHtml,
) -> bytes:
    """The JSON text (UTF-8) of the book whose HTML is ``title``, ``meta`` and ``sections``
    (each a part heading or chapter title and what follows it, as :mod:`.book` writes them).

    Chapters this module cannot reproduce are read by pandoc, all in one ``read_html``
    call, and put back in their places.
    """
    chapters: list[list[Node] | None] = []
    left: list[int] = []
    for index, section in enumerate(sections):
        try:
            chapters.append(chapter_blocks(section))
        except _NotConvertible:
            chapters.append(None)
            left.append(index)
    if left:
        read = read_html("<body>\n" + "".join(sections[i] for i in left) + "</body>\n")
        _link_targets_decoded(read["blocks"])
        cut = _cut(read["blocks"], [sections[i] for i in left])
        for index, blocks in zip(left, cut, strict=True):
            chapters[index] = blocks
    blocks = [block for chapter in chapters for block in chapter or ()]
    document = {
        "pandoc-api-version": list(api_version),
        "meta": head_meta(title, meta),
        "blocks": blocks,
    }
    _WORDS.clear()
    return orjson.dumps(compacted(document))


#: Inline node kinds (pandoc's ``Inline`` constructors): a list that starts with one is a
#: list of inlines.  Block kinds have other names.
_INLINE_KINDS = frozenset(
    {
        "Str",
        "Space",
        "SoftBreak",
        "LineBreak",
        "Emph",
        "Underline",
        "Strong",
        "Strikeout",
        "Superscript",
        "Subscript",
        "SmallCaps",
        "Quoted",
        "Cite",
        "Code",
        "Math",
        "RawInline",
        "Link",
        "Image",
        "Note",
        "Span",
    }
)
#: What pandoc writes for each kind of whitespace node: ``--wrap=none`` (see
#: :func:`~.pandoc.run_pandoc`) writes a soft break as one space.
_WHITESPACE_TEXT = {"Space": " ", "SoftBreak": " "}


def compacted(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every run of words and spaces made one ``Str``: the same book.

    pandoc's readers make a node of each word and each space, and its EPUB writer writes a
    space node as a space: the run ``Str "a", Space, Str "b"`` and the one node
    ``Str "a b"`` give the same bytes (the tests build both books), while a third of the
    nodes cost pandoc a quarter less time to read, keep and write.  Changed in place.
    """
    for value in document["meta"].values():
        _compact_node(value)
    _compact_list(document["blocks"])
    return document


def _compact_node(node: Node) -> None:
    content = node.get("c")
    if type(content) is list:
        if content and type(content[0]) is dict and content[0].get("t") in _INLINE_KINDS:
            node["c"] = _compact_inlines(content)
        else:
            _compact_list(content)
    elif type(content) is dict:
        _compact_node(content)


def _compact_list(items: list[Any]) -> None:
    """Compact the lists of inlines among ``items`` (nodes, or lists of them, at any depth)."""
    for index, item in enumerate(items):
        kind = type(item)
        if kind is dict:
            _compact_node(item)
        elif kind is list and item:
            first = item[0]
            if type(first) is dict and first.get("t") in _INLINE_KINDS:
                items[index] = _compact_inlines(item)
            else:
                _compact_list(item)


def _compact_inlines(nodes: list[Node]) -> list[Node]:
    out: list[Node] = []
    run: list[str] = []
    for node in nodes:
        kind = node["t"]
        if kind == "Str":
            run.append(node["c"])
        elif kind in _WHITESPACE_TEXT:
            run.append(_WHITESPACE_TEXT[kind])
        else:
            if run:
                out.append({"t": "Str", "c": "".join(run)})
                run = []
            _compact_node(node)
            out.append(node)
    if run:
        out.append({"t": "Str", "c": "".join(run)})
    return out


def _cut(blocks: list[Node], sections: Sequence[str]) -> list[list[Node]]:
    """pandoc's blocks of several sections read together, section by section: each opens
    with its heading, whose id is unique in the book."""
    starts = []
    for section in sections:
        found = _CHAPTER_START.match(section)
        if found is None:
            raise ExportError("a section of the book does not open with its heading")
        starts.append(html.unescape(found.group(1)))
    cuts: list[list[Node]] = []
    expected = 0
    for block in blocks:
        if (
            expected < len(starts)
            and block["t"] == "Header"
            and block["c"][1][0] == starts[expected]
        ):
            cuts.append([])
            expected += 1
        if not cuts:
            raise ExportError("pandoc's reading of the book's chapters lost a heading")
        cuts[-1].append(block)
    if expected != len(starts):
        raise ExportError("pandoc's reading of the book's chapters lost a heading")
    return cuts


def head_meta(title: str, fields: Iterable[tuple[str, str]]) -> dict[str, Node]:
    """The metadata pandoc reads from ``<title>`` and ``<meta name content>``: a name given
    again becomes a list, in order."""
    meta: dict[str, Node] = {
        "title": {"t": "MetaInlines", "c": _trimmed(_text(title.replace("\r", "")))}
    }
    for name, content in fields:
        value = {"t": "MetaInlines", "c": _text(content.replace("\r", ""))}
        old = meta.get(name)
        if old is None:
            meta[name] = value
        elif old["t"] == "MetaList":
            old["c"].append(value)
        else:
            meta[name] = {"t": "MetaList", "c": [old, value]}
    return meta


def chapter_blocks(section: str) -> list[Node]:
    """pandoc's blocks for one chapter's HTML (part heading, title, notes), or
    :class:`_NotConvertible`."""
    section = section.replace("\r", "")  # pandoc drops carriage returns before it reads
    if "\t" in section:
        section = expand_tabs(section)
    root = html_tree(section)
    notes = _footnotes(root)
    # The book's body holds headings, so its loose text is paragraphs.
    return _fix_plains(_Reader(notes).blocks(root), in_list=False)


def expand_tabs(text: str, stop: int = 4) -> str:
    """pandoc's ``tabFilter``: every tab in its input becomes spaces to the next multiple of
    four columns, counted from the start of the line (a chapter starts on a line of its own).
    """
    return "\n".join(line.expandtabs(stop) for line in text.split("\n"))


def _footnotes(root: Element) -> dict[str, Element]:
    """The chapter's footnotes by id; they leave the flow, as pandoc takes them out of it."""
    found: dict[str, Element] = {}
    for aside in root.iter("aside"):
        if aside.get("epub:type") != "footnote" or set(aside.attrib) != {"epub:type", "id"}:
            raise _NotConvertible("aside")
        found.setdefault(aside.get("id", ""), aside)
    return found


# reading -----------------------------------------------------------------------------------


class _Reader:
    def __init__(self, notes: dict[str, Element]) -> None:
        self.notes = notes

    # blocks ----------------------------------------------------------------------------

    def blocks(self, parent: Element) -> list[Node]:
        """``parent``'s content as blocks: loose inline content between blocks is ``Plain``."""
        out: list[Node] = []
        pending: list[Node] = []

        def flush() -> None:
            if pending:
                inlines = _trimmed(pending)
                if inlines:
                    out.append({"t": "Plain", "c": inlines})
                pending.clear()

        if parent.text:
            pending.extend(_text(parent.text))
        for child in parent:
            tag = child.tag
            if not isinstance(tag, str):
                raise _NotConvertible("comment")
            if tag in _BLOCK_TAGS:
                flush()
                out.extend(self.block(child))
            else:
                _extend(pending, self.inline(child))
            if child.tail:
                _extend(pending, _text(child.tail))
        flush()
        return out

    def block(self, element: Element) -> list[Node]:
        tag = element.tag
        if tag == "p":
            _only_attributes(element, _DIRECTION)  # pandoc keeps no attribute of a paragraph
            inlines = _trimmed(self.inlines(element))
            return [{"t": "Para", "c": inlines}] if inlines else []
        if tag == "div":
            return [{"t": "Div", "c": [_attr(element), self.blocks(element)]}]
        if tag in ("ul", "ol"):
            return [self.listing(element)]
        if tag == "blockquote":
            _only_attributes(element, _DIRECTION)
            return [{"t": "BlockQuote", "c": _fix_plains(self.blocks(element), in_list=False)}]
        if tag == "pre":
            return [_code_block(element)]
        if tag == "hr":
            _only_attributes(element, ())
            return [{"t": "HorizontalRule"}]
        if tag == "table":
            return [self.table(element)]
        if tag == "aside":
            return []  # a footnote: its blocks are at its call
        level = int(tag[1])
        attr = _attr(element)
        if not attr[0]:
            raise _NotConvertible("heading without id")  # pandoc would make one up
        return [{"t": "Header", "c": [level, attr, _trimmed(self.inlines(element))]}]

    def listing(self, element: Element) -> Node:
        if element.tag == "ul":
            _only_attributes(element, _DIRECTION)
        else:
            _only_attributes(element, ("start", *_DIRECTION))
        items = []
        if (element.text or "").strip():
            raise _NotConvertible("text in a list")
        for item in element:
            if item.tag != "li" or (item.tail or "").strip():
                raise _NotConvertible("list content")
            if "id" in item.attrib or set(item.attrib) - {"class", *_DIRECTION}:
                raise _NotConvertible("list item attributes")
            blocks = self.blocks(item)
            if any(block["t"] in _PARAISH for block in blocks):
                blocks = [{"t": "Para", "c": b["c"]} if b["t"] == "Plain" else b for b in blocks]
            items.append(blocks)
        if element.tag == "ul":
            return {"t": "BulletList", "c": items}
        start = element.get("start", "1")
        if not start.isdigit():
            raise _NotConvertible("list start")
        style = [int(start), {"t": "DefaultStyle"}, {"t": "DefaultDelim"}]
        return {"t": "OrderedList", "c": [style, items]}

    def table(self, element: Element) -> Node:
        """A plain table: an optional ``thead``, one ``tbody``, no merged cells; a direction
        is kept on the table, its rows and its cells."""
        _only_attributes(element, _DIRECTION)
        sections = list(element)
        if (element.text or "").strip() or any((s.tail or "").strip() for s in sections):
            raise _NotConvertible("text in a table")
        tags = [section.tag for section in sections]
        if tags not in (["tbody"], ["thead", "tbody"]):
            raise _NotConvertible("table layout")
        head_rows = self.rows(sections[0], "th") if tags[0] == "thead" else []
        body_rows = self.rows(sections[-1], "td")
        rows = head_rows + body_rows
        if not body_rows or len(head_rows) > 1:
            raise _NotConvertible("table without body rows, or with several head rows")
        counts = {len(row[1]) for row in rows}
        if len(counts) != 1:
            raise _NotConvertible("ragged table")
        (columns,) = counts
        # Alignments come from the first body row; widths are pandoc's default unless a
        # cell holds more than one line (then each column gets an equal share).
        aligns = [cell[1] for cell in body_rows[0][1]] if body_rows else [_DEFAULT] * columns
        simple = all(_simple_cell(cell[4]) for row in rows for cell in row[1])
        width = {"t": "ColWidthDefault"} if simple else {"t": "ColWidth", "c": 1.0 / columns}
        colspecs = [[align, width] for align in aligns]
        empty: Attr = ["", [], []]
        return {
            "t": "Table",
            "c": [
                _attr(element),  # only a direction, as checked above
                [None, []],
                colspecs,
                [empty, head_rows],
                [[empty, 0, [], body_rows]],
                [empty, []],
            ],
        }

    def rows(self, section: Element, cell_tag: str) -> list[Any]:
        """A section's rows; ``th`` only in the head and ``td`` only in the body (pandoc
        makes a body's leading ``th`` cells row heads)."""
        _only_attributes(section, ())
        rows = []
        if (section.text or "").strip():
            raise _NotConvertible("text in a table")
        for row in section:
            if row.tag != "tr" or (row.tail or "").strip() or (row.text or "").strip():
                raise _NotConvertible("table row")
            _only_attributes(row, _DIRECTION)
            cells = []
            for cell in row:
                if cell.tag != cell_tag or (cell.tail or "").strip():
                    raise _NotConvertible("table cell")
                cells.append(self.cell(cell))
            rows.append([_attr(row), cells])
        return rows

    def cell(self, cell: Element) -> list[Any]:
        _only_attributes(cell, ("style", *_DIRECTION))
        align = "AlignDefault"
        style = cell.get("style")
        if style is not None:
            found = _CELL_STYLE.match(style.strip())
            if found is None:
                raise _NotConvertible("cell style")
            align = _ALIGNMENTS[found.group(1)]
        return [_attr(cell, skip=("style",)), {"t": align}, 1, 1, self.blocks(cell)]

    # inlines ---------------------------------------------------------------------------

    def inlines(self, parent: Element) -> list[Node]:
        out: list[Node] = []
        if parent.text:
            _extend(out, _text(parent.text))
        for child in parent:
            if not isinstance(child.tag, str) or child.tag in _BLOCK_TAGS:
                raise _NotConvertible("block in inline content")
            _extend(out, self.inline(child))
            if child.tail:
                _extend(out, _text(child.tail))
        return out

    def inline(self, element: Element) -> list[Node]:
        tag = element.tag
        kind = _EXTRACTING.get(tag)
        if kind is not None:
            _only_attributes(element, ())
            return _extracted(self.inlines(element), lambda inner: {"t": kind, "c": inner})
        if tag == "a":
            return self.link(element)
        if tag == "span":
            return [{"t": "Span", "c": [_attr(element), self.inlines(element)]}]
        if tag in _CLASSED_SPANS:
            attr = _attr(element)
            attr[1] = [tag, *attr[1]]
            if tag == "small":
                return _extracted(
                    self.inlines(element), lambda inner: {"t": "Span", "c": [attr, inner]}
                )
            return [{"t": "Span", "c": [attr, self.inlines(element)]}]
        if tag in _TRANSPARENT:
            return self.inlines(element)
        if tag == "code":
            # A formula no output can draw is shown as its TeX, classed ``math-tex``.
            _only_attributes(element, ("class",))
            if len(element):
                raise _NotConvertible("markup in code")
            text = _WHITESPACE.sub(" ", element.text or "")
            return [{"t": "Code", "c": [["", element.get("class", "").split(), []], text]}]
        if tag == "br":
            _only_attributes(element, ())
            return [_BREAK]
        if tag == "img":
            return [_image(element)]
        if tag == "math":
            return [_math(element)]
        raise _NotConvertible(f"<{tag}>")

    def link(self, element: Element) -> list[Node]:
        if element.get("epub:type") == "noteref":
            _only_attributes(element, ("epub:type", "href"))
            target = element.get("href", "").lstrip("#")
            if not target:
                raise _NotConvertible("footnote call")
            note = self.notes.get(target)
            return [{"t": "Note", "c": self.blocks(note) if note is not None else []}]
        if "href" not in element.attrib:
            raise _NotConvertible("anchor")
        _only_attributes(element, ("href", "title", "id", "class"))
        attr = _attr(element, skip=("href", "title"))
        target = [_decoded(element.get("href", "")), element.get("title", "")]
        return _extracted(
            self.inlines(element), lambda inner: {"t": "Link", "c": [attr, inner, target]}
        )


def _decoded(href: str) -> str:
    """A link inside the book with its id as the element has it: the sanitiser writes the
    fragment percent-encoded (``#n1-%E5%AE%89``), pandoc matches it to the ids it moves
    between chapters as written, so a link to a heading in any other script than Latin led
    nowhere."""
    return "#" + unquote(href[1:]) if href.startswith("#") and "%" in href else href


def _link_targets_decoded(blocks: Any) -> None:
    """:func:`_decoded` on every link of the blocks pandoc read (in place)."""
    if isinstance(blocks, list):
        for item in blocks:
            _link_targets_decoded(item)
    elif isinstance(blocks, dict):
        if blocks.get("t") == "Link" and isinstance(blocks.get("c"), list):
            target = blocks["c"][2]
            target[0] = _decoded(target[0])
        _link_targets_decoded(blocks.get("c"))


# pieces ------------------------------------------------------------------------------------

_DEFAULT: Node = {"t": "AlignDefault"}


def _fix_plains(blocks: list[Node], *, in_list: bool) -> list[Node]:
    """pandoc's ``fixPlains``: loose text next to a paragraph-like block is a paragraph too
    (in a list item, a nested list does not count)."""
    kinds = _PARAISH if in_list else _PARAISH | _LISTS
    if not any(block["t"] in kinds for block in blocks):
        return blocks
    return [{"t": "Para", "c": b["c"]} if b["t"] == "Plain" else b for b in blocks]


def _simple_cell(blocks: list[Node]) -> bool:
    """pandoc's ``onlySimpleTableCells``: no cell of more than one paragraph or line."""
    if not blocks:
        return True
    return (
        len(blocks) == 1
        and blocks[0]["t"] in ("Plain", "Para")
        and not _has_line_break(blocks[0]["c"])
    )


def _has_line_break(value: Any) -> bool:
    if isinstance(value, dict):
        return value.get("t") == "LineBreak" or _has_line_break(value.get("c"))
    if isinstance(value, list):
        return any(_has_line_break(item) for item in value)
    return False


def _text(text: str) -> list[Node]:
    """pandoc's inlines for a run of text (its ``Builder.text``): words, and ``Space`` or
    (with a newline) ``SoftBreak`` for each run of whitespace.

    Even pieces of the split are words (empty at the ends), odd ones the whitespace
    between them.  A word's node is shared by every use of the word: nodes are never
    changed once made, and a book repeats its words a thousand times over.
    """
    words = _WORDS
    return [
        (_SOFT if "\n" in piece else _SPACE)
        if index % 2
        else words.get(piece) or words.setdefault(piece, {"t": "Str", "c": piece})
        for index, piece in enumerate(_SPLIT.split(text))
        if piece
    ]


def _is_space(node: Node) -> bool:
    return node["t"] in ("Space", "SoftBreak")


def _extend(out: list[Node], more: list[Node]) -> None:
    """``out <> more`` as pandoc's ``Inlines`` join them: only the two nodes where they meet
    may become one (neighbouring words, spaces and breaks, emphases of one kind)."""
    if not more:
        return
    if not out:
        out.extend(more)
        return
    last, node = out[-1], more[0]
    pair = (last["t"], node["t"])
    rest = 1
    if pair == ("Str", "Str"):
        out[-1] = {"t": "Str", "c": last["c"] + node["c"]}
    elif pair in _KEEP_FIRST:
        pass
    elif pair in _KEEP_SECOND:
        out[-1] = node
    elif pair[0] == pair[1] and pair[0] in _JOINED:
        # pandoc joins the two lists as they are: no words are merged inside.
        out[-1] = {"t": last["t"], "c": last["c"] + node["c"]}
    else:
        rest = 0
    out.extend(more[rest:])


def _trimmed(nodes: list[Node]) -> list[Node]:
    start, end = 0, len(nodes)
    while start < end and _is_space(nodes[start]):
        start += 1
    while end > start and _is_space(nodes[end - 1]):
        end -= 1
    return nodes[start:end]


def _extracted(inner: list[Node], make: Callable[[list[Node]], Node]) -> list[Node]:
    """``make`` of ``inner`` without its edge spaces, which go before and after it."""
    out: list[Node] = []
    if inner and _is_space(inner[0]):
        out.append(inner[0])
    out.append(make(_trimmed(inner)))
    if inner and _is_space(inner[-1]):
        out.append(inner[-1])
    return out


def _attr(element: Element, skip: Sequence[str] = ()) -> Attr:
    """pandoc's ``(id, classes, key-values)``, order kept, a ``data-`` prefix dropped as
    pandoc drops it (:data:`DATA_DROPPED`, :data:`DATA_KEPT`)."""
    ident = ""
    classes: list[str] = []
    pairs: list[list[str]] = []
    for key, value in element.attrib.items():
        if key == "id":
            ident = value
        elif key == "class":
            classes = value.split()
        elif key in skip:
            continue
        elif key.startswith("data-"):
            name = key.removeprefix("data-")
            if name in DATA_DROPPED:
                pairs.append([name, value])
            elif name in DATA_KEPT:
                pairs.append([key, value])
            else:
                raise _NotConvertible(f"attribute {key}")
        else:
            pairs.append([key, value])
    return [ident, classes, pairs]


def _math(element: Element) -> Node:
    """A formula as the renderer writes it: pandoc's reader takes the TeX of its annotation
    as it is (``--mathml`` writes the book's MathML again from it)."""
    _only_attributes(element, ("display", "xmlns", "alttext"))
    children = list(element)
    if element.get("xmlns", _MATHML) != _MATHML or len(children) != 1:
        raise _NotConvertible("formula")
    semantics = children[0]
    found = [
        child
        for child in semantics
        if child.tag == "annotation" and child.get("encoding") == "application/x-tex"
    ]
    if semantics.tag != "semantics" or len(found) != 1 or len(found[0]):
        raise _NotConvertible("formula without its TeX")
    tex = found[0].text or ""
    kind = "DisplayMath" if element.get("display") == "block" else "InlineMath"
    return {"t": "Math", "c": [{"t": kind}, tex]}


def _only_attributes(element: Element, allowed: Sequence[str]) -> None:
    for key in element.attrib:
        if key not in allowed:
            raise _NotConvertible(f"attribute {key} on <{element.tag}>")


def _code_block(pre: Element) -> Node:
    """``<pre><code class="language-x">``: the language without its prefix, the text as it
    is but for one final newline."""
    _only_attributes(pre, ())
    children = list(pre)
    if (
        len(children) != 1
        or children[0].tag != "code"
        or (pre.text or "").strip()
        or (children[0].tail or "").strip()
        or len(children[0])
    ):
        raise _NotConvertible("code block")
    code = children[0]
    _only_attributes(code, ("class",))
    if pre.text or children[0].tail:
        raise _NotConvertible("code block spacing")
    classes = [name.removeprefix("language-") for name in code.get("class", "").split()]
    text = code.text or ""
    text = text.removesuffix("\n")
    return {"t": "CodeBlock", "c": [["", classes, []], text]}


def _image(img: Element) -> Node:
    """An image; a size written in the note (``![[drawing.svg|400]]``) stays an attribute."""
    _only_attributes(img, ("src", "alt", "title", "width", "height"))
    alt = _text(img.get("alt", ""))
    sizes = [[key, value] for key, value in img.attrib.items() if key in ("width", "height")]
    return {
        "t": "Image",
        "c": [["", [], sizes], alt, [img.get("src", ""), img.get("title", "")]],
    }
