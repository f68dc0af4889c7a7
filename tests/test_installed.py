"""Versions and entry points are remembered between builds, and read again after an install."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from notepress.installed import distribution_versions, entry_point_specs
from notepress.registry import exporter_names
answer = {
    "versions": distribution_versions(["fake-notes-plugin", "markdown-it-py", "no-such-dist"]),
    "exporters": entry_point_specs("notepress.exporters"),
    "names": exporter_names(),
    "read_metadata": "importlib.metadata" in sys.modules,
}
print(json.dumps(answer))
"""


def _install(site: Path, version: str) -> None:
    """A distribution as pip leaves it: a ``.dist-info`` folder named by its version."""
    for old in site.glob("fake_notes_plugin-*.dist-info"):
        shutil.rmtree(old)
    info = site / f"fake_notes_plugin-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: fake-notes-plugin\nVersion: {version}\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[notepress.exporters]\nfake{version.replace('.', '')} = fake_notes:Exporter\n",
        encoding="utf-8",
    )


def _ask(site: Path, cache: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(site)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NOTEPRESS_CACHE": str(cache)},
    )
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


@pytest.mark.slow
def test_an_install_is_seen_and_an_unchanged_environment_is_not_read_again(
    tmp_path: Path,
) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    _install(site, "1.0")
    first = _ask(site, cache)
    assert first["read_metadata"]
    versions = first["versions"]
    assert isinstance(versions, dict)
    assert versions["fake-notes-plugin"] == "1.0" and versions["no-such-dist"] is None
    assert versions["markdown-it-py"]
    assert ["fake10", "fake_notes:Exporter"] in first["exporters"]  # type: ignore[operator]
    assert "fake10" in first["names"]  # type: ignore[operator]

    again = _ask(site, cache)
    assert not again["read_metadata"]  # answered from the record
    assert {key: again[key] for key in ("versions", "exporters", "names")} == {
        key: first[key] for key in ("versions", "exporters", "names")
    }

    (site / "notes.md").write_text("a file that is not a distribution", encoding="utf-8")
    assert not _ask(site, cache)["read_metadata"]

    _install(site, "2.0")  # an upgrade replaces the .dist-info folder
    upgraded = _ask(site, cache)
    assert upgraded["read_metadata"]
    assert upgraded["versions"]["fake-notes-plugin"] == "2.0"  # type: ignore[index]
    assert "fake20" in upgraded["names"] and "fake10" not in upgraded["names"]  # type: ignore[operator]


def test_a_damaged_record_is_read_again(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    _install(site, "3.1")
    _ask(site, cache)
    (record,) = (cache / "installed").iterdir()
    record.write_text("{not json", encoding="utf-8")
    answer = _ask(site, cache)
    assert answer["read_metadata"]
    assert answer["versions"]["fake-notes-plugin"] == "3.1"  # type: ignore[index]
    json.loads(record.read_text(encoding="utf-8"))  # written again, whole
