"""pytester: a user's own .feature file, in a fresh directory, runs against ringside's step library.

The plugin is installed with ringside (entry point ``pytest11``), so a project needs no conftest: a
feature file, a two-line test module, and a client. Also shows that a broken client fails the right
scenario with a message that names the missing callback, and that the report is written and valid.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest

from harness.report.schemas import validate

pytest_plugins = ["pytester"]

FEATURE = """\
Feature: My app's calls
  @id-MY-001
  Scenario: Bob answers
    Given alice and bob are logged in
    When alice calls bob with a video call
    Then bob receives onIncomingCallReceived within 1 second
    When bob accepts the call
    Then alice receives onOutgoingCallAccepted

  @id-MY-002
  Scenario: Alice gives up
    Given alice and bob are logged in
    When alice calls bob
    Then bob receives onIncomingCallReceived
    When alice cancels the call
    Then bob receives onIncomingCallCancelled within 1 second
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".feature", my_calls=FEATURE)
    pytester.makepyfile(test_my_calls='from pytest_bdd import scenarios\n\nscenarios("my_calls.feature")\n')
    return pytester


def test_a_users_feature_runs_against_the_step_library(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(
        "--ringside-client", "python", "--ringside-report-dir", "rep", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2)
    report = json.loads((project.path / "rep" / "latest" / "report.json").read_text())
    assert validate("report/report", report) == []
    assert report["summary"]["passed"] == 2
    assert {row["id"] for row in report["scenarios"]} == {"MY-001", "MY-002"}
    assert all(row["timeline"] for row in report["scenarios"])
    assert (project.path / "rep" / "latest" / "junit.xml").read_text().count("<testcase") == 2


def test_a_client_that_skips_a_callback_fails_the_right_scenario(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(
        "--ringside-client", "python:skip-cancelled-callback", "--ringside-report-dir", "rep", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*bob should have received onIncomingCallCancelled within 1 s*"])
    report = json.loads((project.path / "rep" / "latest" / "report.json").read_text())
    verdicts = {row["id"]: row["verdict"] for row in report["scenarios"]}
    assert verdicts == {"MY-001": "passed", "MY-002": "failed"}
    failed = next(row for row in report["scenarios"] if row["id"] == "MY-002")
    assert "onIncomingCallCancelled" in failed["failure"]


def test_a_missing_capability_skips_with_its_reason(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".feature",
        needs=(
            "Feature: needs\n  @requires-teleport\n  Scenario: Beam me up\n"
            "    Given alice and bob are logged in\n    When alice calls bob\n"
        ),
    )
    pytester.makepyfile(test_needs='from pytest_bdd import scenarios\n\nscenarios("needs.feature")\n')
    result = pytester.runpytest_subprocess("--ringside-client", "python", "-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*client lacks capability teleport*"])


def test_the_harness_attaches_to_a_running_service(project: pytest.Pytester) -> None:
    service = subprocess.Popen(
        [sys.executable, "-m", "refclient.service", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    assert service.stdout is not None
    line = service.stdout.readline()  # the service prints its ready line first (or exits)
    assert line.startswith("ringside-adapter: listening on "), line
    url = line.split()[-1]
    result = project.runpytest_subprocess("--ringside-client-url", url, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    assert service.poll() is None, "an attached service is the user's: the harness leaves it running"
    urllib.request.urlopen(urllib.request.Request(url + "/", method="DELETE"), timeout=5).close()
    assert service.wait(timeout=10) == 0


def test_a_known_failure_that_starts_passing_fails_the_run(project: pytest.Pytester) -> None:
    project.makefile(
        ".yaml",
        known=(
            "- id: MY-001\n  reason: the SDK used to get this wrong\n"
            "  step: Then alice receives onOutgoingCallAccepted\n  failure: should have received\n"
        ),
    )
    result = project.runpytest_subprocess(
        "--ringside-client",
        "python",
        "--ringside-known-failures",
        "known.yaml",
        "--ringside-report-dir",
        "rep",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1, failed=1)
    report = json.loads((project.path / "rep" / "latest" / "report.json").read_text())
    row = next(r for r in report["scenarios"] if r["id"] == "MY-001")
    assert row["verdict"] == "failed"
    assert "listed as a known failure" in row["reason"] and "remove it from the list" in row["reason"]


def test_a_misspelt_callback_is_an_error_not_a_vacuous_pass(pytester: pytest.Pytester) -> None:
    # "receives no onIncomingCallRecieved" could never fail if any on… name were accepted
    pytester.makefile(
        ".feature",
        typo="""\
Feature: A typo
  @id-TYPO-001
  Scenario: Nobody calls
    Given alice and bob are logged in
    Then bob receives no onIncomingCallRecieved
""",
    )
    pytester.makepyfile(test_typo='from pytest_bdd import scenarios\n\nscenarios("typo.feature")\n')
    result = pytester.runpytest_subprocess("--ringside-client", "python", "--ringside-report-dir", "rep")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    report = json.loads((pytester.path / "rep" / "latest" / "report.json").read_text())
    row = report["scenarios"][0]
    assert row["verdict"] == "error"
    assert "bob receives no onIncomingCallRecieved" in row["failure"]
