"""The hub's per-device outbox and writer, with stand-in peers: order, bounds, deadlines, closes.

No sockets: a peer here is a few lines that record what it was given, or never return from a write
(a stalled reader). Waits are on events with deadlines; the only real time is the tests' short send
deadline, which is what is being tested.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mockserver.clock import VirtualClock
from mockserver.config import ServerConfig
from mockserver.hub import CLOSE_BY_SERVER, CLOSE_SLOW_CONSUMER, Hub
from mockserver.journal import Journal

DEADLINE = 5.0


class Peer:
    """Records frames and closes; ``stalled`` peers never finish a write (nor a close handshake)."""

    def __init__(self, *, stalled: bool = False, broken: bool = False) -> None:
        self.stalled, self.broken = stalled, broken
        self.got: list[str] = []
        self.closed: list[tuple[str, int]] = []
        self.aborted = asyncio.Event()
        self.wrote = asyncio.Event()

    async def send_text(self, data: str) -> None:
        if self.broken:
            raise ValueError("a bug in the writer's path")
        if self.stalled:
            await asyncio.Event().wait()
        self.got.append(data)
        self.wrote.set()

    async def close(self, reason: str, *, code: int = CLOSE_BY_SERVER) -> None:
        if self.stalled:
            await asyncio.Event().wait()
        self.closed.append((reason, code))

    def abort(self) -> None:
        self.aborted.set()

    def write_backlog(self) -> int | None:
        return 1 if self.stalled else 0  # a stalled peer's bytes pile up

    def send_now(self, data: str) -> bool:
        return False  # every frame through the writer, whose deadline these tests are about


def make_hub(**config: Any) -> Hub:
    clock = VirtualClock(start=0.0)
    return Hub(ServerConfig(tls=False, **config), clock, Journal(clock))


def kinds(hub: Hub, kind: str) -> list[dict[str, Any]]:
    return hub.journal.entries(kinds=[kind])


async def until(predicate: Any) -> None:
    async with asyncio.timeout(DEADLINE):
        while not predicate():
            await asyncio.sleep(0)


async def test_frames_go_out_in_order_and_send_returns_before_they_are_written():
    hub = make_hub()
    peer = Peer()
    device = hub.open_device(peer)
    for n in range(5):
        await hub.send(device, {"n": n})
    assert peer.got == [] and device.queued == 5, "send queues; the writer writes"
    await until(lambda: len(peer.got) == 5)
    assert peer.got == [f'{{"n":{n}}}' for n in range(5)]
    assert device.frames_sent == 5 and device.describe()["queued"] == 0


async def test_a_full_queue_closes_the_device_and_counts_its_frames_as_unsent():
    hub = make_hub(send_queue=3, send_deadline=60.0)
    peer = Peer(stalled=True)
    device = hub.open_device(peer)
    await hub.send(device, {"n": 0})
    await until(lambda: device.queued == 0)  # the writer took it, and will never finish writing it
    for n in range(1, 4):
        await hub.send(device, {"n": n})
    assert device.queued == 3 and not kinds(hub, "ws.evict")
    await hub.send(device, {"n": 4})  # one too many: evicted at once, nobody waits
    (evict,) = kinds(hub, "ws.evict")
    assert (evict["reason"], evict["code"], evict["queued"], evict["limit"]) == (
        "queue-full",
        CLOSE_SLOW_CONSUMER,
        3,
        3,
    )
    await asyncio.wait_for(peer.aborted.wait(), DEADLINE)  # the close handshake cannot finish: aborted
    await hub.send(device, {"n": 5})  # a closing device takes no more
    assert len(kinds(hub, "ws.out")) == 4
    hub.close_device(device, code=1006)
    (close,) = kinds(hub, "ws.close")
    assert close["code"] == CLOSE_SLOW_CONSUMER and close["unsent"] == 3
    assert device.frames_sent == 1


async def test_a_write_past_the_deadline_closes_the_device():
    hub = make_hub(send_deadline=0.05)
    peer = Peer(stalled=True)
    device = hub.open_device(peer)
    await hub.send(device, {"n": 1})
    await until(lambda: kinds(hub, "ws.evict"))
    (evict,) = kinds(hub, "ws.evict")
    assert (evict["reason"], evict["code"], evict["deadline"]) == ("send-deadline", CLOSE_SLOW_CONSUMER, 0.05)
    await asyncio.wait_for(peer.aborted.wait(), DEADLINE)


async def test_a_stalled_device_does_not_hold_up_another():
    hub = make_hub(send_deadline=60.0)
    stalled, steady = Peer(stalled=True), Peer()
    slow, fast = hub.open_device(stalled), hub.open_device(steady)
    for n in range(50):
        await hub.send(slow, {"n": n})
        await hub.send(fast, {"n": n})
    await until(lambda: len(steady.got) == 50)
    assert slow.queued == 49 and stalled.got == []


async def test_a_close_after_frames_follows_them_and_a_close_now_drops_them():
    hub = make_hub()
    peer = Peer()
    device = hub.open_device(peer)
    await hub.send(device, {"n": 1})
    await hub.send(device, {"n": 2})
    await asyncio.wait_for(hub.disconnect(device, "fault", after_frames=True), DEADLINE)
    assert peer.got == ['{"n":1}', '{"n":2}'] and peer.closed == [("fault", CLOSE_BY_SERVER)]

    stalled = Peer(stalled=True)
    other = hub.open_device(stalled)
    for n in range(3):
        await hub.send(other, {"n": n})
    await asyncio.wait_for(hub.close_all("ringside reset"), DEADLINE)  # within the close deadline
    assert stalled.aborted.is_set() and other.queued == 0 and other.unsent == 2


async def test_a_device_that_never_authenticates_is_closed_after_the_deadline():
    hub = make_hub(auth_deadline=0.05)
    silent, authed = Peer(), Peer()
    device = hub.open_device(silent)
    hub.authenticate(hub.open_device(authed), "alice", "WEB-A")
    await until(lambda: silent.closed)
    assert silent.closed == [("ringside: auth-deadline", 4001)] and authed.closed == []
    (evict,) = kinds(hub, "ws.evict")
    assert evict["reason"] == "auth-deadline" and evict["conn"] == device.conn_id


async def test_a_writer_that_fails_closes_its_device_and_says_why():
    hub = make_hub()
    peer = Peer(broken=True)
    device = hub.open_device(peer)
    await hub.send(device, {"n": 1})
    await until(lambda: peer.closed)
    (error,) = kinds(hub, "error")
    assert error["where"] == "writer" and "a bug in the writer's path" in error["traceback"]
    assert device.closing


@pytest.mark.parametrize("after_frames", [True, False])
async def test_an_in_process_device_is_closed_directly(after_frames):
    hub = make_hub()
    peer = Peer()
    device = hub.open_device(peer, scripted=True)
    await hub.send(device, {"n": 1})
    assert peer.got == ['{"n":1}'], "a scripted device takes its frames inline"
    await hub.disconnect(device, "reset", after_frames=after_frames)
    assert peer.closed == [("reset", CLOSE_BY_SERVER)]


async def test_a_fan_out_skips_only_hooks_that_say_they_are_idle():
    """deliver() puts a socket device's frame without running an outbound hook that says it is idle (the
    fault hook with nothing armed); a busy hook, or one appended without an idle check, still runs."""
    hub = make_hub()
    hub.backend.directory.add_user("alice", now=0.0)
    hub.backend.directory.add_user("bob", now=0.0)
    peers = {uid: Peer() for uid in ("alice", "bob")}
    for uid, peer in peers.items():
        hub.authenticate(hub.open_device(peer), uid, f"{uid}-device")
    seen: list[str] = []
    busy = False

    async def hook(device: Any, frame: dict[str, Any]) -> list[dict[str, Any]]:
        seen.append(device.uid)
        return [frame]

    hub.add_outbound_hook(hook, idle=lambda: not busy)
    await hub.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", resource="alice-device")
    assert seen == [] and len(kinds(hub, "ws.out")) == 2, "idle: skipped, every frame still sent and journaled"
    busy = True
    await hub.initiate("bob", receiver="alice", receiver_type="user", call_type="audio", resource="bob-device")
    assert sorted(seen) == ["alice", "bob"]
    busy, seen[:] = False, []
    hub.outbound_hooks.append(hook)  # no idle check: always run
    call = (await hub.initiate("alice", receiver="bob", receiver_type="user", call_type="video", resource=None)).call
    assert sorted(seen) == ["alice", "alice", "bob", "bob"], call.session_id
    await until(lambda: all(len(p.got) == 3 for p in peers.values()))
