"""Turn pytest reports into compliance rows: verdict, failure, tags, duration, timeline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from mockserver.probe import JournalEntry

Json = dict[str, Any]
#: Stash key: (scenario name, feature file relative to the features directory), from pytest-bdd.
SCENARIO = pytest.StashKey[tuple[str, str]]()
#: Stash key: how far the shared clock moved during the scenario (server-clock seconds).
CLOCK_SECONDS = pytest.StashKey[float]()
#: Stash key: the scenario's parties (name, uid, tag, resource), so a diagram can name its lanes.
PARTIES = pytest.StashKey[list[Json]]()
#: Stash key: the scenario's journal (its timeline is drawn from it when a report is written).
JOURNAL = pytest.StashKey[list[JournalEntry]]()
#: Stash key under which the plugin leaves a scenario's oracle findings.
ORACLE_NOTES = pytest.StashKey[list[str]]()
#: Config stash key: the service description (``GET /``) of the client under test.
SERVICE_INFO = pytest.StashKey[Json]()


@dataclass
class StepRecord:
    """One Gherkin step of a scenario as it ran: ``not run``, ``running``, ``passed``, ``failed``, ``skipped``."""

    keyword: str
    text: str
    outcome: str = "not run"
    started: float = 0.0
    duration: float = 0.0

    def as_json(self) -> Json:
        return {
            "keyword": self.keyword,
            "text": self.text,
            "outcome": self.outcome,
            "duration": round(self.duration, 4),
        }


#: Stash key: the scenario's steps, in order, with their outcomes.
STEPS = pytest.StashKey[list[StepRecord]]()
#: Stash key: a listed scenario's verdict as its known-failures entry decided it (see harness.known_failures).
KNOWN_VERDICT = pytest.StashKey[tuple[str, str]]()
#: Stash key: the known-failures entry of a listed scenario, and whether the observed failure matched it.
KNOWN_ENTRY = pytest.StashKey[Json]()
#: Stash key: the step that failed ("Then alice receives …"), or "After the scenario" for the after-scenario checks.
FAILED_STEP = pytest.StashKey[str]()
#: Default latency budget (ms): how long after the server frame that caused it a callback may arrive, in
#: real time, before a passing scenario is graded passed-late.
DEFAULT_LATENCY_BUDGET_MS = 250.0
#: The tiers a scenario's tag may name.
TIERS = ("must", "should")


def scenario_tags(item: pytest.Item) -> list[str]:
    """The Gherkin tags of a scenario item, sorted (pytest-bdd keeps them in a set: no order of their own)."""
    return sorted(str(m.args[0]) for m in item.iter_markers("ringside_tag"))


def stable_id(item: pytest.Item) -> str:
    """The scenario's stable id (its ``@id-…`` tag), else its node id."""
    for tag in scenario_tags(item):
        if tag.startswith("id-"):
            return tag.removeprefix("id-")
    return item.nodeid


def tier_of(tags: Sequence[str]) -> str | None:
    """``must`` or ``should`` (from the @must / @should tag), else None."""
    return next((t for t in TIERS if t in tags), None)


def sections_of(tags: Sequence[str]) -> list[str]:
    """The spec sections a scenario checks: its @spec-* tags without the prefix; ["robustness"] for a scenario
    with no spec tag but @robustness; else none."""
    specs = [t.removeprefix("spec-") for t in tags if t.startswith("spec-")]
    if specs:
        return specs
    return ["robustness"] if "robustness" in tags else []


def latencies(journal: Sequence[JournalEntry], parties: Sequence[Json], budget_ms: float) -> list[Json]:
    """Per callback the client reported, how long (real time, journal ``wall``) after the server frame that
    caused it: the last call frame before it to that party's device for the same call and status.

    A callback no frame explains (one the client raised on its own) has no entry.
    """
    device_of = {str(p["tag"]): p.get("resource") for p in parties}
    frames: dict[tuple[Any, Any, Any], JournalEntry] = {}
    out: list[Json] = []
    for entry in journal:
        kind = entry["kind"]
        if kind == "ws.out":
            sid = entry.get("sessionId")
            if sid:
                frames[(entry.get("device"), sid, entry.get("status"))] = entry
        elif kind == "callback":
            device = device_of.get(str(entry.get("tag")))
            frame = frames.get((device, entry.get("sessionId"), entry.get("status"))) if device else None
            if frame is None:
                continue
            ms = max(0.0, (entry["wall"] - frame["wall"]) * 1000.0)
            out.append(
                {
                    "callback": str(entry.get("callback")),
                    "ms": round(ms, 3),
                    "frameSeq": frame["seq"],
                    "callbackSeq": entry["seq"],
                    "late": ms > budget_ms,
                }
            )
    return out


