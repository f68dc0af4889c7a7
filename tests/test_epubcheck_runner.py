"""The epubcheck runner that the EPUB tests share: one JVM checks book after book and gives
the messages the epubcheck package gives for each, a broken book's errors included."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from .epubcheck_runner import epubcheck_messages, package_messages

pytestmark = pytest.mark.slow

_CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""

_OPF = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="id">urn:uuid:6f1b3c4e-2a7d-4d0e-9a55-0c1f7f1a2b3c</dc:identifier>
    <dc:title>Crumb ledger</dc:title>
    <dc:language>en</dc:language>
    <meta property="dcterms:modified">2023-11-14T22:13:20Z</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="loaf" href="loaf.xhtml" media-type="application/xhtml+xml"/>{extra}
  </manifest>
  <spine><itemref idref="loaf"/></spine>
</package>
"""

_PAGE = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"
 lang="en" xml:lang="en"><head><title>{title}</title></head><body>{body}</body></html>
"""

_NAV = '<nav epub:type="toc"><ol><li><a href="loaf.xhtml">Loaf</a></li></ol></nav>'


def _book(path: Path, extra: str = "") -> Path:
    """A small EPUB 3; ``extra`` goes into its manifest."""
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", _CONTAINER, zipfile.ZIP_DEFLATED)
        book.writestr("EPUB/content.opf", _OPF.format(extra=extra), zipfile.ZIP_DEFLATED)
        book.writestr("EPUB/nav.xhtml", _PAGE.format(title="Contents", body=_NAV))
        book.writestr("EPUB/loaf.xhtml", _PAGE.format(title="Loaf", body="<p>Rye.</p>"))
    return path


def _said(messages: list) -> list[tuple[str, str, str]]:
    return [(m.id, m.level, m.message) for m in messages if m.level != "USAGE"]


def test_each_book_gets_its_own_messages_and_the_packages_own(tmp_path: Path) -> None:
    sound = _book(tmp_path / "sound.epub")
    missing = '\n    <item id="gone" href="gone.xhtml" media-type="application/xhtml+xml"/>'
    broken = _book(tmp_path / "broken.epub", missing)

    assert _said(epubcheck_messages(sound)) == []
    errors = _said(epubcheck_messages(broken))
    assert errors and all(level in ("ERROR", "FATAL") for _, level, _ in errors)
    assert any("gone.xhtml" in message for _, _, message in errors)
    assert _said(epubcheck_messages(sound)) == []  # nothing of the last book is kept
    # The package's own run (a JVM of its own) says the same of the broken book.
    assert errors == _said(package_messages(broken))
