"""The built wheel carries the exporters and templates: install it elsewhere and build samples/."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from .conftest import REPO, SAMPLES

pytestmark = pytest.mark.slow


def test_wheel_installs_and_builds_samples(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(REPO)],
        check=True,
    )
    wheel = next(dist.glob("notepress-*.whl"))

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
        [str(env_dir / "bin" / "python"), "-m", "notepress", "build", str(SAMPLES), "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    built = {p.relative_to(out).parts[0] for p in out.rglob("*") if p.is_file() and p.parent != out}
    assert built == {"newsletter", "monthly", "reading-copy", "archive", "metadata"}
    assert any(out.glob("monthly/*.pdf")) and any(out.glob("archive/*.epub"))
