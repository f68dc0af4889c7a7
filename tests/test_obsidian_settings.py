"""Obsidian's own settings (``.obsidian/app.json``, ``templates.json``) and ``[vault]`` over them.

Settings files are Obsidian's: one that is broken or holds a value of the wrong kind is a
warning naming it, and the vault still loads.
"""

from __future__ import annotations

import json
import os
import time
import unicodedata
from pathlib import Path

import pytest

import notepress
from notepress.obsidian import ObsidianSettings
from notepress.vault import Vault, load_vault
from tests.conftest import note_text, write_vault
from tests.hostile.support import run_cli

TEMPLATE = "---\ntitle: {{title}}\ncreated: {{date:YYYY-MM-DD}}\n---\n\n# {{title}}\n"
APP = {
    "newLinkFormat": "relative",
    "attachmentFolderPath": "Files",
    "strictLineBreaks": True,
    "userIgnoreFilters": ["Archive/", "Private plans", "/^scratch-\\d+/"],
    "alwaysUpdateLinks": True,
}
NOTES: dict[str, str | bytes] = {
    "keep.md": note_text("Kept"),
    "Archive/old.md": note_text("Old"),
    "Private plans.md": note_text("Plans"),
    "scratch-12.md": note_text("Scratch"),
    "scratch-note.md": note_text("Not scratch"),
    "Templates/daily.md": TEMPLATE,
    "Drafts/Templates/weekly.md": TEMPLATE,
}


def _vault(
    root: Path, app: object = APP, templates: object = None, config: str | None = None
) -> Path:
    files: dict[str, str | bytes] = dict(NOTES)
    if app is not None:
        files[".obsidian/app.json"] = app if isinstance(app, str) else json.dumps(app)
    if templates is not None:
        files[".obsidian/templates.json"] = (
            templates if isinstance(templates, str) else json.dumps(templates)
        )
    return write_vault(root, files, config)


def _paths(vault: Vault) -> set[str]:
    return {note.path.as_posix() for note in vault.notes}


def _settings_problems(vault: Vault) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in vault.problems if p.code == "obsidian-settings"]


def test_app_and_templates_settings_are_read(tmp_path: Path) -> None:
    vault = load_vault(_vault(tmp_path, templates={"folder": "Templates/"}))
    assert vault.settings == ObsidianSettings(
        new_link_format="relative",
        attachment_folder="Files",
        templates_folder="Templates",
        strict_line_breaks=True,
        ignore=("/Archive", "/Archive.md", "/Private plans", "/Private plans.md"),
        ignore_regexes=("^scratch-\\d+",),
        excluded_by="Obsidian's Excluded files setting (userIgnoreFilters)",
    )
    # Excluded files and the templates folder are never notes; the rest is read.
    assert _paths(vault) == {"keep.md", "scratch-note.md", "Drafts/Templates/weekly.md"}
    assert _settings_problems(vault) == []


def test_the_one_settings_file_of_early_obsidian_is_read_without_app_json(tmp_path: Path) -> None:
    """Obsidian before 0.10 kept ``app.json``'s keys in ``.obsidian/config``; a vault no
    later version opened has only that file, and its strict line breaks joined no line.
    Beside an ``app.json``, which any later Obsidian writes, it is left unread."""
    root = _vault(tmp_path, app=None)
    legacy = root / ".obsidian" / "config"
    legacy.parent.mkdir()
    legacy.write_text(json.dumps(APP), encoding="utf-8")
    vault = load_vault(root)
    assert vault.settings.strict_line_breaks is True
    assert vault.settings.attachment_folder == "Files"
    assert _paths(vault) == {
        "keep.md",
        "scratch-note.md",
        "Drafts/Templates/weekly.md",
        "Templates/daily.md",
    }
    legacy.write_text('{"userIgnoreFilters": 7}', encoding="utf-8")
    assert _settings_problems(load_vault(root)) == [
        (".obsidian/config", "userIgnoreFilters is not a list of text; ignored")
    ]
    (root / ".obsidian" / "app.json").write_text("{}", encoding="utf-8")
    assert load_vault(root).settings.strict_line_breaks is False


