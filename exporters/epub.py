"""Placeholder: the epub exporter is being written."""

from __future__ import annotations

from dataclasses import dataclass

from notepress.errors import ExportError
from notepress.exporter import Exporter, Job


@dataclass(frozen=True)
class EpubOptions:
    pass


class EpubExporter(Exporter):
    name = "epub"
    Options = EpubOptions
    allows_drafts = "epub" in ("pdf", "epub")

    def build(self, job: Job) -> None:
        raise ExportError("not implemented yet")
