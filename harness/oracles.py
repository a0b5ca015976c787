"""Checks that run after every scenario, whether or not a step asked: the client must never lie.

Each oracle reads the scenario's journal (what the server sent and received) and the callbacks each
client instance reported, and returns violations in plain words. A violation fails the scenario:

* a callback's payload breaks the adapter ``call`` schema (or its ``raw`` breaks the wire schema);
* a callback that does not match the status it carries (``onOutgoingCallAccepted`` for ``busy``);
* a callback on the wrong side (the caller told of an incoming call, the callee of an accepted one);
* a callback with no cause: no frame from another device announced it (an echo not suppressed, or a
  fabricated event), except the caller's own ``unanswered``, which the SDK publishes from its reply;
* the same callback twice for one call on one listener, or any callback after the call ended there;
* a request the client sent that the server refused as malformed (bad JSON, schema violation).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from adapter_protocol.names import Callback
from adapter_protocol.schemas import validate
from harness import journal_view
from mockserver.probe import HttpRequest, HttpResponse, JournalEntry, WsOut

Json = dict[str, Any]

#: The statuses each callback may carry (wire facts §4, spec "Events").
CALLBACK_STATUSES: dict[str, frozenset[str]] = {
    Callback.INCOMING_CALL_RECEIVED: frozenset({"initiated"}),
    Callback.OUTGOING_CALL_ACCEPTED: frozenset({"ongoing"}),
    Callback.OUTGOING_CALL_REJECTED: frozenset({"rejected", "busy", "unanswered"}),
    Callback.INCOMING_CALL_CANCELLED: frozenset({"cancelled", "unanswered"}),
    Callback.CALL_ENDED_MESSAGE_RECEIVED: frozenset({"ended"}),
}
CALLER_SIDE = frozenset({Callback.OUTGOING_CALL_ACCEPTED, Callback.OUTGOING_CALL_REJECTED})
CALLEE_SIDE = frozenset({Callback.INCOMING_CALL_RECEIVED, Callback.INCOMING_CALL_CANCELLED})
TERMINAL = frozenset(
    {Callback.OUTGOING_CALL_REJECTED, Callback.INCOMING_CALL_CANCELLED, Callback.CALL_ENDED_MESSAGE_RECEIVED}
)
MALFORMED = frozenset({"ERR_BAD_JSON", "ERR_VALIDATION_FAILED"})


@dataclass(frozen=True)
class Subject:
    """One client instance as the oracles see it."""

    name: str
    uid: str
    tag: str
    resource: str | None


def _callback_label(report: Json) -> str:
    call = report.get("call") or {}
    return f"{report.get('callback')}(status={call.get('status')}, session={call.get('sessionId')})"


def check(journal: list[JournalEntry], subjects: Iterable[Subject], callers: dict[str, str]) -> list[str]:
    """Every violation in one scenario. ``callers`` maps session id → the uid that initiated it."""
    problems: list[str] = []
    frames = journal_view.call_frames(journal)
    requests = journal_view.requests_by_seq(journal)
    responses = journal_view.responses(journal)
    for subject in subjects:
        mine = [e["report"] for e in journal_view.callbacks(journal, tag=subject.tag)]
        problems += _payloads(subject, mine)
        problems += _meaning(subject, mine, callers)
        problems += _causes(subject, mine, frames, requests)
        problems += _sequence(subject, mine)
        problems += _malformed(subject, requests, responses)
    return problems


def server_problems(journal: list[JournalEntry]) -> list[str]:
    """Frames the mock server sent that break the wire schema: ringside's own bug (an ERROR, not a FAIL)."""
    out = []
    for entry in journal_view.call_frames(journal):
        for problem in validate("wire/ws-call-frame", entry["frame"])[:3]:
            out.append(
                f"ringside sent {entry['device']} a call frame that breaks wire/ws-call-frame at {problem.path}: {problem.message}"
            )
    return out


