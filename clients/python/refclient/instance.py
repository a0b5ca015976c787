"""One adapter-protocol client instance: a ``RingingClient``, its callback queue, and its commands.

``docs/adapter-protocol.md`` defines the commands; :meth:`Instance.run` maps each onto the client
and returns the JSON ``result``. Two things need care:

* **Callbacks** are POSTed to ``callbackUrl`` by one task per instance, in the order the listeners
  ran, each numbered by ``seq`` (from 1). Listeners only enqueue; they never wait for the POST. A
  POST that fails is retried with backoff (for up to :data:`CALLBACK_RETRY_BUDGET` s) before the
  next one is sent, so reports are never reordered and ``sync`` waits for them.
* **Quiescence** (``sync`` and ``advanceTime``): :meth:`Instance.settle` returns once the client has no
  REST request or timer effect in flight and every queued callback POST has been answered. Received
  frames need no extra wait: the socket reader dispatches each one before it reads the next.
  After each fired virtual timer, :meth:`Instance.settle_after_timer` also waits (briefly, in real
  time) for the pong of a ping that timer just sent, so a pong deadline later in the same advance
  does not fire only because the pong was still on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from adapter_protocol.names import Command as AdapterCommand
from refclient.client import RingingClient, SessionEvent
from refclient.clock import Clock, RealClock, VirtualClock
from refclient.faults import Quirks
from refclient.listeners import CallbackName, CallListener
from refclient.model import Call

__all__ = ["COMMANDS", "CallbackPoster", "Instance", "InstanceConfig", "ProtocolError"]

log = logging.getLogger(__name__)

Json = dict[str, Any]

#: Real seconds one callback POST attempt may take before it counts as failed.
CALLBACK_POST_TIMEOUT = 10.0
#: Real seconds between callback POST attempts: doubling from the first, capped at the last.
CALLBACK_RETRY_FIRST, CALLBACK_RETRY_MAX = 0.05, 1.0
#: Real seconds of retrying after which a callback is given up (logged as an error; the harness
#: then sees the gap in ``seq``).
CALLBACK_RETRY_BUDGET = 5.0
#: Real seconds ``advanceTime`` waits for the pong of a ping a fired timer sent.
PONG_SETTLE_CAP = 2.0
#: Real seconds ``DELETE <instance>`` waits for queued callbacks before dropping them.
CLOSE_DRAIN_CAP = 5.0


class ProtocolError(Exception):
    """An error of the adapter protocol itself (not of the client): becomes a non-2xx reply.

    Args:
        status: HTTP status of the reply.
        code: ``UNKNOWN_COMMAND``, ``BAD_REQUEST``, ``UNKNOWN_INSTANCE`` or ``NOT_SUPPORTED``.
        message: what was wrong.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def to_json(self) -> Json:
        """The ``{"error": {code, message, details}}`` body."""
        return {"error": {"code": self.code, "message": self.message, "details": None}}


def bad_request(message: str) -> ProtocolError:
    """A ``400 BAD_REQUEST``."""
    return ProtocolError(400, "BAD_REQUEST", message)


