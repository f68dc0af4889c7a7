"""An EPUB archive split into volumes: by year, by size, links between volumes, drafts.

The split itself is checked on plain notes; the books are built once per module with real
pandoc (one small vault, three targets, and the same vault without a site URL), checked
with epubcheck and rebuilt once to compare bytes.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import pytest

import notepress
from notepress.exporters.epub import EpubExporter
from notepress.exporters.epub.volumes import split_volumes
from notepress.model import Note

from .conftest import note_text, write_vault

EPOCH = "1767225600"  # 2026-01-01: after every note here, so none waits for its date


def make_note(note_id: str, created: datetime | None) -> Note:
    return Note(
        path=PurePosixPath(f"{note_id}.md"),
        title=f"Note {note_id}",
        note_id=note_id,
        draft=False,
        created=created,
        updated=created,
    )


NOTES = [
    make_note("a", datetime(2022, 12, 31, 23, 30, tzinfo=UTC)),  # 2023 in Berlin
    make_note("b", datetime(2023, 5, 1, tzinfo=UTC)),
    make_note("c", datetime(2023, 6, 1, tzinfo=UTC)),
    make_note("d", datetime(2023, 7, 1, tzinfo=UTC)),
    make_note("e", datetime(2024, 1, 2, tzinfo=UTC)),
    make_note("f", None),
]


def ids(volume: object) -> list[str]:
    return [note.note_id for note in volume.notes]  # type: ignore[attr-defined]


# the split ---------------------------------------------------------------------------------


def test_one_book_unless_asked() -> None:
    assert split_volumes(NOTES, "none", 0, UTC) is None
    assert split_volumes([], "year", 10, UTC) is None  # nothing to split: the title page


def test_volumes_by_year_in_the_sites_time_zone_undated_last() -> None:
    from zoneinfo import ZoneInfo

    volumes = split_volumes(NOTES, "year", 0, ZoneInfo("Europe/Berlin"))
    assert volumes is not None
    assert [(v.key, v.label, ids(v)) for v in volumes] == [
        ("2023", "2023", ["a", "b", "c", "d"]),
        ("2024", "2024", ["e"]),
        ("undated", "Undated", ["f"]),
    ]


def test_volumes_by_size_keep_the_order_and_fill_all_but_the_last() -> None:
    volumes = split_volumes(NOTES, "none", 4, UTC)
    assert volumes is not None
    assert [(v.key, v.label, ids(v)) for v in volumes] == [
        ("01", "Volume 1 of 2", ["a", "b", "c", "d"]),
        ("02", "Volume 2 of 2", ["e", "f"]),
    ]


def test_a_year_over_the_size_is_split_again() -> None:
    volumes = split_volumes(NOTES, "year", 2, UTC)
    assert volumes is not None
    assert [(v.key, ids(v)) for v in volumes] == [
        ("2022", ["a"]),
        ("2023-01", ["b", "c"]),
        ("2023-02", ["d"]),
        ("2024", ["e"]),
        ("undated", ["f"]),
    ]


def test_options_are_checked_and_listed() -> None:
    from notepress.config import Selection, Site, Target

    target = Target(
        name="archive",
        exporter="epub",
        selection=Selection(),
        options=EpubExporter.Options(volume_size=-1, workers=-2),
    )
    keys = {key for key, _ in EpubExporter.check(target, Site(title="t"))}
    assert {"volume_size", "workers"} <= keys


# real books --------------------------------------------------------------------------------

CONFIG = """
[site]
title = "Field Notes"
{url}
author = "A. Writer"
timezone = "UTC"

[targets.archive]
exporter = "epub"
volumes = "year"

[targets.sized]
exporter = "epub"
volume_size = 2
workers = 2

