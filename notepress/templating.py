"""Jinja2 environments over the built-in ``templates/`` folder and a user's own folders."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

__all__ = ["builtin_templates", "template_environment"]


def builtin_templates(kind: str) -> Path:
    """The folder of built-in templates for one exporter (``pdf``, ``epub``...)."""
    resource = files("notepress.templates") / kind
    with as_file(resource) as path:
        return Path(path)


def template_environment(
    kind: str, user_dirs: Sequence[Path] = (), *, autoescape: bool = True
) -> jinja2.Environment:
    """Templates from ``user_dirs`` first, then the built-in ones: a user overrides one file.

    Undefined variables raise, so a typo in a template fails the build instead of printing
    nothing.
    """
    # Imported here: every build names the built-in templates in its cache key, and a build
    # whose targets are all up to date renders none.
    import jinja2

    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(d)) for d in user_dirs]
    loaders.append(jinja2.FileSystemLoader(str(builtin_templates(kind))))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
