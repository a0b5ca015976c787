"""The bundled clients under test, by name, and how to start each one's test service."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

#: The repository root (bundled clients live under clients/).
ROOT = Path(__file__).resolve().parent.parent
KNOWN_FAILURES_DIR = ROOT / "clients" / "known-failures"


def bundled() -> dict[str, str]:
    """Client name → command that starts its test service."""
    return {
        "python": f"{shlex.quote(sys.executable)} -m refclient.service",
        "cometchat-js": f"node {shlex.quote(str(ROOT / 'clients' / 'cometchat-js' / 'service.js'))}",
    }


def command_for(name: str) -> str:
    """The command for a bundled client; ``python:QUIRK[+QUIRK]`` is the reference client with defects."""
    base, _, quirks = name.partition(":")
    commands = bundled()
    if base not in commands:
        raise ValueError(f"unknown client {name!r}; bundled: {', '.join(commands)}")
    if quirks:
        if base != "python":
            raise ValueError("only the python reference client has quirks")
        return f"{commands[base]} --quirks {shlex.quote(quirks.replace('+', ','))}"
    return commands[base]


def known_failures_file(name: str) -> Path | None:
    """The known-failures list of a bundled client, if it has one."""
    path = KNOWN_FAILURES_DIR / f"{name.partition(':')[0]}.yaml"
    return path if path.exists() else None
