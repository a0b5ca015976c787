"""The conformance example of docs/scripted-users.md, as a test (keep the two in sync)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from mockserver.config import ServerConfig
from mockserver.server import MockServer


async def test_howto_busy_then_accept_then_hang_up() -> None:
    # --- from docs/scripted-users.md: "A conformance scenario" ---
    server = MockServer(ServerConfig(clock="virtual", tls=False, users=["alice"])).start()
    try:
        server.data(
            "POST",
            "/scripts",
            {"users": [{"uid": "bob", "answer": ["busy-1s", {"accept": 2, "end": 10}]}]},
        )
        async with aiohttp.ClientSession() as http:
            # The client under test logs in and calls bob (here: plain REST + WebSocket).
            api = {"apiKey": "ringside-api-key", "appId": "ringside"}
            async with http.post(f"{server.url}/users/alice/auth_tokens", json={}, headers=api) as r:
                token = (await r.json())["data"]["authToken"]
            headers = {"appId": "ringside", "authToken": token, "resource": "WEB-alice"}
            async with http.put(f"{server.url}/me", json={}, headers=headers) as r:
                jwt = (await r.json())["data"]["jwt"]
            ws = await http.ws_connect(server.ws_url)
            auth = {"auth": jwt, "deviceId": "WEB-alice"}
            frame = {"appId": "ringside", "deviceId": "WEB-alice", "type": "auth", "sender": "alice", "body": auth}
            await ws.send_str(json.dumps(frame))
            assert (await ws.receive_json())["body"]["code"] == "200"

            async def call_bob() -> str:
                body = {"type": "audio", "receiverType": "user", "category": "call", "receiver": "bob"}
                async with http.post(f"{server.url}/v3.0/calls", json=body, headers=headers) as r:
                    return str((await r.json())["data"]["data"]["entities"]["on"]["entity"]["sessionid"])

            async def next_status() -> str:
                frame: Any = await ws.receive_json(timeout=5)
                return str(frame["body"]["data"]["entities"]["on"]["entity"]["status"])

            await call_bob()
            assert await next_status() == "initiated"  # alice's own echo (the SDK filters it)
            server.advance(1)  # returns once bob's answer was sent
            assert await next_status() == "busy"

            await call_bob()
            assert await next_status() == "initiated"
            server.advance(2)
            assert await next_status() == "ongoing"
            server.advance(10)
            assert await next_status() == "ended"
            await ws.close()
        moves = [(e["actor"], e["status"]) for e in server.journal(kinds=["call"])]
        assert moves == [
            ("alice", "initiated"),
            ("bob", "busy"),
            ("alice", "initiated"),
            ("bob", "ongoing"),
            ("bob", "ended"),
        ]
    finally:
        server.stop()
    # --- end of example ---
