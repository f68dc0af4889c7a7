"""Transclusion: ``![[Note]]``, ``![[Note#Heading]]`` and ``![[Note#^id]]`` shown inline.

Rendered against in-memory vaults (fast), then once through a real build of all four outputs.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import feedparser
import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

import notepress
from notepress.markdown import DocumentLinks, TextLinks, UrlLinks, render_note
from notepress.markdown.transclusion import MAX_EMBEDS_SHOWN
from notepress.model import Note
from notepress.parse import parse_note
from notepress.vault import Vault, load_vault
from tests.conftest import note_text, write_vault
from tests.hostile.support import run_cli


def parse(path: str, body: str, **kwargs: object) -> Note:
    text = note_text(PurePosixPath(path).stem, body, **kwargs)  # type: ignore[arg-type]
    return parse_note(PurePosixPath(path), text.encode("utf-8"))


def vault_of(*notes: Note) -> Vault:
    return Vault(Path("."), notes)


URLS = UrlLinks(lambda note: f"https://ex.org/{note.stem.lower()}/")

SOURCE = """\
# Starter

Feed the starter daily[^1].

## Mixing

Mix flour and water. ^mix

- autolyse ^auto
  - thirty minutes
- salt

### Folding

Fold four times.

| step | minutes |
| --- | --- |
| rest | 30 |

^timing

## Baking

Bake hot.

[^1]: Equal weights of flour and water.
"""


@pytest.fixture(scope="module")
def source() -> Note:
    return parse("notes/Bread.md", SOURCE, note_id="230301AA01")


def host_html(body: str, *others: Note, style: object = URLS, **kwargs: object) -> str:
    host = parse("notes/Host.md", body, note_id="230301AA09")
    return render_note(host, vault_of(host, *others), style, **kwargs).html  # type: ignore[arg-type]


def test_whole_note_is_shown_in_a_block_with_a_source_link(source: Note) -> None:
    html = host_html("Before.\n\n![[Bread]]\n\nAfter.\n", source)
    assert '<div class="transclusion"><p class="transclusion-source">' in html
    assert '<a href="https://ex.org/bread/" class="internal-link">Bread</a>' in html
    assert "Feed the starter daily" in html and "Bake hot." in html
    assert "<p><div" not in html  # lifted out of its paragraph
    assert "<p>Before.</p>" in html and "<p>After.</p>" in html


def test_source_line_is_the_title_when_the_output_has_no_links(source: Note) -> None:
    html = host_html("![[Bread]]\n", source, style=TextLinks())
    assert '<p class="transclusion-source">Bread</p>' in html


def test_heading_embed_shows_that_section_only(source: Note) -> None:
    html = host_html("![[Bread#Mixing]]\n", source)
    assert "Mix flour and water." in html and "Fold four times." in html  # subsection kept
    assert "Feed the starter" not in html and "Bake hot." not in html


def test_the_h1_that_repeats_the_title_is_still_a_heading_to_link_and_embed() -> None:
    """Every output drops an H1 that repeats the note's title (the title stands there),
    but Obsidian's links and embeds of it still work: the link leads to the note's top,
    the embed shows its section, and ``Title#Part`` the part under it; no warning."""
    kiln = parse(
        "notes/Kiln.md",
        "# Kiln\n\nFired on Sundays.\n\n## Cones\n\nCone six.\n\n# Later\n\nNot in it.\n",
        note_id="230301KL01",
    )
    host = parse(
        "notes/Host.md",
        "See [[Kiln#Kiln|the kiln]].\n\n![[Kiln#Kiln]]\n\nAnd ![[Kiln#Kiln#Cones]]\n",
        note_id="230301AA09",
    )
    vault = vault_of(host, kiln)
    rendered = render_note(host, vault, URLS)
    html = rendered.html
    assert '<a href="https://ex.org/kiln/" class="internal-link">the kiln</a>' in html
    first, second = html.split('<div class="transclusion">')[1:]
    assert "Fired on Sundays." in first and "Cone six." in first and "Not in it." not in first
    assert "Cone six." in second and "Fired on Sundays." not in second
    assert not [
        p for p in rendered.problems if p.code.endswith(("part-missing", "heading-missing"))
    ]


