"""The Admonition plugin's ```` ```ad-type ```` blocks: callouts in every output, read by the
loader like any other markdown, with the plugin's parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from notepress.markdown.outline import read_outline
from notepress.markdown.parser import create_parser
from notepress.vault import load_vault
from tests.conftest import write_vault
from tests.test_markdown import render

WARNING = """\
```ad-warning
title: Keep the **lid** on
collapse: closed
The pot boils over when [[Kettle]] is left alone.

- lower the heat
- stir
```
"""


def test_an_admonition_is_a_callout_with_its_title_fold_and_markdown_body() -> None:
    html = render(WARNING).html
    assert html.startswith(
        '<div class="callout callout-warning" data-callout="warning" '
        'data-callout-fold="closed">\n'
        '<p class="callout-title">Keep the <strong>lid</strong> on</p>\n'
    )
    assert "<li>lower the heat</li>" in html and "<li>stir</li>" in html
    assert "ad-warning" not in html and "title:" not in html and "collapse:" not in html
    assert "<code" not in html and "[[" not in html


def test_the_tokens_are_those_of_a_callout_quote() -> None:
    quote = create_parser().parse("> [!tip]- Short\n> Body text.\n", {})
    fence = create_parser().parse("```ad-tip\ntitle: Short\ncollapse: close\nBody text.\n```\n", {})
    shape = [(t.type, t.tag, t.attrs, t.content) for t in quote if t.type != "inline"]
    assert [(t.type, t.tag, t.attrs, t.content) for t in fence if t.type != "inline"] == shape
    assert fence[0].meta == {"kind": "tip", "fold": "-", "metadata": ""}


@pytest.mark.parametrize(
    ("parameters", "title"),
    [
        pytest.param("", "Example", id="type-capitalised"),
        pytest.param("title: A worked case\n", "A worked case", id="given"),
        pytest.param("title:\n", None, id="blank-shows-none"),
        pytest.param("title:\ncollapse: open\n", "Example", id="blank-but-folding"),
        pytest.param(
            "color: 200, 10, 10\nicon: star\nmetadata: wide\ntitle: Hue\n", "Hue", id="any-order"
        ),
    ],
)
def test_the_title_follows_the_plugin(parameters: str, title: str | None) -> None:
    html = render(f"```ad-EXAMPLE\n{parameters}Body.\n```\n").html
    shown = f'<p class="callout-title">{title}</p>' if title else None
    assert ('<p class="callout-title">' in html) == (title is not None)
    assert shown is None or shown in html
    assert "<p>Body.</p>" in html
    assert "200, 10" not in html and "star" not in html and "wide" not in html


def test_parameters_count_only_at_the_top_and_once() -> None:
    html = render("```ad-note\ntitle: One\ntitle: Two\nText.\ntitle: Three\n```\n").html
    assert '<p class="callout-title">One</p>' in html
    assert "title: Two<br>\nText.<br>\ntitle: Three" in html


def test_nested_admonitions_and_code_inside_them() -> None:
    body = (
        "````ad-note\nOuter.\n\n```ad-tip\nInner [[Kettle]].\n```\n\n"
        "```python\nprint('kept as code')\n```\n````\n"
    )
    html = render(body).html
    assert html.count('<div class="callout') == 2
    assert (
        '<div class="callout callout-tip" data-callout="tip">\n<p class="callout-title">Tip' in html
    )
    assert "<pre><code class=\"language-python\">print('kept as code')\n</code></pre>" in html
    assert html.index("callout-tip") < html.index("kept as code") < html.rindex("</div>")


def test_a_code_block_left_open_inside_ends_with_the_admonition() -> None:
    """A common slip: the inner block's closing fence closes the admonition instead."""
    html = render("```ad-example\n```c\nint x;\n```\n\nAfter.\n").html
    assert '<pre><code class="language-c">int x;</code></pre>\n</div>\n<p>After.</p>' in html


def test_a_comment_inside_an_admonition_stays_private() -> None:
    html = render("```ad-info\nShown %%PRIVATE-NOTE%% text.\n\n%%\nPRIVATE-LINES\n%%\n```\n").html
    assert "PRIVATE" not in html
    assert "Shown" in html and "text." in html


def test_a_plain_code_block_naming_ad_as_text_stays_code() -> None:
    for info in ("ad", "adnote", "ad-"):
        html = render(f"```{info}\ntitle: x\n```\n").html
        assert "<code" in html and "callout" not in html, info


def test_the_outline_reads_links_headings_and_tags_inside_with_file_lines() -> None:
    body = "Intro.\n\n```ad-abstract\ntitle: See [[Rye]]\n## Inside #baking\nUse [[Oven]].\n```\n"
    outline = read_outline(body, first_line=10)
    assert [(link.target, link.line) for link in outline.links] == [("Rye", 13), ("Oven", 15)]
    assert [text for _, text, _ in outline.headings] == ["Inside #baking"]
    assert outline.tags == ("baking",)


def test_a_broken_link_inside_is_reported_on_its_line(tmp_path: Path) -> None:
    root = write_vault(
        tmp_path / "v",
        {"a.md": "# A\n\n```ad-note\ntitle: x\nfirst\nsee [[Nowhere]]\n```\n", "Kettle.md": "K\n"},
    )
    problems = {(p.path, p.line, p.code) for p in load_vault(root).all_problems()}
    assert ("a.md", 6, "link-unresolved") in problems
