"""The shape of a vault: what every link, embed and id answer is made from.

A rendering asks the vault which note a link names, which heading an anchor is, which note
holds an id, which file an embed names.  All of those answers are functions of the notes'
paths, ids, titles, aliases, headings and block ids, whether each is published, and the
vault's files and settings: the shape.  When the shape is the one a target was built with,
those answers need not be asked again one by one, only what the shape does not hold (an
embedded note's text, a linked file's state).
"""

from __future__ import annotations

from ..vault import vault_shape

__all__ = ["SHAPED_READS", "vault_shape"]

SHAPED_READS = frozenset({"resolve", "file", "attachment", "anchor", "by_id"})
"""Kinds of read (:mod:`notepress.markdown.memo`) whose answers the shape determines."""
