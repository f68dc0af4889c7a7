"""Hostile assets: swapped symlinks, SVGs that hide loads, private addresses, --strict.

Two vaults are built once each for the whole module, with a target of every exporter: one
full of private-network references, missing-embed paths and crafted SVGs (built by the real
command), and one whose images are swapped for symlinks after the vault was read (built
through the API, since the swap must fall between reading and building).
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest
from PIL import Image, PngImagePlugin

import notepress
from notepress.assets import AssetError, VaultFiles, is_public_url, safe_svg, svg_is_safe
from tests.conftest import note_text, write_vault
from tests.hostile.support import Run, run_cli, snapshot
from tests.test_pdf_support import image_count, reader, stream_data, uri_links

SITE = """
[site]
title = "Hostile assets"
url = "https://notes.example.org/"
author = "Someone"
"""

ALL_TARGETS = (
    SITE
    + """
[targets.news]
exporter = "feed"
formats = ["atom", "rss", "json"]

[targets.meta]
exporter = "jsonld"
article_body = true

[targets.book]
exporter = "epub"

[targets.print]
exporter = "pdf"
"""
)

#: What a public output must never carry: private hosts, local paths of the build machine.
PRIVATE = (
    "192.168.1.1",
    "127.0.0.1",
    "10.20.30.40",
    "169.254.169.254",
    "[::1]",
    "0x7f.1",
    "localhost:3000",
    "printer.local",
    "file:",
    "/home/someone",
    "etc/passwd",
    "diary.txt",
)

PRIVATE_BODY = """\
Router notes for the shed.

