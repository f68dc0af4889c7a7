"""Typed option schemas: a frozen dataclass declares the options, this module validates TOML.

Each exporter declares its options as a dataclass whose fields carry a type, a default and a
``doc``.  Validation collects every error with its full key path
(``targets.weekly.group: expected one of all, week, month, year, tag``) instead of stopping at
the first, so a user fixes the whole file in one go.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from .chars import shown
from .dates import DateError, parse_date
from .fieldformat import template_problem

__all__ = ["SchemaErrors", "Seconds", "describe", "option", "parse_options"]

T = TypeVar("T")

#: Longest key path quoted in a message; a longer one is cut (it is the user's own text).
_MAX_PATH_SHOWN = 160
#: Characters XML 1.0 cannot carry besides the C0/C1 controls; text options reach XML outputs.
_XML_NONCHARACTERS = frozenset("\ufffe\uffff")
#: Line breaks and tabs, allowed only in options declared ``multiline``.
_LAYOUT = frozenset("\n\r\t")


class Seconds(float):
    """A time limit in seconds, the type of every exporter's ``timeout``: one rule for all
    (a whole or decimal number from :attr:`MIN` to :attr:`MAX`), checked by the schema."""

    MIN = 1.0
    """Below a second nothing real renders: a smaller limit only fails the target."""
    MAX = 86_400.0
    """A day: any longer is a stalled render, and the operating system's limits stay in range."""


def option(
    default: Any, doc: str, *, fields: tuple[str, ...] | None = None, multiline: bool = False
) -> Any:
    """A dataclass field with a default and the text ``notepress init`` writes beside it.

    ``fields`` makes a text option a template: only ``{name}`` of those fields is accepted,
    checked when the config is loaded (see :mod:`notepress.fieldformat`).  ``multiline``
    lets a text option hold line breaks and tabs; no text option accepts other control
    characters, which XML outputs cannot carry and PDFs print as boxes.
    """
    if isinstance(default, list | dict):
        raise TypeError("use a tuple or a default_factory for mutable defaults")
    metadata: dict[str, Any] = {"doc": doc, "multiline": multiline}
    if fields is not None:
        metadata["fields"] = fields
    return dataclasses.field(default=default, metadata=metadata)


class SchemaErrors(list[str]):
    """Errors found so far, each a ``key.path: message`` line.

    The path is escaped here, since keys (``[targets."a\\nb"]``) are the user's text too.
    """

    def add(self, path: str, message: str) -> None:
        self.append(f"{shown(path, _MAX_PATH_SHOWN)}: {message}")


def parse_options(
    cls: type[T],
    table: Mapping[str, Any],
    path: str,
    errors: SchemaErrors,
    *,
    tz: tzinfo | None = None,
    owner: str = "",
    shared: Sequence[str] = (),
) -> T:
    """Build ``cls`` from a TOML table; unknown keys and wrong types go to ``errors``.

    Returns an instance with defaults standing in for every bad value, so that callers can go
    on validating the rest of the file.  ``shared`` names the keys the same table accepts
    besides ``cls``'s (a target's selection keys beside its exporter's options, ``owner``),
    so that an unknown key's message lists every key the table takes.
    """
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, raw in table.items():
        field = fields.get(key)
        if field is None:
            errors.add(f"{path}.{key}", _unknown_key(key, sorted(fields), owner, sorted(shared)))
            continue
        multiline = bool(field.metadata.get("multiline"))
        try:
            value = values[key] = _coerce(raw, hints[key], tz, multiline)
        except _Invalid as exc:
            errors.add(f"{path}.{key}", str(exc))
            continue
        fields_allowed = field.metadata.get("fields")
        if fields_allowed is not None and isinstance(value, str):
            problem = template_problem(value, fields_allowed)
            if problem:
                errors.add(f"{path}.{key}", problem)
                del values[key]
    return cls(**values)


def _unknown_key(key: str, own: list[str], owner: str, shared: list[str]) -> str:
    """``unknown key (...)`` with every key the table accepts, and the nearest one."""
    close = difflib.get_close_matches(key, [*own, *shared], n=1)
    guess = f"did you mean {close[0]!r}? " if close else ""
    if not shared:
        return f"unknown key ({guess}known keys: {', '.join(own) or 'none'})"
    whose = f"{owner} keys" if owner else "its own keys"
    return (
        f"unknown key ({guess}{whose}: {', '.join(own) or 'none'}; "
        f"keys every target takes: {', '.join(shared)})"
    )


