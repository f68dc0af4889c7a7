"""Note URLs, JSON-LD ids and digest names: readable in every script, and never shared.

Slugs keep the letters of every script (or transliterate, by choice), URLs are
percent-encoded in the outputs, and two published notes that would share a URL are an
error of the second (naming the first) or are told apart by note_id: never silently one.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import feedparser
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import notepress
from notepress.collisions import UrlClaims, assign_urls
from notepress.config import Site, VaultOptions
from notepress.exporters.pdf.groups import group_notes
from notepress.model import Note
from notepress.slugs import note_slug
from notepress.vault import Vault

from .conftest import note_text, write_vault

SITE = """
[site]
title = "Scripts"
url = "https://notes.example.org/"
{site}

[vault]
{vault}

[targets.news]
exporter = "feed"
formats = ["atom"]

[targets.meta]
exporter = "jsonld"
"""

TOKYO_OSAKA = {
    "東京 notes.md": note_text("東京 notes", "Trains and rain.", note_id="230301TK01"),
    "大阪 notes.md": note_text("大阪 notes", "Food and rivers.", note_id="230302OS01"),
}


def project_of(tmp: Path, files: dict[str, str], *, site: str = "", vault: str = "") -> Any:
    if "note_url" not in site:  # these notes have pages on the site
        site += '\nnote_url = "notes/{slug}/"'
    root = write_vault(tmp / "vault", files, config=SITE.format(site=site, vault=vault))
    return notepress.load_project(root)


def urls(project: Any) -> dict[str, str]:
    return {n.path.as_posix(): project.config.site.note_url_for(n) for n in project.vault.notes}


def codes_of(note: Note) -> list[str]:
    return [p.code for p in note.problems]


# --- slugs in every script --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "unicode", "ascii"),
    [
        ("東京 notes", "東京-notes", "dong-jing-notes"),
        ("Déjà vu", "déjà-vu", "deja-vu"),
        ("Привет, мир", "привет-мир", "privet-mir"),
        ("C++ tips & tricks", "c-tips-tricks", "c-tips-tricks"),
        # Combining marks are part of their word: cut at each, Hindi lost its vowels
        # (``ह-न-द``) and a stressed Russian word split in two.
        ("हिन्दी भाषा", "हिन्दी-भाषा", "hindii-bhaassaa"),
        ("שָׁלוֹם", "שָׁלוֹם", "shalvom"),
        ("Любо\u0301вь", "любо\u0301вь", "liubov"),
    ],
)
def test_slugs_keep_every_script_or_transliterate(title: str, unicode: str, ascii: str) -> None:
    assert note_slug(title) == unicode
    assert note_slug(title, "ascii") == ascii


def test_two_words_apart_by_a_vowel_sign_alone_keep_two_urls(tmp_path: Path) -> None:
    """``कील`` and ``केल`` differ in their vowel sign only: cut at the signs, both were
    ``क-ल``, one URL for two notes, and a URL collision keeps both unpublished."""
    files = {
        "nail.md": note_text("कील", "A nail.", note_id="240101NL01"),
        "other.md": note_text("केल", "Another word.", note_id="240101NL02"),
    }
    project = project_of(tmp_path, files)
    assert len(set(urls(project).values())) == 2
    assert all(note.published for note in project.vault.notes)


def test_a_title_of_only_symbols_gets_the_fallback() -> None:
    assert note_slug("!!! ✨ ???", fallback="230301tk01") == "230301tk01"


@pytest.fixture(scope="module")
def scripts_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    project = project_of(
        tmp_path_factory.mktemp("scripts"), TOKYO_OSAKA, site="publish_without_draft_key = true"
    )
    report = project.build()
    assert all(target.ok for target in report.targets)
    return project.vault.root, project


def test_two_titles_in_another_script_get_two_urls_percent_encoded_in_the_feed(
    scripts_build: tuple[Path, Any],
) -> None:
    root, _project = scripts_build
    parsed = feedparser.parse((root / "_publish" / "news" / "atom.xml").read_bytes())
    links = sorted(entry.link for entry in parsed.entries)
    assert links == [
        "https://notes.example.org/notes/%E5%A4%A7%E9%98%AA-notes/",
        "https://notes.example.org/notes/%E6%9D%B1%E4%BA%AC-notes/",
    ]


def test_two_titles_in_another_script_get_two_json_ld_ids(
    scripts_build: tuple[Path, Any],
) -> None:
    root, _project = scripts_build
    graph = json.loads((root / "_publish" / "meta" / "index.jsonld").read_text("utf-8"))["@graph"]
    ids = sorted(node["@id"] for node in graph if node.get("identifier", "").startswith("2303"))
    assert ids == [
        "https://notes.example.org/notes/%E5%A4%A7%E9%98%AA-notes/",
        "https://notes.example.org/notes/%E6%9D%B1%E4%BA%AC-notes/",
    ]


def test_ascii_slugs_transliterate(tmp_path: Path) -> None:
    project = project_of(tmp_path, TOKYO_OSAKA, vault='slugs = "ascii"')
    assert sorted(urls(project).values()) == [
        "https://notes.example.org/notes/da-ban-notes/",
        "https://notes.example.org/notes/dong-jing-notes/",
    ]


# --- collisions ---------------------------------------------------------------------------------

SAME_NAME = {
    "Garden/Reference.md": note_text("Reference", "Books on soil.", note_id="230301GA01"),
    "Kitchen/Reference.md": note_text("Reference", "Books on bread.", note_id="230302KI01"),
}


def test_two_notes_on_one_url_are_an_error_of_the_second_naming_the_first(
    tmp_path: Path,
) -> None:
    files = {"Attic/Reference.md": note_text("Reference", "Private.", draft=True), **SAME_NAME}
    project = project_of(tmp_path, files)
    draft, first, second = project.vault.notes  # a draft claims no URL
    assert "url-collision" not in codes_of(draft)
    assert first.published and "url-collision" not in codes_of(first)
    assert not second.published
    (problem,) = [p for p in second.problems if p.code == "url-collision"]
    assert problem.path == "Kitchen/Reference.md" and problem.line == 2  # the title key
    assert "Garden/Reference.md" in problem.message and "notes/reference/" in problem.message
    assert 'url_collisions = "note_id"' in problem.message
    # Two folders: the site may name its pages by them (index.md and definition.md in many).
    assert "write {path} in site.note_url" in problem.message
    # check reports it before any exporter runs, and the feed holds the first note only
    assert ("Kitchen/Reference.md", "url-collision") in [
        (p.path, p.code) for p in project.problems()
    ]
    project.build(["news"])
    parsed = feedparser.parse((project.vault.root / "_publish/news/atom.xml").read_bytes())
    assert ["soil" in entry.content[0].value for entry in parsed.entries] == [True]


def test_note_id_tells_two_notes_on_one_url_apart(tmp_path: Path) -> None:
    project = project_of(tmp_path, SAME_NAME, vault='url_collisions = "note_id"')
    assert all(note.published for note in project.vault.notes)
    assert urls(project) == {
        "Garden/Reference.md": "https://notes.example.org/notes/reference/",
        "Kitchen/Reference.md": "https://notes.example.org/notes/reference-230302ki01/",
    }
    project.build(["meta"])
    graph = json.loads((project.vault.root / "_publish/meta/index.jsonld").read_text("utf-8"))
    ids = [node["@id"] for node in graph["@graph"] if node.get("identifier", "").startswith("23")]
    assert len(ids) == len(set(ids)) == 2


def test_note_id_cannot_help_a_template_without_a_slug(tmp_path: Path) -> None:
    project = project_of(
        tmp_path, SAME_NAME, site='note_url = "notes/{stem}/"', vault='url_collisions = "note_id"'
    )
    _first, second = project.vault.notes
    (problem,) = [p for p in second.problems if p.code == "url-collision"]
    assert "add {note_id}" in problem.message


def test_urls_that_differ_only_in_case_collide(tmp_path: Path) -> None:
    files = {
        "a/Tea.md": note_text("Tea", note_id="230301TE01"),
        "b/tea.md": note_text("Tea", note_id="230302TE01"),
    }
    project = project_of(tmp_path, files, site='note_url = "{path}/"')
    assert urls(project)["a/Tea.md"].endswith("/a/Tea/")
    project = project_of(tmp_path / "2", files, site='note_url = "{stem}/"')
    assert "url-collision" in codes_of(project.vault.notes[1])


def test_quartz_urls_are_the_pages_quartz_serves(tmp_path: Path) -> None:
    """A garden Quartz builds from the vault serves ``Signals Course/Phase Delay.md`` at
    ``Signals-Course/Phase-Delay`` and a folder's index at the folder: with ``{path}`` every
    feed link was a page the site does not have.  Two notes Quartz would serve at one
    address are one URL here too."""
    files = {
        "Signals Course/Phase Delay.md": note_text("Phase", note_id="230301PD01"),
        "Signals Course/index.md": note_text("Course", note_id="230302CI01"),
        "Budget 50% cut?.md": note_text("Budget", note_id="230303BC01"),
        "Dash-Twin.md": note_text("First twin", note_id="230304DT01"),
        "Dash Twin.md": note_text("Second twin", note_id="230305DT01"),
        "日本 語.md": note_text("Japanese", note_id="230306JP01"),
    }
    project = project_of(tmp_path, files, site='note_url = "{quartz}"')
    found = urls(project)
    base = "https://notes.example.org/"
    assert found["Signals Course/Phase Delay.md"] == base + "Signals-Course/Phase-Delay"
    assert found["Signals Course/index.md"] == base + "Signals-Course/"
    assert found["Budget 50% cut?.md"] == base + "Budget-50-percent-cut-q"
    assert found["日本 語.md"] == base + "%E6%97%A5%E6%9C%AC-%E8%AA%9E"
    twins = [n for n in project.vault.notes if n.path.stem in ("Dash Twin", "Dash-Twin")]
    assert sum("url-collision" in codes_of(twin) for twin in twins) == 1


def test_transliterated_titles_that_meet_collide(tmp_path: Path) -> None:
    files = {
        "one.md": note_text("京 notes", note_id="230301JA01"),
        "two.md": note_text("经 notes", note_id="230302JB01"),
    }
    assert not any(
        codes_of(n).count("url-collision") for n in project_of(tmp_path, files).vault.notes
    )
    ascii_project = project_of(tmp_path / "ascii", files, vault='slugs = "ascii"')
    assert "url-collision" in codes_of(ascii_project.vault.notes[1])


# --- PDF digests by tag ----------------------------------------------------------------------------


def test_non_latin_tags_get_a_digest_each_not_one_untagged_pdf() -> None:
    def tagged(name: str, *tags: str) -> Note:
        created = datetime(2023, 3, 1, tzinfo=UTC)
        return Note(PurePosixPath(f"{name}.md"), name, name, False, created, created, tags=tags)

    notes = [tagged("a", "東京"), tagged("b", "大阪"), tagged("c", "Αθήνα"), tagged("d")]
    groups = group_notes(notes, "tag", UTC)
    names = [group.file_name for group in groups]
    assert len(names) == len(set(names)) == 4
    assert names.count("untagged.pdf") == 1
    by_label = {group.label: [n.stem for n in group.notes] for group in groups}
    assert by_label == {"#東京": ["a"], "#大阪": ["b"], "#Αθήνα": ["c"], "Untagged notes": ["d"]}


# Titles that meet: by case, by accents, and one that makes the URL of "One" told apart by
# the note_id of the notes at 1 and 2.
_TITLES = st.sampled_from(
    ["One", "one", "Two", "Ünï", "unï", "3", "One 230101AB01", "One 230102AB01"]
)
_DAYS = st.sampled_from([None, 1, 2, 3])


@given(
    notes=st.lists(
        st.tuples(_TITLES, st.booleans(), st.sampled_from(["a", "b"]), _DAYS, _DAYS), max_size=12
    ),
    again=st.sets(st.integers(0, 11)),
    collisions=st.sampled_from(["error", "note_id"]),
    note_url=st.sampled_from(["notes/{slug}/", "{path}/", "n/{slug}-{note_id}"]),
)
@example(  # the URL told apart by note_id is an earlier note's own
    notes=[
        ("One", False, "a", 1, 1),
        ("One 230102AB01", False, "a", 1, 1),
        ("One", False, "a", 1, 1),
    ],
    again={2},
    collisions="note_id",
    note_url="notes/{slug}/",
)
@example(  # read again, the older of two notes named again claims first, whatever their paths
    notes=[("One", False, "a", 3, 3), ("One", False, "a", 2, 2)],
    again={0, 1},
    collisions="error",
    note_url="notes/{slug}/",
)
def test_urls_assigned_again_to_some_notes_are_those_of_the_whole_vault(
    notes: list[tuple[str, bool, str, int | None, int | None]],
    again: set[int],
    collisions: Any,
    note_url: str,
) -> None:
    """A load after an edit assigns URLs to the notes it read again alone (``UrlClaims``),
    given the others as the last full assignment left them: wherever the notes it read
    again keep their slug, published state and errors (else the load assigns every note
    again), the outcome must be that of assigning every note again, collisions and URLs
    told apart by note_id included.  A note read again may have a new date."""

    def day(number: int | None) -> datetime | None:
        return None if number is None else datetime(2023, 1, number, tzinfo=UTC)

    site = Site(url="https://notes.example.org/", note_url=note_url)
    options = VaultOptions(url_collisions=collisions)

    def made(dated: int) -> list[Note]:
        read = [
            Note(
                PurePosixPath(f"{folder}/{index:02d}.md"),
                title,
                f"2301{index:02d}AB01",
                draft,
                day(days[dated]),
                None,
            )
            for index, (title, draft, folder, *days) in enumerate(notes)
        ]
        return sorted(read, key=lambda note: note.path)

    before, read = made(0), made(1)
    indexes = sorted(i for i in again if i < len(read))
    # The last full assignment, then the notes at ``indexes`` read again with their new date.
    last = list(assign_urls(Vault(Path("."), tuple(before)), site, options).notes)
    for index in range(len(read)):
        if index not in indexes:
            read[index] = before[index]
    whole = list(assign_urls(Vault(Path("."), tuple(read)), site, options).notes)
    mixed = [read[i] if i in indexes else note for i, note in enumerate(last)]
    assigned = UrlClaims(mixed, site, indexes).assign({i: read[i] for i in indexes}, options)
    if any(_outcome(assigned[i]) != _outcome(last[i]) for i in indexes):
        return  # the load assigns every note again (notepress.refresh)
    if any(read[i].created != before[i].created for i in indexes):
        return  # so does a load after a note is dated anew: its date is in its face
    for index in indexes:
        mixed[index] = assigned[index]
    assert mixed == whole


def _outcome(note: Note) -> tuple[str, bool, bool]:
    return note.slug, note.published, note.has_errors


def test_the_older_note_keeps_its_url_whatever_the_paths(tmp_path: Path) -> None:
    """A note written later, or dated ahead and waiting for its date, never takes the URL of
    a published note, even first in path order: it is the one in error."""
    files = {
        "a/Reference.md": note_text(
            "Reference", "Newer.", note_id="240101AA01", created="2024-01-01"
        ),
        "b/Reference.md": note_text(
            "Reference", "Older.", note_id="230301BB01", created="2023-03-01"
        ),
        "c/Reference.md": note_text(
            "Reference", "Ahead.", note_id="990101CC01", created="2099-01-01"
        ),
    }
    project = project_of(tmp_path, files)
    newer, older, ahead = project.vault.notes
    assert older.published and not older.has_errors
    for note in (newer, ahead):
        (problem,) = [p for p in note.problems if p.code == "url-collision"]
        assert "b/Reference.md" in problem.message and "older" in problem.message
    project.build(["news"])
    parsed = feedparser.parse((project.vault.root / "_publish/news/atom.xml").read_bytes())
    assert [entry.content[0].value.count("Older") for entry in parsed.entries] == [1]
    assert parsed.entries[0].link == "https://notes.example.org/notes/reference/"


def test_a_note_strict_keeps_private_claims_no_url(tmp_path: Path) -> None:
    """``--strict`` keeps a note with a warning private: like a draft it claims no URL, so
    the other note of that title is published, not refused for a URL no output uses."""
    files = {
        "a/Walk.md": note_text("Walk", "See [[Nowhere yet]].", note_id="230306AA01"),
        "b/Walk.md": note_text("Walk", "Along the harbour.", note_id="230306BB01"),
    }
    root = write_vault(
        tmp_path / "vault", files, config=SITE.format(site='note_url = "notes/{slug}/"', vault="")
    )
    loose = notepress.load_project(root)
    assert [note.published for note in loose.vault.notes] == [True, False]
    strict = notepress.load_project(root, strict=True)
    first, second = strict.vault.notes
    assert not first.published and "url-collision" not in codes_of(first)
    assert second.published and not second.problems
    assert urls(strict)["b/Walk.md"] == "https://notes.example.org/notes/walk/"
