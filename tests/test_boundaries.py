"""The harness reaches the server only through its typed port (``mockserver.probe``) and a few launch names.

Walks every module under ``harness/`` with ``ast`` (imports at any depth, in functions and
``TYPE_CHECKING`` blocks too) and fails on any other import from ``mockserver``: the hub, the
handlers, the core, the journal internals. The allowed list is deliberately short; growing it needs a
reason in this file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import harness

HARNESS = Path(harness.__file__).parent
ANY = frozenset({"*"})

#: module -> the names the harness may import from it (ANY: the whole module is the contract).
ALLOWED: dict[str, frozenset[str]] = {
    "mockserver.probe": ANY,  # the typed port: users, calls, clock, faults, sockets, callbacks, journal
    "mockserver.server": frozenset({"MockServer"}),  # the fixtures start and stop it
    "mockserver.config": ANY,  # ServerConfig and its defaults, for the fixtures
    "mockserver.clock": frozenset({"RealClock"}),  # wall time for reports and step durations
    "mockserver.schemas": frozenset({"SchemaCatalog", "SchemaSource"}),  # the generic loader (report schema)
    "mockserver.cli": frozenset({"add_serve_parser"}),  # `ringside serve` is the server's command
    "mockserver.diagram": ANY,
    "mockserver.jsoncodec": frozenset(
        {"encode_line"}
    ),  # the one never-raising JSON encoder (a report row to xdist's controller)  # the sequence diagram the report and the dashboard both draw (pure)
    "mockserver": frozenset({"__version__"}),
}


def _modules() -> list[Path]:
    return sorted(HARNESS.rglob("*.py"))


def violations(source: str) -> list[str]:
    """Every import in ``source`` that crosses into the server outside :data:`ALLOWED`."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top == "mockserver" and ALLOWED.get(alias.name) != ANY:
                    out.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "mockserver":
                continue
            allowed = ALLOWED.get(node.module)
            for alias in node.names:
                if allowed is None or (allowed != ANY and alias.name not in allowed):
                    out.append(f"line {node.lineno}: from {node.module} import {alias.name}")
        elif (  # importlib.import_module("mockserver.hub") and friends
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("mockserver.")
            and node.value not in ALLOWED
            and " " not in node.value
        ):
            out.append(f"line {node.lineno}: the string {node.value!r} names a server module")
    return out


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(HARNESS.parent)))
def test_harness_module_uses_only_the_probe(path: Path):
    found = violations(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(HARNESS.parent)} reaches into the server:\n" + "\n".join(found)


def test_every_harness_module_was_walked():
    names = {p.name for p in _modules()}
    assert {"world.py", "scenario.py", "oracles.py", "journal_view.py"} <= names
    assert any(p.parent.name == "steps" for p in _modules())


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("from mockserver.hub import Hub", True),
        ("import mockserver.hub", True),
        ("from mockserver import hub", True),
        ("from mockserver.core.backend import Backend", True),
        ("def f():\n    from mockserver.control import handle", True),
        ("from mockserver.server import Hub", True),
        ("import importlib\nimportlib.import_module('mockserver.timers')", True),
        ("from mockserver.probe import Probe, WsOut", False),
        ("from mockserver.server import MockServer", False),
        ("from mockserver import __version__", False),
        ("from adapter_protocol.names import Command", False),
    ],
)
def test_the_checker_itself(source: str, caught: bool):
    assert bool(violations(source)) is caught