def field_diff(expected: Any, actual: Any, path: str = "") -> list[Json]:
    """Field by field, where ``actual`` differs from ``expected``: changed, missing (expected, absent) or
    unexpected (present, not expected); ``path`` is dotted, list items as ``[i]``."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out: list[Json] = []
        for key in list(expected) + [k for k in actual if k not in expected]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in actual:
                out.append({"path": sub, "expected": expected[key], "actual": None, "kind": "missing"})
            elif key not in expected:
                out.append({"path": sub, "expected": None, "actual": actual[key], "kind": "unexpected"})
            else:
                out += field_diff(expected[key], actual[key], sub)
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        out = []
        for i in range(max(len(expected), len(actual))):
            sub = f"{path}[{i}]"
            if i >= len(actual):
                out.append({"path": sub, "expected": expected[i], "actual": None, "kind": "missing"})
            elif i >= len(expected):
                out.append({"path": sub, "expected": None, "actual": actual[i], "kind": "unexpected"})
            else:
                out += field_diff(expected[i], actual[i], sub)
        return out
    if expected == actual and isinstance(expected, bool) == isinstance(actual, bool):
        return []
    return [{"path": path or "$", "expected": expected, "actual": actual, "kind": "changed"}]


def mismatch_of(error: BaseException | None) -> Json | None:
    """The payload comparison a failing step made (an error carrying ``expected`` and ``actual``), as
    {expected, actual, fields}; None when the failure compared no payload."""
    seen = 0
    while error is not None and seen < 5:
        if hasattr(error, "expected") and hasattr(error, "actual"):
            expected = _jsonable(error.expected)
            actual = _jsonable(error.actual)
            return {"expected": expected, "actual": actual, "fields": field_diff(expected, actual)}
        error = error.__cause__
        seen += 1
    return None


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


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
    parties: list[Json] = field(default_factory=list)
    clock_seconds: float = 0.0
    steps: list[Json] = field(default_factory=list)
    failed_step: str | None = None
    known_failure: Json | None = None
    tier: str | None = None
    sections: list[str] = field(default_factory=list)
    latency: list[Json] = field(default_factory=list)
    mismatch: Json | None = None
    previous_verdict: str | None = None
    #: the scenario's place in the whole collection (before any filter): shards merge in catalogue order
    position: int | None = None

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
            "parties": self.parties,
            "clockSeconds": round(self.clock_seconds, 3),
            "steps": self.steps,
            "failedStep": self.failed_step,
            "knownFailure": self.known_failure,
            "tier": self.tier,
            "sections": self.sections,
            "latency": self.latency,
            "mismatch": self.mismatch,
            "previousVerdict": self.previous_verdict,
            "position": self.position,
        }

    @classmethod
    def from_json(cls, row: Json) -> Row:
        """A row read back from report.json (or rows.jsonl)."""
        return cls(
            id=row["id"],
            name=row["name"],
            feature=row["feature"],
            nodeid=row["nodeid"],
            tags=list(row["tags"]),
            verdict=row["verdict"],
            duration=float(row.get("duration") or 0.0),
            failure=row.get("failure"),
            reason=row.get("reason"),
            oracle_notes=list(row.get("oracleNotes") or []),
            timeline=list(row.get("timeline") or []),
            parties=list(row.get("parties") or []),
            clock_seconds=float(row.get("clockSeconds") or 0.0),
            steps=list(row.get("steps") or []),
            failed_step=row.get("failedStep"),
            known_failure=row.get("knownFailure"),
            tier=row.get("tier", tier_of(row["tags"])),
            sections=list(row.get("sections", sections_of(row["tags"]))),
            latency=list(row.get("latency") or []),
            mismatch=row.get("mismatch"),
            previous_verdict=row.get("previousVerdict"),
            position=row.get("position"),
        )


def verdict_of(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]) -> tuple[str, str | None]:
    """(verdict, reason): passed, failed, error, skipped or known-failure (passed-late is graded from a
    passing scenario's latencies, by the row builder)."""
    if report.when == "call" and KNOWN_VERDICT in item.stash:
        return item.stash[KNOWN_VERDICT]
    if report.skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        return "skipped", reason.removeprefix("Skipped: ")
    if report.failed:
        if report.when == "call" and call.excinfo is not None and isinstance(call.excinfo.value, AssertionError):
            return "failed", None
        return "error", None
    return "passed", None
