"""The dashboard (/_ringside/ui/, mockserver/dashboard.py): locked like the control API, its files served
without the token, its event stream carrying state and journal, its diagrams drawn by the report's code,
its own traffic kept out of the journal; DELETE /_ringside/devices/{conn} drops a socket."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from support import DEADLINE, Api, online_device, settle, sid_of

from mockserver import diagram
from mockserver.control import CONTROL_DEVICE

UI = "/_ringside/ui"


async def test_files_need_no_token_but_loopback_and_host(api: Api, http: aiohttp.ClientSession, server):
    for path, kind in ((UI + "/", "text/html"), (UI + "/app.js", "text/javascript"), (UI + "/app.css", "text/css")):
        async with http.get(server.url + path) as reply:
            assert reply.status == 200, path
            assert reply.headers["Content-Type"].startswith(kind)
            assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]
            assert "Access-Control-Allow-Origin" not in reply.headers
    async with http.get(server.url + UI, allow_redirects=False) as reply:
        assert reply.status == 308 and reply.headers["Location"] == UI + "/"
    async with http.get(server.url + UI + "/", headers={"Host": "evil.example"}) as reply:
        assert reply.status == 403 and (await reply.json())["error"]["code"] == "ERR_CONTROL_FORBIDDEN"


async def test_data_needs_the_token(http: aiohttp.ClientSession, server):
    for path in ("/events", "/diagram?sid=x"):
        async with http.get(server.url + UI + path) as reply:
            assert reply.status == 401
            assert (await reply.json())["error"]["code"] == "ERR_CONTROL_UNAUTHORIZED"
        async with http.get(server.url + UI + path, headers={"Authorization": "Bearer wrong"}) as reply:
            assert reply.status == 401


async def _first_events(http: aiohttp.ClientSession, server, count: int) -> list[dict]:
    headers = {"Authorization": f"Bearer {server.control_token}"}
    found: list[dict] = []
    async with asyncio.timeout(DEADLINE), http.get(server.url + UI + "/events", headers=headers) as reply:
        assert reply.status == 200 and reply.headers["Content-Type"] == "text/event-stream"
        async for line in reply.content:
            if line.startswith(b"data: "):
                found.append(json.loads(line[6:]))
                if len(found) == count:
                    return found
    return found


async def test_event_stream_state_journal_and_diagram(api: Api, http: aiohttp.ClientSession, server):
    alice = await api.login("alice")
    device = await online_device(http, server.ws_url, alice, "alice-web")
    [first] = await _first_events(http, server, 1)
    assert first["reset"] is True
    users = {u["uid"]: u for u in first["state"]["users"]}
    assert users["alice"]["online"] and users["alice"]["devices"][0]["resource"] == "alice-web"
    assert not users["bob"]["online"]
    assert first["state"]["clock"]["kind"] == "virtual"
    assert first["entries"][-1]["seq"] == first["state"]["journal"]["lastSeq"]
    seq_before = server.probe.journal_seq()
    sid = sid_of((await api.initiate(alice, "bob", resource="alice-web")).data)
    await api.control("PUT", f"/calls/{sid}", {"as": "bob", "status": "rejected"})
    headers = {"Authorization": f"Bearer {server.control_token}"}
    async with http.get(server.url + UI + f"/diagram?sid={sid}", headers=headers) as reply:
        drawn = (await reply.json())["data"]
    assert drawn["status"] == "rejected" and drawn["svg"].startswith("<svg")
    assert ">alice<" in drawn["svg"] and ">ringside<" in drawn["svg"] and "POST calls" in drawn["svg"]
    # the dashboard's (here: the control API's) move as bob is drawn from a lane of its own
    assert ">control API<" in drawn["svg"] and ">as bob: rejected<" in drawn["svg"]
    assert CONTROL_DEVICE == diagram.CONTROL_DEVICE, "the diagram names the control API's device stamp"
    # the dashboard's reads are not journaled: only the call's own traffic moved the journal
    assert not [e for e in server.journal(since=seq_before) if "/_ringside/ui" in str(e.get("path", ""))]
    [again] = await _first_events(http, server, 1)
    assert [c["status"] for c in again["state"]["calls"] if c["sessionId"] == sid] == ["rejected"]
    async with http.get(server.url + UI + "/diagram?sid=nope", headers=headers) as reply:
        assert reply.status == 404 and (await reply.json())["error"]["code"] == "ERR_CALL_NOT_FOUND"
    await device.ws.close()


async def test_drop_a_devices_socket(api: Api, http: aiohttp.ClientSession, server):
    alice = await api.login("alice")
    device = await online_device(http, server.ws_url, alice, "alice-web")
    [row] = (await api.control("GET", "/devices?uid=alice")).data
    dropped = await api.control("DELETE", f"/devices/{row['connId']}")
    assert dropped.data["resource"] == "alice-web"
    closed = await device.expect_closed()
    assert closed.data == 4000
    settle(server, lambda hub: not hub.devices_of("alice"))
    missing = await api.control("DELETE", f"/devices/{row['connId']}")
    assert missing.status == 404 and missing.code == "ERR_ENDPOINT_NOT_FOUND"
