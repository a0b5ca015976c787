"""Wire shapes the server emits: users, groups, the call message (§3.4 of the wire facts), WS frames.

Pure functions of data: they never decide anything, they only lay records out the way the real SDK
parses them (``data.entities.by / for / on``, lower-case ``sessionid``, integer epoch seconds).

:func:`call_message` and :func:`ws_call_frame` are the plain layout; :func:`call_frame` is the one the
backend uses per event, equal to it, from :class:`CallTemplates` shared by the calls between the same
parties and wraps of users shared by every message that shows them unchanged (so nothing may change a
message, or anything in one, in place).
"""

from __future__ import annotations

from typing import Any

from mockserver.core.directory import Group, User
from mockserver.core.machine import CallRecord
from mockserver.core.states import TERMINAL, CallStatus, Kind

Json = dict[str, Any]

#: The ``deviceId`` stamped on frames the server sends on its own behalf (ring expiry).
SYSTEM_DEVICE = "ringside-system"

#: Each status and kind as the plain string the wire carries (``.value`` is an enum property lookup).
_WIRE: dict[str, str] = {m: m.value for enum in (CallStatus, Kind) for m in enum}
_GROUP = Kind.GROUP


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
    if avatar := user.avatar:
        entity["avatar"] = avatar
    if metadata := user.metadata:
        entity["metadata"] = metadata
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
    if call.kind is _GROUP:
        return f"group_{call.receiver}"
    a, b = (call.caller, call.receiver) if call.caller <= call.receiver else (call.receiver, call.caller)
    return f"{a}_user_{b}"


def call_entity(
    call: CallRecord, *, status: CallStatus, caller: Json, receiver: Json, conversation: str | None = None
) -> Json:
    """``data.entities.on.entity``: the call itself, with the status this message announces."""
    kind = _WIRE[call.kind]
    data: Json = {
        "entities": {
            "sender": {"entity": caller, "entityType": "user"},
            "receiver": {"entity": receiver, "entityType": kind},
        }
    }
    entity: Json = {
        "sessionid": call.session_id,
        "conversationId": conversation_id(call) if conversation is None else conversation,
        "sender": call.caller,
        "receiverType": kind,
        "receiver": call.receiver,
        "status": _WIRE[status],
        "type": call.call_type,
        "data": data,
        "initiatedAt": int(call.initiated_at),
    }
    if call.metadata is not None:
        data["metadata"] = call.metadata
    joined_at, ended_at = call.joined_at, call.ended_at
    if joined_at is not None:
        entity["joinedAt"] = int(joined_at)
    if ended_at is not None and status in TERMINAL:
        entity["endedAt"] = int(ended_at)
        if joined_at is not None:
            entity["leftAt"] = int(ended_at)
            entity["duration"] = int(ended_at) - int(joined_at)
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
    kind = _WIRE[call.kind]
    conversation = conversation_id(call)
    data: Json = {
        "action": _WIRE[status],
        "entities": {
            "by": {"entity": actor, "entityType": "user"},
            "for": {"entity": receiver, "entityType": kind},
            "on": {
                "entity": call_entity(call, status=status, caller=caller, receiver=receiver, conversation=conversation),
                "entityType": "call",
            },
        },
    }
    if resource:
        data["resource"] = resource
    sent_at = int(now)
    return {
        "id": str(message_id),
        "conversationId": conversation,
        "sender": actor["uid"],
        "receiverType": kind,
        "receiver": call.receiver,
        "category": "call",
        "type": call.call_type,
        "data": data,
        "sentAt": sent_at,
        "updatedAt": sent_at,
    }


#: ``{"entity": …, "entityType": …}``: a user, group or call as ``entities`` show it. The wrapped
#: entities of users and groups are *shared*: every message showing a user as they are now holds the
#: same dict (see :class:`CallTemplates`). Nothing may change a message, or any dict inside one, in place:
#: what alters a frame on its way out (redaction, faults) copies what it changes.
Wrap = dict[str, Any]


def user_wrap(user: User, *, online: bool) -> Wrap:
    """A user as ``entities`` show them."""
    return {"entity": user_entity(user, online=online), "entityType": "user"}


def group_wrap(group: Group) -> Wrap:
    """A group as ``entities`` show it."""
    return {"entity": group_entity(group), "entityType": "group"}


