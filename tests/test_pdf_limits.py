"""Digests render in worker processes under a time and a memory limit; one failing digest
does not take the others down."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from notepress.exporters.pdf.jobs import RenderJob
from notepress.exporters.pdf.safety import VAULT_ORIGIN, LoadPolicy
from notepress.exporters.pdf.worker import render_digests
from tests.conftest import note_text
from tests.test_pdf_support import reader

pytestmark = pytest.mark.slow

HUGE = "\n\n".join(
    f"Paragraph {i}: " + "a sentence that goes on to fill the page with words. " * 12
    for i in range(5000)
)

VAULT = {
    "small.md": note_text("Small", "Quick to print.", note_id="230105SM01", created="2023-01-05"),
    "huge.md": note_text("Huge", HUGE, note_id="230205HG01", created="2023-02-05"),
}


def test_a_digest_over_the_time_limit_fails_alone(make_vault, build_vault) -> None:
    root = make_vault(VAULT, config='[targets.m]\nexporter = "pdf"\ngroup = "month"\ntimeout = 4\n')
    report = build_vault(root)
    result = report.targets[0]
    assert result.ok, result.error
    assert report.has_errors  # the build still exits 1: a digest is missing
    assert [p.name for p in result.files] == ["2023-01.pdf"]
    assert "Small" in reader(result.files[0]).pages[2].extract_text()
    failures = [p for p in result.problems if p.code == "pdf-failed"]
    assert len(failures) == 1 and failures[0].severity.value == "error"
    assert failures[0].message.startswith(
        "2023-02.pdf was not written: rendering took longer than 4 seconds of CPU time and was "
        "stopped"
    )
    assert "'timeout'" in failures[0].message


def test_when_every_digest_fails_the_target_fails(make_vault, build_vault) -> None:
    root = make_vault(
        {"huge.md": VAULT["huge.md"]}, config='[targets.m]\nexporter = "pdf"\ntimeout = 1.5\n'
    )
    result = build_vault(root).targets[0]
    assert not result.ok
    assert "no digest could be rendered: digest.pdf: rendering" in (result.error or "")
    assert "took longer than 1.5 seconds of CPU time" in (result.error or "")


def test_a_digest_that_python_cannot_allocate_for_is_over_the_memory_limit(
    make_vault, build_vault
) -> None:
    """Under a cap the libraries start within, a large table runs the worker out of memory.

    Which allocation fails first depends on the memory's layout, which changes from run to
    run: Python's (MemoryError, caught by the worker: the limit, with no crash detail) or a C
    library's, which may crash instead of failing (reported as a crash under the limit,
    naming the limit as the likely cause).  Either way the digest fails alone and the
    message names the limit and the option that raises it, never a traceback.
    """
    rows = "".join(f"| row {i} | a few words | more words {i} |\n" for i in range(3000))
    root = make_vault(
        {"big.md": note_text("Big", "A table.\n\n| a | b | c |\n|---|---|---|\n" + rows)},
        config='[targets.m]\nexporter = "pdf"\nmemory_limit = 300\n',
    )
    result = build_vault(root).targets[0]
    assert not result.ok
    error = result.error or ""
    caught = (
        "digest.pdf: rendering needed more than 300 MB of memory; raise the target's "
        "'memory_limit' option"
    )
    crashed = (
        "digest.pdf: the worker stopped with exit code -11 (SIGSEGV) under the 300 MB memory "
        "limit; a library may crash when it cannot have memory: raise the target's "
        "'memory_limit' option"
    )
    assert caught in error or crashed in error, error
    assert "Traceback" not in error


def test_a_digest_over_the_memory_limit_fails_with_a_clear_message(make_vault, build_vault) -> None:
    root = make_vault(
        {"small.md": VAULT["small.md"]},
        config='[targets.m]\nexporter = "pdf"\nmemory_limit = 128\n',
    )
    result = build_vault(root).targets[0]
    assert not result.ok
    assert "digest.pdf: rendering needed more than 128 MB of memory" in (result.error or "")
    assert "'memory_limit'" in (result.error or "")


def test_workers_render_many_digests_and_keep_their_order(tmp_path) -> None:
    policy = LoadPolicy.for_vault(tmp_path, [])
    jobs = [
        RenderJob(
            name=f"d{i}.pdf",
            html=f"<title>Digest {i}</title><p>{'Text. ' * (i * 200)}</p>",
            css="@page { size: A6 }",
            base_url=VAULT_ORIGIN,
            css_base_url=VAULT_ORIGIN,
            policy=policy,
            identifier=b"0" * 32,
        )
        for i in range(5)
    ]
    results = render_digests(jobs, timeout=60, workers=2)
    assert [r.name for r in results] == [j.name for j in jobs]
    assert all(r.error is None and r.pdf and r.pdf.startswith(b"%PDF") for r in results)
    assert [r.pages for r in results] == sorted(r.pages for r in results)
    assert results[-1].pages > results[0].pages


def test_a_crash_under_a_memory_cap_is_not_called_a_memory_problem() -> None:
    """Only an abort or a message about memory is blamed on the cap; a segfault is a crash."""
    from notepress.exporters.pdf.worker import _looks_out_of_memory

    assert _looks_out_of_memory(-signal.SIGABRT, "")
    assert _looks_out_of_memory(-signal.SIGTRAP, "GLib-ERROR **: Error creating thread")
    assert _looks_out_of_memory(1, "MemoryError: cannot allocate")
    assert not _looks_out_of_memory(-signal.SIGSEGV, "")
    assert not _looks_out_of_memory(1, "ValueError: bad table")


def _empty_job(memory_limit_mb: int) -> RenderJob:
    """A job for the worker's own logic: nothing in it is ever rendered."""
    return RenderJob(
        name="d.pdf",
        html="",
        css="",
        base_url=VAULT_ORIGIN,
        css_base_url=VAULT_ORIGIN,
        policy=None,  # type: ignore[arg-type]
        identifier=b"0" * 32,
        memory_limit_mb=memory_limit_mb,
    )


