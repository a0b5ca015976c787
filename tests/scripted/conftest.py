"""Fixtures for scripted-user tests: a MockServer per test and real aiohttp clients logged in via REST.

The client does what the SDK does on the wire (§2.4, §3.2): ``POST /users/{uid}/auth_tokens`` with the
api key, ``PUT /me`` for the jwt, then the WebSocket with the auth frame. A reader task collects every
frame; tests wait for frames with deadlines, and use a ping/pong round trip as a barrier to prove
that a frame did *not* come (anything the server sent before the pong arrives before it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from mockserver.server import MockServer

Json = dict[str, Any]
DEADLINE = 5.0


def status_of(frame: Json) -> str | None:
    """The call status of a call frame (None for other frames)."""
    try:
        return str(frame["body"]["data"]["entities"]["on"]["entity"]["status"])
    except (KeyError, TypeError):
        return None


def session_of(frame: Json) -> str | None:
    """The session id of a call frame."""
    try:
        return str(frame["body"]["data"]["entities"]["on"]["entity"]["sessionid"])
    except (KeyError, TypeError):
        return None


class Client:
    """One SDK-like device: REST with its token and resource, and a WebSocket whose frames are kept."""

    def __init__(self, server: MockServer, http: aiohttp.ClientSession, uid: str, resource: str) -> None:
        self.server = server
        self.http = http
        self.uid = uid
        self.resource = resource
        self.token = ""
        self.frames: list[Json] = []
        self.arrivals: list[float] = []  #: time.time() of each frame's arrival
        self.closed: asyncio.Event = asyncio.Event()
        self.close_code: int | None = None
        self.auth_reply: Json | None = None
        self._changed = asyncio.Condition()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    def _headers(self) -> dict[str, str]:
        return {"appId": self.server.config.app_id, "resource": self.resource, "authToken": self.token}

    async def login(self) -> Client:
        """Token, /me, socket, auth; returns self once the auth reply arrived."""
        url = self.server.url
        async with self.http.post(
            f"{url}/users/{self.uid}/auth_tokens",
            json={"platform": "WEB"},
            headers={"apiKey": self.server.config.api_key, "appId": self.server.config.app_id},
        ) as reply:
            self.token = (await reply.json())["data"]["authToken"]
        async with self.http.put(f"{url}/me", json={}, headers=self._headers()) as reply:
            me = (await reply.json())["data"]
        await self.connect(me["jwt"])
        assert self.auth_reply is not None and self.auth_reply["body"]["code"] == "200", self.auth_reply
        return self

    async def connect(self, jwt: str | None = None) -> Json:
        """Open the socket and send the auth frame; returns the auth reply (OK or refused)."""
        if jwt is None:
            async with self.http.put(f"{self.server.url}/me", json={}, headers=self._headers()) as me:
                jwt = (await me.json())["data"]["jwt"]
        self.closed = asyncio.Event()
        self.close_code = None
        self.auth_reply = None
        self._ws = await self.http.ws_connect(
            self.server.ws_url, autoping=True, timeout=aiohttp.ClientWSTimeout(ws_close=0.5)
        )
        self._reader = asyncio.get_running_loop().create_task(self._read(self._ws))
        start = len(self.frames)
        await self._ws.send_str(
            json.dumps(
                {
                    "appId": self.server.config.app_id,
                    "deviceId": self.resource,
                    "type": "auth",
                    "sender": self.uid,
                    "body": {"auth": jwt, "deviceId": self.resource},
                }
            )
        )
        auth = await self.wait_for(lambda f: f.get("type") == "auth", what="auth reply", start=start)
        self.auth_reply = auth
        return auth

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                async with self._changed:
                    self.frames.append(json.loads(message.data))
                    self.arrivals.append(time.time())
                    self._changed.notify_all()
        self.close_code = ws.close_code
        self.closed.set()
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(
        self, predicate: Callable[[Json], bool], *, what: str, start: int = 0, timeout: float = DEADLINE
    ) -> Json:
        """The first frame from index ``start`` on that matches, waiting up to ``timeout`` seconds."""

        def found() -> Json | None:
            return next((f for f in self.frames[start:] if predicate(f)), None)

        async def wait() -> Json:
            async with self._changed:
                while (frame := found()) is None:
                    if self.closed.is_set():
                        raise AssertionError(f"{self.uid}: socket closed ({self.close_code}) before {what}")
                    await self._changed.wait()
                return frame

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"{self.uid}: no {what} within {timeout}s; got {self.call_statuses()}") from None

    async def call_frame(
        self, status: str, *, sid: str | None = None, start: int = 0, timeout: float = DEADLINE
    ) -> Json:
        """Wait for a call frame of ``status`` (of session ``sid``)."""
        return await self.wait_for(
            lambda f: status_of(f) == status and (sid is None or session_of(f) == sid),
            what=f"{status!r} call frame",
            start=start,
            timeout=timeout,
        )

    async def barrier(self) -> None:
        """Ping and wait for the pong: every frame the server sent before it has arrived."""
        start = len(self.frames)
        assert self._ws is not None
        await self._ws.send_str(json.dumps({"action": "ping", "ack": "true"}))
        await self.wait_for(lambda f: f.get("action") == "pong", what="pong", start=start)

    def call_statuses(self, sid: str | None = None) -> list[str]:
        """The statuses of every call frame received so far, in order."""
        return [s for f in self.frames if (s := status_of(f)) and (sid is None or session_of(f) == sid)]

    async def initiate(self, receiver: str, *, receiver_type: str = "user", call_type: str = "audio") -> Json:
        """``POST /calls``; returns the reply body (``data`` or ``error``)."""
        body = {
            "type": call_type,
            "receiverType": receiver_type,
            "category": "call",
            "status": "initiated",
            "receiver": receiver,
        }
        async with self.http.post(f"{self.server.url}/v3.0/calls", json=body, headers=self._headers()) as reply:
            result: Json = await reply.json()
            return result

    async def update(self, sid: str, status: str) -> Json:
        """``PUT /calls/{sid}``; returns the reply body."""
        async with self.http.put(
            f"{self.server.url}/v3.0/calls/{sid}", json={"status": status}, headers=self._headers()
        ) as reply:
            result: Json = await reply.json()
            return result

    async def close(self) -> None:
        """Close the socket (if open) and stop reading."""
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


def sid_of(reply: Json) -> str:
    """The session id in a call reply."""
    assert "data" in reply, reply
    return str(reply["data"]["data"]["entities"]["on"]["entity"]["sessionid"])


@pytest.fixture
def make_server(start_mock_server: Callable[..., MockServer]) -> Callable[..., MockServer]:
    """Start MockServers (plain HTTP, loopback) with the given config overrides; stopped at teardown."""
    return start_mock_server


@pytest.fixture
def server(make_server: Callable[..., MockServer]) -> MockServer:
    """A virtual-clock server with alice and bob."""
    return make_server(clock="virtual", users=["alice", "bob"])


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """One client session for every device of a test (no connection limit: sockets count)."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        yield session


