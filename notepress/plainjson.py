"""Plain data as JSON bytes, fast, for digests and cache rows.

Digests of every note (its fingerprint, its face) are taken on each build that reads the
vault, 10,000 and more at a time, and the stdlib's encoder takes several times longer than
orjson for them.  What orjson refuses (an integer past 64 bits, such as an image's ``width``
attribute may hold; a lone surrogate) is written by the stdlib's, which refuses nothing JSON
data can hold, so one value always gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["json_bytes"]


def json_bytes(value: Any, *, sort_keys: bool = False) -> bytes:
    """``value`` (JSON data: str keys, lists, numbers, text, None) as compact JSON bytes,
    mappings' keys sorted when ``sort_keys`` (one text for one value)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else None)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        text = json.dumps(
            value,
            ensure_ascii=False,
            separators=(",", ":"),
            sort_keys=sort_keys,
            check_circular=False,
        )
        return text.encode("utf-8", "surrogatepass")
