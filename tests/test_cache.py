"""The build cache: what a build reuses, what it must do again, and that a cached build
writes exactly the bytes of a cold one.

Renders are counted with :func:`notepress.markdown.memo.rendered_paths` (actual renders,
not those taken from the cache), so each test proves how much work a build did without
timing anything.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import notepress
import notepress.output
from bench.synthetic import make_vault as make_synthetic_vault
from notepress.cache import cache_path
from notepress.cache.codec import (
    canonical,
    fingerprint,
    note_from_data,
    note_to_data,
    notes_from_columns,
    notes_to_columns,
    rendered_from_data,
    rendered_to_data,
)
from notepress.cache.store import SCHEMA
from notepress.markdown import UrlLinks, render_note
from notepress.markdown.memo import rendered_paths
from notepress.output import MANIFEST
from notepress.parse import ParseSettings, parse_note
from notepress.pipeline import BuildReport
from notepress.plainjson import json_bytes

from .conftest import note_text, write_vault
from .hostile.support import run_cli, snapshot

CONFIG = """
[site]
url = "https://notes.example.org/"
note_url = "notes/{slug}/"
title = "Crumbs"

[targets.news]
exporter = "feed"
formats = ["atom", "rss", "json"]
stylesheet = "feed.xsl"

[targets.meta]
exporter = "jsonld"
"""

XSL = """<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:template match="/"><html><body>{}</body></html></xsl:template>
</xsl:stylesheet>
"""


def _files() -> dict[str, str]:
    """Five published notes and a draft: Alpha links to Gamma, Beta embeds Epsilon."""
    return {
        "alpha.md": note_text(
            "Alpha", "Bread rises slowly; see [[gamma]] and [[gamma#Oven]].\n", created="2023-03-01"
        ),
        "beta.md": note_text("Beta", "The starter log:\n\n![[epsilon]]\n", created="2023-03-02"),
        "gamma.md": note_text(
            "Gamma",
            "## Oven\n\nStone at the bottom.[^1]\n\n[^1]: Preheated.\n",
            created="2023-03-03",
        ),
        "delta.md": note_text("Delta", "Cable labels, **bold** ones.\n", created="2023-03-04"),
        "epsilon.md": note_text("Epsilon", "Feed the starter twice a day.\n", created="2023-03-05"),
        "private.md": note_text("Private", "Not for anyone.\n", draft=True, created="2023-03-06"),
        "feed.xsl": XSL.format("feed"),
    }


@pytest.fixture
def vault(tmp_path: Path, reproducible: int) -> Path:
    return write_vault(tmp_path / "vault", _files(), CONFIG)


def _build(root: Path, **kwargs: object) -> tuple[BuildReport, Counter[str]]:
    """Load and build ``root``; the report and the notes actually rendered, by path."""
    before = rendered_paths()
    report = notepress.load_project(root, **kwargs).build()  # type: ignore[arg-type]
    assert not report.has_errors, [str(p) for p in report.all_problems()]
    rendered = rendered_paths()
    rendered.subtract(before)
    return report, +rendered


def _states(output: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every file of every target folder: what a rewrite would change."""
    found = {}
    for folder, _dirs, files in os.walk(output):
        for name in files:
            path = Path(folder, name)
            if path.parent == output:
                continue  # the cache, the lock and the marker
            info = path.stat()
            found[path.relative_to(output).as_posix()] = (info.st_ino, info.st_mtime_ns)
    return found


def _up_to_date(report: BuildReport) -> dict[str, bool]:
    return {target.name: target.up_to_date for target in report.targets}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# what a build renders -------------------------------------------------------------------


