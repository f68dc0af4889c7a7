"""Math: ``$...$`` and ``$$...$$`` read as Obsidian reads them, written per output.

The fixture (``tests/fixtures/math/formulas.md``) holds formulas of common notation, one per
entry; each must reach its token untouched by markdown, convert to MathML that parses and to
an SVG that parses.  One small vault is built once for the module, through every exporter,
and its real outputs are read back: the feed with feedparser, the EPUB with epubcheck, the
PDF with pypdf, the JSON-LD as JSON.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

import notepress
from notepress.budget import BudgetExceeded, cpu_budget
from notepress.markdown import create_parser, render_note
from notepress.markdown import math as math_module
from notepress.markdown.math import (
    MATH_TOKENS,
    Svg,
    convertible,
    display_rows,
    invalid_message,
    to_mathml,
    to_svg,
    trimmed,
)
from notepress.markdown.mathparagraph import odd_doubles
from notepress.markdown.sanitize import sanitize
from tests.conftest import note_text, write_vault
from tests.test_epub import epubcheck
from tests.test_markdown import make_note, note_source, url_links, vault_with
from tests.test_pdf_support import link_annotations

FORMULAS = Path(__file__).parent / "fixtures" / "math" / "formulas.md"
MATHML = "{http://www.w3.org/1998/Math/MathML}"


def formulas() -> list[str]:
    """Each entry of the fixture: a formula as written in a note, dollars included."""
    entries = FORMULAS.read_text(encoding="utf-8").split("\n---\n")[1:]
    return [entry.strip() for entry in entries]


def written_tex(entry: str) -> tuple[str, bool]:
    """The TeX between the dollars of ``entry``, and whether it is display math."""
    display = entry.startswith("$$")
    marks = 2 if display else 1
    return entry[marks:-marks], display


def math_tokens(markdown: str) -> list[tuple[str, str]]:
    tokens = create_parser().parse(markdown, {"title": ""})
    found = []
    for token in tokens:
        for item in [token, *(token.children or ())]:
            if item.type in MATH_TOKENS:
                found.append((item.type, item.content))
    return found


def render(body: str, math: str = "mathml", footnotes: str = "list") -> notepress.RenderedNote:
    note = make_note("notes/Fixture Note.md", body)
    return render_note(note, vault_with(note), url_links(), math=math, footnotes=footnotes)  # type: ignore[arg-type]


ENTRIES = formulas()


def test_fixture_covers_common_notation() -> None:
    assert len(ENTRIES) >= 30
    text = "\n".join(ENTRIES)
    for construct in [
        r"\frac", r"{pmatrix}", r"{bmatrix}", r"{aligned}", r"{align}", r"\sum_", r"\int_",
        r"\hat", r"\vec", r"\bar", r"\text", r"\mathbb", r"\mathcal", r"\alpha", r"\{",
        r"\}", r"\%", r"\$", r"\_", r"\\", r"\,", "x_i + y_j",
    ]:  # fmt: skip
        assert construct in text, construct


@pytest.mark.parametrize("entry", ENTRIES, ids=[f"f{i:02}" for i in range(len(ENTRIES))])
def test_formula_survives_markdown_and_converts(entry: str) -> None:
    tex, display = written_tex(entry)
    # Markdown never touches the TeX: the token holds exactly what was written.
    (found,) = math_tokens(entry)
    assert found == ("math_block" if display else "math_inline", tex)
    # MathML that parses, with the TeX kept as annotation and alttext.
    mathml = to_mathml(tex.strip(), display)
    assert mathml is not None
    root = ET.fromstring(mathml)
    assert root.tag == f"{MATHML}math"
    assert root.get("alttext") == tex.strip()
    assert root.get("display") == ("block" if display else "inline")
    annotation = root.find(f"{MATHML}semantics/{MATHML}annotation")
    assert annotation is not None and annotation.text == tex.strip()
    # An SVG that parses, sized in em.
    svg = to_svg(tex.strip(), display)
    assert svg is not None
    assert svg.url.startswith("data:image/svg+xml;base64,")
    drawing = ET.fromstring(base64.b64decode(svg.url.partition(",")[2]))
    assert drawing.tag == "{http://www.w3.org/2000/svg}svg"
    assert 0 < svg.height < 10 and 0 < svg.width < 40


def test_whole_fixture_renders_with_every_formula_as_written() -> None:
    """Rendered as one note, each formula's TeX is in the text exactly, nothing else is math."""
    body = "\n\n".join(ENTRIES)
    rendered = render(body, math="tex")
    for entry in ENTRIES:
        tex, display = written_tex(entry)
        marks = "$$" if display else "$"
        lines = f"{marks}{tex.strip()}{marks}".split("\n")  # the text's lines are stripped
        assert "\n".join(line.strip() for line in lines) in rendered.text
    assert not rendered.problems
    # The wikilink, tag, block id and highlight written inside a formula stay TeX.
    assert "internal-link" not in rendered.html and "<mark>" not in rendered.html
    assert 'class="tag"' not in rendered.html and "block-block" not in rendered.html


@pytest.mark.parametrize(
    "prose",
    [
        "It costs $5 and $10 in total.",
        "Between $ a $ and $b $ no formula.",
        r"An escaped \$x\$ stays text.",
        "Between $5 and $10, or $20.",
    ],
)
def test_dollars_in_prose_stay_text(prose: str) -> None:
    rendered = render(prose)
    assert "<math" not in rendered.html
    assert not math_tokens(prose)


@pytest.mark.parametrize(
    ("body", "tex"),
    [
        ("$k$ is at least 3\n", "k"),
        ("- $p < q$ by 7\n", "p < q"),
        ("> $t$ took 12\n", "t"),
        ("$v$ ends in a backslash \\\\\n", "v"),
        ("Plain words first, then $w$ and 9\n", "w"),
    ],
    ids=["paragraph", "list-item", "quote", "backslash", "mid-line"],
)
def test_a_formula_opening_its_paragraph_is_math_whatever_ends_it(body: str, tex: str) -> None:
    """The text before a paragraph's first character is nothing: the last character (a
    digit, a backslash) is not read there, as the inline rule of the library did."""
    assert math_tokens(body) == [("math_inline", tex)]
    assert render(body).html.count("<math") == 1


def test_a_first_row_opening_with_a_bracket_is_a_row_not_an_option() -> None:
    """latex2mathml read ``[`` after ``\\begin{align}`` as an option and failed, so Lie
    brackets showed as TeX; MathJax draws them.  ``[t]`` is still an option."""
    tex = "\\begin{align}\n[x + y, z] & = [x, z] + [y, z]\n\\end{align}"
    body = f"$$\n{tex}\n$$\n"
    rendered = render(body)
    assert rendered.problems == () and "math-tex" not in rendered.html
    assert rendered.html.count("<math") == 1 and '<mo stretchy="false">[</mo>' in rendered.html
    written = tex.replace("&", "&amp;")  # as written, not as the converter was given it
    assert f'<annotation encoding="application/x-tex">{written}</annotation>' in rendered.html
    printed = render(body, math="svg")
    assert printed.problems == () and "image/svg+xml" in printed.html
    assert "math-tex" not in printed.html
    assert not [p for p in make_note("notes/a.md", body).problems if p.code == "math-invalid"]
    assert render("$$\n\\begin{aligned}[t] a & = b\n\\end{aligned}\n$$\n").problems == ()


