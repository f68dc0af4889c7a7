"""Property: no private text reaches a public output, whatever the note looks like.

Each example is a small vault: notes with generated frontmatter shapes (draft true, false or
missing, no frontmatter at all; title, description and tags present or not) and bodies made of
every block type, with comments placed anywhere (inline, as blocks, across blocks, unclosed).
Every private place holds a canary: ``QZC`` in comments, ``QZD`` in anything of a note that is
not published.  Public notes link to the private ones by file name only.  Every example renders
the public notes with each link style; some also build a feed and a JSON-LD target in-process.
No canary may appear in any output, and no comment canary in any message.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import notepress
from notepress.markdown import DocumentLinks, TextLinks, UrlLinks, render_note
from notepress.model import Note
from tests.conftest import write_vault

SITE = "https://notes.example.org/"
CONFIG = f"""
[site]
title = "Canary Corpus"
url = "{SITE}"
note_url = "notes/{{slug}}/"
timezone = "UTC"

[vault]
url_collisions = "note_id"  # random notes share titles; each must still be published

[targets.full]
exporter = "feed"
formats = ["atom", "rss", "json"]
limit = 0
per_tag = true

[targets.summary]
exporter = "feed"
formats = ["json"]
content = "summary"

[targets.metadata]
exporter = "jsonld"
article_body = true
"""
WORDS = ["river", "bread", "switch", "oven", "tram", "cable", "map", "layer", "crumb"]
COMMENT, DRAFT = "qzc", "qzd"

Text = Callable[[], str]
"""Returns fresh words: public ones, or a new canary."""

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)

# What a comment may hold: a canary dressed as markup, never a ``%%``.
COMMENT_DRESS = [
    "{}",
    "[[{}]]",
    "![[{}.png]]",
    "`{}",
    "``{}`",
    "**{}",
    "<b>{}",
    "[{}](https://example.org/{})",
    "{}\\",
    "&{};",
    "| {} |",
]
BLOCK_DRESS = [
    "# {}",
    "- {}",
    "> {}",
    "    {}",
    "```",
    "~~~",
    "<div>{}",
    "[^9]: {}",
    "[{}]: https://example.org/",
    "{}\n===",
]

INNER_BLOCKS = [
    "{}",
    "# {}",
    "- {}\n  - {}",
    "> {}",
    "> [!note] {}",
    "<div>\n{}\n</div>",
    "    {}",
    "| a |\n|---|\n| {} |",
    "[^2]: {}",
    "```\n{}\n```",
]


class Canaries:
    """Hands out numbered canaries of one kind and remembers whether any was used."""

    def __init__(self) -> None:
        self.counter = itertools.count()

    def __call__(self, kind: str) -> str:
        return f"{kind.upper()}{next(self.counter)}X"


@st.composite
def inline_comment(draw: st.DrawFn, canary: Callable[[str], str]) -> str:
    dress = draw(st.sampled_from(COMMENT_DRESS))
    return "%%" + dress.format(canary(COMMENT), canary(COMMENT)) + "%%"


@st.composite
def block_comment(draw: st.DrawFn, canary: Callable[[str], str]) -> str:
    lines = draw(st.lists(st.sampled_from(BLOCK_DRESS), min_size=1, max_size=4))
    body = "\n".join(line.format(canary(COMMENT)) for line in lines)
    return f"%%\n{body}\n%%"


@st.composite
def prose(draw: st.DrawFn, canary: Callable[[str], str], text: Text) -> str:
    """Words with, maybe, a comment, inline code (``%%`` included) and links."""
    pieces = [text()]
    for _ in range(draw(st.integers(0, 3))):
        pieces.append(
            draw(
                st.sampled_from(
                    [
                        "comment",
                        "code",
                        "link-alias",
                        "link-heading",
                        "link-md",
                        "embed",
                        "words",
                    ]
                )
            )
        )
    out = []
    for piece in pieces:
        if piece == "comment":
            out.append(draw(inline_comment(canary)))
        elif piece == "code":
            out.append("`code %% " + text() + "`")
        elif piece == "link-alias":
            out.append(f"[[private|{text()}]]")
        elif piece == "link-heading":
            out.append("[[private#Part]]")
        elif piece == "link-md":
            out.append(f"[{text()}](private.md)")
        elif piece == "embed":
            out.append("![[private]]")
        else:
            out.append(piece if piece != "words" else text())
    return " ".join(out)


@st.composite
def block(draw: st.DrawFn, canary: Callable[[str], str], text: Text) -> str:
    kind = draw(
        st.sampled_from(
            [
                "paragraph",
                "heading",
                "list",
                "nested",
                "quote",
                "callout",
                "fence",
                "indented",
                "table",
                "footnote",
                "html",
                "comment",
            ]
        )
    )
    line = draw(prose(canary, text))
    if kind == "heading":
        return draw(st.sampled_from(["# ", "## "])) + line
    if kind == "list":
        return f"- {line}\n- {draw(prose(canary, text))}"
    if kind == "nested":
        return f"- {line}\n  - {draw(prose(canary, text))}\n    - {text()}"
    if kind == "quote":
        return f"> {line}\n> {draw(prose(canary, text))}"
    if kind == "callout":
        return f"> [!note] {line}\n> {draw(prose(canary, text))}"
    if kind == "fence":
        return f"```\n{text()} %% {text()}\n```"
    if kind == "indented":
        return f"    {text()}"
    if kind == "table":
        return f"| a | b |\n|---|---|\n| {line} | {text()} |"
    if kind == "footnote":
        return f"{line}[^1]\n\n[^1]: {draw(prose(canary, text))}"
    if kind == "html":  # raw HTML is not code: no inline code with %% in it
        return f"<div>\n{text()} {draw(inline_comment(canary))} {text()}\n</div>"
    if kind == "comment":
        return draw(block_comment(canary))
    return line


@st.composite
def body(draw: st.DrawFn, canary: Callable[[str], str], text: Text) -> str:
    blocks = draw(st.lists(block(canary, text), min_size=1, max_size=6))
    if draw(st.booleans()):
        # A comment across blocks: opened in one paragraph, closed in a later one, with
        # blocks of every kind between (and no other %%, which would end it early).
        inner = draw(st.lists(st.sampled_from(INNER_BLOCKS), min_size=1, max_size=4))
        spanning = "\n\n".join(
            [f"{text()} %% {canary(COMMENT)}"]
            + [item.format(canary(COMMENT), canary(COMMENT)) for item in inner]
            + [f"{canary(COMMENT)} %% {text()}"]
        )
        blocks.insert(draw(st.integers(0, len(blocks))), spanning)
    if draw(st.booleans()):
        blocks.append(f"{text()} %% {canary(COMMENT)} never closed\n\n# {canary(COMMENT)}")
    return "\n\n".join(blocks) + "\n"


@st.composite
def note_file(draw: st.DrawFn, canary: Callable[[str], str], public: bool) -> str:
    """A note's text; everything of a private note (but comments) is a draft canary."""

    def text() -> str:
        return canary(DRAFT) if not public else draw(words)

    shape = "published" if public else draw(st.sampled_from(["draft", "no-key", "bare"]))
    content = draw(body(canary, text))
    if shape == "bare":
        return content
    lines = ["---", "created: 2023-03-06"]
    if draw(st.booleans()):
        lines.append(f"title: {text()}")
    if draw(st.booleans()):
        lines.append(f"description: {text()}")
    if draw(st.booleans()):
        lines.append(f"tags: [{text().split()[0]}, shared]")
    if shape == "published":
        lines.append("draft: false")
    elif shape == "draft":
        lines.append("draft: true")
    return "\n".join([*lines, "---", ""]) + content