def test_a_rebuild_with_nothing_changed_renders_nothing_and_rewrites_no_target(
    vault: Path,
) -> None:
    report, rendered = _build(vault)
    published = ["alpha.md", "beta.md", "delta.md", "epsilon.md", "gamma.md"]
    assert rendered == Counter({path: 2 for path in published})  # once per target
    assert _up_to_date(report) == {"news": False, "meta": False}
    output = vault / "_publish"
    before = _states(output)
    assert cache_path(output).is_file()

    again, rendered = _build(vault)
    assert rendered == Counter()
    assert _up_to_date(again) == {"news": True, "meta": True}
    assert _states(output) == before  # not one file written again
    # The report of a target left as it was is the one its last build gave.
    assert [t.files for t in again.targets] == [t.files for t in report.targets]
    assert [t.problems for t in again.targets] == [t.problems for t in report.targets]


def _checked(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], Counter[str]]:
    """Build ``root``; the vault's problems and the load-time checks run, by kind."""
    import notepress.assets
    import notepress.vault

    runs: Counter[str] = Counter()
    links, references = notepress.vault._link_problems, notepress.assets.reference_problems

    def count_links(vault: notepress.Vault, note: notepress.Note) -> object:
        runs["links"] += 1
        return links(vault, note)

    def count_references(note: notepress.Note, vault: object) -> object:
        runs["references"] += 1
        return references(note, vault)

    with monkeypatch.context() as patch:
        patch.setattr(notepress.vault, "_link_problems", count_links)
        patch.setattr(notepress.assets, "reference_problems", count_references)
        patch.setattr(notepress.vault, "reference_problems", count_references)
        project = notepress.load_project(root)
        project.build()
    return sorted(str(p) for p in project.vault.all_problems()), runs


def _cold_problems(root: Path) -> list[str]:
    project = notepress.load_project(root, cache=False)
    return sorted(str(p) for p in project.vault.all_problems())