def test_the_dropped_h1_is_found_before_a_later_heading_of_its_text() -> None:
    """Obsidian finds the first heading of a name: the H1 opening the note, though the
    outputs drop it, before a later ``# Kiln``."""
    kiln = parse(
        "notes/Kiln.md",
        "# Kiln\n\nFired on Sundays.\n\n# Kiln\n\nSecond firing log.\n",
        note_id="230301KL01",
    )
    html = host_html("See [[Kiln#Kiln|the kiln]].\n\n![[Kiln#Kiln]]\n", kiln)
    assert '<a href="https://ex.org/kiln/" class="internal-link">the kiln</a>' in html
    shown = html.split('<div class="transclusion">')[1]
    assert "Fired on Sundays." in shown and "Second firing log." not in shown


def test_the_load_checks_find_the_h1_that_repeats_the_title(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path,
        {
            "Kiln.md": note_text("Kiln", "# Kiln\n\nFired on Sundays.\n"),
            "Host.md": note_text("Host", "See [[Kiln#Kiln]] and ![[Kiln#Kiln]].\n"),
        },
    )
    problems = load_vault(root).all_problems()
    assert not [p for p in problems if p.code.endswith("part-missing")], problems
    assert not [p for p in problems if p.code.endswith("heading-missing")], problems


def test_nested_heading_embed(source: Note) -> None:
    html = host_html("![[Bread#Mixing#Folding]]\n", source)
    assert "Fold four times." in html
    assert "Mix flour and water." not in html and "Bake hot." not in html


@pytest.mark.parametrize(
    ("written", "shown", "hidden"),
    [
        ("^mix", "<p", "autolyse"),
        ("^auto", "thirty minutes", "salt"),
        ("^timing", "<table", "Fold four times"),
    ],
)
def test_block_embed_shows_that_block(source: Note, written: str, shown: str, hidden: str) -> None:
    html = host_html(f"![[Bread#{written}]]\n", source)
    content = html.split('class="transclusion-source">', 1)[1]
    assert shown in content
    assert hidden not in content
    assert "Bake hot." not in content


def test_list_item_embed_keeps_its_list(source: Note) -> None:
    html = host_html("![[Bread#^auto]]\n", source)
    assert re.search(r'<ul>\s*<li id="e1-block-auto">autolyse', html)
    assert '<a href="https://ex.org/bread/#block-auto" class="internal-link">Bread</a>' in html


def test_footnotes_come_along_with_prefixed_ids(source: Note) -> None:
    html = host_html("Own note[^1].\n\n![[Bread#Starter]]\n\n[^1]: Host's own.\n", source)
    assert "Equal weights of flour and water." in html
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert "e1-fn-1" in ids and "fn-1" in ids


def test_ids_are_unique_in_a_document_holding_both_notes(source: Note) -> None:
    host = parse(
        "notes/Host.md", "# Mixing\n\n![[Bread]]\n\n![[Bread#^mix]]\n", note_id="230301AA09"
    )
    vault = vault_of(host, source)
    style = DocumentLinks({host.note_id, source.note_id})
    document = render_note(source, vault, style).html + render_note(host, vault, style).html
    ids = re.findall(r'id="([^"]+)"', document)
    assert len(ids) == len(set(ids))
    assert "n230301AA09-e1-block-mix" in ids and "n230301AA09-e2-block-mix" in ids


def test_embed_among_words_splits_its_paragraph(source: Note) -> None:
    html = host_html("Look: ![[Bread#^mix]] and on.\n", source)
    assert "<p>Look: </p>" in html and "<p> and on.</p>" in html
    assert "Mix flour and water." in html
    # An embed that ends its paragraph leaves no empty paragraph after it.
    ending = host_html("Look: ![[Bread#^mix]]\n\nNext.\n", source)
    assert "<p>Look: </p>" in ending and "<p></p>" not in ending and "<p>Next.</p>" in ending


