"""TeX macros a vault defines for its formulas, as Obsidian's MathJax plugins read them.

Math-heavy vaults keep their own commands (``\\pand``, ``\\norm{x}``) in a ``preamble.sty``
at the vault root, which the Extended MathJax plugin hands to MathJax.  No converter
notepress uses reads such a file, so every formula using one would be shown as TeX; instead
each formula is expanded here before any converter sees it.

Only definitions are read: ``\\newcommand``, ``\\renewcommand``, ``\\providecommand`` (with a
number of parameters and a default for the first), ``\\def`` with ``#1``-style parameters,
and ``\\DeclareMathOperator``.  Expansion is bounded (depth and size), so a macro that calls
itself or doubles at each level ends as TeX no converter reads, never as a hung build.

Kept free of heavy imports: parse settings carry the macros into every parsing process.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .model import Problem, Severity

__all__ = ["PREAMBLE", "TexMacro", "TexMacros", "read_preamble"]

#: The file Obsidian's Extended MathJax plugin reads, at the vault root.
PREAMBLE = "preamble.sty"
#: Larger preambles are not a person's: skipped with a warning.
_MAX_BYTES = 256 * 1024
#: Nesting of macros within macros kept; deeper ones stay as written.
_MAX_DEPTH = 32

_DEFINE = re.compile(
    r"\\(?P<kind>newcommand|renewcommand|providecommand|DeclareMathOperator|def)(?P<star>\*?)"
)
#: A macro's name: a control word (``\R``) or a control symbol (``\0``, ``\!``), which TeX
#: lets a preamble define as well.
_NAME = re.compile(
    r"\s*(?:\{\s*\\(?P<braced>[A-Za-z]+|[^A-Za-z\s{}])\s*\}|\\(?P<bare>[A-Za-z]+|[^A-Za-z\s{}]))"
)
_COUNT = re.compile(r"\s*\[\s*(?P<count>[0-9])\s*\]")
_DEF_PARAMS = re.compile(r"(?:#[1-9])*")
#: A command as TeX reads one: a backslash and its letters, or the one character after it
#: (``\\`` is one command, so ``\\sin`` holds no ``\sin``).
_WORD = re.compile(r"\\([A-Za-z]+|[\s\S])")
_PARAM = re.compile(r"#([1-9#])")


@dataclass(frozen=True)
class TexMacro:
    """One definition: ``\\name`` takes ``params`` arguments, the first optional when it
    has a ``default``."""

    name: str
    params: int
    body: str
    default: str | None = None


@dataclass(frozen=True)
class TexMacros:
    """The macros of a vault, by name; empty when it defines none."""

    macros: tuple[TexMacro, ...] = ()
    table: dict[str, TexMacro] = field(default_factory=dict, compare=False, repr=False)

    digest: str = field(default="", compare=False, repr=False)
    """Names what a rendering with these macros depends on."""

    def __post_init__(self) -> None:
        self.table.update({macro.name: macro for macro in self.macros})
        digest = hashlib.sha256(repr(self.macros).encode()).hexdigest()[:16]
        object.__setattr__(self, "digest", digest)

    def __bool__(self) -> bool:
        return bool(self.macros)

    def expand(self, tex: str) -> str:
        """``tex`` with every defined macro replaced by its body, arguments in place.

        The result is at most some twenty times the formula's size (and 20,000 characters
        more): past that, the rest is kept as written.
        """
        if not self.macros or "\\" not in tex:
            return tex
        budget = [20 * len(tex) + 20_000]
        return self._expand(tex, 0, budget)

    def _expand(self, tex: str, depth: int, budget: list[int]) -> str:
        out: list[str] = []
        at = 0
        while True:
            found = _WORD.search(tex, at)
            if found is None:
                break
            macro = self.table.get(found.group(1))
            if macro is None or depth >= _MAX_DEPTH or budget[0] <= 0:
                out.append(tex[at : found.end()])
                at = found.end()
                continue
            out.append(tex[at : found.start()])
            args, at = _arguments(tex, found.end(), macro)
            body = _substitute(macro.body, args)
            budget[0] -= len(body)
            expanded = self._expand(body, depth + 1, budget)
            # ``\foo`` ending in a control word, then a letter: kept apart, as TeX read them.
            if at < len(tex) and tex[at].isalpha() and _ENDS_IN_WORD.search(expanded):
                expanded += " "
            out.append(expanded)
        out.append(tex[at:])
        return "".join(out)


_ENDS_IN_WORD = re.compile(r"\\[A-Za-z]+$")


def _substitute(body: str, args: list[str]) -> str:
    """``body`` with ``#1``...``#9`` as ``args`` (a missing one empty) and ``##`` as ``#``."""

    def argument(match: re.Match[str]) -> str:
        if match.group(1) == "#":
            return "#"
        index = int(match.group(1)) - 1
        value = args[index] if index < len(args) else ""
        # ``\sin#1`` given ``h``: TeX reads the command and the argument apart; as text
        # they would make ``\sinh``, another command.
        if value[:1].isalpha() and _ENDS_IN_WORD.search(body, 0, match.start()):
            return " " + value
        return value

    return _PARAM.sub(argument, body)


