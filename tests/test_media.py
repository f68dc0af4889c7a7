"""Line breaks, sizes and media as Obsidian shows them, in every output.

Each construct is checked where the renderer writes it (markdown in, HTML out, per output's
link style) and once end to end: one module-scoped build of a vault that plays audio and
video, sizes images, embeds a PDF and a video page, read back with feedparser, pypdf,
epubcheck and the EPUB's own package document.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree as ET

import feedparser
import pytest

import notepress
from notepress.exporters.pdf import PdfExporter, print_settings
from notepress.exporters.pdf.html import render_notes
from notepress.markdown import DocumentLinks, LinkStyle, TextLinks, UrlLinks, render_note
from notepress.markdown.media import embed_card, split_size
from tests.conftest import note_text, write_vault
from tests.test_pdf_support import png_bytes, reader, uri_links

SITE = "https://notes.example.org/"
OPF = "{http://www.idpf.org/2007/opf}"
XHTML = "{http://www.w3.org/1999/xhtml}"
AUDIO = b"ID3" + bytes(997)  # 1,000 bytes: the enclosure's length
VIDEO = bytes(2000)


def _links() -> UrlLinks:
    return UrlLinks(note_url=lambda note: SITE + "n/", assets_url=SITE + "assets/")


def render(
    body: str,
    tmp_path: Path,
    style: LinkStyle | None = None,
    *,
    files: dict[str, str | bytes] | None = None,
    config: str | None = None,
) -> notepress.markdown.RenderedNote:
    """``body`` as a published note of a small vault with media, rendered for a feed."""
    vault_files: dict[str, str | bytes] = {
        "a.md": note_text("A", body, note_id="230306AB01"),
        "media/talk.mp3": AUDIO,
        "media/clip.mp4": VIDEO,
        "media/memo.wav": AUDIO,
        "docs/paper.pdf": b"%PDF-1.4\n",
        "img/chart.png": png_bytes(),
        **(files or {}),
    }
    root = write_vault(tmp_path / "vault", vault_files, config)
    vault = notepress.load_vault(root) if config is None else notepress.load_project(root).vault
    note = next(n for n in vault.notes if n.path == PurePosixPath("a.md"))
    return render_note(note, vault, style or _links())


# Line breaks ------------------------------------------------------------------------------

BREAKS = """\
First line
second line

> [!note] Settings
> alpha = 1
> beta = 2

- one
  two

| a | b |
| - | - |
| c | d |

Call[^1].

```
code one
code two
```

[^1]: Foot one
    foot two