@pytest.mark.parametrize("kind", ["draft", "error", "missing"])
def test_unpublished_embeds_become_text(kind: str) -> None:
    others: list[Note] = []
    if kind == "draft":
        others.append(parse("notes/Hidden.md", "quokka secret words\n", draft=True))
    elif kind == "error":
        text = "---\ntitle: Hidden\ndraft: false\ncreated: 2023-13-45\n---\n\nquokka secret words\n"
        broken = parse_note(PurePosixPath("notes/Hidden.md"), text.encode())
        assert broken.has_errors
        others.append(broken)
    shown = parse("notes/Shown.md", "visible words\n")
    html = host_html("![[Hidden]]\n\n![[Hidden#^x]]\n\n![[Shown]]\n", shown, *others)
    assert "quokka" not in html
    assert html.count("<p>Hidden") == 2  # as text, as a link to it would be
    assert html.count('class="transclusion"') == 1 and "visible words" in html


def test_private_copy_may_show_a_draft() -> None:
    draft = parse("notes/Hidden.md", "quokka secret words\n", draft=True)
    assert "quokka" in host_html("![[Hidden]]\n", draft, include_drafts=True)


def test_cycle_and_self_embed_stop_with_a_warning() -> None:
    one = parse("notes/One.md", "one text\n\n![[Two]]\n", note_id="230301AA01")
    two = parse("notes/Two.md", "two text\n\n![[One]]\n\n![[Two]]\n", note_id="230301AA02")
    rendered = render_note(one, vault_of(one, two), URLS)
    assert rendered.html.count("two text") == 1 and "one text" in rendered.html
    assert '<a href="https://ex.org/one/" class="internal-link">One</a>' in rendered.html
    codes = {(p.code, p.path) for p in rendered.problems}
    assert codes == {("embed-cycle", "notes/Two.md")}


def test_a_note_may_show_its_own_section_once() -> None:
    note = parse(
        "notes/Guide.md",
        "## Setup\n\nsetup words\n\n## Later\n\n![[Guide#Setup]]\n\n## Loop\n\n![[Guide#Loop]]\n",
    )
    rendered = render_note(note, vault_of(note), URLS)
    assert rendered.html.count("setup words") == 2
    assert rendered.html.count('class="transclusion"') == 2  # Setup, and Loop once
    assert [p.code for p in rendered.problems] == ["embed-cycle"]  # Loop inside Loop
    assert not [p for p in note.problems if p.code == "embed-cycle"]


def test_depth_limit_holds() -> None:
    chain = [
        parse(f"notes/N{i}.md", f"level{i} words\n\n![[N{i + 1}]]\n", note_id=f"230301AA{i:02}")
        for i in range(8)
    ]
    rendered = render_note(chain[0], vault_of(*chain), URLS)
    shown = [i for i in range(8) if f"level{i} words" in rendered.html]
    assert shown == [0, 1, 2, 3, 4]
    assert [p.code for p in rendered.problems] == ["embed-depth"]


def test_embeds_shown_in_one_note_are_limited() -> None:
    words = parse("notes/Words.md", "many words\n", note_id="230301AA01")
    host = parse("notes/Host.md", "![[Words]]\n\n" * 150, note_id="230301AA02")
    rendered = render_note(host, vault_of(host, words), URLS)
    assert rendered.html.count("many words") == MAX_EMBEDS_SHOWN
    assert rendered.html.count('<p><a href="https://ex.org/words/"') == 150 - MAX_EMBEDS_SHOWN
    assert {p.code for p in rendered.problems} == {"embed-limit"}


def test_missing_heading_or_block_is_a_link_with_a_warning(source: Note) -> None:
    host = parse("notes/Host.md", "![[Bread#Nowhere]]\n\n![[Bread#^nope]]\n")
    rendered = render_note(host, vault_of(host, source), URLS)
    assert "transclusion" not in rendered.html
    assert 'href="https://ex.org/bread/"' in rendered.html  # a missing part: the note
    assert [p.code for p in rendered.problems] == ["embed-part-missing"] * 2
    assert [p.line for p in rendered.problems] == [7, 9]  # the file's lines


