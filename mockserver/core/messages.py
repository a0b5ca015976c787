"""Wire shapes the server emits: users, groups, the call message (§3.4 of the wire facts), WS frames.

Pure functions of data: they never decide anything, they only lay records out the way the real SDK
parses them (``data.entities.by / for / on``, lower-case ``sessionid``, integer epoch seconds).
"""

from __future__ import annotations

from typing import Any

from mockserver.core.directory import Group, User
from mockserver.core.machine import CallRecord
from mockserver.core.states import CallStatus, Kind

Json = dict[str, Any]


def user_entity(user: User, *, online: bool) -> Json:
    """A user as the wire shows it inside entities and in /me."""
    entity: Json = {
        "uid": user.uid,
        "name": user.name,
        "status": "online" if online else "offline",
        "role": user.role,
        "lastActiveAt": int(user.last_active_at),
        "createdAt": int(user.created_at),
    }
    if user.avatar:
        entity["avatar"] = user.avatar
    if user.metadata:
        entity["metadata"] = user.metadata
    return entity


def group_entity(group: Group) -> Json:
    """A group as the wire shows it inside entities."""
    return {
        "guid": group.guid,
        "name": group.name,
        "type": "public",
        "membersCount": len(group.members),
        "owner": group.owner,
        "createdAt": int(group.created_at),
        "conversationId": f"group_{group.guid}",
    }


def conversation_id(call: CallRecord) -> str:
    """CometChat's conversation id: ``group_<guid>``, or the two uids sorted around ``_user_``."""
    if call.kind is Kind.GROUP:
        return f"group_{call.receiver}"
    a, b = sorted((call.caller, call.receiver))
    return f"{a}_user_{b}"


def call_entity(call: CallRecord, *, status: CallStatus, caller: Json, receiver: Json) -> Json:
    """``data.entities.on.entity``: the call itself, with the status this message announces."""
    entity: Json = {
        "sessionid": call.session_id,
        "conversationId": conversation_id(call),
        "sender": call.caller,
        "receiverType": call.kind.value,
        "receiver": call.receiver,
        "status": status.value,
        "type": call.call_type,
        "data": {
            "entities": {
                "sender": {"entity": caller, "entityType": "user"},
                "receiver": {"entity": receiver, "entityType": call.kind.value},
            }
        },
        "initiatedAt": int(call.initiated_at),
    }
    if call.metadata is not None:
        entity["data"]["metadata"] = call.metadata
    if call.joined_at is not None:
        entity["joinedAt"] = int(call.joined_at)
    if status.terminal and call.ended_at is not None:
        entity["endedAt"] = int(call.ended_at)
        if call.joined_at is not None:
            entity["leftAt"] = int(call.ended_at)
            entity["duration"] = int(call.ended_at) - int(call.joined_at)
    return entity


def call_message(
    call: CallRecord,
    *,
    status: CallStatus,
    actor: Json,
    caller: Json,
    receiver: Json,
    message_id: int,
    now: float,
    resource: str | None,
) -> Json:
    """The whole call message (REST reply ``data`` and WS frame ``body``)."""
    data: Json = {
        "action": status.value,
        "entities": {
            "by": {"entity": actor, "entityType": "user"},
            "for": {"entity": receiver, "entityType": call.kind.value},
            "on": {
                "entity": call_entity(call, status=status, caller=caller, receiver=receiver),
                "entityType": "call",
            },
        },
    }
    if resource:
        data["resource"] = resource
    return {
        "id": str(message_id),
        "conversationId": conversation_id(call),
        "sender": actor["uid"],
        "receiverType": call.kind.value,
        "receiver": call.receiver,
        "category": "call",
        "type": call.call_type,
        "data": data,
        "sentAt": int(now),
        "updatedAt": int(now),
    }


def ws_call_frame(app_id: str, body: Json, *, device_stamp: str) -> Json:
    """The WebSocket envelope around a call message; ``deviceId`` is the acting device (echo rule)."""
    return {
        "appId": app_id,
        "receiver": body["receiver"],
        "receiverType": body["receiverType"],
        "deviceId": device_stamp,
        "type": "message",
        "sender": body["sender"],
        "body": body,
    }


#: The auth reply the SDK checks for: the code is the *string* "200".
WS_AUTH_OK: Json = {"type": "auth", "body": {"code": "200", "status": "OK"}}
#: The reply to ``{"action": "ping"}``.
WS_PONG: Json = {"action": "pong"}


def ws_auth_failed(code: str, message: str) -> Json:
    """Auth refused: the SDK never starts pinging, and ringside closes the socket after this."""
    return {"type": "auth", "body": {"code": "401", "status": "ERROR", "message": message, "error": {"code": code}}}


def ws_error(code: str, message: str, details: Json | None = None) -> Json:
    """A frame the server could not take (garbage, unknown type): the socket stays open."""
    return {"type": "error", "body": {"code": code, "message": message, "details": details or {}}}


def call_log(call: CallRecord) -> Json:
    """A call as the Calls API's call log shows it (``GET /calls``)."""
    duration = (call.ended_at - call.joined_at) if call.ended_at is not None and call.joined_at is not None else 0
    return {
        "sessionId": call.session_id,
        "status": call.status.value,
        "type": call.call_type,
        "callCategory": "call",
        "receiverType": call.kind.value,
        "initiator": call.caller,
        "receiver": call.receiver,
        "initiatedAt": int(call.initiated_at),
        "endedAt": int(call.ended_at) if call.ended_at is not None else None,
        "totalDuration": round(duration, 3),
        "totalDurationInMinutes": round(duration / 60, 3),
        "totalAudioMinutes": round(duration / 60, 3) if call.call_type == "audio" else 0,
        "totalVideoMinutes": round(duration / 60, 3) if call.call_type == "video" else 0,
        "totalParticipants": 1 + len(call.participants),
        "hasRecording": False,
        "participants": [{"uid": uid} for uid in (call.caller, *call.participants)],
        "recordings": [],
    }