[targets.private]
exporter = "epub"
volumes = "year"
drafts = true
"""


def files() -> dict[str, str]:
    notes = {}
    for day in (1, 2, 3):
        notes[f"old {day}.md"] = note_text(
            f"Old {day}",
            f"Old {day} points to [[New 1#Later part]] and to [[Old 2]].\n\n"
            "## Section\n\nplain words\n",
            note_id=f"23030{day}GN01",
            created=f"2023-03-0{day}",
        )
    for day in (1, 2):
        notes[f"new {day}.md"] = note_text(
            f"New {day}",
            f"New {day} points to [[Old 1#Section]], [[New 2]] and [[Hidden plan]].\n\n"
            "## Later part\n\nmore words\n",
            note_id=f"24040{day}GN01",
            created=f"2024-04-0{day}",
        )
    notes["new 2.md"] += "\n![[pic.png]] and again ![[pic.png|60]]\n"
    notes["hidden.md"] = note_text(
        "Hidden plan",
        "unpublished-marker words\n",
        note_id="240405GN01",
        created="2024-04-05",
        draft=True,
    )
    return notes


PICTURE = (Path(__file__).parent / "data" / "epub" / "pic.png").read_bytes()


def chapters(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as book:
        return {
            name: book.read(name).decode("utf-8")
            for name in book.namelist()
            if name.endswith(".xhtml")
        }


def links(path: Path) -> list[tuple[str, str]]:
    """Every ``(href, text)`` of the book's notes."""
    found = []
    for name, text in chapters(path).items():
        if "/text/ch" in name:
            found += re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', text)
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Both vaults built once, with SOURCE_DATE_EPOCH pinned."""
    root = tmp_path_factory.mktemp("volumes")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        url = 'url = "https://notes.example.org/"\nnote_url = "notes/{slug}/"'
        notes = {**files(), "pic.png": PICTURE}
        with_url = write_vault(root / "with-url", notes, CONFIG.format(url=url))
        without = write_vault(root / "without-url", notes, CONFIG.format(url=""))
        for vault, targets in ((with_url, None), (without, ["archive"])):
            report = notepress.load_project(vault).build(targets)
            assert not report.has_errors, [(t.name, t.error) for t in report.targets]
        yield {"with": with_url / "_publish", "without": without / "_publish"}


@pytest.mark.slow
def test_volume_files_are_named_by_year_and_by_number(built: dict[str, Path]) -> None:
    out = built["with"]
    assert sorted(p.name for p in (out / "archive").glob("*.epub")) == [
        "archive-2023.epub",
        "archive-2024.epub",
    ]
    assert sorted(p.name for p in (out / "sized").glob("*.epub")) == [
        "sized-01.epub",
        "sized-02.epub",
        "sized-03.epub",
    ]
    assert not (out / "archive" / "archive.epub").exists()
    with zipfile.ZipFile(out / "archive" / "archive-2024.epub") as book:
        package = book.read("EPUB/content.opf").decode()
    assert "Field Notes: 2024</dc:title>" in package


@pytest.mark.slow
def test_each_volume_holds_its_own_notes_and_never_a_draft(built: dict[str, Path]) -> None:
    out = built["with"]
    for name, titles in (
        ("archive/archive-2023.epub", {"Old 1", "Old 2", "Old 3"}),
        ("archive/archive-2024.epub", {"New 1", "New 2"}),
        ("sized/sized-01.epub", {"Old 1", "Old 2"}),
        ("sized/sized-03.epub", {"New 2"}),
    ):
        text = "".join(chapters(out / name).values())
        shown = set(re.findall(r'class="note-title"[^>]*>([^<]*)<', text))
        assert shown == titles, name
        assert "unpublished-marker" not in text
        assert "notes/hidden-plan" not in text
    private = "".join(chapters(out / "private" / "private-2024.epub").values())
    assert "unpublished-marker" in private  # drafts = true: the private copy has it


@pytest.mark.slow
def test_links_across_volumes_are_urls_and_inside_a_volume_anchors(built: dict[str, Path]) -> None:
    found = links(built["with"] / "archive" / "archive-2024.epub")
    assert ("https://notes.example.org/notes/old-1/#section", "Old 1 &gt; Section") in found
    inside = [href for href, text in found if text == "New 2"]
    assert inside and all(href.startswith("ch") and "#" in href for href in inside)
    assert not any("hidden" in href for href, _ in found)
    older = links(built["with"] / "archive" / "archive-2023.epub")
    assert ("https://notes.example.org/notes/new-1/#later-part", "New 1 &gt; Later part") in older


@pytest.mark.slow
def test_links_across_volumes_are_text_without_a_site_url(built: dict[str, Path]) -> None:
    book = built["without"] / "archive" / "archive-2024.epub"
    found = links(book)
    assert found and all(href.startswith("ch") for href, _ in found)  # New 2 only
    text = "".join(chapters(book).values())
    assert "Old 1 &gt; Section" in text or "Old 1 > Section" in text


@pytest.mark.slow
def test_volumes_with_links_out_pass_epubcheck(built: dict[str, Path]) -> None:
    """The volumes whose links leave them, as URLs and as text (epubcheck takes seconds each)."""
    from .test_epub import epubcheck

    for book in (
        built["with"] / "archive" / "archive-2024.epub",
        built["without"] / "archive" / "archive-2023.epub",
    ):
        assert epubcheck(book) == [], book.name


@pytest.mark.slow
def test_volumes_are_byte_identical_when_rebuilt(
    built: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    vault = built["with"].parent
    copy = tmp_path / "again"
    shutil.copytree(vault, copy, ignore=shutil.ignore_patterns("_publish"))
    report = notepress.load_project(copy).build(["sized"])
    assert not report.has_errors
    for first in sorted((built["with"] / "sized").glob("*.epub")):
        assert (copy / "_publish" / "sized" / first.name).read_bytes() == first.read_bytes()


# images ------------------------------------------------------------------------------------


def test_pandoc_is_given_a_placeholder_never_the_image(tmp_path: Path) -> None:
    """pandoc holds a data: URI at about a hundred bytes per byte: the book's HTML names it."""
    from notepress.exporters.epub.book import BookInfo, build_source, group_notes
    from notepress.exporters.epub.media import MediaStore

    vault_root = write_vault(
        tmp_path / "vault",
        {"a.md": note_text("A", "![[pic.png]]\n", note_id="230301GN01"), "pic.png": PICTURE},
        "[site]\ntitle = 'T'\n",
    )
    project = notepress.load_project(vault_root)
    notes = list(project.vault.notes)
    media = MediaStore(project.vault, lambda *_: None)
    info = BookInfo(
        "T", "", "", "en", "", "urn:x", datetime(2023, 3, 1, tzinfo=UTC), (), "", 1, 0, False
    )
    source = build_source(
        group_notes(notes, "none", UTC),
        info,
        project.vault,
        project.config.site,
        media,
        include_drafts=False,
        warn=lambda message, note: None,
    )
    assert "data:image" not in source.html
    placeholder = re.search(r'src="(epub-media/[0-9a-f]{24}\.png)"', source.html)
    assert placeholder is not None, source.html
    assert media.images() == {placeholder[1]: ("image/png", PICTURE)}
    # Named by the file alone: another store, asked other files first, names it the same.
    other = MediaStore(project.vault, lambda *_: None)
    other.href(PurePosixPath("elsewhere.png"))
    assert other.href(PurePosixPath("pic.png")) == placeholder[1]


