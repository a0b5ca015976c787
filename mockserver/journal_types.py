"""One TypedDict per journal kind: what each entry carries, shared by the writers and the readers.

The server writes entries with :meth:`mockserver.journal.Journal.record`, which checks the fields
against these types (an unknown field is a bug in the writer); the harness reads them back through
:mod:`mockserver.probe` and ``harness/journal_view.py``. Every entry has ``seq`` (gapless), ``kind``,
``t`` (the server clock) and ``wall`` (real time). The types only describe; nothing here imports the server.
"""

# No "from __future__ import annotations": the kinds and optional keys are read at run time.

from typing import Any, Literal, NotRequired, TypedDict, get_args

Json = dict[str, Any]


class _Entry(TypedDict):
    seq: int
    t: float
    wall: float


class HttpRequest(_Entry):
    """A REST or control request as received."""

    kind: Literal["http.request"]
    method: str
    path: str
    headers: dict[str, str | None]
    remote: str | None
    query: NotRequired[dict[str, str]]
    body: NotRequired[str]
    bodyTooLarge: NotRequired[bool]


class HttpResponse(_Entry):
    """The reply to the request numbered ``requestSeq``."""

    kind: Literal["http.response"]
    requestSeq: int
    method: str
    path: str
    status: int
    body: NotRequired[Json]


class WsOpen(_Entry):
    """A WebSocket connection was accepted (or a scripted user's virtual device opened)."""

    kind: Literal["ws.open"]
    conn: int
    origin: str | None
    scripted: bool


class WsIn(_Entry):
    """A frame from a client: decoded (``frame``), undecodable (``text``), binary, or refused."""

    kind: Literal["ws.in"]
    conn: int
    uid: str | None
    device: NotRequired[str | None]
    frame: NotRequired[Any]
    text: NotRequired[str]
    binary: NotRequired[int]
    refused: NotRequired[str]


class WsOut(_Entry):
    """A frame to a device; a call frame also carries its ``sessionId`` and ``status``."""

    kind: Literal["ws.out"]
    conn: int
    uid: str | None
    device: str | None
    frame: Json
    sessionId: NotRequired[str]
    status: NotRequired[str]


class WsClose(_Entry):
    """A WebSocket connection closed (``code``: the server's own close code if it closed it).

    ``unsent``: frames journaled as ``ws.out`` that were still queued, never written, when it closed."""

    kind: Literal["ws.close"]
    conn: int
    uid: str | None
    device: str | None
    code: int | None
    unsent: NotRequired[int]


class WsEvict(_Entry):
    """The server closes a connection it will not keep (``reason``: queue-full or send-deadline for a
    device that does not take its frames, auth-deadline for one that never authenticated)."""

    kind: Literal["ws.evict"]
    conn: int
    uid: str | None
    device: str | None
    reason: str
    code: int
    queued: int  #: frames waiting when it was evicted (dropped: they show as ``unsent`` in its ws.close)
    limit: int  #: the send queue bound
    deadline: float  #: the send deadline (or the auth deadline), real seconds


class CallChange(_Entry):
    """A call changed: the timeline's backbone."""

    kind: Literal["call"]
    sessionId: str
    event: str
    status: str | None
    actor: str
    device: str | None
    member: str | None
    receiverType: str
    caller: str
    receiver: str


class TimerFired(_Entry):
    """A server-side timer fired."""

    kind: Literal["timer"]
    label: str
    sessionId: NotRequired[str]


class FaultEffect(_Entry):
    """An injected fault took effect (``effect``: drop, duplicate, delay, close, reconnect-refused, …)."""

    kind: Literal["fault"]
    faultId: str | None
    effect: str
    uid: str | None
    conn: NotRequired[int]
    conns: NotRequired[list[int]]
    device: NotRequired[str | None]
    devices: NotRequired[list[str | None]]
    sessionId: NotRequired[str | None]
    status: NotRequired[str | None]
    refuseUntil: NotRequired[float | None]
    until: NotRequired[float]
    after: NotRequired[str | None]
    copies: NotRequired[int]
    delay: NotRequired[float]
    hold: NotRequired[float]


class ScriptEvent(_Entry):
    """A scripted user acted (``event``: ready, ring, planned, act, refused, …) or a script was loaded."""

    kind: Literal["script"]
    event: str
    uid: NotRequired[str]
    device: NotRequired[str | None]
    message: NotRequired[str]
    scriptId: NotRequired[str]
    source: NotRequired[str]
    users: NotRequired[list[str]]
    groups: NotRequired[list[str]]
    faults: NotRequired[list[str]]
    behaviour: NotRequired[Any]
    conn: NotRequired[int]
    reason: NotRequired[str]
    sessionId: NotRequired[str]
    caller: NotRequired[str]
    step: NotRequired[Any]
    action: NotRequired[str]
    to: NotRequired[str]
    due: NotRequired[float]
    receiverType: NotRequired[str]
    callType: NotRequired[str]
    code: NotRequired[str]


class CallbackReceived(_Entry):
    """A client under test reported a listener callback to the sink (``report`` as received)."""

    kind: Literal["callback"]
    tag: str
    callback: str | None
    listenerId: str | None
    sessionId: str | None
    status: str | None
    report: Json


class CallbackRepeated(_Entry):
    """A retried callback report that had already arrived (kept once)."""

    kind: Literal["callback.repeat"]
    tag: str
    reportSeq: int
    callback: str | None


class ControlAction(_Entry):
    """The control API (or the server itself) changed something (``action``: reset, clock, user-created, …)."""

    kind: Literal["control"]
    action: str
    uid: NotRequired[str]
    conn: NotRequired[int]
    clearJournal: NotRequired[bool]
    now: NotRequired[float]
    fired: NotRequired[list[str]]
    faultId: NotRequired[str]
    source: NotRequired[str]
    fault: NotRequired[Json]
    guid: NotRequired[str]
    members: NotRequired[list[str]]
    host: NotRequired[str]
    port: NotRequired[int]
    tls: NotRequired[bool]
    clock: NotRequired[str]


class ServerError(_Entry):
    """Something went wrong inside ringside (``where``: http, ws, timer, send, fault-close, …)."""

    kind: Literal["error"]
    where: str
    conn: NotRequired[int]
    device: NotRequired[str | None]
    error: NotRequired[str]
    label: NotRequired[str]
    traceback: NotRequired[str]
    requestSeq: NotRequired[int]


JournalEntry = (
    HttpRequest
    | HttpResponse
    | WsOpen
    | WsIn
    | WsOut
    | WsClose
    | WsEvict
    | CallChange
    | TimerFired
    | FaultEffect
    | ScriptEvent
    | CallbackReceived
    | CallbackRepeated
    | ControlAction
    | ServerError
)

#: Each kind's type, by its ``kind`` string.
ENTRY_TYPES: dict[str, type] = {get_args(t.__annotations__["kind"])[0]: t for t in get_args(JournalEntry)}