See the [router page](http://192.168.1.1/admin) and ![ping pixel](http://127.0.0.1:8123/ping.png).

Raw: <a href="http://10.20.30.40/wiki">wiki page</a> and <img src="http://169.254.169.254/latest" alt="metadata box">.

Autolink <http://[::1]:631/printers> here and http://localhost:3000/dash too.

[local diary](file:///home/someone/diary.txt) and [printer status](http://printer.local/status) and [odd spelling](http://0x7f.1/x).

Public [example page](https://example.org/page) stays a link, ![public picture](https://example.org/pic.png) too.

![[../../../etc/passwd]] and ![[/home/someone/secret.png]] and ![[../private/plan.png|the plan]].
"""


def png(colour: str, marker: str = "") -> bytes:
    """A small PNG; ``marker`` goes into a text chunk, to find the file's bytes anywhere."""
    buffer = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    if marker:
        info.add_text("Comment", marker)
    Image.new("RGB", (24, 16), colour).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


CLEAN_SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">
<title>clean drawing</title>
<defs><linearGradient id="g"><stop offset="0" stop-color="#123"/></linearGradient></defs>
<style>rect { stroke: #456; }</style>
<rect width="40" height="20" fill="url(#g)" style="stroke-width: 2"/>
</svg>
"""

#: Each hides a load from a check that reads CSS or XML with regexes.
HOSTILE_SVGS = {
    "import-escape.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><style>@\\69mport '
    b'"https://tracker.example.net/a.css";</style><rect width="4" height="4"/></svg>',
    "url-escape.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4" '
    b'style="fill: u\\72l(https://tracker.example.net/p.svg#x)"/></svg>',
    "style-import.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><style>\n@import '
    b"url(https://tracker.example.net/b.css);\n</style></svg>",
    "entity.svg": b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
    b'\n<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
}

DRAWINGS_BODY = "Drawings.\n\n" + "\n\n".join(
    f"![[{name}]]" for name in ("clean.svg", *HOSTILE_SVGS)
)
DRAWINGS = note_text("Drawings", DRAWINGS_BODY, note_id="230302DR01", created="2023-03-02")


def line_of(text: str, needle: str) -> int:
    """The 1-based line of ``text`` that holds ``needle``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def public_texts(folder: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under ``folder`` as bytes; EPUBs by member, PDFs with their text too."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        yield name, data
        if path.suffix == ".epub":
            with zipfile.ZipFile(path) as book:
                for member in book.namelist():
                    yield f"{name}!{member}", book.read(member)
        elif path.suffix == ".pdf":
            pdf = reader(path)
            text = "\n".join(page.extract_text() for page in pdf.pages)
            yield f"{name}!text", text.encode("utf-8")
            yield f"{name}!uris", "\n".join(uri_links(pdf)).encode("utf-8")
            yield f"{name}!streams", stream_data(pdf)


# A vault full of private references, built once by the real command ------------------------


@pytest.fixture(scope="module")
def private_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run, str]:
    root = tmp_path_factory.mktemp("private") / "vault"
    private = note_text(
        "Shed network",
        PRIVATE_BODY,
        note_id="230301PN01",
        created="2023-03-01",
        extra="image: http://127.0.0.1:8123/cover.png",
    )
    files: dict[str, str | bytes] = {
        "shed network.md": private,
        "drawings.md": DRAWINGS,
        "art/clean.svg": CLEAN_SVG,
        **{f"art/{name}": data for name, data in HOSTILE_SVGS.items()},
    }
    write_vault(root, files, ALL_TARGETS)
    before = snapshot(root)
    run = run_cli("build", root, "-o", root.parent / "out")
    assert snapshot(root) == before
    return root.parent / "out", run, private


def test_private_addresses_reach_no_public_output(
    private_build: tuple[Path, Run, str],
) -> None:
    out, run, _ = private_build
    assert run.code == 0, run.output
    assert "Traceback" not in run.output
    checked = 0
    for name, data in public_texts(out):
        checked += 1
        for needle in PRIVATE:
            assert needle.encode() not in data, f"{needle} in {name}"
    assert checked > 20
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["book", "meta", "news", "print"]


def test_the_text_of_a_removed_link_stays(private_build: tuple[Path, Run, str]) -> None:
    out, _, _ = private_build
    atom = (out / "news" / "atom.xml").read_text(encoding="utf-8")
    body = (out / "meta" / "230301PN01.jsonld").read_text(encoding="utf-8")
    with zipfile.ZipFile(out / "book" / "book.epub") as book:
        chapters = "".join(
            book.read(name).decode("utf-8") for name in book.namelist() if name.endswith("xhtml")
        )
    pdf_text = "\n".join(p.extract_text() for p in reader(out / "print" / "digest.pdf").pages)
    pdf_text = re.sub(r"\s+", " ", pdf_text)
    for output in (atom, body, chapters, pdf_text):
        for kept in ("router page", "ping pixel", "wiki page", "local diary", "printer status"):
            assert kept in output
        # A missing embed shows its file name or alias, never the path it was given.
        for kept in ("passwd", "secret.png", "the plan", "[private link removed]"):
            assert kept in output
    # The public link is still a link, in every output that has links.
    assert 'href="https://example.org/page"' in atom
    assert "https://example.org/page" in uri_links(reader(out / "print" / "digest.pdf"))
    assert '<img src="https://example.org/pic.png" alt="public picture"' in atom.replace(
        "&lt;", "<"
    ).replace("&gt;", ">").replace("&quot;", '"')
    assert 'href="https://example.org/pic.png"' in chapters  # a book links to remote images
    # JSON-LD neither shows the private image nor cites a private page: the frontmatter's
    # private image gives way to the first image the note shows.
    document = (out / "meta" / "230301PN01.jsonld").read_text(encoding="utf-8")
    assert '"image": "https://example.org/pic.png"' in document
    assert '"url": "https://example.org/page"' in document


def test_each_private_reference_is_one_warning_with_its_line(
    private_build: tuple[Path, Run, str],
) -> None:
    _, run, text = private_build
    found = re.findall(
        r"/shed network\.md:(\d+): warning\[(url-private|image-missing)\]", run.output
    )
    expected = [
        (line_of(text, "image: http"), "image-missing"),
        *[(line_of(text, "router page"), "url-private")] * 2,
        *[(line_of(text, "wiki page"), "url-private")] * 2,
        *[(line_of(text, "Autolink"), "url-private")] * 2,
        *[(line_of(text, "local diary"), "url-private")] * 3,
    ]
    assert sorted((int(line), code) for line, code in found) == sorted(expected)
    # Warnings are for the owner, who may see the address; they say what happened to it.
    assert "'http://192.168.1.1/admin' is a local file or a private-network address" in run.output


def test_only_the_clean_svg_reaches_the_book(private_build: tuple[Path, Run, str]) -> None:
    out, run, _ = private_build
    with zipfile.ZipFile(out / "book" / "book.epub") as book:
        svgs = [book.read(n) for n in book.namelist() if n.endswith(".svg") and "cover" not in n]
    assert len(svgs) == 1
    assert b"clean drawing" in svgs[0]
    for name in HOSTILE_SVGS:  # named with the note and line that show them
        line = line_of(DRAWINGS, f"![[{name}]]")
        assert re.search(
            rf"/drawings\.md:{line}: warning\[epub-image\]: art/{re.escape(name)}: SVG image left out",
            run.stdout + run.stderr,
            re.MULTILINE,
        ), name


_INKSCAPE = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    b' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'
    b' xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd">%s</svg>'
)


def test_a_feed_shows_the_name_of_an_svg_it_does_not_copy(
    private_build: tuple[Path, Run, str],
) -> None:
    """An image that will not be copied is never an image that does not load."""
    out, run, _ = private_build
    assert (out / "news" / "assets" / "art" / "clean.svg").exists()
    for name in ("atom.xml", "rss.xml", "feed.json"):
        text = (out / "news" / name).read_text(encoding="utf-8")
        assert "/news/assets/art/clean.svg" in text
        for hostile in HOSTILE_SVGS:
            assert not (out / "news" / "assets" / "art" / hostile).exists()
            assert f"/art/{hostile}" not in text, (name, hostile)
            assert hostile.removesuffix(".svg") in text  # its name, where it stood
    for hostile in HOSTILE_SVGS:
        assert f"targets.news: warning[asset-refused]: art/{hostile} not copied" in run.output
    # JSON-LD's image of the note is the first image it may show.
    document = json.loads((out / "meta" / "230302DR01.jsonld").read_text(encoding="utf-8"))
    assert document["image"].endswith("/assets/art/clean.svg")


@pytest.mark.parametrize(
    "svg",
    [
        *HOSTILE_SVGS.values(),
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect onload="alert(1)"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://example.net/x.png"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(&#x27;http://x/#a&#x27;)"/></svg>',
        b'<?xml-stylesheet href="https://example.net/s.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        b'<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]><svg xmlns="http://www.w3.org/2000/svg"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="@import url(x.css)"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xi="http://www.w3.org/2001/XInclude">'
        b'<xi:include href="file:///etc/hostname" parse="text"/></svg>',
        b"<html><script>alert(1)</script></html>",
        b"not xml at all",
        # An editor's own element still may not load anything, nor carry a handler for an
        # SVG, XHTML or MathML element written inside it.
        _INKSCAPE % b'<inkscape:path-effect xlink:href="https://example.net/x.svg"/>',
        _INKSCAPE % b'<inkscape:x><rect onclick="alert(1)"/></inkscape:x>',
        _INKSCAPE % b'<m:math xmlns:m="http://www.w3.org/1998/Math/MathML" onclick="x()"/>',
        _INKSCAPE % b'<h:b xmlns:h="http://www.w3.org/1999/xhtml" onmouseover="x()"/>',
        # A link may lead to the web, never run anything nor point into a private network.
        _INKSCAPE % b'<a xlink:href="javascript:alert(1)"><text>x</text></a>',
        _INKSCAPE % b'<a href="http://192.168.1.1/admin"><text>x</text></a>',
        _INKSCAPE % b'<image xlink:href="https://example.net/x.png"/>',
    ],
)
def test_svg_refusals(svg: bytes) -> None:
    assert not svg_is_safe(svg)
    assert safe_svg(svg) is None  # nor is any of it carried without its fonts


def test_svg_acceptances() -> None:
    assert svg_is_safe(CLEAN_SVG)
    inline = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<image xlink:href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>'
        b'<use href="#a"/></svg>'
    )
    assert svg_is_safe(inline)
    # Drawings saved by Inkscape: its elements' own attributes (only_selected) are no
    # event handlers, and neither is an attribute in a namespace.
    assert svg_is_safe(
        _INKSCAPE
        % b'<defs><inkscape:path-effect effect="spiro" only_selected="false" is_visible="true"/>'
        b'</defs><sodipodi:namedview pagecolor="#fff" inkscape:onion="1"/><rect width="4"/>'
    )
    # draw.io's exports end with a link to its help, for viewers that cannot show the text.
    assert svg_is_safe(
        _INKSCAPE % b'<rect/><a xlink:href="https://www.example.org/help" target="_blank">'
        b'<text>Text is not SVG</text></a><a href="mailto:a@example.org"><text>m</text></a>'
    )


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("http://127.0.0.1:8123/ping.png", False),
        ("http://[::1]/", False),
        ("http://10.0.0.8/", False),
        ("http://172.16.4.4/", False),
        ("http://192.168.0.1/", False),
        ("http://169.254.169.254/latest", False),
        ("http://100.64.1.1/", False),
        ("http://0.0.0.0:8000/", False),
        ("http://2130706433/", False),
        ("http://0x7f.1/", False),
        ("http://[::ffff:10.0.0.1]/", False),
        ("http://[fe80::1]/", False),
        ("http://localhost:8080/", False),
        ("http://dev.localhost/", False),
        ("http://nas.local/", False),
        ("file:///etc/passwd", False),
        ("ftp://example.org/file", False),
        ("http://[not an address/", False),
        ("https://example.org/page", True),
        ("http://93.184.216.34/", True),
        ("mailto:someone@example.org", True),
    ],
)
def test_public_urls(url: str, public: bool) -> None:
    assert is_public_url(url) is public


