"""Diagrams that Obsidian plugins draw from a fenced block and no renderer here draws.

TikZJax draws a ```` ```tikz ```` block (commutative diagrams, plots: common in mathematics
vaults), the PlantUML and Graphviz plugins theirs, Obsidian Charts a ```` ```chart ````
block's data.  Obsidian shows the drawing; an output of notepress can only show the block's
source, which its reader then sees where the drawing was.  So each such block stays code, as
any other, with a ``diagram-unsupported`` warning naming the note and line, from the loader
(``check``) and the renderer alike, as query blocks are (:mod:`.queries`): the writer learns
which drawings to export as images and embed instead.  (Mermaid is drawn:
:mod:`.diagrams`.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from markdown_it.token import Token

from .queries import fence_language, fence_pattern, fenced_blocks

__all__ = ["DIAGRAM_FENCE", "diagram_message", "plugin_diagram", "plugin_diagrams"]

#: Each fenced language a plugin draws, and the plugin.
_PLUGINS = {
    "tikz": "TikZJax",
    "plantuml": "PlantUML",
    "graphviz": "Graphviz",
    "chart": "Obsidian Charts",
}
#: A line that may open such a block.
DIAGRAM_FENCE = fence_pattern(_PLUGINS)


def plugin_diagram(token: Token) -> str | None:
    """The language of a fenced block a plugin draws, lower case; None for any other."""
    return fence_language(token, _PLUGINS)


def plugin_diagrams(tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """(body line, 0-based, language) of each block of ``tokens`` a plugin draws."""
    return fenced_blocks(tokens, _PLUGINS)


def diagram_message(language: str) -> str:
    """The ``diagram-unsupported`` warning's text, the same at load and at render."""
    return (
        f"{language} block shown as its source: {_PLUGINS[language]} draws it in Obsidian, "
        "and nothing here can; export the drawing as an image and embed that to publish it"
    )
