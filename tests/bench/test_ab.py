"""``python -m bench.ab``'s machinery with tiny counts: a commit's tree served from its own folder beside the
bare server, one line per variant. No timing asserts (the figures of so short a run mean nothing)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ab_serves_a_commit_beside_the_bare_server():
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    done = subprocess.run(
        [sys.executable, "-m", "bench.ab", "HEAD", "--rounds", "1", "--seconds", "0.2", "--pairs", "1"],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("1 pairs, 1 alternating rounds of 0.2 s"), lines
    assert [line.split()[0] for line in lines[1:]] == [f"ringside@{head}", "bare"], lines
    assert all("cycles/s" in line and "µs/cycle" in line for line in lines[1:]), lines
