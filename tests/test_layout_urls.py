"""Outputs name the URLs their files are really served at.

The output folder is served on a loopback address that stands for ``site.url``, and every
URL of the site that a feed or a JSON-LD document names (self and alternate links, images,
enclosures, the XSL stylesheet, discovery tags, ``url``, ``image``, ``contentUrl``) is
fetched from it: none may be a 404.  Item ids must not move while URLs do.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import lxml.html
import pytest
from lxml import etree

import notepress

from .conftest import SAMPLES, note_text

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
#: Ids of the samples' newsletter as notepress 0.1 wrote them, before any URL was corrected.
SAMPLE_ATOM_ID = "https://notes.example.org/atom.xml"
SAMPLE_ITEM_IDS = [
    "tag:notes.example.org,2023-06-25:230625TJ01",
    "tag:notes.example.org,2023-06-18:230618GN01",
    "tag:notes.example.org,2023-06-04:230604GN01",
    "tag:notes.example.org,2023-05-28:230528TJ01",
    "tag:notes.example.org,2023-05-07:230507TJ01",
    "tag:notes.example.org,2023-04-09:230409GN01",
    "tag:notes.example.org,2023-03-25:230325GN01",
    "tag:notes.example.org,2023-03-19:230319TJ01",
    "tag:notes.example.org,2023-03-11:230311GN01",
    "tag:notes.example.org,2023-03-05:230305TJ01",
    "tag:notes.example.org,2023-02-26:230226GN01",
    "tag:notes.example.org,2023-02-19:230219TJ01",
    "tag:notes.example.org,2023-02-12:230212GN01",
    "tag:notes.example.org,2023-02-05:230205TJ01",
    "tag:notes.example.org,2023-01-29:230129GN01",
    "tag:notes.example.org,2023-01-21:230121GN01",
    "tag:notes.example.org,2023-01-15:230115TJ01",
    "tag:notes.example.org,2023-01-08:230108GN01",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass(frozen=True)
class Served:
    site: str
    out: Path
    report: notepress.BuildReport


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _sample_copy(root: Path, site: str) -> Path:
    """The samples with ``site.url`` set to ``site`` and no ``note_url`` (no note pages, the
    default), a feed that uses every URL it can name, and a note that plays a file."""
    vault = root / "vault"
    shutil.copytree(SAMPLES, vault, ignore=shutil.ignore_patterns("_publish"))
    config = (vault / "notepress.toml").read_text(encoding="utf-8")
    config = config.replace('url = "https://notes.example.org/"', f'url = "{site}"')
    config = re.sub(r"(?m)^note_url = .*\n", "", config)
    config = config.replace(
        'formats = ["atom", "rss", "json"]',
        'formats = ["atom", "rss", "json"]\nstylesheet = "builtin"\nper_tag = true\n'
        'icon = "attachments/homelab-network.png"\nlogo = "attachments/power-draw-chart.png"',
    )
    (vault / "notepress.toml").write_text(config, encoding="utf-8")
    (vault / "attachments" / "rack hum.mp3").write_bytes(b"ID3" + bytes(200))
    (vault / "journal" / "2023-07-02 rack hum.md").write_text(
        note_text(
            "Rack hum",
            "The fan after the swap:\n\n![[rack hum.mp3]]\n\n![[power-draw-chart.png]]\n",
            note_id="230702GN01",
            created="2023-07-02",
            tags=["homelab"],
        ),
        encoding="utf-8",
    )
    return vault


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("layout")
    out = root / "vault" / "_publish"
    server, site = _serve(out)
    try:
        vault = _sample_copy(root, site)
        report = notepress.load_project(vault).build(["newsletter", "metadata"])
        assert not [t.error for t in report.targets if t.error]
        yield Served(site, out, report)
    finally:
        server.shutdown()
        server.server_close()


# -- what each output names ----------------------------------------------------------------


def _html_urls(fragment: str, base: str) -> list[str]:
    if not fragment.strip():
        return []
    urls = []
    for element in lxml.html.fragments_fromstring(f"<div>{fragment}</div>")[0].iter():
        for name in ("href", "src", "poster"):
            value = element.get(name)
            if value and not value.startswith("#"):
                urls.append(urljoin(base, value))
    return urls


def _xml_urls(path: Path, url: str) -> dict[str, list[str]]:
    """URLs an Atom or RSS file names, by kind, resolved against the file's own URL."""
    found: dict[str, list[str]] = {"stylesheet": [], "link": [], "image": [], "content": []}
    doc = etree.parse(str(path))
    for pi in doc.xpath("/processing-instruction('xml-stylesheet')"):
        href = re.search(r'href="([^"]*)"', pi.text).group(1)
        found["stylesheet"].append(urljoin(url, href))
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if local == "link" and element.get("href"):
            found["link"].append(element.get("href"))
        elif local == "link" and element.text and element.text.strip():
            found["link"].append(element.text.strip())
        elif local == "enclosure":
            found["link"].append(element.get("url"))
        elif local in ("icon", "logo") or (local == "url" and element.getparent().tag == "image"):
            found["image"].append(element.text.strip())
        elif local in ("content", "encoded") and element.text:
            found["content"].extend(_html_urls(element.text, url))
    return found


