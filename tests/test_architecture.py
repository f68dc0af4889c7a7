"""The shape of the code: who may import whom, the exporter contract, the error tree.

The import graph is read from the source with :mod:`ast`, for every module that
:func:`pkgutil.walk_packages` finds under ``notepress`` and ``notepress.exporters`` (which
may be installed from a folder of its own).  What counts as an import edge:

- every ``import`` and ``from ... import`` at module level or inside a function: a late
  import still ties the two modules together, it only hides the cycle from the interpreter;
- the exporters the registry loads by name: ``config -> registry -> exporter -> config`` is a
  cycle even though the middle step is :func:`importlib.import_module`;
- not the imports under ``if TYPE_CHECKING:``, which never run: annotations may name a type
  of a module that depends on this one.  The layering rules (the core never imports an
  exporter, no exporter imports another) count them all the same.
"""

from __future__ import annotations

import ast
import dataclasses
import errno
import importlib
import importlib.util
import inspect
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

import notepress
from notepress import cli, registry
from notepress.config import Selection, Site, Target
from notepress.configfile import parse_config
from notepress.exporter import Exporter, Job, SelectionDefaults

from .conftest import note_text

EXPORTERS = "notepress.exporters"

#: Late imports that still close a cycle, each with its reason; the cycle check leaves them
#: out.  None is left: the parser lives apart from the renderer, which reads the vault only
#: for its type.  Never add one: a new late import that closes a cycle fails the test.
KNOWN_LATE_CYCLES: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    late: bool
    """Inside a function."""
    typing_only: bool
    """Under ``if TYPE_CHECKING:``."""
    by_name: bool = False
    """The registry's :func:`importlib.import_module` of an exporter."""


@cache
def modules() -> tuple[str, ...]:
    """Every module of the package, the exporters included, found by walking the packages."""
    found = {"notepress", EXPORTERS}
    for package in (notepress, importlib.import_module(EXPORTERS)):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            found.add(info.name)
    return tuple(sorted(found))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str) -> Iterator[Edge]:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, name
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"), spec.origin)
    is_package = spec.submodule_search_locations is not None
    package = name if is_package else name.rpartition(".")[0]
    known = set(modules())

    def targets(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
            return
        if node.level:
            parts = package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1])
            module = f"{base}.{node.module}" if node.module else base
        else:
            module = node.module or ""
        for alias in node.names:  # ``from . import cli`` imports a module, not a name
            child = f"{module}.{alias.name}"
            yield child if child in known else module

    def visit(node: ast.AST, late: bool, typing_only: bool) -> Iterator[Edge]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for inner in child.body:
                    yield from visit_one(inner, late, True)
                for inner in child.orelse:
                    yield from visit_one(inner, late, typing_only)
                continue
            yield from visit_one(child, late, typing_only)

    def visit_one(node: ast.AST, late: bool, typing_only: bool) -> Iterator[Edge]:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in targets(node):
                if target in known:
                    yield Edge(name, target, node.lineno, late, typing_only)
        inner_late = late or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        yield from visit(node, inner_late, typing_only)

    yield from visit(tree, False, False)


@cache
def edges() -> tuple[Edge, ...]:
    found = [edge for name in modules() for edge in _imports(name)]
    # The registry imports the exporters by name: an edge like any other.
    for exporter in registry.exporter_names():
        module = registry.get_exporter(exporter).__module__
        if module in modules():
            found.append(Edge("notepress.registry", module, 0, True, False, by_name=True))
    return tuple(found)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def _exporter_of(module: str) -> str | None:
    """The exporter a module belongs to: ``feed`` for ``notepress.exporters.feed.items``.

    A flat private module is assigned by its prefix (``_feed_items`` is the feed's), so the
    rule holds for both layouts, a package per exporter or ``_<exporter>_*.py`` files.
    """
    if not module.startswith(EXPORTERS + "."):
        return None
    first = module[len(EXPORTERS) + 1 :].split(".")[0]
    return first.lstrip("_").split("_")[0]


