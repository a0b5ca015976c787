"""The unmodified JS SDK against scripted remote users of `ringside serve`, in real time.

An app developer calls a magic uid and ringside answers like a person would, on time; a scripted
caller rings the SDK user and gives up.
"""

from __future__ import annotations

from typing import Any

import pytest

from adapter_protocol.client import ClientInstance

pytestmark = pytest.mark.node


def call(alice: ClientInstance, receiver: str, timeout: int | None = None) -> str:
    params: dict[str, Any] = {"receiver": receiver, "receiverType": "user", "callType": "audio"}
    if timeout is not None:
        params["timeout"] = timeout
    sid: str = alice.ok("initiateCall", params)["sessionId"]
    return sid


def wall_of(served: Any, kind: str, **match: Any) -> float:
    entries = served.control("GET", f"/journal?kind={kind}")["data"]["entries"]
    hits = [e for e in entries if all(e.get(k) == v for k, v in match.items())]
    assert hits, f"no {kind} entry with {match}"
    return float(hits[0]["wall"])


def test_ring_accept_2s_answers_two_seconds_after_initiating(served: Any, sdk: Any) -> None:
    alice = sdk("alice")
    sid = call(alice, "ring-accept-2s")
    reports = served.callbacks(alice.tag, 1, wait=6)
    assert [(r["callback"], r["call"]["status"]) for r in reports] == [("onOutgoingCallAccepted", "ongoing")]
    initiated = wall_of(served, "call", sessionId=sid, status="initiated")
    accepted = wall_of(served, "callback", tag=alice.tag, callback="onOutgoingCallAccepted")
    # never early; late by at most what a loaded CI machine may add (make bench measures the accuracy)
    assert 2.0 - 0.001 <= accepted - initiated <= 2.0 + 0.3, f"accepted {accepted - initiated:.3f} s after initiating"


def test_ring_busy_1s_rejects_with_busy(served: Any, sdk: Any) -> None:
    alice = sdk("alice")
    call(alice, "ring-busy-1s")
    reports = served.callbacks(alice.tag, 1, wait=5)
    assert [(r["callback"], r["call"]["status"]) for r in reports] == [("onOutgoingCallRejected", "busy")]


def test_ring_noanswer_with_a_3s_timeout_is_unanswered(served: Any, sdk: Any) -> None:
    alice = sdk("alice")
    call(alice, "ring-noanswer", timeout=3)
    reports = served.callbacks(alice.tag, 1, wait=6)
    assert [(r["callback"], r["call"]["status"]) for r in reports] == [("onOutgoingCallRejected", "unanswered")]


def test_ring_accept_1s_end_2s_accepts_then_ends(served: Any, sdk: Any) -> None:
    alice = sdk("alice")
    call(alice, "ring-accept-1s-end-2s")
    reports = served.callbacks(alice.tag, 2, wait=6)
    assert [(r["callback"], r["call"]["status"]) for r in reports] == [
        ("onOutgoingCallAccepted", "ongoing"),
        ("onCallEndedMessageReceived", "ended"),
    ]


def test_a_scripted_caller_rings_and_cancels(served: Any, sdk: Any) -> None:
    bob = sdk("bob")
    script = {"version": 1, "users": [{"uid": "dora", "calls": [{"to": "bob", "at": 0.2, "cancel": 1}]}]}
    served.control("POST", "/scripts", script)
    reports = served.callbacks(bob.tag, 2, wait=6)
    assert [(r["callback"], r["call"]["status"], r["call"]["initiator"]) for r in reports] == [
        ("onIncomingCallReceived", "initiated", "dora"),
        ("onIncomingCallCancelled", "cancelled", "dora"),
    ]
    served.control("DELETE", "/scripts")
