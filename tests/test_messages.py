"""Every message a person reads says exactly what happened, once, with its counts spelt right.

Each test runs the real command (in process, as ``notepress`` would) on a small vault and
asserts the exact text of the line it is about.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import notepress
from notepress.cli import main
from notepress.exporter import Job
from notepress.exporters.pdf import PdfExporter
from notepress.exporters.pdf import _write as write_digests
from notepress.exporters.pdf.jobs import RenderResult
from notepress.exporters.pdf.safety import LoadPolicy
from notepress.report import FOLD_SHOWN
from tests.conftest import note_text, write_vault

SITE = '[site]\ntitle = "Messages"\nurl = "https://notes.example.org/"\nauthor = "Ann"\n'
JSONLD = SITE + '[targets.meta]\nexporter = "jsonld"\n'


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths are printed relative to the working folder: ``v/a.md``."""
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[str], list[str]]:
    """``notepress ARGS``: the exit code and the lines of stdout and stderr."""
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def summary(err: list[str]) -> str:
    return next(line for line in err if line.startswith("output in "))


# counts ---------------------------------------------------------------------------------


def test_counts_of_one_are_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_vault(
        tmp_path / "v",
        {"a.md": note_text("A", "see [[Nowhere]]", note_id="230306GN01")},
        JSONLD,
    )
    code, out, err = run(capsys, "build", root, "-o", tmp_path / "out")
    assert code == 0
    assert summary(err).endswith(": 1 target built, 0 failed; 0 errors, 1 warning")
    assert out[0].startswith("meta (jsonld, 1 note) -> ")

    code, out, err = run(capsys, "check", root)
    assert err[-1] == "1 note, 0 errors, 1 warning"

    code, out, err = run(capsys, "targets", root)
    assert re.fullmatch(r"meta +jsonld +1 note  -> .*meta", out[0])