def _payloads(subject: Subject, reports: list[Json]) -> list[str]:
    out = []
    for report in reports:
        for problem in validate("adapter/callback", report)[:5]:
            out.append(
                f"{subject.name}: {_callback_label(report)} payload breaks the schema at {problem.path}: {problem.message}"
            )
    return out


def _meaning(subject: Subject, reports: list[Json], callers: dict[str, str]) -> list[str]:
    out = []
    for report in reports:
        name, call = report.get("callback", ""), report.get("call") or {}
        status, session = call.get("status"), call.get("sessionId")
        allowed = CALLBACK_STATUSES.get(name)
        if allowed is not None and status not in allowed:
            out.append(
                f"{subject.name}: {name} carried status {status!r}; expected one of {sorted(allowed)} "
                f"(session {session})"
            )
        caller = callers.get(str(session))
        if caller is None:
            continue
        if name in CALLER_SIDE and subject.uid != caller:
            out.append(
                f"{subject.name}: {name} fired on the callee side ({subject.uid} did not place call {session}; {caller} did)"
            )
        if name in CALLEE_SIDE and subject.uid == caller:
            out.append(f"{subject.name}: {name} fired on the caller side ({subject.uid} placed call {session} itself)")
    return out


def _causes(subject: Subject, reports: list[Json], frames: list[WsOut], requests: dict[int, HttpRequest]) -> list[str]:
    out = []
    for report in reports:
        call = report.get("call") or {}
        session, status = call.get("sessionId"), call.get("status")
        to_me = [
            f
            for f in frames
            if f.get("device") == subject.resource and f.get("sessionId") == session and f.get("status") == status
        ]
        foreign = [f for f in to_me if f["frame"].get("deviceId") != subject.resource]
        if foreign:
            continue
        if status == "unanswered" and _sent_status(subject, requests.values(), session, "unanswered"):
            continue  # the SDK publishes its own unanswered reply locally (wire facts §5)
        why = "only its own echo" if to_me else "no frame at all"
        out.append(
            f"{subject.name}: {_callback_label(report)} has no cause: the server sent {why} for that "
            f"session and status to this device (echo not suppressed, or an invented event)"
        )
    return out


def _sent_status(subject: Subject, requests: Iterable[HttpRequest], session: Any, status: str) -> bool:
    for request in requests:
        if request["method"] != "PUT" or request["headers"].get("resource") != subject.resource:
            continue
        if not request["path"].endswith(f"/calls/{session}"):
            continue
        try:
            if json.loads(request.get("body") or "{}").get("status") == status:
                return True
        except (json.JSONDecodeError, AttributeError):
            continue
    return False


def _sequence(subject: Subject, reports: list[Json]) -> list[str]:
    out = []
    seen: set[tuple[Any, ...]] = set()
    ended: dict[tuple[Any, Any], str] = {}
    for report in reports:
        call = report.get("call") or {}
        listener, session, name = report.get("listenerId"), call.get("sessionId"), report.get("callback")
        key = (listener, session, name, call.get("status"))
        if key in seen:
            out.append(f"{subject.name}: {_callback_label(report)} fired twice on listener {listener!r}")
        seen.add(key)
        if (listener, session) in ended:
            out.append(
                f"{subject.name}: {_callback_label(report)} fired on listener {listener!r} after the call "
                f"already ended there with {ended[(listener, session)]}"
            )
        elif name in TERMINAL:
            ended[(listener, session)] = str(name)
    return out


def _malformed(subject: Subject, requests: dict[int, HttpRequest], responses: list[HttpResponse]) -> list[str]:
    out = []
    for response in responses:
        error = response.get("body", {}).get("error") or {}
        if error.get("code") not in MALFORMED:
            continue
        request = requests.get(response["requestSeq"])
        if request is None or request["headers"].get("resource") != subject.resource or subject.resource is None:
            continue
        out.append(
            f"{subject.name}: sent a malformed {request.get('method')} {request.get('path')}: "
            f"{error.get('code')} {error.get('message')}"
        )
    return out
