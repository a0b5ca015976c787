"""Write the compliance report of a run: ``report.json`` (schema'd), ``junit.xml``, ``reports/latest``."""

from __future__ import annotations

import json
import os
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from harness.report import html
from harness.report.collect import Row
from harness.report.schemas import assert_valid
from mockserver import __version__
from mockserver.clock import RealClock

Json = dict[str, Any]
VERDICTS = ("passed", "failed", "error", "skipped", "known-failure")


def run_id(client: str, at: float | None = None) -> str:
    """A sortable, readable run id: UTC time (``at``, default now) plus the client's name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(RealClock().now() if at is None else at))
    return f"{stamp}-{client.replace(':', '_').replace('/', '_')}"


def summary(rows: list[Row]) -> Json:
    """Counts per verdict, plus total."""
    counts = {v: sum(1 for r in rows if r.verdict == v) for v in VERDICTS}
    return {"total": len(rows), **{k.replace("-", "_"): n for k, n in counts.items()}}


_LACKS = re.compile(r"client lacks capability ([\w-]+)")


def assessment(rows: list[Row], *, declared: list[str], required: list[str]) -> Json:
    """What the run says about the client, in one verdict and one sentence (the report's first line).

    A client that declared no capabilities, or a run in which no scenario ran, is *not assessed*:
    passing the few scenarios left is no claim of conformance."""
    counts = summary(rows)
    skipped_for: dict[str, int] = {}
    for row in rows:
        if row.verdict == "skipped":
            match = _LACKS.search(row.reason or "")
            key = match.group(1) if match else "other"
            skipped_for[key] = skipped_for.get(key, 0) + 1
    failed = [r for r in rows if r.verdict == "failed"]
    by_kind = {
        "spec": sum(1 for r in failed if any(t.startswith("spec-") for t in r.tags)),
        "robustness": sum(1 for r in failed if not any(t.startswith("spec-") for t in r.tags)),
    }
    ran = counts["total"] - counts["skipped"]
    skips = ", ".join(f"{n} for lack of {c}" for c, n in sorted(skipped_for.items())) or "none"
    tested = f"{ran} of {counts['total']} scenarios ran (skipped: {skips})"
    missing_required = sorted(set(required) - set(declared))
    if missing_required:
        verdict = "not-assessed"
        statement = f"not assessed: the client lacks required capabilities {', '.join(missing_required)}"
    elif not declared or ran == 0:
        verdict = "not-assessed"
        why = "the client declared no capabilities" if not declared else "no scenario ran"
        statement = f"not assessed: {why}; {tested}"
    elif counts["failed"] or counts["error"]:
        verdict = "does-not-conform"
        statement = (
            f"does not conform: {counts['failed']} failed ({by_kind['spec']} of the spec, "
            f"{by_kind['robustness']} of ringside's robustness rules), {counts['error']} errors; {tested}"
        )
    else:
        verdict = "conforms"
        statement = f"conforms: {counts['passed']} passed, {counts['known_failure']} known failures; {tested}"
    return {
        "verdict": verdict,
        "statement": statement,
        "declaredCapabilities": sorted(declared),
        "requiredCapabilities": sorted(required),
        "skippedFor": skipped_for,
        "failedByKind": by_kind,
    }


def build(rows: list[Row], *, client: Json, started: float, finished: float, required: list[str] | None = None) -> Json:
    """The whole report as JSON (schema: harness/report/schemas/report.schema.json)."""
    return {
        "reportVersion": 1,
        "tool": {"name": "ringside", "version": _version()},
        "client": client,
        "startedAt": started,
        "finishedAt": finished,
        "duration": round(finished - started, 3),
        "summary": summary(rows),
        "assessment": assessment(rows, declared=list(client.get("capabilities", [])), required=required or []),
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
            skipped = ET.SubElement(case, "skipped", message=label + (row["reason"] or ""))
            skipped.text = row.get("failure")  # a known failure keeps what was observed
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
