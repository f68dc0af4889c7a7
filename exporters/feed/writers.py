"""Serialise one feed as Atom 1.0 and RSS 2.0 (with feedgen) or JSON Feed 1.1.

feedgen fills gaps with the wall clock (``updated``, ``lastBuildDate``) and prepends entries
by default; every date and the entry order are therefore set here explicitly, so the same
items always give the same bytes.
"""

from __future__ import annotations

import html
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import BinaryIO

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from notepress.version import __version__

from .items import Enclosure, FeedItem

__all__ = [
    "FEED_FILES",
    "MEDIA_TYPES",
    "FeedInfo",
    "FeedStream",
    "write_atom",
    "write_json",
    "write_rss",
]

FEED_FILES = {"atom": "atom.xml", "rss": "rss.xml", "json": "feed.json"}
MEDIA_TYPES = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
}
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_ATOM_NS = "http://www.w3.org/2005/Atom"
_GENERATOR = "notepress"


@dataclass(frozen=True)
class FeedInfo:
    """Everything about one feed except its items; all URLs absolute, all text clean."""

    title: str
    subtitle: str
    home_url: str
    folder_url: str
    """URL of the folder this feed's files are published in, ending in ``/``."""
    atom_id: str
    """The Atom feed's ``<id>``: a permanent name, which may no longer be its address."""
    language: str
    author_name: str
    author_url: str
    icon: str
    logo: str
    hub: str
    stylesheet_url: str
    """Relative to the feed, so that it is found wherever the feed is opened."""
    updated: datetime

    def file_url(self, kind: str) -> str:
        return self.folder_url + FEED_FILES[kind]

    @property
    def author(self) -> dict[str, str]:
        person = {"name": self.author_name}
        if self.author_url:
            person["uri"] = self.author_url
        return person


def write_atom(info: FeedInfo, items: Sequence[FeedItem]) -> bytes:
    """An RFC 4287 feed: each entry's ``id`` is its tag URI, and an entry links to its note's
    page only when the site has note pages (an entry with ``content`` needs no link)."""
    fg = _atom_feed(info)
    for item in items:
        _atom_entry(fg.add_entry(order="append"), item, info)
    return _xml(fg.atom_str(pretty=True, xml_declaration=False), info.stylesheet_url)


def _atom_feed(info: FeedInfo) -> FeedGenerator:
    """The Atom feed's own elements, without entries."""
    fg = FeedGenerator()
    fg.register_extension("atom_enclosure", _NoFeedExtension, _AtomEnclosure, rss=False)
    fg.id(info.atom_id)
    fg.title(info.title)
    if info.subtitle:
        fg.subtitle(info.subtitle)
    fg.language(info.language)
    fg.updated(info.updated)
    fg.author(info.author)
    fg.generator(_GENERATOR, version=__version__)
    # The last link added becomes the RSS channel link in feedgen; harmless here, but the
    # alternate link goes last in both writers for the same result.
    fg.link(href=info.file_url("atom"), rel="self", type=MEDIA_TYPES["atom"])
    if info.hub:
        fg.link(href=info.hub, rel="hub")
    fg.link(href=info.home_url, rel="alternate", type="text/html")
    if info.icon:
        fg.icon(info.icon)
    if info.logo:
        fg.logo(info.logo)
    return fg


def _atom_entry(entry: FeedEntry, item: FeedItem, info: FeedInfo) -> None:
    entry.id(item.id)
    entry.title(item.title)
    if item.url:
        entry.link(href=item.url, rel="alternate", type="text/html")
    entry.published(item.published)
    entry.updated(item.updated)
    entry.author(info.author)
    if item.content_html:
        entry.content(item.content_html, type="html")
    elif not item.url:  # RFC 4287 4.1.1: an entry needs content or an alternate link
        entry.content(item.summary or item.title, type="text")
    if item.summary:
        entry.summary(item.summary)
    if item.tags:  # in one call: feedgen rebuilds the whole list at each (quadratic)
        entry.category([{"term": tag} for tag in item.tags])
    entry.atom_enclosure.enclosure = item.enclosure


