"""pytester: a failure anywhere in a scenario ends in the right verdict, with its own message, on the right side.

Each test here failed before the verdict rules of ``harness/scenario.py`` were mended: a failure while
settling after the last step passed, a dead client was skipped over, the after-scenario checks replaced
a step's own message (and turned skips and harness errors into failures), ringside's own crashes and lost
callback reports went unread, and a known failure matched on its id alone.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.usefixtures("lean_pytest")

#: Steps only these tests need: each breaks one thing at one moment.
CONFTEST = """
from pytest_bdd import then, when

from harness.errors import AdapterError
from harness.world import World


@then("settling after the scenario will fail")
def settling_fails(world: World) -> None:
    def broken() -> None:
        raise AdapterError("bob: the client stopped counting frames")

    world.settle = broken  # type: ignore[method-assign]


@then("the client's test service dies")
def service_dies(world: World) -> None:
    assert world.service.process is not None
    world.service.process.kill()
    world.service.process.wait()


@then("the scenario needs teleportation")
def needs_teleport(world: World) -> None:
    world.require("teleport")


@when("a ringside timer crashes")
def timer_crashes(ringside_server) -> None:
    async def boom() -> None:
        raise RuntimeError("ringside bug on purpose")

    ringside_server.call(lambda hub: hub.timers.call_at(hub.clock.now(), boom, label="boom"))


@then("bob's first callback report is lost")
def lose_report(world: World, ringside_server) -> None:
    tag = world.party("bob").instance.tag
    ringside_server.call(lambda hub: hub.callbacks.forget(tag, 1))
"""

BASE = """\
Feature: verdicts
  @id-V-001
  Scenario: A cancelled call
    Given alice and bob are logged in
    When alice calls bob
    Then bob receives onIncomingCallReceived
    When alice cancels the call
    Then bob receives onIncomingCallCancelled
    {extra}
"""


def run(
    pytester: pytest.Pytester, *args: str, extra: str = "", feature: str | None = None
) -> tuple[Any, dict[str, Any]]:
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".feature", verdicts=feature or BASE.format(extra=extra))
    pytester.makepyfile(test_verdicts='from pytest_bdd import scenarios\n\nscenarios("verdicts.feature")\n')
    result = pytester.runpytest_subprocess("--ringside-report-dir", "rep", "-p", "no:cacheprovider", *args)
    report = json.loads((pytester.path / "rep" / "latest" / "report.json").read_text())
    return result, report["scenarios"][0] | {"assessment": report["assessment"]}


def test_a_failure_while_settling_after_the_last_step_fails_the_scenario(pytester: pytest.Pytester) -> None:
    result, row = run(pytester, "--ringside-client", "python", extra="And settling after the scenario will fail")
    result.assert_outcomes(failed=1)
    assert row["verdict"] == "failed"
    assert "stopped counting frames" in row["failure"]
    assert row["failedStep"] == "After the scenario"


def test_a_client_that_died_after_the_last_step_fails_the_scenario(pytester: pytest.Pytester) -> None:
    # a service in a process of its own, to kill: the reference client over the adapter protocol's HTTP
    result, row = run(
        pytester,
        "--ringside-client",
        "python",
        "--ringside-transport",
        "http",
        extra="And the client's test service dies",
    )
    result.assert_outcomes(failed=1)
    assert row["verdict"] == "failed"
    assert "exited during the scenario (killed by signal 9)" in row["failure"]


DOUBLE_ACCEPT = """\
Feature: verdicts
  @id-V-002
  Scenario: An accepted call
    Given alice and bob are logged in
    When alice calls bob
    And bob accepts the call
    {step}
