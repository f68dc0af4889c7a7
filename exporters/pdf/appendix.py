"""PDFs the notes embed, appended after the digest (the ``append_pdfs`` option).

A digest on paper cannot link to ``paper.pdf``; with ``append_pdfs`` its pages follow the
notes, once each in order of first embed, with a bookmark named after the file.  This runs
in the digest's worker, under its time and memory limits, since a PDF of the vault is read
and parsed here (pypdf); one that cannot be read, or is encrypted, is left out with a
message, and the digest is written without it.  Nothing here depends on the clock: the
merged file keeps the digest's identifier, so rebuilds give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

__all__ = ["append_documents"]


def append_documents(pdf: bytes, documents: Sequence[tuple[str, bytes]]) -> tuple[bytes, list[str]]:
    """``pdf`` with the pages of each ``(name, bytes)`` document after it, and a message for
    each document left out."""
    from pypdf import PdfReader, PdfWriter

    messages: list[str] = []
    readable = []
    for name, data in documents:
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                messages.append(f"{name} is encrypted; its pages are not appended")
                continue
            for page in reader.pages:  # read every page first: a broken one leaves it out
                page.get_contents()
        except Exception as exc:  # pypdf raises many types for damaged or hostile files
            messages.append(f"{name} is not a readable PDF ({type(exc).__name__}); not appended")
            continue
        readable.append((name, reader))
    if not readable:
        return pdf, messages
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for name, reader in readable:
        writer.append(reader, outline_item=name)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), messages
