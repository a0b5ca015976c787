"""The oracles catch what a lying client does, and stay quiet for an honest one."""

from __future__ import annotations

import json
from typing import Any

from harness.oracles import Subject, check, server_problems

SID = "v1.eu.ringside.abc"
ALICE = Subject(name="alice", uid="alice", tag="t-alice", resource="dev-a")
BOB = Subject(name="bob", uid="bob", tag="t-bob", resource="dev-b")
CALLERS = {SID: "alice"}


def call(status: str) -> dict[str, Any]:
    return {
        "sessionId": SID,
        "status": status,
        "callType": "audio",
        "receiverType": "user",
        "receiverId": "bob",
        "initiator": "alice",
        "sender": "alice",
        "action": status,
        "initiatedAt": 1,
        "joinedAt": None,
    }


def frame(seq: int, device: str, status: str, stamp: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "kind": "ws.out",
        "device": device,
        "sessionId": SID,
        "status": status,
        "frame": {"deviceId": stamp},
    }


def callback(seq: int, subject: Subject, name: str, status: str, listener: str = "main") -> dict[str, Any]:
    report = {"listenerId": listener, "callback": name, "call": call(status), "seq": seq}
    return {"seq": 100 + seq, "kind": "callback", "tag": subject.tag, "report": report}


def honest_journal() -> list[dict[str, Any]]:
    return [
        frame(1, "dev-a", "initiated", "dev-a"),
        frame(2, "dev-b", "initiated", "dev-a"),
        callback(1, BOB, "onIncomingCallReceived", "initiated"),
        frame(3, "dev-a", "ongoing", "dev-b"),
        frame(4, "dev-b", "ongoing", "dev-b"),
        callback(2, ALICE, "onOutgoingCallAccepted", "ongoing"),
    ]


def test_an_honest_exchange_has_no_violations() -> None:
    assert check(honest_journal(), [ALICE, BOB], CALLERS) == []


def test_an_unsuppressed_echo_is_caught() -> None:
    journal = [*honest_journal(), callback(3, ALICE, "onIncomingCallReceived", "initiated")]
    problems = check(journal, [ALICE, BOB], CALLERS)
    assert any("caller side" in p for p in problems)
    assert any("only its own echo" in p for p in problems)


def test_a_duplicate_callback_is_caught() -> None:
    journal = [*honest_journal(), callback(3, BOB, "onIncomingCallReceived", "initiated")]
    assert any("fired twice" in p for p in check(journal, [ALICE, BOB], CALLERS))


def test_a_callback_after_the_end_is_caught() -> None:
    journal = [
        *honest_journal(),
        frame(5, "dev-b", "ended", "dev-a"),
        callback(3, BOB, "onCallEndedMessageReceived", "ended"),
        frame(6, "dev-b", "initiated", "dev-a"),
        callback(4, BOB, "onIncomingCallReceived", "initiated"),
    ]
    assert any("after the call already ended" in p for p in check(journal, [ALICE, BOB], CALLERS))


def test_a_callback_with_the_wrong_status_is_caught() -> None:
    journal = [
        *honest_journal(),
        frame(5, "dev-a", "busy", "dev-b"),
        callback(3, ALICE, "onOutgoingCallAccepted", "busy"),
    ]
    assert any("carried status 'busy'" in p for p in check(journal, [ALICE, BOB], CALLERS))


def test_the_callers_own_unanswered_is_legitimate_when_it_sent_it() -> None:
    put = {
        "seq": 50,
        "kind": "http.request",
        "method": "PUT",
        "path": f"/v3.0/calls/{SID}",
        "headers": {"resource": "dev-a"},
        "body": json.dumps({"status": "unanswered"}),
    }
    journal = [*honest_journal()[:3], put, callback(2, ALICE, "onOutgoingCallRejected", "unanswered")]
    assert check(journal, [ALICE, BOB], CALLERS) == []


def test_a_bad_payload_is_caught() -> None:
    journal = honest_journal()
    journal[2]["report"]["call"]["callType"] = "fax"
    assert any("payload breaks the schema" in p for p in check(journal, [ALICE, BOB], CALLERS))


def test_a_malformed_request_is_caught() -> None:
    request = {
        "seq": 60,
        "kind": "http.request",
        "method": "PUT",
        "path": f"/calls/{SID}",
        "headers": {"resource": "dev-b"},
    }
    response = {
        "seq": 61,
        "kind": "http.response",
        "requestSeq": 60,
        "body": {"error": {"code": "ERR_VALIDATION_FAILED", "message": "$.status: bad", "details": {}}},
    }
    problems = check([*honest_journal(), request, response], [ALICE, BOB], CALLERS)
    assert problems == [f"bob: sent a malformed PUT /calls/{SID}: ERR_VALIDATION_FAILED $.status: bad"]


def test_a_frame_ringside_should_never_send_is_reported_as_ringsides_bug() -> None:
    bad = {
        "seq": 9,
        "kind": "ws.out",
        "device": "dev-b",
        "sessionId": SID,
        "status": "initiated",
        "frame": {"type": "message"},
    }
    problems = server_problems([bad])
    assert problems and all("ringside sent dev-b a call frame that breaks wire/ws-call-frame" in p for p in problems)
