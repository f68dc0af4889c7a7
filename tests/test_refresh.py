"""Loading from the last build's snapshot (:mod:`notepress.refresh`): after any edit the vault
equals a full load; only the files changed since the last build are read; an edit that
other notes can see (a title, a heading, a block id, an embed, a draft flag) or a file added
or removed means a full load; a snapshot or a file of changes that is damaged or planted is
never used.

Reads are counted by wrapping the parser; nothing is timed.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import notepress
import notepress.cache.snapshot
import notepress.config
import notepress.refresh
import notepress.vault
from bench.synthetic import make_vault as make_synthetic_vault
from notepress.cache import cache_path
from notepress.cache.snapshot import changes_path, snapshot_path
from notepress.unchanged import Request

from .conftest import git, make_draft_keeping_size_and_time, note_text, write_vault

CONFIG = """
[site]
url = "https://notes.example.org/"
note_url = "notes/{slug}/"

[targets.news]
exporter = "feed"
formats = ["atom", "rss", "json"]
limit = 0

[targets.meta]
exporter = "jsonld"
"""


def _files() -> dict[str, str | bytes]:
    """Links, heading and block links, an embed loop, a URL collision, a shared note_id, a
    draft, a broken link and an image: every way one note's state reaches another's; and
    characters of every width."""
    return {
        "a.md": note_text(
            "Alpha",
            "See [[b]], [[b#Part]] and [[c#^blk]].\n\n![[d]]\n\n![[pic.png]]\n",
            note_id="230301AA01",
            created="2023-03-01",
        ),
        "b.md": note_text("Beta", "## Part\n\nA part, and [[Nowhere]].\n", note_id="230302AA01"),
        "c.md": note_text("Gamma", "A line to cite. ^blk\n", note_id="230303AA01"),
        "d.md": note_text("Delta", "Back again:\n\n![[a]]\n", note_id="230304AA01"),
        # Text of every width (Latin-1, CJK, beyond the BMP) kept beside plain ASCII notes.
        "e.md": note_text("Epsilon", "The first of two: café, 漢字, 🌱.\n", note_id="230305AA01"),
        "f.md": note_text("Epsilon", "The second of two.\n\n![[e]]\n", note_id="230306AA01"),
        "g.md": note_text("Gee", "One holder.\n", note_id="230307AA01"),
        "h.md": note_text("Aitch", "Another holder. See [[Gamma#^blk]].\n", note_id="230307AA01"),
        "draft.md": note_text("Hidden", "Not yet.\n", draft=True, note_id="230308AA01"),
        "folder/deep.md": note_text("Deep", "Found by its name alone.\n", note_id="230309AB01"),
        "pic.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
    }


def _age(root: Path, seconds: float) -> None:
    """Date every file ``seconds`` back: far from now, so no file is too new to trust."""
    when = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (when, when))


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = write_vault(tmp_path / "vault", _files(), CONFIG)
    _age(root, 120)
    notepress.load_project(root, output=tmp_path / "out").build()
    return root


class Spy:
    """What the next load did: whether it came from the snapshot, and which files it parsed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.refreshed: list[bool] = []
        self.parsed: list[str] = []
        self.checked: list[str] = []
        self.listening = True
        refresh, parse = notepress.refresh.refresh_vault, notepress.vault.parse_files
        check = notepress.refresh.check_note

        def spy_check(vault: Any, note: Any, **kwargs: Any) -> Any:
            self.checked.append(note.path.as_posix())
            return check(vault, note, **kwargs)

        def spy_refresh(*args: Any, **kwargs: Any) -> Any:
            found = refresh(*args, **kwargs)
            self.refreshed.append(found is not None)
            return found

        def spy_parse(items: list[tuple[Any, bytes]], *args: Any, **kwargs: Any) -> Any:
            if self.listening:
                self.parsed += [rel.as_posix() for rel, _ in items]
            return parse(items, *args, **kwargs)

        monkeypatch.setattr(notepress.refresh, "refresh_vault", spy_refresh)
        monkeypatch.setattr(notepress.vault, "parse_files", spy_parse)
        monkeypatch.setattr(notepress.refresh, "check_note", spy_check)


