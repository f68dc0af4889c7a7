"""The ``feed`` exporter: a newsletter feed as Atom 1.0, RSS 2.0 and JSON Feed 1.1.

RSS-to-email services and feed readers trust a feed that never re-announces an old item
and never mails a broken link.  So item ids are RFC 4151 tag URIs that survive renames and
title edits, every URL is absolute, images are copied next to the feed, and the feed's date
is its newest item's, never the time of the build.

Output, under ``OUT/<target>/``: ``atom.xml``, ``rss.xml``, ``feed.json`` (as chosen by
``formats``), ``assets/`` (images the items show), ``discovery.html`` (the ``<link>`` tags
for a site's ``<head>``), optionally ``feed.xsl`` and ``tags/<tag>/`` (one feed per tag).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any, Literal

from notepress.assets import copy_attachments
from notepress.config import Site, Target
from notepress.dates import build_time
from notepress.errors import ExportError
from notepress.exporter import CheckProblem, Exporter, Job, SelectionDefaults
from notepress.markdown import NoteRenderError
from notepress.model import Note, Problem
from notepress.parse import NOTE_ID_RE
from notepress.progress import plural
from notepress.schema import option
from notepress.siteurl import http_url_problem
from notepress.slugs import tag_slug
from notepress.templating import builtin_templates, template_environment
from notepress.urls import encode_url, relative_href, target_base_url, with_slash

from .items import ItemFactory, clean_text, is_absolute_url
from .writers import FEED_FILES, MEDIA_TYPES, FeedInfo, FeedStream

__all__ = ["FeedExporter", "FeedOptions"]

Format = Literal["atom", "rss", "json"]
_FORMAT_NAMES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}
# RFC 4151 authority names are DNS names; the host goes into every item id.
_DNS_NAME = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)
# RFC 3066 language tags, as the Atom schema (RFC 4287) requires for xml:lang.
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BUILTIN_STYLESHEET = "builtin"
STYLESHEET_FILE = "feed.xsl"
ASSETS_DIR = "assets"


@dataclass(frozen=True)
class FeedOptions:
    """Options of a ``feed`` target, besides the shared selection keys."""

    formats: tuple[Format, ...] = option(
        ("atom", "rss"), "Feeds to write: atom (atom.xml), rss (rss.xml), json (feed.json)."
    )
    sort: Literal["created", "updated"] = option(
        "created",
        "Which date orders the items (newest first) and picks the newest for limit: "
        "created, or updated to bring revised notes back to the top.",
    )
    content: Literal["full", "summary"] = option(
        "full", "full: each item carries the whole note; summary: only its summary."
    )
    per_tag: bool = option(
        False, "Also write one feed per tag under tags/<tag>/, each with the newest notes of it."
    )
    title: str = option("", "Feed title (default: site.title).")
    subtitle: str = option("", "Feed subtitle (default: site.description).", multiline=True)
    icon: str = option(
        "", "Small square image: an absolute URL or an image of the vault (copied to assets/)."
    )
    logo: str = option(
        "", "Wide image (2:1): an absolute URL or an image of the vault (copied to assets/)."
    )
    hub: str = option("", "WebSub hub URL, announced in every feed (default: none).")
    stylesheet: str = option(
        "",
        "XSL stylesheet that makes the XML feeds readable in a browser: 'builtin', a file "
        "path relative to the config file, or empty for none. Written as feed.xsl.",
    )
    base_url: str = option(
        "",
        "Public URL of this target's folder, where atom.xml is served "
        "(default: site.url + the target's name + '/', where the build writes it).",
    )
    assets_url: str = option("", "Public URL of the copied images (default: base_url + 'assets/').")
    summary_words: int = option(
        50, "Length of a summary made from the text, for notes without a description."
    )


class FeedExporter(Exporter[FeedOptions]):
    name = "feed"
    Options = FeedOptions
    allows_drafts = False
    #: Twenty newest items, by the date the feed sorts on.
    selection_defaults = SelectionDefaults(limit=20, order_option="sort", matching_option="per_tag")
    needs_dates = True
    needs_url = True

    @classmethod
    def id_urls(cls, options: Any) -> list[tuple[str, str]]:
        return [("base_url", options.base_url)] if options.base_url else []

    @classmethod
    def check(cls, target: Target[FeedOptions], site: Site) -> list[CheckProblem]:
        """A feed needs absolute URLs and a DNS host for its ids: check them before building."""
        options = target.options
        errors: list[CheckProblem] = []
        if site.url and not _DNS_NAME.match(site.host):
            errors.append(
                (
                    "",
                    f"site.url host {site.host!r} is not a domain name, which feed ids "
                    "(tag URIs, RFC 4151) are built from",
                )
            )
        if not _LANGUAGE_TAG.match(site.language):
            errors.append(
                (
                    "",
                    f"site.language {site.language!r} is not a language tag such as en or en-GB",
                )
            )
        if site.author_url and not is_absolute_url(site.author_url):
            errors.append(
                ("", f"site.author_url {site.author_url!r} must be an absolute http(s) URL")
            )
        if not options.formats:
            errors.append(("formats", "name at least one of atom, rss, json"))
        if options.content == "summary" and not site.note_url:
            errors.append(
                (
                    "content",
                    "a summary item sends readers to the note's page for the rest, and "
                    "site.note_url is not set (notepress writes no note pages): set it to "
                    'where your site shows notes, or use content = "full"',
                )
            )
        for key in ("base_url", "assets_url", "hub"):
            value = getattr(options, key)
            problem = value and http_url_problem(value, address=key != "hub")
            if problem:
                errors.append((key, problem))
        for key in ("icon", "logo"):
            value = getattr(options, key)
            if "://" in value and http_url_problem(value) is not None:
                errors.append(
                    (
                        key,
                        f"expected an absolute http(s) URL or an image of the vault, got {value!r}",
                    )
                )
        return errors

    def build(self, job: Job[FeedOptions]) -> None:
        settings = _Settings.from_job(job)
        factory = ItemFactory(
            vault=job.vault,
            host=job.site.host,
            note_url=_NoteUrls(job.site).url,
            assets_url=settings.assets_url,
            timezone=job.site.tz,
            full_content=job.options.content == "full",
            summary_words=job.options.summary_words,
            # Tag feeds list notes of the main feed again: keep their items only then.
            keep=job.options.per_tag,
        )
        copied: set[PurePosixPath] = set()
        icon = _image_url(job, "icon", settings, copied)
        logo = _image_url(job, "logo", settings, copied)
        feeds = _FeedWriter(job, settings, factory, icon, logo, _copy_stylesheet(job))

        usable = _usable_notes(job, job.notes)
        if not usable:  # a feed reader would show nothing new; said, as other exporters say it
            job.warn("no published note is selected: the feed lists none", code="feed-empty")
        feeds.write("", settings.title, usable)
        if job.options.per_tag:
            for slug, spellings, notes in _tag_groups(job, settings.limit):
                feeds.write(f"tags/{slug}/", f"{settings.title}: {spellings[0]}", notes)
                if len(spellings) > 1:
                    job.warn(
                        f"tags {', '.join(map(repr, spellings))} share the feed tags/{slug}/",
                        code="feed-tag-merged",
                    )
        assets = {path for written in feeds.assets_written.values() for path in written}
        copy_attachments(job, assets - copied, ASSETS_DIR, "it will be missing from the feed")


class _NoteUrls:
    """Encoded note URLs, computed once per note: a large archive links the same notes often.

    None when the site shows no note pages (no ``site.note_url``): notepress writes none,
    so an item then has no link (its id identifies it) and links to notes are text.
    """

    def __init__(self, site: Site) -> None:
        self._site = site
        self._urls: dict[tuple[str, str], str | None] = {}

    def url(self, note: Note) -> str | None:
        key = (note.note_id, note.path.as_posix())
        if key not in self._urls:
            url = self._site.note_url_for(note)
            self._urls[key] = encode_url(url) if url is not None else None
        return self._urls[key]


@dataclass(frozen=True)
class _Settings:
    """The target's options with every default filled in from ``[site]``."""

    title: str
    subtitle: str
    base_url: str
    """Where the target's folder is served: its files' URLs start with it."""
    id_base: str
    """What the Atom feed's ``<id>`` starts with: the folder URL of notepress 0.1 (the
    target's ``base_url`` option, else ``site.url``), kept so that a feed keeps its id when
    its URLs are corrected; an id is a name, not an address."""
    assets_url: str
    limit: int

    @classmethod
    def from_job(cls, job: Job[FeedOptions]) -> _Settings:
        options = job.options
        if not job.site.url:  # check() rejects this config; a direct API call may not
            raise ExportError("site.url is not set: a feed needs absolute URLs")
        base = target_base_url(job.site.base_url, job.target.name, options.base_url)
        limit = job.target.selection.limit
        if limit is None:
            limit = FeedExporter.selection_defaults.limit or 0
        return cls(
            title=clean_text(options.title or job.site.title).strip() or "Notes",
            subtitle=clean_text(options.subtitle or job.site.description).strip(),
            base_url=base,
            id_base=with_slash(options.base_url or job.site.base_url),
            assets_url=with_slash(options.assets_url or base + ASSETS_DIR + "/"),
            limit=limit,
        )


