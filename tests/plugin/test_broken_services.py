"""A test service that crashes, hangs or answers garbage fails *its* scenario with a clear reason,
within the command deadline; the run goes on (a crashed service is started again) and the report is
still written."""

from __future__ import annotations

import json
import shlex
import sys

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.usefixtures("lean_pytest")

FEATURE = """\
Feature: Broken services
  @id-BRK-001
  Scenario: Bob answers
    Given alice and bob are logged in
    When alice calls bob
    Then bob receives onIncomingCallReceived
    When bob accepts the call
    Then alice receives onOutgoingCallAccepted

  @id-BRK-002
  Scenario: Alice just calls
    Given alice and bob are logged in
    When alice calls bob
    Then bob receives onIncomingCallReceived
"""

MESSAGES = {
    "crash": "*bob: acceptCall: the test service is unreachable*",
    "hang": "*bob: acceptCall: the test service did not answer*within 2.0 s*",
    "garbage": "*bob: acceptCall: *answered*with non-JSON*500 oops*",
}


@pytest.mark.parametrize("how", sorted(MESSAGES))
def test_a_broken_service_fails_its_scenario_and_the_run_goes_on(pytester: pytest.Pytester, how: str) -> None:
    pytester.makefile(".feature", broken=FEATURE)
    pytester.makepyfile(test_broken='from pytest_bdd import scenarios\n\nscenarios("broken.feature")\n')
    command = f"{shlex.quote(sys.executable)} -m refclient.service --break acceptCall:{how}"
    result = pytester.runpytest_subprocess(
        "--ringside-client-cmd",
        command,
        "--ringside-command-deadline",
        "2",
        "--ringside-report-dir",
        "rep",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([MESSAGES[how]])
    report = json.loads((pytester.path / "rep" / "latest" / "report.json").read_text())
    verdicts = {row["id"]: row["verdict"] for row in report["scenarios"]}
    assert verdicts == {"BRK-001": "failed", "BRK-002": "passed"}
    assert report["duration"] < 30