def test_the_load_time_checks_run_again_only_for_what_changed(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link or reference check is kept per note and vault shape: one edit checks one note,
    a changed heading (which other notes' links may name) checks every note."""
    _edit(vault / "delta.md", "Cable labels", "Cable labels and [[Nowhere]]")
    problems, runs = _checked(vault, monkeypatch)
    assert runs == Counter(links=6, references=6)
    assert any("Nowhere" in problem for problem in problems)
    assert problems == _cold_problems(vault)

    again, runs = _checked(vault, monkeypatch)
    assert runs == Counter() and again == problems

    _edit(vault / "epsilon.md", "twice a day", "twice a day, see [[Elsewhere]]")
    edited, runs = _checked(vault, monkeypatch)
    assert runs == Counter(links=1, references=1)
    assert edited == _cold_problems(vault) != problems

    _edit(vault / "gamma.md", "## Oven", "## Kiln")
    renamed, runs = _checked(vault, monkeypatch)
    assert runs == Counter(links=6, references=6)
    assert any("no heading 'Oven'" in problem for problem in renamed)
    assert renamed == _cold_problems(vault)


def test_editing_a_note_renders_it_again_and_the_notes_that_embed_it(vault: Path) -> None:
    _build(vault)
    _edit(vault / "epsilon.md", "twice a day", "three times a day")
    report, rendered = _build(vault)
    assert rendered == Counter({"epsilon.md": 2, "beta.md": 2})
    assert _up_to_date(report) == {"news": False, "meta": False}
    atom = (vault / "_publish/news/atom.xml").read_text(encoding="utf-8")
    beta = next(entry for entry in atom.split("<entry>") if "<title>Beta</title>" in entry)
    assert "three times a day" in beta  # Beta embeds Epsilon


def test_a_feed_after_an_edit_lowers_for_mail_only_the_notes_rendered_again(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mail-safe HTML is kept with each rendering: the feed of five notes rewritten
    after one edit makes it again for the edited note and the note that embeds it."""
    import notepress.exporters.feed.mail as mail

    _build(vault)
    lowered: list[str] = []
    lower = mail.lower_for_mail

    def counted(html: str) -> str:
        lowered.append(html)
        return lower(html)

    monkeypatch.setattr(mail, "lower_for_mail", counted)
    _edit(vault / "epsilon.md", "twice a day", "three times a day")
    _build(vault)
    assert len(lowered) == 2
    assert all("three times a day" in html for html in lowered)


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The questions kept renderings ask the vault again, by kind."""
    import notepress.markdown.memo as memo

    kinds: Counter[str] = Counter()
    ask = memo._ask

    def counted(kind: str, *args: Any) -> Any:
        kinds[kind] += 1
        return ask(kind, *args)

    monkeypatch.setattr(memo, "_ask", counted)
    return kinds


def test_after_an_edit_no_other_note_sees_kept_renderings_resolve_no_link_again(
    vault: Path, asked: Counter[str]
) -> None:
    """Which note a link names is a function of the vault's shape, which a body edit leaves
    as it was: a kept rendering asks again only what the shape does not hold (the text of
    a note it embeds); after a title changes the shape, every question is asked again, and
    the renderings that still hold are kept under the new shape."""
    _build(vault)
    _edit(vault / "delta.md", "Cable labels", "Cable tags")
    _report, rendered = _build(vault)
    assert rendered == Counter({"delta.md": 2})
    assert asked["resolve"] == 0 and asked["content"] > 0  # Beta embeds Epsilon
    _edit(vault / "gamma.md", "title: Gamma", "title: Gamma Oven")
    _build(vault)
    assert asked["resolve"] > 0
    asked.clear()
    _edit(vault / "delta.md", "Cable tags", "Cable marks")
    _report, rendered = _build(vault)
    assert rendered == Counter({"delta.md": 2})
    assert asked["resolve"] == 0
    cold = vault.parent / "cold"
    notepress.load_project(vault, output=cold, cache=False).build()
    assert _output_files(vault / "_publish") == _output_files(cold)


def test_a_new_title_renders_again_the_notes_that_link_to_it(vault: Path) -> None:
    _build(vault)
    _edit(vault / "gamma.md", "title: Gamma", "title: Gamma Oven")
    _report, rendered = _build(vault)
    # Alpha links to Gamma; its link's URL is made from the title's slug.
    assert rendered == Counter({"gamma.md": 2, "alpha.md": 2})
    atom = (vault / "_publish/news/atom.xml").read_text(encoding="utf-8")
    assert "notes/gamma-oven/" in atom


def test_an_edit_to_a_note_no_target_selects_leaves_every_target_as_it_is(vault: Path) -> None:
    _build(vault)
    before = _states(vault / "_publish")
    _edit(vault / "private.md", "Not for anyone.", "Still not for anyone.")
    report, rendered = _build(vault)
    assert rendered == Counter()
    assert _up_to_date(report) == {"news": True, "meta": True}
    assert _states(vault / "_publish") == before


def test_an_option_or_a_file_a_target_reads_rewrites_that_target_only(vault: Path) -> None:
    _build(vault)
    meta = {k: v for k, v in _states(vault / "_publish").items() if k.startswith("meta/")}
    config = vault / "notepress.toml"
    _edit(config, 'stylesheet = "feed.xsl"', 'stylesheet = "feed.xsl"\ntitle = "Loaves"')
    report, rendered = _build(vault)
    assert _up_to_date(report) == {"news": False, "meta": True}
    assert rendered == Counter()  # the renderings do not depend on the feed's title
    assert "Loaves" in (vault / "_publish/news/atom.xml").read_text(encoding="utf-8")

    (vault / "feed.xsl").write_text(XSL.format("a new look"), encoding="utf-8")
    report, rendered = _build(vault)
    assert _up_to_date(report) == {"news": False, "meta": True}
    assert "a new look" in (vault / "_publish/news/feed.xsl").read_text(encoding="utf-8")
    after = {k: v for k, v in _states(vault / "_publish").items() if k.startswith("meta/")}
    assert after == meta


def test_a_target_folder_changed_by_hand_is_written_again(vault: Path) -> None:
    _build(vault)
    (vault / "_publish/news/rss.xml").unlink()
    report, rendered = _build(vault)
    assert _up_to_date(report) == {"news": False, "meta": True}
    assert rendered == Counter()
    assert (vault / "_publish/news/rss.xml").is_file()


def _same_size_other_text(path: Path) -> None:
    """An edit of the same size, however soon after the build: its time moves on."""
    info = path.stat()
    path.write_bytes(path.read_bytes().replace(b"Alpha", b"Alfa!"))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000))


def _other_size(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b"\n")


@pytest.mark.parametrize("change", [_same_size_other_text, _other_size])
def test_a_target_file_edited_by_hand_is_written_again(
    vault: Path, change: Callable[[Path], None]
) -> None:
    _build(vault)
    feed = vault / "_publish/news/atom.xml"
    before = feed.read_bytes()
    change(feed)
    assert feed.read_bytes() != before
    report, _ = _build(vault)
    assert _up_to_date(report) == {"news": False, "meta": True}
    assert feed.read_bytes() == before


def test_a_target_left_as_it_was_is_not_read_back(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its files still list the sizes and times the build left, so only its manifest is
    read: a target of a file per note read every one back after each edit, the largest
    part of a rebuild under ``watch`` (3,000 notes: 0.5 of 0.9 s)."""
    _build(vault)
    _edit(vault / "private.md", "Not for anyone.", "Still not for anyone.")
    read: list[str] = []
    digest = notepress.output.file_sha256

    def counting(path: Path) -> str:
        read.append(path.name)
        return digest(path)

    monkeypatch.setattr(notepress.output, "file_sha256", counting)
    report, _ = _build(vault)
    assert _up_to_date(report) == {"news": True, "meta": True}
    assert sorted(read) == [MANIFEST, MANIFEST]


def test_without_the_cache_every_note_is_rendered_and_the_file_is_not_touched(
    vault: Path,
) -> None:
    _build(vault)
    cache = cache_path(vault / "_publish")
    state = cache.stat().st_mtime_ns, cache.read_bytes()
    report, rendered = _build(vault, cache=False)
    assert sum(rendered.values()) == 10
    assert _up_to_date(report) == {"news": False, "meta": False}
    assert (cache.stat().st_mtime_ns, cache.read_bytes()) == state


def test_the_cache_keeps_private_text_out_of_the_output_folder(vault: Path) -> None:
    """It holds every note's text, drafts included; the output folder is what gets
    published, so the cache lives in the user's cache folder, readable by its owner."""
    _build(vault)
    output = vault / "_publish"
    for folder, _dirs, files in os.walk(output):
        for name in files:
            assert b"Not for anyone" not in Path(folder, name).read_bytes(), name
    cache = cache_path(output)
    assert not cache.is_relative_to(output.resolve())
    assert b"Not for anyone" in cache.read_bytes()  # the draft is parsed once, like the rest
    assert cache.stat().st_mode & 0o777 == 0o600
    assert str(cache.parent.parent) == os.environ["NOTEPRESS_CACHE"]


def test_the_command_line_builds_without_the_cache_and_cleans_it(vault: Path) -> None:
    done = run_cli("build", vault, "--no-cache")
    assert done.code == 0, done.stderr
    assert not cache_path(vault / "_publish").exists()
    assert run_cli("build", vault).code == 0
    again = run_cli("build", vault)
    assert "news (feed, 5 notes) up to date" in again.stdout
    kept = snapshot(vault / "_publish/news")
    cleaned = run_cli("clean", vault)
    assert cleaned.code == 0, cleaned.stderr
    assert cache_path(vault / "_publish").name in cleaned.stdout
    assert not cache_path(vault / "_publish").exists()
    assert snapshot(vault / "_publish/news") == kept  # target folders are not the cache


def test_a_target_renders_only_the_notes_it_selects(tmp_path: Path) -> None:
    files = {
        f"n{i:02d}.md": note_text(
            f"Loaf {i}", f"Crumb {i}. See [[n{(i + 1) % 45:02d}]].\n", tags=["bread"]
        ).replace("created: 2023-03-06", f"created: 2023-01-01T{i // 4:02d}:{i % 4:02d}:00")
        for i in range(45)
    }
    config = CONFIG.replace('stylesheet = "feed.xsl"', "per_tag = true") + "limit = 20\n"
    root = write_vault(tmp_path / "vault", files, config)
    _report, rendered = _build(root, cache=False)
    # The feed and its tag feed show the newest 20 (all notes share the tag); JSON-LD too.
    newest = {f"n{i:02d}.md" for i in range(25, 45)}
    assert rendered == Counter({path: 2 for path in newest})


# a cache that cannot be trusted --------------------------------------------------------


def _garbage(cache: Path) -> None:
    cache.write_bytes(b"\x00not a database at all\xff" * 50)


def _wrong_tables(cache: Path) -> None:
    cache.unlink()
    with sqlite3.connect(cache) as db:
        db.execute("CREATE TABLE parsed (path TEXT, pickle BLOB)")


def _newer_version(cache: Path) -> None:
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE meta SET value = '99.0.0:future' WHERE key = 'notepress'")


def _another_vault(cache: Path) -> None:
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE meta SET value = '/elsewhere/vault' WHERE key = 'vault'")


def _planted_rendering(cache: Path) -> None:
    """Rows that claim other HTML for a note: read, they would change the output."""
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE rendered SET data = replace(data, 'Cable', 'PLANTED')")
        db.execute("UPDATE targets SET key = 'forged'")
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA + 1),))


