"""Hostile and careless config files: format strings, target names, control characters.

A config error is exit 2 with a message naming the key, never a traceback, and nothing is
written.  Also here: tag feeds with ``limit = 0``, and PDF bytes that do not depend on the
machine's fonts or on the state of its font cache.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
import typing
from pathlib import Path
from typing import Any

import feedparser
import pytest
from pypdf import PdfReader

import notepress
from notepress.config import Site
from notepress.configfile import parse_config
from notepress.errors import ConfigError
from notepress.registry import get_exporter
from tests.conftest import note_text, write_vault

from .support import run_cli

SITE = '[site]\nurl = "https://notes.example.org/"\ntitle = "Crumb"\n'
FEED = '[targets.news]\nexporter = "feed"\n'


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small published vault without a config: each test brings its own with ``-c``."""
    notes = {
        f"notes/n{i}.md": note_text(
            f"Loaf {i}",
            f"Crumb and crust, day {i}.",
            note_id=f"2303{i:02d}GN01",
            created=f"2023-03-{i:02d}",
            tags=["bread"] + (["bikes"] if i % 2 else []),
        )
        for i in range(1, 6)
    }
    return write_vault(tmp_path_factory.mktemp("vault"), notes)


def _refused(vault: Path, folder: Path, config: str) -> str:
    """Run ``build`` with ``config``; assert a clean config error and return its stderr."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notepress.toml").write_text(config, encoding="utf-8")
    run = run_cli("build", vault, "-c", folder / "notepress.toml", timeout=120)
    assert run.code == 2, run.output
    assert "Traceback" not in run.output
    assert "invalid configuration" in run.stderr
    assert not (folder / "_publish").exists(), "a config error must write nothing"
    return run.stderr


def _config_error(data: dict[str, Any]) -> list[str]:
    """The error lines :func:`parse_config` gives for ``data`` (a TOML document as dicts)."""
    with pytest.raises(ConfigError) as caught:
        parse_config(data, root=Path("/nonexistent"), path=None)
    return caught.value.errors


# Item 20: format strings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "said"),
    [
        ("{slug:>99999999999}", "field {slug:>99999999999}: a format spec is not allowed"),
        (
            "{slug.__init__.__globals__}",
            "field {slug.__init__.__globals__}: attribute or index access is not allowed",
        ),
        ("{slug.__class__}", "field {slug.__class__}: attribute or index access"),
    ],
    ids=["huge-width", "globals", "class"],
)
def test_note_url_format_tricks_are_config_errors(
    vault: Path, tmp_path: Path, template: str, said: str
) -> None:
    stderr = _refused(vault, tmp_path, f'{SITE}note_url = "{template}"\n{FEED}')
    assert f"site.note_url: {said}" in stderr


@pytest.mark.parametrize(
    ("template", "said"),
    [
        ("{slug[0]}", "attribute or index access is not allowed, write {slug}"),
        ("{slug!r}", "a conversion is not allowed, write {slug}"),
        ("{slug!s:x}", "a conversion is not allowed"),
        ("{year:04}", "a format spec is not allowed, write {year}"),
        ("{slug:{note_id}}", "a format spec is not allowed"),
        ("{0}", "unknown field {0}"),
        ("{}", "empty field {}"),
        (
            "{nope}/",
            "unknown field {nope} (fields: note_id, slug, path, stem, quartz, year, month, day)",
        ),
        ("notes/{slug", "expected '}' before end of string (write {{ or }} for a literal"),
        ("notes/}{slug}", "Single '}' encountered in format string (write {{ or }}"),
    ],
)
def test_note_url_allows_only_bare_documented_fields(template: str, said: str) -> None:
    errors = _config_error({"site": {"note_url": template}})
    assert len(errors) == 1, errors
    assert errors[0].startswith("site.note_url: "), errors
    assert said in errors[0]


def test_tag_url_of_jsonld_is_checked_by_the_same_rule(vault: Path, tmp_path: Path) -> None:
    config = f'{SITE}[targets.meta]\nexporter = "jsonld"\ntag_url = "tags/{{tag.__class__}}/"\n'
    stderr = _refused(vault, tmp_path, config)
    assert "targets.meta.tag_url: field {tag.__class__}: attribute or index access" in stderr


def test_plain_templates_still_fill_every_field(vault: Path) -> None:
    config = parse_config(
        {"site": {"url": "https://x.example/", "note_url": "{{{year}}}/{month}/{day}/{stem}"}},
        root=vault,
        path=None,
    )
    project = notepress.load_project(vault)
    note = next(n for n in project.vault.notes if n.path.stem == "n3")
    assert config.site.note_url_for(note) == "https://x.example/{2023}/03/03/n3"


# Item 24: target names -------------------------------------------------------------------

BAD_NAMES = {
    "newline": "abc\n",
    "tab": "a\tb",
    "slash": "a/b",
    "parent": "..",
    "dot": ".",
    "hidden": ".partial",
    "empty": "",
    "long": "x" * 65,
    "lookalike": "f\u0435ed",  # CYRILLIC SMALL LETTER IE
    "fullwidth": "\uff46eed",
    "escape": "a\x1b[31m",
    "rtl-override": "a\u202eb",
}


@pytest.mark.parametrize("name", list(BAD_NAMES.values()), ids=list(BAD_NAMES))
def test_bad_target_names_are_refused(name: str) -> None:
    errors = _config_error(
        {"site": {"url": "https://x.example/"}, "targets": {name: {"exporter": "feed"}}}
    )
    assert len(errors) == 1, errors
    assert "a target name is 1 to 64 ASCII letters" in errors[0]
    assert errors[0].isprintable(), "a name is quoted with its control characters escaped"


def test_target_name_errors_print_one_line_each(vault: Path, tmp_path: Path) -> None:
    """``"abc\\n"`` was accepted (``$`` matches before a final newline); names are escaped."""
    tables = "".join(
        f"[targets.{json.dumps(name)}]\nexporter = 'feed'\n" for name in BAD_NAMES.values()
    )
    stderr = _refused(vault, tmp_path, SITE + tables)
    lines = stderr.splitlines()
    assert lines[0].endswith("notepress.toml: invalid configuration")
    assert len(lines) == 1 + len(BAD_NAMES), stderr
    assert any(line.startswith("  targets.abc\\n: a target name is") for line in lines)
    assert "\x1b" not in stderr and "\u202e" not in stderr
    assert any(line.startswith("  targets.a\\tb: ") for line in lines)
    assert any(line.startswith("  targets.xxxxxxxx") and "…" not in line for line in lines)


@pytest.mark.parametrize("pattern", ["!", "\\", "notes\\"], ids=["bang", "backslash", "trailing"])
def test_an_ignore_pattern_no_matcher_can_read_is_a_config_error(
    vault: Path, tmp_path: Path, pattern: str
) -> None:
    """It stopped every command with a traceback from the walk of the vault."""
    stderr = _refused(vault, tmp_path, f"ignore = ['drafts/', {json.dumps(pattern)}]\n{SITE}")
    assert f"ignore[1]: {pattern!r} is not a gitignore pattern" in stderr


def test_good_target_names_still_pass() -> None:
    data = {"site": {"url": "https://x.example/"}, "targets": {}}
    for name in ("a", "x" * 64, "2023.weekly", "news_letter-1", "a..b"):
        data["targets"][name] = {"exporter": "feed"}
    config = parse_config(data, root=Path("/nonexistent"), path=None)
    assert list(config.targets) == ["a", "x" * 64, "2023.weekly", "news_letter-1", "a..b"]


def test_unknown_keys_and_build_targets_are_escaped(vault: Path, tmp_path: Path) -> None:
    errors = _config_error({"site": {"url": "https://x.example/", "ti\ntle": "x"}})
    assert errors[0].startswith("site.ti\\ntle: unknown key"), errors
    (tmp_path / "notepress.toml").write_text(SITE + FEED, encoding="utf-8")
    run = run_cli("build", vault, "-c", tmp_path / "notepress.toml", "-t", "news\nerror: forged")
    assert run.code == 2, run.output
    assert "unknown target: news\\nerror: forged" in run.stderr
    assert not any(line.startswith("error: forged") for line in run.stderr.splitlines())
    assert not (tmp_path / "_publish").exists()


# Item 12: control characters in config text ------------------------------------------------


def _text_options() -> list[tuple[str, str, str]]:
    """``(exporter or "site", key, hint)`` of every text option a config can set."""
    found = []
    for name in ("site", "feed", "pdf", "epub", "jsonld"):
        options = Site if name == "site" else get_exporter(name).Options
        hints = typing.get_type_hints(options)
        for field in dataclasses.fields(options):
            hint = hints[field.name]
            origin, args = typing.get_origin(hint), typing.get_args(hint)
            if hint is str:
                found.append((name, field.name, "str"))
            elif origin is tuple and args[0] is str:
                found.append((name, field.name, "list"))
            elif origin is dict and args[1] is str:
                found.append((name, field.name, "table"))
    for key in ("include_tags", "exclude_tags"):
        found.append(("feed", key, "list"))
    return found


TEXT_OPTIONS = _text_options()


def test_every_text_option_is_covered() -> None:
    keys = {(where, key) for where, key, _ in TEXT_OPTIONS}
    for expected in [("site", "title"), ("site", "author"), ("site", "description"),
                     ("feed", "title"), ("epub", "title"), ("epub", "author"),
                     ("pdf", "title"), ("jsonld", "publisher"), ("jsonld", "tag_url")]:  # fmt: skip
        assert expected in keys
    assert len(keys) > 30


#: C0 controls, DEL, a C1 control and an XML non-character; each option gets one in turn.
CONTROLS = ["\x00", "\x0b", "\x1b", "\x7f", "\x85", "\ufffe"]


@pytest.mark.parametrize(
    ("where", "key", "kind", "char"),
    [(*option, CONTROLS[i % len(CONTROLS)]) for i, option in enumerate(TEXT_OPTIONS)],
    ids=[f"{w}.{k}" for w, k, _ in TEXT_OPTIONS],
)
def test_control_characters_in_any_text_option_are_config_errors(
    where: str, key: str, kind: str, char: str
) -> None:
    value: Any = f"ab{char}c"
    if kind == "list":
        value = ["fine", value]
    elif kind == "table":
        value = {"fine": value}
    data: dict[str, Any] = {"site": {"url": "https://x.example/"}}
    if where == "site":
        data["site"][key] = value
        path = f"site.{key}"
    else:
        data["targets"] = {"t": {"exporter": where, key: value}}
        path = f"targets.t.{key}"
    errors = _config_error(data)
    mine = [e for e in errors if e.startswith(f"{path}: ")]
    assert mine, errors
    assert "a control character" in mine[0]
    assert "at character 3" in mine[0]
    assert all(e.isprintable() for e in errors)


def test_line_breaks_only_where_an_option_is_multiline() -> None:
    data = {
        "site": {"url": "https://x.example/", "title": "two\nlines", "description": "one\ntwo"},
        "targets": {"b": {"exporter": "epub", "description": "a\n\tb", "author": "a\tb"}},
    }
    errors = _config_error(data)
    assert [e.split(":")[0] for e in errors] == ["site.title", "targets.b.author"]
    assert "a line break (\\n) at character 4" in errors[0]


def test_control_character_in_site_title_stops_the_build(vault: Path, tmp_path: Path) -> None:
    """A vertical tab in the title made the EPUB fail ("nav.xhtml not well-formed")."""
    config = (
        '[site]\nurl = "https://notes.example.org/"\ntitle = "Crumb\\u000bBook"\n'
        'author = "Mara\\u001b[31m"\n[targets.book]\nexporter = "epub"\n'
    )
    stderr = _refused(vault, tmp_path, config)
    assert "site.title: a control character (\\x0b) at character 6 of 'Crumb\\x0bBook'" in stderr
    assert "site.author: a control character (\\x1b)" in stderr
    assert "\x1b" not in stderr and "\x0b" not in stderr


# Item 22: tag feeds with limit = 0 ---------------------------------------------------------


@pytest.fixture(scope="module")
def tag_feeds(vault: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tagfeeds")
    config = folder / "notepress.toml"
    config.write_text(
        SITE
        + '[targets.all]\nexporter = "feed"\nper_tag = true\nlimit = 0\n'
        + 'formats = ["atom", "rss", "json"]\n'
        + '[targets.two]\nexporter = "feed"\nper_tag = true\nlimit = 2\n',
        encoding="utf-8",
    )
    report = notepress.load_project(vault, config).build()
    assert not report.has_errors, report.all_problems()
    return folder / "_publish"


def _entries(path: Path) -> list[str]:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    return [entry.title for entry in parsed.entries]


@pytest.mark.parametrize("feed", ["atom.xml", "rss.xml"])
def test_limit_zero_gives_tag_feeds_every_note_of_the_tag(tag_feeds: Path, feed: str) -> None:
    out = tag_feeds / "all"
    assert _entries(out / feed) == [f"Loaf {i}" for i in (5, 4, 3, 2, 1)]
    assert _entries(out / "tags/bread" / feed) == [f"Loaf {i}" for i in (5, 4, 3, 2, 1)]
    assert _entries(out / "tags/bikes" / feed) == ["Loaf 5", "Loaf 3", "Loaf 1"]


def test_limit_zero_json_tag_feed(tag_feeds: Path) -> None:
    items = json.loads((tag_feeds / "all/tags/bikes/feed.json").read_text("utf-8"))["items"]
    assert [item["title"] for item in items] == ["Loaf 5", "Loaf 3", "Loaf 1"]


def test_a_positive_limit_still_caps_each_tag_feed(tag_feeds: Path) -> None:
    assert _entries(tag_feeds / "two/tags/bread/atom.xml") == ["Loaf 5", "Loaf 4"]
    assert _entries(tag_feeds / "two/tags/bikes/atom.xml") == ["Loaf 5", "Loaf 3"]


# Item 25: PDF bytes independent of the machine's fonts -------------------------------------

_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>{dirs}<cachedir>{cache}</cachedir></fontconfig>
"""