def _load_both(root: Path, spy: Spy) -> notepress.Project:
    """The cached load, checked against a full load without the cache."""
    cached = notepress.load_project(root, output=root.parent / "out")
    spy.listening = False
    cold = notepress.load_project(root, output=root.parent / "out", cache=False)
    spy.listening = True
    assert cached.vault.notes == cold.vault.notes
    assert cached.vault.problems == cold.vault.problems
    assert cached.vault.attachments == cold.vault.attachments
    current = {note.path: note for note in cached.vault.notes}
    for note in cached.vault.notes:  # the indexes answer with the notes of this load
        assert cached.vault.resolve("/" + note.path.as_posix()) is note
        for found in (note.path.stem, note.title):
            assert all(c is current[c.path] for c in cached.vault.find_note(found).candidates)
    for first in {n.note_id: n for n in reversed(cached.vault.notes)}.values():
        assert cached.vault.by_id(first.note_id) is first
    return cached


def _write(root: Path, name: str, text: str, age: float = 60) -> None:
    (root / name).write_text(text, encoding="utf-8")
    when = time.time() - age
    os.utime(root / name, (when, when))


def _replace(old: str, new: str, name: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        text = (root / name).read_text(encoding="utf-8")
        assert old in text
        _write(root, name, text.replace(old, new, 1))

    return edit


def _touch(root: Path) -> None:
    when = time.time() - 30
    os.utime(root / "c.md", (when, when))


def _two_notes(root: Path) -> None:
    _replace("One holder.", "One holder, edited.", "g.md")(root)
    _replace("See [[b]]", "First [[Nowhere else]]. See [[b]]", "a.md")(root)


def _heading_and_title(root: Path) -> None:
    _replace("## Part", "## Kiln", "b.md")(root)
    _replace("title: Beta", "title: Beta Two", "b.md")(root)


def _publish_a_twin(root: Path) -> None:
    """A draft titled like a published note, later in path order, made public: it cannot
    have that note's URL."""
    _write(root, "zz.md", note_text("Gee", "A twin.\n", draft=True, note_id="230311AA01"))
    _age(root, 120)
    notepress.load_project(root, output=root.parent / "out").build()
    _replace("draft: true", "draft: false", "zz.md")(root)


def _add_note(root: Path) -> None:
    _write(root, "new.md", note_text("Newcomer", "Fresh.\n", note_id="230309AA01"))


def _remove_note(root: Path) -> None:
    (root / "e.md").unlink()


def _add_attachment(root: Path) -> None:
    (root / "other.png").write_bytes(b"\x89PNG\r\n\x1a\n")


#: Edits other notes cannot see: only the edited files are read again.
UNSEEN = {
    "the body of a linked note": (_replace("A line to cite.", "A longer line.", "c.md"), 1),
    "lines above links and embeds": (
        _replace("See [[b]]", "New.\n\nMore.\n\nSee [[b]]", "a.md"),
        1,
    ),
    "a new broken link": (_replace("A part,", "A part, [[Missing]],", "b.md"), 1),
    "a URL collision's frontmatter moved": (
        _replace("title: Epsilon", "mood: calm\ntitle: Epsilon", "f.md"),
        1,
    ),
    "a shared note_id's body": (_replace("Another holder.", "Another one.", "h.md"), 1),
    "a note in a folder": (_replace("by its name", "by its bare name", "folder/deep.md"), 1),
    "a file touched": (_touch, 1),
    "an image embedded": (_replace("^blk\n", "^blk\n\n![[pic.png]]\n", "c.md"), 1),
    "a note embedded off every loop": (_replace("^blk\n", "^blk\n\n![[b]]\n", "c.md"), 1),
    "two notes": (_two_notes, 2),
}

#: Edits of headings and block ids (the edited note and the notes that link to it, by file
#: name or by title, are checked again), of a draft flag or a note's own errors.
RESHAPED = {
    "a heading renamed": (_replace("## Part", "## Kiln", "b.md"), ["a.md", "b.md"]),
    "a block id removed": (_replace("^blk", "", "c.md"), ["a.md", "c.md", "h.md"]),
    "a heading added to an embedded note": (
        _replace("Back again:", "## Kiln\n\nBack again:", "d.md"),
        ["a.md", "d.md"],
    ),
    "a draft published": (_replace("draft: true", "draft: false", "draft.md"), ["draft.md"]),
    "a linked note made a draft": (_replace("draft: false", "draft: true", "c.md"), ["c.md"]),
    "a draft flag that cannot be read": (
        _replace("draft: false", "draft: maybe", "c.md"),
        ["c.md"],
    ),
    "a heading added to a note nobody links to": (
        _replace("Not yet.", "## Kiln\n\nNot yet.", "draft.md"),
        ["draft.md"],
    ),
}

#: Edits other notes can see, and files added or removed: a full load.
SEEN = {
    "a title": _replace("title: Gamma", "title: Gamma Two", "c.md"),
    "a heading and a title": _heading_and_title,
    "an embed of a note on a loop": _replace("![[a]]", "![[b]]", "d.md"),
    "an embed that closes a loop": _replace("The first", "![[f]]\n\nThe first", "e.md"),
    "an embed in a note whose id is shared": _replace("One holder.", "![[pic.png]]", "g.md"),
    "a draft flag that frees a URL another note wanted": _replace(
        "draft: false", "draft: true", "e.md"
    ),
    "a draft published on a URL another note holds": _publish_a_twin,
    # The older of two notes on one URL keeps it: dated before, the second takes it.
    "the younger of two notes on one URL dated before the older": _replace(
        "created: 2023-03-06", "created: 2023-03-01", "f.md"
    ),
    # A link to a drawing is warned of, one to another draft is not.
    "a draft that becomes a drawing": _replace(
        "draft: true", "draft: true\nexcalidraw-plugin: parsed", "draft.md"
    ),
    "a note id": _replace("230307AA01", "230310AA01", "h.md"),
    "a note added": _add_note,
    "a note removed": _remove_note,
    "an attachment added": _add_attachment,
}


@pytest.mark.parametrize("edit,reads", UNSEEN.values(), ids=list(UNSEEN))
def test_an_edit_no_other_note_sees_reads_only_the_edited_files(
    vault: Path, monkeypatch: pytest.MonkeyPatch, edit: Callable[[Path], None], reads: int
) -> None:
    edit(vault)
    spy = Spy(monkeypatch)
    _load_both(vault, spy)
    assert spy.refreshed == [True]
    assert len(spy.parsed) == reads


def test_a_vault_dated_by_git_reads_only_the_edited_file_until_a_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept vault is the one dated from the commit HEAD names: an edit reads its file
    again and dates it from that commit; a new commit, which may date any note anew, makes
    a full load.  Each load equals one without the cache."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    files: dict[str, str | bytes] = {
        f"{name}.md": note_text(name.upper(), f"The note {name}.\n", note_id=f"2301{i:02d}AA01")
        for i, name in enumerate(("p", "q", "r"), start=1)
    }
    root = write_vault(tmp_path / "vault", files, CONFIG + "[vault]\ndate_from_git = true\n")
    for name in files:  # undated but for git: created and updated come from commits
        text = (root / name).read_text(encoding="utf-8")
        _write(root, name, text.replace("created:", "x:").replace("note_id:", "y:"))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first", when="2024-01-02T10:00:00+00:00")
    _age(root, 120)
    notepress.load_project(root, output=tmp_path / "out").build()
    _replace("The note q.", "The note q, edited.", "q.md")(root)
    spy = Spy(monkeypatch)
    loaded = _load_both(root, spy)
    assert spy.refreshed == [True] and spy.parsed == ["q.md"]
    edited = next(n for n in loaded.vault.notes if n.path.stem == "q")
    assert (edited.created_from, edited.created.isoformat()) == ("git", "2024-01-02T10:00:00+00:00")
    loaded.build()
    git(root, "commit", "-q", "-am", "second", when="2024-03-04T10:00:00+00:00")
    spy.refreshed.clear()
    spy.parsed.clear()
    loaded = _load_both(root, spy)
    assert spy.refreshed == []  # another commit: read whole (from the parse cache)
    edited = next(n for n in loaded.vault.notes if n.path.stem == "q")
    assert edited.updated.isoformat() == "2024-03-04T10:00:00+00:00"


