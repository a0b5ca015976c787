"""Compliance reports from real runs: exit codes by tier (and --strict), passed-late under a tiny latency
budget, the report written as the run goes (Ctrl-C, a killed run rebuilt), compare (honest vs faulty),
merge of two shards equal to the single run, previousVerdict, known failures' observed texts, and
junit.xml read by a standard JUnit parser."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from harness.detection import run_catalogue
from harness.report.schemas import validate
from harness.report.session import BUDGET_VARIABLE

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.usefixtures("lean_pytest")

#: Real seconds one catalogue run here may take.
DEADLINE = 180

CONFTEST = """
import os
import signal

from pytest_bdd import then


@then("the run is interrupted")
def interrupted() -> None:
    raise KeyboardInterrupt  # what Ctrl-C raises in pytest's main thread


@then("the run is killed")
def killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
"""

FEATURE = """\
Feature: Tiers
  @id-T-001 @must @spec-accept
  Scenario: Bob answers
    Given alice and bob are logged in
    When alice calls bob
    Then bob receives onIncomingCallReceived
    When bob accepts the call
    Then alice receives onOutgoingCallAccepted

  @id-T-002 @{tier} @spec-cancel
  Scenario: Alice gives up
    Given alice and bob are logged in
    When alice calls bob
    Then bob receives onIncomingCallReceived
    When alice cancels the call
    Then bob receives onIncomingCallCancelled
    {extra}
