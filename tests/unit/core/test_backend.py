"""The backend without I/O: directory checks on initiate, busy-ness, ids, wire shapes, ring expiry."""

from __future__ import annotations

import pytest

from mockserver.core import SYSTEM_ACTOR, SYSTEM_DEVICE, Backend, CallStatus, ErrorCode, RingsideError
from mockserver.core.messages import (
    WS_AUTH_OK,
    WS_PONG,
    call_log,
    conversation_id,
    ws_auth_failed,
    ws_error,
)
from mockserver.schemas import assert_valid, validate

T0 = 1_800_000_000.0


def make_backend(*, seed: int = 0, ring_timeout: float | None = None, app_id: str = "app") -> Backend:
    backend = Backend(app_id=app_id, region="eu", seed=seed, ring_timeout=ring_timeout)
    for uid in ("alice", "bob", "carol", "dave"):
        backend.directory.add_user(uid, now=T0)
    backend.directory.add_group("team", name="The Team", members=["alice", "bob", "carol"], now=T0)
    backend.directory.add_group("solo", name=None, members=["alice"], now=T0)
    return backend


def call_user(backend: Backend, caller: str = "alice", callee: str = "bob", *, now: float = T0 + 10, resource="R1"):
    return backend.initiate(
        caller, receiver=callee, receiver_type="user", call_type="audio", now=now, resource=resource
    )


def call_group(backend: Backend, caller: str = "alice", guid: str = "team", *, now: float = T0 + 10, resource="R1"):
    return backend.initiate(caller, receiver=guid, receiver_type="group", call_type="video", now=now, resource=resource)


def entity(reply: dict) -> dict:
    return reply["data"]["entities"]["on"]["entity"]


def refused(code: ErrorCode, action) -> RingsideError:
    with pytest.raises(RingsideError) as info:
        action()
    assert info.value.code is code, info.value
    return info.value


# -- initiate: who can call whom ---------------------------------------------------------------------


def test_initiate_to_unknown_user():
    backend = make_backend()
    error = refused(ErrorCode.RECEIVER_NOT_FOUND, lambda: call_user(backend, callee="zed"))
    assert error.details == {"receiver": "zed"}
    assert backend.calls == {}


def test_initiate_to_unknown_group():
    backend = make_backend()
    refused(ErrorCode.RECEIVER_NOT_FOUND, lambda: call_group(backend, guid="nope"))
    assert backend.calls == {}


def test_initiate_by_unknown_caller():
    refused(ErrorCode.UID_NOT_FOUND, lambda: call_user(make_backend(), caller="zed"))


def test_initiate_to_self():
    backend = make_backend()
    refused(ErrorCode.CANNOT_CALL_SELF, lambda: call_user(backend, "bob", "bob"))
    assert backend.calls == {}


def test_initiate_group_without_membership():
    backend = make_backend()
    error = refused(ErrorCode.NOT_A_GROUP_MEMBER, lambda: call_group(backend, "dave"))
    assert error.details == {"guid": "team"}


def test_initiate_group_with_only_the_caller():
    refused(ErrorCode.GROUP_EMPTY, lambda: call_group(make_backend(), "alice", "solo"))


@pytest.mark.parametrize("receiver", ["", "a b", "bob/../x", "x" * 101, "bob?x=1", "bob\n", "zed\n"])
def test_initiate_refuses_ids_that_are_not_url_safe(receiver):
    refused(ErrorCode.VALIDATION_FAILED, lambda: call_user(make_backend(), callee=receiver))


def test_refused_initiate_uses_no_session_id():
    refusing, clean = make_backend(), make_backend()
    refused(ErrorCode.CANNOT_CALL_SELF, lambda: call_user(refusing, "alice", "alice"))
    refused(ErrorCode.RECEIVER_NOT_FOUND, lambda: call_user(refusing, callee="zed"))
    assert call_user(refusing).call.session_id == call_user(clean).call.session_id


def test_group_call_rings_every_member_but_the_caller():
    outcome = call_group(make_backend(), "bob")
    assert outcome.call.ringing == ("alice", "carol")
    assert outcome.call.parties == ("bob", "alice", "carol")
    assert [d.uids for d in outcome.deliveries] == [("bob", "alice", "carol")]