def test_vault_keys_override_obsidian(tmp_path: Path) -> None:
    config = """
    [vault]
    templates_folder = "Drafts/Templates"
    attachment_folder = "Media"
    strict_line_breaks = false
    """
    root = _vault(tmp_path, templates={"folder": "Templates"}, config=config)
    vault = notepress.load_project(root).vault
    settings = vault.settings
    assert (settings.templates_folder, settings.attachment_folder) == ("Drafts/Templates", "Media")
    assert settings.strict_line_breaks is False
    assert "Templates/daily.md" in _paths(vault)
    assert "Drafts/Templates/weekly.md" not in _paths(vault)


def test_obsidian_settings_can_be_skipped(tmp_path: Path) -> None:
    root = _vault(tmp_path, app="{broken", config="[vault]\nobsidian_settings = false\n")
    vault = notepress.load_project(root).vault
    assert vault.settings == ObsidianSettings()
    assert {"Archive/old.md", "Private plans.md"} <= _paths(vault)
    assert _settings_problems(vault) == []


@pytest.mark.parametrize(
    ("app", "words"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (b"\xff\xfe{}", "not valid JSON"),
        ({"newLinkFormat": 3}, "newLinkFormat is not text"),
        ({"newLinkFormat": "longest"}, "'longest' is not one of"),
        ({"strictLineBreaks": "yes"}, "strictLineBreaks is not true or false"),
        ({"userIgnoreFilters": "Archive"}, "userIgnoreFilters is not a list"),
        ({"userIgnoreFilters": ["/([/"]}, "is not a regular expression"),
        ({"attachmentFolderPath": ["Files"]}, "attachmentFolderPath is not text"),
    ],
)
def test_broken_app_json_is_a_warning(tmp_path: Path, app: object, words: str) -> None:
    root = _vault(tmp_path, app=None)
    (root / ".obsidian").mkdir()
    target = root / ".obsidian" / "app.json"
    if isinstance(app, bytes):
        target.write_bytes(app)
    else:
        target.write_text(app if isinstance(app, str) else json.dumps(app), encoding="utf-8")
    vault = load_vault(root)
    ((path, message),) = _settings_problems(vault)
    assert path == ".obsidian/app.json" and words in message
    assert "keep.md" in _paths(vault)


def test_broken_templates_json_is_a_warning(tmp_path: Path) -> None:
    vault = load_vault(_vault(tmp_path, app={}, templates={"folder": 7}))
    assert _settings_problems(vault) == [
        (".obsidian/templates.json", "folder is not text; ignored")
    ]
    assert "Templates/daily.md" in _paths(vault)


@pytest.mark.parametrize("written", ["./Templates", "templates", "Templates/", "TEMPLATES"])
def test_the_templates_folder_is_found_however_its_setting_is_written(
    tmp_path: Path, written: str
) -> None:
    """``./Templates``, or another case (Obsidian finds it so on a file system that ignores
    case): the templates were read as notes and, marked ``draft: false`` for the notes made
    from them, published."""
    vault = load_vault(_vault(tmp_path, app={}, templates={"folder": written}))
    assert "Templates/daily.md" not in _paths(vault)
    assert _settings_problems(vault) == []


def test_a_templates_folder_not_in_the_vault_is_a_warning(tmp_path: Path) -> None:
    vault = load_vault(_vault(tmp_path, app={}, templates={"folder": "Meta/Templates"}))
    ((path, message),) = _settings_problems(vault)
    assert path == "Meta/Templates" and "is not in the vault" in message


def test_check_names_the_settings_file_and_builds_on(tmp_path: Path) -> None:
    run = run_cli("check", _vault(tmp_path, app="{not json"))
    assert ".obsidian/app.json: warning[obsidian-settings]: not valid JSON" in run.output
    assert "Traceback" not in run.output


def test_a_template_outside_the_templates_folder_says_so(tmp_path: Path) -> None:
    vault = load_vault(_vault(tmp_path, app={}))
    (problem,) = [p for p in vault.all_problems() if p.path == "Templates/daily.md"]
    assert problem.code == "frontmatter-yaml" and problem.line == 2
    assert "look like a template" in problem.message
    assert "[vault] templates_folder" in problem.message and "ignore" in problem.message


