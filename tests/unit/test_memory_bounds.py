"""Memory stays bounded under endless call cycles (docs/reliability.md, "Memory bounds").

Each cycle is what a QA team's test does against ``ringside serve``: alice logs in again (a new auth
token), calls bob, bob accepts, alice hangs up; both have a connected device, so every frame is
journaled. The test runs the hub in-process with the *default* limits and measures what the server
keeps deterministically (unlike RSS, which ``make soak`` watches): every byte reachable from the hub,
and every object the garbage collector tracks in the process. After a warm-up that fills every
bounded store (journal ring, ended-call retention, tokens per user), 3,000 more cycles must not keep
more than the documented bound per cycle. (tracemalloc would say the same 8x slower.)
"""

from __future__ import annotations

import gc
import json
import sys
from types import BuiltinFunctionType, CodeType, FunctionType, ModuleType

from mockserver import rest
from mockserver.clock import VirtualClock
from mockserver.config import ServerConfig
from mockserver.exchange import Request
from mockserver.hub import Hub
from mockserver.journal import Journal

#: The bound docs/reliability.md states (and ``make soak`` checks on RSS): bytes kept per call cycle.
BOUND_PER_CYCLE = 2 * 1024
WARM_UP = 1_500
MEASURED = 3_000


class _Peer:
    """A device that takes every frame and keeps none (a client that reads everything)."""

    def __init__(self) -> None:
        self.frames = 0

    async def send_text(self, data: str) -> None:
        self.frames += 1

    async def close(self, reason: str, **_: object) -> None:
        return None

    def abort(self) -> None:
        return None

    def write_backlog(self) -> int | None:
        return 0

    def send_now(self, data: str) -> bool:
        self.frames += 1
        return True


async def _rest(hub: Hub, method: str, path: str, body: dict[str, object], **headers: str) -> dict[str, object]:
    request = Request(
        method=method,
        path=path,
        headers={k.lower(): v for k, v in headers.items()} | {"appid": "ringside"},
        body=json.dumps(body).encode(),
        remote="127.0.0.1",
    )
    reply = await rest.handle(hub, request)
    assert "data" in reply.body, reply.body
    data: dict[str, object] = reply.body["data"]
    return data


async def _login(hub: Hub, uid: str) -> str:
    """``POST /users/{uid}/auth_tokens`` then the SDK's ``PUT /me``, through the REST handlers."""
    token = str((await _rest(hub, "POST", f"/users/{uid}/auth_tokens", {}, apiKey="ringside-api-key"))["authToken"])
    await _rest(hub, "PUT", "/v3.0/me", {}, authToken=token, resource=f"dev-{uid}")
    return token


async def _cycle(hub: Hub) -> None:
    # a fresh login, as every test does (the directory call the login route makes; REST costs 10x more)
    alice = hub.backend.directory.issue_token("alice")
    hub.backend.directory.user_for_token(alice)
    outcome = await hub.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", resource="dev-alice")
    sid = outcome.call.session_id
    await hub.update("bob", sid, "ongoing", resource="dev-bob")
    await hub.update("alice", sid, "ended", resource="dev-alice")


_SHARED = (type, ModuleType, FunctionType, BuiltinFunctionType, CodeType)


def _kept(root: object) -> tuple[int, int]:
    """(bytes reachable from ``root``, objects the garbage collector tracks), after a collection.

    The walk stops at modules, classes and functions: code is shared, not kept per call."""
    gc.collect()
    seen: set[int] = set()
    stack = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _SHARED):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total, len(gc.get_objects())


async def test_call_cycles_keep_bounded_memory_with_default_limits() -> None:
    config = ServerConfig(tls=False, users=["alice", "bob"], clock="virtual")
    clock = VirtualClock()
    hub = Hub(config, clock, Journal(clock, capacity=config.journal_size))
    hub.seed_directory()
    peers = {uid: _Peer() for uid in ("alice", "bob")}
    for uid, peer in peers.items():
        # in-process (like a scripted user's device): frames are handed over inline, no writer task
        hub.authenticate(hub.open_device(peer, scripted=True), uid, f"dev-{uid}")
    bob = await _login(hub, "bob")
    for _ in range(WARM_UP):
        await _cycle(hub)
    bytes_before, objects_before = _kept(hub)
    for _ in range(MEASURED):
        await _cycle(hub)
    bytes_after, objects_after = _kept(hub)
    per_cycle = (bytes_after - bytes_before) / MEASURED
    assert peers["alice"].frames == peers["bob"].frames == 3 * (WARM_UP + MEASURED), "every frame went out"
    assert per_cycle <= BOUND_PER_CYCLE, (
        f"the server kept {per_cycle:.0f} bytes per call cycle after warm-up "
        f"({(bytes_after - bytes_before) / 1024:.0f} KiB over {MEASURED} cycles); the bound is {BOUND_PER_CYCLE}"
    )
    assert objects_after - objects_before < MEASURED / 10, (
        f"{objects_after - objects_before} more objects after {MEASURED} cycles: something outside the hub keeps them"
    )
    # what keeps it bounded, by name (each limit is a ServerConfig default)
    assert len(hub.journal.entries()) <= config.journal_size
    assert len(hub.backend.calls) <= config.max_ended_calls
    assert len(hub.backend.directory.tokens_of("alice")) <= config.max_tokens_per_user
    # the one live token of a logged-in user that keeps using it survives every trim
    await _rest(hub, "GET", "/v3.0/me", {}, authToken=bob)
