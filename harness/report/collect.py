"""Turn pytest reports into compliance rows: verdict, failure, tags, duration, timeline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness import journal_view
from mockserver.probe import JournalEntry

Json = dict[str, Any]
#: Journal kinds a scenario's timeline keeps (enough to draw a sequence diagram).
TIMELINE_KINDS = ("call", "callback", "http.request", "http.response", "ws.out", "fault", "script", "timer")
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


def scenario_tags(item: pytest.Item) -> list[str]:
    """The Gherkin tags of a scenario item, sorted (pytest-bdd keeps them in a set: no order of their own)."""
    return sorted(str(m.args[0]) for m in item.iter_markers("ringside_tag"))


def stable_id(item: pytest.Item) -> str:
    """The scenario's stable id (its ``@id-…`` tag), else its node id."""
    for tag in scenario_tags(item):
        if tag.startswith("id-"):
            return tag.removeprefix("id-")
    return item.nodeid


def timeline(journal: Sequence[JournalEntry]) -> list[Json]:
    """The journal entries a sequence diagram needs, each reduced to its essentials.

    Kept: client requests (with the acting device and, for call updates, the status asked for), error
    replies, call frames out, call changes, callbacks, faults, script actions and timers. Dropped: the
    control API's own traffic, successful replies, pings, pongs and auth frames.
    """
    # The diagram reads any kind's fields by name, so it works on plain dicts.
    requests: dict[int, Json] = {seq: dict(e) for seq, e in journal_view.requests_by_seq(journal).items()}
    rows = []
    for typed in journal:
        entry: Json = dict(typed)
        if entry["kind"] not in TIMELINE_KINDS or _is_noise(entry, requests):
            continue
        row = compact(entry)
        if entry["kind"] == "http.response":  # an error goes back to the device that asked
            request = requests.get(entry.get("requestSeq", -1), {})
            row["device"] = (request.get("headers") or {}).get("resource")
        rows.append(row)
    return rows


def _is_noise(entry: Json, requests: dict[int, Json]) -> bool:
    kind = entry["kind"]
    if kind == "http.request":
        return str(entry.get("path", "")).startswith("/_ringside") or entry.get("method") == "OPTIONS"
    if kind == "http.response":
        request = requests.get(entry.get("requestSeq", -1), {})
        return "error" not in (entry.get("body") or {}) or str(request.get("path", "")).startswith("/_ringside")
    if kind == "ws.out":
        return not entry.get("sessionId")
    return False


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
        "effect",
    )
    row = {k: entry[k] for k in keep if entry.get(k) is not None}
    if entry["kind"] == "http.request":
        row["device"] = (entry.get("headers") or {}).get("resource")
        try:
            move = json.loads(entry.get("body") or "{}").get("status")
        except (json.JSONDecodeError, AttributeError):
            move = None
        if move is not None:
            row["move"] = move
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
    parties: list[Json] = field(default_factory=list)
    clock_seconds: float = 0.0
    steps: list[Json] = field(default_factory=list)
    failed_step: str | None = None
    known_failure: Json | None = None

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
        }


def verdict_of(item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]) -> tuple[str, str | None]:
    """(verdict, reason): passed, failed, error, skipped or known-failure."""
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
