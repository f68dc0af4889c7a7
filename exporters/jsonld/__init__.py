"""JSON-LD: schema.org metadata for every published note and for the collection they form.

A ``jsonld`` target writes into ``OUT/<target>/``:

``<note_id>.jsonld``
    One self-contained document per selected note.  The nodes a note points at (its author,
    publisher, tags, collection, the notes it mentions) are written inside it, so a page
    that embeds only this document still says everything about its note.
``index.jsonld``
    The collection (a ``Blog`` by default, or a ``CollectionPage``) as a flat ``@graph``:
    the collection, the author (and publisher), the site's tag set with its tags, and every
    note, each described once and linked to the others by ``@id``.  A flat graph was chosen
    over nesting the notes in the collection because nodes shared by many notes (the author,
    the tags) are then written once instead of once per note, and over bare references
    because the index is the one file a tool loads to get the whole collection without
    fetching each page.  Since the ``@id`` of every node is the same in the index and in
    the per-note documents, loading both merges into the same graph.
``html/<note_id>.html`` and ``html/index.html``
    The same documents as ``<script type="application/ld+json">`` elements, ready to paste
    into a page.  ``<``, ``>`` and ``&`` are JSON escapes there, so no title can close the
    script element, and so are the braces of ``{{``, ``{%`` and ``{#``, so that a template
    engine can include the file without running anything a note says.
``assets/``
    The vault images that notes name as their ``image``, under their vault paths, to be
    published at ``assets_url`` (``assets/`` under the target's ``base_url``, which is
    ``<site url><target>/`` unless set: where the build writes them).

Identifiers: a note is its page's URL when the site shows notes (``site.note_url``), else
the URL of its own document, ``<base_url><note_id>.jsonld`` (with no ``url``: notepress
writes no note pages, and a ``url`` must lead somewhere); the collection is its URL with
``#blog`` (a ``CollectionPage`` is the page itself); the author is ``<site url>#author``;
the tag set ``<site url>#tags`` and a tag ``<site url>#tag/<tag>`` unless ``tag_url`` gives
tags pages of their own.

Documents name ``https://schema.org`` as their context, as schema.org recommends.  Its
context maps terms into ``http://schema.org/`` (schema.org treats both schemes as the same
vocabulary).  ``data/jsonld/schemaorg-context.jsonld`` is a copy of that context reduced to
the terms this exporter writes, each defined exactly as schema.org defines it (the three
dates typed ``Date``; ``url``, ``image`` and ``inDefinedTermSet`` read as IRIs), so that
:func:`document_loader` can expand the output offline with the same result as online.

Nothing here depends on the build time: every value comes from the notes and the config,
so a rebuild gives the same bytes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import quote, urljoin, urlsplit

from notepress.assets import (
    IMAGE_SUFFIXES,
    AssetGate,
    copy_attachments,
    frontmatter_image,
    is_public_url,
)
from notepress.config import Site, Target
from notepress.errors import ExportError
from notepress.exporter import CheckProblem, Exporter, Job
from notepress.fieldformat import fill
from notepress.markdown import Media, NoteRenderError, RenderedNote, UrlLinks
from notepress.model import Note
from notepress.renderpool import render_many
from notepress.schema import option
from notepress.siteurl import http_url_problem
from notepress.slugs import slugify, tag_slug
from notepress.urls import encode_url, target_base_url
from notepress.vault import Vault

from .html import script_element, to_json

__all__ = [
    "ARTICLE_TYPES",
    "BUILTIN_TYPES",
    "CONTEXT_URL",
    "JsonLdExporter",
    "JsonLdOptions",
    "bundled_context",
    "document_loader",
]

CONTEXT_URL = "https://schema.org"
ASSETS_DIR = "assets"

#: schema.org's ``Article`` and its subtypes: the types whose instances may carry every
#: property a note is written with (``wordCount`` and ``articleBody`` belong to ``Article``).
ARTICLE_TYPES = frozenset(
    {
        "Article",
        "AdvertiserContentArticle",
        "NewsArticle",
        "AnalysisNewsArticle",
        "AskPublicNewsArticle",
        "BackgroundNewsArticle",
        "OpinionNewsArticle",
        "ReportageNewsArticle",
        "ReviewNewsArticle",
        "Report",
        "SatiricalArticle",
        "ScholarlyArticle",
        "MedicalScholarlyArticle",
        "SocialMediaPosting",
        "BlogPosting",
        "LiveBlogPosting",
        "DiscussionForumPosting",
        "TechArticle",
        "APIReference",
    }
)

#: Kinds of note (a cssclass or tag) with a type of their own; ``types`` is merged over it.
BUILTIN_TYPES: Mapping[str, str] = {"tech-journal": "TechArticle"}

#: Every URL under which schema.org serves its context.
_CONTEXT_URLS = frozenset(
    f"{scheme}://schema.org{path}"
    for scheme in ("http", "https")
    for path in ("", "/", "/docs/jsonldcontext.jsonld", "/docs/jsonldcontext.json")
)
_TAG_URL_FIELDS = ("slug", "tag")


@dataclass(frozen=True)
class JsonLdOptions:
    default_type: str = option(
        "BlogPosting", "schema.org type of a note that no entry of 'types' matches."
    )
    types: dict[str, str] = field(
        default_factory=lambda: dict(BUILTIN_TYPES),
        metadata={
            "doc": "schema.org type by kind of note, a cssclass or tag (cssclasses are tried "
            "first); what you set is merged over this built-in map."
        },
    )
    article_body: bool = option(False, "Include each note's plain text as articleBody.")
    base_url: str = option(
        "",
        "Public URL of this target's folder (default: site.url + the target's name + '/', "
        "where the build writes it).",
    )
    assets_url: str = option(
        "assets/",
        "Where vault attachments are published, relative to base_url or absolute: an image "
        "URL is this plus the attachment's vault path (images used are copied to assets/).",
    )
    tag_url: str = option(
        "",
        "A tag's page, relative to site.url, with {slug} or {tag}, such as 'tags/{slug}/'; "
        "empty: tags are identified inside the site's tag set and have no page.",
        fields=_TAG_URL_FIELDS,
    )
    collection_type: Literal["Blog", "CollectionPage"] = option(
        "Blog", "schema.org type of the collection in index.jsonld."
    )
    collection_url: str = option(
        "", "The page that lists the notes, relative to site.url or absolute; empty: site.url."
    )
    collection_name: str = option("", "Name of the collection; empty: site.title.")
    publisher: str = option(
        "", "Organization that publishes the notes; empty: the author (site.author) does."
    )


class JsonLdExporter(Exporter[JsonLdOptions]):
    name = "jsonld"
    Options = JsonLdOptions
    allows_drafts = False
    needs_url = True

    @classmethod
    def id_urls(cls, options: Any) -> list[tuple[str, str]]:
        return [("base_url", options.base_url)] if options.base_url else []

    @classmethod
    def check(cls, target: Target[JsonLdOptions], site: Site) -> list[CheckProblem]:
        options = target.options
        errors: list[CheckProblem] = []
        if options.default_type not in ARTICLE_TYPES:
            errors.append(("default_type", _type_error(options.default_type)))
        for kind, type_name in sorted(options.types.items()):
            if type_name not in ARTICLE_TYPES:
                errors.append((f"types.{kind}", _type_error(type_name)))
        if options.base_url and (found := http_url_problem(options.base_url, address=True)):
            errors.append(("base_url", found))
        for key in ("assets_url", "collection_url", "tag_url"):
            value = getattr(options, key)
            try:
                scheme = urlsplit(value).scheme
            except ValueError as exc:
                errors.append((key, f"expected an http(s) URL or a path, got {value!r} ({exc})"))
                continue
            if scheme not in ("", "http", "https"):
                errors.append((key, f"expected an http(s) URL or a path, got a {scheme}: URL"))
            elif scheme and (found := http_url_problem(value)):
                errors.append((key, found))  # a port past 65535, a host left out
        return errors

    def build(self, job: Job[JsonLdOptions]) -> None:
        if not job.site.url:  # check() rejects this config; a direct API call may not
            raise ExportError("site.url is not set: JSON-LD needs absolute URLs")
        graph = _Graph.create(job.site, job.options, job.vault, job.target.name)
        # Selection never passes drafts to a target that refuses them; a note that is not
        # published reaching this point would be a bug elsewhere, and must still stay out.
        notes = [note for note in job.notes if note.published]
        for note in notes:
            for tag in note.tags:
                graph.tag_names.setdefault(tag.casefold(), tag)
        if not job.site.author:
            job.warn("site.author is not set: the notes have no author", code="jsonld-author")
        if not notes:
            job.warn("no published note is selected: index.jsonld lists none", code="jsonld-empty")
        nodes = []
        rendered_notes = []
        for note, rendered in render_many(notes, job.vault, graph.links, math="tex"):
            if isinstance(rendered, NoteRenderError):
                job.problems.append(rendered.problem)
                continue
            job.problems.extend(rendered.problems)
            node = graph.note_node(note, rendered)
            _write(job, note.note_id, {"@context": CONTEXT_URL, **node})
            nodes.append(node)
            rendered_notes.append(note)
        _write(job, "index", graph.collection_document(rendered_notes, nodes))
        copy_attachments(job, graph.images_used, ASSETS_DIR, "its URL will not resolve")
        # Tried again, to say why each image passed over cannot be copied.
        copy_attachments(job, graph.passed_over, ASSETS_DIR, "no note has it as its image")


def _write(job: Job, name: str, document: dict[str, Any]) -> None:
    """``<name>.jsonld`` and its script element ``html/<name>.html``."""
    text = to_json(document)
    job.write_text(f"{name}.jsonld", text)
    job.write_text(f"html/{name}.html", script_element(text))


def _type_error(type_name: str) -> str:
    return (
        f"{type_name!r} is not schema.org's Article or one of its subtypes "
        f"({', '.join(sorted(ARTICLE_TYPES))})"
    )


def _date(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


@dataclass(frozen=True)
class _Graph:
    """The nodes of one target: settings resolved once, then one node per note."""

    site: Site
    options: JsonLdOptions
    vault: Vault
    types: Mapping[str, str]
    base_url: str
    """Where the target's folder is served; the per-note documents are found under it."""
    assets_url: str
    collection_url: str
    images_used: dict[PurePosixPath, None] = field(default_factory=dict)
    """Vault images that a note's ``image`` points at, and audio and video notes play, in
    order of first use."""
    passed_over: dict[PurePosixPath, None] = field(default_factory=dict)
    """Vault images a note's ``image`` would have been but that cannot be copied."""
    tag_names: dict[str, str] = field(default_factory=dict)
    """Each tag, case folded, as the target's notes first write it: ``#Baking`` and
    ``#baking`` are one tag in Obsidian, so one term with one name and one ``@id``."""

    @classmethod
    def create(cls, site: Site, options: JsonLdOptions, vault: Vault, target: str) -> _Graph:
        types = {kind.casefold(): name for kind, name in BUILTIN_TYPES.items()}
        types.update({kind.casefold(): name for kind, name in options.types.items()})
        base_url = encode_url(target_base_url(site.base_url, target, options.base_url))
        # Relative to the target's folder, which is where the images are copied.
        assets_url = encode_url(urljoin(base_url, options.assets_url))
        return cls(
            site=site,
            options=options,
            vault=vault,
            types=types,
            base_url=base_url,
            assets_url=assets_url if assets_url.endswith("/") else assets_url + "/",
            collection_url=encode_url(urljoin(site.base_url, options.collection_url)),
        )

    # identities ----------------------------------------------------------------------
    @functools.cached_property
    def links(self) -> UrlLinks:
        return UrlLinks(note_url=self.note_url, assets_url=self.assets_url)

    def note_url(self, note: Note) -> str | None:
        """The note's page, or None when the site shows no note pages."""
        url = self.site.note_url_for(note)
        return encode_url(url) if url is not None else None

    def note_iri(self, note: Note) -> str:
        """The note's ``@id``: its page, else its own document in this target."""
        return self.note_url(note) or self.base_url + quote(note.note_id, safe="") + ".jsonld"

    def identity(self, note: Note) -> dict[str, str]:
        """``@id`` and, when the note has a page, ``url``."""
        url = self.note_url(note)
        return {"@id": self.note_iri(note), **({"url": url} if url else {})}

    def type_of(self, note: Note) -> str:
        """The type of the first cssclass, else the first tag, that ``types`` names."""
        for kind in (*note.cssclasses, *note.tags):
            type_name = self.types.get(kind.casefold())
            if type_name:
                return type_name
        return self.options.default_type

    @functools.cached_property
    def person(self) -> dict[str, Any] | None:
        if not self.site.author:
            return None
        node = {"@type": "Person", "@id": self.site.base_url + "#author", "name": self.site.author}
        if self.site.author_url:
            node["url"] = encode_url(self.site.author_url)
        return node

    @functools.cached_property
    def publisher(self) -> dict[str, Any]:
        """The named organization, else the author, else the site as an organization."""
        if not self.options.publisher and self.person is not None:
            return self.person
        return {
            "@type": "Organization",
            "@id": self.site.base_url + "#publisher",
            "name": self.options.publisher or self.site.title,
            "url": self.site.base_url,
        }

    @functools.cached_property
    def collection(self) -> dict[str, Any]:
        kind = self.options.collection_type
        url = self.collection_url
        return {
            "@type": kind,
            "@id": (url + "#blog") if kind == "Blog" else url,
            "url": url,
            "name": self.options.collection_name or self.site.title,
        }

    @functools.cached_property
    def term_set(self) -> dict[str, Any]:
        return {
            "@type": "DefinedTermSet",
            "@id": self.site.base_url + "#tags",
            "name": f"Tags of {self.site.title}",
        }

    def term(self, tag: str) -> dict[str, Any]:
        tag = self.tag_names.get(tag.casefold(), tag)
        node = {
            "@type": "DefinedTerm",
            "name": tag,
            "termCode": tag,
            # An IRI rather than the node: a note's tags would each repeat it.
            "inDefinedTermSet": self.term_set["@id"],
        }
        if self.options.tag_url:
            relative = fill(
                self.options.tag_url, {"slug": _tag_url_slug(tag), "tag": quote(tag, safe="/")}
            )
            node["url"] = node["@id"] = encode_url(urljoin(self.site.base_url, relative))
        else:
            node["@id"] = self.site.base_url + "#tag/" + quote(tag, safe="/")
        return node

    # documents -----------------------------------------------------------------------
    def note_node(self, note: Note, rendered: RenderedNote) -> dict[str, Any]:
        """Everything said about one note, with the nodes it points at written in full."""
        images = {image.src for image in rendered.images}
        node: dict[str, Any] = {
            "@type": self.type_of(note),
            **self.identity(note),
            "headline": note.title,
            "identifier": note.note_id,
            "inLanguage": self.site.language,
            "isPartOf": self.collection,
            "publisher": self.publisher,
            "wordCount": rendered.word_count,
        }
        if self.person is not None:
            node["author"] = self.person
        if note.description:
            node["description"] = note.description
        if note.created is not None:
            node["dateCreated"] = node["datePublished"] = _date(note.created)
        modified = note.date("updated")
        if modified is not None:
            node["dateModified"] = _date(modified)
        optional = {
            "keywords": _unique((*note.keywords, *note.tags)),
            "about": [self.term(tag) for tag in _unique(note.tags)],
            "citation": [
                {"@type": "CreativeWork", "url": encode_url(link)}
                for link in rendered.external_links
                if link not in images
            ],
            "mentions": [
                self.mention(other)
                for other in rendered.linked_notes
                if other.note_id != note.note_id
            ],
            "image": self.image(note, rendered),
            "associatedMedia": [self.media(item) for item in rendered.media],
            "articleBody": rendered.text if self.options.article_body else None,
        }
        node.update({key: value for key, value in optional.items() if value})
        return node

    def media(self, media: Media) -> dict[str, Any]:
        """An audio or video the note plays; a vault file is copied like an image."""
        if media.path is not None:
            self.images_used.setdefault(media.path, None)
        kind = "VideoObject" if media.kind == "video" else "AudioObject"
        return {
            "@type": kind,
            "contentUrl": encode_url(media.src),
            "encodingFormat": media.media_type,
        }

    def mention(self, note: Note) -> dict[str, Any]:
        return {"@type": self.type_of(note), **self.identity(note), "headline": note.title}

    def image(self, note: Note, rendered: RenderedNote) -> str | None:
        """The frontmatter ``image`` (an attachment or a URL), else the first image shown.

        Vault images chosen here are remembered in ``images_used``, to be copied.
        """
        chosen = note.extra.get("image")
        if isinstance(chosen, str) and chosen.strip():
            # An unusable value was reported when the vault was read (image-missing).
            name = frontmatter_image(chosen)
            if urlsplit(name).scheme:
                if is_public_url(name) and not name.lower().startswith("mailto:"):
                    return encode_url(name)
            else:
                attachment = self.vault.attachment(name)
                if (
                    attachment is not None
                    and attachment.suffix.lower() in IMAGE_SUFFIXES
                    and not self._refused(attachment)
                ):
                    return self.use_image(attachment)
        # A drawn diagram is a ``data:`` image: no URL a search engine could show.
        shown = [
            image
            for image in rendered.images
            if (image.path is not None and not self._refused(image.path))
            or (image.path is None and is_public_url(image.src))
        ]
        if not shown:
            return None
        first = shown[0]
        return self.use_image(first.path) if first.path is not None else first.src

    @functools.cached_property
    def _gate(self) -> AssetGate:
        """SVG images that will not be copied: never a note's ``image``."""
        return AssetGate(self.vault)

    def _refused(self, attachment: PurePosixPath) -> bool:
        if not self._gate.refused(attachment):
            return False
        self.passed_over.setdefault(attachment, None)
        return True

    def use_image(self, attachment: PurePosixPath) -> str | None:
        self.images_used.setdefault(attachment, None)
        return self.links.asset_href(attachment)

    def collection_document(
        self, notes: Sequence[Note], nodes: Sequence[dict[str, Any]]
    ) -> dict[str, Any]:
        """``index.jsonld``: a flat graph in which each node appears once."""
        tags = sorted(
            {tag for note in notes for tag in note.tags}, key=lambda tag: (tag.casefold(), tag)
        )
        # One node per tag: its spellings in other cases name the same term.
        terms = list({term["@id"]: term for term in map(self.term, tags)}.values())
        collection = {**self.collection, "inLanguage": self.site.language}
        collection["hasPart"] = [{"@id": node["@id"]} for node in nodes]
        collection["publisher"] = self.publisher
        if self.person is not None:
            collection["author"] = self.person
        if self.site.description:
            collection["description"] = self.site.description
        dates = [note.date("updated") for note in notes]
        if any(date is not None for date in dates):
            collection["dateModified"] = _date(max(date for date in dates if date is not None))
        term_set = {**self.term_set, "hasDefinedTerm": [{"@id": term["@id"]} for term in terms]}
        agents = (
            [self.publisher]
            if self.person in (None, self.publisher)
            else [self.person, self.publisher]
        )
        members = [collection, *agents, term_set, *terms, *nodes]
        shared = {member["@id"] for member in members}
        return {
            "@context": CONTEXT_URL,
            "@graph": [_with_references(member, shared) for member in members],
        }


