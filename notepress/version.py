"""The version, in a module of its own.

Modules inside the package read it from here rather than from ``notepress`` itself: the
package's ``__init__`` imports the pipeline, which loads exporters by name, so an exporter
that imported the package would close an import cycle.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