@dataclass
class _FeedWriter:
    """Writes one feed (all chosen formats plus discovery.html) per call.

    Items are made and written one at a time, newest first (see :class:`FeedStream`): a
    full archive of many thousand notes holds one item at once, and the renderings of the
    few hundred notes the workers are ahead by (:mod:`notepress.renderpool`).
    """

    job: Job[FeedOptions]
    settings: _Settings
    factory: ItemFactory
    icon: str
    logo: str
    stylesheet: str
    """The stylesheet's path in the target ('' for none)."""

    def __post_init__(self) -> None:
        self.assets_written: dict[str, tuple[PurePosixPath, ...]] = {}
        """The files each written item shows, by note id, in the order first written."""
        self._reported: set[str] = set()
        self._discovery = template_environment("feed").get_template("discovery.html")

    def write(self, folder: str, title: str, notes: Sequence[Note]) -> None:
        formats = tuple(dict.fromkeys(self.job.options.formats))
        info = self._info(folder, title, _EPOCH)  # dated once its items are known
        problems: dict[str, Sequence[Problem]] = {}
        newest: datetime | None = None
        paths = {kind: self.job.path(folder + FEED_FILES[kind]) for kind in formats}
        with ExitStack() as stack:
            streams = {}
            for kind, path in paths.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                # Next to the feed: on its disk, and gone with the file handle.
                spool = stack.enter_context(tempfile.TemporaryFile(dir=path.parent))
                streams[kind] = FeedStream(kind, info, spool)
            for note, item in self.factory.items(self._newest_first(notes)):
                if isinstance(item, NoteRenderError):
                    problems[note.note_id] = (item.problem,)
                    continue
                problems[note.note_id] = item.problems
                self.assets_written[note.note_id] = item.assets
                for stream in streams.values():
                    stream.add(item)
                newest = item.updated if newest is None else max(newest, item.updated)
            updated = _feed_updated(newest)
            for kind, stream in streams.items():
                with paths[kind].open("wb") as out:
                    stream.finish(updated, out)
                self.job.record(paths[kind])
        self._report(notes, problems)
        links = [
            {
                "type": MEDIA_TYPES[kind],
                "title": f"{info.title} ({_FORMAT_NAMES[kind]})",
                "href": info.file_url(kind),
            }
            for kind in formats
        ]
        self.job.write_text(folder + "discovery.html", self._discovery.render(feeds=links))

    def _newest_first(self, notes: Sequence[Note]) -> list[Note]:
        """The notes in item order, newest first by the date the feed sorts on; the order
        of their items, whichever of them fail to render."""
        sort = self.job.options.sort

        def key(note: Note) -> tuple[datetime, tuple[datetime, str, str]]:
            published, updated = self.factory.dates(note)
            return (updated if sort == "updated" else published, note.sort_key)

        return sorted(notes, key=key, reverse=True)

    def _report(self, notes: Sequence[Note], problems: dict[str, Sequence[Problem]]) -> None:
        """Each note's problems, once however many feeds list it, in the order of
        ``notes``."""
        for note in notes:
            found = problems.get(note.note_id)
            if found is not None and note.note_id not in self._reported:
                self._reported.add(note.note_id)
                self.job.problems.extend(found)

    def _info(self, folder: str, title: str, updated: datetime) -> FeedInfo:
        site = self.job.site
        return FeedInfo(
            title=title,
            subtitle=self.settings.subtitle,
            home_url=encode_url(site.base_url),
            folder_url=encode_url(self.settings.base_url + folder),
            atom_id=encode_url(self.settings.id_base + folder + FEED_FILES["atom"]),
            language=site.language,
            author_name=clean_text(site.author).strip() or title,
            author_url=encode_url(site.author_url) if site.author_url else "",
            icon=self.icon,
            logo=self.logo,
            hub=encode_url(self.job.options.hub) if self.job.options.hub else "",
            stylesheet_url=relative_href(folder, self.stylesheet) if self.stylesheet else "",
            updated=updated,
        )


