"""The unmodified CometChat SDK in real Chromium pages (two users) against ringside over HTTPS + WSS.

Checks what only a browser checks: CORS preflights on every request, TLS trust by certificate, and
that the WebSocket upgrade from a page origin is accepted. The page is served from plain HTTP on
loopback, so every API request is cross-origin.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mockserver.config import ServerConfig
from mockserver.server import MockServer

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "clients" / "cometchat-js" / "node_modules" / "@cometchat" / "chat-sdk-javascript" / "CometChat.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def spki_pin(cert_pem: bytes) -> str:
    """Chromium's --ignore-certificate-errors-spki-list value: base64(sha256(SubjectPublicKeyInfo))."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page and the SDK bundle on a plain-HTTP loopback server (another origin than the API)."""
    if not SDK.exists():
        pytest.fail("the SDK bundle is missing: run `npm ci` in clients/cometchat-js (make test does)")
    root = tmp_path_factory.mktemp("site")
    shutil.copy(Path(__file__).with_name("page.html"), root / "index.html")
    shutil.copy(SDK, root / "CometChat.js")
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    httpd.shutdown()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    config = ServerConfig(tls=True, tls_dir=tmp_path_factory.mktemp("tls"), users=["alice", "bob"], clock="real")
    with MockServer(config) as mock:
        yield mock


def test_two_browser_pages_ring_accept_and_end(server: MockServer, site: str, tmp_path: Path) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required (.ci/run installs it)")
    assert server.server.tls is not None
    pin = spki_pin(server.server.tls.cert.read_bytes())
    host = f"127.0.0.1:{server.server.port}"
    args = [
        f"--ignore-certificate-errors-spki-list={pin}",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--no-sandbox",
        "--disable-gpu",
    ]
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            alice = browser.new_context().new_page()
            bob = browser.new_context().new_page()
            for page, uid in ((alice, "alice"), (bob, "bob")):
                page.goto(site)
                assert (
                    page.evaluate("([h, u]) => ringside.start('ringside', h, u, 'ringside-api-key')", [host, uid])
                    == uid
                )
                server.wait_for_device(uid)  # login resolves before the SDK's socket has authenticated
            sid = alice.evaluate("() => ringside.call('bob')")
            bob.wait_for_function("() => events.some(e => e.callback === 'onIncomingCallReceived')", timeout=10_000)
            assert bob.evaluate(f"() => ringside.accept('{sid}')") == "ongoing"
            alice.wait_for_function("() => events.some(e => e.callback === 'onOutgoingCallAccepted')", timeout=10_000)
            alice.evaluate(f"() => ringside.end('{sid}')")
            bob.wait_for_function("() => events.some(e => e.callback === 'onCallEndedMessageReceived')", timeout=10_000)
            assert [e["callback"] for e in bob.evaluate("() => events")] == [
                "onIncomingCallReceived",
                "onCallEndedMessageReceived",
            ]
            assert [e["callback"] for e in alice.evaluate("() => events")] == ["onOutgoingCallAccepted"]
            assert bob.evaluate("() => ringside.acceptError('v1.eu.ringside.nope')") == "ERR_CALL_NOT_FOUND"
            bob.screenshot(path=str(tmp_path / "bob.png"))
        finally:
            browser.close()
    preflights = [e for e in server.journal(kinds=["http.request"]) if e["method"] == "OPTIONS"]
    requests = [e for e in server.journal(kinds=["http.request"]) if e["method"] != "OPTIONS"]
    assert preflights, "a browser preflights the SDK's requests: the journal should show OPTIONS"
    assert all(e["headers"].get("origin", "").startswith("http://127.0.0.1:") for e in requests)
