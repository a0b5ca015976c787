"""Slow consumers (issue 12): one stalled socket must never freeze anyone.

A device that stops reading (a raw socket with a 4 KiB receive buffer that never reads) must not delay
another device's frames, any REST reply, a reset or the server's shutdown; it is closed with its own
close code and a journal entry. Sockets that never authenticate are closed after a deadline; a logged-out
jwt authenticates nothing; a thousand socket drops during calls leave every call and every frame right.
Real sockets on 127.0.0.1; every wait has a deadline, nothing sleeps.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from typing import Any

import aiohttp
import pytest
from rawws import Closed, RawSocket
from support import DEADLINE, Api, Login, online_device, open_device, settle, sid_of, status_of

from harness.cli import main as cli_main
from harness.cli import parser as cli_parser
from mockserver.cli import config_from_args
from mockserver.hub import CLOSE_AUTH_DEADLINE, CLOSE_SLOW_CONSUMER
from mockserver.probe import NOT_RINGSIDE_FAILURES
from mockserver.server import MockServer

#: A short send deadline for the tests (real seconds; not shorter: the machine may be busy).
SEND_DEADLINE = 1.0
#: Call metadata that makes each call frame ~16 KiB, so a stalled socket's buffers fill in a few hundred frames.
BLOB = {"blob": "x" * 16_000}
AUTH_OK = {"type": "auth", "body": {"code": "200", "status": "OK"}}


async def _initiate(api: Api, who: Login, receiver: str, *, metadata: Any = None) -> tuple[str, float]:
    """Place a call; its session id and how long the REST reply took (real seconds)."""
    body = {"type": "audio", "receiverType": "user", "category": "call", "status": "initiated", "receiver": receiver}
    if metadata is not None:
        body["metadata"] = metadata
    start = time.monotonic()
    reply = await api.request("POST", "/v3.0/calls", token=who.token, body=body, resource="WEB-A")
    took = time.monotonic() - start
    assert reply.status == 200, reply.body
    return sid_of(reply.data), took


async def _update(api: Api, who: Login, sid: str, status: str, *, resource: str | None = None) -> float:
    start = time.monotonic()
    reply = await api.update(who, sid, status, resource=resource)
    took = time.monotonic() - start
    assert reply.status == 200, reply.body
    return took


def _entries(server: MockServer, kind: str) -> list[dict[str, Any]]:
    return server.journal(kinds=[kind])


async def test_a_stalled_device_delays_no_one_and_is_closed_with_its_own_code(make_server, http):
    server = make_server(send_deadline=SEND_DEADLINE, send_queue=64)
    api = Api(http, server.url)
    alice, bob = await api.login("alice"), await api.login("bob")
    stalled = await RawSocket.connect(server.server.port, rcvbuf=4096)
    try:
        assert await stalled.auth(bob, "STALLED") == AUTH_OK  # the last frame it will ever read
        steady = await online_device(http, server.ws_url, bob, "WEB-B2")
        caller = await online_device(http, server.ws_url, alice, "WEB-A")
        slowest = 0.0
        cycles = 0
        evicted: list[dict[str, Any]] = []
        evicted_at = 0
        # Until the stalled socket is closed, then 20 cycles more: nobody may notice it.
        while cycles < 600 and (not evicted or cycles < evicted_at + 20):
            sid, took = await _initiate(api, alice, "bob", metadata=BLOB)
            slowest = max(slowest, took, await _update(api, alice, sid, "cancelled", resource="WEB-A"))
            frames = await asyncio.wait_for(steady.calls(), 2 * SEND_DEADLINE)
            assert [(sid_of(f["body"]), status_of(f["body"])) for f in frames] == [
                (sid, "initiated"),
                (sid, "cancelled"),
            ]
            cycles += 1
            if not evicted and cycles % 10 == 0 and (evicted := _entries(server, "ws.evict")):
                evicted_at = cycles
        assert evicted, f"the stalled socket was still open after {cycles} cycles of 16 KiB frames"
        assert slowest < SEND_DEADLINE, f"a REST reply took {slowest:.3f} s with a stalled device open"
        assert len(await caller.calls()) == 2 * cycles, "the caller's own device missed frames"

        (entry,) = evicted
        assert entry["uid"] == "bob" and entry["device"] == "STALLED"
        assert entry["reason"] in ("queue-full", "send-deadline") and entry["code"] == CLOSE_SLOW_CONSUMER
        settle(server, lambda hub: all(d.resource != "STALLED" for d in hub.devices.values()))
        closes = [e for e in _entries(server, "ws.close") if e["conn"] == entry["conn"]]
        assert [c["code"] for c in closes] == [CLOSE_SLOW_CONSUMER]
        assert server.call(lambda hub: [d.resource for d in hub.devices_of("bob")]) == ["WEB-B2"]
        # The harness's count of frames sent to the stalled device no longer counts what never left.
        assert closes[0].get("unsent", 0) > 0
    finally:
        stalled.close()


async def test_reset_and_rest_stay_prompt_while_a_stalled_socket_is_still_open(make_server, http):
    # A deadline and queue so generous that the stalled socket stays open: reset must not wait on it.
    server = make_server(send_deadline=60.0, send_queue=100_000)
    api = Api(http, server.url)
    alice, bob = await api.login("alice"), await api.login("bob")
    stalled = await RawSocket.connect(server.server.port, rcvbuf=4096)
    try:
        assert await stalled.auth(bob, "STALLED") == AUTH_OK
        steady = await online_device(http, server.ws_url, bob, "WEB-B2")
        for _ in range(400):  # 16 KiB frames: the socket's buffers are full long before this ends
            sid, took = await _initiate(api, alice, "bob", metadata=BLOB)
            took = max(took, await _update(api, alice, sid, "cancelled"))
            assert took < SEND_DEADLINE, f"a REST reply took {took:.3f} s"
            if server.call(lambda hub: any(d.queued for d in hub.devices.values() if d.resource == "STALLED")):
                break
        else:
            raise AssertionError("the stalled socket never backed up")
        frames = await asyncio.wait_for(steady.calls(), DEADLINE)
        assert [status_of(f["body"]) for f in frames[-2:]] == ["initiated", "cancelled"]

        start = time.monotonic()
        server.reset()
        assert time.monotonic() - start < 3.0, "reset waited on the stalled socket"
        settle(server, lambda hub: not any(d.resource == "STALLED" for d in hub.devices.values()))
    finally:
        stalled.close()


async def _spawn_serve(*args: str) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "harness.cli",
        "serve",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(20):
        while True:
            line = (await proc.stdout.readline()).decode()
            assert line, f"serve exited: {(await proc.stderr.read()).decode()}"
            if match := re.search(r"listening on (http://127\.0\.0\.1:\d+)", line):
                return proc, match.group(1)


async def test_sigterm_stops_the_server_within_5_s_with_a_stalled_socket_open():
    proc, url = await _spawn_serve("--no-tls", "--port", "0", "--users", "alice,bob", "--send-deadline", "60")
    port = int(url.rsplit(":", 1)[1])
    stalled = None
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, url)
            alice, bob = await api.login("alice"), await api.login("bob")
            stalled = await RawSocket.connect(port, rcvbuf=4096)
            assert await stalled.auth(bob, "STALLED") == AUTH_OK
            big = {"blob": "x" * 64_000}
            # ~16 MB of frames for a socket that takes 4 KiB: its writer is stuck in the kernel long before.
            # A reply that does not come within 2 s means the old server is already frozen: stop there.
            try:
                for _ in range(128):
                    async with asyncio.timeout(2.0):
                        sid, _took = await _initiate(api, alice, "bob", metadata=big)
                        await _update(api, alice, sid, "cancelled")
            except TimeoutError:
                pass
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), 5.0)
        except TimeoutError:
            raise AssertionError("ringside serve still running 5 s after SIGTERM with a stalled socket open") from None
        assert proc.returncode == 0 and "ringside: stopped" in out.decode()
        assert time.monotonic() - start < 5.0
    finally:
        if stalled is not None:
            stalled.close()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--send-queue", "0"], "argument --send-queue: wants frames from 1 to 1,000,000 (got 0)"),
        (["--send-queue", "ten"], "argument --send-queue: wants a number of frames (got 'ten')"),
        (["--send-deadline", "0"], "argument --send-deadline: wants seconds from 0.01 to 3600 (got 0)"),
        (["--send-deadline", "nan"], "argument --send-deadline: wants seconds from 0.01 to 3600 (got nan)"),
        (["--auth-deadline", "-1"], "argument --auth-deadline: wants seconds from 0.01 to 3600 (got -1)"),
        (["--auth-deadline", "1e9"], "argument --auth-deadline: wants seconds from 0.01 to 3600 (got 1e9)"),
    ],
)
def test_slow_consumer_flags_are_range_checked(flags, says, capsys):
    with pytest.raises(SystemExit) as exited:
        cli_main(["serve", "--no-tls", *flags])
    lines = capsys.readouterr().err.splitlines()
    assert exited.value.code == 2 and len(lines) == 1, (exited.value.code, lines)
    assert lines[0].startswith("ringside serve: ") and says in lines[0]


def test_slow_consumer_flags_reach_the_config():
    args = cli_parser()[0].parse_args(["serve", "--send-queue", "7", "--send-deadline", "0.25", "--auth-deadline", "3"])
    config = config_from_args(args)
    assert (config.send_queue, config.send_deadline, config.auth_deadline) == (7, 0.25, 3.0)
    defaults = config_from_args(cli_parser()[0].parse_args(["serve"]))
    assert (defaults.send_queue, defaults.send_deadline, defaults.auth_deadline) == (512, 5.0, 10.0)


async def test_a_socket_that_never_authenticates_is_closed_after_the_deadline(make_server, http):
    server = make_server(auth_deadline=0.3)
    api = Api(http, server.url)
    alice = await api.login("alice")
    authed = await online_device(http, server.ws_url, alice, "WEB-A")  # opened first: past the deadline first
    silent = await open_device(http, server.ws_url, "WEB-SILENT")
    start = time.monotonic()
    message = await silent.expect_closed()
    assert message.type is aiohttp.WSMsgType.CLOSE and message.data == CLOSE_AUTH_DEADLINE, message
    assert time.monotonic() - start < 0.3 + 2.0
    assert await authed.sync() == [], "an authenticated socket outlived the auth deadline"
    (entry,) = _entries(server, "ws.evict")
    assert entry["reason"] == "auth-deadline" and entry["uid"] is None and entry["code"] == CLOSE_AUTH_DEADLINE


async def test_a_logged_out_jwt_authenticates_no_socket(make_server, http):
    server = make_server()
    api = Api(http, server.url)
    phone, laptop = await api.login("bob"), await api.login("bob")
    assert (await api.request("DELETE", "/v3.0/me", token=phone.token)).status == 200
    refused = await open_device(http, server.ws_url, "WEB-PHONE")
    reply = await refused.auth(phone)
    assert reply["body"]["error"]["code"] == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", reply
    await refused.expect_closed()
    # Each login has its own jwt, so one device's logout does not sign out the other.
    assert phone.jwt != laptop.jwt
    # The other login's socket still authenticates and still gets calls.
    still = await online_device(http, server.ws_url, laptop, "WEB-LAPTOP")
    alice = await api.login("alice")
    sid = sid_of((await api.initiate(alice, "bob")).data)
    assert [(sid_of(f["body"]), status_of(f["body"])) for f in await still.calls()] == [(sid, "initiated")]


# -- a thousand drops ---------------------------------------------------------------------------------

#: Socket drops the fault test forces (RINGSIDE_FAULT_DROPS=20000 for a longer run).
DROPS = int(os.environ.get("RINGSIDE_FAULT_DROPS", "1000"))
PAIRS = [("u0", "u1"), ("u2", "u3"), ("u4", "u5"), ("u6", "u7")]


async def _first_call_frame(sock: RawSocket) -> dict[str, Any]:
    while True:
        frame = await sock.recv()
        if frame.get("type") == "message":
            return frame


async def _reconnect(port: int, login: Login, resource: str) -> RawSocket:
    sock = await RawSocket.connect(port)
    assert await sock.auth(login, resource) == AUTH_OK
    return sock


async def _pair_of_calls(api: Api, port: int, ws_url: str, http, caller_uid: str, callee_uid: str, calls: int) -> None:
    """``calls`` calls from caller to callee; the callee's socket is dropped three times in each, mid-call."""
    caller, callee = await api.login(caller_uid), await api.login(callee_uid)
    caller_device = await online_device(http, ws_url, caller, f"WEB-{caller_uid}")
    resource = f"WEB-{callee_uid}"
    sock = await _reconnect(port, callee, resource)
    sids = []
    try:
        for _ in range(calls):
            sid, _took = await _initiate(api, caller, callee_uid)
            sids.append(sid)
            sock.drop()  # the initiated frame may be on its way: it is lost with the socket, never replayed
            sock = await _reconnect(port, callee, resource)
            sock.drop()  # and once more while it rings, right after the reconnect
            sock = await _reconnect(port, callee, resource)
            state = await api.request("GET", f"/v3.0/calls/{sid}", token=callee.token)
            assert state.data["status"] == "initiated", state.body
            await _update(api, callee, sid, "ongoing", resource=resource)
            frame = await _first_call_frame(sock)
            assert (sid_of(frame["body"]), status_of(frame["body"])) == (sid, "ongoing"), (
                "a new socket got an old frame"
            )
            sock.drop()
            sock = await _reconnect(port, callee, resource)
            await _update(api, caller, sid, "ended", resource=f"WEB-{caller_uid}")
            frame = await _first_call_frame(sock)
            assert (sid_of(frame["body"]), status_of(frame["body"])) == (sid, "ended")
        # The other party saw every call exactly as it happened: three frames each, in order, none twice.
        frames = await caller_device.calls()
        expected = [(sid, status) for sid in sids for status in ("initiated", "ongoing", "ended")]
        assert [(sid_of(f["body"]), status_of(f["body"])) for f in frames] == expected
    except Closed as closed:
        raise AssertionError(f"{callee_uid}'s fresh socket was closed by the server ({closed.code})") from None
    finally:
        sock.close()
        await caller_device.ws.close()