def _feed_updated(newest: datetime | None) -> datetime:
    """The newest item's ``updated``; for an empty feed the reproducible build time, else
    the Unix epoch, so that an empty feed is still the same bytes on every build."""
    return newest if newest is not None else build_time()


def _usable_notes(job: Job, notes: Iterable[Note]) -> list[Note]:
    """The notes that can be feed items, warning about unstable ids.

    A note without any date cannot get a stable id or a true publication date, so it is
    left out rather than given invented ones; the pipeline says so once for the target
    (``undated-notes``), and each note's ``created-missing`` warning names its file.  When
    every note is undated, the target fails: an empty feed built "successfully" would tell
    subscribers nothing and its author that all is well.
    """
    usable = []
    undated = 0
    unstable: list[str] = []
    for note in notes:
        if not note.published:  # selection already ensures this; a feed never bends it
            continue
        if note.created is None:
            undated += 1
            continue
        if not NOTE_ID_RE.match(note.note_id):
            unstable.append(note.path.as_posix())
        usable.append(note)
    if unstable:
        # Once for the target: each note's own note-id-missing warning names its file.
        shown = ", ".join(unstable[:3]) + (", ..." if len(unstable) > 3 else "")
        job.warn(
            f"{plural(len(unstable), 'item')} without a note_id ({shown}): an item's feed id "
            "then follows its file path, so renaming the file makes feed readers show it "
            "again as new",
            code="feed-unstable-id",
        )
    if undated and not usable:
        raise ExportError(
            f"{'the note' if undated == 1 else f'none of the {undated} notes'} it selects "
            f"{'has no' if undated == 1 else 'has a'} date, so the feed would be empty "
            "(the target's undated-notes warning says how to date them; notepress check lists "
            f"{'it' if undated == 1 else 'them'} as created-missing)"
        )
    return usable