@pytest.mark.parametrize("edit,checked", RESHAPED.values(), ids=list(RESHAPED))
def test_a_heading_or_block_edit_checks_the_note_and_the_notes_that_link_to_it(
    vault: Path, monkeypatch: pytest.MonkeyPatch, edit: Callable[[Path], None], checked: list[str]
) -> None:
    edit(vault)
    spy = Spy(monkeypatch)
    _load_both(vault, spy)
    assert spy.refreshed == [True]
    assert sorted(spy.checked) == checked
    assert len(spy.parsed) == 1  # the notes that link to it come from the parse cache


def _heading_renamed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str | bytes],
    name: str,
    heading: str,
) -> tuple[Spy, notepress.Project]:
    """Build ``files``, rename ``## heading`` of the note ``name``, and load again: the kept
    vault is refreshed, not loaded whole, and equals a load without the cache."""
    root = write_vault(tmp_path / "vault", files, CONFIG)
    _age(root, 120)
    notepress.load_project(root, output=tmp_path / "out").build()
    _replace(f"## {heading}", f"## {heading} renamed", name)(root)
    spy = Spy(monkeypatch)
    loaded = _load_both(root, spy)
    assert spy.refreshed == [True]
    return spy, loaded


def test_a_heading_edit_checks_the_notes_that_name_it_by_a_markdown_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A markdown link's anchor is no wikilink of the note's outline, yet its note is
    checked again: renamed, the heading it named is reported missing as a full load does
    (and under ``--strict`` that note is kept private)."""
    files: dict[str, str | bytes] = {
        "kiln.md": note_text(
            "Kiln Guide", "## Firing\n\nSlow heat.\n", extra="aliases:\n  - Hot box"
        ),
        "glaze.md": note_text("Glaze", "Read [the firing](kiln.md#Firing) first.\n"),
        "clay.md": note_text("Clay", "Read [the firing](<kiln#Firing>) first.\n"),
        "slip.md": note_text("Slip", "By title: [the firing](Kiln%20Guide#Firing).\n"),
        "wedge.md": note_text("Wedge", "By alias: [the firing](<Hot box#Firing>).\n"),
        "other.md": note_text("Other", "Nothing to do with it.\n"),
    }
    spy, loaded = _heading_renamed(tmp_path, monkeypatch, files, "kiln.md", "Firing")
    assert sorted(spy.checked) == ["clay.md", "glaze.md", "kiln.md", "slip.md", "wedge.md"]
    missing = sorted(
        note.path.name
        for note in loaded.vault.notes
        for problem in note.problems
        if problem.code == "link-heading-missing"
    )
    assert missing == ["clay.md", "glaze.md", "slip.md", "wedge.md"]


def test_a_heading_named_by_a_percent_escaped_address_checks_its_linkers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Obsidian escapes an accented file name with capital hex (``Caf%C3%A9``); a writer
    escapes the space alone, or writes capitals: each link is found, and its note checked
    again when the heading it names is renamed (a cached ``--strict`` build kept publishing
    one whose link broke)."""
    files: dict[str, str | bytes] = {
        "Café Menu.md": note_text("Café Menu", "## Part\n\nSoup.\n"),
        "upper.md": note_text("Upper", "See [it](Caf%C3%A9%20Menu.md#Part).\n"),
        "space.md": note_text("Space", "See [it](<Café%20Menu#Part>).\n"),
        "shout.md": note_text("Shout", "See [it](CAF%C3%89%20MENU.md#Part).\n"),
        "other.md": note_text("Other", "Nothing to do with it.\n"),
    }
    spy, _loaded = _heading_renamed(tmp_path, monkeypatch, files, "Café Menu.md", "Part")
    assert sorted(spy.checked) == ["Café Menu.md", "shout.md", "space.md", "upper.md"]


