"""Write the compliance report of a run: ``report.json`` (schema'd), ``junit.xml``, ``reports/latest``."""

from __future__ import annotations

import json
import os
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from harness.report import html
from harness.report.collect import Row
from mockserver import __version__
from mockserver.clock import RealClock
from mockserver.schemas import assert_valid

Json = dict[str, Any]
VERDICTS = ("passed", "failed", "error", "skipped", "known-failure")


def run_id(client: str) -> str:
    """A sortable, readable run id: UTC time plus the client's name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(RealClock().now()))
    return f"{stamp}-{client.replace(':', '_').replace('/', '_')}"


def summary(rows: list[Row]) -> Json:
    """Counts per verdict, plus total."""
    counts = {v: sum(1 for r in rows if r.verdict == v) for v in VERDICTS}
    return {"total": len(rows), **{k.replace("-", "_"): n for k, n in counts.items()}}


def build(rows: list[Row], *, client: Json, started: float, finished: float) -> Json:
    """The whole report as JSON (schema: mockserver/schemas/report/report.schema.json)."""
    return {
        "reportVersion": 1,
        "tool": {"name": "ringside", "version": _version()},
        "client": client,
        "startedAt": started,
        "finishedAt": finished,
        "duration": round(finished - started, 3),
        "summary": summary(rows),
        "scenarios": [r.as_json() for r in rows],
    }


def _version() -> str:
    return __version__


def junit(report: Json) -> ET.ElementTree[ET.Element[str]]:
    """JUnit XML: one testcase per scenario; known failures are skipped with their reason."""
    s = report["summary"]
    suite = ET.Element(
        "testsuite",
        name=f"ringside conformance: {report['client'].get('name')}",
        tests=str(s["total"]),
        failures=str(s["failed"]),
        errors=str(s["error"]),
        skipped=str(s["skipped"] + s["known_failure"]),
        time=f"{report['duration']:.3f}",
    )
    for row in report["scenarios"]:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=row["feature"],
            name=f"{row['id']}: {row['name']}",
            time=f"{row['duration']:.3f}",
        )
        if row["verdict"] == "failed":
            ET.SubElement(case, "failure", message=(row["failure"] or "")[:200]).text = row["failure"]
        elif row["verdict"] == "error":
            ET.SubElement(case, "error", message=(row["failure"] or "")[:200]).text = row["failure"]
        elif row["verdict"] in ("skipped", "known-failure"):
            label = "known failure: " if row["verdict"] == "known-failure" else ""
            ET.SubElement(case, "skipped", message=label + (row["reason"] or ""))
    return ET.ElementTree(suite)


def write(report: Json, directory: Path, run: str) -> Path:
    """Write ``<directory>/<run>/report.json`` and ``junit.xml``; point ``<directory>/latest`` at it."""
    assert_valid("report/report", report)
    out = directory / run
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    tree = junit(report)
    ET.indent(tree)
    tree.write(out / "junit.xml", encoding="utf-8", xml_declaration=True)
    (out / "report.html").write_text(html.render(report), encoding="utf-8")
    latest = directory / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    os.symlink(run, latest)
    return out
