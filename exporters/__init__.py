"""The built-in exporters, one module each: ``feed``, ``pdf``, ``epub`` and ``jsonld``.

They are looked up by name through :mod:`notepress.registry` and imported only when a target
uses them.
"""
