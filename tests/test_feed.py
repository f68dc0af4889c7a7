"""The feed exporter, checked with real parsers: RELAX NG (RFC 4287), feedparser, JSON Schema."""

from __future__ import annotations

import email.utils
import html
import json
import re
import shutil
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import feedparser
import jsonschema
import lxml.html
import pytest
from lxml import etree

import notepress
from notepress.cli import main as cli_main
from notepress.configfile import parse_config
from notepress.exporters.feed.items import ItemFactory
from notepress.output import MANIFEST
from notepress.pipeline import build

from .conftest import SAMPLES, note_text

DATA = Path(__file__).parent / "data" / "feed"
ATOM = "http://www.w3.org/2005/Atom"
NS = {"atom": ATOM, "content": "http://purl.org/rss/1.0/modules/content/"}
SITE = """
[site]
title = "Test Notes"
description = "Notes for testing feeds."
url = "https://notes.example.org/"
author = "Ada Example"
author_url = "https://notes.example.org/about/"
timezone = "Europe/Berlin"
note_url = "notes/{slug}/"
"""
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
URL_ATTRIBUTES = ("href", "src", "cite", "action", "formaction", "poster", "background", "longdesc")

# -- building and reading feeds ------------------------------------------------------


def toml_value(value: Any) -> str:
    """Strings, numbers, booleans and lists of them: their JSON spelling is valid TOML."""
    return json.dumps(value)


def feed_config(**options: Any) -> str:
    lines = [SITE, "[targets.news]", 'exporter = "feed"']
    options.setdefault("formats", ["atom", "rss", "json"])
    lines += [f"{key} = {toml_value(value)}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


FeedBuilder = Callable[..., Path]


@pytest.fixture
def build_feed(make_vault: Callable[..., Path], build_vault: Callable[..., Any]) -> FeedBuilder:
    """Build the ``news`` feed target of a vault made of ``files``; return its folder."""

    def run(files: dict[str, str | bytes], *, expect_ok: bool = True, **options: Any) -> Path:
        root = make_vault(files, config=feed_config(**options))
        report = build_vault(root)
        (result,) = report.targets
        if expect_ok:
            assert result.error is None, result.error
        run.report = report  # type: ignore[attr-defined]
        return root / "_publish" / "news"

    return run


def note(title: str, body: str = "", *, day: int = 1, month: int = 3, **kwargs: Any) -> str:
    """A published note with a note_id matching its created date."""
    kwargs.setdefault("note_id", f"23{month:02d}{day:02d}TS01")
    kwargs.setdefault("created", f"2023-{month:02d}-{day:02d}")
    return note_text(title, body or f"Body of {title}.", **kwargs)


@pytest.fixture(scope="module")
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))


