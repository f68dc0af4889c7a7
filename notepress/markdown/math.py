r"""TeX math: ``$...$`` inline and ``$$...$$`` display, read as Obsidian reads them.

Math is parsed by mdit-py-plugins' dollarmath before any other inline rule, so markdown never
touches the TeX: no ``\\`` turned into ``\``, no ``_`` pairs read as emphasis, no wikilink,
tag, highlight or footnote inside a formula.  Obsidian's reading (as pandoc's): inline math
has no space right inside its dollars and its closing ``$`` is not followed by a digit, so
"costs $5 and $10" stays text; ``$$...$$`` is display math, on its own lines (over several,
inside list items and callouts too) or within a paragraph.

How a formula is written depends on the output, its *math rule*, chosen next to the footnote
rule:

``mathml``
    MathML (latex2mathml), the TeX kept as an annotation and as ``alttext``: feeds and
    e-books, whose readers show MathML.
``svg``
    An SVG image (ziamath, pure Python) sized in ``em`` so that it sits on the text line:
    print, since WeasyPrint has no MathML.
``tex``
    The TeX as written, between its dollars: metadata and plain text.

A formula neither library can convert is written as its TeX in a code style
(``<code class="math-tex">``) and gives a ``math-invalid`` warning.  Conversions are cached by
the TeX alone, so rendering stays pure.
"""

from __future__ import annotations

import base64
import functools
import re
import warnings
from collections.abc import Iterator, Sequence
from typing import Literal
from xml.etree import ElementTree

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin

__all__ = [
    "MATH_LINE",
    "MATH_RULES",
    "MATH_TOKENS",
    "MathRule",
    "Svg",
    "invalid_formulas",
    "invalid_message",
    "math_plugin",
    "to_mathml",
    "to_svg",
]

MathRule = Literal["mathml", "svg", "tex"]
MATH_RULES: tuple[MathRule, ...] = ("mathml", "svg", "tex")
#: Token types holding a formula; ``content`` is its TeX exactly as written.
MATH_TOKENS = frozenset({"math_inline", "math_inline_double", "math_block"})
#: ``meta`` key of an inline formula: its line in the body (0-based), for warnings.
MATH_LINE = "math_line"

_MATHML = "http://www.w3.org/1998/Math/MathML"
#: A TeX command left as text in the result: a command the converter does not know.
_UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z]+")
#: Environments latex2mathml lacks, and the one it knows that draws the same.
_ENVIRONMENTS = {"aligned": "align*", "alignedat": "align*", "gathered": "gather*"}
_ENVIRONMENT_RE = re.compile(r"\\(begin|end)\{(aligned|alignedat|gathered)\}")
#: LaTeX's named operators that latex2mathml (and ziamath, which uses it) does not know,
#: written as the ``\operatorname`` they are: ``\arg\max`` is everyday statistics.
_OPERATORS_RE = re.compile(r"\\(arg)(?![A-Za-z])")
#: Size in pixels at which ziamath draws; results are scaled back to em.
_SVG_SIZE = 20.0


def math_plugin(md: MarkdownIt) -> None:
    """Parse dollar math as Obsidian does, and record each inline formula's line."""
    dollarmath_plugin(
        md,
        allow_labels=False,
        allow_space=False,
        allow_digits=False,
        allow_blank_lines=False,
        double_inline=True,
    )
    md.core.ruler.after("inline", "math_lines", _lines)


def _lines(state: StateCore) -> None:
    """The body line of each inline formula: its block's first line plus the breaks before."""
    for token in state.tokens:
        if token.type != "inline" or not token.map or not token.children:
            continue
        line = token.map[0]
        for child in token.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type in MATH_TOKENS:
                child.meta[MATH_LINE] = line
                line += child.content.count("\n")