_LOOPING_B = "Beta.\n\n## One\n\n![[a]]\n\n## Two\n\nplain\n"
_OPEN_B = "Beta.\n\n## One\n\nplain\n\n## Two\n\n![[a]]\n"


@pytest.mark.parametrize(
    ("before", "after"), [(_LOOPING_B, _OPEN_B), (_OPEN_B, _LOOPING_B)], ids=["ends", "makes"]
)
def test_an_embed_moved_to_another_section_changes_the_loops_as_a_full_load_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, after: str
) -> None:
    """Two notes showing sections of each other loop only while each embed sits in the
    section the other shows: moved under another heading, with the same headings and
    embeds as before, the loop ends or begins, and the note that did not change (whose
    embed is written as a link while it loops) must not keep what it had."""
    files: dict[str, str | bytes] = {
        "a.md": note_text("A", "Alpha text.\n\n![[b#One]]\n"),
        "b.md": note_text("B", before),
    }
    root = write_vault(tmp_path / "vault", files, CONFIG)
    _age(root, 120)
    first = notepress.load_project(root, output=tmp_path / "out")
    first.build()
    _write(root, "b.md", note_text("B", after))
    loaded = _load_both(root, Spy(monkeypatch))
    looped = {p.path for n in loaded.vault.notes for p in n.problems if p.code == "embed-cycle"}
    assert looped == ({"a.md", "b.md"} if after == _LOOPING_B else set())


