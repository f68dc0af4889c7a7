"""Hostile notes and file names: each is reported with its file and line, and the rest builds.

One vault holds every case (duplicate keys, control characters, dates at and beyond the
edges, an alias bomb, symlink loops, a name that is not UTF-8, a name that forges lines) next
to ordinary notes.  It is built once, with the real command and every exporter, and checked
and listed once; the tests read those runs.  Two cases need vaults of their own: thousands of
notes sharing a note_id, and frontmatter far longer than any real one (parsed in-process, its
cost measured in CPU time, never wall-clock time).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from notepress.chars import first_unsafe
from notepress.model import Note
from notepress.parse import parse_note
from tests.conftest import note_text, write_vault
from tests.hostile.support import Run, assert_linear, cpu_seconds, run_cli

pytestmark = pytest.mark.slow

CONFIG = """
[site]
title = "Hostile Notes"
url = "https://notes.example.org/"
author = "Test Author"
language = "en"
timezone = "Europe/Berlin"

[targets.news]
exporter = "feed"
formats = ["atom", "rss", "json"]
per_tag = true
limit = 50

[targets.digest]
exporter = "pdf"
workers = 1

[targets.book]
exporter = "epub"

[targets.meta]
exporter = "jsonld"
"""

#: Text that must never reach a public output: it lives only in notes that are in error.
CANARY = "PRIVATECANARY"


def _front(*lines: str, body: str = "") -> str:
    return "\n".join(["---", *lines, "---", "", body]) + "\n"


def _bomb() -> str:
    """A billion-laughs frontmatter: nine levels of nine aliases, some 400 bytes."""
    lines = ["title: Bomb", "draft: false", "a: &a [" + ", ".join(["lol"] * 9) + "]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    lines.append("tags: *i")
    return _front(*lines, body=CANARY)


NOT_UTF8 = os.fsdecode(b"caf\xe9.md")
FORGED = "a\nnotes/x.md: error[forged]: boom.md"

FILES: dict[str, str] = {
    "good.md": note_text("Plain good note", "A calm body.", note_id="230306GN01", tags=["calm"]),
    # 8: a key written twice; the last `draft` would publish the note.
    "dup-draft.md": _front(
        "title: Double draft",
        "draft: true",
        "created: 2023-03-07",
        "draft: false",
        body=CANARY,
    ),
    "dup-title.md": _front(
        "title: First title",
        "draft: false",
        "created: 2023-03-07",
        "tags: [alpha]",
        "title: Second title",
        body=CANARY,
    ),
    # 12: raw controls (title, tag, heading, body), an escaped one (description), a
    # non-character and a C1 control.
    "control.md": _front(
        'title: "Con\x01trolled title"',
        "draft: false",
        "created: 2023-03-08",
        'description: "Quiet\\x1b words"',
        "tags:",
        "  - con\x02trol",
        body="## Sec\x0ction heading\n\nA bell\x07, a non\ufffecharacter and a C1\x85 control.",
    ),
    # 13: dates at the edges of the range build; dates beyond it are errors.
    "dates/early.md": note_text("Edge early", "From 1900.", created="1900-01-01"),
    "dates/pre-zip.md": note_text("Edge before ZIP", "From 1975.", created="1975-06-01 10:00"),
    "dates/late.md": note_text(
        "Edge late", "From 2100.", created="2100-12-31", updated="2100-12-31T23:59:59-12:00"
    ),
    "dates/far.md": note_text("Far future", CANARY, created="2200-01-01"),
    "dates/nines.md": note_text("Year nines", CANARY, created="9999-12-31T23:00-05:00"),
    "dates/year-one.md": note_text("Year one", CANARY, created="0001-01-01T00:00:00+05:00"),
    # 15
    "bomb.md": _bomb(),
    # 19 and 24: names.
    NOT_UTF8: note_text("Cafe", CANARY),
    FORGED: note_text("Forged", "Harmless.", note_id="230306FN01", draft=None),
}

LATE_EPOCH = 5_000_000_000  # 2128-06-11
SYMLINKS = {"loop": "loop", "cycle-a": "cycle-b", "cycle-b": "cycle-a", "dangling.md": "nowhere.md"}


@dataclass(frozen=True)
class Runs:
    vault: Path
    out: Path
    build: Run
    check: Run
    check_json: Run
    listing: Run
    listing_json: Run
    check_rusage: resource.struct_rusage

    def check_lines(self) -> list[str]:
        return self.check.stdout.splitlines()


def _limited_check(vault: Path, logs: Path) -> tuple[Run, resource.struct_rusage]:
    """``check`` in a child whose address space is capped (a safety net against a runaway
    parse), with the child's own peak memory, read back by ``wait4``."""
    cap = 1024 * 2**20

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    with open(logs / "stdout", "wb") as stdout, open(logs / "stderr", "wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "notepress", "check", "."],
            cwd=vault,
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            preexec_fn=limit,
        )
        _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)  # already reaped: tell Popen
    run = Run(
        child.returncode,
        (logs / "stdout").read_text("utf-8", "replace"),
        (logs / "stderr").read_text("utf-8", "replace"),
    )
    return run, usage


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    base = tmp_path_factory.mktemp("hostile-notes")
    vault = write_vault(base / "vault", FILES, CONFIG)
    for name, target in SYMLINKS.items():
        os.symlink(target, vault / name)
    out = base / "out"
    check, usage = _limited_check(vault, base)
    with pytest.MonkeyPatch.context() as patch:
        # A reproducible-build moment past 2107, the last year a ZIP entry can hold.
        patch.setenv("SOURCE_DATE_EPOCH", str(LATE_EPOCH))
        build = run_cli("build", ".", "-o", out, cwd=vault)
    return Runs(
        vault=vault,
        out=out,
        build=build,
        check=check,
        check_json=run_cli("check", ".", "--format", "json", cwd=vault),
        listing=run_cli("list", ".", cwd=vault),
        listing_json=run_cli("list", ".", "--format", "json", cwd=vault),
        check_rusage=usage,
    )


