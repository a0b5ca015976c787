"""``Probe``: the one typed port through which a test harness sees and steers a running mock server.

The harness (``harness/``) imports nothing else of the server's internals (a test walks its imports):
not the hub, not the handlers, not the core. Every method here is thread-safe — it runs on the
server's event loop (:class:`~mockserver.server.MockServer` keeps that loop in its own thread) and
waits, with a deadline, for the answer; journal reads take the journal's own lock instead, with no round
trip — and typed: plain values, TypedDicts, frozen dataclasses.
Moves that have a control-API twin (``POST /_ringside/calls``, ``/faults``, ``/scripts``) go through the
same handler, so they are validated exactly as over HTTP; a refusal raises :class:`ProbeError` with the
server's own message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, cast

from mockserver import control as control_api
from mockserver.clock import VirtualClock
from mockserver.journal_types import (
    CallbackReceived,
    CallbackRepeated,
    CallChange,
    ControlAction,
    FaultEffect,
    HttpRequest,
    HttpResponse,
    JournalEntry,
    ScriptEvent,
    ServerError,
    TimerFired,
    WsClose,
    WsEvict,
    WsIn,
    WsOpen,
    WsOut,
)

if TYPE_CHECKING:
    from mockserver.hub import Hub
    from mockserver.server import MockServer

__all__ = [
    "NOT_RINGSIDE_FAILURES",
    "CallChange",
    "CallState",
    "CallbackReceived",
    "CallbackRepeated",
    "ControlAction",
    "DeviceInfo",
    "Endpoint",
    "FaultEffect",
    "HttpRequest",
    "HttpResponse",
    "JournalEntry",
    "JournalEvicted",
    "Probe",
    "ProbeError",
    "ScriptEvent",
    "ServerError",
    "ServerFailure",
    "TimerFired",
    "WsClose",
    "WsEvict",
    "WsIn",
    "WsOpen",
    "WsOut",
]

Json = dict[str, Any]
T = TypeVar("T")
#: ``error`` entries that are not ringside failing: a send to a socket the peer had already closed.
NOT_RINGSIDE_FAILURES = frozenset({"send"})


class ProbeError(RuntimeError):
    """The server refused what the probe asked (an unknown call, a bad fault spec, the clock backwards)."""


class JournalEvicted(ProbeError):
    """Journal entries the probe was asked for are no longer in the server's memory (its journal is a
    ring of ``--journal-size`` entries): the probe never answers with fewer entries than there were."""


class CallState(TypedDict):
    """One call as the server holds it (``GET /_ringside/calls/{sid}``)."""

    sessionId: str
    status: str
    receiverType: str
    type: str
    caller: str
    receiver: str
    ringing: list[str]
    participants: list[str]
    declines: dict[str, str]
    initiatedAt: float
    joinedAt: float | None
    endedAt: float | None
    engagedWhenRung: list[str]
    lastActor: str | None


class DeviceInfo(TypedDict):
    """One authenticated connection (``GET /_ringside/devices``)."""

    connId: int
    uid: str | None
    resource: str | None
    framesSent: int
    framesReceived: int
    openedAt: float
    scripted: bool


@dataclass(frozen=True)
class Endpoint:
    """Where and how a client reaches the server."""

    app_id: str
    region: str
    api_key: str
    host: str
    port: int
    url: str
    ws_url: str
    ca_file: str | None

    @property
    def host_port(self) -> str:
        """``127.0.0.1:PORT`` (what the SDK's host overrides take)."""
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ServerFailure:
    """ringside itself failed: a handler crashed, a timer raised, a fault could not be applied."""

    where: str
    t: float
    detail: str
    label: str | None = None

    def __str__(self) -> str:
        label = f" ({self.label})" if self.label else ""
        return f"{self.where}{label} at t={self.t}: {self.detail}"


class Probe:
    """The typed, thread-safe facade over one started :class:`~mockserver.server.MockServer`."""

    def __init__(self, server: MockServer) -> None:
        self._server = server

    # -- what it is ------------------------------------------------------------------------------

    def endpoint(self, *, tls: bool = True) -> Endpoint:
        """Where the server listens and what a client needs to log in. ``tls=False``: its plain-HTTP
        listener, when it has one beside TLS (:attr:`has_plain_listener`); else the same as ``tls=True``."""
        server, config = self._server, self._server.config
        listener = server.plain if not tls and server.plain is not None else server.server
        return Endpoint(
            app_id=config.app_id,
            region=config.region,
            api_key=config.api_key,
            host=listener.host,
            port=listener.port,
            url=listener.url,
            ws_url=listener.ws_url,
            ca_file=str(listener.tls.ca) if listener.tls else None,
        )

    @property
    def has_plain_listener(self) -> bool:
        """Whether the server listens in plain HTTP beside TLS (the same server: one state, one journal)."""
        return self._server.plain is not None

    def callback_url(self, tag: str, *, tls: bool = True) -> str:
        """The ``callbackUrl`` for the client instance tagged ``tag``: it may POST that tag's callback
        reports to the sink and reach nothing else of the control API (``tls=False``: on the plain
        listener, when there is one)."""
        return self._server.callback_url(tag, tls=tls)

    @property
    def control_token(self) -> str:
        """The server's control token (what an HTTP client of the control API must send)."""
        return self._server.control_token

    @property
    def virtual(self) -> bool:
        """Whether the server's clock is virtual (moves only when told)."""
        return isinstance(self._server.clock, VirtualClock)

    def reset(self, *, clear_journal: bool = False) -> None:
        """Forget every call, user and group made since start (the configured ones come back)."""
        self._control("POST", "/reset", {"clearJournal": clear_journal})

    # -- users, groups, devices ------------------------------------------------------------------

    def has_user(self, uid: str) -> bool:
        """Whether ``uid`` exists."""
        return self._call(lambda hub: uid in hub.backend.directory.users)

    def add_user(self, uid: str, name: str | None = None) -> str:
        """Create a user; returns an auth token for it."""
        return str(self._control("POST", "/users", {"uid": uid, "name": name})["authToken"])

    def ensure_user(self, uid: str) -> None:
        """Create ``uid`` unless it exists."""
        self.ensure_users([uid])

    def ensure_users(self, uids: list[str]) -> None:
        """Create each of ``uids`` that does not exist, as ``POST /_ringside/users`` would: in one round
        trip to the server's loop, the check and the creations together."""
        server = self._server

        async def ensure(hub: Hub) -> list[Any]:
            replies = []
            for uid in uids:
                if uid not in hub.backend.directory.users:
                    request = server.control_request("POST", "/users", {"uid": uid, "name": None})
                    replies.append(await control_api.handle(hub, request))
            return replies

        for reply in server.call_async(ensure):
            if "error" in reply.body:
                error = reply.body["error"]
                raise ProbeError(f"the server refused POST {control_api.PREFIX}/users: {error.get('message', error)}")

    def bring_to_life(self, uid: str) -> None:
        """Create ``uid`` as the server does on first use (a magic id like ``ring-accept-2s`` gets its
        scripted device; creating it as a plain user would not)."""

        def create(hub: Hub) -> None:
            hub.user_or_create(uid)

        self._call(create)

    def add_group(self, guid: str, members: list[str], name: str | None = None) -> None:
        """Create or replace a group."""
        self._control("POST", "/groups", {"guid": guid, "members": members, "name": name})

    def wait_for_devices(self, uid: str, count: int = 1, *, timeout: float) -> list[DeviceInfo]:
        """Wait (up to ``timeout`` real seconds) until ``uid`` has ``count`` authenticated WebSockets;
        returns the ones it has by then (fewer on timeout)."""

        async def wait(hub: Hub) -> list[DeviceInfo]:
            found = await hub.wait_for_devices(uid, count, timeout=timeout)
            return [cast(DeviceInfo, d.describe()) for d in found]

        return self._server.call_async(wait)

    def wait_for_closed(self, uid: str, *, device: str | None = None, timeout: float) -> None:
        """Wait (up to ``timeout`` real seconds) until every socket of ``uid`` (of device ``device`` only,
        if given) that the server is closing has closed: its close handshake done (or aborted), so its
        ``ws.close`` is in the journal and the client has had the close frame."""

        async def wait(hub: Hub) -> None:
            closing = [d for d in hub.devices_of(uid) if d.closing and (device is None or d.resource == device)]
            if closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.gather(*(d.wait_closed() for d in closing)), timeout)

        self._server.call_async(wait)

    # -- calls -----------------------------------------------------------------------------------

    def calls(self) -> list[CallState]:
        """Every call the server knows, oldest first."""
        return cast(list[CallState], self._control("GET", "/calls"))

    def call(self, session_id: str) -> CallState:
        """One call's state (ProbeError if unknown)."""
        return cast(CallState, self._control("GET", f"/calls/{session_id}"))

    def place_call(self, as_uid: str, receiver: str, *, receiver_type: str = "user", call_type: str = "audio") -> str:
        """``as_uid`` (no client of its own) places a call, as another SDK would; returns its session id."""
        message = self._control(
            "POST", "/calls", {"as": as_uid, "receiver": receiver, "receiverType": receiver_type, "callType": call_type}
        )
        return str(message["data"]["entities"]["on"]["entity"]["sessionid"])

    def move_call(self, as_uid: str, session_id: str, status: str) -> None:
        """``as_uid`` moves a call to ``status`` (accept = ``ongoing``, ``rejected``, ``busy``, ``ended`` …)."""
        self._control("PUT", f"/calls/{session_id}", {"as": as_uid, "status": status})

    # -- time ------------------------------------------------------------------------------------

    def now(self) -> float:
        """The server clock's time (epoch seconds)."""
        return self._server.clock.now()

    def advance_to(self, when: float) -> None:
        """Virtual clock: move to ``when``, firing every due timer; returns once their frames were sent."""
        self._control("POST", "/clock/advance", {"to": when})

    def advance(self, seconds: float) -> None:
        """Virtual clock: move forward ``seconds``."""
        self._control("POST", "/clock/advance", {"seconds": seconds})

    def next_due(self) -> float | None:
        """When the server's next timer falls due (None: no timer)."""
        return self._call(lambda hub: hub.timers.next_due())

    # -- scripted users and faults ----------------------------------------------------------------

    def load_script(self, script: Json) -> Json:
        """Load a script (``{"users": …, "groups": …, "faults": …}``) as ``POST /_ringside/scripts`` would."""
        return cast(Json, self._control("POST", "/scripts", script))

    def arm_fault(self, fault: Json) -> Json:
        """Arm one fault (``{"kind", "user", …}``) now."""
        return cast(Json, self._control("POST", "/faults", fault))

    def faults(self) -> list[Json]:
        """Every armed fault with what it did (``fired``, ``remaining``)."""
        state = self._control("GET", "/faults")
        return list(state.get("faults", []))

    # -- the callback sink -----------------------------------------------------------------------

    def callbacks_of(self, tag: str) -> list[Json]:
        """Every callback report instance ``tag`` made, in arrival order."""
        return self._call(lambda hub: hub.callbacks.of(tag))

    def on_callback(self, listener: Callable[[str, Json], None]) -> Callable[[], None]:
        """Call ``listener(tag, report)`` (on the server's thread) after each new report; returns an
        unsubscribe function (safe to call from any thread)."""
        unsubscribe = self._call(lambda hub: hub.callbacks.subscribe(listener))

        def off() -> None:
            self._call(lambda _hub: unsubscribe())

        return off

    # -- the journal -----------------------------------------------------------------------------

    def journal_seq(self) -> int:
        """The newest journal entry's seq (a scenario reads the journal *since* this)."""
        # the journal is thread-safe (it has its own lock): read here, no round trip to the server's loop
        return self._server.hub.journal.last_seq

    def journal(self, *, since: int = 0, kinds: Iterable[str] | None = None) -> list[JournalEntry]:
        """Journal entries with ``seq > since`` (optionally only of ``kinds``), typed by kind.

        Raises :class:`JournalEvicted` if some of them have already left the server's memory."""
        wanted = list(kinds) if kinds is not None else None
        # the journal is thread-safe (it has its own lock): read here, no round trip to the server's loop
        hub = self._server.hub
        _check_complete(hub, since)
        return cast(list[JournalEntry], hub.journal.entries(since=since, kinds=wanted))

    def frames_sent_to(self, resource: str, *, since: int) -> int:
        """WebSocket frames that left for device ``resource`` after journal seq ``since``.

        Counted from the journal, not from live connections: a socket that closed (a fault, a reconnect)
        leaves the device table, but the client still counts what it received on it; a frame whose send
        failed (the socket already gone) was journaled but never left, nor did the frames still queued
        when its socket closed (``unsent`` of its ``ws.close``)."""

        def count(hub: Hub) -> int:
            _check_complete(hub, since)
            sent = 0
            for entry in hub.journal.entries(since=since, kinds=("ws.out", "error", "ws.close")):
                if entry.get("device") != resource:
                    continue
                if entry["kind"] == "ws.out":
                    sent += 1
                elif entry["kind"] == "ws.close":
                    sent -= int(entry.get("unsent", 0))
                elif entry.get("where") == "send":
                    sent -= 1
            return sent

        return self._call(count)

    def server_failures(self, *, since: int) -> list[ServerFailure]:
        """ringside's own failures after journal seq ``since``: a handler that raised, a timer that
        failed, a fault that could not be applied (not a send to a socket the peer had closed)."""
        out = []
        for entry in self.journal(since=since, kinds=["error"]):
            if entry["kind"] != "error" or entry["where"] in NOT_RINGSIDE_FAILURES:
                continue
            lines = str(entry.get("traceback") or entry.get("error") or "").strip().splitlines()
            out.append(
                ServerFailure(
                    where=entry["where"],
                    t=entry["t"],
                    detail=lines[-1] if lines else "no detail",
                    label=entry.get("label"),
                )
            )
        return out

    # -- plumbing --------------------------------------------------------------------------------

    def _call(self, fn: Callable[[Hub], T]) -> T:
        return self._server.call(fn)

    def _control(self, method: str, path: str, body: Json | None = None) -> Any:
        """The control API in-process: the same handler as over HTTP, without the socket."""
        reply = self._server.control(method, path, body)  # carries the control token
        if "error" in reply.body:
            error = reply.body["error"]
            raise ProbeError(f"the server refused {method} {control_api.PREFIX}{path}: {error.get('message', error)}")
        return reply.body["data"]


def _check_complete(hub: Hub, since: int) -> None:
    """Raise :class:`JournalEvicted` if memory no longer holds every journal entry after ``since``."""
    journal = hub.journal
    missing = journal.evicted_after(since)
    if missing:
        where = (
            f"every entry is still in {journal.path}"
            if journal.path
            else "start the server with --journal FILE to keep every entry on disk"
        )
        raise JournalEvicted(
            f"{missing} journal entries after seq {since} were dropped from memory: the server keeps the newest "
            f"{journal.capacity} (--journal-size); {where}"
        )
