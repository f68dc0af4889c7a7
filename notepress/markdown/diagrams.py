"""Mermaid diagrams: a ```` ```mermaid ```` block drawn as SVG when a renderer is installed.

The renderer is the mermaid CLI (``mmdc``, npm package ``@mermaid-js/mermaid-cli``, which
drives a headless Chromium), found on ``PATH`` when a note is rendered, or the command the
``NOTEPRESS_MERMAID`` environment variable names (split like a shell line, so a wrapper
with options of its own works).  It is run as ``COMMAND -i IN.mmd -o OUT.svg -c CONFIG.json``
in a child process with a CPU and a wall-clock limit, in its own process group, and dies
with notepress.

Its SVG reaches an output only if :func:`~notepress.assets.svg_is_safe` accepts it (no
script, no ``foreignObject``, nothing loaded from outside: the configuration turns
mermaid's HTML labels off for that).  It is written as an ``<img>`` with a ``data:`` URI,
which every output carries as it is.  Each SVG is cached by a hash of the block's text and
of the configuration, in ``NOTEPRESS_CACHE`` (else ``$XDG_CACHE_HOME/notepress``, else
``~/.cache/notepress``) under ``diagrams/``: a block is drawn once per machine, and the same
text always gives the same SVG, so rebuilds stay byte-identical and rendering stays pure
for a given cache.

Without a renderer the block stays code, ``<pre class="mermaid"><code>``, and the render
gives a ``diagram-renderer-missing`` warning per block, which a build reports once for all
(:func:`one_warning_per_build`).  A renderer that fails (a syntax error in the diagram, a
crash, a limit, an unsafe SVG) leaves the block as code too, with a ``diagram-failed``
warning naming the note and line.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from markdown_it.common.utils import escapeHtml

from ..assets import svg_is_safe
from ..locations import cache_root
from ..model import Problem, Severity

__all__ = [
    "CPU_SECONDS",
    "ENABLE_HINT",
    "RENDERER_MISSING",
    "Drawing",
    "cache_folder",
    "diagram_html",
    "diagram_image",
    "draw_mermaid",
    "mermaid_command",
    "one_warning_per_build",
]

RENDERER_MISSING = "diagram-renderer-missing"
FAILED = "diagram-failed"
ENABLE_HINT = (
    "install the mermaid CLI (npm install -g @mermaid-js/mermaid-cli, which uses the "
    "system's Chromium) or set NOTEPRESS_MERMAID to its command"
)
#: CPU seconds one diagram may take (Chromium's start included); the wall-clock limit is
#: a safety net for a stalled renderer, generous so that a busy machine does not strike it.
CPU_SECONDS = 60
WALL_SECONDS = 300
#: What mermaid is told: labels as SVG text (its HTML labels are ``foreignObject``, which
#: no output may carry) in the digests' bundled sans, so that a PDF prints them the same
#: on every machine that has it.  Part of the cache key.
MERMAID_CONFIG = {
    "htmlLabels": False,
    "flowchart": {"htmlLabels": False},
    "fontFamily": "'Notepress Sans', 'DejaVu Sans', sans-serif",
    "deterministicIds": True,
}
_MAX_SVG_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Drawing:
    """What became of one block: ``svg`` when drawn, else ``problem`` says why not."""

    svg: bytes | None
    problem: tuple[str, str] | None = None
    """(code, message) of the warning, when the block stays as code."""


def mermaid_command() -> list[str] | None:
    """The renderer's command line, or None when there is none on this machine."""
    named = os.environ.get("NOTEPRESS_MERMAID", "").strip()
    if named:
        words = shlex.split(named)
        found = shutil.which(words[0]) if words else None
        return [found, *words[1:]] if found else None
    found = shutil.which("mmdc")
    return [found] if found else None


def cache_folder() -> Path:
    """Where drawn diagrams are kept between builds."""
    return cache_root() / "diagrams"


def _key(source: str) -> str:
    config = json.dumps(MERMAID_CONFIG, sort_keys=True)
    return hashlib.sha256(f"mermaid\0{config}\0{source}".encode()).hexdigest()


def draw_mermaid(source: str) -> Drawing:
    """The SVG of one mermaid block, from the cache or the renderer."""
    command = mermaid_command()
    if command is None:
        return Drawing(
            None, (RENDERER_MISSING, f"a mermaid diagram is printed as code: {ENABLE_HINT}")
        )
    key = _key(source)
    cached = cache_folder() / f"{key}.svg"
    try:
        kept = cached.read_bytes()
    except OSError:
        pass
    else:
        if svg_is_safe(kept):  # a cache entry changed by hand is drawn again
            return Drawing(kept)
    svg = _run(command, source)
    if isinstance(svg, str):
        return Drawing(
            None, (FAILED, f"the mermaid diagram could not be drawn ({svg}); it is printed as code")
        )
    if not svg_is_safe(svg):
        return Drawing(
            None,
            (
                FAILED,
                "the mermaid renderer's SVG holds scripts, foreign objects or outside "
                "references and was refused; the diagram is printed as code",
            ),
        )
    _store(cached, svg)
    return Drawing(svg)


