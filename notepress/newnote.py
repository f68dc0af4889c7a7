"""``notepress new``: a note with complete frontmatter and the next free ``note_id`` of the day.

A ``note_id`` is ``YYMMDD`` + two capitals naming the kind of note + two digits counting the
notes of that kind written that day (``221215GN01``).  Typed by hand, ids collide; this
module picks the next free one under a lock on the vault folder, so two ``new`` commands at
once get different ids, and creates the file with ``O_EXCL``, so nothing is ever overwritten.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path, PurePosixPath

import yaml

from .chars import shown
from .config import NewOptions, VaultOptions
from .errors import NotepressError
from .selection import build_now

__all__ = [
    "BUILTIN_KINDS",
    "Kind",
    "NewNoteError",
    "create_note",
    "kinds",
    "new_options_problems",
    "note_file_name",
    "today",
]

#: The kinds every vault has: a general note and a (tech) journal entry.
BUILTIN_KINDS = {"note": "GN", "journal": "TJ"}
#: Ids of one kind in one day run from 01 to this.
MAX_PER_DAY = 99

_CODE = re.compile(r"[A-Z]{2}")
_KIND_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
# Characters no file name may hold on some system (Windows, macOS, Android), and those
# Obsidian refuses in a note's name because links cannot carry them.
_UNSAFE = re.compile(r'[\\/:*?"<>|#^\[\]\x00-\x1f\x7f]+')
# Room for the id, a space and ".md" within the 255 bytes most file systems allow.
_MAX_TITLE_BYTES = 200


class NewNoteError(NotepressError):
    """The note cannot be written: a bad title, kind or folder, or the day's ids are used up."""


@dataclass(frozen=True)
class Kind:
    name: str
    code: str
    folder: str
    draft: bool


def kinds(options: NewOptions) -> dict[str, Kind]:
    """Every kind ``options`` know, the built-in ones first, by name."""
    codes = {**BUILTIN_KINDS, **options.kinds}
    return {
        name: Kind(
            name,
            code,
            options.folders.get(name, options.folder),
            options.drafts.get(name, options.draft),
        )
        for name, code in codes.items()
    }


def new_options_problems(options: NewOptions) -> list[tuple[str, str]]:
    """What the schema of ``[new]`` cannot see: ``(key, message)`` pairs."""
    problems = []
    for name, code in options.kinds.items():
        if not _KIND_NAME.fullmatch(name):
            problems.append(
                (f"kinds.{name}", "a kind's name is lowercase letters, digits, '-' and '_'")
            )
        if not _CODE.fullmatch(code):
            problems.append(
                (
                    f"kinds.{name}",
                    f"expected two capital letters such as GN, got {shown(repr(code))}",
                )
            )
    known = {**BUILTIN_KINDS, **options.kinds}
    names = ", ".join(sorted(known))
    for table in ("folders", "drafts"):
        for name in getattr(options, table):
            if name not in known:
                problems.append((f"{table}.{name}", f"no kind named {shown(repr(name))} ({names})"))
    if options.kind not in known:
        problems.append(("kind", f"no kind named {shown(repr(options.kind))} ({names})"))
    for key, folder in [("folder", options.folder)] + [
        (f"folders.{name}", value) for name, value in options.folders.items()
    ]:
        problem = _folder_problem(folder)
        if problem:
            problems.append((key, problem))
    return problems


def _folder_problem(folder: str) -> str | None:
    parts = PurePosixPath(folder.replace("\\", "/")).parts
    if folder.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", folder) or ".." in parts:
        return f"expected a folder inside the vault, got {shown(repr(folder))}"
    if any(part.startswith(".") for part in parts):
        return f"a hidden folder is never read as notes, got {shown(repr(folder))}"
    return None


def today(tz: tzinfo) -> date:
    """The day in the site's time zone: ``SOURCE_DATE_EPOCH`` when set, else the clock's."""
    return build_now().astimezone(tz).date()


