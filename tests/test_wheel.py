"""The built wheel carries the exporters and templates: install it elsewhere and build samples/.

The build is of one target per exporter, over a few notes: what it proves is that the
installed package finds its templates, stylesheets and fonts, not what the samples print
(test_samples.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO, SAMPLES

pytestmark = pytest.mark.slow

CONFIG = """\
[site]
title = "From the wheel"
url = "https://notes.example.org/"

[targets.newsletter]
exporter = "feed"

[targets.digest]
exporter = "pdf"
group = "all"
include_tags = ["keyboards"]

[targets.archive]
exporter = "epub"

[targets.metadata]
exporter = "jsonld"
"""


#: What setuptools says about a project whose packaging is incomplete: a data folder absent
#: from ``packages`` ("Package would be ignored", "is absent from the `packages`
#: configuration"), a deprecated key, a file it will leave out.  ``warning:`` in lower case
#: is setuptools'; pip's own ``WARNING:`` lines are about the machine's index, not the project.
PACKAGING_WARNING = re.compile(
    r"SetuptoolsDeprecationWarning|SetuptoolsWarning|would be ignored|absent from the"
    r"|is deprecated|(?-i:warning): (?!(build_py|install_lib): byte-compiling is disabled)",
    re.IGNORECASE,
)


def test_wheel_installs_and_builds_samples(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(dist), str(REPO)],
        capture_output=True,
        text=True,
        check=True,
    )
    said = [
        line.strip()
        for line in (built.stdout + built.stderr).splitlines()
        if PACKAGING_WARNING.search(line)
    ]
    assert not said, "\n".join(said)
    wheel = next(dist.glob("notepress-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        carried = set(archive.namelist())
    for folder, installed in (
        ("templates", "notepress/templates"),
        ("exporters/data", "notepress/exporters/data"),
    ):
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                name = f"{installed}/{path.relative_to(REPO / folder).as_posix()}"
                assert name in carried, f"the wheel lacks {name}"

    env_dir = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    fresh_python = env_dir / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [str(fresh_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # Dependencies come from the test environment (already installed); notepress itself
    # only from the wheel, installed with --no-deps into the fresh environment.
    (purelib / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(purelib),
            str(wheel),
        ],
        check=True,
    )

    out = tmp_path / "out"
    config = tmp_path / "notepress.toml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    where = subprocess.run(
        [
            str(fresh_python),
            "-c",
            "import notepress, notepress.exporters as e; print(notepress.__file__, e.__file__)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
    ).stdout
    assert str(REPO) not in where and str(purelib) in where

    result = subprocess.run(
        [
            str(env_dir / "bin" / "python"),
            *("-m", "notepress", "build", str(SAMPLES)),
            *("-c", str(config), "-o", str(out)),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    built = {p.relative_to(out).parts[0] for p in out.rglob("*") if p.is_file() and p.parent != out}
    assert built == {"newsletter", "digest", "archive", "metadata"}
    assert any(out.glob("digest/*.pdf")) and any(out.glob("archive/*.epub"))
