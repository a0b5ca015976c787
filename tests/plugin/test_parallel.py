"""``ringside run -n N`` and ``pytest -n N``: the catalogue under pytest-xdist, one mock server and one test
service per worker, and still one report — the same report a serial run writes — with the same exit
statuses: a known failure that passes fails the run, a service that cannot start stops it once (exit 3)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.usefixtures("lean_pytest")

#: Real seconds one ``ringside run`` here may take.
DEADLINE = 300
#: A faulty client and a filter that give passes and failures both.
CLIENT = "python:skip-cancelled-callback"
TAGS = "spec-cancel or spec-reject"


def ringside_run(cwd: Path, report_dir: str, *args: str) -> tuple[int, list[str], list[str]]:
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--report-dir", str(cwd / report_dir), *args],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        cwd=cwd,
        check=False,
    )
    return done.returncode, done.stdout.splitlines(), done.stderr.splitlines()


def _comparable(report_dir: Path) -> dict[str, Any]:
    """What a report says, without what differs between any two runs: times, durations, the random
    parts of ids, and the timeline's details (a worker's server has run other scenarios before: its
    clock, hence device ids and ping times, differ), of which the call changes and callbacks are kept."""
    report = json.loads((report_dir / "report.json").read_text())
    rows = []
    for row in report["scenarios"]:
        text = json.dumps(
            {
                **{k: row[k] for k in ("id", "name", "feature", "nodeid", "tags", "verdict", "reason")},
                **{k: row[k] for k in ("failure", "failedStep", "knownFailure", "oracleNotes", "clockSeconds")},
                "steps": [{k: s[k] for k in ("keyword", "text", "outcome")} for s in row["steps"]],
                "parties": [{k: p[k] for k in ("name", "uid")} for p in row["parties"]],
                # the call's own story; pings, logins and device ids depend on what ran before on that server
                "calls": sorted(
                    json.dumps({k: e.get(k) for k in ("actor", "event", "status", "member", "callback")})
                    for e in row["timeline"]
                    if e["kind"] in ("call", "callback")
                ),
            },
            sort_keys=True,
        )
        text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>", text)
        text = re.sub(r"\bs\d+-", "s<n>-", text)
        rows.append(json.loads(text))
    junit = ET.parse(report_dir / "junit.xml").getroot()
    cases = [(c.get("name"), sorted(child.tag for child in c)) for c in junit.iter("testcase")]
    html_ids = re.findall(r"<details id='([^']+)'", (report_dir / "report.html").read_text())
    return {
        "summary": report["summary"],
        "assessment": report["assessment"],
        "client": report["client"],
        "rows": rows,
        "junit": cases,
        "html": html_ids,
    }


def test_a_parallel_run_writes_the_report_a_serial_run_writes(tmp_path: Path) -> None:
    serial, serial_out, _ = ringside_run(tmp_path, "serial", "--client", CLIENT, "--tags", TAGS)
    parallel, parallel_out, _ = ringside_run(tmp_path, "parallel", "--client", CLIENT, "--tags", TAGS, "-n", "2")
    assert serial == parallel == 1  # the faulty client fails some scenarios, both ways
    expected = _comparable(tmp_path / "serial" / "latest")
    got = _comparable(tmp_path / "parallel" / "latest")
    assert 0 < expected["summary"]["failed"] < expected["summary"]["total"]
    assert got == expected
    assert any(line.endswith(f"scenarios (tags: {TAGS}) in 2 processes") for line in parallel_out)
    # the closing lines agree too: the failed ids in catalogue order, whatever order the workers finished in
    assert [line for line in serial_out if line.startswith("ringside: failed: ")] == [
        line for line in parallel_out if line.startswith("ringside: failed: ")
    ]


def test_a_service_that_cannot_start_stops_a_parallel_run_once(tmp_path: Path) -> None:
    command = (
        f"{shlex.quote(sys.executable)} -c 'import sys; print(\"adapter: no SDK here\", file=sys.stderr); sys.exit(7)'"
    )
    code, out, err = ringside_run(tmp_path, "rep", "--client-cmd", command, "-n", "2", "--tags", "spec-reject")
    assert code == 3
    text = "\n".join(out + err)
    assert "exited before it was ready (exit code 7)" in text
    assert "adapter: no SDK here" in text
    assert "INTERNALERROR" not in text and "Traceback" not in text


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_a_bad_process_count_is_one_line_and_exit_2(tmp_path: Path, value: str) -> None:
    code, out, err = ringside_run(tmp_path, "rep", "-n", value)
    assert code == 2
    assert len(err) == 1 and "argument -n/--numprocesses" in err[0], err
    assert not [line for line in out if "running the conformance suite" in line]


FEATURE = """\
Feature: Two scenarios, two workers
  @id-PAR-001
  Scenario: Bob answers
    Given alice and bob are logged in
    When alice calls bob
    Then bob receives onIncomingCallReceived within 1 second
    When bob accepts the call
    Then alice receives onOutgoingCallAccepted

  @id-PAR-002
  Scenario: Alice gives up
    Given alice and bob are logged in
    When alice calls bob
    Then bob receives onIncomingCallReceived
    When alice cancels the call
    Then bob receives onIncomingCallCancelled within 1 second
"""


def test_a_known_failure_that_starts_passing_fails_a_parallel_run(pytester: pytest.Pytester) -> None:
    pytester.makefile(".feature", calls=FEATURE)
    pytester.makepyfile(test_calls='from pytest_bdd import scenarios\n\nscenarios("calls.feature")\n')
    pytester.makefile(
        ".yaml",
        known=(
            "- id: PAR-001\n  reason: the SDK used to get this wrong\n"
            "  step: Then alice receives onOutgoingCallAccepted\n  failure: should have received\n"
            "- id: PAR-002\n  reason: skips the cancel callback\n"
            "  step: Then bob receives onIncomingCallCancelled within 1 second\n"
            "  failure: should have received onIncomingCallCancelled\n"
        ),
    )
    result = pytester.runpytest_subprocess(
        "-p",
        "xdist.plugin",  # plugin autoload is off (lean_pytest)
        "-n",
        "2",
        "--ringside-client",
        "python:skip-cancelled-callback",
        "--ringside-known-failures",
        "known.yaml",
        "--ringside-report-dir",
        "rep",
        "-p",
        "no:cacheprovider",
    )
    # PAR-001 passes although listed: a failure; PAR-002 fails as listed: a known failure (shown as xfail)
    result.assert_outcomes(failed=1, xfailed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    report = json.loads((pytester.path / "rep" / "latest" / "report.json").read_text())
    rows = {row["id"]: row for row in report["scenarios"]}
    assert [row["id"] for row in report["scenarios"]] == ["PAR-001", "PAR-002"]
    assert rows["PAR-001"]["verdict"] == "failed" and "remove it from the list" in rows["PAR-001"]["reason"]
    assert rows["PAR-002"]["verdict"] == "known-failure"
    assert rows["PAR-002"]["knownFailure"]["matched"] is True
    assert report["summary"]["known_failure"] == 1 and report["summary"]["failed"] == 1
    assert all(row["timeline"] for row in report["scenarios"])