class CallTemplates:
    """What every message about calls of one kind and type from one caller to one receiver shows alike
    (the wire's ``receiverType``, the conversation id, the parties' ids, the app id), laid out once as
    templates of the frame, the body and the call entity: a message copies each (a C-level copy of a
    flat dict) and sets what is its own, in the keys' order. The backend keeps one per such pair.

    It also keeps the call entity's ``data`` of a call without metadata (who called whom): the same
    dict for as long as the caller and receiver are shown by the same wraps; and, for a user call, the
    tuples of uids every such call's records and deliveries share (tuples: nothing changes them).
    """

    __slots__ = (
        "body",
        "caller",
        "entity",
        "entity_ended",
        "entity_joined",
        "entity_left",
        "frame",
        "known_data",
        "parties",
        "receiver",
        "ringing",
        "uids",
        "user_call",
    )

    def __init__(self, kind: Kind, caller: str, receiver: str, call_type: str, app_id: str) -> None:
        wire_kind = _WIRE[kind]
        #: the caller's uid, the receiver's (uid or guid), and whether it is a user call
        self.caller, self.receiver, self.user_call = caller, receiver, kind is not _GROUP
        #: a user call's ringing (its callee) and who hears of it (caller and callee); a group call's
        #: depend on the group's members at the time, so it makes its own
        self.ringing: tuple[str, ...] = (receiver,)
        self.uids: tuple[str, ...] = (caller, receiver)
        if kind is _GROUP:
            conversation = f"group_{receiver}"
        else:
            a, b = (caller, receiver) if caller <= receiver else (receiver, caller)
            conversation = f"{a}_user_{b}"
        # None: what each message sets (see call_frame)
        self.frame: Json = {
            "appId": app_id,
            "receiver": receiver,
            "receiverType": wire_kind,
            "deviceId": None,
            "type": "message",
            "sender": None,
            "body": None,
        }
        self.body: Json = {
            "id": None,
            "conversationId": conversation,
            "sender": None,
            "receiverType": wire_kind,
            "receiver": receiver,
            "category": "call",
            "type": call_type,
            "data": None,
            "sentAt": None,
            "updatedAt": None,
        }
        self.entity: Json = {
            "sessionid": None,
            "conversationId": conversation,
            "sender": caller,
            "receiverType": wire_kind,
            "receiver": receiver,
            "status": None,
            "type": call_type,
            "data": None,
            "initiatedAt": None,
        }
        # the entity of a call that was joined, that ended unjoined, that ended after joining: each with
        # every key it shows already in place, so a message's copy only sets values (never grows)
        self.entity_joined: Json = {**self.entity, "joinedAt": None}
        self.entity_ended: Json = {**self.entity, "endedAt": None}
        self.entity_left: Json = {**self.entity_joined, "endedAt": None, "leftAt": None, "duration": None}
        #: the caller's and receiver's wraps of the last :meth:`data` without metadata, and that data
        self.parties: tuple[Wrap, Wrap] | None = None
        self.known_data: Json = {}

    def data(self, caller: Wrap, receiver: Wrap, metadata: Any) -> Json:
        """The call entity's ``data``: who called whom (wraps compared by identity: a wrap is never
        changed, a changed user gets a new one) and the call's metadata, if any."""
        if metadata is not None:  # (rare: not kept)
            return {"entities": {"sender": caller, "receiver": receiver}, "metadata": metadata}
        parties = self.parties
        if parties is not None and parties[0] is caller and parties[1] is receiver:
            return self.known_data
        data: Json = {"entities": {"sender": caller, "receiver": receiver}}
        self.parties, self.known_data = (caller, receiver), data
        return data


def call_frame(
    call: CallRecord,
    status: CallStatus,
    message_id: int,
    sent_at: int,
    actor: str,
    by: Wrap,
    receiver: Wrap,
    data: Json,
    resource: str | None,
    templates: CallTemplates,
) -> Json:
    """The frame announcing ``status`` of ``call`` (its ``body`` is the call message, the REST reply):
    equal to ``ws_call_frame(app_id, call_message(...), device_stamp=resource or SYSTEM_DEVICE)`` of the
    same record and entities with ``int(now) == sent_at``, built from ``templates`` (the call's
    :class:`CallTemplates`). ``by`` and ``receiver`` are the actor's and receiver's wraps, ``data`` is
    ``templates.data(caller, receiver, call.metadata)``."""
    initiated_at, joined_at, ended_at = call.initiated_at, call.joined_at, call.ended_at
    wire_status = _WIRE[status]
    # (int() of a float is not free: the move's own time is sent_at already)
    if ended_at is None or status not in TERMINAL:
        if joined_at is None:
            entity = templates.entity.copy()
        else:
            entity = templates.entity_joined.copy()
            entity["joinedAt"] = sent_at if joined_at == sent_at else int(joined_at)
    elif joined_at is None:
        entity = templates.entity_ended.copy()
        entity["endedAt"] = sent_at if ended_at == sent_at else int(ended_at)
    else:
        entity = templates.entity_left.copy()
        joined = entity["joinedAt"] = sent_at if joined_at == sent_at else int(joined_at)
        ended = entity["endedAt"] = entity["leftAt"] = sent_at if ended_at == sent_at else int(ended_at)
        entity["duration"] = ended - joined
    entity["sessionid"] = call.session_id
    entity["status"] = wire_status
    entity["data"] = data
    entity["initiatedAt"] = sent_at if initiated_at == sent_at else int(initiated_at)
    entities = {"by": by, "for": receiver, "on": {"entity": entity, "entityType": "call"}}
    body = templates.body.copy()
    body["id"] = str(message_id)
    body["sender"] = actor
    body["data"] = (
        {"action": wire_status, "entities": entities, "resource": resource}
        if resource
        else {"action": wire_status, "entities": entities}
    )
    body["sentAt"] = body["updatedAt"] = sent_at
    frame = templates.frame.copy()
    frame["deviceId"] = resource or SYSTEM_DEVICE
    frame["sender"] = actor
    frame["body"] = body
    return frame


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