"""


def test_single_newlines_are_breaks_by_default_as_in_obsidian(tmp_path: Path) -> None:
    html = render(BREAKS, tmp_path).html
    assert "<p>First line<br>\nsecond line</p>" in html
    assert "<p>alpha = 1<br>\nbeta = 2</p>" in html  # inside a callout
    assert "<li>one<br>\ntwo</li>" in html
    assert "Foot one<br>\nfoot two" in html
    assert "<pre><code>code one\ncode two\n</code></pre>" in html  # code untouched
    assert "<td>c</td>" in html


APP_STRICT = {".obsidian/app.json": json.dumps({"strictLineBreaks": True})}


@pytest.mark.parametrize(
    ("files", "config", "strict"),
    [
        ({}, "[vault]\nstrict_line_breaks = true\n", True),
        (APP_STRICT, None, True),
        (APP_STRICT, "[vault]\nstrict_line_breaks = false\n", False),
    ],
    ids=["config", "obsidian", "config-over-obsidian"],
)
def test_strict_line_breaks_join_lines_as_markdown_does(
    tmp_path: Path, files: dict[str, str | bytes], config: str | None, strict: bool
) -> None:
    html = render(BREAKS, tmp_path, files=files, config=config).html
    if strict:
        assert "<p>First line\nsecond line</p>" in html and "<br>" not in html
    else:
        assert "<p>First line<br>\nsecond line</p>" in html


def test_the_plain_text_keeps_the_lines(tmp_path: Path) -> None:
    text = render(BREAKS, tmp_path).text
    assert "First line\nsecond line" in text and "alpha = 1\nbeta = 2" in text


# Sizes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("alt|250", ("alt", 250, None)),
        ("alt|100x80", ("alt", 100, 80)),
        ("|300", ("", 300, None)),
        ("a | b", ("a | b", None, None)),
        ("no size", ("no size", None, None)),
        ("x|wide", ("x|wide", None, None)),
    ],
)
def test_a_markdown_image_size_is_split_from_its_alt(
    written: str, expected: tuple[str, int | None, int | None]
) -> None:
    assert split_size(written) == expected


def test_embed_and_markdown_image_sizes(tmp_path: Path) -> None:
    rendered = render(
        "![[chart.png|300]] ![[chart.png|100x80]] ![[chart.png|A chart]]\n\n"
        "![[chart.png|center|400]] ![[chart.png|tiny chart|120x90]]\n\n"
        "![Wide chart|250](img/chart.png) ![Small|100x80](https://img.example.org/c.png)\n",
        tmp_path,
    )
    html = rendered.html
    src = SITE + "assets/img/chart.png"
    assert f'<img src="{src}" alt="chart" width="300">' in html
    assert f'<img src="{src}" alt="chart" width="100" height="80">' in html
    assert f'<img src="{src}" alt="A chart">' in html
    # A word for the theme, then the size (Obsidian's ``|center|400``): the bar is neither.
    assert f'<img src="{src}" alt="center" width="400">' in html
    assert f'<img src="{src}" alt="tiny chart" width="120" height="90">' in html
    assert f'<img src="{src}" alt="Wide chart" width="250">' in html
    assert '<img src="https://img.example.org/c.png" alt="Small" width="100" height="80">' in html
    assert "|" not in "".join(image.alt for image in rendered.images)
    sizes = [(image.width, image.height) for image in rendered.images]
    assert sizes == [
        (300, None),
        (100, 80),
        (None, None),
        (400, None),
        (120, 90),
        (250, None),
        (100, 80),
    ]


def test_pdf_writes_sizes_as_css_which_weasyprint_honours(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path / "vault",
        {
            "a.md": note_text(
                "A", "![[chart.png|120x60]] ![x|40](chart.png)\n", note_id="230306AB01"
            ),
            "chart.png": png_bytes(),
        },
    )
    vault = notepress.load_vault(root)
    settings = print_settings(PdfExporter.Options())
    views, _ = render_notes(vault.notes, vault, notepress.Site(), settings, drafts=False)
    html = str(views[0].html)
    assert 'style="width: 120px; height: 60px"' in html
    assert 'style="width: 40px"' in html


# Audio, video and documents ---------------------------------------------------------------


def test_audio_and_video_embeds_are_players_with_a_link_inside(tmp_path: Path) -> None:
    rendered = render("![[talk.mp3]]\n\n![[clip.mp4]]\n", tmp_path)
    audio = SITE + "assets/media/talk.mp3"
    video = SITE + "assets/media/clip.mp4"
    assert (
        f'<audio controls="" src="{audio}"><a href="{audio}" class="media-link media-audio">'
        "\u25b6 talk.mp3</a></audio>"
    ) in rendered.html
    assert f'<video controls="" src="{video}">' in rendered.html
    assert [(m.kind, m.media_type, m.path) for m in rendered.media] == [
        ("audio", "audio/mpeg", PurePosixPath("media/talk.mp3")),
        ("video", "video/mp4", PurePosixPath("media/clip.mp4")),
    ]


def _webm(*codecs: bytes, long_sizes: bool = False) -> bytes:
    """A WebM file of my own with one track per codec id (``A_OPUS``, ``V_VP9``), its
    element sizes written in one byte or, as some muxers write them, in eight."""

    def element(ident: bytes, payload: bytes) -> bytes:
        size = (
            (b"\x01" + len(payload).to_bytes(7, "big"))
            if long_sizes
            else bytes([0x80 | len(payload)])
        )
        return ident + size + payload

    header = element(b"\x1a\x45\xdf\xa3", element(b"\x42\x82", b"webm"))
    tracks = b"".join(element(b"\xae", element(b"\x86", codec)) for codec in codecs)
    return header + element(b"\x18\x53\x80\x67", element(b"\x16\x54\xae\x6b", tracks))


def test_a_webm_of_sound_alone_is_played_and_enclosed_as_audio(tmp_path: Path) -> None:
    """Obsidian's recorder saves a voice note as WebM with one Opus track: a film player
    showed a black frame, and a feed enclosed it as video/webm.  A WebM with a picture is
    still a film."""
    rendered = render(
        "![[memo.webm]]\n\n![[long memo.webm]]\n\n![[walk.webm]]\n\n![film](walk.webm)\n",
        tmp_path,
        files={
            "memo.webm": _webm(b"A_OPUS"),
            "long memo.webm": _webm(b"A_OPUS", long_sizes=True),
            "walk.webm": _webm(b"V_VP9", b"A_OPUS"),
        },
    )
    assert [(m.kind, m.media_type) for m in rendered.media] == [
        ("audio", "audio/webm"),
        ("audio", "audio/webm"),
        ("video", "video/webm"),
        ("video", "video/webm"),
    ]
    assert rendered.html.count("<audio ") == 2 and rendered.html.count("<video ") == 2


def test_media_an_output_does_not_carry_is_its_label(tmp_path: Path) -> None:
    rendered = render("![[talk.mp3]] ![[paper.pdf]]\n", tmp_path, TextLinks())
    assert '<span class="media-link media-audio">\u25b6 talk.mp3</span>' in rendered.html
    assert '<span class="media-link media-document">paper.pdf</span>' in rendered.html
    assert rendered.media == ()


def test_a_pdf_embed_links_to_the_copied_file(tmp_path: Path) -> None:
    rendered = render("![[paper.pdf]]\n", tmp_path)
    href = SITE + "assets/docs/paper.pdf"
    assert f'<a href="{href}" class="attachment media-document">\U0001f4c4 paper.pdf</a>' in (
        rendered.html
    )
    assert rendered.assets == (PurePosixPath("docs/paper.pdf"),)


def test_files_written_as_markdown_images_are_shown_as_their_embeds(tmp_path: Path) -> None:
    """Obsidian shows ``![alt](paper.pdf)`` as it shows ``![[paper.pdf]]``: an ``<img>`` of a
    PDF, a sound or a film was a broken picture in every reader."""
    body = (
        "![the paper](docs/paper.pdf)\n\n![a talk](media/talk.mp3)\n\n![](media/clip.mp4)\n\n"
        "![the data](files/data.zip)\n\n![a chart](img/chart.png)\n"
    )
    rendered = render(body, tmp_path, files={"files/data.zip": b"PK\x05\x06" + bytes(18)})
    html = rendered.html
    assert f'<a href="{SITE}assets/docs/paper.pdf" class="attachment media-document">' in html
    assert "\U0001f4c4 the paper</a>" in html
    assert f'<audio controls="" src="{SITE}assets/media/talk.mp3">' in html
    assert "\u25b6 a talk</a></audio>" in html
    assert f'<video controls="" src="{SITE}assets/media/clip.mp4">' in html
    assert f'<a href="{SITE}assets/files/data.zip" class="attachment">the data</a>' in html
    assert html.count("<img") == 1 and f'<img src="{SITE}assets/img/chart.png"' in html
    assert [m.kind for m in rendered.media] == ["audio", "video"]  # the players
    named = render(body, tmp_path / "text", TextLinks()).html
    assert '<span class="media-link media-document">the paper</span>' in named
    assert "<img" not in named and "data.zip" not in named and "the data" in named


def test_raw_html_players_are_kept_without_autoplay(tmp_path: Path) -> None:
    html = render('<audio src="media/talk.mp3" autoplay onplay="x()"></audio>\n', tmp_path).html
    assert f'<audio src="{SITE}assets/media/talk.mp3"></audio>' in html


# Frames and video pages -------------------------------------------------------------------

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.mark.parametrize(
    ("src", "url", "title"),
    [
        ("https://www.youtube.com/embed/dQw4w9WgXcQ?si=abc", YOUTUBE, "YouTube video"),
        ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", YOUTUBE, "YouTube video"),
        ("https://youtu.be/dQw4w9WgXcQ?t=10", YOUTUBE, "YouTube video"),
        (
            "https://player.vimeo.com/video/76979871?h=8272103f6e",
            "https://vimeo.com/76979871",
            "Vimeo video",
        ),
    ],
)
def test_frames_of_known_hosts_become_link_cards(
    tmp_path: Path, src: str, url: str, title: str
) -> None:
    rendered = render(
        f'Before.\n\n<iframe width="560" src="{src}" allowfullscreen></iframe>\n\nAfter.\n',
        tmp_path,
    )
    assert f'<p class="embed-card"><a href="{url}">{title}</a></p>' in rendered.html
    assert url in rendered.external_links
    assert not any(p.code == "iframe-removed" for p in rendered.note.problems)


def test_a_post_embed_keeps_its_quote_and_gains_a_card(tmp_path: Path) -> None:
    html = render(
        '<blockquote class="twitter-tweet"><p>Bread is done.</p>&mdash; Baker '
        '<a href="https://twitter.com/baker/status/1234567?ref_src=twsrc">May 1</a></blockquote> '
        '<script async src="https://platform.twitter.com/widgets.js"></script>\n',
        tmp_path,
    ).html
    assert "Bread is done." in html and "<script" not in html
    assert (
        '<p class="embed-card"><a href="https://x.com/baker/status/1234567">Post on X</a></p>'
        in html
    )


def test_other_frames_vanish_with_one_warning_per_note(tmp_path: Path) -> None:
    rendered = render(
        "Text.\n\n"
        '<iframe src="https://ads.example.com/a"></iframe>\n\n'
        '<iframe src="https://ads.example.com/b"></iframe>\n\n'
        '```\n<iframe src="https://in.code.example/"></iframe>\n```\n',
        tmp_path,
    )
    assert "<iframe" not in rendered.html and "&lt;iframe" in rendered.html  # code stays
    assert "ads.example.com" not in rendered.html
    warnings = [p for p in rendered.note.problems if p.code == "iframe-removed"]
    assert len(warnings) == 1
    assert warnings[0].line == 10 and "ads.example.com/a" in warnings[0].message


def test_an_inline_drawing_or_form_field_is_removed_with_a_warning(tmp_path: Path) -> None:
    """An ``<svg>`` or an ``<input>`` holds no text the sanitiser could keep: both vanished
    without a word.  One warning per kind and note, on the first one's line; a checkbox
    is written as a task's glyph instead, and code stays code."""
    rendered = render(
        'Dot <svg width="9" height="9"><circle r="4"/></svg> after.\n\n'
        '<svg><rect width="1" height="1"/></svg>\n\n'
        '<input type="checkbox" checked> done, <input type="range"> slider.\n\n'
        "`<svg>` in code.\n",
        tmp_path,
    )
    assert "<svg" not in rendered.html and "☑ done" in rendered.html
    found = [(p.line, p.message) for p in rendered.note.problems if p.code == "html-removed"]
    assert [(line, message.split(":")[0]) for line, message in found] == [
        (8, "<svg> removed"),
        (12, "<input> removed"),
    ]
    assert "embed it (![[drawing.svg]])" in found[0][1]