def invalid_formulas(tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """(body line, TeX) of each formula of ``tokens`` that cannot be written as MathML.

    For the loader's check: MathML is the cheap conversion, and what it cannot read no
    output can show as math.
    """
    for token in tokens:
        if token.type == "math_block" and to_mathml(token.content.strip(), True) is None:
            yield (token.map[0] if token.map else 0), token.content.strip()
        for child in token.children or ():
            if child.type in MATH_TOKENS:
                display = child.type == "math_inline_double"
                if to_mathml(child.content.strip(), display) is None:
                    yield child.meta.get(MATH_LINE, 0), child.content.strip()


def invalid_message(tex: str) -> str:
    """The ``math-invalid`` warning's text, the same at load and at render."""
    shown = tex if len(tex) <= 60 else tex[:57] + "..."
    return f"formula {shown!r} cannot be converted; it is shown as TeX"


@functools.lru_cache(maxsize=4096)
def to_mathml(tex: str, display: bool) -> str | None:
    """MathML for ``tex`` with the TeX as annotation and ``alttext``; None if it fails."""
    from latex2mathml.converter import convert

    source = _ENVIRONMENT_RE.sub(lambda m: f"\\{m.group(1)}{{{_ENVIRONMENTS[m.group(2)]}}}", tex)
    source = _with_operator_names(source)
    try:
        root = ElementTree.fromstring(convert(source, display="block" if display else "inline"))
    except Exception:  # latex2mathml raises many kinds, and may write malformed XML
        return None
    if _unknown(root):
        return None
    semantics = ElementTree.Element(f"{{{_MATHML}}}semantics")
    row = ElementTree.SubElement(semantics, f"{{{_MATHML}}}mrow")
    row.extend(list(root))
    annotation = ElementTree.SubElement(
        semantics, f"{{{_MATHML}}}annotation", {"encoding": "application/x-tex"}
    )
    annotation.text = tex
    root[:] = [semantics]
    for element in root.iter():  # written unprefixed, as HTML holds MathML
        element.tag = element.tag.rpartition("}")[2]
    root.set("xmlns", _MATHML)
    root.set("alttext", tex)
    return ElementTree.tostring(root, encoding="unicode", short_empty_elements=False)


def _with_operator_names(tex: str) -> str:
    return _OPERATORS_RE.sub(r"\\operatorname{\1}", tex) if "\\arg" in tex else tex


def _unknown(root: ElementTree.Element) -> bool:
    return any(_UNKNOWN_COMMAND.search(element.text or "") for element in root.iter())


class Svg:
    """A formula drawn as SVG: a ``data:`` URL and its size and baseline, in em."""

    def __init__(self, url: str, width: float, height: float, depth: float) -> None:
        self.url = url
        self.width = width
        self.height = height
        self.depth = depth
        """How far the drawing reaches below the text's baseline."""

    @property
    def style(self) -> str:
        """The size as CSS, numbers written as the sanitiser writes them back (``0.94em``)."""
        return (
            f"width:{_em(self.width)};height:{_em(self.height)};vertical-align:{_em(-self.depth)}"
        )


def _em(value: float) -> str:
    number = f"{value:.3f}".rstrip("0").rstrip(".")
    return ("0" if number in ("0", "-0") else number) + "em"


@functools.lru_cache(maxsize=4096)
def to_svg(tex: str, display: bool) -> Svg | None:
    """``tex`` drawn by ziamath, or None when it cannot be (or holds an unknown command)."""
    with warnings.catch_warnings():  # ziamath finds its font with a deprecated resources API
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath

    try:
        latex = ziamath.Latex(_with_operator_names(tex), size=_SVG_SIZE, inline=not display)
        if _unknown(ElementTree.fromstring(latex.mathmlstr())):
            return None
        svg = latex.svg()
        root = ElementTree.fromstring(svg)
        _, min_y, _, _ = (float(v) for v in root.attrib["viewBox"].split())
        width, height = float(root.attrib["width"]), float(root.attrib["height"])
    except Exception:  # ziamath raises many kinds on TeX it cannot read
        return None
    url = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
    return Svg(url, width / _SVG_SIZE, height / _SVG_SIZE, (height + min_y) / _SVG_SIZE)
