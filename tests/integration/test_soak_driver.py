"""``make soak``'s driver: its verdict on figures, and a few seconds of the real thing (report only).

The soak itself (10 minutes) is not part of ``make test``; these keep its driver from rotting.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench/ is the checkout's, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.soak import FD_BOUND, RSS_BOUND_KIB_PER_CYCLE, Run, Sample, verdict  # noqa: E402


def _run(*samples: tuple[int, int, int], warm_at: int = 1) -> Run:
    run = Run(samples=[Sample(float(i), cycles, rss, fds) for i, (cycles, rss, fds) in enumerate(samples)])
    run.cycles = run.samples[-1].cycles
    run.warm = run.samples[warm_at]
    return run


def test_flat_memory_passes(capsys):
    assert verdict(_run((0, 60_000, 9), (3_000, 80_000, 10), (9_000, 80_100, 10)), report_only=False) == 0
    out = capsys.readouterr().out
    assert "over 6,000 cycles = +0.017 KiB/cycle" in out and "soak: PASS" in out


def test_growth_beyond_the_bound_fails(capsys):
    per_cycle = RSS_BOUND_KIB_PER_CYCLE + 1
    end = 80_000 + int(per_cycle * 6_000)
    assert verdict(_run((0, 60_000, 9), (3_000, 80_000, 10), (9_000, end, 10)), report_only=False) == 1
    assert "soak: FAIL" in capsys.readouterr().out
    assert verdict(_run((0, 60_000, 9), (3_000, 80_000, 10), (9_000, end, 10)), report_only=True) == 0


def test_leaked_file_descriptors_fail(capsys):
    run = _run((0, 60_000, 9), (3_000, 80_000, 10), (9_000, 80_000, 10 + FD_BOUND + 1))
    assert verdict(run, report_only=False) == 1
    assert f"fds +{FD_BOUND + 1}" in capsys.readouterr().out


def test_a_run_that_never_warmed_up_has_no_verdict(capsys):
    run = Run(samples=[Sample(0.0, 0, 60_000, 9), Sample(5.0, 100, 70_000, 10)], cycles=100)
    assert verdict(run, report_only=False) == 1
    assert "inside the warm-up" in capsys.readouterr().out


def test_a_short_real_soak_reports_its_figures():
    flags = ["--seconds", "6", "--warm-up-seconds", "2", "--warm-up-cycles", "20", "--report-only"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.soak", *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for figure in ("warm-up done at", "rss growth", "KiB/cycle", "server stats:", "journalKept"):
        assert figure in done.stdout, done.stdout
