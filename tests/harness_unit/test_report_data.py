"""report.json v2 from rows: graded verdicts, the compliance table, latency, payload diffs, exit rules,
compare / summary / badge, and known failures' observed texts (no run of the catalogue here)."""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from harness import cli, known_failures
from harness.errors import PayloadMismatch
from harness.report import commands, compliance, shards
from harness.report.collect import Row, field_diff, latencies, mismatch_of, sections_of, tier_of
from harness.report.schemas import validate

CLIENT = {"name": "python", "service": "svc", "version": "1", "capabilities": ["virtual-time"]}


def row(sid: str, verdict: str, tags: list[str], **more: Any) -> Row:
    return Row(
        id=sid,
        name=f"scenario {sid}",
        feature="x.feature",
        nodeid=f"t.py::{sid}",
        tags=tags,
        verdict=verdict,
        tier=tier_of(tags),
        sections=sections_of(tags),
        **more,
    )


def report_cli(argv: list[str]) -> int:
    return cli.main(["report", *argv])


def report_of(rows: list[Row], **more: Any) -> dict[str, Any]:
    return compliance.build(rows, client=CLIENT, started=1.0, finished=2.0, **more)


KNOWN = {
    "reason": "r",
    "step": "s",
    "failure": "z",
    "matched": True,
    "observed": "ComplianceViolation: z",
    "recorded": None,
    "changed": False,
}
ROWS = [
    row("ACC-001", "passed", ["must", "spec-accept"]),
    row("ACC-002", "passed-late", ["must", "spec-accept", "spec-wire-echo"]),
    row("ACC-003", "failed", ["should", "spec-accept"], failure="AssertionError: x", failed_step="Then y"),
    row("REJ-001", "known-failure", ["must", "spec-reject"], failure="ComplianceViolation: z", known_failure=KNOWN),
    row("REJ-002", "skipped", ["must", "spec-reject"], reason="client lacks capability multi-device"),
    row("ROB-001", "error", ["should", "robustness"]),
    row("OWN-001", "passed", []),
]


def test_tier_and_sections_come_from_the_tags() -> None:
    assert tier_of(["id-X", "must", "spec-accept"]) == "must"
    assert tier_of(["should"]) == "should" and tier_of(["id-X"]) is None
    assert sections_of(["spec-accept", "spec-wire-echo", "robustness"]) == ["accept", "wire-echo"]
    assert sections_of(["robustness", "must"]) == ["robustness"]
    assert sections_of(["must"]) == []


def test_the_compliance_table_counts_sections_by_tier_and_states_each_tier() -> None:
    report = report_of(ROWS)
    assert validate("report/report", report) == []
    tiers = report["compliance"]["tiers"]
    # must: ACC-001, ACC-002 (late counts as passed), REJ-001 known failure; REJ-002 skipped is not assessed
    assert (tiers["must"]["passed"], tiers["must"]["total"], tiers["must"]["conforms"]) == (2, 3, True)
    assert tiers["must"]["statement"] == "conforms at must: 2/3 (1 known failures, 1 late, 1 skipped)"
    assert tiers["should"]["conforms"] is False
    assert tiers["should"]["statement"] == "does not conform at should: 0/2 (1 failed, 1 errors)"
    sections = {s["section"]: s for s in report["compliance"]["sections"]}
    assert [s["section"] for s in report["compliance"]["sections"]] == ["accept", "reject", "wire-echo", "robustness"]
    assert sections["accept"]["must"]["total"] == 2 and sections["accept"]["must"]["passed_late"] == 1
    assert sections["accept"]["should"]["failed"] == 1
    assert sections["reject"]["must"]["known_failure"] == 1 and sections["reject"]["must"]["skipped"] == 1
    assert sections["robustness"]["should"]["error"] == 1
    assert report["summary"]["passed_late"] == 1 and report["summary"]["passed"] == 2


def test_only_must_tier_failures_fail_the_run_unless_strict() -> None:
    report = report_of(ROWS)
    assert [r["id"] for r in compliance.failing(report)] == []  # should-tier failed + error only
    assert [r["id"] for r in compliance.failing(report, strict=True)] == ["ACC-002", "ACC-003", "ROB-001"]
    untiered = report_of([row("OWN-001", "failed", [])])
    assert [r["id"] for r in compliance.failing(untiered)] == ["OWN-001"], "a scenario with no tier counts as must"
    stale = row("ACC-009", "failed", ["should"], known_failure={"reason": "r", "step": "s", "failure": "f"})
    assert [r["id"] for r in compliance.failing(report_of([stale]))] == ["ACC-009"], "a stale known failure fails"


