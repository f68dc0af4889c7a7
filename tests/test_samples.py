"""The sample vault, every target built once without the cache (pinned SOURCE_DATE_EPOCH):
what the PDF targets print, and that builds from the cache write the same bytes.

The cold build is the slow part (six monthly digests, a reading copy and a book); the tests
that read it share it rather than each building the samples again.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

import notepress
from notepress.cache import cache_path
from notepress.pipeline import BuildReport

from .conftest import SAMPLES
from .test_cache import _build, _output_files
from .test_pdf_support import all_text, outline, reader

pytestmark = pytest.mark.slow

EPOCH = 1_700_000_000


@dataclass(frozen=True)
class Cold:
    root: Path
    output: Path
    project: notepress.Project
    report: BuildReport


@pytest.fixture(scope="module")
def cold(tmp_path_factory: pytest.TempPathFactory) -> Cold:
    """A copy of the samples, built into its own folder with ``cache=False``."""
    folder = tmp_path_factory.mktemp("samples")
    root = folder / "samples"
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns("_publish"))
    output = folder / "cold"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        project = notepress.load_project(root, output=output, cache=False)
        report = project.build()
    return Cold(root, output, project, report)


def test_sample_targets_build(cold: Cold) -> None:
    results = {result.name: result for result in cold.report.targets}
    monthly, reading = results["monthly"], results["reading-copy"]
    assert monthly.ok and reading.ok, (monthly.error, reading.error)
    assert [p.name for p in monthly.files] == [f"2023-0{m}.pdf" for m in range(1, 7)]
    for result in (monthly, reading):
        assert [p for p in result.problems] == []
    public = "\n".join(all_text(path) for path in monthly.files)
    private = all_text(reading.files[0])
    for text in (public, private):
        assert "PRIVATE-COMMENT" not in text
        assert not re.search(r"%%", text)
    assert "DRAFT-ONLY:" not in public
    assert "DRAFT-ONLY:" in private
    titles = {n.title for n in cold.project.vault.notes if n.published}
    marks = {t for path in monthly.files for _, t, _ in outline(reader(path))}
    assert titles <= marks
    assert os.path.getsize(reading.files[0]) > 50_000


def test_a_cached_build_of_the_samples_is_byte_identical_to_a_cold_one(
    cold: Cold, tmp_path: Path, reproducible: int
) -> None:
    """Every exporter (feed, PDF, EPUB, JSON-LD) writes from cached renderings the bytes it
    writes without a cache.  Edits and their undoing are the generated vault's test in
    test_cache.py: what a cache keeps again after an edit does not depend on the exporter."""
    assert reproducible == EPOCH
    assert not cache_path(cold.output).exists()
    expected = _output_files(cold.output)
    warm = tmp_path / "warm"
    _, filled = _build(cold.root, output=warm)
    assert filled, "the build that fills the cache renders"
    assert _output_files(warm) == expected

    # Target folders unlike the last build's are built again, every rendering from the cache.
    for folder in warm.iterdir():
        if folder.is_dir() and not folder.name.startswith("."):
            shutil.rmtree(folder)
    report, rendered = _build(cold.root, output=warm)
    assert rendered == Counter()
    assert not any(t.up_to_date for t in report.targets)
    assert _output_files(warm) == expected