@st.composite
def vaults(draw: st.DrawFn) -> dict[str, str]:
    canary = Canaries()
    return {
        "public.md": draw(note_file(canary, public=True)),
        "other/second.md": draw(note_file(canary, public=True)),
        "private.md": draw(note_file(canary, public=False)),
    }


def _styles(notes: tuple[Note, ...]) -> list[object]:
    def url(note: Note) -> str:
        return f"{SITE}{note.note_id}/"

    return [
        UrlLinks(url, assets_url=f"{SITE}assets/"),
        DocumentLinks({n.note_id for n in notes}, outside=UrlLinks(url)),
        TextLinks(),
    ]


def _assert_clean(where: str, text: str, kinds: tuple[str, ...] = (COMMENT, DRAFT)) -> None:
    lowered = text.lower()
    for kind in kinds:
        assert kind not in lowered, f"{kind.upper()} canary in {where}:\n{text}"


@given(files=vaults(), build=st.sampled_from([False, False, False, False, False, True]))
def test_no_canary_reaches_a_public_output(files: dict[str, str], build: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = write_vault(Path(folder) / "vault", files, CONFIG)
        project = notepress.load_project(root, output=Path(folder) / "out")
        vault = project.vault
        for problem in vault.all_problems():
            _assert_clean("a message", str(problem), (COMMENT,))
        public = [note for note in vault.notes if note.path.stem != "private"]
        assert all(note.published for note in public), [n.problems for n in public]
        (private,) = [note for note in vault.notes if note.path.stem == "private"]
        assert not private.published
        for note in public:
            _assert_clean(f"{note.path} title/description", f"{note.title} {note.description}")
            for style in _styles(vault.notes):
                _assert_clean(f"{note.path} HTML", render_note(note, vault, style).html)  # type: ignore[arg-type]
        if not build:
            return
        report = project.build()
        assert [target.error for target in report.targets] == [None, None, None]
        for problem in report.all_problems():
            _assert_clean("a build message", str(problem), (COMMENT,))
        for path in sorted((Path(folder) / "out").rglob("*")):
            if path.is_file():
                _assert_clean(str(path.relative_to(folder)), path.read_text("utf-8", "replace"))
                _assert_clean("a file name", path.relative_to(folder).as_posix())
