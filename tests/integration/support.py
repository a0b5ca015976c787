"""A small CometChat-like client for the integration tests: REST as the SDK sends it, WebSocket devices.

Every frame a :class:`Device` receives is checked against its wire schema before the test sees it,
and every waiting has a deadline (no sleeps): :meth:`Device.sync` pings and collects what arrived
before the pong, which — since the server sends a request's frames before its reply — is exactly
what the requests so far delivered to this socket.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from mockserver.config import DEFAULT_API_KEY, DEFAULT_APP_ID
from mockserver.schemas import assert_valid

APP_ID = DEFAULT_APP_ID
API_KEY = DEFAULT_API_KEY
SDK = "javascript@4.2.0"
#: Real seconds any single wait may take before the test fails (generous: nothing should come near it).
DEADLINE = 5.0
#: The body the SDK sends with auth_tokens and PUT /me (wire facts §2.4).
LOGIN_BODY = {
    "platform": "WEB",
    "deviceId": "ringside_0000-1795608125341",
    "appInfo": {"version": "v4.2.0", "apiVersion": "v3.0", "userAgent": "pytest"},
}


@dataclass
class Resp:
    """One HTTP reply."""

    status: int
    body: Any
    headers: Any

    @property
    def data(self) -> Any:
        assert "data" in self.body, f"expected a data envelope, got {self.status} {self.body}"
        return self.body["data"]

    @property
    def code(self) -> str:
        assert "error" in self.body, f"expected an error envelope, got {self.status} {self.body}"
        assert_valid("wire/error-envelope", self.body)
        return self.body["error"]["code"]


@dataclass
class Login:
    """A logged-in user: their token and WebSocket credential."""

    uid: str
    token: str
    jwt: str
    me: dict[str, Any]


class Api:
    """REST calls with the SDK's headers; control calls with the server's control token."""

    def __init__(
        self, http: aiohttp.ClientSession, base: str, *, ssl: Any = True, control_token: str | None = None
    ) -> None:
        self.http = http
        self.base = base
        self.ssl = ssl
        self.control_token = control_token

    @property
    def control_headers(self) -> dict[str, str]:
        """The header that unlocks the control API (none if this Api was given no token)."""
        return {"Authorization": f"Bearer {self.control_token}"} if self.control_token else {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        api_key: str | None = None,
        body: Any = None,
        raw: bytes | None = None,
        resource: str | None = None,
        headers: dict[str, str] | None = None,
        app_id: str | None = APP_ID,
    ) -> Resp:
        sent = {"Accept": "application/json", "sdk": SDK, "Content-Type": "application/json"}
        if app_id is not None:
            sent["appId"] = app_id
        if token is not None:
            sent["authToken"] = token
        if api_key is not None:
            sent["apiKey"] = api_key
        if resource is not None:
            sent["resource"] = resource
        sent.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        async with asyncio.timeout(DEADLINE):
            async with self.http.request(method, self.base + path, data=data, headers=sent, ssl=self.ssl) as reply:
                text = await reply.text()
                return Resp(reply.status, json.loads(text) if text else None, reply.headers)

    async def login(self, uid: str) -> Login:
        """``login(uid, authKey)``: auth_tokens with the apiKey, then PUT /me with the token."""
        minted = await self.request("POST", f"/users/{uid}/auth_tokens", api_key=API_KEY, body=LOGIN_BODY)
        assert minted.status == 200, minted.body
        token = minted.data["authToken"]
        me = await self.request("PUT", "/v3.0/me", token=token, body=LOGIN_BODY)
        assert me.status == 200, me.body
        return Login(uid=uid, token=token, jwt=me.data["jwt"], me=me.data)

    async def initiate(
        self,
        who: Login,
        receiver: str,
        *,
        receiver_type: str = "user",
        call_type: str = "audio",
        resource: str | None = None,
    ) -> Resp:
        body = {
            "type": call_type,
            "receiverType": receiver_type,
            "category": "call",
            "status": "initiated",
            "receiver": receiver,
        }
        return await self.request("POST", "/v3.0/calls", token=who.token, body=body, resource=resource)

    async def update(self, who: Login, sid: str, status: str, *, resource: str | None = None) -> Resp:
        return await self.request(
            "PUT", f"/v3.0/calls/{sid}", token=who.token, body={"status": status}, resource=resource
        )

    async def control(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None) -> Resp:
        return await self.request(method, "/_ringside" + path, body=body, raw=raw, headers=self.control_headers)


def sid_of(message: dict[str, Any]) -> str:
    """The session id of a call message (the lower-case key the SDK reads)."""
    return message["data"]["entities"]["on"]["entity"]["sessionid"]


def status_of(message: dict[str, Any]) -> str:
    return message["data"]["entities"]["on"]["entity"]["status"]


def check_frame(frame: Any) -> None:
    """Validate a server→client frame against the wire schema of its kind."""
    assert isinstance(frame, dict), frame
    if frame.get("type") == "message":
        assert_valid("wire/ws-call-frame", frame)
    elif frame.get("type") == "auth":
        assert_valid("wire/ws-auth-reply", frame)
    elif frame.get("type") == "error":
        assert_valid("wire/ws-error-frame", frame)
    elif frame.get("action") == "pong":
        assert_valid("wire/ws-pong", frame)
    else:
        raise AssertionError(f"a frame of no known kind: {frame}")


@dataclass
class Device:
    """One WebSocket of a user, as the SDK opens it."""

    ws: aiohttp.ClientWebSocketResponse
    resource: str
    uid: str | None = None
    received: list[dict[str, Any]] = field(default_factory=list)

    async def recv(self, *, timeout: float = DEADLINE, validate: bool = True) -> dict[str, Any]:
        message = await asyncio.wait_for(self.ws.receive(), timeout)
        assert message.type is aiohttp.WSMsgType.TEXT, f"expected a text frame, got {message}"
        frame = json.loads(message.data)
        if validate:
            check_frame(frame)
        self.received.append(frame)
        return frame

    async def send(self, frame: Any) -> None:
        await self.ws.send_str(frame if isinstance(frame, str) else json.dumps(frame))

    async def sync(self) -> list[dict[str, Any]]:
        """Ping, and return every frame that arrived before the pong."""
        await self.send({"action": "ping", "ack": "true"})
        frames = []
        while (frame := await self.recv()) != {"action": "pong"}:
            frames.append(frame)
        return frames

    async def calls(self) -> list[dict[str, Any]]:
        """The call frames delivered so far (after :meth:`sync`)."""
        frames = await self.sync()
        assert all(f["type"] == "message" for f in frames), frames
        return frames

    async def auth(self, login: Login) -> dict[str, Any]:
        await self.send(auth_frame(login.uid, login.jwt, self.resource))
        reply = await self.recv()
        self.uid = login.uid
        return reply

    async def expect_closed(self) -> aiohttp.WSMessage:
        message = await asyncio.wait_for(self.ws.receive(), DEADLINE)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING), message
        return message


def auth_frame(uid: str, jwt: str, resource: str) -> dict[str, Any]:
    """The SDK's auth frame (wire facts §3.2)."""
    return {
        "appId": APP_ID,
        "deviceId": resource,
        "type": "auth",
        "sender": uid,
        "body": {
            "auth": jwt,
            "deviceId": resource,
            "presenceSubscription": "ALL_USERS",
            "params": {
                "appInfo": {"version": "4.2.0", "apiVersion": "v3.0", "origin": "https://localhost", "uts": 1},
                "userAgent": "pytest",
                "deviceId": "ringside_0000",
                "platform": "javascript",
            },
        },
    }


