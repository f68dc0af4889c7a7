"""The preview as a person sees it: headless Chromium from Debian's ``chromium`` package, driven
by Selenium through Debian's ``chromium-driver`` (never a browser download).

``make test`` installs both when it runs as root with apt; elsewhere these tests skip with
one line saying what to install.  Set ``NOTEPRESS_SCREENSHOT=path.png`` to keep the
screenshot of the newsletter preview (the README's picture is made so).
"""

from __future__ import annotations

import os
import shutil
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from notepress.serve import PreviewServer, Rebuilder, watch

from .conftest import note_text, write_vault
from .test_serve import CONFIG, HOSTILE_TITLE, png_bytes, vault_files

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SKIP_REASON = "chromium not found: install Debian's chromium package to run the preview tests"
if CHROMIUM is None or CHROMEDRIVER is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason=SKIP_REASON)

#: A safety net against a hung browser or watcher, never a measure of speed.
PATIENCE = 300.0


@dataclass
class Preview:
    rebuilder: Rebuilder
    url: str
    vault: Path
    driver: Any
    shots: Path


def _browser(profile: Path) -> Any:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    # As the system's Chromium runs in a container as root: no sandbox, no GPU, and none of
    # the background connections a closed network refuses.
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1100,1400",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(PATIENCE)
    return driver


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    """The test vault built, served and watched, with one browser for the module."""
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must download nothing
    base = tmp_path_factory.mktemp("browser")
    files = vault_files()
    files["pictures/glaze.png"] = png_bytes("#2f6f5e", (120, 80))
    files["notes/glaze recipes.md"] = note_text(
        "Glaze recipes",
        "Ash glaze, two parts feldspar.\n\n![[glaze.png|240]]\n\n> [!tip] Test tiles\n"
        "> Fire a tile before a pot.\n",
        note_id="230302GN01",
        created="2023-03-02",
    )
    vault = write_vault(base / "vault", files)
    rebuilder = Rebuilder(vault)
    server = PreviewServer(rebuilder, "127.0.0.1", 0)
    # A feed whose public folder is the preview's own: its stylesheet link leads to the copy
    # the server has, as it does for every feed once served where its URLs say.
    styled = f'\n[targets.styled]\nexporter = "feed"\nstylesheet = "builtin"\nbase_url = "{server.url}styled/"\n'
    (vault / "notepress.toml").write_text(textwrap.dedent(CONFIG) + styled, encoding="utf-8")
    rebuilder.build()
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(rebuilder, stop), kwargs={"debounce_ms": 400})
    with server:
        watcher.start()
        driver = _browser(base / "profile")
        try:
            yield Preview(rebuilder, server.url, vault, driver, base)
        finally:
            driver.quit()
            stop.set()
            watcher.join(timeout=60)


def _open(preview: Preview, path: str) -> None:
    preview.driver.get(preview.url.rstrip("/") + path)


def _links(preview: Preview) -> list[str]:
    """Every URL the open page names: links, images, the stylesheet, scripts, frames."""
    return preview.driver.execute_script(
        "return [...document.querySelectorAll('a[href]')].map(e => e.href)"
        ".concat([...document.images].map(e => e.src))"
        ".concat([...document.querySelectorAll('link[href]')].map(e => e.href))"
        ".concat([...document.querySelectorAll('script[src], iframe[src]')].map(e => e.src))"
    )


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=PATIENCE) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _assert_every_link_resolves(preview: Preview) -> None:
    """Each URL of the server answers 200 (after redirects); the others lead to the public
    site the feed names (no network here to fetch them), never to a local file."""
    origin = urlsplit(preview.url).netloc
    checked = 0
    for url in sorted(set(_links(preview))):
        parts = urlsplit(url)
        if parts.netloc == origin:
            assert _status(url.split("#")[0]) == 200, url
            checked += 1
        else:
            assert (parts.scheme, parts.netloc) == ("https", "notes.example.org"), url
    assert checked


def test_the_index_lists_every_target(preview: Preview) -> None:
    _open(preview, "/")
    names = preview.driver.execute_script(
        "return [...document.querySelectorAll('section.target h2 a')].map(a => a.textContent)"
    )
    assert names == ["letter", "meta", "styled"]
    text = preview.driver.find_element("tag name", "body").text
    assert "3 notes" in text
    assert "notes/tea.md:10: warning[link-unresolved]" in text
    _assert_every_link_resolves(preview)


def test_the_newsletter_preview_shows_the_items_with_their_images(preview: Preview) -> None:
    _open(preview, "/_notepress/newsletter/letter/")
    driver = preview.driver
    titles = driver.execute_script(
        "return [...document.querySelectorAll('.item-title')].map(h => h.textContent.trim())"
    )
    assert titles == [HOSTILE_TITLE, "Glaze recipes", "Kiln firing"]
    images = driver.execute_script(
        "return [...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])"
    )
    assert {src for src, _, _ in images} == {
        "/letter/assets/pictures/glaze.png",
        "/letter/assets/pictures/kiln.png",
    }
    assert all(complete and width > 0 for _, complete, width in images), images
    # The script in the title and the one in the body were text or removed, never run.
    assert driver.title == "Bench notes · newsletter preview"
    _assert_every_link_resolves(preview)
    shot = preview.shots / "newsletter.png"
    assert driver.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("NOTEPRESS_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)


def test_the_feed_opens_as_a_page_through_its_stylesheet(preview: Preview) -> None:
    """The XSL view: the feed served as XML, its stylesheet as XSL, nothing blocking it."""
    _open(preview, "/styled/atom.xml")
    text = preview.driver.find_element("tag name", "body").text
    assert "Glaze recipes" in text and "Bench notes" in text


def test_an_edit_shows_up_in_the_open_page_after_the_rebuild(preview: Preview) -> None:
    _open(preview, "/_notepress/newsletter/letter/")
    driver = preview.driver
    built = preview.rebuilder.state.generation
    note = preview.vault / "notes" / "kiln firing.md"
    note.write_text(note.read_text() + "\nThe shelf warped at cone seven.\n", encoding="utf-8")
    deadline = time.monotonic() + PATIENCE
    while "The shelf warped at cone seven." not in driver.page_source:
        assert time.monotonic() < deadline, "the edit never reached the open page"
        time.sleep(0.2)
    assert preview.rebuilder.state.generation > built
    # The page was reloaded by its own script, not by the test.
    assert driver.find_element("id", "build").get_attribute("data-build") != str(built)


@pytest.mark.slow
def test_the_epub_opens_in_the_reader(preview: Preview, tmp_path: Path) -> None:
    vault = write_vault(
        tmp_path / "vault", vault_files(), CONFIG + '\n[targets.book]\nexporter = "epub"\n'
    )
    rebuilder = Rebuilder(vault)
    rebuilder.build()
    driver = preview.driver
    with PreviewServer(rebuilder, "127.0.0.1", 0) as server:
        driver.get(server.url + "_notepress/epub/book/book.epub")
        chapters = driver.execute_script(
            "return [...document.querySelectorAll('.chapters li a')].map(a => a.textContent)"
        )
        assert "Kiln firing" in chapters
        driver.find_element("link text", "Kiln firing").click()
        driver.switch_to.frame(driver.find_element("css selector", "iframe.page"))
        try:
            assert "The kiln reached cone six." in driver.find_element("tag name", "body").text
            images = driver.execute_script(
                "return [...document.images].map(i => [i.complete, i.naturalWidth])"
            )
            assert images and all(done and width > 0 for done, width in images), images
        finally:
            driver.switch_to.default_content()