@pytest.mark.parametrize(
    "spoil", [_garbage, _wrong_tables, _newer_version, _another_vault, _planted_rendering]
)
def test_a_cache_that_cannot_be_trusted_is_discarded_with_a_warning(
    vault: Path, spoil: object
) -> None:
    _, cold = _build(vault, cache=False)
    _build(vault)
    cache = cache_path(vault / "_publish")
    spoil(cache)  # type: ignore[operator]
    report, rendered = _build(vault)
    warnings = [p for p in report.problems if p.code == "cache-discarded"]
    assert len(warnings) == 1, [str(p) for p in report.problems]
    assert str(cache) in warnings[0].message
    assert rendered == cold  # nothing was taken from it
    atom = (vault / "_publish/news/atom.xml").read_text(encoding="utf-8")
    assert "PLANTED" not in atom and "Cable labels" in atom
    again, rendered = _build(vault)  # the new file is sound
    assert rendered == Counter()
    assert not [p for p in again.problems if p.code == "cache-discarded"]


def test_a_rendering_whose_reads_no_longer_hold_is_not_used(vault: Path) -> None:
    """A row of the right shape that is wrong (a build killed between two steps, a hand
    edit): its recorded answers are asked again and disagree, so it is rendered anew."""
    _build(vault)
    cache = cache_path(vault / "_publish")
    with sqlite3.connect(cache) as db:
        rows = db.execute("SELECT rowid, reads FROM rendered WHERE path = 'alpha.md'").fetchall()
        for rowid, reads in rows:
            forged = [[k, a, "elsewhere" if k == "href" else v] for k, a, v in json.loads(reads)]
            db.execute("UPDATE rendered SET reads = ? WHERE rowid = ?", (json.dumps(forged), rowid))
        db.execute("DELETE FROM targets")
    _report, rendered = _build(vault)
    assert rendered == Counter({"alpha.md": 2})