def _unique(values: Iterable[str]) -> list[str]:
    """Strings in their first order without repeats, compared case-insensitively."""
    seen: set[str] = set()
    result = []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            result.append(value)
    return result


def _with_references(node: dict[str, Any], shared: set[str]) -> dict[str, Any]:
    """``node`` with every nested node that the graph describes itself cut to its ``@id``."""

    def cut(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get("@id") in shared:
                return {"@id": value["@id"]}
            return {key: cut(item) for key, item in value.items()}
        if isinstance(value, list):
            return [cut(item) for item in value]
        return value

    return {key: cut(value) for key, value in node.items()}


# offline processing ------------------------------------------------------------------------


@functools.cache
def _context_text() -> str:
    package = resources.files("notepress.exporters")
    return (package / "data" / "jsonld" / "schemaorg-context.jsonld").read_text(encoding="utf-8")


def bundled_context() -> dict[str, Any]:
    """The bundled copy of schema.org's JSON-LD context (the terms this exporter writes)."""
    context: dict[str, Any] = json.loads(_context_text())
    return context


def document_loader(
    documents: Mapping[str, str | Mapping[str, Any]] | None = None,
) -> Callable[[str, Any], dict[str, Any]]:
    """A pyld document loader that never uses the network.

    It serves schema.org's context from the bundled copy, and each of ``documents``
    (URL to parsed JSON, or to HTML text whose ``<script type="application/ld+json">``
    pyld extracts).  Any other URL fails, naming it.  Use it to expand or validate the
    output offline: ``jsonld.expand(doc, {"documentLoader": document_loader()})``.
    """
    extra = dict(documents or {})

    def load(url: str, options: Any = None) -> dict[str, Any]:
        if url in _CONTEXT_URLS:
            document: Any = bundled_context()
        elif url in extra:
            document = extra[url]
        else:
            from pyld.jsonld import JsonLdError

            raise JsonLdError(
                f"{url} is not available offline",
                "jsonld.LoadDocumentError",
                {"url": url},
                code="loading document failed",
            )
        html = isinstance(document, str)
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": document if html else json.loads(json.dumps(document)),
            "contentType": "text/html" if html else "application/ld+json",
        }

    return load


def _tag_url_slug(tag: str) -> str:
    """``{slug}`` of ``tag_url``: the plain slug a site generator gives a Latin tag, and the
    core's distinct tag slug where that would be empty (``日本`` and ``東京`` must not share
    one page and one ``@id``)."""
    return slugify(tag, fallback="") or tag_slug(tag)
