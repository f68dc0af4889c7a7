"""PDF layout and fonts: the same bytes on every machine, tagged PDFs and their variants.

Two real builds in child processes (so that the forkserver and its PDF workers start with
the environment given here): one as this machine is, one with ``FONTCONFIG_FILE`` naming an
empty fontconfig file, a machine without a single font.  The digest must not tell them
apart.  Layout is read back from the PDF with pypdf.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pypdf
import pytest

import notepress
from tests.conftest import note_text, write_vault
from tests.hostile.support import Run, run_cli

CONFIG = """\
[site]
title = "Type specimen"
language = "en"
timezone = "UTC"

[targets.print]
exporter = "pdf"
include_tags = ["specimen"]

[targets.world]
exporter = "pdf"
include_tags = ["world"]
tagged = false
toc = false

[targets.archival]
exporter = "pdf"
include_tags = ["specimen"]
pdf_variant = "pdf/a-3b"
toc = false

[targets.accessible]
exporter = "pdf"
include_tags = ["specimen"]
pdf_variant = "pdf/ua-1"
toc = false
"""

LONG_TOKEN = "abcdefghijklmnopqrstuvwxyz0123456789" * 4

#: Greek, Cyrillic, and signs the bundled sans has and the bundled serif and mono lack
#: (``⌘`` ``ѩ`` ``Ϣ`` ``⏎``): a machine's own "serif" must never be asked for them.
SPECIMEN = f"""\
Plain words, Ελληνικά and кириллица, a command key ⌘ and old letters ѩ Ϣ in the body.

## A heading with ⌘ and ѩ

Inline `code with ⌘ ѩ Ϣ ⏎` and more words.

```
a code block ⌘ ѩ Ϣ ⏎
```

A long name follows `{LONG_TOKEN}` and the line goes on.

Marked ==highlight==. End of the first.

Marked <span>highlight</span>. End of the second.

An <span class="inline-note">aside</span>, said softly.

An <span>aside</span>, said softly.
"""

WORLD = "Tokyo is 東京, Seoul is 서울, a bicycle 🚲 and a smile 😀."


def build(root: Path, out: Path, *targets: str, monkeypatch: pytest.MonkeyPatch, **env: str) -> Run:
    with monkeypatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        for key, value in env.items():
            patch.setenv(key, value)
        args = [arg for name in targets for arg in ("-t", name)]
        return run_cli("build", root, "-o", out, *args)


def empty_fontconfig(folder: Path) -> Path:
    """A fontconfig file that finds no font: a machine without any."""
    path = folder / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig></fontconfig>\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Run]:
    """The vault built as this machine is (every target), and once more without any font."""
    base = tmp_path_factory.mktemp("fonts")
    root = write_vault(
        base / "vault",
        {
            "specimen.md": note_text("Specimen ⌘", SPECIMEN, tags=["specimen"]),
            "world.md": note_text("World", WORLD, tags=["world"], created="2023-03-07"),
        },
        CONFIG,
    )
    empty = empty_fontconfig(base)
    with pytest.MonkeyPatch.context() as patch:
        normal = build(root, base / "normal", monkeypatch=patch)
        bare = build(
            root, base / "bare", "print", "archival", monkeypatch=patch, FONTCONFIG_FILE=str(empty)
        )
    assert normal.code == 0, normal.output
    assert bare.code == 0, bare.output
    return base / "normal", base / "bare", normal


def fonts_of(path: Path) -> set[str]:
    reader = pypdf.PdfReader(path)
    names = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


@pytest.mark.parametrize("target", ["print", "archival"])
def test_a_machine_without_fonts_prints_the_same_bytes(builds, target: str) -> None:
    normal, bare, _ = builds
    first = (normal / target / "digest.pdf").read_bytes()
    assert first == (bare / target / "digest.pdf").read_bytes()
    # Every glyph, the sans-only signs in serif text and in code included, is a bundled one.
    assert fonts_of(normal / target / "digest.pdf") <= {
        f"Notepress-{face}" for face in ("Serif", "Serif-Italic", "Sans", "Sans-Bold", "Mono")
    }


def test_characters_no_bundled_font_has_are_one_warning_per_target(builds) -> None:
    *_, normal = builds
    warnings = [line for line in normal.output.splitlines() if "pdf-fonts-missing" in line]
    assert len(warnings) == 1, normal.output
    (warning,) = warnings
    assert warning.startswith("targets.world:")
    assert (
        "digest.pdf: 6 characters in the scripts Emoji, Han, Hangul are not in the bundled fonts"
        in warning
    )
    assert "WeasyPrint: .notdef" not in normal.output  # not once per character


def lines_of(path: Path) -> list[str]:
    """The PDF's lines of text, spaces of justified lines made single."""
    return [
        " ".join(line.split())
        for page in pypdf.PdfReader(path).pages
        for line in page.extract_text().splitlines()
    ]