def _public_texts(out: Path) -> Iterator[tuple[str, str]]:
    """(name, text) of every public output: feed and JSON-LD files, EPUB members, PDF text."""
    for path in sorted(out.rglob("*")):
        if path.suffix in {".xml", ".json", ".jsonld", ".html"}:
            yield path.relative_to(out).as_posix(), path.read_text(encoding="utf-8")
    with zipfile.ZipFile(out / "book" / "book.epub") as archive:
        for name in archive.namelist():
            if name.endswith((".xhtml", ".opf", ".ncx")):
                yield f"book.epub/{name}", archive.read(name).decode("utf-8")
    for pdf in sorted((out / "digest").glob("*.pdf")):
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
        yield pdf.name, text


@pytest.fixture(scope="module")
def public(runs: Runs) -> dict[str, str]:
    return dict(_public_texts(runs.out))


def _no_traceback(*done: Run) -> None:
    for run in done:
        assert "Traceback" not in run.output, run.output


# -- the whole vault still builds ----------------------------------------------------------


def test_the_rest_of_the_vault_builds(runs: Runs, public: dict[str, str]) -> None:
    _no_traceback(runs.build, runs.check, runs.check_json, runs.listing, runs.listing_json)
    assert runs.build.code == 1, runs.build.output  # notes in error, every target built
    assert "4 targets built, 0 failed" in runs.build.stderr
    assert runs.check.code == 1
    assert runs.listing.code == 0 and runs.listing_json.code == 0
    for title in ("Plain good note", "Controlled title", "Edge early", "Edge late"):
        assert title in public["news/atom.xml"]
        assert title in public["digest.pdf"]
        assert any(title in text for name, text in public.items() if name.startswith("book.epub"))
    leaked = [name for name, text in public.items() if CANARY in text]
    assert leaked == []


# -- 8: duplicate keys -------------------------------------------------------------------


