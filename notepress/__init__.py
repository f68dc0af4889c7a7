"""notepress: publish an Obsidian-style vault of markdown notes as feeds, PDFs, EPUB and JSON-LD.

The Python API in a few lines::

    import notepress

    project = notepress.load_project("vault")       # config + every note, parsed once
    report = project.build()                        # every target, or build(["newsletter"])
    for problem in report.all_problems():
        print(problem)

Lower-level pieces (:func:`load_config`, :func:`load_vault`, :func:`render_note`) are here
too, for scripts; and for exporters of your own, :class:`Exporter`, :class:`Job`,
:func:`option` for their options and :func:`register_exporter`.
"""

from typing import TYPE_CHECKING

from .lazy import lazy_names

if TYPE_CHECKING:
    from .config import Config, Selection, Site, Target
    from .configfile import default_config, load_config
    from .errors import (
        ConfigError,
        DateError,
        ExportError,
        NotepressError,
        NoteRenderError,
        RegistryError,
        ResourceLimitError,
        VaultError,
    )
    from .exporter import Exporter, Job, NoOptions, SelectionDefaults
    from .markdown import DocumentLinks, LinkStyle, RenderedNote, TextLinks, UrlLinks, render_note
    from .model import Link, Note, Problem, Severity
    from .parse import ParseSettings, parse_note
    from .pipeline import Project, build, load_project, select_for
    from .progress import Progress, Step
    from .registry import register_exporter
    from .results import BuildReport, TargetResult
    from .schema import Seconds, option
    from .vault import Vault, load_vault
    from .version import __version__

# The package's names are imported when first used: ``notepress build`` with nothing changed
# needs the config and the cache, not the renderer, the exporters and their libraries.
_LAZY = {
    "BuildReport": "results",
    "Config": "config",
    "ConfigError": "errors",
    "DateError": "errors",
    "DocumentLinks": "markdown",
    "ExportError": "errors",
    "Exporter": "exporter",
    "Job": "exporter",
    "Link": "model",
    "LinkStyle": "markdown",
    "NoOptions": "exporter",
    "Note": "model",
    "NoteRenderError": "errors",
    "NotepressError": "errors",
    "ParseSettings": "parse",
    "Problem": "model",
    "Progress": "progress",
    "Project": "pipeline",
    "RegistryError": "errors",
    "RenderedNote": "markdown",
    "ResourceLimitError": "errors",
    "Seconds": "schema",
    "Selection": "config",
    "SelectionDefaults": "exporter",
    "Severity": "model",
    "Site": "config",
    "Step": "progress",
    "Target": "config",
    "TargetResult": "results",
    "TextLinks": "markdown",
    "UrlLinks": "markdown",
    "Vault": "vault",
    "VaultError": "errors",
    "__version__": "version",
    "build": "pipeline",
    "default_config": "configfile",
    "load_config": "configfile",
    "load_project": "pipeline",
    "load_vault": "vault",
    "option": "schema",
    "parse_note": "parse",
    "register_exporter": "registry",
    "render_note": "markdown",
    "select_for": "pipeline",
}


__getattr__ = lazy_names(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "BuildReport",
    "Config",
    "ConfigError",
    "DateError",
    "DocumentLinks",
    "ExportError",
    "Exporter",
    "Job",
    "Link",
    "LinkStyle",
    "NoOptions",
    "Note",
    "NoteRenderError",
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