@dataclass(frozen=True)
class InstanceConfig:
    """The validated body of ``POST /``."""

    tag: str | None
    app_id: str
    region: str
    base_url: str
    ws_url: str
    ca_file: str | None
    uid: str
    auth_key: str | None
    auth_token: str | None
    callback_url: str
    virtual_now: float | None

    @classmethod
    def from_json(cls, body: Any) -> InstanceConfig:
        """Validate a create request (adapter protocol, ``POST /``).

        Raises:
            ProtocolError: ``BAD_REQUEST`` naming the first missing or mistyped field.
        """
        if not isinstance(body, dict):
            raise bad_request("the body must be a JSON object")
        server = _object(body, "server")
        user = _object(body, "user")
        clock = body.get("clock") or {"mode": "real"}
        if not isinstance(clock, dict) or clock.get("mode") not in ("real", "virtual"):
            raise bad_request('clock.mode must be "real" or "virtual"')
        virtual_now: float | None = None
        if clock["mode"] == "virtual":
            virtual_now = _number(clock, "now", "clock.now")
            if virtual_now is None:
                raise bad_request('clock.now is required with clock.mode "virtual"')
        tls = bool(server.get("tls"))
        host = _opt_str(server, "clientHost", "server.clientHost")
        base_url = _opt_str(server, "baseUrl", "server.baseUrl")
        ws_url = _opt_str(server, "wsUrl", "server.wsUrl")
        if base_url is None or ws_url is None:
            if host is None:
                raise bad_request("server.baseUrl and server.wsUrl (or server.clientHost) are required")
            base_url = base_url or f"{'https' if tls else 'http'}://{host}"
            ws_url = ws_url or f"{'wss' if tls else 'ws'}://{host}/"
        return cls(
            tag=_opt_str(body, "tag", "tag"),
            app_id=_str(body, "appId", "appId"),
            region=_opt_str(body, "region", "region") or "eu",
            base_url=base_url,
            ws_url=ws_url,
            ca_file=_opt_str(server, "caFile", "server.caFile"),
            uid=_str(user, "uid", "user.uid"),
            auth_key=_opt_str(user, "authKey", "user.authKey"),
            auth_token=_opt_str(user, "authToken", "user.authToken"),
            callback_url=_str(body, "callbackUrl", "callbackUrl"),
            virtual_now=virtual_now,
        )

    def ssl_context(self) -> ssl.SSLContext | None:
        """TLS trust for the mock server: its CA file if given, else the system's defaults.

        Raises:
            ProtocolError: ``BAD_REQUEST`` when the CA file cannot be loaded.
        """
        if self.ca_file is None:
            return None
        try:
            return _trust(self.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise bad_request(f"server.caFile {self.ca_file!r} cannot be loaded: {exc}") from exc


#: TLS contexts by CA file (and its size and mtime: a file rewritten with a new CA gets a new context).
#: Instances that trust the same CA share one: no CA to load per instance, and the service's callback
#: POSTs to the same server share kept-alive connections.
_TRUST: dict[tuple[str, int, int], ssl.SSLContext] = {}


def _trust(ca_file: str) -> ssl.SSLContext:
    stat = os.stat(ca_file)
    key = (ca_file, stat.st_size, stat.st_mtime_ns)
    context = _TRUST.get(key)
    if context is None:
        context = _TRUST[key] = ssl.create_default_context(cafile=ca_file)
    return context


class CallbackPoster:
    """POSTs listener callbacks to one URL, one at a time, in the order they were queued.

    Args:
        url: the instance's ``callbackUrl``.
        session: returns the service's shared HTTP session.
        ssl_context: TLS trust for an ``https`` callback URL (the mock server's CA), or ``None``.
    """

    def __init__(
        self, url: str, session: Callable[[], aiohttp.ClientSession], ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self._url = url
        self._session = session
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._queue: asyncio.Queue[Json] = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._run())
        self._unsent = 0
        #: Callbacks queued so far; the last one's ``seq``.
        self.seq = 0

    def post(self, listener_id: str, callback: CallbackName, call: Call) -> None:
        """Queue one callback (numbered now, POSTed later)."""
        self.seq += 1
        self._unsent += 1
        payload = {"listenerId": listener_id, "callback": callback.value, "call": call.to_json(), "seq": self.seq}
        self._queue.put_nowait(payload)

    @property
    def pending(self) -> int:
        """Callbacks queued or being POSTed."""
        return self._unsent

    async def drained(self) -> None:
        """Return once every queued callback has been POSTed and answered (or given up)."""
        await self._queue.join()

    async def close(self) -> None:
        """Wait (briefly) for queued callbacks, then stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drained(), CLOSE_DRAIN_CAP)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        while True:
            payload = await self._queue.get()
            try:
                await self._send(payload)
            finally:
                self._unsent -= 1
                self._queue.task_done()

    async def _send(self, payload: Json) -> None:
        """POST one callback until it is acknowledged; retry (bounded backoff) while the sink fails.

        The next callback waits, so order holds. A 5xx, 408, 429, timeout or connection error is
        retried; any other status is the harness' answer and ends the attempt.
        """
        loop = asyncio.get_running_loop()
        give_up = loop.time() + CALLBACK_RETRY_BUDGET
        delay = CALLBACK_RETRY_FIRST
        while True:
            problem = await self._attempt(payload)
            if problem is None:
                return
            if loop.time() + delay > give_up:
                log.error("callback %s #%s given up: %s", payload["callback"], payload["seq"], problem)
                return
            log.info("callback %s #%s: %s; retrying in %.2f s", payload["callback"], payload["seq"], problem, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, CALLBACK_RETRY_MAX)

    async def _attempt(self, payload: Json) -> str | None:
        """One POST: ``None`` when it is done with, else why it should be retried."""
        try:
            async with self._session().post(
                self._url, json=payload, ssl=self._ssl, timeout=aiohttp.ClientTimeout(total=CALLBACK_POST_TIMEOUT)
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return f"not delivered: {exc!r}"
        if status >= 500 or status in (408, 429):
            return f"HTTP {status}"
        if status >= 300:
            log.warning("callback %s #%s: HTTP %s", payload["callback"], payload["seq"], status)
        return None


class Instance:
    """One client instance of the test service.

    Args:
        config: the validated create request.
        session: returns the service's shared HTTP session (for callbacks).
        quirks: deliberate faults for the client.
    """

    def __init__(self, config: InstanceConfig, session: Callable[[], aiohttp.ClientSession], quirks: Quirks) -> None:
        self.config = config
        self.virtual_clock = VirtualClock(config.virtual_now) if config.virtual_now is not None else None
        clock: Clock = self.virtual_clock if self.virtual_clock is not None else RealClock()
        trust = config.ssl_context()
        self.client = RingingClient(
            config.app_id, config.base_url, config.ws_url, config.region, trust, clock, quirks=quirks
        )
        self.callbacks = CallbackPoster(config.callback_url, session, trust)

    async def run(self, command: str, params: Json) -> Any:
        """Run one command and return its ``result``.

        Raises:
            ProtocolError: unknown command, bad params, or a capability this instance lacks.
            CometChatError: the client refused (reported as ``{"ok": false, "error"}``).
        """
        handler = COMMANDS.get(command)
        if handler is None:
            raise ProtocolError(400, "UNKNOWN_COMMAND", f"unknown command {command!r}")
        return await handler(self, params)

    async def settle(self) -> None:
        """Return once no REST request, timer effect or callback POST of this instance is in flight."""
        while True:
            await self.client.idle()
            await self.callbacks.drained()
            if self.client.activity.running == 0 and self.callbacks.pending == 0:
                return

    async def settle_after_timer(self) -> None:
        """:meth:`settle`, after waiting (at most :data:`PONG_SETTLE_CAP` real seconds) for a pending pong."""
        await self.settle()
        pong = self.client.pong_pending()
        if pong is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(pong), PONG_SETTLE_CAP)
        await self.settle()

    async def close(self, *, logout: bool = True) -> None:
        """Log out (best effort, if ``logout``), deliver queued callbacks, and release every resource."""
        if logout:
            try:
                await self.client.logout()
            except Exception:
                log.exception("logout failed while closing instance %s", self.config.tag)
        await self.callbacks.close()
        await self.client.aclose()

    # -- commands ---------------------------------------------------------------------------------

    async def login(self, params: Json) -> Any:
        """``login``: with ``user.authToken`` if the create request had one, else ``uid`` + ``authKey``."""
        if self.config.auth_token is not None:
            user = await self.client.login_with_token(self.config.auth_token)
        else:
            user = await self.client.login(self.config.uid, self.config.auth_key or "")
        return user.to_json()

    async def logout(self, params: Json) -> Any:
        """``logout``."""
        await self.client.logout()
        return None

    async def initiate_call(self, params: Json) -> Any:
        """``initiateCall {receiver, receiverType, callType, timeout?}``: timeout passed through untouched."""
        call = await self.client.initiate_call(
            _str(params, "receiver"),
            _str(params, "receiverType"),
            _str(params, "callType"),
            _number(params, "timeout"),
        )
        return call.to_json()

    async def accept_call(self, params: Json) -> Any:
        """``acceptCall {sessionId}``."""
        return (await self.client.accept_call(_str(params, "sessionId"))).to_json()

    async def reject_call(self, params: Json) -> Any:
        """``rejectCall {sessionId, status}``."""
        call = await self.client.reject_call(_str(params, "sessionId"), _str(params, "status"))
        return None if call is None else call.to_json()

    async def end_call(self, params: Json) -> Any:
        """``endCall {sessionId}``: ``Call`` or ``null``."""
        call = await self.client.end_call(_str(params, "sessionId"))
        return None if call is None else call.to_json()

    async def add_call_listener(self, params: Json) -> Any:
        """``addCallListener {id}``: every callback of listener ``id`` is POSTed to ``callbackUrl``."""
        listener_id = _str(params, "id")

        def forward(name: CallbackName, call: Call) -> None:
            self.callbacks.post(listener_id, name, call)

        self.client.add_call_listener(listener_id, CallListener.forwarding(forward))
        return None

    async def remove_call_listener(self, params: Json) -> Any:
        """``removeCallListener {id}``."""
        self.client.remove_call_listener(_str(params, "id"))
        return None

    async def get_active_call(self, params: Json) -> Any:
        """``getActiveCall``: ``Call`` or ``null``."""
        call = self.client.get_active_call()
        return None if call is None else call.to_json()

    async def clear_active_call(self, params: Json) -> Any:
        """``clearActiveCall``."""
        self.client.clear_active_call()
        return None

    async def generate_token(self, params: Json) -> Any:
        """``generateToken {sessionId}``: ``{token}``."""
        return {"token": await self.client.generate_token(_str(params, "sessionId"))}

    async def start_session(self, params: Json) -> Any:
        """``startSession {sessionId, token}``: ``{sessionId}`` (capability ``call-session``)."""
        token = params.get("token")
        # no token is the client's own refusal (INVALID_CALL_TOKEN), like an unknown one
        session = self.client.start_session(_str(params, "sessionId"), token if isinstance(token, str) else "")
        return {"sessionId": session.session_id}

    async def session_event(self, params: Json) -> Any:
        """``sessionEvent {event}``: the session's listener runs; ``callEndButtonPressed`` → endCall's Call."""
        name = _str(params, "event")
        try:
            event = SessionEvent(name)
        except ValueError:
            raise bad_request(f"params.event must be one of {', '.join(e.value for e in SessionEvent)}") from None
        try:
            call = await self.client.session_event(event)
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        return None if call is None else call.to_json()

    async def get_session(self, params: Json) -> Any:
        """``getSession``: ``{sessionId, active}`` or ``null``."""
        session = self.client.call_session
        return None if session is None else {"sessionId": session.session_id, "active": session.active}

    async def advance_time(self, params: Json) -> Any:
        """``advanceTime {to}``: fire due timers in order, each one's I/O finished before the next."""
        clock = self.virtual_clock
        if clock is None:
            raise ProtocolError(400, "NOT_SUPPORTED", "this instance runs on the real clock")
        to = _number(params, "to")
        if to is None:
            raise bad_request("params.to must be a number")
        if to < clock.now():
            raise bad_request(f"time would go backwards ({to} < {clock.now()})")
        await self.settle()
        await clock.advance_to(to, self.settle_after_timer)
        await self.settle()
        # settled, as sync is: sync's counts come along (optional in the protocol), sparing the harness
        # a sync after every step (a resource of none would break the schema, so none then)
        counts = self._counts() if self.client.resource is not None else {}
        return {"now": clock.now(), "nextTimer": clock.next_deadline(), **counts}

    async def sync(self, params: Json) -> Any:
        """``sync``: ``{resource, framesReceived, now, callbacksSent}`` once nothing is in flight."""
        await self.settle()
        return {"now": self.client.clock.now(), **self._counts()}

    def counts_if_settled(self) -> Json | None:
        """What ``sync`` would report beside the clock, if the instance is settled right now (as ``sync``
        waits for it to be: no REST request, timer effect or callback report in flight) and has a resource;
        else ``None``. A command's reply carries it (optional in the protocol), sparing the harness a
        ``sync``; it never waits, so a command's reply comes as soon as the command is done."""
        if self.client.resource is None or not self.client.is_idle or self.callbacks.pending:
            return None
        return self._counts()

    def _counts(self) -> Json:
        """What ``sync`` reports beside the clock (``advanceTime`` reports it too)."""
        return {
            "resource": self.client.resource,
            "framesReceived": self.client.frames_received,
            "callbacksSent": self.callbacks.seq,  # lets the harness see a lost last report too
        }


Command = Callable[[Instance, Json], Awaitable[Any]]

#: Adapter command name → handler.
COMMANDS: dict[str, Command] = {
    AdapterCommand.LOGIN: Instance.login,
    AdapterCommand.LOGOUT: Instance.logout,
    AdapterCommand.INITIATE_CALL: Instance.initiate_call,
    AdapterCommand.ACCEPT_CALL: Instance.accept_call,
    AdapterCommand.REJECT_CALL: Instance.reject_call,
    AdapterCommand.END_CALL: Instance.end_call,
    AdapterCommand.ADD_CALL_LISTENER: Instance.add_call_listener,
    AdapterCommand.REMOVE_CALL_LISTENER: Instance.remove_call_listener,
    AdapterCommand.GET_ACTIVE_CALL: Instance.get_active_call,
    AdapterCommand.CLEAR_ACTIVE_CALL: Instance.clear_active_call,
    AdapterCommand.GENERATE_TOKEN: Instance.generate_token,
    AdapterCommand.START_SESSION: Instance.start_session,
    AdapterCommand.SESSION_EVENT: Instance.session_event,
    AdapterCommand.GET_SESSION: Instance.get_session,
    AdapterCommand.ADVANCE_TIME: Instance.advance_time,
    AdapterCommand.SYNC: Instance.sync,
}


# -- parameter checks ---------------------------------------------------------------------------


def _object(body: Json, key: str) -> Json:
    value = body.get(key)
    if not isinstance(value, dict):
        raise bad_request(f"{key} must be an object")
    return value


def _str(params: Json, key: str, name: str | None = None) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not value:
        raise bad_request(f"{name or 'params.' + key} must be a non-empty string")
    return value


def _opt_str(params: Json, key: str, name: str) -> str | None:
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise bad_request(f"{name} must be a non-empty string or null")
    return value


def _number(params: Json, key: str, name: str | None = None) -> float | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise bad_request(f"{name or 'params.' + key} must be a number or null")
    return float(value)
