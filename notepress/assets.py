"""What a build may load, copy or link to: one policy for every exporter.

A vault is written by people, and sometimes by tools that sync or unpack files into it, so
nothing a note names is trusted on its own word:

* **Vault files** are opened at the moment of use, never by a path checked earlier: the
  path must be an attachment the vault scan listed, its real path must stay inside the
  vault, and the file is opened one path component at a time with ``O_NOFOLLOW``, so a
  symlink swapped in after the scan is never followed (:class:`VaultFiles`).
* **SVG images** are parsed by a real XML parser with entities, DTD loading and the network
  off, and refused when they run or load anything (:func:`svg_is_safe`), except that the
  ``@font-face`` rules of web fonts are taken out rather than the drawing refused
  (:func:`safe_svg`); their CSS is read by tinycss2, which decodes escapes such as
  ``@\\69mport`` exactly as a browser does.
* **URLs** in public outputs must lead to the public internet: loopback, private-range,
  link-local, ``localhost`` and ``file:`` addresses are refused (:func:`is_public_url`).
* **References** a note makes (links, images, raw HTML ``src``/``href``, CSS ``url()``) are
  checked once when the vault is loaded (:func:`check_references`), so that ``check``
  reports them with file and line and ``--strict`` keeps such a note private.

This module belongs to the core and knows no exporter.
"""

from __future__ import annotations

import base64
import errno
import ipaddress
import os
import posixpath
import re
import socket
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from .errors import NotepressError
from .links import anchor_missing, link_path, note_address
from .model import Note, Problem, Severity
from .slugs import heading_slug

# lxml and tinycss2 are imported inside the functions that parse: every command loads this
# module, and most never read an SVG, a stylesheet or a note's raw HTML.
if TYPE_CHECKING:
    import lxml.etree

    from .exporter import Job

__all__ = [
    "IMAGE_SUFFIXES",
    "SVG_REFUSED",
    "AssetError",
    "AssetGate",
    "LocalTarget",
    "Reference",
    "VaultFiles",
    "check_references",
    "copy_attachments",
    "css_imports",
    "css_urls",
    "frontmatter_image",
    "is_public_url",
    "local_path",
    "local_target",
    "note_references",
    "raw_html_ids",
    "reference_problem",
    "reference_problems",
    "safe_svg",
    "svg_is_safe",
    "vault_files",
    "vault_path",
    "without_references",
]

_PUBLIC_SCHEMES = frozenset({"http", "https", "mailto"})
_LOCAL_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".home.arpa")
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$")
_CHUNK = 1024 * 1024


class AssetError(NotepressError, ValueError):
    """A vault file that must not be read; the message says why, without a local path."""


# URLs --------------------------------------------------------------------------------------


def is_public_url(url: str) -> bool:
    """True for an ``http(s)`` URL on a public host, or a ``mailto:`` address.

    Refused: other schemes (``file:``, ``ftp:``, ``javascript:``...), ``localhost`` and the
    ``.localhost``/``.local`` names, and IP literals that are loopback, private, link-local,
    shared, reserved or unspecified, in every spelling a browser accepts (``127.1``,
    ``0x7f.0.0.1``, ``2130706433``, ``[::ffff:127.0.0.1]``).  A public name that resolves to
    a private address cannot be told without asking DNS, which a build never does.
    """
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme == "mailto":
            return bool(parts.path)
        if scheme not in ("http", "https"):
            return False
        host = parts.hostname
    except ValueError:  # an unbalanced [ or a port that is not a number
        return False
    return bool(host) and _is_public_host(unquote(host or ""))


