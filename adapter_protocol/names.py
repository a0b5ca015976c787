"""The adapter protocol's vocabulary in one place: command, capability and callback names.

Steps, the harness's world, the Python reference client and the schema tests all use these, and a test
checks that the adapter JSON Schemas list exactly the same names (``tests/unit/test_adapter_names.py``).
Each is a :class:`~enum.StrEnum`, so a member *is* its wire string (``Command.LOGIN == "login"``).
"""

from __future__ import annotations

from enum import StrEnum, unique

__all__ = ["PROTOCOL_VERSION", "READY_PREFIX", "Callback", "Capability", "Command"]

#: The protocol version a service declares in ``GET /`` (``protocolVersion``).
PROTOCOL_VERSION = 1
#: The start of the one line a spawned test service prints on stdout when it is ready.
READY_PREFIX = "ringside-adapter: listening on "


@unique
class Command(StrEnum):
    """``POST <instance>`` ``{"command": …}``."""

    LOGIN = "login"
    LOGOUT = "logout"
    INITIATE_CALL = "initiateCall"
    ACCEPT_CALL = "acceptCall"
    REJECT_CALL = "rejectCall"
    END_CALL = "endCall"
    ADD_CALL_LISTENER = "addCallListener"
    REMOVE_CALL_LISTENER = "removeCallListener"
    GET_ACTIVE_CALL = "getActiveCall"
    CLEAR_ACTIVE_CALL = "clearActiveCall"
    GENERATE_TOKEN = "generateToken"
    START_SESSION = "startSession"
    SESSION_EVENT = "sessionEvent"
    GET_SESSION = "getSession"
    ADVANCE_TIME = "advanceTime"
    SYNC = "sync"


@unique
class Capability(StrEnum):
    """What a service declares in ``GET /``; a scenario tagged ``@requires-<capability>`` needs it."""

    GROUP_CALLS = "group-calls"
    CUSTOM_TIMEOUT = "custom-timeout"
    MULTI_DEVICE = "multi-device"
    VIRTUAL_TIME = "virtual-time"
    ACTIVE_CALL = "active-call"
    GENERATE_TOKEN = "generate-token"
    LISTENERS = "listeners"
    CALL_SESSION = "call-session"


@unique
class Callback(StrEnum):
    """The call listener's callbacks, as reported to the callback sink (``{"callback": …}``)."""

    INCOMING_CALL_RECEIVED = "onIncomingCallReceived"
    OUTGOING_CALL_ACCEPTED = "onOutgoingCallAccepted"
    OUTGOING_CALL_REJECTED = "onOutgoingCallRejected"
    INCOMING_CALL_CANCELLED = "onIncomingCallCancelled"
    CALL_ENDED_MESSAGE_RECEIVED = "onCallEndedMessageReceived"