def test_a_heading_with_markup_is_embedded_as_obsidian_writes_its_link(tmp_path: Path) -> None:
    """Obsidian writes a link to ``## _Claim:_ kettles sing`` as ``#_Claim _ kettles sing``
    (markup kept, a ``:`` made a space): the embed matches the heading as written, as a link
    does.  A part written as the rendered text is missing for both, and ``check`` and
    ``build`` say so once, with the same words, where both said different things before."""
    source = "Opening.\n\n## _Claim:_ kettles sing\n\nThey whistle when hot.\n\n## After\n\nMore.\n"
    host = (
        "See [[Source#_Claim _ kettles sing|the claim]].\n\n"
        "![[Source#_Claim _ kettles sing]]\n\n![[Source#Claim kettles sing]]\n"
    )
    root = write_vault(
        tmp_path / "vault",
        {
            "Source.md": note_text("Source", source, note_id="230301AA01"),
            "Host.md": note_text("Host", host, note_id="230301AA02"),
            "notepress.toml": (
                'output = "out"\n[site]\nurl = "https://ex.org/"\n'
                '[targets.news]\nexporter = "feed"\nformats = ["atom"]\n'
                '[targets.meta]\nexporter = "jsonld"\n'
            ),
        },
    )
    vault = load_vault(root)
    host_note = next(n for n in vault.notes if n.stem == "Host")
    rendered = render_note(host_note, vault, URLS)
    assert rendered.html.count('class="transclusion"') == 1
    assert "They whistle when hot." in rendered.html and "More." not in rendered.html
    lines = (root / "Host.md").read_text(encoding="utf-8").split("\n")
    line = 1 + lines.index("![[Source#Claim kettles sing]]")
    expected = [("embed-part-missing", line)]
    assert [(p.code, p.line) for p in host_note.problems if "missing" in p.code] == expected
    assert rendered.problems == ()  # the render finds missing what the loader did, no more
    checked = json.loads(run_cli("check", root, "--format", "json").stdout)
    assert [(p["code"], p["line"]) for p in checked if "missing" in p["code"]] == expected
    built = run_cli("build", root)
    # Two targets render the note; the warning is printed once, as check prints it.
    assert built.stderr.count("warning[embed-part-missing]") == 1, built.stderr
    assert [p.message for p in host_note.problems if p.line == line] == [
        p["message"] for p in checked if p["line"] == line
    ]


def test_rendering_stays_pure(source: Note) -> None:
    host = parse("notes/Host.md", "![[Bread]]\n\n![[Bread#Mixing]]\n")
    vault = vault_of(host, source)
    first = render_note(host, vault, URLS)
    assert first == render_note(host, vault, URLS)
    assert first.html.count('class="transclusion"') == 2


def test_load_reports_embed_cycles(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path / "vault",
        {
            "A.md": note_text("A", "# Part\n\n![[B]]\n", note_id="230301AA01"),
            "B.md": note_text("B", "![[A#Part]]\n", note_id="230301AA02"),
            "C.md": note_text("C", "![[A]]\n\n![[C]]\n", note_id="230301AA03"),
            "D.md": note_text("D", "# Part\n\nx\n\n# Other\n\n![[D#Part]]\n", note_id="230301AA04"),
            # Each shows a section of the other that holds no embed back: no loop.
            "E.md": note_text("E", "## Mine\n\nWords.\n\n## Yours\n\n![[F#Mine]]\n"),
            "F.md": note_text("F", "## Mine\n\nMore.\n\n## Yours\n\n![[E#Mine]]\n"),
            # A section the note lacks shows nothing, and leads nowhere.
            "G.md": note_text("G", "![[H]]\n"),
            "H.md": note_text("H", "![[G#Nowhere]]\n"),
            # A loop through the note's own sections: S shows T, T shows J, J shows S.
            "I.md": note_text("I", "intro\n\n## S\n\n![[I#T]]\n\n## T\n\n![[J]]\n"),
            "J.md": note_text("J", "![[I#S]]\n"),
            # An item shown alone is not its list: its sibling's embed is not shown.
            "K.md": note_text("K", "- first ^pt\n- second ![[L]]\n"),
            "L.md": note_text("L", "![[K#^pt]]\n"),
        },
    )
    found = {(p.path, p.code, p.line) for p in load_vault(root).all_problems()}
    cycles = {item for item in found if item[1] == "embed-cycle"}
    assert cycles == {
        ("A.md", "embed-cycle", 10),
        ("B.md", "embed-cycle", 8),
        ("C.md", "embed-cycle", 10),
        ("I.md", "embed-cycle", 11),
        ("I.md", "embed-cycle", 15),
        ("J.md", "embed-cycle", 7),
    }