# --strict: a note whose references cannot be published stays private ------------------------


def test_strict_keeps_a_note_with_a_private_reference_out(tmp_path: Path) -> None:
    body = "Text.\n\n![gone](pics/missing.png)\n\nSee [the box](http://10.1.1.1/).\n"
    leaky = note_text(
        "Leaky", body, note_id="230301LK01", created="2023-03-01", extra="image: nothere.png"
    )
    root = write_vault(
        tmp_path / "vault",
        {
            "leaky.md": leaky,
            "fine.md": note_text("Fine", "All good.", note_id="230302FN01", created="2023-03-02"),
        },
        SITE + '\n[targets.news]\nexporter = "feed"\n\n[targets.meta]\nexporter = "jsonld"\n',
    )
    check = run_cli("check", root, "--strict")
    assert check.code == 1, check.output
    for code, needle in (
        ("image-missing", "image: nothere"),
        ("asset-missing", "![gone]"),
        ("url-private", "the box"),
    ):
        assert f"/leaky.md:{line_of(leaky, needle)}: error[{code}]" in check.output
    run = run_cli("build", root, "--strict", "-o", tmp_path / "out")
    assert run.code == 1, run.output
    assert f"/leaky.md:{line_of(leaky, 'the box')}: error[url-private]" in run.output
    out = tmp_path / "out"
    assert "Fine" in (out / "news" / "atom.xml").read_text(encoding="utf-8")
    assert "Leaky" not in (out / "news" / "atom.xml").read_text(encoding="utf-8")
    assert (out / "meta" / "230302FN01.jsonld").exists()
    assert not (out / "meta" / "230301LK01.jsonld").exists()
    # Without --strict the same note is published, without the URL, and the build passes.
    relaxed = run_cli("build", root, "-o", tmp_path / "relaxed")
    assert relaxed.code == 0, relaxed.output
    atom = (tmp_path / "relaxed" / "news" / "atom.xml").read_text(encoding="utf-8")
    assert "the box" in atom
    assert "10.1.1.1" not in atom


