"""Reading call frames: what a scripted user or a fault needs to know about one WebSocket frame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Statuses after which a call (or, in a group call, one member's part in it) is over.
TERMINAL = frozenset({"ended", "rejected", "busy", "cancelled", "unanswered"})


@dataclass(frozen=True, kw_only=True)
class CallFrame:
    """The facts of one call frame (wire facts §3.4), as a client's SDK would read them."""

    session_id: str
    status: str  #: ``on.entity.status``: what the SDK dispatches on
    caller: str  #: the call's initiator (``on.entity.sender``)
    receiver: str  #: the called uid or guid
    receiver_type: str  #: "user" or "group"
    actor: str  #: who made this move (``entities.by``)
    device: str  #: the acting device's resource (the envelope's ``deviceId``)
    message_id: str  #: the message id: one per event, the same on every device that gets it

    @classmethod
    def parse(cls, frame: Any) -> CallFrame | None:
        """The call facts of ``frame``, or ``None`` if it is not a call message frame."""
        try:
            body = frame["body"]
            if frame.get("type") != "message" or body.get("category") != "call":
                return None
            entities = body["data"]["entities"]
            entity = entities["on"]["entity"]
            return cls(
                session_id=str(entity["sessionid"]),
                status=str(entity["status"]),
                caller=str(entity["sender"]),
                receiver=str(entity["receiver"]),
                receiver_type=str(entity["receiverType"]),
                actor=str(entities["by"]["entity"]["uid"]),
                device=str(frame.get("deviceId", "")),
                message_id=str(body.get("id", "")),
            )
        except (KeyError, TypeError, AttributeError):
            return None

    @property
    def event_key(self) -> str:
        """Identifies the event (not the copy): the same for every device it is delivered to."""
        return f"{self.session_id}/{self.message_id}/{self.status}"
