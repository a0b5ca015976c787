"""Habit 1: the call core does no I/O and reads no clock. Enforced on the source, not by convention."""

from __future__ import annotations

import ast
from pathlib import Path

import mockserver.core

CORE = Path(mockserver.core.__file__).parent
#: Modules the core may never import: I/O, event loops, clocks, randomness, logging handlers.
BANNED = {"aiohttp", "asyncio", "time", "random", "socket", "threading", "logging", "os", "datetime", "ssl"}
#: The only places allowed to import aiohttp in the whole mock server.
AIOHTTP_ALLOWED = {"app.py"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_core_imports_no_io_clock_or_randomness() -> None:
    offenders = {p.name: sorted(imports_of(p) & BANNED) for p in CORE.glob("*.py")}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_only_the_edge_imports_aiohttp() -> None:
    server = CORE.parent
    importers = {str(p.relative_to(server)) for p in server.rglob("*.py") if "aiohttp" in imports_of(p)}
    assert importers == AIOHTTP_ALLOWED


def test_the_server_never_imports_the_harness() -> None:
    """The mock server stands alone (``ringside serve`` loads no pytest): the harness builds on it, not back.
    What both need (the sequence diagram) lives in the server's package."""
    server = CORE.parent
    importers = {str(p.relative_to(server)) for p in server.rglob("*.py") if {"harness", "pytest"} & imports_of(p)}
    assert importers == set()
