"""Format-string options such as ``note_url = "notes/{slug}/"``: checked at load, filled safely.

``str.format`` on a user's string is a small language of its own: ``{slug.__class__}`` reads
attributes, ``{slug[0]}`` indexes, ``{slug:>99999999999}`` asks for a string of a hundred
gigabytes.  A config option only ever needs plain substitution of a few named fields, so a
template is parsed once with :class:`string.Formatter` (the parser ``str.format`` itself uses)
and refused unless every replacement field is a bare, documented name.  Filling never calls
``str.format`` either: it joins the literal parts and the values, so even a template that
bypassed the config check cannot reach an attribute or allocate without bound.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping, Sequence

from .chars import shown

__all__ = ["fill", "template_problem"]

_PARSER = string.Formatter()


def template_problem(template: str, fields: Sequence[str]) -> str | None:
    """Why ``template`` is not a plain template of ``fields``, or None when it is."""
    try:
        for _literal, name, spec, conversion in _PARSER.parse(template):
            if name is None:
                continue
            problem = _field_problem(name, spec, conversion, fields)
            if problem:
                return problem
    except ValueError as exc:  # a lone "{" or "}"
        return f"{exc} (write {{{{ or }}}} for a literal brace; fields: {_listed(fields)})"
    return None


def fill(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each ``{field}`` replaced by its value.

    Raises :class:`ValueError` for anything :func:`template_problem` refuses, so a template
    that never went through the config check still cannot do more than substitute.
    """
    problem = template_problem(template, tuple(values))
    if problem:
        raise ValueError(problem)
    return "".join(_pieces(template, values))


def _pieces(template: str, values: Mapping[str, str]) -> Iterator[str]:
    for literal, name, _spec, _conversion in _PARSER.parse(template):
        yield literal
        if name is not None:
            yield values[name]


def _field_problem(
    name: str, spec: str | None, conversion: str | None, fields: Sequence[str]
) -> str | None:
    field = "{" + shown(name) + "}"
    if name not in fields:
        base = name.split(".", 1)[0].split("[", 1)[0]
        if base in fields:
            return f"field {field}: attribute or index access is not allowed, write {{{base}}}"
        if not name:
            return f"empty field {{}}: name one of {_listed(fields)}"
        return f"unknown field {field} (fields: {_listed(fields)})"
    if conversion is not None:
        return (
            f"field {{{name}!{shown(conversion)}}}: a conversion is not allowed, write {{{name}}}"
        )
    if spec:
        return f"field {{{name}:{shown(spec)}}}: a format spec is not allowed, write {{{name}}}"
    return None


def _listed(fields: Sequence[str]) -> str:
    return ", ".join(fields) if fields else "none"