def note_file_name(note_id: str, title: str) -> str:
    """``<note_id> <title>.md``, with what no file name may hold replaced by spaces; the
    frontmatter keeps the real title."""
    safe = " ".join(_UNSAFE.sub(" ", unicodedata.normalize("NFC", title)).split())
    safe = safe.strip(". ")
    encoded = safe.encode("utf-8")[:_MAX_TITLE_BYTES]
    safe = encoded.decode("utf-8", errors="ignore").rstrip(". ")
    return f"{note_id} {safe}.md" if safe else f"{note_id}.md"


def create_note(
    root: str | Path,
    title: str,
    *,
    options: NewOptions,
    tz: tzinfo,
    kind: str | None = None,
    draft: bool | None = None,
    folder: str | None = None,
    day: date | None = None,
    date_keys: tuple[Sequence[str], Sequence[str]] = (("created",), ("updated",)),
    read_as: tuple[Sequence[str], VaultOptions, Path] | None = None,
) -> Path:
    """Write a new note into the vault at ``root`` and return its path.

    ``date_keys`` are the keys it is dated with, the first of ``[vault] created_keys`` and of
    ``updated_keys`` (none: not written), so that the vault reads the date back.
    ``read_as``: the config's ``ignore``, ``[vault]`` and output folder, by which builds
    read the vault; a note they would not read (in an ignored folder, Obsidian's templates
    or excluded files, the output folder) is not written, rather than written where it is
    never published (in the output folder, the next build would refuse to run).

    Its id is the first of the day's numbers for its kind that no file of the vault uses,
    in its name or its text; a number whose file appears meanwhile is skipped.
    """
    title = _checked_title(title)
    known = kinds(options)
    chosen = known.get(kind or options.kind)
    if chosen is None:
        raise NewNoteError(
            f"no kind named {shown(repr(kind))}; kinds: "
            + ", ".join(f"{k.name} ({k.code})" for k in known.values())
            + " (add more in [new] kinds)"
        )
    vault = Path(root)
    if not vault.is_dir():
        raise NewNoteError(f"{shown(str(vault))}: vault folder not found")
    where = chosen.folder if folder is None else folder
    problem = _folder_problem(where)
    if problem:
        raise NewNoteError(f"--folder: {problem}")
    target = vault / where if where else vault
    if read_as is not None and _below(target, read_as[2]):
        raise NewNoteError(
            f"--folder: {shown(repr(where))} is in the output folder, where builds write and "
            "never read notes; the note was not written"
        )
    day = day or today(tz)
    if not 2000 <= day.year <= 2099:
        # The id's YYMMDD is read as 20YY: a note of 1998 would say 2098, and be warned
        # about on every load.
        raise NewNoteError(
            f"--date {day.isoformat()}: a note_id holds its day as YYMMDD, read as the years "
            "2000 to 2099, so no id can say this day; write the note with another --date and "
            "set its created date by hand"
        )
    prefix = f"{day:%y%m%d}{chosen.code}"
    text_for = _Text(title, day, chosen.draft if draft is None else draft, *date_keys)
    with _locked(vault):
        used = _used_numbers(vault, prefix)
        _inside(vault, target, where)
        made = not target.exists()
        target.mkdir(parents=True, exist_ok=True)
        _inside(vault, target, where)  # as it is now that it exists
        for number in range(1, MAX_PER_DAY + 1):
            if number in used:
                continue
            note_id = f"{prefix}{number:02d}"
            path = target / note_file_name(note_id, title)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            except FileExistsError:
                continue
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text_for(note_id))
            if read_as is not None and not _read_by_builds(vault, path, *read_as):
                path.unlink()
                if made:
                    with suppress(OSError):  # the folder made for it, if still empty
                        target.rmdir()
                raise NewNoteError(
                    f"--folder: {shown(repr(where))} is a folder builds do not read (the "
                    "config's ignore, Obsidian's templates folder or excluded files, the "
                    "output folder); the "
                    "note was not written"
                )
            return path
    raise NewNoteError(
        f"all {MAX_PER_DAY} ids of {day.isoformat()} for kind {chosen.name} ({chosen.code}) "
        f"are taken ({prefix}01 to {prefix}{MAX_PER_DAY}); write this note with another "
        "--date or --kind"
    )


