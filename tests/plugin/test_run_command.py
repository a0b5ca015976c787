"""``ringside run`` as a user meets it: bad options are one line (exit 2), a client that cannot start is
reported once (exit 3), a filter that selects nothing fails (exit 5), and a failing scenario is shown by
its id, its step and its diagram, not by pytest's internals."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

#: Real seconds one ``ringside run`` in these tests may take.
DEADLINE = 120


def ringside_run(tmp_path: Path, *args: str) -> tuple[int, list[str], list[str]]:
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--report-dir", str(tmp_path / "rep"), *args],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        cwd=tmp_path,
        check=False,
    )
    return done.returncode, done.stdout.splitlines(), done.stderr.splitlines()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--client", "nosuch"], "ringside: --client: unknown client 'nosuch'; bundled: python, cometchat-js"),
        (
            ["--client", "python:no-such-quirk"],
            "ringside: --client python:no-such-quirk: unknown quirk 'no-such-quirk'",
        ),
        (["--tags", "must and ("], "ringside: --tags: bad tag expression 'must and (': expected a tag, found the end"),
        (["--known-failures", "missing.yaml"], "ringside: --known-failures: no such file: missing.yaml"),
        (["--features", "no-such-dir"], "ringside: --features: no such directory: no-such-dir"),
        (["--client-url", "127.0.0.1:1"], "ringside: --client-url wants an http:// or https:// URL"),
        (["--clock", "warp"], "ringside run: argument --clock: invalid choice: 'warp'"),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    code, out, err = ringside_run(tmp_path, *args)
    assert code == 2
    assert len(err) == 1, err
    assert err[0].startswith(says), err
    assert not [line for line in out if "running the conformance suite" in line]


def test_a_bad_known_failures_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "kf.yaml").write_text("- id: ACC-001\n  reason: no step or failure\n")
    code, _, err = ringside_run(tmp_path, "--known-failures", "kf.yaml")
    assert code == 2 and len(err) == 1 and err[0].startswith("ringside: --known-failures: kf.yaml: entry 1"), err


def test_a_tag_filter_that_selects_nothing_fails_and_names_the_tags(tmp_path: Path) -> None:
    code, out, err = ringside_run(tmp_path, "--tags", "nosuchtag")
    assert code == 5
    text = "\n".join(out + err)
    assert "--tags 'nosuchtag' selects none of the" in text
    assert "known tags: " in text and "must" in text and "spec-accept" in text and "id-<ID>" in text
    assert len(out + err) < 10


def test_a_client_command_that_dies_at_once_is_reported_once(tmp_path: Path) -> None:
    command = (
        f"{shlex.quote(sys.executable)} -c 'import sys; print(\"adapter: no SDK here\", file=sys.stderr); sys.exit(7)'"
    )
    code, out, err = ringside_run(tmp_path, "--client-cmd", command)
    assert code == 3
    lines = out + err
    assert len(lines) < 50, lines
    text = "\n".join(lines)
    assert text.count("exited before it was ready (exit code 7)") == 1
    assert "adapter: no SDK here" in text
    assert "Traceback" not in text and "_pytest" not in text


def test_a_client_url_nobody_listens_on_is_reported_once(tmp_path: Path) -> None:
    code, out, err = ringside_run(tmp_path, "--client-url", "http://127.0.0.1:1")
    assert code == 3
    text = "\n".join(out + err)
    assert len(out + err) < 50
    assert text.count("cannot use the test service at http://127.0.0.1:1") == 1


def test_a_service_that_keeps_crashing_stops_the_run(tmp_path: Path) -> None:
    command = f"{shlex.quote(sys.executable)} -m refclient.service --break login:crash"
    code, out, err = ringside_run(tmp_path, "--client-cmd", command, "--tags", "spec-accept")
    assert code == 3
    text = "\n".join(out + err)
    assert "died in 3 scenarios in a row" in text
    assert "crashing on purpose" in text  # the end of its stderr
    assert text.count("FAILED ") == 3  # the three scenarios it died in, then the run stopped


def test_a_failing_scenario_is_shown_by_id_step_and_diagram(tmp_path: Path) -> None:
    code, out, err = ringside_run(
        tmp_path, "--client", "python:ring-timer-survives-accept", "--tags", "id-ACC-002 or id-ACC-001"
    )
    assert code == 1
    text = "\n".join(out + err)
    assert "Traceback" not in text and "_pytest" not in text and "def " not in text
    report = json.loads((tmp_path / "rep" / "latest" / "report.json").read_text())
    rows = {row["id"]: row for row in report["scenarios"]}
    assert rows["ACC-001"]["verdict"] == "passed" and rows["ACC-002"]["verdict"] == "failed"
    failed = rows["ACC-002"]
    assert f"FAILED ACC-002 {failed['name']}  ({failed['feature']})" in out
    assert f"  step: {failed['failedStep']}" in out
    run = (tmp_path / "rep" / "latest").resolve().name
    assert f"  diagram: {tmp_path / 'rep' / run / 'report.html'}#ACC-002" in out
    assert "ringside: 1 passed, 1 failed, 0 errors, 0 skipped, 0 known failures in" in text
    assert "ringside: failed: ACC-002" in out
    assert run.endswith("-python_ring-timer-survives-accept")


def test_a_custom_client_names_its_report_folder_after_its_service(tmp_path: Path) -> None:
    command = f"{shlex.quote(sys.executable)} -m refclient.service"
    code, out, _ = ringside_run(tmp_path, "--client-cmd", command, "--tags", "id-ACC-001")
    assert code == 0, out
    assert (tmp_path / "rep" / "latest").resolve().name.endswith("-ringside-python-reference")


def test_long_runs_print_progress(tmp_path: Path) -> None:
    code, out, _ = ringside_run(tmp_path, "--tags", "spec-reject", "--", "--ringside-progress-every", "0")
    assert code == 0, out
    progress = [line for line in out if line.startswith("ringside: ") and " scenarios, " in line and "left" in line]
    total = int(next(line for line in out if line.endswith(" scenarios (tags: spec-reject)")).split()[1])
    assert len(progress) == total - 1  # after every scenario but the last
    assert progress[0].startswith(f"ringside: 1/{total} scenarios, 0 failed, 0 errors, about ")
