"""Wire shapes the server emits: users, groups, the call message (§3.4 of the wire facts), WS frames.

Pure functions of data: they never decide anything, they only lay records out the way the real SDK
parses them (``data.entities.by / for / on``, lower-case ``sessionid``, integer epoch seconds).

A move's messages are laid out only when someone reads them (:class:`CallMessage`): the move takes
:class:`UserView` / :class:`GroupView` snapshots of whoever the message shows, so a message laid out
later is the one laying it out at once would have given.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from mockserver.core.directory import Group, User
from mockserver.core.machine import CallRecord
from mockserver.core.states import TERMINAL, CallStatus, Kind

Json = dict[str, Any]

#: The ``deviceId`` stamped on frames the server sends on its own behalf (ring expiry).
SYSTEM_DEVICE = "ringside-system"

#: Each status and kind as the plain string the wire carries (``.value`` is an enum property lookup).
_WIRE: dict[str, str] = {m: m.value for enum in (CallStatus, Kind) for m in enum}
_GROUP = Kind.GROUP


#: A user as a message shows them, taken at the moment of the move: a copy of the :class:`User`'s
#: fields (its ``__dict__``: one dict copy is the cheapest snapshot there is, and every move takes two
#: or three) and whether they were online.
UserView = tuple[dict[str, Any], bool]


class GroupView(NamedTuple):
    """A group as a message shows it, taken at the moment of the move."""

    guid: str
    name: str
    members_count: int
    owner: str
    created_at: float


def user_view(user: User, *, online: bool) -> UserView:
    """What :func:`user_entity` shows of ``user`` now."""
    return (user.__dict__.copy(), online)


def group_view(group: Group) -> GroupView:
    """What :func:`group_entity` shows of ``group`` now."""
    return GroupView(group.guid, group.name, len(group.members), group.owner, group.created_at)


def user_view_entity(view: UserView) -> Json:
    """A user as the wire shows it inside entities and in /me."""
    fields, online = view
    entity: Json = {
        "uid": fields["uid"],
        "name": fields["name"],
        "status": "online" if online else "offline",
        "role": fields["role"],
        "lastActiveAt": int(fields["last_active_at"]),
        "createdAt": int(fields["created_at"]),
    }
    if avatar := fields["avatar"]:
        entity["avatar"] = avatar
    if metadata := fields["metadata"]:
        entity["metadata"] = metadata
    return entity


def group_view_entity(view: GroupView) -> Json:
    """A group as the wire shows it inside entities."""
    return {
        "guid": view.guid,
        "name": view.name,
        "type": "public",
        "membersCount": view.members_count,
        "owner": view.owner,
        "createdAt": int(view.created_at),
        "conversationId": f"group_{view.guid}",
    }


def user_entity(user: User, *, online: bool) -> Json:
    """A user as the wire shows it inside entities and in /me."""
    return user_view_entity(user_view(user, online=online))


def group_entity(group: Group) -> Json:
    """A group as the wire shows it inside entities."""
    return group_view_entity(group_view(group))


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


#: What a move's messages show, taken at the move: the actor, caller and receiver as they were, the first
#: event's message id (the others follow it), ``now``, the acting device (``resource``) and the app id.
#: A plain tuple: one per move, unpacked once per message.
Scene = tuple[UserView, UserView, UserView | GroupView, int, float, str | None, str]


class CallMessage:
    """The call message announcing one event, laid out the first time it is read.

    It holds only what the move saw (the immutable record, the status, the message id and the move's
    :data:`Scene`), so a later move, rename or login does not show through: :meth:`body` and
    :meth:`frame` give what :func:`call_message` and :func:`ws_call_frame` gave at the move. Each is
    laid out once, however many devices it goes to; the frame's ``body`` *is* the body.
    """

    __slots__ = ("_body", "_frame", "call", "message_id", "scene", "status")

    def __init__(self, call: CallRecord, status: CallStatus, message_id: int, scene: Scene) -> None:
        self.call = call
        self.status = status
        self.message_id = message_id
        self.scene = scene
        self._body: Json | None = None
        self._frame: Json | None = None

    def body(self) -> Json:
        """The call message (REST reply ``data``, WS frame ``body``)."""
        body = self._body
        if body is None:
            actor_view, caller_view, receiver_view, _, now, resource, _ = self.scene
            caller = user_view_entity(caller_view)
            if isinstance(receiver_view, GroupView):
                receiver = group_view_entity(receiver_view)
            else:
                receiver = caller if receiver_view is caller_view else user_view_entity(receiver_view)
            # the backend passes the caller's or receiver's own view when the actor is one of them
            if actor_view is caller_view:
                actor = caller
            elif actor_view is receiver_view:
                actor = receiver
            else:
                actor = user_view_entity(actor_view)
            body = self._body = call_message(
                self.call,
                status=self.status,
                actor=actor,
                caller=caller,
                receiver=receiver,
                message_id=self.message_id,
                now=now,
                resource=resource,
            )
        return body

    def frame(self) -> Json:
        """The WebSocket frame around :meth:`body`, stamped with the acting device (the echo rule)."""
        frame = self._frame
        if frame is None:
            resource, app_id = self.scene[5:]
            frame = self._frame = ws_call_frame(app_id, self.body(), device_stamp=resource or SYSTEM_DEVICE)
        return frame

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CallMessage):
            return NotImplemented
        return self.frame() == other.frame()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"CallMessage(id={self.message_id}, session_id={self.call.session_id!r}, "
            f"status={self.status.value!r}, actor={self.scene[0][0]['uid']!r})"
        )


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