def test_a_heading_many_notes_link_to_makes_a_full_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the notes that link to an edited heading stops paying past 1 % of the vault
    (at least 50): then the vault is read whole."""
    files: dict[str, str | bytes] = {"hub.md": note_text("Hub", "## Part\n\nThe centre.\n")}
    for number in range(60):
        files[f"spoke {number:02}.md"] = note_text(f"Spoke {number}", "Out to [[hub#Part]].\n")
    root = write_vault(tmp_path / "vault", files, CONFIG)
    _age(root, 120)
    notepress.load_project(root, output=tmp_path / "out").build()
    _replace("## Part", "## Kiln", "hub.md")(root)
    spy = Spy(monkeypatch)
    _load_both(root, spy)
    assert spy.refreshed == [False]


@pytest.mark.parametrize("edit", SEEN.values(), ids=list(SEEN))
def test_an_edit_other_notes_see_makes_a_full_load(
    vault: Path, monkeypatch: pytest.MonkeyPatch, edit: Callable[[Path], None]
) -> None:
    edit(vault)
    spy = Spy(monkeypatch)
    _load_both(vault, spy)
    assert spy.refreshed == [False]


def test_nothing_changed_reads_no_note(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    _load_both(vault, spy)
    assert spy.refreshed == [True]
    assert spy.parsed == []


def test_another_number_of_parsing_processes_still_reads_only_the_edited_file(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-j`` changes how notes are parsed, never what they hold: the kept vault stands."""
    _replace("One holder.", "One holder, edited.", "g.md")(vault)
    spy = Spy(monkeypatch)
    project = notepress.load_project(vault, output=vault.parent / "out", jobs=1)
    assert spy.refreshed == [True]
    assert spy.parsed == ["g.md"]
    cold = notepress.load_project(vault, output=vault.parent / "out", cache=False)
    assert project.vault.notes == cold.vault.notes