def diagram_html(source: str, drawing: Drawing, image: str = "") -> str:
    """The block as HTML: a paragraph holding ``image`` (or the drawing's own image), or,
    when there is no drawing, the code as it was written."""
    if drawing.svg is None:
        return (
            '<pre class="mermaid"><code class="language-mermaid">'
            f"{escapeHtml(source)}</code></pre>\n"
        )
    return f'<p class="diagram diagram-mermaid">{image or diagram_image(drawing.svg)}</p>\n'


def diagram_image(svg: bytes) -> str:
    """The ``<img>`` of a drawn diagram, its SVG inline as a ``data:`` URI."""
    data = base64.b64encode(svg).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="Diagram">'


def _run(command: Sequence[str], source: str) -> bytes | str:
    """Draw ``source`` with the renderer in a child process under a CPU and a time limit.

    Returns the SVG, or why there is none.
    """
    with tempfile.TemporaryDirectory(prefix="notepress-mermaid-") as work:
        folder = Path(work)
        (folder / "diagram.mmd").write_text(source, encoding="utf-8")
        (folder / "config.json").write_text(json.dumps(MERMAID_CONFIG), encoding="utf-8")
        args = [*command, "-i", "diagram.mmd", "-o", "diagram.svg", "-c", "config.json"]
        try:
            process = subprocess.Popen(
                args,
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                preexec_fn=_limits(),
            )
        except OSError as exc:
            return f"cannot run {Path(command[0]).name}: {exc.strerror}"
        try:
            _, err = process.communicate(timeout=WALL_SECONDS)
        except subprocess.TimeoutExpired:
            _kill(process)
            return f"stopped after {WALL_SECONDS} seconds"
        finally:
            _kill_group(process.pid)
        if process.returncode != 0:
            if process.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
                return f"stopped after {CPU_SECONDS} seconds of CPU time"
            said = _last_line(err)
            return f"exit code {process.returncode}" + (f": {said}" if said else "")
        out = folder / "diagram.svg"
        try:
            if out.stat().st_size > _MAX_SVG_BYTES:
                return f"its SVG is larger than {_MAX_SVG_BYTES // (1024 * 1024)} MB"
            return out.read_bytes()
        except OSError:
            return "the renderer wrote no SVG"


def _limits() -> Callable[[], None]:
    from ..lifetime import preexec_die_with_parent

    die = preexec_die_with_parent()

    def apply() -> None:
        die()
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 5))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        except (ImportError, ValueError, OSError):
            pass

    return apply


def _kill(process: subprocess.Popen[bytes]) -> None:
    _kill_group(process.pid)
    process.kill()
    process.communicate()


def _kill_group(pid: int) -> None:
    """End what the renderer left running (Chromium's helpers): its whole process group."""
    with contextlib.suppress(OSError):  # gone already, or not ours
        os.killpg(pid, signal.SIGKILL)


def _last_line(err: bytes) -> str:
    lines = [line.strip() for line in err.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _store(path: Path, svg: bytes) -> None:
    """Keep ``svg`` in the cache, written whole or not at all; a cache that cannot be
    written is no error (the diagram is drawn again next time)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as file:
            file.write(svg)
        os.replace(file.name, path)
    except OSError:
        pass


def one_warning_per_build(problem_lists: Sequence[list[Problem]]) -> Problem | None:
    """Take every ``diagram-renderer-missing`` warning out of ``problem_lists`` and return
    one for the whole build, naming the first note, or None when there were none."""
    blocks: dict[tuple[str, int | None], None] = {}
    for problems in problem_lists:
        kept = []
        for problem in problems:
            if problem.code == RENDERER_MISSING:
                blocks.setdefault((problem.path, problem.line), None)
            else:
                kept.append(problem)
        problems[:] = kept
    if not blocks:
        return None
    (path, line), *_ = sorted(blocks, key=lambda block: (block[0], block[1] or 0))
    notes = len({block[0] for block in blocks})
    count = len(blocks)
    what = f"{count} mermaid diagram{'s' if count != 1 else ''}"
    where = f" in {notes} notes" if notes > 1 else ""
    return Problem(
        Severity.WARNING,
        RENDERER_MISSING,
        f"{what}{where} printed as code (the first here): no diagram renderer found; {ENABLE_HINT}",
        path,
        line,
    )
