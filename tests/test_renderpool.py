"""Rendering on a pool of forked workers gives what one process gives, note for note.

Each test records which processes rendered (a wrapper around ``render_fresh`` that the
workers inherit writes its process id to a file), so that a test of the pool cannot pass by
rendering everything here.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

import notepress
from notepress import renderpool
from notepress.cache.codec import rendered_to_data
from notepress.markdown import NoteRenderError, RenderedNote, UrlLinks, render_note
from notepress.markdown.memo import render_count
from notepress.model import Note, Problem, Severity
from notepress.progress import RichProgress, Step, progress_for
from notepress.renderpool import render_many
from notepress.vault import Vault

from .conftest import note_text, write_vault

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from synthetic import make_vault as make_synthetic

PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f00f0004850180848c9921"
    "0000000049454e44ae426082"
)
NOTES = 150


def _extras() -> dict[str, str | bytes]:
    """Notes with what the generated ones lack: pictures asked for in an order of their
    own, an embed, math, a block reference and a note linked under two spellings."""
    files: dict[str, str | bytes] = {f"pics/p{n}.png": PIXEL_PNG for n in range(6)}
    for index in range(40):
        pictures = " ".join(f"![[p{(index * 7 + k) % 6}.png]]" for k in range(1 + index % 3))
        body = (
            f"Pictures first: {pictures}\n\nA formula $x^{index}$ and a block. ^b{index}\n\n"
            f"![[Note {index:05d}#details]]\n\nSee [[extra {(index + 1) % 40:02d}#^b1]].\n"
        )
        files[f"extra/extra {index:02d}.md"] = note_text(
            f"Extra {index:02d}", body, note_id=f"240101EX{index:02d}", created="2024-01-01"
        )
    return files


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Vault:
    root = make_synthetic(tmp_path_factory.mktemp("renderpool"), NOTES)
    write_vault(root, _extras(), '[site]\ntitle = "T"\nurl = "https://notes.example.org/"\n')
    return notepress.load_project(root, cache=False).vault


@pytest.fixture
def renderers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[int]]:
    """The process id of every fresh render so far, in the order they were written: a
    wrapper that the workers inherit appends it to a file."""
    log = tmp_path / "renderers.log"
    real = renderpool.render_fresh

    def logged(*args: Any, **kwargs: Any) -> Any:
        with log.open("a", encoding="ascii") as out:
            out.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(renderpool, "render_fresh", logged)
    return lambda: [int(line) for line in log.read_text().split()] if log.exists() else []


def _style() -> UrlLinks:
    return UrlLinks(note_url=lambda n: f"https://notes.example.org/{n.slug}/", assets_url="/a/")


def _data(outcome: RenderedNote | NoteRenderError) -> Any:
    if isinstance(outcome, NoteRenderError):
        return ("error", outcome.problem)
    return rendered_to_data(outcome)


def _serial(vault: Vault, style: Any, notes: list[Note], **kwargs: Any) -> list[Any]:
    out = []
    for note in notes:
        try:
            out.append(_data(render_note(note, vault, style, **kwargs)))
        except NoteRenderError as exc:
            out.append(_data(exc))
    return out


def test_the_pool_renders_what_one_process_renders(
    vault: Vault, renderers: Callable[[], list[int]]
) -> None:
    notes = sorted(vault.notes, key=lambda note: note.path)
    style = _style()
    pooled = list(render_many(notes, vault, style, footnotes="endnotes", math="svg", jobs=2))
    pids = renderers()
    assert [note for note, _ in pooled] == notes
    assert _serial(vault, _style(), notes, footnotes="endnotes", math="svg") == [
        _data(outcome) for _, outcome in pooled
    ]
    for note, outcome in pooled:
        assert isinstance(outcome, RenderedNote)
        assert outcome.note is note
        assert all(linked in vault.notes for linked in outcome.linked_notes)
    assert set(pids) - {os.getpid()}, pids  # the workers rendered ...
    assert os.getpid() not in pids  # ... every note: none asked for rendering again here


class _NumberedPictures(UrlLinks):
    """A style whose answers depend on what it was asked before, as an e-book's media
    store's did: the n-th picture asked for is ``pic-n``."""

    def __init__(self) -> None:
        super().__init__(note_url=lambda n: f"https://notes.example.org/{n.slug}/")
        self.asked: list[str] = []

    def asset_href(self, path: PurePosixPath) -> str | None:
        if path.as_posix() not in self.asked:
            self.asked.append(path.as_posix())
        return f"pic-{self.asked.index(path.as_posix())}.png"


