"""The config file: typed schema, every error named by its key path, validated before any write."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from notepress import ConfigError, default_config, load_config
from notepress.cli import commented_config

from .conftest import SAMPLES


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "notepress.toml"
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return caught.value.errors


def test_samples_config_is_valid() -> None:
    config = load_config(SAMPLES / "notepress.toml")
    assert {t.exporter for t in config.targets.values()} == {"feed", "pdf", "epub", "jsonld"}
    assert config.output == SAMPLES / "_publish"


def test_defaults_and_site_fields(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            """
            [site]
            title = "Notes"
            url = "https://notes.example.org"
            timezone = "Europe/Berlin"
            [targets.book]
            exporter = "epub"
            since = 2023-01-01
            include_tags = ["audio"]
            """.replace("\n            ", "\n"),
        )
    )
    assert config.site.base_url == "https://notes.example.org/"
    assert config.site.host == "notes.example.org"
    target = config.target("book")
    assert target.selection.include_tags == ("audio",)
    assert target.selection.since is not None
    assert target.selection.since.utcoffset() is not None
    assert config.output == tmp_path / "_publish"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        pytest.param(
            '[targets.weekly]\nexporter = "pdf"\ngroup = "fortnight"\n',
            "targets.weekly.group: expected one of",
            id="bad-choice",
        ),
        pytest.param(
            '[targets.weekly]\nexporter = "pdf"\ncolour = "red"\n',
            "targets.weekly.colour: unknown key",
            id="unknown-target-key",
        ),
        pytest.param('[site]\ntitel = "x"\n', "site.titel: unknown key", id="unknown-site-key"),
        pytest.param("outptu = 'x'\n", "outptu: unknown key", id="unknown-top-key"),
        pytest.param(
            '[targets.a]\nexporter = "epub"\nlimit = "ten"\n',
            "targets.a.limit: expected an integer",
            id="wrong-type",
        ),
        pytest.param(
            '[targets.a]\nexporter = "epub"\nlimit = -1\n',
            "targets.a.limit: expected a number of zero or more",
            id="negative",
        ),
        pytest.param(
            '[targets.a]\nexporter = "fax"\n',
            "targets.a.exporter: unknown exporter 'fax'",
            id="unknown-exporter",
        ),
        pytest.param("[targets.a]\nlimit = 3\n", "targets.a.exporter: missing", id="no-exporter"),
        pytest.param(
            '[site]\nurl = "https://x.org/"\n[targets.a]\nexporter = "feed"\ndrafts = true\n',
            "targets.a.drafts: the feed exporter makes public output",
            id="drafts-on-feed",
        ),
        pytest.param(
            '[site]\nurl = "https://x.org/"\n[targets.a]\nexporter = "jsonld"\ndrafts = true\n',
            "targets.a.drafts: the jsonld exporter makes public output",
            id="drafts-on-jsonld",
        ),
        pytest.param(
            '[targets."../up"]\nexporter = "pdf"\n',
            "targets.../up: a target name is",
            id="unsafe-name",
        ),
        pytest.param(
            '[site]\ntimezone = "Mars/Olympus"\n', "site.timezone: unknown timezone", id="timezone"
        ),
        pytest.param(
            '[site]\nurl = "notes.example.org"\n',
            "site.url: expected an absolute http(s) URL",
            id="url",
        ),
        # Each of these stopped every command with a traceback, or was accepted and ended up
        # inside every URL made from it.
        pytest.param(
            '[site]\nurl = "https://[notes.example.org/"\n',
            "site.url: expected an http(s) URL, got 'https://[notes.example.org/' (Invalid IPv6",
            id="url-bracket",
        ),
        pytest.param(
            '[site]\nurl = "https://notes.example.org:99999/"\n',
            "site.url: expected an http(s) URL, got 'https://notes.example.org:99999/' (Port",
            id="url-port",
        ),
        pytest.param(
            '[site]\nurl = "https://notes.example.org/?ref=home#top"\n',
            "site.url: expected an address without ?query or #fragment",
            id="url-query",
        ),
        pytest.param(
            '[site]\nauthor_url = "https://me.example.org:99999/"\n',
            "site.author_url: expected an http(s) URL",
            id="author-url-port",
        ),
        pytest.param(
            '[targets.j]\nexporter = "jsonld"\ntag_url = "https://x.org:70000/tags/{slug}/"\n',
            "targets.j.tag_url: expected an http(s) URL",
            id="jsonld-url-port",
        ),
        pytest.param(
            '[site]\nnote_url = "{nope}/"\n', "site.note_url: unknown field", id="url-template"
        ),
        pytest.param(
            '[site]\nurl = "https://x.org/"\nnote_url = "https://x.org/notes/{slug}/"\n',
            "site.note_url: expected a path after site.url, got the full URL "
            "'https://x.org/notes/{slug}/': write 'notes/{slug}/'",
            id="url-template-absolute",
        ),
        pytest.param(
            '[targets.a]\nexporter = "pdf"\nsince = "last tuesday"\n',
            "targets.a.since: cannot read",
            id="bad-date",
        ),
    ],
)
def test_errors_name_the_key(tmp_path: Path, toml: str, expected: str) -> None:
    assert any(error.startswith(expected) for error in errors_of(tmp_path, toml)), errors_of(
        tmp_path, toml
    )


def test_all_errors_reported_at_once(tmp_path: Path) -> None:
    errors = errors_of(
        tmp_path,
        '[site]\ntitel = 1\n[targets.a]\nexporter = "pdf"\ngroup = 3\n[targets.b]\nexporter = "nope"\n',
    )
    assert len(errors) == 3, errors
    assert [error.split(":")[0] for error in sorted(errors)] == [
        "site.titel",
        "targets.a.group",
        "targets.b.exporter",
    ]


def test_drafts_allowed_on_private_copies(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[targets.a]\nexporter = "pdf"\ndrafts = true\n[targets.b]\nexporter = "epub"\ndrafts = true\n',
        )
    )
    assert config.target("a").selection.drafts and config.target("b").selection.drafts


def test_feed_without_site_url_loads(tmp_path: Path) -> None:
    # Built for a local preview with a warning (tests/test_safe_defaults.py).
    config = load_config(write(tmp_path, '[targets.news]\nexporter = "feed"\n'))
    assert config.site.url == "" and config.target_problems == {}


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, '[site]\ntitle = "unterminated\n'))
    message = str(caught.value)
    assert "notepress.toml" in message and "line 2" in message


def test_default_config_has_one_target_per_exporter(tmp_path: Path) -> None:
    config = default_config(tmp_path)
    assert sorted(t.exporter for t in config.targets.values()) == ["epub", "feed", "jsonld", "pdf"]
    assert config.path is None


def test_init_template_is_valid_config(tmp_path: Path) -> None:
    """What `notepress init` writes loads as it is, and again with every option uncommented.

    Uncommenting proves each commented line names a real option and spells its default in
    valid TOML: the values loaded must be the defaults the schema declares.
    """
    template = commented_config()
    config = load_config(write(tmp_path, template))
    assert len(config.targets) == 4
    option_line = re.compile(r"^# ([a-z_]+) = (.+)$", re.MULTILINE)
    uncommented = option_line.sub(r"\1 = \2", template)
    assert uncommented.count("\n") == template.count("\n")
    assert len(option_line.findall(template)) > 30
    everything = load_config(write(tmp_path, uncommented))
    assert everything.site == config.site
    assert everything.output == config.output
    assert everything.vault == config.vault
    for name, target in everything.targets.items():
        assert target.options == config.targets[name].options, name


def test_until_date_includes_the_whole_day(tmp_path: Path) -> None:
    from notepress.model import Note
    from notepress.selection import select_notes

    config = load_config(write(tmp_path, '[targets.a]\nexporter = "epub"\nuntil = 2023-03-31\n'))
    late = Note(
        path=Path("a.md"),
        title="a",
        note_id="230331GN01",
        draft=False,  # type: ignore[arg-type]
        created=datetime(2023, 3, 31, 22, 0, tzinfo=UTC),
        updated=None,
    )
    after = Note(
        path=Path("b.md"),
        title="b",
        note_id="230401GN01",
        draft=False,  # type: ignore[arg-type]
        created=datetime(2023, 4, 1, 0, 0, tzinfo=UTC),
        updated=None,
    )
    assert select_notes([late, after], config.target("a").selection) == (late,)
    # The last day there is, as an open end: its next day cannot be counted to.
    text = '[targets.a]\nexporter = "epub"\nuntil = 9999-12-31\n'
    config = load_config(write(tmp_path, text))
    chosen = select_notes([late, after], config.target("a").selection)
    assert sorted(note.note_id for note in chosen) == ["230331GN01", "230401GN01"]


def test_an_output_under_the_home_folder_is_read_as_a_shell_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``output = "~/site"`` made a folder named ``~`` beside the config."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "notepress.toml").write_text('output = "~/site"\n', encoding="utf-8")
    config = load_config(tmp_path / "notepress.toml")
    assert config.output == tmp_path / "home" / "site"
    # A user with no home folder here: an error of the key, where it was a traceback.
    (tmp_path / "notepress.toml").write_text('output = "~nobody-here/site"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "notepress.toml")
    assert caught.value.errors == ["output: '~nobody-here/site': no such user's home folder"]


def test_a_config_written_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Some Windows editors start a file with one: the config was refused as invalid TOML
    at line 1, column 1, which named nothing the writer could see."""
    (tmp_path / "notepress.toml").write_bytes(b'\xef\xbb\xbf[site]\ntitle = "Garden"\n')
    assert load_config(tmp_path / "notepress.toml").site.title == "Garden"