def test_strict_keeps_a_note_whose_image_the_digest_refuses_out_of_the_pdf(
    tmp_path: Path,
) -> None:
    """A public remote image is fine for a feed but refused by a PDF digest (no network):
    under --strict that refusal keeps the note out of the digest, as any warning would."""
    remote = note_text(
        "Remote picture",
        "Words of the remote note.\n\n![far](https://images.example.org/far.png)\n",
        note_id="230301RM01",
        created="2023-03-01",
    )
    root = write_vault(
        tmp_path / "vault",
        {
            "remote.md": remote,
            "fine.md": note_text(
                "Fine", "Local words.", note_id="230302FN01", created="2023-03-02"
            ),
        },
        SITE + '\n[targets.print]\nexporter = "pdf"\n',
    )
    strict = run_cli("build", root, "--strict", "-o", tmp_path / "strict")
    assert strict.code == 1, strict.output
    line = line_of(remote, "![far]")
    assert f"/remote.md:{line}: error[pdf-refused]" in strict.output
    assert "left out (--strict)" in strict.output
    text = "".join(
        page.extract_text() for page in reader(tmp_path / "strict/print/digest.pdf").pages
    )
    assert "Local words." in text and "Words of the remote note." not in text
    relaxed = run_cli("build", root, "-o", tmp_path / "relaxed")
    assert relaxed.code == 0, relaxed.output
    assert f"/remote.md:{line}: warning[pdf-refused]" in relaxed.output
    text = "".join(
        page.extract_text() for page in reader(tmp_path / "relaxed/print/digest.pdf").pages
    )
    assert "Words of the remote note." in text


