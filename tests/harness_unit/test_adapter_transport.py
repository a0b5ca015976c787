"""The adapter client's HTTP: kept-alive connections, reused across commands and threads, replaced when
the service closed them, and never a command sent twice."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from adapter_protocol.client import KEEP_IDLE, AdapterService, ClientInstance
from adapter_protocol.errors import AdapterError


class Service(ThreadingHTTPServer):
    """A minimal adapter service: counts connections and commands; may close after each reply."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.connections = 0
        self.commands: list[str] = []
        self.close_after_reply = False
        #: set by a handler once it has hung up after its reply
        self.hung_up = threading.Event()
        self.hang_up = False  #: read the command, then close without a reply (a crash mid-command)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Service

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)
        self.wfile.flush()
        if self.server.close_after_reply:  # keeps the connection open in the reply, then closes it when idle
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            self.server.hung_up.set()

    def do_GET(self) -> None:
        self._reply(200, {"name": "fake", "version": "1", "protocolVersion": 1, "capabilities": []})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.commands.append(body["command"])
        if self.server.hang_up:
            self.close_connection = True
            return
        self._reply(200, {"ok": True, "result": None})


@pytest.fixture
def service() -> Iterator[Service]:
    server = Service()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def instance_of(service: Service) -> ClientInstance:
    adapter = AdapterService.attach(service.url)
    return ClientInstance(service=adapter, url=service.url + "/instances/1", tag="t", uid="u")


def test_commands_share_one_kept_alive_connection(service: Service) -> None:
    instance = instance_of(service)
    for _ in range(20):
        instance.ok("clearActiveCall")
    assert service.commands == ["clearActiveCall"] * 20
    assert service.connections == 1  # the service description and 20 commands on one connection


def test_threads_borrow_their_own_connections(service: Service) -> None:
    instance = instance_of(service)
    barrier = threading.Barrier(3)

    def work() -> None:
        barrier.wait()
        for _ in range(10):
            instance.ok("clearActiveCall")

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(service.commands) == 30
    assert 1 <= service.connections <= 3  # at most one per thread at a time, reused afterwards


def test_a_connection_the_service_closed_while_idle_is_replaced_and_nothing_is_sent_twice(service: Service) -> None:
    service.close_after_reply = True
    instance = instance_of(service)
    service.hung_up.wait(5)  # the service description's connection is closed by now
    for _ in range(5):
        service.hung_up.clear()
        instance.ok("clearActiveCall")
        assert service.hung_up.wait(5)
    assert service.commands == ["clearActiveCall"] * 5  # each command exactly once
    assert service.connections == 6  # one per request: every idle connection was found closed


def test_a_connection_idle_too_long_is_not_used_again(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = instance_of(service)
    instance.ok("clearActiveCall")
    assert service.connections == 1
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + KEEP_IDLE + 1)
    instance.ok("clearActiveCall")
    assert service.connections == 2  # a server's keep-alive timeout might have been closing it


def test_a_service_that_hangs_up_mid_command_is_an_error_not_a_retry(service: Service) -> None:
    instance = instance_of(service)
    instance.ok("clearActiveCall")
    service.hang_up = True
    with pytest.raises(AdapterError, match=r"t: acceptCall: the test service is unreachable"):
        instance.ok("acceptCall", {"sessionId": "s"})
    assert service.commands == ["clearActiveCall", "acceptCall"]  # sent once: never replayed