def _runtime_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in modules()}
    for edge in edges():
        if edge.typing_only or (edge.source, edge.target) in KNOWN_LATE_CYCLES:
            continue
        graph[edge.source].add(edge.target)
    return graph


def _describe(found: list[Edge]) -> str:
    return "\n".join(f"{e.source} (line {e.line}) imports {e.target}" for e in found)


# The import graph ---------------------------------------------------------------------------


def test_the_walk_finds_the_core_and_every_exporter() -> None:
    found = modules()
    assert {"notepress.config", "notepress.configfile", "notepress.markdown.render"} <= set(found)
    for name in ("feed", "pdf", "epub", "jsonld"):
        assert registry.get_exporter(name).__module__ in found
    pdf_main = registry.get_exporter("pdf").__module__
    assert any(_exporter_of(module) == "pdf" and module != pdf_main for module in found), (
        "the walk reaches the exporters' private modules too"
    )


def test_the_checks_catch_what_they_look_for() -> None:
    """The detectors themselves, on a planted cycle and on both exporter layouts."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    assert _exporter_of("notepress.exporters._pdf_html") == "pdf"
    assert _exporter_of("notepress.exporters.pdf.html") == "pdf"
    assert _exporter_of("notepress.exporters.jsonld") == "jsonld"
    assert _exporter_of("notepress.exporters") is None
    assert _exporter_of("notepress.config") is None


def test_the_import_graph_has_no_cycle() -> None:
    cycles = _cycles(_runtime_graph())
    assert cycles == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_known_late_imports_are_function_level() -> None:
    """An entry of ``KNOWN_LATE_CYCLES`` is a function-level import; a module-level one
    would be a cycle the interpreter trips on, and is never excused."""
    for source, target in KNOWN_LATE_CYCLES:
        matching = [
            e for e in edges() if (e.source, e.target) == (source, target) and not e.typing_only
        ]
        assert all(e.late for e in matching), _describe(matching)


def test_the_config_types_do_not_reach_the_registry() -> None:
    """Exporters import ``notepress.config``; were it to import the registry, the registry's
    exporters would import the module that is loading them."""
    graph = _runtime_graph()
    reached, todo = set(), ["notepress.config"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(graph[module])
    assert not reached & {"notepress.registry", "notepress.configfile", "notepress.pipeline"}
    assert not any(module.startswith(EXPORTERS + ".") for module in reached)


def test_no_exporter_imports_another() -> None:
    crossing = [
        e
        for e in edges()
        if (mine := _exporter_of(e.source)) is not None
        and (theirs := _exporter_of(e.target)) is not None
        and mine != theirs
    ]
    assert crossing == [], _describe(crossing)


def test_the_core_never_imports_an_exporter() -> None:
    """Outside ``notepress.exporters``, no import names an exporter module, not even for
    annotations; the registry loads them by name, which is the one seam."""
    leaking = [
        e
        for e in edges()
        if not e.source.startswith(EXPORTERS)
        and e.target.startswith(EXPORTERS + ".")
        and not e.by_name
    ]
    assert leaking == [], _describe(leaking)


def test_no_module_imports_the_package_facade() -> None:
    """``notepress/__init__`` imports the pipeline, which loads the exporters: a module of
    the package that imported it back would close a cycle through the whole API."""
    facade = [e for e in edges() if e.target == "notepress" and e.source not in ("notepress",)]
    assert [e for e in facade if e.source != "notepress.__main__"] == [], _describe(facade)


# The exporter contract ----------------------------------------------------------------------


@dataclass(frozen=True)
class WordsOptions:
    order: str = notepress.option("created", "Keep the newest notes by this date.")
    size: int = notepress.option(1, "Words per line.")


class WordsExporter(Exporter[WordsOptions]):
    """A plugin written from the README's contract: one text file of titles."""

    name = "arch-words"
    Options = WordsOptions
    selection_defaults = SelectionDefaults(limit=2, order_option="order")

    @classmethod
    def check(cls, target: Target[WordsOptions], site: Site) -> list[tuple[str, str]]:
        problems = []
        if target.options.size > 3:
            problems.append(("size", "at most 3 words per line"))
        if target.options.order not in ("created", "updated"):
            problems.append(("", f"order {target.options.order!r} is not created or updated"))
        return problems

    def build(self, job: Job[WordsOptions]) -> None:
        job.write_text("words.txt", "".join(f"{note.title}\n" for note in job.notes))


