"""Make the README's pictures of the preview: the sample vault served by ``notepress serve``'s
server, photographed by Debian's headless Chromium.

    .venv/bin/python docs/preview_screenshots.py      # writes docs/preview-*.png

The PDF targets are left out (they take a minute and the pictures show the newsletter).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

from notepress.serve import PreviewServer, Rebuilder

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent / "samples"
TARGETS = """
[targets.newsletter]
exporter = "feed"
formats = ["atom", "rss", "json"]
stylesheet = "builtin"

[targets.archive]
exporter = "epub"

[targets.metadata]
exporter = "jsonld"
"""


def sample_config() -> str:
    """The samples' site table with the targets above."""
    text = (SAMPLES / "notepress.toml").read_text(encoding="utf-8")
    return text.split("[targets.", 1)[0] + TARGETS


def browser(profile: Path, width: int, height: int) -> webdriver.Chrome:
    options = Options()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    service = Service(executable_path=shutil.which("chromedriver"))
    return webdriver.Chrome(options=options, service=service)


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        vault = Path(scratch) / "vault"
        shutil.copytree(SAMPLES, vault, ignore=shutil.ignore_patterns("_publish"))
        (vault / "notepress.toml").write_text(sample_config(), encoding="utf-8")
        rebuilder = Rebuilder(vault)
        rebuilder.build()
        with PreviewServer(rebuilder, "127.0.0.1", 0) as server:
            driver = browser(Path(scratch) / "profile", 1000, 1250)
            try:
                for path, name in (
                    ("", "preview-index.png"),
                    ("_notepress/newsletter/newsletter/", "preview-newsletter.png"),
                ):
                    driver.get(server.url + path)
                    time.sleep(0.5)  # let the images decode before the picture
                    driver.save_screenshot(str(HERE / name))
                    print(f"wrote {HERE / name}")
            finally:
                driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