@pytest.mark.slow
def test_pdf_bytes_do_not_depend_on_fonts_or_font_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """Two builds in child processes: the machine's own font setup (warm cache), and a cold
    cache over the system fonts without their alias rules (so "monospace" or "serif" mean
    whatever font sorts first).  The PDFs are the same bytes.  A machine without a single
    font is test_pdf_fonts.py's."""
    body = """
        Plain **bold**, *italic*, ***both***, `code` and a [[Loaf two]] link.
        Ελληνικά, русский, Ærøskøbing — “quoted” ½.

        ```python
        def rise(dough):
            return dough * 2  # overnight
        ```

        - [ ] shape
        - [x] proof

        Crust.[^1]

        [^1]: A footnote.
    """
    root = write_vault(
        tmp_path / "vault",
        {
            "one.md": note_text("Loaf one", body, note_id="230306GN01"),
            "two.md": note_text("Loaf two", "## Crumb\n\nOpen.", note_id="230307GN01"),
        },
        '[site]\ntitle = "Crumb"\nauthor = "Mara"\n[targets.digest]\nexporter = "pdf"\n',
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    # The bundled fonts are copied to a temporary folder per render.  A short folder: the
    # worker processes' sockets live there too, and a socket path has ~100 bytes at most.
    temp = Path(tempfile.mkdtemp(prefix="np-fonts-"))
    request.addfinalizer(lambda: shutil.rmtree(temp, ignore_errors=True))
    monkeypatch.setenv("TMPDIR", str(temp))
    system_fonts = "".join(
        f"<dir>{d}</dir>" for d in ("/usr/share/fonts", "/usr/local/share/fonts")
    )
    cache = tmp_path / "cache-cold-no-rules"
    cache.mkdir()
    conf = tmp_path / "cold-no-rules.conf"
    conf.write_text(_FONTCONFIG.format(dirs=system_fonts, cache=cache), encoding="utf-8")
    setups: dict[str, dict[str, str]] = {
        "warm": {},
        "cold-no-rules": {"FONTCONFIG_FILE": str(conf), "XDG_CACHE_HOME": str(cache)},
    }
    pdfs = {}
    for name, env in setups.items():
        with monkeypatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            run = run_cli("build", root, "-o", tmp_path / name, timeout=300)
        assert run.code == 0, (name, run.stderr[-3000:])
        pdfs[name] = (tmp_path / name / "digest" / "digest.pdf").read_bytes()
    assert list(temp.iterdir()) == [], "every render's temporary fonts are removed"
    assert pdfs["cold-no-rules"] == pdfs["warm"]
    fonts = set()
    for page in PdfReader(tmp_path / "warm" / "digest" / "digest.pdf").pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[1])
    assert fonts >= {"Notepress-Serif", "Notepress-Serif-Bold", "Notepress-Mono", "Notepress-Sans"}
    assert all(font.startswith("Notepress-") for font in fonts), fonts
    assert len(pdfs["warm"]) < 60_000, "fonts are embedded as subsets"
