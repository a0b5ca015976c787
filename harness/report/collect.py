"""Turn pytest reports into compliance rows: verdict, failure, tags, duration, timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.errors import ComplianceViolation

Json = dict[str, Any]
#: Journal kinds a scenario's timeline keeps (enough to draw a sequence diagram).
TIMELINE_KINDS = ("call", "callback", "http.request", "http.response", "ws.out", "fault", "script", "timer")
#: Stash key under which the plugin leaves a scenario's timeline and oracle findings.
TIMELINE = pytest.StashKey[list[Json]]()
ORACLE_NOTES = pytest.StashKey[list[str]]()
#: Config stash key: the service description (``GET /``) of the client under test.
SERVICE_INFO = pytest.StashKey[Json]()


def scenario_tags(item: pytest.Item) -> list[str]:
    """The Gherkin tags of a scenario item."""
    return [str(m.args[0]) for m in item.iter_markers("ringside_tag")]


def stable_id(item: pytest.Item) -> str:
    """The scenario's stable id (its ``@id-…`` tag), else its node id."""
    for tag in scenario_tags(item):
        if tag.startswith("id-"):
            return tag.removeprefix("id-")
    return item.nodeid


def compact(entry: Json) -> Json:
    """One journal entry, reduced to what a timeline needs."""
    keep = (
        "seq",
        "t",
        "kind",
        "uid",
        "device",
        "sessionId",
        "status",
        "method",
        "path",
        "callback",
        "tag",
        "actor",
        "event",
        "member",
        "label",
        "fault",
    )
    row = {k: entry[k] for k in keep if entry.get(k) is not None}
    if entry["kind"] == "http.response":
        error = (entry.get("body") or {}).get("error")
        if error:
            row["error"] = error.get("code")
        row["httpStatus"] = entry.get("status")
        row.pop("status", None)
    if entry["kind"] == "ws.out":
        row["stamp"] = (entry.get("frame") or {}).get("deviceId")
    return row


@dataclass
class Row:
    """One scenario's line in the compliance report."""

    id: str
    name: str
    feature: str
    nodeid: str
    tags: list[str]
    verdict: str = "passed"
    duration: float = 0.0
    failure: str | None = None
    reason: str | None = None
    oracle_notes: list[str] = field(default_factory=list)
    timeline: list[Json] = field(default_factory=list)

    def as_json(self) -> Json:
        return {
            "id": self.id,
            "name": self.name,
            "feature": self.feature,
            "nodeid": self.nodeid,
            "tags": self.tags,
            "verdict": self.verdict,
            "duration": round(self.duration, 4),
            "failure": self.failure,
            "reason": self.reason,
            "oracleNotes": self.oracle_notes,
            "timeline": self.timeline,
        }


def verdict_of(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]) -> tuple[str, str | None]:
    """(verdict, reason): passed, failed, error, skipped or known-failure."""
    if hasattr(report, "wasxfail"):
        if report.skipped:
            return "known-failure", str(report.wasxfail)
        return "failed", f"listed as a known failure ({report.wasxfail}) but it passes: remove it from the list"
    if report.failed and str(report.longrepr).startswith("[XPASS(strict)]"):
        reason = str(report.longrepr).removeprefix("[XPASS(strict)] ")
        return "failed", f"listed as a {reason} — but it passes: remove it from the list"
    if report.skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        return "skipped", reason.removeprefix("Skipped: ")
    if report.failed:
        if report.when == "call" and call.excinfo is not None and isinstance(call.excinfo.value, AssertionError):
            return "failed", None
        if report.when == "call" and call.excinfo is not None and isinstance(call.excinfo.value, ComplianceViolation):
            return "failed", None
        return "error", None
    return "passed", None
