"""The baseline of ``make bench``: a bare aiohttp server speaking the wire subset the load client uses.

Same routes, same JSON shapes as ringside (wire facts §2.4, §2.7, §3.2-§3.5, §9.3-§9.6), so the load
client cannot tell the two apart; none of ringside's work beyond that: no journal, no schema
validation, no roles or error precedence, no timers, no fault hooks, no bounded stores. A dict of
live calls, each event's frame encoded once and written to every socket of both parties.

    python -m bench.bare_server --port 0 --users alice,bob
    # bare: listening on http://127.0.0.1:40211

:class:`BareCalls` is also the baseline of the pure-core figure: the same three transitions with the
same messages, with no I/O (bench/core_bench.py).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import secrets
import signal
import sys
import time
from typing import Any

import orjson
from aiohttp import WSMsgType, web

Json = dict[str, Any]
APP_ID = "ringside"
API_KEY = "ringside-api-key"
#: status -> the statuses a call may move to from it; terminal statuses are not in the table
NEXT = {
    "initiated": frozenset({"ongoing", "rejected", "busy", "cancelled", "unanswered", "ended"}),
    "ongoing": frozenset({"ended"}),
}
WS_AUTH_OK = orjson.dumps({"type": "auth", "body": {"code": "200", "status": "OK"}}).decode()
WS_PONG = orjson.dumps({"action": "pong"}).decode()


class Refused(Exception):
    """A request the bare server answers with the error envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class BareCalls:
    """The minimal call state machine: users as entity dicts, calls as dicts, messages as ringside lays them out."""

    def __init__(self, app_id: str = APP_ID, region: str = "eu") -> None:
        self.app_id, self.region = app_id, region
        self.users: dict[str, Json] = {}
        self.calls: dict[str, Json] = {}
        self.ids = itertools.count(1)

    def add_user(self, uid: str, now: float) -> None:
        self.users[uid] = {
            "uid": uid,
            "name": uid.capitalize(),
            "status": "offline",
            "role": "default",
            "lastActiveAt": int(now),
            "createdAt": int(now),
        }

    def initiate(self, caller: str, receiver: str, call_type: str, now: float, resource: str) -> tuple[Json, Json]:
        """``POST /calls``: the reply's ``data`` and the WS frame for both parties."""
        if receiver not in self.users or receiver == caller:
            raise Refused(404, "ERR_RECEIVER_NOT_FOUND", f"no user {receiver!r}")
        sid = f"v1.{self.region}.{self.app_id}.{secrets.token_hex(20)}"
        a, b = sorted((caller, receiver))
        call = {
            "sid": sid,
            "status": "initiated",
            "caller": caller,
            "receiver": receiver,
            "type": call_type,
            "conversationId": f"{a}_user_{b}",
            "initiatedAt": now,
            "joinedAt": None,
            "endedAt": None,
        }
        self.calls[sid] = call
        return self._message(call, caller, now, resource)

    def update(self, actor: str, sid: str, status: str, now: float, resource: str) -> tuple[Json, Json]:
        """``PUT /calls/{sid}``: the reply's ``data`` and the WS frame for both parties."""
        call = self.calls.get(sid)
        if call is None:
            raise Refused(404, "ERR_CALL_NOT_FOUND", f"no call with session id {sid!r}")
        if actor not in (call["caller"], call["receiver"]):
            raise Refused(403, "ERR_NOT_A_PARTICIPANT", f"{actor!r} is not in this call")
        if status not in NEXT[call["status"]]:
            raise Refused(409, "ERR_CALL_WRONG_STATE", f"cannot go from {call['status']} to {status}")
        call["status"] = status
        if status == "ongoing":
            call["joinedAt"] = now
        elif status not in NEXT:
            call["endedAt"] = now
            del self.calls[sid]
        return self._message(call, actor, now, resource)

    def _message(self, call: Json, actor: str, now: float, resource: str) -> tuple[Json, Json]:
        status, caller, receiver = call["status"], self.users[call["caller"]], self.users[call["receiver"]]
        entity: Json = {
            "sessionid": call["sid"],
            "conversationId": call["conversationId"],
            "sender": call["caller"],
            "receiverType": "user",
            "receiver": call["receiver"],
            "status": status,
            "type": call["type"],
            "data": {
                "entities": {
                    "sender": {"entity": caller, "entityType": "user"},
                    "receiver": {"entity": receiver, "entityType": "user"},
                }
            },
            "initiatedAt": int(call["initiatedAt"]),
        }
        if call["joinedAt"] is not None:
            entity["joinedAt"] = int(call["joinedAt"])
        if call["endedAt"] is not None:
            entity["endedAt"] = int(call["endedAt"])
            if call["joinedAt"] is not None:
                entity["leftAt"] = int(call["endedAt"])
                entity["duration"] = int(call["endedAt"]) - int(call["joinedAt"])
        body = {
            "id": str(next(self.ids)),
            "conversationId": call["conversationId"],
            "sender": actor,
            "receiverType": "user",
            "receiver": call["receiver"],
            "category": "call",
            "type": call["type"],
            "data": {
                "action": status,
                "entities": {
                    "by": {"entity": self.users[actor], "entityType": "user"},
                    "for": {"entity": receiver, "entityType": "user"},
                    "on": {"entity": entity, "entityType": "call"},
                },
                "resource": resource,
            },
            "sentAt": int(now),
            "updatedAt": int(now),
        }
        frame = {
            "appId": self.app_id,
            "receiver": call["receiver"],
            "receiverType": "user",
            "deviceId": resource,
            "type": "message",
            "sender": actor,
            "body": body,
        }
        return body, frame


