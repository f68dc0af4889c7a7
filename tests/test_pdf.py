"""PDF digests, checked on the real PDFs WeasyPrint writes (read back with pypdf)."""

from __future__ import annotations

from pathlib import Path

import pytest

import notepress
from notepress.exporters.pdf import PdfExporter, css_font_family, print_settings
from notepress.exporters.pdf.html import PrintSettings, render_notes
from notepress.markdown.tree import html_tree
from tests.conftest import note_text, write_vault
from tests.test_pdf_support import (
    all_text,
    destination_page,
    embedded_files,
    image_count,
    link_annotations,
    outline,
    page_texts,
    png_bytes,
    reader,
    toc_entries,
    uri_links,
)

pytestmark = pytest.mark.slow

EPOCH = 1_700_000_000  # 2023-11-14 22:13:20 UTC

LONG = "\n\n".join(
    f"Paragraph {i} of the long note, written to push later notes onto later pages. " * 4
    for i in range(40)
)

NOTES = {
    "alpha.md": note_text(
        "Alpha notes",
        """
        see also: [[Beta notes]] and [[Beta notes#Beta part|the beta part]].

        Some text with a footnote[^1] and a link to [[Gamma]] and one to [[Secret draft]].

        ## First section

        ```python
        def greet(name: str) -> str:
            return f"hello {name}"
        ```

        > [!warning]- Folded away
        > FOLDED-CONTENT is printed open.

        ![[pixel.png]]

        ## Second section

        - [x] done task
        - [ ] open task

        <details><summary>More</summary>DETAILS-CONTENT</details>

        <div class="keyword-row"><span class="inline-keyword">alpha</span></div>

        [^1]: FOOTNOTE-TEXT sits at the foot of the page.
        """,
        note_id="230206AA01",
        created="2023-02-06",
        updated="2023-02-10",
        tags=["audio", "tools"],
        extra="keywords: [first, letters]\ncssclasses: [wide-note]",
    ),
    "beta.md": note_text(
        "Beta notes",
        f"Back to [[Alpha notes#Second section]].\n\n## Beta part\n\n{LONG}\n",
        note_id="230208BB01",
        created="2023-02-08",
        tags=["audio"],
    ),
    "gamma.md": note_text(
        "Gamma",
        "Gamma lives in March and links back to [[Alpha notes]].\n\n## Gamma part\n\nText.\n",
        note_id="230301GG01",
        created="2023-03-01",
        tags=["audio"],
    ),
    "draft.md": note_text(
        "Secret draft",
        "DRAFT-ONLY: nothing here may reach a public digest.\n",
        note_id="230207DD01",
        created="2023-02-07",
        draft=True,
        tags=["audio"],
    ),
    "attachments/pixel.png": png_bytes(),
}