def _below(folder: Path, output: Path) -> bool:
    """Whether ``folder`` is ``output`` or inside it, links followed as far as it exists."""
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    found = existing.resolve() / folder.relative_to(existing)
    return found.is_relative_to(output.resolve())


def _read_by_builds(
    vault: Path, path: Path, ignore: Sequence[str], options: VaultOptions, output: Path
) -> bool:
    """Whether a build of ``vault`` reads the note at ``path``: the vault is walked as a
    build walks it (once, for one note: a walk costs what reading a note's name does)."""
    from .vault import survey_vault

    survey = survey_vault(vault, ignore=ignore, options=options, exclude_dirs=[output])
    rel = path.resolve().relative_to(vault.resolve()).as_posix()
    return any(found == rel for _, found in survey.notes)


def _inside(vault: Path, target: Path, where: str) -> None:
    """Raise unless ``target`` (as far as it exists) is inside ``vault`` once its links are
    followed: a folder reached through a link out of the vault would get the note, which
    the vault's loader then never reads (it follows no link out)."""
    existing = target
    while not existing.exists() and existing != vault:
        existing = existing.parent
    if not existing.resolve().is_relative_to(vault.resolve()):
        raise NewNoteError(
            f"--folder: {shown(repr(where))} leads out of the vault through a symbolic link; "
            "the note would be written where no build reads it"
        )


def _checked_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise NewNoteError("a note needs a title")
    if any(unicodedata.category(char) == "Cc" for char in title):
        raise NewNoteError(f"a title may not hold control characters: {shown(repr(title))}")
    return title


@dataclass(frozen=True)
class _Text:
    """The note's text once its id is known; the keys in the order people read them."""

    title: str
    day: date
    draft: bool
    created_key: Sequence[str] = ("created",)
    updated_key: Sequence[str] = ("updated",)

    def __call__(self, note_id: str) -> str:
        dates = [f"{_yaml_text(key)}: {self.day.isoformat()}" for key in self.created_key]
        dates += [f"{_yaml_text(key)}: {self.day.isoformat()}" for key in self.updated_key]
        lines = [
            "---",
            f"title: {_yaml_text(self.title)}",
            f"note_id: {note_id}",
            *dates,
            "tags: []",
            "keywords: []",
            'description: ""',
            f"draft: {'true' if self.draft else 'false'}",
            "---",
            "",
            "",
        ]
        return "\n".join(lines)


def _yaml_text(text: str) -> str:
    """``text`` as a YAML scalar that reads back as the same string: plain when it can be,
    else double-quoted (a JSON string is one)."""
    try:
        if yaml.safe_load(f"k: {text}") == {"k": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)


def _used_numbers(root: Path, prefix: str) -> set[int]:
    """The numbers after ``prefix`` in any file name or note text of the vault.

    Text rather than parsed frontmatter: a note whose id is not in its file name still
    holds it, and an id merely mentioned is better skipped than reused.  ``.git`` is the one
    folder left out.
    """
    pattern = re.compile(re.escape(prefix) + r"(\d\d)")
    needle = prefix.encode("ascii")
    used: set[int] = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [name for name in dirs if name != ".git"]
        for name in files:
            used.update(int(number) for number in pattern.findall(name))
            if not name.endswith(".md"):
                continue
            data = _regular_file_bytes(os.path.join(folder, name))
            if needle in data:
                text = data.decode("utf-8", errors="replace")
                used.update(int(number) for number in pattern.findall(text))
    return used


def _regular_file_bytes(path: str) -> bytes:
    """The bytes of a regular file at ``path``, else nothing: a named pipe called ``x.md``
    (which builds skip) held ``new`` for ever, and a link to a device was read without end.
    Links are not followed: the file they name is read under its own name."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return b""
    with os.fdopen(fd, "rb") as handle:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return b""
            return handle.read()
        except OSError:
            return b""


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One ``new`` at a time per vault: the lock is on the vault folder itself, so nothing
    is left behind in it."""
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