def test_a_duplicate_key_is_an_error_naming_both_lines(runs: Runs, public: dict[str, str]) -> None:
    lines = runs.check_lines()
    assert (
        "dup-draft.md:5: error[frontmatter-duplicate-key]: key 'draft' is written twice "
        "(lines 3 and 5); YAML would keep only the last, so the note stays private until one "
        "is removed"
    ) in lines
    assert any(
        line.startswith(
            "dup-title.md:6: error[frontmatter-duplicate-key]: key 'title' is "
            "written twice (lines 2 and 6)"
        )
        for line in lines
    )
    listed = {row["path"]: row for row in json.loads(runs.listing_json.stdout)}
    assert listed["dup-draft.md"]["published"] is False
    assert listed["dup-title.md"]["published"] is False
    assert not any("Double draft" in text or "Second title" in text for text in public.values())


def test_duplicate_keys_in_nested_and_flow_mappings_are_found() -> None:
    text = _front("title: Nested", "draft: false", "extra: {a: 1, a: 2}", "created: 2023-03-06")
    note = parse_note(PurePosixPath("n.md"), text.encode())
    assert [(p.code, p.line) for p in note.errors()] == [("frontmatter-duplicate-key", 4)]
    assert "key 'a' is written twice on line 4" in note.errors()[0].message
    merged = _front(
        "title: Merge",
        "draft: false",
        "created: 2023-03-06",
        "base: &base {size: 1, colour: red}",
        "item: {<<: *base, size: 2}",
    )
    assert parse_note(PurePosixPath("m.md"), merged.encode()).errors() == ()


_KEYS = st.sampled_from(["title", "draft", "created", "tags", "note_id", "description", "x-y"])
_SCALARS = st.sampled_from(["true", "false", "2023-03-06", "plain words", "[a, b]", "'quoted'"])


@given(
    key=_KEYS,
    first=_SCALARS,
    second=_SCALARS,
    between=st.lists(st.sampled_from(["created: 2023-03-06", "tags: [t]", "other: 1"]), max_size=3),
)
def test_any_key_written_twice_keeps_the_note_private(
    key: str, first: str, second: str, between: list[str]
) -> None:
    lines = ["title: Twice", "draft: false", *between, f"{key}: {first}", f"{key}: {second}"]
    seen = {line.split(":")[0] for line in lines[:-2]}
    note = parse_note(PurePosixPath("n.md"), _front(*lines).encode())
    duplicates = [p for p in note.errors() if p.code == "frontmatter-duplicate-key"]
    assert [p.line for p in duplicates][-1:] == [len(lines) + 1]
    assert len(duplicates) == 1 + (key in seen) + len(between) - len(set(between))
    assert not note.published


_ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(title=_ANY_TEXT, tag=_ANY_TEXT, body=_ANY_TEXT)
def test_no_unsafe_character_survives_parsing(title: str, tag: str, body: str) -> None:
    """Whatever the frontmatter holds (raw, escaped or malformed), the note never raises and
    none of its text carries a character that an XML output cannot."""
    escaped = title.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    text = _front(
        f"title: {title}",
        f'description: "{escaped}"',
        "draft: false",
        f"tags: [{tag}]",
        f"aliases:\n  - {tag}",
        body=f"# {body}\n\n{body}",
    )
    note = parse_note(PurePosixPath(f"n{title[:5]}.md"), text.encode("utf-8"))
    fields = [note.title, note.description, note.body, *note.tags, *note.aliases]
    assert [field for field in fields if first_unsafe(field) is not None] == []


# -- 12: control characters ---------------------------------------------------------------


def test_control_characters_are_removed_once_with_a_warning(
    runs: Runs, public: dict[str, str]
) -> None:
    assert (
        "control.md:2: warning[control-characters]: removed 7 control or non-character code "
        "points that no output can carry (first on this line)"
    ) in runs.check_lines()
    listed = {row["path"]: row for row in json.loads(runs.listing_json.stdout)}
    row = listed["control.md"]
    assert (row["title"], row["tags"], row["description"]) == (
        "Controlled title",
        ["control"],
        "Quiet words",
    )
    assert row["published"] is True
    dirty = {name: first_unsafe(text) for name, text in public.items() if first_unsafe(text)}
    assert dirty == {}
    tag_feed = runs.out / "news" / "tags" / "control" / "atom.xml"
    entries = etree.parse(str(tag_feed)).findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.findtext("{http://www.w3.org/2005/Atom}title") for e in entries] == [
        "Controlled title"
    ]
    assert "Section heading" in public["digest.pdf"]


