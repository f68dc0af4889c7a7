"""Lighter installs: the core and the feed and jsonld exporters need no PDF or EPUB library.

A child process stands for an installation without an extra: a finder at the front of
``sys.meta_path`` makes the extra's modules unimportable, as if pip had never installed
them, and then runs the real command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from notepress.registry import _EXTRAS

from .conftest import REPO, note_text, write_vault

PDF_MODULES = tuple(module for module, _ in _EXTRAS["pdf"])
EPUB_MODULES = tuple(module for module, _ in _EXTRAS["epub"])

#: Runs ``notepress ARGV...`` with the modules named in NOTEPRESS_TEST_BLOCK missing, then
#: prints which of them anything tried to import.
_RUNNER = """
import importlib.abc, os, sys
blocked = set(os.environ["NOTEPRESS_TEST_BLOCK"].split(","))
tried = set()
class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in blocked:
            tried.add(top)
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Missing())
from notepress.cli import main
code = main(sys.argv[1:])
print("imported:", ",".join(sorted(tried & set(sys.modules))) or "nothing", file=sys.stderr)
sys.exit(code)
"""


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def run_without(blocked: tuple[str, ...], *args: str | Path, cwd: Path | None = None) -> Run:
    env = {**os.environ, "NOTEPRESS_TEST_BLOCK": ",".join(blocked), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


SITE = '[site]\nurl = "https://notes.example.org/"\nauthor = "Ada"\n'
FILES = {
    "2023-03-06 first.md": note_text("First", "Some text.", note_id="230306GN01"),
    "2023-03-07 second.md": note_text("Second", "More [[First]].", note_id="230307GN01"),
}


@pytest.fixture(scope="module")
def light_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = SITE + '[targets.news]\nexporter = "feed"\n[targets.meta]\nexporter = "jsonld"\n'
    return write_vault(tmp_path_factory.mktemp("light") / "vault", FILES, config)


def test_the_core_install_has_no_pdf_or_epub_library() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    base = {_name(req) for req in project["dependencies"]}
    extras = project["optional-dependencies"]
    for extra in ("pdf", "epub"):
        needed = {_name(distribution) for _, distribution in _EXTRAS[extra]}
        assert not needed & base - {"pillow"}, extra
        assert needed <= {_name(req) for req in extras[extra]}, extra
    assert not {"weasyprint", "pypandoc-binary", "pygments", "pypdf", "ziamath"} & base
    assert extras["all"] == ["notepress[pdf,epub]"]


def _name(requirement: str) -> str:
    for stop in "<>=!~;[ ":
        requirement = requirement.split(stop)[0]
    return requirement.lower()


def test_feed_and_jsonld_build_with_neither_extra(light_vault: Path) -> None:
    run = run_without(PDF_MODULES + EPUB_MODULES, "build", light_vault)
    assert run.code == 0, run.stderr
    assert "imported: nothing" in run.stderr
    assert "Traceback" not in run.stderr
    out = light_vault / "_publish"
    assert (out / "news" / "atom.xml").is_file()
    assert (out / "meta" / "230306GN01.jsonld").is_file()


def test_a_pdf_target_without_the_pdf_extra_names_the_install_command(tmp_path: Path) -> None:
    config = SITE + '[targets.news]\nexporter = "feed"\n[targets.digest]\nexporter = "pdf"\n'
    root = write_vault(tmp_path / "vault", FILES, config)
    message = (
        "the pdf exporter needs WeasyPrint, which is not installed: pip install 'notepress[pdf]'"
    )
    # check reports it as an error of that target and still checks the vault
    run = run_without(("weasyprint",), "check", root)
    assert run.code == 1, run.stderr
    assert f"targets.digest: error[target-config]: {message}" in run.stdout
    # a build of every target is refused before anything is written
    run = run_without(("weasyprint",), "build", root)
    assert run.code == 2, run.stderr
    assert f"targets.digest: {message}" in run.stderr
    assert "Traceback" not in run.stderr and "ImportError" not in run.stderr
    assert not (root / "_publish").exists()  # a config error writes nothing
    # the feed alone needs no PDF library
    run = run_without(("weasyprint",), "build", root, "-t", "news")
    assert run.code in (0, 1), run.stderr
    assert (root / "_publish" / "news").is_dir()


def test_an_epub_target_without_the_epub_extra_names_every_missing_library(
    tmp_path: Path,
) -> None:
    root = write_vault(tmp_path / "vault", FILES, SITE + '[targets.book]\nexporter = "epub"\n')
    run = run_without(EPUB_MODULES, "build", root)
    assert run.code == 2
    assert (
        "targets.book: the epub exporter needs pypandoc-binary and Pillow, which are not "
        "installed: pip install 'notepress[epub]'"
    ) in run.stderr


def test_without_a_config_only_the_installed_exporters_build(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "vault", FILES)
    run = run_without(PDF_MODULES + EPUB_MODULES, "build", root)
    assert run.code in (0, 1), run.stderr  # the preview URL may be warned about
    assert "Traceback" not in run.stderr
    built = sorted(p.name for p in (root / "_publish").iterdir() if not p.name.startswith("."))
    assert built == ["feed", "jsonld"]


def test_init_explains_how_to_install_a_missing_exporter(tmp_path: Path) -> None:
    run = run_without(("weasyprint",), "init", tmp_path)
    assert run.code == 0, run.stderr
    written = (tmp_path / "notepress.toml").read_text(encoding="utf-8")
    assert '# [targets.digest]\n# exporter = "pdf"\n' in written
    assert "pip install 'notepress[pdf]'" in written
    assert '[targets.archive]\nexporter = "epub"' in written  # installed, so fully described
