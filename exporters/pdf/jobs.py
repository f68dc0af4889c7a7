"""What the build hands a PDF worker, and what the worker hands back: plain, picklable data
shared by the build (:mod:`.worker`) and the worker's body (:mod:`.render`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .safety import LoadPolicy

__all__ = ["RenderJob", "RenderResult"]


@dataclass(frozen=True)
class RenderJob:
    """Everything one worker needs, picklable: no vault, no notes, just text and paths."""

    name: str
    """The digest's file name, for messages."""
    html: str
    css: str
    base_url: str
    """Where relative URLs of the HTML point: the vault folder."""
    css_base_url: str
    """Where relative URLs of the stylesheet point: its template folder."""
    policy: LoadPolicy
    identifier: bytes
    source_date_epoch: int = 0
    """Seconds since 1970 the PDF claims to be made at; font subsets carry it too."""
    memory_limit_mb: int = 0
    pdf_tags: bool = True
    """Write the accessibility structure (a tagged PDF): headings, paragraphs, lists, tables."""
    pdf_variant: str = ""
    """A PDF profile WeasyPrint writes the file to (``pdf/a-3b``, ``pdf/ua-1``), or none."""
    appendix: tuple[str, ...] = ()
    """Vault paths of PDFs whose pages follow the digest (``append_pdfs``)."""


@dataclass
class RenderResult:
    name: str
    pdf: bytes | None = None
    pages: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    """``(url, reason)`` of each load the fetcher refused, in order."""
    messages: list[str] = field(default_factory=list)
    """WeasyPrint's own warnings (a bad CSS rule in a user's template, say)."""
    boxes: str = ""
    """Each character drawn as an empty box, since no font of the machine has it."""
    error: str | None = None
    over_limit: bool = False
    """The error is the time or memory limit, not a crash."""
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    """CPU time of the render (the unit of the ``timeout`` option), for benchmarks and notes."""
    peak_mb: float = 0.0
    """Peak resident memory of the process that rendered, in megabytes."""
    address_space_mb: float = 0.0
    """Peak address space of that process (what ``memory_limit`` caps), where Linux tells."""