@pytest.mark.parametrize("key", ["templates_folder", "template_folder"])
def test_templaters_folder_holds_no_notes(tmp_path: Path, key: str) -> None:
    """The Templater plugin keeps its own folder, with commands (``<% ... %>``) that only
    become a note's text when a note is made from them; its early versions named the key
    ``template_folder``, which a vault not saved with a later one still holds."""
    root = _vault(tmp_path, app={})
    (root / "Scripts").mkdir()
    (root / "Scripts" / "meeting.md").write_text(
        "---\ntitle: <% tp.file.title %>\ncreated: <% tp.date.now() %>\n---\n# <% tp.file.title %>\n",
        encoding="utf-8",
    )
    plugin = root / ".obsidian" / "plugins" / "templater-obsidian"
    plugin.mkdir(parents=True)
    settings = {key: "/Scripts", "trigger_on_file_creation": True}
    (plugin / "data.json").write_text(json.dumps(settings), encoding="utf-8")
    vault = load_vault(root)
    assert vault.settings.templater_folder == "Scripts"
    assert not any(path.startswith("Scripts/") for path in _paths(vault))
    assert "keep.md" in _paths(vault)
    # Without the plugin's setting, such a template is a private note in error that says
    # what it is, with the line of the first command.
    (plugin / "data.json").unlink()
    vault = load_vault(root)
    (problem,) = [p for p in vault.all_problems() if p.path == "Scripts/meeting.md"]
    assert (problem.code, problem.line) == ("frontmatter-template", 2)
    assert "'<% tp.file.title %>'" in problem.message and "templates_folder" in problem.message
    assert not next(n for n in vault.notes if n.path.as_posix() == "Scripts/meeting.md").published


def test_an_erb_tag_quoted_in_frontmatter_is_no_template(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path, {"erb.md": note_text("Views", extra="description: 'ERB writes <% x %>'")}
    )
    (note,) = load_vault(root).notes
    assert not note.has_errors


def test_a_templater_command_in_invalid_yaml_gets_the_template_hint(tmp_path: Path) -> None:
    root = write_vault(tmp_path, {"t.md": "---\ntags: [<% tp.file.folder() %>\n---\nText.\n"})
    (problem,) = [p for p in load_vault(root).all_problems() if p.path == "t.md"]
    assert problem.code == "frontmatter-yaml"
    assert "<%...%> placeholders make it look like a template" in problem.message


QUARTZ = """import { QuartzConfig } from "./quartz/cfg"
const config: QuartzConfig = {
  configuration: {
    pageTitle: "Garden",
    ignorePatterns: ["private", 'templates', ".obsidian", "notes/*.secret.md"],
  },
}
"""


@pytest.mark.parametrize("vault_is", ["content", "site"])
def test_a_quartz_sites_ignore_patterns_keep_its_private_notes_out(
    tmp_path: Path, vault_is: str
) -> None:
    """Quartz leaves ``private`` and ``templates`` out of the site by default: a garden's
    private notes stay out whether the vault is its content folder or the whole site."""
    site = tmp_path / "site"
    content = {
        name: note_text(name)
        for name in ("private/diary.md", "templates/day.md", "notes/ok.md", "notes/x.secret.md")
    }
    write_vault(site / "content", content)
    (site / "quartz.config.ts").write_text(QUARTZ, encoding="utf-8")
    root = site / "content" if vault_is == "content" else site
    vault = load_vault(root)
    paths = _paths(vault)
    prefix = "content/" if vault_is == "site" else ""
    assert paths == {f"{prefix}notes/ok.md"}
    # A link that finds nothing says which setting may be why: Quartz's, not Obsidian's.
    assert vault.settings.excluded_by == "Quartz's ignorePatterns"
    if vault_is == "content":  # edited, the config outside the vault makes a real build
        from notepress.unchanged import _listing

        assert "../quartz.config.ts" in {entry[0] for entry in _listing(root)}


FEED = """
[site]
title = "Garden"
url = "https://garden.example.org/"

[targets.news]
exporter = "feed"
formats = ["json"]
"""


