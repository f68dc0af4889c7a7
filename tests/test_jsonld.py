"""The jsonld exporter: schema.org documents, checked offline with pyld and rdflib's vocabulary."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
import lxml.html
import pytest
from pyld import jsonld
from rdflib.namespace import SDO

import notepress
from notepress.errors import ConfigError
from notepress.exporter import Job
from notepress.exporters.jsonld import (
    ARTICLE_TYPES,
    BUILTIN_TYPES,
    JsonLdExporter,
    bundled_context,
    document_loader,
)
from notepress.markdown import UrlLinks, render_note
from notepress.model import Problem
from notepress.output import MANIFEST

from .conftest import REPO, SAMPLES, note_text

SCHEMA = "http://schema.org/"
SITE = """
[site]
title = "Test Notes"
url = "https://notes.example.org/"
author = "Ada Example"
author_url = "https://ada.example.org/"
timezone = "Europe/Berlin"
note_url = "notes/{slug}/"
"""
PAGE_URL = "https://page.example.test/"


# shared -----------------------------------------------------------------------------------


def sample_config(folder: Path, extra: str = "") -> Path:
    """The samples' site and metadata target, alone, so no other exporter is involved."""
    data = tomllib.loads((SAMPLES / "notepress.toml").read_text(encoding="utf-8"))
    lines = ["[site]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in data["site"].items()]
    lines.append("[targets.metadata]")
    lines += [f"{key} = {json.dumps(value)}" for key, value in data["targets"]["metadata"].items()]
    path = folder / "notepress.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def build_samples(folder: Path) -> Path:
    config = sample_config(
        folder, '[targets.metadata-full]\nexporter = "jsonld"\narticle_body = true\n'
    )
    project = notepress.load_project(SAMPLES, config=config, output=folder / "out")
    report = project.build()
    assert [t.error for t in report.targets] == [None, None]
    return folder / "out"


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def expand(document: Any) -> list[dict[str, Any]]:
    """Expand with the bundled context only; any property the context drops fails."""
    dropped: list[Any] = []
    result = jsonld.expand(
        document, {"documentLoader": document_loader()}, on_property_dropped=dropped.append
    )
    assert dropped == []
    return result


def expand_html(snippet: str) -> list[dict[str, Any]]:
    """What a JSON-LD processor reads from a page that embeds ``snippet`` in its head."""
    page = f"<!DOCTYPE html><html><head><title>t</title>{snippet}</head><body></body></html>"
    loader = document_loader({PAGE_URL: page})
    return jsonld.expand(PAGE_URL, {"documentLoader": loader})


def schema_terms(expanded: Any) -> Iterator[tuple[str, str]]:
    """Every ``("type" | "property", local name)`` an expanded document uses."""
    if isinstance(expanded, list):
        for item in expanded:
            yield from schema_terms(item)
        return
    if not isinstance(expanded, dict):
        return
    for key, value in expanded.items():
        if key == "@type":
            for type_iri in value if isinstance(value, list) else [value]:
                yield "type", local_name(type_iri)
        elif key.startswith("@"):
            yield from schema_terms(value)
        else:
            yield "property", local_name(key)
            yield from schema_terms(value)


def local_name(iri: str) -> str:
    assert iri.startswith(SCHEMA), f"{iri} is not a schema.org IRI"
    return iri.removeprefix(SCHEMA)


def assert_schema_org(expanded: Any) -> set[str]:
    """Every type and property is a schema.org term, by rdflib's copy of the vocabulary.

    rdflib lists term names only; schema.org's naming rule (types capitalised, properties
    not) tells which kind each must be.
    """
    used = set()
    for kind, name in schema_terms(expanded):
        assert name in SDO, f"{name} is not a schema.org term"
        assert name[0].isupper() == (kind == "type"), f"{name} used as a {kind}"
        used.add(name)
    return used


def walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every ``(key, value)`` pair of a compact JSON document, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def project_for(root: Path) -> notepress.Project:
    return notepress.load_project(root, output=root / "_out")


class Builder:
    """Builds a small vault with one jsonld target ``ld``; returns its output folder."""

    def __init__(self, make_vault: Callable[..., Path]) -> None:
        self.make_vault = make_vault
        self.problems: list[Problem] = []
        self.vault_problems: list[Problem] = []

    def __call__(self, files: dict[str, str | bytes], options: str = "", site: str = SITE) -> Path:
        config = f'{site}\n[targets.ld]\nexporter = "jsonld"\n{options}\n'
        root = self.make_vault(files, config=config)
        report = project_for(root).build(["ld"])
        result = report.targets[0]
        assert result.error is None, result.error
        self.problems = result.problems
        self.vault_problems = report.problems
        return root / "_out" / "ld"


@pytest.fixture
def build(make_vault: Callable[..., Path]) -> Builder:
    return Builder(make_vault)


@pytest.fixture(scope="module")
def samples_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_samples(tmp_path_factory.mktemp("samples"))


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> notepress.Project:
    return notepress.load_project(SAMPLES, config=sample_config(tmp_path_factory.mktemp("cfg")))


# the samples -----------------------------------------------------------------------------


def test_samples_write_one_document_and_one_snippet_per_published_note(
    samples_out: Path, sample_project: notepress.Project
) -> None:
    published = {note.note_id for note in sample_project.vault.notes if note.published}
    drafts = {note.note_id for note in sample_project.vault.notes if note.draft}
    assert len(published) == 18 and len(drafts) == 4
    out = samples_out / "metadata"
    assert {p.stem for p in out.glob("*.jsonld")} == published | {"index"}
    assert {p.stem for p in (out / "html").glob("*.html")} == published | {"index"}
    assert sorted(p.relative_to(out).as_posix() for p in (out / "assets").rglob("*.png")) == [
        "assets/attachments/homelab-network.png",
        "assets/attachments/power-draw-chart.png",
    ]


def test_every_document_and_snippet_expands_offline_to_schema_org_terms(
    samples_out: Path,
) -> None:
    used: set[str] = set()
    for target in ("metadata", "metadata-full"):
        for path in sorted((samples_out / target).glob("*.jsonld")):
            document = read(path)
            expanded = expand(document)
            assert expanded, path
            used |= assert_schema_org(expanded)
            snippet = (samples_out / target / "html" / f"{path.stem}.html").read_text()
            assert expand_html(snippet) == expanded, path
    assert used >= {
        "TechArticle",
        "BlogPosting",
        "Blog",
        "Person",
        "DefinedTerm",
        "DefinedTermSet",
        "CreativeWork",
        "Date",
        "headline",
        "identifier",
        "dateCreated",
        "datePublished",
        "dateModified",
        "keywords",
        "about",
        "author",
        "publisher",
        "inLanguage",
        "isPartOf",
        "wordCount",
        "articleBody",
        "citation",
        "mentions",
        "image",
        "hasPart",
        "hasDefinedTerm",
        "inDefinedTermSet",
    }


def test_the_vocabulary_check_rejects_what_is_not_schema_org() -> None:
    """The check above can fail: an invented property or a property used as a type."""
    base = {"@context": "https://schema.org", "@id": "https://x.example/", "@type": "Article"}
    with pytest.raises(AssertionError, match=r"wordcount is not a schema\.org term"):
        assert_schema_org(expand({**base, "wordcount": 3}))
    with pytest.raises(AssertionError, match="headline used as a type"):
        assert_schema_org(expand({**base, "@type": "headline"}))


def test_the_bundled_context_defines_every_term_written_as_schema_org_does(
    samples_out: Path,
) -> None:
    """No term falls back on ``@vocab``, so expanding online gives the same result."""
    context = bundled_context()["@context"]
    assert context["@vocab"] == SCHEMA
    for name, definition in context.items():
        if isinstance(definition, dict):
            assert definition["@id"] == f"schema:{name}" and name in SDO, name
    written = set()
    for path in samples_out.rglob("*.jsonld"):
        for key, value in walk(read(path)):
            if key == "@type":
                written.add(value)
            elif not key.startswith("@"):
                written.add(key)
    assert written <= set(context), written - set(context)
    # IRIs and dates as schema.org's own context reads them
    assert context["url"]["@type"] == context["image"]["@type"] == "@id"
    assert context["inDefinedTermSet"]["@type"] == "@id"
    assert {context[d]["@type"] for d in ("dateCreated", "datePublished", "dateModified")} == {
        "Date"
    }


def test_the_loader_never_reaches_the_network() -> None:
    document = {"@context": "https://example.org/other-context", "name": "x"}
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand(document, {"documentLoader": document_loader()})


def test_a_tech_journal_note_has_every_field(
    samples_out: Path, sample_project: notepress.Project
) -> None:
    doc = read(samples_out / "metadata" / "230528TJ01.jsonld")
    url = "https://notes.example.org/notes/power-draw-of-the-rack/"
    note = sample_project.vault.by_id("230528TJ01")
    assert note is not None
    rendered = render_note(
        note, sample_project.vault, UrlLinks(sample_project.config.site.note_url_for)
    )
    assert doc["@context"] == "https://schema.org"
    assert doc["@type"] == "TechArticle"
    assert doc["@id"] == doc["url"] == url
    assert doc["headline"] == "power draw of the rack"
    assert doc["description"] == note.description
    assert doc["identifier"] == "230528TJ01"
    assert doc["dateCreated"] == doc["datePublished"] == "2023-05-28T00:00:00+02:00"
    assert doc["dateModified"] == "2023-07-14T00:00:00+02:00"
    assert doc["keywords"] == [
        "power",
        "watts",
        "smart plug",
        "electricity cost",
        "homelab",
        "tech-journal",
        "energy",
        "measurement",
    ]
    assert [term["name"] for term in doc["about"]] == list(note.tags)
    for term in doc["about"]:
        assert term["@type"] == "DefinedTerm"
        assert term["termCode"] == term["name"]
        assert term["inDefinedTermSet"] == "https://notes.example.org/#tags"
    person = {
        "@id": "https://notes.example.org/#author",
        "@type": "Person",
        "name": "Mara Lindqvist",
        "url": "https://notes.example.org/about/",
    }
    assert doc["author"] == doc["publisher"] == person
    assert doc["inLanguage"] == "en"
    assert doc["isPartOf"] == {
        "@id": "https://notes.example.org/#blog",
        "@type": "Blog",
        "name": "Workbench & Crumb",
        "url": "https://notes.example.org/",
    }
    assert doc["wordCount"] == rendered.word_count > 200
    assert (
        doc["image"] == "https://notes.example.org/metadata/assets/attachments/power-draw-chart.png"
    )
    # links to a draft ([[backup plan for the NAS]]) and to a missing note are not mentions
    assert [m["@id"] for m in doc["mentions"]] == [
        "https://notes.example.org/notes/home-lab-network-diagram-v1/",
        "https://notes.example.org/notes/pi-hole-on-the-old-thin-client/",
    ]
    assert doc["mentions"][0] == {
        "@id": "https://notes.example.org/notes/home-lab-network-diagram-v1/",
        "@type": "TechArticle",
        "headline": "home lab network diagram v1",
        "url": "https://notes.example.org/notes/home-lab-network-diagram-v1/",
    }
    assert "articleBody" not in doc and "citation" not in doc


def test_general_notes_are_blog_postings_with_their_citations(samples_out: Path) -> None:
    doc = read(samples_out / "metadata" / "230212GN01.jsonld")
    assert doc["headline"] == "the old tram line along the river"
    assert doc["@type"] == "BlogPosting"
    assert doc["citation"] == [
        {"@type": "CreativeWork", "url": "https://example.com/local-history/tram-4-closure"}
    ]
    assert "image" not in doc


def test_every_date_is_iso_8601_with_an_offset(samples_out: Path) -> None:
    dates = [
        value
        for path in samples_out.rglob("*.jsonld")
        for key, value in walk(read(path))
        if key.startswith("date")
    ]
    assert len(dates) > 60
    for value in dates:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", value), value
        assert datetime.fromisoformat(value).utcoffset() is not None


def test_no_draft_and_no_comment_reaches_any_file(
    samples_out: Path, sample_project: notepress.Project
) -> None:
    drafts = [note for note in sample_project.vault.notes if note.draft]
    texts = {
        path: path.read_text(encoding="utf-8")
        for path in samples_out.rglob("*.*")
        if path.suffix in (".jsonld", ".html")
    }
    assert len(texts) == 2 * 2 * 19  # two targets, JSON-LD and HTML, 18 notes and an index
    full = read(samples_out / "metadata-full" / "230325GN01.jsonld")["articleBody"]
    assert "full day" in full  # bodies are really there, so their absence below means something
    for path, text in texts.items():
        assert "DRAFT-ONLY" not in text, path
        assert "PRIVATE-COMMENT" not in text and "%%" not in text, path
        for draft in drafts:
            assert draft.note_id not in text, path
            assert sample_project.config.site.note_url_for(draft) not in text, path


def test_the_collection_is_a_flat_graph_of_every_note(samples_out: Path) -> None:
    index = read(samples_out / "metadata" / "index.jsonld")
    graph = index["@graph"]
    ids = [node["@id"] for node in graph]
    assert len(ids) == len(set(ids))
    blog = graph[0]
    assert blog["@type"] == "Blog" and blog["@id"] == "https://notes.example.org/#blog"
    assert blog["name"] == "Workbench & Crumb"
    notes = [node for node in graph if node["@type"] in ARTICLE_TYPES]
    assert [{"@id": node["@id"]} for node in notes] == blog["hasPart"]
    assert len(notes) == 18
    assert [n["datePublished"] for n in notes] == sorted(n["datePublished"] for n in notes)
    # every reference inside the graph points at a node of the graph
    for node in graph:
        for key, value in walk(node):
            if isinstance(value, dict) and set(value) == {"@id"} and key != "mentions":
                assert value["@id"] in ids, (key, value)
    terms = [node for node in graph if node["@type"] == "DefinedTerm"]
    tag_set = next(node for node in graph if node["@type"] == "DefinedTermSet")
    assert tag_set["hasDefinedTerm"] == [{"@id": term["@id"]} for term in terms]
    assert "tech-journal" in [term["name"] for term in terms]
    # a note in the graph says what its own document says, by reference
    single = read(samples_out / "metadata" / "230528TJ01.jsonld")
    in_graph = next(node for node in notes if node["identifier"] == "230528TJ01")
    assert in_graph["author"] == {"@id": "https://notes.example.org/#author"}
    assert in_graph["headline"] == single["headline"]
    assert expand(index)


def test_rebuilds_are_byte_identical_whatever_the_clock(
    tmp_path: Path, samples_out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    again = build_samples(tmp_path)
    first = {
        p.relative_to(samples_out): p.read_bytes() for p in samples_out.rglob("*") if p.is_file()
    }
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second


def test_article_body_is_the_plain_text(samples_out: Path) -> None:
    doc = read(samples_out / "metadata-full" / "230528TJ01.jsonld")
    body = doc["articleBody"]
    assert "<" not in body and "==" not in body
    assert "the rack costs a little under 12 euros a month" in body
    assert "How I measured" in body  # callout title
    assert "Measured separately at 5.8 W idle." in body  # footnote
    assert "\u21a9" not in body  # no footnote back-link arrow
    assert "\n\n" in body and "\n\n\n" not in body
    assert body.split("\n\n")[0].startswith("power watts measurement cost")


# small vaults ------------------------------------------------------------------------------


def test_a_script_title_cannot_break_out_of_the_snippet(build: Builder) -> None:
    title = "</script><script>alert('x')</script><!-- & -->"
    text = note_text("placeholder", "Body.", note_id="230306GN01", tags=["a&b"])
    text = text.replace("title: placeholder", f"title: {json.dumps(title)}")
    out = build({"note.md": text})
    snippet = (out / "html" / "230306GN01.html").read_text(encoding="utf-8")
    assert snippet.count("</script>") == 1 and snippet.endswith("</script>\n")
    assert snippet.count("<") == 2 and snippet.count(">") == 2  # the element's own tags only
    assert "&" not in snippet and "\\u003c/script\\u003e" in snippet
    page = lxml.html.fromstring(f"<html><head>{snippet}</head><body><p>after</p></body></html>")
    scripts = page.xpath("//script")
    assert len(scripts) == 1 and scripts[0].get("type") == "application/ld+json"
    assert json.loads(scripts[0].text)["headline"] == title
    assert page.xpath("//p/text()") == ["after"]
    expanded = expand_html(snippet)
    assert expanded[0][SCHEMA + "headline"] == [{"@value": title}]
    assert read(out / "230306GN01.jsonld")["headline"] == title


def test_types_come_from_cssclasses_then_tags_through_the_map(build: Builder) -> None:
    files = {
        "a.md": note_text("A", note_id="230301GN01", tags=["tech-journal"]),
        "b.md": note_text("B", note_id="230302GN01", tags=["Recipes"]),
        "c.md": note_text("C", note_id="230303GN01", tags=["recipes"], extra="cssclasses: [howto]"),
        "d.md": note_text("D", note_id="230304GN01", tags=["other"]),
    }
    options = 'default_type = "Article"\ntypes = { recipes = "Report", howto = "TechArticle" }'
    out = build(files, options)
    types = {p.stem: read(p)["@type"] for p in out.glob("2*.jsonld")}
    assert types == {
        "230301GN01": "TechArticle",  # the built-in map
        "230302GN01": "Report",  # a tag, case-insensitively
        "230303GN01": "TechArticle",  # a cssclass wins over a tag
        "230304GN01": "Article",  # default_type
    }
    overridden = build(files, 'types = { "tech-journal" = "ScholarlyArticle" }')
    assert read(overridden / "230301GN01.jsonld")["@type"] == "ScholarlyArticle"
    assert read(overridden / "230304GN01.jsonld")["@type"] == "BlogPosting"
    assert BUILTIN_TYPES["tech-journal"] == "TechArticle"


def test_article_types_are_schema_org_types() -> None:
    assert all(name in SDO and name[0].isupper() for name in ARTICLE_TYPES)
    assert set(BUILTIN_TYPES.values()) <= ARTICLE_TYPES


@pytest.mark.parametrize(
    ("site", "options", "message"),
    [
        (SITE, "drafts = true", "targets.ld.drafts: the jsonld exporter makes public output"),
        (SITE, 'types = { baking = "Recipe" }', "targets.ld.types.baking: 'Recipe' is not"),
        (SITE, 'default_type = "WebPage"', "targets.ld.default_type: 'WebPage' is not"),
        (SITE, 'tag_url = "tags/{name}/"', "targets.ld.tag_url: unknown field {name}"),
        (SITE, 'assets_url = "ftp://files.example.org/"', "targets.ld.assets_url: expected"),
        (SITE, 'collection_type = "WebSite"', "targets.ld.collection_type: expected one of"),
        (SITE, "article_body = 1", "targets.ld.article_body: expected true or false"),
    ],
)
def test_bad_configuration_is_refused_before_anything_is_written(
    make_vault: Callable[..., Path], site: str, options: str, message: str
) -> None:
    root = make_vault(
        {"a.md": note_text("A", note_id="230301GN01")},
        config=f'{site}\n[targets.ld]\nexporter = "jsonld"\n{options}\n',
    )
    with pytest.raises(ConfigError) as caught:
        project_for(root)
    assert any(error.startswith(message) for error in caught.value.errors), caught.value.errors
    assert not (root / "_out").exists()


def test_images_are_absolute_urls_under_assets_url(build: Builder) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    files = {
        "first.md": note_text("First", "Text.\n\n![[my chart.png]]\n", note_id="230301GN01"),
        "external.md": note_text(
            "External",
            "![a photo](https://img.example.net/a.jpg) and [a page](https://example.net/p)\n\n"
            "![[my chart.png]]\n",
            note_id="230302GN01",
        ),
        "chosen.md": note_text(
            "Chosen", "![[my chart.png]]\n", note_id="230303GN01", extra="image: cover.png"
        ),
        "missing.md": note_text(
            "Missing", "![[my chart.png]]\n", note_id="230304GN01", extra="image: nope.png"
        ),
        "files/my chart.png": png,
        "files/cover.png": png,
    }
    out = build(files)
    assert read(out / "230301GN01.jsonld")["image"] == (
        "https://notes.example.org/ld/assets/files/my%20chart.png"
    )
    external = read(out / "230302GN01.jsonld")
    assert external["image"] == "https://img.example.net/a.jpg"
    assert external["citation"] == [{"@type": "CreativeWork", "url": "https://example.net/p"}]
    assert read(out / "230303GN01.jsonld")["image"] == (
        "https://notes.example.org/ld/assets/files/cover.png"
    )
    assert read(out / "230304GN01.jsonld")["image"].endswith("/files/my%20chart.png")
    # Reported when the vault is read, with its line, so that --strict can keep it private.
    assert build.problems == []
    [problem] = [p for p in build.vault_problems if p.code == "image-missing"]
    assert (problem.path, problem.line) == ("missing.md", 6)
    assert sorted(p.name for p in (out / "assets" / "files").iterdir()) == [
        "cover.png",
        "my chart.png",
    ]
    elsewhere = build(files, 'assets_url = "https://cdn.example.net/notes"')
    assert read(elsewhere / "230301GN01.jsonld")["image"] == (
        "https://cdn.example.net/notes/files/my%20chart.png"
    )


def test_mentions_are_published_notes_only(build: Builder) -> None:
    files = {
        "a.md": note_text(
            "A",
            "See [[B]], [[Draft]], [[Nowhere]], [[#Part]] and [[B#Sub|b's part]].\n\n## Part\n",
            note_id="230301GN01",
        ),
        "b.md": note_text("B", "## Sub\n", note_id="230302GN01", tags=["tech-journal"]),
        "draft.md": note_text("Draft", "DRAFT-ONLY: secret", note_id="230303GN01", draft=True),
    }
    out = build(files)
    doc = read(out / "230301GN01.jsonld")
    assert doc["mentions"] == [
        {
            "@id": "https://notes.example.org/notes/b/",
            "@type": "TechArticle",
            "headline": "B",
            "url": "https://notes.example.org/notes/b/",
        }
    ]
    assert not (out / "230303GN01.jsonld").exists()
    assert all("DRAFT-ONLY" not in p.read_text() for p in out.rglob("*.*"))


def test_a_bare_note_has_no_empty_fields(build: Builder) -> None:
    out = build({"a.md": note_text("Bare", "", note_id="230301GN01")})
    doc = read(out / "230301GN01.jsonld")
    assert sorted(doc) == [
        "@context",
        "@id",
        "@type",
        "author",
        "dateCreated",
        "dateModified",
        "datePublished",
        "headline",
        "identifier",
        "inLanguage",
        "isPartOf",
        "publisher",
        "url",
        "wordCount",
    ]
    assert doc["wordCount"] == 0
    assert doc["dateModified"] == doc["dateCreated"] == "2023-03-06T00:00:00+01:00"


def test_collection_page_publisher_and_tag_pages(build: Builder) -> None:
    files = {
        "a.md": note_text("A", note_id="230301GN01", tags=["Home Lab", "bread"]),
        "b.md": note_text("B", note_id="230302GN01", updated="2023-04-01", tags=["bread"]),
    }
    options = (
        'collection_type = "CollectionPage"\ncollection_url = "notes/"\n'
        'collection_name = "All notes"\npublisher = "Example Press"\ntag_url = "tags/{slug}/"\n'
    )
    out = build(files, options)
    doc = read(out / "230301GN01.jsonld")
    page = {
        "@id": "https://notes.example.org/notes/",
        "@type": "CollectionPage",
        "name": "All notes",
        "url": "https://notes.example.org/notes/",
    }
    assert doc["isPartOf"] == page
    assert doc["publisher"] == {
        "@id": "https://notes.example.org/#publisher",
        "@type": "Organization",
        "name": "Example Press",
        "url": "https://notes.example.org/",
    }
    assert doc["author"]["@type"] == "Person" and doc["author"]["url"] == "https://ada.example.org/"
    assert [(t["@id"], t["url"], t["name"]) for t in doc["about"]] == [
        (
            "https://notes.example.org/tags/home-lab/",
            "https://notes.example.org/tags/home-lab/",
            "Home Lab",
        ),
        ("https://notes.example.org/tags/bread/", "https://notes.example.org/tags/bread/", "bread"),
    ]
    graph = read(out / "index.jsonld")["@graph"]
    assert [node["@type"] for node in graph] == [
        "CollectionPage",
        "Person",
        "Organization",
        "DefinedTermSet",
        "DefinedTerm",
        "DefinedTerm",
        "BlogPosting",
        "BlogPosting",
    ]
    assert graph[0]["dateModified"] == "2023-04-01T00:00:00+02:00"
    assert [node["name"] for node in graph[4:6]] == ["bread", "Home Lab"]
    assert_schema_org(expand(read(out / "index.jsonld")))


def test_without_an_author_the_site_publishes(build: Builder) -> None:
    site = SITE.replace('author = "Ada Example"\n', "")
    out = build({"a.md": note_text("A", note_id="230301GN01")}, site=site)
    doc = read(out / "230301GN01.jsonld")
    assert "author" not in doc
    assert doc["publisher"]["@type"] == "Organization"
    assert doc["publisher"]["name"] == "Test Notes"
    assert [p.code for p in build.problems] == ["jsonld-author"]


def test_an_empty_selection_still_writes_the_collection(build: Builder) -> None:
    out = build({"a.md": note_text("A", note_id="230301GN01")}, 'include_tags = ["none"]')
    files = [p for p in out.rglob("*") if p.is_file() and p.name != MANIFEST]
    assert sorted(p.relative_to(out).as_posix() for p in files) == [
        "html/index.html",
        "index.jsonld",
    ]
    assert read(out / "index.jsonld")["@graph"][0]["hasPart"] == []
    assert "no published note" in build.problems[0].message


def test_unicode_and_spaces_in_urls_become_valid_iris(build: Builder) -> None:
    site = SITE.replace('note_url = "notes/{slug}/"', 'note_url = "{path}.html"')
    out = build(
        {"Café notes/über alles.md": note_text("Über alles", note_id="230301GN01", tags=["café"])},
        site=site,
    )
    doc = read(out / "230301GN01.jsonld")
    assert doc["url"] == "https://notes.example.org/Caf%C3%A9%20notes/%C3%BCber%20alles.html"
    assert doc["about"][0]["@id"] == "https://notes.example.org/#tag/caf%C3%A9"
    assert doc["headline"] == "Über alles"
    assert "Über alles" in (out / "230301GN01.jsonld").read_text(encoding="utf-8")


def test_a_draft_handed_to_the_exporter_directly_is_still_left_out(
    make_vault: Callable[..., Path], tmp_path: Path
) -> None:
    """The pipeline never selects drafts here; the exporter does not rely on that alone."""
    root = make_vault(
        {
            "a.md": note_text("A", "See [[Secret]].", note_id="230301GN01"),
            "secret.md": note_text("Secret", "DRAFT-ONLY: x", note_id="230302GN01", draft=True),
        },
        config=f'{SITE}\n[targets.ld]\nexporter = "jsonld"\n',
    )
    project = project_for(root)
    out = tmp_path / "direct"
    job = Job(
        target=project.config.targets["ld"],
        site=project.config.site,
        vault=project.vault,
        notes=project.vault.notes,
        out_dir=out,
        config_root=root,
    )
    JsonLdExporter().build(job)
    assert sorted(p.name for p in out.glob("*.jsonld")) == ["230301GN01.jsonld", "index.jsonld"]
    assert all("Secret" not in p.read_text() for p in out.rglob("*.*"))


def test_the_bundled_context_is_packaged() -> None:
    """The wheel takes package data by these patterns; the context must match one."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["notepress.exporters"]
    packaged = {
        path
        for pattern in patterns
        for path in (REPO / "exporters").glob(pattern)
        if path.is_file()
    }
    context = REPO / "exporters" / "data" / "jsonld" / "schemaorg-context.jsonld"
    assert context in packaged, f"package-data of notepress.exporters misses it: {patterns}"


def test_a_template_engine_includes_a_snippet_as_it_is(build: Builder) -> None:
    """A site's Jinja (or Nunjucks, Liquid, Go) include must not run a title's delimiters."""
    title = "{{ 7 * 7 }} and {% if x %}{# note #}{% endif %} in {{{ braces }}}"
    text = note_text("placeholder", "Body.", note_id="230306GN01")
    out = build({"note.md": text.replace("title: placeholder", f"title: {json.dumps(title)}")})
    snippet = (out / "html" / "230306GN01.html").read_text(encoding="utf-8")
    for delimiter in ("{{", "}}", "{%", "%}", "{#", "#}"):
        assert delimiter not in snippet
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(out), autoescape=True, keep_trailing_newline=True
    )
    page = environment.from_string('<head>{% include "html/230306GN01.html" %}</head>').render()
    assert page == f"<head>{snippet}</head>"
    script = lxml.html.fromstring(page).xpath("//script")[0]
    assert json.loads(script.text)["headline"] == title


def test_tags_without_latin_letters_get_distinct_tag_pages(build: Builder) -> None:
    """``{slug}`` of two non-Latin tags must not fall back to one shared page and @id."""
    files = {"a.md": note_text("A", note_id="230301GN01", tags=["日本", "東京", "bread"])}
    out = build(files, 'tag_url = "tags/{slug}/"\n')
    ids = [t["@id"] for t in read(out / "230301GN01.jsonld")["about"]]
    assert len(set(ids)) == 3, ids
    assert ids[2] == "https://notes.example.org/tags/bread/"
    assert all(i.startswith("https://notes.example.org/tags/tag_") for i in ids[:2]), ids


@pytest.mark.parametrize("options", ["", 'tag_url = "tags/{slug}/"\n'], ids=["no-pages", "pages"])
def test_one_tag_written_in_several_cases_is_one_term(build: Builder, options: str) -> None:
    """``#Baking`` and ``#baking`` are one tag in Obsidian: one term, named as first
    written, with one ``@id``, which a JSON-LD processor would otherwise merge into one
    node of three names (or keep as three tags)."""
    files = {
        "a.md": note_text("A", note_id="230301GN01", tags=["Baking"]),
        "b.md": note_text("B", note_id="230302GN01", tags=["baking"]),
        "c.md": note_text("C", note_id="230303GN01", tags=["BAKING", "rye"]),
    }
    out = build(files, options)
    terms = [
        read(out / f"{i}.jsonld")["about"][0] for i in ("230301GN01", "230302GN01", "230303GN01")
    ]
    assert {term["@id"] for term in terms} == {terms[0]["@id"]}
    assert [term["name"] for term in terms] == ["Baking"] * 3
    assert read(out / "230303GN01.jsonld")["about"][1]["name"] == "rye"
    # The index writes each shared node once, the term set naming each term once.
    graph = read(out / "index.jsonld")["@graph"]
    ids = [node["@id"] for node in graph]
    assert len(ids) == len(set(ids)), ids
    (term_set,) = [node for node in graph if node["@type"] == "DefinedTermSet"]
    assert len(term_set["hasDefinedTerm"]) == 2