class DiskFullExporter(Exporter[notepress.NoOptions]):
    """Stands for a full disk: the operating system refuses the write."""

    name = "arch-disk-full"

    def build(self, job: Job[notepress.NoOptions]) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(job.out_dir / "big.bin"))


@pytest.fixture(scope="module", autouse=True)
def plugins() -> Iterator[None]:
    """Registered for this module only: other modules count the built-in exporters."""
    from notepress import registry

    before = dict(registry._REGISTERED)
    notepress.register_exporter(WordsExporter)
    notepress.register_exporter(DiskFullExporter)
    yield
    registry._REGISTERED.clear()
    registry._REGISTERED.update(before)


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("arch-vault")
    notes = {
        "a.md": note_text(
            "Alpha", "one", note_id="230306AR01", created="2023-03-06", updated="2023-06-01"
        ),
        "b.md": note_text("Beta", "two", note_id="230307AR01", created="2023-03-07"),
        "c.md": note_text("Gamma", "three", note_id="230308AR01", created="2023-03-08"),
    }
    for name, text in notes.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "notepress.toml").write_text(
        '[site]\nurl = "https://notes.example.org/"\n\n'
        '[targets.newest]\nexporter = "arch-words"\n\n'
        '[targets.updated]\nexporter = "arch-words"\norder = "updated"\n\n'
        '[targets.everything]\nexporter = "arch-words"\nlimit = 0\n\n'
        '[targets.full]\nexporter = "arch-disk-full"\n',
        encoding="utf-8",
    )
    return root


def test_a_registered_exporter_builds_by_name(vault: Path, tmp_path: Path) -> None:
    project = notepress.load_project(vault, output=tmp_path / "out")
    report = project.build(["newest", "updated", "everything"])
    assert [t.error for t in report.targets] == [None, None, None]

    def read(name: str) -> str:
        return (tmp_path / "out" / name / "words.txt").read_text(encoding="utf-8")

    # The exporter's selection defaults, declared as data: two notes, newest by its option.
    assert read("newest") == "Beta\nGamma\n"
    assert read("updated") == "Alpha\nGamma\n"
    assert read("everything") == "Alpha\nBeta\nGamma\n"


def test_a_duplicate_exporter_name_is_refused() -> None:
    class Impostor(WordsExporter):
        pass

    with pytest.raises(notepress.RegistryError, match="already called 'arch-words'"):
        notepress.register_exporter(Impostor)
    feed = type("Feed", (WordsExporter,), {"name": "feed"})
    with pytest.raises(
        notepress.RegistryError,
        match=r"already called 'feed': notepress\.exporters\.feed",
    ):
        notepress.register_exporter(feed)
    assert notepress.register_exporter(WordsExporter) is WordsExporter  # the same class: no-op
    assert registry.get_exporter("arch-words") is WordsExporter
    assert "arch-words" in registry.exporter_names()


def test_register_exporter_refuses_what_is_not_an_exporter() -> None:
    with pytest.raises(notepress.RegistryError, match=r"not a subclass of notepress\.Exporter"):
        notepress.register_exporter(dict)  # type: ignore[arg-type]
    unnamed = type("Unnamed", (WordsExporter,), {"name": ""})
    with pytest.raises(notepress.RegistryError, match="has no name"):
        notepress.register_exporter(unnamed)
    wrong_order = type(
        "WrongOrder",
        (WordsExporter,),
        {"name": "arch-wrong", "selection_defaults": SelectionDefaults(order_option="sort")},
    )
    with pytest.raises(notepress.RegistryError, match="has no option 'sort'"):
        notepress.register_exporter(wrong_order)
    assert "arch-wrong" not in registry.exporter_names()