"""


def test_a_steps_own_failure_is_kept_when_the_oracles_also_object(pytester: pytest.Pytester) -> None:
    feature = DOUBLE_ACCEPT.format(step="Then alice receives onOutgoingCallRejected")
    result, row = run(pytester, "--ringside-client", "python:double-accepted-callback", feature=feature)
    result.assert_outcomes(failed=1)
    assert "alice should have received onOutgoingCallRejected" in row["failure"]
    assert "oracles" not in row["failure"]
    assert row["failedStep"] == "Then alice receives onOutgoingCallRejected"
    assert any("fired twice" in note for note in row["oracleNotes"]), row["oracleNotes"]
    assert [s["outcome"] for s in row["steps"]] == ["passed", "passed", "passed", "failed"]


def test_a_skip_stays_a_skip_when_the_oracles_object(pytester: pytest.Pytester) -> None:
    feature = DOUBLE_ACCEPT.format(step="Then the scenario needs teleportation")
    result, row = run(pytester, "--ringside-client", "python:double-accepted-callback", feature=feature)
    result.assert_outcomes(skipped=1)
    assert row["verdict"] == "skipped"
    assert row["reason"] == "client lacks capability teleport"
    assert row["assessment"]["skippedFor"] == {"teleport": 1}


def test_a_broken_scenario_stays_an_error_when_the_oracles_object(pytester: pytest.Pytester) -> None:
    feature = DOUBLE_ACCEPT.format(step="Then the server has carol's call ongoing")
    result, row = run(pytester, "--ringside-client", "python:double-accepted-callback", feature=feature)
    result.assert_outcomes(failed=1)
    assert row["verdict"] == "error"
    assert 'no call known as "carol\'s call"' in row["failure"]


def test_ringside_failing_internally_is_an_error_not_a_vacuous_pass(pytester: pytest.Pytester) -> None:
    feature = """\
Feature: verdicts
  @id-V-003
  Scenario: Nothing happens
    Given alice and bob are logged in
    When a ringside timer crashes
    And 1 second passes
    Then bob receives no callback