@pytest.mark.parametrize(
    "tex",
    [
        r"W = \left( \sum_{k} w_k \right)^2",
        r"\left[ \prod_j p_j \right]",
        r"\left( \bigcup_{n} A_n \right)",
    ],
)
def test_a_big_operator_with_a_limit_below_inside_fences_prints_at_its_height(tex: str) -> None:
    """ziamath drew it 100 em tall: a page of parentheses running under the footer."""
    drawn = to_svg(tex, True)
    assert isinstance(drawn, Svg) and drawn.height < 4
    plain = to_svg(tex.replace(r"\left", "").replace(r"\right", ""), True)
    assert isinstance(plain, Svg) and abs(drawn.width - plain.width) < 1.5


@pytest.mark.parametrize(
    "tex",
    [
        r"\begin{matrix} \\ p \\ q \end{matrix}",
        r"\begin{pmatrix} p \\ \\ q \end{pmatrix}",
        r"\begin{pmatrix} p \\ {} \\ q \end{pmatrix}",
        r"\left(\begin{array}\\ x \\ y \end{array}\right)",
    ],
    ids=["first-row", "middle-row", "braces-only", "array-without-columns"],
)
def test_a_matrix_with_an_empty_row_prints_every_row(tex: str) -> None:
    """ziamath drew the first at a height of -997 em, which took its paragraph off the
    page, and the others as their brackets alone: three rows are taller than two."""
    two_rows = to_svg(r"\begin{matrix} p \\ q \end{matrix}", True)
    drawn = to_svg(tex, True)
    assert isinstance(drawn, Svg) and isinstance(two_rows, Svg)
    assert two_rows.height < drawn.height < 4


@pytest.mark.parametrize("tex", [r"\over \Gamma \vdash x", r"\frac{}{y}", r"{}\over z"])
def test_an_empty_numerator_prints_at_the_height_of_its_denominator(tex: str) -> None:
    """ziamath drew it about -500 em tall: the check against a drawing of no size now
    refuses that, and the numerator gets a thin space, which it draws."""
    drawn = to_svg(tex, True)
    assert isinstance(drawn, Svg) and 0.5 < drawn.height < 4


def test_math_inside_the_words_of_a_formula_is_math() -> None:
    """``\\text{when $k > 1$}``, which MathJax reads, was refused by both converters and the
    formula showed as TeX in every output."""
    tex = r"\int t^{k}\,dt = \frac{t^{k+1}}{k+1} \quad \text{when $k \neq -1$ and $k > 0$}"
    body = f"$$\n{tex}\n$$\n"
    for rule in ("mathml", "svg"):
        rendered = render(body, math=rule)
        assert rendered.problems == () and "math-tex" not in rendered.html, rule
    mathml = render(body).html
    assert "<mtext>when&nbsp;</mtext>" in mathml and "<mtext>&nbsp;and&nbsp;</mtext>" in mathml
    assert "<mo>\u2260</mo>" in mathml  # the \neq, as math
    assert not [p for p in make_note("notes/a.md", body).problems if p.code == "math-invalid"]
    written = tex.replace("&", "&amp;").replace(">", "&gt;")
    assert f">{written}</annotation>" in mathml  # the TeX as written


@pytest.mark.parametrize(
    "tex",
    [
        r"\min_{j} \big\lbrace Q(j) \big\rbrace",  # sized named braces
        r"\over \Gamma, x:A \vdash x:A",  # a rule's line with no premise above it
        r"a + { \over b }",
        r"\Big\vert x \Big\vert + \bigg\vert_{x=0} + \Bigg\Vert",  # sized named delimiters
        r"\bigl\langle u, v \bigr\rangle \le \Big\lfloor t \Big\rfloor",
        r"\set{ n \in \mathbb{Z} : n \text{ odd} } \cup \Set{x | x > \set{0}}",  # braket
        r"\frac{work \space done}{time \space spent} + a \thinspace b \negthinspace c",
        r"\begin{alignat}{2} u &= v & w &= z \end{alignat}",
        r"\begin{alignedat}{2} u &= v & w &= z \end{alignedat}",
        r"t_{n} = \text{<END>} + \textbf{a > b}",  # brackets in text: copied raw into XML
    ],
)
def test_tex_mathjax_reads_that_the_converter_refused_is_math(tex: str) -> None:
    """Found in a public vault's formulas, shown as TeX with a warning before."""
    for rule in ("mathml", "svg"):
        rendered = render(f"$$\n{tex}\n$$\n", math=rule)
        assert rendered.problems == () and "math-tex" not in rendered.html, rule
    assert not [
        p for p in make_note("notes/a.md", f"$${tex}$$\n").problems if p.code == "math-invalid"
    ]


def test_brackets_in_a_formulas_text_are_its_words() -> None:
    html = render("$t = \\text{<END>}$\n").html
    (text,) = ET.fromstring(html.removeprefix("<p>").removesuffix("</p>\n")).iter(f"{MATHML}mtext")
    assert text.text == "<END>"


def test_scripts_nested_past_the_limit_are_refused_with_the_reason(tmp_path: Path) -> None:
    """A hundred characters of ``2^{2^{...}}`` 22 deep: a book's pandoc took more than a
    minute and the whole book failed at its time limit.  Every converter refuses it, and
    the book builds with the formula as TeX; 12 deep is still drawn (as MathML: as an
    image it is past the drawing's own limit of nodes)."""
    deep = "2" + "^{2" * 22 + "}" * 22
    drawn = "2" + "^{2" * 12 + "}" * 12
    for rule in ("mathml", "svg"):
        assert "math-tex" in render(f"${deep}$\n", math=rule).html, rule
    assert "math-tex" not in render(f"${drawn}$\n").html
    (problem,) = [
        p for p in make_note("notes/a.md", f"${deep}$\n").problems if p.code == "math-invalid"
    ]
    assert "(scripts nested more than 12 deep are drawn by no converter here)" in problem.message
    files = {"Tower.md": note_text("Tower", f"Tall ${deep}$ and $x^2$.\n", note_id="230306MA04")}
    config = CONFIG.split("[targets.feed]")[0] + '[targets.book]\nexporter = "epub"\n'
    report = notepress.load_project(write_vault(tmp_path / "vault", files, config)).build()
    (target,) = report.targets
    assert target.ok, target.error


def test_the_column_pairs_of_alignat_are_no_cell() -> None:
    """latex2mathml read ``alignedat``'s ``{2}`` as the first cell's text: a stray 2."""
    html = render("$$\\begin{alignedat}{2} u &= v \\end{alignedat}$$\n").html
    assert "<mn>2</mn>" not in html and "<mi>u</mi>" in html


