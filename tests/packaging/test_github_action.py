"""action.yml, ringside as a GitHub Action: its shell steps run here as the runner would run them.

GitHub is not here, so the ``uses:`` steps (setup-python, upload-artifact) are not run; every ``run:``
step after the install is: its ``env`` filled from the inputs (defaults from action.yml, ``${{ … }}``
resolved the way the runner does for these plain references), the script run by ``bash --noprofile
--norc -eo pipefail`` (the runner's command for ``shell: bash``) with ``$GITHUB_OUTPUT`` and
``$GITHUB_STEP_SUMMARY`` files, and the install step's venv (``${{ runner.temp }}/ringside-venv``) standing
for this checkout's venv.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
#: Real seconds one step may take (the Python client runs a few scenarios in-process).
DEADLINE = 300.0
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
#: where a test's runner.temp is (kept with the inputs, under a name no input has)
RUNNER_TEMP = " runner.temp"


@dataclass
class StepResult:
    status: int
    stdout: str
    stderr: str


def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = ACTION["runs"]["steps"]
    return steps


def _value(expression: str, inputs: dict[str, str]) -> str:
    """What the runner puts for ``${{ expression }}`` (the forms action.yml uses)."""
    if expression.startswith("inputs."):
        return inputs[expression.removeprefix("inputs.")]
    if expression == "github.action_path":
        return str(ROOT)
    if expression == "runner.temp":
        return inputs[RUNNER_TEMP]
    raise AssertionError(f"action.yml uses an expression this test does not know: {expression}")


def _fill(text: str, inputs: dict[str, str]) -> str:
    return _EXPRESSION.sub(lambda m: _value(m[1], inputs), text)


def _inputs(**given: str) -> dict[str, str]:
    defaults = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    unknown = set(given) - set(defaults)
    assert not unknown, f"not inputs of action.yml: {unknown}"
    return defaults | given


def run_step(step: dict[str, Any], inputs: dict[str, str], workdir: Path) -> StepResult:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    # no ringside on PATH: a step must run the install step's ($RINGSIDE), not whatever the job has
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env["GITHUB_OUTPUT"] = str(workdir / "output")
    env["GITHUB_STEP_SUMMARY"] = str(workdir / "summary.md")
    env |= {name: _fill(str(value), inputs) for name, value in (step.get("env") or {}).items()}
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=DEADLINE, check=False,
    )  # fmt: skip
    return StepResult(done.returncode, done.stdout, done.stderr)


def run_action(workdir: Path, **given: str) -> tuple[StepResult, StepResult, dict[str, str]]:
    """The ``ringside run`` step, then the summary step (it runs ``if: always()``); the outputs written."""
    inputs = _inputs(**given)
    # what the install step leaves: a venv with ringside in runner.temp (here, this checkout's)
    temp = workdir / "runner-temp"
    (temp / "ringside-venv").mkdir(parents=True)
    (temp / "ringside-venv" / "bin").symlink_to(Path(sys.executable).parent)
    inputs[RUNNER_TEMP] = str(temp)
    by_name = {step.get("name"): step for step in _steps()}
    run = run_step(by_name["ringside run"], inputs, workdir)
    summary = run_step(by_name["Job summary"], inputs, workdir)
    lines = (workdir / "output").read_text().splitlines() if (workdir / "output").exists() else []
    return run, summary, dict(line.split("=", 1) for line in lines)


def test_scripts_take_inputs_through_env_only() -> None:
    # an input spliced into a script could inject shell: every ${{ }} is in `env`, `with` or `if`
    for step in _steps():
        assert "${{" not in step.get("run", ""), step.get("name")
    declared = set(ACTION["inputs"])
    used = {m for step in _steps() for m in re.findall(r"inputs\.([\w-]+)", yaml.safe_dump(step))}
    assert used == declared, f"inputs declared but unused: {declared - used}; used but undeclared: {used - declared}"
    assert {step.get("uses", "").split("@")[0] for step in _steps() if "uses" in step} == {
        "actions/setup-python",
        "actions/upload-artifact",
    }


def test_a_conforming_client_passes_with_its_report_and_summary(tmp_path: Path) -> None:
    run, summary, outputs = run_action(tmp_path, client="python", tags="must and spec-reject")
    assert run.status == 0, run.stderr
    assert outputs["exit-code"] == "0"
    assert outputs["report"] == "ringside-reports/latest/report.html"
    assert (tmp_path / outputs["report"]).is_file()
    assert summary.status == 0, summary.stderr
    markdown = (tmp_path / "summary.md").read_text()
    assert markdown.startswith("## ringside: python") and "✅ conforms at must" in markdown


def test_a_faulty_client_fails_the_step_and_the_summary_names_the_scenario(tmp_path: Path) -> None:
    run, summary, outputs = run_action(
        tmp_path, client="python:no-call-duration", tags="must and spec-end", args="--latency-budget 60000"
    )
    assert run.status == 1 and outputs["exit-code"] == "1"
    assert summary.status == 0, summary.stderr
    markdown = (tmp_path / "summary.md").read_text()
    assert "END-014" in markdown and "❌" in markdown


def test_bad_input_fails_in_one_line_and_the_summary_says_there_is_no_report(tmp_path: Path) -> None:
    run, summary, outputs = run_action(tmp_path, client="python", tags="must and (")
    assert run.status == 2 and outputs == {"exit-code": "2"}
    assert run.stderr.count("\n") == 1 and "--tags" in run.stderr
    assert summary.status == 0
    assert (tmp_path / "summary.md").read_text() == "ringside wrote no report (see the ringside run step)\n"


@pytest.mark.parametrize("hostile", ['"; touch pwned; echo "', "$(touch pwned)", "`touch pwned`"])
def test_an_input_is_a_value_never_shell(tmp_path: Path, hostile: str) -> None:
    run, _, _ = run_action(tmp_path, client="python", tags=hostile)
    assert run.status == 2, run.stderr  # a bad tag expression, said by ringside
    assert not (tmp_path / "pwned").exists()
