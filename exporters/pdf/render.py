"""The body of a PDF worker: one digest rendered by WeasyPrint, here and now.

Imported by the worker processes (preloaded by their fork server), never by the build that
hands out the jobs (:mod:`.worker`): WeasyPrint takes most of a second to import.
"""

from __future__ import annotations

import logging
import mimetypes
import time
from pathlib import PurePosixPath
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from notepress.assets import SVG_REFUSED, AssetError, safe_svg

from .appendix import append_documents
from .jobs import RenderJob, RenderResult
from .safety import LoadPolicy

__all__ = ["MAX_APPENDED", "VaultFetcher", "render_in_process"]

#: Larger embedded PDFs are not appended (with a message).
MAX_APPENDED = 100 * 1024 * 1024


class VaultFetcher(URLFetcher):
    """WeasyPrint's URL fetcher, reduced to ``data:`` URIs and the files a policy allows.

    Files are read here rather than through ``urllib``, so no redirect, proxy or network
    handler is ever involved.  Every refusal is recorded for the parent to report.
    """

    def __init__(self, policy: LoadPolicy) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.policy = policy
        self.refused: list[tuple[str, str]] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            found = self.policy.load(url)
        except (AssetError, OSError) as exc:
            reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
            self.refused.append((url, reason))
            raise PermissionError(f"refused {url}: {reason}") from None
        if found is None:  # a data: URI, decoded by urllib's data handler
            return super().fetch(url, headers)
        data, name = found
        mime_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if mime_type == "image/svg+xml":
            # As every other output carries it: WeasyPrint runs no script, but an SVG that
            # would load from elsewhere is no more the vault's in a PDF than in a book.
            carried = safe_svg(data)
            if carried is None:
                self.refused.append((url, SVG_REFUSED))
                raise PermissionError(f"refused {url}: {SVG_REFUSED}")
            data = carried
        return URLFetcherResponse(url, data, {"Content-Type": mime_type})


class _Messages(logging.Handler):
    """Collects WeasyPrint's log records instead of printing them on the worker's stderr."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []
        self._seen: set[str] = set()
        self.boxes: set[str] = set()
        """Characters drawn as empty boxes: no font of the machine has them."""

    def emit(self, record: logging.LogRecord) -> None:
        # Dropped as they come: a digest of text no font has logs one per glyph drawn
        # (217,515 records for a digest of 272 Chinese notes on a machine without a CJK
        # font), and each message once is all a report needs.
        message = record.getMessage()
        if ".notdef glyph" in message and isinstance(record.args, tuple) and record.args:
            self.boxes.add(str(record.args[0]))
        if not _about_environment(message) and message not in self._seen:
            self._seen.add(message)
            self.records.append(message)


def render_in_process(job: RenderJob) -> RenderResult:
    """Render one digest here and now: the worker's body."""
    started = time.perf_counter()
    cpu_started = _cpu_seconds()
    fetcher = VaultFetcher(job.policy)
    messages = _Messages()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(messages)
    logger.propagate = False
    try:
        html = HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher)
        # Without a font configuration WeasyPrint ignores @font-face, and the bundled fonts
        # with it: the digest would then depend on the machine's fonts and font cache.
        fonts = FontConfiguration()
        css = CSS(string=job.css, base_url=job.css_base_url, url_fetcher=fetcher, font_config=fonts)
        document = html.render(stylesheets=[css], font_config=fonts)
        _drop_attachments(document, fetcher)
        pdf = document.write_pdf(
            pdf_identifier=job.identifier,
            pdf_tags=job.pdf_tags,
            pdf_variant=job.pdf_variant or None,
        )
        if job.appendix:
            pdf = _append(pdf, job, messages)
    finally:
        logger.removeHandler(messages)
    refused_urls = {url for url, _ in fetcher.refused}
    return RenderResult(
        name=job.name,
        pdf=pdf,
        pages=len(document.pages),
        refused=fetcher.refused,
        boxes="".join(sorted(messages.boxes)),
        messages=[
            m
            for m in messages.records
            if not any(url in m for url in refused_urls) and not _about_environment(m)
        ],
        seconds=time.perf_counter() - started,
        cpu_seconds=_cpu_seconds() - cpu_started,
        peak_mb=_peak_mb(),
        address_space_mb=_address_space_mb(),
    )


def _cpu_seconds() -> float:
    """User and system CPU time of this process so far (0 where the platform cannot tell)."""
    try:
        import resource
    except ImportError:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _address_space_mb() -> float:
    """Peak virtual size of this process (``VmPeak``), 0 where ``/proc`` does not say."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _peak_mb() -> float:
    """Peak resident memory of this process (Linux counts ``ru_maxrss`` in kilobytes)."""
    try:
        import resource
    except ImportError:
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _append(pdf: bytes, job: RenderJob, messages: _Messages) -> bytes:
    """The digest with the pages of the PDFs it embeds after it (see :mod:`.appendix`)."""
    documents = []
    for path in job.appendix:
        try:
            documents.append((path, job.policy.vault.read(PurePosixPath(path), MAX_APPENDED)))
        except AssetError as exc:
            messages.records.append(f"{path} not appended: {exc}")
    merged, problems = append_documents(pdf, documents)
    messages.records.extend(problems)
    return merged


def _about_environment(message: str) -> bool:
    """WeasyPrint's notes about the machine (a missing HarfBuzz-Subset) say nothing of a digest.

    Its note for each character no font of the machine has (".notdef glyph rendered") is
    dropped too: the exporter warns once per target about every character the bundled fonts
    lack, by script, rather than once per character.
    """
    return "HarfBuzz" in message or ".notdef glyph" in message


def _drop_attachments(document: Any, fetcher: VaultFetcher) -> None:
    """Remove ``<link rel=attachment>`` files and ``<a rel=attachment>`` annotations.

    The fetcher cannot tell an attachment from an image, so attachments are taken out of
    the rendered document before it is written: a digest never embeds files.
    """
    for attachment in document.metadata.attachments:
        fetcher.refused.append(
            (attachment.name or "<link rel=attachment>", "PDF digests never embed file attachments")
        )
    document.metadata.attachments = []
    for page in document.pages:
        kept = []
        for link in page.links:
            if link[0] == "attachment":
                fetcher.refused.append((link[1], "PDF digests never embed file attachments"))
            else:
                kept.append(link)
        page.links = kept