def test_a_style_that_answers_by_order_ends_as_after_one_process(
    vault: Vault, renderers: Callable[[], list[int]]
) -> None:
    """A worker's style is a copy whose answers may differ from this process's: such a
    note is rendered again here, so the renderings and the style's state are the serial
    ones."""
    notes = sorted(vault.notes, key=lambda note: note.path, reverse=True)
    alone = _NumberedPictures()
    expected = _serial(vault, alone, notes)
    pooled = _NumberedPictures()
    got = [_data(outcome) for _, outcome in render_many(notes, vault, pooled, jobs=2)]
    assert got == expected
    assert pooled.asked == alone.asked and len(alone.asked) == 6
    assert set(renderers()) - {os.getpid()}, "no worker rendered"


def test_errors_come_back_in_their_place(
    vault: Vault, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    notes = sorted(vault.notes, key=lambda note: note.path)
    failing = {notes[3].path, notes[100].path}
    real = renderpool.render_fresh
    log = tmp_path / "pids"

    def fresh(note: Note, *args: Any) -> RenderedNote:
        with log.open("a") as out:
            out.write(f"{os.getpid()}\n")
        if note.path in failing:
            problem = Problem(Severity.ERROR, "note-too-slow", "slow", note.path.as_posix())
            raise NoteRenderError(problem)
        return real(note, *args)

    monkeypatch.setattr(renderpool, "render_fresh", fresh)
    outcomes = list(render_many(notes, vault, _style(), jobs=2))
    errors = [index for index, (_, o) in enumerate(outcomes) if isinstance(o, NoteRenderError)]
    assert errors == [3, 100]
    problem = outcomes[100][1].problem  # type: ignore[union-attr]
    assert (problem.code, problem.path) == ("note-too-slow", notes[100].path.as_posix())
    assert set(map(int, log.read_text().split())) - {os.getpid()}, "no worker rendered"


def test_a_worker_that_dies_costs_only_time(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first worker to reach note 120 is killed there: its notes are rendered here."""
    notes = sorted(vault.notes, key=lambda note: note.path)
    parent = os.getpid()
    real = renderpool.render_fresh

    def fresh(note: Note, *args: Any) -> RenderedNote:
        if note.path == notes[120].path and os.getpid() != parent:
            os._exit(9)
        return real(note, *args)

    monkeypatch.setattr(renderpool, "render_fresh", fresh)
    got = [_data(outcome) for _, outcome in render_many(notes, vault, _style(), jobs=2)]
    assert got == _serial(vault, _style(), notes)
    assert multiprocessing.active_children() == []


def test_one_job_or_another_thread_renders_here(
    vault: Vault, renderers: Callable[[], list[int]]
) -> None:
    notes = list(vault.notes)
    list(render_many(notes, vault, _style(), jobs=1))
    assert set(renderers()) == {os.getpid()}
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        list(render_many(notes, vault, _style(), jobs=2))
    finally:
        stop.set()
        other.join()
    assert set(renderers()) == {os.getpid()}
    assert len(renderers()) == 2 * len(notes)


def test_a_build_on_a_terminal_still_renders_on_workers(
    vault: Vault, renderers: Callable[[], list[int]]
) -> None:
    """The live display's thread keeps out of a fork's way, so it does not turn the pool
    off (:mod:`notepress.forking`)."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    display = progress_for(Terminal())
    assert isinstance(display, RichProgress)
    try:
        display.started(Step("target", "archive"))
        assert threading.active_count() == 2
        list(render_many(list(vault.notes), vault, _style(), jobs=2))
    finally:
        display.close()
    assert set(renderers()) - {os.getpid()}, "no worker rendered"


def test_a_few_notes_to_render_start_no_pool(
    vault: Vault, renderers: Callable[[], list[int]]
) -> None:
    notes = list(vault.notes)[: renderpool.MIN_POOL_RENDERS - 1]
    list(render_many(notes, vault, _style(), jobs=2))
    assert set(renderers()) == {os.getpid()}


def test_leaving_early_stops_the_workers(vault: Vault, renderers: Callable[[], list[int]]) -> None:
    renderings = render_many(list(vault.notes), vault, _style(), jobs=2)
    next(renderings)
    renderings.close()
    assert multiprocessing.active_children() == []


def test_renders_in_workers_are_counted_here(vault: Vault) -> None:
    """Tests and benchmarks count renders in this process: a worker's count too."""
    before = render_count()
    list(render_many(list(vault.notes), vault, _style(), jobs=2))
    assert render_count() - before == len(vault.notes)


def test_a_build_on_the_pool_writes_what_a_build_in_one_process_writes(
    tmp_path: Path, reproducible: int, renderers: Callable[[], list[int]]
) -> None:
    """Every exporter, with and without workers: the same bytes.  Then the feed and JSON-LD
    from the cache after an edit (the book, pandoc's work, adds nothing to what the cache
    keeps or reuses)."""
    root = make_synthetic(tmp_path / "vault", 70)
    write_vault(
        root,
        _extras(),
        '[site]\ntitle = "T"\nurl = "https://notes.example.org/"\nnote_url = "n/{slug}/"\n'
        '[targets.feed]\nexporter = "feed"\nlimit = 0\ncontent = "full"\n'
        '[targets.meta]\nexporter = "jsonld"\n'
        '[targets.book]\nexporter = "epub"\n',
    )
    every: dict[str, Any] = {"future": True}  # notes dated after SOURCE_DATE_EPOCH too
    outputs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        report = notepress.load_project(root, output=out, jobs=jobs, cache=False, **every).build()
        assert all(target.ok for target in report.targets), report.targets
        outputs[jobs] = _files(out)
        assert bool(set(renderers()) - {os.getpid()}) == (jobs == 2), "workers only with -j 2"
    assert outputs[1] == outputs[2]
    # With the cache: renderings made by workers are kept, and used after an edit.
    cached = tmp_path / "cached"
    light = ["feed", "meta"]
    notepress.load_project(root, output=cached, jobs=2, **every).build(light)
    note = root / "2015" / "note 00001.md"
    original = note.read_bytes()
    note.write_bytes(original.replace(b"title: ", b"title: Edited ", 1))
    notepress.load_project(root, output=cached, jobs=2, **every).build(light)
    note.write_bytes(original)
    before = render_count()
    notepress.load_project(root, output=cached, jobs=2, **every).build(light)
    assert 0 < render_count() - before < 3 * 20  # the edited note and those linking to it
    assert _files(cached) == {
        name: data for name, data in outputs[1].items() if name.split("/")[0] in light
    }


def _files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".notepress" not in path.parts and not path.name.startswith(".")
    }


@pytest.mark.slow
def test_a_build_killed_outright_leaves_no_worker_behind(tmp_path: Path) -> None:
    """SIGKILL to the build alone, once its parsing workers run and again once its
    rendering workers run: the workers end with it (they would wait for work for ever)."""
    root = make_synthetic(tmp_path / "vault", 400, extra=5)
    (root / "notepress.toml").write_text(
        '[site]\nurl = "https://notes.example.org/"\n'
        '[targets.archive]\nexporter = "feed"\nlimit = 0\ncontent = "full"\n',
        encoding="utf-8",
    )
    for pools_to_wait in (1, 2):
        build = subprocess.Popen(
            [sys.executable, "-m", "notepress", "build", str(root), "--no-cache", "-j", "2"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        workers = _workers_of(build, pools_to_wait)
        build.kill()
        build.wait()
        assert workers, "the build ended before its workers started"
        assert not _alive_after(workers), workers


def _workers_of(build: subprocess.Popen[bytes], pools: int) -> list[int]:
    """The children of ``build`` once its ``pools``-th set of workers runs ([] if it ends
    first)."""
    seen: set[int] = set()
    started = 0
    while build.poll() is None:
        children = set(_children(build.pid))
        if children and not children & seen:
            started += 1
            seen |= children
            if started == pools:
                return sorted(children)
        time.sleep(0.005)
    return []


def _children(pid: int) -> list[int]:
    try:
        listed = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in listed.split()]


def _alive_after(pids: list[int], safety: float = 30.0) -> list[int]:
    """Those of ``pids`` still running (not zombies) once all end or ``safety`` seconds
    pass (a bound on a hang, not a speed)."""
    deadline = time.monotonic() + safety
    while True:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                alive.append(pid)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)