def test_an_image_of_a_video_page_is_its_card(tmp_path: Path) -> None:
    html = render(
        f"![]({YOUTUBE})\n\nSee ![talk](https://youtu.be/dQw4w9WgXcQ) here.\n", tmp_path
    ).html
    assert f'<p class="embed-card"><a href="{YOUTUBE}">YouTube video</a></p>' in html
    assert (
        f'See <span class="embed-card"><a href="{YOUTUBE}">YouTube video</a></span> here.' in html
    )
    assert "<img" not in html


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/",
        "https://www.youtube.com/watch?v=",
        "https://example.com/embed/dQw4w9WgXcQ",
        "https://vimeo.com/channels",
        "https://x.com/home",
        "javascript:alert(1)//youtube.com/embed/abcdefgh",
    ],
)
def test_only_real_video_and_post_pages_have_cards(url: str) -> None:
    assert embed_card(url) is None


# One real build -----------------------------------------------------------------------------

BUILD_CONFIG = f"""
[site]
title = "Media"
url = "{SITE}"
author = "Test Author"
language = "en"
timezone = "UTC"

[targets.news]
exporter = "feed"
formats = ["atom", "rss", "json"]

[targets.print]
exporter = "pdf"
toc = false

[targets.book]
exporter = "epub"

[targets.appendix]
exporter = "pdf"
toc = false
append_pdfs = true

[targets.meta]
exporter = "jsonld"
article_body = true
"""

