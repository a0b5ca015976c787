"""What happens around every scenario: capability gates before, steps recorded, verdict checks after.

The verdict rules (each has a regression test in ``tests/plugin/test_verdicts.py``):

* ringside itself failed during the scenario (a handler crash, a timer that raised, a fault that could
  not be applied): ERROR, whatever the steps said — the client cannot be judged against a broken mock;
* a callback report went missing (a gap in the adapter's ``seq``): ERROR naming the lost report;
* a step failed: that step's own failure is the verdict (FAIL for the client's fault, ERROR for a
  broken scenario); the after-scenario checks only add notes;
* a step skipped (a missing capability): a skip, never turned into a failure;
* every step passed: the service must still be alive, every frame must settle, ringside's own frames
  must be wire-valid (else ERROR), and the oracles must find nothing (else FAIL).
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from adapter_protocol.client import AdapterService
from adapter_protocol.names import Capability
from harness import oracles
from harness.errors import AdapterError, CapabilityMissing, ComplianceViolation, HarnessError, ScenarioError
from harness.report.collect import (
    CLOCK_SECONDS,
    FAILED_STEP,
    JOURNAL,
    ORACLE_NOTES,
    PARTIES,
    SCENARIO,
    STEPS,
    StepRecord,
    scenario_tags,
)
from harness.world import World
from mockserver.clock import RealClock
from mockserver.probe import JournalEntry
from mockserver.server import MockServer

#: The name a known-failures entry uses for a failure found after the last step (settling, oracles).
AFTER_SCENARIO = "After the scenario"
_clock = RealClock()


def remember_names(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """Keep the Gherkin names and steps for the report (pytest only knows the generated function's)."""
    item = request.node
    item.stash[SCENARIO] = (str(scenario.name), str(feature.rel_filename))
    item.stash[STEPS] = [StepRecord(keyword=str(s.keyword), text=str(s.name)) for s in scenario.steps]


def _record(request: pytest.FixtureRequest, step: Any) -> StepRecord | None:
    records: list[StepRecord] = request.node.stash.get(STEPS, [])
    return next((r for r in records if r.outcome == "not run" and r.text == str(step.name)), None)


def step_started(request: pytest.FixtureRequest, step: Any) -> None:
    if (record := _record(request, step)) is not None:
        record.outcome, record.started = "running", _clock.monotonic()


def step_ended(request: pytest.FixtureRequest, step: Any, exception: BaseException | None) -> None:
    """Close the step's record; a failing step is remembered so the verdict can name it."""
    for record in request.node.stash.get(STEPS, []):
        if record.outcome == "running" and record.text == str(step.name):
            record.duration = _clock.monotonic() - record.started
            if exception is None:
                record.outcome = "passed"
            elif isinstance(exception, CapabilityMissing):
                record.outcome = "skipped"
            else:
                record.outcome = "failed"
                request.node.stash[FAILED_STEP] = f"{record.keyword} {record.text}"
            return


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
    if "needs-virtual-time" in tags and not (server.probe.virtual and Capability.VIRTUAL_TIME in service.capabilities):
        pytest.skip("client lacks capability virtual-time (or the clock is real)")


def finish(request: pytest.FixtureRequest) -> None:
    """Keep the scenario's journal for the report and decide what the after-scenario checks add.

    Runs in pytest-bdd's ``finally``: ``sys.exc_info()`` is whatever a step raised (or nothing).
    Raising here replaces that exception, so it is done only where the new verdict is the truer one.
    """
    in_flight = sys.exc_info()[1]
    world: World = request.getfixturevalue("world")
    item = request.node
    item.stash[PARTIES] = [
        {"name": p.name, "uid": p.uid, "tag": p.instance.tag, "resource": p.instance.resource}
        for p in world.parties.values()
    ]
    broken = world.server_failures()
    if broken:
        _keep_journal(item, world)
        raise ScenarioError(
            "ringside itself failed during the scenario, so the client cannot be judged (please report this):\n"
            + "\n".join(f"  - {b}" for b in broken)
        ) from in_flight
    if isinstance(in_flight, pytest.skip.Exception | CapabilityMissing):
        _keep_journal(item, world)
        return
    if in_flight is not None:
        _notes_after_failure(item, world)
        _raise_lost_callbacks(world, in_flight)
        return
    item.stash[FAILED_STEP] = AFTER_SCENARIO
    try:
        if not world.service.alive():
            raise AdapterError(
                f"the client's test service exited during the scenario ({world.service.exit_description()}); "
                "the after-scenario checks could not run"
            )
        world.settle()
    finally:
        journal = _keep_journal(item, world)
    _raise_lost_callbacks(world, None)
    ours = oracles.server_problems(journal)
    if ours:
        raise ScenarioError("ringside itself broke the wire contract (please report this):\n" + "\n".join(ours))
    problems = _oracle_findings(world, journal)
    item.stash[ORACLE_NOTES] = problems
    if problems:
        raise ComplianceViolation("the oracles found contract violations:\n" + "\n".join(f"  - {p}" for p in problems))
    item.stash[FAILED_STEP] = ""


def _keep_journal(item: pytest.Item, world: World) -> list[JournalEntry]:
    """Keep the scenario's journal (the report draws its timeline from it, only if a report is written)."""
    journal = world.journal()
    item.stash[JOURNAL] = journal
    item.stash[CLOCK_SECONDS] = world.now() - world.started_at
    return journal


def _oracle_findings(world: World, journal: list[JournalEntry]) -> list[str]:
    subjects = [
        oracles.Subject(name=p.name, uid=p.uid, tag=p.instance.tag, resource=p.instance.resource)
        for p in world.parties.values()
    ]
    callers = {c["sessionId"]: c["caller"] for c in world.probe.calls()}
    return oracles.check(journal, subjects, callers)


def _notes_after_failure(item: pytest.Item, world: World) -> None:
    """A step already failed: what the after-scenario checks would add is kept as notes only."""
    notes: list[str] = []
    journal: list[JournalEntry] | None = None
    try:
        if not world.service.alive():
            notes.append(f"the client's test service exited ({world.service.exit_description()})")
        else:
            try:
                world.settle()
                journal = _keep_journal(item, world)
                notes += _oracle_findings(world, journal)
            except (HarnessError, AssertionError) as exc:
                notes.append(f"after the failure, the checks could not finish: {exc}")
    finally:
        if journal is None:
            _keep_journal(item, world)
        item.stash[ORACLE_NOTES] = notes


def _raise_lost_callbacks(world: World, cause: BaseException | None) -> None:
    lost = world.lost_callbacks()
    if lost:
        raise ScenarioError(
            "callback reports were lost between the test service and ringside, so the verdict cannot be "
            "trusted:\n" + "\n".join(f"  - {line}" for line in lost)
        ) from cause


def capability_skip(item: pytest.Item, call: pytest.CallInfo[None], report: Any) -> None:
    """A CapabilityMissing raised inside a step becomes a skip with its reason."""
    if call.excinfo is not None and report.when == "call" and isinstance(call.excinfo.value, CapabilityMissing):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {call.excinfo.value}")
