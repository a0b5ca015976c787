"""The WebSocket connection: auth frame, keep-alive pings, reconnects, frame counting (wire spec §3).

Theory of operation
-------------------
:meth:`ChatSocket.connect` opens ``ws_url``, starts a reader task, sends the auth frame and waits
for ``{"type": "auth", "body": {"code": "200", "status": "OK"}}`` (the code is the *string* "200").
Only then does keep-alive start: every :data:`PING_INTERVAL` seconds on the client's clock a
``{"action":"ping","ack":"true"}`` goes out and a :data:`PONG_DEADLINE` timer is armed; any frame
with ``action == "pong"`` disarms it. If the deadline passes, or the server closes the socket, the
connection is dropped and a reconnect is tried every :data:`RECONNECT_DELAY` seconds, as the SDK's
``accidentallyDisconnected`` does.

Every text frame received counts in :attr:`ChatSocket.frames_received` (auth reply and pongs
included), across reconnects. Frames that are neither pongs nor the auth reply go to ``on_frame``
synchronously, in arrival order, before the next frame is read: once a frame is counted it has been
dispatched.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from refclient.activity import Activity
from refclient.clock import Clock, TimerHandle
from refclient.errors import CometChatError, ErrorCode

__all__ = ["PING_FRAME", "PING_INTERVAL", "PONG_DEADLINE", "RECONNECT_DELAY", "ChatSocket"]

log = logging.getLogger(__name__)

#: Seconds between pings once authenticated (the SDK's ``setInterval(…, 15e3)``).
PING_INTERVAL = 15.0
#: Seconds a ping waits for a pong before the connection counts as dead (``listenForPong``'s 3e3).
PONG_DEADLINE = 3.0
#: Seconds between reconnect attempts after the connection was lost.
RECONNECT_DELAY = 5.0
#: The keep-alive frame, verbatim (``ack`` is the string "true").
PING_FRAME = '{"action":"ping","ack":"true"}'
#: Real seconds aiohttp waits for the peer's close frame (its default of 10 s would stall every logout).
CLOSE_TIMEOUT = 1.0

Frame = dict[str, Any]


class ChatSocket:
    """One logical WebSocket connection for a logged-in client.

    Args:
        session: returns the shared ``aiohttp.ClientSession`` (TLS trust is set on its connector).
        url: the WebSocket URL (path ``/``, no query).
        clock: where pings, pong deadlines and reconnects are armed.
        auth_frame: builds the auth frame to send on each (re)connect.
        on_frame: receives every frame other than pongs and the auth reply, synchronously.
        activity: counts reconnect attempts while they run.
    """

    def __init__(
        self,
        *,
        session: Callable[[], aiohttp.ClientSession],
        url: str,
        clock: Clock,
        auth_frame: Callable[[], Frame],
        on_frame: Callable[[Frame], None],
        activity: Activity,
    ) -> None:
        self._session = session
        self._url = url
        self._clock = clock
        self._auth_frame = auth_frame
        self._on_frame = on_frame
        self._activity = activity
        #: Text frames received since this object was made, over every connection it opened.
        self.frames_received = 0
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._auth_reply: asyncio.Future[Frame] | None = None
        self._pong: asyncio.Future[None] | None = None
        self._ping_timer: TimerHandle | None = None
        self._pong_timer: TimerHandle | None = None
        self._reconnect_timer: TimerHandle | None = None
        self._closing = False
        self._authenticated = False
        self._frame_arrived = asyncio.Event()

    @property
    def connected(self) -> bool:
        """Whether a socket is open (authenticated or still authenticating)."""
        return self._ws is not None and not self._ws.closed

    async def wait_for_frames(self, count: int) -> None:
        """Return once :attr:`frames_received` is at least ``count`` (no deadline: wrap it in one)."""
        while self.frames_received < count:
            self._frame_arrived.clear()
            await self._frame_arrived.wait()

    async def let_go(self) -> None:
        """Return once a socket that has closed (the close handshake done) has been let go of: its reader
        finished, so what follows a lost socket (the reconnect timer) has been done."""
        ws, reader = self._ws, self._reader
        if ws is not None and ws.closed and reader is not None and not reader.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(reader)

    @property
    def letting_go(self) -> bool:
        """Whether :meth:`let_go` would wait: the socket closed, its reader not finished yet."""
        ws, reader = self._ws, self._reader
        return ws is not None and ws.closed and reader is not None and not reader.done()

    def pong_pending(self) -> asyncio.Future[None] | None:
        """A future resolved when the outstanding ping is answered (or given up), or ``None``."""
        return self._pong if self._pong is not None and not self._pong.done() else None

    async def connect(self) -> None:
        """Open the socket, authenticate, and start keep-alive.

        Raises:
            CometChatError: ``FAILED_TO_FETCH`` when the socket cannot be opened; ``WS_AUTH_FAILED``
                when the auth reply is not code "200" / status "OK" or the socket closes first.
        """
        self._closing = False
        self._cancel(self._reconnect_timer)
        self._reconnect_timer = None
        try:
            ws = await self._session().ws_connect(
                self._url, autoping=True, timeout=aiohttp.ClientWSTimeout(ws_close=CLOSE_TIMEOUT)
            )
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise CometChatError.local(ErrorCode.FAILED_TO_FETCH, reason=f"WebSocket {self._url}: {exc}") from exc
        self._ws = ws
        self._authenticated = False
        self._auth_reply = asyncio.get_running_loop().create_future()
        self._reader = asyncio.get_running_loop().create_task(self._read(ws))
        try:
            await ws.send_str(json.dumps(self._auth_frame()))
        except (aiohttp.ClientError, ConnectionError) as exc:
            await self._drop(ws)
            raise CometChatError.local(ErrorCode.FAILED_TO_FETCH, reason=f"WebSocket {self._url}: {exc}") from exc
        reply = await self._auth_reply
        body = reply.get("body")
        if not (isinstance(body, dict) and body.get("code") == "200" and body.get("status") == "OK"):
            await self._drop(ws)
            raise CometChatError.local(ErrorCode.WS_AUTH_FAILED, reason=json.dumps(reply)[:300])
        self._authenticated = True
        self._arm_ping(self._clock.now() + PING_INTERVAL)

    async def close(self) -> None:
        """Close the socket for good (no reconnect) and disarm every timer."""
        self._closing = True
        for timer in (self._ping_timer, self._pong_timer, self._reconnect_timer):
            self._cancel(timer)
        self._ping_timer = self._pong_timer = self._reconnect_timer = None
        self._settle_pong()
        if self._ws is not None:
            await self._drop(self._ws)

    async def _drop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Close ``ws`` and wait for its reader to finish (which runs :meth:`_lost`)."""
        reader = self._reader
        with contextlib.suppress(Exception):
            await ws.close()
        if reader is not None and reader is not asyncio.current_task():
            with contextlib.suppress(Exception):
                await reader

    # -- reading ---------------------------------------------------------------------------------

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    self.frames_received += 1
                    self._handle_text(message.data)
                    self._frame_arrived.set()
        except Exception:
            log.exception("WebSocket reader failed")
        finally:
            self._lost(ws)

    def _handle_text(self, text: str) -> None:
        try:
            frame = json.loads(text)
        except ValueError:
            log.warning("ignoring a non-JSON frame: %.200s", text)
            return
        if not isinstance(frame, dict):
            return
        if frame.get("action") == "pong":
            self._on_pong()
        elif frame.get("type") == "auth":
            if self._auth_reply is not None and not self._auth_reply.done():
                self._auth_reply.set_result(frame)
        else:
            try:
                self._on_frame(frame)
            except Exception:
                log.exception("frame handler failed on %.300s", text)

    def _lost(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """The reader ended: the socket is closed, by us or by the peer."""
        if ws is not self._ws:
            return
        self._ws = None
        if self._auth_reply is not None and not self._auth_reply.done():
            self._auth_reply.set_exception(
                CometChatError.local(ErrorCode.WS_AUTH_FAILED, reason="the socket closed before the auth reply")
            )
        for timer in (self._ping_timer, self._pong_timer):
            self._cancel(timer)
        self._ping_timer = self._pong_timer = None
        self._settle_pong()
        if self._authenticated and not self._closing:
            log.info("WebSocket lost; reconnecting in %s s", RECONNECT_DELAY)
            self._arm_reconnect()
        self._authenticated = False

    # -- keep-alive ------------------------------------------------------------------------------

    def _arm_ping(self, when: float) -> None:
        self._ping_timer = self._clock.call_at(when, lambda: self._ping(when))

    async def _ping(self, due: float) -> None:
        self._ping_timer = None
        ws = self._ws
        if ws is None or ws.closed:
            return
        self._arm_ping(due + PING_INTERVAL)
        if self._pong_timer is None:
            # Armed before sending: the pong may be read while send_str is still awaiting.
            self._pong = asyncio.get_running_loop().create_future()
            self._pong_timer = self._clock.call_at(self._clock.now() + PONG_DEADLINE, self._pong_missed)
        try:
            await ws.send_str(PING_FRAME)
        except (aiohttp.ClientError, ConnectionError) as exc:
            log.info("ping failed: %s", exc)

    def _on_pong(self) -> None:
        self._cancel(self._pong_timer)
        self._pong_timer = None
        self._settle_pong()

    async def _pong_missed(self) -> None:
        self._pong_timer = None
        self._settle_pong()
        log.warning("no pong within %s s: dropping the connection", PONG_DEADLINE)
        if self._ws is not None:
            await self._drop(self._ws)

    def _settle_pong(self) -> None:
        if self._pong is not None and not self._pong.done():
            self._pong.set_result(None)
        self._pong = None

    # -- reconnect -------------------------------------------------------------------------------

    def _arm_reconnect(self) -> None:
        self._reconnect_timer = self._clock.call_at(self._clock.now() + RECONNECT_DELAY, self._reconnect)

    async def _reconnect(self) -> None:
        self._reconnect_timer = None
        if self._closing:
            return
        async with self._activity.track():
            try:
                await self.connect()
            except CometChatError as exc:
                log.info("reconnect failed (%s); retrying in %s s", exc, RECONNECT_DELAY)
                if not self._closing and self._reconnect_timer is None:
                    self._arm_reconnect()

    def _cancel(self, timer: TimerHandle | None) -> None:
        if timer is not None:
            self._clock.cancel(timer)