@pytest.mark.parametrize("space", ["[2ex]", "[1.5em]", " [ -3pt ]"])
def test_the_space_after_a_row_is_no_text_of_the_next_row(space: str) -> None:
    """``\\\\[2ex]`` ends a row and adds space: the converters drew "[2ex]" before the next
    row, in the feed and in the PDF alike.  The rows are drawn as without the space; a
    bracket that is no length stays text."""
    spaced = f"\\begin{{aligned}} a &= b \\\\{space} c &= d \\end{{aligned}}"
    plain = "\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}"
    html = render(f"$${spaced}$$\n").html
    drawn = html.split("<annotation")[0]
    assert "<mn>2ex" not in drawn and "<mn>1.5em" not in drawn and "<mi>pt" not in drawn
    assert "<mi>c</mi>" in drawn
    drawings = [math_module.to_svg(tex, True) for tex in (spaced, plain)]
    assert all(isinstance(svg, math_module.Svg) for svg in drawings)
    assert drawings[0].url == drawings[1].url  # type: ignore[union-attr]
    bracket = render("$$\\begin{aligned} a \\\\ [b, c] \\end{aligned}$$\n").html
    assert '<mo stretchy="false">[</mo><mi>b</mi>' in bracket.split("<annotation")[0]


def test_align_rows_are_not_numbered_as_obsidian_does_not_number_them() -> None:
    html = render("$$\\begin{align} a &= b \\\\ c &= d \\end{align}$$\n").html
    assert "(1)" not in html and "(2)" not in html and "<mi>d</mi>" in html
    assert "\\begin{align}" in html  # the TeX as written, in the annotation


def test_a_commutative_diagram_is_refused_not_drawn_as_its_source() -> None:
    """No converter here draws amscd's ``CD``: latex2mathml and ziamath printed its source
    in a row (``P@>f>>Q``), with no warning.  It is TeX, with a warning that says why."""
    body = "$\\begin{CD} P @>f>> Q \\end{CD}$\n"
    for rule in ("mathml", "svg"):
        rendered = render(body, math=rule)
        assert "math-tex" in rendered.html and "<math" not in rendered.html, rule
    (problem,) = [p for p in make_note("notes/a.md", body).problems if p.code == "math-invalid"]
    assert "(commutative diagrams (amscd's CD) are drawn by no converter here)" in (problem.message)


def _book_page(tmp_path: Path, title: str, body: str, marker: bytes) -> bytes:
    """The page of a one-note book holding ``marker``; the build must report nothing."""
    files = {f"{title}.md": note_text(title, body, note_id="230306MA02")}
    config = CONFIG.split("[targets.feed]")[0] + '[targets.book]\nexporter = "epub"\n'
    root = write_vault(tmp_path / "vault", files, config)
    report = notepress.load_project(root).build()
    assert [str(p) for p in report.all_problems()] == []
    (target,) = report.targets
    with zipfile.ZipFile(next(p for p in target.files if p.suffix == ".epub")) as archive:
        return next(archive.read(n) for n in archive.namelist() if marker in archive.read(n))


def test_a_book_draws_mathjax_spaces_and_sets(tmp_path: Path) -> None:
    """pandoc's reader refuses ``\\space`` and the braket extension's ``\\set``, which
    Obsidian's MathJax draws: the book showed their TeX (a vault that spaces lines with
    ``$\\space$`` had 1,192 such formulas), with a warning for each."""
    body = (
        "A gap $\\space$ then $\\frac{work \\space done}{t}$ and "
        "$\\set{x | x > 0}$ and $\\Set{y}$.\n"
    )
    page = _book_page(tmp_path, "Gaps", body, b"A gap")
    assert len(list(ET.fromstring(page).iter(f"{MATHML}math"))) == 4
    assert b"\\set" not in page and b"math-tex" not in page


def test_a_book_draws_mathjax_textcolor(tmp_path: Path) -> None:
    """pandoc's reader refuses ``\\textcolor``, which MathJax and the converters here draw:
    156 of 159 formulas one vault's book showed as TeX.  Written ``\\color``, which pandoc
    reads; the feed keeps the TeX as written beside its MathML."""
    body = "Heat $\\textcolor{orange}{q = k A \\Delta T}$ and $a \\textcolor{red}{b^{2}}$.\n"
    page = _book_page(tmp_path, "Colour", body, b"Heat")
    assert len(list(ET.fromstring(page).iter(f"{MATHML}math"))) == 2
    assert b"math-tex" not in page
    html = render("$\\textcolor{orange}{q}$\n").html
    assert "<mi>q</mi>" in html and 'alttext="\\textcolor{orange}{q}"' in html


def test_a_book_draws_formulas_sized_the_mathjax_way(tmp_path: Path) -> None:
    """MathJax takes the text sizes (``\\large``...) in a formula and the converter here
    draws them; pandoc refused every such formula, and the book showed its TeX (851 in one
    vault).  The book draws them at their normal size; a row's end before the letters
    ``large`` is no size."""
    body = (
        "Big $\\large a + b$ and $\\small c$, $\\Huge{d}$.\n\n"
        "$$\n\\Large\n\\sum_{i=1}^{n} i\n$$\n\n"
        "$$\na \\\\large\n$$\n"
    )
    page = _book_page(tmp_path, "Sizes", body, b"Big")
    formulas = list(ET.fromstring(page).iter(f"{MATHML}math"))
    assert len(formulas) == 5 and b"math-tex" not in page
    # The row's end kept, the letters after it too.
    assert "large" in "".join(formulas[-1].itertext())
    # The feed's converter still draws the size, the formula as written in its alttext.
    html = render("$\\large a$\n").html
    assert "mathsize" in html and 'alttext="\\large a"' in html


def test_a_book_draws_plain_tex_fractions(tmp_path: Path) -> None:
    """pandoc has no ``\\over``, which MathJax and the converter here read: the book showed
    such formulas as TeX (60 of one statistics vault's)."""
    body = (
        "Odds $\\pi(x) = {1 \\over Z}$ and $TP \\over (TP + FP)$ and $x^{1 \\over p}$.\n\n"
        "$$\n\\begin{align}\na &= {b \\over c} \\\\\nd &= \\overline{e}\n\\end{align}\n$$\n"
    )
    page = _book_page(tmp_path, "Odds", body, b"<math")
    formulas = list(ET.fromstring(page).iter(f"{MATHML}math"))
    assert len(formulas) == 4 and b"math-tex" not in page
    assert all(list(formula.iter(f"{MATHML}mfrac")) for formula in formulas)


def test_a_book_draws_degrees_and_the_old_calligraphic_switch(tmp_path: Path) -> None:
    """MathJax and KaTeX draw ``90\\degree`` and ``\\cal{S}``, pandoc's reader did not: the
    book showed the TeX of each, with an epub-math warning."""
    body = "A right angle is $90\\degree$ and the set $\\cal{S}$.\n"
    page = _book_page(tmp_path, "Angles", body, b"<math")
    formulas = list(ET.fromstring(page).iter(f"{MATHML}math"))
    assert len(formulas) == 2 and b"math-tex" not in page, page
    assert "\u2218" in "".join(formulas[0].itertext())  # the ring of a degree
    assert any(
        mi.get("mathvariant") == "script" or "\U0001d4ae" in (mi.text or "")
        for mi in formulas[1].iter(f"{MATHML}mi")
    )


@pytest.mark.parametrize(
    ("tex", "annotated"),
    [
        ("{1 \\over 2} + a", "{\\frac{1}{2}} + a"),
        ("\\overline{x} \\over 2", "\\frac{\\overline{x}}{2}"),
        # Where the fraction's parts are not the group's (TeX's own groups, rows, cells, a
        # number), or the braces do not pair, the formula is as written.
        ("\\left( a \\over b \\right)", None),
        ("{a \\over b \\over c}", None),
        ("a \\over b \\tag{1}", None),
        ("x {a \\over b", None),
    ],
)
def test_the_tex_a_book_reads_has_fractions_written_out(tex: str, annotated: str | None) -> None:
    (annotation,) = ET.fromstring(
        render(f"$${tex}$$\n")
        .html.removeprefix('<div class="math-block">')
        .removesuffix("</div>\n")
    ).iter(f"{MATHML}annotation")
    assert annotation.text == (annotated or tex)


