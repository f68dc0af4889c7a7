"""What a digest may load: data URIs and the vault's attachments, never a secret or a server."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest
from weasyprint.urls import URLFetchingError, fetch

from notepress.exporters.pdf.render import VaultFetcher
from notepress.exporters.pdf.safety import VAULT_ORIGIN, LoadPolicy
from tests.conftest import note_text
from tests.test_pdf_support import (
    embedded_files,
    image_count,
    png_bytes,
    reader,
    stream_data,
)

SECRET = "TOPSECRET-7f3a9c"


class _Counting(http.server.BaseHTTPRequestHandler):
    """Counts every request and answers with a redirect to a local file."""

    requests: list[str]
    secret_url: str

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(302)
        self.send_header("Location", self.secret_url)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def loopback(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 for the length of one test: its base URL and hits."""
    hits: list[str] = []
    handler = type(
        "Handler",
        (_Counting,),
        {"requests": hits, "secret_url": (tmp_path / "secret.txt").as_uri()},
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.timeout = 1
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def secrets(tmp_path: Path) -> dict[str, Path]:
    """Files beside the vault, which no note may bring into a PDF."""
    text = tmp_path / "secret.txt"
    text.write_text(SECRET, encoding="utf-8")
    image = tmp_path / "secret.png"
    image.write_bytes(png_bytes("#ff0000", (33, 17)))
    return {"text": text, "image": image}


def test_the_server_is_real(loopback: tuple[str, list[str]]) -> None:
    """The loopback server counts requests, so zero requests later means something."""
    import urllib.request

    base, hits = loopback
    opener = urllib.request.build_opener(urllib.request.HTTPHandler())
    with pytest.raises(Exception):  # noqa: B017 - the redirect to file: is refused by urllib
        opener.open(base + "/probe", timeout=5)
    assert hits == ["/probe"]


# The fetcher on its own ------------------------------------------------------------------


@pytest.fixture
def policy(tmp_path: Path, secrets: dict[str, Path]) -> LoadPolicy:
    vault = tmp_path / "vault"
    (vault / "attachments").mkdir(parents=True)
    (vault / "attachments" / "ok.png").write_bytes(png_bytes())
    (vault / "attachments" / "link.png").symlink_to(secrets["image"])
    (vault / ".obsidian").mkdir()
    (vault / ".obsidian" / "workspace.json").write_text("{}", encoding="utf-8")
    return LoadPolicy.for_vault(vault, [PurePosixPath("attachments/ok.png")])


def test_fetcher_reads_attachments_and_data_uris(policy: LoadPolicy) -> None:
    fetcher = VaultFetcher(policy)
    with fetch(fetcher, VAULT_ORIGIN + "attachments/ok.png") as response:
        assert response.read() == (policy.vault.root / "attachments" / "ok.png").read_bytes()
        assert response.content_type == "image/png"
    with fetch(fetcher, "data:text/plain;base64,aGVsbG8=") as response:
        assert response.read() == b"hello"
    assert fetcher.refused == []


def test_fetcher_carries_an_svg_as_every_output_does(tmp_path: Path) -> None:
    """An SVG the feed, the book and JSON-LD refuse was drawn in the PDF; one they carry
    (its web fonts left out) is drawn as they carry it."""
    vault = tmp_path / "vault"
    (vault / "attachments").mkdir(parents=True)
    scripted = b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script><text>t</text></svg>'
    fonts = (
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@font-face { font-family: F; '
        b'src: url("https://fonts.example.com/f.woff2"); }</style><text>t</text></svg>'
    )
    (vault / "attachments" / "scripted.svg").write_bytes(scripted)
    (vault / "attachments" / "fonts.svg").write_bytes(fonts)
    paths = [PurePosixPath("attachments/scripted.svg"), PurePosixPath("attachments/fonts.svg")]
    fetcher = VaultFetcher(LoadPolicy.for_vault(vault, paths))
    with pytest.raises(URLFetchingError), fetch(fetcher, VAULT_ORIGIN + "attachments/scripted.svg"):
        pass
    assert [reason for _, reason in fetcher.refused] == [
        "an SVG with scripts, HTML inside it (foreignObject), external references or bad XML"
    ]
    with fetch(fetcher, VAULT_ORIGIN + "attachments/fonts.svg") as response:
        carried = response.read()
    assert b"font-face" not in carried and b"<text>t</text>" in carried


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("SECRET_FILE", "outside the vault"),
        (VAULT_ORIGIN + "../secret.txt", "'..'"),
        (VAULT_ORIGIN + "attachments/link.png", "outside the vault"),
        (VAULT_ORIGIN + ".obsidian/workspace.json", "only the vault's attachments"),
        ("VAULT_FILE", "only the vault's attachments"),
        ("file://otherhost/etc/passwd", "other hosts"),
        ("SERVER/pixel.png", "network"),
        ("https://example.org/pixel.png", "network"),
        ("ftp://example.org/pixel.png", "network"),
        ("javascript:alert(1)", "scheme is not allowed"),
    ],
)
def test_fetcher_refuses_everything_else(
    policy: LoadPolicy,
    secrets: dict[str, Path],
    loopback: tuple[str, list[str]],
    url: str,
    reason: str,
) -> None:
    base, hits = loopback
    url = (
        url.replace("SECRET_FILE", secrets["text"].as_uri())
        .replace("VAULT_FILE", (policy.vault.root / ".obsidian" / "workspace.json").as_uri())
        .replace("SERVER", base)
    )
    fetcher = VaultFetcher(policy)
    with pytest.raises(URLFetchingError), fetch(fetcher, url):
        pass
    assert len(fetcher.refused) == 1
    assert fetcher.refused[0][0] == url
    assert reason in fetcher.refused[0][1]
    assert hits == []


