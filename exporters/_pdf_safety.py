"""What a PDF digest may load while it renders: ``data:`` URIs and the vault's attachments.

A digest is rendered from notes that anyone with write access to the vault may have written,
so the renderer must not become a way to read ``~/.ssh/id_rsa`` into a PDF or to ping a
server.  One :class:`LoadPolicy` decides, and it is used twice:

* before rendering, :func:`scan_note` reads what each note *asks* to load (images, raw HTML
  ``src``/``href``, ``<link rel=attachment>``, CSS ``url()``), so that a refusal can be
  reported against the note that made the request, even when the sanitiser has already
  dropped the markup;
* while rendering, the worker's URL fetcher applies the same policy to every URL WeasyPrint
  actually tries to load, including those of templates and SVG images.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from urllib.request import url2pathname

import lxml.etree
import lxml.html
import tinycss2

from notepress.markdown.render import note_tokens
from notepress.model import Note
from notepress.vault import Vault

__all__ = ["VAULT_ORIGIN", "LoadPolicy", "Request", "css_urls", "scan_note", "vault_url"]

VAULT_ORIGIN = "https://vault.invalid/"
"""Where the document sees the vault's files; answered from disk, never from a network."""
_VAULT_HOST = "vault.invalid"
_FOLDER_HOST = re.compile(r"^templates-(\d+)\.invalid$")

NETWORK_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "ws", "wss", "gopher"})

#: Elements whose attributes make a renderer load something.
_LOADING_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "iframe": ("src",),
    "frame": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href", "src"),
    "use": ("href", "xlink:href"),
    "link": ("href",),
    "body": ("background",),
    "table": ("background",),
    "td": ("background",),
    "th": ("background",),
}


@dataclass(frozen=True)
class LoadPolicy:
    """The files a digest may read; everything else is refused with a reason.

    The document sees the vault at a virtual origin, :data:`VAULT_ORIGIN`, and template
    folders at ``https://templates-N.invalid/``: these URLs are answered from disk by the
    fetcher and never reach a network (``.invalid`` cannot resolve).  Virtual URLs keep
    the absolute path of the build machine out of the PDF, where WeasyPrint would hash it
    into image names, so the same vault gives the same bytes wherever it is checked out.
    """

    vault_root: Path
    """The vault folder, resolved."""
    files: frozenset[Path]
    """The vault's attachments, resolved: hidden, ignored and output files are not in it."""
    folders: tuple[Path, ...] = ()
    """Template folders, resolved, whose files (fonts, logos) stylesheets may use."""

    @classmethod
    def for_vault(
        cls, root: Path, attachments: Iterable[Path], folders: Iterable[Path] = ()
    ) -> LoadPolicy:
        return cls(
            root.resolve(),
            frozenset(path.resolve() for path in attachments),
            tuple(folder.resolve() for folder in folders),
        )

    def folder_url(self, folder: Path) -> str:
        """The virtual base URL of a template folder."""
        return f"https://templates-{self.folders.index(folder.resolve())}.invalid/"

    def locate(self, url: str) -> tuple[Path | None, str | None]:
        """The file ``url`` may be read from, or why it may not; ``(None, None)`` for data."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return None, None
        if ".." in unquote(parts.path).split("/"):
            return None, "'..' escapes are not allowed"
        host = (parts.hostname or "").lower()
        if scheme == "https" and host == _VAULT_HOST:
            return self._vault_file(self.vault_root / _relative(parts.path))
        if scheme == "https" and _FOLDER_HOST.match(host):
            index = int(_FOLDER_HOST.match(host)[1])  # type: ignore[index]
            if index < len(self.folders):
                return self._folder_file(self.folders[index] / _relative(parts.path))
        if scheme in NETWORK_SCHEMES or url.startswith("//"):
            return None, "PDF digests never load anything from the network"
        if scheme != "file":
            return None, f"the {scheme or 'empty'} URL scheme is not allowed"
        if parts.netloc not in ("", "localhost"):
            return None, "file URLs on other hosts are not allowed"
        path = Path(url2pathname(unquote(parts.path)))
        if any(path.resolve().is_relative_to(folder) for folder in self.folders):
            return self._folder_file(path)
        return self._vault_file(path)

    def refusal(self, url: str) -> str | None:
        """Why the absolute ``url`` must not be loaded, or None when it may be."""
        return self.locate(url)[1]

    def _vault_file(self, path: Path) -> tuple[Path | None, str | None]:
        real = path.resolve()
        if real in self.files:
            return real, None
        if real.is_relative_to(self.vault_root):
            return None, "only the vault's attachments may be loaded"
        return None, "the file is outside the vault"

    def _folder_file(self, path: Path) -> tuple[Path | None, str | None]:
        real = path.resolve()
        if not any(real.is_relative_to(folder) for folder in self.folders):
            return None, "the file is outside the template folders"
        if not real.is_file():
            return None, "no such file in the template folder"
        return real, None


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


def scan_note(note: Note, vault: Vault, policy: LoadPolicy) -> list[Request]:
    """Every resource ``note``'s markdown and raw HTML asks to load, judged like the renderer.

    Relative references are read against the note's folder and looked up among the vault's
    attachments, as the renderer does.  ``<link rel=attachment>`` and ``<a rel=attachment>``
    are always refused: a digest never embeds files, whatever their place.
    """
    requests = []
    for kind, written in _asked(note):
        written = written.strip()
        if not written or written.startswith("#"):
            continue
        url, refusal = _judge(written, note, vault, policy)
        if kind.endswith("rel=attachment>"):
            refusal = "PDF digests never embed file attachments"
        requests.append(Request(written, url, refusal, kind))
    return requests


def _judge(written: str, note: Note, vault: Vault, policy: LoadPolicy) -> tuple[str, str | None]:
    """The absolute URL ``written`` stands for in ``note``, and why it is refused, if it is."""
    if urlsplit(written).scheme or written.startswith("//"):
        return written, policy.refusal(written)
    path = unquote(urlsplit(written).path)
    if path.startswith("/"):
        return Path(path).as_uri(), "absolute paths are not allowed"
    joined = posixpath.normpath(posixpath.join(note.path.parent.as_posix(), path))
    if joined == ".." or joined.startswith("../"):
        return urljoin(vault_url(note.path.parent.as_posix() + "/"), written), (
            "'..' leads outside the vault"
        )
    attachment = vault.attachment(joined)
    if attachment is None:
        return vault_url(joined), "no such attachment in the vault"
    return vault_url(attachment), None


def _asked(note: Note) -> Iterator[tuple[str, str]]:
    """``(kind, url as written)`` for each load the note's body asks for."""
    tokens = note_tokens(note)
    for token in tokens:
        if token.type == "html_block":
            yield from _html_requests(token.content)
        for child in token.children or ():
            if child.type == "image":
                yield "image", str(child.attrGet("src") or "")
            elif child.type == "html_inline":
                yield from _html_requests(child.content)


