"""Placeholder: the pdf exporter is being written."""

from __future__ import annotations

from dataclasses import dataclass

from notepress.errors import ExportError
from notepress.exporter import Exporter, Job


@dataclass(frozen=True)
class PdfOptions:
    pass


class PdfExporter(Exporter):
    name = "pdf"
    Options = PdfOptions
    allows_drafts = "pdf" in ("pdf", "epub")

    def build(self, job: Job) -> None:
        raise ExportError("not implemented yet")