# Whole builds ------------------------------------------------------------------------------


def leaky_note(secrets: dict[str, Path], server: str) -> str:
    text, image = secrets["text"], secrets["image"]
    return note_text(
        "Leaky",
        f"""
        Ordinary text stays.

        ![by file url]({image.as_uri()})

        ![by absolute path]({image})

        ![by dot dot](../secret.png)

        <img src="{text.as_uri()}" alt="raw file url">

        <link rel="attachment" href="../secret.txt">

        <a rel="attachment" href="../secret.txt">attached</a>

        ![from the server]({server}/pixel.png)

        <img src="{server}/raw.png" alt="raw server">

        <div style="background: url({server}/bg.png)">styled</div>

        <object data="{server}/object.svg"></object>
        """,
        note_id="230301LK01",
        created="2023-03-01",
    )


def test_no_secret_and_no_request_reaches_the_pdf(
    make_vault,
    build_vault,
    secrets: dict[str, Path],
    loopback: tuple[str, list[str]],
) -> None:
    base, hits = loopback
    root = make_vault(
        {"leaky.md": leaky_note(secrets, base)},
        config='[targets.d]\nexporter = "pdf"\n',
    )
    report = build_vault(root)
    result = report.targets[0]
    assert result.ok, result.error
    pdf_path = result.files[0]
    pdf = reader(pdf_path)

    assert hits == []
    assert embedded_files(pdf) == []
    assert image_count(pdf) == 0
    raw = pdf_path.read_bytes()
    assert SECRET.encode() not in raw
    assert SECRET.encode() not in stream_data(pdf)
    assert "Ordinary text stays" in pdf.pages[1].extract_text() + pdf.pages[2].extract_text()

    # What no output may use is reported once, when the vault is read, with its line; the
    # digest itself then has nothing left to refuse.
    found = [(p.code, p.line) for p in report.problems if p.path == "leaky.md"]
    assert found == [
        ("url-private", 10),
        ("asset-missing", 12),  # a path from / is the vault's, as Obsidian reads it
        ("asset-outside", 14),
        ("url-private", 16),
        ("asset-outside", 18),
        ("asset-outside", 20),
        ("url-private", 22),
        ("url-private", 24),
        ("url-private", 26),
        ("url-private", 28),
        ("html-removed", 28),  # the <object> itself, which no output keeps
    ]
    assert [p for p in result.problems if p.code == "pdf-refused"] == []