def test_update_unknown_session_and_bad_status():
    backend = make_backend()
    refused(ErrorCode.CALL_NOT_FOUND, lambda: backend.update("bob", "v1.eu.app.nope", "ongoing", now=T0, resource=None))
    sid = call_user(backend).call.session_id
    for status in ("initiated", "accepted", "ONGOING", ""):
        error = refused(ErrorCode.INVALID_STATUS, lambda s=status: backend.update("bob", sid, s, now=T0, resource=None))
        assert error.status_hint == 400
    assert backend.call(sid).status is CallStatus.INITIATED


def test_someone_elses_call():
    backend = make_backend()
    sid = call_user(backend).call.session_id
    refused(ErrorCode.NOT_A_PARTICIPANT, lambda: backend.update("carol", sid, "ongoing", now=T0, resource=None))
    assert backend.call(sid).status is CallStatus.INITIATED


def test_refused_update_changes_nothing():
    backend = make_backend()
    sid = call_user(backend).call.session_id
    before = backend.directory.user("carol").last_active_at
    refused(ErrorCode.NOT_A_PARTICIPANT, lambda: backend.update("carol", sid, "ongoing", now=T0 + 500, resource=None))
    assert backend.directory.user("carol").last_active_at == before


# -- busy-ness -----------------------------------------------------------------------------------------


def test_busy_callee_still_rings_and_is_exposed():
    backend = make_backend()
    first = call_user(backend, "alice", "bob").call.session_id
    assert first not in [c for c in backend.engaged("carol")]
    assert backend.engaged("alice") == [first] and backend.engaged("bob") == [first]
    second = call_user(backend, "carol", "bob", now=T0 + 20)
    assert second.call.status is CallStatus.INITIATED, "a busy callee is still rung"
    assert second.call.engaged_when_rung == ("bob",)
    assert backend.engaged("bob") == [first, second.call.session_id]
    assert backend.snapshot(second.call)["engagedWhenRung"] == ["bob"]
    # a free callee is not marked
    assert call_user(backend, "carol", "dave", now=T0 + 30).call.engaged_when_rung == ()


def test_engaged_follows_the_call():
    backend = make_backend()
    sid = call_user(backend).call.session_id
    backend.update("bob", sid, "ongoing", now=T0 + 11, resource="R2")
    assert backend.engaged("alice") == [sid] and backend.engaged("bob") == [sid]
    backend.update("alice", sid, "ended", now=T0 + 70, resource="R1")
    assert backend.engaged("alice") == [] and backend.engaged("bob") == []


def test_group_engaged_when_rung_and_declines():
    backend = make_backend()
    call_user(backend, "carol", "dave")
    outcome = call_group(backend, "alice")
    assert outcome.call.engaged_when_rung == ("carol",)
    sid = outcome.call.session_id
    backend.update("bob", sid, "rejected", now=T0 + 12, resource="R2")
    assert sid not in backend.engaged("bob")
    assert sid in backend.engaged("carol") and sid in backend.engaged("alice")


# -- ids ---------------------------------------------------------------------------------------------


def _ids(seed: int) -> tuple[list[str], str, str]:
    backend = make_backend(seed=seed)
    sids = [call_user(backend, "alice", "bob").call.session_id, call_group(backend, "bob").call.session_id]
    token = backend.directory.issue_token("alice")
    return sids, token, backend.directory.jwt_for(token)


def test_ids_are_deterministic_per_seed():
    assert _ids(1) == _ids(1)
    other = _ids(2)
    mine = _ids(1)
    assert all(a != b for a, b in zip(mine[0], other[0], strict=True))
    assert mine[1] != other[1] and mine[2] != other[2]


def test_reset_starts_ids_again():
    backend = make_backend(seed=3)
    first = call_user(backend).call.session_id
    backend.reset()
    for uid in ("alice", "bob"):
        backend.directory.add_user(uid, now=T0)
    assert call_user(backend).call.session_id == first
    assert backend.calls.keys() == {first}


def test_session_id_shape():
    sid = call_user(make_backend(app_id="my-app")).call.session_id
    prefix = "v1.eu.my-app."
    assert sid.startswith(prefix)
    tail = sid.removeprefix(prefix)
    assert len(tail) == 40 and all(c in "0123456789abcdef" for c in tail)