async def open_device(http: aiohttp.ClientSession, ws_url: str, resource: str, *, ssl: Any = True) -> Device:
    ws = await asyncio.wait_for(http.ws_connect(ws_url, ssl=ssl, autoclose=True), DEADLINE)
    return Device(ws=ws, resource=resource)


async def online_device(http: aiohttp.ClientSession, ws_url: str, login: Login, resource: str) -> Device:
    """A socket that authenticated as ``login``."""
    device = await open_device(http, ws_url, resource)
    reply = await device.auth(login)
    assert reply == {"type": "auth", "body": {"code": "200", "status": "OK"}}, reply
    return device


def settle(server: Any, predicate: Any, *, deadline: float = DEADLINE) -> None:
    """Yield to the server's loop until ``predicate(hub)`` holds (for work that finishes after a reply,
    such as a socket handler's cleanup), failing after ``deadline`` real seconds. No fixed sleeps."""

    async def wait() -> None:
        async with asyncio.timeout(deadline):
            while not predicate(server.hub):
                await asyncio.sleep(0)

    server.run(wait())


def check_journal(entries: list[dict[str, Any]], *, requests: int | None = None) -> None:
    """Seq gapless; every http.request has exactly one http.response naming it (and vice versa)."""
    seqs = [e["seq"] for e in entries]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "journal seq has gaps"
    asked = [e["seq"] for e in entries if e["kind"] == "http.request"]
    answered = [e["requestSeq"] for e in entries if e["kind"] == "http.response"]
    assert sorted(answered) == asked, f"requests {asked} vs responses to {answered}"
    if requests is not None:
        assert len(asked) == requests, f"{len(asked)} requests journaled, {requests} made"