def test_check_returns_key_and_message_pairs() -> None:
    site = Site(url="https://notes.example.org/")
    feed = registry.get_exporter("feed")
    options = dataclasses.replace(feed.Options(), formats=())
    target = Target("news", "feed", Selection(), options)
    assert feed.check(target, site) == [("formats", "name at least one of atom, rss, json")]
    jsonld = registry.get_exporter("jsonld")
    target = Target("meta", "jsonld", Selection(), jsonld.Options())
    options = dataclasses.replace(jsonld.Options(), default_type="WebPage")
    target = Target("meta", "jsonld", Selection(), options)
    assert [key for key, _message in jsonld.check(target, Site())] == ["default_type"]


def test_check_pairs_become_key_paths_in_the_config_error() -> None:
    data = {
        "site": {"url": "https://notes.example.org/"},
        "targets": {"w": {"exporter": "arch-words", "size": 4, "order": "title"}},
    }
    with pytest.raises(notepress.ConfigError) as caught:
        parse_config(data, root=Path("/nonexistent"), path=None)
    assert caught.value.errors == [
        "targets.w.size: at most 3 words per line",
        "targets.w: order 'title' is not created or updated",
    ]


def test_option_is_public_for_plugin_authors() -> None:
    from notepress.schema import describe

    assert describe(WordsOptions) == [
        ("order", "created", "Keep the newest notes by this date."),
        ("size", 1, "Words per line."),
    ]


# The error tree -----------------------------------------------------------------------------

#: Private exception classes that never leave their module, and why.
_PRIVATE_CONTROL_FLOW = {
    "notepress.cli._Terminated",  # SIGTERM as a BaseException, like KeyboardInterrupt
    "notepress.exporters.epub.document._NotConvertible",  # a chapter left to pandoc's reader
    "notepress.markdown.math._TooManyNodes",  # a formula too deep to draw: to_svg's answer
    "notepress.schema._Invalid",  # one value's message, turned into a SchemaErrors line
    "notepress.serve.server._NotFound",  # a request the preview answers with its 404 page
}


def test_every_exception_notepress_defines_is_in_the_tree() -> None:
    outside = []
    for name in modules():
        if name.endswith("__main__"):  # importing it runs the command
            continue
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != name or not issubclass(cls, BaseException):
                continue
            qualified = f"{name}.{cls.__qualname__}"
            if qualified in _PRIVATE_CONTROL_FLOW:
                assert cls.__name__.startswith("_")
                continue
            if not issubclass(cls, notepress.NotepressError):
                outside.append(qualified)
    assert outside == []
    from notepress.assets import AssetError
    from notepress.budget import BudgetExceeded
    from notepress.dates import DateError
    from notepress.markdown import NoteRenderError
    from notepress.output import OutputError

    for cls in (AssetError, BudgetExceeded, DateError, NoteRenderError, OutputError):
        assert issubclass(cls, notepress.NotepressError), cls
    assert issubclass(NoteRenderError, notepress.ExportError)
    assert NoteRenderError is notepress.NoteRenderError
    assert issubclass(DateError, ValueError)  # older ``except ValueError`` still works


def test_a_missing_vault_folder_is_a_vault_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(notepress.VaultError, match=f"^{missing}: vault folder not found$"):
        notepress.load_vault(missing)


def test_an_os_error_during_a_build_is_a_build_failure(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 1, the target named with the system's message; the other targets still built."""
    out = tmp_path / "out"
    code = cli.main(["build", str(vault), "-o", str(out), "-t", "full", "-t", "newest"])
    captured = capsys.readouterr()
    assert code == notepress.errors.EXIT_ERRORS == 1
    assert "target 'full' (arch-disk-full) failed" in captured.err
    assert "No space left on device" in captured.err
    assert "full (arch-disk-full) FAILED" in captured.err
    assert (out / "newest" / "words.txt").read_text(encoding="utf-8") == "Beta\nGamma\n"
    assert not (out / "full").exists()


def test_a_missing_vault_exits_with_the_usage_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["check", str(tmp_path / "nowhere")])
    assert code == notepress.errors.EXIT_USAGE == 2
    assert capsys.readouterr().err == f"notepress: {tmp_path / 'nowhere'}: vault folder not found\n"
