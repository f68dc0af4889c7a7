"""Block references (``^id``) and inline tags (``#tag``): in the HTML, in the note model, in selections."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from notepress.config import Selection
from notepress.markdown import DocumentLinks, UrlLinks, render_note
from notepress.model import Note
from notepress.parse import parse_note
from notepress.selection import select_notes
from notepress.vault import Vault
from tests.conftest import note_text


def parse(path: str, body: str, **kwargs: object) -> Note:
    title = PurePosixPath(path).stem
    text = note_text(title, body, **kwargs)  # type: ignore[arg-type]
    return parse_note(PurePosixPath(path), text.encode("utf-8"))


def vault_of(*notes: Note) -> Vault:
    return Vault(Path("."), notes)


def html_of(body: str, **kwargs: object) -> str:
    note = parse("notes/Page.md", body, **kwargs)
    return render_note(note, vault_of(note)).html


# block references ---------------------------------------------------------------------------


def test_id_at_the_end_of_a_paragraph_names_it_and_is_not_printed() -> None:
    html = html_of("Rye needs a warm room. ^warm-room\n\nNext paragraph.\n")
    assert '<p id="block-warm-room">Rye needs a warm room.</p>' in html
    assert "^" not in html


def test_id_on_its_own_last_line_of_a_paragraph() -> None:
    html = html_of("First line\nsecond line\n^tail7\n")
    assert '<p id="block-tail7">First line<br>\nsecond line</p>' in html


def test_id_at_the_end_of_a_list_item_names_the_item_with_its_children() -> None:
    html = html_of("- proof ^proof\n  - overnight\n- bake\n")
    assert '<li id="block-proof">proof\n<ul>\n<li>overnight</li>' in html
    assert "<li>bake</li>" in html
    assert "^proof" not in html


@pytest.mark.parametrize("gap", ["", "\n"], ids=["next-line", "after-blank"])
def test_id_after_a_table_names_the_table(gap: str) -> None:
    html = html_of(f"| flour | water |\n| --- | --- |\n| 500 | 350 |\n{gap}^ratios\n")
    assert '<table id="block-ratios">' in html
    assert "ratios</" not in html and "^" not in html
    assert html.count("<tr>") == 2  # the id line is not a row


def test_id_right_after_an_embed_needs_no_space() -> None:
    html = html_of("![[chart.png]]^chart\n")
    assert '<p id="block-chart">' in html and "^chart" not in html


def test_id_after_a_quote_and_after_a_callout() -> None:
    html = html_of("> a slow rise\n\n^slow\n\n> [!tip] Heat\n> keep it warm\n\n^heat\n")
    assert '<blockquote id="block-slow">' in html
    assert '<div id="block-heat" class="callout callout-tip"' in html
    assert "^" not in html


@pytest.mark.parametrize(
    ("body", "named"),
    [
        pytest.param("> a slow rise\n> in the cold\n^slow\n", "<blockquote", id="quote"),
        pytest.param("> [!tip] Heat\n> keep it warm\n> then bake\n^slow\n", "<div", id="callout"),
        pytest.param("> outer words\n> > inner words\n^slow\n", "<blockquote", id="nested"),
    ],
)
def test_id_on_the_unmarked_line_right_after_a_quote_names_all_of_it(body: str, named: str) -> None:
    """Where Obsidian writes the id it makes for a quote or callout: on the next line,
    with no ``>``. It names the quote (the outermost one), not its last paragraph; an
    embed shows all of it."""
    html = html_of(body + "\nAfter.\n")
    assert f'{named} id="block-slow"' in html, html
    assert html.count('id="block-slow"') == 1 and "^slow" not in html
    source = parse("notes/Source.md", body)
    assert source.block_ids == frozenset({"slow"})
    page = parse("notes/Page.md", "![[Source#^slow]]\n")
    embedded = render_note(page, vault_of(source, page)).html
    first_words = body.split("\n")[0].removeprefix("> ").split("]")[-1].strip()
    assert first_words in embedded and "After" not in embedded


def test_id_ending_a_marked_line_of_a_quote_still_names_its_paragraph() -> None:
    html = html_of("> first part\n>\n> second part ^second\n")
    assert '<p id="block-second">second part</p>' in html
    assert "<blockquote>" in html


@pytest.mark.parametrize("gap", ["", "\n"], ids=["next-line", "after-blank"])
def test_id_after_display_math_names_the_formula(gap: str) -> None:
    body = f"Intro.\n\n$$\nF = ma\n$$\n{gap}^newton2\n\nAs [[#^newton2|the law]] says.\n"
    note = parse("notes/Laws.md", body, note_id="230306AA05")
    assert note.block_ids == frozenset({"newton2"})
    assert not note.problems
    feed = UrlLinks(lambda n: f"https://ex.org/{n.note_id}/")
    book = DocumentLinks({note.note_id})
    for style, anchor, href in [
        (feed, "block-newton2", "https://ex.org/230306AA05/#block-newton2"),
        (book, "n230306AA05-block-newton2", "#n230306AA05-block-newton2"),
    ]:
        html = render_note(note, vault_of(note), style).html
        assert f'<div id="{anchor}" class="math-block"><math ' in html
        assert f'<a href="{href}" class="internal-link">the law</a>' in html
        assert "^" not in html and "newton2</" not in html


def test_id_ending_a_list_item_that_opens_with_display_math_names_the_item() -> None:
    body = "1. $$\n   y = 2x\n   $$\n   Where $x$ is the run ^slope\n2. next\n"
    note = parse("notes/Page.md", body)
    assert note.block_ids == frozenset({"slope"})
    html = render_note(note, vault_of(note)).html
    assert re.search(r'<li id="block-slope">\s*<div class="math-block"><math ', html)
    assert "is the run</li>" in html and "^" not in html
    assert html.count('id="') == 1


def test_id_alone_after_display_math_in_a_list_item() -> None:
    # The formula is all the item holds: the id names the item, as text there would.
    assert '<li id="block-only">' in html_of("- $$\n  a = b\n  $$\n  ^only\n- next\n")
    # After text in the item, it names the formula.
    html = html_of("- text\n\n  $$\n  a = b\n  $$\n  ^formula\n- next\n")
    assert '<div id="block-formula" class="math-block">' in html and "<li>" in html


def test_a_formula_is_embedded_by_its_block_id() -> None:
    source = parse("notes/Source.md", "Intro.\n\n$$\nE = mc^2\n$$\n\n^energy\n\nAfter.\n")
    page = parse("notes/Page.md", "![[Source#^energy]]\n", note_id="230301AA02")
    rendered = render_note(page, vault_of(source, page))
    assert rendered.problems == ()
    assert re.search(r'<div id="[^"]*block-energy" class="math-block"><math ', rendered.html)
    assert "Intro" not in rendered.html and "After" not in rendered.html


@pytest.mark.parametrize(
    ("body", "element"),
    [
        pytest.param(
            "## Oven notes\n\n^oven\n\nText.\n",
            '<h2 id="oven-notes"><span id="block-oven"></span>Oven notes</h2>',
            id="heading",
        ),
        pytest.param(
            "```python\nproof = 12\n```\n\n^oven\n",
            '<div id="block-oven">\n<pre><code class="language-python">proof = 12\n</code></pre>\n</div>',
            id="fence",
        ),
        pytest.param(
            "Intro.\n\n    proof = 12\n\n^oven\n",
            '<div id="block-oven">\n<pre><code>proof = 12\n</code></pre>\n</div>',
            id="indented-code",
        ),
        pytest.param(
            '<div class="card">\nwarm\n</div>\n\n^oven\n',
            '<div id="block-oven">\n<div class="card">\nwarm\n</div>\n</div>',
            id="html",
        ),
        pytest.param("Text.\n\n***\n\n^oven\n", '<div id="block-oven">\n<hr>\n</div>', id="rule"),
        pytest.param(
            "Two loaves.\n\n^oven\n", '<p id="block-oven">Two loaves.</p>', id="paragraph"
        ),
        pytest.param(
            "> warm\n>\n> ^oven\n",
            '<blockquote>\n<p id="block-oven">warm</p>\n</blockquote>',
            id="paragraph-in-quote",
        ),
        pytest.param(
            "- first\n\n  ^oven\n- next\n",
            '<li>\n<p id="block-oven">first</p>\n</li>',
            id="paragraph-in-item",
        ),
    ],
)
def test_id_alone_after_any_block_names_that_block(body: str, element: str) -> None:
    note = parse("notes/Page.md", body)
    assert note.block_ids == frozenset({"oven"})
    html = render_note(note, vault_of(note)).html
    assert element in html
    assert "^" not in html and "oven</" not in html
    assert html.count('id="block-oven"') == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("^first\n\nText.\n", id="first-block"),
        pytest.param("Text. ^taken\n\n^first\n", id="after-a-named-paragraph"),
        pytest.param("| a |\n| - |\n| b |\n^taken\n\n^first\n", id="after-a-named-table"),
        pytest.param("> [!note]\n> ^first\n", id="callout-title-only"),
        pytest.param("Text.[^1]\n\n[^1]: A note.\n\n^first\n", id="after-a-footnote"),
        pytest.param("```dataview\nlist\n```\n\n^first\n", id="after-a-query"),
        pytest.param("- [-] skipped ^task\n\n^first\n", id="after-a-task-list"),
    ],
)
def test_every_block_id_the_loader_records_is_carried_by_one_element(body: str) -> None:
    """A link ``check`` accepts always lands: an id with no block to name is not recorded."""
    note = parse("notes/Page.md", body)
    html = render_note(note, vault_of(note)).html
    carried = re.findall(r'id="block-([^"]+)"', html)
    assert sorted(carried) == sorted(note.block_ids)
    assert "^" not in html


@pytest.mark.parametrize(
    "written", ["![[Glazes#Celadon]] ^glaze", "![[Glazes#Celadon]]\n^glaze", "![[Glazes]] ^glaze"]
)
def test_an_embed_of_a_note_carries_the_block_id_written_after_it(written: str) -> None:
    """The paragraph around an embed shown as a block is left out, and its id went with
    it: ``[[#^glaze]]`` led to an anchor that was nowhere, and no warning said so."""
    glazes = parse("notes/Glazes.md", "## Celadon\n\nIron, in reduction.\n", note_id="230306AA01")
    page = parse("notes/Page.md", f"{written}\n\nSee [[#^glaze]].\n", note_id="230306AA02")
    assert page.block_ids == frozenset({"glaze"})
    html = render_note(page, vault_of(glazes, page)).html
    assert '<div id="block-glaze" class="transclusion">' in html
    assert html.count('id="block-glaze"') == 1


def test_links_to_a_heading_named_by_an_id_lead_to_it() -> None:
    source = parse("notes/Blocks.md", "## Flour types\n\n^flours\n\nRye.\n", note_id="230306AA01")
    page = parse("notes/Page.md", "See [[Blocks#^flours|the flours]].\n", note_id="230306AA02")
    vault = vault_of(source, page)
    assert vault.anchor_for(source, "^flours") == "block-flours"  # what check accepts
    book = DocumentLinks({source.note_id, page.note_id})
    assert 'href="#n230306AA01-block-flours"' in render_note(page, vault, book).html
    html = render_note(source, vault, book).html
    assert '<h2 id="n230306AA01-flour-types"><span id="n230306AA01-block-flours"></span>' in html


@pytest.mark.parametrize(
    ("source", "shown", "left_out"),
    [
        pytest.param("## Flour types\n\n^part\n\nRye.\n", "Flour types</h2>", "Rye", id="heading"),
        pytest.param("Intro.\n\n```\nrye 500\n```\n\n^part\n", "rye 500", "Intro", id="fence"),
    ],
)
def test_a_block_named_by_an_id_alone_is_embedded(source: str, shown: str, left_out: str) -> None:
    notes = parse("notes/Source.md", source), parse("notes/Page.md", "![[Source#^part]]\n")
    rendered = render_note(notes[1], vault_of(*notes))
    assert rendered.problems == ()
    assert shown in rendered.html and left_out not in rendered.html
    assert re.search(r'id="[^"]*block-part"', rendered.html)


def test_id_inside_code_is_text() -> None:
    html = html_of("Use `x ^notid` here.\n\n```\nline ^alsonot\n```\n\nReal one ^real\n")
    assert "<code>x ^notid</code>" in html
    assert "line ^alsonot" in html
    assert re.findall(r'id="(block-[^"]+)"', html) == ["block-real"]


def test_loader_records_block_ids_and_not_code() -> None:
    note = parse(
        "notes/Ids.md",
        "Para ^p1\n\n- item ^li1\n\n| a |\n| - |\n| b |\n\n^t1\n\n```\nx ^code1\n```\n"
        "\n$$\nx ^{y}\n$$\n^m1\n\n$$\nz\n^notid\n$$\n",
    )
    assert note.block_ids == frozenset({"p1", "li1", "t1", "m1"})


def test_links_to_a_block_lead_to_its_anchor() -> None:
    source = parse("notes/Source.md", "Levain at noon. ^noon\n", note_id="230301AA01")
    page = parse("notes/Page.md", "See [[Source#^noon]].\n", note_id="230301AA02")
    vault = vault_of(source, page)
    url = UrlLinks(lambda note: f"https://ex.org/{note.note_id}/")
    assert 'href="https://ex.org/230301AA01/#block-noon"' in render_note(page, vault, url).html
    book = DocumentLinks({source.note_id, page.note_id})
    assert 'href="#n230301AA01-block-noon"' in render_note(page, vault, book).html
    assert 'id="n230301AA01-block-noon"' in render_note(source, vault, book).html


def test_a_block_id_written_twice_names_the_first_block_only() -> None:
    """Obsidian's links and embeds find the first block of an id; the second too carried
    it, so the page held two elements of one id (a book fails its check on that), and
    nothing said so."""
    body = "Lids keep heat in. ^same\n\nShade suits ferns. ^same\n\n- a list item ^same\n"
    source = parse("notes/Source.md", body, note_id="230301AA01")
    page = parse("notes/Page.md", "See [[Source#^same]].\n\n![[Source#^same]]\n")
    vault = vault_of(source, page)
    html = render_note(source, vault).html
    assert re.findall(r'<(\w+) id="block-same">', html) == ["p"]
    assert "Shade suits ferns.</p>" in html and "^" not in html
    lines = source.body.split("\n")
    first = source.body_line + next(i for i, line in enumerate(lines) if "Lids" in line)
    warned = [p for p in source.problems if p.code == "block-id-duplicate"]
    assert [p.line for p in warned] == [first + 2, first + 4]
    assert f"(first on line {first})" in warned[0].message
    embedded = render_note(page, vault).html
    assert "Lids keep heat in." in embedded and "Shade" not in embedded


# inline tags --------------------------------------------------------------------------------


def test_inline_tags_are_rendered_as_tag_elements() -> None:
    html = html_of("Baked #sourdough today, see #projects/oven-build.\n")
    assert '<span class="tag">#sourdough</span>' in html
    assert '<span class="tag">#projects/oven-build</span>' in html


@pytest.mark.parametrize(
    "body",
    [
        "`#incode`\n",
        "```\n#infence\n```\n",
        "[text #inlinktext](https://ex.org/)\n",
        "https://ex.org/page#fragment\n",
        "word#inword\n",
        "issue #1234\n",
        "##double\n",
        '<span title="#attr">x</span>\n',
        "[[Page#heading]]\n",
    ],
)
def test_not_a_tag(body: str) -> None:
    note = parse("notes/Plain.md", body + "\nA real #one.\n")
    assert note.tags == ("one",)
    html = render_note(note, vault_of(note)).html
    assert html.count('class="tag"') == 1 and '<span class="tag">#one</span>' in html


def test_heading_markers_are_not_tags_but_a_tag_in_a_heading_is() -> None:
    note = parse("notes/Heads.md", "## Proving\n\n### Steps #method\n")
    assert note.tags == ("method",)


def test_inline_tags_join_frontmatter_tags_once_in_order() -> None:
    note = parse(
        "notes/Tags.md",
        "Mixed #Baking and #new-tag, again #baking and #NEW-TAG.\n\n> quoted #quoted\n",
        tags=["baking", "oven"],
    )
    assert note.tags == ("baking", "oven", "new-tag", "quoted")


def test_non_latin_inline_tags() -> None:
    note = parse("notes/Kyoto.md", "京都 #旅行 and #日本/京都\n")
    assert note.tags == ("旅行", "日本/京都")


def test_inline_tags_count_for_include_and_exclude() -> None:
    tagged = parse("notes/A.md", "about #cycling\n", note_id="230301AA01")
    plain = parse("notes/B.md", "about nothing\n", note_id="230301AA02")
    chosen = select_notes([tagged, plain], Selection(include_tags=("cycling",)))
    assert chosen == (tagged,)
    rest = select_notes([tagged, plain], Selection(exclude_tags=("cycling",)))
    assert rest == (plain,)


def test_tag_filters_match_as_obsidian_case_aside_and_nested_tags_under_their_parent() -> None:
    """``exclude_tags = ["private"]`` keeps out ``#Private`` and ``#private/journal`` as
    Obsidian's tag search would find them; a nested filter is no parent's match."""
    health = parse("notes/Health.md", "about #Private things\n", note_id="230301AB01")
    diary = parse("notes/Diary.md", "a day", note_id="230301AB02", tags=["private/journal"])
    bread = parse("notes/Bread.md", "a loaf", note_id="230301AB03", tags=["Baking/Rye"])
    plain = parse("notes/Plain.md", "nothing", note_id="230301AB04", tags=["privately"])
    notes = [health, diary, bread, plain]
    assert select_notes(notes, Selection(exclude_tags=("private",))) == (bread, plain)
    assert select_notes(notes, Selection(exclude_tags=("#PRIVATE",))) == (bread, plain)
    assert select_notes(notes, Selection(include_tags=("baking",))) == (bread,)
    assert select_notes(notes, Selection(include_tags=("#baking/rye/",))) == (bread,)
    assert select_notes(notes, Selection(include_tags=("private/journal",))) == (diary,)
    assert select_notes(notes, Selection(include_tags=("baking/wheat",))) == ()
    # Composed or not, one tag: decomposed ``privé`` (from a macOS name) was published.
    decomposed = parse("notes/Spa.md", "x", note_id="230301AB05", tags=["prive\u0301"])
    assert select_notes([decomposed], Selection(exclude_tags=("priv\u00e9",))) == ()


EXCLUDING = """
[site]
title = "Tags"
url = "https://notes.example.org/"
note_url = "notes/{slug}/"

[targets.news]
exporter = "feed"
formats = ["json"]
exclude_tags = ["private"]

[targets.meta]
exporter = "jsonld"
exclude_tags = ["private"]

[targets.everything]
exporter = "feed"
formats = ["json"]

[targets.copy]
exporter = "epub"
drafts = true
exclude_tags = ["private"]
"""


def test_a_note_a_target_excludes_by_tag_shows_through_no_embed_or_link(tmp_path: Path) -> None:
    """``exclude_tags = ["private"]`` keeps a note out of the whole output, as a draft: an
    embed in a selected note showed it whole, and a link named it in JSON-LD.  A target
    without the filter still shows it; tagged after a build, the cached build hides it too."""
    import notepress

    from .conftest import write_vault

    files = {
        "diary.md": note_text("Diary", "Locker code MOTHWING.", note_id="230305GN01"),
        "letter.md": note_text(
            "Letter", "Plans: ![[diary]]\n\nSee [[diary]].", note_id="230306GN01"
        ),
    }
    root = write_vault(tmp_path / "vault", files, config=EXCLUDING)
    out = tmp_path / "out"

    def texts() -> dict[str, str]:
        found = {"news": "", "meta": "", "everything": "", "copy": ""}
        for path in sorted(out.glob("*/**/*")):  # the target folders' files
            if path.suffix in (".json", ".jsonld"):
                found[path.relative_to(out).parts[0]] += path.read_text("utf-8")
            elif path.suffix == ".epub":  # a reading copy that shows drafts
                with zipfile.ZipFile(path) as book:
                    found["copy"] += "".join(
                        book.read(name).decode("utf-8", "replace") for name in book.namelist()
                    )
        return found

    notepress.load_project(root, output=out).build()
    found = texts()  # not excluded yet
    assert "MOTHWING" in found["news"] and '"Diary"' in found["meta"]
    assert "MOTHWING" in found["copy"]
    diary = root / "diary.md"
    diary.write_text(
        note_text("Diary", "Locker code MOTHWING.", note_id="230305GN01", tags=["Private/days"])
    )
    for cache in (True, False):
        notepress.load_project(root, output=out, cache=cache).build()
        found = texts()
        assert "MOTHWING" in found["everything"]
        assert not any("MOTHWING" in found[name] for name in ("news", "meta", "copy"))
        assert '"Diary"' not in found["meta"]  # no mention by name either
        assert "Letter" in found["news"] and "notes/diary" not in found["news"]
