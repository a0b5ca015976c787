"""Call duration, the call session (``call-session``), call tokens, callback delivery, and the quirks
that break each of them: every quirk changes what the client does, and the honest client is unaffected.

In-process like test_refclient_client.py (FakeServer, VirtualClock); the callback tests use a small
aiohttp sink that can refuse POSTs.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from refclient_support import T0, call_message, frame, logged_in

from refclient import Call, CallListener, CometChatError, Quirks
from refclient.client import SessionEvent
from refclient.instance import CallbackPoster
from refclient.listeners import CallbackName

ENDED = {"joined_at": int(T0) + 5, "endedAt": int(T0) + 65, "duration": 60}


def _collect(into: list[Call]) -> CallListener:
    return CallListener.forwarding(lambda _name, call: into.append(call))


# -- duration ---------------------------------------------------------------------------------------


def test_duration_is_read_from_an_ended_entity_only():
    ended = Call.from_message(call_message("v1.d", "ended", **ENDED))
    assert ended.duration == 60 and ended.to_json()["duration"] == 60
    zero = Call.from_message(call_message("v1.d", "ended", joined_at=int(T0), endedAt=int(T0), duration=0))
    assert zero.duration == 0, "a call ended within its first second lasted 0 s, not 'unknown'"
    ongoing = Call.from_message(call_message("v1.d", "ongoing", joined_at=int(T0), duration=9))
    assert ongoing.duration is None and ongoing.to_json()["duration"] is None
    assert Call.from_message(call_message("v1.d", "ended", joined_at=int(T0))).duration is None
    assert ended.with_status("ended").duration is None  # a locally made-up end knows no duration


@pytest.mark.parametrize(("quirks", "expected"), [(Quirks(), 60), (Quirks(no_call_duration=True), None)])
async def test_ended_callback_carries_the_duration_unless_the_quirk_drops_it(quirks, expected):
    client, _, recorder = await logged_in("bob", quirks=quirks)
    seen: list[Call] = []
    client.add_call_listener("probe", _collect(seen))
    client._on_frame(frame(call_message("v1.d", "ended", initiator="alice", sender="alice", **ENDED)))
    assert recorder.names() == ["onCallEndedMessageReceived"]
    assert [c.duration for c in seen] == [expected]


# -- ring timer stops late ----------------------------------------------------------------------------


@pytest.mark.parametrize(("quirks", "unanswered"), [(Quirks(), False), (Quirks(ring_timer_stops_late=True), True)])
async def test_accept_in_the_last_second_stops_the_ring_timer_unless_it_stops_late(quirks, unanswered):
    client, server, recorder = await logged_in("alice", quirks=quirks)
    call = await client.initiate_call("bob", "user", "audio", 10)
    await client.clock.advance_to(T0 + 9.5)  # type: ignore[attr-defined]
    client._on_frame(frame(call_message(call.session_id, "ongoing", initiator="alice", sender="bob")))
    await client.clock.advance_to(T0 + 60)  # type: ignore[attr-defined]
    sent = server.sent("PUT", "calls/")
    assert (sent == [("PUT", f"calls/{call.session_id}", {"status": "unanswered"})]) is unanswered
    assert (sent == []) is not unanswered
    assert recorder.names()[0] == "onOutgoingCallAccepted"


async def test_a_late_stop_still_stops_a_ring_timer_that_was_not_due_yet():
    client, server, _ = await logged_in("alice", quirks=Quirks(ring_timer_stops_late=True))
    call = await client.initiate_call("bob", "user", "audio", 10)
    client._on_frame(frame(call_message(call.session_id, "ongoing", initiator="alice", sender="bob")))
    await client.clock.advance_to(T0 + 60)  # type: ignore[attr-defined]
    assert server.sent("PUT", "calls/") == []


# -- tokens ---------------------------------------------------------------------------------------------


async def test_generate_token_asks_for_this_session_with_the_users_token():
    client, server, _ = await logged_in("alice")
    call = await client.initiate_call("bob", "user", "audio")
    token = await client.generate_token(str(call.session_id))
    assert server.sent("POST", "call_tokens") == [("POST", "call_tokens", {"sessionId": call.session_id})]
    assert token == f"call-token-{call.session_id}"
    assert client._rest.headers()["authToken"] == "token-alice"


async def test_token_for_wrong_session_asks_for_the_previous_call():
    client, server, _ = await logged_in("alice", quirks=Quirks(token_for_wrong_session=True))
    first = await client.initiate_call("bob", "user", "audio")
    client.clear_active_call()
    second = await client.initiate_call("bob", "user", "audio")
    token = await client.generate_token(str(second.session_id))
    assert server.sent("POST", "call_tokens") == [("POST", "call_tokens", {"sessionId": first.session_id})]
    assert token == f"call-token-{first.session_id}"


async def test_token_for_wrong_session_with_no_other_call_asks_for_a_near_miss():
    client, server, _ = await logged_in("alice", quirks=Quirks(token_for_wrong_session=True))
    call = await client.initiate_call("bob", "user", "audio")
    await client.generate_token(str(call.session_id))
    asked = server.sent("POST", "call_tokens")[0][2]["sessionId"]
    assert asked != call.session_id and asked[:-1] == str(call.session_id)[:-1]


# -- the call session -------------------------------------------------------------------------------------


async def _in_a_session(quirks: Quirks | None = None) -> tuple[Any, Any, Call]:
    bob, server, _ = await logged_in("bob", quirks=quirks)
    bob._on_frame(frame(call_message("v1.s1", "initiated", initiator="alice", receiver="bob")))
    accepted = await bob.accept_call("v1.s1")
    token = await bob.generate_token("v1.s1")
    session = bob.start_session("v1.s1", token)
    assert (session.session_id, session.active) == ("v1.s1", True)
    return bob, server, accepted


@pytest.mark.parametrize(("quirks", "cleared"), [(Quirks(), True), (Quirks(session_end_keeps_active_call=True), False)])
async def test_on_call_ended_clears_the_active_call_and_ends_the_session(quirks, cleared):
    bob, server, accepted = await _in_a_session(quirks)
    assert await bob.session_event(SessionEvent.CALL_ENDED) is None
    assert bob.call_session is not None and bob.call_session.active is False
    assert (bob.get_active_call() is None) is cleared
    assert (bob.get_active_call() == accepted) is not cleared
    assert server.sent("PUT", "calls/")[-1][2]["status"] == "ongoing", "the remote ended it: nothing sent"


async def test_end_button_ends_the_call_then_clears_and_ends_the_session():
    bob, server, _ = await _in_a_session()
    ended = await bob.session_event(SessionEvent.CALL_END_BUTTON_PRESSED)
    assert ended is not None and ended.status == "ended" and ended.session_id == "v1.s1"
    assert server.sent("PUT", "calls/")[-1] == ("PUT", "calls/v1.s1", {"status": "ended", "joinedAt": int(T0)})
    assert bob.get_active_call() is None
    assert bob.call_session is not None and bob.call_session.active is False


async def test_a_session_needs_a_token_this_client_generated():
    bob, _, _ = await logged_in("bob")
    with pytest.raises(CometChatError) as refused:
        bob.start_session("v1.s1", "made-up")
    assert refused.value.code == "INVALID_CALL_TOKEN"
    with pytest.raises(CometChatError, match="No call token ''"):
        bob.start_session("v1.s1", "")
    assert bob.call_session is None
    with pytest.raises(ValueError, match="no call session"):
        await bob.session_event(SessionEvent.CALL_ENDED)


# -- removeCallListener ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quirks", "heard"),
    [(Quirks(), []), (Quirks(remove_listener_partial=True), ["onOutgoingCallAccepted", "onCallEndedMessageReceived"])],
)
async def test_a_removed_listener_hears_nothing_unless_removal_is_partial(quirks, heard):
    alice, _, recorder = await logged_in("alice", quirks=quirks)
    alice.remove_call_listener("l1")
    alice._on_frame(frame(call_message("v1.in", "initiated", initiator="bob", receiver="alice")))
    alice._on_frame(frame(call_message("v1.in", "cancelled", initiator="bob", receiver="alice")))
    call = await alice.initiate_call("bob", "user", "audio")
    alice._on_frame(frame(call_message(call.session_id, "ongoing", initiator="alice", sender="bob")))
    alice._on_frame(frame(call_message(call.session_id, "ended", initiator="alice", sender="bob", **ENDED)))
    assert recorder.names() == heard


# -- callback delivery ---------------------------------------------------------------------------------------


class Sink:
    """A callback sink that answers 503 to the first ``refuse`` POSTs, then 200; it records what it accepted."""

    def __init__(self, refuse: int) -> None:
        self.refuse = refuse
        self.attempts = 0
        self.accepted: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        body = await request.json()
        if self.attempts <= self.refuse:
            return web.Response(status=503)
        self.accepted.append(body)
        return web.json_response({})


async def _post_through(sink: Sink, count: int) -> list[dict[str, Any]]:
    app = web.Application()
    app.router.add_post("/cb", sink.handle)
    async with TestServer(app) as server, aiohttp.ClientSession() as http:
        poster = CallbackPoster(str(server.make_url("/cb")), lambda: http)
        call = Call.from_message(call_message("v1.cb", "initiated"))
        for _ in range(count):
            poster.post("l1", CallbackName.INCOMING_CALL_RECEIVED, call)
        await asyncio.wait_for(poster.drained(), 10)
        assert poster.pending == 0
        await poster.close()
    return sink.accepted


async def test_a_refused_callback_is_retried_and_arrives_once_in_order():
    sink = Sink(refuse=1)
    accepted = await _post_through(sink, 3)
    assert [c["seq"] for c in accepted] == [1, 2, 3]
    assert sink.attempts == 4


async def test_a_sink_that_never_accepts_is_given_up_after_the_budget(monkeypatch):
    monkeypatch.setattr("refclient.instance.CALLBACK_RETRY_BUDGET", 0.3)
    sink = Sink(refuse=1_000)
    assert await _post_through(sink, 2) == []
    assert 2 < sink.attempts < 20  # retried, but bounded