def test_user_stylesheets_cannot_load_secrets_or_call_servers(
    make_vault,
    build_vault,
    secrets: dict[str, Path],
    loopback: tuple[str, list[str]],
) -> None:
    base, hits = loopback
    css = (
        f'@import url("{base}/import.css");\n'
        '{% include "extra.css" %}\n'
        f"body {{ background: url({base}/bg.png); }}\n"
        f'.cover {{ background-image: url("{secrets["image"].as_uri()}"); }}\n'
        '.note { background-image: url("../../secret.png"); }\n'
        '@font-face { font-family: X; src: url("fonts/missing.woff2"); }\n'
    )
    root = make_vault(
        {
            "a.md": note_text("A note", "Body.", note_id="230301AA01", created="2023-03-01"),
            "t/digest.css": css,
            "t/cover.html": (
                '<section class="cover"><h1>{{ digest.title }}</h1>'
                f'<img src="{secrets["image"].as_uri()}">'
                f'<img src="{base}/logo.png">'
                '<link rel="attachment" href="https://vault.invalid/pic.png">'
                '<a rel="attachment" href="https://vault.invalid/pic.png">x</a></section>'
            ),
            "pic.png": png_bytes(),
        },
        config='[targets.d]\nexporter = "pdf"\ntemplates = "t"\n',
    )
    result = build_vault(root).targets[0]
    assert result.ok, result.error
    pdf = reader(result.files[0])
    assert hits == []
    assert image_count(pdf) == 0
    assert embedded_files(pdf) == []
    refused = [p.message for p in result.problems if p.code == "pdf-refused"]
    assert all(p.path == "targets.d" for p in result.problems if p.code == "pdf-refused")
    joined = "\n".join(refused)
    assert f"{base}/import.css" in joined
    assert f"{base}/bg.png" in joined
    assert f"{base}/logo.png" in joined
    assert "never load anything from the network: save the file in the vault" in joined
    assert secrets["image"].as_uri() in joined
    assert joined.count("never embed file attachments") == 2  # even of a vault attachment
    missing = [p.message for p in result.problems if p.code == "pdf-file-missing"]
    assert any(
        "'fonts/missing.woff2'" in m and "no such file in the template" in m for m in missing
    )


def test_images_inside_the_vault_still_load(make_vault, build_vault) -> None:
    root = make_vault(
        {
            "notes/a.md": note_text(
                "With images",
                "![[pic one.png]]\n\n![alt](../attachments/pic%20two.png)\n\n"
                '<img src="../attachments/pic one.png" alt="again">\n\n'
                # From the vault's root, as Obsidian reads a path from ``/``.
                "![root](/attachments/pic%20three.png)\n\n"
                '<img src="/attachments/pic four.png" alt="root html">\n',
                note_id="230301IM01",
                created="2023-03-01",
            ),
            "attachments/pic one.png": png_bytes("#00aa00"),
            "attachments/pic two.png": png_bytes("#0000aa", (20, 20)),
            "attachments/pic three.png": png_bytes("#aa0000", (30, 30)),
            "attachments/pic four.png": png_bytes("#aaaa00", (40, 40)),
        },
        config='[targets.d]\nexporter = "pdf"\n',
    )
    result = build_vault(root).targets[0]
    assert result.ok, result.error
    assert [p for p in result.problems] == []
    assert image_count(reader(result.files[0])) == 4


def test_a_missing_image_is_reported_against_its_note(make_vault, build_vault) -> None:
    root = make_vault(
        {"a.md": note_text("A", "![gone](attachments/gone.png)\n", created="2023-03-01")},
        config='[targets.d]\nexporter = "pdf"\n',
    )
    report = build_vault(root)
    assert report.targets[0].ok
    assert report.targets[0].problems == []
    [missing] = [p for p in report.problems if p.code == "asset-missing"]
    assert (missing.path, missing.line) == ("a.md", 7)
    assert "no such file in the vault" in missing.message
