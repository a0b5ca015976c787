"""The Call model: parsing the wire call message (wire spec §3.4) and the adapter's Call mapping."""

from __future__ import annotations

import pytest
from refclient_support import T0, call_message

from adapter_protocol import schemas
from refclient import Call, User
from refclient.model import MalformedMessage


def test_parses_every_field_from_where_the_sdk_reads_it():
    message = call_message("v1.eu.abc", "ongoing", initiator="alice", sender="bob", joined_at=int(T0) + 5)
    call = Call.from_message(message)
    assert call.session_id == "v1.eu.abc"  # data.entities.on.entity.sessionid
    assert call.status == "ongoing"  # on.entity.status, not data.action
    assert call.action == "ongoing"
    assert call.initiator == "alice"  # on.entity.data.entities.sender.entity
    assert call.sender == "bob"  # data.entities.by.entity
    assert call.receiver_id == "bob"
    assert call.receiver_type == "user"
    assert call.call_type == "audio"
    assert call.initiated_at == int(T0)
    assert call.joined_at == int(T0) + 5
    assert call.raw == message


def test_status_comes_from_the_entity_even_when_action_disagrees():
    message = call_message(status="rejected")
    message["data"]["action"] = "busy"
    call = Call.from_message(message)
    assert (call.status, call.action) == ("rejected", "busy")


def test_group_call_receiver_is_the_guid():
    call = Call.from_message(call_message(receiver="team", receiver_type="group", call_type="video"))
    assert (call.receiver_id, call.receiver_type, call.call_type, call.is_group) == ("team", "group", "video", True)


def test_missing_pieces_become_none_like_the_sdk():
    message = call_message()
    del message["data"]["entities"]["by"]
    del message["data"]["entities"]["on"]["entity"]["data"]
    message["data"]["entities"]["on"]["entity"]["initiatedAt"] = 0  # falsy: the SDK skips it
    call = Call.from_message(message)
    assert call.sender is None
    assert call.initiator is None
    assert call.initiated_at is None
    assert call.session_id == "v1.test.1"


def test_left_at_is_not_copied_into_joined_at():
    message = call_message(status="ended", joined_at=int(T0) + 1)
    message["data"]["entities"]["on"]["entity"]["leftAt"] = int(T0) + 99
    assert Call.from_message(message).joined_at == int(T0) + 1


def test_float_and_text_timestamps_become_integers():
    message = call_message(initiated_at=None)
    message["data"]["entities"]["on"]["entity"]["initiatedAt"] = 1800000000.9
    message["data"]["entities"]["on"]["entity"]["joinedAt"] = "1800000003"
    call = Call.from_message(message)
    assert (call.initiated_at, call.joined_at) == (1800000000, 1800000003)


@pytest.mark.parametrize("bad", [None, [], "call", {"category": "call"}, {"data": "x"}])
def test_not_a_call_message_raises(bad):
    with pytest.raises(MalformedMessage):
        Call.from_message(bad)


def test_to_json_is_the_adapter_call_mapping():
    message = call_message("v1.x", "initiated", initiator="alice", receiver="bob")
    assert Call.from_message(message).to_json() == {
        "sessionId": "v1.x",
        "status": "initiated",
        "callType": "audio",
        "receiverType": "user",
        "receiverId": "bob",
        "initiator": "alice",
        "sender": "alice",
        "action": "initiated",
        "initiatedAt": int(T0),
        "joinedAt": None,
        "duration": None,
        "raw": message,
    }


def test_to_json_satisfies_the_adapter_schema():
    for status in ("initiated", "ongoing", "rejected", "busy", "cancelled", "unanswered", "ended"):
        ended = {"endedAt": int(T0) + 3, "duration": 3} if status == "ended" else {}
        mapping = Call.from_message(call_message(status=status, joined_at=int(T0), **ended)).to_json()
        assert schemas.validate("adapter/call", mapping) == [], status
        assert mapping["duration"] == (3 if status == "ended" else None)


def test_with_status_keeps_everything_else():
    call = Call.from_message(call_message(status="ongoing", joined_at=int(T0)))
    ended = call.with_status("ended")
    assert ended.status == "ended"
    assert (ended.session_id, ended.joined_at, ended.raw) == (call.session_id, call.joined_at, call.raw)


def test_user_from_me_reply():
    user = User.from_json({"uid": "alice", "name": "Alice", "authToken": "t", "jwt": "j", "role": "default"})
    assert (user.uid, user.name, user.auth_token, user.jwt) == ("alice", "Alice", "t", "j")
    assert user.to_json() == {"uid": "alice", "name": "Alice", "authToken": "t"}
    with pytest.raises(MalformedMessage):
        User.from_json({"name": "nobody"})
