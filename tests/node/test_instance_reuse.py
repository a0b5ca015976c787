"""A recycled isolate serves its next instance as a fresh one would (issue 13: the JS adapter reuses an
instance's worker thread / process after its logout instead of starting another).

The first instance leaves everything it can behind — a call listener, an outgoing call still ringing
(the SDK's active call and its ring timer on the virtual clock), an open WebSocket, frames, callbacks,
the 5 s telemetry timer of its login — and is deleted. The next instance, given the same isolate, must
hold none of it: its state (`GET /instances/<n>/_isolation`, adapter-private) equals that of a
never-used isolate given the same configuration, and what it does afterwards shows no trace of the
first one (its own device and frame counts, callbacks only to its own listener, none to the old one).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapter_protocol.client import AdapterService, ClientInstance
from harness.clients import command_for
from mockserver.control import callback_url as callback_url_for

from .conftest import _need_node, instance_params

pytestmark = pytest.mark.node

MODES = ["thread", "process"]
T0 = 1_800_000_000


def _spawn(mode: str, **env: str) -> AdapterService:
    _need_node()
    return AdapterService.spawn(command_for("cometchat-js"), env={"RINGSIDE_INSTANCE_MODE": mode, **env})


@pytest.fixture(params=MODES)
def services(request: pytest.FixtureRequest) -> Iterator[tuple[AdapterService, AdapterService]]:
    """One service that recycles (a pool of one, so the next instance gets the recycled isolate), and
    one whose isolates each serve a single instance (the fresh state to compare with)."""
    reusing = _spawn(request.param, RINGSIDE_POOL_SIZE="1", RINGSIDE_INSTANCE_USES="10")
    fresh = _spawn(request.param, RINGSIDE_POOL_SIZE="1", RINGSIDE_INSTANCE_USES="1")
    yield reusing, fresh
    reusing.close()
    fresh.close()


def _create(service: AdapterService, served: Any, tag: str, uid: str, *, now: float | None = None) -> ClientInstance:
    params = instance_params(served, tag, uid, callback_url_for(served.url, served.control_token, tag))
    if now is not None:
        params["clock"] = {"mode": "virtual", "now": now}
    return service.create(tag=tag, uid=uid, params=params)


def _isolation(instance: ClientInstance) -> dict[str, Any]:
    status, body, _ = instance.service.transport("GET", instance.url + "/_isolation", deadline=10)
    assert status == 200, body
    state: dict[str, Any] = body
    return state


def _comparable(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k not in ("isolate", "generation")}


def _frames_sent(served: Any, resource: str) -> int:
    devices = served.control("GET", "/devices")["data"]
    return sum(d["framesSent"] for d in devices if d["resource"] == resource)


def test_a_recycled_isolate_starts_its_next_instance_fresh(
    served: Any, services: tuple[AdapterService, AdapterService], request: pytest.FixtureRequest
) -> None:
    reusing, fresh_service = services
    # the callback sink keys callbacks by tag on a server this module's runs share: a tag per mode, or the
    # process run would read the thread run's callbacks as its own
    mode = request.node.callspec.params["services"]
    bob_tag, first_tag, second_tag = (f"reuse-bob-{mode}", f"reuse1-alice-{mode}", f"reuse2-alice-{mode}")
    bob = _create(reusing, served, bob_tag, "bob")  # real clock: ended, never recycled
    first = _create(reusing, served, first_tag, "alice", now=T0)
    try:
        bob.ok("login")
        bob.ok("addCallListener", {"id": "main"})
        first.ok("login")
        first.ok("addCallListener", {"id": "old"})
        ringing = first.ok("initiateCall", {"receiver": "bob", "callType": "audio", "receiverType": "user"})
        first_resource = first.ok("sync")["resource"]
        assert served.callbacks(bob_tag, 1)[0]["callback"] == "onIncomingCallReceived"
        before = _isolation(first)
        assert before["listeners"] == ["old"] and before["sockets"] == 1 and before["framesReceived"] > 0
        assert "active call" in before["leftovers"] and before["nextTimer"] is not None
    finally:
        first.delete()
    bob.ok("rejectCall", {"sessionId": ringing["sessionId"], "status": "rejected"})
    old_callbacks = len(served.callbacks(first_tag, 0, wait=0))

    second = _create(reusing, served, second_tag, "alice", now=T0 + 3600)
    fresh = _create(fresh_service, served, f"fresh-alice-{mode}", "alice", now=T0 + 3600)
    try:
        state = _isolation(second)
        assert state["isolate"] == before["isolate"], "the pool of one gave the next instance the recycled isolate"
        assert state["generation"] == before["generation"] + 1
        # nothing of the first instance: the same state as a never-used isolate's, after the same init
        assert _comparable(state) == _comparable(_isolation(fresh))
        assert state["leftovers"] is None and state["listeners"] == [] and state["sockets"] == 0
        assert state["framesReceived"] == 0 and state["callbacksSent"] == 0 and state["staleCallbacks"] == 0
        assert second.ok("getActiveCall") is None
        moved = second.ok("advanceTime", {"to": T0 + 3600 + 60})
        assert moved["nextTimer"] == fresh.ok("advanceTime", {"to": T0 + 3600 + 60})["nextTimer"]

        second.ok("login")
        second.ok("addCallListener", {"id": "new"})
        synced = second.ok("sync")
        assert synced["resource"] != first_resource, "a new device, not the first instance's"
        assert synced["framesReceived"] == _frames_sent(served, synced["resource"])
        devices = {d["resource"] for d in served.control("GET", "/devices")["data"]}
        assert synced["resource"] in devices and first_resource not in devices, "the first one's socket is gone"
        assert synced["callbacksSent"] == 0

        call = bob.ok("initiateCall", {"receiver": "alice", "callType": "video", "receiverType": "user"})
        got = served.callbacks(second_tag, 1)
        assert got[0]["seq"] == 1, "the callback sequence starts again"
        assert {c["listenerId"] for c in got} == {"new"}
        assert [c["callback"] for c in got if c["call"]["sessionId"] == call["sessionId"]] == ["onIncomingCallReceived"]
        assert len(served.callbacks(first_tag, old_callbacks + 1, wait=0.5)) == old_callbacks
        after = _isolation(second)
        assert after["staleCallbacks"] == 0 and after["listeners"] == ["new"]
        bob.ok("rejectCall", {"sessionId": call["sessionId"], "status": "cancelled"})
    finally:
        second.delete()
        fresh.delete()
        bob.delete()


def test_an_instance_on_the_real_clock_is_not_recycled(served: Any) -> None:
    """Only a virtual-clock instance is recycled (its SDK timers are all on the fake clock, where they can
    be seen); one on the real clock ends with its isolate, so the next instance gets another."""
    service = _spawn("thread", RINGSIDE_POOL_SIZE="1", RINGSIDE_INSTANCE_USES="10")
    try:
        first = _create(service, served, "real1-alice", "alice")
        first.ok("login")
        isolate = _isolation(first)["isolate"]
        first.delete()
        second = _create(service, served, "real2-alice", "alice", now=T0)
        try:
            state = _isolation(second)
            assert state["isolate"] != isolate and state["generation"] == 0
        finally:
            second.delete()
    finally:
        service.close()
