"""RingingClient's local behaviour, driven in-process: guards, ring timer, dispatch, echo, quirks.

No network and no sleeps: :class:`~refclient_support.FakeServer` answers REST in-process, frames are
fed to the client directly, and time moves only through the VirtualClock.
"""

from __future__ import annotations

import pytest
from refclient_support import T0, call_message, frame, logged_in

from refclient import CometChatError, Quirks


async def test_login_headers_and_prefix_switch():
    client, server, _ = await logged_in("alice")
    assert client.me is not None and client.me.uid == "alice" and client.me.jwt == "jwt-alice"
    assert server.requests[0][:2] == ("PUT", "me")
    assert client._rest.url("calls") == "http://mock.invalid/v3.0/calls"
    headers = client._rest.headers()
    assert headers["authToken"] == "token-alice"
    assert headers["appId"] == "ringside"
    assert headers["sdk"] == "python-refclient@0.1.0"
    assert headers["resource"] == client.resource and client.resource.startswith("PY-0_1_0-")
    assert client.resource.endswith(f"-{int(T0 * 1000)}")


async def test_auth_frame_carries_the_jwt_and_resource():
    client, _, _ = await logged_in("alice")
    auth = client._auth_frame()
    assert auth["type"] == "auth" and auth["sender"] == "alice" and auth["appId"] == "ringside"
    assert auth["deviceId"] == auth["body"]["deviceId"] == client.resource
    assert auth["body"]["auth"] == "jwt-alice"


async def test_initiate_call_sends_the_sdk_body_and_becomes_active():
    client, server, _ = await logged_in("alice")
    call = await client.initiate_call("bob", "user", "audio")
    assert server.sent("POST", "calls") == [
        (
            "POST",
            "calls",
            {"type": "audio", "receiverType": "user", "category": "call", "status": "initiated", "receiver": "bob"},
        )
    ]
    assert client.get_active_call() == call
    assert call.status == "initiated"


@pytest.mark.parametrize(("timeout", "rings"), [(None, 45), (0, 45), (-5, 45), (2.7, 2), (60, 60)])
async def test_ring_timer_uses_the_resolved_timeout(timeout, rings):
    client, _, _ = await logged_in("alice")
    await client.initiate_call("bob", "user", "audio", timeout)
    assert client.ring_deadline == T0 + rings
    assert client.clock.next_deadline() == T0 + rings  # type: ignore[attr-defined]


async def test_ring_timeout_sends_unanswered_and_publishes_the_reply_locally():
    client, server, recorder = await logged_in("alice")
    call = await client.initiate_call("bob", "user", "audio", 3)
    await client.clock.advance_to(T0 + 2.999)  # type: ignore[attr-defined]
    assert server.sent("PUT", "calls/") == []
    await client.clock.advance_to(T0 + 3)  # type: ignore[attr-defined]
    assert server.sent("PUT", "calls/") == [("PUT", f"calls/{call.session_id}", {"status": "unanswered"})]
    assert recorder.events == [("l1", "onOutgoingCallRejected", "unanswered")]
    assert client.get_active_call() is None
    assert client.ring_deadline is None


async def test_ring_timeout_failure_still_clears_the_call():
    client, server, recorder = await logged_in("alice")
    call = await client.initiate_call("bob", "user", "audio", 1)
    server.failures[f"calls/{call.session_id}"] = CometChatError("ERR_CALL_NOT_FOUND", "gone", {})
    await client.clock.advance_to(T0 + 1)  # type: ignore[attr-defined]
    assert recorder.events == []
    assert client.get_active_call() is None


async def test_ongoing_frame_stops_the_ring_timer_for_a_user_call():
    client, server, recorder = await logged_in("alice")
    call = await client.initiate_call("bob", "user", "audio")
    client._on_frame(frame(call_message(call.session_id, "ongoing", initiator="alice", sender="bob")))
    assert recorder.names() == ["onOutgoingCallAccepted"]
    assert client.ring_deadline is None
    await client.clock.advance_to(T0 + 100)  # type: ignore[attr-defined]
    assert server.sent("PUT", "calls/") == []
    assert client.get_active_call() == call  # the caller keeps its initiated object