"""


def setup(pytester: pytest.Pytester, *, tier: str = "should", extra: str = "") -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".feature", tiers=FEATURE.format(tier=tier, extra=extra))
    pytester.makepyfile(test_tiers='from pytest_bdd import scenarios\n\nscenarios("tiers.feature")\n')


#: A latency budget no loaded machine misses, for runs whose verdicts must not depend on real time.
GENEROUS = ("--ringside-latency-budget", "60000")


def run(pytester: pytest.Pytester, *args: str) -> tuple[int, dict[str, Any]]:
    budget = () if "--ringside-latency-budget" in args or "--default-budget" in args else GENEROUS
    args = tuple(a for a in args if a != "--default-budget")
    result = pytester.runpytest_subprocess("--ringside-report-dir", "rep", "-p", "no:cacheprovider", *budget, *args)
    report = json.loads((pytester.path / "rep" / "latest" / "report.json").read_text())
    assert validate("report/report", report) == []
    return int(result.ret), report


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    return {row["id"]: row["verdict"] for row in report["scenarios"]}


# -- exit codes by tier ------------------------------------------------------------------------------


def test_a_should_tier_failure_fails_the_run_only_when_strict(pytester: pytest.Pytester) -> None:
    setup(pytester, tier="should")
    code, report = run(pytester, "--ringside-client", "python:skip-cancelled-callback")
    assert verdicts(report) == {"T-001": "passed", "T-002": "failed"}
    assert code == 0, "a should-tier failure alone does not fail the run"
    tiers = report["compliance"]["tiers"]
    assert tiers["must"]["statement"] == "conforms at must: 1/1"
    assert tiers["should"]["statement"] == "does not conform at should: 0/1 (1 failed)"
    assert [r["previousVerdict"] for r in report["scenarios"]] == [None, None]
    strict, again = run(pytester, "--ringside-client", "python:skip-cancelled-callback", "--ringside-strict")
    assert strict == 1
    # the second run in the same folder knows the first one's verdicts
    assert [r["previousVerdict"] for r in again["scenarios"]] == ["passed", "failed"]
    other_code, other = run(pytester, "--ringside-client", "python")
    assert other_code == 0
    assert [r["previousVerdict"] for r in other["scenarios"]] == [None, None], "another client: no previous report"


def test_a_must_tier_failure_fails_the_run(pytester: pytest.Pytester) -> None:
    setup(pytester, tier="must")
    code, report = run(pytester, "--ringside-client", "python:skip-cancelled-callback")
    assert code == 1
    row = report["scenarios"][1]
    assert row["tier"] == "must" and row["sections"] == ["cancel"]
    assert row["failedStep"] == "Then bob receives onIncomingCallCancelled"
    assert report["compliance"]["tiers"]["must"]["conforms"] is False


def test_a_tiny_latency_budget_grades_passes_late_without_failing_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup(pytester, tier="must")
    code, report = run(pytester, "--ringside-client", "python", "--ringside-latency-budget", "0")
    assert code == 0
    assert verdicts(report) == {"T-001": "passed-late", "T-002": "passed-late"}
    assert report["latencyBudgetMs"] == 0 and report["summary"]["passed_late"] == 2
    row = report["scenarios"][0]
    callbacks = [entry["callback"] for entry in row["latency"]]
    assert callbacks == ["onIncomingCallReceived", "onOutgoingCallAccepted"]
    assert all(entry["late"] and entry["frameSeq"] < entry["callbackSeq"] for entry in row["latency"])
    assert "later than the 0 ms budget" in row["reason"]
    assert set(report["latency"]["byCallback"]) == {
        "onIncomingCallReceived",
        "onOutgoingCallAccepted",
        "onIncomingCallCancelled",
    }
    assert report["compliance"]["tiers"]["must"]["statement"] == "conforms at must: 2/2 (2 late)"
    strict, _ = run(pytester, "--ringside-client", "python", "--ringside-latency-budget", "0", "--ringside-strict")
    assert strict == 1, "--strict counts late passes"
    monkeypatch.setenv(BUDGET_VARIABLE, "0")  # the variable stands in for the option
    _, from_variable = run(pytester, "--ringside-client", "python", "--default-budget")
    assert from_variable["latencyBudgetMs"] == 0 and from_variable["summary"]["passed_late"] == 2
    monkeypatch.setenv(BUDGET_VARIABLE, "soon")
    bad = pytester.runpytest_subprocess("--ringside-client", "python", "-p", "no:cacheprovider")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    assert "RINGSIDE_LATENCY_BUDGET='soon': wants a number of milliseconds" in bad.stderr.str()
    monkeypatch.delenv(BUDGET_VARIABLE)
    default, report = run(pytester, "--ringside-client", "python", "--default-budget")
    assert default == 0 and report["latencyBudgetMs"] == 250
    assert all(entry["late"] == (entry["ms"] > 250) for row in report["scenarios"] for entry in row["latency"])


def test_pytests_latency_budget_option_refuses_a_negative_budget(pytester: pytest.Pytester) -> None:
    """The same parser as ``ringside run --latency-budget``: a usage error in one line, before anything runs."""
    result = pytester.runpytest_inprocess("--ringside-latency-budget", "-5")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "argument --ringside-latency-budget: wants milliseconds (0 or more), not '-5'" in result.stderr.str()


# -- written as the run goes -------------------------------------------------------------------------


def test_ctrl_c_writes_the_report_of_the_scenarios_so_far(pytester: pytest.Pytester) -> None:
    setup(pytester, tier="must", extra="And the run is interrupted")
    result = pytester.runpytest_subprocess(
        "--ringside-client", "python", "--ringside-report-dir", "rep", "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    folder = pytester.path / "rep" / "latest"
    report = json.loads((folder / "report.json").read_text())
    assert report["complete"] is False
    assert verdicts(report) == {"T-001": "passed"}
    assert (folder / "junit.xml").is_file() and (folder / "report.html").is_file()
    assert [json.loads(line)["id"] for line in (folder / "rows.jsonl").read_text().splitlines()] == ["T-001"]


def test_a_killed_run_leaves_its_rows_and_merge_makes_its_report(pytester: pytest.Pytester) -> None:
    setup(pytester, tier="must", extra="And the run is killed")
    result = pytester.runpytest_subprocess(
        "--ringside-client", "python", "--ringside-report-dir", "rep", "-p", "no:cacheprovider"
    )
    assert result.ret == -9
    (folder,) = [p for p in (pytester.path / "rep").iterdir() if p.name != "latest"]
    assert not (folder / "report.json").exists()
    done = ringside("report", "merge", str(folder))
    assert done.returncode == 0, done.stderr
    report = json.loads((folder / "report.json").read_text())
    assert report["complete"] is False and verdicts(report) == {"T-001": "passed"}
    assert validate("report/report", report) == []


def test_ringside_run_stopped_by_sigterm_writes_an_incomplete_report(tmp_path: Path) -> None:
    """A cancelled CI job: SIGTERM to ``ringside run`` reaches its pytest, which writes what it has."""
    reports = tmp_path / "rep"
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", "--report-dir", str(reports)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    try:
        rows: list[Path] = []
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline and process.poll() is None:
            rows = list(reports.glob("*/rows.jsonl"))
            if rows and len(rows[0].read_text().splitlines()) >= 3:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=DEADLINE)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, out
    assert "ringside: interrupted; the report of the scenarios so far: " in out
    report = json.loads((reports / "latest" / "report.json").read_text())
    assert report["complete"] is False
    written = [json.loads(line)["id"] for line in rows[0].read_text().splitlines()]
    assert [r["id"] for r in report["scenarios"]] == written
    assert 3 <= len(written) < 100


# -- known failures: what was observed -----------------------------------------------------------------


def test_recorded_observed_failures_flag_a_known_failure_that_changes_shape(pytester: pytest.Pytester) -> None:
    setup(pytester, tier="must")
    listed = pytester.path / "known.yaml"
    listed.write_text(
        "# listed on purpose\n- id: T-002\n  reason: skips the cancel callback\n"
        "  step: Then bob receives onIncomingCallCancelled\n  failure: should have received\n"
    )
    args = ("--ringside-client", "python:skip-cancelled-callback", "--ringside-known-failures", str(listed))
    code, report = run(pytester, *args)
    assert code == 0
    known = report["scenarios"][1]["knownFailure"]
    assert known["observed"].startswith("ComplianceViolation: bob should have received onIncomingCallCancelled")
    assert known["recorded"] is None and known["changed"] is False
    done = ringside("known-failures", "record", str(pytester.path / "rep" / "latest"), "--file", str(listed))
    assert done.returncode == 0, done.stderr
    assert "recorded the observed failure of 1 scenario(s)" in done.stdout
    assert listed.read_text().startswith("# listed on purpose\n")
    _, again = run(pytester, *args)
    known = again["scenarios"][1]["knownFailure"]
    assert known["recorded"] is not None and known["changed"] is False, "same failure, other ids and times"
    listed.write_text(re.sub(r"observed: .*", 'observed: "ComplianceViolation: something else"', listed.read_text()))
    code, changed = run(pytester, *args)
    assert code == 0 and changed["scenarios"][1]["verdict"] == "known-failure"
    assert changed["scenarios"][1]["knownFailure"]["changed"] is True


# -- the catalogue: compare and merge --------------------------------------------------------------------

#: A handful of scenarios: passes and failures for the faulty client, two spec sections.
CHOSEN = "id-CAN-001 or id-CAN-002 or id-ERR-004 or id-REJ-001 or id-REJ-002 or id-ACC-001"
FAULTY = "python:skip-cancelled-callback"


def catalogue(report_dir: Path, client: str, tags: str) -> dict[str, Any]:
    return run_catalogue(client, tags=tags, extra=GENEROUS, report_dir=report_dir, timeout=DEADLINE)


def ringside(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_compare_lists_exactly_the_scenarios_a_faulty_client_changed(tmp_path: Path) -> None:
    honest = catalogue(tmp_path / "honest", "python", CHOSEN)
    faulty = catalogue(tmp_path / "faulty", FAULTY, CHOSEN)
    before, after = verdicts(honest), verdicts(faulty)
    differ = sorted(i for i in before if before[i] != after[i])
    assert set(before.values()) == {"passed"}
    assert {"CAN-001", "ERR-004"} <= set(differ) < set(before), (before, after)
    done = ringside("report", "compare", str(tmp_path / "honest"), str(tmp_path / "faulty" / "latest"), "--json")
    assert done.returncode == 1, "new failures"
    result = json.loads(done.stdout)
    assert result["changedIds"] == differ
    assert sorted(e["id"] for e in result["newFailures"]) == differ
    assert all(e["failedStep"] for e in result["newFailures"])
    text = ringside("report", "compare", str(tmp_path / "honest"), str(tmp_path / "faulty"))
    lines = text.stdout.splitlines()
    assert lines[1] == f"new failures ({len(differ)}):"
    assert f"{len(differ)} changed, {len(before) - len(differ)} unchanged; REGRESSED" in lines[-1]
    back = ringside("report", "compare", str(tmp_path / "faulty"), str(tmp_path / "honest"), "--json")
    assert back.returncode == 0, "fixes only"
    assert sorted(e["id"] for e in json.loads(back.stdout)["fixed"]) == differ
    assert ringside("report", "compare", str(tmp_path / "honest"), str(tmp_path / "honest")).returncode == 0


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A report without what differs between any two runs: times, latencies, random ids, and the timeline's
    details (a server that ran other scenarios first has another clock), of which the call's story is kept."""
    rows = []
    for row in report["scenarios"]:
        text = json.dumps(
            {
                **{k: v for k, v in row.items() if k not in ("duration", "timeline", "latency", "steps", "parties")},
                "steps": [{k: s[k] for k in ("keyword", "text", "outcome")} for s in row["steps"]],
                "parties": [{k: p[k] for k in ("name", "uid")} for p in row["parties"]],
                "callbacks": sorted(e["callback"] for e in row["latency"]),
                "calls": sorted(
                    json.dumps({k: e.get(k) for k in ("actor", "event", "status", "member", "callback")})
                    for e in row["timeline"]
                    if e["kind"] in ("call", "callback")
                ),
            },
            sort_keys=True,
        )
        text = re.sub(r"[0-9a-f]{40}", "<sid>", text)
        text = re.sub(r"\b1[78]\d{8}(\.\d+)?\b", "<t>", text)
        rows.append(json.loads(text))
    return {
        "rows": rows,
        "summary": report["summary"],
        "compliance": report["compliance"],
        "assessment": report["assessment"],
        "client": report["client"],
        "complete": report["complete"],
        "callbacks": {k: v["count"] for k, v in report["latency"]["byCallback"].items()},
    }


