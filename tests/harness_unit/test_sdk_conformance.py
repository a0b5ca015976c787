"""docs/sdk-conformance.md's generator: the run's date and command, every non-pass with its reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness import sdk_conformance


def write_report(
    base: Path, version: str, verdicts: dict[str, str], package: str = "@cometchat/chat-sdk-javascript"
) -> None:
    client = f"{'cometchat-js' if 'javascript' in package else 'cometchat-pro'}@{version}"
    scenarios: list[dict[str, Any]] = []
    for scenario, verdict in verdicts.items():
        row: dict[str, Any] = {"id": scenario, "name": f"scenario {scenario}", "verdict": verdict}
        if verdict == "failed":
            row |= {"failedStep": "Then it works", "failure": f"ComplianceViolation: broken at t={version}.5\n  more"}
        if verdict == "known-failure":
            row["knownFailure"] = {"reason": "listed for this version"}
        scenarios.append(row)
    counts = {v: sum(1 for x in verdicts.values() if x == v) for v in ("passed", "failed", "error", "skipped")}
    report = {
        "client": {"name": client, "sdk": {"name": package, "version": version}},
        "tool": {"name": "ringside", "version": "0.1.0"},
        "startedAt": 1_796_000_000.0,
        "finishedAt": 1_796_000_100.0,
        "summary": {"total": len(verdicts), **counts, "known_failure": 0, "passed_late": 0},
        "compliance": {"tiers": {"must": {"passed": 1, "total": 2, "conforms": False}}},
        "scenarios": scenarios,
    }
    run = base / client / f"20261203T150000Z-{client}"
    run.mkdir(parents=True)
    (run / "report.json").write_text(json.dumps(report))
    (base / client / "latest").symlink_to(run.name)


def test_the_page_names_the_run_every_change_and_every_reason(tmp_path: Path) -> None:
    write_report(tmp_path, "4.0.0", {"A-1": "failed", "A-2": "passed"})
    write_report(tmp_path, "4.0.2", {"A-1": "failed", "A-2": "passed"})
    write_report(tmp_path, "4.2.0", {"A-1": "passed", "A-2": "known-failure"})
    write_report(tmp_path, "3.0.13", {"A-1": "failed", "A-2": "passed"}, "@cometchat-pro/chat")
    (tmp_path / "cometchat-js@4.1.1").mkdir()
    (tmp_path / "cometchat-js@4.1.1" / "console.log").write_text("interrupted")
    out = tmp_path / "page.md"
    assert sdk_conformance.main([str(tmp_path), "-o", str(out)]) == 0
    page = out.read_text()
    assert "**Run:** 2026-11-30 " in page and "ringside 0.1.0" in page
    assert "make sdk-conformance" in page
    assert "**Not finished in this run:** `cometchat-js@4.1.1`" in page
    assert "| A-1 scenario A-1 | **fix** in 4.2.0 |" in page
    assert "| A-2 scenario A-2 | **regression** in 4.2.0 |" in page
    # one line for the versions failing the same way (numbers aside), neighbours joined
    assert (
        "  * cometchat-pro 3.0.13 to 4.0.2 (failed): Then it works: ComplianceViolation: broken at t=3.0.13.5" in page
    )
    assert "  * 4.2.0 (known-failure): known failure: listed for this version" in page
    assert "| A-1 | ✗ | ✗ | ✗ | ✓ |" in page


def test_no_reports_is_one_line_and_exit_2(tmp_path: Path, capsys: Any) -> None:
    assert sdk_conformance.main([str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