def test_latency_pairs_each_callback_with_the_frame_that_caused_it() -> None:
    parties = [{"name": "bob", "uid": "bob", "tag": "s1-bob", "resource": "dev-b"}]
    journal: list[Any] = [
        {"seq": 1, "kind": "ws.out", "wall": 10.000, "device": "dev-b", "sessionId": "s", "status": "initiated"},
        {"seq": 2, "kind": "ws.out", "wall": 10.001, "device": "dev-a", "sessionId": "s", "status": "cancelled"},
        {
            "seq": 3,
            "kind": "callback",
            "wall": 10.004,
            "tag": "s1-bob",
            "callback": "onIncoming",
            "sessionId": "s",
            "status": "initiated",
        },
        {"seq": 4, "kind": "ws.out", "wall": 11.000, "device": "dev-b", "sessionId": "s", "status": "cancelled"},
        {
            "seq": 5,
            "kind": "callback",
            "wall": 11.300,
            "tag": "s1-bob",
            "callback": "onCancelled",
            "sessionId": "s",
            "status": "cancelled",
        },
        {
            "seq": 6,
            "kind": "callback",
            "wall": 11.400,
            "tag": "s1-bob",
            "callback": "onLocal",
            "sessionId": "s",
            "status": "ended",
        },
    ]
    got = latencies(journal, parties, budget_ms=250)
    assert [(e["callback"], e["frameSeq"], e["callbackSeq"], e["late"]) for e in got] == [
        ("onIncoming", 1, 3, False),
        ("onCancelled", 4, 5, True),
    ]
    assert got[0]["ms"] == pytest.approx(4.0) and got[1]["ms"] == pytest.approx(300.0)
    figures = compliance.latency_summary([row("A", "passed", [], latency=got)], 250)["byCallback"]
    assert figures["onCancelled"] == {"count": 1, "p50Ms": 300.0, "p95Ms": 300.0, "maxMs": 300.0, "late": 1}


def test_a_payload_mismatch_is_diffed_field_by_field() -> None:
    expected = {"call": {"receiver": {"uid": "bob"}, "status": "ended", "gone": 1}, "list": [1, 2]}
    actual = {"call": {"receiver": {"uid": "carol"}, "status": "ended", "extra": True}, "list": [1]}
    assert field_diff(expected, actual) == [
        {"path": "call.receiver.uid", "expected": "bob", "actual": "carol", "kind": "changed"},
        {"path": "call.gone", "expected": 1, "actual": None, "kind": "missing"},
        {"path": "call.extra", "expected": None, "actual": True, "kind": "unexpected"},
        {"path": "list[1]", "expected": 2, "actual": None, "kind": "missing"},
    ]
    assert field_diff({"n": 1}, {"n": 1.0}) == [] and field_diff({"n": 1}, {"n": True}) != []
    error = PayloadMismatch("bad", expected={"duration": 120}, actual={"duration": None})
    wrapped = AssertionError("outer")
    wrapped.__cause__ = error
    assert mismatch_of(wrapped) == {
        "expected": {"duration": 120},
        "actual": {"duration": None},
        "fields": [{"path": "duration", "expected": 120, "actual": None, "kind": "changed"}],
    }
    assert mismatch_of(AssertionError("no payload")) is None