class BareServer:
    """Logins, the chat socket and the two call routes over :class:`BareCalls`."""

    def __init__(self, users: list[str], *, app_id: str = APP_ID, api_key: str = API_KEY) -> None:
        self.api_key = api_key
        self.calls = BareCalls(app_id)
        now = time.time()
        for uid in users:
            self.calls.add_user(uid, now)
        self.tokens: dict[str, str] = {}
        self.jwts: dict[str, str] = {}
        self.sockets: dict[str, set[web.WebSocketResponse]] = {}
        self.port = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3.0/users/{uid}/auth_tokens", self.auth_token)
        app.router.add_put("/v3.0/me", self.put_me)
        app.router.add_post("/v3.0/calls", self.initiate)
        app.router.add_put("/v3.0/calls/{sid}", self.update)
        app.router.add_get("/", self.websocket)
        return app

    def _settings(self) -> Json:
        host = f"127.0.0.1:{self.port}"
        return {
            "CLIENT_API_HOST": host,
            "ADMIN_API_HOST": host,
            "CHAT_API_VERSION": "v3.0",
            "CHAT_HOST": "127.0.0.1",
            "CHAT_WSS_PORT": self.port,
            "WS_API_VERSION": "v3.0",
            "ANALYTICS_PING_DISABLED": True,
            "APP_VERSION": 3,
            "MODE": "DEFAULT",
            "REGION": self.calls.region,
            "settingsHash": "ringside",
            "settingsHashReceivedAt": int(time.time()),
        }

    def _user(self, request: web.Request) -> str:
        uid = self.tokens.get(request.headers.get("authToken", ""))
        if uid is None:
            raise Refused(401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", "unknown auth token")
        return uid

    async def auth_token(self, request: web.Request) -> web.Response:
        return await _reply(self._auth_token, request)

    async def _auth_token(self, request: web.Request) -> Json:
        if request.headers.get("apiKey") != self.api_key:
            raise Refused(401, "AUTH_ERR_APIKEY_NOT_FOUND", "wrong apiKey")
        uid = request.match_info["uid"]
        if uid not in self.calls.users:
            raise Refused(404, "ERR_UID_NOT_FOUND", f"no user {uid!r}")
        await request.read()
        token = f"{uid}_{secrets.token_hex(16)}"
        self.tokens[token] = uid
        return {"uid": uid, "authToken": token, "createdAt": int(time.time())}

    async def put_me(self, request: web.Request) -> web.Response:
        return await _reply(self._put_me, request)

    async def _put_me(self, request: web.Request) -> Json:
        uid = self._user(request)
        await request.read()
        jwt = f"jwt.{uid}.{secrets.token_hex(16)}"
        self.jwts[jwt] = uid
        extra = {"hasBlockedMe": False, "blockedByMe": False, "deactivatedAt": 0}
        token = request.headers["authToken"]
        return self.calls.users[uid] | extra | {"authToken": token, "jwt": jwt, "settings": self._settings()}

    async def initiate(self, request: web.Request) -> web.Response:
        return await _reply(self._initiate, request)

    async def _initiate(self, request: web.Request) -> Json:
        uid = self._user(request)
        body = orjson.loads(await request.read())
        reply, frame = self.calls.initiate(
            uid, str(body["receiver"]), body.get("type", "audio"), time.time(), request.headers.get("resource", "")
        )
        await self._fan_out(frame)
        return reply

    async def update(self, request: web.Request) -> web.Response:
        return await _reply(self._update, request)

    async def _update(self, request: web.Request) -> Json:
        uid = self._user(request)
        body = orjson.loads(await request.read())
        reply, frame = self.calls.update(
            uid, request.match_info["sid"], str(body["status"]), time.time(), request.headers.get("resource", "")
        )
        await self._fan_out(frame)
        return reply

    async def _fan_out(self, frame: Json) -> None:
        text = orjson.dumps(frame).decode()
        for uid in (frame["body"]["data"]["entities"]["on"]["entity"]["sender"], frame["receiver"]):
            for ws in list(self.sockets.get(uid, ())):
                if not ws.closed:
                    await ws.send_str(text)

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        uid: str | None = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    frame = orjson.loads(msg.data)
                except orjson.JSONDecodeError:
                    continue
                if not isinstance(frame, dict):
                    continue
                if frame.get("action") == "ping":
                    await ws.send_str(WS_PONG)
                elif frame.get("type") == "auth" and uid is None:
                    uid = self.jwts.get(str((frame.get("body") or {}).get("auth", "")))
                    if uid is None:
                        await ws.send_json({"type": "auth", "body": {"code": "401", "status": "ERROR"}})
                        break
                    self.sockets.setdefault(uid, set()).add(ws)
                    self.calls.users[uid]["status"] = "online"
                    await ws.send_str(WS_AUTH_OK)
        finally:
            if uid is not None:
                self.sockets[uid].discard(ws)
        return ws


async def _reply(handler: Any, request: web.Request) -> web.Response:
    try:
        data = await handler(request)
    except Refused as exc:
        error = {"error": {"code": exc.code, "message": str(exc), "details": {}}}
        return web.Response(body=orjson.dumps(error), status=exc.status, content_type="application/json")
    return web.Response(body=orjson.dumps({"data": data}), content_type="application/json")


async def serve(host: str, port: int, users: list[str]) -> None:
    server = BareServer(users)
    runner = web.AppRunner(server.app(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server.port = int(runner.addresses[0][1])
    print(f"bare: listening on http://{host}:{server.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--users", default="", help="comma-separated uids")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, [u for u in args.users.split(",") if u]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
