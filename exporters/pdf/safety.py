"""What a PDF digest may load while it renders: ``data:`` URIs and the vault's attachments.

A digest is rendered from notes that anyone with write access to the vault may have written,
so the renderer must not become a way to read ``~/.ssh/id_rsa`` into a PDF or to ping a
server.  One :class:`LoadPolicy` decides, and it is used twice:

* before rendering, :func:`scan_note` judges what each note *asks* to load (the references
  :func:`notepress.assets.note_references` finds: images, raw HTML ``src``, ``<link
  rel=attachment>``, CSS ``url()``), so that a refusal can be reported against the note
  that made the request, even when the sanitiser has already dropped the markup;
* while rendering, the worker's URL fetcher applies the same policy to every URL WeasyPrint
  actually tries to load, including those of templates and SVG images, and reads vault
  files through :class:`notepress.assets.VaultFiles`, which never follows a symlink.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath
from urllib.parse import quote, unquote, urljoin, urlsplit
from urllib.request import url2pathname

from notepress.assets import AssetError, VaultFiles, local_path, note_references, safe_svg
from notepress.markdown.media import embed_card
from notepress.model import Note
from notepress.vault import Vault

__all__ = [
    "MISSING_REASONS",
    "VAULT_ORIGIN",
    "LoadPolicy",
    "Request",
    "missing_file_name",
    "scan_note",
    "vault_url",
]

VAULT_ORIGIN = "https://vault.invalid/"
"""Where the document sees the vault's files; answered from disk, never from a network."""
_VAULT_HOST = "vault.invalid"
_FOLDER_HOST = re.compile(r"^templates-(\d+)\.invalid$")

NETWORK_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "ws", "wss", "gopher"})


@dataclass(frozen=True)
class LoadPolicy:
    """The files a digest may read; everything else is refused with a reason.

    The document sees the vault at a virtual origin, :data:`VAULT_ORIGIN`, and template
    folders at ``https://templates-N.invalid/``: these URLs are answered from disk by the
    fetcher and never reach a network (``.invalid`` cannot resolve).  Virtual URLs keep
    the absolute path of the build machine out of the PDF, where WeasyPrint would hash it
    into image names, so the same vault gives the same bytes wherever it is checked out.
    """

    vault: VaultFiles
    """The vault's attachments (hidden, ignored and output files are not among them)."""
    folders: tuple[Path, ...] = ()
    """Template folders, resolved, whose files (fonts, logos) stylesheets may use."""

    @classmethod
    def for_vault(
        cls, root: Path, attachments: Iterable[PurePosixPath], folders: Iterable[Path] = ()
    ) -> LoadPolicy:
        """``attachments`` are vault-relative paths, as the vault scan lists them."""
        return cls(VaultFiles.of(root, attachments), tuple(folder.resolve() for folder in folders))

    def folder_url(self, folder: Path) -> str:
        """The virtual base URL of a template folder."""
        return f"https://templates-{self.folders.index(folder.resolve())}.invalid/"

    def load(self, url: str) -> tuple[bytes, str] | None:
        """The bytes and file name behind ``url``; None for a ``data:`` URI.

        Raises :class:`~notepress.assets.AssetError` with the reason of a refusal.
        """
        where, reason = self._locate(url)
        if reason is not None:
            raise AssetError(reason)
        if where is None:
            return None
        in_vault, path = where
        if in_vault:
            data = self.vault.read(PurePosixPath(path))
            if path.suffix.lower() == ".svg":
                # A drawing's web fonts are taken out as every output takes them out, not
                # refused one by one here with a warning each (an Excalidraw export names
                # three); anything else it would load is still refused as it is asked for.
                data = safe_svg(data) or data
            return data, path.name
        return Path(path).read_bytes(), path.name

    def refusal(self, url: str) -> str | None:
        """Why the absolute ``url`` must not be loaded, or None when it may be."""
        return self._locate(url)[1]

    def _locate(self, url: str) -> tuple[tuple[bool, PurePath] | None, str | None]:
        """``((in the vault?, path), None)``, ``(None, reason)``, or ``(None, None)`` for data."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None, "not a valid URL"
        scheme = parts.scheme.lower()
        if scheme == "data":
            return None, None
        if ".." in unquote(parts.path).split("/"):
            return None, "'..' escapes are not allowed"
        host = (parts.hostname or "").lower()
        if scheme == "https" and host == _VAULT_HOST:
            return self._vault_file(PurePosixPath(_relative(parts.path)))
        if scheme == "https" and _FOLDER_HOST.match(host):
            index = int(_FOLDER_HOST.match(host)[1])  # type: ignore[index]
            if index < len(self.folders):
                return self._folder_file(self.folders[index] / _relative(parts.path))
        if scheme in NETWORK_SCHEMES or url.startswith("//"):
            return None, (
                "PDF digests never load anything from the network: save the file in the vault "
                "(or the templates folder) and refer to it there to print it"
            )
        if scheme != "file":
            return None, f"the {scheme or 'empty'} URL scheme is not allowed"
        if parts.netloc not in ("", "localhost"):
            return None, "file URLs on other hosts are not allowed"
        path = Path(os.path.normpath(url2pathname(unquote(parts.path))))
        if any(path.resolve().is_relative_to(folder) for folder in self.folders):
            return self._folder_file(path)
        for root in {self.vault.root, self.vault.root.resolve()}:
            if path.is_relative_to(root):
                return self._vault_file(PurePosixPath(path.relative_to(root).as_posix()))
        return None, "the file is outside the vault"

    def _vault_file(self, path: PurePosixPath) -> tuple[tuple[bool, PurePath] | None, str | None]:
        if path in self.vault.attachments:
            return (True, path), None
        real = (self.vault.root / path).resolve()
        if real.is_relative_to(self.vault.root) and not real.exists():
            return None, "no such file in the vault"
        if real.is_relative_to(self.vault.root):
            return None, "only the vault's attachments may be loaded"
        return None, "the file is outside the vault"

    def _folder_file(self, path: Path) -> tuple[tuple[bool, PurePath] | None, str | None]:
        real = path.resolve()
        if not any(real.is_relative_to(folder) for folder in self.folders):
            return None, "the file is outside the template folders"
        if not real.is_file():
            return None, "no such file in the template folder"
        return (False, real), None


#: Refusals that mean a file is not there at all, not that loading it is unsafe: reported
#: as missing files (``pdf-file-missing``) rather than as refusals.
MISSING_REASONS = frozenset(
    {
        "no such file in the template folder",
        "no such attachment in the vault",
        "no such file in the vault",
    }
)


def missing_file_name(url: str) -> str:
    """What a person wrote for a missing file behind a virtual URL: its path in the vault or
    in a template folder, not the URL the digest uses internally."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and (host == _VAULT_HOST or _FOLDER_HOST.match(host)):
        return _relative(parts.path)
    return url


