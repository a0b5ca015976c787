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