def _is_public_host(host: str) -> bool:
    host = host.rstrip(".").lower()
    if not host or host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return False
    address = _ip_address(host)
    if address is None:
        return True
    if isinstance(address, ipaddress.IPv6Address):
        address = address.ipv4_mapped or address.sixtofour or address
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
        or address.is_multicast
    )


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``host`` as an IP address, reading IPv4 the lenient way resolvers do."""
    try:
        return ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host) and host.rsplit(".", 1)[-1][:1].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


# vault files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VaultFiles:
    """The vault's attachments, read only at the moment of use and only from inside the vault.

    Picklable, so that worker processes can read images under the same rule.
    """

    root: Path
    """The vault folder, resolved."""
    attachments: frozenset[PurePosixPath]
    """Vault-relative paths the scan listed as attachments (never notes, never hidden)."""

    @classmethod
    def of(cls, root: Path, attachments: Iterable[PurePosixPath]) -> VaultFiles:
        return cls(Path(os.path.realpath(root)), frozenset(attachments))

    def read(self, path: PurePosixPath, limit: int | None = None) -> bytes:
        """The bytes of the attachment ``path``; :class:`AssetError` says why not."""
        fd = self._open(path)
        with os.fdopen(fd, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            if limit is not None and size > limit:
                raise AssetError(f"it is larger than {_size(limit)}")
            data = file.read() if limit is None else file.read(limit + 1)
        if limit is not None and len(data) > limit:  # it grew while being read
            raise AssetError(f"it is larger than {_size(limit)}")
        return data

    def size(self, path: PurePosixPath) -> int:
        """The size in bytes of the attachment ``path`` (a feed enclosure's length)."""
        fd = self._open(path)
        try:
            return os.fstat(fd).st_size
        finally:
            os.close(fd)

    def copy(self, path: PurePosixPath, destination: Path) -> None:
        """Copy the attachment ``path`` to ``destination`` (a new file; parents are made)."""
        fd = self._open(path)
        with os.fdopen(fd, "rb") as source:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with open(destination, "wb") as target:
                while chunk := source.read(_CHUNK):
                    target.write(chunk)

    def _open(self, path: PurePosixPath) -> int:
        """A read-only descriptor of the attachment ``path``, opened without following links.

        The real path is worked out first (a folder symlink inside the vault, which the scan
        followed, is allowed), then opened component by component from the vault folder
        with ``O_NOFOLLOW``: a component replaced by a symlink since is refused, whatever it
        points at.
        """
        if path.is_absolute() or any(part in ("", ".", "..") for part in path.parts):
            raise AssetError("the path leads outside the vault")
        if path not in self.attachments:
            raise AssetError("not an attachment of the vault")
        real = Path(os.path.realpath(self.root / path))
        if not real.is_relative_to(self.root) or real == self.root:
            raise AssetError("it is a symlink leading outside the vault; not followed")
        inside = PurePosixPath(real.relative_to(self.root).as_posix())
        if inside != path and (
            inside not in self.attachments
            and (os.path.islink(self.root / path) or not _may_be_attachment(inside))
        ):
            raise AssetError("it is a symlink to another file of the vault; not followed")
        try:
            fd = _open_beneath(self.root, inside.parts)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                raise AssetError(
                    "it became a symlink after the vault was read; not followed"
                ) from None
            raise AssetError(f"cannot read it: {exc.strerror}") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise AssetError("it is not a regular file")
        return fd


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"


def _may_be_attachment(path: PurePosixPath) -> bool:
    return path.suffix.lower() != ".md" and not any(part.startswith(".") for part in path.parts)


def _open_beneath(root: Path, parts: tuple[str, ...]) -> int:
    """Open ``root/parts...`` for reading, refusing a symlink at any component."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    folder = os.open(root, flags | getattr(os, "O_DIRECTORY", 0))
    try:
        for part in parts[:-1]:
            inner = os.open(part, flags | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            os.close(folder)
            folder = inner
        # O_NONBLOCK: a FIFO swapped in must not hang the build; regular files ignore it.
        return os.open(parts[-1], flags | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    finally:
        os.close(folder)


# CSS ---------------------------------------------------------------------------------------


def css_urls(css: str, *, declarations: bool = False, values: bool = False) -> list[str]:
    """The URLs a piece of CSS refers to (``url()``, ``@import "..."``), parsed by tinycss2.

    ``declarations`` reads a ``style`` attribute, ``values`` one property value (an SVG
    presentation attribute such as ``fill``); otherwise a whole stylesheet.  Escapes are
    decoded by the tokenizer, so ``u\\72l(x)`` is the ``url(x)`` it stands for.
    """
    import tinycss2

    if values:
        nodes = tinycss2.parse_component_value_list(css, skip_comments=True)
    elif declarations:
        nodes = tinycss2.parse_blocks_contents(css, skip_whitespace=True)
    else:
        nodes = tinycss2.parse_stylesheet(css, skip_whitespace=True)
    found: list[str] = []
    _collect_urls(nodes, found)
    return found


def css_imports(css: str) -> bool:
    """True when a stylesheet has an ``@import`` rule, however it is spelled."""
    import tinycss2

    rules = tinycss2.parse_stylesheet(css, skip_whitespace=True)
    return any(getattr(rule, "lower_at_keyword", "") == "import" for rule in _walk_rules(rules))


def _walk_rules(nodes: Iterable[Any]) -> Iterator[Any]:
    import tinycss2

    for node in nodes:
        yield node
        if getattr(node, "type", "") == "at-rule" and node.content is not None:
            yield from _walk_rules(tinycss2.parse_rule_list(node.content, skip_whitespace=True))


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


# SVG ---------------------------------------------------------------------------------------

_SVG_NS = "http://www.w3.org/2000/svg"
_SVG = f"{{{_SVG_NS}}}svg"
#: Namespaces whose elements run event handler attributes (None: an element without one,
#: which a reader of the SVG document may take for either).
_SCRIPTABLE = frozenset(
    {
        None,
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xhtml",
        "http://www.w3.org/1998/Math/MathML",
    }
)
_ACTIVE_SVG_ELEMENTS = frozenset(
    {"script", "foreignobject", "iframe", "object", "embed", "audio", "video", "handler"}
)
_XINCLUDE = "{http://www.w3.org/2001/XInclude}"
_ANIMATIONS = frozenset({"set", "animate", "animatemotion", "animatetransform", "discard"})
_DECLARATIONS = (b"<!ENTITY", b"<!ATTLIST", b"<!ELEMENT", b"<!NOTATION")
_INLINE_IMAGE = re.compile(r"^data:image/(?:png|jpeg|gif|webp)[;,]", re.IGNORECASE)
_INLINE_SVG = re.compile(r"^data:image/svg\+xml(?:;charset=[\w.-]+)?(;base64)?,", re.IGNORECASE)


def _svg_parser() -> lxml.etree.XMLParser:
    import lxml.etree

    return lxml.etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def svg_is_safe(data: bytes) -> bool:
    """True for an SVG that runs nothing and loads nothing from outside itself.

    A plain ``<!DOCTYPE svg PUBLIC ...>`` line is fine (its DTD is never loaded), but an
    internal subset (entity declarations), entity references, processing instructions,
    XInclude, scripts, event handlers, ``foreignObject`` and any reference other than a
    same-document ``#id``, an inline raster ``data:image`` or an inline SVG that is itself
    safe (four levels deep at most) are refused, in attributes,
    ``style`` attributes and ``<style>`` elements alike.
    """
    import lxml.etree

    try:
        root = lxml.etree.fromstring(data, _svg_parser())
    except (lxml.etree.XMLSyntaxError, ValueError):
        return False
    if root.tag != _SVG or _declares_anything(root.getroottree().docinfo.internalDTD, data):
        return False
    siblings = [*root.itersiblings(preceding=True), *root.itersiblings()]
    if any(isinstance(node, lxml.etree._ProcessingInstruction) for node in siblings):
        return False  # <?xml-stylesheet href=...?> loads a stylesheet
    for element in root.iter():
        if isinstance(element, (lxml.etree._Entity, lxml.etree._ProcessingInstruction)):
            return False
        if not isinstance(element.tag, str):
            continue  # a comment
        if element.tag.startswith(_XINCLUDE):
            return False
        local = _local_name(element)
        if local in _ACTIVE_SVG_ELEMENTS:
            return False
        if local in _ANIMATIONS and "href" in (element.get("attributeName") or "").lower():
            return False
        # Event handlers are attributes without a namespace on SVG, XHTML or MathML
        # elements; Inkscape's and Sodipodi's own elements carry names like
        # ``only_selected`` that no reader runs.
        handlers = lxml.etree.QName(element).namespace in _SCRIPTABLE
        if not all(
            _svg_attribute_is_safe(
                name,
                value,
                handlers=handlers and not name.startswith("{"),
                link=local == "a",
            )
            for name, value in element.items()
        ):
            return False
        if local == "style" and not _css_is_local("".join(element.itertext())):
            return False
    return True


#: Why :func:`safe_svg` carries none of an SVG, in every output's warning.
SVG_REFUSED = "an SVG with scripts, HTML inside it (foreignObject), external references or bad XML"


def safe_svg(data: bytes) -> bytes | None:
    """The SVG as an output may carry it, or None when it may carry none of it.

    ``data`` itself when :func:`svg_is_safe` accepts it.  Otherwise, when all it would load
    or run are parts a reader does without, the SVG without them:

    * the fonts of ``@font-face`` rules in its ``<style>`` elements: its text is then drawn
      in the reader's own face.  Every Excalidraw export names its hand-drawn fonts on
      excalidraw.com (or carries them as ``data:font`` files, which a reader would parse);
      a vault of them lost every drawing.
    * a ``<foreignObject>`` (HTML inside the drawing) that a ``<switch>`` offers with a
      fallback of its own: the reader then draws the fallback, which is what a reader
      without HTML in SVG draws anyway.  draw.io writes each label so, an HTML ``<div>``
      and a ``<text>`` beside it; a vault lost every draw.io drawing.
    """
    if svg_is_safe(data):
        return data
    without = _without_outside_parts(data)
    return without if without is not None and svg_is_safe(without) else None


def _without_outside_parts(data: bytes) -> bytes | None:
    """``data`` without the parts :func:`safe_svg` may take out; None when it has none of
    them, or is no XML."""
    import lxml.etree
    import tinycss2

    try:
        root = lxml.etree.fromstring(data, _svg_parser())
    except (lxml.etree.XMLSyntaxError, ValueError):
        return None
    changed = False
    for element in root.iter(f"{{{_SVG_NS}}}style", "style"):
        rules = tinycss2.parse_stylesheet("".join(element.itertext()))
        kept = [rule for rule in rules if not _font_file_rule(rule)]
        if len(kept) != len(rules):
            for child in list(element):
                element.remove(child)
            element.text = tinycss2.serialize(kept)
            changed = True
    for switch in list(root.iter(f"{{{_SVG_NS}}}switch")):
        children = [child for child in switch if isinstance(child.tag, str)]
        foreign = [child for child in children if _local_name(child) == "foreignobject"]
        if foreign and len(foreign) < len(children):
            for child in foreign:
                switch.remove(child)
            changed = True
    if not changed:
        return None
    return bytes(lxml.etree.tostring(root.getroottree(), encoding="utf-8", xml_declaration=True))


def _local_name(element: lxml.etree._Element) -> str:
    import lxml.etree

    return lxml.etree.QName(element).localname.lower()


def _font_file_rule(rule: Any) -> bool:
    import tinycss2

    if getattr(rule, "lower_at_keyword", "") != "font-face" or rule.content is None:
        return False
    return not _css_is_local(tinycss2.serialize(rule.content), declarations=True)


def _declares_anything(dtd: lxml.etree.DTD | None, data: bytes) -> bool:
    """True for a DOCTYPE with an internal subset: entities, elements or attribute defaults.

    lxml does not expose attribute-list declarations, and a reader's own parser may apply
    their defaults (an ``onload``, say), so any markup declaration in the bytes refuses the
    file; outside a DTD they can only stand in comments, where no drawing needs them.
    """
    if dtd is not None and (dtd.entities() or dtd.elements()):
        return True
    upper = data.upper()
    return any(declaration in upper for declaration in _DECLARATIONS)


def _svg_attribute_is_safe(
    name: str, value: str, *, handlers: bool = True, link: bool = False
) -> bool:
    """``link``: the attribute is a link's (``<a href>``), which loads nothing until it is
    followed, so a public web address is fine there (draw.io's exports all hold one)."""
    import lxml.etree

    attribute = lxml.etree.QName(name).localname.lower()
    if handlers and attribute.startswith("on"):
        return False
    if attribute in ("href", "src"):
        if link and urlsplit(value.strip()).scheme.lower() in ("http", "https", "mailto"):
            return is_public_url(value.strip())
        return _is_local_reference(value)
    if attribute == "style":
        return _css_is_local(value, declarations=True)
    if "url" not in value.lower() and "\\" not in value:
        return True
    return all(_is_local_reference(url) for url in css_urls(value, values=True))


def _css_is_local(css: str, *, declarations: bool = False) -> bool:
    import tinycss2

    if not declarations and css_imports(css):
        return False
    if declarations:
        nodes = tinycss2.parse_blocks_contents(css, skip_whitespace=True)
        if any(getattr(node, "type", "") == "at-rule" for node in nodes):
            return False
    return all(_is_local_reference(url) for url in css_urls(css, declarations=declarations))


def _is_local_reference(value: str) -> bool:
    value = value.strip()
    if value.startswith("#") or _INLINE_IMAGE.match(value):
        return True
    inline = _INLINE_SVG.match(value)
    return inline is not None and _inline_svg_is_safe(value[inline.end() :], bool(inline[1]))


class _Nesting(threading.local):
    depth = 0


_NESTING = _Nesting()
#: SVGs inside SVGs checked, at most: a drawing's formulas are one level down.
_MAX_NESTING = 4


def _inline_svg_is_safe(payload: str, base64_encoded: bool) -> bool:
    """An SVG written inside a ``data:`` URL is safe when it is itself safe: Excalidraw
    keeps each formula and each pasted drawing of a sketch so, as an ``<image>``."""
    if _NESTING.depth >= _MAX_NESTING:
        return False
    try:
        data = (
            base64.b64decode(payload, validate=True)
            if base64_encoded
            else unquote_to_bytes(payload)
        )
    except ValueError:  # binascii.Error is a ValueError
        return False
    _NESTING.depth += 1
    try:
        return svg_is_safe(data)
    finally:
        _NESTING.depth -= 1


# references made by notes ------------------------------------------------------------------

#: Elements whose attributes make a renderer load or link something.
LOADING_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "a": ("href",),
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
    "blockquote": ("cite",),
    "q": ("cite",),
    "del": ("cite",),
    "ins": ("cite",),
    "body": ("background",),
    "table": ("background",),
    "td": ("background",),
    "th": ("background",),
}


@dataclass(frozen=True)
class Reference:
    """One URL a note's body names, as written, with how and on which file line."""

    kind: str
    """``link``, ``image``, ``<img src>``, ``<a rel=attachment>``, ``CSS url()``..."""
    url: str
    line: int | None
    loads: bool = True
    """Whether a renderer loads it (an image, a style) rather than only links to it."""


#: Attributes that only link: a reader follows them, a renderer never loads them.
_LINKING = frozenset({"a href", "blockquote cite", "q cite", "del cite", "ins cite"})


def note_references(note: Note) -> Iterator[Reference]:
    """Every URL ``note``'s markdown and raw HTML names, read by the renderer's own parser.

    The tokens are the renderer's own (cached, parsed under the note's CPU budget), so the
    references checked here are exactly those a render writes.  Raises
    :class:`~notepress.markdown.NoteRenderError` for a note over its budget.
    """
    from .markdown.parser import located_tokens  # the markdown package imports this module

    for token, line in located_tokens(note):
        if token.type in ("html_block", "html_inline"):
            yield from _html_references(token.content, line)
        elif token.type == "link_open":
            yield Reference("link", str(token.attrGet("href") or ""), line, loads=False)
        elif token.type == "image":
            yield Reference("image", str(token.attrGet("src") or ""), line)


def _html_references(html: str, line: int) -> Iterator[Reference]:
    import lxml.etree
    import lxml.html

    if "=" not in html and "<style" not in html.lower():
        return
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        where = line + max(0, (element.sourceline or 1) - 1)
        tag = element.tag.lower().rpartition(":")[2]
        rel = (element.get("rel") or "").lower().split()
        if tag in ("a", "link") and "attachment" in rel:
            yield Reference(f"<{tag} rel=attachment>", element.get("href") or "", where)
            continue
        for attribute in LOADING_ATTRIBUTES.get(tag, ()):
            value = element.get(attribute)
            if value is None:
                continue
            items = _srcset(value) if attribute.endswith("srcset") else [value]
            loads = f"{tag} {attribute}" not in _LINKING
            for item in items:
                yield Reference(f"<{tag} {attribute}>", item, where, loads)
        if element.get("style"):
            for url in css_urls(element.get("style") or "", declarations=True):
                yield Reference("CSS url()", url, where)
        if tag == "style" and element.text:
            for url in css_urls(element.text):
                yield Reference("CSS url()", url, where)


def _srcset(value: str) -> list[str]:
    return [item.split()[0] for item in value.split(",") if item.split()]


def local_path(written: str, note: Note) -> PurePosixPath | None:
    """The vault path a relative reference of ``note`` stands for; None when it leaves."""
    try:
        parts = urlsplit(written)
    except ValueError:
        return None
    if parts.netloc:  # ``//host/x``: another site, not a path
        return None
    return vault_path(unquote(parts.path), note.path.parent)


def vault_path(written: str, folder: PurePosixPath) -> PurePosixPath | None:
    """The vault path of ``written`` (already unquoted) in a note of ``folder``: relative
    to that folder, or to the vault's root when it starts with ``/``, as Obsidian reads a
    link; None when it leaves the vault."""
    if not written or written.startswith("//"):
        return None
    base = "" if written.startswith("/") else folder.as_posix()
    joined = posixpath.normpath(posixpath.join(base, written.lstrip("/")))
    if joined in (".", "..") or joined.startswith("../"):
        return None
    return PurePosixPath(joined)


class LocalTarget(NamedTuple):
    """What a reference without a scheme leads to in the vault (:func:`local_target`)."""

    note: Note | None = None
    """The note it names, found."""
    file: PurePosixPath | None = None
    """The vault file (an attachment) it names."""
    names_note: bool = False
    """Written as a note's path (``x.md``), whether a note has it or not."""


def local_target(
    written: str,
    note: Note,
    attachment: Callable[[str], PurePosixPath | None],
    resolve: Callable[[str, Note], Note | None],
) -> LocalTarget:
    """Where ``written``, a reference of ``note`` without a scheme, leads, as Obsidian reads
    it: a path ending in ``.md`` names a note, found by the link rules (``resolve``, as a
    wikilink's text is); any other path names a file of the vault (``attachment``) and,
    when no file has that name, the note of that name, ``.md`` left out.

    The load-time reference check and the renderer both ask this one function, so what a
    build reports of a link and what it writes for it cannot part.
    """
    address = note_address(written)
    if address is not None:
        return LocalTarget(note=resolve(address, note), names_note=True)
    path, name = local_path(written, note), link_path(written)
    if path is None or name is None:
        return LocalTarget()
    found = attachment(path.as_posix())
    if found is not None:
        return LocalTarget(file=found)
    return LocalTarget(note=resolve(name, note))


def reference_problem(
    written: str, note: Note, attachment: Any, find_note: Any = None
) -> tuple[str, str] | None:
    """``(code, message)`` when a reference must not reach a public output, else None.

    ``attachment(name)`` finds a vault attachment (``Vault.attachment``).  A link to a
    ``.md`` file is judged only with ``find_note(target, note)`` (``Vault.resolve``): one to no
    note is ``link-unresolved``, as a wikilink to none is, since the renderer writes its text
    alone; the renderer writes a link to a note the way each output needs.
    """
    written = written.strip()
    if not written or written.startswith("#"):
        return None
    try:
        scheme = urlsplit(written).scheme.lower()
    except ValueError:  # an unclosed [ in the host, say
        return ("url-invalid", f"{written!r} is not a valid URL; it is left out of every output")
    if scheme in ("http", "https", "file") or written.startswith("//"):
        if is_public_url(written if scheme else "https:" + written):
            return None
        return (
            "url-private",
            f"{written!r} is a local file or a private-network address: it is left out of "
            "every output, its text stays",
        )
    if scheme in _PUBLIC_SCHEMES:
        return None
    if scheme:
        return ("url-scheme", f"{scheme}: URLs are left out of every output, their text stays")
    path = local_path(written, note)
    if path is None:
        return ("asset-outside", f"{unquote(written)!r} leads outside the vault; left out")
    target = local_target(written, note, attachment, find_note or (lambda _name, _note: None))
    if target.names_note:
        if find_note is None or target.note is not None:
            return None
        return ("link-unresolved", f"no note is called {unquote(written)!r}; its text stays")
    if target.file is None:
        if target.note is not None:
            return None  # a note's name without ``.md``, as Obsidian reads it
        if not path.suffix:
            # A name without an extension names a note not written yet, as Obsidian reads
            # it (it offers to create it): unresolved, as ``[[Kernel tricks]]`` is.
            return (
                "link-unresolved",
                f"no note or file is called {link_path(written) or unquote(written)!r}; "
                "its text stays",
            )
        if "\\" in unquote(written):  # ``img\a.png``: one name, to a URL as to Obsidian
            why = "no such file in the vault (write / between folders: \\ is part of a name)"
        elif any(part.startswith(".") for part in path.parts[:-1]):
            why = "it is in a hidden folder, which neither notepress nor Obsidian reads"
        elif path.name.startswith("."):
            why = "it is a hidden file, which neither notepress nor Obsidian reads"
        elif written.startswith("/"):
            why = "no such file in the vault (a path that starts with / is read from its root)"
        else:
            why = "no such file in the vault"
        # Named as the file would be, not as the URL escapes it (``My%20photo.png``).
        return ("asset-missing", f"{unquote(written)!r}: {why}; left out")
    return None


def check_references(vault: Any, memo: Any = None) -> Any:
    """``vault`` with a warning on each note for every reference it may not publish.

    Run once when a project is loaded, before any exporter: ``check`` then reports each
    with its file and line, and ``--strict`` makes it an error that keeps the note private.
    ``memo`` (see :func:`notepress.vault.load_vault`) reuses an earlier build's results.
    """

    def find(note: Note) -> list[Problem]:
        return reference_problems(note, vault)

    return vault.with_note_problems(memo("references", find) if memo is not None else find)


# A cheap first look, so that only a note naming something other than a public http(s)
# URL is parsed: every place the parser can find a URL (an inline or reference link, an
# autolink, a bare URL, a raw HTML attribute, CSS) matches one of these, and anything that
# is not plainly public (escapes and entities included) sends the note to the real parse.
_DESTINATION = re.compile(r"\]\(\s*(?P<angle><?)(?P<url>[^\s)]*)")
#: Matched at the start of each line holding ``]:`` only (see :func:`_definitions`).
_DEFINITION = re.compile(r"[ \t>]*\[(?!\^)[^\]\n]+\]:\s*(?P<angle><?)(?P<url>\S*)")
_AUTOLINK = re.compile(r"<(?P<angle>)(?P<url>[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\s]*)>")
#: Matched where one of :data:`_BARE_MARKS` is found (see :func:`_bare`).
_BARE = re.compile(r"(?P<url>(?:https?:|xmpp:|www\.)[^\s<>\"']*)(?P<angle>)")
_BARE_MARKS = ("http", "www.", "xmpp:")
#: An attribute's value, matched right after the ``=`` of a name below (see
#: :func:`_attributes`).
_VALUE = re.compile(r"\s*(?P<angle>)(?P<url>\"[^\"]*\"|'[^']*'|[^\s>]*)")
_URL_ATTRIBUTES = ("src", "href", "data", "poster", "cite", "background")
_STYLE_MARKS = ("url(", "<style", "@import")
_STYLE_ATTRIBUTE = re.compile(r"style\s*=")


def _needs_parse(body: str) -> bool:
    """True when ``body`` may name a URL that is not plainly public (see above).

    Each pattern runs only when its marker is present, and starts with text the engine can
    look for directly: a pattern that opens with a choice or an empty group is tried at
    every character of the note, which made this look cost a tenth of a note's parse.
    Where a pattern gave way to a search for its marker (a definition's ``]:``, an
    attribute's ``=``), the search finds every place the pattern would and perhaps more,
    which costs a real parse, never a missed URL.
    """
    lower = body.lower()
    found: list[Iterable[re.Match[str]]] = []
    if "](" in body:
        found.append(_DESTINATION.finditer(body))
    if "]:" in body:
        found.append(_definitions(body))
    if "<" in body:
        if any(mark in lower for mark in _STYLE_MARKS) or _STYLE_ATTRIBUTE.search(lower):
            return True
        found.append(_AUTOLINK.finditer(body))
        if "=" in body:
            found.append(_attributes(lower))
    found.extend(_bare(lower, mark) for mark in _BARE_MARKS if mark in lower)
    for match in chain.from_iterable(found):
        if match.group("angle") or not _plainly_public(match.group("url").strip("\"'")):
            return True
    return False


def _definitions(body: str) -> Iterator[re.Match[str]]:
    """A reference definition at the start of each line holding ``]:``: every line where
    one can start.  Each stretch of text is searched for a line break once, so a long line
    of ``]:`` costs its length, not its length squared."""
    line = searched = 0
    last = -1
    at = body.find("]:")
    while at >= 0:
        newline = body.rfind("\n", searched, at)
        if newline >= 0:
            line = newline + 1
        searched = at
        if line != last:
            last = line
            match = _DEFINITION.match(body, line)
            if match is not None:
                yield match
        at = body.find("]:", at + 2)


def _bare(lower: str, mark: str) -> Iterator[re.Match[str]]:
    """A bare URL at each ``mark`` in ``lower`` (``www.`` inside an ``https://`` URL is
    looked at again: more than needed, never less)."""
    at = lower.find(mark)
    while at >= 0:
        match = _BARE.match(lower, at)
        if match is not None:
            yield match
        at = lower.find(mark, at + 1)


def _attributes(lower: str) -> Iterator[re.Match[str]]:
    """The value after each ``=`` that follows one of :data:`_URL_ATTRIBUTES` (spaces
    between them allowed), in ``lower``."""
    at = lower.find("=")
    while at >= 0:
        name = at
        while name > 0 and lower[name - 1].isspace():
            name -= 1
        if lower.endswith(_URL_ATTRIBUTES, 0, name):
            match = _VALUE.match(lower, at + 1)
            if match is not None:
                yield match
        at = lower.find("=", at + 1)


def _plainly_public(url: str) -> bool:
    if not url or url == "#":
        return True
    if url.startswith("#"):
        return False  # a link within the note: its part is checked against its headings
    if url[:4].lower() == "www.":
        url = "http://" + url
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return False
    return scheme == "mailto" or (scheme in ("http", "https") and is_public_url(url))


def _frame_problem(note: Note) -> Problem | None:
    """One ``iframe-removed`` warning for a note holding frames no output shows: frames of
    known video and post hosts are written as link cards, every other one is removed."""
    from .markdown.media import embed_card  # the markdown package imports this module

    for reference in note_references(note):
        if reference.kind == "<iframe src>" and embed_card(reference.url) is None:
            message = (
                f"<iframe> of {reference.url[:80]!r} removed: no output loads frames, and only "
                "YouTube, Vimeo and X frames become link cards; link to the page instead"
            )
            return Problem(
                Severity.WARNING, "iframe-removed", message, note.path.as_posix(), reference.line
            )
    return None


def _anchor_problem(written: str, note: Note, vault: Any) -> tuple[str, str] | None:
    """The warning of a markdown link to a note whose ``#...`` part names no heading or
    block of it, as a wikilink's gets: the link leads to the top of the note.

    A link within the note (``[x](#part)``, a table of contents written for GitHub) may
    also name an id of the note's raw HTML; one that names nothing at all was reported only
    by a book, without its line."""
    if written.strip().startswith("#"):
        heading = unquote(written.strip()[1:])
        if not heading or vault.anchor_for(note, heading) is not None:
            return None
        if heading_slug(heading) in raw_html_ids(note.body):
            return None
        return anchor_missing(note.path.as_posix(), heading)
    fragment = urlsplit(written.strip()).fragment
    address = link_path(written)  # with ``.md`` or, when no file has the name, without
    if not fragment or address is None:
        return None
    if not address.lower().endswith(".md"):
        path = local_path(written, note)
        if path is None or vault.attachment(path.as_posix()) is not None:
            return None  # a file's, not a note's
    target = vault.resolve(address, note)
    heading = unquote(fragment)
    if target is None or vault.anchor_for(target, heading) is not None:
        return None
    return anchor_missing(target.path.as_posix(), heading)


#: An ``id`` or ``name`` attribute of raw HTML, and its value.
_RAW_ID = re.compile(r"""\s(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


def raw_html_ids(body: str) -> frozenset[str]:
    """The ``id`` and ``name`` values of raw HTML in ``body``, which a link within the note
    (``#intro``) may name."""
    if "=" not in body:
        return frozenset()
    return frozenset(
        next(value for value in found.groups() if value is not None)
        for found in _RAW_ID.finditer(body)
    )


def reference_problems(note: Note, vault: Any) -> list[Problem]:
    """What :func:`check_references` adds to ``note``: one note's share, checked alone."""
    problems: list[Problem] = []
    seen: set[tuple[str, str, int | None]] = set()
    if "<iframe" in note.body.lower():
        try:
            frame = _frame_problem(note)
        except NotepressError:  # over its budget: reported below
            frame = None
        if frame is not None:
            problems.append(frame)
    if _needs_parse(note.body):
        try:
            references = list(note_references(note))
        except NotepressError as exc:  # over its budget: an error of this note alone
            problem = getattr(exc, "problem", None)
            return [problem] if isinstance(problem, Problem) else []
        for reference in references:
            found = reference_problem(reference.url, note, vault.attachment, vault.resolve)
            if found is None:
                found = _anchor_problem(reference.url, note, vault)
            if found is None:
                continue
            key = (found[0], reference.url, reference.line)
            if key not in seen:
                seen.add(key)
                problems.append(
                    Problem(
                        Severity.WARNING, found[0], found[1], note.path.as_posix(), reference.line
                    )
                )
    if "<" in note.body:
        from .removedhtml import removed_html_problems

        with suppress(NotepressError):  # over its budget: reported with the references
            problems += removed_html_problems(note)
    image = note.extra.get("image")
    if isinstance(image, str) and image.strip() and not _image_is_usable(image, vault):
        problems.append(
            Problem(
                Severity.WARNING,
                "image-missing",
                f"image {image!r} is neither an image of the vault nor a public http(s) URL",
                note.path.as_posix(),
                note.field_lines.get("image"),
            )
        )
    return problems


IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".avif", ".bmp"})


def frontmatter_image(value: str) -> str:
    """The name or URL in a frontmatter ``image`` value (``![[x.png]]`` and ``x.png|300`` too)."""
    name = value.strip().removeprefix("!").removeprefix("[[").removesuffix("]]")
    return name if urlsplit(name).scheme else name.split("|")[0].strip()


def _image_is_usable(value: str, vault: Any) -> bool:
    name = frontmatter_image(value)
    if urlsplit(name).scheme:
        return urlsplit(name).scheme.lower() in ("http", "https") and is_public_url(name)
    attachment = vault.attachment(name)
    return attachment is not None and attachment.suffix.lower() in IMAGE_SUFFIXES


def attachment_paths(vault: Any) -> frozenset[PurePosixPath]:
    """Every attachment path the vault scan listed."""
    return frozenset(vault.attachments.values())


def vault_files(vault: Any) -> VaultFiles:
    """The reader of ``vault``'s attachments."""
    return VaultFiles.of(vault.root, attachment_paths(vault))


class AssetGate:
    """Whether an attachment will be copied, asked before an output refers to it.

    :func:`copy_attachments` refuses a file (an unsafe SVG, a symlink swapped in since the
    vault was read) after the output that shows it is written; an output that asks here
    first shows the file's name instead of an image that will not load.  Each file is
    opened once, with the checks the copy makes.
    """

    def __init__(self, vault: Any) -> None:
        self._vault = vault
        self._files: VaultFiles | None = None
        self._refused: dict[PurePosixPath, bool] = {}

    def refused(self, path: PurePosixPath) -> bool:
        found = self._refused.get(path)
        if found is None:
            if self._files is None:
                self._files = vault_files(self._vault)
            try:
                if path.suffix.lower() == ".svg":
                    found = safe_svg(self._files.read(path)) is None
                else:
                    self._files.size(path)
                    found = False
            except (OSError, ValueError):  # AssetError is a ValueError
                found = True
            self._refused[path] = found
        return found


def without_references(html: str, urls: Iterable[str]) -> str:
    """``html`` with each image of ``urls`` written as its alternative text, and each link
    to one of them as its text: the reader sees what the image was, never a broken one.

    ``html`` is the renderer's own output (sanitised, attributes double-quoted), so an
    element is found by its quoted URL.
    """
    for url in urls:
        if url not in html:
            continue
        written = url.replace("&", "&amp;").replace('"', "&quot;")
        quoted = re.escape(f'"{written}"')
        html = re.sub(
            rf"<img\b[^>]*?\bsrc={quoted}[^>]*>",
            lambda match: _attribute(match.group(0), "alt"),
            html,
        )
        html = re.sub(rf"<a\b[^>]*?\bhref={quoted}[^>]*>(.*?)</a>", r"\1", html, flags=re.S)
    return html


def _attribute(element: str, name: str) -> str:
    """The (still escaped) value of attribute ``name`` in the start tag ``element``."""
    found = re.search(rf'\s{name}="([^"]*)"', element)
    return found.group(1) if found else ""


def copy_attachments(
    job: Job, paths: Iterable[PurePosixPath], folder: str, effect: str
) -> set[PurePosixPath]:
    """Copy attachments into ``folder`` of ``job``'s target, under their vault paths; the
    paths copied.

    Each file is opened through :class:`VaultFiles` at the moment it is copied, and an SVG
    is copied as :func:`safe_svg` allows: opened from the site on its own, an SVG runs its
    scripts.
    One that cannot be copied is reported (``effect`` says what the reader will miss) and
    the rest are copied.
    """
    files = vault_files(job.vault)
    copied = set()
    for path in sorted(paths):
        try:
            target = job.path(f"{folder}/{path.as_posix()}")
            if path.suffix.lower() == ".svg":
                data = safe_svg(files.read(path))
                if data is None:
                    raise AssetError(SVG_REFUSED)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            else:
                files.copy(path, target)
        except (OSError, ValueError) as exc:  # AssetError is a ValueError
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            job.warn(f"{path} not copied, so {effect}: {reason}", code="asset-refused")
            continue
        job.record(target)
        copied.add(path)
        if path.suffix.lower() in RASTER_SUFFIXES and (why := _not_a_picture(target)):
            job.warn(
                f"{path} is copied but is no picture ({why}), so readers show a broken image",
                code="asset-not-image",
            )
    return copied


#: Picture files whose bytes must start like one (an SVG is text, checked apart).
RASTER_SUFFIXES = IMAGE_SUFFIXES - {".svg"}
#: Git LFS's stand-in for a file a clone did not fetch.
_LFS_POINTER = b"version https://git-lfs"


def _not_a_picture(copied: Path) -> str | None:
    """Why the copied file is not a picture any reader shows, or None when it starts as
    PNG, JPEG, GIF, WebP, AVIF or BMP do: a text file saved as ``.png``, or a Git LFS
    pointer in a clone that never fetched the picture, is copied whole."""
    try:
        with open(copied, "rb") as file:
            head = file.read(32)
    except OSError:
        return None  # said when it was copied
    if head.startswith(_LFS_POINTER):
        return "a Git LFS pointer: 'git lfs pull' fetches the picture"
    if (
        head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM"))
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or head[4:8] == b"ftyp"
    ):
        return None
    return "its bytes are not those of a PNG, JPEG, GIF, WebP, AVIF or BMP"