@pytest.fixture(scope="module")
def json_feed_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((DATA / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def assert_valid_atom(path: Path, schema: etree.RelaxNG) -> etree._ElementTree:
    """RFC 4287: the Appendix B grammar, then its Schematron rules evaluated as XPath."""
    doc = etree.parse(str(path))
    assert schema.validate(doc), f"{path}: {schema.error_log}"
    rules = etree.parse(str(DATA / "atom.rng"))
    schematron = {"s": "http://www.ascc.net/xml/schematron"}
    asserts = rules.xpath("//s:rule", namespaces=schematron)
    assert len(asserts) == 3
    for rule in asserts:
        contexts = doc.xpath("//" + rule.get("context"), namespaces=NS)
        for test in rule.xpath("s:assert", namespaces=schematron):
            for node in contexts:
                assert node.xpath(f"boolean({test.get('test')})", namespaces=NS), test.text
    for date in doc.xpath("//atom:updated | //atom:published", namespaces=NS):
        assert RFC3339.match(date.text), date.text
    ids = doc.xpath("//atom:entry/atom:id/text()", namespaces=NS)
    assert len(ids) == len(set(ids))
    return doc


def assert_valid_rss(path: Path) -> Any:
    """feedparser without bozo, plus every element RSS 2.0 requires, and RFC 822 dates."""
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    doc = etree.parse(str(path))
    root = doc.getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    (channel,) = root.findall("channel")
    for required in ("title", "link", "description"):
        element = channel.find(required)
        assert element is not None and element.text and element.text.strip(), required
    for item in channel.findall("item"):
        assert item.findtext("title") or item.findtext("description")
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false"
    for date in doc.xpath("//pubDate | //lastBuildDate"):
        assert RFC822.match(date.text), date.text
        assert email.utils.parsedate_to_datetime(date.text).tzinfo is not None
    guids = doc.xpath("//item/guid/text()")
    assert len(guids) == len(set(guids))
    return parsed


def assert_valid_json(path: Path, validator: jsonschema.Draft202012Validator) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors
    for item in data["items"]:
        for key in ("date_published", "date_modified"):
            assert RFC3339.match(item[key]), item[key]
            assert datetime.fromisoformat(item[key]).tzinfo is not None
    ids = [item["id"] for item in data["items"]]
    assert len(ids) == len(set(ids))
    return data


def atom_entries(folder: Path) -> list[etree._Element]:
    return etree.parse(str(folder / "atom.xml")).xpath("//atom:entry", namespaces=NS)


def entry_ids(folder: Path) -> list[str]:
    return [e.findtext(f"{{{ATOM}}}id") for e in atom_entries(folder)]


def entry_titles(folder: Path) -> list[str]:
    return [e.findtext(f"{{{ATOM}}}title") for e in atom_entries(folder)]


def written_files(folder: Path) -> list[Path]:
    """The target's files, without the build's manifest."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in written_files(folder)}


# -- auditing every written file for relative URLs, scripts and event handlers --------


def is_absolute(url: str) -> bool:
    parts = urlsplit(url.strip())
    if parts.scheme == "mailto":
        return bool(parts.path)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def audit_html(html: str, where: str) -> None:
    if not html.strip():
        return
    root = lxml.html.fragments_fromstring(f"<div>{html}</div>")[0]
    ids = {element.get("id") for element in root.iter() if isinstance(element.tag, str)}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in ("script", "iframe", "object", "embed"), where
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"{where}: event handler {name}"
            if name == "href" and value.startswith("#") and value[1:] in ids:
                continue  # a footnote's link inside its own item
            if name in URL_ATTRIBUTES:
                assert is_absolute(value), f"{where}: relative URL {value!r} in <{element.tag}>"
            assert "javascript:" not in value.lower(), where


def audit_xml(path: Path) -> None:
    doc = etree.parse(str(path))
    for pi in doc.xpath("/processing-instruction('xml-stylesheet')"):
        href = re.search(r'href="([^"]*)"', pi.text).group(1)
        # Relative on purpose: resolved against the feed's URL, wherever it is opened.
        assert href.endswith("feed.xsl") and "://" not in href, f"{path}: stylesheet {href}"
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        assert local != "script", path
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"{path}: {name}"
            if name in ("href", "src", "uri", "url"):
                assert is_absolute(value), f"{path}: <{local} {name}={value!r}>"
        text = (element.text or "").strip()
        if local in ("link", "uri", "url", "icon", "logo", "docs") and text:
            assert is_absolute(text), f"{path}: <{local}>{text}"
        if local in ("id", "guid"):
            assert text.startswith(("tag:", "https://")), f"{path}: <{local}>{text}"
        if local in ("content", "encoded", "description", "summary", "subtitle") and text:
            audit_html(text, f"{path} <{local}>")


def audit_json(path: Path) -> None:
    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str):
            if key.endswith("url") or key in ("icon", "favicon", "avatar", "image"):
                assert is_absolute(value), f"{path}: {key}={value}"
            if key in ("content_html", "summary", "content_text", "description"):
                audit_html(value, f"{path} {key}")

    walk(json.loads(path.read_text(encoding="utf-8")))


def audit_xsl(path: Path) -> None:
    doc = etree.parse(str(path))
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        assert etree.QName(element).localname != "script", path
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), path
            if name in URL_ATTRIBUTES and not value.startswith("{"):  # {..} is a feed value
                assert is_absolute(value), f"{path}: {value}"


def audit_folder(folder: Path) -> int:
    """Check every written file; return how many were text files."""
    checked = 0
    for path in written_files(folder):
        if path.suffix == ".xml":
            audit_xml(path)
        elif path.suffix == ".json":
            audit_json(path)
        elif path.suffix == ".html":
            audit_html(path.read_text(encoding="utf-8"), str(path))
        elif path.suffix == ".xsl":
            audit_xsl(path)
        else:
            assert path.relative_to(folder).parts[0] == "assets", path
            continue
        checked += 1
    return checked


# -- configuration ------------------------------------------------------------------------


def test_missing_site_url_builds_a_local_preview_and_says_so(
    make_vault: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = '[site]\ntitle = "x"\n\n[targets.news]\nexporter = "feed"\n'
    root = make_vault({"a.md": note("A")}, config=config)
    assert cli_main(["build", str(root)]) == 0
    assert "warning[site-url-missing]: site.url is not set" in capsys.readouterr().err
    assert "tag:localhost," in (root / "_publish" / "news" / "atom.xml").read_text("utf-8")
    assert cli_main(["build", "--strict", str(root), "-o", str(root.parent / "strict")]) == 2
    assert "(--strict refuses this)" in capsys.readouterr().err
    assert not (root.parent / "strict").exists()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("formats = []", "targets.news.formats: name at least one"),
        ('formats = ["atom", "html"]', "targets.news.formats: expected one of atom, rss, json"),
        ('hub = "/hub"', "targets.news.hub: expected an absolute http(s) URL"),
        ('base_url = "feeds/"', "targets.news.base_url: expected an absolute http(s) URL"),
        ('assets_url = "ftp://x/"', "targets.news.assets_url: expected an absolute"),
        ('icon = "ftp://x/i.png"', "targets.news.icon: expected an absolute http(s) URL"),
        ('hub = "https://[hub.example.org/"', "targets.news.hub: expected an http(s) URL"),
        ('icon = "https://[cdn.example.org/i.png"', "targets.news.icon: expected an absolute"),
        ('base_url = "https://x.org/feeds/#top"', "targets.news.base_url: expected an address"),
        ('content = "excerpt"', "targets.news.content: expected one of full, summary"),
        ('sort = "title"', "targets.news.sort: expected one of created, updated"),
        ("drafts = true", "targets.news.drafts: the feed exporter makes public output"),
    ],
)
def test_bad_options_are_named_with_their_key(
    make_vault: Callable[..., Path], option: str, message: str
) -> None:
    config = SITE + f'\n[targets.news]\nexporter = "feed"\n{option}\n'
    root = make_vault({"a.md": note("A")}, config=config)
    with pytest.raises(notepress.ConfigError) as caught:
        notepress.load_project(root)
    assert any(e.startswith(message) for e in caught.value.errors), caught.value.errors


def test_site_settings_feeds_cannot_use_are_config_errors(make_vault: Callable[..., Path]) -> None:
    config = SITE.replace('url = "https://notes.example.org/"', 'url = "http://[::1]:8000/"')
    config = config.replace('author_url = "https://notes.example.org/about/"', 'author_url = "/me"')
    config += '\nlanguage = "en_GB"\n[targets.news]\nexporter = "feed"\n'
    root = make_vault({"a.md": note("A")}, config=config)
    with pytest.raises(notepress.ConfigError) as caught:
        notepress.load_project(root)
    text = "\n".join(caught.value.errors)
    assert "is not a domain name" in text
    assert "site.language 'en_GB' is not a language tag" in text
    assert "site.author_url '/me' must be an absolute" in text


# -- validity -------------------------------------------------------------------------------

RICH_BODY = """
Intro paragraph with a [[Second|link to the second note]], a footnote[^1] and ==a highlight==.

> [!note] A callout
> With a [[Second#Part two|heading link]].

![[pic.png]]

## Part one

Text with <b>inline</b> HTML.

[^1]: The footnote text.
"""


def rich_vault() -> dict[str, str | bytes]:
    return {
        "first.md": note("First", RICH_BODY, day=2, tags=["alpha", "Beta/Nested"]),
        "second.md": note(
            "Second",
            "## Part two\n\nText.",
            day=3,
            updated="2023-04-01 10:30",
            tags=["alpha"],
            extra="description: The second note, with <angle> & ampersand.",
        ),
        "pic.png": b"\x89PNG\r\n\x1a\nfake",
    }


@pytest.mark.parametrize("content", ["full", "summary"])
def test_every_format_validates_against_its_specification(
    build_feed: FeedBuilder,
    atom_schema: etree.RelaxNG,
    json_feed_validator: jsonschema.Draft202012Validator,
    content: str,
) -> None:
    out = build_feed(
        rich_vault(),
        content=content,
        per_tag=True,
        hub="https://hub.example.net/",
        icon="pic.png",
        logo="https://cdn.example.net/logo.png",
        stylesheet="builtin",
    )
    folders = [out, *sorted(p for p in (out / "tags").iterdir())]
    assert [f.name for f in folders[1:]] == ["alpha", "beta-nested"]
    for folder in folders:
        assert_valid_atom(folder / "atom.xml", atom_schema)
        assert_valid_rss(folder / "rss.xml")
        assert_valid_json(folder / "feed.json", json_feed_validator)
    assert audit_folder(out) == 3 * 4 + 1  # three feeds and discovery.html each, feed.xsl


def test_schema_checks_can_fail(
    atom_schema: etree.RelaxNG,
    json_feed_validator: jsonschema.Draft202012Validator,
    tmp_path: Path,
) -> None:
    """The validators reject what the specifications forbid, so passing them means something."""
    bad_atom = tmp_path / "atom.xml"
    bad_atom.write_text(
        f'<feed xmlns="{ATOM}"><title>t</title><id>x</id><updated>2023-03-01</updated></feed>'
    )
    assert not atom_schema.validate(etree.parse(str(bad_atom)))
    no_author = tmp_path / "no-author.xml"
    no_author.write_text(
        f'<feed xmlns="{ATOM}"><title>t</title><id>x</id><updated>2023-03-01T00:00:00Z</updated>'
        "<entry><title>e</title><id>y</id><updated>2023-03-01T00:00:00Z</updated></entry></feed>"
    )
    with pytest.raises(AssertionError, match="atom:author"):
        assert_valid_atom(no_author, atom_schema)
    bad_json = {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": "1"}]}
    assert not json_feed_validator.is_valid(bad_json)
    bad_json["items"] = [{"id": "1", "content_text": "x", "date_published": "2023-03-01"}]
    assert not json_feed_validator.is_valid(bad_json)
    bad_rss = tmp_path / "rss.xml"
    bad_rss.write_text('<rss version="2.0"><channel><title>t</title></channel>')
    with pytest.raises(AssertionError):
        assert_valid_rss(bad_rss)


def test_empty_feed_is_valid_and_dated_by_the_build_not_the_clock(
    build_feed: FeedBuilder,
    atom_schema: etree.RelaxNG,
    json_feed_validator: jsonschema.Draft202012Validator,
    reproducible: int,
) -> None:
    out = build_feed({"draft.md": note("Only a draft", draft=True)}, per_tag=True)
    assert_valid_atom(out / "atom.xml", atom_schema)
    assert_valid_rss(out / "rss.xml")
    data = assert_valid_json(out / "feed.json", json_feed_validator)
    assert data["items"] == []
    assert not (out / "tags").exists()
    # Said, as an empty book or JSON-LD index is: a reader would just see nothing new.
    (target,) = build_feed.report.targets  # type: ignore[attr-defined]
    assert [p.code for p in target.problems] == ["feed-empty"]
    expected = datetime.fromtimestamp(reproducible, UTC)
    updated = etree.parse(str(out / "atom.xml")).findtext(f"{{{ATOM}}}updated")
    assert datetime.fromisoformat(updated) == expected
    rss = etree.parse(str(out / "rss.xml")).findtext("channel/lastBuildDate")
    assert email.utils.parsedate_to_datetime(rss) == expected


def test_empty_feed_without_source_date_epoch_is_still_deterministic(
    build_feed: FeedBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = build_feed({"draft.md": note("Only a draft", draft=True)})
    updated = etree.parse(str(out / "atom.xml")).findtext(f"{{{ATOM}}}updated")
    assert updated == "1970-01-01T00:00:00+00:00"


# -- items ----------------------------------------------------------------------------------


def test_item_ids_are_tag_uris_that_survive_renames_and_title_edits(
    make_vault: Callable[..., Path], build_vault: Callable[..., Any]
) -> None:
    files = {
        "old name.md": note(
            "Original title", day=15, month=12, note_id="221215GN01", created="2022-12-15"
        )
    }
    root = make_vault(files, config=feed_config())
    build_vault(root)
    out = root / "_publish" / "news"
    assert entry_ids(out) == ["tag:notes.example.org,2022-12-15:221215GN01"]
    rss = etree.parse(str(out / "rss.xml"))
    assert rss.xpath("//item/guid/text()") == entry_ids(out)
    assert json.loads((out / "feed.json").read_text())["items"][0]["id"] == entry_ids(out)[0]

    (root / "old name.md").rename(root / "new name.md")
    text = (root / "new name.md").read_text().replace("Original title", "A better title")
    (root / "new name.md").write_text(text + "\nMore body.\n")
    build_vault(root)
    assert entry_ids(out) == ["tag:notes.example.org,2022-12-15:221215GN01"]
    assert entry_titles(out) == ["A better title"]


def test_items_carry_link_dates_summary_categories_and_author(build_feed: FeedBuilder) -> None:
    out = build_feed(rich_vault())
    second = atom_entries(out)[0]
    assert second.findtext(f"{{{ATOM}}}title") == "Second"
    assert second.find(f"{{{ATOM}}}link").get("href") == "https://notes.example.org/notes/second/"
    assert second.findtext(f"{{{ATOM}}}published") == "2023-03-03T00:00:00+01:00"
    assert second.findtext(f"{{{ATOM}}}updated") == "2023-04-01T10:30:00+02:00"
    summary = "The second note, with <angle> & ampersand."
    assert second.findtext(f"{{{ATOM}}}summary") == summary
    assert [c.get("term") for c in second.findall(f"{{{ATOM}}}category")] == ["alpha"]
    assert second.findtext(f"{{{ATOM}}}author/{{{ATOM}}}name") == "Ada Example"

    item = assert_valid_rss(out / "rss.xml").entries[0]
    assert item.link == "https://notes.example.org/notes/second/"
    assert item.published == "Fri, 03 Mar 2023 00:00:00 +0100"
    assert item.summary == html.escape(summary, quote=False)  # RSS descriptions are HTML
    assert item.author == "Ada Example"
    assert [t.term for t in item.tags] == ["alpha"]

    data = json.loads((out / "feed.json").read_text())
    first = data["items"][1]
    assert first["date_published"] == "2023-03-02T00:00:00+01:00"
    assert first["tags"] == ["alpha", "Beta/Nested"]
    # No description: the summary is the opening of the text, without markup.
    assert first["summary"].startswith("Intro paragraph with a link to the second note, a foot")


def test_feed_updated_is_the_newest_item_update_not_the_build_time(
    build_feed: FeedBuilder, reproducible: int
) -> None:
    out = build_feed(rich_vault())
    atom = etree.parse(str(out / "atom.xml"))
    assert atom.findtext(f"{{{ATOM}}}updated") == "2023-04-01T10:30:00+02:00"
    rss = etree.parse(str(out / "rss.xml"))
    assert rss.findtext("channel/lastBuildDate") == "Sat, 01 Apr 2023 10:30:00 +0200"


def test_newest_first_with_default_limit_of_twenty(build_feed: FeedBuilder) -> None:
    files = {f"n{day:02d}.md": note(f"Note {day:02d}", day=day) for day in range(1, 26)}
    out = build_feed(files)
    assert entry_titles(out) == [f"Note {day:02d}" for day in range(25, 5, -1)]
    assert len(json.loads((out / "feed.json").read_text())["items"]) == 20


def test_fewer_notes_than_the_limit_are_all_in_the_feed(build_feed: FeedBuilder) -> None:
    files = {f"n{day:02d}.md": note(f"Note {day:02d}", day=day) for day in range(1, 4)}
    assert entry_titles(build_feed(files)) == ["Note 03", "Note 02", "Note 01"]
    assert entry_titles(build_feed(files, limit=5)) == ["Note 03", "Note 02", "Note 01"]


def test_sort_updated_puts_revised_notes_first_and_limit_keeps_the_newest(
    build_feed: FeedBuilder,
) -> None:
    files = {
        "a.md": note("Old but revised", day=1, updated="2023-05-01"),
        "b.md": note("Middle", day=2),
        "c.md": note("Newest created", day=3),
    }
    out = build_feed(files, sort="updated", limit=2)
    assert entry_titles(out) == ["Old but revised", "Newest created"]
    out = build_feed(files, sort="created", limit=2)
    assert entry_titles(out) == ["Newest created", "Middle"]


def test_summary_mode_carries_no_full_content(build_feed: FeedBuilder) -> None:
    out = build_feed(rich_vault(), content="summary")
    for entry in atom_entries(out):
        assert entry.find(f"{{{ATOM}}}content") is None
        assert entry.findtext(f"{{{ATOM}}}summary")
    rss = etree.parse(str(out / "rss.xml"))
    assert not rss.xpath("//content:encoded", namespaces=NS)
    data = json.loads((out / "feed.json").read_text())
    assert all("content_html" not in i and i["content_text"] for i in data["items"])
    text = (out / "atom.xml").read_text()
    assert "[1]" not in text and "The footnote text" not in text


def test_content_links_are_absolute_and_images_copied(build_feed: FeedBuilder) -> None:
    files = rich_vault()
    files["attachments/my photo.jpg"] = b"\xff\xd8\xffjpeg"
    files["third.md"] = note(
        "Third", "See ![[my photo.jpg|300]] and [doc](attachments/my%20photo.jpg).", day=4
    )
    out = build_feed(files)
    data = json.loads((out / "feed.json").read_text())
    html = {item["title"]: item["content_html"] for item in data["items"]}
    first = html["First"]
    assert 'href="https://notes.example.org/notes/second/"' in first
    assert 'href="https://notes.example.org/notes/second/#part-two"' in first
    assert 'src="https://notes.example.org/news/assets/pic.png"' in first
    assert 'href="#n230302TS01-fn-1"' in first
    assert "<mark><span " in first and "a highlight</span></mark>" in first
    assert 'class="callout callout-note"' in first
    third = html["Third"]
    assert 'src="https://notes.example.org/news/assets/attachments/my%20photo.jpg"' in third
    assert 'href="https://notes.example.org/news/assets/attachments/my%20photo.jpg"' in third
    assert (out / "assets" / "pic.png").read_bytes() == files["pic.png"]
    assert (out / "assets" / "attachments" / "my photo.jpg").read_bytes() == b"\xff\xd8\xffjpeg"
    assert audit_folder(out) == 4


def test_assets_url_and_base_url_options(build_feed: FeedBuilder) -> None:
    out = build_feed(
        rich_vault(),
        base_url="https://feeds.example.org/news",
        assets_url="https://cdn.example.org/img",
        icon="pic.png",
    )
    data = json.loads((out / "feed.json").read_text())
    assert data["feed_url"] == "https://feeds.example.org/news/feed.json"
    assert data["icon"] == "https://cdn.example.org/img/pic.png"
    assert 'src="https://cdn.example.org/img/pic.png"' in data["items"][1]["content_html"]
    atom = etree.parse(str(out / "atom.xml"))
    self_link = atom.xpath("/atom:feed/atom:link[@rel='self']/@href", namespaces=NS)
    assert self_link == ["https://feeds.example.org/news/atom.xml"]
    assert atom.findtext(f"{{{ATOM}}}icon") == "https://cdn.example.org/img/pic.png"
    assert (out / "assets" / "pic.png").exists()


def test_relative_urls_scripts_and_handlers_never_reach_a_feed(build_feed: FeedBuilder) -> None:
    body = """
<a href="/about">root-relative</a> <a href="other.html">relative</a> <a href="//cdn.example.org/x">scheme-relative</a>
<blockquote cite="sources.html">quoted</blockquote> <q cite="/q">q</q>
<img src="missing.png" alt="gone"> <img src="data:image/png;base64,AAAA" alt="data">
<script>alert("x")</script><p onclick="steal()" onmouseover="x()">click</p>
<a href="javascript:alert(1)">js</a> [md link](relative/page.md) [ok](https://example.com/ok)
"""
    out = build_feed({"a.md": note("Hostile", body)}, stylesheet="builtin")
    assert audit_folder(out) == 5
    text = (out / "feed.json").read_text()
    assert "alert" not in text and "steal" not in text
    assert "https://example.com/ok" in text and "quoted" in text and "click" in text


def test_xml_illegal_control_characters_are_removed(
    build_feed: FeedBuilder, atom_schema: etree.RelaxNG
) -> None:
    files = {
        "a.md": note(
            "Bell\\a and\\x0b tab",
            "Text with \x01 control \x0c chars and a \x7f delete.",
            extra='description: "Form\\ffeed \\x1f here"',
            tags=["ok"],
        ).replace("title: Bell\\a and\\x0b tab", 'title: "Bell\\a and\\x0b tab"')
    }
    out = build_feed(files)
    for name in ("atom.xml", "rss.xml", "feed.json"):
        raw = (out / name).read_text(encoding="utf-8")
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", raw), name
    assert_valid_atom(out / "atom.xml", atom_schema)
    assert entry_titles(out) == ["Bell and tab"]
    assert atom_entries(out)[0].findtext(f"{{{ATOM}}}summary") == "Formfeed  here"


def test_naive_dates_get_the_site_timezone_before_reaching_a_feed(tmp_path: Path) -> None:
    site = notepress.Site(url="https://notes.example.org/", timezone="Europe/Berlin")
    naive = notepress.Note(
        path=PurePosixPath("n.md"),
        title="Naive",
        note_id="230301TS01",
        draft=False,
        created=datetime(2023, 3, 1, 9, 30, 15, 123456),
        updated=datetime(2023, 2, 1),
        body="Text.",
    )
    vault = notepress.Vault(tmp_path, (naive,))
    factory = ItemFactory(vault, site.host, site.note_url_for, "https://x.example/", site.tz, True)
    item = factory.item(naive)
    assert item.published.isoformat() == "2023-03-01T09:30:15+01:00"
    assert item.updated == item.published  # never before publication
    assert item.id == "tag:notes.example.org,2023-03-01:230301TS01"


def test_note_urls_from_paths_are_percent_encoded(
    make_vault: Callable[..., Path], build_vault: Callable[..., Any]
) -> None:
    config = (
        feed_config()
        .replace('note_url = "notes/{slug}/"', 'note_url = "{path}/"')
        .replace('timezone = "Europe/Berlin"', 'timezone = "UTC"')
    )
    root = make_vault({"My Notes/Café au lait.md": note("Café au lait")}, config=config)
    build_vault(root)
    (entry,) = atom_entries(root / "_publish" / "news")
    href = entry.find(f"{{{ATOM}}}link").get("href")
    assert href == "https://notes.example.org/My%20Notes/Caf%C3%A9%20au%20lait/"


def test_notes_without_dates_are_left_out_with_a_warning(build_feed: FeedBuilder) -> None:
    undated = "---\ntitle: Undated\ndraft: false\n---\n\nNo date at all.\n"
    out = build_feed({"undated.md": undated, "dated.md": note("Dated")})
    assert entry_titles(out) == ["Dated"]
    problems = build_feed.report.targets[0].problems  # type: ignore[attr-defined]
    messages = [(p.path, p.code) for p in problems]
    assert ("targets.news", "undated-notes") in messages  # once for the target, not per note


def test_notes_without_note_id_get_a_warning_about_renames(build_feed: FeedBuilder) -> None:
    out = build_feed({"a.md": note_text("No id", "Body.", created="2023-03-01")})
    assert entry_ids(out)[0].startswith("tag:notes.example.org,2023-03-01:n")
    problems = build_feed.report.targets[0].problems  # type: ignore[attr-defined]
    assert [(p.path, p.code) for p in problems] == [("targets.news", "feed-unstable-id")]
    assert problems[0].message.startswith("1 item without a note_id (a.md): ")


def test_the_feed_says_once_how_many_notes_have_no_note_id(build_feed: FeedBuilder) -> None:
    """Each note's own warning names its file: the target's was one more line per note
    (519 in one vault) saying the same."""
    files = {
        f"n{day}.md": note_text(f"N{day}", "B.", created=f"2023-03-0{day}") for day in range(1, 6)
    }
    build_feed(files)
    problems = build_feed.report.targets[0].problems  # type: ignore[attr-defined]
    (unstable,) = [p for p in problems if p.code == "feed-unstable-id"]
    assert unstable.message.startswith("5 items without a note_id (n1.md, n2.md, n3.md, ...)")


def test_per_tag_feeds_hold_the_newest_notes_of_each_tag(build_feed: FeedBuilder) -> None:
    files = {
        f"n{day:02d}.md": note(f"Note {day:02d}", day=day, tags=["common"]) for day in range(1, 6)
    }
    files["rare.md"] = note("Rare", day=1, month=1, note_id="230101TS02", tags=["Rare", "rare"])
    files["rare2.md"] = note("Rare two", day=2, month=1, note_id="230102TS02", tags=["RARE"])
    out = build_feed(files, per_tag=True, limit=3)
    assert entry_titles(out) == ["Note 05", "Note 04", "Note 03"]
    assert entry_titles(out / "tags" / "common") == ["Note 05", "Note 04", "Note 03"]
    # Older than anything in the main feed, still the newest of their tag:
    assert entry_titles(out / "tags" / "rare") == ["Rare two", "Rare"]
    atom = etree.parse(str(out / "tags" / "rare" / "atom.xml"))
    assert atom.findtext(f"{{{ATOM}}}title") == "Test Notes: RARE"
    self_link = atom.xpath("/atom:feed/atom:link[@rel='self']/@href", namespaces=NS)
    assert self_link == ["https://notes.example.org/news/tags/rare/atom.xml"]
    discovery = (out / "tags" / "rare" / "discovery.html").read_text()
    assert 'href="https://notes.example.org/news/tags/rare/rss.xml"' in discovery
    problems = build_feed.report.targets[0].problems  # type: ignore[attr-defined]
    assert [p.code for p in problems] == ["feed-tag-merged"]


def test_discovery_html_links_every_feed(build_feed: FeedBuilder) -> None:
    out = build_feed(rich_vault(), formats=["json", "atom"])
    links = lxml.html.fragments_fromstring((out / "discovery.html").read_text())
    assert [(el.get("rel"), el.get("type"), el.get("href"), el.get("title")) for el in links] == [
        (
            "alternate",
            "application/feed+json",
            "https://notes.example.org/news/feed.json",
            "Test Notes (JSON Feed)",
        ),
        (
            "alternate",
            "application/atom+xml",
            "https://notes.example.org/news/atom.xml",
            "Test Notes (Atom)",
        ),
    ]
    assert not (out / "rss.xml").exists()


def test_title_subtitle_icon_logo_and_hub(build_feed: FeedBuilder) -> None:
    out = build_feed(
        rich_vault(),
        title="Weekly",
        subtitle="What I wrote",
        logo="pic.png",
        icon="https://cdn.example.org/icon.png",
        hub="https://pubsubhubbub.appspot.com/",
    )
    atom = etree.parse(str(out / "atom.xml"))
    assert atom.findtext(f"{{{ATOM}}}title") == "Weekly"
    assert atom.findtext(f"{{{ATOM}}}subtitle") == "What I wrote"
    assert atom.findtext(f"{{{ATOM}}}logo") == "https://notes.example.org/news/assets/pic.png"
    assert atom.findtext(f"{{{ATOM}}}icon") == "https://cdn.example.org/icon.png"
    hub = "https://pubsubhubbub.appspot.com/"
    assert atom.xpath("/atom:feed/atom:link[@rel='hub']/@href", namespaces=NS) == [hub]
    rss = etree.parse(str(out / "rss.xml"))
    assert rss.xpath("/rss/channel/atom:link[@rel='hub']/@href", namespaces=NS) == [hub]
    assert rss.findtext("channel/image/url") == "https://notes.example.org/news/assets/pic.png"
    assert rss.findtext("channel/description") == "What I wrote"
    data = json.loads((out / "feed.json").read_text())
    assert data["hubs"] == [{"type": "WebSub", "url": hub}]
    assert (data["title"], data["description"]) == ("Weekly", "What I wrote")
    assert (out / "assets" / "pic.png").exists()


def test_missing_icon_file_fails_the_target_with_a_clear_message(build_feed: FeedBuilder) -> None:
    out = build_feed(rich_vault(), icon="nowhere.png", expect_ok=False)
    (result,) = build_feed.report.targets  # type: ignore[attr-defined]
    assert "icon: 'nowhere.png' is neither an absolute http(s) URL nor a file in the vault" in (
        result.error or ""
    )
    assert not out.exists()


def test_an_icon_that_is_no_image_fails_the_target(build_feed: FeedBuilder) -> None:
    """Copied into the public folder as it is: a document named by mistake was published."""
    files = {**rich_vault(), "tax return.pdf": b"%PDF-1.4 private figures"}
    out = build_feed(files, icon="tax return.pdf", expect_ok=False)
    (result,) = build_feed.report.targets  # type: ignore[attr-defined]
    assert "icon: 'tax return.pdf' is not an image (.png" in (result.error or "")
    assert not out.exists()


def test_a_logo_that_cannot_be_copied_is_not_named(build_feed: FeedBuilder) -> None:
    """An SVG that runs a script is not copied: the feed named its URL anyway, which led
    readers to nothing."""
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    out = build_feed({**rich_vault(), "mark.svg": svg}, logo="mark.svg")
    (result,) = build_feed.report.targets  # type: ignore[attr-defined]
    (refused,) = [p for p in result.problems if p.code == "asset-refused"]
    assert "mark.svg not copied, so the feed names no logo" in refused.message
    assert not (out / "assets" / "mark.svg").exists()
    atom = etree.parse(str(out / "atom.xml"))
    assert atom.findtext(f"{{{ATOM}}}logo") is None
    assert etree.parse(str(out / "rss.xml")).find("channel/image") is None
    assert "mark.svg" not in (out / "feed.json").read_text(encoding="utf-8")


def test_builtin_stylesheet_turns_each_feed_into_a_page(build_feed: FeedBuilder) -> None:
    out = build_feed(rich_vault(), stylesheet="builtin")
    assert (out / "feed.xsl").is_file()
    transform = etree.XSLT(etree.parse(str(out / "feed.xsl")))
    for name in ("atom.xml", "rss.xml"):
        raw = (out / name).read_text()
        assert '<?xml-stylesheet type="text/xsl" href="feed.xsl"?>' in raw
        page = str(transform(etree.parse(str(out / name))))
        html = lxml.html.fromstring(page)
        assert html.findtext(".//h1") == "Test Notes"
        links = [a.get("href") for a in html.iter("a")]
        assert "https://notes.example.org/notes/second/" in links
        assert "https://notes.example.org/notes/first/" in links


def test_user_stylesheet_is_copied_and_a_missing_one_is_reported(
    make_vault: Callable[..., Path], build_vault: Callable[..., Any]
) -> None:
    root = make_vault(rich_vault(), config=feed_config(stylesheet="style/mine.xsl"))
    report = build_vault(root)
    assert "stylesheet: file not found" in (report.targets[0].error or "")
    (root / "style").mkdir()
    shutil.copy(
        DATA.parent.parent.parent / "templates" / "feed" / "feed.xsl", root / "style/mine.xsl"
    )
    report = build_vault(root)
    assert report.targets[0].error is None
    copied = root / "_publish" / "news" / "feed.xsl"
    assert copied.read_bytes() == (root / "style/mine.xsl").read_bytes()


def test_a_stylesheet_option_naming_a_note_publishes_nothing_of_it(
    make_vault: Callable[..., Path], build_vault: Callable[..., Any]
) -> None:
    """The stylesheet is copied as it is into the public folder: a note named by mistake
    was published whole as feed.xsl, frontmatter and all."""
    files = {**rich_vault(), "private/plans.md": note("Plans", "HUSHWREN", draft=True)}
    root = make_vault(files, config=feed_config(stylesheet="private/plans.md"))
    report = build_vault(root)
    assert "stylesheet:" in (error := report.targets[0].error or "")
    assert "plans.md is not an XSL file (.xsl, .xslt)" in error
    published = root / "_publish"
    assert not any("HUSHWREN" in p.read_text("utf-8", "replace") for p in published.rglob("*.*"))


# -- determinism and privacy --------------------------------------------------------------


def test_rebuilds_are_byte_identical(
    make_vault: Callable[..., Path], build_vault: Callable[..., Any], reproducible: int
) -> None:
    root = make_vault(
        rich_vault(), config=feed_config(per_tag=True, stylesheet="builtin", icon="pic.png")
    )
    build_vault(root)
    first = tree_bytes(root / "_publish" / "news")
    shutil.rmtree(root / "_publish")
    build_vault(root)
    assert tree_bytes(root / "_publish" / "news") == first
    assert len(first) == 3 * 4 + 1 + 1  # 3 feeds x (3 formats + discovery), asset, xsl


def plant_drafts() -> tuple[dict[str, str | bytes], list[str]]:
    """A vault whose drafts (and links to them) carry unique strings, and the strings."""
    secrets = [
        "ZQXDRAFTTITLE",
        "zqxdrafttitle",  # the slug of the draft's title, hence its URL
        "ZQXDRAFTBODY",
        "ZQXDRAFTDESCRIPTION",
        "ZQXDRAFTTAG",
        "zqxdrafttag",
        "230401ZQ01",
        "zqxdraftfile",
        "zqxdraftimage",
        "ZQXDRAFTHEADING",
        "zqxdraftheading",
        "ZQXCOMMENT",
        "ZQXERRORNOTE",
    ]
    files: dict[str, str | bytes] = {
        "zqxdraftfile.md": note_text(
            "ZQXDRAFTTITLE",
            "ZQXDRAFTBODY ![[zqxdraftimage.png]]\n\n## ZQXDRAFTHEADING\n",
            note_id="230401ZQ01",
            created="2023-04-01",
            draft=True,
            tags=["ZQXDRAFTTAG"],
            extra="description: ZQXDRAFTDESCRIPTION",
        ),
        "zqxdraftimage.png": b"\x89PNG\r\n\x1a\nsecret",
        "public.md": note(
            "Public",
            "Links: [[ZQXDRAFTTITLE|a private page]], [[zqxdraftfile#ZQXDRAFTHEADING|a part]],\n"
            '[md](zqxdraftfile.md), <a href="zqxdraftfile.md">html</a>.\n\n'
            "%%ZQXCOMMENT%%\n\n%%\nZQXCOMMENT on lines\n%%\n",
            day=5,
            tags=["public"],
        ),
        "broken.md": "---\ntitle: ZQXERRORNOTE\ndraft: false\ncreated: [unclosed\n---\nZQXERRORNOTE\n",
    }
    return files, secrets


def test_no_draft_text_appears_in_any_written_file(build_feed: FeedBuilder) -> None:
    files, secrets = plant_drafts()
    out = build_feed(files, per_tag=True, stylesheet="builtin", content="full")
    written = written_files(out)
    assert {p.relative_to(out).as_posix() for p in written} >= {"atom.xml", "tags/public/feed.json"}
    for path in written:
        data = path.read_bytes()
        names = path.relative_to(out).as_posix()
        for secret in secrets:
            assert secret.lower().encode() not in data.lower(), f"{secret} in {names}"
            assert secret.lower() not in names.lower(), f"{secret} in file name {names}"
    text = (out / "feed.json").read_text()
    assert "a private page" in text and "a part" in text  # link text stays, as plain text
    content = json.loads(text)["items"][0]["content_html"]
    assert "href" not in content.split("Links:")[1].split("</p>")[0]
    assert audit_folder(out) == 2 * 4 + 1  # main and 'public' feeds, 4 files each; xsl


def test_draft_target_option_never_sneaks_drafts_in(build_feed: FeedBuilder) -> None:
    """Selecting the draft's tag selects the public note that shares it, never the draft."""
    files, secrets = plant_drafts()
    files["shares-tag.md"] = note("Shares the tag", day=7, tags=["ZQXDRAFTTAG"])
    out = build_feed(files, include_tags=["ZQXDRAFTTAG"])
    assert entry_ids(out) == ["tag:notes.example.org,2023-03-07:230307TS01"]
    body = (out / "feed.json").read_text(encoding="utf-8")
    assert "Shares the tag" in body
    assert not [s for s in secrets if s not in {"ZQXDRAFTTAG", "zqxdrafttag"} and s in body]


# -- the sample vault ---------------------------------------------------------------------


def sample_feed_config(output: Path) -> notepress.Config:
    """The sample site with its newsletter target only (the others are not under test)."""
    data = tomllib.loads((SAMPLES / "notepress.toml").read_text(encoding="utf-8"))
    data["targets"] = {"newsletter": data["targets"]["newsletter"]}
    data["output"] = str(output)
    return parse_config(data, root=SAMPLES.resolve(), path=None)


def sample_build(output: Path) -> tuple[notepress.Vault, Path, Any]:
    config = sample_feed_config(output)
    vault = notepress.load_vault(SAMPLES, config.site.parse_settings(), exclude_dirs=[output])
    report = build(vault, config, ["newsletter"])
    assert report.targets[0].error is None, report.targets[0].error
    return vault, output / "newsletter", config


def test_samples_newsletter_target(
    tmp_path: Path,
    atom_schema: etree.RelaxNG,
    json_feed_validator: jsonschema.Draft202012Validator,
    reproducible: int,
) -> None:
    vault, out, config = sample_build(tmp_path / "out")
    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == [
        "assets",
        "atom.xml",
        "discovery.html",
        "feed.json",
        "rss.xml",
    ]
    assert_valid_atom(out / "atom.xml", atom_schema)
    parsed = assert_valid_rss(out / "rss.xml")
    data = assert_valid_json(out / "feed.json", json_feed_validator)
    published = [n for n in vault.notes if n.published]
    assert len(published) == 18 and len(parsed.entries) == 18 and len(data["items"]) == 18
    assert {i["id"] for i in data["items"]} == {
        f"tag:notes.example.org,{n.created.date().isoformat()}:{n.note_id}" for n in published
    }
    assert sorted(p.name for p in (out / "assets" / "attachments").iterdir()) == [
        "homelab-network.png",
        "power-draw-chart.png",
    ]
    audit_folder(out)
    drafts = [n for n in vault.notes if n.draft]
    assert len(drafts) == 4
    for path in written_files(out):
        raw = path.read_bytes()
        assert b"DRAFT-ONLY" not in raw and b"PRIVATE-COMMENT" not in raw, path
        for draft in drafts:
            assert config.site.note_url_for(draft).encode() not in raw, (path, draft.path)
            assert draft.note_id.encode() not in raw, (path, draft.path)
    first = tree_bytes(out)
    sample_build(tmp_path / "again")
    assert tree_bytes(tmp_path / "again" / "newsletter") == first


def test_sample_config_keys_are_accepted_by_the_feed_options() -> None:
    data = tomllib.loads((SAMPLES / "notepress.toml").read_text(encoding="utf-8"))
    target = sample_feed_config(Path("/nonexistent")).targets["newsletter"]
    assert target.options.formats == tuple(data["targets"]["newsletter"]["formats"])
