"""Safe defaults: an unset or local site.url, future-dated notes, and targets that need only
their own settings."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import feedparser
import pytest

import notepress
from notepress.cli import commented_config, main
from notepress.errors import ConfigError

from .conftest import note_text, write_vault

NOW = 1_700_000_000  # 2023-11-14 22:13:20 UTC

WHY = (
    "set url in [site] to the public address before publishing: item ids derive from it, "
    "and changing it later makes feed readers show every item again as new"
)
MISSING = (
    "warning[site-url-missing]: site.url is not set, so this target builds for a local "
    f"preview at http://localhost:8000/; {WHY}"
)


def local(url: str) -> str:
    return f"site.url {url!r} is a local or example address; {WHY}"


NOTES = {
    "past.md": note_text("Past note", "Old enough.", note_id="230306GN01"),
    "soon.md": note_text("Soon", "Next summer.", note_id="300601GN01", created="2030-06-01"),
    "far.md": note_text("Far", "A long way off.", note_id="990101GN01", created="2099-01-01"),
}


@pytest.fixture(autouse=True)
def _now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(NOW))


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def lines(text: str) -> list[str]:
    """The messages of a run, without the progress lines a build prints as each step starts."""
    return [line for line in text.splitlines() if not _PROGRESS.fullmatch(line)]


_PROGRESS = re.compile(r"(loading|building) .*\.\.\.")


# -- site.url ---------------------------------------------------------------------------


def test_init_leaves_the_url_unset_and_explains_it() -> None:
    template = commented_config()
    assert "site" in tomllib.loads(template)
    assert "url" not in tomllib.loads(template)["site"]
    assert (
        "# The public address the outputs will be read at, such as https://notes.example.org/\n"
        "# Feed item ids and JSON-LD ids derive from it: set it once, before publishing, since\n"
        "# changing it later makes every feed reader show every item again as new. Until it is\n"
        "# set, feed and jsonld targets are built for a local preview (http://localhost:8000/)\n"
        "# with a warning, and --strict refuses to build them.\n"
        '# url = ""\n'
    ) in template


def test_init_then_build_works_and_says_what_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_vault(tmp_path / "vault", {"past.md": NOTES["past.md"]})
    code, out, _err = run(capsys, "init", root)
    assert code == 0
    assert lines(out)[-1] == (
        "before publishing a feed or JSON-LD, set url in [site] to the public address: "
        "item ids derive from it (until then they build for a local preview)"
    )
    code, _out, err = run(capsys, "build", root, "-t", "newsletter", "-t", "metadata")
    assert code == 0, err
    assert f"targets.newsletter: {MISSING}" in lines(err)
    assert f"targets.metadata: {MISSING}" in lines(err)
    atom = (root / "_publish" / "newsletter" / "atom.xml").read_text(encoding="utf-8")
    assert "tag:localhost,2023-03-06:" in atom
    # --strict refuses what would publish preview ids, before anything is written.
    output = tmp_path / "strict"
    code, _out, err = run(capsys, "build", "--strict", root, "-o", output, "-t", "newsletter")
    assert code == 2
    assert f"  targets.newsletter: {MISSING.split(': ', 1)[1]} (--strict refuses this)" in lines(
        err
    )
    assert not output.exists()


@pytest.mark.slow
def test_init_then_build_builds_every_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_vault(tmp_path / "vault", {"past.md": NOTES["past.md"]})
    assert run(capsys, "init", root)[0] == 0
    code, out, err = run(capsys, "build", root)
    assert code == 0, err
    for name in ("newsletter", "digest", "archive", "metadata"):
        assert f"{name} (" in out
    assert "4 targets built, 0 failed; 0 errors" in err


def feed_config(url: str, exporter: str = "feed") -> str:
    return f'[site]\ntitle = "T"\nurl = "{url}"\n\n[targets.out]\nexporter = "{exporter}"\n'


@pytest.mark.parametrize(
    ("url", "exporter"),
    [
        ("http://localhost:8000/", "feed"),
        ("https://example.com/", "feed"),
        ("https://notes.example.com/", "jsonld"),
        ("https://blog.test/", "feed"),
        ("https://site.invalid/", "jsonld"),
        ("https://notes.example/", "feed"),
        ("http://127.0.0.1:8000/", "jsonld"),
        ("http://[::1]/", "jsonld"),
    ],
)
def test_a_local_site_url_warns_loudly_and_strict_refuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, exporter: str
) -> None:
    root = write_vault(
        tmp_path / "vault", {"past.md": NOTES["past.md"]}, feed_config(url, exporter)
    )
    code, _out, err = run(capsys, "build", root)
    assert code == 0, err
    assert f"targets.out: warning[site-url-local]: {local(url)}" in lines(err)
    code, out, err = run(capsys, "check", "--strict", root)
    assert code == 1
    assert f"targets.out: error[site-url-local]: {local(url)}" in lines(out)
    output = tmp_path / "strict"
    code, _out, err = run(capsys, "build", "--strict", root, "-o", output)
    assert code == 2
    assert lines(err) == [
        f"notepress: {root / 'notepress.toml'}: invalid configuration",
        f"  targets.out: {local(url)} (--strict refuses this)",
    ]
    assert not output.exists()


@pytest.mark.parametrize("exporter", ["feed", "jsonld"])
def test_a_local_base_url_is_held_to_the_rule_of_site_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], exporter: str
) -> None:
    """The target's ids derive from its base_url: a preview address there shipped ids
    naming localhost, even under --strict."""
    base = "http://localhost:8000/out/"
    config = feed_config("https://notes.realsite.org/", exporter) + f'base_url = "{base}"\n'
    root = write_vault(tmp_path / "vault", {"past.md": NOTES["past.md"]}, config)
    said = f"base_url {base!r} is a local or example address; set it to the public address"
    code, _out, err = run(capsys, "build", root)
    assert code == 0, err
    assert any(
        line.startswith(f"targets.out: warning[site-url-local]: {said}") for line in lines(err)
    )
    output = tmp_path / "strict"
    code, _out, err = run(capsys, "build", "--strict", root, "-o", output)
    assert code == 2 and not output.exists()
    assert any(said in line and "(--strict refuses this)" in line for line in lines(err))


def test_a_public_url_gives_no_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = feed_config("https://notes.example.org/")
    root = write_vault(tmp_path / "vault", {"past.md": NOTES["past.md"]}, config)
    code, _out, err = run(capsys, "build", "--strict", root)
    assert code == 0, err
    assert "site-url" not in err


def test_a_private_copy_needs_no_url(tmp_path: Path) -> None:
    """Only targets that write ids from the URL are concerned: a PDF or a book is not."""
    config = '[targets.book]\nexporter = "epub"\n[targets.print]\nexporter = "pdf"\n'
    root = write_vault(tmp_path / "vault", {"past.md": NOTES["past.md"]}, config)
    project = notepress.load_project(root, strict=True)
    assert [p for p in project.problems() if p.code.startswith("site-url")] == []


# -- future-dated notes -------------------------------------------------------------------

NEWS = (
    '[site]\ntitle = "T"\nurl = "https://notes.example.org/"\n\n'
    '[targets.news]\nexporter = "feed"\nformats = ["atom"]\n'
)
HELD = (
    "targets.news: warning[future-notes]: 2 notes dated after this build are held back until "
    "their dates (the next on 2030-06-01); build with --future or set future = true on the "
    "target to publish them now"
)


def feed_of(root: Path, output: str = "_publish") -> feedparser.FeedParserDict:
    return feedparser.parse((root / output / "news" / "atom.xml").read_bytes())


def test_future_notes_wait_for_their_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_vault(tmp_path / "vault", NOTES, NEWS)
    code, _out, err = run(capsys, "build", root)
    assert code == 0, err
    assert HELD in lines(err)
    feed = feed_of(root)
    assert [entry.title for entry in feed.entries] == ["Past note"]
    assert feed.feed.updated.startswith("2023-03-06")  # never 2099
    code, out, err = run(capsys, "check", root)
    assert code == 0 and HELD in lines(out)
    code, out, _err = run(capsys, "targets", root)
    assert "  1 note  ->" in out


def test_a_future_note_appears_once_its_day_has_come(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_vault(tmp_path / "vault", NOTES, NEWS)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1906502400")  # 2030-06-01 00:00 UTC
    code, _out, err = run(capsys, "build", root)
    assert code == 0, err
    assert (
        "targets.news: warning[future-notes]: 1 note dated after this build is held back until "
        "its date (the next on 2099-01-01); build with --future or set future = true on the "
        "target to publish them now"
    ) in lines(err)
    assert [entry.title for entry in feed_of(root).entries] == ["Soon", "Past note"]


def test_future_flag_and_key_publish_them_now(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_vault(tmp_path / "vault", NOTES, NEWS)
    code, _out, err = run(capsys, "build", "--future", root)
    assert code == 0 and "future-notes" not in err
    feed = feed_of(root)
    assert [entry.title for entry in feed.entries] == ["Far", "Soon", "Past note"]
    assert feed.feed.updated.startswith("2099-01-01")
    keyed = write_vault(tmp_path / "keyed", NOTES, NEWS + "future = true\n")
    code, _out, err = run(capsys, "build", keyed)
    assert code == 0 and "future-notes" not in err
    assert len(feed_of(keyed).entries) == 3


def test_links_and_embeds_show_nothing_of_a_note_before_its_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "See [[Soon]] and the plan:\n\n![[Far]]\n"
    notes = {**NOTES, "past.md": note_text("Past note", body, note_id="230306GN01")}
    config = NEWS.replace('title = "T"\n', 'title = "T"\nnote_url = "n/{slug}/"\n')
    root = write_vault(tmp_path / "vault", notes, config)
    assert run(capsys, "build", root)[0] == 0
    content = feed_of(root).entries[0].content[0].value
    assert "Soon" in content and "n/soon/" not in content
    assert "A long way off" not in content
    assert run(capsys, "build", root, "--future")[0] == 0
    content = feed_of(root).entries[-1].content[0].value
    assert "n/soon/" in content and "A long way off" in content


def test_the_api_holds_back_by_the_given_now(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    root = write_vault(tmp_path / "vault", NOTES, NEWS)
    target = notepress.load_project(root).config.target("news")
    project = notepress.load_project(root, now=datetime(2031, 1, 1, tzinfo=UTC))
    assert [note.title for note in project.selected(target)] == ["Past note", "Soon"]
    assert len(notepress.load_project(root, future=True).selected(target)) == 3


# -- each target needs only its own settings -----------------------------------------------

MIXED = """
[site]
title = "T"
url = "https://notes.example.org/"

