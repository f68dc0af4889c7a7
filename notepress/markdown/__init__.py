"""Obsidian-flavoured markdown: markdown-it-py plus one small plugin per construct."""

from .parser import create_parser
from .render import (
    DocumentLinks,
    Footnote,
    FootnoteRule,
    Heading,
    Image,
    LinkStyle,
    Media,
    NoteRenderError,
    RenderedNote,
    TextLinks,
    UrlLinks,
    render_note,
)

__all__ = [
    "DocumentLinks",
    "Footnote",
    "FootnoteRule",
    "Heading",
    "Image",
    "LinkStyle",
    "Media",
    "NoteRenderError",
    "RenderedNote",
    "TextLinks",
    "UrlLinks",
    "create_parser",
    "render_note",
]
