"""Hostile corpus: ``%%comments%%`` never reach an output, a title, a link list or a message.

Every case below is a note whose comment holds a unique canary.  The vault is written and
built once for the module (a feed and a JSON-LD target, through the real command line); each
case then looks for its canary in the note's model, its HTML for every link style, the
``check``/``list``/``build`` output and every file written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

from notepress.markdown import DocumentLinks, TextLinks, UrlLinks, create_parser, render_note
from notepress.model import Note
from notepress.parse import ParseSettings, parse_note
from notepress.vault import Vault, load_vault
from tests.conftest import write_vault
from tests.hostile.support import Run, assert_linear, cpu_seconds, run_cli

SITE = "https://notes.example.org/"
CONFIG = f"""
[site]
title = "Comment Corpus"
url = "{SITE}"
author = "Ines Example"
timezone = "UTC"

[targets.newsletter]
exporter = "feed"
formats = ["atom", "rss", "json"]
limit = 0

[targets.metadata]
exporter = "jsonld"
article_body = true
"""


@dataclass(frozen=True)
class Case:
    name: str
    body: str
    visible: str
    """Text of the note that must still be shown, proof that the note was rendered at all."""
    title: str | None = "Plain title"

    @property
    def canary(self) -> str:
        return "QZCANARY" + self.name.upper().replace("-", "")


def _case(name: str, body: str, visible: str, **kwargs: str | None) -> Case:
    canary = "QZCANARY" + name.upper().replace("-", "")
    return Case(name, body.replace("SECRET", canary), visible, **kwargs)


CASES = [
    # The leaks found by the attack run.
    _case("untitled-h1", "%%\n# SECRET\n%%\n\nShown words.\n", "Shown words", title=None),
    _case("backticks-apart", "A ` tick\n\n%%SECRET%%\n\nShown ` tick\n", "Shown"),
    _case("html-code-span", "<div>`%%SECRET%%`</div>\n\nShown words.\n", "Shown words"),
    _case(
        "footnote-continuation",
        "Shown[^1] words.\n\n[^1]: First line.\n\n    Indented %%SECRET%% continuation.\n",
        "Shown",
    ),
    _case(
        "list-lone-marker",
        "- item\nlazy line\n\n    %%\n\nSECRET\n\n%%\nShown after.\n",
        "Shown after",
    ),
    _case("indented-tilde", "- a\n\n   ~~~\n   x\n\nShown %%\nSECRET\n%%\n", "Shown"),
    _case("comment-link", "Shown words.\n\n%%\nSee [[SECRET]] later.\n%%\n", "Shown words"),
    _case("comment-embed", "Shown words. %%![[SECRET.png]]%%\n", "Shown words"),
    # Next to them.
    _case("callout-title", "> [!note] Shown `x\n> %%SECRET%% `\n", "Shown"),
    _case("table-cell", "| a | b |\n|---|---|\n| `x | %%SECRET%% | y` |\n\nShown\n", "Shown"),
    # A pipe in a wikilink ends its cell; the cells past the header's are dropped, and with
    # them the code span that made this ``%%`` code.  Read as a comment's start, it would
    # pair with the unclosed one and show what that one hides.
    _case(
        "dropped-cell-code",
        "| a | b |\n|---|---|\n| [[x|y]] [[x|y]] `c %% d` | e |\n\nShown %% SECRET\n\n# SECRET\n",
        "Shown",
    ),
    _case("footnote-definition", "Shown[^1].\n\n[^1]: Note `\n%%SECRET%%\n\n`\n", "Shown"),
    _case("heading", "## Shown `x\n\n%%SECRET%%\n\n`\n", "Shown"),
    _case("untitled-h1-inline", "# Shown %%SECRET%% heading\n\nBody.\n", "Body", title=None),
    _case("link-title", '[Shown](https://example.org/ "`")\n%%SECRET%% `\n', "Shown"),
    _case("link-text", "[Shown `x](https://example.org/)\n\n%%SECRET%%\n\n`\n", "Shown"),
    _case("wikilink-alias", "[[Other|Shown %%SECRET%%]] here.\n", "Shown"),
    _case("html-block-fence", "<div>\n~~~\n</div>\n%%\nSECRET\n%%\n\nShown\n", "Shown"),
    _case("no-frontmatter", "Shown ` x\n\n%%SECRET%% `\n", "Shown", title=""),
    _case("unclosed", "Shown `a\n\n%% SECRET `\n", "Shown"),
    _case(
        "backtick-inside-comment",
        "Shown %% a ` b %% then `x` c %% SECRET %% end.\n",
        "Shown",
    ),
]
#: Cases the old scanner got right too; they guard the rounds of the new design (a comment that
#: hides a fence opener must not turn what follows into code).
GUARDS = [
    _case(
        "fence-inside-comment",
        "Shown words.\n\n%%\n```\n%%\nmore %% SECRET %%\n```\n",
        "Shown words",
    ),
    _case("tilde-inside-comment", "Shown.\n\n%%\n~~~\n%%\n%% SECRET\n", "Shown"),
]


def _note_text(case: Case, index: int) -> str:
    if case.title == "":
        return case.body
    lines = ["---"]
    if case.title is not None:
        lines.append(f"title: {case.title} {index}")
    lines += [f"note_id: 230306CM{index:02d}", "created: 2023-03-06", "draft: false", "---", ""]
    return "\n".join(lines) + case.body


@dataclass(frozen=True)
class Corpus:
    root: Path
    vault: Vault
    check: Run
    listing: Run
    build: Run
    written: dict[str, str]

    def note(self, case: Case) -> Note:
        (note,) = [n for n in self.vault.notes if n.path.stem == case.name]
        return note


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    files = {
        f"{case.name}.md": _note_text(case, index) for index, case in enumerate(CASES + GUARDS)
    }
    files["Other.md"] = (
        "---\ntitle: Other\nnote_id: 230306CM99\ncreated: 2023-03-06\ndraft: false\n---\n\nHi.\n"
    )
    root = write_vault(tmp_path_factory.mktemp("comments") / "vault", files, CONFIG)
    out = root.parent / "out"
    check = run_cli("check", ".", cwd=root)
    listing = run_cli("list", ".", "--format", "json", cwd=root)
    build = run_cli("build", ".", "-o", out, cwd=root)
    written = {
        path.relative_to(out).as_posix(): path.read_text("utf-8", "replace")
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }
    return Corpus(root, load_vault(root), check, listing, build, written)


def _styles(vault: Vault) -> dict[str, object]:
    def url(note: Note) -> str:
        return f"{SITE}{note.note_id}/"

    return {
        "url": UrlLinks(url, assets_url=f"{SITE}assets/"),
        "document": DocumentLinks({n.note_id for n in vault.notes}, outside=UrlLinks(url)),
        "text": TextLinks(),
    }


@pytest.mark.parametrize("case", CASES + GUARDS, ids=[case.name for case in CASES + GUARDS])
def test_comment_text_reaches_no_output_and_no_message(corpus: Corpus, case: Case) -> None:
    note = corpus.note(case)
    canary = case.canary
    assert canary not in note.title
    assert not note.has_errors, note.problems
    for link in note.links:
        assert canary not in f"{link.target}|{link.heading}|{link.alias}"
    for problem in note.problems:
        assert canary not in str(problem)
    for name, style in _styles(corpus.vault).items():
        html = render_note(note, corpus.vault, style).html  # type: ignore[arg-type]
        assert canary not in html, name
        assert case.visible in html, name
    for run in (corpus.check, corpus.listing, corpus.build):
        assert canary not in run.output
    if case.title != "":  # a note without frontmatter is private: no draft key
        assert note.note_id in corpus.written[f"metadata/{note.note_id}.jsonld"]
    for path, text in corpus.written.items():
        assert canary not in text, path


def test_the_commands_succeed_without_a_word_about_comments(corpus: Corpus) -> None:
    assert corpus.check.code == 0, corpus.check.output
    # The note without frontmatter has something to say (it has no draft key); the notes
    # whose last %% nothing closes, and the tables with cells past their header, say that
    # text is hidden.  Nothing else: no comment is too tangled to settle.
    warned = {
        (line.split(":")[0], line.split("[")[1].split("]")[0])
        for line in corpus.check.stdout.splitlines()
    }
    hidden = {
        ("unclosed.md", "comment-unclosed"),
        ("tilde-inside-comment.md", "comment-unclosed"),
        ("dropped-cell-code.md", "comment-unclosed"),
        ("dropped-cell-code.md", "table-extra-cells"),
        ("table-cell.md", "table-extra-cells"),
    }
    assert {pair for pair in warned if pair[0] != "no-frontmatter.md"} == hidden, warned
    assert f"{len(CASES + GUARDS) + 1} notes, 0 errors" in corpus.check.stderr
    assert corpus.listing.code == 0
    assert corpus.build.code == 0, corpus.build.output
    assert "2 targets built, 0 failed; 0 errors" in corpus.build.stderr
    (feed,) = [text for path, text in corpus.written.items() if path.endswith("feed.json")]
    # Every note but the one without frontmatter, and Other.
    assert feed.count('"id": "tag:') == len(CASES + GUARDS)


def test_titles_come_from_the_first_visible_h1(corpus: Corpus) -> None:
    """With the first H1 among the title sources (the default goes from key to file name)."""
    settings = ParseSettings(title_from=("title", "h1", "filename"))
    titles = {note.path.stem: note.title for note in load_vault(corpus.root, settings).notes}
    by_name = {case.name: titles[case.name] for case in CASES + GUARDS}
    assert by_name["untitled-h1"] == "untitled-h1"  # the only H1 is inside the comment
    assert by_name["untitled-h1-inline"] == "Shown heading"


def test_links_keep_their_file_lines_across_comments(make_vault: Callable[..., Path]) -> None:
    body = "%%\nhidden\n[[QZHIDDEN]]\n%% [[Shown]]\n\ntext %% x\n%% and [[Later]]\n"
    root = make_vault({"n.md": "---\ntitle: N\ndraft: false\n---\n" + body})
    (note,) = load_vault(root).notes
    assert [(link.target, link.line) for link in note.links] == [("Shown", 8), ("Later", 11)]


def _cpu(text: str) -> float:
    """CPU seconds of one parse (process time, not the wall clock)."""
    parser = create_parser()
    return cpu_seconds(lambda: parser.parse(text, {}))


@pytest.mark.parametrize(
    "unit",
    [
        pytest.param("` %%", id="backticks-and-markers"),
        pytest.param("``` %%\n", id="fences-and-markers"),
        pytest.param("a `` b %% c ` d\n\n", id="unpaired-runs"),
        pytest.param("text\n%%\nnote `x\n%%\n\n", id="block-comments"),
    ],
)
def test_comment_cutting_is_linear(unit: str) -> None:
    # Ten times the text may cost ten times the work; 30 leaves room for a busy machine.
    assert_linear(lambda size: _cpu(unit * (size // len(unit))), ratio=30, what=unit)


@pytest.mark.parametrize(
    "unit",
    [
        pytest.param("| [[a]] [[b|c]] ", id="table-row-of-links"),
        pytest.param("see [[a]] and %%[[hidden]]%% ", id="paragraph-of-links"),
    ],
)
def test_loading_links_is_linear(unit: str) -> None:
    """The loader places each link on its line with one forward search per block."""

    def cpu(size: int) -> float:
        text = "| h |\n|---|\n" + unit * (size // len(unit)) + "\n"
        found: list[Note] = []
        spent = cpu_seconds(lambda: found.append(parse_note(PurePosixPath("n.md"), text.encode())))
        note = found[0]
        assert note.links and all(link.target in ("a", "b") for link in note.links)
        return spent

    assert_linear(cpu, ratio=30, what=unit)
