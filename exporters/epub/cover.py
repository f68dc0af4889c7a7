"""The generated cover: an SVG drawn from ``templates/epub/cover.svg``.

SVG keeps the cover deterministic and lets the reading system set the text in its own fonts,
so titles in any script come out right (a raster cover would need a font that covers them).
A user who wants a picture sets ``cover`` to an image in the vault instead.
"""

from __future__ import annotations

import hashlib
import textwrap

from notepress.templating import template_environment

from .book import BookInfo

__all__ = ["cover_page", "generated_cover"]

WIDTH, HEIGHT = 1600, 2560
#: Dark backgrounds that keep white text readable; the book's id picks one, so a book keeps
#: its colour from build to build.
_PALETTE = (
    ("#1f3a4d", "#e0a458"),
    ("#2d3b2a", "#c9b458"),
    ("#3d2b3d", "#d98f8f"),
    ("#23324f", "#8fb8de"),
    ("#4a2c1d", "#e3b23c"),
    ("#263238", "#80cbc4"),
)


def generated_cover(info: BookInfo) -> bytes:
    """The cover SVG for ``info``: title, subtitle, date range, note count and author."""
    background, accent = _PALETTE[
        int(hashlib.sha256(info.identifier.encode()).hexdigest(), 16) % len(_PALETTE)
    ]
    title_size, width = _title_layout(info.title)
    title_lines = textwrap.wrap(info.title, width=width, break_long_words=True)[:6]
    leading = int(title_size * 1.15)
    title_y = 620
    subtitle_y = title_y + leading * (len(title_lines) - 1) + 160
    template = template_environment("epub").get_template("cover.svg")
    text = template.render(
        width=WIDTH,
        height=HEIGHT,
        background=background,
        accent=accent,
        band_y=440,
        title=info.title,
        title_lines=title_lines,
        title_size=title_size,
        title_leading=leading,
        title_y=title_y,
        subtitle_lines=textwrap.wrap(info.subtitle, width=36)[:3],
        subtitle_y=subtitle_y,
        date_range=info.date_range,
        count=info.count_text,
        author=info.author,
        private="PRIVATE COPY: INCLUDES DRAFTS" if info.private else "",
    )
    return text.encode("utf-8")


def _title_layout(title: str) -> tuple[int, int]:
    """Font size and characters per line: long titles get smaller type."""
    if len(title) <= 24:
        return 150, 16
    if len(title) <= 60:
        return 120, 20
    return 96, 26


def cover_page(info: BookInfo, image_href: str, stylesheet_href: str) -> bytes:
    """The XHTML page that shows the cover image first in reading order."""
    template = template_environment("epub").get_template("cover.xhtml")
    return template.render(
        title=info.title, language=info.language, image=image_href, stylesheet=stylesheet_href
    ).encode("utf-8")
