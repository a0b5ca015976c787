"""The adapter test service: the protocol's routes, errors, callbacks and lifecycle.

The service runs in-process (aiohttp's TestServer) against the real mock server (in a thread, TLS on);
one test starts ``python -m refclient.service`` as the harness does and stops it with ``DELETE /``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

import adapter_protocol.schemas as schemas
import mockserver.config as mockserver_config
import mockserver.server as mockserver_server
from mockserver.redaction import fingerprint
from refclient.faults import Quirks
from refclient.service import CAPABILITIES, READY_PREFIX, AdapterService

DEADLINE = 10.0
SOURCE = Path(__file__).resolve().parents[2] / "clients" / "python"


@pytest.fixture
def mock() -> Iterator[Any]:
    config = mockserver_config.ServerConfig(tls=True, users=["alice", "bob"], clock="virtual")
    server = mockserver_server.MockServer(config).start()
    yield server
    server.stop()


@pytest.fixture
async def service() -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(AdapterService(Quirks()).app())) as client:
        yield client


def create_body(mock: Any, tag: str, uid: str, *, clock: str = "virtual") -> dict[str, Any]:
    host = mock.url.split("//", 1)[1]
    body = {
        "tag": tag,
        "appId": "ringside",
        "region": "eu",
        "server": {
            "clientHost": host,
            "adminHost": host,
            "baseUrl": mock.url,
            "wsUrl": mock.ws_url,
            "tls": True,
            "caFile": mock.ca_file,
        },
        "user": {"uid": uid, "authKey": mockserver_config.DEFAULT_API_KEY, "authToken": None},
        "callbackUrl": mock.callback_url(tag),
        "clock": {"mode": clock, "now": mock.now() if clock == "virtual" else None},
    }
    assert schemas.validate("adapter/create-instance-request", body) == []
    return body


async def create(service: TestClient[Any, Any], body: dict[str, Any]) -> str:
    response = await service.post("/", json=body)
    assert response.status == 201, await response.text()
    reply = await response.json()
    assert schemas.validate("adapter/create-instance-reply", reply) == []
    assert response.headers["Location"] == reply["url"]
    return urlsplit(reply["url"]).path  # TestClient takes paths


async def run(service: TestClient[Any, Any], url: str, command: str, **params: Any) -> dict[str, Any]:
    response = await service.post(url, json={"command": command, "params": params})
    assert response.status == 200, await response.text()
    reply: dict[str, Any] = await response.json()
    assert schemas.validate("adapter/command-reply", reply) == [], reply
    return reply


async def callbacks(mock: Any, tag: str) -> list[tuple[int, str, str, str]]:
    data = await asyncio.to_thread(mock.data, "GET", f"/callbacks/{tag}")
    for callback in data:
        assert schemas.validate("adapter/callback", callback) == [], callback
    return [(c["seq"], c["listenerId"], c["callback"], c["call"]["status"]) for c in data]


async def sync(service: TestClient[Any, Any], mock: Any, url: str) -> dict[str, Any]:
    """``sync`` until the instance has received every frame the server sent it (as the harness does)."""
    for _ in range(100):
        result = (await run(service, url, "sync"))["result"]
        assert schemas.validate("adapter/sync-result", result) == []
        devices = await asyncio.to_thread(mock.data, "GET", "/devices")
        sent = [d["framesSent"] for d in devices if d["resource"] == result["resource"]]
        if sent and sent[0] == result["framesReceived"]:
            return result
    raise AssertionError("sync never converged")


async def test_describe(service):
    response = await service.get("/")
    info = await response.json()
    assert schemas.validate("adapter/service-info", info) == []
    assert info["name"] == "ringside-python-reference"
    assert info["capabilities"] == CAPABILITIES


async def test_a_call_through_the_protocol_with_callbacks(service, mock):
    alice = await create(service, create_body(mock, "alice-1", "alice"))
    bob = await create(service, create_body(mock, "bob-1", "bob"))
    for url in (alice, bob):
        login = await run(service, url, "login")
        assert schemas.validate("adapter/user", login["result"]) == []
        assert (await run(service, url, "addCallListener", id="main"))["result"] is None
    started = await run(
        service, alice, "initiateCall", receiver="bob", receiverType="user", callType="audio", timeout=2.7
    )
    sid = started["result"]["sessionId"]
    assert schemas.validate("adapter/call", started["result"]) == []
    await sync(service, mock, bob)
    assert await callbacks(mock, "bob-1") == [(1, "main", "onIncomingCallReceived", "initiated")]

    active = await run(service, alice, "getActiveCall")
    assert active["result"]["sessionId"] == sid
    now = (await run(service, alice, "sync"))["result"]["now"]
    moved = await run(service, alice, "advanceTime", to=now)
    assert schemas.validate("adapter/advance-time-result", moved["result"]) == []
    assert moved["result"]["nextTimer"] == now + 2  # 2.7 floored

    moved = await run(service, alice, "advanceTime", to=now + 2)
    assert moved["result"]["now"] == now + 2
    assert await callbacks(mock, "alice-1") == [(1, "main", "onOutgoingCallRejected", "unanswered")]
    await sync(service, mock, bob)
    assert (await callbacks(mock, "bob-1"))[-1] == (2, "main", "onIncomingCallCancelled", "unanswered")
    assert (await run(service, alice, "getActiveCall"))["result"] is None

    token = await run(service, alice, "generateToken", sessionId=sid)
    assert schemas.validate("adapter/generate-token-result", token["result"]) == []
    refused = await run(service, bob, "acceptCall", sessionId="v1.nope")
    assert refused["ok"] is False and refused["error"]["code"] == "ERR_CALL_NOT_FOUND"

    response = await service.delete(bob)
    assert response.status == 204


async def test_a_settled_instances_replies_carry_what_sync_would_say(service, mock):
    """Every command's reply carries sync's counts (``counts``, optional in the protocol) when the instance
    is settled as the reply goes; ``advanceTime`` and ``sync`` carry them in their result instead."""
    alice = await create(service, create_body(mock, "alice-1", "alice"))
    bob = await create(service, create_body(mock, "bob-1", "bob"))
    for url in (alice, bob):
        login = await run(service, url, "login")
        synced = await sync(service, mock, url)
        assert login["counts"] == {k: synced[k] for k in ("resource", "framesReceived", "callbacksSent")}
        assert "counts" in await run(service, url, "addCallListener", id="main")
    placed = await run(service, alice, "initiateCall", receiver="bob", receiverType="user", callType="audio")
    assert placed["counts"]["resource"] == (await sync(service, mock, alice))["resource"]
    synced = await sync(service, mock, bob)
    asked = await run(service, bob, "getActiveCall")
    assert asked["counts"] == {k: synced[k] for k in ("resource", "framesReceived", "callbacksSent")}
    assert asked["counts"]["callbacksSent"] == 1  # onIncomingCallReceived, reported
    assert "counts" not in await run(service, alice, "sync")
    assert "counts" not in await run(service, alice, "advanceTime", to=mock.now())


async def test_a_reply_while_a_callback_report_is_in_flight_carries_no_counts(service, mock):
    """A report still being retried (its sink unreachable) means the instance is not settled: a reply
    then leaves the counts out, and the harness asks with ``sync``, which waits for the report."""
    alice = await create(service, create_body(mock, "alice-2", "alice"))
    body = create_body(mock, "bob-2", "bob")
    body["callbackUrl"] = "http://127.0.0.1:9/nobody"  # refused: the report is retried for seconds
    bob = await create(service, body)
    for url in (alice, bob):
        await run(service, url, "login")
        await run(service, url, "addCallListener", id="main")
    assert "counts" in await run(service, bob, "getActiveCall")  # settled: no report yet
    await run(service, alice, "initiateCall", receiver="bob", receiverType="user", callType="audio")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while "counts" in (reply := await run(service, bob, "getActiveCall")) and loop.time() < deadline:
        await asyncio.sleep(0.01)  # until bob got the incoming call and its report is being retried
    assert reply["ok"] and "counts" not in reply


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"command": "fly"}, 400, "UNKNOWN_COMMAND"),
        ({"command": "acceptCall", "params": {}}, 400, "BAD_REQUEST"),
        (
            {
                "command": "initiateCall",
                "params": {"receiver": "b", "receiverType": "user", "callType": "audio", "timeout": "soon"},
            },
            400,
            "BAD_REQUEST",
        ),
        ({"params": {}}, 400, "BAD_REQUEST"),
        ({"command": "advanceTime", "params": {"to": 1}}, 400, "NOT_SUPPORTED"),
    ],
)
async def test_protocol_errors(service, mock, body, status, code):
    url = await create(service, create_body(mock, "x", "alice", clock="real"))
    response = await service.post(url, json=body)
    assert response.status == status
    reply = await response.json()
    assert schemas.validate("adapter/protocol-error", reply) == []
    assert reply["error"]["code"] == code


async def test_protocol_errors_outside_commands(service, mock):
    response = await service.post("/instances/42", json={"command": "sync"})
    assert (response.status, (await response.json())["error"]["code"]) == (404, "UNKNOWN_INSTANCE")
    response = await service.post("/", data=b"{not json")
    assert (response.status, (await response.json())["error"]["code"]) == (400, "BAD_REQUEST")
    response = await service.post("/", json={"appId": "ringside"})
    assert (response.status, (await response.json())["error"]["code"]) == (400, "BAD_REQUEST")
    url = await create(service, create_body(mock, "y", "alice"))
    response = await service.post(url, json={"command": "advanceTime", "params": {"to": 1.0}})
    assert (response.status, (await response.json())["error"]["code"]) == (400, "BAD_REQUEST")  # backwards
    assert (await service.delete(url)).status == 204
    response = await service.delete(url)
    assert response.status == 404


async def test_the_service_process_prints_its_address_and_exits_on_delete(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SOURCE), os.environ.get("PYTHONPATH", "")])}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "refclient.service",
        "--port",
        "0",
        "--quirks",
        "no-echo-suppression",
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), DEADLINE)).decode()
        assert line.startswith(READY_PREFIX + "http://127.0.0.1:"), line
        url = line[len(READY_PREFIX) :].strip()
        async with aiohttp.ClientSession() as http:
            async with http.get(url + "/") as response:
                assert (await response.json())["quirks"] == ["no-echo-suppression"]
            async with http.delete(url + "/") as response:
                assert response.status == 204
        assert await asyncio.wait_for(process.wait(), DEADLINE) == 0
        assert await process.stdout.read() == b""  # exactly one line on stdout
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_token_request_session_and_duration_through_the_mock(service, mock):
    alice = await create(service, create_body(mock, "alice-t", "alice"))
    bob = await create(service, create_body(mock, "bob-t", "bob"))
    tokens = {}
    for uid, url in (("alice", alice), ("bob", bob)):
        tokens[uid] = (await run(service, url, "login"))["result"]["authToken"]
        await run(service, url, "addCallListener", id="main")
    sid = (await run(service, alice, "initiateCall", receiver="bob", receiverType="user", callType="audio"))["result"][
        "sessionId"
    ]
    await sync(service, mock, bob)
    await run(service, bob, "acceptCall", sessionId=sid)
    since = mock.hub.journal.last_seq  # the journal is thread-safe
    token = (await run(service, bob, "generateToken", sessionId=sid))["result"]["token"]
    journal = mock.hub.journal.entries(since=since, kinds=["http.request", "http.response"])
    [request] = [e for e in journal if e["kind"] == "http.request" and e["path"].endswith("/call_tokens")]
    [reply] = [e for e in journal if e["kind"] == "http.response" and e["requestSeq"] == request["seq"]]
    assert request["headers"]["authtoken"] == fingerprint(tokens["bob"]), "the journal keeps a fingerprint"
    assert json.loads(request["body"]) == {"sessionId": sid}
    assert reply["body"]["data"]["token"] == token

    missing = await run(service, bob, "startSession", sessionId=sid)
    assert (missing["ok"], missing["error"]["code"]) == (False, "INVALID_CALL_TOKEN")
    assert (await run(service, bob, "getSession"))["result"] is None
    started = await run(service, bob, "startSession", sessionId=sid, token=token)
    assert schemas.validate("adapter/start-session-result", started["result"]) == []
    now = (await run(service, bob, "sync"))["result"]["now"]
    await asyncio.to_thread(mock.data, "POST", "/clock/advance", {"to": now + 7})
    for url in (alice, bob):
        await run(service, url, "advanceTime", to=now + 7)
    ended = (await run(service, bob, "sessionEvent", event="callEndButtonPressed"))["result"]
    assert schemas.validate("adapter/call", ended) == []
    assert ended["status"] == "ended" and ended["duration"] == 7
    assert (await run(service, bob, "getSession"))["result"] == {"sessionId": sid, "active": False}
    assert (await run(service, bob, "getActiveCall"))["result"] is None
    await sync(service, mock, alice)
    reports = await asyncio.to_thread(mock.data, "GET", "/callbacks/alice-t")
    assert reports[-1]["callback"] == "onCallEndedMessageReceived" and reports[-1]["call"]["duration"] == 7