def test_merging_two_shards_gives_the_single_runs_report(tmp_path: Path) -> None:
    single = catalogue(tmp_path / "single", FAULTY, CHOSEN)
    catalogue(tmp_path / "one", FAULTY, f"({CHOSEN}) and spec-cancel")
    catalogue(tmp_path / "two", FAULTY, f"({CHOSEN}) and not spec-cancel")
    out = tmp_path / "merged"
    done = ringside("report", "merge", str(tmp_path / "two"), str(tmp_path / "one" / "latest"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    merged = json.loads((out / "report.json").read_text())
    assert validate("report/report", merged) == []
    assert [r["id"] for r in merged["scenarios"]] == [r["id"] for r in single["scenarios"]], "catalogue order"
    assert _comparable(merged) == _comparable(single)
    assert 0 < merged["summary"]["failed"] < merged["summary"]["total"]
    # junit.xml, read by a standard JUnit parser: one case per scenario, failures with their step
    xml = JUnitXml.fromfile(str(out / "junit.xml"))
    cases = {case.name: case for suite in xml for case in suite}
    assert sorted(cases) == sorted(f"{r['id']}: {r['name']}" for r in single["scenarios"])
    for row in merged["scenarios"]:
        results = cases[f"{row['id']}: {row['name']}"].result
        if row["verdict"] == "failed":
            assert isinstance(results[0], Failure)
            assert f"step: {row['failedStep']}" in (results[0].text or "")
        elif row["verdict"] == "error":
            assert isinstance(results[0], Error)
        elif row["verdict"] in ("skipped", "known-failure"):
            assert isinstance(results[0], Skipped)
        else:
            assert results == []
    assert (out / "report.html").is_file() and json.loads((out / "ctrf.json").read_text())["results"]["tests"]
    # a shard of another client (here: shard one's report, said to be of the honest client) is refused
    other = json.loads((tmp_path / "one" / "latest" / "report.json").read_text())
    other["client"]["name"] = "python"
    (tmp_path / "other.json").write_text(json.dumps(other))
    refused = ringside(
        "report", "merge", str(tmp_path / "two"), str(tmp_path / "other.json"), "-o", str(tmp_path / "x")
    )
    assert refused.returncode == 2
    err = refused.stderr.splitlines()
    assert len(err) == 1 and err[0].startswith("ringside report: cannot merge reports of different clients"), err
    assert not (tmp_path / "x").exists()
