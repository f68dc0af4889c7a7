"""``notepress serve`` and ``watch`` without a browser: what the server answers (status codes,
content types, refusals), what its pages say, and what a rebuild after an edit rebuilds."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path

import pytest
from PIL import Image

from notepress.output import MANIFEST
from notepress.serve import PreviewServer, Rebuilder, is_loopback, watch
from notepress.serve.server import media_type

from .conftest import note_text, write_vault
from .hostile.support import run_cli

SECRET = "private words of the vault config 4417"
CONFIG = f"""
    # {SECRET}
    [site]
    title = "Bench notes"
    url = "https://notes.example.org/"
    note_url = "notes/{{slug}}/"
    author = "A. Writer"

    [targets.letter]
    exporter = "feed"
    formats = ["json", "atom", "rss"]
    stylesheet = "builtin"

    [targets.meta]
    exporter = "jsonld"
"""
HOSTILE_TITLE = "Tea <script>document.title='owned'</script> & biscuits"


def png_bytes(colour: str = "#cc5533", size: tuple[int, int] = (40, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def vault_files() -> dict[str, str | bytes]:
    return {
        "pictures/kiln.png": png_bytes(),
        "notes/kiln firing.md": note_text(
            "Kiln firing",
            "The kiln reached cone six.[^1]\n\n![[kiln.png]]\n\nSee [[Glaze recipes]].\n\n"
            "[^1]: Measured with a pyrometric cone.\n",
            note_id="230301GN01",
            created="2023-03-01",
        ),
        "notes/glaze recipes.md": note_text(
            "Glaze recipes",
            "Ash glaze, two parts feldspar: $x^2$ of it.\n",
            note_id="230302GN01",
            created="2023-03-02",
        ),
        "notes/tea.md": note_text(
            HOSTILE_TITLE,
            "A pot of tea.<script>document.title='owned'</script>\n\n[[Missing <b>bold</b> note]]\n",
            note_id="230303GN01",
            created="2023-03-03",
        ),
        "notes/unfinished.md": note_text(
            "Unfinished thoughts", "Not ready.\n", note_id="230304GN01", draft=True
        ),
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Rebuilder, str]]:
    """One vault, built once, served on a free loopback port for the whole module."""
    root = write_vault(tmp_path_factory.mktemp("served") / "vault", vault_files(), CONFIG)
    rebuilder = Rebuilder(root)
    rebuilder.build()
    with PreviewServer(rebuilder, "127.0.0.1", 0) as server:
        yield rebuilder, server.url


def fetch(url: str, path: str) -> tuple[int, str, bytes]:
    """``(status, content type, body)`` of a GET, the path sent exactly as written."""
    host = url.split("//")[1].rstrip("/")
    connection = HTTPConnection(host, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


# What the server answers ------------------------------------------------------------------


def test_the_output_is_served_with_types_a_browser_opens(served: tuple[Rebuilder, str]) -> None:
    rebuilder, url = served
    output = rebuilder.state.output
    expected = {
        "/letter/atom.xml": "application/xml; charset=utf-8",
        "/letter/rss.xml": "application/xml; charset=utf-8",
        "/letter/feed.xsl": "application/xslt+xml; charset=utf-8",
        "/letter/feed.json": "application/json; charset=utf-8",
        "/letter/assets/pictures/kiln.png": "image/png",
        "/meta/index.jsonld": "application/ld+json; charset=utf-8",
    }
    for path, kind in expected.items():
        status, content_type, body = fetch(url, path)
        assert (status, content_type) == (200, kind), path
        assert body == (output / path.lstrip("/")).read_bytes(), f"{path} not served as built"
    assert media_type("digest.pdf") == "application/pdf"
    assert media_type("archive.epub") == "application/epub+zip"


def test_the_server_pages_answer_with_html(served: tuple[Rebuilder, str]) -> None:
    _, url = served
    for path in ("/", "/_notepress/newsletter/letter/", "/letter/", "/meta/html/"):
        status, kind, _ = fetch(url, path)
        assert (status, kind) == (200, "text/html; charset=utf-8"), path
    status, kind, body = fetch(url, "/_notepress/status.json")
    assert (status, kind) == (200, "application/json")
    assert json.loads(body)["build"] == 1
    assert fetch(url, "/letter")[0] == 301  # a folder without its slash
    assert fetch(url, "/nothing-here/atom.xml")[0] == 404
    assert fetch(url, "/letter/missing.xml")[0] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/letter/../../notepress.toml",
        "/letter/%2e%2e/%2e%2e/notepress.toml",
        "/letter/..%2f..%2fnotepress.toml",
        "/letter/%2E%2E%2F%2E%2E%2Fnotepress.toml",
        "/letter/..%5c..%5cnotepress.toml",
        "/letter//etc/passwd",
        "/letter/%2fetc%2fpasswd",
        "/../notepress.toml",
        "/%2e%2e/notepress.toml",
        "/letter/.notepress-manifest.json",
        "/.notepress-lock",
        "/.notepress-output",
        "/letter/%00atom.xml",
        "/letter/%ff%fe",
        "/_notepress/newsletter/..%2f..%2f/",
        "/_notepress/epub/letter/..%2f..%2fnotepress.toml",
        "/_notepress/../notepress.toml",
        "/_notepress/preview.css/../../notepress.toml",
        "/vault/notepress.toml",
        "/notes/tea.md",
    ],
)
def test_nothing_outside_the_target_folders_is_served(
    served: tuple[Rebuilder, str], path: str
) -> None:
    _, url = served
    status, kind, body = fetch(url, path)
    assert status == 404, path
    assert kind == "text/html; charset=utf-8"
    assert SECRET.encode() not in body
    assert b"root:" not in body


def test_a_symlink_in_a_target_folder_leading_out_is_refused(
    served: tuple[Rebuilder, str],
) -> None:
    rebuilder, url = served
    folder = rebuilder.state.output / "letter"
    link = folder / "escape.toml"
    link.symlink_to(rebuilder.vault / "notepress.toml")
    try:
        status, _, body = fetch(url, "/letter/escape.toml")
    finally:
        link.unlink()
    assert status == 404
    assert SECRET.encode() not in body


def test_a_target_folder_that_is_a_link_leading_out_is_refused(
    served: tuple[Rebuilder, str], tmp_path: Path
) -> None:
    """A build refuses such a folder; the server served whatever lay where it led."""
    rebuilder, url = served
    folder = rebuilder.state.output / "letter"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwords.txt").write_text(SECRET, encoding="utf-8")
    kept = folder.with_name("letter-kept")
    folder.rename(kept)
    try:
        folder.symlink_to(outside, target_is_directory=True)
        status, _, body = fetch(url, "/letter/passwords.txt")
        listing_status, _, listing = fetch(url, "/letter/")
    finally:
        folder.unlink()
        kept.rename(folder)
    assert status == 404 and listing_status == 404
    assert SECRET.encode() not in body + listing and b"passwords" not in listing


def test_a_host_that_is_not_loopback_is_refused_without_the_flag(tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    with pytest.raises(ValueError, match="not a loopback address"):
        PreviewServer(Rebuilder(tmp_path), "0.0.0.0", 0)
    result = run_cli("serve", str(tmp_path), "--host", "0.0.0.0", "--port", "0")
    assert result.code == 2
    assert "--host 0.0.0.0 is not a loopback address" in result.stderr
    assert "--allow-remote" in result.stderr


def test_a_port_in_use_is_said_before_anything_is_built(vault: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", vault, "--port", str(port))
    assert result.code == 2
    assert f"notepress: cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert not (vault / "_publish").exists()


# What the pages say ------------------------------------------------------------------------


def test_the_index_lists_every_target_with_files_sizes_counts_and_problems(
    served: tuple[Rebuilder, str],
) -> None:
    rebuilder, url = served
    page = fetch(url, "/")[2].decode()
    for name, exporter in (("letter", "feed"), ("meta", "jsonld")):
        assert f'id="target-{name}"' in page
        assert f'<span class="kind">{exporter}</span>' in page
    assert page.count('<span class="notes">3 notes</span>') == 2  # the draft in neither
    assert "2 targets in <code>_publish/</code>" in page
    size = (rebuilder.state.output / "letter" / "atom.xml").stat().st_size
    assert '<a href="/letter/atom.xml">atom.xml</a>' in page
    assert f"{size / 1000:.1f} kB" in page
    assert '<a class="button" href="/_notepress/newsletter/letter/">' in page
    # The unresolved link, with file:line, and its name escaped.
    assert (
        "notes/tea.md:10: warning[link-unresolved]: no note or file is called "
        "&#39;Missing &lt;b&gt;bold&lt;/b&gt; note&#39;" in page
    )
    assert "<b>bold</b>" not in page


def test_the_newsletter_preview_shows_the_feed_items_with_local_images(
    served: tuple[Rebuilder, str],
) -> None:
    _, url = served
    page = fetch(url, "/_notepress/newsletter/letter/")[2].decode()
    titles = [t for t in ("Tea", "Glaze recipes", "Kiln firing") if f">{t}" in page]
    assert titles == ["Tea", "Glaze recipes", "Kiln firing"]  # newest first, as the feed
    assert "Unfinished thoughts" not in page
    assert '<img src="/letter/assets/pictures/kiln.png"' in page
    assert fetch(url, "/letter/assets/pictures/kiln.png")[0] == 200
    assert "Wednesday 01 March 2023" in page
    # A footnote call and its way back stay inside the item, as in the mail.
    assert '<a href="#n230301GN01-fn-1"' in page
    assert 'id="n230301GN01-fn-1"' in page
    # A formula stays MathML, with its TeX.
    assert '<annotation encoding="application/x-tex">x^2</annotation>' in page
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in page
    assert 'from <a href="/letter/feed.json">feed.json</a>' in page
    # A link to a note leads to the public site, as in the mail: the target has no such page.
    assert '<a href="https://notes.example.org/notes/glaze-recipes/" class="internal-link"' in page


def test_a_script_in_a_title_or_a_note_never_reaches_a_page_as_markup(
    served: tuple[Rebuilder, str],
) -> None:
    _, url = served
    for path in ("/", "/_notepress/newsletter/letter/"):
        status, _, body = fetch(url, path)
        page = body.decode()
        assert status == 200
        assert "<script>document" not in page, path
        scripts = page.count("<script")
        assert scripts == 1 and '<script src="/_notepress/reload.js"' in page, path
    newsletter = fetch(url, "/_notepress/newsletter/letter/")[2].decode()
    assert "Tea &lt;script&gt;document.title=&#39;owned&#39;&lt;/script&gt; &amp; biscuits" in (
        newsletter
    )
    headers = urllib.request.urlopen(url, timeout=60).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    page_headers = urllib.request.urlopen(url + "meta/html/230303GN01.html", timeout=60).headers
    assert "script-src 'none'" in page_headers["Content-Security-Policy"]
    # Chromium runs a feed's XSL under script-src: its own stylesheet, nothing else.
    feed_headers = urllib.request.urlopen(url + "letter/atom.xml", timeout=60).headers
    assert "script-src 'self'" in feed_headers["Content-Security-Policy"]


def test_the_reload_script_and_status_are_only_on_the_servers_own_pages(
    served: tuple[Rebuilder, str],
) -> None:
    rebuilder, url = served
    assert b"reload.js" not in fetch(url, "/meta/html/230301GN01.html")[2]
    script = fetch(url, "/_notepress/reload.js")
    assert script[0] == 200 and script[1] == "text/javascript; charset=utf-8"
    assert b"/_notepress/status.json" in script[2]
    for folder in (rebuilder.state.output / "letter", rebuilder.state.output / "meta"):
        written = [p for p in folder.rglob("*") if p.is_file()]
        assert not {p.name for p in written} & {"reload.js", "preview.css", "status.json"}
        assert not any(b"_notepress" in p.read_bytes() for p in written)


# Rebuilds -------------------------------------------------------------------------------


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "vault", vault_files(), CONFIG)


def test_an_edit_rebuilds_and_the_server_shows_it(vault: Path) -> None:
    rebuilder = Rebuilder(vault)
    first = rebuilder.build()
    assert first.generation == 1 and first.rebuilt == ("letter", "meta")
    with PreviewServer(rebuilder, "127.0.0.1", 0) as server:
        note = vault / "notes" / "glaze recipes.md"
        note.write_text(note.read_text() + "\nCeladon needs iron oxide.\n", encoding="utf-8")
        state = rebuilder.rebuild({note})
        assert state.generation == 2
        assert state.rebuilt == ("letter", "meta")
        page = fetch(server.url, "/_notepress/newsletter/letter/")[2].decode()
        assert "Celadon needs iron oxide." in page
        assert json.loads(fetch(server.url, "/_notepress/status.json")[2])["build"] == 2
        assert 'data-build="2"' in page


def test_only_the_targets_an_edit_can_change_are_rebuilt(vault: Path) -> None:
    config = vault / "notepress.toml"
    config.write_text(
        config.read_text() + '\n[targets.kilns]\nexporter = "feed"\ninclude_tags = ["kiln"]\n',
        encoding="utf-8",
    )
    kiln = vault / "notes" / "kiln firing.md"
    kiln.write_text(kiln.read_text().replace("created:", "tags: [kiln]\ncreated:"), "utf-8")
    rebuilder = Rebuilder(vault)
    rebuilder.build()
    output = rebuilder.state.output

    # Only the glaze note changes: the kiln feed does not hold it, but its kiln note links
    # to it (the link shows its title), so only a note with no link to it is left alone.
    tea = vault / "notes" / "tea.md"
    tea.write_text(tea.read_text() + "\nSecond cup.\n", encoding="utf-8")
    before = (output / "kilns" / "atom.xml").stat().st_mtime_ns
    assert rebuilder.rebuild({tea}).rebuilt == ("letter", "meta")
    assert (output / "kilns" / "atom.xml").stat().st_mtime_ns == before

    glaze = vault / "notes" / "glaze recipes.md"
    glaze.write_text(glaze.read_text().replace("Glaze recipes", "Glazes"), encoding="utf-8")
    assert rebuilder.rebuild({glaze}).rebuilt == ("letter", "meta", "kilns")

    draft = vault / "notes" / "unfinished.md"
    draft.write_text(draft.read_text() + "\nStill not ready.\n", encoding="utf-8")
    state = rebuilder.rebuild({draft})
    assert state.rebuilt == () and state.generation == 4

    assert rebuilder.rebuild({config}).rebuilt == ()  # saved unchanged: nothing to do
    config.write_text(config.read_text().replace("Bench notes", "Bench"), encoding="utf-8")
    assert rebuilder.rebuild({config}).rebuilt == ("letter", "meta", "kilns")
    picture = vault / "pictures" / "kiln.png"
    picture.write_bytes(png_bytes("#113355"))
    assert rebuilder.rebuild({picture}).rebuilt == ("letter", "meta", "kilns")


def note(title: str, body: str, day: int, tag: str = "") -> str:
    """A note of March 2023, dated and named by ``day``, with ``tag`` if given."""
    tags = [tag] if tag else None
    return note_text(
        title, body, note_id=f"2303{day:02d}GN01", created=f"2023-03-{day:02d}", tags=tags
    )


def test_an_edit_reaches_through_embeds_of_embeds_but_not_past_a_plain_link(
    tmp_path: Path,
) -> None:
    vault = write_vault(
        tmp_path / "vault",
        {
            "inner.md": note("Inner", "Inner words.\n", 1),
            "middle.md": note("Middle", "![[Inner]]\n", 2),
            "outer.md": note("Outer", "![[Middle]]\n", 3, "outer"),
            "pointer.md": note("Pointer", "See [[Middle]].\n", 4, "pointer"),
        },
        """
        [site]
        url = "https://notes.example.org/"
        [targets.outer]
        exporter = "feed"
        include_tags = ["outer"]
        [targets.pointer]
        exporter = "feed"
        include_tags = ["pointer"]
        """,
    )
    rebuilder = Rebuilder(vault)
    rebuilder.build()
    inner = vault / "inner.md"
    inner.write_text(inner.read_text().replace("Inner words.", "Other words."), encoding="utf-8")
    assert rebuilder.rebuild({inner}).rebuilt == ("outer",)
    assert b"Other words." in (rebuilder.state.output / "outer" / "atom.xml").read_bytes()
    middle = vault / "middle.md"
    middle.write_text(middle.read_text().replace("title: Middle", "title: Centre"), "utf-8")
    assert rebuilder.rebuild({middle}).rebuilt == ("outer", "pointer")


def test_a_new_note_that_a_link_now_finds_rebuilds_the_linking_notes_targets(
    vault: Path,
) -> None:
    config = vault / "notepress.toml"
    config.write_text(
        config.read_text() + '\n[targets.tea]\nexporter = "feed"\ninclude_tags = ["tea"]\n',
        encoding="utf-8",
    )
    tea = vault / "notes" / "tea.md"
    tea.write_text(tea.read_text().replace("created:", "tags: [tea]\ncreated:"), "utf-8")
    rebuilder = Rebuilder(vault)
    rebuilder.build()
    missing = vault / "notes" / "found.md"  # found by its title
    missing.write_text(
        note_text(
            "Missing <b>bold</b> note", "Here.\n", note_id="230305GN01", created="2023-03-05"
        ),
        encoding="utf-8",
    )
    assert "tea" in rebuilder.rebuild({missing}).rebuilt


def test_a_config_that_stops_loading_keeps_the_last_output_on_show(vault: Path) -> None:
    rebuilder = Rebuilder(vault)
    rebuilder.build()
    config = vault / "notepress.toml"
    config.write_text(config.read_text() + "\n[targets.broken]\n", encoding="utf-8")
    state = rebuilder.rebuild({config})
    assert state.error is not None and "targets.broken" in state.error
    assert [t.name for t in state.targets] == ["letter", "meta"]
    with PreviewServer(rebuilder, "127.0.0.1", 0) as server:
        page = fetch(server.url, "/")[2].decode()
        assert "The last change did not build" in page and "targets.broken" in page
        assert fetch(server.url, "/letter/atom.xml")[0] == 200


def test_nothing_a_build_writes_can_start_another_build(vault: Path) -> None:
    rebuilder = Rebuilder(vault)
    state = rebuilder.build()
    written = [p for p in state.output.rglob("*")]
    assert written
    assert all(rebuilder.ignores(path) for path in written)
    assert not rebuilder.ignores(vault / "notes" / "tea.md")
    assert not rebuilder.ignores(vault / "notepress.toml")
    assert not rebuilder.ignores(vault / ".obsidian" / "app.json")
    plugins = vault / ".obsidian" / "plugins"
    assert not rebuilder.ignores(plugins / "templater-obsidian" / "data.json")
    assert not rebuilder.ignores(plugins / "obsidian-latex" / "data.json")
    assert not rebuilder.ignores(vault / "preamble.sty")
    assert rebuilder.ignores(plugins / "obsidian-latex" / "main.js")
    assert rebuilder.ignores(vault / ".obsidian" / "workspace.json")
    assert rebuilder.ignores(vault / ".git" / "index")
    assert rebuilder.ignores(vault / "notes" / ".tea.md.swp")


def test_a_note_below_a_stray_marker_is_watched_as_builds_read_it(vault: Path) -> None:
    """Builds read a note below a folder holding a marker or a manifest that no build wrote
    (with a warning); the watch ignored its changes, so a note made a draft there went on
    being published by every build the watch ran."""
    rebuilder = Rebuilder(vault)
    state = rebuilder.build()
    (vault / "notes" / ".notepress-output").write_text("copied with the folder\n")
    (vault / "notes" / MANIFEST).write_text('{"files": {}}')
    assert not rebuilder.ignores(vault / "notes" / "tea.md")
    other = vault / "other"  # a target folder another config wrote: not read, not watched
    shutil.copytree(state.output / "letter", other)
    assert rebuilder.ignores(other / "atom.xml")
    # Another config's output folder: its target folder swapped in, or out, by its builds.
    site = vault / "site-b"
    site.mkdir()
    (site / ".notepress-output").write_text("marker\n")
    shutil.copytree(state.output / "letter", site / "letter")
    assert rebuilder.ignores(site / "letter")
    assert rebuilder.ignores(site / "gone")
    assert not rebuilder.ignores(site / "stray.md")  # a note there is read: watched


def test_a_config_outside_the_vault_is_watched_with_the_files_it_names(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "vault", vault_files())
    site = tmp_path / "site"
    site.mkdir()
    (site / "plain.xsl").write_text("<!-- first -->\n", encoding="utf-8")
    config = textwrap.dedent(CONFIG).replace('"builtin"', '"plain.xsl"')
    (site / "notepress.toml").write_text(config, encoding="utf-8")
    rebuilder = Rebuilder(vault, site / "notepress.toml")
    state = rebuilder.build()
    assert rebuilder.watched() == [vault.resolve(), site.resolve()]
    assert state.output == site / "_publish"
    assert all(rebuilder.ignores(path) for path in state.output.rglob("*"))
    assert rebuilder.ignores(tmp_path / "elsewhere.md")
    (site / "plain.xsl").write_text("<!-- second -->\n", encoding="utf-8")
    assert not rebuilder.ignores(site / "plain.xsl")
    assert rebuilder.rebuild({site / "plain.xsl"}).rebuilt == ("letter", "meta")
    assert (state.output / "letter" / "feed.xsl").read_text() == "<!-- second -->\n"


@pytest.mark.parametrize("preamble", [".obsidian/macros.sty", "../shared/macros.sty"])
def test_a_preamble_hidden_or_outside_the_vault_is_watched(tmp_path: Path, preamble: str) -> None:
    """The TeX preamble a load read is followed wherever the config puts it: in a hidden
    folder (which every other hidden file is not) or beside the vault (the file alone)."""
    files = vault_files()
    config = textwrap.dedent(CONFIG) + f'\n[vault]\nmath_preamble = "{preamble}"\n'
    vault = write_vault(tmp_path / "vault", files, config)
    sty = (vault / preamble).resolve()
    sty.parent.mkdir(parents=True, exist_ok=True)
    sty.write_text("\\newcommand{\\ash}{\\mathrm{ash}}\n", encoding="utf-8")
    glaze = vault / "notes" / "glaze recipes.md"
    glaze.write_text(glaze.read_text(encoding="utf-8").replace("$x^2$", "$\\ash$"), "utf-8")
    rebuilder = Rebuilder(vault)
    state = rebuilder.build()
    assert not rebuilder.ignores(sty)
    if not sty.is_relative_to(vault.resolve()):
        assert rebuilder.watched() == [vault.resolve(), sty]
    sty.write_text("\\newcommand{\\ash}{\\mathrm{cinder}}\n", encoding="utf-8")
    assert rebuilder.rebuild({sty}).rebuilt == ("letter", "meta")
    assert "cinder" in (state.output / "letter" / "feed.json").read_text(encoding="utf-8")


def test_a_stylesheet_beside_the_vault_is_watched_alone(tmp_path: Path) -> None:
    """A file a target's option names outside the vault and the config's folder (a feed's
    ``../plain.xsl``) is followed too: the file alone, not the folder holding the vault."""
    config = textwrap.dedent(CONFIG).replace('"builtin"', '"../plain.xsl"')
    vault = write_vault(tmp_path / "vault", vault_files(), config)
    sheet = tmp_path / "plain.xsl"
    sheet.write_text("<!-- first -->\n", encoding="utf-8")
    rebuilder = Rebuilder(vault)
    state = rebuilder.build()
    assert rebuilder.watched() == [vault.resolve(), sheet.resolve()]
    assert rebuilder.ignores(tmp_path / "elsewhere.md")
    sheet.write_text("<!-- second -->\n", encoding="utf-8")
    assert not rebuilder.ignores(sheet)
    assert rebuilder.rebuild({sheet}).rebuilt == ("letter", "meta")
    assert (state.output / "letter" / "feed.xsl").read_text() == "<!-- second -->\n"


def test_the_watcher_rebuilds_after_an_edit_and_not_after_its_own_writes(vault: Path) -> None:
    rebuilder = Rebuilder(vault)
    rebuilder.build()
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(rebuilder, stop), kwargs={"debounce_ms": 400})
    thread.start()
    try:
        time.sleep(0.5)  # the watcher is set up before the first edit
        note = vault / "notes" / "kiln firing.md"
        note.write_text(note.read_text() + "\nThe lid cracked.\n", encoding="utf-8")
        deadline = time.monotonic() + 300  # a safety net against a hung watcher only
        while rebuilder.state.generation < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert rebuilder.state.generation == 2
        assert b"The lid cracked." in (rebuilder.state.output / "letter" / "feed.json").read_bytes()
        time.sleep(2)  # several debounce periods: the build's own writes must start nothing
        assert rebuilder.state.generation == 2
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()


def test_a_note_saved_before_the_watcher_ran_is_built_once_it_runs(vault: Path) -> None:
    """The watcher starts after the first build: a note saved in between was not seen, so
    the preview showed the old note until the next save (and a test waiting for that build
    waited for ever)."""
    began = time.time()
    rebuilder = Rebuilder(vault)
    rebuilder.build()
    note = vault / "notes" / "kiln firing.md"
    note.write_text(note.read_text() + "\nThe lid cracked.\n", encoding="utf-8")
    stop = threading.Event()
    thread = threading.Thread(
        target=watch, args=(rebuilder, stop), kwargs={"debounce_ms": 400, "since": began}
    )
    thread.start()  # after the save, as the race had it
    try:
        deadline = time.monotonic() + 300  # a safety net against a hung watcher only
        while rebuilder.state.generation < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert rebuilder.state.generation == 2
        assert b"The lid cracked." in (rebuilder.state.output / "letter" / "feed.json").read_bytes()
        time.sleep(2)  # the build's own writes, made after ``began``, start nothing
        assert rebuilder.state.generation == 2
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_serve_from_the_command_line_stops_cleanly_on_ctrl_c(vault: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "notepress", "serve", str(vault), "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        # As in a terminal. A suite started as a background job of a script inherits
        # SIGINT ignored (POSIX shells do that to background jobs), and so would serve.
        preexec_fn=_default_sigint,
    )
    # A safety net only: a serve that never prints the line a loop below waits for is
    # killed, which ends its output, so the test fails rather than waits for ever.
    watchdog = threading.Timer(600, process.kill)
    watchdog.start()
    try:
        assert process.stderr is not None
        lines = []
        for line in process.stderr:
            lines.append(line)
            if line.startswith("serving "):
                break
        url = lines[-1].split(" at ")[1].split(" ")[0]
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url, timeout=60) as response:
            assert b'id="target-letter"' in response.read()
        note = vault / "notes" / "tea.md"
        note.write_text(note.read_text() + "\nA second pot.\n", encoding="utf-8")
        for line in process.stderr:
            lines.append(line)
            if line.startswith("build 2: "):
                break
        process.send_signal(signal.SIGINT)
        rest = process.communicate(timeout=120)[1]
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
    printed = "".join(lines) + rest
    assert process.returncode == 0, printed
    assert lines[-1] == "build 2: letter, meta; 0 errors, 2 warnings\n"
    # Each problem is printed once, not again after every save.
    assert printed.count("warning[link-unresolved]") == 1
    assert rest.strip().endswith("stopped")
    assert "Traceback" not in printed
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=10)


# The EPUB reader and the PDF (real pandoc and WeasyPrint runs) -------------------------------------------------------


@pytest.mark.slow
def test_the_epub_reader_lists_the_chapters_and_a_pdf_opens_inline(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path / "vault",
        vault_files(),
        CONFIG + '\n[targets.book]\nexporter = "epub"\n\n[targets.print]\nexporter = "pdf"\n',
    )
    rebuilder = Rebuilder(root)
    rebuilder.build()
    with PreviewServer(rebuilder, "127.0.0.1", 0) as server:
        index = fetch(server.url, "/")[2].decode()
        assert '<a class="button" href="/_notepress/epub/book/book.epub">' in index
        page = fetch(server.url, "/_notepress/epub/book/book.epub")[2].decode()
        for title in ("Kiln firing", "Glaze recipes"):
            assert title in page
        with zipfile.ZipFile(rebuilder.state.output / "book" / "book.epub") as book:
            chapter = next(n for n in book.namelist() if n.endswith(".xhtml"))
            expected = book.read(chapter)
        status, kind, body = fetch(server.url, f"/_notepress/epub/book/book.epub/{chapter}")
        assert (status, kind) == (200, "application/xhtml+xml; charset=utf-8")
        assert body == expected
        for path in (
            "/_notepress/epub/book/book.epub/../../notepress.toml",
            "/_notepress/epub/book/book.epub/%2e%2e/x",
            "/_notepress/epub/book/book.epub/EPUB/nothing.xhtml",
        ):
            assert fetch(server.url, path)[0] == 404, path
        assert fetch(server.url, "/book/book.epub")[1] == "application/epub+zip"
        assert '<a class="button" href="/print/digest.pdf">Open digest.pdf</a>' in index
        with urllib.request.urlopen(server.url + "print/digest.pdf", timeout=60) as response:
            assert response.headers["Content-Type"] == "application/pdf"
            assert response.headers["Content-Disposition"] == "inline"
            assert response.read(5) == b"%PDF-"


@pytest.mark.parametrize("address", ["Glaze%20recipes.md", "Glaze%20recipes", "<Glaze recipes>"])
def test_a_title_change_rebuilds_the_targets_of_notes_that_name_it_by_a_markdown_link(
    tmp_path: Path, address: str
) -> None:
    """A markdown link shows the URL its note's title gives, but is no part of the note's
    outline: a title change left the linking note's target as it was, its link stale."""

    vault = write_vault(
        tmp_path / "vault",
        {
            "notes/Glaze recipes.md": note("Glaze recipes", "Ash and feldspar.\n", 1, "glaze"),
            "pointer.md": note("Pointer", f"See [the recipes]({address}).\n", 2, "link"),
            "other.md": note("Other", "Nothing here.\n", 3, "other"),
        },
        """
        [site]
        url = "https://notes.example.org/"
        note_url = "notes/{slug}/"
        [targets.glaze]
        exporter = "feed"
        include_tags = ["glaze"]
        [targets.link]
        exporter = "feed"
        include_tags = ["link"]
        [targets.other]
        exporter = "feed"
        include_tags = ["other"]
        """,
    )
    rebuilder = Rebuilder(vault)
    rebuilder.build()
    glaze = vault / "notes" / "Glaze recipes.md"
    glaze.write_text(glaze.read_text().replace("title: Glaze recipes", "title: Glazes"), "utf-8")
    assert rebuilder.rebuild({glaze}).rebuilt == ("glaze", "link")
    assert b"notes/glazes/" in (rebuilder.state.output / "link" / "atom.xml").read_bytes()
