"""The sample vault, every target built once from an empty cache (pinned SOURCE_DATE_EPOCH):
what the PDF targets print, and that a build from the cache writes the same bytes.

The cold build is the slow part (six monthly digests, a reading copy and a book); the tests
that read it share it rather than each building the samples again.  That a build which
fills the cache writes what a build without one writes is the generated vault's test in
test_cache.py, over every exporter too.
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
from notepress.markdown.memo import rendered_paths
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
    rendered: Counter[str]
    """The notes the build rendered (all of them: its cache was empty)."""


@pytest.fixture(scope="module")
def cold(tmp_path_factory: pytest.TempPathFactory) -> Cold:
    """A copy of the samples, built into its own folder, whose cache starts empty."""
    folder = tmp_path_factory.mktemp("samples")
    root = folder / "samples"
    shutil.copytree(SAMPLES, root, ignore=shutil.ignore_patterns("_publish"))
    output = folder / "cold"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        assert not cache_path(output).exists()
        before = rendered_paths()
        project = notepress.load_project(root, output=output)
        report = project.build()
        rendered = rendered_paths()
    rendered.subtract(before)
    return Cold(root, output, project, report, +rendered)


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
    cold: Cold, reproducible: int
) -> None:
    """Every exporter (feed, PDF, EPUB, JSON-LD) writes from cached renderings the bytes it
    wrote when it rendered every note.  Edits and their undoing are the generated vault's
    test in test_cache.py: what a cache keeps again after an edit does not depend on the
    exporter."""
    assert reproducible == EPOCH
    assert cold.rendered, "the build that fills the cache renders"
    assert cache_path(cold.output).exists()
    expected = _output_files(cold.output)
    # Target folders unlike the last build's are built again, every rendering from the cache
    # (kept beside them: a cache copied elsewhere is another output's, and discarded).  The
    # reading copy, the slowest to print and a PDF like the monthly digests, is left as it
    # is; the rebuild leaves the folder as the other tests of this module read it.
    rebuilt = {"newsletter", "monthly", "archive", "metadata"}
    for name in rebuilt:
        shutil.rmtree(cold.output / name)
    report, rendered = _build(cold.root, output=cold.output)
    assert rendered == Counter()
    assert {t.name for t in report.targets if not t.up_to_date} == rebuilt
    assert _output_files(cold.output) == expected
