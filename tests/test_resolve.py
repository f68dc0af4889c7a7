"""Links resolved as Obsidian resolves them, in the vault model, and checked at load.

One small vault of our own words holds every rule: path links relative to the note and to
the vault, the shortest unique name, case, an NFD file name, attachments of several types,
two notes with one name, nested and missing headings, blocks, and Obsidian's non-notes.
Each rule is asserted three ways where it applies: the note the vault resolves, the href the
renderer writes, and the problem ``load_vault`` reports with its file and line.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import replace
from pathlib import Path, PurePosixPath

import pytest

from notepress.markdown import UrlLinks, render_note
from notepress.markdown.render import TextLinks
from notepress.model import Note, Problem
from notepress.vault import Vault, load_vault
from tests.conftest import note_text, write_vault
from tests.hostile.support import run_cli

SITE = "https://ex.org/"
ASSETS = "https://ex.org/assets/"
DESSERT = unicodedata.normalize("NFD", "crème brûlée")

#: The body of the note that holds the links, one link a line so each problem has its line.
LINKS = """\
[[../Concepts/limit]]
[[./rules]]
[[Concepts/limit]]
[[/Concepts/limit.md]]
[[../CONCEPTS/Limit]]
[[valid argument]]
[[Proof/valid argument]]
[[../Food/crème brûlée]]
[[Bounded above]]
[[A sequence limit]]
[[diagram.png]]
[[paper.pdf|the paper]]
[[../Files/table.csv]]
[[index]]
[[limit#Definition#Epsilon form]]
[[limit#notes ON style]]
[[limit#Missing part]]
[[limit#^fact-1]]
[[limit#^no-such-block]]
[[nowhere]]
[[../../outside]]
[[Tasks.base]]
![[Tasks.base]]
![[Board.canvas]]
![[Sketch.excalidraw]]
[[series#Series]]
"""
#: File line of each link above: the note's frontmatter takes the first lines.
_BODY_LINE = 8


def _line(text: str) -> int:
    return _BODY_LINE + LINKS.splitlines().index(text)


FILES: dict[str, str | bytes] = {
    "Logic/intro.md": note_text("Intro", LINKS, note_id="230101AA01"),
    "Logic/rules.md": note_text("Rules of inference", note_id="230101AA02"),
    "Concepts/limit.md": note_text(
        "A sequence limit",
        "## Definition\n\n### Epsilon form\n\nText.\n\n## Notes: on style\n\nText.\n",
        note_id="230101AA03",
        extra="aliases: [Bounded above]",
    ),
    "Concepts/series.md": note_text(
        "Series", "# Series\n\nText.\n\n## Series\n", note_id="230101AA08"
    ),
    "Concepts/Proof/valid argument.md": note_text("Valid argument", note_id="230101AA04"),
    f"Food/{DESSERT}.md": note_text("Dessert", note_id="230101AA05"),
    "Garden/index.md": note_text("Garden index", note_id="230101AA06"),
    "Shed/index.md": note_text("Shed index", "[[index]]\n", note_id="230101AA07"),
    "Alley/Deep/index.md": note_text("Deep index", note_id="230101AA10"),
    "Files/diagram.png": b"\x89PNG\r\n\x1a\n",
    "Files/paper.pdf": b"%PDF-1.4\n",
    "Files/table.csv": "a,b\n1,2\n",
    "Tasks.base": "views: []\n",
    "Board.canvas": "{}\n",
    "Sketch.excalidraw.md": "---\nexcalidraw-plugin: parsed\n---\n# Drawing\n",
}


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Vault:
    return load_vault(write_vault(tmp_path_factory.mktemp("resolve") / "vault", FILES))


@pytest.fixture(scope="module")
def intro(vault: Vault) -> Note:
    note = _note(vault, "Logic/intro.md")
    # Another part of the loader fills block ids from the body; here one is declared.
    return replace(note, block_ids=frozenset({"fact-1"}))


@pytest.fixture(scope="module")
def links(vault: Vault, intro: Note) -> dict[str, tuple[str | None, str | None, str]]:
    """Each line's link as rendered for a site with assets: (href, class, text)."""
    limit = replace(_note(vault, "Concepts/limit.md"), block_ids=frozenset({"fact-1"}))
    notes = tuple(limit if n.path == limit.path else n for n in vault.notes)
    declared = Vault(vault.root, notes, vault.attachments)
    style = UrlLinks(lambda note: f"{SITE}{note.note_id}/", ASSETS)
    html = render_note(intro, declared, style).html
    lines = html.strip().removeprefix("<p>").removesuffix("</p>").split("\n")
    lines = [line.removesuffix("<br>") for line in lines]  # Obsidian's line breaks
    assert len(lines) == len(LINKS.splitlines())
    return dict(zip(LINKS.splitlines(), map(_anchor, lines), strict=True))


def _anchor(html: str) -> tuple[str | None, str | None, str]:
    match = re.fullmatch(r'<a href="([^"]*)" class="([^"]*)">(.*)</a>', html)
    return (match[1], match[2], match[3]) if match else (None, None, html)


def _note(vault: Vault, path: str) -> Note:
    return next(n for n in vault.notes if n.path == PurePosixPath(path))


def _problems(vault: Vault, code: str) -> list[Problem]:
    return [p for p in vault.all_problems() if p.code == code]


def _href(note_id: str, anchor: str = "") -> str:
    return f"{SITE}{note_id}/" + (f"#{anchor}" if anchor else "")


@pytest.mark.parametrize(
    ("written", "path"),
    [
        ("../Concepts/limit", "Concepts/limit.md"),
        ("./rules", "Logic/rules.md"),
        ("Concepts/limit", "Concepts/limit.md"),
        ("/Concepts/limit.md", "Concepts/limit.md"),
        ("../CONCEPTS/Limit", "Concepts/limit.md"),
        ("valid argument", "Concepts/Proof/valid argument.md"),
        ("Proof/valid argument", "Concepts/Proof/valid argument.md"),
        ("../Food/crème brûlée", f"Food/{DESSERT}.md"),
        ("Bounded above", "Concepts/limit.md"),
        ("A sequence limit", "Concepts/limit.md"),
    ],
)
def test_note_links_resolve_by_obsidian_rules(
    vault: Vault,
    intro: Note,
    links: dict[str, tuple[str | None, str | None, str]],
    written: str,
    path: str,
) -> None:
    target = _note(vault, path)
    assert vault.resolve(written, intro) == target
    href, kind, _ = links[f"[[{written}]]"]
    assert (href, kind) == (_href(target.note_id), "internal-link")


def test_relative_links_need_their_note(vault: Vault) -> None:
    """``./x`` is read from the note's folder: from the vault root it names nothing."""
    assert vault.resolve("./rules") is None
    assert vault.resolve("../../outside", _note(vault, "Logic/intro.md")) is None


@pytest.mark.parametrize(
    ("written", "path", "text"),
    [
        ("[[diagram.png]]", "Files/diagram.png", "diagram.png"),
        ("[[paper.pdf|the paper]]", "Files/paper.pdf", "the paper"),
        ("[[../Files/table.csv]]", "Files/table.csv", "../Files/table.csv"),
    ],
)
def test_links_to_attachments_of_any_type(
    vault: Vault,
    intro: Note,
    links: dict[str, tuple[str | None, str | None, str]],
    written: str,
    path: str,
    text: str,
) -> None:
    target = written.strip("[]").partition("|")[0]
    assert vault.resolve_attachment(target, intro) == PurePosixPath(path)
    assert links[written] == (ASSETS + path, "attachment", text)


def test_attachment_links_are_text_without_assets(vault: Vault, intro: Note) -> None:
    html = render_note(intro, vault, TextLinks()).html
    assert "paper.pdf" not in html and "the paper" in html
    assert 'class="attachment"' not in html


def test_ambiguous_name_warns_naming_both_and_picks_as_obsidian(
    vault: Vault, intro: Note, links: dict[str, tuple[str | None, str | None, str]]
) -> None:
    garden, shed = _note(vault, "Garden/index.md"), _note(vault, "Shed/index.md")
    # From elsewhere the first by path at the least depth; from a folder, its own note.
    assert vault.resolve("index", intro) == garden
    assert vault.resolve("index", shed) == shed
    assert links["[[index]]"][0] == _href(garden.note_id)
    found = {(p.path, p.line): p.message for p in _problems(vault, "link-ambiguous")}
    message = found["Logic/intro.md", _line("[[index]]")]
    assert message.startswith("'index' could mean Garden/index.md or Shed/index.md and 1 more")
    # From its own folder the name is a path relative to the note: nothing to choose.
    assert [where for where in found if where[0] == "Shed/index.md"] == []


def test_headings_as_obsidian_matches_them(
    vault: Vault, links: dict[str, tuple[str | None, str | None, str]]
) -> None:
    limit = _note(vault, "Concepts/limit.md")
    assert [slug for _, _, slug in limit.headings] == [
        "definition",
        "epsilon-form",
        "notes-on-style",
    ]
    assert vault.anchor_for(limit, "Definition#Epsilon form") == "epsilon-form"
    assert vault.anchor_for(limit, "Epsilon form#Definition") is None
    assert links["[[limit#Definition#Epsilon form]]"][0] == _href(limit.note_id, "epsilon-form")
    assert links["[[limit#notes ON style]]"][0] == _href(limit.note_id, "notes-on-style")
    # A heading the note does not have: a link to the note, and a warning at load.
    assert links["[[limit#Missing part]]"][0] == _href(limit.note_id)
    (missing,) = _problems(vault, "link-heading-missing")
    assert (missing.path, missing.line) == ("Logic/intro.md", _line("[[limit#Missing part]]"))
    assert "Missing part" in missing.message and "Concepts/limit.md" in missing.message


def test_heading_slugs_are_those_the_render_writes(
    vault: Vault, links: dict[str, tuple[str | None, str | None, str]]
) -> None:
    """The H1 repeating the title is dropped by the renderer, so ``## Series`` is ``series``;
    a link naming "Series" finds the first heading of that text, the dropped H1, as
    Obsidian's does: it leads to the note's top."""
    series = _note(vault, "Concepts/series.md")
    assert series.headings == ((2, "Series", "series"),)
    assert links["[[series#Series]]"][0] == _href(series.note_id)
    assert '<h2 id="series">' in render_note(series, vault).html


def test_block_links_against_declared_ids(
    vault: Vault, links: dict[str, tuple[str | None, str | None, str]]
) -> None:
    limit = replace(_note(vault, "Concepts/limit.md"), block_ids=frozenset({"fact-1"}))
    assert vault.anchor_for(limit, "^fact-1") == "block-fact-1"
    assert vault.anchor_for(limit, "^other") is None
    assert links["[[limit#^fact-1]]"][0] == _href(limit.note_id, "block-fact-1")
    assert links["[[limit#^no-such-block]]"][0] == _href(limit.note_id)
    lines = {p.line: p.message for p in _problems(vault, "link-block-missing")}
    assert "^no-such-block" in lines[_line("[[limit#^no-such-block]]")]


def test_only_real_misses_are_unresolved(vault: Vault) -> None:
    found = {(p.path, p.line) for p in _problems(vault, "link-unresolved")}
    assert found == {
        ("Logic/intro.md", _line("[[nowhere]]")),
        ("Logic/intro.md", _line("[[../../outside]]")),
    }
    assert not _problems(vault, "embed-missing")


def test_obsidian_views_and_drawings_are_not_notes(
    vault: Vault, intro: Note, links: dict[str, tuple[str | None, str | None, str]]
) -> None:
    assert {n.path.as_posix() for n in vault.notes}.isdisjoint(
        {"Sketch.excalidraw.md", "Tasks.base", "Board.canvas"}
    )
    assert vault.resolve_attachment("Sketch.excalidraw") == PurePosixPath("Sketch.excalidraw.md")
    # Linked or embedded, a view or a drawing is its name and nothing is copied: as a raw
    # file it shows a reader only its source (a view's filters, a canvas's cards).
    for written in (
        "[[Tasks.base]]",
        "![[Tasks.base]]",
        "![[Board.canvas]]",
        "![[Sketch.excalidraw]]",
    ):
        assert links[written] == (None, None, written.strip("![]"))
    rendered = render_note(intro, vault, UrlLinks(lambda note: SITE, ASSETS))
    assert rendered.assets == tuple(
        PurePosixPath(p) for p in ("Files/diagram.png", "Files/paper.pdf", "Files/table.csv")
    )
    # Not silently: the loader says so for each, with its line, so `check` does too.
    found = [(p.line, p.message) for p in _problems(vault, "view-not-published")]
    assert [line for line, _ in found] == [
        _line(w)
        for w in (
            "[[Tasks.base]]",
            "![[Tasks.base]]",
            "![[Board.canvas]]",
            "![[Sketch.excalidraw]]",
        )
    ]
    assert found[0][1].startswith("Tasks.base is an Obsidian Bases view") and "link" in found[0][1]
    assert "Board.canvas is an Obsidian canvas" in found[2][1] and "embed" in found[2][1]
    assert "Sketch.excalidraw.md is an Obsidian Excalidraw drawing" in found[3][1]


def test_no_kind_of_link_copies_a_view_or_drawing(tmp_path: Path) -> None:
    """A markdown link and raw HTML reach the same files a wikilink does."""
    body = (
        '[the board](Board.canvas) and <a href="Tasks.base">tasks</a> and '
        "[[paper.pdf]] and [the view](<Tasks.base>)\n"
    )
    root = write_vault(
        tmp_path / "vault",
        {
            "Index.md": note_text("Index", body, note_id="240101AA01"),
            "Tasks.base": 'filters:\n  and:\n    - file.inFolder("Private")\n',
            "Board.canvas": '{"nodes": [{"type": "text", "text": "private card"}]}\n',
            "paper.pdf": b"%PDF-1.4\n",
        },
    )
    vault = load_vault(root)
    html = render_note(vault.notes[0], vault, UrlLinks(lambda note: SITE, ASSETS)).html
    assert "the board" in html and "tasks" in html and "the view" in html
    assert ".canvas" not in html and ".base" not in html
    assert ASSETS + "paper.pdf" in html  # other files are still linked


def test_check_reports_link_problems_before_any_exporter(vault: Vault) -> None:
    run = run_cli("check", vault.root, "--format", "json")
    found = {(p["code"], p["path"], p["line"]) for p in json.loads(run.stdout)}
    for code, written in (
        ("link-ambiguous", "[[index]]"),
        ("link-heading-missing", "[[limit#Missing part]]"),
        ("link-block-missing", "[[limit#^no-such-block]]"),
        ("link-unresolved", "[[nowhere]]"),
    ):
        assert (code, "Logic/intro.md", _line(written)) in found


def test_a_feed_copies_only_what_notes_link(tmp_path: Path) -> None:
    """An embedded ``.base`` or ``.canvas`` was copied into the feed's assets; now only a
    file a published note links reaches them."""
    body = "![[Tasks.base]] ![[Board.canvas]] [[paper.pdf]] ![[diagram.png]]\n"
    root = write_vault(
        tmp_path / "vault",
        {
            "post.md": note_text("Post", body, note_id="230101AA09"),
            "Tasks.base": "views: []\n",
            "Board.canvas": "{}\n",
            "Files/paper.pdf": b"%PDF-1.4\n",
            "Files/diagram.png": b"\x89PNG\r\n\x1a\n",
            "Files/unused.pdf": b"%PDF-1.4\n",
        },
        config=f"""
        [site]
        url = "{SITE}"
        [targets.news]
        exporter = "feed"
        """,
    )
    run = run_cli("build", root)
    assert run.code == 0, run.output
    assets = root / "_publish" / "news" / "assets"
    copied = sorted(p.relative_to(assets).as_posix() for p in assets.rglob("*") if p.is_file())
    assert copied == ["Files/diagram.png", "Files/paper.pdf"]


def test_a_markdown_link_to_no_note_is_unresolved_as_a_wikilink_is(tmp_path: Path) -> None:
    """``[the list](shopping-list.md)`` to no note was written as its text without a word."""
    body = (
        "See [the list](shopping-list.md), [the plan](Plan.md#Steps) and "
        "[[shopping list]].\n\n[a folder one](../Folder/Plan.md) and [spaced](<Big%20plan.md>)\n"
    )
    root = write_vault(
        tmp_path / "vault",
        {
            "Notes/Reader.md": note_text("Reader", body, note_id="240101AA01"),
            "Notes/Plan.md": note_text("Plan", "## Steps\n\nOne.\n", note_id="240101AA02"),
            "Folder/Plan.md": note_text("Other plan", note_id="240101AA03"),
        },
    )
    vault = load_vault(root)
    text = (root / "Notes/Reader.md").read_text(encoding="utf-8").split("\n")
    line = 1 + next(i for i, row in enumerate(text) if "shopping-list.md" in row)
    found = [(p.line, p.message) for p in _problems(vault, "link-unresolved")]
    assert found == [
        (line, "no note or file is called 'shopping list'"),
        (line, "no note is called 'shopping-list.md'; its text stays"),
        (line + 2, "no note is called 'Big plan.md'; its text stays"),
    ]


def test_markdown_links_in_each_of_obsidians_link_formats_find_their_note(
    tmp_path: Path,
) -> None:
    """With wikilinks off, Obsidian writes a markdown link by the note's shortest name, by
    its path from the vault's root or by its path from the linking note, and reads all
    three.  Only the relative ones (and ``/`` paths) were found: the others became text
    with a ``link-unresolved`` warning, 114 links in one public vault."""
    body = (
        "[shortest](HTTP.md)\n[from the root](www/HTTP.md)\n[relative](../www/HTTP.md)\n"
        "[slash](/www/HTTP.md)\n[a part](<www/HTTP.md#Methods>)\n[spaced](www/HTTP%20Guide.md)\n"
        "[below](sub/man.md)\n[nothing](www/FTP.md)\n"
    )
    root = write_vault(
        tmp_path / "vault",
        {
            "tools/curl.md": note_text("Curl", body, note_id="240102AA01"),
            "tools/sub/man.md": note_text("Man", note_id="240102AA02"),
            "www/HTTP.md": note_text("HTTP", "## Methods\n\nGET.\n", note_id="240102AA03"),
            "www/HTTP Guide.md": note_text("Guide", note_id="240102AA04"),
        },
    )
    vault = load_vault(root)
    unresolved = [p.message for p in _problems(vault, "link-unresolved")]
    assert unresolved == ["no note is called 'www/FTP.md'; its text stays"]
    style = UrlLinks(lambda note: f"{SITE}{note.note_id}/", ASSETS)
    html = render_note(_note(vault, "tools/curl.md"), vault, style).html
    lines = html.strip().removeprefix("<p>").removesuffix("</p>").split("\n")
    hrefs = [re.match(r'<a href="([^"]*)"', line) for line in lines]
    http = _href("240102AA03")
    assert [match[1] if match else None for match in hrefs] == [
        http,
        http,
        http,
        http,
        _href("240102AA03", "methods"),
        _href("240102AA04"),
        _href("240102AA02"),
        None,
    ]


def test_a_markdown_link_to_a_missing_heading_or_block_is_warned_as_a_wikilink_is(
    tmp_path: Path,
) -> None:
    root = write_vault(
        tmp_path / "v",
        {
            "Recipes/Bread.md": "# Bread\n\n## Long proof\n\nCold and slow. ^slow\n",
            "Diary.md": (
                "Wiki [[Bread#Short proof]].\n"
                "Markdown [a](Recipes/Bread.md#Short%20proof).\n"
                "Block [b](Bread.md#^fast) and kept [c](Bread.md#^slow).\n"
                "Kept [d](Recipes/Bread.md#Long%20proof) and [e](Bread.md#long-proof).\n"
            ),
        },
    )
    found = [
        (p.line, p.code, p.message)
        for p in load_vault(root).all_problems()
        if p.path == "Diary.md" and p.code.startswith("link-")
    ]
    heading = "Recipes/Bread.md has no heading 'Short proof'; the link leads to the note"
    assert found == [
        (1, "link-heading-missing", heading),
        (2, "link-heading-missing", heading),
        (
            3,
            "link-block-missing",
            "Recipes/Bread.md has no block ^fast; the link leads to the note",
        ),
    ]


def test_a_heading_is_found_without_its_punctuation_as_obsidian_matches_it(
    tmp_path: Path,
) -> None:
    """Obsidian compares a link's heading with the note's with ASCII punctuation read as
    spaces (but ``-``, ``_`` and ``'``), and its link writer long left them out: such links
    were reported missing, and an embed of the part showed a link instead."""
    root = write_vault(
        tmp_path / "v",
        {
            "Shapes.md": "---\ndraft: false\n---\n## Rule 2.3 (Corners)\n\nRound them.\n\n"
            "## Edge-case's end\n\nx\n",
            "Use.md": (
                "---\ndraft: false\n---\n![[Shapes#Rule 2 3 Corners]]\n\n[[Shapes#rule 2.3 corners]] "
                "[[Shapes#Edge-case's end]] [[Shapes#Edge case s end]]\n"
            ),
        },
    )
    vault = load_vault(root)
    found = [
        (p.line, p.code)
        for p in vault.all_problems()
        if p.path == "Use.md" and p.code.startswith(("link-", "embed-"))
    ]
    assert found == [(6, "link-heading-missing")]  # '-' and "'" are kept: the last misses
    use = next(note for note in vault.notes if note.title == "Use")
    html = render_note(use, vault).html
    assert "Round them." in html  # the embed shows the part


def test_a_markdown_link_without_md_finds_the_note_of_that_name(tmp_path: Path) -> None:
    """Obsidian reads ``[x](Other%20Note)`` as a link to ``Other Note.md`` when no file has
    that name: it was an asset-missing warning, and the link was dropped."""
    root = write_vault(
        tmp_path / "v",
        {
            "Other Note.md": "---\ndraft: false\n---\n## Part\n\ntext\n",
            "data": "a file without an extension\n",
            "A.md": (
                "---\ndraft: false\n---\n[o](Other%20Note) [p](<Other Note#Part>) "
                "[q](Other%20Note#Nope)\n\n[r](Missing%20Thing) [d](data)\n"
            ),
        },
    )
    vault = load_vault(root)
    found = [
        (p.line, p.code, p.message)
        for p in vault.all_problems()
        if p.path == "A.md" and p.code.startswith(("link-", "asset-"))
    ]
    assert found == [
        (
            4,
            "link-heading-missing",
            "Other Note.md has no heading 'Nope'; the link leads to the note",
        ),
        # A name without an extension that finds nothing is a note not written yet, as
        # [[Missing Thing]] is: unresolved, its text kept (it was said "asset-missing").
        (6, "link-unresolved", "no note or file is called 'Missing Thing'; its text stays"),
    ]
    other = next(note for note in vault.notes if note.title == "Other Note")
    a = next(note for note in vault.notes if note.title == "A")
    links = UrlLinks(lambda n: f"{SITE}{n.note_id}/", assets_url=f"{SITE}assets/")
    html = render_note(a, vault, links).html
    assert f'<a href="{_href(other.note_id)}">o</a>' in html
    assert f'<a href="{_href(other.note_id, "part")}">p</a>' in html
    assert f'<a href="{_href(other.note_id)}">q</a>' in html
    assert "<p>r <a " in html and ">d</a>" in html  # no note: text; a file: its copy