async def test_ongoing_frame_stops_the_ring_timer_for_a_group_call_too():
    """Deliberate fix of the SDK's group bug (the SDK would still send unanswered at 45 s)."""
    client, server, recorder = await logged_in("alice")
    call = await client.initiate_call("team", "group", "video")
    message = call_message(
        call.session_id, "ongoing", initiator="alice", sender="bob", receiver="team", receiver_type="group"
    )
    client._on_frame(frame(message))
    assert recorder.names() == ["onOutgoingCallAccepted"]
    await client.clock.advance_to(T0 + 100)  # type: ignore[attr-defined]
    assert server.sent("PUT", "calls/") == []


async def test_guards_never_reach_the_wire():
    client, server, _ = await logged_in("alice")
    await client.initiate_call("bob", "user", "audio")
    before = len(server.requests)
    with pytest.raises(CometChatError) as initiated:
        await client.initiate_call("carol", "user", "audio")
    assert initiated.value.code == "CALL_ALREADY_INITIATED"
    with pytest.raises(CometChatError) as accepting:
        await client.accept_call("v1.other")
    assert accepting.value.code == "CALL_IN_PROGRESS"
    assert len(server.requests) == before


async def test_not_logged_in_is_refused_locally():
    client, _, _ = await logged_in("alice")
    await client.logout()
    with pytest.raises(CometChatError) as error:
        await client.initiate_call("bob", "user", "audio")
    assert error.value.code == "USER_NOT_LOGED_IN"


async def test_callee_end_sends_joined_at_caller_end_does_not():
    bob, bob_server, _ = await logged_in("bob")
    bob._on_frame(frame(call_message("v1.c1", "initiated", initiator="alice", receiver="bob")))
    accepted = await bob.accept_call("v1.c1")
    assert accepted.joined_at == int(T0)
    assert bob.get_active_call() == accepted
    await bob.end_call("v1.c1")
    assert bob_server.sent("PUT", "calls/")[-1] == ("PUT", "calls/v1.c1", {"status": "ended", "joinedAt": int(T0)})
    assert bob.get_active_call() is None

    alice, alice_server, _ = await logged_in("alice")
    call = await alice.initiate_call("bob", "user", "audio")
    alice._on_frame(frame(call_message(call.session_id, "ongoing", initiator="alice", sender="bob", joined_at=5)))
    await alice.end_call(call.session_id)
    assert alice_server.sent("PUT", "calls/")[-1] == ("PUT", f"calls/{call.session_id}", {"status": "ended"})


async def test_end_call_local_rules():
    client, server, _ = await logged_in("alice")
    assert await client.end_call("v1.none") is None  # no active call: nothing sent
    call = await client.initiate_call("bob", "user", "audio")
    assert await client.end_call("v1.someone-else") is None  # another session: nothing sent
    assert client.get_active_call() == call
    assert server.sent("PUT", "calls/") == []
    server.failures[f"calls/{call.session_id}"] = CometChatError("ERR_CALL_NOT_FOUND", "gone", {})
    ended = await client.end_call(call.session_id)  # the request fails: resolves with the local call
    assert ended is not None and ended.status == "ended" and ended.session_id == call.session_id
    assert client.get_active_call() is None


async def test_reject_call_statuses():
    client, server, _ = await logged_in("alice")
    call = await client.initiate_call("bob", "user", "audio")
    await client.reject_call("v1.in", "rejected")
    await client.reject_call("v1.in", "busy")
    assert client.get_active_call() == call  # rejected / busy have no local effect
    await client.reject_call(call.session_id, "cancelled")
    assert client.get_active_call() is None and client.ring_deadline is None
    assert [body["status"] for _, _, body in server.sent("PUT", "calls/")] == ["rejected", "busy", "cancelled"]


async def test_reject_call_with_another_status_falls_through_to_end_call():
    client, server, _ = await logged_in("alice")
    call = await client.initiate_call("bob", "user", "audio")
    result = await client.reject_call(call.session_id, "ended")
    assert result is not None and result.status == "ended"
    assert server.sent("PUT", "calls/") == [("PUT", f"calls/{call.session_id}", {"status": "ended"})]


