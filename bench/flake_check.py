"""``make flake-check``: run the catalogue many times in shuffled orders and list every scenario whose
verdict changed between runs. A conformance suite that flakes gets switched off; this proves it does not.

By default: 20 runs against the Python reference client and 3 against the real CometChat JS SDK, each
in an order shuffled by its own seed (printed, so a run can be replayed with ``-p bench.shuffle
--shuffle-seed N``). Exit 0 when no verdict changed, 1 when one did (each listed with its verdicts per
seed), 2 when a run could not produce a report.
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

ROOT = Path(__file__).resolve().parent.parent


def run_once(client: str, seed: int, report_dir: Path, extra: list[str]) -> dict[str, str]:
    """One catalogue run in the order ``seed`` gives: scenario id → verdict."""
    command = [
        sys.executable, "-m", "pytest", str(ROOT / "features"), "-q", "-p", "no:cacheprovider",
        "-p", "bench.shuffle", "--shuffle-seed", str(seed),
        "--ringside-client", client, "--ringside-report-dir", str(report_dir), *extra,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    reports = sorted(report_dir.glob("*/report.json"))
    if not reports:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"{client} seed {seed}: no report.json (exit {done.returncode}):\n{tail}")
    rows = json.loads(reports[-1].read_text())["scenarios"]
    return {row["id"]: row["verdict"] for row in rows}


def check(client: str, runs: int, first_seed: int, extra: list[str]) -> dict[str, dict[int, str]]:
    """Run ``runs`` times; the scenarios whose verdict was not the same every time, with each seed's verdict."""
    seen: dict[str, dict[int, str]] = defaultdict(dict)
    with tempfile.TemporaryDirectory(prefix="ringside-flake-") as tmp:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make flake-check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs against the Python reference client (default 20)")
    parser.add_argument("--js-runs", type=int, default=3, help="runs against the real JS SDK (default 3; 0: none)")
    parser.add_argument("--seed", type=int, default=1, help="the first run's shuffle seed (default 1)")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments for every run (after --)")
    args = parser.parse_args(argv)
    plan = [("python", args.runs), ("cometchat-js", args.js_runs)]
    changed: dict[str, dict[str, dict[int, str]]] = {}
    try:
        for client, runs in plan:
            if runs > 0:
                print(f"flake-check: {client}, {runs} runs, seeds {args.seed}..{args.seed + runs - 1}", flush=True)
                changed[client] = check(client, runs, args.seed, args.pytest_args)
    except RuntimeError as exc:
        print(f"flake-check: {exc}", file=sys.stderr)
        return 2
    total = sum(len(c) for c in changed.values())
    for client, scenarios in changed.items():
        for scenario, verdicts in sorted(scenarios.items()):
            by_seed = ", ".join(f"seed {s}: {v}" for s, v in sorted(verdicts.items()))
            print(f"CHANGED {client} {scenario}: {by_seed}")
    runs_done = ", ".join(f"{runs} runs of {client}" for client, runs in plan if runs > 0)
    print(f"flake-check: {total} scenario(s) changed verdict over {runs_done}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
