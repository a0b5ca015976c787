"""The pure core of the mock server: call state machine, tenancy, wire shapes. No I/O, no clock."""

from mockserver.core.backend import SYSTEM_DEVICE, Backend, Delivery, Outcome
from mockserver.core.errors import ErrorCode, RingsideError, Side
from mockserver.core.machine import SYSTEM_ACTOR, CallRecord, handle, refusal
from mockserver.core.states import TRANSITIONS, CallStatus, Kind, Move, Role

__all__ = [
    "SYSTEM_ACTOR",
    "SYSTEM_DEVICE",
    "TRANSITIONS",
    "Backend",
    "CallRecord",
    "CallStatus",
    "Delivery",
    "ErrorCode",
    "Kind",
    "Move",
    "Outcome",
    "RingsideError",
    "Role",
    "Side",
    "handle",
    "refusal",
]
