"""Two published SDK versions side by side through ``ringside run`` (issue 15): an early 4.0.x and the pinned
4.2.0 on a must-tier subset, each with its own mock server, the version matrix, and known failures per version.

4.0.0 (installed by ``make setup`` into the user cache, like the adapter's own node_modules) does not stop
the caller's ring timer when the call is accepted (ACC-002); 4.2.0 does. The known-failures list given here
says so for ``<4.1.0`` only, and lists ACC-001 for ``>=4.2.0`` although 4.2.0 passes it: that entry is stale
for 4.2.0 alone, so 4.2.0's run fails and 4.0.0's does not.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness import sdk_versions

EARLY = "4.0.0"
PINNED = "4.2.0"
SUBSET = " or ".join(f"id-{i}" for i in ("ACC-001", "ACC-002", "REJ-001", "CAN-001", "END-001"))
KNOWN = """\
- id: ACC-002
  versions: "<4.1.0"
  reason: "before 4.1 the ongoing event does not stop the caller's ring timer"
  step: "And alice sent no unanswered update to the server"
  failure: "should not have sent status 'unanswered'"
- id: ACC-001
  versions: ">=4.2.0"
  reason: "listed for 4.2.0, which passes it: stale"
  step: "Then bob receives onCallEndedMessageReceived with status ended"
  failure: "did not"
"""

pytestmark = pytest.mark.node


def _run_both(base: Path) -> None:
    """``ringside run`` of both versions in ``base``; its exit status and output kept in ``run.json``."""
    (base / "kf.yaml").write_text(KNOWN, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "run",
            "--client",
            f"cometchat-js@{EARLY},{PINNED}",
            "-j",
            "2",
            "--tags",
            SUBSET,
            "--known-failures",
            "kf.yaml",
            "--report-dir",
            "rep",
        ],
        cwd=base,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    (base / "run.json").write_text(json.dumps({"code": done.returncode, "output": done.stdout + done.stderr}))


@pytest.fixture(scope="module")
def matrix_run(once_per_run: Callable[[str, Callable[[Path], None]], Path]) -> tuple[int, str, Path]:
    """One run per test run, whichever worker's test comes first."""
    assert sdk_versions.pinned() == PINNED
    base = once_per_run("sdk-versions", _run_both)
    ran = json.loads((base / "run.json").read_text())
    return int(ran["code"]), str(ran["output"]), base / "rep"


def test_each_version_runs_with_its_own_report_naming_the_sdk(matrix_run: tuple[int, str, Path]) -> None:
    code, output, rep = matrix_run
    for version in (EARLY, PINNED):
        report = json.loads((rep / f"cometchat-js@{version}" / "latest" / "report.json").read_text())
        assert report["client"]["name"] == f"cometchat-js@{version}", output
        assert report["client"]["sdk"] == {"name": "@cometchat/chat-sdk-javascript", "version": version}
        assert report["summary"]["total"] == 5
    assert re.search(rf"cometchat-js@{EARLY}:?\s+5 scenarios: 4 passed", output) and "side by side:" in output, output
    assert code == 1, output  # the stale entry fails 4.2.0's run


def test_known_failures_apply_per_version_and_go_stale_per_version(matrix_run: tuple[int, str, Path]) -> None:
    _, output, rep = matrix_run
    matrix = json.loads((rep / "latest-matrix" / "matrix.json").read_text())
    rows = {row["id"]: row for row in matrix["scenarios"]}
    early, pinned = f"cometchat-js@{EARLY}", f"cometchat-js@{PINNED}"
    # ACC-002: listed for <4.1.0, so 4.0.0's failure is known; 4.2.0 passes it and nothing lists it there
    assert rows["ACC-002"]["verdicts"] == {early: "known-failure", pinned: "passed"}, output
    assert rows["ACC-002"]["notes"][early].startswith("known failure: before 4.1")
    # ACC-001: the >=4.2.0 entry is stale for 4.2.0 only
    assert rows["ACC-001"]["verdicts"] == {early: "passed", pinned: "failed"}
    assert "remove it from the list" in rows["ACC-001"]["notes"][pinned]
    for scenario in ("REJ-001", "CAN-001", "END-001"):
        assert rows[scenario]["verdicts"] == {early: "passed", pinned: "passed"}


def test_the_matrix_names_the_first_version_where_behaviour_changed(matrix_run: tuple[int, str, Path]) -> None:
    _, _, rep = matrix_run
    matrix = json.loads((rep / "latest-matrix" / "matrix.json").read_text())
    early, pinned = f"cometchat-js@{EARLY}", f"cometchat-js@{PINNED}"
    assert matrix["kind"] == "versions" and matrix["clients"] == [early, pinned]
    first = {row["id"]: row["firstChange"] for row in matrix["scenarios"]}
    assert first["ACC-002"] == {"at": pinned, "since": early, "from": "known-failure", "to": "passed", "kind": "fix"}
    assert first["ACC-001"] is not None and first["ACC-001"]["kind"] == "regression"
    assert [row["id"] for row in matrix["scenarios"]][:2] == ["ACC-001", "ACC-002"]  # changed ones first
    page = (rep / "latest-matrix" / "matrix.html").read_text()
    assert "2 SDK versions side by side" in page and "../cometchat-js@4.0.0/" in page