class _RssHub(BaseExtension):
    """Adds ``<atom:link rel="hub">`` to an RSS channel, which feedgen cannot express."""

    def __init__(self) -> None:
        self.href = ""

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        channel = feed.find("channel")
        if self.href and channel is not None:
            etree.SubElement(channel, f"{{{_ATOM_NS}}}link", href=self.href, rel="hub")
        return feed


class _NoEntryExtension(BaseEntryExtension):
    pass


class _NoFeedExtension(BaseExtension):
    pass


class _AtomEnclosure(BaseEntryExtension):
    """Adds ``<link rel="enclosure" type length>`` to an Atom entry: feedgen's own entry
    links lose every attribute but ``href``."""

    def __init__(self) -> None:
        self.enclosure: Enclosure | None = None

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        if self.enclosure is not None:
            # Unqualified, as feedgen writes every element of the entry.
            etree.SubElement(
                entry,
                "link",
                href=self.enclosure.url,
                rel="enclosure",
                type=self.enclosure.media_type,
                length=str(self.enclosure.length),
            )
        return entry


def write_rss(info: FeedInfo, items: Sequence[FeedItem]) -> bytes:
    """An RSS 2.0 channel; the full HTML goes in ``content:encoded``, the summary in
    ``description``, the author in ``dc:creator`` (RSS's ``author`` must be an e-mail)."""
    fg = _rss_channel(info)
    for item in items:
        _rss_item(fg.add_entry(order="append"), item, info)
    return _xml(fg.rss_str(pretty=True, xml_declaration=False), info.stylesheet_url)


def _rss_channel(info: FeedInfo) -> FeedGenerator:
    """The RSS channel's own elements, without items."""
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("hub", _RssHub, _NoEntryExtension, atom=False, rss=True)
    fg.title(info.title)
    fg.description(html.escape(info.subtitle or info.title, quote=False))
    fg.language(info.language)
    fg.lastBuildDate(info.updated)
    fg.generator(_GENERATOR)
    fg.docs("https://www.rssboard.org/rss-specification")
    fg.link(href=info.file_url("rss"), rel="self", type=MEDIA_TYPES["rss"])
    fg.link(href=info.home_url, rel="alternate")
    fg.hub.href = info.hub
    if info.logo or info.icon:
        fg.image(url=info.logo or info.icon, title=info.title, link=info.home_url)
    return fg


def _rss_item(entry: FeedEntry, item: FeedItem, info: FeedInfo) -> None:
    entry.guid(item.id, permalink=False)
    entry.title(item.title)
    if item.url:
        entry.link(href=item.url)
    entry.published(item.published)
    if item.summary:  # readers take RSS descriptions as HTML; the summary is text
        entry.description(html.escape(item.summary, quote=False))
    if item.content_html:
        entry.content(item.content_html)
    if item.tags:  # in one call: feedgen rebuilds the whole list at each (quadratic)
        entry.category([{"term": tag} for tag in item.tags])
    if item.enclosure is not None:
        enclosure = item.enclosure
        entry.enclosure(enclosure.url, str(enclosure.length), enclosure.media_type)
    entry.dc.dc_creator(info.author_name)


def _xml(body: bytes, stylesheet_url: str) -> bytes:
    """The XML declaration, the optional stylesheet instruction, then the document."""
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    if stylesheet_url:
        # Imported here: saxutils brings urllib.request, http and ssl with it, which a feed
        # without a stylesheet, rebuilt after every edit, need not pay for.
        from xml.sax.saxutils import quoteattr

        head += f'<?xml-stylesheet type="text/xsl" href={quoteattr(stylesheet_url)}?>\n'.encode()
    return head + body


def write_json(info: FeedInfo, items: Sequence[FeedItem]) -> bytes:
    """A JSON Feed 1.1 document, keys in the spec's order, UTF-8 and indented."""
    feed = _json_feed(info)
    author = _json_author(info)
    feed["items"] = [_json_item(item, author, info.language) for item in items]
    return _json_bytes(feed)


def _json_bytes(feed: dict[str, object]) -> bytes:
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _json_author(info: FeedInfo) -> dict[str, str]:
    author: dict[str, str] = {"name": info.author_name}
    if info.author_url:
        author["url"] = info.author_url
    return author


