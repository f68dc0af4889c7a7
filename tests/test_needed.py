"""A build without a cache, or the first with one, reads only the bodies it publishes, and
publishes the same bytes.

The vault: a newest note that links to a heading, to a block through an embedded note, to a
heading by a markdown link, and embeds a note that embeds another; notes nothing published
reaches, one with a broken link; a note whose only tag is written inline.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Literal

import pytest

import notepress
from notepress.markdown.outline import read_outline
from notepress.parse import ParseSettings, outline_note, parse_note
from notepress.pipeline import BuildReport, Project, load_project

from .conftest import note_text, write_vault
from .hostile.support import run_cli

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent / "samples"

CONFIG = """
output = "_publish"

[site]
title = "Kitchen and bench"
url = "https://notes.example.org/"
note_url = "notes/{slug}/"

[targets.newsletter]
exporter = "feed"
formats = ["atom", "json"]
limit = 1

[targets.bread]
exporter = "feed"
formats = ["rss"]
include_tags = ["bread"]
limit = 0

[targets.everything]
exporter = "feed"
formats = ["rss"]
per_tag = true
limit = 2

[targets.meta]
exporter = "jsonld"
limit = 1
"""

NOTES = {
    "lead.md": note_text(
        "Lead",
        """
        The oven story continues in [[Middle#Second part]].

        ![[Quoted]]

        A [markdown link](far.md#Far%20heading) reaches further, and
        [another](<far away.md#Farther heading>) further still.
        """,
        created="2023-05-10",
    ),
    "middle.md": note_text(
        "Middle", "## First part\n\nDough.\n\n## Second part\n\nCrumb.\n", created="2023-01-01"
    ),
    "quoted.md": note_text(
        "Quoted",
        "Proofing overnight, see [[Blocks#^cold]].\n\n![[Deeper]]\n",
        created="2022-02-02",
    ),
    "blocks.md": note_text("Blocks", "Cold retard works. ^cold\n", created="2022-03-03"),
    "deeper.md": note_text("Deeper", "Deep inside, a link to [[Leaf]].\n", created="2022-04-04"),
    "leaf.md": note_text("Leaf", "## Leaf heading\n\nEnd of the chain.\n", created="2022-05-05"),
    "far.md": note_text("Far", "## Far heading\n\nReached by path.\n", created="2022-06-06"),
    "far away.md": note_text(
        "Far away", "## Farther heading\n\nReached by a path with a space.\n", created="2022-06-07"
    ),
    "lonely.md": note_text(
        "Lonely", "Points at [[Nowhere at all]].\n", created="2021-01-01", tags=["misc"]
    ),
    "tagged.md": note_text(
        "Tagged", "A loaf note with an inline #bread tag.\n", created="2020-01-01"
    ),
}

#: What publishing the newsletter's one note needs: itself, what it links to (by wikilink or
#: by path), what it embeds, what those embed, and what the embedded notes link to.  Not
#: ``far away.md``: a path written with a space is not seen ahead (its headings are read
#: when the link asks for them).
NEWSLETTER_READS = {
    "lead.md",
    "middle.md",
    "quoted.md",
    "blocks.md",
    "deeper.md",
    "leaf.md",
    "far.md",
}


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_vault(tmp_path_factory.mktemp("needed") / "vault", NOTES, CONFIG)


def _build(
    vault: Path,
    out: Path,
    bodies: Literal["all", "published"],
    targets: list[str] | None = None,
) -> tuple[Project, BuildReport]:
    project = load_project(vault, output=out, cache=False, targets=targets, bodies=bodies)
    report = project.build(targets)
    assert all(target.ok for target in report.targets), report.targets
    return project, report


def _files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".notepress")
    }


SOME = ["newsletter", "bread", "meta"]


def test_the_outputs_are_those_of_a_whole_read(
    vault: Path, tmp_path: Path, reproducible: int
) -> None:
    _build(vault, tmp_path / "whole", "all", SOME)
    project, _ = _build(vault, tmp_path / "needed", "published", SOME)
    assert 0 < sum(n.outlined for n in project.vault.notes) < len(NOTES)
    whole, needed = _files(tmp_path / "whole"), _files(tmp_path / "needed")
    assert set(whole) == set(needed) and len(whole) > 8
    assert needed == whole


def test_a_target_that_takes_every_note_reads_every_body_at_once(
    vault: Path, tmp_path: Path
) -> None:
    """A feed with tag feeds and no filter publishes every note: no frontmatter-first read,
    and every problem of the vault is reported, as with a cache."""
    project, needed = _build(vault, tmp_path / "needed", "published", ["everything"])
    _, whole = _build(vault, tmp_path / "whole", "all", ["everything"])
    assert all(note.outlined for note in project.vault.notes)
    assert needed.all_problems() == whole.all_problems()
    assert _files(tmp_path / "needed") == _files(tmp_path / "whole")


def test_only_the_bodies_a_newsletter_publishes_are_read(vault: Path, tmp_path: Path) -> None:
    project, _ = _build(vault, tmp_path / "out", "published", ["newsletter"])
    read = {n.path.as_posix() for n in project.vault.notes if n.outlined}
    assert read == NEWSLETTER_READS
    feed = json.loads((tmp_path / "out/newsletter/feed.json").read_text(encoding="utf-8"))
    (item,) = feed["items"]
    html = item["content_html"]
    # Anchors of a linked heading, of a block behind an embed, and of headings reached by
    # markdown links (one whose note was not read ahead: its headings are read when asked).
    assert "notes/middle/#second-part" in html
    assert "notes/far-away/#farther-heading" in html
    assert "Proofing overnight" in html and "notes/blocks/#block-cold" in html
    assert "Cold retard works" not in html
    assert "Deep inside" in html and "notes/leaf/" in html
    assert "notes/far/#far-heading" in html


def test_a_tag_written_in_a_body_still_selects_its_note(vault: Path, tmp_path: Path) -> None:
    _build(vault, tmp_path / "out", "published", ["bread"])
    rss = (tmp_path / "out/bread/rss.xml").read_text(encoding="utf-8")
    assert "<title>Tagged</title>" in rss
    assert rss.count("<item>") == 1


def test_problems_of_unread_bodies_are_left_to_check(vault: Path, tmp_path: Path) -> None:
    _, needed = _build(vault, tmp_path / "needed", "published", ["newsletter"])
    _, whole = _build(vault, tmp_path / "whole", "all", ["newsletter"])
    codes = {(p.path, p.code) for p in needed.all_problems()}
    assert ("lonely.md", "link-unresolved") not in codes
    assert ("lonely.md", "link-unresolved") in {(p.path, p.code) for p in whole.all_problems()}
    checked = run_cli("check", str(vault), "--format", "json")
    found = json.loads(checked.stdout)
    assert any(p["path"] == "lonely.md" and p["code"] == "link-unresolved" for p in found), found


# The budget's signal may land in a garbage collector's callback (the test runner's), where
# it is printed and raised again: that report is not this test's concern.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_body_over_its_budget_changes_the_selection_as_a_whole_read_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reproducible: int
) -> None:
    """The newest note reads fine as frontmatter, then runs out of CPU on its body: it is
    private, and the newsletter takes the next note, as a build reading everything does."""
    monkeypatch.setenv("NOTEPRESS_NOTE_BUDGET", "0.3")
    heavy = "\n".join(f"- [[Second]] and [[First|a{i}]] *x* `y`" for i in range(40_000))
    root = write_vault(
        tmp_path / "vault",
        {
            "heavy.md": note_text("Heavy", heavy, created="2023-01-03"),
            "second.md": note_text("Second", "See [[Missing one]].\n", created="2023-01-02"),
            "first.md": note_text("First", "Plain.\n", created="2023-01-01"),
        },
        CONFIG,
    )
    _, needed = _build(root, tmp_path / "needed", "published", ["newsletter"])
    _, whole = _build(root, tmp_path / "whole", "all", ["newsletter"])
    for report in (needed, whole):
        found = {(p.path, p.code) for p in report.all_problems()}
        assert {("heavy.md", "note-too-slow"), ("second.md", "link-unresolved")} <= found
    assert _files(tmp_path / "needed" / "newsletter") == _files(tmp_path / "whole" / "newsletter")
    feed = json.loads((tmp_path / "needed/newsletter/feed.json").read_text(encoding="utf-8"))
    assert [item["title"] for item in feed["items"]] == ["Second"]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_note_linked_by_path_is_read_ahead_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reproducible: int
) -> None:
    """The newsletter's note links by path to a note whose body is over budget, so private:
    the link is text, as in a build that reads everything, not a link to a page no build
    publishes."""
    monkeypatch.setenv("NOTEPRESS_NOTE_BUDGET", "0.3")
    heavy = "\n".join(f"- [[Newest]] and [[Newest|a{i}]] *x* `y`" for i in range(40_000))
    root = write_vault(
        tmp_path / "vault",
        {
            "heavy.md": note_text("Heavy", heavy, created="2022-01-01"),
            "newest.md": note_text(
                "Newest", "See [the heavy one](heavy.md).\n", created="2023-01-02"
            ),
        },
        CONFIG,
    )
    _build(root, tmp_path / "needed", "published", ["newsletter"])
    _build(root, tmp_path / "whole", "all", ["newsletter"])
    assert _files(tmp_path / "needed" / "newsletter") == _files(tmp_path / "whole" / "newsletter")
    feed = json.loads((tmp_path / "needed/newsletter/feed.json").read_text(encoding="utf-8"))
    (item,) = feed["items"]
    assert "the heavy one" in item["content_html"] and "notes/heavy/" not in item["content_html"]


def test_build_without_cache_says_how_many_bodies_it_read(vault: Path, tmp_path: Path) -> None:
    done = run_cli(
        "build", str(vault), "-t", "newsletter", "--no-cache", "--verbose", "-o", str(tmp_path)
    )
    assert done.code == 0, done.stderr
    assert f"{len(NOTES)} notes, {len(NEWSLETTER_READS)} read whole" in done.stderr
    assert "Nowhere at all" not in done.stderr


def test_a_first_build_with_a_cache_reads_what_it_publishes_and_the_next_keeps_the_vault(
    vault: Path, tmp_path: Path, reproducible: int
) -> None:
    """A first build (a fresh checkout: nothing in the cache) has nothing to reuse, so it
    reads as a build without a cache does; the build after it reads the whole vault, keeps
    it, and reports the problems of every note.  Each publishes what ``--no-cache`` does."""
    root = tmp_path / "vault"
    shutil.copytree(vault, root)
    out = tmp_path / "out"

    def build(*more: str) -> str:
        done = run_cli("build", str(root), "-t", "newsletter", "--verbose", *more)
        assert done.code == 0, done.stderr
        return done.stderr

    first = build("-o", str(out))
    assert f"{len(NOTES)} notes, {len(NEWSLETTER_READS)} read whole" in first
    assert "Nowhere at all" not in first
    build("-o", str(tmp_path / "plain"), "--no-cache")
    assert _files(out) == _files(tmp_path / "plain")

    with (root / "lead.md").open("a", encoding="utf-8") as note:
        note.write("\nA line added after the first build.\n")
    second = build("-o", str(out))
    assert f"load vault: {len(NOTES)} notes," in second and "read whole" not in second
    assert "Nowhere at all" in second  # an unpublished note's broken link, read this time
    build("-o", str(tmp_path / "plain"), "--no-cache")
    assert _files(out) == _files(tmp_path / "plain")
    assert "A line added after the first build." in (out / "newsletter/feed.json").read_text(
        encoding="utf-8"
    )


def test_a_cache_an_earlier_build_filled_means_the_whole_vault_is_read(
    vault: Path, tmp_path: Path
) -> None:
    first = load_project(vault, output=tmp_path, targets=["newsletter"], bodies="published")
    assert {n.path.as_posix() for n in first.vault.notes if n.outlined} == NEWSLETTER_READS
    assert all(target.ok for target in first.build(["newsletter"]).targets)
    again = load_project(vault, output=tmp_path, targets=["newsletter"], bodies="published")
    assert all(note.outlined for note in again.vault.notes)


def _note_files() -> list[Path]:
    found = sorted((SAMPLES / "notes").rglob("*.md")) + sorted((SAMPLES / "journal").rglob("*.md"))
    found += sorted((HERE / "fixtures" / "markdown").glob("*.md"))
    assert len(found) > 20
    return found


@pytest.mark.parametrize("path", _note_files(), ids=lambda p: p.name)
def test_frontmatter_then_body_is_the_whole_parse(path: Path) -> None:
    """Reading the body later gives the note a whole parse gives, its body's problems last."""
    rel = PurePosixPath(path.name)
    settings = ParseSettings()
    whole = parse_note(rel, path.read_bytes(), settings)
    head = parse_note(rel, path.read_bytes(), settings, read_body=False)
    later = outline_note(head, settings)
    assert later.outlined and whole.outlined
    assert later == replace(whole, problems=later.problems)
    assert sorted(map(str, later.problems)) == sorted(map(str, whole.problems))
    if read_outline(whole.body).links:
        assert not head.outlined and head.links == ()


def test_the_api_reads_every_body_unless_asked(vault: Path) -> None:
    project = notepress.load_project(vault, cache=False)
    assert all(note.outlined for note in project.vault.notes)