def _arguments(tex: str, at: int, macro: TexMacro) -> tuple[list[str], int]:
    """The macro's arguments read from ``tex`` at ``at``, and where reading stopped."""
    args: list[str] = []
    wanted = macro.params
    if macro.default is not None and wanted:
        stripped = _skip_space(tex, at)
        if stripped < len(tex) and tex[stripped] == "[":
            end = _closing(tex, stripped, "[", "]")
            if end is not None:
                args.append(tex[stripped + 1 : end])
                at = end + 1
            else:
                args.append(macro.default)
        else:
            args.append(macro.default)
        wanted -= 1
    for _ in range(wanted):
        at = _skip_space(tex, at)
        if at >= len(tex):
            args.append("")
            continue
        if tex[at] == "{":
            end = _closing(tex, at, "{", "}")
            if end is None:
                args.append(tex[at + 1 :])
                at = len(tex)
                continue
            args.append(tex[at + 1 : end])
            at = end + 1
        else:
            word = _WORD.match(tex, at)
            end = word.end() if word else at + 1
            args.append(tex[at:end])
            at = end
    return args, at


def _skip_space(tex: str, at: int) -> int:
    while at < len(tex) and tex[at] in " \t\n":
        at += 1
    return at


def _closing(text: str, start: int, opening: str, closing: str) -> int | None:
    """The index of the bracket that closes the one at ``start`` (``\\{`` is no bracket)."""
    depth = 0
    at = start
    while at < len(text):
        char = text[at]
        if char == "\\":
            at += 2
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return at
        at += 1
    return None


def read_preamble(root: Path, name: str = PREAMBLE) -> tuple[TexMacros, list[Problem]]:
    """The macros of ``root``/``name`` (none when there is no such file), and warnings
    about what could not be read, with their lines."""
    path = root / name
    try:
        if not path.is_file():
            return TexMacros(), []
        if path.stat().st_size > _MAX_BYTES:
            return TexMacros(), [_warning(name, "larger than 256 KB; its macros are not read")]
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return TexMacros(), [_warning(name, f"cannot read: {exc.strerror}")]
    macros, problems = parse_preamble(text, name)
    return macros, problems


def parse_preamble(text: str, name: str = PREAMBLE) -> tuple[TexMacros, list[Problem]]:
    """The definitions of a preamble's text; the last of two with one name wins, as in TeX."""
    text = _without_comments(text)
    found: dict[str, TexMacro] = {}
    problems: list[Problem] = []
    at = 0
    while True:
        match = _DEFINE.search(text, at)
        if match is None:
            break
        line = text.count("\n", 0, match.start()) + 1
        macro, at = _definition(text, match)
        if macro is None:
            problems.append(
                _warning(name, f"cannot read the {match.group(0)} definition; skipped", line)
            )
            at = max(at, match.end())
            continue
        if match.group("kind") == "providecommand" and macro.name in found:
            continue
        found[macro.name] = macro
    return TexMacros(tuple(found.values())), problems


def _definition(text: str, match: re.Match[str]) -> tuple[TexMacro | None, int]:
    kind = match.group("kind")
    named = _NAME.match(text, match.end())
    if named is None:
        return None, match.end()
    macro_name = named.group("braced") or named.group("bare")
    at = named.end()
    if kind == "DeclareMathOperator":
        start = _skip_space(text, at)
        end = _closing(text, start, "{", "}") if text[start : start + 1] == "{" else None
        if end is None:
            return None, at
        star = "*" if match.group("star") else ""
        body = f"\\operatorname{star}{{{text[start + 1 : end]}}}"
        return TexMacro(macro_name, 0, body), end + 1
    params, default = 0, None
    if kind == "def":
        written = _DEF_PARAMS.match(text, at)
        params = len(written.group(0)) // 2 if written else 0
        at = written.end() if written else at
    else:
        count = _COUNT.match(text, at)
        if count is not None:
            params = int(count.group("count"))
            at = count.end()
            start = _skip_space(text, at)
            if text[start : start + 1] == "[":
                end = _closing(text, start, "[", "]")
                if end is None:
                    return None, at
                default = text[start + 1 : end]
                at = end + 1
    start = _skip_space(text, at)
    end = _closing(text, start, "{", "}") if text[start : start + 1] == "{" else None
    if end is None:
        return None, at
    body = " ".join(text[start + 1 : end].split())
    return TexMacro(macro_name, params, body, default), end + 1


def _without_comments(text: str) -> str:
    """``text`` without ``%`` comments, line count unchanged: ``\\%`` is a percent sign,
    and ``\\\\%`` a line break before a comment (each backslash pair is one command)."""
    return _COMMENT.sub(lambda match: match.group(1) or "", text)


#: A command (kept whole, so its backslash escapes nothing after it), or a comment.
_COMMENT = re.compile(r"(\\[\s\S])|%[^\n]*")


def _warning(name: str, message: str, line: int | None = None) -> Problem:
    return Problem(Severity.WARNING, "math-preamble", message, name, line)
