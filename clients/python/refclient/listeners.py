"""Call listeners: the five callbacks, and the registry keyed by listener id.

The registry behaves like the SDK's ``addCallListener`` / ``removeCallListener``: adding an id that
is already registered drops the old listener and appends the new one at the end, so listeners are
always invoked in (re-)registration order.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from refclient.model import Call

__all__ = ["CallListener", "CallbackName", "ListenerRegistry"]

log = logging.getLogger(__name__)

CallHandler = Callable[["Call"], None]


class CallbackName(StrEnum):
    """The five ``CallListener`` callbacks, named as in the JS SDK and the adapter protocol."""

    INCOMING_CALL_RECEIVED = "onIncomingCallReceived"
    OUTGOING_CALL_ACCEPTED = "onOutgoingCallAccepted"
    OUTGOING_CALL_REJECTED = "onOutgoingCallRejected"
    INCOMING_CALL_CANCELLED = "onIncomingCallCancelled"
    CALL_ENDED_MESSAGE_RECEIVED = "onCallEndedMessageReceived"


@dataclass(frozen=True, kw_only=True)
class CallListener:
    """``new CometChat.CallListener({...})``: any callback may be left out."""

    on_incoming_call_received: CallHandler | None = None
    on_outgoing_call_accepted: CallHandler | None = None
    on_outgoing_call_rejected: CallHandler | None = None
    on_incoming_call_cancelled: CallHandler | None = None
    on_call_ended_message_received: CallHandler | None = None

    @classmethod
    def forwarding(cls, sink: Callable[[CallbackName, Call], None]) -> CallListener:
        """A listener whose five callbacks all call ``sink(name, call)``."""

        def make(name: CallbackName) -> CallHandler:
            return lambda call: sink(name, call)

        return cls(**{_FIELDS[name]: make(name) for name in CallbackName})

    def handler(self, name: CallbackName) -> CallHandler | None:
        """The callback registered for ``name``, or ``None``."""
        handler: CallHandler | None = getattr(self, _FIELDS[name])
        return handler


#: CallbackName → the CallListener field holding it.
_FIELDS: dict[CallbackName, str] = {
    CallbackName.INCOMING_CALL_RECEIVED: "on_incoming_call_received",
    CallbackName.OUTGOING_CALL_ACCEPTED: "on_outgoing_call_accepted",
    CallbackName.OUTGOING_CALL_REJECTED: "on_outgoing_call_rejected",
    CallbackName.INCOMING_CALL_CANCELLED: "on_incoming_call_cancelled",
    CallbackName.CALL_ENDED_MESSAGE_RECEIVED: "on_call_ended_message_received",
}


class ListenerRegistry:
    """Listeners by id, in registration order."""

    def __init__(self) -> None:
        self._listeners: dict[str, CallListener] = {}

    def add(self, listener_id: str, listener: CallListener) -> None:
        """Register ``listener`` as ``listener_id``, replacing (and moving to the end) any previous one."""
        self._listeners.pop(listener_id, None)
        self._listeners[listener_id] = listener

    def remove(self, listener_id: str) -> None:
        """Unregister ``listener_id``; unknown ids are ignored."""
        self._listeners.pop(listener_id, None)

    def strip(self, listener_id: str, names: tuple[CallbackName, ...]) -> None:
        """Drop the callbacks ``names`` from ``listener_id`` in place (it keeps its position)."""
        listener = self._listeners.get(listener_id)
        if listener is not None:
            self._listeners[listener_id] = dataclasses.replace(listener, **{_FIELDS[n]: None for n in names})

    def ids(self) -> list[str]:
        """Registered ids, in invocation order."""
        return list(self._listeners)

    def invoke(self, name: CallbackName, call: Call) -> None:
        """Run callback ``name`` of every listener that has it, in order.

        An exception in one listener is logged and does not stop the others.
        """
        for listener_id, listener in list(self._listeners.items()):
            handler = listener.handler(name)
            if handler is None:
                continue
            try:
                handler(call)
            except Exception:
                log.exception("listener %r failed in %s", listener_id, name)
