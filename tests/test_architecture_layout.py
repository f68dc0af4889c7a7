"""The code's layout: one package per exporter, packaging that names every folder, honest
``__all__`` lists, and the linters (ruff, mypy) clean, so that CI enforces what ``make lint``
checks."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

from .conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
#: Where each installed top package lives in the source tree.
ROOTS = {name: REPO / folder for name, folder in SETUPTOOLS["package-dir"].items()}
BIN = Path(sys.executable).parent


def _source_modules() -> Iterator[tuple[str, Path]]:
    """Every importable module of the installed ``notepress``, with its source file."""
    for top, root in ROOTS.items():
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if top == "notepress" and parts and f"notepress.{parts[0]}" in ROOTS:
                continue  # installed from its own folder, not from inside notepress/
            if parts and parts[-1] == "__main__":
                continue  # importing it runs the command line
            yield ".".join([top, *parts]), path


MODULES = dict(_source_modules())


def _imported_names() -> dict[str, set[tuple[str, str]]]:
    """``{module: {(name, importer)}}`` for every ``from module import name`` between
    notepress's own modules (submodules imported by name are not names of the module)."""
    found: dict[str, set[tuple[str, str]]] = {}
    for importer, path in MODULES.items():
        package = importer.split(".") if path.name == "__init__.py" else importer.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target not in MODULES:
                continue
            for alias in node.names:
                if f"{target}.{alias.name}" not in MODULES:
                    found.setdefault(target, set()).add((alias.name, importer))
    return found


def test_each_builtin_exporter_is_a_package_behind_its_public_entry_point() -> None:
    entry_points = PYPROJECT["project"]["entry-points"]["notepress.exporters"]
    for name, spec in entry_points.items():
        module_name, _, attribute = spec.partition(":")
        module = importlib.import_module(module_name)
        assert hasattr(module, "__path__"), f"{module_name} is a module, not a package"
        assert module_name == f"notepress.exporters.{name}"
        assert getattr(module, attribute).__module__ == module_name
    flat = sorted(p.name for p in ROOTS["notepress.exporters"].glob("*.py"))
    assert flat == ["__init__.py"], f"exporter modules outside their package: {flat}"


def test_every_source_folder_is_a_declared_package() -> None:
    """setuptools treats every folder holding files as a package and warns on each it is not
    told of (``python -m build`` and every ``pip install`` print the warning)."""
    on_disk = set()
    for top, root in ROOTS.items():
        for folder in [root, *root.rglob("*")]:
            holds_files = folder.is_dir() and any(p.is_file() for p in folder.iterdir())
            if holds_files and folder.name != "__pycache__":
                on_disk.add(".".join([top, *folder.relative_to(root).parts]))
    assert sorted(on_disk) == sorted(SETUPTOOLS["packages"])


def test_all_lists_name_what_exists_and_what_other_modules_import() -> None:
    imported = _imported_names()
    problems = []
    for name in sorted(MODULES):
        module = importlib.import_module(name)
        declared = getattr(module, "__all__", None)
        # A leading underscore already says "not part of the contract": not listed.
        wanted = sorted({(n, by) for n, by in imported.get(name, ()) if not n.startswith("_")})
        if declared is None:
            problems += [f"{name} has no __all__ but {by} imports {n}" for n, by in wanted]
            continue
        problems += [
            f"{name}.__all__ lists {n}, which does not exist"
            for n in declared
            if not hasattr(module, n)
        ]
        problems += [
            f"{name}.__all__ misses {n}, imported by {by}" for n, by in wanted if n not in declared
        ]
    assert not problems, "\n".join(problems)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )


def test_ruff_finds_nothing() -> None:
    paths = ("notepress", "exporters", "tests", "bench")
    check = _run(str(BIN / "ruff"), "check", *paths)
    assert check.returncode == 0, check.stdout + check.stderr
    form = _run(str(BIN / "ruff"), "format", "--check", *paths)
    assert form.returncode == 0, form.stdout + form.stderr


def test_mypy_finds_nothing() -> None:
    result = _run(sys.executable, "-m", "mypy", "notepress", "exporters")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
