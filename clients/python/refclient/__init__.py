"""refclient: the Python reference client of the CometChat ringing API, and its ringside test service.

The library (:class:`RingingClient` and friends) speaks the same wire protocol as the CometChat JS
SDK 4.2.0; :mod:`refclient.service` wraps it in the adapter protocol of ``docs/adapter-protocol.md``.
"""

from refclient.client import SDK_HEADER, SDK_VERSION, RingingClient
from refclient.clock import Clock, RealClock, TimerHandle, VirtualClock
from refclient.errors import CometChatError, ErrorCode
from refclient.faults import Quirks
from refclient.listeners import CallbackName, CallListener
from refclient.model import Call, CallStatus, CallType, ReceiverType, User
from refclient.rules import DEFAULT_TIMEOUT, resolve_timeout

__all__ = [
    "DEFAULT_TIMEOUT",
    "SDK_HEADER",
    "SDK_VERSION",
    "Call",
    "CallListener",
    "CallStatus",
    "CallType",
    "CallbackName",
    "Clock",
    "CometChatError",
    "ErrorCode",
    "Quirks",
    "RealClock",
    "ReceiverType",
    "RingingClient",
    "TimerHandle",
    "User",
    "VirtualClock",
    "resolve_timeout",
]
