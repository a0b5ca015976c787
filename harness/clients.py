"""The bundled clients under test, by name, and how to start each one's test service."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Final

from harness import js_adapter, resources

#: The repository root, for the checkout's own tools (coverage, detection, step docs). An installed
#: ringside finds its bundled files through :mod:`harness.resources`, never through this.
ROOT = Path(__file__).resolve().parent.parent

#: Bundled client name → what it is.
BUNDLED: Final = {
    "python": "the Python reference client (refclient)",
    "cometchat-js": f"the unmodified {js_adapter.SDK_PACKAGE} in Node (npm packages installed on first use)",
}


def bundled() -> dict[str, str]:
    """Client name → a short description of the client (:func:`command_for` gives its command)."""
    return dict(BUNDLED)


def command_for(name: str) -> str:
    """The command for a bundled client; ``python:QUIRK[+QUIRK]`` is the reference client with defects.

    Raises ``ValueError`` for an unknown name, and :class:`harness.js_adapter.InstallError` (a
    ``ValueError`` too, one line) when the JS adapter's first-use npm install fails.
    """
    base, _, quirks = name.partition(":")
    if base not in BUNDLED:
        raise ValueError(f"unknown client {name!r}; bundled: {', '.join(BUNDLED)}")
    if quirks and base != "python":
        raise ValueError("only the python reference client has quirks")
    if base == "cometchat-js":
        return f"node {shlex.quote(str(js_adapter.adapter_dir() / 'service.js'))}"
    command = f"{shlex.quote(sys.executable)} -m refclient.service"
    return f"{command} --quirks {shlex.quote(quirks.replace('+', ','))}" if quirks else command


def known_failures_file(name: str) -> Path | None:
    """The known-failures list of a bundled client, if it has one."""
    return resources.known_failures_file(name.partition(":")[0])