def test_a_note_that_left_the_vault_leaves_the_cache(vault: Path) -> None:
    """Its parse, renderings and checks go with it; every other note keeps its rows."""

    def paths(table: str) -> set[str]:
        with sqlite3.connect(cache_path(vault / "_publish")) as db:
            return {path for (path,) in db.execute(f"SELECT DISTINCT path FROM {table}")}

    _build(vault)
    before = {table: paths(table) for table in ("parsed", "rendered", "checks")}
    assert all("delta.md" in found for found in before.values()), before
    (vault / "delta.md").unlink()
    _build(vault)
    for table, found in before.items():
        assert paths(table) == found - {"delta.md"}, table


# the cache holds data, read back whole -------------------------------------------------


def _same_types(first: object, second: object) -> bool:
    """Equal and of the same types all the way down (``1 == 1.0`` is not enough)."""
    if type(first) is not type(second):
        return False
    if isinstance(first, dict):
        assert isinstance(second, dict)
        return list(first) == list(second) and all(
            _same_types(first[k], second[k]) and _same_types(k, k2)
            for k, k2 in zip(first, second, strict=True)
        )
    if isinstance(first, list | tuple):
        assert isinstance(second, list | tuple)
        return len(first) == len(second) and all(
            _same_types(a, b) for a, b in zip(first, second, strict=True)
        )
    if isinstance(first, datetime):
        assert isinstance(second, datetime)
        return first == second and first.tzinfo == second.tzinfo and first.fold == second.fold
    return first == second


