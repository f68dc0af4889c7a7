"""Placeholder: the feed exporter is being written."""

from __future__ import annotations

from dataclasses import dataclass

from notepress.errors import ExportError
from notepress.exporter import Exporter, Job


@dataclass(frozen=True)
class FeedOptions:
    pass


class FeedExporter(Exporter):
    name = "feed"
    Options = FeedOptions
    allows_drafts = "feed" in ("pdf", "epub")

    def build(self, job: Job) -> None:
        raise ExportError("not implemented yet")