BUILD_NOTE = """\
First line
second line

> [!note] Settings
> alpha = 1
> beta = 2

![[talk.mp3]]

![[clip.mp4]]

![[memo.wav]]

![[paper.pdf]]

![[chart.png|120x60]]

![](https://www.youtube.com/watch?v=dQw4w9WgXcQ)
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every target of a vault that uses each construct, built once; folders by target."""
    root = write_vault(
        tmp_path_factory.mktemp("media") / "vault",
        {
            "listen.md": note_text("Listen", BUILD_NOTE, note_id="230306AB01"),
            "talk.mp3": AUDIO,
            "clip.mp4": VIDEO,
            "memo.wav": AUDIO,
            "paper.pdf": _one_page_pdf(),
            "chart.png": png_bytes(),
        },
        BUILD_CONFIG,
    )
    report = notepress.load_project(root).build()
    for target in report.targets:
        assert target.ok, target.error
    return {target.name: root / "_publish" / target.name for target in report.targets}


def _one_page_pdf() -> bytes:
    """A PDF of one wide page, to tell it from the digest's A4 pages."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=700, height=300)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.slow
def test_append_pdfs_puts_the_embedded_pages_after_the_digest(built: dict[str, Path]) -> None:
    path = built["appendix"] / "digest.pdf"
    pdf = reader(path)
    plain = reader(built["print"] / "digest.pdf")
    assert len(pdf.pages) == len(plain.pages) + 1
    last = pdf.pages[-1]
    assert (float(last.mediabox.width), float(last.mediabox.height)) == (700, 300)
    assert "paper.pdf" in [item.title for item in pdf.outline if not isinstance(item, list)]
    first = path.read_bytes()
    root = path.parents[2]
    report = notepress.load_project(root).build(["appendix"])
    assert report.targets[0].ok
    assert path.read_bytes() == first  # the same bytes on every build


@pytest.mark.slow
def test_feeds_carry_the_first_player_as_an_enclosure(built: dict[str, Path]) -> None:
    url = SITE + "news/assets/talk.mp3"  # the copy in the target's own folder
    for name in ("atom.xml", "rss.xml"):
        (entry,) = feedparser.parse(built["news"] / name).entries
        assert [dict(e) for e in entry.enclosures] == [
            {"href": url, "type": "audio/mpeg", "length": str(len(AUDIO))}
        ]
    atom = feedparser.parse(built["news"] / "atom.xml").entries[0]
    content = atom.content[0].value
    assert f'<audio controls="" src="{url}">' in content
    assert "First line<br />\nsecond line" in content
    assert "alpha = 1<br />\nbeta = 2" in content
    item = json.loads((built["news"] / "feed.json").read_text())["items"][0]
    assert item["attachments"] == [
        {"url": url, "mime_type": "audio/mpeg", "size_in_bytes": len(AUDIO)}
    ]
    assert (built["news"] / "assets" / "talk.mp3").read_bytes() == AUDIO


@pytest.mark.slow
def test_the_book_plays_audio_and_video_and_passes_epubcheck(built: dict[str, Path]) -> None:
    from tests.test_epub import epubcheck

    path = built["book"] / "book.epub"
    assert epubcheck(path) == []
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    opf_path = next(name for name in files if name.endswith(".opf"))
    manifest = ET.fromstring(files[opf_path]).find(f"{OPF}manifest")
    assert manifest is not None
    types = {item.get("href"): item.get("media-type") for item in manifest}
    players = {
        href: kind for href, kind in types.items() if kind and kind.startswith(("audio", "video"))
    }
    assert sorted(players.values()) == ["audio/mpeg", "video/mp4"]  # the WAV is named only
    base = PurePosixPath(opf_path).parent
    for href in players:
        assert files[(base / str(href)).as_posix()] in (AUDIO, VIDEO)
    chapter = next(
        (base / str(href)).as_posix()
        for href, kind in types.items()
        if kind == "application/xhtml+xml" and b"<audio" in files[(base / str(href)).as_posix()]
    )
    page = ET.fromstring(files[chapter])
    (audio,) = page.iter(f"{XHTML}audio")
    (video,) = page.iter(f"{XHTML}video")
    assert "".join(audio.itertext()) == "\u25b6 talk.mp3" and audio.get("controls")
    for player in (audio, video):
        target = PurePosixPath(chapter).parent / str(player.get("src"))
        assert files[_normal(target)] in (AUDIO, VIDEO)
    text = files[chapter].decode()
    assert "First line<br/>\nsecond line" in text
    assert "\u25b6 memo.wav" in text and "YouTube video" in text
    widths = [img.get("width") for img in page.iter(f"{XHTML}img")]
    assert widths == ["120"]


def _normal(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


@pytest.mark.slow
def test_the_digest_names_media_and_links_the_video_page(built: dict[str, Path]) -> None:
    pdf = reader(built["print"] / "digest.pdf")
    # pypdf spells some runs of the bundled fonts with NULs and spaces between letters.
    text = "".join(page.extract_text() for page in pdf.pages).replace("\x00", "")
    squeezed = text.replace(" ", "")
    assert "talk.mp3" in squeezed and "clip.mp4" in squeezed
    assert "paper.pdf" in squeezed
    assert "https://www.youtube.com/watch?v=dQw4w9WgXcQ" in uri_links(pdf)
    lines = [line.replace(" ", "") for line in text.splitlines()]
    assert "Firstline" in lines and "secondline" in lines  # a break, not one line


@pytest.mark.slow
def test_metadata_lists_the_media_and_keeps_the_lines(built: dict[str, Path]) -> None:
    document: dict[str, Any] = json.loads((built["meta"] / "230306AB01.jsonld").read_text())
    assert document["associatedMedia"] == [
        {
            "@type": "AudioObject",
            "contentUrl": SITE + "meta/assets/talk.mp3",
            "encodingFormat": "audio/mpeg",
        },
        {
            "@type": "VideoObject",
            "contentUrl": SITE + "meta/assets/clip.mp4",
            "encodingFormat": "video/mp4",
        },
        {
            "@type": "AudioObject",
            "contentUrl": SITE + "meta/assets/memo.wav",
            "encodingFormat": "audio/wav",
        },
    ]
    assert "First line\nsecond line" in document["articleBody"]
    assert (built["meta"] / "assets" / "talk.mp3").read_bytes() == AUDIO


def test_document_links_style_names_the_file_in_a_book_without_it(tmp_path: Path) -> None:
    style = DocumentLinks(members=frozenset({"230306AB01"}))
    html = render("![[paper.pdf]]\n", tmp_path, style).html
    assert '<span class="media-link media-document">paper.pdf</span>' in html


def test_a_picture_file_that_is_no_picture_is_said_to_be(tmp_path: Path) -> None:
    """A Git LFS pointer (a clone that never fetched the picture) or a text file saved as
    ``.jpg`` is copied, but every reader shows a broken image: the feed and the JSON-LD
    say so, naming the file, and what mends a pointer."""
    root = write_vault(
        tmp_path / "vault",
        {
            "pics.md": note_text("Pics", "![[chart.png]] ![[notes.jpg]] ![[real.png]]"),
            "chart.png": b"version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 9\n",
            "notes.jpg": b"just some words\n",
            "real.png": png_bytes(),
        },
        '[site]\nurl = "https://ex.org/"\n[targets.news]\nexporter = "feed"\n'
        '[targets.meta]\nexporter = "jsonld"\n',
    )
    report = notepress.load_project(root, output=tmp_path / "out").build()
    said = {
        target.name: sorted(p.message for p in target.problems if p.code == "asset-not-image")
        for target in report.targets
    }
    # The feed copies every picture its items show; the JSON-LD the note's image alone.
    assert [m.split(" ", 1)[0] for m in said["news"]] == ["chart.png", "notes.jpg"]
    assert [m.split(" ", 1)[0] for m in said["meta"]] == ["chart.png"]
    assert said["news"][0].startswith("chart.png is copied but is no picture (a Git LFS pointer")
    assert "git lfs pull" in said["news"][0]
    assert (tmp_path / "out" / "news" / "assets" / "real.png").is_file()