@pytest.mark.slow
def test_images_are_files_of_the_book_once_each(built: dict[str, Path]) -> None:
    book = built["with"] / "archive" / "archive-2024.epub"
    with zipfile.ZipFile(book) as archive:
        names = archive.namelist()
        package = archive.read("EPUB/content.opf").decode()
        assert archive.read("EPUB/media/image-1.png") == PICTURE
    assert [n for n in names if n.startswith("EPUB/media/image-")] == ["EPUB/media/image-1.png"]
    assert 'href="media/image-1.png" media-type="image/png"' in package
    text = "".join(chapters(book).values())
    assert text.count('src="../media/image-1.png"') == 2
    assert "epub-media" not in text


@pytest.mark.slow
def test_a_volume_over_its_memory_fails_alone(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path / "vault",
        {
            "big.md": note_text("Big", "word " * 200_000, note_id="230101BG01"),
            "small.md": note_text(
                "Small", "a few words", note_id="240101SM01", created="2024-01-01"
            ),
        },
        '[targets.archive]\nexporter = "epub"\nvolumes = "year"\nmemory = 64\n',
    )
    report = notepress.load_project(root).build()
    (result,) = report.targets
    assert result.ok and report.has_errors  # written in part: the build still exits 1
    assert [path.name for path in result.files] == ["archive-2024.epub"]
    (failure,) = [p for p in result.problems if p.code == "epub-failed"]
    assert failure.message.startswith(
        "archive-2023.epub was not written: pandoc needed more than 64 MB of memory (raise "
        "'memory', or split the archive into volumes with 'volume_size'"
    )
