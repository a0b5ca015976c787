"""The catalogue's wall time against its scripted time, per bundled client.

Runs ``pytest features --ringside-client <client> --ringside-report-dir <tmp>`` as a subprocess, timed
from start to exit (collection and client start-up included: what a developer waits for), and sums
``clockSeconds`` over the scenarios of the report.json it writes: how far the shared (virtual) clock
moved in each scenario, i.e. the time the scenarios script.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CatalogueRun:
    """One catalogue run of one client."""

    client: str
    wall: float  #: seconds, the whole pytest process
    scripted: float  #: seconds, the sum of the scenarios' clockSeconds
    scenarios: int
    verdicts: dict[str, int]
    report_duration: float  #: the report's own session duration (without start-up)
    median_scenario: float  #: seconds


def command(client: str, report_dir: Path, extra: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "features",
        "-q",
        "-p",
        "no:cacheprovider",
        "--ringside-client",
        client,
        "--ringside-report-dir",
        str(report_dir),
        *extra,
    ]


def read_report(path: Path, client: str, wall: float) -> CatalogueRun:
    """The figures of one report.json (harness/report/schemas/report.schema.json)."""
    report: dict[str, Any] = json.loads(path.read_text())
    scenarios = report["scenarios"]
    durations = sorted(float(s["duration"]) for s in scenarios)
    return CatalogueRun(
        client=client,
        wall=wall,
        scripted=sum(float(s.get("clockSeconds") or 0.0) for s in scenarios),
        scenarios=len(scenarios),
        verdicts=dict(Counter(str(s["verdict"]) for s in scenarios)),
        report_duration=float(report.get("duration") or 0.0),
        median_scenario=durations[len(durations) // 2] if durations else 0.0,
    )


def run(client: str, extra: list[str] | None = None, timeout: float = 1800.0) -> CatalogueRun:
    """Run the catalogue against ``client`` once; raises RuntimeError (with pytest's tail) if no report came."""
    with tempfile.TemporaryDirectory(prefix=f"bench-catalogue-{client}-") as tmp:
        start = time.perf_counter()
        done = subprocess.run(
            command(client, Path(tmp), extra or []),
            check=False,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        wall = time.perf_counter() - start
        reports = sorted(Path(tmp).glob("*/report.json"))
        if not reports:
            tail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-6:])
            raise RuntimeError(
                f"pytest --ringside-client {client} wrote no report.json (exit {done.returncode}): {tail}"
            )
        return read_report(reports[-1], client, wall)