@pytest.mark.timeout(300)  # about 10 s on a quiet machine; a loaded one (other suites running) takes several times that
async def test_a_thousand_socket_drops_during_calls(tmp_path):
    # ringside serve in its own process: the test's sockets and the server do not share one GIL.
    journal = tmp_path / "journal.jsonl"  # the whole history (the in-memory journal may be a bounded ring)
    users = ",".join(u for pair in PAIRS for u in pair)
    proc, url = await _spawn_serve("--no-tls", "--port", "0", "--users", users, "--journal", str(journal))
    port = int(url.rsplit(":", 1)[1])
    calls = max(1, DROPS // (3 * len(PAIRS)))
    try:
        async with aiohttp.ClientSession() as http:
            api = Api(http, url)
            ws_url = f"ws://127.0.0.1:{port}/"
            await asyncio.wait_for(
                asyncio.gather(*(_pair_of_calls(api, port, ws_url, http, a, b, calls) for a, b in PAIRS)),
                60 + DROPS / 5,
            )
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.communicate(), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    # The journal shows every drop: each callee socket closed once (three drops per call, and the last socket).
    callees = {b for _, b in PAIRS}
    closes = [e for e in entries if e["kind"] == "ws.close" and e["uid"] in callees]
    assert len(closes) == 3 * calls * len(PAIRS) + len(PAIRS)
    assert len({c["conn"] for c in closes}) == len(closes)
    # Every call went initiated -> ongoing -> ended, whatever the drops did.
    history: dict[str, list[str]] = {}
    for e in entries:
        if e["kind"] == "call":
            history.setdefault(e["sessionId"], []).append(e["status"])
    assert len(history) == calls * len(PAIRS)
    assert {tuple(h) for h in history.values()} == {("initiated", "ongoing", "ended")}
    failures = [e for e in entries if e["kind"] == "error" and e["where"] not in NOT_RINGSIDE_FAILURES]
    assert failures == []
    # Nothing was sent twice on any connection.
    keys = [(e["conn"], e["sessionId"], e["status"]) for e in entries if e["kind"] == "ws.out" and "sessionId" in e]
    assert len(keys) == len(set(keys))
