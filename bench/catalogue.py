"""The catalogue's wall time against its scripted time, per bundled client.

Runs ``pytest features --ringside-client <client> --ringside-report-dir <tmp>`` as a subprocess the way
``ringside run`` runs it (plugin autoload off, its plugins by name), timed from start to exit (collection
and client start-up included: what a developer waits for), and sums
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

from harness.runner import PLUGINS, pytest_env

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
    """pytest on the catalogue with the plugins ``ringside run`` loads, and only those (run it with
    :func:`environment`: plugin autoload off, as ``ringside run`` has it)."""
    plugins = [arg for plugin in PLUGINS for arg in ("-p", plugin)]
    return [
        sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider", *plugins,
        "--ringside-client", client, "--ringside-report-dir", str(report_dir), *extra,
    ]  # fmt: skip


def environment() -> dict[str, str]:
    """``ringside run``'s environment for pytest: plugin autoload off. pytest would otherwise import every
    plugin installed in the venv (hypothesis, schemathesis, faker, anyio …, about 4 s of CPU on this
    machine class) before the first scenario: time a developer running ``ringside run`` never waits for."""
    return pytest_env()


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
            env=environment(),
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
