"""The JSON-LD exporter's text out: one serialisation, and a script element to paste in a page."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["script_element", "to_json"]

#: What a JSON text inside ``<script>`` must not contain literally.  ``<`` alone covers
#: ``</script>`` and ``<!--``; ``>`` and ``&`` are escaped too so that the text is also safe
#: in XHTML and for tools that unescape entities; U+2028/U+2029 for old JavaScript parsers.
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")
#: Template delimiters (``{{ }}``, ``{% %}``, ``{# #}``): Jinja, Nunjucks, Liquid and Go
#: templates would run them when a site includes the snippet.  Only strings can hold them,
#: since the indented JSON never puts a brace next to another brace, ``%`` or ``#``.
_TEMPLATE_OPEN = re.compile(r"\{(?=[{%#])")
_TEMPLATE_CLOSE = re.compile(r"(?<=[}%#])\}")


def to_json(document: Any) -> str:
    """The one serialisation every file uses: sorted keys, two-space indent, real UTF-8."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def script_element(json_text: str) -> str:
    """``<script type="application/ld+json">`` holding ``json_text``, safe to paste in a page.

    Inside ``<script>`` HTML ends the element at the first ``</script`` whatever the JSON
    says, so the characters that could start markup are written as JSON escapes, and so are
    the braces of template delimiters, so that a template engine can include the file as it
    is: a JSON parser reads the same strings back.
    """
    text = _SCRIPT_UNSAFE.sub(lambda m: _SCRIPT_ESCAPES[m.group(0)], json_text)
    text = _TEMPLATE_CLOSE.sub(r"\\u007d", _TEMPLATE_OPEN.sub(r"\\u007b", text))
    return f'<script type="application/ld+json">\n{text}</script>\n'