# Symlinks swapped in after the vault was read ----------------------------------------------

SWAP_SECRET = "SWAP-SECRET-OUTSIDE-4d1e"
HIDDEN_SECRET = "HIDDEN-SECRET-INSIDE-9b2c"


@pytest.fixture(scope="module")
def swapped_build(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, notepress.BuildReport]:
    """Build a vault whose two images became symlinks between reading and building.

    ``pics/photo.png`` now leads outside the vault; ``pics/diagram.png`` to a hidden file
    inside it.  Every exporter copies or embeds both images, so each reads them.
    """
    base = tmp_path_factory.mktemp("swap")
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(png("#aa0000", SWAP_SECRET))
    root = write_vault(
        base / "vault",
        {
            "note.md": note_text(
                "Pictures",
                "Two pictures.\n\n![[photo.png]]\n\n![[diagram.png]]\n",
                note_id="230301PC01",
                created="2023-03-01",
                extra="image: photo.png",
            ),
            "pics/photo.png": png("#00aa00"),
            "pics/diagram.png": png("#0000aa"),
            ".private/hidden.png": png("#aaaa00", HIDDEN_SECRET),
        },
        ALL_TARGETS,
    )
    project = notepress.load_project(root, output=base / "out")
    (root / "pics" / "photo.png").unlink()
    (root / "pics" / "photo.png").symlink_to(outside / "secret.png")
    (root / "pics" / "diagram.png").unlink()
    (root / "pics" / "diagram.png").symlink_to(root / ".private" / "hidden.png")
    return base / "out", project.build()


@pytest.mark.parametrize("target", ["news", "meta", "book", "print"])
def test_a_swapped_symlink_is_never_followed(
    swapped_build: tuple[Path, notepress.BuildReport], target: str
) -> None:
    out, report = swapped_build
    assert not report.has_errors, [str(p) for p in report.all_problems()]
    assert all(result.ok for result in report.targets)
    files = list(public_texts(out / target))
    assert files
    for name, data in files:
        assert SWAP_SECRET.encode() not in data, name
        assert HIDDEN_SECRET.encode() not in data, name
    if target == "print":
        assert image_count(reader(out / "print" / "digest.pdf")) == 0
    else:
        assert not (out / target / "assets" / "pics" / "photo.png").exists()


def test_each_exporter_says_which_file_it_refused(
    swapped_build: tuple[Path, notepress.BuildReport],
) -> None:
    _, report = swapped_build
    by_target = {
        target.name: [(p.code, p.message) for p in target.problems] for target in report.targets
    }
    for target, code in (("news", "asset-refused"), ("meta", "asset-refused")):
        assert (
            code,
            "pics/photo.png not copied, so "
            + (
                "it will be missing from the feed"
                if target == "news"
                else "no note has it as its image"
            )
            + ": it is a symlink leading outside the vault; not followed",
        ) in by_target[target]
    book = [message for code, message in by_target["book"] if code == "epub-image"]
    assert any(m.startswith("pics/photo.png: image left out: it is a symlink") for m in book)
    assert any(m.startswith("pics/diagram.png: image left out: it is a symlink") for m in book)
    printed = [message for code, message in by_target["print"] if code == "pdf-refused"]
    assert any("pics/photo.png" in m and "symlink leading outside" in m for m in printed)
    assert any("pics/diagram.png" in m and "symlink to another file" in m for m in printed)


def test_vault_files_refuse_a_folder_swapped_for_a_symlink(tmp_path: Path) -> None:
    """Every path component is opened without following links, not only the last one."""
    root = write_vault(tmp_path / "vault", {"a/b/pic.png": b"inside", "a/c/pic.png": b"other"})
    (tmp_path / "elsewhere" / "b").mkdir(parents=True)
    (tmp_path / "elsewhere" / "b" / "pic.png").write_bytes(b"outside")
    files = VaultFiles.of(root, [PurePosixPath("a/b/pic.png")])
    assert files.read(PurePosixPath("a/b/pic.png")) == b"inside"
    with pytest.raises(AssetError, match="not an attachment"):
        files.read(PurePosixPath("a/c/pic.png"))
    with pytest.raises(AssetError, match="outside the vault"):
        files.read(PurePosixPath("../elsewhere/b/pic.png"))
    os.rename(root / "a", tmp_path / "a-moved")
    (root / "a").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(AssetError, match="outside the vault"):
        files.read(PurePosixPath("a/b/pic.png"))
    (root / "big.bin").write_bytes(b"x" * 2048)
    with pytest.raises(AssetError, match="larger than"):
        VaultFiles.of(root, [PurePosixPath("big.bin")]).read(PurePosixPath("big.bin"), 1024)


