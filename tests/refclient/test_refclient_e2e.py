"""RingingClient against the real mock server (in-process thread, TLS on, virtual clock).

Loopback network, no sleeps: every wait is on an event (a listener callback, or the client's frame
count reaching the count the server says it sent), each with a deadline.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from typing import Any

import pytest

import mockserver.config as mockserver_config
import mockserver.server as mockserver_server
from refclient import CallbackName, CallListener, CometChatError, RingingClient, VirtualClock

DEADLINE = 5.0


@pytest.fixture
def mock() -> Iterator[Any]:
    config = mockserver_config.ServerConfig(
        tls=True, users=["alice", "bob", "carol"], groups={"team": ["alice", "bob", "carol"]}, clock="virtual"
    )
    server = mockserver_server.MockServer(config).start()
    yield server
    server.stop()


class Party:
    """A logged-in client and the callbacks its listener got, awaitable one by one."""

    def __init__(self, mock: Any, client: RingingClient) -> None:
        self.mock = mock
        self.client = client
        self.events: list[tuple[str, Any]] = []
        self._arrived = asyncio.Event()
        client.add_call_listener("l1", CallListener.forwarding(self._record))

    def _record(self, name: CallbackName, call: Any) -> None:
        self.events.append((name.value, call))
        self._arrived.set()

    async def expect(self, *names: str) -> list[Any]:
        """Wait (with a deadline) until the listener got exactly ``names``; return their calls."""

        async def arrived() -> None:
            while len(self.events) < len(names):
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(arrived(), DEADLINE)
        await self.settle()
        assert [n for n, _ in self.events] == list(names)
        calls = [c for _, c in self.events]
        self.events.clear()
        return calls

    async def settle(self) -> None:
        """Wait until every frame the server sent this device has been received and dispatched."""
        devices = await asyncio.to_thread(self.mock.data, "GET", "/devices")
        sent = next(d["framesSent"] for d in devices if d["resource"] == self.client.resource)
        await asyncio.wait_for(self.client.wait_for_frames(sent), DEADLINE)
        await self.client.idle()


async def login(mock: Any, uid: str) -> Party:
    trust = ssl.create_default_context(cafile=mock.ca_file)
    client = RingingClient("ringside", mock.url, mock.ws_url, "eu", trust, VirtualClock(mock.now()))
    await client.login(uid, mockserver_config.DEFAULT_API_KEY)
    return Party(mock, client)


@pytest.fixture
async def alice_bob(mock: Any):
    alice, bob = await login(mock, "alice"), await login(mock, "bob")
    yield alice, bob
    for party in (alice, bob):
        await party.client.logout()
        await party.client.aclose()


async def test_call_accept_and_caller_ends(alice_bob):
    alice, bob = alice_bob
    call = await alice.client.initiate_call("bob", "user", "audio")
    [incoming] = await bob.expect("onIncomingCallReceived")
    assert (incoming.session_id, incoming.initiator, incoming.call_type) == (call.session_id, "alice", "audio")
    accepted = await bob.client.accept_call(call.session_id)
    assert accepted.status == "ongoing" and accepted.joined_at is not None
    await alice.expect("onOutgoingCallAccepted")
    assert alice.client.ring_deadline is None
    ended = await alice.client.end_call(call.session_id)
    assert ended is not None and ended.status == "ended"
    await bob.expect("onCallEndedMessageReceived")
    await alice.expect()  # no echo of its own end
    assert alice.client.get_active_call() is None and bob.client.get_active_call() is None
    token = await alice.client.generate_token(call.session_id)
    assert token


async def test_reject_busy_and_cancel(alice_bob):
    alice, bob = alice_bob
    for status in ("rejected", "busy"):
        call = await alice.client.initiate_call("bob", "user", "video")
        await bob.expect("onIncomingCallReceived")
        await bob.client.reject_call(call.session_id, status)
        [rejected] = await alice.expect("onOutgoingCallRejected")
        assert rejected.status == status
        assert alice.client.get_active_call() is None
    call = await alice.client.initiate_call("bob", "user", "audio")
    await bob.expect("onIncomingCallReceived")
    with pytest.raises(CometChatError) as guard:
        await alice.client.initiate_call("bob", "user", "audio")
    assert guard.value.code == "CALL_ALREADY_INITIATED"
    await alice.client.reject_call(call.session_id, "cancelled")
    [cancelled] = await bob.expect("onIncomingCallCancelled")
    assert cancelled.status == "cancelled"
    await alice.expect()


async def test_ring_timeout_in_virtual_time(alice_bob):
    alice, bob = alice_bob
    clock = alice.client.clock
    assert isinstance(clock, VirtualClock)
    start = clock.now()
    call = await alice.client.initiate_call("bob", "user", "audio", 2.7)
    await bob.expect("onIncomingCallReceived")
    assert clock.next_deadline() == start + 2
    await clock.advance_to(start + 1.99)
    await alice.expect()
    await clock.advance_to(start + 2)
    [rejected] = await alice.expect("onOutgoingCallRejected")
    assert (rejected.session_id, rejected.status) == (call.session_id, "unanswered")
    [cancelled] = await bob.expect("onIncomingCallCancelled")
    assert cancelled.status == "unanswered"
    assert alice.client.get_active_call() is None


async def test_keep_alive_pings_on_the_virtual_clock(alice_bob):
    alice, _ = alice_bob
    clock = alice.client.clock
    assert isinstance(clock, VirtualClock)
    start = clock.now()
    assert clock.next_deadline() == start + 15

    async def settle() -> None:
        pong = alice.client.pong_pending()
        if pong is not None:
            await asyncio.wait_for(pong, DEADLINE)

    before = alice.client.frames_received
    await clock.advance_to(start + 31, settle)
    assert alice.client.frames_received == before + 2  # two pongs, no dropped connection
    assert clock.next_deadline() == start + 45


async def test_unknown_session_passes_the_server_error_through(alice_bob):
    _, bob = alice_bob
    with pytest.raises(CometChatError) as error:
        await bob.client.accept_call("v1.does-not-exist")
    assert error.value.code == "ERR_CALL_NOT_FOUND"


async def test_group_call_answered_by_one_member_stops_the_ring_timer(mock):
    alice, bob, carol = [await login(mock, uid) for uid in ("alice", "bob", "carol")]
    try:
        clock = alice.client.clock
        assert isinstance(clock, VirtualClock)
        call = await alice.client.initiate_call("team", "group", "video")
        await bob.expect("onIncomingCallReceived")
        await carol.expect("onIncomingCallReceived")
        await alice.expect()  # the caller is not told of its own group call
        await bob.client.accept_call(call.session_id)
        await alice.expect("onOutgoingCallAccepted")
        await carol.expect()  # not the initiator: a group ongoing is silent
        assert alice.client.ring_deadline is None  # the deliberate fix of the SDK's group bug
    finally:
        for party in (alice, bob, carol):
            await party.client.logout()
            await party.client.aclose()


async def test_real_clock_ring_timer(mock):
    """The RealClock path: a 1 s ring timeout fires on the event loop (waited for as a callback, not slept)."""
    trust = ssl.create_default_context(cafile=mock.ca_file)
    parties = []
    for uid in ("alice", "bob"):
        client = RingingClient("ringside", mock.url, mock.ws_url, "eu", trust)  # clock=None: RealClock
        await client.login(uid, mockserver_config.DEFAULT_API_KEY)
        parties.append(Party(mock, client))
    alice, bob = parties
    try:
        started = asyncio.get_running_loop().time()
        await alice.client.initiate_call("bob", "user", "audio", 1)
        await bob.expect("onIncomingCallReceived")
        [rejected] = await alice.expect("onOutgoingCallRejected")
        assert rejected.status == "unanswered"
        assert asyncio.get_running_loop().time() - started >= 0.99
        await bob.expect("onIncomingCallCancelled")
    finally:
        for party in parties:
            await party.client.logout()
            await party.client.aclose()