def test_the_book_passes_epubcheck(runs: Runs) -> None:
    """Control characters, dates from 1900 (before ZIP's 1980) to 2100, and a build moment
    after 2107 (the last year ZIP can store: entries are clamped to it)."""
    from tests.test_epub import epubcheck

    book = runs.out / "book" / "book.epub"
    assert epubcheck(book) == []
    with zipfile.ZipFile(book) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2107, 12, 31, 23, 59, 58)}
        assert b"2128-06-11T" in archive.read("EPUB/content.opf")


# -- 13: dates ---------------------------------------------------------------------------


def test_dates_outside_1900_to_2100_are_errors_of_their_note(runs: Runs) -> None:
    lines = runs.check_lines()
    outside = (
        "is outside the years 1900 to 2100 that a note's date may take; "
        "the note stays private until then"
    )
    for path, written in (
        ("dates/far.md", "2200-01-01T00:00:00+01:00"),
        ("dates/nines.md", "9999-12-31T23:00:00-05:00"),
        ("dates/year-one.md", "0001-01-01T00:00:00+05:00"),
    ):
        assert f"{path}:3: error[date-invalid]: 'created': {written} {outside}" in lines


def test_dates_at_the_edges_of_the_range_are_published_everywhere(runs: Runs) -> None:
    listed = {row["path"]: row for row in json.loads(runs.listing_json.stdout)}
    assert listed["dates/early.md"]["created"].startswith("1900-01-01T00:00:00")
    assert listed["dates/pre-zip.md"]["created"] == "1975-06-01T10:00:00+01:00"
    assert listed["dates/late.md"]["updated"] == "2100-12-31T23:59:59-12:00"
    for path in ("dates/early.md", "dates/pre-zip.md", "dates/late.md"):
        assert listed[path]["published"] is True
    assert "FAILED" not in runs.build.output


# -- 15: alias bomb ----------------------------------------------------------------------


def test_an_alias_bomb_is_refused_before_it_grows(runs: Runs) -> None:
    assert (
        "bomb.md:12: error[frontmatter-alias]: YAML aliases under key 'i' repeat more than 1000 "
        "values in all (an alias bomb?); write the values out"
    ) in runs.check_lines()
    # The whole check, bomb included, stays within a small fraction of the 1 GB cap.
    assert runs.check_rusage.ru_maxrss < 300 * 1024  # kilobytes


def test_an_alias_that_contains_itself_is_refused() -> None:
    text = _front("title: Loop", "draft: false", "x: &x [1, *x]")
    note = parse_note(PurePosixPath("n.md"), text.encode())
    assert [(p.code, p.line) for p in note.errors()] == [("frontmatter-alias", 4)]


# -- 16: linear frontmatter ----------------------------------------------------------------


def _parse_cpu(text: bytes) -> float:
    found: list[Note] = []
    spent = cpu_seconds(lambda: found.append(parse_note(PurePosixPath("long.md"), text)))
    assert [(p.code, p.line) for p in found[0].errors()] == [
        ("note-id-format", text.count(b"\n", 0, text.index(b"note_id")) + 1)
    ]
    return spent


