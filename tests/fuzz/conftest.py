"""Fixtures for the fuzz tests: a real mock server on loopback (plain HTTP, virtual clock), module-wide."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from mockserver.config import ServerConfig
from mockserver.server import MockServer

USERS = ["alice", "bob", "carol", "dave"]
GROUPS = {"team": ["alice", "bob", "carol"]}


def fuzz_config() -> ServerConfig:
    """The server every fuzz test talks to: four users, one group, the virtual clock."""
    return ServerConfig(tls=False, users=list(USERS), groups=dict(GROUPS), clock="virtual")


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[MockServer]:
    """One server for a whole module (the fuzzers reset what they must themselves)."""
    server = MockServer(fuzz_config()).start()
    yield server
    server.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``fuzz`` run only under ``make fuzz`` (``RINGSIDE_FUZZ_LONG=1``)."""
    if os.environ.get("RINGSIDE_FUZZ_LONG") == "1":
        return
    skip = pytest.mark.skip(reason="a long fuzzing run: make fuzz")
    for item in items:
        if item.get_closest_marker("fuzz") is not None:
            item.add_marker(skip)
