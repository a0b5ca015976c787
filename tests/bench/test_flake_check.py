"""make flake-check's bookkeeping (the runs themselves are the catalogue: too slow for make test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import catalogue, flake_check


def test_a_scenario_changes_verdict_when_its_outcome_differs_between_seeds():
    changed = {
        "a": {1: "passed", 2: "failed"},
        "b": {1: "passed", 2: "passed-late"},
        "c": {1: "passed-late", 2: "error"},
    }
    verdicts, grades = flake_check.split_grades(changed)
    assert set(verdicts) == {"a", "c"}
    assert set(grades) == {"b"}


def test_check_lists_changed_and_missing_scenarios(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    runs = {
        1: {"same": "passed", "flips": "passed", "gone": "passed"},
        2: {"same": "passed", "flips": "failed"},
    }
    monkeypatch.setattr(flake_check, "run_once", lambda client, seed, report_dir, extra: runs[seed])
    found = flake_check.check("python", 2, 1, [], keep=tmp_path)
    assert found == {"flips": {1: "passed", 2: "failed"}, "gone": {1: "passed"}}


def test_runs_are_made_as_ringside_run_makes_them():
    command = catalogue.command("python", Path("/tmp/r"), ["-p", "bench.shuffle", "--shuffle-seed", "3"])
    at = command.index("harness.plugin")
    assert command[at - 1] == "-p"
    assert command[-2:] == ["--shuffle-seed", "3"]
    assert catalogue.environment()["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] == "1"
