"""Large digests: the default limits hold a 500-page digest, measured in the limits' own units.

WeasyPrint's CPU time grows like the pages (``bench/bench_pdf.py --scaling``: the same CPU
per page from 54 to over 400 pages), so a digest is not split into parts; instead its
limits are set per page.  Two small digests are rendered by the real worker, which reports
the CPU time and the address space of its render (what ``timeout`` and ``memory_limit``
cap); from them, the cost of 500 pages is projected and must fit the defaults with room to
spare.  CPU time, not the clock: a busy machine does not change the figures much.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import notepress
from notepress.exporter import Job
from notepress.exporters.pdf import PdfExporter, PdfOptions
from notepress.exporters.pdf.jobs import RenderResult
from notepress.exporters.pdf.worker import render_digests

from .conftest import note_text, write_vault

pytestmark = pytest.mark.slow

#: How much more than the projection the defaults must allow: notes heavier than these
#: (tables, code, images) cost more per page, and a loaded machine costs more CPU per page.
MARGIN = 2.0
PAGES = 500

BODY = """
The starter went into the oven at seven and the crumb came out open, which is more than the
last three loaves managed. [[Note {other}]] has the flour weights.[^1]

## What changed

- a longer bulk ferment, in a warmer corner of the kitchen
- ==less water== at the start, more at the second fold
- [[Note {other}#What changed|the other try]] for comparison

> [!note] Next time
> Keep the lid on for the first twenty minutes.

```python
hydration = water / flour
print(round(hydration, 2))
```

| loaf | water | result |
|---|---:|---|
| one | 70 % | dense |
| two | 75 % | open |

[^1]: Weighed on the small scale, which rounds to the gram.
"""


def vault(root: Path, count: int) -> Path:
    files = {
        f"note {i:03d}.md": note_text(
            f"Note {i:03d}",
            BODY.format(other=f"{(i + 1) % count:03d}"),
            note_id=f"2303{i % 28 + 1:02d}GN{i:02d}",
            created=f"2023-03-{i % 28 + 1:02d}",
        )
        for i in range(count)
    }
    return write_vault(root, files, '[targets.digest]\nexporter = "pdf"\n')


def render(root: Path) -> RenderResult:
    """The digest, rendered by a real worker under the default options."""
    project = notepress.load_project(root)
    target = project.config.targets["digest"]
    job = Job(
        target=target,
        site=project.config.site,
        vault=project.vault,
        notes=project.selected(target),
        out_dir=root / "_scratch",
        config_root=root,
    )
    plan = PdfExporter.plan(job)
    (result,) = render_digests(plan.jobs, timeout=target.options.timeout)
    assert result.error is None, result.error
    return result


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> tuple[RenderResult, RenderResult]:
    root = tmp_path_factory.mktemp("scale")
    return render(vault(root / "small", 4)), render(vault(root / "larger", 16))


def projected(
    renders: tuple[RenderResult, RenderResult], measure: Callable[[RenderResult], float]
) -> float:
    """``measure`` of a digest of :data:`PAGES` pages, on the line through the two renders."""
    small, larger = renders
    slope = (measure(larger) - measure(small)) / (larger.pages - small.pages)
    return measure(larger) + max(slope, 0.0) * (PAGES - larger.pages)


def test_the_worker_reports_what_its_render_cost(
    renders: tuple[RenderResult, RenderResult],
) -> None:
    small, larger = renders
    assert larger.pages > small.pages > 4
    for result in renders:
        assert result.cpu_seconds > 0
        assert result.peak_mb > 0
        assert result.address_space_mb >= result.peak_mb
    assert larger.cpu_seconds > small.cpu_seconds


def test_the_default_time_limit_holds_a_500_page_digest(
    renders: tuple[RenderResult, RenderResult],
) -> None:
    per_page = max(result.cpu_seconds / result.pages for result in renders)
    assert PAGES * per_page * MARGIN <= PdfOptions().timeout
    assert projected(renders, lambda r: r.cpu_seconds) * MARGIN <= PdfOptions().timeout


def test_the_default_memory_limit_holds_a_500_page_digest(
    renders: tuple[RenderResult, RenderResult],
) -> None:
    # The cap is on address space, but what grows with the pages is the heap, which the
    # resident size follows; address space also jumps by whole allocator arenas, a step
    # that two small renders would turn into a slope.  So: the larger render's address
    # space, plus the resident growth per page up to 500 pages.
    small, larger = renders
    slope = max((larger.peak_mb - small.peak_mb) / (larger.pages - small.pages), 0.0)
    need = larger.address_space_mb + slope * (PAGES - larger.pages)
    assert need * MARGIN <= PdfOptions().memory_limit, f"{need:.0f} MB projected"


def test_a_busy_machine_does_not_stop_a_500_page_digest_on_the_clock(
    renders: tuple[RenderResult, RenderResult],
) -> None:
    """The wall-clock net (for a stalled render) must not strike before the CPU limit when
    the render gets a small share of a core: 6 % was measured for a 463-page digest (121 CPU
    seconds, 1,911 s on the clock) on two cores shared by a dozen busy processes."""
    from notepress.exporters.pdf.worker import _wall_limit

    share = 0.06
    per_page = max(result.cpu_seconds / result.pages for result in renders)
    assert PAGES * per_page / share <= _wall_limit(PdfOptions().timeout)