def test_the_warning_names_the_commands_no_converter_knows() -> None:
    """A formula using a vault's own commands without a preamble: the warning said only
    that it could not be converted.  A command known but stopped before (after a failing
    one) is not named."""
    (problem,) = [
        p
        for p in make_note("notes/a.md", "$\\ZZ \\subset \\QQ + \\square$\n").problems
        if p.code == "math-invalid"
    ]
    assert problem.message.startswith(
        "formula '\\ZZ \\subset \\QQ + \\square' cannot be converted (\\ZZ, \\QQ: commands the "
        "converters do not know; a vault's own commands belong in its preamble.sty"
    )
    # mhchem's chemistry is MathJax's, no vault's own: no preamble would define it.
    assert "(\\ce comes from a MathJax extension the converters lack)" in invalid_message(
        "\\ce{H2O}"
    )
    # Named from the formula as the vault's macros expand it: a macro is no unknown command.
    assert "(" not in invalid_message("\\ZZ", "\\mathbb{Z} \\frac{")
    assert "(" not in invalid_message("\\frac{a}{")  # a formula left open: no command named


def test_inline_display_and_nested_math() -> None:
    body = (
        "Inline $a_1 *b* c_1$ and $$x^2$$ in a line.\n\n"
        "- an item\n\n  $$\n  y = 1\n  $$\n\n"
        "> [!note] Title\n>\n> $$\n> z = 2 \\\\\n> w = 3\n> $$\n"
    )
    found = math_tokens(body)
    assert found == [
        ("math_inline", "a_1 *b* c_1"),
        ("math_inline_double", "x^2"),
        ("math_block", "\n  y = 1\n  "),  # as written, the item's indent included
        ("math_block", "\nz = 2 \\\\\nw = 3\n"),
    ]
    html = render(body).html
    assert "<em>" not in html
    assert html.count("<math") == 4 and html.count('display="block"') == 3
    assert '<div class="callout callout-note"' in html


@pytest.mark.parametrize(
    ("body", "tex"),
    [
        ("Before.\n\n$$\na \\\\ b\n\nc\n$$\n\nAfter.\n", "\na \\\\ b\n\nc\n"),
        ("Before.\n\n$$ a \\\\ b\n\n\n   \nc $$\nAfter.\n", " a \\\\ b\n\n\n   \nc "),
        ("- Before.\n\n  $$\n  a \\\\ b\n\n  c\n  $$\n- After.\n", "\n  a \\\\ b\n\n  c\n  "),
        ("> [!note] Before.\n>\n> $$\n> a \\\\ b\n>\n> c\n> $$\n\nAfter.\n", "\na \\\\ b\n\nc\n"),
    ],
    ids=["note", "dollars-on-text-lines", "list-item", "callout"],
)
def test_display_math_may_hold_blank_lines(body: str, tex: str) -> None:
    """A ``$$`` block runs to the next ``$$`` whatever blank lines it holds, as in Obsidian."""
    assert math_tokens(body) == [("math_block", tex)]
    html = render(body).html
    assert html.count('<math display="block"') == 1 and "\\\\ b" in html
    assert "<p>c" not in html and "$$" not in html
    assert render(body, math="svg").html.count('<img class="math math-display"') == 1
    assert "$$a \\\\ b\n\nc$$" in render(body, math="tex").text  # its lines stripped
    problems = make_note("notes/Fixture Note.md", body).problems
    assert [p for p in problems if p.code == "math-invalid"] == []


def test_a_formula_with_a_blank_line_that_cannot_be_converted_is_named_at_its_line() -> None:
    body = "First.\n\n$$\n\\nosuchcommand{x}\n\ny\n$$\n"
    note = make_note("notes/Fixture Note.md", body)
    first = note_source("Fixture Note", "230306FX01", "false", "", body).decode()
    line = first.splitlines().index("$$") + 1
    assert [p.line for p in note.problems if p.code == "math-invalid"] == [line]
    assert "$$\\nosuchcommand{x}\n\ny$$</code>" in render(body).html  # shown whole, as TeX
    assert render(body).problems == ()  # given once, by the loader


@pytest.mark.parametrize(
    "body",
    [
        "Intro.\n\n$$\nstray words\n\nThe rest of the note.\n\nLast words.\n",
        "- $$\n  stray words\n\n  The rest of the note.\n- Last words.\n\n$$\n",
        "1. Intro\n\n   $$\n   stray words\n\n   The rest of the note.\n\nLast words.\n\n$$\n",
        "> $$\n> stray words\n>\n> The rest of the note.\n\nLast words.\n\n$$\n",
    ],
    ids=[
        "never-closed",
        "closed-after-the-item",
        "closed-after-the-list",
        "closed-after-the-quote",
    ],
)
def test_a_stray_display_dollar_keeps_the_text_after_it(body: str) -> None:
    """With no closing ``$$`` in its container, a ``$$`` with a blank line after it is text."""
    assert math_tokens(body) == []
    rendered = render(body)
    assert "<math" not in rendered.html
    for words in ("stray words", "The rest of the note.", "Last words."):
        assert f"{words}</" in rendered.html
        assert words in rendered.text


def test_display_math_without_blank_lines_reads_as_before() -> None:
    """Lines outside a list item still continue a formula with no blank line (lazy lines)."""
    assert math_tokens("- $$\n  a\nb\n$$\n") == [("math_block", "\n  a\nb\n")]
    assert math_tokens("$$ a $$ b\n\n$$\nc\n$$\n") == [
        ("math_inline_double", " a "),
        ("math_block", "\nc\n"),
    ]


@pytest.mark.parametrize(
    ("body", "before", "tex"),
    [
        ("Summing the parts:\n$$\na + b\n=\nc\n$$\n", "Summing the parts:", "\na + b\n=\nc\n"),
        ("So it follows:\n$$\nm\n- n\n$$\n", "So it follows:", "\nm\n- n\n"),
        ("One line:\n$$k^2$$\n", "One line:", "k^2"),
        ("- an item\n$$\nr\n$$\n", "an item", "\nr\n"),
        ("> a quote\n$$\nq\n$$\n", "a quote", "\nq\n"),
    ],
    ids=["setext-line", "list-line", "one-line", "after-an-item", "after-a-quote"],
)
def test_a_formula_written_straight_under_a_line_of_text_is_display_math(
    body: str, before: str, tex: str
) -> None:
    """As under a fence, a ``$$`` line ends the paragraph above it: its TeX's ``=`` or
    ``- n`` line no longer makes that text a heading or a list, as Obsidian shows it."""
    assert math_tokens(body) == [("math_block", tex)]
    rendered = render(body)
    assert "<h1" not in rendered.html and rendered.html.count("<li>") == body.count("- an")
    assert f"{before}</p>" in rendered.html or f"{before}</li>" in rendered.html
    assert rendered.html.count("<math") == 1 and rendered.problems == ()
    # A ``$$`` that nothing closes still ends nothing.
    assert math_tokens("Costs:\n$$ 5 and more\n") == []


