"""One pandoc run per book: sandboxed, time-limited, memory-capped, in an empty folder.

``--sandbox`` keeps pandoc from reading any file or URL while it converts: images are
placeholders it cannot fetch (it keeps the ``<img>``), put into the book afterwards.  The run gets a clean
environment (its own home and data folder, so a user's pandoc templates cannot change the
book) and ``SOURCE_DATE_EPOCH``, which pandoc uses for the modification date.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from notepress.errors import ExportError, ResourceLimitError
from notepress.lifetime import preexec_die_with_parent

__all__ = [
    "MIN_MEMORY_MB",
    "MIN_PANDOC",
    "PandocRun",
    "api_version",
    "pandoc_binary",
    "read_html",
    "run_pandoc",
]

#: ``--split-level`` arrived in pandoc 3.0 (``--sandbox`` in 2.15).
MIN_PANDOC = (3, 0)
#: GHC's runtime wants at least this much heap to start at all.
MIN_MEMORY_MB = 64
_HEAP_EXHAUSTED = 251


@dataclass(frozen=True)
class PandocRun:
    epub: bytes
    warnings: tuple[str, ...]


@functools.cache
def pandoc_binary() -> tuple[str, tuple[int, ...]]:
    """The pandoc that pypandoc-binary ships (or pypandoc finds), and its version."""
    try:
        import pypandoc

        path = pypandoc.get_pandoc_path()
        version = pypandoc.get_pandoc_version()
    except (ImportError, OSError) as exc:
        raise ExportError(f"pandoc is not available ({exc}); install pypandoc-binary") from None
    numbers = tuple(int(part) for part in version.split(".") if part.isdigit())
    if numbers < MIN_PANDOC:
        wanted = ".".join(map(str, MIN_PANDOC))
        raise ExportError(f"pandoc {version} is too old: the EPUB exporter needs {wanted} or newer")
    return path, numbers


def run_pandoc(
    source: str | bytes,
    *,
    template: Path,
    split_level: int,
    toc_depth: int,
    epoch: int,
    timeout: float,
    memory_mb: int,
    reader: Literal["html", "json"] = "html",
) -> PandocRun:
    """Convert the book (its HTML, or pandoc's JSON document of it) to EPUB 3."""
    name = f"book.{reader}"
    options = [
        "--from=html+epub_html_exts" if reader == "html" else "--from=json",
        "--to=epub3",
        f"--template={template}",
        f"--split-level={split_level}",
        "--toc",
        f"--toc-depth={toc_depth}",
        "--wrap=none",
        "--mathml",  # formulas stay MathML (read back from their TeX annotation)
        "--output=book.epub",
        name,
    ]
    epub, stderr = _run(options, {name: source}, "book.epub", epoch, timeout, memory_mb)
    return PandocRun(epub, _warnings(stderr))


def read_html(source: str, *, timeout: float, memory_mb: int) -> dict[str, Any]:
    """pandoc's JSON document of ``source`` (HTML with EPUB's footnotes), as Python data."""
    options = ["--from=html+epub_html_exts", "--to=json", "--output=out.json", "in.html"]
    data, _ = _run(options, {"in.html": source}, "out.json", 0, timeout, memory_mb)
    return cast(dict[str, Any], json.loads(data))


@functools.cache
def api_version() -> tuple[int, ...]:
    """The version of the document model this pandoc reads and writes as JSON."""
    data, _ = _run(
        ["--from=html", "--to=json", "--output=out.json", "in.html"],
        {"in.html": ""},
        "out.json",
        0,
        60,
        256,
    )
    return tuple(json.loads(data)["pandoc-api-version"])


def _run(
    options: list[str],
    inputs: dict[str, str | bytes],
    output: str,
    epoch: int,
    timeout: float,
    memory_mb: int,
) -> tuple[bytes, str]:
    """Run pandoc sandboxed on ``inputs`` in an empty folder; ``output``'s bytes and stderr."""
    binary, _ = pandoc_binary()
    with tempfile.TemporaryDirectory(prefix="notepress-epub-") as folder:
        work = Path(folder)
        (work / "home").mkdir()
        (work / "data").mkdir()
        for file_name, text in inputs.items():
            data = text.encode("utf-8") if isinstance(text, str) else text
            (work / file_name).write_bytes(data)
        args = [
            binary,
            "+RTS",
            # The heap cap.  Near it GHC's collector compacts the old generation in place
            # rather than copying it (its -c30 default under -M), so a book that fits is not
            # refused for want of copying room.  Compacting always (-c) took a third more
            # CPU for a 1,000-note book read as JSON (18 s, not 13 s) to save 65 MB of its
            # 855 MB peak.
            f"-M{max(memory_mb, MIN_MEMORY_MB)}m",
            "-RTS",
            "--sandbox",
            f"--data-dir={work / 'data'}",
            *options,
        ]
        env = {
            "PATH": os.defpath,
            "HOME": str(work / "home"),
            "XDG_DATA_HOME": str(work / "home"),
            "LANG": "C.UTF-8",
            "SOURCE_DATE_EPOCH": str(epoch),
        }
        try:
            done = subprocess.run(
                args,
                cwd=work,
                env=env,
                capture_output=True,
                timeout=timeout,
                check=False,
                preexec_fn=preexec_die_with_parent(),  # a killed build leaves no pandoc behind
            )
        except subprocess.TimeoutExpired:
            raise ResourceLimitError(
                f"pandoc did not finish within {timeout:g} seconds (raise 'timeout', or split "
                "the archive into volumes with 'volume_size')"
            ) from None
        stderr = done.stderr.decode("utf-8", errors="replace")
        if done.returncode == _HEAP_EXHAUSTED or "Heap exhausted" in stderr:
            raise ResourceLimitError(
                f"pandoc needed more than {memory_mb} MB of memory (raise 'memory', or split "
                "the archive into volumes with 'volume_size': about 300 MB per 1,000 notes of "
                "prose, 1,700 MB per 1,000 notes dense with formulas)"
            )
        if done.returncode != 0:
            raise ExportError(f"pandoc failed (exit {done.returncode}): {_last_lines(stderr)}")
        return (work / output).read_bytes(), stderr


def _warnings(stderr: str) -> tuple[str, ...]:
    return tuple(
        line.removeprefix("[WARNING]").strip()
        for line in stderr.splitlines()
        if line.startswith("[WARNING]")
    )


def _last_lines(text: str, count: int = 5) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-count:]) or "no message"
