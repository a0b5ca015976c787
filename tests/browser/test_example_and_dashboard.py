"""The example app (examples/web-calling: the real SDK bundled by esbuild) and the dashboard, in Chromium.

One ``ringside serve``-like server over HTTPS (the browser trusts its certificate by SPKI pin), the example
page on a plain-HTTP loopback origin of its own, the dashboard on the server's. The page calls a magic
user and shows "accepted"; the dashboard shows that call live and draws its diagram; a person on the
dashboard accepts or rejects, as the callee, a call the page placed, and the page shows it. Screenshots
of each are kept as artefacts (paths printed and recorded as junit properties). No sleeps: Playwright's
expectations wait with deadlines.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_sdk_in_chromium import CHROMIUM, QuietHandler, spki_pin

from mockserver.config import ServerConfig
from mockserver.server import MockServer

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "web-calling"
#: Real milliseconds any one expectation may wait (a magic user answers after 1 s).
WAIT = 15_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockServer]:
    users = ["alice", "bob", "carol", "dave", "erin"]
    config = ServerConfig(tls=True, tls_dir=tmp_path_factory.mktemp("tls"), users=users, clock="real")
    with MockServer(config) as mock:
        yield mock


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The example folder as ``make example`` serves it (plain HTTP, loopback, another origin)."""
    if not (EXAMPLE / "dist" / "app.js").exists():
        pytest.fail(
            "the example's bundle is missing: run `make setup` (or npm ci && npm run build in examples/web-calling)"
        )
    handler = functools.partial(QuietHandler, directory=str(EXAMPLE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser(server: MockServer) -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required (.ci/run installs it)")
    assert server.server.tls is not None
    pin = spki_pin(server.server.tls.cert.read_bytes())
    args = [f"--ignore-certificate-errors-spki-list={pin}", "--no-sandbox", "--disable-gpu", "--disable-quic"]
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def contexts(browser: Any) -> Iterator[Callable[..., Any]]:
    """New browser contexts (one per page), closed when the test ends: its SDK sockets go with them."""
    made: list[Any] = []

    def new_context(**options: Any) -> Any:
        made.append(browser.new_context(**options))
        return made[-1]

    yield new_context
    for context in made:
        context.close()


@pytest.fixture
def expect() -> Callable[..., Any]:
    return pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def shots(tmp_path: Path, record_property: Callable[[str, object], None]) -> Callable[[Any, str], None]:
    def shot(page: Any, name: str) -> None:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        record_property(f"screenshot-{name}", str(path))
        print(f"screenshot: {path}")

    return shot


def open_app(contexts: Any, site: str, server: MockServer, uid: str, expect: Any) -> Any:
    """The example page, logged in as ``uid`` through its form, its socket authenticated."""
    page = contexts().new_page()
    page.goto(f"{site}?host=127.0.0.1:{server.server.port}&users=alice,bob,carol,dave,erin")
    page.locator("#uid").fill(uid)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#me")).to_have_text(uid, timeout=WAIT)
    server.wait_for_device(uid)  # login resolves before the SDK's socket has authenticated
    return page


def open_dashboard(contexts: Any, server: MockServer, expect: Any, *, scheme: str = "dark") -> Any:
    page = contexts(color_scheme=scheme).new_page()
    page.goto(f"{server.url}/_ringside/ui/#token={server.control_token}")
    expect(page.locator("#live")).to_have_text("live", timeout=WAIT)
    return page


def app_resource(server: MockServer, uid: str) -> str:
    [device] = [d for d in server.data("GET", "/devices") if d["uid"] == uid]
    return str(device["resource"])


def place_call(app: Any, callee: str, expect: Any) -> str:
    """Call ``callee`` from the page (a magic user from its form, anyone else from its user list); the
    session id once it rings."""
    if callee.startswith("ring-"):
        app.locator("#magic-uid").fill(callee)
        app.locator("#call-magic").get_by_role("button", name="Call").click()
    else:
        app.get_by_role("button", name=f"Call {callee}", exact=True).click()
    expect(app.locator("#call-state")).to_have_text("ringing", timeout=WAIT)
    sid = app.locator("#call-state").get_attribute("data-session")
    assert sid
    return sid


def test_the_page_calls_a_magic_user_and_the_dashboard_shows_it(contexts, site, server, expect, shots):
    dashboard = open_dashboard(contexts, server, expect)
    app = open_app(contexts, site, server, "alice", expect)
    expect(dashboard.locator("#users tr[data-uid='alice'] .badge")).to_have_text("online", timeout=WAIT)
    sid = place_call(app, "ring-accept-1s", expect)
    row = dashboard.locator(f"#call-table tr[data-sid='{sid}']")
    expect(row).to_contain_text("alice → ring-accept-1s", timeout=WAIT)
    expect(app.locator("#call-state")).to_have_text("accepted", timeout=WAIT)
    expect(row).to_have_attribute("data-status", "ongoing", timeout=WAIT)
    row.get_by_role("button", name=f"Diagram of call {sid}").click()
    diagram = dashboard.locator("#diagram svg")
    expect(diagram).to_contain_text("ring-accept-1s", timeout=WAIT)
    expect(diagram).to_contain_text("ongoing", timeout=WAIT)
    dashboard.locator("#f-call").select_option(sid)
    expect(dashboard.locator("#journal li").first).to_contain_text(sid, timeout=WAIT)
    dashboard.locator("#f-call").select_option("")
    dashboard.locator("#f-user").select_option("alice")
    dashboard.locator("#f-kind").select_option("http.request")
    journal = dashboard.locator("#journal")
    expect(journal).to_contain_text("POST /v3.0/calls", timeout=WAIT)  # the SDK's request: alice's by its device
    expect(journal).to_contain_text("/users/alice/auth_tokens")
    expect(journal.locator("li .kind").filter(has_not_text="http.request")).to_have_count(0)
    shots(app, "example-accepted")
    shots(dashboard, "dashboard-call")
    app.get_by_role("button", name="End").click()
    expect(app.locator("#call-state")).to_have_text("ended", timeout=WAIT)
    expect(row).to_have_attribute("data-status", "ended", timeout=WAIT)
    # per device: a fault on the next call frame, then a dropped socket
    alice = dashboard.locator("#users tr[data-uid='alice']")
    dashboard.locator("#fault-kind").select_option("delay")
    alice.get_by_role("button", name="Fault on next frame to alice").click()
    expect(dashboard.locator("#notice")).to_have_text("fault delay for alice: done", timeout=WAIT)
    [fault] = server.data("GET", "/faults")["faults"]
    assert (fault["kind"], fault["user"], fault["device"]) == ("delay", "alice", app_resource(server, "alice"))
    server.data("DELETE", "/faults")
    resource = app_resource(server, "alice")
    alice.get_by_role("button", name="Drop socket of alice").click()
    expect(dashboard.locator("#notice")).to_have_text(f"drop {resource}: done", timeout=WAIT)
    assert [e["uid"] for e in server.journal(kinds=["control"]) if e["action"] == "device-dropped"] == ["alice"]


@pytest.mark.parametrize(
    ("caller", "callee", "move", "shown", "scheme"),
    [("carol", "bob", "Accept", "accepted", "dark"), ("dave", "erin", "Reject", "rejected", "light")],
)
def test_a_person_on_the_dashboard_answers_the_pages_call(
    contexts, site, server, expect, shots, caller, callee, move, shown, scheme
):
    dashboard = open_dashboard(contexts, server, expect, scheme=scheme)
    app = open_app(contexts, site, server, caller, expect)
    sid = place_call(app, callee, expect)
    row = dashboard.locator(f"#call-table tr[data-sid='{sid}']")
    button = row.get_by_role("button", name=f"{move} as {callee}")
    if scheme == "light":  # by keyboard: the button takes focus and Enter presses it
        button.focus()
        expect(button).to_be_focused()
        dashboard.keyboard.press("Enter")
    else:
        button.click()
    expect(app.locator("#call-state")).to_have_text(shown, timeout=WAIT)
    expect(dashboard.locator("#notice")).to_have_text(f"{move} as {callee}: done", timeout=WAIT)
    expect(row).to_have_attribute("data-status", "ongoing" if shown == "accepted" else shown, timeout=WAIT)
    shots(app, f"example-{shown}")
    shots(dashboard, f"dashboard-{shown}-{scheme}")
    if shown == "accepted":
        row.get_by_role("button", name=f"End as {callee}").click()
        expect(app.locator("#call-state")).to_have_text("ended", timeout=WAIT)


def test_the_dashboard_places_a_call_and_moves_a_virtual_clock(contexts, expect, shots, tmp_path):
    config = ServerConfig(tls=True, tls_dir=tmp_path / "tls", users=["alice"], clock="virtual")
    with MockServer(config) as virtual:
        # the browser was launched trusting the other server's key; this one has its own
        page = contexts(ignore_https_errors=True).new_page()
        page.goto(f"{virtual.url}/_ringside/ui/#token={virtual.control_token}")
        expect(page.locator("#clock-kind")).to_have_text("virtual", timeout=WAIT)
        page.locator("#place-as").select_option("alice")
        page.locator("#place-to").fill("ring-accept-2s")
        page.locator("#place").get_by_role("button", name="Call").click()
        row = page.locator("#call-table tbody tr").first
        expect(row).to_contain_text("alice → ring-accept-2s", timeout=WAIT)
        expect(row).to_have_attribute("data-status", "initiated")
        page.get_by_role("button", name="Advance 10 s").click()
        expect(row).to_have_attribute("data-status", "ongoing", timeout=WAIT)
        expect(page.locator("#notice")).to_have_text("advance 10 s: done")
        shots(page, "dashboard-virtual-clock")