def test_token_and_jwt():
    directory = make_backend().directory
    token = directory.issue_token("alice")
    assert token.startswith("alice_") and directory.user_for_token(token).uid == "alice"
    assert directory.issue_token("alice") != token, "each login gets its own token"
    jwt = directory.jwt_for(token)
    assert directory.jwt_for(token) == jwt, "one jwt per login"
    other = directory.jwt_for(directory.issue_token("alice"))
    assert other != jwt, "another login has its own"
    assert directory.user_for_jwt(jwt).uid == "alice"
    assert directory.user_for_jwt("nope") is None and directory.user_for_jwt(None) is None
    directory.revoke(token)
    assert directory.user_for_jwt(jwt) is None, "logout revokes the login's jwt"
    assert directory.user_for_jwt(other).uid == "alice", "and no other login's"
    refused(ErrorCode.AUTH_TOKEN_NOT_FOUND, lambda: directory.user_for_token(token))
    refused(ErrorCode.AUTH_TOKEN_NOT_FOUND, lambda: directory.user_for_token(None))
    refused(ErrorCode.UID_NOT_FOUND, lambda: directory.issue_token("zed"))


def test_directory_refusals():
    directory = make_backend().directory
    refused(ErrorCode.UID_ALREADY_EXISTS, lambda: directory.add_user("alice", now=T0))
    refused(ErrorCode.VALIDATION_FAILED, lambda: directory.add_user("no spaces", now=T0))
    refused(ErrorCode.UID_NOT_FOUND, lambda: directory.add_group("g", name=None, members=["alice", "zed"], now=T0))
    group = directory.add_group("g", name=None, members=["bob", "alice", "bob"], now=T0)
    assert group.members == ["bob", "alice"] and group.owner == "bob" and group.name == "g"


# -- message shapes ---------------------------------------------------------------------------------


def test_initiated_message_shape():
    backend = make_backend()
    backend.online.add("bob")
    outcome = backend.initiate(
        "alice",
        receiver="bob",
        receiver_type="user",
        call_type="video",
        now=T0 + 10.7,
        resource="WEB-A",
        metadata={"k": "v"},
    )
    reply = outcome.reply
    assert_valid("wire/call-message", reply)
    assert reply["category"] == "call" and reply["type"] == "video"
    assert (reply["sender"], reply["receiver"], reply["receiverType"]) == ("alice", "bob", "user")
    assert reply["sentAt"] == reply["updatedAt"] == int(T0 + 10)
    assert reply["data"]["action"] == "initiated"
    assert reply["data"]["resource"] == "WEB-A"
    by, for_, on = (reply["data"]["entities"][k] for k in ("by", "for", "on"))
    assert by["entityType"] == "user" and by["entity"]["uid"] == "alice" and by["entity"]["status"] == "offline"
    assert for_["entityType"] == "user" and for_["entity"]["uid"] == "bob" and for_["entity"]["status"] == "online"
    assert on["entityType"] == "call"
    call = on["entity"]
    assert "sessionid" in call and "sessionId" not in call, "the SDK reads the lower-case key"
    assert call["sessionid"].startswith("v1.")
    assert call["status"] == "initiated" and call["initiatedAt"] == int(T0 + 10)
    assert "joinedAt" not in call and "endedAt" not in call and "leftAt" not in call
    assert call["data"]["entities"]["sender"]["entity"]["uid"] == "alice"
    assert call["data"]["entities"]["receiver"] == {"entity": for_["entity"], "entityType": "user"}
    assert call["data"]["metadata"] == {"k": "v"}
    frame = outcome.deliveries[0].frame
    assert_valid("wire/ws-call-frame", frame)
    assert frame == {
        "appId": "app",
        "receiver": "bob",
        "receiverType": "user",
        "deviceId": "WEB-A",
        "type": "message",
        "sender": "alice",
        "body": reply,
    }


