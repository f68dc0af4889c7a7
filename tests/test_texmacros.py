"""A vault's TeX macros (``preamble.sty``), read as Obsidian's Extended MathJax plugin reads
them and expanded in every output's formulas."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from notepress.budget import cpu_budget
from notepress.texmacros import TexMacros, parse_preamble, read_preamble
from tests.conftest import note_text, write_vault

PREAMBLE = r"""% macros of a calculus course
\newcommand{\norm}[1]{\left\lVert #1 \right\rVert}
\newcommand\pand{\;\land\;}   % no braces around the name
\newcommand{\plog}[2][10]{\log_{#1}\left(#2\right)}
\renewcommand{\pand}{\;\wedge\;}
\providecommand{\pand}{ignored, already defined}
\DeclareMathOperator{\arcsec}{arcsec}
\DeclareMathOperator*{\argmax}{arg\,max}
\def\swap#1#2{#2 #1}
\newcommand{\fn}[1]{\sin#1}
\newcommand{\gen}[1]{\langle#1\rangle}
\newcommand{\rows}{a \\% a remark, then the body goes on
b}
\newcommand{\0}{\mathbf{0}}
\def\1{\mathbb{1}}
\newcommand{\broken}[1]{never closed
"""


@pytest.fixture(scope="module")
def macros() -> TexMacros:
    found, problems = parse_preamble(PREAMBLE)
    assert [(p.code, p.line) for p in problems] == [("math-preamble", 16)]
    return found


@pytest.mark.parametrize(
    ("tex", "expanded"),
    [
        (r"\norm{v}", r"\left\lVert v \right\rVert"),
        (r"a \pand b", r"a \;\wedge\; b"),
        (r"\plog{x}", r"\log_{10}\left(x\right)"),
        (r"\plog[2]{y}", r"\log_{2}\left(y\right)"),
        (r"\arcsec x", r"\operatorname{arcsec} x"),
        (r"\argmax_x", r"\operatorname*{arg\,max}_x"),
        (r"\swap{a}{b}", "b a"),
        (r"\norm{\norm{w}}", r"\left\lVert \left\lVert w \right\rVert \right\rVert"),
        (r"\norm x", r"\left\lVert x \right\rVert"),
        (r"\normal \pandas", r"\normal \pandas"),  # other words that start alike
        (r"\frac{1}{2}", r"\frac{1}{2}"),
        # A command before an argument of letters stays itself: not \sinh, not \langlea.
        (r"\fn{h}", r"\sin h"),
        (r"\gen{a}", r"\langle a\rangle"),
        (r"\gen{\beta}", r"\langle\beta\rangle"),
        # Control symbols are names too; ``\\`` is one command, then its text.
        (r"v = \0 + \1", r"v = \mathbf{0} + \mathbb{1}"),
        # ``\\%``: a line break, then a comment (which a preamble's reader never keeps).
        (r"\rows", r"a \\ b"),
        (r"a \\0 b \\1", r"a \\0 b \\1"),
        (r"x \\norm{y}", r"x \\norm{y}"),
    ],
)
def test_macros_expand_with_their_arguments(macros: TexMacros, tex: str, expanded: str) -> None:
    assert macros.expand(tex) == expanded


@pytest.mark.parametrize(
    "preamble",
    [
        pytest.param(r"\newcommand{\loop}{\loop x}", id="calls-itself"),
        pytest.param(
            r"\newcommand{\twice}[1]{#1#1}\newcommand{\boom}{\twice{\twice{\twice{\boom}}}}",
            id="doubles",
        ),
    ],
)
def test_expansion_is_bounded(preamble: str) -> None:
    """A macro that never ends leaves TeX no converter reads, bounded in size and time."""
    found, _ = parse_preamble(preamble)
    tex = " ".join([r"\loop \boom"] * 200)
    with cpu_budget(10):
        expanded = found.expand(tex)
    assert len(expanded) <= 20 * len(tex) + 20_000 + 1_000


def test_a_missing_or_huge_preamble_reads_as_none(tmp_path: Path) -> None:
    assert read_preamble(tmp_path) == (TexMacros(), [])
    (tmp_path / "preamble.sty").write_bytes(b"%" * (300 * 1024))
    found, problems = read_preamble(tmp_path)
    assert not found and [p.code for p in problems] == ["math-preamble"]


SITE = '[site]\nurl = "https://notes.example.org/"\n[targets.news]\nexporter = "feed"\nformats = ["json"]\n'


def _vault(root: Path, preamble: str | None) -> Path:
    files: dict[str, str | bytes] = {
        "limits.md": note_text(
            "Limits", "The size $\\norm{x}$ and $\\plog{n}$ of a thing.\n", created="2024-02-01"
        )
    }
    if preamble is not None:
        files["preamble.sty"] = preamble
    return write_vault(root, files, SITE)


def _item(out: Path) -> str:
    feed = json.loads((out / "news" / "feed.json").read_text(encoding="utf-8"))
    return str(feed["items"][0]["content_html"])


def test_a_vault_preamble_turns_its_formulas_into_math(tmp_path: Path, build_vault) -> None:
    without = build_vault(_vault(tmp_path / "plain", None), output=tmp_path / "o1")
    assert any(p.code == "math-invalid" for p in without.problems)
    root = _vault(tmp_path / "with", PREAMBLE)
    report = build_vault(root, output=tmp_path / "o2")
    assert not [p for p in report.problems if p.code == "math-invalid"]
    html = _item(tmp_path / "o2")
    assert html.count("<math") == 2 and "math-tex" not in html
    assert "\u2225" in html or "\u2016" in html  # the norm's bars, drawn as MathML
    # Asked in the config for another file, and told when there is none.
    (root / "notepress.toml").write_text(SITE + '[vault]\nmath_preamble = "tex/macros.sty"\n')
    report = build_vault(root, output=tmp_path / "o3")
    assert ("math-preamble", "tex/macros.sty") in {(p.code, p.path) for p in report.problems}


def test_the_preamble_the_mathjax_plugin_names_is_read(tmp_path: Path, build_vault) -> None:
    """The Extended MathJax plugin keeps its preamble where its settings say
    (``preamblePath``), not only at the vault's root: read there, as Obsidian does."""
    root = _vault(tmp_path / "vault", None)
    write_vault(
        root,
        {
            "tex/macros.sty": PREAMBLE,
            ".obsidian/plugins/obsidian-latex/data.json": '{"preamblePath": "tex/macros.sty"}',
        },
    )
    report = build_vault(root, output=tmp_path / "out")
    assert not [p for p in report.problems if p.code == "math-invalid"]
    assert not [p for p in report.problems if "no such file" in p.message]
    assert _item(tmp_path / "out").count("<math") == 2
    # A path that names no file is said, with the setting that names it.
    (root / ".obsidian/plugins/obsidian-latex/data.json").write_text('{"preamblePath": "gone.sty"}')
    report = build_vault(root, output=tmp_path / "again")
    (missing,) = [p for p in report.problems if p.code == "math-preamble"]
    assert missing.path == "gone.sty" and "obsidian-latex" in missing.message


def test_a_formula_no_converter_reads_shows_what_the_author_wrote(
    tmp_path: Path, build_vault
) -> None:
    """Its macros expanded, it showed TeX the note does not hold (``\\tag*{...}`` 52 times
    where a vault wrote ``\\done``), and the warning doubled each backslash."""
    root = write_vault(
        tmp_path / "vault",
        {
            "proof.md": note_text("Proof", "So it holds.\n\n$$\\done$$\n", created="2024-02-01"),
            "preamble.sty": "\\newcommand{\\done}{\\tag*{$\\square$}}\n",
        },
        SITE,
    )
    report = build_vault(root, output=tmp_path / "out")
    html = _item(tmp_path / "out")
    assert "math-tex" in html  # latex2mathml reads no \tag*
    assert "$$\\done$$" in html and "tag*" not in html
    (problem,) = [p for p in report.problems if p.code == "math-invalid"]
    assert problem.message.startswith("formula '\\done' cannot be converted")


def test_a_preamble_edit_renders_the_formulas_again(tmp_path: Path, build_vault) -> None:
    """A kept rendering depends on the macros it expanded: an edit of the preamble alone
    gives what a build without the cache gives."""
    root = _vault(tmp_path / "vault", PREAMBLE)
    build_vault(root, output=tmp_path / "out")
    first = _item(tmp_path / "out")
    edited = PREAMBLE.replace(r"\left\lVert #1 \right\rVert", r"\left| #1 \right|")
    (root / "preamble.sty").write_text(edited, encoding="utf-8")
    later = time.time() + 5
    os.utime(root / "preamble.sty", (later, later))
    build_vault(root, output=tmp_path / "out")
    cold = build_vault(root, output=tmp_path / "cold", cache=False)
    assert not cold.problems or all(p.code != "math-invalid" for p in cold.problems)
    assert _item(tmp_path / "out") == _item(tmp_path / "cold") != first
