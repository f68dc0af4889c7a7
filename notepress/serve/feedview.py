"""The newsletter preview's items, read from the files a feed target wrote.

The preview shows what subscribers get, so it reads the published feed (JSON Feed when the
target writes one, else Atom, else RSS) instead of rendering the notes again.  Links and
images that point at the target's public folder are pointed at the local copy, so that the
images show before anything is uploaded; the item HTML is sanitised once more, with the
inline styles a mail client keeps, because a preview page must not run what a feed holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from html import escape
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import nh3
from lxml import etree

__all__ = ["FEED_FILES", "FeedPreview", "PreviewItem", "read_feed"]

FEED_FILES = ("feed.json", "atom.xml", "rss.xml")
"""The files a feed target writes, in the order the preview prefers them."""
_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_ASSETS = "/assets/"

#: MathML as the feed writes formulas (presentation elements with the TeX as annotation),
#: so that a formula reads as one in the preview too.
_MATHML = {
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace",
    "msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts",
    "mprescripts", "none", "mfrac", "msqrt", "mroot", "mstyle", "mpadded", "mphantom",
    "menclose", "merror", "mtable", "mtr", "mtd",
}  # fmt: skip
_MATHML_ATTRIBUTES = {
    "xmlns", "display", "alttext", "encoding", "mathvariant", "stretchy", "fence", "form",
    "separator", "accent", "accentunder", "largeop", "movablelimits", "lspace", "rspace",
    "linethickness", "displaystyle", "scriptlevel", "columnalign", "rowspan", "columnspan",
    "width", "height", "depth",
}  # fmt: skip
_TAGS = (
    set(nh3.ALLOWED_TAGS)
    | {"section", "figure", "figcaption", "audio", "video", "source"}
    | _MATHML
)
_ATTRIBUTES = {
    **{tag: set(attributes) for tag, attributes in nh3.ALLOWED_ATTRIBUTES.items()},
    **{tag: _MATHML_ATTRIBUTES for tag in _MATHML},
    "*": {"class", "id", "title", "lang", "dir", "style"},
    "img": {"src", "alt", "width", "height", "style"},
    "audio": {"src", "controls"},
    "video": {"src", "controls", "width", "height"},
    "source": {"src", "type"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
}
#: What mail clients keep of inline styles: enough for the feed's callouts, highlights and
#: task lists to look as they will in a mailbox.
_STYLES = {
    "background", "background-color", "border", "border-left", "border-radius", "color",
    "font-style", "font-weight", "height", "list-style-type", "margin", "margin-left",
    "padding", "padding-left", "text-align", "vertical-align", "width",
}  # fmt: skip


@dataclass(frozen=True)
class PreviewItem:
    title: str
    url: str
    date: datetime | None
    html: str
    """Sanitised item HTML, with the target's own URLs pointed at the local copy."""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedPreview:
    source: str
    """The file the items were read from (``feed.json``, ``atom.xml`` or ``rss.xml``)."""
    title: str
    folder_url: str
    """The public URL of the target's folder, as the feed's self link gives it."""
    items: tuple[PreviewItem, ...]


def read_feed(folder: Path, local_prefix: str) -> FeedPreview | None:
    """The items of the feed in ``folder``, links to its public folder rewritten to start
    with ``local_prefix`` (such as ``/newsletter/``); None when no feed file is there."""
    for name in FEED_FILES:
        path = folder / name
        if path.is_file():
            data = path.read_bytes()
            if name == "feed.json":
                title, self_url, raw = _json_items(data)
            elif name == "atom.xml":
                title, self_url, raw = _atom_items(data)
            else:
                title, self_url, raw = _rss_items(data)
            folder_url = self_url[: self_url.rfind("/") + 1] if self_url else ""
            local = _LocalUrls(folder, folder_url, local_prefix)
            items = tuple(PreviewItem(t, u, d, _clean(h, local), tags) for t, u, d, h, tags in raw)
            return FeedPreview(name, title, folder_url, items)
    return None


_Raw = tuple[str, str, datetime | None, str, tuple[str, ...]]


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            return parsedate_to_datetime(text.strip())
        except (TypeError, ValueError):
            return None