@pytest.mark.parametrize(("caller", "callee"), [("alice", "bob"), ("bob", "alice"), ("dave", "carol")])
def test_conversation_id_is_sorted(caller, callee):
    outcome = call_user(make_backend(), caller, callee)
    low, high = sorted((caller, callee))
    assert outcome.reply["conversationId"] == f"{low}_user_{high}" == conversation_id(outcome.call)
    assert entity(outcome.reply)["conversationId"] == f"{low}_user_{high}"


def test_group_message_shape():
    outcome = call_group(make_backend())
    reply = outcome.reply
    assert_valid("wire/call-message", reply)
    assert reply["conversationId"] == "group_team"
    for_ = reply["data"]["entities"]["for"]
    assert for_["entityType"] == "group"
    assert for_["entity"]["guid"] == "team" and for_["entity"]["name"] == "The Team"
    assert for_["entity"]["membersCount"] == 3
    assert entity(reply)["data"]["entities"]["receiver"]["entityType"] == "group"


def test_joined_at_after_accept_and_left_ended_on_end():
    backend = make_backend()
    sid = call_user(backend, now=T0 + 10).call.session_id
    accepted = backend.update("bob", sid, "ongoing", now=T0 + 12.9, resource="WEB-B")
    assert_valid("wire/call-message", accepted.reply)
    call = entity(accepted.reply)
    assert call["status"] == "ongoing" and call["joinedAt"] == int(T0 + 12)
    assert "endedAt" not in call and "leftAt" not in call
    assert accepted.reply["sender"] == "bob" and accepted.reply["data"]["entities"]["by"]["entity"]["uid"] == "bob"
    assert accepted.deliveries[0].frame["deviceId"] == "WEB-B"
    ended = backend.update("alice", sid, "ended", now=T0 + 72, resource="WEB-A")
    assert_valid("wire/call-message", ended.reply)
    call = entity(ended.reply)
    assert call["status"] == "ended" == ended.reply["data"]["action"]
    assert (call["joinedAt"], call["leftAt"], call["endedAt"]) == (int(T0 + 12), int(T0 + 72), int(T0 + 72))
    assert call["duration"] == 60


@pytest.mark.parametrize(("actor", "status"), [("bob", "rejected"), ("bob", "busy"), ("alice", "cancelled")])
def test_unanswered_end_has_ended_at_but_no_left_at(actor, status):
    backend = make_backend()
    sid = call_user(backend).call.session_id
    call = entity(backend.update(actor, sid, status, now=T0 + 30, resource=None).reply)
    assert call["status"] == status and call["endedAt"] == int(T0 + 30)
    assert "leftAt" not in call and "joinedAt" not in call


def test_frames_without_resource_are_stamped_by_the_system():
    backend = make_backend()
    outcome = call_user(backend, resource=None)
    assert outcome.deliveries[0].frame["deviceId"] == SYSTEM_DEVICE
    assert "resource" not in outcome.reply["data"]


def test_group_decline_and_join_deliveries():
    backend = make_backend()
    backend.directory.add_group("four", name=None, members=["alice", "bob", "carol", "dave"], now=T0)
    sid = call_group(backend, "alice", "four").call.session_id
    declined = backend.update("bob", sid, "busy", now=T0 + 11, resource="WEB-B")
    assert [d.uids for d in declined.deliveries] == [("bob",)]
    assert entity(declined.reply)["status"] == "busy"
    accepted = backend.update("carol", sid, "ongoing", now=T0 + 12, resource="WEB-C")
    assert [d.uids for d in accepted.deliveries] == [("alice", "bob", "carol", "dave")]
    joined = backend.update("dave", sid, "ongoing", now=T0 + 13, resource="WEB-D")
    assert [d.uids for d in joined.deliveries] == [("dave",)]
    assert_valid("wire/call-message", joined.reply)
    assert entity(joined.reply)["status"] == "ongoing" and joined.reply["sender"] == "dave"
    refused(ErrorCode.NOT_IN_CALL, lambda: backend.update("bob", sid, "ended", now=T0 + 14, resource=None))
    ended = backend.update("dave", sid, "ended", now=T0 + 15, resource="WEB-D")
    assert ended.call.status is CallStatus.ENDED
    assert [d.uids for d in ended.deliveries] == [("alice", "bob", "carol", "dave")]


