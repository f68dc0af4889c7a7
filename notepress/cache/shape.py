"""The shape of a vault: what every link, embed and id answer is made from.

A rendering asks the vault which note a link names, which heading an anchor is, which note
holds an id, which file an embed names.  All of those answers are functions of the notes'
paths, ids, titles, aliases, headings and block ids, whether each is published, and the
vault's files and settings: the shape.  When the shape is the one a target was built with,
those answers need not be asked again one by one, only what the shape does not hold (an
embedded note's text, a linked file's state).
"""

from __future__ import annotations

import hashlib
import json

from ..vault import Vault

__all__ = ["SHAPED_READS", "vault_shape"]

SHAPED_READS = frozenset({"resolve", "file", "attachment", "anchor", "by_id"})
"""Kinds of read (:mod:`notepress.markdown.memo`) whose answers the shape determines."""


def vault_shape(vault: Vault) -> str:
    digest = hashlib.sha256()
    for note in vault.notes:
        face = [
            note.path.as_posix(),
            note.note_id,
            note.title,
            note.draft,
            note.has_errors,
            note.slug,
            note.created.isoformat() if note.created else None,
            list(note.aliases),
            [list(heading) for heading in note.headings],
            sorted(note.block_ids),
        ]
        digest.update(json.dumps(face, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    files = sorted(path.as_posix() for path in set(vault.attachments.values()))
    rest = [files, sorted(vault.attachments), repr(vault.settings), vault.warnings_are_errors]
    digest.update(json.dumps(rest, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()
