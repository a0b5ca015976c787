"""The documented ways to trust ringside's CA, run as the docs write them, against a real ``ringside serve``.

docs/app-developers.md ("Trust the CA") gives the commands for Chromium on Linux and for Node, and
docs/control-api.md a ``curl --cacert`` call; the commands are read from those files (so a doc edit that
breaks a recipe fails here) and run by ``bash`` in a home folder of their own, where ``ringside serve``
keeps its CA at the documented ``~/.cache/ringside/tls``. Each is first shown to fail without the recipe:
the test would catch a server that stopped using its CA, or a recipe that trusts nothing.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_DEVELOPERS = ROOT / "docs" / "app-developers.md"
CONTROL_API = ROOT / "docs" / "control-api.md"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Real seconds ``ringside serve`` may take to start, and any one recipe command to run.
DEADLINE = 30.0


@dataclass(frozen=True)
class Served:
    """A ``ringside serve`` whose home folder is ``home`` (so its CA is ``home/.cache/ringside/tls/ca.pem``)."""

    home: Path
    url: str  #: https://127.0.0.1:PORT
    port: int
    env: dict[str, str]  #: the environment of a shell in that home


def recipe_cells(doc: Path, row: str) -> list[str]:
    """The code spans of the table row of ``doc`` whose first cell is ``row``."""
    for line in doc.read_text().splitlines():
        if line.startswith(f"| {row} |"):
            return re.findall(r"`([^`]+)`", line)
    raise AssertionError(f"{doc.name} has no table row {row!r}")


def run(command: str, served: Served) -> subprocess.CompletedProcess[str]:
    """``command`` run by bash in the served home, as a user would type it."""
    return subprocess.run(
        ["bash", "-c", command],
        check=False,  # (the tests read the exit code: a failure without the recipe is expected)
        env=served.env,
        cwd=served.home,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if k not in {"RINGSIDE_CACHE_DIR", "RINGSIDE_TLS_DIR", "XDG_CACHE_HOME"}}
    env["HOME"] = str(home)
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve", "--users", "alice,bob", "--clock", "virtual"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or ()], daemon=True).start()
    try:
        seen: list[str] = []
        while not seen or not seen[-1].startswith("ringside: control token"):
            try:
                seen.append(lines.get(timeout=DEADLINE).rstrip("\n"))
            except queue.Empty:
                raise AssertionError(f"ringside serve did not finish starting: {seen}") from None
        match = re.search(r"listening on (https://127\.0\.0\.1:(\d+))", "\n".join(seen))
        assert match, seen
        assert f"ringside: CA certificate {home}/.cache/ringside/tls/ca.pem" in "\n".join(seen), seen
        yield Served(home=home, url=match[1], port=int(match[2]), env=env)
    finally:
        proc.terminate()
        proc.wait(DEADLINE)


@pytest.mark.browser
def test_chromium_on_linux_trusts_the_ca_after_the_documented_commands(served: Served) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required (.ci/run installs it)")
    if shutil.which("certutil") is None:
        pytest.fail("certutil is required: Debian's libnss3-tools (.ci/run installs it)")
    commands = [c for c in recipe_cells(APP_DEVELOPERS, "Chrome, Chromium, Edge on Linux") if " " in c]
    add, make_database = commands[0], commands[-1]
    assert add.startswith("certutil -d sql:$HOME/.pki/nssdb -A ") and make_database.startswith("mkdir -p "), commands
    page_url = f"{served.url}/_ringside/ui/"

    def load_in_a_fresh_chromium() -> str:
        """What loading the dashboard page gives in a newly started Chromium of that home: its title, or the error."""
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking"],
                env=served.env,
            )
            try:
                page = browser.new_page()
                try:
                    page.goto(page_url)
                except playwright_api.Error as error:
                    return error.message
                # the socket too: the SDK's wss:// connection to the same origin
                opened = page.evaluate(
                    """url => new Promise(done => { const ws = new WebSocket(url);
                        ws.onopen = () => { ws.close(); done("open"); }; ws.onerror = () => done("error"); })""",
                    served.url.replace("https://", "wss://") + "/",
                )
                return f"{page.title()} / socket {opened}"
            finally:
                browser.close()

    assert "ERR_CERT_AUTHORITY_INVALID" in load_in_a_fresh_chromium(), "the CA is trusted before the recipe"
    # As the docs say: in a home where no browser ran, certutil's database does not exist yet.
    first = run(add, served)
    assert first.returncode != 0 and "SEC_ERROR_BAD_DATABASE" in first.stdout + first.stderr, first
    made = run(make_database, served)
    assert made.returncode == 0, made
    added = run(add, served)
    assert added.returncode == 0, added
    assert load_in_a_fresh_chromium() == "ringside dashboard / socket open"


@pytest.mark.node
def test_node_trusts_the_ca_with_node_extra_ca_certs(served: Served) -> None:
    (recipe,) = [c for c in recipe_cells(APP_DEVELOPERS, "Node (your app's tests, a Node client)") if "=" in c]
    variable, _, rest = recipe.partition(" ")
    assert variable == "NODE_EXTRA_CA_CERTS=~/.cache/ringside/tls/ca.pem" and rest == "node …", recipe
    script = f"fetch('{served.url}/settings').then(r => console.log(r.status), e => console.log(e.cause?.code ?? e))"
    node = f"node -e {script!r}"
    without = run(node, served)
    assert without.stdout.strip() in {"SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"}, without
    trusted = run(f"{variable} {node}", served)
    assert trusted.stdout.strip() == "200", trusted


def test_the_control_api_curl_example(served: Served) -> None:
    blocks = re.findall(r"```sh\n(curl .*?)```", CONTROL_API.read_text(), flags=re.DOTALL)
    assert blocks, "docs/control-api.md lost its curl example"
    example = blocks[0].replace("40117", str(served.port))
    assert "--cacert ~/.cache/ringside/tls/ca.pem" in example
    trusted = run(example, served)
    assert trusted.returncode == 0, trusted
    assert re.fullmatch(r'\{"data":\[\{"uid":"alice".*"uid":"bob".*\]\}\s*', trusted.stdout), trusted.stdout[:300]
    untrusted = run(example.replace("--cacert ~/.cache/ringside/tls/ca.pem ", ""), served)
    assert untrusted.returncode == 60, untrusted  # curl: the peer's certificate cannot be verified