def test_long_inline_code_wraps_inside_the_margin(builds) -> None:
    normal, *_ = builds
    lines = lines_of(normal / "print" / "digest.pdf")
    assert not any(LONG_TOKEN in line for line in lines)
    start = next(i for i, line in enumerate(lines) if line.startswith("A long name follows"))
    assert (
        "".join(lines[start : start + 4]).replace("A long name follows", "").startswith(LONG_TOKEN)
    )


def run_starts(path: Path) -> dict[str, list[float]]:
    """Where each text run of the PDF begins on the line, by its text."""
    found: dict[str, list[float]] = {}

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            found.setdefault(text.strip(), []).append(round(x, 2))

    for page in pypdf.PdfReader(path).pages:
        page.extract_text(visitor_text=visit)
    return found


def test_highlights_and_inline_notes_leave_no_gap_before_punctuation(builds) -> None:
    """The text after a ``mark`` or an inline note starts where it would after plain text."""
    normal, *_ = builds
    starts = run_starts(normal / "print" / "digest.pdf")
    first, second = starts[". End of the first."][0], starts[". End of the second."][0]
    assert first == pytest.approx(second, abs=0.05)
    styled, plain = starts[", said softly."]
    assert styled == pytest.approx(plain, abs=0.05)


def catalog(path: Path) -> tuple[pypdf.PdfReader, dict]:
    reader = pypdf.PdfReader(path)
    return reader, reader.trailer["/Root"]


def test_digests_are_tagged_by_default(builds) -> None:
    normal, *_ = builds
    _, root = catalog(normal / "print" / "digest.pdf")
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    _, root = catalog(normal / "world" / "digest.pdf")  # tagged = false
    assert "/StructTreeRoot" not in root


def test_pdf_a_and_ua_variants_carry_their_metadata(builds) -> None:
    normal, *_ = builds
    reader, root = catalog(normal / "archival" / "digest.pdf")
    assert "/StructTreeRoot" in root and "/OutputIntents" in root
    xmp = reader.xmp_metadata
    assert xmp is not None
    description = xmp.rdf_root.toxml()
    assert 'pdfaid:part="3"' in description and 'pdfaid:conformance="B"' in description
    reader, root = catalog(normal / "accessible" / "digest.pdf")
    assert "/StructTreeRoot" in root
    assert reader.xmp_metadata is not None
    assert 'pdfuaid:part="1"' in reader.xmp_metadata.rdf_root.toxml()


@pytest.mark.parametrize("value", ['"pdf/x-4"', '"PDF/A"', "true"])
def test_an_unknown_variant_names_the_key(tmp_path: Path, value: str) -> None:
    root = write_vault(
        tmp_path / "v", {}, f'[targets.d]\nexporter = "pdf"\npdf_variant = {value}\n'
    )
    with pytest.raises(notepress.ConfigError) as raised:
        notepress.load_project(root)
    expected = "targets.d.pdf_variant: expected one of '', pdf/a-3b, pdf/ua-1, got"
    assert any(e.startswith(expected) for e in raised.value.errors), raised.value.errors