def _tag_groups(job: Job, limit: int) -> list[tuple[str, list[str], list[Note]]]:
    """``(slug, spellings, newest notes)`` for each tag of the target's notes.

    Tag feeds take the newest ``limit`` notes of their tag from the whole selection, not
    only from the notes of the main feed; ``limit = 0`` means every note of the tag, as it
    does for the main feed.  Tags whose slugs coincide (``Baking`` and ``baking``) share
    one feed.
    """
    candidates = job.matching or job.notes
    dated = [note for note in candidates if note.published and note.created is not None]
    groups: dict[str, tuple[dict[str, None], list[Note]]] = {}
    for note in dated:
        seen_here: set[str] = set()
        for tag in note.tags:
            slug = tag_slug(tag)
            spellings, members = groups.setdefault(slug, ({}, []))
            spellings.setdefault(tag, None)
            if slug not in seen_here:
                members.append(note)
                seen_here.add(slug)
    order = job.options.sort
    result = []
    for slug in sorted(groups):
        spellings, members = groups[slug]
        newest = sorted(
            members,
            key=lambda n: (n.date(order) or _EPOCH, n.sort_key),
        )
        chosen = newest[-limit:] if limit else newest
        result.append((slug, sorted(spellings), chosen))
    return result


#: What a feed reader shows as an icon or a logo.
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico")


def _image_url(job: Job, key: str, settings: _Settings, copied: set[PurePosixPath]) -> str:
    """The absolute URL of the ``icon`` or ``logo`` option; a vault image is copied into the
    assets first (and added to ``copied``), and the feed names none when it could not be: a
    URL that leads nowhere would show readers a broken image."""
    value = getattr(job.options, key).strip()
    if not value:
        return ""
    if _is_http_url(value):
        return encode_url(value)
    path = job.vault.attachment(value)
    if path is None:
        raise ExportError(
            f"{key}: {value!r} is neither an absolute http(s) URL nor a file in the vault"
        )
    if path.suffix.lower() not in _IMAGE_SUFFIXES:
        # Copied into the public folder as it is: a document named by mistake would be
        # published whole.
        raise ExportError(f"{key}: {value!r} is not an image ({', '.join(_IMAGE_SUFFIXES)})")
    if path not in copied:
        copied.update(copy_attachments(job, [path], ASSETS_DIR, f"the feed names no {key}"))
    if path not in copied:
        return ""
    return settings.assets_url + encode_url(path.as_posix())


def _copy_stylesheet(job: Job) -> str:
    """Copy the XSL stylesheet next to the feeds; its path in the target ('' for none).

    Feeds name it by a relative reference, which browsers resolve against the feed's own
    URL: a feed opened from a preview server, a file or the public site finds it alike.
    """
    value = job.options.stylesheet.strip()
    if not value:
        return ""
    if value == BUILTIN_STYLESHEET:
        source = builtin_templates("feed") / STYLESHEET_FILE
    else:
        source = job.config_root / value
        if source.suffix.lower() not in (".xsl", ".xslt"):
            # Copied as it is into the public folder: a note named by mistake would be
            # published whole, frontmatter and all.
            raise ExportError(f"stylesheet: {source} is not an XSL file (.xsl, .xslt)")
        if not source.is_file():
            raise ExportError(f"stylesheet: file not found: {source}")
    try:
        job.write_bytes(STYLESHEET_FILE, source.read_bytes())
    except OSError as exc:
        raise ExportError(f"stylesheet: cannot read {source}: {exc.strerror}") from None
    return STYLESHEET_FILE


def _is_http_url(value: str) -> bool:
    return is_absolute_url(value) and not value.lower().startswith("mailto:")
