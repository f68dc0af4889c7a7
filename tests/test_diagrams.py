"""Mermaid diagrams: drawn as SVG when a renderer is installed, else code and one warning.

The fallback is tested for real: this machine has no mermaid CLI.  The renderer's path is
tested with a stand-in ``mmdc`` that the tests write (:data:`STAND_IN`).
"""

from __future__ import annotations

import base64
import json
import re
import sys
import zipfile
from pathlib import Path

import pypdf
import pytest

import notepress
from notepress.assets import svg_is_safe
from notepress.markdown import render_note
from notepress.markdown.diagrams import RENDERER_MISSING
from tests.conftest import note_text, write_vault

CONFIG = """\
[site]
title = "Diagrams"
url = "https://example.org/"
timezone = "UTC"

[targets.feed]
exporter = "feed"
formats = ["atom"]

[targets.meta]
exporter = "jsonld"
"""

PRINTED = """\

[targets.print]
exporter = "pdf"
toc = false

[targets.book]
exporter = "epub"
"""

FLOW = "graph TD\n  Dough --> Proof\n"
SEQUENCE = "sequenceDiagram\n  Alice->>Bob: hello\n"

NOTES = {
    "flow.md": note_text(
        "Flow",
        f"Before.\n\n```mermaid\n{FLOW}```\n\nBetween.\n\n```mermaid\n{SEQUENCE}```\n\nAfter.\n",
        note_id="230101AB01",
    ),
    "again.md": note_text(
        "Again",
        f"The same flow again.\n\n```mermaid\n{FLOW}```\n\n```python\nprint('code stays code')\n```\n",
        note_id="230102AB01",
        created="2023-01-02",
    ),
}

FIXED_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
    '<rect x="1" y="1" width="118" height="38" fill="#eef" stroke="#336"/>'
    '<text x="60" y="25" text-anchor="middle" font-size="12">stand-in</text></svg>'
)

STAND_IN = f'''#!{sys.executable}
"""A stand-in for the mermaid CLI (mmdc), which cannot be installed here.

It checks notepress's side of the contract, not mermaid's drawing: the arguments it is
called with (-i IN -o OUT -c CONFIG, in a scratch folder), how often it is called (once per
distinct block, then never again thanks to the cache), that its output goes through the
SVG safety check, and how its failures are reported.  It logs each call, then writes a
fixed SVG, or, when the diagram says so, fails or writes an SVG with a script.
"""
import json, os, sys

args = sys.argv[1:]
source = open(args[args.index("-i") + 1], encoding="utf-8").read()
config = json.load(open(args[args.index("-c") + 1], encoding="utf-8"))
with open(os.environ["STAND_IN_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({{"args": args, "source": source, "config": config}}) + "\\n")
if "FAIL" in source:
    sys.stderr.write("Error: Parse error on line 2: unexpected FAIL\\n")
    sys.exit(1)
svg = {FIXED_SVG!r}
if "UNSAFE" in source:
    svg = svg.replace("</svg>", "<script>alert(1)</script></svg>")
with open(args[args.index("-o") + 1], "w", encoding="utf-8") as out:
    out.write(svg)
'''


