"""Fixtures for the integration tests: a real mock server in a background thread, a real HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from support import Api

from mockserver.config import ServerConfig
from mockserver.server import MockServer

USERS = ["alice", "bob", "carol", "dave"]
GROUPS = {"team": ["alice", "bob", "carol"]}


@pytest.fixture
def make_server() -> Iterator[Callable[..., MockServer]]:
    """Start a server with ServerConfig(**overrides) on 127.0.0.1, port from the OS; stopped at teardown."""
    started: list[MockServer] = []

    def make(**overrides: Any) -> MockServer:
        config: dict[str, Any] = {"tls": False, "users": list(USERS), "groups": dict(GROUPS), "clock": "virtual"}
        config.update(overrides)
        server = MockServer(ServerConfig(**config)).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., MockServer]) -> MockServer:
    """Plain HTTP, virtual clock, users alice bob carol dave, group team (alice bob carol)."""
    return make_server()


@pytest.fixture
async def http(make_server: Callable[..., MockServer]) -> AsyncIterator[aiohttp.ClientSession]:
    """A client session; closed before any server stops (so no socket waits for a close handshake)."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def api(http: aiohttp.ClientSession, server: MockServer) -> Api:
    return Api(http, server.url)