def test_group_all_decline_fans_out_the_final_status():
    backend = make_backend()
    sid = call_group(backend).call.session_id
    backend.update("bob", sid, "busy", now=T0 + 11, resource="WEB-B")
    last = backend.update("carol", sid, "busy", now=T0 + 12, resource="WEB-C")
    assert last.call.status is CallStatus.BUSY
    assert [d.uids for d in last.deliveries] == [("carol",), ("alice", "bob", "carol")]
    assert last.reply == last.deliveries[0].frame["body"]
    assert entity(last.deliveries[1].frame["body"])["status"] == "busy"
    for delivery in last.deliveries:
        assert_valid("wire/ws-call-frame", delivery.frame)


def test_message_ids_increase():
    backend = make_backend()
    first = call_user(backend)
    second = backend.update("bob", first.call.session_id, "ongoing", now=T0 + 11, resource=None)
    assert int(second.reply["id"]) > int(first.reply["id"])


def test_snapshot():
    backend = make_backend()
    sid = call_user(backend).call.session_id
    backend.update("bob", sid, "ongoing", now=T0 + 11, resource=None)
    snap = backend.snapshot(backend.call(sid))
    assert snap == {
        "sessionId": sid,
        "status": "ongoing",
        "receiverType": "user",
        "type": "audio",
        "caller": "alice",
        "receiver": "bob",
        "ringing": ["bob"],
        "participants": ["bob"],
        "declines": {},
        "initiatedAt": T0 + 10,
        "joinedAt": T0 + 11,
        "endedAt": None,
        "engagedWhenRung": [],
        "lastActor": "bob",
    }


def test_call_log():
    backend = make_backend()
    sid = call_user(backend, now=T0 + 10).call.session_id
    backend.update("bob", sid, "ongoing", now=T0 + 20, resource=None)
    log = call_log(backend.update("bob", sid, "ended", now=T0 + 140, resource=None).call)
    assert_valid("wire/call-log", log)
    assert log["sessionId"] == sid and log["status"] == "ended"
    assert (log["initiator"], log["receiver"], log["endedAt"]) == ("alice", "bob", int(T0 + 140))
    assert log["totalDuration"] == 120 and log["totalDurationInMinutes"] == 2
    assert log["totalAudioMinutes"] == 2 and log["totalVideoMinutes"] == 0
    assert log["participants"] == [{"uid": "alice"}, {"uid": "bob"}] and log["totalParticipants"] == 2
    ringing = call_log(call_user(backend, now=T0 + 200).call)
    assert_valid("wire/call-log", ringing)
    assert ringing["endedAt"] is None and ringing["totalDuration"] == 0


def test_call_log_duration_when_joined_at_time_zero():
    backend = make_backend()
    sid = call_user(backend, now=0.0).call.session_id
    backend.update("bob", sid, "ongoing", now=0.0, resource=None)
    log = call_log(backend.update("bob", sid, "ended", now=30.0, resource=None).call)
    assert log["totalDuration"] == 30


def test_ws_frames_validate():
    assert_valid("wire/ws-auth-reply", WS_AUTH_OK)
    assert WS_AUTH_OK["body"]["code"] == "200"
    assert_valid("wire/ws-pong", WS_PONG)
    assert_valid("wire/ws-error-frame", ws_error("ERR_BAD_WS_FRAME", "nope"))


def test_ws_auth_failure_validates():
    frame = ws_auth_failed("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", "unknown jwt")
    assert frame["body"]["status"] == "ERROR" and frame["body"]["code"] != "200"
    assert validate("wire/ws-auth-reply", frame) == []


# -- server-side ring expiry ---------------------------------------------------------------------------


def test_no_ring_expiry_by_default():
    backend = make_backend()
    call_user(backend)
    assert backend.next_deadline() is None
    assert backend.expire(T0 + 10_000) == []


