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
    "subset": list(distribution_versions(["no-such-dist", "fake-notes-plugin"])),
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


def _run(probe: str, site: Path, cache: Path) -> str:
    """What ``probe`` prints in a fresh interpreter with ``site`` on its path."""
    done = subprocess.run(
        [sys.executable, "-c", probe, str(site)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NOTEPRESS_CACHE": str(cache)},
    )
    return done.stdout


def _ask(site: Path, cache: Path) -> dict[str, object]:
    answer: dict[str, object] = json.loads(_run(_PROBE, site, cache))
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
    assert again["subset"] == ["no-such-dist", "fake-notes-plugin"]  # only those, in order
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


_LOAD_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from notepress.errors import RegistryError
from notepress.registry import exporter_names, get_exporter
result = {"names": exporter_names(), "feed": get_exporter("feed").__name__}
try:
    get_exporter("planted")
    result["planted"] = "loaded"
except RegistryError as exc:
    result["planted"] = str(exc)
print(json.dumps(result))
"""


@pytest.mark.parametrize("claims_feed", [False, True], ids=["planted", "planted-and-feed"])
def test_a_record_in_the_cache_never_chooses_the_code_a_build_imports(
    tmp_path: Path, claims_feed: bool
) -> None:
    """The record is data in the user's cache: an exporter planted in it, or one that claims
    a built-in name, is checked against what is installed before anything is imported."""
    site, cache = tmp_path / "site", tmp_path / "cache"
    _install(site, "1.0")
    _ask(site, cache)
    (path,) = (cache / "installed").iterdir()
    record = json.loads(path.read_text(encoding="utf-8"))
    # ``this`` prints the Zen of Python when imported: a visible side effect.
    planted = [["planted", "this:x"]] + ([["feed", "this:y"]] if claims_feed else [])
    record["groups"]["notepress.exporters"] += planted
    path.write_text(json.dumps(record), encoding="utf-8")
    printed = _run(_LOAD_PROBE, site, cache)
    result = json.loads(printed.splitlines()[-1])
    assert "Beautiful is better" not in printed
    assert result["feed"] == "FeedExporter"
    if claims_feed:  # the conflict sent the registry to the installation for every name
        assert "planted" not in result["names"]
        assert "unknown exporter 'planted' (available:" in result["planted"]
    else:  # listed from the record, checked before it is imported
        assert "planted" in result["names"]
        assert result["planted"] == "unknown exporter 'planted' (no longer installed)"
