"""Judge and write the compliance report of a run: ``report.json`` (schema'd), ``junit.xml``, ``ctrf.json``,
``report.html``, ``reports/latest``.

Verdicts, graded: passed; passed-late (every check passed, but a callback came later than the latency
budget after the server frame that caused it, in real time); failed; error; known-failure; skipped.
The compliance table counts them per spec section (the ``@spec-*`` tags) and tier (``@must`` /
``@should``), with one statement per tier ("conforms at must: 94/94").
"""

from __future__ import annotations

import json
import os
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import orjson

from harness.report import html
from harness.report.collect import DEFAULT_LATENCY_BUDGET_MS, TIERS, Row
from harness.report.schemas import assert_valid
from mockserver import __version__
from mockserver.clock import RealClock

Json = dict[str, Any]
VERDICTS = ("passed", "passed-late", "failed", "error", "skipped", "known-failure")
#: The version of report.json's layout (harness/report/schemas/report.schema.json).
REPORT_VERSION = 2
#: Spec sections in the catalogue's order (a section not named here comes after these, before robustness).
SECTION_ORDER = (
    "initiate",
    "ringing",
    "session",
    "accept",
    "reject",
    "cancel",
    "busy",
    "timeout-default",
    "timeout-custom",
    "end",
    "listeners",
    "group",
    "errors",
    "wire-echo",
    "wire-dispatch",
    "wire-fields",
    "wire-requests",
)
SECTION_TITLES = {
    "initiate": "Initiate call",
    "ringing": "Ringing",
    "session": "Call session",
    "accept": "Accept",
    "reject": "Reject",
    "cancel": "Cancel",
    "busy": "Busy",
    "timeout-default": "Timeout (default 45 s)",
    "timeout-custom": "Timeout (custom)",
    "end": "End call",
    "listeners": "Call listeners",
    "group": "Group calls",
    "errors": "Errors",
    "wire-echo": "Wire: echo suppression",
    "wire-dispatch": "Wire: dispatch",
    "wire-fields": "Wire: fields",
    "wire-requests": "Wire: requests",
    "robustness": "Robustness (ringside's rules)",
}
#: Verdicts that fail a run at their tier; the rest pass it (known failures are listed, not counted).
FAILING = ("failed", "error")


def run_id(client: str, at: float | None = None) -> str:
    """A sortable, readable run id: UTC time (``at``, default now) plus the client's name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(RealClock().now() if at is None else at))
    return f"{stamp}-{client.replace(':', '_').replace('/', '_')}"


def summary(rows: list[Row]) -> Json:
    """Counts per verdict (passed_late apart from passed), plus total."""
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
        late = f" ({counts['passed_late']} of them late)" if counts["passed_late"] else ""
        statement = (
            f"conforms: {counts['passed'] + counts['passed_late']} passed{late}, "
            f"{counts['known_failure']} known failures; {tested}"
        )
    return {
        "verdict": verdict,
        "statement": statement,
        "declaredCapabilities": sorted(declared),
        "requiredCapabilities": sorted(required),
        "skippedFor": skipped_for,
        "failedByKind": by_kind,
    }


def build(
    rows: list[Row],
    *,
    client: Json,
    started: float,
    finished: float,
    required: list[str] | None = None,
    budget_ms: float = DEFAULT_LATENCY_BUDGET_MS,
    complete: bool = True,
) -> Json:
    """The whole report as JSON (schema: harness/report/schemas/report.schema.json)."""
    return {
        "reportVersion": REPORT_VERSION,
        "tool": {"name": "ringside", "version": _version()},
        "client": client,
        "startedAt": started,
        "finishedAt": finished,
        "duration": round(max(0.0, finished - started), 3),
        "complete": complete,
        "latencyBudgetMs": budget_ms,
        "summary": summary(rows),
        "assessment": assessment(rows, declared=list(client.get("capabilities", [])), required=required or []),
        "compliance": compliance(rows),
        "latency": latency_summary(rows, budget_ms),
        "scenarios": [r.as_json() for r in rows],
    }


def _tier_counts(rows: list[Row]) -> Json:
    counts = {v.replace("-", "_"): sum(1 for r in rows if r.verdict == v) for v in VERDICTS}
    return {"total": len(rows), **counts}


def section_key(section: str) -> tuple[int, str]:
    """Sort key of a section: the catalogue's order, unknown ones after (alphabetically), robustness last."""
    if section == "robustness":
        return (len(SECTION_ORDER) + 1, section)
    if section in SECTION_ORDER:
        return (SECTION_ORDER.index(section), section)
    return (len(SECTION_ORDER), section)