def _json_feed_urls(path: Path) -> list[str]:
    feed = json.loads(path.read_text(encoding="utf-8"))
    urls = [feed[key] for key in ("home_page_url", "feed_url", "icon", "favicon") if key in feed]
    for item in feed["items"]:
        urls += [item["url"]] if "url" in item else []
        urls += [a["url"] for a in item.get("attachments", [])]
        urls += _html_urls(item.get("content_html", ""), feed["feed_url"])
    return urls


def _jsonld_urls(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k in ("url", "image", "contentUrl")]
        return [u for u in found if isinstance(u, str)] + [
            u for v in value.values() for u in _jsonld_urls(v)
        ]
    if isinstance(value, list):
        return [u for v in value for u in _jsonld_urls(v)]
    return []


def _status(url: str) -> int:
    try:
        # HEAD: whether the file is there, without sending it.
        with urllib.request.urlopen(
            urllib.request.Request(url, method="HEAD"), timeout=30
        ) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _every_url(served: Served) -> dict[str, set[str]]:
    """Every URL of every output, by the file that names it."""
    named: dict[str, set[str]] = {}
    for path in sorted(served.out.rglob("*")):
        relative = path.relative_to(served.out).as_posix()
        url = served.site + relative
        if path.suffix == ".xml":
            named[relative] = {u for urls in _xml_urls(path, url).values() for u in urls}
        elif path.name == "feed.json":
            named[relative] = set(_json_feed_urls(path))
        elif path.suffix == ".jsonld":
            named[relative] = set(_jsonld_urls(json.loads(path.read_text(encoding="utf-8"))))
        elif path.suffix == ".html":
            named[relative] = set(_html_urls(path.read_text(encoding="utf-8"), url))
    return named


# -- tests ---------------------------------------------------------------------------------


def test_every_url_an_output_names_is_served_where_the_build_wrote_it(served: Served) -> None:
    named = _every_url(served)
    ours = {
        url: file for file, urls in named.items() for url in urls if url.startswith(served.site)
    }
    missing = sorted(f"{file} names {url}" for url, file in ours.items() if _status(url) != 200)
    assert not missing, "\n".join(missing)
    # Not vacuous: each kind of reference was met and fetched.
    for path in (
        "newsletter/atom.xml",
        "newsletter/rss.xml",
        "newsletter/feed.json",
        "newsletter/feed.xsl",
        "newsletter/tags/homelab/atom.xml",
        "newsletter/assets/attachments/homelab-network.png",
        "newsletter/assets/attachments/rack%20hum.mp3",
        "metadata/assets/attachments/power-draw-chart.png",
        "metadata/assets/attachments/rack%20hum.mp3",
    ):
        assert served.site + path in ours, path
    assert len(ours) >= 20


def test_self_links_and_discovery_name_the_target_folder(served: Served) -> None:
    feed = served.site + "newsletter/"
    atom = etree.parse(str(served.out / "newsletter" / "atom.xml")).getroot()
    links = {link.get("rel"): link.get("href") for link in atom.findall(f"{ATOM}link")}
    assert links["self"] == feed + "atom.xml"
    assert atom.findtext(f"{ATOM}icon") == feed + "assets/attachments/homelab-network.png"
    tag_feed = (served.out / "newsletter" / "tags" / "homelab" / "atom.xml").read_text()
    assert '<?xml-stylesheet type="text/xsl" href="../../feed.xsl"?>' in tag_feed
    assert f'href="{feed}tags/homelab/atom.xml"' in tag_feed
    discovery = (served.out / "newsletter" / "discovery.html").read_text(encoding="utf-8")
    assert f'href="{feed}atom.xml"' in discovery and f'href="{feed}feed.json"' in discovery
    document = json.loads((served.out / "newsletter" / "feed.json").read_text(encoding="utf-8"))
    assert document["feed_url"] == feed + "feed.json"


