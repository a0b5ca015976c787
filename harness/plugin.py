"""ringside's pytest plugin (entry point ``pytest11: ringside``): a switchboard, no logic of its own.

It adds the options, registers the fixtures and the step library, turns Gherkin tags into
``ringside_tag`` marks, filters by tag, applies a client's known failures, runs the oracles after each
scenario, builds each scenario's report row where it ran, and (on the controller only: the one pytest
process, or pytest-xdist's controller, which gets the rows from the workers) writes the compliance report.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

from harness import console, known_failures, steplookup, tags
from harness import scenario as scenario_hooks
from harness.budget import option as budget_option
from harness.report.session import ComplianceReport, RowBuilder
from harness.steps import STEP_MODULES
from harness.stop import stop_if_a_worker_stopped

OPTION_GROUP = "ringside"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(OPTION_GROUP, "ringside conformance harness")
    group.addoption("--ringside-client", default="python", help="bundled client to test (default: python)")
    group.addoption(
        "--ringside-transport",
        default="in-process",
        choices=("in-process", "http"),
        help="how the bundled python client is reached: in-process (default; its adapter service on a thread "
        "of this process, no adapter HTTP) or http (python -m refclient.service, like any other client)",
    )
    group.addoption(
        "--ringside-tls",
        default="auto",
        choices=("auto", "always", "wire"),
        help="which scenarios reach the mock server over TLS: always, or wire (those tagged spec-wire-* or "
        "robustness; the others over its plain-HTTP listener); auto (default): wire for the bundled python "
        "client, always for any other",
    )
    group.addoption(
        "--ringside-loop",
        default="auto",
        choices=("auto", "asyncio", "uvloop"),
        help="event loop of the mock server and the in-process python client: uvloop, asyncio, or auto "
        "(default): uvloop if installed",
    )
    group.addoption("--ringside-client-cmd", default=None, help="command that starts the client's test service")
    group.addoption("--ringside-client-url", default=None, help="URL of a running test service")
    group.addoption(
        "--ringside-clock", default="virtual", choices=("virtual", "real"), help="server clock (default virtual)"
    )
    group.addoption("--ringside-tags", default=None, help='tag expression, e.g. "must and not robustness"')
    group.addoption("--ringside-known-failures", default=None, type=Path, help="YAML list of known failures")
    group.addoption(
        "--ringside-command-deadline", default=10.0, type=float, help="seconds a client command may take (default 10)"
    )
    group.addoption("--ringside-report-dir", default=None, type=Path, help="write the compliance report here")
    group.addoption(
        "--ringside-require-capabilities",
        default="",
        help="comma-separated capabilities the client must declare (else the run stops: not assessed)",
    )
    group.addoption(
        "--ringside-latency-budget",
        default=None,
        type=budget_option,
        metavar="MS",
        help="real milliseconds a callback may take after the server frame that caused it before a passing "
        "scenario is graded passed-late (default 250)",
    )
    group.addoption(
        "--ringside-strict",
        action="store_true",
        help="fail the run on should-tier failures and late passes too (by default only must-tier failures, "
        "errors and stale known failures fail it)",
    )
    group.addoption(
        "--ringside-console",
        action="store_true",
        help="print ringside's own console (failures by scenario id and step, progress, summary); "
        "use with -p no:terminal",
    )
    group.addoption(
        "--ringside-progress-every",
        default=10.0,
        type=float,
        help="real seconds between the console's progress lines (default 10)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # what pytest_collection_finish freezes is given back when the session ends, so a process that goes on
    # (pytester, an IDE) keeps collecting it; registered now, before pytest's unraisable-exception plugin
    # registers its gc pass, it runs after that pass (cleanups run last in, first out)
    config.add_cleanup(gc.unfreeze)
    config.addinivalue_line("markers", "ringside_tag(tag): a Gherkin tag of a ringside scenario")
    steplookup.install(config)  # pytest-bdd's step lookup, remembered per step text (harness/steplookup.py)
    config.pluginmanager.register(importlib.import_module("harness.fixtures"), "ringside-fixtures")
    for name in STEP_MODULES:
        config.pluginmanager.register(importlib.import_module(name), f"ringside-steps:{name}")
    config.pluginmanager.register(RowBuilder(config), "ringside-rows")  # wherever scenarios run
    if not hasattr(config, "workerinput"):  # the controller judges and writes, xdist workers don't
        report_dir = config.getoption("ringside_report_dir")
        config.pluginmanager.register(ComplianceReport(config, report_dir), "ringside-report")
        if config.getoption("ringside_console"):
            console.register(config)


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Callable[..., Any]) -> Any:
    return pytest.mark.ringside_tag(tag)(function)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    listed = config.getoption("ringside_known_failures") or known_failures.default_for(config)
    if listed is not None:
        known_failures.apply(items, known_failures.load(listed, known_failures.client_version(config)), source=listed)
    expression = config.getoption("ringside_tags")
    if expression:
        tags.select(config, items, expression)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """What exists once the scenarios are collected (modules, step library, pytest's items) lives until the
    run ends: collect once, then move it out of the garbage collector's sight (``gc.freeze``), so the full
    collections during and after the run (pytest's own at exit) walk only what scenarios make."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    scenario_hooks.remember_names(request, feature, scenario)
    scenario_hooks.require_capabilities(request)


def pytest_bdd_before_step(request: pytest.FixtureRequest, step: Any) -> None:
    scenario_hooks.step_started(request, step)


def pytest_bdd_after_step(request: pytest.FixtureRequest, step: Any) -> None:
    scenario_hooks.step_ended(request, step, None)


def pytest_bdd_step_error(request: pytest.FixtureRequest, step: Any, exception: Exception) -> None:
    scenario_hooks.step_ended(request, step, exception)


def pytest_bdd_step_func_lookup_error(request: pytest.FixtureRequest, step: Any, exception: Exception) -> None:
    scenario_hooks.step_started(request, step)
    scenario_hooks.step_ended(request, step, exception)


def pytest_bdd_after_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    if "world" in request.fixturenames:
        scenario_hooks.finish(request)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist's controller: a worker that stopped the run (its service could not start, kept dying,
    lacks a required capability) stops it here too, with the same message and exit status."""
    stop_if_a_worker_stopped(node)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    scenario_hooks.capability_skip(item, call, report)
    known_failures.judge(item, call, report)