def test_every_field_of_a_note_survives_the_cache() -> None:
    text = note_text(
        "Crumb ledger",
        "# Crumb ledger\n\n## Oven\n\nA line with a [[link#Oven|alias]] and ![[pic.png]].\n"
        "A paragraph with a block. ^blk1\n\n$\\frac{1}{$ and bad [[nowhere]]\n",
        note_id="230306GN01",
        updated="2023-03-07 10:30",
        tags=["bread", "oven"],
        extra="""
        keywords: [rye, wheat]
        aliases: [Ledger]
        cssclasses: wide
        description: Loaves
        count: 12345678901234567890
        ratio: 0.1
        flag: true
        nothing: null
        day: 2021-02-03
        moment: 2021-02-03T04:05:06+05:30
        naive: 2021-02-03 04:05:06
        blob: !!binary aGVsbG8=
        nested: {1: [a, {b: 2.0}], c: {d: 2021-02-03}}
        basket: !!set {x, y}
        """,
    )
    settings = ParseSettings(timezone=ZoneInfo("Europe/Berlin"))
    note = parse_note(PurePosixPath("folder/ledger.md"), text.encode("utf-8"), settings)
    note = replace(note, slug="crumb-ledger", updated_from="updated")
    for item in fields(note):
        assert getattr(note, item.name) or item.name == "draft", f"{item.name} left empty"
    back = note_from_data(json.loads(json.dumps(note_to_data(note))))
    columns, prints = notes_to_columns([note, replace(note, path=PurePosixPath("b.md"))])
    in_columns = notes_from_columns(json.loads(json.dumps(columns)))
    assert in_columns == (note, replace(note, path=PurePosixPath("b.md")))
    assert prints[0] == fingerprint(note) != prints[1]
    assert back == note
    for item in fields(note):
        assert _same_types(getattr(back, item.name), getattr(note, item.name)), item.name
        assert _same_types(getattr(in_columns[0], item.name), getattr(note, item.name))
    assert back.created is not None and back.created.tzinfo == ZoneInfo("Europe/Berlin")
    assert _same_types(dict(back.extra), dict(note.extra))
    moments = [
        datetime(2021, 3, 28, 2, 30, tzinfo=timezone(timedelta(hours=5, minutes=30), "IST")),
        datetime(2021, 10, 31, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin")),
        datetime(2021, 1, 1, tzinfo=UTC),
    ]
    for moment in moments:
        again = note_from_data(note_to_data(replace(note, created=moment)))
        assert _same_types(again.created, moment)
        assert again.created is not None and again.created.tzname() == moment.tzname()


@pytest.mark.parametrize("nested", ["[" * 500 + "]" * 500, "{a: " * 400 + "1" + "}" * 400])
def test_a_value_nested_hundreds_deep_is_not_cached_and_stops_nothing(
    tmp_path: Path, nested: str
) -> None:
    """Valid YAML, but each level cost the encoder a frame: every cached command ended in
    a RecursionError, and nothing was built."""
    vault = write_vault(
        tmp_path / "vault",
        {
            "hello.md": note_text("Hello", "Words.", note_id="240501GN01"),
            "tree.md": note_text("Tree", "A dump.", draft=True, extra=f"layout: {nested}"),
        },
        '[site]\nurl = "https://notes.example.org/"\n[targets.meta]\nexporter = "jsonld"\n',
    )
    for command in ("build", "build", "check", "list"):
        run = run_cli(command, vault)
        assert run.code == 0 and "Traceback" not in run.output, run.output


def test_every_field_of_a_rendering_survives_the_cache(tmp_path: Path) -> None:
    body = (
        "## Oven\n\nSee [[other#Top]], [a site](https://example.org/page) and "
        "![[pic.png|120]].[^1]\n\n![[talk.mp3]]\n\n"
        + "".join("> " * depth + "deep\n" for depth in range(1, 40))
        + "\n[^1]: A note.\n"
    )
    files = {
        "main.md": note_text("Main", body, note_id="230306GN01"),
        "other.md": note_text("Other", "# Top\n\nText.\n", note_id="230306GN02"),
        "pic.png": b"\x89PNG\r\n\x1a\n",
        "talk.mp3": b"ID3",
    }
    root = write_vault(tmp_path / "vault", files)
    loaded = notepress.load_vault(root)
    note = next(n for n in loaded.notes if n.title == "Main")
    style = UrlLinks(lambda n: f"https://x.example/{n.note_id}/", "https://x.example/a/")
    rendered = render_note(note, loaded, style)
    for item in fields(rendered):
        assert getattr(rendered, item.name), f"the example leaves {item.name} empty"
    notes = {n.path.as_posix(): n for n in loaded.notes}
    data = json.loads(json.dumps(rendered_to_data(rendered)))
    assert rendered_from_data(data, note, notes) == rendered


def test_a_linked_note_outside_the_selection_retyped_by_a_tag_renders_its_linker_again(
    tmp_path: Path, reproducible: int
) -> None:
    """The JSON-LD ``mentions`` type a linked note by its tags: a tag that makes it a
    ``TechArticle`` changes the linking note's document, though the linked note is in no
    selection of the target; the linker alone is rendered again."""
    config = (
        '[site]\nurl = "https://notes.example.org/"\ntitle = "Crumbs"\nnote_url = "n/{slug}/"\n'
        '[targets.meta]\nexporter = "jsonld"\ninclude_tags = ["oven"]\n'
    )
    files: dict[str, str | bytes] = {
        "loaf.md": note_text(
            "Loaf", "Bake it, see [[Starter]].", note_id="240501AA01", tags=["oven"]
        ),
        "starter.md": note_text("Starter", "Feed it.", note_id="240502AA01", tags=["jar"]),
        "crumb.md": note_text("Crumb", "Left over.", note_id="240503AA01", tags=["oven"]),
    }
    root = write_vault(tmp_path / "vault", files, config)
    _build(root)
    _build(root)  # the first build with a cache keeps what it rendered for the next
    starter = root / "starter.md"
    _edit(starter, "  - jar", "  - jar\n  - tech-journal")
    report, rendered = _build(root)
    assert rendered == Counter({"loaf.md": 1})
    assert not report.targets[0].up_to_date
    cold = tmp_path / "cold"
    notepress.load_project(root, output=cold, cache=False).build()
    document = (root / "_publish" / "meta" / "240501AA01.jsonld").read_text(encoding="utf-8")
    assert '"TechArticle"' in document
    assert document == (cold / "meta" / "240501AA01.jsonld").read_text(encoding="utf-8")


# a cached build writes the bytes of a cold one -----------------------------------------


def _output_files(output: Path) -> dict[str, str]:
    return {k: v for k, v in snapshot(output).items() if not k.startswith(".notepress")}


def _cold_and_warm(root: Path, note: Path, targets: list[str] | None = None) -> None:
    """A build without the cache, and a cached one after an edit and its undoing, write the
    same bytes."""
    cold = root.parent / "cold"
    notepress.load_project(root, output=cold, cache=False).build(targets)
    warm = root.parent / "warm"
    notepress.load_project(root, output=warm).build(targets)
    original = note.read_bytes()
    note.write_bytes(original.replace(b"title: ", b"title: Edited ", 1) + b"\nMore text.\n")
    notepress.load_project(root, output=warm).build(targets)
    note.write_bytes(original)
    report = notepress.load_project(root, output=warm).build(targets)
    assert not any(t.up_to_date for t in report.targets)  # built again, from the cache
    assert _output_files(warm) == _output_files(cold)
    assert not cache_path(cold).exists()


def test_a_cached_build_of_a_generated_vault_is_byte_identical_to_a_cold_one(
    tmp_path: Path, reproducible: int
) -> None:
    root = make_synthetic_vault(tmp_path / "vault", 40)
    (root / "notepress.toml").write_text(
        CONFIG.replace('stylesheet = "feed.xsl"', 'content = "full"\nper_tag = true')
        + '\n[targets.all]\nexporter = "feed"\nlimit = 0\n',
        encoding="utf-8",
    )
    _cold_and_warm(root, root / "2015" / "note 00001.md")


def test_a_rendering_with_an_integer_past_64_bits_is_kept_and_used(tmp_path: Path) -> None:
    """An image ``width`` of 23 digits reaches the kept rendering as an integer; it is kept,
    and read back by a target built again, not a failed target."""
    body = 'A picture: <img src="pic.png" width="99999999999999999999999" height="3">\n'
    files: dict[str, str | bytes] = {
        "wide.md": note_text("Wide", body, note_id="240102GN01", created="2024-01-02"),
        "pic.png": PIXEL_PNG,
    }
    config = '[site]\ntitle = "T"\nurl = "https://notes.example.org/"\n\n'
    config += '[targets.news]\nexporter = "feed"\nformats = ["atom"]\n'
    root = write_vault(tmp_path / "vault", files, config)
    first = notepress.load_project(root, output=tmp_path / "out").build()
    assert [t.ok for t in first.targets] == [True], first.targets[0].error
    # Another option: the target is built again from the kept rendering.
    (root / "notepress.toml").write_text(config.replace('["atom"]', '["atom", "rss"]'))
    second = notepress.load_project(root, output=tmp_path / "out").build()
    assert [t.ok for t in second.targets] == [True], second.targets[0].error
    for name in ("atom.xml", "rss.xml"):
        feed = (tmp_path / "out" / "news" / name).read_text(encoding="utf-8")
        assert "99999999999999999999999" in feed


PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f00f0004850180848c9921"
    "0000000049454e44ae426082"
)


def test_digests_write_what_the_fast_encoder_refuses_and_one_text_for_one_value() -> None:
    """orjson refuses integers past 64 bits, keys that are not text and lone surrogates;
    the digests of notes and rows fall back to the stdlib's encoder for them rather than
    fail, and sorted keys give one text for one mapping however it was built."""
    assert json_bytes([2**70, "x"]) == b'[1180591620717411303424,"x"]'
    assert json_bytes({1: "a"}) == b'{"1":"a"}'
    assert json_bytes(["\ud800"]) == '["\ud800"]'.encode("utf-8", "surrogatepass")
    assert json_bytes({"b": 1, "a": [2]}) == b'{"b":1,"a":[2]}'
    assert canonical({"b": 1, "a": [2]}) == canonical({"a": [2], "b": 1}) == '{"a":[2],"b":1}'
    assert canonical({"é": 2**70}) == '{"é":1180591620717411303424}'
