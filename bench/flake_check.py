"""``make flake-check``: run the catalogue many times in shuffled orders and list every scenario whose
verdict changed between runs. A conformance suite that flakes gets switched off; this proves it does not.

By default: 20 runs against the Python reference client and 3 against the real CometChat JS SDK, each
in an order shuffled by its own seed (printed, so a run can be replayed with ``-p bench.shuffle
--shuffle-seed N``), each run the way ``ringside run`` runs pytest. Exit 0 when no verdict changed, 1
when one did (each listed with its verdicts per seed), 2 when a run could not produce a report. A pass
graded ``passed-late`` in some runs only (real-time callback latency over the report's budget: a
loaded machine) is listed apart and changes the exit status only with ``--strict`` (see :data:`GRADES`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from bench import catalogue

ROOT = Path(__file__).resolve().parent.parent


def run_once(client: str, seed: int, report_dir: Path, extra: list[str]) -> dict[str, str]:
    """One catalogue run in the order ``seed`` gives, as ``ringside run`` runs it (its plugins, plugin
    autoload off): scenario id → verdict."""
    shuffled = ["-p", "bench.shuffle", "--shuffle-seed", str(seed), *extra]
    command = catalogue.command(client, report_dir, shuffled)
    done = subprocess.run(command, cwd=ROOT, env=catalogue.environment(), capture_output=True, text=True, check=False)
    reports = sorted(report_dir.glob("*/report.json"))
    if not reports:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"{client} seed {seed}: no report.json (exit {done.returncode}):\n{tail}")
    rows = json.loads(reports[-1].read_text())["scenarios"]
    return {row["id"]: row["verdict"] for row in rows}


def check(
    client: str, runs: int, first_seed: int, extra: list[str], keep: Path | None = None
) -> dict[str, dict[int, str]]:
    """Run ``runs`` times; the scenarios whose verdict was not the same every time, with each seed's verdict.

    ``keep``: write each run's report under this directory (kept) instead of a temporary one."""
    seen: dict[str, dict[int, str]] = defaultdict(dict)
    with tempfile.TemporaryDirectory(prefix="ringside-flake-") as scratch:
        tmp = keep if keep is not None else Path(scratch)
        for n in range(runs):
            seed = first_seed + n
            started = time.monotonic()
            verdicts = run_once(client, seed, Path(tmp) / f"{client}-{seed}", extra)
            for scenario, verdict in verdicts.items():
                seen[scenario][seed] = verdict
            counts = Counter(verdicts.values())
            summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            print(
                f"  {client} run {n + 1}/{runs} seed {seed}: {summary} ({time.monotonic() - started:.1f} s)", flush=True
            )
    seeds = {first_seed + n for n in range(runs)}
    return {s: v for s, v in seen.items() if len(set(v.values())) > 1 or set(v) != seeds}


#: Grades of a verdict: ``passed-late`` is a pass whose callbacks came later than the report's latency
#: budget, in real time (docs/reports.md). Whether one does depends on how loaded the machine is, not on
#: the order of scenarios or any race; ``ringside run`` exits 0 on it (unless ``--strict``). So a scenario
#: graded late in some runs is listed (LATE), but counts as a changed verdict only with ``--strict``.
GRADES = {"passed-late": "passed"}


def split_grades(changed: dict[str, dict[int, str]]) -> tuple[dict[str, dict[int, str]], dict[str, dict[int, str]]]:
    """(scenarios whose verdict changed, scenarios that only changed grade: passed in one run, passed-late in
    another)."""
    verdicts: dict[str, dict[int, str]] = {}
    grades: dict[str, dict[int, str]] = {}
    for scenario, by_seed in changed.items():
        outcomes = {GRADES.get(v, v) for v in by_seed.values()}
        (grades if len(outcomes) == 1 and len(set(by_seed.values())) > 1 else verdicts)[scenario] = by_seed
    return verdicts, grades


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make flake-check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs against the Python reference client (default 20)")
    parser.add_argument("--js-runs", type=int, default=3, help="runs against the real JS SDK (default 3; 0: none)")
    parser.add_argument("--seed", type=int, default=1, help="the first run's shuffle seed (default 1)")
    parser.add_argument(
        "--strict", action="store_true", help="count a scenario graded passed-late in some runs as a changed verdict"
    )
    parser.add_argument("--keep-reports", type=Path, default=None, help="keep every run's report under this directory")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments for every run (after --)")
    args = parser.parse_args(argv)
    plan = [("python", args.runs), ("cometchat-js", args.js_runs)]
    changed: dict[str, dict[str, dict[int, str]]] = {}
    began = time.monotonic()
    try:
        for client, runs in plan:
            if runs > 0:
                print(f"flake-check: {client}, {runs} runs, seeds {args.seed}..{args.seed + runs - 1}", flush=True)
                changed[client] = check(client, runs, args.seed, args.pytest_args, args.keep_reports)
    except RuntimeError as exc:
        print(f"flake-check: {exc}", file=sys.stderr)
        return 2
    total = late = 0
    for client, scenarios in changed.items():
        verdicts, grades = split_grades(scenarios)
        if args.strict:
            verdicts, grades = scenarios, {}
        total += len(verdicts)
        late += len(grades)
        for label, listed in (("CHANGED", verdicts), ("LATE", grades)):
            for scenario, by_seed in sorted(listed.items()):
                seen = ", ".join(f"seed {s}: {v}" for s, v in sorted(by_seed.items()))
                print(f"{label} {client} {scenario}: {seen}")
    runs_done = ", ".join(f"{runs} runs of {client}" for client, runs in plan if runs > 0)
    took = time.monotonic() - began
    graded = f"; {late} more only graded passed-late in some runs (real-time latency, not a verdict)" if late else ""
    print(f"flake-check: {total} scenario(s) changed verdict over {runs_done}{graded} ({took / 60:.1f} min)")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
