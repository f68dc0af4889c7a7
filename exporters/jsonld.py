"""Placeholder: the jsonld exporter is being written."""

from __future__ import annotations

from dataclasses import dataclass

from notepress.errors import ExportError
from notepress.exporter import Exporter, Job


@dataclass(frozen=True)
class JsonLdOptions:
    pass


class JsonLdExporter(Exporter):
    name = "jsonld"
    Options = JsonLdOptions
    allows_drafts = "jsonld" in ("pdf", "epub")

    def build(self, job: Job) -> None:
        raise ExportError("not implemented yet")