@pytest.fixture
def no_renderer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """This machine as it is: no mmdc on PATH, no NOTEPRESS_MERMAID."""
    monkeypatch.delenv("NOTEPRESS_MERMAID", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("NOTEPRESS_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The stand-in renderer, named by NOTEPRESS_MERMAID; returns its call log."""
    script = tmp_path / "bin" / "fake-mmdc"
    script.parent.mkdir()
    script.write_text(STAND_IN, encoding="utf-8")
    script.chmod(0o755)
    log = tmp_path / "calls.log"
    monkeypatch.setenv("NOTEPRESS_MERMAID", str(script))
    monkeypatch.setenv("NOTEPRESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("STAND_IN_LOG", str(log))
    return log


def calls(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def build(root: Path, targets: list[str] | None = None) -> notepress.BuildReport:
    return notepress.load_project(root).build(targets)


def test_without_a_renderer_diagrams_are_code_with_one_warning_per_build(
    tmp_path: Path, no_renderer: None
) -> None:
    root = write_vault(tmp_path / "vault", NOTES, CONFIG)
    report = build(root)
    problems = [p for p in report.all_problems() if p.code == RENDERER_MISSING]
    assert len(problems) == 1, problems
    (problem,) = problems
    assert (problem.path, problem.line) == ("again.md", 10)  # its fence, the first by path
    assert "3 mermaid diagrams in 2 notes printed as code" in problem.message
    assert "npm install -g @mermaid-js/mermaid-cli" in problem.message
    atom = (tmp_path / "vault" / "_publish" / "feed" / "atom.xml").read_text(encoding="utf-8")
    assert atom.count('&lt;pre class="mermaid"&gt;&lt;code class="language-mermaid"&gt;') == 3
    assert "Dough --&amp;gt; Proof" in atom


def test_a_renderer_draws_each_distinct_block_once_and_the_cache_serves_the_rest(
    tmp_path: Path, stand_in: Path
) -> None:
    root = write_vault(tmp_path / "vault", NOTES, CONFIG)
    report = build(root)
    assert not [p for p in report.all_problems() if p.code.startswith("diagram")]
    made = calls(stand_in)
    assert sorted(call["source"] for call in made) == sorted([FLOW, SEQUENCE])
    for call in made:
        assert call["args"] == ["-i", "diagram.mmd", "-o", "diagram.svg", "-c", "config.json"]
        assert call["config"]["htmlLabels"] is False  # no foreignObject labels
    cached = sorted((tmp_path / "cache" / "diagrams").iterdir())
    assert [len(p.stem) for p in cached] == [64, 64] and all(p.suffix == ".svg" for p in cached)

    atom = (root / "_publish" / "feed" / "atom.xml").read_bytes()
    images = re.findall(rb"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", atom)
    assert len(images) == 3
    assert {base64.b64decode(data).decode() for data in images} == {FIXED_SVG}
    assert b'pre class="mermaid"' not in atom
    assert b"code stays code" in atom
    # A diagram is no image a search engine can show: the JSON-LD names none.
    assert b"data:image" not in (root / "_publish" / "meta" / "230101AB01.jsonld").read_bytes()

    build(root)  # cached: the renderer is not run again, the bytes are the same
    assert len(calls(stand_in)) == 2
    assert (root / "_publish" / "feed" / "atom.xml").read_bytes() == atom


def test_a_drawn_diagram_reaches_the_pdf_and_the_epub(tmp_path: Path, stand_in: Path) -> None:
    root = write_vault(tmp_path / "vault", {"flow.md": NOTES["flow.md"]}, CONFIG + PRINTED)
    report = build(root, ["print", "book"])
    assert not report.has_errors, [str(p) for p in report.all_problems()]
    pdf = pypdf.PdfReader(root / "_publish" / "print" / "digest.pdf")
    assert "stand-in" in "".join(page.extract_text() for page in pdf.pages)
    with zipfile.ZipFile(root / "_publish" / "book" / "book.epub") as book:
        svgs = [n for n in book.namelist() if n.endswith(".svg") and "cover" not in n]
        assert len(svgs) == 1  # the stand-in draws both blocks alike: one file in the book
        assert book.read(svgs[0]).decode() == FIXED_SVG
        chapters = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xhtml"))
        assert chapters.count(f'src="../{svgs[0].removeprefix("EPUB/")}"') == 2


def test_a_failing_or_unsafe_renderer_leaves_code_and_names_the_note_and_line(
    tmp_path: Path, stand_in: Path
) -> None:
    body = (
        "Broken.\n\n```mermaid\ngraph TD\n  FAIL here\n```\n\n"
        "Hostile.\n\n```mermaid\ngraph TD\n  UNSAFE --> x\n```\n"
    )
    root = write_vault(tmp_path / "vault", {"bad.md": note_text("Bad", body)}, CONFIG)
    project = notepress.load_project(root)
    rendered = render_note(project.vault.notes[0], project.vault)
    failed = [(p.code, p.path, p.line) for p in rendered.problems]
    assert failed == [("diagram-failed", "bad.md", 9), ("diagram-failed", "bad.md", 16)]
    messages = [p.message for p in rendered.problems]
    assert "exit code 1: Error: Parse error on line 2: unexpected FAIL" in messages[0]
    assert "refused" in messages[1]
    assert rendered.html.count('<pre class="mermaid"><code class="language-mermaid">') == 2
    assert "<script" not in rendered.html and "data:image" not in rendered.html
    assert not (tmp_path / "cache" / "diagrams").exists() or not any(
        (tmp_path / "cache" / "diagrams").iterdir()
    )  # failures are not cached
    report = project.build(["feed"])  # the rest of the vault still builds
    assert report.targets[0].error is None


def test_a_tampered_cache_entry_is_not_trusted(tmp_path: Path, stand_in: Path) -> None:
    root = write_vault(tmp_path / "vault", {"flow.md": NOTES["flow.md"]}, CONFIG)
    project = notepress.load_project(root)
    render_note(project.vault.notes[0], project.vault)
    for cached in (tmp_path / "cache" / "diagrams").iterdir():
        cached.write_text(FIXED_SVG.replace("</svg>", '<image href="https://x.test/a.png"/></svg>'))
        assert not svg_is_safe(cached.read_bytes())
    rendered = render_note(project.vault.notes[0], project.vault)
    assert "x.test" not in rendered.html
    images = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", rendered.html)
    assert [base64.b64decode(data).decode() for data in images] == [FIXED_SVG, FIXED_SVG]
    assert len(calls(stand_in)) == 4  # drawn again instead of served from the bad cache


@pytest.mark.parametrize("rule", ["list", "inline", "endnotes"])
def test_diagrams_in_footnotes_and_embedded_notes_are_drawn_under_every_footnote_rule(
    tmp_path: Path, stand_in: Path, rule: str
) -> None:
    host = (
        "Text with a note.[^1]\n\n![[Embedded]]\n\n"
        "[^1]: The note.\n\n    ```mermaid\n    graph TD; X-->Y\n    ```\n"
    )
    files = {
        "host.md": note_text("Host", host),
        "Embedded.md": note_text("Embedded", f"Shown here:\n\n```mermaid\n{FLOW}```\n"),
    }
    root = write_vault(tmp_path / "vault", files, CONFIG)
    vault = notepress.load_project(root).vault
    note = next(n for n in vault.notes if n.title == "Host")
    rendered = render_note(note, vault, footnotes=rule)  # type: ignore[arg-type]
    assert rendered.html.count("data:image/svg+xml;base64,") == 2
    assert not re.search(r"[0-9a-f]{16}-diagram-", rendered.html)  # no placeholder left
    assert [f.html.count("data:image/svg+xml") for f in rendered.footnotes] == [1]
