"""Error codes of the call core: every refusal has a stable code, a side, and an HTTP status hint.

Two sides, as in h11's LocalProtocolError / RemoteProtocolError:

* ``Side.CLIENT`` — the client under test (or any API caller) broke the contract. In a conformance
  run a scenario that did not ask for this is a FAIL.
* ``Side.SCRIPT`` — the scenario, script or operator asked for something impossible (an unknown user
  in a script, a clock moved backwards). In a conformance run that is an ERROR, not a FAIL.

Codes are what travels on the wire in ``{"error": {"code", "message", "details"}}``: never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any


class Side(Enum):
    """Who is to blame for an error."""

    CLIENT = "client"  #: the client under test broke the contract (FAIL)
    SCRIPT = "script"  #: the scenario / script / operator is wrong (ERROR)


class ErrorCode(StrEnum):
    """Every error code the mock server can answer with. Each member's comment is its meaning."""

    #: the session id names no call
    CALL_NOT_FOUND = "ERR_CALL_NOT_FOUND"
    #: the acting user is neither the caller nor a callee / member of the call
    NOT_A_PARTICIPANT = "ERR_NOT_A_PARTICIPANT"
    #: the call already reached a terminal status (ended, rejected, busy, cancelled, unanswered)
    CALL_ALREADY_ENDED = "ERR_CALL_ALREADY_ENDED"
    #: the callee (or this group member) already answered: accepted, rejected or answered busy
    CALL_ALREADY_ANSWERED = "ERR_CALL_ALREADY_ANSWERED"
    #: the acting party's role may not make this move (e.g. the caller accepting, the callee cancelling)
    ROLE_NOT_ALLOWED = "ERR_CALL_ROLE_NOT_ALLOWED"
    #: the move is allowed for this role, but not in the call's current status (e.g. ending a ringing call)
    CALL_WRONG_STATE = "ERR_CALL_WRONG_STATE"
    #: a group member who never joined the ongoing call tried to end it
    NOT_IN_CALL = "ERR_NOT_IN_CALL"
    #: the status in a call update is not one a client may send
    INVALID_STATUS = "ERR_INVALID_CALL_STATUS"
    #: the receiver of a call (uid or guid) does not exist
    RECEIVER_NOT_FOUND = "ERR_RECEIVER_NOT_FOUND"
    #: a user tried to call themself
    CANNOT_CALL_SELF = "ERR_CANNOT_CALL_SELF"
    #: the caller is not a member of the group they called
    NOT_A_GROUP_MEMBER = "ERR_NOT_A_MEMBER"
    #: the group has no member other than the caller, so nobody could ring
    GROUP_EMPTY = "ERR_GROUP_NO_MEMBERS"
    #: the user id names no user (and the server does not create users on first login)
    UID_NOT_FOUND = "ERR_UID_NOT_FOUND"
    #: a user with that uid already exists
    UID_ALREADY_EXISTS = "ERR_UID_ALREADY_EXISTS"
    #: the authToken header is missing or names no token (the SDK logs out on this code)
    AUTH_TOKEN_NOT_FOUND = "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
    #: the apiKey header is missing or wrong
    API_KEY_NOT_FOUND = "AUTH_ERR_APIKEY_NOT_FOUND"
    #: the appId header names another app
    APP_ID_MISMATCH = "ERR_APPID_MISMATCH"
    #: a token tried to act for another user
    TOKEN_USER_MISMATCH = "ERR_AUTH_TOKEN_USER_MISMATCH"
    #: the request body is not valid JSON
    BAD_JSON = "ERR_BAD_JSON"
    #: the request body is JSON but breaks its schema (wrong type, missing field, unknown value)
    VALIDATION_FAILED = "ERR_VALIDATION_FAILED"
    #: the request body is larger than the server accepts
    BODY_TOO_LARGE = "ERR_BODY_TOO_LARGE"
    #: a JSON body or frame nests arrays / objects deeper than the server accepts (64 levels)
    JSON_TOO_DEEP = "ERR_JSON_TOO_DEEP"
    #: a JSON number's magnitude is beyond 2**53 - 1 (what a JavaScript client holds exactly)
    NUMBER_OUT_OF_RANGE = "ERR_NUMBER_OUT_OF_RANGE"
    #: the request line (method, URL, version) is longer than the server reads
    URL_TOO_LONG = "ERR_URL_TOO_LONG"
    #: a request header line is longer than the server reads, or there are too many headers
    HEADERS_TOO_LARGE = "ERR_HEADERS_TOO_LARGE"
    #: the request is not well-formed HTTP/1.1
    BAD_HTTP = "ERR_BAD_HTTP"
    #: no endpoint at this path / method
    ENDPOINT_NOT_FOUND = "ERR_ENDPOINT_NOT_FOUND"
    #: a WebSocket frame was not JSON, or not a frame the server understands
    BAD_FRAME = "ERR_BAD_WS_FRAME"
    #: a WebSocket frame other than auth arrived before the socket authenticated
    WS_NOT_AUTHENTICATED = "ERR_WS_NOT_AUTHENTICATED"
    #: the control API was called from outside loopback, or with a Host header naming another server
    CONTROL_FORBIDDEN = "ERR_CONTROL_FORBIDDEN"
    #: a control request without this server's control token, or with a wrong one
    CONTROL_UNAUTHORIZED = "ERR_CONTROL_UNAUTHORIZED"
    #: the clock would move backwards, or cannot be moved (not virtual)
    CLOCK_REFUSED = "ERR_CLOCK_REFUSED"
    #: a script, behaviour or fault definition is invalid
    SCRIPT_INVALID = "ERR_SCRIPT_INVALID"
    #: the server is refusing this user's reconnects for a while (an injected fault)
    RECONNECT_REFUSED = "ERR_RECONNECT_REFUSED"
    #: an unexpected server-side failure (a bug in ringside; the journal has the details)
    INTERNAL = "ERR_INTERNAL"