@pytest.fixture
async def connect(http: aiohttp.ClientSession) -> AsyncIterator[Callable[..., Any]]:
    """``await connect(server, uid)``: a logged-in client; every one is closed at teardown."""
    clients: list[Client] = []

    async def make(server: MockServer, uid: str, resource: str | None = None) -> Client:
        client = Client(server, http, uid, resource or f"WEB-test-{uid}-{len(clients)}")
        clients.append(client)
        return await client.login()

    yield make
    for client in clients:
        await client.close()


async def advance(server: MockServer, seconds: float) -> Json:
    """Advance the virtual clock from a worker thread, so this loop keeps reading sockets."""
    return await asyncio.to_thread(server.advance, seconds)


async def control(server: MockServer, method: str, path: str, body: Json | None = None) -> Any:
    """The control API (``data``), from a worker thread; raises on an error envelope."""
    return await asyncio.to_thread(server.data, method, path, body)


async def control_reply(server: MockServer, method: str, path: str, body: Json | None = None) -> Json:
    """The control API's whole reply body (``data`` or ``error``)."""
    reply = await asyncio.to_thread(server.control, method, path, body)
    return reply.body


def journal(server: MockServer, *kinds: str) -> list[Json]:
    """Journal entries of ``kinds``."""
    return server.journal(kinds=list(kinds) or None)


def call_log(server: MockServer, sid: str | None = None) -> list[tuple[str, str, str | None]]:
    """``(status, actor, device)`` of every call entry (of session ``sid``), in order."""
    return [
        (e["status"], e["actor"], e["device"])
        for e in journal(server, "call")
        if e["event"] == "StatusChanged" and (sid is None or e["sessionId"] == sid)
    ]
