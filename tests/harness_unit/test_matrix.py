"""The SDK-vs-SDK matrix puts disagreements first and says who did what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.report import matrix


def report(client: str, verdicts: dict[str, str]) -> dict[str, Any]:
    return {
        "client": {"name": client},
        "summary": {"total": len(verdicts)},
        "scenarios": [{"id": i, "name": f"<{i}>", "verdict": v} for i, v in verdicts.items()],
    }


def test_disagreements_come_first() -> None:
    built = matrix.build(
        [
            report("python", {"A-001": "passed", "A-002": "passed", "A-003": "passed"}),
            report("cometchat-js", {"A-001": "passed", "A-002": "known-failure", "A-003": "passed"}),
        ]
    )
    assert built["clients"] == ["python", "cometchat-js"]
    assert [(r["id"], r["agree"]) for r in built["scenarios"]] == [("A-002", False), ("A-001", True), ("A-003", True)]
    assert built["scenarios"][0]["verdicts"] == {"python": "passed", "cometchat-js": "known-failure"}


def test_a_scenario_only_one_client_ran_is_not_agreement() -> None:
    built = matrix.build([report("a", {"X-1": "passed"}), report("b", {})])
    assert built["scenarios"][0]["agree"] is False
    assert "<td>—</td>" in matrix.render(built)


def test_write_makes_json_html_and_a_latest_link(tmp_path: Path) -> None:
    dirs = []
    for client, verdict in (("a", "passed"), ("b", "failed")):
        run = tmp_path / f"run-{client}"
        run.mkdir()
        (run / "report.json").write_text(json.dumps(report(client, {"X-1": verdict})))
        dirs.append(run)
    out = matrix.write(dirs, tmp_path)
    assert (tmp_path / "latest-matrix").resolve() == out.resolve()
    page = (out / "matrix.html").read_text()
    assert "&lt;X-1&gt;" in page and "disagree on <b>1</b>" in page
    assert "href='../run-b/report.html#X-1'" in page, "each verdict links to that client's scenario"
    assert json.loads((out / "matrix.json").read_text())["scenarios"][0]["verdicts"] == {"a": "passed", "b": "failed"}


def sdk_report(
    version: str, verdicts: dict[str, str], package: str = "@cometchat/chat-sdk-javascript"
) -> dict[str, Any]:
    base = "cometchat-js" if package == "@cometchat/chat-sdk-javascript" else "cometchat-pro"
    made = report(f"{base}@{version}", verdicts)
    made["client"]["sdk"] = {"name": package, "version": version}
    for scenario in made["scenarios"]:
        if scenario["verdict"] == "known-failure":
            scenario["knownFailure"] = {"reason": "the SDK's own reason"}
        elif scenario["verdict"] == "failed":
            scenario["failedStep"] = "Then it works"
            scenario["failure"] = "ComplianceViolation: it did not\n  expected: x"
    return made


def test_versions_are_ordered_and_each_scenario_says_where_its_behaviour_changed() -> None:
    built = matrix.build(
        [
            sdk_report("4.2.0", {"A-1": "passed", "A-2": "failed", "A-3": "passed", "A-4": "known-failure"}),
            sdk_report("4.0.10", {"A-1": "failed", "A-2": "passed", "A-3": "passed", "A-4": "failed"}),
            sdk_report("4.0.9", {"A-1": "known-failure", "A-2": "passed", "A-3": "passed-late", "A-4": "failed"}),
            sdk_report("3.0.13", {"A-1": "known-failure", "A-2": "passed", "A-3": "passed"}, "@cometchat-pro/chat"),
        ]
    )
    assert built["kind"] == "versions"
    assert built["clients"] == [
        "cometchat-pro@3.0.13",
        "cometchat-js@4.0.9",
        "cometchat-js@4.0.10",
        "cometchat-js@4.2.0",
    ]
    rows = {r["id"]: r for r in built["scenarios"]}
    # known-failure and failed are one behaviour; passed and passed-late too
    assert rows["A-1"]["firstChange"] == {
        "at": "cometchat-js@4.2.0",
        "since": "cometchat-js@4.0.10",
        "from": "failed",
        "to": "passed",
        "kind": "fix",
    }
    assert (
        rows["A-2"]["firstChange"]["kind"] == "regression" and rows["A-2"]["firstChange"]["at"] == "cometchat-js@4.2.0"
    )
    assert rows["A-3"]["changes"] == [] and rows["A-4"]["changes"] == []  # A-4 absent from 3.0.13: no change
    assert [r["id"] for r in built["scenarios"]] == ["A-1", "A-2", "A-4", "A-3"]  # changed, never passed, the rest
    assert built["changed"] == 2
    assert rows["A-4"]["notes"]["cometchat-js@4.2.0"] == "known failure: the SDK's own reason"
    assert rows["A-2"]["notes"]["cometchat-js@4.2.0"] == "Then it works: ComplianceViolation: it did not"
    page = matrix.render(built)
    assert (
        "4 SDK versions side by side" in page
        and "'>fix</span> in 4.2.0" in page
        and "title='fix in 4.2.0: failed → passed'" in page
    )
    assert "cometchat-pro 3.0.13" in page


def test_a_client_without_an_sdk_makes_a_clients_matrix() -> None:
    built = matrix.build([sdk_report("4.2.0", {"A-1": "passed"}), report("python", {"A-1": "passed"})])
    assert built["kind"] == "clients" and "changes" not in built["scenarios"][0]
