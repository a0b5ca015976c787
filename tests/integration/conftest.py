"""Fixtures for the integration tests: a real mock server in a background thread, a real HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from support import Api

from mockserver.server import MockServer

USERS = ["alice", "bob", "carol", "dave"]
GROUPS = {"team": ["alice", "bob", "carol"]}


@pytest.fixture
def make_server(start_mock_server: Callable[..., MockServer]) -> Callable[..., MockServer]:
    """A server with ServerConfig(**overrides): users alice bob carol dave, group team, virtual clock, seed 0
    (reproducible ids, as the harness runs it; ``seed=None`` for ids from ``secrets``)."""

    def make(**overrides: Any) -> MockServer:
        defaults = {"users": list(USERS), "groups": dict(GROUPS), "clock": "virtual", "seed": 0}
        return start_mock_server(**{**defaults, **overrides})

    return make


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
    return Api(http, server.url, control_token=server.control_token)