@pytest.mark.parametrize(
    ("body", "tex"),
    [
        (
            "Bounded by $$\nL \\ge H\n$$ with equality when $$\np = r^{-l}\n$$ exactly.\n",
            ["\nL \\ge H\n", "\np = r^{-l}\n"],
        ),
        ("The sum $$\na\n+ b\n- c_{1} + d_{2}\n$$ holds.\n", ["\na\n+ b\n- c_{1} + d_{2}\n"]),
        ("- an item with $$\n  x\n  = y\n  $$ inside.\n", ["\nx\n= y\n"]),
        ("> Quoted $$\n> m\n> $$ and on.\n", ["\nm\n"]),
        # A callout's lines written without ``>``: the quote ended at ``$$Then``, and its
        # formulas and words changed places.
        (
            ">[!note]\nSuppose $$\na < b\n$$Then it holds: $$\nc = a + b\n$$and so on.\n",
            ["\na < b\n", "\nc = a + b\n"],
        ),
        ("> Quoted $$\nm\n- c\n$$ and on.\n", ["\nm\n- c\n"]),
    ],
    ids=[
        "two-in-one-paragraph",
        "list-markers-in-tex",
        "in-a-list-item",
        "in-a-quote",
        "in-a-callout-without-markers",
        "in-a-quote-without-markers",
    ],
)
def test_display_math_opened_inside_a_paragraph_closes_at_its_next_dollars(
    body: str, tex: list[str]
) -> None:
    """Obsidian pairs ``$$`` in order, reading math before markdown: a ``$$`` ending a line
    of text opens a formula that the next ``$$`` closes, even one that starts a line.  That
    line ended the paragraph (as a display block holding the words between), a TeX line
    starting ``+`` or ``-`` became a list item, and the formulas showed as raw TeX."""
    assert math_tokens(body) == [("math_inline_double", each) for each in tex]
    rendered = render(body)
    assert rendered.html.count("<math") == len(tex) and "$$" not in rendered.html
    assert "<li>" not in rendered.html.replace("<li>an item", "") and "<h" not in rendered.html
    assert [p for p in make_note("notes/a.md", body).problems if p.code == "math-invalid"] == []


def test_a_quote_line_without_its_marker_after_a_closed_formula_still_ends_the_quote() -> None:
    """Only the lines inside a formula keep a quote going: after it closes, a line without
    ``>`` that starts a block ends the quote, as markdown reads it."""
    html = render("> [!note]\n> Seen $$\nm\n$$ here.\n- an item after\n").html
    quote, _, after = html.partition("</div>")
    assert "<math" in quote and "here." in quote
    assert "<li>an item after</li>" in after


@pytest.mark.parametrize(
    ("body", "tex", "words"),
    [
        ("$$a = 1$$ and $$b = 2$$\n", ["a = 1", "b = 2"], ["and"]),
        (
            "$$\na + b = c\n$$ because\n- one\n- two\n\nSo $$y = 2$$\n",
            ["\na + b = c\n", "y = 2"],
            ["because", "<li>one</li>", "<li>two</li>", "So"],
        ),
        ("> $$\n> m\n> $$ then on\n> more words\n", ["\nm\n"], ["then on<br>\nmore words"]),
        # The closing line opens the next formula at its end: ended at its last ``$$``, the
        # first formula took the words as TeX and the second showed as text.
        (
            "Relation:\n$$\nx = 1\n$$ then plain words.$$\ny = 2\n$$After it.\n",
            ["\nx = 1\n", "\ny = 2\n"],
            ["then plain words.", "After it."],
        ),
    ],
    ids=[
        "two-on-one-line",
        "words-after-the-closing-dollars",
        "in-a-quote",
        "closing-line-opens-the-next",
    ],
)
def test_a_line_starting_with_dollars_ends_its_formula_at_the_next_dollars(
    body: str, tex: list[str], words: list[str]
) -> None:
    """``$$`` pairs in order, as Obsidian reads them: a line that opens with a formula and
    goes on with words is a paragraph holding both.  Read as one display block to the last
    ``$$`` of a line, or to a later line ending in ``$$``, the words (and a list after them)
    were printed inside the formula, with no warning."""
    assert math_tokens(body) == [("math_inline_double", each) for each in tex]
    rendered = render(body)
    assert rendered.html.count("<math") == len(tex) and "$$" not in rendered.html
    for word in words:
        assert word in re.sub(r"<math.*?</math>", "", rendered.html, flags=re.S)
    assert not [p for p in make_note("notes/a.md", body).problems if p.code.startswith("math-")]


@pytest.mark.parametrize(
    "body",
    ["Price is $$ high\n# Heading\n- item\n", "Costs $$ a lot\n\nand $$\n"],
    ids=["nothing-closes-it", "closed-past-a-blank-line"],
)
def test_a_stray_dollar_pair_in_a_paragraph_keeps_the_blocks_after_it(body: str) -> None:
    html = render(body).html
    assert "<math" not in html and "$$" in html
    assert ("<h1" in html and "<li>item</li>" in html) or "<p>and $$</p>" in html


def test_inline_formulas_side_by_side_open_no_display_formula() -> None:
    """``$a$$b$`` is two inline formulas (a vault may space lines with
    ``$\\space$$\\space$``): its ``$$`` counted as a display delimiter, the paragraph ran
    on to the next such line, printing the heading between as text, its ``##`` and all,
    and a link to that heading was said to lead nowhere."""
    body = (
        "Some words.\n$a$$b$\n## First part\nIts text.\n$\\space$$\\space$\n"
        "## Second part\n- an item $x$$y$\n- another $$\n"
    )
    html = render(body).html
    assert re.findall(r"<h2[^>]*>([^<]*)</h2>", html) == ["First part", "Second part"]
    assert "##" not in html and html.count("<li>") == 2
    assert html.count("<math") == 6, html
    tokens = math_tokens(body)
    assert [kind for kind, _ in tokens].count("math_inline") == 6
    note = make_note("notes/a.md", body)
    assert [h[1] for h in note.headings] == ["First part", "Second part"]
    # The lone ``$$`` of the last item is still an opener nothing closes, and said so.
    assert [p.code for p in note.problems if p.code.startswith("math-")] == ["math-unpaired"]


def test_reading_formulas_side_by_side_is_linear_on_a_long_line() -> None:
    """A line of inline formulas side by side with one closing ``$`` at its end: looking
    ahead for a closer at each ``$$`` took quadratic time (8,000 of them: 12 s).  The limit
    is CPU time, far above a linear read of 1,000,000 characters (a fraction of a second)."""
    line = "$a" + "$$b" * 333_333 + "$"
    with cpu_budget(10.0):
        assert not odd_doubles(line)


