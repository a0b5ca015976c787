"""Fixtures shared by ringside's own tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mockserver.config import ServerConfig
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
