"""What happens around every scenario: capability gates before, oracles and timeline after."""

from __future__ import annotations

from typing import Any

import pytest

from harness import oracles
from harness.errors import CapabilityMissing, ComplianceViolation, ScenarioError
from harness.report.collect import (
    CLOCK_SECONDS,
    ORACLE_NOTES,
    PARTIES,
    SCENARIO,
    TIMELINE,
    scenario_tags,
    timeline,
)
from harness.sut import AdapterService
from harness.world import World
from mockserver.server import MockServer

#: Stash key: set when a step of the scenario failed (then oracle findings are notes, not a new failure).
STEP_FAILED = pytest.StashKey[bool]()


def remember_names(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Keep the Gherkin names for the report (pytest only knows the generated test function's)."""
    request.node.stash[SCENARIO] = (str(scenario.name), str(feature.rel_filename))


def require_capabilities(request: pytest.FixtureRequest) -> None:
    """Skip the scenario if a ``@requires-<capability>`` tag names something the client lacks."""
    tags = scenario_tags(request.node)
    if not any(t.startswith("requires-") or t == "needs-virtual-time" for t in tags):
        return
    service: AdapterService = request.getfixturevalue("ringside_service")
    for tag in tags:
        if tag.startswith("requires-"):
            capability = tag.removeprefix("requires-")
            if capability not in service.capabilities:
                pytest.skip(f"client lacks capability {capability}")
    server: MockServer = request.getfixturevalue("ringside_server")
    if "needs-virtual-time" in tags and not (server.virtual and "virtual-time" in service.capabilities):
        pytest.skip("needs virtual time (the client lacks capability virtual-time, or the clock is real)")


def finish(request: pytest.FixtureRequest) -> None:
    """Keep the scenario's timeline for the report and run the oracles; violations fail the scenario."""
    world: World = request.getfixturevalue("world")
    item = request.node
    journal = world.journal()
    item.stash[TIMELINE] = timeline(journal)
    item.stash[CLOCK_SECONDS] = world.now() - world.started_at
    item.stash[PARTIES] = [
        {"name": p.name, "uid": p.uid, "tag": p.instance.tag, "resource": p.instance.resource}
        for p in world.parties.values()
    ]
    if not world.service.alive():
        return
    try:
        world.settle()
    except AssertionError as exc:
        item.stash[ORACLE_NOTES] = [str(exc)]
        return
    journal = world.journal()
    subjects = [
        oracles.Subject(name=p.name, uid=p.uid, tag=p.instance.tag, resource=p.instance.resource)
        for p in world.parties.values()
    ]
    callers = {c["sessionId"]: c["caller"] for c in world.server.data("GET", "/calls")}
    ours = oracles.server_problems(journal)
    if ours:
        raise ScenarioError("ringside itself broke the wire contract (please report this):\n" + "\n".join(ours))
    problems = oracles.check(journal, subjects, callers)
    item.stash[ORACLE_NOTES] = problems
    if problems and not item.stash.get(STEP_FAILED, False):
        raise ComplianceViolation("the oracles found contract violations:\n" + "\n".join(f"  - {p}" for p in problems))


def capability_skip(item: pytest.Item, call: pytest.CallInfo[None], report: Any) -> None:
    """A CapabilityMissing raised inside a step becomes a skip with its reason."""
    if call.excinfo is not None and report.when == "call":
        if isinstance(call.excinfo.value, CapabilityMissing):
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {call.excinfo.value}")
        elif not isinstance(call.excinfo.value, pytest.skip.Exception):
            item.stash[STEP_FAILED] = True