def test_a_crash_under_a_memory_cap_names_the_cap_as_a_likely_cause() -> None:
    """A segfault under a cap is reported as a crash, with the cap and how to tell."""
    from notepress.exporters.pdf.worker import _crashed_under_cap

    job = _empty_job(memory_limit_mb=400)
    message = _crashed_under_cap(job, -signal.SIGSEGV, "the worker stopped with exit code -11")
    assert message.startswith("the worker stopped with exit code -11 (SIGSEGV) under the 400 MB")
    assert "raise the target's 'memory_limit'" in message
    assert "needed more than" not in message  # not claimed to be a memory problem


def _worker_messages(
    target: Callable[[Any, Any, RenderJob, str], None], arg: Any, job: RenderJob, log: Path
) -> list[Any]:
    """Every message a worker (``target(arg, connection, job, log)``, forked) sends."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=target, args=(arg, sender, job, str(log)))
    child.start()
    sender.close()
    messages = []
    while True:
        try:
            messages.append(receiver.recv())
        except EOFError:
            break
    child.join()
    return messages


def _fail_with(words: str, connection: Any, job: RenderJob, log: str) -> None:
    """A worker whose render raises ``SystemError(words)``, as a C library's can."""
    from notepress.exporters.pdf import render, worker

    def render_in_process(_job: RenderJob) -> None:
        raise SystemError(words)

    render.render_in_process = render_in_process  # type: ignore[assignment]
    worker._worker(connection, job, log, os.getppid(), 60)


@pytest.mark.parametrize(
    ("words", "kind"),
    [
        ("<built-in method x> returned NULL without setting an exception", "memory"),
        ("error return without exception set", "memory"),
        ("bad argument to internal function", "failed"),
    ],
)
def test_a_null_without_an_exception_under_a_cap_is_the_memory_limit(
    tmp_path: Path, words: str, kind: str
) -> None:
    """Python words a C function's silent failure by where it surfaced; under a memory cap
    either wording is the cap, and any other SystemError is reported as it is."""
    job = _empty_job(memory_limit_mb=4000)
    messages = _worker_messages(_fail_with, words, job, tmp_path / "log")
    assert messages[0] == ("ready",)
    assert messages[-1][0] == kind, messages


def _report_collector(_arg: None, connection: Any, job: RenderJob, log: str) -> None:
    """A worker whose render reports the collector's settings instead of rendering."""
    import gc

    from notepress.exporters.pdf import render, worker

    def render_in_process(_job: RenderJob) -> tuple[tuple[int, ...], int]:
        return gc.get_threshold(), gc.get_freeze_count()

    render.render_in_process = render_in_process  # type: ignore[assignment]
    worker._worker(connection, job, log, os.getppid(), 60)


def test_a_worker_renders_with_fewer_collections_and_its_inheritance_frozen(
    tmp_path: Path,
) -> None:
    """WeasyPrint keeps its boxes to the end: the worker raises the collector's thresholds
    (a tenth of the collections) and leaves what it inherited out of them."""
    from notepress.exporters.pdf.worker import RENDER_GC_THRESHOLDS

    messages = _worker_messages(_report_collector, None, _empty_job(0), tmp_path / "log")
    kind, (thresholds, frozen) = messages[-1]
    assert kind == "done"
    assert thresholds == RENDER_GC_THRESHOLDS and thresholds[0] >= 10 * 700
    assert frozen > 1000  # the test process's modules, inherited through fork


_PROBE = """
import sys
from notepress.cli import main
code = main(["build", sys.argv[1], "-q"])
print(code, "weasyprint" in sys.modules)
"""


def test_only_the_workers_import_weasyprint(make_vault) -> None:
    """The build hands out jobs and reads results; WeasyPrint, most of a second to import,
    is imported where the digests are rendered, not a second time in the build."""
    root = make_vault(
        {"small.md": VAULT["small.md"]}, config='[targets.m]\nexporter = "pdf"\ngroup = "all"\n'
    )
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, str(root)], capture_output=True, text=True, check=True
    )
    assert probe.stdout.split() == ["0", "False"], probe.stderr
    assert (root / "_publish" / "m" / "digest.pdf").read_bytes().startswith(b"%PDF-")


def test_weasyprint_messages_are_kept_once_and_glyph_notes_not_at_all() -> None:
    """A digest of text no font has logs a note per glyph drawn: none is kept (the exporter
    warns once per script), and any other message is kept once, however often it comes."""
    import logging

    from notepress.exporters.pdf.render import _Messages

    messages = _Messages()
    logger = logging.getLogger("weasyprint.test-messages")
    logger.addHandler(messages)
    logger.propagate = False
    try:
        for _ in range(1000):
            logger.warning("Font %s has no glyph: .notdef glyph rendered", "X")
            logger.warning("Ignored `float: sideways` at 3:1, invalid value.")
    finally:
        logger.removeHandler(messages)
    assert messages.records == ["Ignored `float: sideways` at 3:1, invalid value."]