def test_a_dollar_pair_no_other_closes_is_reported_on_its_line() -> None:
    """A formula opened in a paragraph and closed past a blank line shows as raw TeX, as
    each paragraph is read alone; the loader says so on each ``$$`` line (and not for an
    escaped one, one in code, or pairs that close)."""
    body = (
        "Bounded by $$\nL\n\nM then $$ more.\n\n"
        "Fine: \\$$ escaped, `$$` in code, $$a$$ and $$\nb\n$$ closed, $k$$\\prime$ side by side.\n"
    )
    note = make_note("notes/a.md", body)
    first = 1 + note_source("Fixture Note", "230306FX01", "false", "", "").decode().count("\n")
    lines = [p.line for p in note.problems if p.code == "math-unpaired"]
    assert lines == [first, first + 3]
    # A table row holds each cell's formulas in a token of its own, on one line.
    table = "| s | t |\n| - | - |\n| $$\\frac{1}{s}$$ | $$1$$ |\n| $$\\frac{1}{s^2}$$ | $$t$$ |\n"
    table_note = make_note("notes/b.md", table)
    assert [p for p in table_note.problems if p.code == "math-unpaired"] == []
    assert render(table).html.count("<math") == 4


@pytest.mark.parametrize(
    "body", ["$$\nv = E[G] \\ \n$$\n", "> [!quote]\n>$$\n>v = E[G] \\ \n>$$\n"]
)
def test_a_control_space_ending_a_formula_is_kept(body: str) -> None:
    """Trimmed to a lone backslash, it escaped the closing dollar: pandoc found no end to
    the formula and the book showed ``$$v = E[G] \\$$`` as text."""
    assert "$$v = E[G] \\ $$" in render(body, math="tex").text
    assert render(body).html.count("<math") == 1
    assert [p for p in make_note("notes/a.md", body).problems if p.code == "math-invalid"] == []


def test_comments_and_code_around_math() -> None:
    body = "Keep $a %% b$ here %% hidden words %% and `$x$` as code."
    rendered = render(body, math="tex")
    # ``%%`` inside a formula opens no note comment; to MathJax it is a TeX comment.
    assert "Keep $a$ here" in rendered.text
    assert "hidden" not in rendered.html
    assert "<code>$x$</code>" in rendered.html


def test_each_rule_writes_its_form_and_the_text_keeps_the_tex() -> None:
    body = "Sum $\\sum_{i=1}^n i$ here.[^1]\n\n$$\nE = mc^2\n$$\n\n[^1]: A note with $y^2$.\n"
    mathml = render(body, math="mathml")
    assert '<annotation encoding="application/x-tex">\\sum_{i=1}^n i</annotation>' in mathml.html
    svg = render(body, math="svg", footnotes="inline")
    assert svg.html.count('src="data:image/svg+xml;base64,') == 3
    # Each keeps its size, the footnote's too (its HTML is sanitised twice).
    sizes = r'style="width:[\d.]+em;height:[\d.]+em;vertical-align:-?[\d.]+em"'
    assert len(re.findall(sizes, svg.html)) == 3
    assert svg.images == ()  # formulas are text, not pictures a feed or a cover might pick
    tex = render(body, math="tex")
    assert "<math" not in tex.html and "<img" not in tex.html
    for rendered in (mathml, svg, tex):
        assert "$\\sum_{i=1}^n i$" in rendered.text
        assert "$$E = mc^2$$" in rendered.text
        assert "$y^2$" in rendered.text
        assert rendered.paragraphs[0].startswith("Sum $\\sum_{i=1}^n i$ here.")


def test_mathml_in_an_inline_footnote_stays_mathml() -> None:
    body = "Text.[^1]\n\n[^1]: First $a_1$.\n\n    Second $$b$$ paragraph.\n"
    html = render(body, math="mathml", footnotes="inline").html
    assert html.count("<math") == 2 and "<msub><mi>a</mi><mn>1</mn></msub>" in html
    assert "fn-math" not in html and "fn-mi" not in html


def test_text_holds_the_tex_as_written_whatever_the_rule() -> None:
    body = "A $a_1 +  b$ and\n\n$$\nx = 1 \\\\\ny = 2\n$$\n"
    texts = {render(body, math=rule).text for rule in ("mathml", "svg", "tex")}
    assert texts == {"A $a_1 +  b$ and\n\n$$x = 1 \\\\\ny = 2$$"}


def test_embedded_formula_keeps_its_size() -> None:
    host = make_note("notes/Fixture Note.md", "Host\n\n![[Other]]\n")
    other = make_note("notes/Other.md", "Shown $x^2$ here.\n", "Other", "230306FX09")
    rendered = render_note(host, vault_with(host, other), url_links(), math="svg")
    assert '<div class="transclusion">' in rendered.html
    assert re.search(r'alt="x\^2" style="width:[\d.]+em;height:[\d.]+em;', rendered.html)


def test_formula_that_cannot_be_converted_stays_tex_with_a_warning() -> None:
    body = "First line.\n\nBroken $\\frac{1}{$ and\nunknown $\\nosuchcommand{x}$ here.\n"
    source = note_source("Fixture Note", "230306FX01", "false", "", body).decode()
    first = source.splitlines().index("Broken $\\frac{1}{$ and") + 1
    expected = [
        ("math-invalid", first, "notes/Fixture Note.md"),
        ("math-invalid", first + 1, "notes/Fixture Note.md"),
    ]
    # Found at load, once for every output.
    note = make_note("notes/Fixture Note.md", body)
    found = sorted((p.code, p.line, p.path) for p in note.problems if p.code == "math-invalid")
    assert found == expected
    assert "\\frac{1}{" in next(p.message for p in note.problems if p.line == first)
    unchecked = dataclasses.replace(note, problems=())  # as if the loader had not looked
    for rule in ("mathml", "svg"):
        rendered = render(body, math=rule)
        assert '<code class="math-tex">$\\frac{1}{$</code>' in rendered.html
        assert '<code class="math-tex">$\\nosuchcommand{x}$</code>' in rendered.html
        assert "$\\frac{1}{$" in rendered.text
        assert rendered.problems == ()  # the loader's warnings are not given again
        # A formula the loader did not report is reported by the render, with its line.
        again = render_note(unchecked, vault_with(unchecked), url_links(), math=rule)  # type: ignore[arg-type]
        assert sorted((p.code, p.line, p.path) for p in again.problems) == expected


TRICKY = [
    ("a<b", False),
    ("a \\lt b \\gt c", False),
    ("\\text{fish & chips}", False),
    ("x \\& y", False),
    ("\\begin{gather} xy=1 & xy=2 \\\\ y=x & y=3x \\end{gather}", True),
    ("\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}", True),
    ("\\frac{1}{", False),
    ("\\nosuchcommand{x}", False),
    ("\\operatorname{arg\\,max} f", True),
    ("\\text{<tag>}", False),
    ("\\mathrm{A&amp;B}", False),
]


@pytest.mark.parametrize(("tex", "display"), [*((e, True) for e in ENTRIES), *TRICKY])
def test_the_loaders_check_agrees_with_the_conversion(tex: str, display: bool) -> None:
    """The loader checks every formula with the cheaper :func:`convertible`; it must say
    what :func:`to_mathml` does (on a real vault's 43,028 formulas it did, in two thirds of
    the time)."""
    written, shown = written_tex(tex) if tex.startswith("$") else (tex, display)
    assert convertible(written, shown) == (to_mathml(written, shown) is not None)


#: Pieces of TeX, the characters latex2mathml writes as markup among them.
_PIECES = [*"xy12+-=<>&_^{}()[]| ", "\\frac", "\\text{", "\\begin{gather}", "\\end{gather}"]
_PIECES += ["\\\\", "\\sqrt", "\\lt", "&amp;", "\\nosuch", "\\left(", "\\right)"]


