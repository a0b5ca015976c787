"""``RingingClient``: the CometChat ringing API (initiate / accept / reject / end) over the real wire.

This is a faithful Python rendering of what ``@cometchat/chat-sdk-javascript`` 4.2.0 does, on the
wire and locally (wire spec §2.7, §3.5, §4, §5):

* REST calls with the SDK's headers and bodies (:mod:`refclient.rest`);
* one WebSocket with the SDK's auth frame and keep-alive (:mod:`refclient.chatsocket`);
* the local guards: ``initiate_call`` while a call is active → ``CALL_ALREADY_INITIATED``,
  ``accept_call`` while a call is active → ``CALL_IN_PROGRESS``; neither reaches the wire;
* echo suppression: frames whose envelope ``deviceId`` is this device's ``resource`` are dropped;
* the caller's ring timer on the client's :class:`~refclient.clock.Clock`: when it fires it sends
  ``PUT calls/{sid} {"status":"unanswered"}``, dispatches the reply locally (so the caller's
  listeners get ``onOutgoingCallRejected``) and clears the active call;
* dispatch of received call events to listeners per :mod:`refclient.rules`.

Where the SDK would hang or crash, this client does something definite instead (documented per
method), and where it has a known bug in group calls it is fixed (see :mod:`refclient.rules`).
Deliberate faults can be switched on with :class:`~refclient.faults.Quirks`.

Differences from the SDK, all deliberate:

* ``login`` returns only once the WebSocket auth reply said "200" (the SDK resolves after ``/me``
  and connects in the background), so a call placed right after login cannot miss this device;
* ``end_call`` for a session that is not the active one returns ``None`` (the SDK never settles);
  ``reject_call(sid, "cancelled")`` with no active call just skips the local clean-up (the SDK
  throws inside its promise and never settles);
* ``busy`` ends the matching active call even with no listener registered (see rules.py);
* ``leftAt`` is not copied into ``joinedAt`` (model.py);
* nothing outside ringing is sent: no ``user_sessions`` telemetry, no analytics ping, no presence
  subscription (``presenceSubscription: "NONE"``); ``AUTH_ERR_AUTH_TOKEN_NOT_FOUND`` passes through
  as an error instead of logging out.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiohttp

from refclient.activity import Activity
from refclient.chatsocket import ChatSocket
from refclient.clock import Clock, RealClock, TimerHandle
from refclient.errors import CometChatError, ErrorCode
from refclient.faults import Quirks
from refclient.listeners import CallbackName, CallListener, ListenerRegistry
from refclient.model import Call, CallStatus, MalformedMessage, User
from refclient.rest import RestClient
from refclient.rules import DEFAULT_TIMEOUT, EndActive, plan_dispatch, resolve_timeout

__all__ = ["SDK_HEADER", "SDK_VERSION", "CallSession", "RingingClient", "SessionEvent"]

log = logging.getLogger(__name__)

#: This client's version.
SDK_VERSION = "0.1.0"
#: The ``sdk`` header (the JS SDK sends ``javascript@4.2.0``).
SDK_HEADER = f"python-refclient@{SDK_VERSION}"
#: The ``User-Agent``-like string sent in login bodies and the auth frame.
USER_AGENT = f"python-refclient/{SDK_VERSION} (aiohttp/{aiohttp.__version__})"
#: The REST version segment once app settings are known, if the settings do not name one.
API_VERSION = "v3.0"
#: Real seconds a REST request may take before it fails with ``FAILED_TO_FETCH`` (a safety net only).
REQUEST_TIMEOUT = 30.0


#: Seconds (on the client's clock) the ``ring-timer-stops-late`` quirk waits before it stops the ring timer.
LATE_STOP = 1.0


class SessionEvent(StrEnum):
    """What the media session can report (``OngoingCallListener``), as the adapter protocol names it."""

    CALL_ENDED = "callEnded"
    CALL_END_BUTTON_PRESSED = "callEndButtonPressed"


@dataclass
class CallSession:
    """The Calls SDK's session as far as ringing cares: which call, and whether it is still running.

    There is no media here; :meth:`RingingClient.session_event` plays the part of the session's
    ``OngoingCallListener`` with the handlers the spec shows.
    """

    session_id: str
    token: str
    active: bool = True


class RingingClient:
    """One logged-in device of one user.

    Args:
        app_id: the CometChat app id (``appId`` header and auth frame).
        base_url: REST base, e.g. ``https://127.0.0.1:8443`` (no version segment).
        ws_url: WebSocket URL, e.g. ``wss://127.0.0.1:8443/``.
        region: the app's region (kept for reference; hosts are explicit here).
        ssl_context: TLS trust for ``https`` / ``wss``; ``None`` uses the system's defaults.
        clock: where every timer runs; ``None`` means :class:`~refclient.clock.RealClock`.
        quirks: deliberate faults (default: none).

    Must be used from one running asyncio event loop. Close it with :meth:`aclose`.
    """

    def __init__(
        self,
        app_id: str,
        base_url: str,
        ws_url: str,
        region: str = "eu",
        ssl_context: ssl.SSLContext | None = None,
        clock: Clock | None = None,
        *,
        quirks: Quirks | None = None,
    ) -> None:
        self.app_id = app_id
        self.base_url = base_url
        self.ws_url = ws_url
        self.region = region
        self.clock: Clock = clock if clock is not None else RealClock()
        self.quirks = quirks or Quirks()
        created_ms = int(self.clock.now() * 1000)
        #: The per-instance device id: ``resource`` header and WebSocket ``deviceId``.
        self.resource = f"PY-{SDK_VERSION.replace('.', '_')}-{uuid.uuid4()}-{created_ms}"
        #: The persistent device id (the SDK's KeyStore ``deviceId``), sent in login bodies.
        self.device_id = f"{app_id}_{uuid.uuid4()}_{created_ms}"
        #: Counts REST requests and timer effects in flight (see :meth:`idle`).
        self.activity = Activity()
        self._ssl = ssl_context
        self._session: aiohttp.ClientSession | None = None
        self._rest = RestClient(
            session=self._http,
            base_url=base_url,
            app_id=app_id,
            resource=self.resource,
            sdk=SDK_HEADER,
            activity=self.activity,
        )
        self._socket = ChatSocket(
            session=self._http,
            url=ws_url,
            clock=self.clock,
            auth_frame=self._auth_frame,
            on_frame=self._on_frame,
            activity=self.activity,
        )
        self._listeners = ListenerRegistry()
        self._me: User | None = None
        self._settings: dict[str, Any] | None = None
        self._active: Call | None = None
        #: (session, status) events already dispatched, and sessions that ended here: dedupe
        self._handled: set[tuple[str, str]] = set()
        self._finished: set[str] = set()
        self._ring_timer: TimerHandle | None = None
        self._ring_session: str | None = None
        #: session ids in the order this client first met them (``token-for-wrong-session`` picks one)
        self._sessions: list[str] = []
        #: call tokens ``generate_token`` returned, and the call session started with one
        self._tokens: set[str] = set()
        self._call_session: CallSession | None = None

    # -- state -----------------------------------------------------------------------------------

    @property
    def me(self) -> User | None:
        """The logged-in user, or ``None``."""
        return self._me

    @property
    def settings(self) -> dict[str, Any] | None:
        """The app settings from the last ``/me`` reply, or ``None``."""
        return self._settings

    @property
    def frames_received(self) -> int:
        """WebSocket text frames received since this client was made (auth replies and pongs included)."""
        return self._socket.frames_received

    @property
    def ring_deadline(self) -> float | None:
        """When the ring timer fires (epoch seconds), or ``None`` when it is not armed."""
        return None if self._ring_timer is None else self._ring_timer.when

    def get_active_call(self) -> Call | None:
        """The active call (``CometChat.getActiveCall()``): no network."""
        return self._active

    def clear_active_call(self) -> None:
        """Forget the active call and stop the ring timer (``CometChat.clearActiveCall()``): no network."""
        self._end_session()

    async def idle(self) -> None:
        """Return once no REST request or timer effect of this client is in flight, and a socket the
        peer has closed has been let go of (its reconnect timer armed)."""
        await self._socket.let_go()
        await self.activity.idle()

    @property
    def is_idle(self) -> bool:
        """Whether :meth:`idle` would return at once: nothing in flight, no closed socket to let go of."""
        return self.activity.running == 0 and not self._socket.letting_go

    async def wait_for_frames(self, count: int) -> None:
        """Return once :attr:`frames_received` is at least ``count`` (each one dispatched already)."""
        await self._socket.wait_for_frames(count)

    def pong_pending(self) -> asyncio.Future[None] | None:
        """A future resolved when the outstanding WebSocket ping is answered or given up, or ``None``."""
        return self._socket.pong_pending()

    # -- listeners -------------------------------------------------------------------------------

    def add_call_listener(self, listener_id: str, listener: CallListener) -> None:
        """Register ``listener`` under ``listener_id``; an existing id is replaced (and moves last)."""
        self._listeners.add(listener_id, listener)

    def remove_call_listener(self, listener_id: str) -> None:
        """Unregister ``listener_id`` (unknown ids are ignored)."""
        if self.quirks.remove_listener_partial:
            callee_side = (CallbackName.INCOMING_CALL_RECEIVED, CallbackName.INCOMING_CALL_CANCELLED)
            self._listeners.strip(listener_id, callee_side)
            return
        self._listeners.remove(listener_id)

    # -- login -----------------------------------------------------------------------------------

    async def login(self, uid: str, auth_key: str) -> User:
        """``CometChat.login(uid, authKey)``: ``POST users/{uid}/auth_tokens`` then :meth:`login_with_token`.

        Already logged in as ``uid``: returns at once. Logged in as someone else: logs out first.

        Raises:
            CometChatError: a server error, ``FAILED_TO_FETCH`` or ``WS_AUTH_FAILED``.
        """
        if self._me is not None:
            if self._me.uid.lower() == uid.lower():
                return self._me
            await self.logout()
        data = await self._rest.request(
            "POST", f"users/{uid}/auth_tokens", self._device_body(), api_key=auth_key, admin=True
        )
        token = data.get("authToken") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise CometChatError.local(ErrorCode.FAILED_TO_FETCH, reason="auth_tokens reply has no authToken")
        return await self.login_with_token(token)

    async def login_with_token(self, auth_token: str) -> User:
        """``CometChat.login(authToken)``: ``PUT me``, then open and authenticate the WebSocket.

        The ``/me`` reply's ``settings`` switch later REST requests to the ``/v3.0/`` prefix; its
        ``jwt`` is the WebSocket credential. Returns once the socket's auth reply said "200".

        Raises:
            CometChatError: a server error, ``FAILED_TO_FETCH`` or ``WS_AUTH_FAILED``.
        """
        if self._me is not None:
            if self._me.auth_token == auth_token:
                return self._me
            await self.logout()
        self._rest.auth_token = auth_token
        try:
            data = await self._rest.request("PUT", "me", self._device_body())
            if not isinstance(data, dict):
                raise CometChatError.local(ErrorCode.FAILED_TO_FETCH, reason="/me reply data is not an object")
            settings = data.get("settings")
            if isinstance(settings, dict):
                self._settings = settings
                self._rest.api_version = str(settings.get("CHAT_API_VERSION") or API_VERSION)
            try:
                user = User.from_json({"authToken": auth_token, **data})
            except MalformedMessage as exc:
                raise CometChatError.local(ErrorCode.FAILED_TO_FETCH, reason=str(exc)) from exc
            self._rest.auth_token = user.auth_token
            self._me = user
            await self._socket.connect()
        except BaseException:
            self._me = None
            self._rest.auth_token = None
            raise
        return user

    async def logout(self) -> None:
        """``CometChat.logout()``: ``DELETE me`` (errors are logged, not raised), close the socket, forget
        the user and the active call. Listeners stay registered."""
        if self._rest.auth_token is not None:
            try:
                await self._rest.request("DELETE", "me")
            except CometChatError as exc:
                log.info("logout: DELETE me failed: %s", exc)
        self._end_session()
        await self._socket.close()
        self._me = None
        self._rest.auth_token = None

    async def aclose(self) -> None:
        """Close the socket and the HTTP session without logging out on the server."""
        self._end_session()
        await self._socket.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- calls -----------------------------------------------------------------------------------

    async def initiate_call(
        self, receiver: str, receiver_type: str, call_type: str, timeout: float | None = None
    ) -> Call:
        """``CometChat.initiateCall(new Call(receiver, callType, receiverType), timeout)``.

        Sends ``POST calls`` with the SDK's exact body, makes the reply the active call and arms the
        ring timer for ``resolve_timeout(timeout)`` seconds (floored; ``None`` or ≤ 0 → 45). The
        timeout never travels to the server.

        Raises:
            CometChatError: ``CALL_ALREADY_INITIATED`` if a call is active (nothing sent), a server
                error, or ``FAILED_TO_FETCH``.
        """
        seconds = DEFAULT_TIMEOUT if self.quirks.ignore_custom_timeout else resolve_timeout(timeout)
        if self._active is not None:
            raise CometChatError.local(ErrorCode.CALL_ALREADY_INITIATED)
        body: dict[str, Any] = {
            "type": call_type,
            "receiverType": receiver_type,
            "category": "call",
            "status": CallStatus.INITIATED.value,
            "receiver": receiver,
        }
        if self.quirks.wrong_payload_field:
            body["receiverId"] = body.pop("receiver")
        async with self.activity.track():
            call = self._seen(_call_from_reply(await self._rest.request("POST", "calls", body)))
            if self._active is not None:  # a call became active while the request was in flight
                raise CometChatError.local(ErrorCode.CALL_ALREADY_INITIATED)
            self._active = call
            self._arm_ring_timer(call, seconds)
        return call

    async def accept_call(self, session_id: str) -> Call:
        """``CometChat.acceptCall(sessionId)``: ``PUT calls/{sid} {"status":"ongoing"}``.

        The reply becomes the active call (it carries ``joinedAt``, which :meth:`end_call` sends).

        Raises:
            CometChatError: ``CALL_IN_PROGRESS`` if a call is active (nothing sent), a server error,
                or ``FAILED_TO_FETCH``.
        """
        if self._active is not None and not self.quirks.accept_while_busy:
            raise CometChatError.local(ErrorCode.CALL_IN_PROGRESS)
        async with self.activity.track():
            call = await self._update_call(session_id, {"status": CallStatus.ONGOING.value})
            if self._active is None or self.quirks.accept_while_busy:
                self._active = call
        return call

    async def reject_call(self, session_id: str, status: str) -> Call | None:
        """``CometChat.rejectCall(sessionId, status)``.

        ``rejected`` and ``busy`` only send the status. ``cancelled`` also clears the active call if
        it is this session. Any other status falls through to :meth:`end_call` (as in the SDK).

        Raises:
            CometChatError: a server error or ``FAILED_TO_FETCH``.
        """
        wire = self._wire_reject_status(status)
        if wire is None:
            return await self.end_call(session_id)
        async with self.activity.track():
            call = await self._update_call(session_id, {"status": wire})
            if status == CallStatus.CANCELLED and self._active_is(session_id):
                self._end_session()
        return call

    async def end_call(self, session_id: str) -> Call | None:
        """``CometChat.endCall(sessionId)``: ``PUT calls/{sid} {"status":"ended"[, "joinedAt"]}``.

        ``joinedAt`` is sent only when the local active call has one (the callee's, from its accept
        reply; never the caller's). Afterwards the active call is cleared. The SDK's local rules:

        * no active call: nothing is sent, returns ``None`` (and clears the ring timer);
        * the active call is another session: nothing is sent, returns ``None`` (the SDK's promise
          never settles here);
        * the request fails: still succeeds, returning the local call marked ``ended``.
        """
        active = self._active
        if active is None:
            self._end_session()
            return None
        if active.session_id != session_id:
            log.info("end_call(%s): the active call is %s; nothing sent", session_id, active.session_id)
            return None
        body: dict[str, Any] = {"status": CallStatus.ENDED.value}
        if active.joined_at:
            body["joinedAt"] = active.joined_at
        async with self.activity.track():
            try:
                call = await self._update_call(session_id, body)
            except CometChatError as exc:
                log.info("end_call(%s) failed (%s); ending locally", session_id, exc)
                call = active.with_status(CallStatus.ENDED.value)
            if not self.quirks.keep_active_call_after_end:
                self._end_session()
        return call

    async def generate_token(self, session_id: str) -> str:
        """The Calls SDK's ``generateToken``: ``POST v3.0/call_tokens {"sessionId"}`` → ``data.token``.

        Raises:
            CometChatError: ``USER_NOT_LOGED_IN``, a server error, or ``FAILED_TO_FETCH``.
        """
        asked = self._other_session(session_id) if self.quirks.token_for_wrong_session else session_id
        data = await self._rest.request("POST", "call_tokens", {"sessionId": asked}, version=API_VERSION)
        token = data.get("token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise CometChatError.local(ErrorCode.FAILED_TO_FETCH, reason="call_tokens reply has no token")
        self._tokens.add(token)
        return token

    def _other_session(self, session_id: str) -> str:
        """The ``token-for-wrong-session`` quirk: the last other session met, else a near miss of this one."""
        others = [sid for sid in self._sessions if sid != session_id]
        if others:
            return others[-1]
        return session_id[:-1] + ("0" if session_id[-1:] != "0" else "1")

    # -- the call session (the Calls SDK part of the spec's flow) ------------------------------------

    @property
    def call_session(self) -> CallSession | None:
        """The session started last (``active`` is ``False`` once it ended), or ``None``."""
        return self._call_session

    def start_session(self, session_id: str, token: str) -> CallSession:
        """``CometChatCalls.startSession(token, settings)`` with the spec's ``OngoingCallListener``.

        Raises:
            CometChatError: ``INVALID_CALL_TOKEN`` when ``token`` did not come from :meth:`generate_token`.
        """
        if token not in self._tokens:
            raise CometChatError.local(ErrorCode.INVALID_CALL_TOKEN, token=token)
        self._call_session = CallSession(session_id=session_id, token=token)
        return self._call_session

    def end_call_session(self) -> None:
        """``CometChatCalls.endSession()``: the session stops (its listener with it)."""
        if self._call_session is not None:
            self._call_session.active = False

    async def session_event(self, event: SessionEvent) -> Call | None:
        """The session reports ``event``; the handler the spec shows for it runs.

        * ``callEnded``: ``clearActiveCall()``, ``endSession()``; returns ``None``.
        * ``callEndButtonPressed``: ``endCall(sessionId)``; on success ``clearActiveCall()`` and
          ``endSession()``, and the ended Call is returned. If ``endCall`` fails, its error is raised
          and nothing is cleared.

        Raises:
            ValueError: no session is running (the media session cannot report anything then).
            CometChatError: ``endCall`` failed.
        """
        session = self._call_session
        if session is None or not session.active:
            raise ValueError("no call session is running")
        if event is SessionEvent.CALL_ENDED:
            if not self.quirks.session_end_keeps_active_call:
                self.clear_active_call()
            self.end_call_session()
            return None
        call = await self.end_call(session.session_id)
        self.clear_active_call()
        self.end_call_session()
        return call

    # -- internals: requests -----------------------------------------------------------------------

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=0, ssl=self._ssl if self._ssl is not None else True)
            timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
            self._session = aiohttp.ClientSession(connector=connector, timeout=timeout)
        return self._session

    async def _update_call(self, session_id: str, body: dict[str, Any]) -> Call:
        return self._seen(_call_from_reply(await self._rest.request("PUT", f"calls/{session_id}", body)))

    def _seen(self, call: Call) -> Call:
        """Every parsed call passes here: note its session, and apply the ``no-call-duration`` quirk."""
        if call.session_id is not None and call.session_id not in self._sessions:
            self._sessions.append(call.session_id)
        return call.without_duration() if self.quirks.no_call_duration else call

    def _wire_reject_status(self, status: str) -> str | None:
        """The status ``reject_call`` puts on the wire, or ``None`` for "fall through to end_call"."""
        swap = self.quirks.swap_busy_rejected
        if status == CallStatus.REJECTED:
            return CallStatus.BUSY.value if swap else CallStatus.REJECTED.value
        if status == CallStatus.BUSY:
            return CallStatus.REJECTED.value if swap else CallStatus.BUSY.value
        if status == CallStatus.CANCELLED:
            return CallStatus.REJECTED.value if self.quirks.cancel_sends_rejected else CallStatus.CANCELLED.value
        return None

    def _device_body(self) -> dict[str, Any]:
        """The body of ``auth_tokens`` and ``PUT me`` (wire spec §2.4)."""
        return {
            "platform": "python",
            "deviceId": self.device_id,
            "appInfo": {"version": f"v{SDK_VERSION}", "apiVersion": API_VERSION, "userAgent": USER_AGENT},
        }

    def _auth_frame(self) -> dict[str, Any]:
        """The WebSocket auth frame (wire spec §3.2); ``auth`` is left out when ``/me`` gave no jwt."""
        me = self._me
        body: dict[str, Any] = {
            "auth": me.jwt if me is not None else None,
            "deviceId": self.resource,
            "presenceSubscription": "NONE",
            "params": {
                "appInfo": {
                    "version": SDK_VERSION,
                    "apiVersion": API_VERSION,
                    "origin": "python-refclient",
                    "uts": int(self.clock.now() * 1000),
                },
                "userAgent": USER_AGENT,
                "deviceId": self.device_id,
                "platform": "python",
            },
        }
        if body["auth"] is None:
            del body["auth"]
        return {
            "appId": self.app_id,
            "deviceId": self.resource,
            "type": "auth",
            "sender": me.uid if me is not None else "",
            "body": body,
        }

    # -- internals: the active call and the ring timer ---------------------------------------------

    def _active_is(self, session_id: str | None) -> bool:
        return self._active is not None and self._active.session_id == session_id

    def _arm_ring_timer(self, call: Call, seconds: int) -> None:
        self._stop_ring_timer()
        self._ring_session = call.session_id
        self._ring_timer = self.clock.call_at(self.clock.now() + seconds, self._on_ring_timeout)

    def _stop_ring_timer(self) -> None:
        if self._ring_timer is not None:
            self.clock.cancel(self._ring_timer)
        self._ring_timer = None
        self._ring_session = None

    def _stop_ring_timer_later(self) -> None:
        """The ``ring-timer-stops-late`` quirk: stop this ring timer :data:`LATE_STOP` s from now, if still armed."""
        timer = self._ring_timer

        def stop() -> None:
            if timer is not None and self._ring_timer is timer:
                self._stop_ring_timer()

        self.clock.call_at(self.clock.now() + LATE_STOP, stop)

    def _end_session(self) -> None:
        """The SDK's ``endCallSession``: no active call, no ring timer."""
        self._active = None
        self._stop_ring_timer()

    async def _on_ring_timeout(self) -> None:
        """The ring timer fired: send ``unanswered``, dispatch the reply locally, end the session."""
        self._ring_timer = None
        self._ring_session = None
        active = self._active
        if active is None or active.session_id is None:
            self._end_session()
            return
        async with self.activity.track():
            try:
                reply = await self._update_call(active.session_id, {"status": CallStatus.UNANSWERED.value})
                self._publish(reply)
            except CometChatError as exc:
                log.info("ring timeout: unanswered PUT failed (%s)", exc)
            finally:
                self._end_session()

    # -- internals: received events ----------------------------------------------------------------

    def _on_frame(self, frame: dict[str, Any]) -> None:
        """A WebSocket frame other than a pong or the auth reply."""
        if frame.get("deviceId") == self.resource and not self.quirks.no_echo_suppression:
            return
        if frame.get("type") != "message":
            return
        body = frame.get("body")
        if not isinstance(body, dict) or body.get("category") != "call":
            return
        try:
            call = Call.from_message(body)
        except MalformedMessage as exc:
            log.warning("dropping a malformed call frame: %s", exc)
            return
        self._publish(self._seen(call))

    def _publish(self, call: Call) -> None:
        """The SDK's ``publishCallMessage``: local effects and listener callbacks for one call event.

        Unlike the SDK, an event already handled (same session and status) or one for a session that
        already ended here is dropped: a duplicated or late frame must not fire a second callback.
        """
        key = (str(call.session_id), str(call.status))
        if key in self._handled or key[0] in self._finished:
            log.info("dropping a repeated or late call event %s", key)
            return
        self._handled.add(key)
        if call.status not in (CallStatus.INITIATED, CallStatus.ONGOING):
            self._finished.add(key[0])
        plan = plan_dispatch(
            call,
            me=self._me.uid if self._me is not None else "",
            active_session=self._active.session_id if self._active is not None else None,
            ring_session=self._ring_session if self._ring_timer is not None else None,
            quirks=self.quirks,
        )
        if plan.clear_ring_timer:
            if self.quirks.ring_timer_stops_late:
                self._stop_ring_timer_later()
            else:
                self._stop_ring_timer()
        if plan.end_active is EndActive.BEFORE_CALLBACKS:
            self._end_session()
        for name in plan.callbacks:
            self._listeners.invoke(name, call)
        if plan.end_active is EndActive.AFTER_CALLBACKS:
            self._end_session()


def _call_from_reply(data: Any) -> Call:
    """The ``Call`` in a REST reply's ``data``.

    Raises:
        CometChatError: ``FAILED_TO_FETCH`` when ``data`` is not a call message.
    """
    try:
        return Call.from_message(data)
    except MalformedMessage as exc:
        raise CometChatError.local(ErrorCode.FAILED_TO_FETCH, reason=f"reply is not a call message: {exc}") from exc
