"""A small WebSocket client for the fuzzers: one asyncio loop in the test's thread, aiohttp sockets,
every wait bounded. The server runs in its own thread (``MockServer``), so the test drives the loop
with :meth:`Loop.run`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

from mockserver.config import DEFAULT_APP_ID

T = TypeVar("T")
#: Real seconds any single wait may take (nothing should come near it).
DEADLINE = 5.0
#: Close codes that are a clean close: normal, policy, too big, and ringside's own 4xxx codes.
CLEAN_CLOSES = frozenset({1000, 1001, 1008, 1009}) | frozenset(range(4000, 5000))


class Loop:
    """An event loop owned by the test, with one client session."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.http = self.run(_session())

    def run(self, coro: Coroutine[Any, Any, T], *, deadline: float = 4 * DEADLINE) -> T:
        return self.loop.run_until_complete(asyncio.wait_for(coro, deadline))

    def close(self) -> None:
        self.run(self.http.close())
        self.loop.close()


async def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()


@dataclass
class Closed:
    """The server closed the socket: its close code (None if the connection just went away)."""

    code: int | None


@dataclass
class Socket:
    """One client socket and every frame it received, in order."""

    ws: aiohttp.ClientWebSocketResponse
    resource: str
    uid: str | None = None
    frames: list[dict[str, Any]] = field(default_factory=list)
    closed: Closed | None = None

    async def send(self, frame: Any) -> None:
        await self.ws.send_str(frame if isinstance(frame, str) else json.dumps(frame))

    async def receive(self, timeout: float = DEADLINE) -> dict[str, Any] | Closed:
        """The next frame (decoded), or :class:`Closed`."""
        if self.closed is not None:
            return self.closed
        message = await asyncio.wait_for(self.ws.receive(), timeout)
        if message.type is aiohttp.WSMsgType.TEXT:
            frame = json.loads(message.data)
            assert isinstance(frame, dict), frame
            self.frames.append(frame)
            return frame
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
            self.closed = Closed(self.ws.close_code)
            return self.closed
        if message.type is aiohttp.WSMsgType.ERROR:
            self.closed = Closed(None)
            return self.closed
        raise AssertionError(f"unexpected message from the server: {message}")

    async def sync(self) -> list[dict[str, Any]] | Closed:
        """Ping; every frame that arrived before the pong (or Closed if the socket closed first)."""
        if self.closed is not None:
            return self.closed
        try:
            await self.send({"action": "ping", "ack": "true"})
        except (ConnectionError, RuntimeError):
            self.closed = Closed(self.ws.close_code)
            return self.closed
        before: list[dict[str, Any]] = []
        while True:
            frame = await self.receive()
            if isinstance(frame, Closed):
                return frame
            if frame == {"action": "pong"}:
                return before
            before.append(frame)

    async def auth(self, uid: str, jwt: str) -> dict[str, Any] | Closed:
        await self.send(auth_frame(uid, jwt, self.resource))
        reply = await self.receive()
        if reply == {"type": "auth", "body": {"code": "200", "status": "OK"}}:
            self.uid = uid
        return reply

    async def close(self) -> None:
        await self.ws.close()


def auth_frame(uid: str, jwt: str, resource: str) -> dict[str, Any]:
    """The SDK's auth frame (wire facts §3.2)."""
    return {
        "appId": DEFAULT_APP_ID,
        "deviceId": resource,
        "type": "auth",
        "sender": uid,
        "body": {"auth": jwt, "deviceId": resource, "presenceSubscription": "ALL_USERS"},
    }


async def connect(http: aiohttp.ClientSession, ws_url: str, resource: str) -> Socket:
    ws = await asyncio.wait_for(http.ws_connect(ws_url, autoclose=True, autoping=True, max_msg_size=0), DEADLINE)
    return Socket(ws=ws, resource=resource)