def test_characters_printed_as_boxes_are_said_to_be(tmp_path: Path) -> None:
    """On a machine with no font for them, what no bundled font has prints as empty boxes,
    and the build says so, with what to install, once per digest."""
    root = write_vault(
        tmp_path / "vault",
        {"world.md": note_text("World", WORLD, tags=["world"], created="2023-03-07")},
        CONFIG,
    )
    empty = empty_fontconfig(tmp_path)
    with pytest.MonkeyPatch.context() as patch:
        done = build(root, tmp_path / "out", "world", monkeypatch=patch, FONTCONFIG_FILE=str(empty))
    assert done.code == 0, done.output
    boxes = [line for line in done.output.splitlines() if "pdf-boxes" in line]
    assert len(boxes) == 1, done.output
    assert (
        "digest.pdf: 6 characters in the scripts Emoji, Han, Hangul are printed as empty boxes"
        in boxes[0]
    )
    assert "install fonts" in boxes[0]


def _font_with(path: Path, character: str) -> None:
    """A font file of one glyph, a square, for ``character``: a font the writer installs."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    for point in ((100, 0), (100, 600), (500, 600), (500, 0)):
        (pen.lineTo if pen.points else pen.moveTo)(point)
    pen.closePath()
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "mark"])
    builder.setupCharacterMap({ord(character): "mark"})
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "mark": pen.glyph()})
    builder.setupHorizontalMetrics({".notdef": (600, 0), "mark": (600, 100)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Installed Later", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.save(str(path))


def test_a_font_installed_after_a_build_prints_what_were_boxes(tmp_path: Path) -> None:
    """The boxes warning asks for fonts; once installed, the next build prints with them,
    though no note changed: a kept digest (or a replay of the build) would keep the boxes
    until ``--no-cache``."""
    character = "\ua500"  # Vai, which no bundled font has
    root = write_vault(
        tmp_path / "vault",
        {"world.md": note_text("World", f"A sign {character} here.", tags=["world"])},
        CONFIG,
    )
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    machine = tmp_path / "fonts.conf"
    machine.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><dir>{fonts}</dir><cachedir>{tmp_path / 'fc-cache'}</cachedir>"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    moment = time.time() - 86400  # written long ago: the build leaves a record to replay
    for path in [root, *root.rglob("*")]:
        os.utime(path, (moment, moment))
    out = tmp_path / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NOTEPRESS_CACHE", str(tmp_path / "cache"))
        first = build(root, out, "world", monkeypatch=patch, FONTCONFIG_FILE=str(machine))
        assert first.code == 0, first.output
        assert "pdf-boxes" in first.output
        before = (out / "world" / "digest.pdf").read_bytes()
        _font_with(fonts / "later.ttf", character)
        second = build(root, out, "world", monkeypatch=patch, FONTCONFIG_FILE=str(machine))
    assert second.code == 0, second.output
    assert "pdf-boxes" not in second.output, second.output
    after = out / "world" / "digest.pdf"
    assert after.read_bytes() != before
    assert "Installed-Later" in fonts_of(after)


def test_the_font_folders_are_read_as_fontconfig_reads_its_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Folders named by the configuration, by a file it includes, and under the user's data
    folder (``prefix="xdg"``); the included folder itself too (a font package adds its file
    there), and nothing that does not exist."""
    from exporters.pdf.machinefonts import font_locations

    for folder in ("shared", "extra", "data/fonts", "conf.d"):
        (tmp_path / folder).mkdir(parents=True)
    head = '<?xml version="1.0"?>\n<fontconfig>'
    (tmp_path / "conf.d" / "60-extra.conf").write_text(
        f"{head}<dir>{tmp_path / 'extra'}</dir></fontconfig>", encoding="utf-8"
    )
    config = tmp_path / "fonts.conf"
    config.write_text(
        f"{head}<dir>{tmp_path / 'shared'}</dir><dir>{tmp_path / 'gone'}</dir>"
        '<dir prefix="xdg">fonts</dir><include ignore_missing="yes">conf.d</include>'
        "</fontconfig>",
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert font_locations() == sorted(
        [
            config,
            tmp_path / "conf.d",
            tmp_path / "extra",
            tmp_path / "shared",
            tmp_path / "data/fonts",
        ]
    )