def vault_url(path: PurePosixPath | str) -> str:
    """The virtual URL of a vault-relative path."""
    return VAULT_ORIGIN + quote(str(path))


def _relative(url_path: str) -> str:
    return unquote(url_path).lstrip("/")


@dataclass(frozen=True)
class Request:
    """One resource a note asks to load, as written and as an absolute URL."""

    written: str
    url: str
    refusal: str | None
    kind: str
    """How it was asked for: ``image``, ``<img src>``, ``<link rel=attachment>``..."""
    line: int | None = None


def scan_note(note: Note, vault: Vault, policy: LoadPolicy) -> list[Request]:
    """Every resource ``note``'s markdown and raw HTML asks to load, judged like the renderer.

    Relative references are read against the note's folder and looked up among the vault's
    attachments, as the renderer does.  ``<link rel=attachment>`` and ``<a rel=attachment>``
    are always refused: a digest never embeds files, whatever their place.
    """
    requests = []
    for reference in note_references(note):
        written = reference.url.strip()
        if not reference.loads or not written or written.startswith("#"):
            continue
        if reference.kind == "<iframe src>" or (
            reference.kind == "image" and embed_card(written) is not None
        ):
            continue  # never loaded: frames are removed or written as link cards
        url, refusal = _judge(written, note, vault, policy)
        if reference.kind.endswith("rel=attachment>"):
            refusal = "PDF digests never embed file attachments"
        requests.append(Request(written, url, refusal, reference.kind, reference.line))
    return requests


def _judge(written: str, note: Note, vault: Vault, policy: LoadPolicy) -> tuple[str, str | None]:
    """The absolute URL ``written`` stands for in ``note``, and why it is refused, if it is."""
    try:
        urlsplit(written)
    except ValueError:
        return written, "not a valid URL"
    if urlsplit(written).scheme or written.startswith("//"):
        return written, policy.refusal(written)
    # A path from ``/`` is from the vault's root, as Obsidian and the renderer read it: one
    # to a file outside the vault (``/etc/passwd``) is no attachment of it, and refused so.
    joined = local_path(written, note)
    if joined is None:
        return urljoin(vault_url(note.path.parent.as_posix() + "/"), written), (
            "'..' leads outside the vault"
        )
    attachment = vault.attachment(joined.as_posix())
    if attachment is None:
        return vault_url(joined), "no such attachment in the vault"
    return vault_url(attachment), None