def _html_requests(html: str) -> Iterator[tuple[str, str]]:
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower().rpartition(":")[2]
        rel = (element.get("rel") or "").lower().split()
        if tag in ("a", "link") and "attachment" in rel:
            yield f"<{tag} rel=attachment>", element.get("href") or ""
            continue
        for attribute in _LOADING_ATTRIBUTES.get(tag, ()):
            value = element.get(attribute)
            if value is None:
                continue
            values = _srcset(value) if attribute.endswith("srcset") else [value]
            for item in values:
                yield f"<{tag} {attribute}>", item
        if element.get("style"):
            for url in css_urls(element.get("style") or "", declarations=True):
                yield "CSS url()", url
        if tag == "style" and element.text:
            for url in css_urls(element.text):
                yield "CSS url()", url


def _srcset(value: str) -> list[str]:
    return [item.split()[0] for item in value.split(",") if item.split()]


def css_urls(css: str, *, declarations: bool = False) -> list[str]:
    """The URLs a piece of CSS refers to (``url()``, ``@import "..."``), parsed by tinycss2."""
    if declarations:
        nodes = tinycss2.parse_blocks_contents(css, skip_whitespace=True)
    else:
        nodes = tinycss2.parse_stylesheet(css, skip_whitespace=True)
    found: list[str] = []
    _collect_urls(nodes, found)
    return found


_URL_FUNCTIONS = frozenset({"url", "src", "image", "image-set", "-webkit-image-set"})


def _collect_urls(nodes: list[Any] | None, found: list[str], *, strings: bool = False) -> None:
    """Walk tinycss2 nodes; ``strings`` says whether a string there is a URL."""
    for node in nodes or ():
        kind = getattr(node, "type", "")
        if kind == "url" or (kind == "string" and strings):
            found.append(node.value)
        elif kind == "function":
            _collect_urls(node.arguments, found, strings=node.lower_name in _URL_FUNCTIONS)
        elif kind == "at-rule":
            _collect_urls(node.prelude, found, strings=node.lower_at_keyword == "import")
            _collect_urls(node.content, found)
        elif kind == "declaration":
            _collect_urls(node.value, found)
        elif kind in ("qualified-rule", "() block", "[] block", "{} block"):
            _collect_urls(getattr(node, "prelude", None), found)
            _collect_urls(node.content, found)