def test_counts_of_two_are_plural(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_vault(
        tmp_path / "v",
        {
            "a.md": note_text("A", "[[Nowhere]] [[Elsewhere]]", note_id="230306GN01"),
            "b.md": note_text("B", "x", note_id="bad", extra="updated: never"),
        },
        JSONLD,
    )
    code, _out, err = run(capsys, "check", root)
    assert code == 1
    assert err[-1] == "2 notes, 2 errors, 2 warnings"


# failed targets ---------------------------------------------------------------------------


def test_a_failed_target_is_counted_as_an_error_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A feed of notes none of which has a date fails; the summary counts it."""
    root = write_vault(
        tmp_path / "v",
        {"a.md": "---\ntitle: A\ndraft: false\n---\n\nUndated.\n"},
        SITE + '[targets.news]\nexporter = "feed"\n[vault]\nfilename_date = ""\n',
    )
    code, _out, err = run(capsys, "build", root, "-o", tmp_path / "out")
    assert code == 1
    # The fix names the vault's own ways to date a note: here no file name date.
    fix = "date it with a 'created' or 'date' key, or [vault] date_from_git = true"
    assert err[-4:] == [
        "targets.news: warning[undated-notes]: the note it selects has no date, so it is left "
        f"out (a feed needs dates); {fix}",
        "targets.news: error[target-failed]: target 'news' (feed) failed: the note it selects "
        "has no date, so the feed would be empty (the target's undated-notes warning says how "
        "to date them; notepress check lists it as created-missing)",
        "news (feed) FAILED",
        "output in out: 0 targets built, 1 failed; 1 error, 3 warnings",
    ]


def test_the_undated_warning_names_the_vaults_own_date_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A vault dated by ``dia`` was told to add a 'created' or 'date' key, which it does
    not read."""
    root = write_vault(
        tmp_path / "v",
        {
            "a.md": "---\ntitle: A\ndraft: false\n---\n\nUndated.\n",
            "b.md": "---\ntitle: B\ndraft: false\ndia: 2024-03-01\n---\n\nDated.\n",
        },
        SITE + '[targets.news]\nexporter = "feed"\n[vault]\ncreated_keys = ["dia", "fecha"]\n',
    )
    _code, out, _err = run(capsys, "check", root)
    (line,) = [line for line in out if "undated-notes" in line]
    assert line.endswith(
        "date it with a 'dia' or 'fecha' key, a YYYY-MM-DD file name, or [vault] "
        "date_from_git = true"
    )


def test_check_says_a_repeated_problem_once_as_build_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same formula twice on one line is one thing to fix: build said it once, check
    twice."""
    root = write_vault(
        tmp_path / "v",
        {"a.md": note_text("A", "Twice $\\foo x$, again $\\foo x$.\n", note_id="230306GN01")},
        JSONLD,
    )
    _code, out, err = run(capsys, "check", root)
    assert len([line for line in out if "math-invalid" in line]) == 1
    assert err[-1] == "1 note, 0 errors, 1 warning"


def test_a_pdf_failure_is_reported_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The digest's own error and the target's failure were two lines saying one thing."""
    root = write_vault(
        tmp_path / "v",
        {"a.md": note_text("A", "x", note_id="230306GN01")},
        SITE + '[targets.d]\nexporter = "pdf"\ntimeout = 1\n',
    )
    project = notepress.load_project(root)
    target = project.config.targets["d"]
    job = Job(
        target=target,
        site=project.config.site,
        vault=project.vault,
        notes=project.selected(target),
        out_dir=tmp_path / "staging",
        config_root=root,
    )
    plan = PdfExporter.plan(job)
    timed_out = RenderResult(
        "digest.pdf",
        error="rendering took longer than 1 second of CPU time and was stopped; raise the "
        "target's 'timeout' option or split the digest (group, latest)",
        over_limit=True,
    )
    with pytest.raises(notepress.ResourceLimitError) as raised:
        write_digests(job, plan, [timed_out])
    assert str(raised.value) == (
        "no digest could be rendered: digest.pdf: rendering took longer than 1 second of CPU "
        "time and was stopped; raise the target's 'timeout' option or split the digest "
        "(group, latest)"
    )
    assert [p for p in job.problems if p.severity is notepress.Severity.ERROR] == []


HUGE = "\n\n".join(
    f"Paragraph {i}: " + "a sentence that goes on to fill the page with words. " * 12
    for i in range(5000)
)


@pytest.mark.slow
def test_a_pdf_timeout_is_printed_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_vault(
        tmp_path / "v",
        {"huge.md": note_text("Huge", HUGE, note_id="230205HG01", created="2023-02-05")},
        SITE + '[targets.d]\nexporter = "pdf"\ntimeout = 1\n',
    )
    code, _out, err = run(capsys, "build", root, "-o", tmp_path / "out")
    assert code == 1
    said = [line for line in err if "took longer than" in line]
    assert said == [
        "targets.d: error[target-failed]: target 'd' (pdf) failed: no digest could be "
        "rendered: digest.pdf: rendering took longer than 1 second of CPU time and was "
        "stopped; raise the target's 'timeout' option or split the digest (group, latest)"
    ]
    assert summary(err).endswith(": 0 targets built, 1 failed; 1 error, 0 warnings")


@pytest.mark.slow
def test_an_epub_out_of_memory_has_its_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "\n\n".join(f"Paragraph {i}: *some* words to fill the **book**." for i in range(6000))
    root = write_vault(
        tmp_path / "v",
        {"big.md": note_text("Big", body, note_id="230101GN01", created="2023-01-01")},
        SITE + '[targets.book]\nexporter = "epub"\nmemory = 64\n',
    )
    code, _out, err = run(capsys, "build", root, "-o", tmp_path / "out")
    assert code == 1
    assert (
        "targets.book: error[target-failed]: target 'book' (epub) failed: pandoc needed more "
        "than 64 MB of memory (raise 'memory', or split the archive into volumes with "
        "'volume_size': about 300 MB per 1,000 notes of prose, 1,700 MB per 1,000 notes "
        "dense with formulas)"
    ) in err
    assert "book (epub) FAILED" in err
    assert summary(err).endswith(": 0 targets built, 1 failed; 1 error, 0 warnings")


# config ---------------------------------------------------------------------------------


def config_errors(tmp_path: Path, config: str) -> list[str]:
    root = write_vault(tmp_path / "v", {"a.md": note_text("A", "x")}, SITE + config)
    with pytest.raises(notepress.ConfigError) as raised:
        notepress.load_project(root)
    return raised.value.errors


def test_an_unknown_key_lists_the_shared_keys_too(tmp_path: Path) -> None:
    errors = config_errors(tmp_path, '[targets.news]\nexporter = "feed"\nlimt = 3\n')
    assert errors == [
        "targets.news.limt: unknown key (did you mean 'limit'? feed keys: assets_url, "
        "base_url, content, formats, hub, icon, logo, per_tag, sort, stylesheet, subtitle, "
        "summary_words, title; keys every target takes: drafts, exclude_tags, exporter, "
        "future, include_tags, limit, since, until)"
    ]


def test_one_timeout_rule_for_every_exporter(tmp_path: Path) -> None:
    errors = config_errors(
        tmp_path,
        '[targets.d]\nexporter = "pdf"\ntimeout = 0.01\n'
        '[targets.b]\nexporter = "epub"\ntimeout = 0.01\n'
        '[targets.n]\nexporter = "epub"\ntimeout = nan\n'
        '[targets.t]\nexporter = "pdf"\ntimeout = "soon"\n',
    )
    assert errors == [
        "targets.d.timeout: expected a number of seconds from 1 to 86400, got 0.01",
        "targets.b.timeout: expected a number of seconds from 1 to 86400, got 0.01",
        "targets.n.timeout: expected a number of seconds from 1 to 86400, got nan",
        "targets.t.timeout: expected a number of seconds, got 'soon'",
    ]
    root = write_vault(
        tmp_path / "ok",
        {"a.md": note_text("A", "x")},
        SITE + '[targets.d]\nexporter = "pdf"\ntimeout = 300.0\n'
        '[targets.b]\nexporter = "epub"\ntimeout = 300.0\n'
        '[targets.c]\nexporter = "epub"\ntimeout = 2\n',
    )
    targets = notepress.load_project(root).config.targets
    assert [targets[name].options.timeout for name in "dbc"] == [300.0, 300.0, 2.0]


def test_check_says_it_uses_the_built_in_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_vault(tmp_path / "v", {"a.md": note_text("A", "x", note_id="230306GN01")})
    _code, _out, err = run(capsys, "check", root)
    assert err[0] == (
        "notepress: no notepress.toml found, using built-in defaults "
        "(run 'notepress init' to write one)"
    )


# notes ----------------------------------------------------------------------------------


def note_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    _code, out, _err = run(capsys, "check", *args, tmp_path / "v")
    return out


def test_a_quoted_draft_value_is_named_a_string(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_vault(
        tmp_path / "v",
        {
            "no.md": '---\ntitle: No\nnote_id: 230306GN01\ndraft: "no"\n---\n',
            "yes.md": "---\ntitle: Yes\nnote_id: 230306GN02\ndraft: 'Yes'\n---\n",
            "maybe.md": "---\ntitle: Maybe\nnote_id: 230306GN03\ndraft: maybe\n---\n",
            "one.md": "---\ntitle: One\nnote_id: 230306GN04\ndraft: 1\n---\n",
        },
        JSONLD,
    )
    found = [line for line in note_problems(tmp_path, capsys) if "draft-type" in line]
    assert sorted(found) == [
        'v/maybe.md:4: error[draft-type]: draft: "maybe" is text, not a boolean; write '
        "draft: true or draft: false (kept private until then)",
        'v/no.md:4: error[draft-type]: draft: "no" is a quoted string, not a boolean; write '
        "draft: false (kept private until then)",
        "v/one.md:4: error[draft-type]: draft is 1 (int), not a boolean; write draft: true or "
        "draft: false (kept private until then)",
        'v/yes.md:4: error[draft-type]: draft: "Yes" is a quoted string, not a boolean; write '
        "draft: true (kept private until then)",
    ]


def test_strict_says_the_note_is_not_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_vault(tmp_path / "v", {"a.md": note_text("A", "x")}, JSONLD)
    assert note_problems(tmp_path, capsys) == [
        "v/a.md:1: warning[note-id-missing]: no 'note_id'; using an id derived from the file path"
    ]
    assert note_problems(tmp_path, capsys, "--strict") == [
        "v/a.md:1: error[note-id-missing]: no 'note_id' (--strict: a warning is an error, so "
        "the note is not published)"
    ]


def test_a_missing_image_is_not_called_a_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reported when the vault is read, with its line; no digest repeats it as refused."""
    write_vault(
        tmp_path / "v",
        {
            "a.md": note_text(
                "A",
                "Text\n\n![pic](images/nothere.png) ![x](my%20photo.png)\n",
                note_id="230306GN01",
            )
        },
        SITE + '[targets.d]\nexporter = "pdf"\n',
    )
    assert note_problems(tmp_path, capsys) == [
        "v/a.md:10: warning[asset-missing]: 'images/nothere.png': no such file in the vault; "
        "left out",
        # Named as the file would be, not as the URL escapes its space.
        "v/a.md:10: warning[asset-missing]: 'my photo.png': no such file in the vault; left out",
    ]


def test_a_missing_vault_file_is_not_a_refusal(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "v", {"there.png": b"\x89PNG"})
    policy = LoadPolicy.for_vault(root, [Path("there.png")])  # type: ignore[list-item]
    assert policy.refusal("https://vault.invalid/gone.png") == "no such file in the vault"


@pytest.mark.slow
def test_a_missing_template_file_is_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_vault(
        tmp_path / "v",
        {
            "a.md": note_text("A", "x", note_id="230306GN01"),
            "tpl/extra.css": 'body { background-image: url("logo.png"); }\n',
        },
        SITE + '[targets.d]\nexporter = "pdf"\ntemplates = "tpl"\n',
    )
    _code, _out, err = run(capsys, "build", root, "-o", tmp_path / "out")
    assert [line for line in err if "[pdf-" in line] == [
        "targets.d: warning[pdf-file-missing]: digest.pdf: file not found: 'logo.png', asked "
        "for by a template or a stylesheet: no such file in the template folder"
    ]


# list -----------------------------------------------------------------------------------


def test_list_has_a_path_column_and_says_error_for_an_invalid_draft(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_vault(
        tmp_path / "v",
        {
            "notes/bad draft.md": "---\ntitle: Bad\nnote_id: 230306GN01\ncreated: 2023-03-06\n"
            'draft: "no"\n---\n',
            "good.md": note_text("Good", "x", note_id="230307GN01", created="2023-03-07"),
            "private.md": note_text(
                "Private", "x", note_id="230308GN01", created="2023-03-08", draft=True
            ),
        },
        JSONLD,
    )
    code, out, _err = run(capsys, "list", root)
    assert code == 0
    assert out == [
        "PATH               NOTE_ID      CREATED    STATE     TITLE  TAGS",
        "good.md            230307GN01   2023-03-07 published Good",
        "notes/bad draft.md 230306GN01   2023-03-06 error     Bad",
        "private.md         230308GN01   2023-03-08 draft     Private",
    ]


def test_list_of_an_empty_vault_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_vault(tmp_path / "empty", {}, JSONLD)
    code, out, err = run(capsys, "list", root)
    assert code == 0 and out == []
    assert len(err) == 1 and err[0].startswith("no notes in ") and err[0].endswith("empty")
    code, out, err = run(capsys, "list", "--format", "json", root)
    assert json.loads("\n".join(out)) == []


# the warning flood ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plain_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight notes as a plain Obsidian vault has them: no note_id, draft or date; one link
    that leads nowhere, the problem a person must not miss."""
    files = {f"note {i}.md": f"Note {i} text.\n" for i in range(8)}
    files["note 3.md"] += "\nSee [[Nowhere]].\n"
    return write_vault(tmp_path_factory.mktemp("plain") / "v", files, JSONLD)


def test_a_repeated_warning_is_folded_in_text(
    plain_vault: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(plain_vault.parent)
    _code, out, err = run(capsys, "check", plain_vault)
    missing = [line for line in out if ":1: warning[note-id-missing]" in line]
    assert len(missing) == FOLD_SHOWN
    assert "v/note 3.md:3: warning[link-unresolved]: no note or file is called 'Nowhere'" in out
    assert out[-3:] == [
        "warning[created-missing]: 5 more warnings like the 3 above not shown "
        "(-v or --format json lists every one)",
        "warning[draft-missing]: 5 more warnings like the 3 above not shown "
        "(-v or --format json lists every one)",
        "warning[note-id-missing]: 5 more warnings like the 3 above not shown "
        "(-v or --format json lists every one)",
    ]
    assert err[-1] == "8 notes, 0 errors, 25 warnings"


def test_verbose_and_json_show_every_warning(
    plain_vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, out, _err = run(capsys, "check", "-v", plain_vault)
    assert len([line for line in out if "warning[note-id-missing]" in line]) == 8
    assert not any("more warnings like" in line for line in out)
    _code, out, _err = run(capsys, "check", "--format", "json", plain_vault)
    problems = json.loads("\n".join(out))
    assert len([p for p in problems if p["code"] == "note-id-missing"]) == 8


def test_a_build_folds_the_flood_too(
    plain_vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, _out, err = run(capsys, "build", plain_vault, "-o", tmp_path / "out")
    assert len([line for line in err if ":1: warning[note-id-missing]" in line]) == FOLD_SHOWN
    assert (
        "warning[note-id-missing]: 5 more warnings like the 3 above not shown "
        "(-v or --format json lists every one)"
    ) in err


def test_many_warnings_in_one_note_are_not_folded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each is a different place to fix; folding is for one code across many notes."""
    links = "\n\n".join(f"[[Nowhere {i}]]" for i in range(8))
    write_vault(tmp_path / "v", {"a.md": note_text("A", links, note_id="230306GN01")}, JSONLD)
    lines = note_problems(tmp_path, capsys)
    assert len([line for line in lines if "warning[link-unresolved]" in line]) == 8
    assert not any("more warnings like" in line for line in lines)
