"""Shared fixtures: small vaults written into tmp_path, and a one-call build."""

from __future__ import annotations

import os
import subprocess
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import notepress

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SEEDS = REPO.parent / "shared" / "seeds"

# A hundred examples per property on every run, drawn afresh each time, so that runs add up;
# `--hypothesis-profile=long` for a deep one.
_PROFILE = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("default", max_examples=100, **_PROFILE)
settings.register_profile("long", max_examples=5000, **_PROFILE)
settings.load_profile("default")


def note_text(
    title: str,
    body: str = "",
    *,
    note_id: str | None = None,
    created: str = "2023-03-06",
    updated: str | None = None,
    draft: bool | None = False,
    tags: list[str] | None = None,
    extra: str = "",
) -> str:
    """A note file's text with frontmatter; ``draft=None`` leaves the key out."""
    lines = ["---", f"title: {title}"]
    if note_id:
        lines.append(f"note_id: {note_id}")
    lines.append(f"created: {created}")
    if updated:
        lines.append(f"updated: {updated}")
    if draft is not None:
        lines.append(f"draft: {'true' if draft else 'false'}")
    if tags:
        lines.append("tags:")
        lines.extend(f"  - {tag}" for tag in tags)
    if extra:
        lines.append(textwrap.dedent(extra).strip())
    lines.append("---")
    return "\n".join(lines) + "\n\n" + textwrap.dedent(body).lstrip("\n")


def make_draft_keeping_size_and_time(path: Path) -> None:
    """Make the note at ``path`` a draft by an edit that keeps its size, its modification
    time put back as ``touch -r`` does: only the change time, which no one can set, tells."""
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "draft: false" in text
    path.write_text(text.replace("draft: false", "draft: true "), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size


VaultFactory = Callable[..., Path]


#: CPU seconds each long module took in one run of the suite, one module after the other
#: (the machine's busy time around each test, summed per module).  Only the order of the
#: modules comes from these figures, so they need to be roughly right, not current; a module
#: missing here counts as ``_SLOW_MODULE`` when it has slow tests, else as nothing.
MODULE_SECONDS = {
    "tests/test_samples.py": 44,
    "tests/test_pdf.py": 41,
    "tests/hostile/test_limits.py": 36,
    "tests/test_renderpool.py": 30,
    "tests/test_unchanged.py": 26,
    "tests/hostile/test_notes.py": 25,
    "tests/hostile/test_assets.py": 22,
    "tests/hostile/test_kill.py": 22,
    "tests/test_pdf_limits.py": 17,
    "tests/test_wheel.py": 14,
    "tests/hostile/test_config_hostile.py": 14,
    "tests/hostile/test_output_safety.py": 13,
    "tests/test_refresh.py": 13,
    "tests/hostile/test_canaries.py": 12,
    "tests/test_epubcheck_runner.py": 10,
    "tests/test_pdf_fonts.py": 10,
    "tests/hostile/test_comments.py": 9,
    "tests/test_feed_scale.py": 8,
    "tests/test_messages.py": 8,
    "tests/test_preview_browser.py": 7,
    "tests/test_cache.py": 7,
    "tests/test_pdf_scale.py": 6,
}
_SLOW_MODULE = 10


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest modules first, each in its own order.

    With workers, whole modules go to one worker (``--dist=loadfile`` in pyproject.toml: a
    module's shared builds are made once, not once per worker), each worker taking the next
    module when it is nearly done.  Longest first, the short ones that come last even the
    workers out, instead of one worker finishing a long module while the other waits.
    """
    slow = {item.path for item in items if item.get_closest_marker("slow")}

    def seconds(item: pytest.Item) -> float:
        module = item.path.relative_to(REPO).as_posix()
        return MODULE_SECONDS.get(module, _SLOW_MODULE if item.path in slow else 0)

    items.sort(key=lambda item: -seconds(item))


@pytest.fixture(autouse=True, scope="session")
def _build_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Builds keep their cache (and drawn diagrams) in a folder of the test session, not in
    the user's own cache folder; child processes inherit it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NOTEPRESS_CACHE", str(tmp_path_factory.mktemp("notepress-cache")))
        yield


@pytest.fixture
def make_vault(tmp_path: Path) -> VaultFactory:
    """Write ``{relative path: text or bytes}`` into a fresh vault folder and return it.

    ``config`` (TOML text) becomes the vault's ``notepress.toml``.
    """

    def factory(files: Mapping[str, str | bytes], config: str | None = None) -> Path:
        return write_vault(tmp_path / "vault", files, config)

    return factory


def write_vault(root: Path, files: Mapping[str, str | bytes], config: str | None = None) -> Path:
    """Write ``{relative path: text or bytes}`` (and a config) under ``root``; for any scope."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if config is not None:
        (root / "notepress.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    return root


def git(repo: Path, *args: str, when: str | None = None) -> None:
    """``git ARGS`` in ``repo`` without the machine's settings, as a fixed author; ``when``
    dates its commits."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    command = ["git", "-c", "user.name=x", "-c", "user.email=x@example.org", *args]
    subprocess.run(command, cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def build_vault() -> Callable[..., notepress.BuildReport]:
    """Load a vault (with its own notepress.toml) and build it, returning the report."""

    def run(
        root: Path, targets: list[str] | None = None, **kwargs: object
    ) -> notepress.BuildReport:
        project = notepress.load_project(root, **kwargs)  # type: ignore[arg-type]
        return project.build(targets)

    return run


@pytest.fixture
def reproducible(monkeypatch: pytest.MonkeyPatch) -> int:
    """Pin SOURCE_DATE_EPOCH, as reproducible builds do."""
    epoch = 1_700_000_000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    return epoch
