"""Fixtures for tests that run the real CometChat JS SDK: a `ringside serve` process and the Node adapter."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapter_protocol.client import AdapterService, ClientInstance
from harness.clients import command_for
from mockserver.control import callback_url as callback_url_for

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "clients" / "cometchat-js"


def _need_node() -> None:
    if shutil.which("node") is None or not (JS / "node_modules" / "@cometchat").exists():
        pytest.fail("Node 20 and `npm ci` in clients/cometchat-js are required (make test installs them)")


@dataclass
class Served:
    """A `ringside serve` subprocess."""

    process: subprocess.Popen[str]
    url: str
    ca: str
    lines: list[str]
    control_token: str  #: printed by `ringside serve` (and written beside the CA)

    def control(self, method: str, path: str, body: Any = None, *, timeout: float = 10) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + "/_ringside" + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.control_token}"},
        )
        context = ssl.create_default_context(cafile=self.ca)
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return json.loads(response.read())

    def callbacks(self, tag: str, count: int, *, wait: float = 8.0) -> list[dict[str, Any]]:
        """Long-poll the callback sink until ``tag`` reported ``count`` callbacks (or ``wait`` passes)."""
        reply = self.control("GET", f"/callbacks/{tag}?count={count}&wait={wait}", timeout=wait + 5)
        result: list[dict[str, Any]] = reply["data"]
        return result


def read_until(process: subprocess.Popen[str], prefix: str, deadline: float = 30.0) -> list[str]:
    """Read stdout lines until one starts with ``prefix`` (a reader thread; the wait has a deadline)."""
    lines: list[str] = []
    found = threading.Event()

    def reader() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith(prefix):
                found.set()
        found.set()

    threading.Thread(target=reader, daemon=True).start()
    if not found.wait(deadline) or not any(line.startswith(prefix) for line in lines):
        process.kill()
        raise AssertionError(f"no {prefix!r} line within {deadline} s; got {lines}")
    return lines


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`ringside serve` with TLS (its own CA in a temp dir), users alice, bob, carol, a group, real clock."""
    tls_dir = tmp_path_factory.mktemp("tls")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "serve",
            "--port",
            "0",
            "--tls-dir",
            str(tls_dir),
            "--users",
            "alice,bob,carol",
            "--group",
            "team=alice,bob,carol",
            "--clock",
            "real",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = read_until(process, "ringside: control token")
    url = next(line for line in lines if "listening on" in line).split()[-1]
    ca = str(tls_dir / "ca.pem")
    assert any(ca in line for line in lines), lines
    token = next(line for line in lines if line.startswith("ringside: control token")).split()[3]
    port = url.rpartition(":")[2]
    assert (tls_dir / f"control-{port}.token").read_text().strip() == token, "written beside the CA"
    yield Served(process=process, url=url, ca=ca, lines=lines, control_token=token)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def js_service() -> Iterator[AdapterService]:
    """The Node adapter around the unmodified @cometchat/chat-sdk-javascript@4.2.0."""
    _need_node()
    service = AdapterService.spawn(command_for("cometchat-js"))
    yield service
    service.close()


_counter = iter(range(1, 1_000_000))


def instance_params(served: Served, tag: str, uid: str, callback_url: str, clock: str = "real") -> dict[str, Any]:
    """The adapter's create params for a real-SDK instance logging in to the served mock over TLS."""
    host = served.url.removeprefix("https://")
    return {
        "tag": tag,
        "appId": "ringside",
        "region": "eu",
        "server": {
            "clientHost": host,
            "adminHost": host,
            "baseUrl": served.url,
            "wsUrl": served.url.replace("https", "wss") + "/",
            "tls": True,
            "caFile": served.ca,
        },
        "user": {"uid": uid, "authKey": "ringside-api-key", "authToken": None},
        "callbackUrl": callback_url,
        "clock": {"mode": clock, "now": 0},
    }


@pytest.fixture
def sdk(served: Served, js_service: AdapterService) -> Iterator[Any]:
    """A factory of logged-in SDK instances (one Node process each), deleted after the test."""
    made: list[ClientInstance] = []

    def make(uid: str, *, clock: str = "real") -> ClientInstance:
        tag = f"node{next(_counter)}-{uid}"
        callback_url = callback_url_for(served.url, served.control_token, tag)
        instance = js_service.create(tag=tag, uid=uid, params=instance_params(served, tag, uid, callback_url, clock))
        made.append(instance)
        instance.ok("login")
        instance.ok("addCallListener", {"id": "main"})
        return instance

    yield make
    for instance in made:
        instance.delete()
