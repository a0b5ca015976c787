"""The unmodified @cometchat/chat-sdk-javascript@4.2.0, two SDK processes, against `ringside serve` with TLS.

Each test runs one ringing flow for real (real clock) and checks that every listener callback arrived
on the right side, once, with the right status — and nothing else arrived.
"""

from __future__ import annotations

from typing import Any

import pytest

from adapter_protocol.client import ClientInstance

pytestmark = pytest.mark.node


def names(reports: list[dict[str, Any]]) -> list[str]:
    return [f"{r['callback']}:{r['call']['status']}" for r in reports]


def settled(served: Any, instance: ClientInstance, count: int) -> list[str]:
    """The callbacks of ``instance`` once it has at least ``count`` and has received every frame sent to it."""
    served.callbacks(instance.tag, count)
    resource = instance.ok("sync")["resource"]
    sent = sum(d["framesSent"] for d in served.control("GET", "/devices")["data"] if d["resource"] == resource)
    assert instance.ok("sync", {"atLeast": sent})["framesReceived"] >= sent
    return names(served.callbacks(instance.tag, 0))


def test_accept_then_caller_ends(served: Any, sdk: Any) -> None:
    alice, bob = sdk("alice"), sdk("bob")
    call = alice.ok("initiateCall", {"receiver": "bob", "receiverType": "user", "callType": "video"})
    assert call["status"] == "initiated" and call["sessionId"].startswith("v1.")
    assert settled(served, bob, 1) == ["onIncomingCallReceived:initiated"]
    accepted = bob.ok("acceptCall", {"sessionId": call["sessionId"]})
    assert accepted["status"] == "ongoing" and accepted["joinedAt"]
    assert settled(served, alice, 1) == ["onOutgoingCallAccepted:ongoing"]
    alice.ok("endCall", {"sessionId": call["sessionId"]})
    assert settled(served, bob, 2) == ["onIncomingCallReceived:initiated", "onCallEndedMessageReceived:ended"]
    assert settled(served, alice, 1) == ["onOutgoingCallAccepted:ongoing"]
    assert alice.ok("getActiveCall") is None


def test_accept_then_callee_ends(served: Any, sdk: Any) -> None:
    alice, bob = sdk("alice"), sdk("bob")
    call = alice.ok("initiateCall", {"receiver": "bob", "receiverType": "user", "callType": "audio"})
    settled(served, bob, 1)
    bob.ok("acceptCall", {"sessionId": call["sessionId"]})
    settled(served, alice, 1)
    bob.ok("endCall", {"sessionId": call["sessionId"]})
    assert settled(served, alice, 2) == ["onOutgoingCallAccepted:ongoing", "onCallEndedMessageReceived:ended"]
    assert settled(served, bob, 1) == ["onIncomingCallReceived:initiated"]


@pytest.mark.parametrize("status", ["rejected", "busy"])
def test_reject_and_busy(served: Any, sdk: Any, status: str) -> None:
    alice, bob = sdk("alice"), sdk("bob")
    call = alice.ok("initiateCall", {"receiver": "bob", "receiverType": "user", "callType": "audio"})
    settled(served, bob, 1)
    bob.ok("rejectCall", {"sessionId": call["sessionId"], "status": status})
    assert settled(served, alice, 1) == [f"onOutgoingCallRejected:{status}"]
    assert settled(served, bob, 1) == ["onIncomingCallReceived:initiated"]
    assert served.control("GET", f"/calls/{call['sessionId']}")["data"]["status"] == status


def test_cancel(served: Any, sdk: Any) -> None:
    alice, bob = sdk("alice"), sdk("bob")
    call = alice.ok("initiateCall", {"receiver": "bob", "receiverType": "user", "callType": "audio"})
    settled(served, bob, 1)
    alice.ok("rejectCall", {"sessionId": call["sessionId"], "status": "cancelled"})
    assert settled(served, bob, 2) == ["onIncomingCallReceived:initiated", "onIncomingCallCancelled:cancelled"]
    assert settled(served, alice, 0) == []


def test_unanswered_after_custom_timeout(served: Any, sdk: Any) -> None:
    alice, bob = sdk("alice"), sdk("bob")
    call = alice.ok("initiateCall", {"receiver": "bob", "receiverType": "user", "callType": "audio", "timeout": 3})
    settled(served, bob, 1)
    assert settled(served, alice, 1) == ["onOutgoingCallRejected:unanswered"]
    assert settled(served, bob, 2) == ["onIncomingCallReceived:initiated", "onIncomingCallCancelled:unanswered"]
    journal = served.control("GET", "/journal?kind=call")["data"]["entries"]
    times = {e["status"]: e["t"] for e in journal if e["sessionId"] == call["sessionId"]}
    assert 2.9 <= times["unanswered"] - times["initiated"] <= 3.6, times


def test_second_initiate_while_active_is_refused_locally(served: Any, sdk: Any) -> None:
    alice, _bob = sdk("alice"), sdk("bob")
    first = alice.ok("initiateCall", {"receiver": "bob", "receiverType": "user", "callType": "audio"})
    second = alice.command("initiateCall", {"receiver": "bob", "receiverType": "user", "callType": "audio"})
    assert not second.ok and second.error_code == "CALL_ALREADY_INITIATED"
    alice.ok("rejectCall", {"sessionId": first["sessionId"], "status": "cancelled"})


def test_unknown_session_gives_the_servers_error_envelope(served: Any, sdk: Any) -> None:
    bob = sdk("bob")
    result = bob.command("acceptCall", {"sessionId": "v1.eu.ringside.doesnotexist"})
    assert not result.ok
    assert result.error is not None and result.error["code"] == "ERR_CALL_NOT_FOUND"
    assert result.error["details"] == {"sessionId": "v1.eu.ringside.doesnotexist"}


def test_a_quiet_instances_replies_carry_what_sync_would_say(served: Any, sdk: Any) -> None:
    """Every command's reply may carry sync's counts (``counts``, optional in the protocol): the adapter
    gives them when the instance is quiet as the reply goes, as ``sync`` would count them."""
    alice, bob = sdk("alice"), sdk("bob")
    placed = alice.command("initiateCall", {"receiver": "bob", "receiverType": "user", "callType": "audio"})
    assert placed.ok and placed.counts is not None
    assert alice.counted == (len(alice.commands), placed.counts["framesReceived"])
    synced = alice.ok("sync")
    assert placed.counts["resource"] == synced["resource"]
    assert placed.counts["framesReceived"] <= synced["framesReceived"]
    settled(served, bob, 1)
    asked = bob.command("getActiveCall")
    assert asked.counts is not None and asked.counts["callbacksSent"] == 1  # onIncomingCallReceived, reported
    synced = bob.ok("sync")
    assert (asked.counts["resource"], asked.counts["callbacksSent"]) == (synced["resource"], synced["callbacksSent"])
    assert asked.counts["framesReceived"] <= synced["framesReceived"]