"""
    result, row = run(pytester, "--ringside-client", "python", feature=feature)
    result.assert_outcomes(failed=1)
    assert row["verdict"] == "error"
    assert "ringside itself failed" in row["failure"]
    assert "(boom)" in row["failure"] and "ringside bug on purpose" in row["failure"]


def test_a_lost_callback_report_is_an_error_naming_it(pytester: pytest.Pytester) -> None:
    result, row = run(pytester, "--ringside-client", "python", extra="And bob's first callback report is lost")
    result.assert_outcomes(failed=1)
    assert row["verdict"] == "error"
    assert "callback report(s) #1 never arrived (received: #2)" in row["failure"]


# -- known failures: matched on the observed failure, not the id -------------------------------------


def known(pytester: pytest.Pytester, step: str, failure: str) -> str:
    path = pytester.path / "known.yaml"
    path.write_text(
        json.dumps([{"id": "V-001", "reason": "skips the cancel callback", "step": step, "failure": failure}])
    )
    return str(path)


def test_a_known_failure_that_fails_as_recorded_keeps_what_was_observed(pytester: pytest.Pytester) -> None:
    listed = known(
        pytester, "Then bob receives onIncomingCallCancelled", "should have received onIncomingCallCancelled"
    )
    result, row = run(
        pytester, "--ringside-client", "python:skip-cancelled-callback", "--ringside-known-failures", listed
    )
    result.assert_outcomes(xfailed=1)
    assert row["verdict"] == "known-failure"
    assert row["reason"] == "skips the cancel callback"
    assert "bob should have received onIncomingCallCancelled" in row["failure"]
    assert row["knownFailure"]["matched"] is True
    junit = (pytester.path / "rep" / "latest" / "junit.xml").read_text()
    assert "known failure: skips the cancel callback" in junit and "known failure: known failure" not in junit


def test_a_known_failure_that_fails_differently_is_a_failure(pytester: pytest.Pytester) -> None:
    listed = known(pytester, "Then bob receives onIncomingCallReceived", "should have received")
    result, row = run(
        pytester, "--ringside-client", "python:skip-cancelled-callback", "--ringside-known-failures", listed
    )
    result.assert_outcomes(failed=1)
    assert row["verdict"] == "failed"
    assert "failed differently at 'Then bob receives onIncomingCallCancelled'" in row["reason"]
    assert "bob should have received onIncomingCallCancelled" in row["failure"]
    assert row["knownFailure"]["matched"] is False


def test_a_known_failure_with_another_message_is_a_failure(pytester: pytest.Pytester) -> None:
    listed = known(pytester, "Then bob receives onIncomingCallCancelled", "fired twice")
    result, row = run(
        pytester, "--ringside-client", "python:skip-cancelled-callback", "--ringside-known-failures", listed
    )
    result.assert_outcomes(failed=1)
    assert row["verdict"] == "failed" and row["knownFailure"]["matched"] is False


def test_a_known_failure_that_passes_fails_the_run(pytester: pytest.Pytester) -> None:
    listed = known(pytester, "Then bob receives onIncomingCallCancelled", "should have received")
    result, row = run(pytester, "--ringside-client", "python", "--ringside-known-failures", listed)
    result.assert_outcomes(failed=1)
    assert row["verdict"] == "failed"
    assert "but it passes: remove it from the list" in row["reason"]


def test_a_known_failures_file_naming_an_unknown_scenario_is_a_usage_error(pytester: pytest.Pytester) -> None:
    path = pytester.path / "known.yaml"
    path.write_text("- {id: NOPE-001, reason: r, step: s, failure: f}\n")
    pytester.makefile(".feature", verdicts=BASE.format(extra=""))
    pytester.makepyfile(test_verdicts='from pytest_bdd import scenarios\n\nscenarios("verdicts.feature")\n')
    result = pytester.runpytest_subprocess("--ringside-client", "python", "--ringside-known-failures", str(path))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*lists scenarios the catalogue does not have: NOPE-001*"])
    assert "Traceback" not in result.stderr.str()


def test_an_entry_without_its_expected_failure_is_a_usage_error(pytester: pytest.Pytester) -> None:
    path = pytester.path / "known.yaml"
    path.write_text("- {id: V-001, reason: r}\n")
    pytester.makefile(".feature", verdicts=BASE.format(extra=""))
    pytester.makepyfile(test_verdicts='from pytest_bdd import scenarios\n\nscenarios("verdicts.feature")\n')
    result = pytester.runpytest_subprocess("--ringside-client", "python", "--ringside-known-failures", str(path))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*entry 1 lacks step, failure*"])


# -- what a run claims -------------------------------------------------------------------------------


def test_a_required_capability_the_client_lacks_stops_the_run_as_not_assessed(pytester: pytest.Pytester) -> None:
    pytester.makefile(".feature", verdicts=BASE.format(extra=""))
    pytester.makepyfile(test_verdicts='from pytest_bdd import scenarios\n\nscenarios("verdicts.feature")\n')
    result = pytester.runpytest_subprocess(
        "--ringside-client", "python", "--ringside-require-capabilities", "group-calls,teleport"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*not assessed: the client lacks required capabilities teleport (it declares: *"])


def test_a_client_declaring_no_capabilities_is_not_assessed_and_fails_the_run(pytester: pytest.Pytester) -> None:
    # the scenario needs none and passes, but passing what little ran is no claim of conformance
    command = f"{sys.executable} -m refclient.service --capabilities ''"
    result, row = run(pytester, "--ringside-client-cmd", command)
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assessment = row["assessment"]
    assert assessment["verdict"] == "not-assessed"
    assert assessment["declaredCapabilities"] == []
    result.stdout.fnmatch_lines(["*not assessed: the client declared no capabilities; 1 of 1 scenarios ran*"])


def test_a_passing_run_states_what_was_tested(pytester: pytest.Pytester) -> None:
    result, row = run(pytester, "--ringside-client", "python")
    result.assert_outcomes(passed=1)
    assessment = row["assessment"]
    assert assessment["verdict"] == "conforms"
    assert "virtual-time" in assessment["declaredCapabilities"]
    result.stdout.fnmatch_lines(
        ["ringside: conforms: 1 passed, 0 known failures; 1 of 1 scenarios ran (skipped: none)"]
    )
