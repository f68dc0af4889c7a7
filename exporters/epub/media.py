"""Images for the book: read only from vault attachments, checked, and added after pandoc.

Pandoc runs sandboxed and reads no file at all; it sees each image as a placeholder URL, and
the image is put into the finished book (:mod:`.pictures`), which costs pandoc nothing.  Files are read through :class:`notepress.assets.VaultFiles`: only attachments
the vault index lists, and never through a symlink.  Each image is identified by its
content, not its name: formats EPUB readers must support pass as they are, other raster
formats are converted to PNG, and SVG is carried as :func:`notepress.assets.safe_svg`
allows: nothing active or external, the rules of web fonts taken out.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from notepress.assets import SVG_REFUSED, AssetError, VaultFiles, safe_svg, vault_files
from notepress.model import Note
from notepress.vault import Vault

from .pictures import PLACEHOLDER_FOLDER

__all__ = ["MAX_IMAGE_BYTES", "MAX_PLAYER_BYTES", "PLAYABLE", "MediaStore", "identify_raster"]

#: Larger attachments are left out (with a warning): an e-book is read on small devices, and
#: pandoc holds every image in memory.
MAX_IMAGE_BYTES = 25 * 1024 * 1024

_TOKEN_PREFIX = PLACEHOLDER_FOLDER
_CORE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
_RASTER_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".bmp"})
#: Audio and video a book can carry: audio in EPUB's core media types (MP3, AAC in MP4,
#: Opus in Ogg), and video, which EPUB lets a ``<video>`` hold in any format.  WAV, FLAC and
#: Vorbis would need a fallback reading systems rarely use: they are named, not copied.
PLAYABLE = {
    ".mp3": ("audio", "audio/mpeg"),
    ".m4a": ("audio", "audio/mp4"),
    ".opus": ("audio", "audio/ogg; codecs=opus"),
    ".mp4": ("video", "video/mp4"),
    ".m4v": ("video", "video/mp4"),
    ".webm": ("video", "video/webm"),
    ".ogv": ("video", "video/ogg"),
    ".mov": ("video", "video/quicktime"),
}
#: Larger audio or video is named, not copied (with a warning).
MAX_PLAYER_BYTES = 200 * 1024 * 1024

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Image:
    media_type: str
    data: bytes


@dataclass
class MediaStore:
    """Hands the renderer a placeholder per attachment, and turns placeholders into images.

    Placeholders are plain relative URLs, so they survive sanitising and pandoc; an image's
    is replaced by the image's own file when the book is finished.
    """

    vault: Vault
    warn: Callable[[str, PurePosixPath, Note | None], None]
    """Called with what is wrong with a file, the file, and a note that shows it: once for
    each note showing it, so that every note to mend is named, not only the first."""
    _tokens: dict[PurePosixPath, str] = field(default_factory=dict)
    _paths: dict[str, PurePosixPath] = field(default_factory=dict)
    _images: dict[str, Image | None] = field(default_factory=dict)
    _players: dict[str, tuple[str, bytes] | None] = field(default_factory=dict)
    _failed: dict[str, str] = field(default_factory=dict)
    _told: set[tuple[str, str | None]] = field(default_factory=set)

    def href(self, path: PurePosixPath) -> str | None:
        """The placeholder for an embedded attachment; None for files that are neither
        images nor audio or video a book can play."""
        suffix = path.suffix.lower()
        if suffix not in _RASTER_SUFFIXES and suffix != ".svg" and suffix not in PLAYABLE:
            return None
        token = self._tokens.get(path)
        if token is None:
            # Named by the path alone, not by the order of asking: a note rendered in a
            # worker process (or kept from an earlier build) asked another store.
            digest = hashlib.sha256(path.as_posix().encode()).hexdigest()[:24]
            token = f"{_TOKEN_PREFIX}{digest}{suffix}"
            self._tokens[path] = token
            self._paths[token] = path
        return token

    def image(self, src: str, note: Note | None = None) -> Image | None:
        """The image behind a placeholder, or None when it is not one or cannot be used
        (said about ``note``, which shows it)."""
        path = self._paths.get(src)
        if path is None or path.suffix.lower() in PLAYABLE:
            return None
        if src not in self._images:
            self._images[src] = self._load(src, path)
        self._tell(src, path, note)
        return self._images[src]

    def player(self, src: str, note: Note | None = None) -> tuple[str, bytes] | None:
        """The media type and bytes of the audio or video behind a placeholder, or None
        (said about ``note``, which plays it)."""
        path = self._paths.get(src)
        if path is None or path.suffix.lower() not in PLAYABLE:
            return None
        if src not in self._players:
            try:
                data = self.files.read(path, MAX_PLAYER_BYTES)
            except AssetError as exc:
                self._failed[src] = f"audio or video left out: {exc}"
                self._players[src] = None
            else:
                self._players[src] = (PLAYABLE[path.suffix.lower()][1], data)
        self._tell(src, path, note)
        return self._players[src]

    def _tell(self, src: str, path: PurePosixPath, note: Note | None) -> None:
        message = self._failed.get(src)
        key = (src, note.path.as_posix() if note is not None else None)
        if message is not None and key not in self._told:
            self._told.add(key)
            self.warn(message, path, note)

    def images(self) -> dict[str, tuple[str, bytes]]:
        """Every image placed in the book, by placeholder: media type and bytes."""
        return {
            src: (found.media_type, found.data)
            for src, found in self._images.items()
            if found is not None
        }

    def players(self) -> dict[str, tuple[str, bytes]]:
        """Every audio and video placed in the book, by placeholder, in order of first use."""
        return {src: found for src, found in self._players.items() if found is not None}

    @functools.cached_property
    def files(self) -> VaultFiles:
        return vault_files(self.vault)

    def _load(self, src: str, path: PurePosixPath) -> Image | None:
        """The image, or None with what is wrong with it kept for :meth:`_tell`."""
        try:
            data = self.files.read(path, MAX_IMAGE_BYTES)
        except AssetError as exc:
            self._failed[src] = f"image left out: {exc}"
            return None
        if path.suffix.lower() == ".svg":
            carried = safe_svg(data)
            if carried is not None:
                return Image("image/svg+xml", carried)
            self._failed[src] = f"SVG image left out: {SVG_REFUSED}"
            return None
        image = identify_raster(data)
        if image is None:
            self._failed[src] = "image left out: not a readable PNG, JPEG, GIF, WebP, AVIF or BMP"
        return image


def identify_raster(data: bytes) -> Image | None:
    """Recognise an image by content; formats readers need not support become PNG."""
    from PIL import Image as PILImage

    try:
        with PILImage.open(io.BytesIO(data)) as picture:
            media_type = _CORE_FORMATS.get(picture.format or "")
            if media_type is not None:
                picture.verify()
                return Image(media_type, data)
            picture.load()
            buffer = io.BytesIO()
            converted = (
                picture if picture.mode in ("RGB", "RGBA", "L", "LA") else picture.convert("RGBA")
            )
            converted.save(buffer, "PNG")
            return Image("image/png", buffer.getvalue())
    except Exception:  # Pillow raises many types for damaged or hostile files
        return None