@pytest.mark.parametrize("folder", [".quartz", "quartz"])
def test_quartz_installed_in_a_folder_of_the_vault_keeps_its_private_notes_out(
    tmp_path: Path, folder: str
) -> None:
    """Quartz installed in the vault (``.quartz/``, built with ``--directory=..``) makes its
    site of the vault: its ignorePatterns hold there too, created or edited after a build
    (which a build that found nothing changed would have missed in a hidden folder)."""
    root = write_vault(
        tmp_path / "vault",
        {
            "Journal/2024-03-02.md": note_text("Monday", "Rent talk, a private canary."),
            "Notes/kettle.md": note_text("Kettle", "Descale it monthly."),
        },
        config=FEED,
    )
    out = tmp_path / "out"
    feed = out / "news" / "feed.json"
    config = root / folder / "quartz.config.ts"
    config.parent.mkdir()  # Quartz's folder, before its config is written

    def age(*paths: Path) -> None:  # far from now, so no file is too new to trust
        when = time.time() - 120
        for path in paths:
            os.utime(path, (when, when))

    def build() -> str:
        run = run_cli("build", root, "-o", out)
        assert run.code == 0, run.stderr
        return feed.read_text("utf-8")

    age(*root.rglob("*"))
    assert "canary" in build()  # no Quartz yet: the journal is a note
    assert "canary" in build()  # and nothing changed
    config.write_text(QUARTZ.replace('"private"', '"Journal"'), encoding="utf-8")
    age(config)
    project = notepress.load_project(root, output=out)
    assert _paths(project.vault) == {"Notes/kettle.md"}
    assert config in project.files_read()  # what a preview follows
    assert "canary" not in build()
    # Edited to publish the journal again: seen, though the folder may be hidden.
    config.write_text(QUARTZ, encoding="utf-8")
    age(config)
    assert "canary" in build()


def test_quartz_in_a_folder_with_its_own_content_reads_patterns_from_there(
    tmp_path: Path,
) -> None:
    """A Quartz site in a folder of the vault with a content folder of its own: a pattern
    with a slash is that folder's, one without holds anywhere (read once too often, it keeps
    a note private; missed, it would publish one)."""
    root = write_vault(
        tmp_path,
        {
            "site/content/notes/a.secret.md": note_text("Secret"),
            "site/content/notes/b.md": note_text("Open"),
            "notes/c.secret.md": note_text("Elsewhere"),
            "private/d.md": note_text("Private anywhere"),
        },
    )
    (root / "site" / "quartz.config.ts").write_text(QUARTZ, encoding="utf-8")
    vault = load_vault(root)
    assert _paths(vault) == {"site/content/notes/b.md", "notes/c.secret.md"}


@pytest.mark.parametrize(
    ("config", "warned"),
    [
        # A ``]`` inside a pattern ended the list before any pattern was read.
        ('    ignorePatterns: ["[Dd]rafts", "private", "templates"],\n', False),
        # A commented-out line above the real one was read instead of it.
        ('    // ignorePatterns: [],\n    ignorePatterns: ["private", "templates"],\n', False),
        (
            '    /* ignorePatterns: [] */ ignorePatterns: [\n  // notes\n "private", "templates"\n],\n',
            False,
        ),
        # Not a list that can be read: Quartz's defaults stay private, with a warning.
        ("    ignorePatterns: [...defaults, extra],\n", True),
    ],
    ids=["bracket-in-a-pattern", "commented-line", "comments-around", "not-a-plain-list"],
)
def test_a_quartz_sites_private_folder_stays_private_however_its_list_is_written(
    tmp_path: Path, config: str, warned: bool
) -> None:
    site = tmp_path / "site"
    write_vault(
        site / "content", {"private/diary.md": note_text("Diary"), "ok.md": note_text("Ok")}
    )
    text = f"const config: QuartzConfig = {{\n  configuration: {{\n{config}  }},\n}}\n"
    (site / "quartz.config.ts").write_text(text, encoding="utf-8")
    vault = load_vault(site / "content")
    assert _paths(vault) == {"ok.md"}
    found = [p.message for p in vault.all_problems() if p.code == "obsidian-settings"]
    assert bool(found) == warned, found