[targets.news]
exporter = "feed"
formats = []

[targets.meta]
exporter = "jsonld"
"""
BROKEN = {**NOTES, "broken.md": "---\ntitle: [unclosed\ndraft: false\n---\nbody\n"}


def test_building_one_target_needs_only_its_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_vault(tmp_path / "vault", NOTES, MIXED)
    code, _out, err = run(capsys, "build", root, "-t", "meta")
    assert code == 0, err
    assert (root / "_publish" / "meta" / "index.jsonld").is_file()
    assert "news" not in err
    for args in ((), ("-t", "news")):
        output = tmp_path / f"out{len(args)}"
        code, _out, err = run(capsys, "build", root, "-o", output, *args)
        assert code == 2
        assert lines(err) == [
            f"notepress: {root / 'notepress.toml'}: invalid configuration",
            "  targets.news.formats: name at least one of atom, rss, json",
        ]
        assert not output.exists()


def test_check_reports_a_target_problem_as_that_targets_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_vault(tmp_path / "vault", BROKEN, MIXED)
    code, out, err = run(capsys, "check", root)
    assert code == 1
    assert lines(out)[:2] == [
        f"{root / 'broken.md'}:2: error[frontmatter-yaml]: frontmatter is not valid YAML: did "
        "not find expected ',' or ']' (parsing a flow sequence from line 2)",
        "targets.news.formats: error[target-config]: name at least one of atom, rss, json",
    ]
    assert lines(err) == ["4 notes, 2 errors, 2 warnings"]
    # Listing the notes and the targets does not depend on any target's settings either.
    assert run(capsys, "list", root)[0] == 0
    code, out, _err = run(capsys, "targets", root)
    assert code == 0 and out.startswith("news ")


def test_the_api_checks_the_targets_it_is_asked_for(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "vault", NOTES, MIXED)
    with pytest.raises(ConfigError) as caught:
        notepress.load_project(root)  # every target, as before
    assert caught.value.errors == ["targets.news.formats: name at least one of atom, rss, json"]
    project = notepress.load_project(root, targets=["meta"])
    assert project.config.target_problems == {
        "news": ("targets.news.formats: name at least one of atom, rss, json",)
    }
    with pytest.raises(ConfigError):
        project.build(["news"])
    assert [target.name for target in project.build(["meta"]).targets] == ["meta"]


@pytest.mark.slow
def test_a_digest_builds_while_a_feed_lacks_its_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = MIXED.replace('url = "https://notes.example.org/"\n', "") + (
        '\n[targets.digest]\nexporter = "pdf"\n'
    )
    root = write_vault(tmp_path / "vault", NOTES, config)
    code, _out, err = run(capsys, "build", root, "-t", "digest")
    assert code == 0, err
    assert (root / "_publish" / "digest" / "digest.pdf").is_file()
