"""Exporters by name: the built-in four, plus third-party ones from entry points.

Exporters are imported only when a config names them, so a vault that only builds a feed
never pays for importing WeasyPrint.
"""

from __future__ import annotations

import functools
import importlib
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .exporter import Exporter

__all__ = ["ENTRY_POINT_GROUP", "exporter_names", "get_exporter"]

ENTRY_POINT_GROUP = "notepress.exporters"

_BUILTIN = {
    "feed": "notepress.exporters.feed:FeedExporter",
    "pdf": "notepress.exporters.pdf:PdfExporter",
    "epub": "notepress.exporters.epub:EpubExporter",
    "jsonld": "notepress.exporters.jsonld:JsonLdExporter",
}


@functools.cache
def _specs() -> dict[str, str]:
    specs = dict(_BUILTIN)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        existing = specs.get(entry.name)
        if existing is not None and existing != entry.value:
            raise LookupError(
                f"two exporters are called {entry.name!r}: {existing} and {entry.value}"
            )
        specs[entry.name] = entry.value
    return specs


def exporter_names() -> list[str]:
    return sorted(_specs())


@functools.cache
def get_exporter(name: str) -> type[Exporter]:
    """The exporter class registered as ``name``."""
    spec = _specs().get(name)
    if spec is None:
        raise LookupError(f"unknown exporter {name!r} (available: {', '.join(exporter_names())})")
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    exporter: type[Exporter] = getattr(module, attribute)
    if exporter.name != name:
        raise LookupError(f"exporter {spec} calls itself {exporter.name!r}, registered as {name!r}")
    return exporter
