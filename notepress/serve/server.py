"""The preview server: the output folder over HTTP on a loopback address, plus its own pages.

Standard library only (:mod:`http.server` in a thread).  What it promises:

- nothing outside the target folders is served: a path is taken apart segment by segment,
  a segment that is empty, ``.``, ``..`` or hidden (the manifest, the lock) is refused, and
  the file found must still lie inside its target folder once symlinks are resolved;
- the target folders are served as the build wrote them, byte for byte; the server's pages
  live under ``/_notepress/`` and are generated in memory, never written to the output;
- loopback only, unless the caller explicitly allows another address;
- every page of its own is HTML-escaped and sent with a Content-Security-Policy that lets
  only the server's own script run, so a note title or a feed item cannot run code.
"""

from __future__ import annotations

import ipaddress
import json
import mimetypes
import socket
import threading
import zipfile
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from lxml import etree

from .epubview import read_book, read_member
from .feedview import read_feed
from .pages import PREFIX, Pages
from .rebuild import BuildState, Rebuilder

__all__ = ["PreviewServer", "is_loopback"]

_STOP_SECONDS = 10.0
"""Longest wait for the serving thread to end when the server stops."""

_OWN_PAGES_POLICY = (
    "default-src 'self'; img-src 'self' data: http: https:; media-src 'self' http: https:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; frame-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'"
)
#: For the built HTML, XML and SVG files: as published, but nothing may run.
_OUTPUT_POLICY = (
    "default-src 'self'; img-src 'self' data: http: https:; media-src 'self' http: https:; "
    "style-src 'self' 'unsafe-inline'; script-src 'none'; object-src 'none'; base-uri 'none'"
)
#: For a feed's XML: Chromium counts an XSL stylesheet as a script, so the feed's own
#: stylesheet (same origin) may run, and nothing else.
_FEED_POLICY = _OUTPUT_POLICY.replace("script-src 'none'", "script-src 'self'")
_TYPES = {
    # Plain XML types, so that a browser shows an Atom or RSS feed through its XSL.
    ".xml": "application/xml",
    ".xsl": "application/xslt+xml",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".pdf": "application/pdf",
    ".epub": "application/epub+zip",
    ".html": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".md": "text/plain",
}
_TEXT = (
    "text/",
    "application/xml",
    "application/xslt+xml",
    "application/json",
    "application/ld+json",
    "image/svg+xml",
)
_ACTIVE = ("text/html", "application/xhtml+xml", "image/svg+xml")
_STATIC = {"preview.css": "text/css", "reload.js": "text/javascript"}


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def media_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    kind = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(_TEXT) else kind


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    preview: PreviewServer


class _Server6(_Server):
    address_family = socket.AF_INET6