async def test_own_echo_is_dropped_other_devices_are_not():
    client, _, recorder = await logged_in("alice")
    message = call_message("v1.e", "initiated", initiator="alice", receiver="bob")
    client._on_frame(frame(message, device_id=client.resource))
    assert recorder.events == []
    client._on_frame(frame(message, device_id="PY-0_1_0-alices-other-device"))
    assert recorder.names() == []  # alice's own call from her other device: not an incoming call (spec)
    ended = call_message("v1.e", "ended", initiator="alice", receiver="bob", sender="bob")
    client._on_frame(frame(ended, device_id="PY-0_1_0-bobs-device"))
    assert recorder.names() == ["onCallEndedMessageReceived"]


async def test_remote_events_end_the_matching_active_call():
    client, _, recorder = await logged_in("alice")
    call = await client.initiate_call("bob", "user", "audio")
    client._on_frame(frame(call_message(call.session_id, "busy", initiator="alice", sender="bob")))
    assert recorder.events == [("l1", "onOutgoingCallRejected", "busy")]
    assert client.get_active_call() is None and client.ring_deadline is None


async def test_callee_sees_cancel_and_unanswered_as_incoming_call_cancelled():
    client, _, recorder = await logged_in("bob")
    client._on_frame(frame(call_message("v1.a", "initiated", initiator="alice")))
    client._on_frame(frame(call_message("v1.a", "cancelled", initiator="alice")))
    client._on_frame(frame(call_message("v1.b", "initiated", initiator="alice")))
    client._on_frame(frame(call_message("v1.b", "unanswered", initiator="alice")))
    assert recorder.events == [
        ("l1", "onIncomingCallReceived", "initiated"),
        ("l1", "onIncomingCallCancelled", "cancelled"),
        ("l1", "onIncomingCallReceived", "initiated"),
        ("l1", "onIncomingCallCancelled", "unanswered"),
    ]


async def test_group_events_filtered_by_initiator():
    client, _, recorder = await logged_in("alice")
    group = {"receiver": "team", "receiver_type": "group"}
    client._on_frame(frame(call_message("g1", "initiated", initiator="alice", **group)))  # own call: silent
    client._on_frame(frame(call_message("g2", "initiated", initiator="bob", **group)))
    client._on_frame(frame(call_message("g2", "ongoing", initiator="bob", sender="carol", **group)))  # not mine
    client._on_frame(frame(call_message("g3", "rejected", initiator="bob", sender="carol", **group)))  # not mine
    client._on_frame(frame(call_message("g2", "ended", initiator="bob", sender="carol", **group)))
    assert recorder.names() == ["onIncomingCallReceived", "onCallEndedMessageReceived"]


async def test_a_repeated_or_late_event_fires_nothing():
    client, _, recorder = await logged_in("bob")
    client._on_frame(frame(call_message("v1.d", "initiated", initiator="alice")))
    client._on_frame(frame(call_message("v1.d", "initiated", initiator="alice")))  # duplicated frame
    client._on_frame(frame(call_message("v1.d", "cancelled", initiator="alice")))
    client._on_frame(frame(call_message("v1.d", "initiated", initiator="alice")))  # late, after the end
    assert recorder.names() == ["onIncomingCallReceived", "onIncomingCallCancelled"]


async def test_listeners_fire_in_registration_order_and_replace_moves_last():
    client, _, recorder = await logged_in("bob")
    client.add_call_listener("l2", recorder.listener("l2"))
    client.add_call_listener("l1", recorder.listener("l1"))  # replaces l1, now after l2
    client.add_call_listener("l3", recorder.listener("l3"))
    client.remove_call_listener("l3")
    client._on_frame(frame(call_message("v1.a", "initiated")))
    assert [listener for listener, _, _ in recorder.events] == ["l2", "l1"]


async def test_frames_that_are_not_call_messages_are_ignored():
    client, _, recorder = await logged_in("bob")
    text = call_message()
    text["category"] = "message"
    client._on_frame(frame(text))
    client._on_frame({"type": "presence", "deviceId": "x", "body": {}})
    client._on_frame({"type": "message", "deviceId": "x", "body": {"category": "call", "data": None}})
    assert recorder.events == []