def describe(cls: type) -> list[tuple[str, Any, str]]:
    """``(name, default, doc)`` of each option, for documentation and ``notepress init``."""
    result = []
    for field in dataclasses.fields(cls):
        if field.default is not dataclasses.MISSING:
            default = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = None
        result.append((field.name, default, field.metadata.get("doc", "")))
    return result


class _Invalid(ValueError):
    pass


def _type_name(hint: Any) -> str:
    origin = get_origin(hint)
    if origin is Literal:
        return "one of " + ", ".join(str(a) for a in get_args(hint))
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(hint) if a is not type(None))
    if origin is tuple:
        return f"a list of {_type_name(get_args(hint)[0])}"
    if origin is dict:
        return f"a table of {_type_name(get_args(hint)[1])}"
    names = {
        str: "text",
        int: "an integer",
        float: "a number",
        Seconds: "a number of seconds",
        bool: "true or false",
        datetime: "a date",
    }
    return names.get(hint, getattr(hint, "__name__", str(hint)))


def _describe_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return shown(repr(value))
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return repr(value)


def _text_problem(text: str, multiline: bool) -> str | None:
    """Why ``text`` cannot be a text option: the first control character in it, if any."""
    for index, char in enumerate(text):
        if char in _LAYOUT and multiline:
            continue
        if unicodedata.category(char) == "Cc" or char in _XML_NONCHARACTERS:
            kind = "a line break" if char in "\n\r" else "a control character"
            return (
                f"{kind} ({shown(char)}) at character {index + 1} of {shown(repr(text))}: "
                "text options are printed into feeds, PDFs and books, which cannot carry it"
            )
    return None


def _coerce(value: Any, hint: Any, tz: tzinfo | None, multiline: bool = False) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        candidates = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(candidates) == 1:  # ``T | None``: T's own message is the helpful one
            return _coerce(value, candidates[0], tz, multiline)
        for arg in candidates:
            try:
                return _coerce(value, arg, tz, multiline)
            except _Invalid:
                continue
        raise _Invalid(f"expected {_type_name(hint)}, got {_describe_value(value)}")
    if origin is Literal:
        choices = get_args(hint)
        if value not in choices:
            raise _Invalid(
                f"expected one of {', '.join(str(c) if c else repr(c) for c in choices)}, "
                f"got {_describe_value(value)}"
            )
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise _Invalid(f"expected {_type_name(hint)}, got {_describe_value(value)}")
        item_hint = get_args(hint)[0]
        return tuple(_coerce(item, item_hint, tz, multiline) for item in value)
    if origin is dict:
        if not isinstance(value, dict):
            raise _Invalid(f"expected {_type_name(hint)}, got {_describe_value(value)}")
        _, value_hint = get_args(hint)
        for key in value:
            problem = _text_problem(str(key), multiline=False)
            if problem:
                raise _Invalid(f"key {problem}")
        return {str(k): _coerce(v, value_hint, tz, multiline) for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise _Invalid(f"expected true or false, got {_describe_value(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"expected an integer, got {_describe_value(value)}")
        if value < 0:
            raise _Invalid(f"expected a number of zero or more, got {value}")
        return value
    if hint is Seconds:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid(f"expected a number of seconds, got {_describe_value(value)}")
        if not Seconds.MIN <= value <= Seconds.MAX:  # NaN too: it compares false
            raise _Invalid(
                f"expected a number of seconds from {Seconds.MIN:g} to {Seconds.MAX:g}, "
                f"got {value:g}"
            )
        return Seconds(value)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid(f"expected a number, got {_describe_value(value)}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise _Invalid(f"expected text, got {_describe_value(value)}")
        problem = _text_problem(value, multiline)
        if problem:
            raise _Invalid(problem)
        return value
    if hint is datetime:
        if not isinstance(value, date | str):
            raise _Invalid(f"expected a date, got {_describe_value(value)}")
        try:
            return parse_date(value, tz or UTC)
        except DateError as exc:
            raise _Invalid(str(exc)) from None
    if dataclasses.is_dataclass(hint):
        raise _Invalid("nested tables are validated by their own schema")
    raise _Invalid(f"unsupported option type {hint!r}")