def test_ring_expiry():
    backend = make_backend(ring_timeout=30.0)
    assert backend.next_deadline() is None
    late = call_user(backend, "carol", "dave", now=T0 + 20).call.session_id
    early = call_user(backend, "alice", "bob", now=T0 + 10).call.session_id
    answered = call_group(backend, "bob", now=T0 + 5).call.session_id
    backend.update("carol", answered, "ongoing", now=T0 + 6, resource=None)
    assert backend.next_deadline() == T0 + 40
    assert backend.expire(T0 + 39.9) == []
    outcomes = backend.expire(T0 + 50)
    assert [o.call.session_id for o in outcomes] == [early, late], "earliest deadline first"
    for outcome in outcomes:
        assert outcome.call.status is CallStatus.UNANSWERED
        assert outcome.call.ended_at == T0 + 50 and outcome.call.last_actor == SYSTEM_ACTOR
        assert_valid("wire/call-message", outcome.reply)
        assert outcome.reply["sender"] == SYSTEM_ACTOR
        assert outcome.deliveries[0].frame["deviceId"] == SYSTEM_DEVICE
        assert outcome.deliveries[0].uids == outcome.call.parties
    assert backend.next_deadline() is None
    assert backend.call(answered).status is CallStatus.ONGOING
    assert backend.expire(T0 + 10_000) == []


def test_calls_placed_at_the_same_instant_ring_out_in_the_order_they_were_placed():
    backend = make_backend(ring_timeout=30.0)
    for uid in ("erin", "frank", "grace", "heidi"):
        backend.directory.add_user(uid, now=T0)
    pairs = [("alice", "bob"), ("carol", "dave"), ("erin", "frank"), ("grace", "heidi")]
    placed = [call_user(backend, a, b, now=T0 + 10).call.session_id for a, b in pairs]
    assert placed != sorted(placed), "the seed's ids must not already be in placement order for this to tell"
    assert [o.call.session_id for o in backend.expire(T0 + 40)] == placed


def test_answered_call_has_no_deadline():
    backend = make_backend(ring_timeout=30.0)
    sid = call_user(backend, now=T0).call.session_id
    assert backend.next_deadline() == T0 + 30
    backend.update("bob", sid, "ongoing", now=T0 + 1, resource=None)
    assert backend.next_deadline() is None


@pytest.mark.parametrize(("joined", "ended", "duration"), [(12.9, 72.1, 60), (12.0, 12.7, 0), (12.2, 13.0, 1)])
def test_ended_call_carries_ended_at_and_whole_second_duration_in_reply_and_frame(joined, ended, duration):
    backend = make_backend()
    sid = call_user(backend).call.session_id
    backend.update("bob", sid, "ongoing", now=T0 + joined, resource="WEB-B")
    outcome = backend.update("alice", sid, "ended", now=T0 + ended, resource="WEB-A")
    frames = [d.frame for d in outcome.deliveries]
    assert len(frames) == 1
    assert_valid("wire/ws-call-frame", frames[0])
    for message in (outcome.reply, frames[0]["body"]):
        call = entity(message)
        # whole seconds on the wire, and the duration is exactly their difference
        assert (call["joinedAt"], call["endedAt"]) == (int(T0 + joined), int(T0 + ended))
        assert call["duration"] == call["endedAt"] - call["joinedAt"] == duration
        assert isinstance(call["duration"], int)


def test_group_call_ended_by_a_member_carries_the_duration():
    backend = make_backend()
    sid = call_group(backend).call.session_id
    backend.update("bob", sid, "ongoing", now=T0 + 20, resource="WEB-B")
    outcome = backend.update("bob", sid, "ended", now=T0 + 95, resource="WEB-B")
    assert_valid("wire/call-message", outcome.reply)
    assert entity(outcome.reply)["duration"] == 75


@pytest.mark.parametrize("status", ["initiated", "ongoing"])
def test_live_calls_carry_no_duration(status):
    backend = make_backend()
    outcome = call_user(backend)
    if status == "ongoing":
        outcome = backend.update("bob", outcome.call.session_id, "ongoing", now=T0 + 20, resource="WEB-B")
    assert "duration" not in entity(outcome.reply) and "endedAt" not in entity(outcome.reply)


@pytest.mark.parametrize(("actor", "status"), [("bob", "rejected"), ("bob", "busy"), ("alice", "cancelled")])
def test_calls_that_never_connected_carry_no_duration(actor, status):
    backend = make_backend()
    sid = call_user(backend).call.session_id
    assert "duration" not in entity(backend.update(actor, sid, status, now=T0 + 30, resource=None).reply)