def test_a_quartz_pattern_no_matcher_can_read_is_skipped_with_a_warning(tmp_path: Path) -> None:
    """The walk of the whole vault stopped on it; the other patterns still hold."""
    site = tmp_path / "site"
    write_vault(
        site / "content", {"private/diary.md": note_text("Diary"), "ok.md": note_text("Ok")}
    )
    text = 'const config = { configuration: { ignorePatterns: ["private", "\\/x"] } }\n'
    (site / "quartz.config.ts").write_text(text, encoding="utf-8")
    vault = load_vault(site / "content")
    assert _paths(vault) == {"ok.md"}
    (found,) = [p.message for p in vault.all_problems() if p.code == "obsidian-settings"]
    assert "is not a gitignore pattern" in found and found.endswith("skipped")


@pytest.mark.parametrize("app", [APP, None], ids=["with-excluded-files", "without"])
def test_a_link_to_an_excluded_file_says_why_it_finds_nothing(tmp_path: Path, app: object) -> None:
    """Obsidian opens a link to one of its excluded files; notepress never reads them, so
    the warning says that may be why (310 such warnings in one public vault read as if the
    files were gone)."""
    root = _vault(tmp_path, app=app)
    (root / "keep.md").write_text(note_text("Kept", "See [[old]].\n\n![[Private plans]]\n"))
    vault = load_vault(root)
    codes = ("link-unresolved", "embed-missing")
    found = [p.message for p in vault.all_problems() if p.code in codes]
    hint = (
        "; files matching Obsidian's Excluded files setting (userIgnoreFilters) are not read, "
        "if it is one of them"
    )
    if app is None:  # nothing excluded: the files are notes, and the links find them
        assert found == []
    else:
        assert found == [
            f"no note or file is called 'old'{hint}",
            f"embedded file not found: Private plans{hint}",
        ]


def test_an_excluded_files_regex_that_backtracks_stops_the_load_naming_it(tmp_path: Path) -> None:
    """``/(a+)+$/`` against one long file name held the build for ever: the load stops,
    within its CPU budget, naming the pattern, and writes nothing (read without the
    pattern, the vault would publish what it excludes)."""
    name = "a" * 34 + "!.md"
    root = _vault(tmp_path, app={"userIgnoreFilters": ["/(a+)+$/"]})
    (root / name).write_text(note_text("Long"), encoding="utf-8")
    run = run_cli("build", root, "-o", tmp_path / "out")
    assert run.code == 2, run.output
    assert "Traceback" not in run.output
    assert "the excluded-files pattern '/(a+)+$/' took over" in run.stderr and name in run.stderr
    assert not (tmp_path / "out").exists()


def test_a_link_into_a_folder_the_settings_skip_is_not_followed(tmp_path: Path) -> None:
    """A folder linked from elsewhere in the vault published, under a second name, the
    notes ``ignore``, the templates folder or Obsidian's excluded files keep out."""
    root = _vault(tmp_path, templates={"folder": "Templates"}, config='ignore = ["Drafts/"]\n')
    (root / "notes").mkdir()
    for name, target in (("old", "Archive"), ("days", "Templates"), ("plans", "Drafts")):
        (root / "notes" / name).symlink_to(f"../{target}", target_is_directory=True)
    vault = load_vault(root, ignore=("Drafts/",))
    assert not any(path.startswith("notes/") for path in _paths(vault))
    skipped = sorted(p.path for p in vault.problems if p.code == "symlink-skipped")
    assert skipped == ["notes/days", "notes/old", "notes/plans"]