def _json_feed(info: FeedInfo) -> dict[str, object]:
    """The JSON feed's own keys, without ``items``."""
    feed: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": info.title,
        "home_page_url": info.home_url,
        "feed_url": info.file_url("json"),
    }
    if info.subtitle:
        feed["description"] = info.subtitle
    if info.icon:
        feed["icon"] = info.icon
        feed["favicon"] = info.icon
    feed["authors"] = [_json_author(info)]
    feed["language"] = info.language
    if info.hub:
        feed["hubs"] = [{"type": "WebSub", "url": info.hub}]
    return feed


def _json_item(item: FeedItem, author: dict[str, str], language: str) -> dict[str, object]:
    entry: dict[str, object] = {"id": item.id}
    if item.url:
        entry["url"] = item.url
    entry["title"] = item.title
    if item.content_html:
        entry["content_html"] = item.content_html
    else:
        entry["content_text"] = item.summary or item.title
    if item.summary:
        entry["summary"] = item.summary
    entry["date_published"] = item.published.isoformat()
    entry["date_modified"] = item.updated.isoformat()
    entry["authors"] = [author]
    if item.tags:
        entry["tags"] = list(item.tags)
    entry["language"] = language
    if item.enclosure is not None:
        attachment: dict[str, object] = {
            "url": item.enclosure.url,
            "mime_type": item.enclosure.media_type,
        }
        if item.enclosure.length:
            attachment["size_in_bytes"] = item.enclosure.length
        entry["attachments"] = [attachment]
    return entry


class FeedStream:
    """One feed file written an item at a time, so that a feed of any length never holds
    more than one item's elements and text in memory.

    The bytes are those :func:`write_atom`, :func:`write_rss` and :func:`write_json` give for
    the same items: feedgen still builds every element, each entry inside the same document
    as the whole feed, and only the entry's own bytes are kept.  The feed's head carries its
    date, which is the newest item's and known only at the end, so items wait in ``spool``
    (a scratch file) until :meth:`finish` writes head, items and tail.
    """

    def __init__(self, kind: str, info: FeedInfo, spool: BinaryIO) -> None:
        self._info = info
        self._spool = spool
        self._items: _JsonItems | _XmlEntries = (
            _JsonItems(info) if kind == "json" else _XmlEntries(kind, info)
        )
        self.count = 0

    def add(self, item: FeedItem) -> None:
        self._spool.write(self._items.entry(item, first=not self.count))
        self.count += 1

    def finish(self, updated: datetime, out: BinaryIO) -> None:
        """Write the whole feed, dated ``updated``, to ``out``."""
        head, tail = self._items.frame(replace(self._info, updated=updated), self.count)
        out.write(head)
        self._spool.seek(0)
        shutil.copyfileobj(self._spool, out)
        out.write(tail)


#: What follows the last entry in feedgen's pretty-printed documents.
_XML_TAILS = {"atom": b"</feed>\n", "rss": b"  </channel>\n</rss>\n"}