def test_junit_names_the_step_and_skips_known_failures_once() -> None:
    failing = row(
        "END-014",
        "failed",
        ["must"],
        failure="PayloadMismatch: field 'duration'",
        failed_step="And alice gets a call with duration 120",
        mismatch={"expected": {"d": 120}, "actual": {"d": None}, "fields": field_diff({"d": 120}, {"d": None})},
    )
    known = row(
        "REJ-001",
        "known-failure",
        ["must"],
        failure="ComplianceViolation: z",
        reason="known failure: old SDK",
        known_failure=KNOWN,
    )
    late = row("ACC-002", "passed-late", ["must"], reason="1 callback(s) later than the 0 ms budget")
    suite = compliance.junit(report_of([failing, known, late])).getroot()
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"END-014: scenario END-014", "REJ-001: scenario REJ-001", "ACC-002: scenario ACC-002"}
    failure = cases["END-014: scenario END-014"].find("failure")
    assert failure is not None and failure.text is not None
    assert failure.get("message", "").startswith("And alice gets a call with duration 120: ")
    assert "step: And alice gets a call with duration 120" in failure.text
    assert "changed d: expected 120, actual null" in failure.text
    skipped = cases["REJ-001: scenario REJ-001"].find("skipped")
    assert skipped is not None and skipped.get("message") == "known failure: old SDK"
    out = cases["ACC-002: scenario ACC-002"].find("system-out")
    assert out is not None and (out.text or "").startswith("passed late: ")
    assert ET.tostring(suite).count(b"known failure: known failure") == 0


def test_ctrf_counts_match_the_summary() -> None:
    result = compliance.ctrf(report_of(ROWS))["results"]
    assert result["summary"]["tests"] == len(ROWS) == len(result["tests"])
    assert result["summary"]["passed"] == 3 and result["summary"]["failed"] == 2 and result["summary"]["skipped"] == 2


def test_compare_lists_new_failures_first_and_exits_on_a_must_regression() -> None:
    before = report_of([row("A", "passed", ["must"]), row("B", "failed", ["must"]), row("C", "passed", ["must"])])
    after = report_of(
        [
            row("A", "failed", ["must"]),
            row("B", "passed", ["must"]),
            row("C", "passed-late", ["must"]),
            row("D", "passed", []),
        ]
    )
    result = commands.compare(before, after)
    assert [e["id"] for e in result["newFailures"]] == ["A"]
    assert [e["id"] for e in result["fixed"]] == ["B"]
    assert [e["id"] for e in result["regressions"]] == ["C"]
    assert [e["id"] for e in result["added"]] == ["D"]
    assert result["changedIds"] == ["A", "B", "C", "D"] and result["regressed"]
    should_late = commands.compare(
        report_of([row("C", "passed", ["should"])]), report_of([row("C", "passed-late", ["should"])])
    )
    assert should_late["regressions"] and not should_late["regressed"], "a should-tier regression is not a failure"
    assert commands.compare(after, after)["changedIds"] == []


