"""Each fault kind: its effect on the wire (a real aiohttp client) and its ``fault`` journal entries."""

from __future__ import annotations

from typing import Any

from mockserver.server import MockServer

from .conftest import Client, advance, call_log, control, control_reply, journal, session_of, sid_of, status_of


def faults(server: MockServer, effect: str | None = None) -> list[dict[str, Any]]:
    return [e for e in journal(server, "fault") if effect is None or e["effect"] == effect]


async def arm(server: MockServer, **fault: Any) -> dict[str, Any]:
    armed: dict[str, Any] = (await control(server, "POST", "/faults", fault))["faults"][0]
    return armed


async def test_drop_the_next_event_of_a_status(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    fault = await arm(server, kind="drop", user="alice", status="ongoing")
    dropped = sid_of(await alice.initiate("ring-accept-1s"))
    await advance(server, 1)
    await alice.barrier()
    assert alice.call_statuses(dropped) == ["initiated"], "the accept never reaches alice"
    assert [s for s, *_ in call_log(server, dropped)] == ["initiated", "ongoing"], "but the call did become ongoing"
    [entry] = faults(server)
    assert (entry["faultId"], entry["effect"], entry["uid"], entry["sessionId"], entry["status"]) == (
        fault["id"],
        "drop",
        "alice",
        dropped,
        "ongoing",
    )
    assert not [
        e
        for e in journal(server, "ws.out")
        if e.get("sessionId") == dropped and e["status"] == "ongoing" and e["uid"] == "alice"
    ], "no ws.out for the dropped frame"
    await alice.update(dropped, "ended")
    kept = sid_of(await alice.initiate("ring-accept-1s"))  # count 1: the next one goes through
    await advance(server, 1)
    await alice.call_frame("ongoing", sid=kept)
    listed = (await control(server, "GET", "/faults"))["faults"]
    assert listed[0]["remaining"] == 0 and listed[0]["spent"] and listed[0]["fired"] == 1


async def test_delay_an_event(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await arm(server, kind="delay", user="alice", status="ongoing", by=2)
    sid = sid_of(await alice.initiate("ring-accept-1s"))
    await advance(server, 1)
    await alice.barrier()
    assert alice.call_statuses(sid) == ["initiated"]
    await advance(server, 1.999)
    await alice.barrier()
    assert alice.call_statuses(sid) == ["initiated"]
    await advance(server, 0.001)
    await alice.call_frame("ongoing", sid=sid)
    held, released = faults(server)
    assert (held["effect"], held["delay"], released["effect"]) == ("delay", 2, "delay-release")
    assert released["t"] - held["t"] == 2
    sent = [e for e in journal(server, "ws.out") if e["uid"] == "alice" and e.get("status") == "ongoing"]
    assert sent[0]["t"] == released["t"], "the frame goes out (and is journaled) when released"


async def test_duplicate_an_event(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await arm(server, kind="duplicate", user="alice", status="initiated", copies=2)
    await control(server, "POST", "/scripts", {"users": [{"uid": "carol", "calls": [{"to": "alice", "cancel": 1}]}]})
    await advance(server, 1)
    await alice.call_frame("cancelled")
    assert alice.call_statuses() == ["initiated", "initiated", "initiated", "cancelled"]
    rings = [f for f in alice.frames if status_of(f) == "initiated"]
    assert len({f["body"]["id"] for f in rings}) == 1, "the same event, three times"
    [entry] = faults(server)
    assert (entry["effect"], entry["copies"]) == ("duplicate", 2)
    assert len([e for e in journal(server, "ws.out") if e["uid"] == "alice" and e.get("status") == "initiated"]) == 3


async def test_a_late_duplicate_arrives_after_the_call_ended(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await arm(server, kind="duplicate", user="alice", status="initiated", by=3)
    await control(server, "POST", "/scripts", {"users": [{"uid": "carol", "calls": [{"to": "alice", "cancel": 1}]}]})
    await advance(server, 1)
    await alice.call_frame("cancelled")
    assert alice.call_statuses() == ["initiated", "cancelled"], "the copy is not there yet"
    await advance(server, 2)
    await alice.barrier()
    assert alice.call_statuses() == ["initiated", "cancelled", "initiated"], "the copy comes 3 s after the original"
    assert [(e["effect"], e.get("delay")) for e in faults(server)] == [("duplicate", 3), ("late-copy-release", None)]


async def test_reorder_two_events(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await arm(server, kind="reorder", user="alice", status="initiated")
    await control(server, "POST", "/scripts", {"users": [{"uid": "carol", "calls": [{"to": "alice", "cancel": 1}]}]})
    await advance(server, 0)
    await alice.barrier()
    assert alice.call_statuses() == [], "the ring is held back"
    await advance(server, 1)
    await alice.call_frame("initiated")
    assert alice.call_statuses() == ["cancelled", "initiated"], "the cancel overtook the ring"
    assert [e["effect"] for e in faults(server)] == ["reorder-hold", "reorder-release"]
    assert faults(server)[1]["after"] == "cancelled"


async def test_reorder_releases_a_lonely_frame_after_hold(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await arm(server, kind="reorder", user="alice", status="initiated", hold=3)
    await control(server, "POST", "/scripts", {"users": [{"uid": "carol", "calls": [{"to": "alice"}]}]})
    await advance(server, 2.9)
    await alice.barrier()
    assert alice.call_statuses() == []
    await advance(server, 0.1)
    await alice.call_frame("initiated")


async def test_close_when_ringing_and_refuse_reconnects(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await arm(server, kind="close", user="alice", status="initiated", refuse=5)
    await control(server, "POST", "/scripts", {"users": [{"uid": "carol", "calls": [{"to": "alice", "at": 1}]}]})
    await advance(server, 1)
    await alice.call_frame("initiated")  # the ring arrives first ...
    await alice.closed.wait()  # ... then the socket closes
    assert alice.close_code == 4000
    close = faults(server, "close")[0]
    assert close["uid"] == "alice" and close["status"] == "initiated" and close["refuseUntil"] == close["t"] + 5
    refused = await alice.connect()
    assert refused["body"]["error"]["code"] == "ERR_RECONNECT_REFUSED"
    await alice.closed.wait()
    assert faults(server, "reconnect-refused")[0]["uid"] == "alice"
    assert (await control(server, "GET", "/faults"))["refusals"][0]["uid"] == "alice"
    await advance(server, 5)
    welcome = await alice.connect()
    assert welcome["body"]["code"] == "200", "after the refusal window alice is back"
    sid = session_of(next(f for f in alice.frames if status_of(f) == "initiated"))
    await alice.update(str(sid), "ongoing")
    await alice.call_frame("ongoing", sid=sid)


async def test_close_at_a_time(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await arm(server, kind="close", user="alice", at=3)
    await advance(server, 2.999)
    await alice.barrier()
    assert not alice.closed.is_set()
    await advance(server, 0.001)
    await alice.closed.wait()
    assert faults(server, "close")[0]["conns"] and faults(server, "close")[0]["refuseUntil"] is None
    assert (await alice.connect())["body"]["code"] == "200", "no refusal window asked for"


async def test_close_at_once(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await arm(server, kind="close", user="alice", refuse="1m")
    await alice.closed.wait()
    assert (await alice.connect())["body"]["error"]["code"] == "ERR_RECONNECT_REFUSED"


async def test_a_fault_for_one_device_only(server: MockServer, connect: Any) -> None:
    phone: Client = await connect(server, "alice", "WEB-phone")
    laptop: Client = await connect(server, "alice", "WEB-laptop")
    await arm(server, kind="drop", user="alice", device="WEB-laptop", status="ongoing")
    sid = sid_of(await phone.initiate("ring-accept-1s"))
    await advance(server, 1)
    await phone.call_frame("ongoing", sid=sid)
    await laptop.barrier()
    assert laptop.call_statuses(sid) == ["initiated"]
    assert faults(server)[0]["device"] == "WEB-laptop"


async def test_a_dropped_ring_is_never_answered_by_a_scripted_user(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    await arm(server, kind="drop", user="ring-accept-1s", status="initiated")
    sid = sid_of(await alice.initiate("ring-accept-1s"))
    await advance(server, 10)
    assert [s for s, *_ in call_log(server, sid)] == ["initiated"]
    assert faults(server)[0]["device"] == "script-ring-accept-1s"


async def test_faults_from_a_script_and_their_control_api(server: MockServer, connect: Any) -> None:
    alice: Client = await connect(server, "alice")
    loaded = await control(
        server,
        "POST",
        "/scripts",
        {"faults": [{"kind": "drop", "user": "alice", "status": "rejected"}, {"kind": "drop", "user": "bob"}]},
    )
    listed = (await control(server, "GET", "/faults"))["faults"]
    assert [f["id"] for f in listed] == loaded["faults"]
    assert {f["source"] for f in listed} == {f"script:{loaded['id']}"}
    assert await control(server, "DELETE", f"/faults/{listed[1]['id']}") == {"removed": [listed[1]["id"]]}
    sid = sid_of(await alice.initiate("ring-reject-1s"))
    await advance(server, 1)
    await alice.barrier()
    assert alice.call_statuses(sid) == ["initiated"]
    assert faults(server)[0]["effect"] == "drop"
    await control(server, "DELETE", "/faults")
    assert (await control(server, "GET", "/faults"))["faults"] == []
    missing = await control_reply(server, "DELETE", "/faults/f99")
    assert missing["error"]["code"] == "ERR_ENDPOINT_NOT_FOUND"


async def test_bad_faults_are_refused_with_paths(server: MockServer) -> None:
    reply = await control_reply(server, "POST", "/faults", {"kind": "delay", "user": "alice"})
    assert reply["error"]["code"] == "ERR_SCRIPT_INVALID"
    assert reply["error"]["details"]["problems"] == [{"path": "faults[0]", "message": "missing required key 'by'"}]
    reply = await control_reply(server, "POST", "/faults", {"faults": [{"kind": "close", "user": "a", "copies": 2}]})
    assert reply["error"]["details"]["problems"][0]["message"] == "'copies' applies only to duplicate faults"