async def test_generate_token():
    client, server, _ = await logged_in("alice")
    assert await client.generate_token("v1.s") == "call-token-v1.s"
    assert server.sent("POST", "call_tokens") == [("POST", "call_tokens", {"sessionId": "v1.s"})]


# -- quirks: each one changes exactly the behaviour it names ------------------------------------------


async def test_quirk_swap_busy_rejected_and_cancel_sends_rejected():
    client, server, _ = await logged_in("alice", quirks=Quirks(swap_busy_rejected=True, cancel_sends_rejected=True))
    await client.reject_call("v1.a", "busy")
    await client.reject_call("v1.a", "rejected")
    call = await client.initiate_call("bob", "user", "audio")
    await client.reject_call(call.session_id, "cancelled")
    assert [body["status"] for _, _, body in server.sent("PUT", "calls/")] == ["rejected", "busy", "rejected"]
    assert client.get_active_call() is None  # locally it was still a cancel


async def test_quirk_ignore_custom_timeout():
    client, _, _ = await logged_in("alice", quirks=Quirks(ignore_custom_timeout=True))
    await client.initiate_call("bob", "user", "audio", 3)
    assert client.ring_deadline == T0 + 45


async def test_quirk_ring_timer_survives_accept():
    client, server, _ = await logged_in("alice", quirks=Quirks(ring_timer_survives_accept=True))
    call = await client.initiate_call("bob", "user", "audio", 5)
    client._on_frame(frame(call_message(call.session_id, "ongoing", initiator="alice", sender="bob")))
    await client.clock.advance_to(T0 + 5)  # type: ignore[attr-defined]
    assert server.sent("PUT", "calls/") == [("PUT", f"calls/{call.session_id}", {"status": "unanswered"})]


async def test_quirk_no_echo_suppression():
    client, _, recorder = await logged_in("alice", quirks=Quirks(no_echo_suppression=True))
    client._on_frame(frame(call_message(status="ended", initiator="alice"), device_id=client.resource))
    assert recorder.names() == ["onCallEndedMessageReceived"]  # its own end, heard as if remote


async def test_quirk_keep_active_call_after_end():
    client, _, _ = await logged_in("alice", quirks=Quirks(keep_active_call_after_end=True))
    call = await client.initiate_call("bob", "user", "audio")
    await client.end_call(call.session_id)
    assert client.get_active_call() == call


async def test_quirk_wrong_payload_field():
    client, server, _ = await logged_in("alice", quirks=Quirks(wrong_payload_field=True))
    await client.initiate_call("bob", "user", "audio")
    body = server.sent("POST", "calls")[0][2]
    assert "receiver" not in body and body["receiverId"] == "bob"


async def test_quirk_accept_while_busy():
    client, server, _ = await logged_in("bob", quirks=Quirks(accept_while_busy=True))
    await client.initiate_call("carol", "user", "audio")
    accepted = await client.accept_call("v1.from-alice")
    assert client.get_active_call() == accepted
    assert server.sent("PUT", "calls/")[-1] == ("PUT", "calls/v1.from-alice", {"status": "ongoing"})


async def test_quirk_skip_and_double_callbacks():
    client, _, recorder = await logged_in(
        "alice", quirks=Quirks(skip_cancelled_callback=True, double_accepted_callback=True)
    )
    client._on_frame(frame(call_message("v1.a", "cancelled", initiator="bob", receiver="alice")))
    client._on_frame(frame(call_message("v1.b", "ongoing", initiator="alice", sender="bob")))
    assert recorder.names() == ["onOutgoingCallAccepted", "onOutgoingCallAccepted"]


def test_quirk_names_round_trip():
    names = Quirks.names()
    assert len(names) == 15
    assert Quirks.from_names(names).enabled() == names
    assert Quirks.parse("").enabled() == []
    assert Quirks.from_env({"RINGSIDE_REFCLIENT_QUIRKS": "no-echo-suppression, accept-while-busy"}).enabled() == [
        "no-echo-suppression",
        "accept-while-busy",
    ]
    with pytest.raises(ValueError, match="unknown quirk"):
        Quirks.parse("made-up")