def test_summary_and_badge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    report = report_of(ROWS)
    text = commands.summary_markdown(report)
    assert "- ✅ conforms at must: 2/3 (1 known failures, 1 late, 1 skipped)" in text
    assert "| Accept | ✅ 2/2 (1 late) | ❌ 0/1 (1 failed) |" in text
    assert "**ACC-003** scenario ACC-003 `should` — failed" in text and "step: `Then y`" in text
    folder = tmp_path / "run"
    compliance.write_files(report, folder)
    summary_file = tmp_path / "summary.md"
    summary_file.write_text("before\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    assert report_cli(["summary", str(folder)]) == 0
    assert summary_file.read_text().startswith("before\n## ringside: python")
    assert report_cli(["badge", str(folder), "-o", str(tmp_path / "b.svg")]) == 0
    svg = (tmp_path / "b.svg").read_text()
    assert "ringside must: 2/3" in svg and commands.BADGE_COLOURS["known"] in svg
    ET.fromstring(svg)  # well-formed
    failing = report_of([row("A", "failed", ["must"]), row("B", "passed", ["must"])])
    assert commands.badge_figure(failing) == ("1/2", "fails")
    assert commands.badge_figure(report_of([row("A", "passed", ["must"])])) == ("1/1", "conforms")
    capsys.readouterr()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["compare", "nope.json", "nope2.json"], "ringside report: nope.json: no such file or folder"),
        (["summary", "bad.json"], "ringside report: bad.json: not JSON"),
        (["badge", "other.json"], "ringside report: other.json: not a ringside report"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text("{")
    (tmp_path / "other.json").write_text(json.dumps({"x": 1}))
    assert report_cli(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(says), err


def test_merge_refuses_shards_of_different_clients(tmp_path: Path) -> None:
    a = report_of([row("A", "passed", ["must"])])
    b = {**report_of([row("B", "passed", ["must"])]), "client": {**CLIENT, "name": "python:quirk"}}
    compliance.write_files(a, tmp_path / "a")
    compliance.write_files(b, tmp_path / "b")
    with pytest.raises(
        shards.ShardError, match=r"^cannot merge reports of different clients: .*'python'.*'python:quirk'"
    ):
        shards.merge([shards.load_shard(tmp_path / "a"), shards.load_shard(tmp_path / "b")])


def test_the_observed_failure_is_compared_without_ids_numbers_and_times() -> None:
    entry = known_failures.KnownFailure(
        "X", "r", "s", "f", observed="alice got it at t=1800000072.5 for v1.eu.ringside.ab12cd"
    )
    same = entry.as_json(True, "alice got it at t=1800000099.0 for v1.eu.ringside.ff00ee")
    assert same["changed"] is False and same["recorded"] == entry.observed
    assert entry.as_json(True, "bob got it at t=1")["changed"] is True
    assert known_failures.KnownFailure("X", "r", "s", "f").as_json(True, "anything")["changed"] is False


def test_recording_observed_texts_keeps_the_lists_comments(tmp_path: Path) -> None:
    path = tmp_path / "known.yaml"
    path.write_text(
        "# the SDK's known failures\n\n"
        "- id: END-004\n"
        '  reason: "joinedAt is wrong"\n'
        '  step: "And the Call has joinedAt"\n'
        "  failure: \"field 'joinedAt'\"\n"
        '  observed: "old text"\n\n'
        "# another\n"
        "- id: GRP-008\n  reason: r\n  step: s\n  failure: f\n"
    )
    text = "PayloadMismatch: field 'joinedAt'\n  expected: 5\n  actual:   \"x\" — ünïcode"
    assert known_failures.record_observed(path, {"END-004": text, "GRP-008": "other", "NOT-LISTED": "x"}) == [
        "END-004",
        "GRP-008",
    ]
    written = path.read_text()
    assert written.startswith("# the SDK's known failures\n") and "# another\n" in written
    assert "old text" not in written
    entries = known_failures.load(path)
    assert entries["END-004"].observed == text and entries["GRP-008"].observed == "other"
    flow = tmp_path / "flow.yaml"
    flow.write_text("- {id: V-001, reason: r, step: s, failure: f}\n")
    assert known_failures.record_observed(flow, {"V-001": "seen"}) == ["V-001"]
    assert known_failures.load(flow)["V-001"].observed == "seen"


def test_ringside_run_passes_strict_and_the_latency_budget_to_pytest() -> None:
    from harness import runner  # noqa: PLC0415 - the runner's own module, only here

    def argv(*words: str) -> list[str]:
        return runner.pytest_args(cli.parser("run")[0].parse_args(["run", *words]), "python")

    plain = argv()
    assert "--ringside-strict" not in plain and not any(a.startswith("--ringside-latency-budget") for a in plain)
    both = argv("--strict", "--latency-budget", "75.5")
    assert "--ringside-strict" in both
    assert "--ringside-latency-budget=75.5" in both


@pytest.mark.parametrize("text", ["-5", "nan", "inf", "soon", ""])
def test_the_latency_budget_options_refuse_what_is_not_a_budget(text: str) -> None:
    from harness import budget  # noqa: PLC0415 - only here

    with pytest.raises(argparse.ArgumentTypeError, match="wants milliseconds"):
        budget.option(text)
    assert budget.option("0") == 0 and budget.option("12.5") == 12.5


def test_a_killed_runs_rows_can_be_summarised_and_compared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "20261203T000000Z-python"
    log = shards.RowLog(folder)
    log.start({"client": CLIENT, "startedAt": 1.0, "latencyBudgetMs": 250, "scenarios": 3})
    for r in ROWS[:2]:
        log.append(r)
    with (folder / shards.ROWS_FILE).open("a") as out:
        out.write('{"id": "half a line')  # the line being written when the run was killed
    report = shards.load_any(folder)
    assert report["complete"] is False and [r["id"] for r in report["scenarios"]] == ["ACC-001", "ACC-002"]
    assert validate("report/report", report) == []
    assert report_cli(["summary", str(folder)]) == 0
    assert "> ⚠️ incomplete run: the rows so far" in capsys.readouterr().out
    compliance.write_files(report_of(ROWS[:2]), tmp_path / "full")
    assert report_cli(["compare", str(tmp_path / "full"), str(folder)]) == 0
    assert "0 changed, 2 unchanged; no regression" in capsys.readouterr().out