CONFIG = """
[site]
title = "Test Notes"
url = "https://notes.example.org/"
note_url = "notes/{slug}/"
author = "Ada Author"
description = "A vault for tests."
language = "en"
timezone = "Europe/Berlin"

[targets.all]
exporter = "pdf"

[targets.monthly]
exporter = "pdf"
group = "month"

[targets.reading]
exporter = "pdf"
drafts = true

[targets.tags]
exporter = "pdf"
group = "tag"

[targets.weekly]
exporter = "pdf"
group = "week"
latest = 1

[targets.yearly]
exporter = "pdf"
group = "year"
paper = "A5"
page_break = false
toc = false
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> notepress.BuildReport:
    """Every target of the test vault, built once for the module."""
    root = write_vault(tmp_path_factory.mktemp("pdf") / "vault", NOTES, CONFIG)
    return notepress.load_project(root).build()


def target(report: notepress.BuildReport, name: str) -> notepress.TargetResult:
    result = next(t for t in report.targets if t.name == name)
    assert result.ok, result.error
    return result


def files(report: notepress.BuildReport, name: str) -> dict[str, Path]:
    return {path.name: path for path in target(report, name).files}


# Files and grouping ---------------------------------------------------------------------


def test_each_group_gets_its_predictable_file(built: notepress.BuildReport) -> None:
    assert set(files(built, "all")) == {"digest.pdf"}
    assert set(files(built, "monthly")) == {"2023-02.pdf", "2023-03.pdf"}
    assert set(files(built, "tags")) == {"tag-audio.pdf", "tag-tools.pdf"}
    assert set(files(built, "weekly")) == {"2023-W09.pdf"}  # latest = 1
    assert set(files(built, "yearly")) == {"2023.pdf"}


def test_builds_without_warnings_of_its_own(built: notepress.BuildReport) -> None:
    for result in built.targets:
        assert [str(p) for p in result.problems] == []


# Outline and contents -------------------------------------------------------------------


def test_outline_holds_every_note_with_its_sections_beneath(built: notepress.BuildReport) -> None:
    marks = outline(reader(files(built, "all")["digest.pdf"]))
    top = [title for depth, title, _ in marks if depth == 0]
    assert top == ["Contents", "Alpha notes", "Beta notes", "Gamma"]
    alpha = [title for depth, title, _ in marks if depth == 1][:2]
    assert alpha == ["First section", "Second section"]
    assert (1, "Beta part") in [(d, t) for d, t, _ in marks]


def test_contents_page_numbers_are_where_the_notes_start(built: notepress.BuildReport) -> None:
    pdf = reader(files(built, "all")["digest.pdf"])
    starts = {title: page for depth, title, page in outline(pdf) if depth == 0}
    printed = toc_entries(pdf)
    assert printed == {title: starts[title] for title in ("Alpha notes", "Beta notes", "Gamma")}
    assert printed["Gamma"] > printed["Beta notes"] + 1  # the long note spans pages
    texts = page_texts(pdf)
    for title, page in printed.items():
        assert title in texts[page - 1]


def test_running_headers_and_page_x_of_y(built: notepress.BuildReport) -> None:
    pdf = reader(files(built, "all")["digest.pdf"])
    texts = page_texts(pdf)
    total = len(texts)
    assert "page" not in texts[0]  # the cover has no header or footer
    for number, text in enumerate(texts[1:], start=2):
        assert f"page {number} of {total}" in text
        assert "TEST NOTES" in text
    beta_pages = [t for t in texts if "Paragraph 30" in t]
    assert beta_pages and all("Beta notes" in t for t in beta_pages)


def test_cover_names_title_range_count_and_author(built: notepress.BuildReport) -> None:
    cover = page_texts(reader(files(built, "monthly")["2023-02.pdf"]))[0]
    assert "Test Notes" in cover
    assert "February 2023" in cover
    assert "6 \u2013 8 February 2023" in cover
    assert "2 notes" in cover
    assert "Ada Author" in cover


def test_toc_can_be_left_out_and_notes_can_share_pages(built: notepress.BuildReport) -> None:
    pdf = reader(files(built, "yearly")["2023.pdf"])
    assert "Contents" not in page_texts(pdf)[1]
    starts = {title: page for depth, title, page in outline(pdf) if depth == 0}
    assert starts["Alpha notes"] == 2
    # Gamma starts on the page where Beta ends.
    assert "Paragraph 39" in page_texts(pdf)[starts["Gamma"] - 1]
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (420, 595)  # A5 in points


# Links ----------------------------------------------------------------------------------


def test_links_between_notes_of_the_digest_are_internal(built: notepress.BuildReport) -> None:
    pdf = reader(files(built, "all")["digest.pdf"])
    links = link_annotations(pdf)
    internal = [link for link in links if destination_page(pdf, link) is not None]
    assert len(internal) >= 6  # contents entries plus links inside the notes
    for link in internal:
        assert 1 <= destination_page(pdf, link) <= len(pdf.pages)
    starts = {title: page for depth, title, page in outline(pdf)}
    alpha_page = starts["Alpha notes"]
    from_alpha = {destination_page(pdf, link) for link in internal if link["page"] == alpha_page}
    assert starts["Beta notes"] in from_alpha
    assert starts["Beta part"] in from_alpha
    assert not [uri for uri in uri_links(pdf) if not uri.startswith("https://")]


def test_notes_outside_the_digest_are_linked_by_url(built: notepress.BuildReport) -> None:
    pdf = reader(files(built, "monthly")["2023-02.pdf"])
    assert "https://notes.example.org/notes/gamma/" in uri_links(pdf)
    assert not [uri for uri in uri_links(pdf) if "secret" in uri]


def test_without_a_site_url_outside_notes_are_text(make_vault, build_vault) -> None:
    root = make_vault(
        {"a.md": NOTES["alpha.md"], "g.md": NOTES["gamma.md"]},
        config='[targets.m]\nexporter = "pdf"\ngroup = "month"\n',
    )
    report = build_vault(root)
    pdf = reader(files(report, "m")["2023-02.pdf"])
    assert uri_links(pdf) == []
    assert "Gamma" in all_text(files(report, "m")["2023-02.pdf"])


# Content ----------------------------------------------------------------------------------


def test_note_header_shows_dates_tags_and_keywords(built: notepress.BuildReport) -> None:
    pdf = reader(files(built, "all")["digest.pdf"])
    text = page_texts(pdf)[2]
    assert "6 February 2023" in text
    assert "updated 10 February 2023" in text
    assert "#audio" in text and "#tools" in text
    assert "first, letters" in text


def test_footnotes_sit_at_the_foot_of_their_page(built: notepress.BuildReport) -> None:
    pdf = reader(files(built, "all")["digest.pdf"])
    page = next(t for t in page_texts(pdf) if "Some text with a footnote" in t)
    assert "FOOTNOTE-TEXT" in page
    lines = [line for line in page.splitlines() if line.strip()]
    footnote_line = next(i for i, line in enumerate(lines) if "FOOTNOTE-TEXT" in line)
    assert footnote_line >= len(lines) - 4  # above the footer only


def test_folded_callouts_are_printed_open_and_images_embedded(
    built: notepress.BuildReport,
) -> None:
    path = files(built, "all")["digest.pdf"]
    assert "FOLDED-CONTENT" in all_text(path)
    assert "DETAILS-CONTENT" in all_text(path)
    assert image_count(reader(path)) == 1
    assert embedded_files(reader(path)) == []


def test_print_html_highlights_code_and_carries_cssclasses(make_vault) -> None:
    root = make_vault({"a.md": NOTES["alpha.md"], "attachments/pixel.png": png_bytes()})
    vault = notepress.load_vault(root)
    site = notepress.Site(url="https://notes.example.org/")
    settings = print_settings(PdfExporter.Options())
    views, _ = render_notes(vault.notes, vault, site, settings, drafts=False)
    html = str(views[0].html)
    assert '<span class="k">def</span>' in html
    assert '<pre class="highlight" data-language="python">' in html
    assert 'class="footnote"' in html and 'class="footnotes"' not in html
    assert "<details open" in html
    assert '<img src="https://vault.invalid/attachments/pixel.png"' in html
    assert views[0].classes == "wide-note"
    assert isinstance(settings, PrintSettings)


CPP = """#include <vector>
int main() {
    std::vector<int> totals(3, 0);  // three sums
    for (int i = 0; i < 3; ++i) totals[i] += i * 2;
    return totals[2] > 3 ? 0 : 1;
}"""


def test_code_keeps_a_span_only_for_tokens_its_style_shows(make_vault) -> None:
    """Names, punctuation and blanks print in the code's own color: a box each for them
    made a code-heavy digest take twice the time and memory for nothing the page shows."""
    root = make_vault({"a.md": note_text("Sums", f"```cpp\n{CPP}\n```\n", created="2023-01-01")})
    vault = notepress.load_vault(root)
    settings = print_settings(PdfExporter.Options())
    site = notepress.Site(url="https://notes.example.org/")
    views, _ = render_notes(vault.notes, vault, site, settings, drafts=False)
    html = str(views[0].html)
    code = html_tree(html).find(".//pre/code")
    assert code is not None and code.text_content().rstrip("\n") == CPP
    classes = [span.get("class") for span in code.iter("span")]
    assert {"k", "kt", "c1", "mi", "cp"} <= set(classes)  # friendly colors them
    assert not {"n", "p", "w"} & set(classes)
    assert len(classes) < 60


# Metadata and reproducibility ---------------------------------------------------------------


def test_metadata_is_set(built: notepress.BuildReport) -> None:
    pdf = reader(files(built, "monthly")["2023-02.pdf"])
    meta = pdf.metadata
    assert meta.title == "Test Notes \u2014 February 2023"
    assert meta.author == "Ada Author"
    assert meta["/Keywords"] == "audio, tools"
    assert meta.subject.startswith("2 notes, 6 \u2013 8 February 2023. A vault for tests.")
    assert pdf.trailer["/Root"]["/Lang"] == "en"
    # Without SOURCE_DATE_EPOCH: the newest date of the digest's notes (10 Feb, Berlin).
    assert meta["/CreationDate"] == "D:20230209230000Z"


def test_source_date_epoch_sets_the_created_date_and_builds_are_identical(
    tmp_path: Path, reproducible: int
) -> None:
    outputs = []
    for run in ("one", "two"):
        root = write_vault(tmp_path / run / "vault", NOTES, CONFIG)
        report = notepress.load_project(root).build(["monthly"])
        outputs.append({p.name: p.read_bytes() for t in report.targets for p in t.files})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 2
    pdf = reader(tmp_path / "one" / "vault" / "_publish" / "monthly" / "2023-02.pdf")
    assert pdf.metadata["/CreationDate"] == "D:20231114221320Z"


def test_builds_without_source_date_epoch_are_identical_too(
    tmp_path: Path, built: notepress.BuildReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    root = write_vault(tmp_path / "vault", NOTES, CONFIG)
    report = notepress.load_project(root).build(["monthly"])
    again = {p.name: p.read_bytes() for p in target(report, "monthly").files}
    first = {name: path.read_bytes() for name, path in files(built, "monthly").items()}
    assert again == first


# Drafts ------------------------------------------------------------------------------------


def test_no_draft_text_in_public_digests(built: notepress.BuildReport) -> None:
    for name in ("all", "monthly", "tags", "weekly", "yearly"):
        for path in target(built, name).files:
            text = all_text(path)
            assert "DRAFT-ONLY" not in text, path
            assert "Secret draft" not in [t for _, t, _ in outline(reader(path))]


def test_reading_copy_marks_drafts(built: notepress.BuildReport) -> None:
    path = files(built, "reading")["digest.pdf"]
    pdf = reader(path)
    text = all_text(path)
    assert "DRAFT-ONLY" in text
    assert "includes 1 draft, marked DRAFT" in page_texts(pdf)[0]
    assert "DRAFT: Secret draft" in [t for _, t, _ in outline(pdf)]
    draft_page = next(t for t in page_texts(pdf) if "DRAFT-ONLY" in t)
    assert "DRAFT \u00b7 Secret draft" in draft_page  # the running header
    # In the reading copy the draft is linkable from the note that mentions it.
    assert any(link["page"] == 3 and destination_page(pdf, link) for link in link_annotations(pdf))


# Options and templates ---------------------------------------------------------------------


def test_user_templates_override_built_in_ones(make_vault, build_vault) -> None:
    root = make_vault(
        {
            "a.md": NOTES["gamma.md"],
            "my-templates/cover.html": '<section class="cover"><h1>CUSTOM COVER {{ digest.note_count }}</h1></section>',
            "my-templates/extra.css": ".note-title { color: #c00; }",
        },
        config='[targets.d]\nexporter = "pdf"\ntemplates = "my-templates"\n',
    )
    report = build_vault(root)
    text = page_texts(reader(files(report, "d")["digest.pdf"]))[0]
    assert "CUSTOM COVER 1" in text


def test_template_errors_fail_the_target_with_the_file_and_line(make_vault, build_vault) -> None:
    root = make_vault(
        {"a.md": NOTES["gamma.md"], "t/note.html": "<article>\n{% if %}</article>"},
        config='[targets.d]\nexporter = "pdf"\ntemplates = "t"\n',
    )
    report = build_vault(root)
    error = report.targets[0].error or ""
    assert "note.html:2" in error


def test_missing_templates_folder_is_reported(make_vault, build_vault) -> None:
    root = make_vault(
        {"a.md": NOTES["gamma.md"]},
        config='[targets.d]\nexporter = "pdf"\ntemplates = "nowhere"\n',
    )
    error = build_vault(root).targets[0].error or ""
    assert "templates folder not found" in error and "nowhere" in error


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("margins", '"2 cm"', "targets.d.margins: expected 1 to 4 lengths"),
        ("margins", '"1mm 2mm 3mm 4mm 5mm"', "targets.d.margins"),
        ("font_family", '"Evil; } body {"', "targets.d.font_family"),
        ("base_size", "2", "targets.d.base_size"),
        ("code_style", '"no-such-style"', "targets.d.code_style: unknown Pygments style"),
        ("latest", "-1", "targets.d.latest"),
        ("timeout", "0", "targets.d.timeout"),
        ("memory_limit", "16", "targets.d.memory_limit"),
        ("group", '"decade"', "targets.d.group: expected one of all, week, month, year, tag"),
        ("paper", '"A3"', "targets.d.paper"),
    ],
)
def test_bad_options_name_the_key(make_vault, key: str, value: str, message: str) -> None:
    root = make_vault({}, config=f'[targets.d]\nexporter = "pdf"\n{key} = {value}\n')
    with pytest.raises(notepress.ConfigError) as raised:
        notepress.load_project(root)
    assert any(error.startswith(message) for error in raised.value.errors), raised.value.errors


def test_font_families_are_quoted_for_css() -> None:
    assert css_font_family("Charter, 'DejaVu Serif', serif") == '"Charter", "DejaVu Serif", serif'
    with pytest.raises(ValueError):
        css_font_family('x"; }')


def test_odd_notes_still_print(make_vault, build_vault) -> None:
    """An empty note, a non-image attachment and a link to a local file print as text."""
    root = make_vault(
        {
            "empty.md": note_text("Empty", "", created="2023-03-01"),
            "files.md": note_text(
                "Files",
                "![[manual.pdf]] and [the manual](attachments/manual.pdf) and "
                "[[Empty#No such heading|a missing heading]].\n",
                created="2023-03-02",
            ),
            "attachments/manual.pdf": b"%PDF-1.4 not really",
        },
        config='[targets.d]\nexporter = "pdf"\n',
    )
    result = build_vault(root).targets[0]
    assert result.ok, result.error
    pdf = reader(result.files[0])
    text = all_text(result.files[0])
    assert "manual.pdf and the manual and a missing heading" in text.replace("\n", " ")
    assert embedded_files(pdf) == [] and uri_links(pdf) == []
    starts = {title: page for _, title, page in outline(pdf)}
    files_page = starts["Files"]
    targets = [
        destination_page(pdf, link) for link in link_annotations(pdf) if link["page"] == files_page
    ]
    assert set(targets) == {starts["Empty"]}  # the missing heading leads to its note


def test_an_empty_selection_writes_nothing_and_says_so(make_vault, build_vault) -> None:
    root = make_vault({"a.md": NOTES["draft.md"]}, config='[targets.d]\nexporter = "pdf"\n')
    result = build_vault(root).targets[0]
    assert result.ok and result.files == []
    assert any(p.code == "pdf-empty" for p in result.problems)


def test_weasyprints_messages_name_vault_files_by_their_path(make_vault, build_vault) -> None:
    """The digest loads vault files from an address of its own; a message about one names
    the file as the writer knows it."""
    root = make_vault(
        {
            "kiln.md": note_text("Kiln", "A picture: ![](att/glaze%20test.png)\n"),
            "att/glaze test.png": png_bytes(),
        },
        config='[targets.print]\nexporter = "pdf"\n',
    )
    (result,) = build_vault(root).targets
    assert result.ok, result.error
    assert not any("vault.invalid" in p.message for p in result.problems), result.problems
    # The image has no alt text, which a tagged PDF needs: said of the note, on its line.
    (alt,) = [p for p in result.problems if p.code == "pdf-alt-missing"]
    assert (alt.path, alt.line) == ("kiln.md", 7)
    assert "the image 'att/glaze test.png' has no alt text" in alt.message


def test_a_picture_weasyprint_cannot_read_is_said_of_the_note_showing_it(
    make_vault, build_vault
) -> None:
    """A text file named ``.png`` was reported against the target, naming the picture
    alone, with an empty reason."""
    root = make_vault(
        {
            "kiln.md": note_text("Kiln", "Before.\n\n![the glaze chart](chart.png)\n"),
            "chart.png": b"a list of glazes, not a picture",
        },
        config='[targets.print]\nexporter = "pdf"\n',
    )
    (result,) = build_vault(root).targets
    assert result.ok, result.error
    (found,) = [p for p in result.problems if p.code == "pdf-image-unreadable"]
    assert (found.path, found.line) == ("kiln.md", 9)
    assert "'chart.png' could not be read" in found.message
    assert not [p for p in result.problems if p.code == "pdf-render"], result.problems
    assert "the glaze chart" in " ".join(page_texts(reader(result.files[0])))


def test_a_very_long_title_is_cut_short_in_the_running_head(make_vault, build_vault) -> None:
    """Laid out again on every page, a title of thousands of characters made each page
    cost seconds of WeasyPrint's time (a digest failed at its timeout, naming no note).
    The heading and the outline keep it whole."""
    title = "Harbour " + " ".join(f"tide{n}" for n in range(600))
    body = "\n\n".join(f"Paragraph {n} about the quay and its cranes." for n in range(120))
    root = make_vault(
        {"long.md": note_text(title, body, created="2023-03-01")},
        config='[targets.d]\nexporter = "pdf"\ntoc = false\n',
    )
    result = build_vault(root).targets[0]
    assert result.ok, result.error
    pdf = reader(result.files[0])
    texts = page_texts(pdf)
    assert len(texts) > 2
    for text in texts[1:]:  # after the cover, each page's head: the title, cut short
        (head,) = [line for line in text.split("\n") if line.endswith("…")]
        assert "Harbour tide0 tide1" in head and "tide100" not in head
    assert [entry[1] for entry in outline(pdf)] == [title]


def test_an_ordered_list_starts_where_the_note_starts_it(tmp_path: Path) -> None:
    """``7. knead`` is item seven on paper too: WeasyPrint reads no ``start`` attribute
    (no presentational hints), and the list counted from 1."""
    root = write_vault(
        tmp_path / "vault",
        {"bread.md": note_text("Bread", "Steps.\n\n7. knead the dough\n8. let it rest\n")},
        '[site]\ntitle = "T"\n[targets.print]\nexporter = "pdf"\ntoc = false\n',
    )
    report = notepress.load_project(root, output=tmp_path / "out").build()
    assert all(target.ok for target in report.targets), report.targets
    text = "".join(page.extract_text() for page in reader(tmp_path / "out/print/digest.pdf").pages)
    # Markers are drawn apart from their item's text: the numbers, as printed.
    assert "7." in text and "8." in text and "1." not in text, text


def test_words_before_a_picture_that_takes_the_next_line_are_not_spread(
    tmp_path: Path,
) -> None:
    """A label, then on the next line a wide screenshot, is one paragraph where line
    breaks are strict: the picture goes to a line of its own, and justified text spread
    the two words before it across the page."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    width, height = 1400, 60
    rows = b"".join(b"\x00" + b"\x30\xa0\x30" * width for _ in range(height))
    strip = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    root = write_vault(
        tmp_path / "vault",
        {
            "shell.md": note_text("Shell", "Status bar:\n![[strip.png]]\n\nThe end.\n"),
            "strip.png": strip,
            ".obsidian/app.json": '{"strictLineBreaks": true}',
        },
        '[site]\ntitle = "T"\n[targets.print]\nexporter = "pdf"\ntoc = false\n',
    )
    report = notepress.load_project(root, output=tmp_path / "out").build()
    assert all(target.ok for target in report.targets), report.targets
    pages = reader(tmp_path / "out/print/digest.pdf").pages
    text = "".join(page.extract_text(extraction_mode="layout") for page in pages)
    (line,) = [line for line in text.split("\n") if "Status" in line]
    assert "Status bar:" in line, line
