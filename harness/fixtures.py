"""Fixtures: one mock server and one adapter service per session, a fresh World per scenario.

Override points are fixtures too: define ``ringside_server_config`` in your conftest to change the
server (users, TLS, clock), or ``ringside_service`` to provide the service yourself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from adapter_protocol.client import AdapterService, ServiceStartError
from harness.clients import REFERENCE_SERVICE, command_for, in_process_service, loop_factory
from harness.errors import SERVICE_EXIT, AdapterError
from harness.report.collect import SERVICE_INFO
from harness.report.session import required_capabilities
from harness.stop import stop_run
from harness.tags import item_tags
from harness.world import CallbackLog, World
from mockserver.config import ServerConfig
from mockserver.server import MockServer


@pytest.fixture(scope="session")
def ringside_server_config(pytestconfig: pytest.Config) -> ServerConfig:
    """The mock server's configuration (TLS on, virtual clock unless --ringside-clock real)."""
    return ServerConfig(tls=True, clock=pytestconfig.getoption("ringside_clock"), seed=0)


@pytest.fixture(scope="session")
def ringside_server(ringside_server_config: ServerConfig, pytestconfig: pytest.Config) -> Iterator[MockServer]:
    """The mock server, on its own loop thread, for the whole session (with TLS, also a plain-HTTP
    listener: one server, one state, for the scenarios that are not about TLS; see :func:`scenario_tls`), on
    the event loop ``--ringside-loop`` names (uvloop when installed)."""
    loop = loop_factory(pytestconfig.getoption("ringside_loop", default="asyncio"))
    with MockServer(ringside_server_config, plain_listener=True, loop_factory=loop) as server:
        yield server


@pytest.fixture(scope="session")
def ringside_service(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> Iterator[AdapterService]:
    """The client under test's adapter service: attached (--client-url) or spawned (--client-cmd / --client);
    the bundled Python client in this process, on the mock server's loop (see :func:`in_process_service`)."""
    url = pytestconfig.getoption("ringside_client_url")
    command = pytestconfig.getoption("ringside_client_cmd")
    name = pytestconfig.getoption("ringside_client")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    # a first-use install (the JS adapter's npm) shows its progress rather than hiding in captured output
    shown = capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext()
    try:
        local = None
        if not (url or command) and pytestconfig.getoption("ringside_transport") == "in-process":
            local = in_process_service(name, loop=request.getfixturevalue("ringside_server").loop)
        if local is not None:
            service = local
        elif url:
            try:
                service = AdapterService.attach(url)
            except AdapterError as exc:
                raise ServiceStartError(f"cannot use the test service at {url}: {exc}") from None
        else:
            with shown:
                service = AdapterService.spawn(command or command_for(name))
    except (ServiceStartError, ValueError) as exc:
        # once, for the whole run: every scenario would fail the same way
        stop_run(pytestconfig, f"ringside: {exc}", SERVICE_EXIT)
    service.deadline = float(pytestconfig.getoption("ringside_command_deadline"))
    # the report says how the client was reached (the in-process fast path skips the adapter's HTTP)
    pytestconfig.stash[SERVICE_INFO] = {**service.info, "transport": "in-process" if service.in_process else "http"}
    missing = sorted(set(required_capabilities(pytestconfig)) - service.capabilities)
    if missing:
        service.close()
        declared = ", ".join(sorted(service.capabilities)) or "none"
        stop_run(
            pytestconfig,
            f"ringside: not assessed: the client lacks required capabilities {', '.join(missing)} "
            f"(it declares: {declared})",
            pytest.ExitCode.TESTS_FAILED,
        )
    yield service
    service.close()


@pytest.fixture(scope="session")
def ringside_callbacks(ringside_server: MockServer) -> CallbackLog:
    """The log of callbacks the service reports (kept by the server's sink)."""
    log = CallbackLog(ringside_server.probe)
    log.install()
    return log


@pytest.fixture
def world(
    request: pytest.FixtureRequest,
    ringside_server: MockServer,
    ringside_service: AdapterService,
    ringside_callbacks: CallbackLog,
) -> Iterator[World]:
    """A fresh scenario: the server reset, no instances yet; instances are deleted afterwards."""
    _restart_or_stop(request.config, ringside_service)
    ringside_server.reset()
    ringside_callbacks.clear()
    tls = scenario_tls(request.node, ringside_service)
    scenario_world = World(ringside_server.probe, ringside_service, ringside_callbacks, tls=tls)
    yield scenario_world
    scenario_world.close()
    if not ringside_service.alive():
        ringside_service.deaths_in_a_row += 1
    else:
        ringside_service.deaths_in_a_row = 0


#: Scenarios with one of these tags (or tags starting so) always reach the server over TLS: they are about
#: the wire (frames, requests, echoes) or about robustness (dropped, slow and broken connections).
TLS_TAGS = ("spec-wire-", "robustness")


def scenario_tls(item: pytest.Item, service: AdapterService) -> bool:
    """Whether the scenario's client instances reach the mock server over TLS (``--ringside-tls``).

    ``always``: every scenario. ``wire``: only the scenarios about the wire or robustness
    (:data:`TLS_TAGS`); the others use the server's plain-HTTP listener (same server, same state), which
    spares each instance its TLS handshakes. ``auto`` (the default) is ``wire`` for the bundled reference
    client and ``always`` for any other client (whose SDK may take the server's hosts from its settings).
    """
    mode = item.config.getoption("ringside_tls")
    if mode == "auto":
        mode = "wire" if service.info.get("name") == REFERENCE_SERVICE else "always"
    if mode == "always":
        return True
    return any(tag.startswith(TLS_TAGS) for tag in item_tags(item))


#: A service that died in this many scenarios in a row is not restarted again: the run stops.
DEATHS_BEFORE_STOP = 3


def _restart_or_stop(config: pytest.Config, service: AdapterService) -> None:
    """A service that crashed in the last scenario gets a fresh process, unless it keeps crashing."""
    if service.alive():
        return
    if service.deaths_in_a_row >= DEATHS_BEFORE_STOP:
        tail = service.stderr.text() if service.stderr is not None else "  (stderr not captured)"
        stop_run(
            config,
            f"ringside: the client's test service died in {service.deaths_in_a_row} scenarios in a row "
            f"(last: {service.exit_description()}; command {service.command!r}); its stderr ended with:\n{tail}",
            SERVICE_EXIT,
        )
    try:
        service.restart_if_dead()
    except ServiceStartError as exc:
        stop_run(
            config, f"ringside: the client's test service died and could not be started again: {exc}", SERVICE_EXIT
        )
