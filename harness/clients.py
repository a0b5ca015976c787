"""The bundled clients under test, by name, and how to start each one's test service."""

from __future__ import annotations

import importlib
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from harness import js_adapter, resources, sdk_versions

if TYPE_CHECKING:
    import asyncio

    from adapter_protocol.client import AdapterService

#: The repository root, for the checkout's own tools (coverage, detection, step docs). An installed
#: ringside finds its bundled files through :mod:`harness.resources`, never through this.
ROOT = Path(__file__).resolve().parent.parent

#: Bundled client name → what it is.
BUNDLED: Final = {
    "python": "the Python reference client (refclient)",
    "cometchat-js": f"the unmodified {js_adapter.SDK_PACKAGE} in Node (npm packages installed on first use)",
}
#: Versioned SDK clients (not run by ``all``): ``cometchat-js@4.0.5``, ``cometchat-pro@3.0.13`` (:mod:`harness.sdk_versions`).
VERSIONED: Final = {
    "cometchat-js@VERSION": f"a published {sdk_versions.PACKAGES['cometchat-js']} (4.0.5, latest, all, 4.0.0..4.2.0, a list)",
    "cometchat-pro@VERSION": f"a published {sdk_versions.PACKAGES['cometchat-pro']} (the v3 line, e.g. 3.0.13)",
}


def bundled() -> dict[str, str]:
    """Client name → a short description of the client (:func:`command_for` gives its command)."""
    return dict(BUNDLED)


def command_for(name: str) -> str:
    """The command for a bundled client; ``python:QUIRK[+QUIRK]`` is the reference client with defects.

    ``cometchat-js@4.0.5`` (``cometchat-pro@3.0.13``, ``cometchat-js@latest``: one version) is the same JS
    adapter driving that published SDK, installed on first use (:mod:`harness.sdk_versions`).

    Raises ``ValueError`` for an unknown name (:class:`harness.sdk_versions.VersionError` for a version that
    does not exist), and :class:`harness.js_adapter.InstallError` (a ``ValueError`` too, one line) when a
    first-use npm install fails.
    """
    if sdk_versions.is_versioned(name):
        resolved = sdk_versions.resolve(name)
        if len(resolved) != 1:
            raise sdk_versions.VersionError(
                f"{name} names {len(resolved)} versions: one run each (ringside run does that)"
            )
        sdk = sdk_versions.parse_exact(resolved[0])
        assert sdk is not None
        package = sdk_versions.sdk_dir(sdk)  # first use: npm install, with its progress
        command = f"node {shlex.quote(str(js_adapter.adapter_dir() / 'service.js'))}"
        return command if package is None else f"{command} --sdk {shlex.quote(str(package))}"
    base, _, quirks = name.partition(":")
    if base not in BUNDLED:
        raise ValueError(f"unknown client {name!r}; bundled: {', '.join([*BUNDLED, *VERSIONED])}")
    if quirks and base != "python":
        raise ValueError("only the python reference client has quirks")
    if base == "cometchat-js":
        return f"node {shlex.quote(str(js_adapter.adapter_dir() / 'service.js'))}"
    command = f"{shlex.quote(sys.executable)} -m refclient.service"
    return f"{command} --quirks {shlex.quote(quirks.replace('+', ','))}" if quirks else command


#: The name the bundled reference client's test service gives in ``GET /`` (either transport).
REFERENCE_SERVICE: Final = "ringside-python-reference"
#: How the harness reaches the bundled Python reference client (``--ringside-transport``).
TRANSPORTS: Final = ("in-process", "http")


def in_process_service(name: str, *, loop: asyncio.AbstractEventLoop | None = None) -> AdapterService | None:
    """The bundled reference client's adapter service in this process, for ``python`` and
    ``python:QUIRK[+QUIRK]`` (None for any other client: those only speak HTTP).

    The same service as ``python -m refclient.service`` (same instances, commands and quirks) on a loop
    thread of its own or on ``loop``, the mock server's (the catalogue's way: one thread
    fewer to hand the GIL to on every request), reached by direct calls whose requests and replies still go
    through JSON and the same schema checks; the client still talks to the mock server over the network.
    See :mod:`refclient.inprocess` for what it leaves out.
    """
    base, _, quirks = name.partition(":")
    if base != "python":
        return None
    # imported on use: the reference client loads aiohttp, which `ringside run`'s own process never needs
    from adapter_protocol.client import AdapterService  # noqa: PLC0415
    from refclient.faults import Quirks  # noqa: PLC0415
    from refclient.inprocess import URL, InProcessService  # noqa: PLC0415

    service = InProcessService(Quirks.parse(quirks.replace("+", ",")) if quirks else None, loop=loop)
    try:
        return AdapterService.attach(URL, transport=service.request, closer=service.close)
    except Exception:
        service.close()
        raise


#: ``--ringside-loop``: the event loops the harness runs the mock server and an in-process client on.
LOOPS: Final = ("auto", "asyncio", "uvloop")


def loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop factory ``--ringside-loop`` asks for (None: asyncio's own). ``auto`` is uvloop when it
    is installed (``pip install 'ringside[fast]'``, as ``ringside serve --loop auto``), else asyncio's;
    ``uvloop`` raises ``ValueError`` (one line) when it is not installed."""
    if choice == "asyncio":
        return None
    try:
        uvloop = importlib.import_module("uvloop")  # optional: ringside[fast]
    except ImportError:
        if choice == "auto":
            return None
        raise ValueError("--ringside-loop uvloop: uvloop is not installed (pip install 'ringside[fast]')") from None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def known_failures_file(name: str) -> Path | None:
    """The known-failures list of a bundled client, if it has one (one list per SDK package, for all its
    versions: ``cometchat-js@4.0.5`` → ``cometchat-js.yaml``, whose entries may name the versions they hold for)."""
    return resources.known_failures_file(name.partition(":")[0].partition("@")[0])