def compliance(rows: list[Row]) -> Json:
    """The compliance table: per tier an overall statement, per spec section and tier the verdict counts.

    A scenario with no tier counts in neither; one checking two sections counts in both sections (and
    once in its tier). "passed" counts passed and passed-late; a tier conforms when none of its scenarios
    failed or errored (known failures are listed beside the figure, not counted as passes)."""
    tiers: Json = {}
    for tier in TIERS:
        mine = [r for r in rows if r.tier == tier]
        passed = sum(1 for r in mine if r.verdict in ("passed", "passed-late"))
        failed = sum(1 for r in mine if r.verdict == "failed")
        errors = sum(1 for r in mine if r.verdict == "error")
        known = sum(1 for r in mine if r.verdict == "known-failure")
        skipped = sum(1 for r in mine if r.verdict == "skipped")
        late = sum(1 for r in mine if r.verdict == "passed-late")
        assessed = len(mine) - skipped
        conforms = failed == 0 and errors == 0
        notes = [
            f"{n} {what}"
            for n, what in (
                (failed, "failed"),
                (errors, "errors"),
                (known, "known failures"),
                (late, "late"),
                (skipped, "skipped"),
            )
            if n
        ]
        head = "conforms" if conforms else "does not conform"
        statement = f"{head} at {tier}: {passed}/{assessed}" + (f" ({', '.join(notes)})" if notes else "")
        tiers[tier] = {
            "passed": passed,
            "total": assessed,
            "conforms": conforms,
            "statement": statement,
            **{k: v for k, v in _tier_counts(mine).items() if k not in ("passed", "total")},
        }
    names = sorted({s for r in rows for s in r.sections}, key=section_key)
    sections = []
    for name in names:
        entry: Json = {"section": name, "title": SECTION_TITLES.get(name, name.replace("-", " ").capitalize())}
        for tier in TIERS:
            entry[tier] = _tier_counts([r for r in rows if r.tier == tier and name in r.sections])
        sections.append(entry)
    return {"tiers": tiers, "sections": sections}


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil
    return ordered[int(rank) - 1]


def latency_summary(rows: list[Row], budget_ms: float) -> Json:
    """Per callback, the latency figures (server frame to callback, real ms) over every scenario of the run."""
    by: dict[str, list[float]] = {}
    for row in rows:
        for entry in row.latency:
            by.setdefault(str(entry["callback"]), []).append(float(entry["ms"]))
    return {
        "budgetMs": budget_ms,
        "byCallback": {
            name: {
                "count": len(values),
                "p50Ms": round(percentile(values, 50), 3),
                "p95Ms": round(percentile(values, 95), 3),
                "maxMs": round(max(values), 3),
                "late": sum(1 for v in values if v > budget_ms),
            }
            for name, values in sorted(by.items())
        },
    }


def failing(report: Json, *, strict: bool = False) -> list[Json]:
    """The rows that fail the run: a must-tier (or untiered) failure or error, a known-failures entry the run
    contradicts (listed but passing, or failing another way); with ``strict`` also should-tier failures and
    errors and every passed-late."""
    out = []
    for row in report["scenarios"]:
        verdict = row["verdict"]
        stale = row.get("knownFailure") is not None and verdict == "failed"
        counted = row.get("tier") != "should" or strict
        if stale or (verdict in FAILING and counted) or (strict and verdict == "passed-late"):
            out.append(row)
    return out


def tier_lines(report: Json, *, strict: bool = False) -> list[str]:
    """One line per tier (its statement), saying when a tier's failures do not fail the run."""
    lines = []
    for tier, entry in (report.get("compliance") or {}).get("tiers", {}).items():
        if entry["total"] == 0 and not entry.get("known_failure"):
            continue
        note = ""
        if tier == "should" and not entry["conforms"] and not strict:
            note = " — should-tier failures do not fail the run (--strict makes them)"
        lines.append(f"{entry['statement']}{note}")
    return lines


_RUN = re.compile(r"^\d{8}T\d{6}Z-(?P<label>.+)$")


def previous_report(directory: Path, run: str) -> Path | None:
    """The report.json of the latest earlier run of the same client in ``directory`` (None if there is none)."""
    match = _RUN.match(run)
    if match is None or not directory.is_dir():
        return None
    earlier = []
    for folder in directory.iterdir():
        other = _RUN.match(folder.name)
        if other is None or other["label"] != match["label"] or folder.name >= run or folder.is_symlink():
            continue
        if (folder / "report.json").is_file():
            earlier.append(folder)
    return max(earlier, key=lambda f: f.name) / "report.json" if earlier else None


