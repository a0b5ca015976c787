"""The one exception the client raises, and the SDK's own error codes.

A :class:`CometChatError` is what a rejected promise is in the JS SDK: either a local guard
(``CALL_ALREADY_INITIATED``, ``CALL_IN_PROGRESS``, ``USER_NOT_LOGED_IN`` …) or a server
``{"error": {code, message, details}}`` envelope passed through unchanged.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = ["CometChatError", "ErrorCode"]


class ErrorCode(StrEnum):
    """Error codes the client produces itself (server codes pass through as plain strings)."""

    #: ``initiate_call`` while a call is active (wire spec §2.7).
    CALL_ALREADY_INITIATED = "CALL_ALREADY_INITIATED"
    #: ``accept_call`` while a call is active (the SDK's ``CANNOT_ACCEPT_CALL``).
    CALL_IN_PROGRESS = "CALL_IN_PROGRESS"
    #: A client endpoint was called with no auth token; nothing was sent. (Sic: the SDK's spelling.)
    USER_NOT_LOGED_IN = "USER_NOT_LOGED_IN"
    #: An admin endpoint (``auth_tokens``) was called with no API key; nothing was sent.
    API_KEY_NOT_SET = "API_KEY_NOT_SET"
    #: The request failed on the network, or the reply was neither ``{"data"}`` nor ``{"error"}``.
    FAILED_TO_FETCH = "FAILED_TO_FETCH"
    #: The WebSocket auth reply was not ``{"code": "200", "status": "OK"}``, or the socket closed first.
    WS_AUTH_FAILED = "WS_AUTH_FAILED"


#: The SDK's messages for its local errors (``CALL_ERROR`` in the bundle).
MESSAGES: dict[str, str] = {
    ErrorCode.CALL_ALREADY_INITIATED: "There is already call in progress",
    ErrorCode.CALL_IN_PROGRESS: "There is already a call in progress",
    ErrorCode.USER_NOT_LOGED_IN: (
        "An authToken is need to use the {endpoint} end-point. "
        "PS- We are aware of the spelling mistake, but in order to maintain backward compatibility "
        "we cannot change it."
    ),
    ErrorCode.API_KEY_NOT_SET: "An apiKey is needed to use the {endpoint} end-point.",
    ErrorCode.FAILED_TO_FETCH: (
        "There is an unknown issue with the API request. Please check your internet connection and "
        "verify the api call. ({reason})"
    ),
    ErrorCode.WS_AUTH_FAILED: "The WebSocket login was refused: {reason}",
}


class CometChatError(Exception):
    """A rejected SDK call: ``code``, ``message`` and ``details`` as the JS SDK's ``CometChatException``.

    Args:
        code: the SDK's or the server's error code, unchanged.
        message: human-readable text.
        details: extra data (the server's ``details``), or ``None``.
    """

    def __init__(self, code: str, message: str = "", details: Any = None) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = str(code)
        self.message = message
        self.details = details

    @classmethod
    def local(cls, code: ErrorCode, **fields: str) -> CometChatError:
        """One of the client's own errors, with the SDK's message (``fields`` fill its ``{}`` slots)."""
        return cls(code.value, MESSAGES[code].format(**fields), {})

    @classmethod
    def from_envelope(cls, error: Any) -> CometChatError:
        """The error of a server ``{"error": {...}}`` envelope, passed through as the SDK does."""
        if not isinstance(error, dict):
            return cls.local(ErrorCode.FAILED_TO_FETCH, reason=f"error envelope is not an object: {error!r}")
        code = error.get("code") or ErrorCode.FAILED_TO_FETCH.value
        return cls(str(code), str(error.get("message") or ""), error.get("details"))

    def to_json(self) -> dict[str, Any]:
        """``{"code", "message", "details"}`` (``details`` becomes an object or ``None``)."""
        details = self.details
        if details is not None and not isinstance(details, dict):
            details = {"value": details}
        return {"code": self.code, "message": self.message, "details": details}

    def __repr__(self) -> str:
        return f"CometChatError({self.code!r}, {self.message!r}, {self.details!r})"