def _json_items(data: bytes) -> tuple[str, str, list[_Raw]]:
    feed = json.loads(data)
    items = []
    for item in feed.get("items", []):
        html = item.get("content_html") or _text_html(item.get("content_text", ""))
        date = _date(item.get("date_published") or item.get("date_modified"))
        tags = tuple(str(t) for t in item.get("tags", ()))
        items.append((str(item.get("title", "")), str(item.get("url", "")), date, html, tags))
    return str(feed.get("title", "")), str(feed.get("feed_url", "")), items


def _xml(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(data, parser)


def _atom_items(data: bytes) -> tuple[str, str, list[_Raw]]:
    root = _xml(data)
    self_url = ""
    for link in root.findall(f"{_ATOM}link"):
        if link.get("rel") == "self":
            self_url = link.get("href", "")
    items = []
    for entry in root.findall(f"{_ATOM}entry"):
        url = ""
        for link in entry.findall(f"{_ATOM}link"):
            if link.get("rel", "alternate") == "alternate":
                url = link.get("href", "")
        content = entry.find(f"{_ATOM}content")
        if content is None:
            content = entry.find(f"{_ATOM}summary")
        html = _element_html(content)
        date = _date(entry.findtext(f"{_ATOM}published") or entry.findtext(f"{_ATOM}updated"))
        tags = tuple(c.get("term", "") for c in entry.findall(f"{_ATOM}category"))
        items.append((entry.findtext(f"{_ATOM}title", ""), url, date, html, tags))
    return root.findtext(f"{_ATOM}title", ""), self_url, items


def _rss_items(data: bytes) -> tuple[str, str, list[_Raw]]:
    channel = _xml(data).find("channel")
    if channel is None:
        return "", "", []
    self_url = ""
    for link in channel.findall(f"{_ATOM}link"):
        if link.get("rel") == "self":
            self_url = link.get("href", "")
    items = []
    for item in channel.findall("item"):
        html = item.findtext(_CONTENT) or item.findtext("description", "")
        tags = tuple(c.text or "" for c in item.findall("category"))
        date = _date(item.findtext("pubDate"))
        items.append((item.findtext("title", ""), item.findtext("link", ""), date, html, tags))
    return channel.findtext("title", ""), self_url, items


def _element_html(element: etree._Element | None) -> str:
    if element is None:
        return ""
    if element.get("type") == "xhtml":
        return "".join(etree.tostring(child, encoding="unicode") for child in element)
    text = element.text or ""
    return text if element.get("type") == "html" else _text_html(text)


def _text_html(text: str) -> str:
    return f"<p>{escape(text)}</p>" if text else ""


class _LocalUrls:
    """Points a URL of the target's public folder at the server's copy of that folder."""

    def __init__(self, folder: Path, folder_url: str, local_prefix: str) -> None:
        self.folder = folder
        self.folder_url = folder_url
        self.prefix = local_prefix

    def __call__(self, tag: str, attribute: str, value: str) -> str | None:
        if attribute not in ("src", "href") or value.startswith("#"):
            return value  # a footnote and its way back stay inside the item, as in a mail
        if self.folder_url and value.startswith(self.folder_url):
            # Only what the target holds: a note's page under the same URL is the site's.
            rest = urlsplit(value[len(self.folder_url) :]).path
            if rest and _is_file(self.folder, unquote(rest)):
                return self.prefix + value[len(self.folder_url) :]
        # Images under an assets_url of their own: the copy is still in assets/.
        path = urlsplit(value).path
        if _ASSETS in path and urlsplit(value).scheme in ("http", "https"):
            rest = path[path.rfind(_ASSETS) + len(_ASSETS) :]
            if rest and _is_file(self.folder / "assets", unquote(rest)):
                return self.prefix + "assets/" + quote(unquote(rest))
        return urljoin(self.folder_url, value) if self.folder_url else value


def _is_file(folder: Path, relative: str) -> bool:
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return False
    return folder.joinpath(*parts).is_file()


def _clean(html: str, local: _LocalUrls) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "template", "iframe", "object", "noscript"},
        attributes=_ATTRIBUTES,
        attribute_filter=local,
        strip_comments=True,
        link_rel="noopener noreferrer",
        url_schemes={"http", "https", "mailto", "data"},
        filter_style_properties=_STYLES,
    )