class PreviewServer:
    """Serves the rebuilder's output folder and the preview pages in a background thread."""

    def __init__(
        self,
        rebuilder: Rebuilder,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        allow_remote: bool = False,
    ) -> None:
        if not is_loopback(host) and not allow_remote:
            raise ValueError(
                f"{host} is not a loopback address: the preview would be open to the network"
            )
        self.rebuilder = rebuilder
        self.pages = Pages()
        server_class = _Server6 if ":" in host else _Server
        self.httpd = server_class((host.strip("[]"), port), _Handler)
        self.httpd.preview = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        address = self.httpd.server_address
        host, port = str(address[0]), address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def start(self) -> PreviewServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="notepress-preview", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; bounded, so that Ctrl-C always ends the command.

        ``shutdown`` waits for the serving loop to notice, with no limit of its own; it runs
        on a daemon thread here, so a loop that never answers cannot keep the process alive.
        """
        if self._thread is not None:
            stopping = threading.Thread(target=self.httpd.shutdown, daemon=True)
            stopping.start()
            stopping.join(_STOP_SECONDS)
            self._thread.join(_STOP_SECONDS)
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> PreviewServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "notepress-preview"
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal is for build messages."""

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    # Routing -------------------------------------------------------------------------

    def _respond(self, *, head: bool) -> None:
        preview = self.server.preview
        state = preview.rebuilder.state
        url = urlsplit(self.path)
        raw = url.path
        try:
            if raw == "/":
                self._page(preview.pages.index(state), head)
            elif raw.startswith(PREFIX):
                self._own(state, raw[len(PREFIX) :], parse_qs(url.query), head)
            else:
                self._output(state, raw, head)
        except _NotFound:
            self._page(preview.pages.not_found(state, unquote(raw)), head, HTTPStatus.NOT_FOUND)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _own(self, state: BuildState, rest: str, query: dict[str, list[str]], head: bool) -> None:
        pages = self.server.preview.pages
        if rest == "status.json":
            body = json.dumps({"build": state.generation, "error": state.error}).encode()
            self._send(body, "application/json", head, policy=_OWN_PAGES_POLICY)
            return
        if rest in _STATIC:
            data = (files("notepress.templates") / "serve" / rest).read_bytes()
            self._send(data, f"{_STATIC[rest]}; charset=utf-8", head, policy=_OWN_PAGES_POLICY)
            return
        kind, _, rest = rest.partition("/")
        parts = _segments(rest)
        if kind == "newsletter" and len(parts) == 1:
            folder = _target_folder(state, parts[0])
            try:
                feed = read_feed(folder, "/" + quote(parts[0]) + "/")
            except (OSError, ValueError, etree.XMLSyntaxError):
                feed = None
            self._page(pages.newsletter(state, parts[0], feed), head)
            return
        if kind == "epub" and len(parts) >= 2:
            folder = _target_folder(state, parts[0])
            book_path = _find_file(folder, [parts[1]])
            if book_path is None or not parts[1].endswith(".epub"):
                raise _NotFound
            if len(parts) == 2:
                self._book(state, parts[0], parts[1], book_path, query, head)
            else:
                self._member(book_path, "/".join(parts[2:]), head)
            return
        raise _NotFound

    def _book(
        self,
        state: BuildState,
        target: str,
        name: str,
        path: Path,
        query: dict[str, list[str]],
        head: bool,
    ) -> None:
        try:
            book = read_book(path)
        except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
            book = None
        try:
            chapter = int(query.get("chapter", ["0"])[0])
        except ValueError:
            chapter = 0
        count = len(book.chapters) if book else 0
        chapter = min(max(chapter, 0), max(count - 1, 0))
        base = f"{PREFIX}epub/{quote(target)}/{quote(name)}/"
        self._page(self.server.preview.pages.book(state, target, name, book, chapter, base), head)

    def _member(self, book: Path, name: str, head: bool) -> None:
        try:
            found = read_member(book, name)
        except (OSError, zipfile.BadZipFile):
            found = None
        if found is None:
            raise _NotFound
        data, kind = found
        text = kind.startswith(_TEXT) or kind == "application/xhtml+xml"
        self._send(
            data,
            f"{kind}; charset=utf-8" if text and "charset" not in kind else kind,
            head,
            policy=_OUTPUT_POLICY,
        )

    def _output(self, state: BuildState, raw: str, head: bool) -> None:
        parts = _segments(raw.lstrip("/"))
        if not parts:
            raise _NotFound
        folder = _target_folder(state, parts[0])
        wants_folder = raw.endswith("/")
        path = _find_file(folder, parts[1:]) if len(parts) > 1 else folder.resolve()
        if path is None:
            raise _NotFound
        if path.is_dir():
            if not wants_folder:
                self._redirect(raw + "/")
                return
            relative = "/".join(parts[1:]) + ("/" if len(parts) > 1 else "")
            self._page(self.server.preview.pages.listing(state, parts[0], path, relative), head)
            return
        try:
            data = path.read_bytes()
        except OSError:
            raise _NotFound from None
        kind = media_type(path.name)
        self._send(
            data,
            kind,
            head,
            policy=_policy(kind),
            inline=kind == "application/pdf",
        )

    # Responses ----------------------------------------------------------------------

    def _page(self, body: bytes, head: bool, status: HTTPStatus = HTTPStatus.OK) -> None:
        self._send(body, "text/html; charset=utf-8", head, status, policy=_OWN_PAGES_POLICY)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", quote(location, safe="/%"))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(
        self,
        body: bytes,
        kind: str,
        head: bool,
        status: HTTPStatus = HTTPStatus.OK,
        *,
        policy: str | None = None,
        inline: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if policy:
            self.send_header("Content-Security-Policy", policy)
        if inline:
            self.send_header("Content-Disposition", "inline")
        self.end_headers()
        if not head:
            self.wfile.write(body)


def _policy(kind: str) -> str | None:
    if kind.startswith("application/xml"):
        return _FEED_POLICY
    return _OUTPUT_POLICY if kind.startswith(_ACTIVE) else None


class _NotFound(Exception):
    """Answered with the 404 page."""


def _segments(path: str) -> list[str]:
    """The decoded segments of a URL path; a trailing slash adds none.

    Refused (404): an empty segment inside the path, ``.``, ``..``, a hidden name, a
    backslash or a NUL, in any encoding the path was written in.
    """
    raw = path.split("/")
    if raw and raw[-1] == "":
        raw.pop()
    parts = []
    for segment in raw:
        try:
            name = unquote(segment, errors="strict")
        except UnicodeDecodeError:
            raise _NotFound from None
        if (
            not name
            or name in (".", "..")
            or name.startswith(".")
            or "/" in name
            or "\\" in name
            or "\0" in name
        ):
            raise _NotFound
        parts.append(name)
    return parts


def _target_folder(state: BuildState, name: str) -> Path:
    """A target's folder, which must be in the output folder: a build refuses one that is a
    link to elsewhere, and so does the server, which would serve whatever lies there."""
    if state.target(name) is None:
        raise _NotFound
    folder = state.output / name
    if folder.is_symlink() or not folder.resolve().is_relative_to(state.output.resolve()):
        raise _NotFound
    return folder


def _find_file(folder: Path, parts: list[str]) -> Path | None:
    """The file or folder ``parts`` names below ``folder``, never outside it."""
    base = folder.resolve()
    try:
        found = base.joinpath(*parts).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if found != base and not found.is_relative_to(base):
        return None
    return found
