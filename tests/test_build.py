"""The pipeline: staging folders, one failing target never stops the others, the Python API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import notepress
from notepress.exporter import Exporter, Job
from notepress.output import MANIFEST, file_sha256
from notepress.schema import option

from .conftest import note_text


@dataclass(frozen=True)
class ListOptions:
    fail: bool = option(False, "Raise instead of writing.")


class ListExporter(Exporter[ListOptions]):
    """A tiny exporter written the way a third party would: one text file of titles."""

    name = "titles"
    Options = ListOptions

    def build(self, job: Job[ListOptions]) -> None:
        if job.options.fail:
            raise notepress.ExportError("asked to fail")
        job.write_text("titles.txt", "".join(f"{note.title}\n" for note in job.notes))


@pytest.fixture
def titles_exporter() -> Iterator[None]:
    """Registered as a plugin author would; registering the same class again is a no-op.
    Unregistered afterwards: other tests count the built-in exporters."""
    from notepress import registry

    notepress.register_exporter(ListExporter)
    yield
    registry._REGISTERED.pop(ListExporter.name, None)


def vault_with(make_vault, config: str) -> Path:
    return make_vault(
        {
            "a.md": note_text(
                "Alpha", "one", note_id="230306GN01", created="2023-03-06", tags=["x"]
            ),
            "b.md": note_text(
                "Beta", "two", note_id="230307GN01", created="2023-03-07", tags=["y"]
            ),
            "c.md": note_text(
                "Gamma", "DRAFT", note_id="230308GN01", created="2023-03-08", draft=True
            ),
        },
        config=config,
    )


def test_targets_write_under_their_own_folder(make_vault, titles_exporter: None) -> None:
    root = vault_with(
        make_vault,
        '[targets.all]\nexporter = "titles"\n[targets.xs]\nexporter = "titles"\ninclude_tags = ["x"]\n',
    )
    report = notepress.load_project(root).build()
    assert not report.has_errors
    assert (root / "_publish/all/titles.txt").read_text() == "Alpha\nBeta\n"
    assert (root / "_publish/xs/titles.txt").read_text() == "Alpha\n"
    assert report.targets[0].files == [root.resolve() / "_publish/all/titles.txt"]


def test_failing_target_keeps_old_output_and_others_build(
    make_vault, titles_exporter: None
) -> None:
    root = vault_with(
        make_vault, '[targets.ok]\nexporter = "titles"\n[targets.bad]\nexporter = "titles"\n'
    )
    notepress.load_project(root).build()
    (root / "notepress.toml").write_text(
        '[targets.ok]\nexporter = "titles"\nlimit = 1\n[targets.bad]\nexporter = "titles"\nfail = true\n'
    )
    report = notepress.load_project(root).build()
    assert report.has_errors
    bad = next(t for t in report.targets if t.name == "bad")
    assert bad.error is not None and "'bad'" in bad.error and "asked to fail" in bad.error
    assert (root / "_publish/bad/titles.txt").read_text() == "Alpha\nBeta\n"  # previous build kept
    assert (root / "_publish/ok/titles.txt").read_text() == "Beta\n"  # newest one
    assert not any(p.name.endswith(".partial") for p in (root / "_publish").iterdir())


def test_a_note_saved_into_a_target_folder_is_refused(make_vault, titles_exporter: None) -> None:
    """Neither read as a note (it is in the output) nor left where the next build would
    carry it into the published folder: the build refuses, naming it."""
    root = vault_with(make_vault, '[targets.all]\nexporter = "titles"\n')
    notepress.load_project(root).build()
    stale = root / "_publish" / "all" / "stale.md"
    stale.write_text(note_text("Stale", "x", note_id="230309GN01"))
    with pytest.raises(notepress.ConfigError) as caught:
        notepress.load_project(root)
    assert f"holds notes ({stale})" in "\n".join(caught.value.errors)


def test_drafts_and_errors_never_selected(make_vault, titles_exporter: None) -> None:
    root = vault_with(make_vault, '[targets.all]\nexporter = "titles"\n')
    (root / "bad.md").write_text(note_text("Broken", "x", note_id="230310GN01", created="never"))
    project = notepress.load_project(root)
    assert [n.title for n in project.selected(project.config.target("all"))] == ["Alpha", "Beta"]


def test_public_api_is_pinned() -> None:
    assert sorted(notepress.__all__) == sorted(
        [
            "BuildReport",
            "Config",
            "ConfigError",
            "DateError",
            "DocumentLinks",
            "ExportError",
            "Exporter",
            "Job",
            "Link",
            "NoOptions",
            "NoteRenderError",
            "LinkStyle",
            "Note",
            "NotepressError",
            "ParseSettings",
            "Problem",
            "Progress",
            "Project",
            "RegistryError",
            "RenderedNote",
            "ResourceLimitError",
            "Seconds",
            "Selection",
            "SelectionDefaults",
            "Severity",
            "Site",
            "Step",
            "Target",
            "TargetResult",
            "TextLinks",
            "UrlLinks",
            "Vault",
            "VaultError",
            "__version__",
            "build",
            "default_config",
            "load_config",
            "load_project",
            "load_vault",
            "option",
            "parse_note",
            "register_exporter",
            "render_note",
            "select_for",
        ]
    )
    for name in notepress.__all__:
        assert hasattr(notepress, name)


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        pytest.param(None, ["Alpha", "Beta"], id="no-limit-key"),
        pytest.param(0, ["Alpha", "Beta"], id="zero-means-all"),
        pytest.param(1, ["Beta"], id="newest-one"),
        pytest.param(5, ["Alpha", "Beta"], id="more-than-there-are"),
    ],
)
def test_limit_keeps_the_newest(
    make_vault, titles_exporter: None, limit: int | None, expected: list[str]
) -> None:
    extra = "" if limit is None else f"limit = {limit}\n"
    root = vault_with(make_vault, f'[targets.all]\nexporter = "titles"\n{extra}')
    project = notepress.load_project(root)
    assert [n.title for n in project.selected(project.config.target("all"))] == expected


def test_earlier_output_is_not_read_when_building_elsewhere(make_vault, tmp_path: Path) -> None:
    root = make_vault(
        {
            "a.md": note_text("Alpha", "![[pic.png]]", note_id="230306GN01"),
            "attachments/pic.png": b"real",
            "_publish/old/assets/pic.png": b"copy",
            "_publish/old/stale.md": note_text("Stale", "x", note_id="230309GN01"),
        },
        config='[targets.all]\nexporter = "jsonld"\n[site]\nurl = "https://x.org/"\n',
    )
    # An earlier build's target folder, which wrote a markdown file.
    old = root / "_publish" / "old"
    files = {rel: file_sha256(old / rel) for rel in ("assets/pic.png", "stale.md")}
    (old / MANIFEST).write_text(json.dumps({"files": files}), encoding="utf-8")
    project = notepress.load_project(root, output=tmp_path / "elsewhere")
    assert [n.title for n in project.vault.notes] == ["Alpha"]
    assert project.vault.attachment("pic.png") == Path("attachments/pic.png")


def test_output_of_a_build_is_never_read_back(
    make_vault, titles_exporter: None, tmp_path: Path
) -> None:
    """Whatever the config says now, a folder a build wrote is not vault content."""
    root = vault_with(make_vault, 'output = "site"\n[targets.all]\nexporter = "titles"\n')
    notepress.load_project(root).build()
    # A markdown file in its manifest, with its bytes, as an exporter of markdown writes it.
    folder = root / "site" / "all"
    (folder / "copy.md").write_text(note_text("Copy", "x", note_id="230311GN01"))
    manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    manifest["files"]["copy.md"] = file_sha256(folder / "copy.md")
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text('[targets.all]\nexporter = "titles"\n')
    project = notepress.load_project(root, other)
    assert "Copy" not in [n.title for n in project.vault.notes]