#: HTTP status a code maps to. The SDK ignores the status (it reads only the body), browsers and
#: other clients do not.
STATUS_HINTS: dict[ErrorCode, int] = {
    ErrorCode.CALL_NOT_FOUND: 404,
    ErrorCode.NOT_A_PARTICIPANT: 403,
    ErrorCode.CALL_ALREADY_ENDED: 409,
    ErrorCode.CALL_ALREADY_ANSWERED: 409,
    ErrorCode.ROLE_NOT_ALLOWED: 403,
    ErrorCode.CALL_WRONG_STATE: 409,
    ErrorCode.NOT_IN_CALL: 409,
    ErrorCode.INVALID_STATUS: 400,
    ErrorCode.RECEIVER_NOT_FOUND: 404,
    ErrorCode.CANNOT_CALL_SELF: 400,
    ErrorCode.NOT_A_GROUP_MEMBER: 403,
    ErrorCode.GROUP_EMPTY: 409,
    ErrorCode.UID_NOT_FOUND: 404,
    ErrorCode.UID_ALREADY_EXISTS: 409,
    ErrorCode.AUTH_TOKEN_NOT_FOUND: 401,
    ErrorCode.API_KEY_NOT_FOUND: 401,
    ErrorCode.APP_ID_MISMATCH: 401,
    ErrorCode.TOKEN_USER_MISMATCH: 403,
    ErrorCode.BAD_JSON: 400,
    ErrorCode.VALIDATION_FAILED: 400,
    ErrorCode.BODY_TOO_LARGE: 413,
    ErrorCode.JSON_TOO_DEEP: 400,
    ErrorCode.NUMBER_OUT_OF_RANGE: 400,
    ErrorCode.URL_TOO_LONG: 414,
    ErrorCode.HEADERS_TOO_LARGE: 431,
    ErrorCode.BAD_HTTP: 400,
    ErrorCode.ENDPOINT_NOT_FOUND: 404,
    ErrorCode.BAD_FRAME: 400,
    ErrorCode.WS_NOT_AUTHENTICATED: 401,
    ErrorCode.CONTROL_FORBIDDEN: 403,
    ErrorCode.CONTROL_UNAUTHORIZED: 401,
    ErrorCode.CLOCK_REFUSED: 409,
    ErrorCode.SCRIPT_INVALID: 400,
    ErrorCode.RECONNECT_REFUSED: 503,
    ErrorCode.INTERNAL: 500,
}

#: Codes whose blame lies with the scenario / operator rather than the client under test.
SCRIPT_SIDE: frozenset[ErrorCode] = frozenset(
    {
        ErrorCode.CLOCK_REFUSED,
        ErrorCode.SCRIPT_INVALID,
        ErrorCode.CONTROL_FORBIDDEN,
        ErrorCode.CONTROL_UNAUTHORIZED,
        ErrorCode.INTERNAL,
    }
)


@dataclass(eq=False)
class RingsideError(Exception):
    """A refused request: raised by the core, turned into the wire's error envelope at the edge.

    A refused move never half-applies: whoever raises this has changed nothing.
    """

    code: ErrorCode
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @property
    def side(self) -> Side:
        """Who broke the contract."""
        return Side.SCRIPT if self.code in SCRIPT_SIDE else Side.CLIENT

    @property
    def status_hint(self) -> int:
        """The HTTP status that goes with this error."""
        return STATUS_HINTS[self.code]

    def envelope(self) -> dict[str, Any]:
        """The wire's error envelope, ``{"error": {"code", "message", "details"}}``."""
        return {"error": {"code": str(self.code), "message": self.message, "details": dict(self.details)}}
