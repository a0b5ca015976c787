"""Fixtures shared by ringside's own tests."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
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

#: ``once_per_run(name, make)``: see the fixture.
OncePerRun = Callable[[str, Callable[[Path], None]], Path]


@pytest.fixture(scope="session")
def once_per_run(tmp_path_factory: pytest.TempPathFactory) -> OncePerRun:
    """``once_per_run(name, make)``: a folder filled by ``make`` once per test run, by whichever pytest-xdist
    worker asks first (the others wait for it under a file lock), in the folder every worker of the run
    shares. For costly set-ups a module's tests share: pytest-xdist's ``--dist loadgroup`` cannot keep a
    module's tests on one worker under pytest 9.2 (pytest-xdist issue 1386). A ``make`` that fails leaves
    it to the next caller to try again."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base

    def made(name: str, make: Callable[[Path], None]) -> Path:
        target = shared / name
        with (shared / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            done = target / ".made"
            if not done.exists():
                shutil.rmtree(target, ignore_errors=True)
                target.mkdir(parents=True)
                make(target)
                done.touch()
        return target

    return made


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