def test_a_process_that_builds_again_takes_the_kept_vault_from_memory(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve`` and ``watch`` build in one process: the snapshot they wrote or read last is
    not decoded again while its file is the one they know; another file is."""
    decoded: list[Path] = []
    decode = notepress.cache.snapshot._snapshot

    def spy_decode(data: bytes, *args: Any) -> Any:
        decoded.append(path)
        return decode(data, *args)

    monkeypatch.setattr(notepress.cache.snapshot, "_snapshot", spy_decode)
    path = _snapshot_file(vault)
    _replace("One holder.", "One holder, edited.", "g.md")(vault)
    spy = Spy(monkeypatch)
    _load_both(vault, spy)
    assert spy.refreshed == [True] and decoded == []
    # The same bytes in a new file, as another process would leave them: read again.
    copy = path.with_name("copy")
    copy.write_bytes(path.read_bytes())
    os.replace(copy, path)
    _load_both(vault, spy)
    assert spy.refreshed == [True, True] and decoded == [path]


def test_the_files_a_caller_listed_are_not_listed_again(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``build`` lists the vault to see whether anything changed; a load given that listing
    takes each note's size and time from it, so a listing that still shows a file as it
    was means the file is taken from the snapshot, unread."""
    note = vault / "g.md"
    before = note.stat()
    _replace("One holder.", "One holder, edited.", "g.md")(vault)
    request = Request.of(vault, output=vault.parent / "out")
    assert request is not None and request.replay() is None
    listed = request.listed()
    edited = note.stat()
    assert listed is not None and listed[1]["g.md"] == (
        edited.st_size,
        edited.st_mtime_ns,
        edited.st_ctime_ns,
    )
    spy = Spy(monkeypatch)
    project = notepress.load_project(vault, output=vault.parent / "out", listed=listed)
    assert spy.refreshed == [True] and spy.parsed == ["g.md"]
    cold = notepress.load_project(vault, output=vault.parent / "out", cache=False)
    assert project.vault.notes == cold.vault.notes
    # Listed as it was before the edit (the snapshot now holds the edit, so it is put back
    # first): trusted, so not read.
    _replace("One holder, edited.", "One holder.", "g.md")(vault)
    os.utime(note, ns=(before.st_atime_ns, before.st_mtime_ns))
    restored = note.stat()
    notepress.load_project(vault, output=vault.parent / "out").build()
    _replace("One holder.", "One holder, edited.", "g.md")(vault)
    kept = (restored.st_size, restored.st_mtime_ns, restored.st_ctime_ns)
    stale = (listed[0], {**listed[1], "g.md": kept})
    spy.parsed.clear()
    notepress.load_project(vault, output=vault.parent / "out", listed=stale)
    assert spy.parsed == []


def test_an_edit_that_puts_the_time_back_is_still_read(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note made a draft by an edit of the same size, its time put back as ``touch -r``
    does: the change time moved, so it is read, and it is private."""
    make_draft_keeping_size_and_time(vault / "g.md")
    spy = Spy(monkeypatch)
    project = _load_both(vault, spy)
    assert spy.parsed == ["g.md"]
    assert next(n for n in project.vault.notes if n.path.name == "g.md").draft


def test_a_file_changed_too_close_to_its_listing_is_always_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file written just before the build may change again within the same tick of the
    clock: a later edit of the same size, dated the same, is still seen."""
    root = write_vault(tmp_path / "vault", _files(), CONFIG)
    _age(root, 120)
    note = root / "c.md"
    # Dated a minute ahead: within the window of the build's listing however long the
    # machine takes to get there.
    ahead = time.time() + 60
    os.utime(note, (ahead, ahead))
    stamp = note.stat().st_mtime_ns
    notepress.load_project(root, output=tmp_path / "out").build()
    note.write_text(
        note.read_text(encoding="utf-8").replace("to cite", "to CITE"), encoding="utf-8"
    )
    os.utime(note, ns=(stamp, stamp))
    spy = Spy(monkeypatch)
    project = _load_both(root, spy)
    assert spy.parsed == ["c.md"]
    assert "to CITE" in next(n for n in project.vault.notes if n.title == "Gamma").body


def test_a_build_after_an_edit_writes_the_bytes_of_a_build_without_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reproducible: int
) -> None:
    root = make_synthetic_vault(tmp_path / "vault", 60)
    (root / "notepress.toml").write_text(CONFIG, encoding="utf-8")
    _age(root, 120)
    notepress.load_project(root, output=tmp_path / "warm").build()
    edited = sorted(root.rglob("note *.md"))[-1]
    _write(root, edited.relative_to(root).as_posix(), edited.read_text() + "\nOne more line.\n")
    spy = Spy(monkeypatch)
    notepress.load_project(root, output=tmp_path / "warm").build()
    assert spy.refreshed == [True] and len(spy.parsed) == 1
    notepress.load_project(root, output=tmp_path / "cold", cache=False).build()
    assert _contents(tmp_path / "warm") == _contents(tmp_path / "cold")


def _contents(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


class _Planted:
    """Unpickled, this would run a command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def _snapshot_file(root: Path) -> Path:
    return snapshot_path(cache_path(root.parent / "out"))


def _header(path: Path) -> bytes:
    return path.read_bytes().split(b"\n", 1)[0] + b"\n"


def _garbage(path: Path, marker: Path) -> None:
    path.write_bytes(_header(path) + b"{not json\n")


def _truncated(path: Path, marker: Path) -> None:
    path.write_bytes(path.read_bytes()[:-100])


def _planted(path: Path, marker: Path) -> None:
    """A pickle where the vault's data belongs: the file is read as data, never run."""
    path.write_bytes(_header(path) + pickle.dumps(_Planted(marker)) + b"\n")


def _bodies_shifted(path: Path, marker: Path) -> None:
    """Body lengths that add up but cut the text elsewhere (one made negative)."""
    header, data, bodies = path.read_bytes().split(b"\n", 2)
    vault = json.loads(data)
    lengths = vault["notes"]["body"]
    lengths[0], lengths[1] = -1, lengths[1] + lengths[0] + 1
    path.write_bytes(header + b"\n" + json.dumps(vault).encode() + b"\n" + bodies)


def _header_only(path: Path, marker: Path) -> None:
    """The header and the start of the JSON line, which never ends."""
    path.write_bytes(path.read_bytes()[: len(_header(path)) + 50])


@pytest.mark.parametrize("damage", [_garbage, _truncated, _planted, _bodies_shifted, _header_only])
def test_a_damaged_or_planted_snapshot_is_discarded_with_a_warning(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    path = _snapshot_file(vault)
    assert path.is_file()
    marker = tmp_path / "ran"
    damage(path, marker)
    spy = Spy(monkeypatch)
    project = _load_both(vault, spy)
    report = project.build()
    assert not marker.exists()
    assert spy.refreshed == []
    warnings = [p for p in report.problems if p.code == "cache-discarded"]
    assert len(warnings) == 1 and str(path) in warnings[0].message
    assert _header(path).startswith(b"notepress vault snapshot")  # made anew


def test_another_versions_snapshot_is_replaced_without_a_word(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _snapshot_file(vault)
    path.write_bytes(b"notepress vault snapshot 0 older\n" + path.read_bytes().split(b"\n", 1)[1])
    spy = Spy(monkeypatch)
    report = _load_both(vault, spy).build()
    assert spy.refreshed == []
    assert not [p for p in report.problems if p.code == "cache-discarded"]
    spy.refreshed.clear()
    _load_both(vault, spy)
    assert spy.refreshed == [True]


def test_an_empty_snapshot_file_is_replaced_without_a_word(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty file cannot be mapped into memory; it is read as a file of no layout."""
    path = _snapshot_file(vault)
    path.write_bytes(b"")
    spy = Spy(monkeypatch)
    report = _load_both(vault, spy).build()
    assert spy.refreshed == []
    assert not [p for p in report.problems if p.code == "cache-discarded"]
    assert _header(path).startswith(b"notepress vault snapshot")


#: Edits one after another, each built: the notes each build reads and checks again.
CHAIN = [
    ("a heading renamed", _replace("## Part", "## Kiln", "b.md"), ["b.md"], ["a.md", "b.md"]),
    (
        "a draft published",
        _replace("draft: true", "draft: false", "draft.md"),
        ["draft.md"],
        ["draft.md"],
    ),
    ("a body", _replace("A line to cite.", "A longer line.", "c.md"), ["c.md"], ["c.md"]),
    ("the heading again", _replace("## Kiln", "## Oven", "b.md"), ["b.md"], ["a.md", "b.md"]),
]


def test_each_build_reads_again_only_what_changed_since_the_last_one(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that read a few notes again keeps them in a file of changes, and leaves the
    large file as it was: the next build does not read them, nor check the notes that link
    to a heading edited earlier, again."""
    large = _snapshot_file(vault)
    written = large.stat()
    spy = Spy(monkeypatch)
    for name, edit, parsed, checked in CHAIN:
        edit(vault)
        spy.parsed.clear()
        spy.checked.clear()
        spy.refreshed.clear()
        _load_both(vault, spy).build()
        assert spy.refreshed == [True], name
        assert (spy.parsed, sorted(spy.checked)) == (parsed, checked), name
    assert changes_path(large).is_file()
    assert (large.stat().st_ino, large.stat().st_mtime_ns) == (
        written.st_ino,
        written.st_mtime_ns,
    )
    spy.parsed.clear()
    spy.checked.clear()
    _load_both(vault, spy)
    assert (spy.parsed, spy.checked) == ([], [])


def _changes_of_two_notes(vault: Path) -> Path:
    _two_notes(vault)
    notepress.load_project(vault, output=vault.parent / "out").build()
    path = changes_path(_snapshot_file(vault))
    assert path.is_file()
    return path


@pytest.mark.parametrize("damage", [_garbage, _truncated, _planted, _bodies_shifted, _header_only])
def test_a_damaged_or_planted_file_of_changes_is_discarded_with_a_warning(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    path = _changes_of_two_notes(vault)
    marker = tmp_path / "ran"
    damage(path, marker)
    spy = Spy(monkeypatch)
    report = _load_both(vault, spy).build()
    assert not marker.exists()
    assert spy.refreshed == []
    warnings = [p for p in report.problems if p.code == "cache-discarded"]
    assert len(warnings) == 1 and str(path) in warnings[0].message
    assert not path.exists()  # the whole vault was written again, with no changes beside it


def test_changes_to_a_large_file_since_replaced_are_left_unread(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of changes names the large file it changes: put back beside a newer one (a
    build that wrote the whole vault again, then a restored backup), it is not laid over it."""
    path = _changes_of_two_notes(vault)
    stale = path.read_bytes()
    _replace("title: Gamma", "title: Gamma Two", "c.md")(vault)  # a full load, written whole
    notepress.load_project(vault, output=vault.parent / "out").build()
    assert not path.exists()
    path.write_bytes(stale)
    spy = Spy(monkeypatch)
    report = _load_both(vault, spy).build()
    assert spy.refreshed == [True] and spy.parsed == []
    assert not [p for p in report.problems if p.code == "cache-discarded"]


def test_after_a_heading_edit_the_shapes_are_made_from_the_kept_digests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vault's shapes (before and after its checks) are made again from each note's
    kept digest: only the notes read again are digested, and the shapes equal those a full
    load makes."""
    root = make_synthetic_vault(tmp_path / "vault", 80)
    (root / "notepress.toml").write_text(CONFIG, encoding="utf-8")
    _age(root, 120)
    notepress.load_project(root, output=tmp_path / "out").build()
    path = sorted(root.rglob("note *.md"))[40]
    _write(root, path.relative_to(root).as_posix(), path.read_text() + "\n## Added\n\nMore.\n")
    digested: list[str] = []
    note_face = notepress.vault.note_face

    def spy_face(note: Any) -> Any:
        digested.append(note.path.as_posix())
        return note_face(note)

    monkeypatch.setattr(notepress.vault, "note_face", spy_face)
    spy = Spy(monkeypatch)
    project = _load_both(root, spy)
    assert spy.refreshed == [True] and len(spy.checked) < 20
    assert project.cache is not None
    shape = project.cache.shape(project.vault)
    assert len(digested) < 40  # the notes read again, not twice the 80
    cold = notepress.load_project(root, output=tmp_path / "out", cache=False)
    assert shape == notepress.vault.vault_shape(cold.vault)


def test_clean_removes_the_snapshot_its_changes_and_one_a_killed_build_left_half_written(
    vault: Path,
) -> None:
    path = _snapshot_file(vault)
    assert path.is_file()
    changes = _changes_of_two_notes(vault)
    half = path.with_name(path.name + ".12345.partial")
    half.write_bytes(b"notepress vault snapshot")
    removed = notepress.pipeline.clean_cache(vault.parent / "out")
    assert path in removed and half in removed and changes in removed
    assert not path.exists() and not half.exists()


def test_after_many_edits_the_kept_vault_is_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A few edited notes are kept in the file of changes beside the kept vault (writing
    the whole costs more than reading a few files again); past a threshold of edited notes
    the whole is written again, so the next build reads none of them."""
    root = make_synthetic_vault(tmp_path / "vault", 80)
    (root / "notepress.toml").write_text(CONFIG, encoding="utf-8")
    _age(root, 120)
    notepress.load_project(root, output=tmp_path / "out").build()
    notes = sorted(root.rglob("note *.md"))
    for path in notes[:60]:
        _write(root, path.relative_to(root).as_posix(), path.read_text() + "\nMore.\n")
    spy = Spy(monkeypatch)
    notepress.load_project(root, output=tmp_path / "out").build()
    assert spy.refreshed == [True] and len(spy.parsed) == 60
    spy.refreshed.clear()
    spy.parsed.clear()
    _load_both(root, spy)
    assert spy.refreshed == [True] and spy.parsed == []


def test_many_notes_edited_at_once_cost_a_walk_of_the_vault_not_one_per_note(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a ``git pull`` or a fresh checkout (every file too new to trust), thousands of
    notes are read again at once.  Each used to walk every note before it for the URLs they
    hold, and every note for its note_id: 3,000 notes read again cost 2 s more than a full
    load.  Now the URLs are read once for all (counted here), with the same outcome as a
    full load: collisions and shared note_ids among the edited notes and the others."""
    root = vault
    (root / "many").mkdir()
    extra = {
        f"many/n{i:03d}.md": note_text(
            f"Many {i % 290}",
            f"Text {i}.\n",
            note_id=f"2304{i % 295 // 100 + 10}MN{i % 295 % 100:02d}",
        )
        for i in range(300)
    }
    extra["many/twin.md"] = note_text("Alpha", "Same title as a.\n", note_id="230301AA01")
    for name, text in extra.items():
        _write(root, name, text, age=120)
    notepress.load_project(root, output=root.parent / "out").build()
    for name, text in extra.items():
        _write(root, name, text + "Edited.\n")
    for name in ("b.md", "h.md"):
        _write(root, name, (root / name).read_text(encoding="utf-8") + "\nEdited.\n")
    paths: list[str] = []
    note_path = notepress.config.Site.note_path

    def counting(site: Any, note: Any) -> str:
        paths.append(note.path.as_posix())
        return note_path(site, note)

    monkeypatch.setattr(notepress.config.Site, "note_path", counting)
    spy = Spy(monkeypatch)
    cached = notepress.load_project(root, output=root.parent / "out")
    assert spy.refreshed == [True] and len(spy.parsed) == len(extra) + 2
    # Each note's URL read once, and a few for each note read again (before: 43,646).
    limit = len(cached.vault.notes) + 3 * len(spy.parsed)
    assert len(paths) <= limit, f"{len(paths)} URLs made, {limit} at most"
    monkeypatch.undo()
    _load_both(root, Spy(monkeypatch))