def test_without_note_pages_items_have_an_id_and_no_link(served: Served) -> None:
    """RSS 2.0 needs only a title or description in an item, JSON Feed 1.1 only an id, and
    RFC 4287 a link only from an entry without content: so an item names no page."""
    out = served.out / "newsletter"
    atom = etree.parse(str(out / "atom.xml")).getroot()
    entries = atom.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        assert entry.findtext(f"{ATOM}id").startswith("tag:127.0.0.1,")
        assert [link.get("rel") for link in entry.findall(f"{ATOM}link")] in ([], ["enclosure"])
        assert entry.find(f"{ATOM}content") is not None
    rss = etree.parse(str(out / "rss.xml")).getroot()
    for item in rss.iter("item"):
        assert item.find("link") is None
        assert item.find("guid").get("isPermaLink") == "false"
    for item in json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]:
        assert "url" not in item and item["id"].startswith("tag:")
    # No link to a page that does not exist either inside the items: notes link as text.
    assert "/notes/" not in (out / "atom.xml").read_text(encoding="utf-8")


def test_json_ld_identifies_a_note_without_a_page_by_its_own_document(served: Served) -> None:
    out = served.out / "metadata"
    node = json.loads((out / "230702GN01.jsonld").read_text(encoding="utf-8"))
    assert node["@id"] == served.site + "metadata/230702GN01.jsonld"
    assert "url" not in node
    assert node["image"] == served.site + "metadata/assets/attachments/power-draw-chart.png"
    assert node["associatedMedia"][0]["contentUrl"] == (
        served.site + "metadata/assets/attachments/rack%20hum.mp3"
    )


def test_a_summary_feed_without_note_pages_is_a_config_error(make_vault: Any) -> None:
    config = (
        '[site]\nurl = "https://notes.example.org/"\n'
        '[targets.news]\nexporter = "feed"\ncontent = "summary"\n'
    )
    root = make_vault({"a.md": note_text("A", "x")}, config=config)
    with pytest.raises(notepress.ConfigError) as caught:
        notepress.load_project(root)
    assert any(
        line.startswith("targets.news.content: a summary item sends readers to the note's page")
        for line in caught.value.errors
    )


def test_item_ids_and_the_feed_id_of_the_samples_are_unchanged(tmp_path: Path) -> None:
    """Ids are names, not addresses: correcting the URLs must not make every feed reader
    announce every note again."""
    vault = tmp_path / "samples"
    shutil.copytree(SAMPLES, vault, ignore=shutil.ignore_patterns("_publish"))
    notepress.load_project(vault).build(["newsletter"])
    out = vault / "_publish" / "newsletter"
    atom = etree.parse(str(out / "atom.xml")).getroot()
    assert atom.findtext(f"{ATOM}id") == SAMPLE_ATOM_ID
    assert [e.findtext(f"{ATOM}id") for e in atom.findall(f"{ATOM}entry")] == SAMPLE_ITEM_IDS
    rss = etree.parse(str(out / "rss.xml")).getroot()
    assert [guid.text for guid in rss.iter("guid")] == SAMPLE_ITEM_IDS
    items = json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]
    assert [item["id"] for item in items] == SAMPLE_ITEM_IDS
    # ...while the self link says where the file is.
    self_link = atom.find(f"{ATOM}link[@rel='self']").get("href")
    assert self_link == "https://notes.example.org/newsletter/atom.xml"


def test_an_explicit_base_url_wins(make_vault: Any, build_vault: Any) -> None:
    config = (
        '[site]\nurl = "https://notes.example.org/"\n'
        '[targets.news]\nexporter = "feed"\nbase_url = "https://feeds.example.net/n"\n'
        '[targets.ld]\nexporter = "jsonld"\nbase_url = "https://meta.example.net/"\n'
    )
    root = make_vault(
        {"a.md": note_text("A", "![[p.png]]", note_id="230306AB01"), "p.png": PNG}, config=config
    )
    build_vault(root)
    atom = (root / "_publish" / "news" / "atom.xml").read_text(encoding="utf-8")
    assert 'href="https://feeds.example.net/n/atom.xml"' in atom
    assert "https://feeds.example.net/n/assets/p.png" in atom
    # The feed id was the base_url's before, and stays so.
    assert "<id>https://feeds.example.net/n/atom.xml</id>" in atom
    node = json.loads((root / "_publish" / "ld" / "230306AB01.jsonld").read_text("utf-8"))
    assert node["@id"] == "https://meta.example.net/230306AB01.jsonld"
    assert node["image"] == "https://meta.example.net/assets/p.png"


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e5270fe10000000049454e44ae426082"
)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on PATH")
def test_a_browser_finds_the_relative_stylesheet_of_a_tag_feed(served: Served) -> None:
    """``<?xml-stylesheet href="../../feed.xsl"?>`` is resolved against the feed's own URL:
    the tag feed opened from the served folder shows as a page."""
    page = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--dump-dom",
            served.site + "newsletter/tags/homelab/atom.xml",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    assert "This is a web feed" in page
    assert "<h1>Workbench &amp; Crumb: homelab</h1>" in page