def test_load_reports_embeds_of_missing_blocks(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path / "vault",
        {
            "A.md": note_text("A", "kept ^here\n", note_id="230301AA01"),
            "B.md": note_text("B", "![[A#^here]]\n\n![[A#^gone]]\n", note_id="230301AA02"),
        },
    )
    found = [
        (p.path, p.line) for p in load_vault(root).all_problems() if p.code == "embed-part-missing"
    ]
    assert found == [("B.md", 10)]


# property: no draft text through any chain of embeds ---------------------------------------

_NAMES = [f"P{i}" for i in range(4)] + [f"D{i}" for i in range(3)]


@st.composite
def vaults(draw: st.DrawFn) -> list[tuple[str, bool, list[tuple[str, str, bool]]]]:
    """Notes (name, draft, [(kind, target, embed)]) that link and embed one another."""
    notes = []
    for name in _NAMES:
        refs = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["", "#Part", "#^blk"]), st.sampled_from(_NAMES), st.booleans()
                ),
                max_size=4,
            )
        )
        notes.append((name, name.startswith("D"), refs))
    return notes


def _marker(name: str) -> str:
    return f"marker{name.lower()}word"


@given(vaults())
def test_no_draft_text_reaches_a_public_note(
    layout: list[tuple[str, bool, list[tuple[str, str, bool]]]],
) -> None:
    notes = []
    for index, (name, draft, refs) in enumerate(layout):
        written = "\n\n".join(
            f"{'!' if embed else ''}[[{target}{part}]]" for part, target, embed in refs
        )
        body = f"# Part\n\n{_marker(name)} here ^blk\n\n{written}\n"
        notes.append(parse(f"{name}.md", body, note_id=f"230301AA{index:02}", draft=draft))
    vault = vault_of(*notes)
    for note in notes:
        if note.draft:
            continue
        html = render_note(note, vault, URLS).html
        for other in notes:
            if other.draft:
                assert _marker(other.stem) not in html
        for _, target, embed in [r for n, _, refs in layout if n == note.stem for r in refs]:
            if embed and target.startswith("P") and target != note.stem:
                assert _marker(target) in html


# one real build of every output --------------------------------------------------------------

