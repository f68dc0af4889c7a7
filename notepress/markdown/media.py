"""Embedded media the way Obsidian shows it: sizes, audio and video players, video and post
cards, documents.

Obsidian plays ``![[talk.mp3]]`` and ``![[clip.mp4]]``, sizes ``![[chart.png|300]]`` and
``![alt|250](url)``, shows ``![](https://www.youtube.com/watch?v=...)`` as the video and
lets a note carry the ``<iframe>`` a video site offers.  The renderer writes each of them
here as plain, sanitisable HTML every output can lower in its own way: a player with a link
inside it (what a reader without players shows), and for frames from well-known hosts a
titled link card, since no output may load a frame.  Frames from other hosts are removed by
the sanitiser, as before, now with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import parse_qs, quote, urlsplit

from markdown_it.common.utils import escapeHtml

__all__ = [
    "AUDIO_TYPES",
    "DOCUMENT_TYPES",
    "SOUND_OR_FILM",
    "SOUND_OR_FILM_HEAD",
    "VIDEO_TYPES",
    "Card",
    "MediaKind",
    "embed_card",
    "frame_cards",
    "media_html",
    "media_kind",
    "media_label",
    "media_type",
    "sound_only",
    "split_size",
]

#: Audio Obsidian plays, with the MIME type a feed enclosure and a book's manifest name.
AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
}
#: Video Obsidian plays.  A ``.webm`` may hold sound alone (:func:`sound_only`).
VIDEO_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".ogv": "video/ogg",
}
DOCUMENT_TYPES = {".pdf": "application/pdf"}

MediaKind = str  # "audio", "video" or "document"

#: Containers that hold sound alone as often as film: Obsidian's own recorder saves each
#: recording as a WebM file with one Opus track.
SOUND_OR_FILM = (".webm",)
#: How much of such a file is read for its tracks, which Matroska writes near the start.
SOUND_OR_FILM_HEAD = 64 * 1024
#: A Matroska ``CodecID`` element naming a video (``V_VP9``) or an audio (``A_OPUS``)
#: codec: its id 0x86, then its size as an EBML number of one to eight bytes.
_CODEC_ID = re.compile(
    rb"\x86(?:[\x80-\xff]|[\x40-\x7f].|[\x20-\x3f].{2}|[\x10-\x1f].{3}|[\x08-\x0f].{4}"
    rb"|[\x04-\x07].{5}|[\x02-\x03].{6}|\x01.{7})([VA])_[A-Z0-9]",
    re.DOTALL,
)


def sound_only(head: bytes) -> bool:
    """Whether the WebM file that starts with ``head`` holds sound and no picture: its
    tracks name audio codecs and no video one.  Played as a film, a voice memo was a black
    frame, and a feed named it a video enclosure."""
    return {found.group(1) for found in _CODEC_ID.finditer(head)} == {b"A"}


_SIZE = re.compile(r"^\s*(\d{1,5})(?:\s*x\s*(\d{1,5}))?\s*$")


def split_size(text: str) -> tuple[str, int | None, int | None]:
    """``alt|250`` or ``alt|100x80`` (a Markdown image's text) as alt, width and height.

    Text without a trailing size is returned whole, so an alt that holds a ``|`` stays.
    """
    alt, bar, size = text.rpartition("|")
    match = _SIZE.match(size) if bar else None
    if match is None:
        return text, None, None
    height = match.group(2)
    return alt.strip(), int(match.group(1)), int(height) if height else None


def media_type(path: PurePosixPath | str) -> str | None:
    """The MIME type of an audio, video or PDF file by its name, else None."""
    suffix = PurePosixPath(str(path)).suffix.lower()
    return AUDIO_TYPES.get(suffix) or VIDEO_TYPES.get(suffix) or DOCUMENT_TYPES.get(suffix)


def media_kind(path: PurePosixPath | str) -> MediaKind | None:
    suffix = PurePosixPath(str(path)).suffix.lower()
    if suffix in AUDIO_TYPES:
        return "audio"
    if suffix in VIDEO_TYPES:
        return "video"
    if suffix in DOCUMENT_TYPES:
        return "document"
    return None


def media_label(kind: MediaKind, name: str) -> str:
    """What a reader sees for the file where it cannot be played: ``▶ talk.mp3``."""
    return ("\U0001f4c4 " if kind == "document" else "\u25b6 ") + name


def media_html(kind: MediaKind, src: str | None, name: str) -> str:
    """A player (with a link inside for readers without one), a link, or the label alone.

    ``src`` is None in outputs that carry no copy of the file: the label is then text.
    ``name`` is the file name, or the embed's alias.
    """
    label = escapeHtml(media_label(kind, name))
    if src is None:
        # A document no output carries is its name alone: the page icon is an emoji that
        # print fonts rarely have, and without a link it marks nothing a reader can open.
        text = escapeHtml(name) if kind == "document" else label
        return f'<span class="media-link media-{kind}">{text}</span>'
    href = escapeHtml(src)
    if kind == "document":
        return f'<a href="{href}" class="attachment media-document">{label}</a>'
    link = f'<a href="{href}" class="media-link media-{kind}">{label}</a>'
    return f'<{kind} controls="" src="{href}">{link}</{kind}>'


# Frames and video links ---------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """A frame or video link written as a link: its canonical page URL and its title."""

    url: str
    title: str

    def link(self) -> str:
        return f'<a href="{escapeHtml(self.url)}">{escapeHtml(self.title)}</a>'

    def html(self) -> str:
        return f'<p class="embed-card">{self.link()}</p>'


_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
_YOUTUBE_HOSTS = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}
    | {"youtube-nocookie.com", "www.youtube-nocookie.com"}
)
_VIMEO_HOSTS = frozenset({"vimeo.com", "www.vimeo.com", "player.vimeo.com"})
_X_HOSTS = frozenset({"twitter.com", "www.twitter.com", "mobile.twitter.com", "x.com", "www.x.com"})
_X_STATUS = re.compile(r"^/([A-Za-z0-9_]{1,20})/status(?:es)?/(\d{1,25})")


def embed_card(url: str) -> Card | None:
    """The card for a video or post page or player URL of a known host, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https", ""):
        return None
    host = (parts.hostname or "").lower()
    path = parts.path
    if host in _YOUTUBE_HOSTS or host in ("youtu.be", "www.youtu.be"):
        video = _youtube_id(host, path, parts.query)
        if video is None:
            return None
        return Card(f"https://www.youtube.com/watch?v={quote(video)}", "YouTube video")
    if host in _VIMEO_HOSTS:
        number = next((p for p in path.split("/") if p.isdigit()), None)
        if number is None:
            return None
        return Card(f"https://vimeo.com/{number}", "Vimeo video")
    if host in _X_HOSTS:
        match = _X_STATUS.match(path)
        if match is None:
            return None
        return Card(f"https://x.com/{match.group(1)}/status/{match.group(2)}", "Post on X")
    return None


def _youtube_id(host: str, path: str, query: str) -> str | None:
    if host.endswith("youtu.be"):
        candidate = path.strip("/").split("/")[0]
    elif path in ("/watch", "/watch/"):
        candidate = (parse_qs(query).get("v") or [""])[0]
    else:
        pieces = [p for p in path.split("/") if p]
        if len(pieces) < 2 or pieces[0] not in ("embed", "shorts", "live", "v"):
            return None
        candidate = pieces[1]
    return candidate if _YOUTUBE_ID.match(candidate) else None


#: A start tag as read here: up to 2,000 characters and no ``<`` (longer or odder ones are
#: left for the sanitiser to remove), so that a note of many unclosed tags reads in linear time.
_TAG = r"[^<>]{0,2000}"
_FRAME = re.compile(rf"<iframe\b(?P<attrs>{_TAG})>(?:\s*</iframe\s*>)?", re.IGNORECASE)
_SRC = re.compile(r"""(?<![\w-])src\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_QUOTE = re.compile(rf"<blockquote\b{_TAG}>", re.IGNORECASE)
_HREF = re.compile(r"""(?<![\w-])href\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def frame_cards(html: str) -> str:
    """Raw HTML with each frame of a known host replaced by its card, and a card after each
    X/Twitter embed quote (whose script the sanitiser removes).  Other frames stay, for the
    sanitiser to remove (the vault's check warns about them, ``iframe-removed``).

    This reads only start tags and the links of an embed quote in the note's own raw HTML,
    before anything is sanitised: what it writes is a card with a canonical URL it built,
    never the note's text.
    """
    if "<" not in html:
        return html
    lowered = html.lower()
    if "<iframe" in lowered:
        html = _FRAME.sub(_frame, html)
    if "twitter-tweet" in lowered:
        html = _after_posts(html)
    return html


def _frame(match: re.Match[str]) -> str:
    src = _SRC.search(match.group("attrs"))
    url = next((g for g in src.groups() if g is not None), "") if src else ""
    card = embed_card(url)
    return match.group(0) if card is None else card.html()


def _after_posts(html: str) -> str:
    """A card after each ``<blockquote class="twitter-tweet">`` that links to its post."""
    lowered = html.lower()
    parts: list[str] = []
    done = 0
    for start in _QUOTE.finditer(html):
        if start.start() < done or "twitter-tweet" not in start.group(0).lower():
            continue
        close = lowered.find("</blockquote", start.end())
        end = lowered.find(">", close) if close >= 0 else -1
        if end < 0:
            break
        quote = html[start.start() : end + 1]
        cards = (
            embed_card(next(g for g in m.groups() if g is not None)) for m in _HREF.finditer(quote)
        )
        card = next((c for c in cards if c is not None and c.title == "Post on X"), None)
        if card is not None:
            parts += [html[done : end + 1], card.html()]
            done = end + 1
    return "".join(parts) + html[done:]