class _XmlEntries:
    """Atom entries or RSS items, each serialised by feedgen in a feed of its own.

    Serialising the whole feed for each entry made feedgen build the feed's own elements
    again every time, a third of rewriting a large archive.  So an entry's element is
    serialised inside a bare copy of the feed's root (its name, attributes and namespaces,
    and the channel of RSS): the same ancestors, so the same bytes, which the first entry of
    each feed proves against the whole feed before the short way is trusted.
    """

    def __init__(self, kind: str, info: FeedInfo) -> None:
        self._kind = kind
        self._info = info
        self._tail = _XML_TAILS[kind]
        self._feed = self._generator(info)
        empty = self._serialise(self._feed)
        if not empty.endswith(self._tail):
            raise RuntimeError(f"unexpected end of a feedgen {kind} document")
        self._head = empty[: -len(self._tail)]
        self._bare, self._parent = self._bare_root()
        self._bare_ok: bool | None = None
        """Whether an entry in the bare root gives the bytes it gives in the whole feed;
        None until the first entry says."""

    def _bare_root(self) -> tuple[etree._Element, etree._Element]:
        """The feed's root element as feedgen makes it, with no element but the one entries
        go into."""
        if self._kind == "atom":
            root, _doc = self._feed._create_atom()
            parent = root
        else:
            root, _doc = self._feed._create_rss()
            parent = root.find("channel")
            if parent is None:
                raise RuntimeError("a feedgen rss document without a channel")
        for child in list(parent):
            parent.remove(child)
        parent.text = None
        return root, parent

    def _generator(self, info: FeedInfo) -> FeedGenerator:
        return _atom_feed(info) if self._kind == "atom" else _rss_channel(info)

    def _serialise(self, fg: FeedGenerator) -> bytes:
        if self._kind == "atom":
            return bytes(fg.atom_str(pretty=True, xml_declaration=False))
        return bytes(fg.rss_str(pretty=True, xml_declaration=False))

    def entry(self, item: FeedItem, *, first: bool) -> bytes:
        """The bytes the item adds to the feed: feedgen places entries last, after every
        element of the feed itself, so they sit between the empty feed's head and tail."""
        entry = self._feed.add_entry(order="append")
        try:
            if self._kind == "atom":
                _atom_entry(entry, item, self._info)
            else:
                _rss_item(entry, item, self._info)
            if self._bare_ok is not False:
                bare = self._in_bare_root(entry)
                if self._bare_ok is None:
                    self._bare_ok = bare == self._in_whole_feed()
                if self._bare_ok:
                    return bare
            return self._in_whole_feed()
        finally:
            self._feed.remove_entry(entry)

    def _in_whole_feed(self) -> bytes:
        whole = self._serialise(self._feed)
        if not (whole.startswith(self._head) and whole.endswith(self._tail)):
            raise RuntimeError(f"a feedgen {self._kind} entry changed the feed around it")
        return whole[len(self._head) : -len(self._tail)]

    def _in_bare_root(self, entry: FeedEntry) -> bytes:
        element = entry.atom_entry() if self._kind == "atom" else entry.rss_entry()
        self._parent.append(element)
        try:
            whole = etree.tostring(
                etree.ElementTree(self._bare),
                pretty_print=True,
                encoding="UTF-8",
                xml_declaration=False,
            )
        finally:
            self._parent.remove(element)
        # The bare root's start tag (and the channel's) end the first lines; the entry's
        # lines follow, then the feed's own tail.
        opened = 2 if self._kind == "atom" else 3
        start = 0
        for _ in range(opened - 1):
            start = whole.find(b"\n", start) + 1
        if not start or not whole.endswith(self._tail):
            return b""  # not the whole feed's bytes: the first entry turns this way off
        return whole[start : -len(self._tail)]

    def frame(self, info: FeedInfo, count: int) -> tuple[bytes, bytes]:
        """The bytes before the first entry and after the last one."""
        whole = self._serialise(self._generator(info))
        return _xml(whole[: -len(self._tail)], info.stylesheet_url), self._tail


class _JsonItems:
    """JSON Feed items, each dumped alone and indented as ``json.dumps`` nests it."""

    _MARK = "notepress items"

    def __init__(self, info: FeedInfo) -> None:
        self._author = _json_author(info)
        self._language = info.language

    def entry(self, item: FeedItem, *, first: bool) -> bytes:
        text = json.dumps(
            _json_item(item, self._author, self._language), ensure_ascii=False, indent=2
        )
        # JSON strings hold no raw line feed, so every line is one of the dump's own.
        nested = "\n".join("    " + line for line in text.split("\n"))
        return (("\n" if first else ",\n") + nested).encode("utf-8")

    def frame(self, info: FeedInfo, count: int) -> tuple[bytes, bytes]:
        feed = _json_feed(info)
        feed["items"] = [self._MARK] if count else []
        whole = _json_bytes(feed)
        if not count:
            return whole, b""
        head, mark, tail = whole.rpartition(b"\n    " + json.dumps(self._MARK).encode())
        if not mark:
            raise RuntimeError("unexpected JSON feed layout")
        return head, tail