CONFIG = """\
output = "_out"
[site]
title = "Kitchen"
url = "https://ex.org/"
author = "Cook"
[targets.news]
exporter = "feed"
formats = ["atom", "json"]
[targets.digest]
exporter = "pdf"
group = "all"
[targets.book]
exporter = "epub"
[targets.meta]
exporter = "jsonld"
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = write_vault(
        tmp_path_factory.mktemp("transclusion") / "vault",
        {
            "Crumb.md": note_text(
                "Crumb",
                "Open crumb needs a wet dough. ^wetdough\n\n## Shaping\n\nTension by folding[^1].\n\n"
                "[^1]: Wet hands help.\n",
                note_id="230301AA01",
                created="2023-03-01",
            ),
            "Loaf.md": note_text(
                "Loaf",
                "Loaf day #baking/bread.\n\n![[Crumb#^wetdough]]\n\n![[Crumb#Shaping]]\n\n"
                "See [[Crumb#^wetdough]].\n\n![[Unsure]]\n",
                note_id="230301AA02",
                created="2023-03-02",
            ),
            "Unsure.md": note_text(
                "Unsure", "wombatprivate idea\n", note_id="230301AA03", draft=True
            ),
        },
        CONFIG,
    )
    report = notepress.load_project(root).build()
    assert not report.has_errors, report.all_problems()
    yield root / "_out"


def test_feed_item_holds_the_transcluded_text_and_inline_tags(built: Path) -> None:
    items = {
        item["title"]: item for item in json.loads((built / "news/feed.json").read_text())["items"]
    }
    loaf = items["Loaf"]["content_html"]
    assert "Open crumb needs a wet dough." in loaf and "Tension by folding" in loaf
    assert "wombatprivate" not in (built / "news/feed.json").read_text()
    atom = feedparser.parse((built / "news/atom.xml").read_bytes())
    entry = next(e for e in atom.entries if e.title == "Loaf")
    assert "baking/bread" in {tag.term for tag in entry.tags}


def test_epub_holds_the_transcluded_text_and_block_anchors(built: Path) -> None:
    with zipfile.ZipFile(built / "book/book.epub") as book:
        pages = {n: book.read(n).decode() for n in book.namelist() if n.endswith(".xhtml")}
    text = "\n".join(pages.values())
    assert 'class="transclusion"' in text and "Tension by folding" in text
    assert 'class="transclusion-source"' in text  # pandoc keeps no class on a paragraph
    loaf = next(page for page in pages.values() if "Loaf day" in page)
    note = r'<aside[^>]*epub:type="footnote"[^>]*>\s*<p><a [^>]*class="footnote-back"[^>]*>1\.</a> '
    assert re.search(note + "Wet hands help", loaf)
    assert "\u21a9" not in text  # the embedded footnote is a real note, not a back-link
    assert "wombatprivate" not in text
    links = re.findall(r'href="(?:[\w/]+\.xhtml)?#(n230301AA01-block-wetdough)"', text)
    assert links
    assert f'id="{links[0]}"' in text


def test_pdf_holds_the_transcluded_text(built: Path) -> None:
    reader = pypdf.PdfReader(built / "digest/digest.pdf")
    text = " ".join(page.extract_text() for page in reader.pages)
    assert text.count("Open crumb needs a wet dough.") == 2  # its note, and the embed
    assert "wombatprivate" not in text


def test_jsonld_keywords_hold_inline_tags(built: Path) -> None:
    found = [json.loads(p.read_text()) for p in (built / "meta").glob("*.jsonld")]
    posts = [
        node for doc in found for node in doc.get("@graph", [doc]) if node.get("headline") == "Loaf"
    ]
    assert posts and "baking/bread" in posts[0]["keywords"]


def test_an_image_of_a_note_embeds_it_as_a_wikilink_embed_does() -> None:
    """With wikilinks off, Obsidian writes an embed as ``![](Note.md#^id)``.  As an image
    it was a broken picture of a web page in a feed and nothing in a book, with no warning;
    it shows the note's text now, and the loader records it as the embed it is."""
    source = parse("notes/Source note.md", SOURCE)
    body = (
        "Before.\n\n![](Source%20note.md#^mix)\n\n![[Source note#^mix]]\n\n"
        "![a picture](<Source note.md>) and ![](chart.png)\n"
    )
    host = parse("notes/Host.md", body)
    html = render_note(host, vault_of(source, host), URLS).html
    written = html.split("<p>Before.</p>")[1]
    parts = written.split('<div class="transclusion">')
    assert len(parts) == 4  # three embeds: two of the block, one of the whole note
    for block in parts[1:3]:  # the image and the wikilink alike
        assert "Mix flour and water." in block and "Fold four times." not in block
        assert "source note/#block-mix" in block
    assert "Fold four times." in parts[3]
    embeds = [(link.target, link.heading, link.line) for link in host.links if link.embed]
    assert embeds == [
        ("Source note.md", "^mix", 9),
        ("Source note", "^mix", 11),
        ("Source note.md", None, 13),
    ]


def test_an_image_of_a_part_of_the_note_itself_embeds_it() -> None:
    """``![](#^id)``, as Obsidian writes ``![[#^id]]`` with wikilinks off, was a broken
    picture whose source was the note's own page (taken as its image by the JSON-LD)."""
    body = "Mix flour and water. ^mix\n\nLater:\n\n![](#^mix)\n"
    host = parse("notes/Host.md", body)
    rendered = render_note(host, vault_of(host), URLS)
    assert "<img" not in rendered.html and not rendered.images
    (block,) = rendered.html.split('<div class="transclusion">')[1:]
    assert "Mix flour and water." in block
    assert [(link.target, link.heading) for link in host.links if link.embed] == [("", "^mix")]
