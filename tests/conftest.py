"""Fixtures shared by ringside's own tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness.report.session import BUDGET_VARIABLE
from harness.runner import PLUGINS
from mockserver.config import ServerConfig

# Catalogue runs inside ringside's own tests (pytester, `ringside run` subprocesses: they inherit it)
# grade latency against a budget no loaded CI machine misses, so a slow moment never turns a test's
# "passed" into "passed-late". Tests of the budget itself pass the option or remove the variable.
os.environ[BUDGET_VARIABLE] = "60000"
from mockserver.server import MockServer


@pytest.fixture
def lean_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest subprocesses of this test start as ``ringside run`` starts them: plugin autoload off and
    ringside's plugins named (PYTEST_PLUGINS), so each run skips importing hypothesis, schemathesis,
    faker … (seconds per run). Tests of a user's project that relies on the entry point don't use it."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("PYTEST_PLUGINS", ",".join(PLUGINS))


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
