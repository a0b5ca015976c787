"""The client's data: ``User`` and ``Call``, parsed from the wire and mapped to the adapter protocol.

Parsing follows the JS SDK's ``Call.callFromJSON`` (wire spec §3.4) field by field:

=====================  ===========================================================
``Call`` field          read from the call message (the WS frame ``body`` / REST ``data``)
=====================  ===========================================================
``receiver_id``         ``receiver`` (top level)
``call_type``           ``type`` (top level)
``receiver_type``       ``receiverType`` (top level)
``action``              ``data.action``
``session_id``          ``data.entities.on.entity.sessionid`` (lower-case ``sessionid``)
``status``              ``data.entities.on.entity.status``
``initiated_at``        ``data.entities.on.entity.initiatedAt``
``joined_at``           ``data.entities.on.entity.joinedAt``
``duration``            ``data.entities.on.entity.duration`` (only when the status is ``ended``)
``initiator``           ``data.entities.on.entity.data.entities.sender.entity.uid``
``sender``              ``data.entities.by.entity.uid``
=====================  ===========================================================

Like the SDK, parsing is lenient: a missing piece becomes ``None`` rather than an error, and a
falsy timestamp (``0``) counts as absent. One deliberate difference: the SDK also copies
``leftAt`` into ``joinedAt`` (a bug, wire spec §3.4); this client does not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypedDict

__all__ = [
    "Call",
    "CallJSON",
    "CallStatus",
    "CallType",
    "MalformedMessage",
    "ReceiverType",
    "User",
    "UserJSON",
]

JsonObject = dict[str, Any]


class CallStatus(StrEnum):
    """``CometChat.CALL_STATUS``."""

    INITIATED = "initiated"
    ONGOING = "ongoing"
    UNANSWERED = "unanswered"
    REJECTED = "rejected"
    BUSY = "busy"
    CANCELLED = "cancelled"
    ENDED = "ended"


class CallType(StrEnum):
    """``CometChat.CALL_TYPE``."""

    AUDIO = "audio"
    VIDEO = "video"


class ReceiverType(StrEnum):
    """``CometChat.RECEIVER_TYPE``."""

    USER = "user"
    GROUP = "group"


class MalformedMessage(ValueError):
    """Raised when a call message is not even an object with a ``data`` object."""


class UserJSON(TypedDict):
    """The adapter protocol's ``User`` (the ``login`` result)."""

    uid: str
    name: str
    authToken: str | None


class CallJSON(TypedDict):
    """The adapter protocol's ``Call`` mapping."""

    sessionId: str | None
    status: str | None
    callType: str | None
    receiverType: str | None
    receiverId: str | None
    initiator: str | None
    sender: str | None
    action: str | None
    initiatedAt: int | None
    joinedAt: int | None
    duration: int | None
    raw: JsonObject | None


def _dig(value: Any, *path: str) -> Any:
    """``value[path[0]][path[1]]…``, or ``None`` as soon as a step is missing or not an object."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _str_or_none(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _epoch_or_none(value: Any) -> int | None:
    """An epoch-seconds field as the SDK keeps it: falsy → absent; numbers (or numeric text) → int."""
    if not value or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def _seconds_or_none(value: Any) -> int | None:
    """A whole-seconds count (``0`` is a real value here): a non-negative integer, else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


@dataclass(frozen=True, kw_only=True)
class User:
    """A user as the ``/me`` and ``auth_tokens`` replies describe it."""

    uid: str
    name: str = ""
    #: The REST ``authToken`` (only known for the logged-in user).
    auth_token: str | None = None
    #: The WebSocket credential (``data.jwt`` of ``/me``).
    jwt: str | None = None
    raw: JsonObject = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> User:
        """Parse a user object (``uid`` is required; everything else is optional)."""
        uid = _str_or_none(data.get("uid"))
        if not uid:
            raise MalformedMessage(f"user object without uid: {dict(data)!r}")
        return cls(
            uid=uid,
            name=_str_or_none(data.get("name")) or "",
            auth_token=_str_or_none(data.get("authToken")),
            jwt=_str_or_none(data.get("jwt")),
            raw=dict(data),
        )

    def to_json(self) -> UserJSON:
        """The adapter's ``{uid, name, authToken}``."""
        return {"uid": self.uid, "name": self.name, "authToken": self.auth_token}


