"""Fixtures shared by ringside's own tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness.report.session import BUDGET_VARIABLE
from mockserver.config import ServerConfig

# Catalogue runs inside ringside's own tests (pytester, `ringside run` subprocesses: they inherit it)
# grade latency against a budget no loaded CI machine misses, so a slow moment never turns a test's
# "passed" into "passed-late". Tests of the budget itself pass the option or remove the variable.
os.environ[BUDGET_VARIABLE] = "60000"
from mockserver.server import MockServer


@pytest.fixture
def start_mock_server() -> Iterator[Callable[..., MockServer]]:
    """Start MockServers (plain HTTP, loopback, OS-chosen port) from ServerConfig fields; stopped at teardown."""
    started: list[MockServer] = []

    def start(**config: Any) -> MockServer:
        server = MockServer(ServerConfig(**{"tls": False, **config})).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
