"""Scripted callees over the wire: magic ids, scripted answers, per-call sequences, group members.

alice is a real aiohttp client logged in through REST; the callee is scripted. The clock is virtual,
so each test checks the exact moment an answer lands (not a moment before, and in the same advance).
"""

from __future__ import annotations

from typing import Any

from mockserver.server import MockServer

from .conftest import Client, advance, call_log, control, journal, sid_of, status_of


async def test_ring_accept_2s_answers_at_2s_through_the_hub(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    sid = sid_of(await alice.initiate("ring-accept-2s"))
    await advance(server, 1.999)
    await alice.barrier()
    assert alice.call_statuses(sid) == ["initiated"], "nothing before 2 s (alice hears her own echo only)"
    fired = await advance(server, 0.001)
    assert any(label.startswith("script:ring-accept-2s:accept") for label in fired["fired"])
    frame = await alice.call_frame("ongoing", sid=sid)
    assert frame["deviceId"] == "script-ring-accept-2s", "stamped with the scripted device (echo rule)"
    assert frame["body"]["data"]["entities"]["by"]["entity"]["uid"] == "ring-accept-2s"
    assert call_log(server, sid) == [
        ("initiated", "alice", alice.resource),
        ("ongoing", "ring-accept-2s", "script-ring-accept-2s"),
    ]
    # The journal shows the scripted device like any device: the ring it heard, then its move.
    entries = journal(server, "ws.out", "script", "call")
    heard = next(
        i for i, e in enumerate(entries) if e["kind"] == "ws.out" and e.get("device") == "script-ring-accept-2s"
    )
    moved = next(i for i, e in enumerate(entries) if e["kind"] == "call" and e["actor"] == "ring-accept-2s")
    assert heard < moved
    accepted = entries[moved]
    assert accepted["t"] - entries[0]["t"] == 2.0


async def test_reject_busy_and_noanswer(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    rejected = sid_of(await alice.initiate("ring-reject-0.5s"))
    await advance(server, 0.5)
    frame = await alice.call_frame("rejected", sid=rejected)
    assert frame["deviceId"] == "script-ring-reject-0.5s"

    busy = sid_of(await alice.initiate("ring-busy-1s"))
    await advance(server, 1)
    await alice.call_frame("busy", sid=busy)

    silent = sid_of(await alice.initiate("ring-noanswer"))
    await advance(server, 3600)
    await alice.barrier()
    assert alice.call_statuses(silent) == ["initiated"], "a noanswer user never answers"
    # The caller's ring timer gives up, as the SDK's does; the scripted user takes it quietly.
    await alice.update(silent, "unanswered")
    await alice.call_frame("unanswered", sid=silent)
    assert [s for s, *_ in call_log(server, silent)] == ["initiated", "unanswered"]


async def test_accept_then_end(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    sid = sid_of(await alice.initiate("ring-accept-1s-end-2s"))
    result = await advance(server, 10)  # one advance: the end is planned by the accept, and still fires
    assert [label.split(":")[2] for label in result["fired"]] == ["accept", "end"]
    await alice.call_frame("ended", sid=sid)
    log = journal(server, "call")
    assert [(e["status"], e["t"] - log[0]["t"]) for e in log] == [("initiated", 0), ("ongoing", 1), ("ended", 3)]


async def test_the_caller_hangs_up_first(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    sid = sid_of(await alice.initiate("ring-accept-5s"))
    await advance(server, 1)
    await alice.update(sid, "cancelled")
    await advance(server, 10)
    events = [e["event"] for e in journal(server, "script") if e.get("uid") == "ring-accept-5s"]
    assert "act" not in events and "refused" not in events, "the planned accept was dropped when the call ended"


async def test_magic_sequence_first_busy_then_accept(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    first = sid_of(await alice.initiate("ring-busy-1s-then-accept-1s"))
    await advance(server, 1)
    await alice.call_frame("busy", sid=first)
    for _ in range(2):  # the last step repeats
        again = sid_of(await alice.initiate("ring-busy-1s-then-accept-1s"))
        await advance(server, 1)
        await alice.call_frame("ongoing", sid=again)
        await alice.update(again, "ended")


async def test_scripted_sequence_per_call(server: MockServer, connect: Any) -> None:
    await control(
        server,
        "POST",
        "/scripts",
        {"users": [{"uid": "bob", "answer": [{"busy": 0.5}, {"accept": 1, "end": 10}]}]},
    )
    alice: Client = await connect(server, "alice")
    first = sid_of(await alice.initiate("bob"))
    await advance(server, 0.5)
    busy = await alice.call_frame("busy", sid=first)
    assert busy["deviceId"] == "script-bob"
    second = sid_of(await alice.initiate("bob"))
    await advance(server, 1)
    await alice.call_frame("ongoing", sid=second)
    await advance(server, 9.999)
    await alice.barrier()
    assert "ended" not in alice.call_statuses(second)
    await advance(server, 0.001)
    await alice.call_frame("ended", sid=second)


async def test_drawn_delays_are_seeded(make_server: Any, connect: Any) -> None:
    async def accept_times(seed: int) -> list[float]:
        server = make_server(clock="virtual", users=["alice"])
        await control(
            server,
            "POST",
            "/scripts",
            {"seed": seed, "users": [{"uid": "erin", "answer": {"accept": {"uniform": [1, 3]}, "end": 0}}]},
        )
        alice: Client = await connect(server, "alice")
        times = []
        for _ in range(3):
            sid = sid_of(await alice.initiate("erin"))
            start = server.now()
            await advance(server, 5)
            accepted = next(e for e in journal(server, "call") if e["sessionId"] == sid and e["status"] == "ongoing")
            times.append(round(accepted["t"] - start, 6))
        return times

    first, again, other = await accept_times(1), await accept_times(1), await accept_times(2)
    assert first == again
    assert first != other
    assert all(1 <= t <= 3 for t in first + other)


async def test_a_magic_user_exists_once_logged_in(server: MockServer, connect: Any) -> None:
    magic: Client = await connect(server, "ring-accept-1s")  # a real device logs in as the magic user
    users = {u["uid"]: u for u in await control(server, "GET", "/users")}
    assert "script-ring-accept-1s" in users["ring-accept-1s"]["devices"]
    scripted = {u["uid"]: u for u in (await control(server, "GET", "/scripts"))["users"]}
    assert scripted["ring-accept-1s"]["answer"] == "accept-1s"
    bob: Client = await connect(server, "bob")
    sid = sid_of(await bob.initiate("ring-accept-1s"))
    await magic.call_frame("initiated", sid=sid)
    await advance(server, 1)
    await bob.call_frame("ongoing", sid=sid)


async def test_bad_magic_ids_are_refused_with_the_reason(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    reply = await alice.initiate("ring-acept-2s")
    assert reply["error"]["code"] == "ERR_RECEIVER_NOT_FOUND"
    refused = [e for e in journal(server, "script") if e["event"] == "magic-id-refused"]
    assert refused and "unknown action 'acept'" in refused[0]["message"]
    async with alice.http.post(
        f"{server.url}/users/ring-accept-2/auth_tokens",
        json={},
        headers={"apiKey": server.config.api_key},
    ) as login:
        error = (await login.json())["error"]
    assert error["code"] == "ERR_SCRIPT_INVALID"
    assert "accept needs a delay in seconds such as accept-2s" in error["message"]


async def test_magic_users_can_be_switched_off(make_server: Any, connect: Any) -> None:
    server = make_server(clock="virtual", users=["alice"], magic_users=False)
    alice: Client = await connect(server, "alice")
    assert (await alice.initiate("ring-accept-1s"))["error"]["code"] == "ERR_RECEIVER_NOT_FOUND"


async def test_group_members_each_with_their_own_behaviour(server: MockServer, connect: Any) -> None:
    await control(
        server,
        "POST",
        "/scripts",
        {
            "users": [{"uid": "bob", "answer": "accept-3s"}, {"uid": "carol", "answer": "reject-1s"}],
            "groups": [{"guid": "team", "members": ["alice", "bob", "carol", "ring-accept-2s", "ring-busy-1s"]}],
        },
    )
    alice: Client = await connect(server, "alice")
    sid = sid_of(await alice.initiate("team", receiver_type="group"))
    await advance(server, 1)
    await alice.barrier()
    assert alice.call_statuses(sid) == ["initiated"], "a member's decline is heard by that member only"
    await advance(server, 1)
    ongoing = await alice.call_frame("ongoing", sid=sid)
    assert ongoing["body"]["data"]["entities"]["by"]["entity"]["uid"] == "ring-accept-2s"
    await advance(server, 1)  # bob joins the ongoing call
    moves = [(e["event"], e["actor"], e["t"] - server.now() + 3) for e in journal(server, "call")]
    assert moves == [
        ("StatusChanged", "alice", 0),
        ("MemberDeclined", "carol", 1),
        ("MemberDeclined", "ring-busy-1s", 1),
        ("StatusChanged", "ring-accept-2s", 2),
        ("MemberJoined", "bob", 3),
    ]
    call = await control(server, "GET", f"/calls/{sid}")
    assert call["participants"] == ["ring-accept-2s", "bob"]
    assert call["declines"] == {"carol": "rejected", "ring-busy-1s": "busy"}
    await alice.barrier()
    assert alice.call_statuses(sid) == ["initiated", "ongoing"]


async def test_a_group_member_ends_the_call(server: MockServer, connect: Any) -> None:
    await control(
        server, "POST", "/scripts", {"groups": [{"guid": "duo", "members": ["alice", "ring-accept-1s-end-2s"]}]}
    )
    alice: Client = await connect(server, "alice")
    sid = sid_of(await alice.initiate("duo", receiver_type="group"))
    await advance(server, 3)
    ended = await alice.call_frame("ended", sid=sid)
    assert status_of(ended) == "ended"
    assert ended["deviceId"] == "script-ring-accept-1s-end-2s"


async def test_an_answer_to_a_call_that_ended_unheard_is_refused_and_journaled(
    server: MockServer, connect: Any
) -> None:
    # carol never hears the cancel (a fault drops it), so she still accepts; the state machine refuses.
    await control(
        server,
        "POST",
        "/scripts",
        {
            "users": [{"uid": "carol", "answer": "accept-2s"}],
            "faults": [{"kind": "drop", "user": "carol", "status": "cancelled"}],
        },
    )
    alice: Client = await connect(server, "alice")
    sid = sid_of(await alice.initiate("carol"))
    await advance(server, 1)
    await alice.update(sid, "cancelled")
    await advance(server, 5)
    carol = [e for e in journal(server, "script") if e.get("uid") == "carol"]
    assert [e["event"] for e in carol][-2:] == ["act", "refused"]
    assert carol[-1]["code"] == "ERR_CALL_ALREADY_ENDED"
    assert [s for s, *_ in call_log(server, sid)] == ["initiated", "cancelled"]