@dataclass(frozen=True, kw_only=True)
class Call:
    """One call message as the SDK's ``Call`` object sees it. Immutable: use :meth:`with_status`.

    ``status`` and ``action`` stay plain strings so that an unexpected value from a server survives
    parsing (the dispatch then ignores it, as the SDK does); compare them with :class:`CallStatus`.
    """

    session_id: str | None
    status: str | None
    call_type: str | None
    receiver_type: str | None
    receiver_id: str | None
    action: str | None = None
    #: uid of whoever started the call, or ``None`` when the message lacks it.
    initiator: str | None = None
    #: uid of whoever acted (``data.entities.by``), or ``None``.
    sender: str | None = None
    initiated_at: int | None = None
    joined_at: int | None = None
    #: Whole seconds an ``ended`` call lasted, as the server's call entity says; ``None`` otherwise.
    duration: int | None = None
    metadata: Any = None
    #: The wire call message this object was parsed from (``getRawMessage()``).
    raw: JsonObject | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_message(cls, message: Any) -> Call:
        """Parse a call message (the ``body`` of a WS frame, or the ``data`` of a REST reply).

        Raises:
            MalformedMessage: ``message`` is not an object, or its ``data`` is not an object.
        """
        if not isinstance(message, Mapping):
            raise MalformedMessage(f"call message is not an object: {message!r}")
        data = message.get("data")
        if not isinstance(data, Mapping):
            raise MalformedMessage(f"call message has no data object: {dict(message)!r}")
        entity = _dig(data, "entities", "on", "entity")
        status = _str_or_none(_dig(entity, "status"))
        return cls(
            session_id=_str_or_none(_dig(entity, "sessionid")),
            status=status,
            call_type=_str_or_none(message.get("type")),
            receiver_type=_str_or_none(message.get("receiverType")),
            receiver_id=_str_or_none(message.get("receiver")),
            action=_str_or_none(data.get("action")),
            initiator=_str_or_none(_dig(entity, "data", "entities", "sender", "entity", "uid")),
            sender=_str_or_none(_dig(data, "entities", "by", "entity", "uid")),
            initiated_at=_epoch_or_none(_dig(entity, "initiatedAt")),
            joined_at=_epoch_or_none(_dig(entity, "joinedAt")),
            duration=_seconds_or_none(_dig(entity, "duration")) if status == CallStatus.ENDED else None,
            metadata=_dig(entity, "data", "metadata"),
            raw=dict(message),
        )

    @property
    def is_group(self) -> bool:
        """Whether this is a group call (``receiverType == "group"``)."""
        return self.receiver_type == ReceiverType.GROUP

    def with_status(self, status: str) -> Call:
        """A copy with another status (the SDK's ``setStatus``), e.g. ``ended`` after a failed ``endCall``.

        The copy has no duration: only the server knows it.
        """
        return dataclasses.replace(self, status=status, duration=None)

    def without_duration(self) -> Call:
        """A copy with ``duration`` ``None`` (the ``no-call-duration`` quirk)."""
        return dataclasses.replace(self, duration=None)

    def to_json(self) -> CallJSON:
        """The adapter protocol's ``Call`` mapping, ``raw`` included."""
        return {
            "sessionId": self.session_id,
            "status": self.status,
            "callType": self.call_type,
            "receiverType": self.receiver_type,
            "receiverId": self.receiver_id,
            "initiator": self.initiator,
            "sender": self.sender,
            "action": self.action,
            "initiatedAt": self.initiated_at,
            "joinedAt": self.joined_at,
            "duration": self.duration,
            "raw": self.raw,
        }