@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_the_loaders_check_agrees_with_the_conversion_on_any_tex(pieces: str) -> None:
    for display in (False, True):
        assert convertible(pieces, display) == (to_mathml(pieces, display) is not None), pieces


def _nested_fractions(depth: int, mark: str) -> str:
    return "\\frac{1}{" * depth + mark + "}" * depth


def test_a_formula_too_deep_to_draw_is_tex_for_print_and_mathml_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ziamath's work doubles with each level of nesting; past a count of layout nodes the
    formula is written as TeX with its own warning, the rest of the note as usual.  The
    count (not the time) decides, so every machine prints the same.  A low count here
    stands for the default: the real formula below drawn either way shows the same rule."""
    monkeypatch.setattr(math_module, "SVG_NODES", 2_000)
    deep = _nested_fractions(9, "x_{deep}")  # some 12,000 nodes
    shallow = _nested_fractions(2, "y_{shallow}")
    body = f"Intro $a+b$.\n\n$${deep}$$\n\nThen ${shallow}$ after.\n"
    to_svg.cache_clear()
    try:
        printed = render(body, math="svg")
    finally:
        to_svg.cache_clear()
    assert printed.html.count('<img class="math') == 2  # $a+b$ and the shallow one
    assert f'<code class="math-tex">$${deep}$$</code>' in printed.html
    ((code, line, message),) = [(p.code, p.line, p.message) for p in printed.problems]
    assert code == "math-too-complex"
    source = note_source("Fixture Note", "230306FX01", "false", "", body).decode()
    assert line == source.splitlines().index(f"$${deep}$$") + 1
    assert "nested too deeply to draw for print" in message
    # Feeds and books write MathML, which has no such cost: there it is math.
    web = render(body, math="mathml")
    assert web.html.count("<math ") == 3 and web.problems == ()


def test_the_default_count_draws_the_deepest_real_shapes() -> None:
    """Rows of a gathered display with fractions under roots inside fences, as a real
    engineering vault nests them (some 5,000 nodes): far inside the default count."""
    row = "\\left( \\dfrac{\\sqrt{ {x}_{1}^{2}+{y}_{2} }}{2\\pi {r}_{0}} \\right)"
    tex = "\\begin{gathered}\n" + " \\\\\n".join([row] * 4) + "\n\\end{gathered}"
    assert isinstance(to_svg(tex, True), Svg)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_note_budget_running_out_inside_a_formula_is_not_kept_as_its_result() -> None:
    """The budget's signal can land inside ziamath or latex2mathml, whose own error
    handling must not turn it into "cannot be converted", cached for the next note.  (When
    it lands in a garbage collector's callback it is printed and raised again: ignored.)"""
    tex = _nested_fractions(8, "z_{budget}")
    to_svg.cache_clear()
    with pytest.raises(BudgetExceeded), cpu_budget(0.01):
        to_svg(tex, True)
    assert isinstance(to_svg(tex, True), Svg)


def test_sanitiser_lets_exactly_mathml_through() -> None:
    body = (
        '<math><mi href="javascript:alert(1)" onclick="x()">a</mi>'
        '<maction actiontype="statusline"><mi>b</mi></maction><mo style="color:red">+</mo></math>'
        ' <img src="data:image/svg+xml;base64,PHN2Zy8+" style="width:1em"> '
        '<img src="https://ex.org/a.png" style="width:9em">\n'
    )
    html = render(body).html
    assert "<math><mi>a</mi>" in html
    for gone in ("javascript", "onclick", "maction", "statusline", "style=", "data:"):
        assert gone not in html
    # Without the renderer's filter, no data: URL passes either.
    assert "data:" not in sanitize('<img src="data:image/png;base64,AAAA">')


# --- one build through every exporter -------------------------------------------------------

BODY = r"""Growth is $a_1 + b_1$ per day, which costs $5 and $10 in total.

$$
\begin{aligned}
f(x) &= \frac{x^2}{2} \\
     &= \sum_{i=1}^{n} i
\end{aligned}
$$

The set $\{ x \mid x > 0 \}$ holds $50\%$ of $\mathbb{R} \big/ \mathbb{Z}$.

$$
E = mc^2

p = mv
$$

^energy

By [[#^energy|the formulas]], energy is mass.
"""
CONFIG = """
[site]
title = "Math"
url = "https://math.example.org/"
author = "A. Writer"
language = "en"
timezone = "UTC"

[targets.feed]
exporter = "feed"
formats = ["atom"]

[targets.book]
exporter = "epub"

[targets.digest]
exporter = "pdf"

[targets.meta]
exporter = "jsonld"
article_body = true
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    files = {"Formulas.md": note_text("Formulas", BODY, note_id="230306MA01")}
    root = write_vault(tmp_path_factory.mktemp("math") / "vault", files, CONFIG)
    report = notepress.load_project(root).build()
    assert [str(p) for p in report.all_problems()] == []
    for target in report.targets:
        assert target.ok, target.error
    return {target.name: list(target.files) for target in report.targets}


def _file(built: dict[str, list[Path]], target: str, name: str) -> Path:
    return next(path for path in built[target] if path.name == name)


def test_feed_item_holds_mathml_with_the_tex(built: dict[str, list[Path]]) -> None:
    parsed = feedparser.parse(_file(built, "feed", "atom.xml").read_bytes())
    assert not parsed.bozo
    (entry,) = parsed.entries
    content = entry.content[0].value
    assert content.count("<math") == 6
    # The formula with a blank line is one formula, and carries its block id.
    assert re.search(r'<div [^>]*id="n230306MA01-block-energy"[^>]*><math ', content)
    assert '<annotation encoding="application/x-tex">a_1 + b_1</annotation>' in content
    assert "costs $5 and $10" in content


def test_epub_holds_mathml_and_passes_epubcheck(built: dict[str, list[Path]]) -> None:
    path = _file(built, "book", "book.epub")
    assert epubcheck(path) == []
    with zipfile.ZipFile(path) as archive:
        pages = [archive.read(n) for n in archive.namelist() if n.endswith(".xhtml")]
        opf = next(archive.read(n) for n in archive.namelist() if n.endswith(".opf"))
    formulas = [e for page in pages for e in ET.fromstring(page).iter(f"{MATHML}math")]
    assert len(formulas) == 6
    # The link to the formula's block id leads to the element that carries it.
    (page,) = [ET.fromstring(page) for page in pages if b"block-energy" in page]
    (anchor,) = [e.get("id") for e in page.iter() if (e.get("id") or "").endswith("block-energy")]
    links = [e.get("href") or "" for e in page.iter("{http://www.w3.org/1999/xhtml}a")]
    assert [link for link in links if link.endswith(f"#{anchor}")]
    assert {f.get("display") for f in formulas} == {"inline", "block"}
    assert b'properties="mathml"' in opf


def test_pdf_draws_the_formulas(built: dict[str, list[Path]]) -> None:
    reader = PdfReader(_file(built, "digest", "digest.pdf"))
    page = next(p for p in reader.pages if "Growth is" in p.extract_text())
    text = page.extract_text()
    assert "$" not in text.replace("costs $5 and $10", "")
    assert "a_1" not in text and "\\frac" not in text
    # The formulas are vector drawings on the page: paths filled, far more than text alone.
    operators = page.get_contents().get_data()  # type: ignore[union-attr]
    assert operators.count(b" c\n") + operators.count(b" l\n") > 200
    # The link to the formula's block id leads to the formula, not to the note's top.
    anchor = "n230306MA01-block-energy"
    assert anchor in reader.named_destinations
    assert anchor in {str(link.get("/Dest")) for link in link_annotations(reader)}


def test_jsonld_keeps_the_tex(built: dict[str, list[Path]]) -> None:
    document = json.loads(_file(built, "meta", "230306MA01.jsonld").read_text("utf-8"))
    body = document["articleBody"]
    assert "$a_1 + b_1$" in body
    assert "$\\{ x \\mid x > 0 \\}$" in body and "$50\\%$" in body
    assert "\\begin{aligned}" in body and "&= \\frac{x^2}{2} \\\\" in body


@pytest.mark.parametrize(
    ("tex", "rows"),
    [
        pytest.param(
            r"a = b \\[10 pt]", r"\begin{gathered}a = b \\[10 pt]\end{gathered}", id="row"
        ),
        pytest.param(
            r"a &= b \\ c &= d", r"\begin{aligned}a &= b \\ c &= d\end{aligned}", id="aligned"
        ),
        pytest.param(
            r"a \& b \\ c", r"\begin{gathered}a \& b \\ c\end{gathered}", id="escaped-amp"
        ),
        pytest.param(r"\begin{cases} a \\ b \end{cases}", None, id="in-environment"),
        pytest.param(r"{a \\ b}", None, id="in-group"),
        pytest.param(r"\begin{align} a \\ b \end{align}", None, id="display-environment"),
        pytest.param(r"\frac{a}{b}", None, id="no-rows"),
    ],
)
def test_bare_rows_of_a_display_formula_become_an_environment(tex: str, rows: str | None) -> None:
    """MathJax breaks a display formula at a ``\\`` outside any environment; texmath
    refuses it, the environment it is in for MathJax it reads."""
    assert display_rows(tex) == (rows or tex)


def test_a_formula_with_bare_rows_keeps_its_tex_as_written_beside_the_rows_converted() -> None:
    html = render("$$\na = b \\\\[10 pt]\nc = d\n$$\n", math="mathml").html
    assert 'alttext="a = b \\\\[10 pt]\nc = d"' in html
    assert "\\begin{gathered}a = b" in html  # the annotation a book's pandoc reads


@pytest.mark.parametrize("body", ["$$\n$$\n\nText.\n", "A $$ $$ b\n", "$$\n\n$$\n"])
def test_an_empty_formula_is_nothing_and_no_warning(body: str) -> None:
    """Obsidian draws nothing for it; it was printed as ``$$$$`` code with a math-invalid
    warning about formula '', which named nothing to fix."""
    for rule in ("mathml", "svg", "tex"):
        rendered = render(body, math=rule)
        assert "$$" not in rendered.html and "math" not in rendered.html, rule
        assert rendered.problems == ()
    assert not [p for p in make_note("notes/a.md", body).problems if p.code.startswith("math-")]


def test_a_list_items_formula_closed_at_the_margin_after_blank_lines_is_closed() -> None:
    """A formula opened in a list item and closed by a ``$$`` at the margin after blank
    lines (as some editors leave it): it stayed TeX, and that ``$$`` opened a formula that
    took the next item as TeX, and so on down the note (two notes of one public garden)."""
    body = (
        "1. We start from\n   $$\n   a = 1\n\n\n$$\n2. Then one more step.\n   \n"
        "$$\n\nb = 2\n\n$$\n3. And a last remark.\n"
    )
    assert math_tokens(body) == [
        ("math_block", "\n   a = 1\n\n\n"),
        ("math_block", "\n\nb = 2\n\n"),
    ]
    html = render(body).html
    assert "<li>Then one more step.</li>" in html and "<li>And a last remark.</li>" in html
    assert html.count("<math") == 2 and "$$" not in html
    assert not [p for p in make_note("notes/a.md", body).problems if p.code.startswith("math-")]


def test_a_formula_with_letters_the_math_font_lacks_is_tex_for_print_with_a_warning() -> None:
    """ziamath draws with its one math font, which has no Chinese, Arabic or Hebrew: such
    a character printed as an empty box with no word said.  The formula is written as TeX
    for print, with a warning naming the characters; a formula of Greek and Latin next to it
    is drawn, and feeds and books, whose readers choose the fonts, keep every one as math."""
    body = "Speed $v = \\frac{\\text{路程}}{\\text{时间}}$ and $\\alpha + \\aleph$.\n"
    printed = render(body, math="svg")
    assert printed.html.count('<img class="math') == 1
    assert '<code class="math-tex">$v = \\frac{\\text{路程}}{\\text{时间}}$</code>' in printed.html
    ((code, message),) = [(p.code, p.message) for p in printed.problems]
    assert code == "math-unprintable"
    assert "('路', '程', '时', '间')" in message
    web = render(body, math="mathml")
    assert web.html.count("<math ") == 2 and web.problems == ()


def test_tex_comments_reach_no_output() -> None:
    """A ``%`` remark in a formula is never shown by Obsidian's MathJax: no output writes it,
    not in MathML's annotation or ``alttext``, not as JSON-LD's TeX, not as the TeX printed
    when a formula cannot be drawn (an unknown command).  An escaped ``\\%`` stays."""
    body = (
        "$$\n\\begin{aligned}\nr &= 0.043 \\\\ % quoted by my brother, PRIVATE ONE\n"
        "P &= 250\n\\end{aligned}\n$$\n\n"
        "Inline $50\\% + x % PRIVATE TWO$ and $\\nosuchmacro{y} % PRIVATE THREE$.\n"
    )
    for math in ("mathml", "tex", "svg"):
        rendered = render(body, math=math)
        assert "PRIVATE" not in rendered.html, math
        assert "brother" not in rendered.html, math
    assert "50\\%" in render(body, math="tex").html
    printed = render(body, math="svg").html
    assert '<code class="math-tex">$\\nosuchmacro{y}$</code>' in printed


@pytest.mark.parametrize(
    ("tex", "seen"),
    [
        # MathJax reads a command's braced argument apart: a comment ends with it.
        ("\\frac{a % a remark\n}{b}", "\\frac{a }{b}"),
        # In the argument of \text and its kin, % is a percent sign.
        ("\\text{save 20% on seeds} + x % a remark", "\\text{save 20% on seeds} + x"),
        ("\\mbox {a%b}", "\\mbox {a%b}"),
        ("x \\tag*{VAT 20%} % a remark", "x \\tag*{VAT 20%}"),
        ("\\fbox{save 30% now}", "\\fbox{save 30% now}"),
        ("a %c\n   b", "a b"),
    ],
)
def test_a_tex_comment_ends_where_mathjax_ends_it(tex: str, seen: str) -> None:
    assert trimmed(tex) == seen


def test_a_description_shows_its_formula_without_tex_comments() -> None:
    """A frontmatter description's formula reaches a feed's summary and the JSON-LD as
    text: without the remark MathJax never shows."""
    from notepress.markdown.parser import plain_text

    assert plain_text("Rate $r = 0.043 % my brother's figure$ in the end") == (
        "Rate r = 0.043 in the end"
    )
