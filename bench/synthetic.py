"""A synthetic vault of any size, with the constructs real notes carry, for benchmarks."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

WORDS = [
    "river",
    "bread",
    "keyboard",
    "switch",
    "starter",
    "network",
    "rack",
    "signal",
    "dough",
    "solder",
    "firmware",
    "tram",
    "logbook",
    "winter",
    "lease",
    "backup",
    "crumb",
    "cable",
    "router",
    "oven",
    "map",
    "street",
    "journal",
    "layer",
    "patience",
]


def _sentence(rng: random.Random, words: int = 14) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def note_body(index: int, count: int, rng: random.Random, extra: int = 0) -> str:
    other = f"Note {rng.randrange(count):05d}"
    paragraphs = [
        f"*see also:* [[{other}]] · [[Note {rng.randrange(count):05d}|an alias]]",
        " ".join(_sentence(rng) for _ in range(4)) + "[^1]",
        "## details",
        f"- {_sentence(rng, 8)}\n- ==highlighted== {_sentence(rng, 6)}\n- [[{other}#details]]",
        "> [!note] A callout\n> " + _sentence(rng),
        '<div class="linkage-tree"><ul><li>related <ul><li>[['
        + other
        + "]]</li></ul></li></ul></div>",
        "```python\nprint('hello')\n```",
        " ".join(_sentence(rng) for _ in range(5)) + " %%private%%",
        f"[^1]: {_sentence(rng, 6)}",
    ]
    # Longer notes: plain prose before the footnote, every other paragraph with a link.
    for number in range(extra):
        link = f" See [[Note {rng.randrange(count):05d}]]." if number % 2 else ""
        paragraphs.insert(-1, " ".join(_sentence(rng) for _ in range(5)) + link)
    return "\n\n".join(paragraphs) + "\n"


def make_vault(
    root: Path, count: int, *, seed: int = 7, drafts_every: int = 10, extra: int = 0
) -> Path:
    """Write ``count`` notes (every ``drafts_every``-th a draft) under ``root``.

    A note is about 1.5 KB; each of ``extra`` paragraphs adds about 500 bytes (``extra=5``
    gives the 4 KB notes of the feed benchmark).
    """
    rng = random.Random(seed)
    start = date(2015, 1, 1)
    for index in range(count):
        day = start + timedelta(days=index * 3650 // max(count, 1))
        note_id = f"{day:%y%m%d}GN{index % 100:02d}"
        folder = root / f"{day.year}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note {index:05d}.md").write_text(
            "---\n"
            f"title: Note {index:05d}\n"
            f"note_id: {note_id}\n"
            f"created: {day.isoformat()}\n"
            f"draft: {'true' if index % drafts_every == 0 else 'false'}\n"
            f"tags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]\n"
            f"description: {_sentence(rng, 8)}\n"
            "---\n\n" + note_body(index, count, rng, extra),
            encoding="utf-8",
        )
    return root