def test_a_link_to_a_note_the_settings_skip_is_said_so(tmp_path: Path) -> None:
    """A file link to a note the settings keep out was dropped without a word, where a
    folder link to it was reported."""
    root = _vault(tmp_path, templates={"folder": "Templates"}, config='ignore = ["Drafts/"]\n')
    (root / "notes").mkdir()
    for name, target in (("old.md", "Archive"), ("day.md", "Templates"), ("plan.md", "Drafts")):
        (root / target / name).write_text(note_text(name), encoding="utf-8")
        (root / "notes" / name).symlink_to(f"../{target}/{name}")
    (root / "notes" / "visible.md").symlink_to("../shown.md")
    (root / "shown.md").write_text(note_text("Shown"), encoding="utf-8")
    vault = load_vault(root, ignore=("Drafts/",))
    assert not any(path.startswith("notes/") for path in _paths(vault))
    skipped = sorted(p.path for p in vault.problems if p.code == "symlink-skipped")
    assert skipped == ["notes/day.md", "notes/old.md", "notes/plan.md"]
    assert all("leads to a file" in p.message for p in vault.problems if p.path in skipped)


def test_a_link_to_a_template_says_the_templates_folder_is_not_read(tmp_path: Path) -> None:
    """The hint named Obsidian's excluded files alone, which were not why; said of every
    link that finds nothing, it was noise (314 of 314 warnings in one vault)."""
    root = _vault(tmp_path, app=None, templates={"folder": "Templates"})
    text = note_text("Kept", "Made from [[Daily]], see [[Nowhere]].\n")
    (root / "keep.md").write_text(text, encoding="utf-8")
    found = [p.message for p in load_vault(root).all_problems() if p.code == "link-unresolved"]
    assert found == [
        "no note or file is called 'Daily'; a note of that name is in the templates folder "
        "Templates/, never read",
        "no note or file is called 'Nowhere'",
    ]


def test_below_a_linked_folder_the_settings_match_the_real_paths(tmp_path: Path) -> None:
    """``Daily`` linking to ``journal``: the notes below were read as ``Daily/...``, which
    ``ignore = ["journal/private/"]`` or an excluded-files regex on ``^Archive/`` no longer
    matched, and they were published."""
    root = _vault(tmp_path, config='ignore = ["journal/private/"]\n')
    for name in ("journal/walk.md", "journal/private/session.md"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(note_text(name), encoding="utf-8")
    (root / "Daily").symlink_to("journal", target_is_directory=True)
    (root / "Shelf").symlink_to("Archive", target_is_directory=True)  # a skipped folder
    (root / "Archive" / "deeper").mkdir()
    (root / "Archive" / "deeper" / "ledger.md").write_text(note_text("Ledger"), encoding="utf-8")
    (root / "Stacks").symlink_to("Archive/deeper", target_is_directory=True)
    vault = load_vault(root, ignore=("journal/private/",))
    paths = _paths(vault)
    assert paths & {"journal/walk.md", "Daily/walk.md"}  # under one name or the other
    assert not any("private" in path or "ledger" in path for path in paths), paths
    skipped = sorted(p.path for p in vault.problems if p.code == "symlink-skipped")
    assert skipped == ["Daily/private", "Shelf", "Stacks"]


@pytest.mark.parametrize("form", ["NFD", "NFC"])
def test_a_name_stored_decomposed_is_matched_by_the_settings(tmp_path: Path, form: str) -> None:
    """macOS stores ``é`` as ``e`` and a combining accent: the folder was not matched by
    the same name typed in the config (or in Obsidian's excluded files), and its notes
    were published."""
    stored = unicodedata.normalize(form, "Privé")
    root = _vault(tmp_path, app={"userIgnoreFilters": ["/^Café journal/"]})
    for name in (f"{stored}/santé.md", unicodedata.normalize(form, "Café journal/jour.md")):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(note_text("Hidden"), encoding="utf-8")
    vault = load_vault(root, ignore=("Privé/",))
    assert not any(note.title == "Hidden" for note in vault.notes), _paths(vault)


def test_a_templates_folder_stored_decomposed_is_found(tmp_path: Path) -> None:
    """Skipped as it should be, it was also said to be missing on every load."""
    root = _vault(tmp_path, app=None, templates={"folder": "Modèles"})
    stored = root / unicodedata.normalize("NFD", "Modèles")
    stored.mkdir()
    (stored / "jour.md").write_text(TEMPLATE, encoding="utf-8")
    vault = load_vault(root)
    assert not any("jour" in path for path in _paths(vault))
    assert not [p for p in vault.problems if "is not in the vault" in p.message]
