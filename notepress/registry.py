"""Exporters by name: the built-in four, third-party ones from entry points, and classes
registered at run time with :func:`register_exporter`.

Entry-point exporters are imported only when a config names them, so a vault that only
builds a feed never pays for importing WeasyPrint.

``pip install notepress`` gives the feed and jsonld exporters; the pdf and epub exporters
need the heavy libraries of an extra (``notepress[pdf]``, ``notepress[epub]``).  Asking for
one whose libraries are not installed is a :class:`MissingExtraError` naming the command
that installs them, found before anything is imported or built.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
from typing import Any

from .errors import RegistryError
from .exporter import Exporter
from .installed import EXPORTERS_GROUP, entry_point_specs

__all__ = [
    "ENTRY_POINT_GROUP",
    "MissingExtraError",
    "exporter_names",
    "get_exporter",
    "missing_libraries",
    "register_exporter",
]

ENTRY_POINT_GROUP = EXPORTERS_GROUP

_BUILTIN = {
    "feed": "notepress.exporters.feed:FeedExporter",
    "pdf": "notepress.exporters.pdf:PdfExporter",
    "epub": "notepress.exporters.epub:EpubExporter",
    "jsonld": "notepress.exporters.jsonld:JsonLdExporter",
}
#: What each built-in exporter imports beyond the core, as (module, distribution); the extra
#: that installs them is named after the exporter (pyproject.toml's optional-dependencies).
_EXTRAS: dict[str, tuple[tuple[str, str], ...]] = {
    "pdf": (
        ("weasyprint", "WeasyPrint"),
        ("pygments", "Pygments"),
        ("fontTools", "fonttools"),
        ("pypdf", "pypdf"),
        ("ziamath", "ziamath"),
    ),
    "epub": (("pypandoc", "pypandoc-binary"), ("PIL", "Pillow")),
}
#: Classes given to :func:`register_exporter`, by name.
_REGISTERED: dict[str, type[Exporter]] = {}


@functools.cache
def _specs(fresh: bool = False) -> dict[str, str]:
    """Every exporter's ``module:class``: the built-in ones, then the entry points (as
    remembered, see :mod:`notepress.installed`, or ``fresh`` as installed)."""
    specs = dict(_BUILTIN)
    for name, value in entry_point_specs(ENTRY_POINT_GROUP, fresh=fresh):
        existing = specs.get(name)
        if existing is not None and existing != value:
            if not fresh:  # a record is never the reason a build stops: ask the installation
                return _specs(fresh=True)
            raise RegistryError(f"two exporters are called {name!r}: {existing} and {value}")
        specs[name] = value
    return specs


def register_exporter(cls: type[Exporter]) -> type[Exporter]:
    """Make ``cls`` buildable as ``exporter = "<cls.name>"``, for this process.

    For exporters that are not installed as a ``notepress.exporters`` entry point: a script's
    own, or a test's.  Usable as a class decorator.  A name that is already taken, by a
    built-in, an entry point or another class, is refused with :class:`RegistryError`, as
    two builders of one name are in Sphinx: the second would silently win.  Registering the
    very same class again does nothing, so a module imported twice is harmless.
    """
    if not (isinstance(cls, type) and issubclass(cls, Exporter)):
        raise RegistryError(f"{cls!r} is not a subclass of notepress.Exporter")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise RegistryError(f"{cls.__qualname__} has no name: set the class attribute 'name'")
    if not dataclasses.is_dataclass(cls.Options):
        raise RegistryError(f"{cls.__qualname__}.Options is not a dataclass")
    order_option = cls.selection_defaults.order_option
    if order_option is not None and order_option not in cls.Options.__dataclass_fields__:
        raise RegistryError(f"{cls.__qualname__}.Options has no option {order_option!r}")
    if _REGISTERED.get(name) is cls:
        return cls
    taken: Any = _REGISTERED.get(name) or _specs().get(name)
    if taken is not None:
        where = taken if isinstance(taken, str) else f"{taken.__module__}:{taken.__qualname__}"
        raise RegistryError(f"an exporter is already called {name!r}: {where}")
    _REGISTERED[name] = cls
    return cls


class MissingExtraError(RegistryError):
    """A built-in exporter whose optional libraries are not installed."""


def missing_libraries(name: str) -> list[str]:
    """The distributions the built-in exporter ``name`` needs and cannot find, in order.

    Looked up without importing them: WeasyPrint takes a noticeable time to import, and a
    config is checked before any exporter runs.
    """
    missing = []
    for module, distribution in _EXTRAS.get(name, ()):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(distribution)
    return missing


def _require(name: str) -> None:
    missing = missing_libraries(name)
    if missing:
        libraries = " and ".join(", ".join(missing).rsplit(", ", 1))
        verb = "is" if len(missing) == 1 else "are"
        raise MissingExtraError(
            f"the {name} exporter needs {libraries}, which {verb} not installed: "
            f"pip install 'notepress[{name}]'"
        )


def exporter_names() -> list[str]:
    return sorted({*_specs(), *_REGISTERED})


def get_exporter(name: str) -> type[Exporter]:
    """The exporter class registered as ``name``; :class:`RegistryError` if there is none."""
    registered = _REGISTERED.get(name)
    if registered is not None:
        return registered
    return _load(name)


@functools.cache
def _load(name: str) -> type[Exporter]:
    spec = _specs().get(name)
    if spec is None:
        raise RegistryError(f"unknown exporter {name!r} (available: {', '.join(exporter_names())})")
    if spec == _BUILTIN.get(name):
        _require(name)
    else:
        # A third-party exporter is imported as it is installed now, never as the record
        # in the user's cache names it.
        spec = _specs(fresh=True).get(name)
        if spec is None:
            raise RegistryError(f"unknown exporter {name!r} (no longer installed)")
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise RegistryError(f"exporter {name!r} ({spec}) cannot be imported: {exc}") from None
    exporter: type[Exporter] = getattr(module, attribute)
    if exporter.name != name:
        raise RegistryError(
            f"exporter {spec} calls itself {exporter.name!r}, registered as {name!r}"
        )
    return exporter