def test_a_malformed_url_is_reported_not_a_traceback(tmp_path: Path) -> None:
    body = (
        'A picture: <img src="http://[fe80::1/pic.png" alt="broken picture">\n\n'
        "And [a broken link](//[::1/page).\n"
    )
    text = note_text("Broken", body, note_id="230301BR01", created="2023-03-01")
    root = write_vault(
        tmp_path / "vault",
        {"broken.md": text},
        SITE + '\n[targets.print]\nexporter = "pdf"\n',
    )
    check = run_cli("check", root)
    assert check.code == 0, check.output
    assert "Traceback" not in check.output
    assert f"/broken.md:{line_of(text, 'A picture')}: warning[url-invalid]" in check.output
    # markdown-it percent-encodes the bracket, so this one parses, as a loopback address.
    assert f"/broken.md:{line_of(text, 'broken link')}: warning[url-private]" in check.output
    run = run_cli("build", root, "-o", tmp_path / "out")
    assert run.code == 0, run.output
    pdf = reader(tmp_path / "out" / "print" / "digest.pdf")
    text_out = " ".join(page.extract_text() for page in pdf.pages)
    assert "fe80" not in text_out
    assert "a broken link" in re.sub(r"\s+", " ", text_out)


def test_a_path_from_slash_is_read_from_the_vault_root(tmp_path: Path) -> None:
    """As Obsidian reads ``![](/att/x.png)``; ``/..`` still leaves, and a file in a hidden
    folder is said to be there, not missing."""
    root = write_vault(
        tmp_path / "vault",
        {
            "sub/a.md": note_text(
                "A",
                'Shown ![x](/att/pic%20one.png) and <img src="/att/pic one.png" alt="y">.\n\n'
                "Linked [b](/sub/B.md). Left [out](/../a.png). Hidden ![h](/.assets/h.png).\n",
                note_id="230306SL01",
            ),
            "sub/B.md": note_text("B", "B.", note_id="230306SL02"),
            "att/pic one.png": png("red"),
            ".assets/h.png": png("blue"),
        },
        SITE + '\n[targets.news]\nexporter = "feed"\nformats = ["json"]\n',
    )
    report = notepress.load_project(root, output=tmp_path / "out").build()
    found = {(p.code, p.message.split(":")[0]) for p in report.problems if p.path == "sub/a.md"}
    assert found == {
        ("asset-outside", "'/../a.png' leads outside the vault; left out"),
        ("asset-missing", "'/.assets/h.png'"),
    }
    hidden = next(p for p in report.problems if p.code == "asset-missing")
    assert "hidden folder" in hidden.message
    items = json.loads((tmp_path / "out" / "news" / "feed.json").read_text())["items"]
    html = next(item for item in items if item["title"] == "A")
    assert (
        html["content_html"].count('src="https://notes.example.org/news/assets/att/pic%20one.png"')
        == 2
    )
    assert (tmp_path / "out" / "news" / "assets" / "att" / "pic one.png").exists()


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("..\\\\pics\\\\a.png", "write / between folders: \\ is part of a name"),
        ("pics/.a.png", "it is a hidden file"),
        (".pics/a.png", "it is in a hidden folder"),
    ],
    ids=["backslashes", "hidden-file", "hidden-folder"],
)
def test_a_missing_picture_says_why_it_is_missing(tmp_path: Path, written: str, said: str) -> None:
    """A path written with Windows' backslashes was said to be "in a hidden folder"."""
    root = write_vault(
        tmp_path / "vault",
        {"notes/a.md": note_text("A", f"See ![x]({written}).", note_id="230306SL01")},
    )
    vault = notepress.load_vault(root)
    (problem,) = [p for p in vault.all_problems() if p.code == "asset-missing"]
    assert said in problem.message