def previous_verdicts(directory: Path | None, run: str) -> dict[str, str]:
    """Scenario id → verdict in the previous report of the same client (empty when there is none or it is
    unreadable)."""
    path = previous_report(directory, run) if directory is not None else None
    if path is None:
        return {}
    try:
        data = orjson.loads(path.read_bytes())
        return {str(r["id"]): str(r["verdict"]) for r in data.get("scenarios", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def write_files(report: Json, out: Path) -> Path:
    """Write ``report.json`` (validated first), ``junit.xml``, ``ctrf.json`` and ``report.html`` into ``out``."""
    assert_valid("report/report", report)
    out.mkdir(parents=True, exist_ok=True)
    _replace(out / "report.json", _pretty(report) + "\n")
    tree = junit(report)
    ET.indent(tree)
    _replace(out / "junit.xml", ET.tostring(tree.getroot(), encoding="unicode", xml_declaration=True) + "\n")
    _replace(out / "ctrf.json", _pretty(ctrf(report)) + "\n")
    _replace(out / "report.html", html.render(report))
    return out


def _pretty(value: Any) -> str:
    """``value`` as JSON indented by two spaces. orjson's encoder: the standard library's, with ``indent``,
    runs in Python (≈ 0.2 s for a catalogue's report, timelines included); the standard library's for what
    orjson refuses (an integer beyond 64 bits, a key that is not a string)."""
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, indent=2, default=str)


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a reader never sees half a file)."""
    part = path.with_name(path.name + ".part")
    part.write_text(text, encoding="utf-8")
    part.replace(path)


def _version() -> str:
    return __version__


def failure_text(row: Json) -> str:
    """What a failing row says in CI: the failing step, the failure, the payload's expected vs actual."""
    lines = []
    if row.get("failedStep"):
        lines.append(f"step: {row['failedStep']}")
    if row.get("reason") and row["verdict"] != "known-failure":
        lines.append(str(row["reason"]))
    if row.get("failure"):
        lines.append(str(row["failure"]))
    mismatch = row.get("mismatch")
    if mismatch:
        lines.append("expected: " + _clip(json.dumps(mismatch["expected"], sort_keys=True, default=str)))
        lines.append("actual:   " + _clip(json.dumps(mismatch["actual"], sort_keys=True, default=str)))
        lines.append("differences:")
        for f in mismatch.get("fields", []):
            lines.append(
                f"  {f['kind']} {f['path']}: expected {json.dumps(f['expected'], default=str)}, "
                f"actual {json.dumps(f['actual'], default=str)}"
            )
    return "\n".join(lines)


def _clip(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(text: str, limit: int = 200) -> str:
    first = " ".join(text.split())
    return first if len(first) <= limit else first[: limit - 1] + "…"


_KNOWN_PREFIX = "known failure: "


def junit(report: Json) -> ET.ElementTree[ET.Element[str]]:
    """JUnit XML: one testcase per scenario, named "<id>: <name>"; a failure's text is the failing step, the
    failure and the payload's expected vs actual; known failures are skipped with their reason (and what was
    observed); a late pass passes, with a note in system-out."""
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
        verdict = row["verdict"]
        if verdict in ("failed", "error"):
            text = failure_text(row)
            head = f"{row['failedStep']}: " if row.get("failedStep") else ""
            message = _one_line(head + (row.get("failure") or row.get("reason") or verdict))
            tag = "failure" if verdict == "failed" else "error"
            ET.SubElement(case, tag, message=message, type=verdict).text = text
        elif verdict == "skipped":
            ET.SubElement(case, "skipped", message=row.get("reason") or "skipped")
        elif verdict == "known-failure":
            reason = str(row.get("reason") or "")
            while reason.startswith(_KNOWN_PREFIX):
                reason = reason.removeprefix(_KNOWN_PREFIX)
            skipped = ET.SubElement(case, "skipped", message=_KNOWN_PREFIX + reason, type="known-failure")
            skipped.text = failure_text(row)  # what was observed this time
        elif verdict == "passed-late":
            ET.SubElement(case, "system-out").text = f"passed late: {row.get('reason') or ''}"
    return ET.ElementTree(suite)


_CTRF_STATUS = {
    "passed": "passed",
    "passed-late": "passed",
    "failed": "failed",
    "error": "failed",
    "skipped": "skipped",
    "known-failure": "skipped",
}


def ctrf(report: Json) -> Json:
    """The report in the Common Test Report Format (ctrf.io): one test per scenario."""
    tests = []
    for row in report["scenarios"]:
        test: Json = {
            "name": f"{row['id']}: {row['name']}",
            "status": _CTRF_STATUS.get(row["verdict"], "other"),
            "duration": round(float(row["duration"]) * 1000),
            "suite": row["feature"],
            "tags": row["tags"],
            "extra": {"verdict": row["verdict"], "tier": row.get("tier")},
        }
        if row["verdict"] in ("failed", "error", "known-failure"):
            test["message"] = _one_line(row.get("failure") or row.get("reason") or "")
            test["trace"] = failure_text(row)
        tests.append(test)
    s = report["summary"]
    return {
        "results": {
            "tool": {"name": "ringside", "version": report["tool"]["version"]},
            "summary": {
                "tests": s["total"],
                "passed": s["passed"] + s.get("passed_late", 0),
                "failed": s["failed"] + s["error"],
                "pending": 0,
                "skipped": s["skipped"] + s["known_failure"],
                "other": 0,
                "start": round(float(report["startedAt"]) * 1000),
                "stop": round(float(report["finishedAt"]) * 1000),
            },
            "tests": tests,
        }
    }


def write(report: Json, directory: Path, run: str) -> Path:
    """Write ``<directory>/<run>/`` (:func:`write_files`); point ``<directory>/latest`` at it."""
    out = write_files(report, directory / run)
    latest = directory / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    os.symlink(run, latest)
    return out
