"""Time: an hour of script in well under a second of virtual time, in the same order as on a scaled
clock; and on the real clock a scripted answer is never early and lands within LATE_SLACK of its due time.
How close it lands is measured, not asserted here: ``make bench`` prints the accuracy (p50/p99)."""

from __future__ import annotations

import time
from typing import Any

from mockserver.server import MockServer

from .conftest import Client, advance, control, journal, sid_of

#: Delays sum to over an hour (3,950-3,970 s). Moments that do not cause each other are ≥ 25
#: clock-seconds apart (≥ 125 ms of real time on scaled:200), so loop jitter cannot reorder them.
HOUR_SCRIPT: dict[str, Any] = {
    "description": "an hour of scripted calls",
    "seed": 11,
    "users": [
        {"uid": "bob", "answer": [{"busy": 30}, {"accept": 40, "end": 300}]},
        {
            "uid": "carol",
            "calls": [
                {"to": "bob", "at": 10},
                {"to": "bob", "at": 100},
                {"to": "alice", "at": 500, "cancel": 60},
                {"to": "ring-accept-20s-end-100s", "at": 600},
            ],
        },
        {"uid": "dave", "calls": [{"to": "team", "receiverType": "group", "at": 800, "end": 200}]},
        {
            "uid": "erin",
            "answer": {"accept": {"uniform": [40, 60]}},
            "calls": [{"to": "alice", "at": 1100, "unanswered": 45}],
        },
    ],
    "groups": [{"guid": "team", "members": ["dave", "alice", "erin", "ring-reject-5s"]}],
    "faults": [{"kind": "duplicate", "user": "alice", "status": "initiated"}],
}
LAST_MOMENT = 1145


def timeline(server: MockServer) -> list[tuple[Any, ...]]:
    """What happened, in journal order, without anything that depends on the clock kind or wall time."""
    rows: list[tuple[Any, ...]] = []
    for e in journal(server, "call", "ws.out", "script", "fault"):
        if e["kind"] == "call":
            rows.append(("call", e["event"], e["sessionId"], str(e["status"]), e["actor"], e["device"]))
        elif e["kind"] == "ws.out" and e.get("status"):
            rows.append(("out", e["uid"], e["device"], e["sessionId"], e["status"]))
        elif e["kind"] == "script" and e["event"] in ("ring", "act", "refused"):
            rows.append(("script", e["uid"], e["event"], e.get("action"), e.get("sessionId")))
        elif e["kind"] == "fault":
            rows.append(("fault", e["effect"], e["uid"], e["sessionId"], e["status"]))
    return rows


def moments(server: MockServer) -> list[float]:
    """Clock time of every call move, relative to the script's load."""
    loaded = next(e["t"] for e in journal(server, "script") if e["event"] == "loaded")
    return [e["t"] - loaded for e in journal(server, "call")]


async def run_hour(server: MockServer, connect: Any) -> Client:
    alice: Client = await connect(server, "alice", "WEB-alice")
    await control(server, "POST", "/scripts", HOUR_SCRIPT)
    return alice


async def test_an_hour_in_virtual_time_matches_a_scaled_run(make_server: Any, connect: Any) -> None:
    # the same seed: both servers issue the same session ids, so the two timelines compare as they are
    virtual = make_server(clock="virtual", users=["alice"], seed=0)
    alice = await run_hour(virtual, connect)
    started = time.perf_counter()
    result = await advance(virtual, 3700)
    wall = time.perf_counter() - started
    assert wall < 1.0, f"an hour of script took {wall:.3f}s of wall time"
    assert len(result["fired"]) >= 15
    await alice.barrier()
    assert alice.call_statuses()[-1] == "unanswered"

    scaled = make_server(clock="scaled:200", users=["alice"], seed=0)
    alice_scaled = await run_hour(scaled, connect)
    await alice_scaled.call_frame("unanswered", timeout=LAST_MOMENT / 200 + 10)
    await alice_scaled.barrier()

    expected, got = timeline(virtual), timeline(scaled)
    assert len(expected) > 60
    assert got == expected, "\n".join(
        f"{i}: {a} | {b}" for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b
    )
    assert alice_scaled.call_statuses() == alice.call_statuses()
    # Same timing too, within scheduling jitter (25 clock-seconds = 125 ms real at 200x: generous,
    # so a loaded machine does not fail it; unloaded the gap is under 1 clock-second).
    for v, s in zip(moments(virtual), moments(scaled), strict=True):
        assert abs(v - s) < 25, (v, s)
    assert max(moments(virtual)) == LAST_MOMENT


#: How late a real-clock answer may land and still pass (a loaded 2-core CI machine can stall the loop for
#: a while); never early is exact (the timer may not fire before its due time; 1 ms for clock rounding).
LATE_SLACK = 0.25
EARLY_SLACK = 0.001


async def test_real_clock_answers_never_early_and_not_much_late(make_server: Any, connect: Any) -> None:
    server = make_server(clock="real", users=["alice"])
    alice: Client = await connect(server, "alice")
    errors = []
    for _ in range(3):
        sent = time.time()
        sid = sid_of(await alice.initiate("ring-accept-0.2s"))
        frame = await alice.call_frame("ongoing", sid=sid, timeout=2)
        arrived = alice.arrivals[alice.frames.index(frame)]
        calls = {e["status"]: e["wall"] for e in journal(server, "call") if e["sessionId"] == sid}
        errors.append(calls["ongoing"] - calls["initiated"] - 0.2)
        assert arrived - sent >= 0.2 - EARLY_SLACK, "the client never hears the answer early"
        await alice.update(sid, "ended")
    assert all(-EARLY_SLACK <= e <= LATE_SLACK for e in errors), errors


async def test_scaled_clock_divides_delays(make_server: Any, connect: Any) -> None:
    server = make_server(clock="scaled:10", users=["alice"])
    alice: Client = await connect(server, "alice")
    sid = sid_of(await alice.initiate("ring-accept-2s"))
    await alice.call_frame("ongoing", sid=sid, timeout=2)
    calls = {e["status"]: e for e in journal(server, "call") if e["sessionId"] == sid}
    assert -EARLY_SLACK <= calls["ongoing"]["wall"] - calls["initiated"]["wall"] - 0.2 <= LATE_SLACK
    assert 2.0 - EARLY_SLACK * 10 <= calls["ongoing"]["t"] - calls["initiated"]["t"] <= 2.0 + LATE_SLACK * 10