def _long_list(chars: int) -> bytes:
    """A list closing the frontmatter: no colon follows its lines, the worst case for a
    key scan that looks ahead for one."""
    items = "\n".join(["- a"] * (chars // 4))
    return _front("title: Long", "note_id: bad", "draft: false", "tags:", items).encode()


def test_a_long_frontmatter_list_parses_in_linear_time() -> None:
    # Ten times the text: linear work is about 10 times the CPU time, quadratic 100 times.
    assert_linear(lambda size: _parse_cpu(_long_list(size)), ratio=30, what="frontmatter list")


# -- 18: symlinks -------------------------------------------------------------------------


SYMLINK_LINES = [
    "cycle-a: warning[symlink-loop]: symlink loop; not followed",
    "cycle-b: warning[symlink-loop]: symlink loop; not followed",
    "dangling.md: warning[symlink-dangling]: symlink leads to nothing; skipped",
    "loop: warning[symlink-loop]: symlink loop; not followed",
]


def test_symlink_loops_and_dangling_links_are_warnings_in_every_command(runs: Runs) -> None:
    for run in (runs.build, runs.listing):
        assert [line for line in run.stderr.splitlines() if "symlink" in line] == SYMLINK_LINES
    assert [line for line in runs.check_lines() if "symlink" in line] == SYMLINK_LINES
    reported = [p for p in json.loads(runs.check_json.stdout) if p["code"].startswith("symlink")]
    assert [(p["path"], p["code"]) for p in reported] == [
        ("cycle-a", "symlink-loop"),
        ("cycle-b", "symlink-loop"),
        ("dangling.md", "symlink-dangling"),
        ("loop", "symlink-loop"),
    ]


# -- 19: names that are not UTF-8 ----------------------------------------------------------


def test_a_name_that_is_not_utf8_is_skipped_with_a_readable_warning(runs: Runs) -> None:
    """Skipped, not read: its name would become a title, a slug and a URL nobody wrote."""
    line = (
        "caf\\xe9.md: warning[filename-encoding]: file name is not valid UTF-8 "
        "(shown with \\x escapes); skipped: rename it"
    )
    assert line in runs.check_lines()
    assert line in runs.build.stderr.splitlines()
    assert line in runs.listing.stderr.splitlines()
    [reported] = [p for p in json.loads(runs.check_json.stdout) if p["code"] == "filename-encoding"]
    assert reported["path"] == "caf\\xe9.md"
    assert all("caf" not in row["path"] for row in json.loads(runs.listing_json.stdout))


# -- 24: names that forge lines ------------------------------------------------------------


def test_a_newline_in_a_file_name_cannot_forge_a_message(runs: Runs) -> None:
    forged = [line for line in runs.check_lines() if "forged" in line]
    assert forged == [
        "a\\nnotes/x.md: error[forged]: boom.md:1: warning[draft-missing]: no 'draft' key: kept "
        "private (add 'draft: false' to publish it, or set site.publish_without_draft_key)"
    ]
    assert not any(line.startswith("notes/x.md") for line in runs.check.output.splitlines())
    assert not any(line.startswith("notes/x.md") for line in runs.build.output.splitlines())
    listed = [line for line in runs.listing.stdout.splitlines() if "Forged" in line]
    # the file's name, escaped, is one cell of its own row: no line starts as another file's
    assert listed == [
        "a\\nnotes/x.md: error[forged]: boom.md 230306FN01   2023-03-06 draft     Forged"
    ]
    paths = [p["path"] for p in json.loads(runs.check_json.stdout)]
    assert FORGED in paths


def test_a_title_with_a_newline_is_listed_on_one_line(tmp_path: Path) -> None:
    vault = write_vault(
        tmp_path / "vault",
        {"n.md": note_text('"Two\\nlines"', note_id="230306TL01")},
    )
    run = run_cli("list", ".", cwd=vault)
    assert run.code == 0
    assert run.stdout.splitlines() == [
        "PATH NOTE_ID      CREATED    STATE     TITLE  TAGS",
        "n.md 230306TL01   2023-03-06 published Two\\nlines",
    ]


# -- 23: many notes sharing one note_id ----------------------------------------------------


def test_a_shared_note_id_reports_in_linear_space(tmp_path: Path) -> None:
    count = 4000
    files = {
        f"n{index:04}.md": "---\nnote_id: 230306AB01\ndraft: false\ncreated: 2023-03-06\n---\nx\n"
        for index in range(count)
    }
    vault = write_vault(tmp_path / "vault", files)
    run = run_cli("check", ".", cwd=vault)
    assert run.code == 1
    # one line per note; the built-in config's feed and jsonld targets add their own
    # warning that no site.url is set
    lines = [line for line in run.stdout.splitlines() if not line.startswith("targets.")]
    assert len(lines) == count
    assert lines[0] == (
        "n0000.md:2: error[note-id-duplicate]: note_id 230306AB01 is also used by n0001.md "
        "and 3998 other notes"
    )
    assert lines[7] == (
        "n0007.md:2: error[note-id-duplicate]: note_id 230306AB01 is also used by n0000.md "
        "and 3998 other notes"
    )
    assert len(run.stdout.encode()) < 120 * count
