"""Scripted callers over the wire: call at T, cancel after T, unanswered after T, end after T, groups."""

from __future__ import annotations

from typing import Any

from mockserver.server import MockServer

from .conftest import Client, advance, call_log, control, journal, session_of, status_of


async def post_calls(server: MockServer, uid: str, *calls: dict[str, Any], answer: Any = None) -> None:
    user: dict[str, Any] = {"uid": uid, "calls": list(calls)}
    if answer is not None:
        user["answer"] = answer
    await control(server, "POST", "/scripts", {"users": [user]})


async def test_call_at_then_cancel(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await post_calls(server, "carol", {"to": "alice", "at": 5, "type": "video", "cancel": 3})
    await advance(server, 4.999)
    await alice.barrier()
    assert alice.call_statuses() == []
    await advance(server, 0.001)
    ring = await alice.call_frame("initiated")
    assert ring["deviceId"] == "script-carol"
    assert ring["body"]["type"] == "video" and ring["body"]["sender"] == "carol"
    sid = session_of(ring)
    await advance(server, 3)
    await alice.call_frame("cancelled", sid=sid)
    start = journal(server, "call")[0]["t"]
    assert [(s, a, e["t"] - start) for (s, a, _), e in zip(call_log(server), journal(server, "call"), strict=True)] == [
        ("initiated", "carol", 0),
        ("cancelled", "carol", 3),
    ]


async def test_unanswered_after_t_like_the_sdk_ring_timer(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await post_calls(server, "carol", {"to": "alice", "at": "1s", "unanswered": "45s"})
    await advance(server, 1)
    sid = session_of(await alice.call_frame("initiated"))
    await advance(server, 45)
    frame = await alice.call_frame("unanswered", sid=sid)
    assert frame["body"]["data"]["entities"]["by"]["entity"]["uid"] == "carol"


async def test_end_after_the_callee_accepts(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await post_calls(server, "carol", {"to": "alice", "cancel": 10, "end": "2s"})
    await advance(server, 0)
    sid = str(session_of(await alice.call_frame("initiated")))
    await advance(server, 4)
    assert (await alice.update(sid, "ongoing"))["data"]["data"]["entities"]["on"]["entity"]["status"] == "ongoing"
    await advance(server, 1.999)
    await alice.barrier()
    assert "ended" not in alice.call_statuses(sid)
    await advance(server, 0.001)
    await alice.call_frame("ended", sid=sid)
    await advance(server, 60)  # the cancel planned for t=10 was dropped when alice accepted
    assert [s for s, *_ in call_log(server, sid)] == ["initiated", "ongoing", "ended"]
    assert not [e for e in journal(server, "script") if e["event"] == "refused"]


async def test_a_scripted_caller_and_a_scripted_callee_in_one_advance(server: MockServer) -> None:
    await post_calls(server, "carol", {"to": "ring-accept-1s", "at": 10, "end": 5})
    result = await advance(server, 3600)
    assert [label.split(":")[2] for label in result["fired"]] == ["call", "accept", "end"]
    assert [(s, a) for s, a, _ in call_log(server)] == [
        ("initiated", "carol"),
        ("ongoing", "ring-accept-1s"),
        ("ended", "carol"),
    ]
    assert [e["t"] - server.now() + 3600 for e in journal(server, "call")] == [10, 11, 16]


async def test_group_call_by_a_scripted_caller(server: MockServer, connect: Any) -> None:
    await control(
        server,
        "POST",
        "/scripts",
        {
            "users": [
                {"uid": "dave", "calls": [{"to": "team", "receiverType": "group", "type": "video", "end": 2}]},
                {"uid": "bob", "answer": "accept-1s"},
            ],
            "groups": [{"guid": "team", "members": ["dave", "alice", "bob"]}],
        },
    )
    alice: Client = await connect(server, "alice")
    await advance(server, 0)
    ring = await alice.call_frame("initiated")
    assert ring["body"]["receiverType"] == "group" and ring["body"]["receiver"] == "team"
    sid = session_of(ring)
    await advance(server, 1)
    await alice.call_frame("ongoing", sid=sid)
    await advance(server, 2)
    ended = await alice.call_frame("ended", sid=sid)
    assert ended["deviceId"] == "script-dave"


async def test_repeated_calls(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await post_calls(server, "carol", {"to": "alice", "at": 60, "cancel": 1, "count": 3, "every": "10m"})
    await advance(server, 3 * 600)
    await alice.barrier()
    assert alice.call_statuses() == ["initiated", "cancelled"] * 3
    start = server.now() - 1800
    assert [e["t"] - start for e in journal(server, "call") if e["status"] == "initiated"] == [60, 660, 1260]


async def test_a_refused_call_is_journaled(server: MockServer) -> None:
    await post_calls(server, "carol", {"to": "nobody"})
    await advance(server, 1)
    refused = [e for e in journal(server, "script") if e["event"] == "refused"]
    assert refused[0]["code"] == "ERR_RECEIVER_NOT_FOUND"
    assert journal(server, "call") == []


async def test_a_scripted_user_both_calls_and_answers(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await post_calls(server, "carol", {"to": "alice", "at": 10, "cancel": 5}, answer="reject-1s")
    first = await alice.initiate("carol")
    await advance(server, 1)
    await alice.call_frame("rejected", sid=first["data"]["data"]["entities"]["on"]["entity"]["sessionid"])
    await advance(server, 9)
    ring = await alice.wait_for(
        lambda f: status_of(f) == "initiated" and f["deviceId"] == "script-carol", what="carol's ring"
    )
    await advance(server, 5)
    await alice.call_frame("cancelled", sid=session_of(ring))
