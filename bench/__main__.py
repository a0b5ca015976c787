"""Run every benchmark and print a table: figure, value, baseline (bench/baselines.json), ratio."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from mockserver.app import start_server
from mockserver.clock import VirtualClock
from mockserver.config import ServerConfig
from mockserver.core import Backend, Move

BASELINES = json.loads((Path(__file__).parent / "baselines.json").read_text())


def bench_core(rounds: int = 20_000) -> dict[str, float]:
    """Pure state machine: full call cycles (initiate, accept, end) per second, no I/O."""
    backend = Backend(app_id="bench", seed=1)
    for uid in ("alice", "bob"):
        backend.directory.add_user(uid, now=0.0)
    start = time.perf_counter()
    for i in range(rounds):
        out = backend.initiate(
            "alice", receiver="bob", receiver_type="user", call_type="audio", now=float(i), resource="a"
        )
        sid = out.call.session_id
        backend.update("bob", sid, Move.ACCEPT.value, now=float(i), resource="b")
        backend.update("alice", sid, Move.END.value, now=float(i), resource="a")
    elapsed = time.perf_counter() - start
    return {"core_cycles_per_s": rounds / elapsed}


async def _login(session: aiohttp.ClientSession, url: str, uid: str) -> tuple[str, aiohttp.ClientWebSocketResponse]:
    async with session.post(f"{url}/users/{uid}/auth_tokens", headers={"apiKey": "ringside-api-key"}, json={}) as r:
        token = (await r.json())["data"]["authToken"]
    async with session.put(f"{url}/me", headers={"authToken": token, "resource": f"dev-{uid}"}, json={}) as r:
        jwt = (await r.json())["data"]["jwt"]
    ws = await session.ws_connect(url.replace("http", "ws") + "/")
    await ws.send_json(
        {
            "appId": "ringside",
            "deviceId": f"dev-{uid}",
            "type": "auth",
            "sender": uid,
            "body": {"auth": jwt, "deviceId": f"dev-{uid}", "presenceSubscription": "NONE", "params": {}},
        }
    )
    await ws.receive_json(timeout=5)
    return token, ws


async def bench_server(cycles: int = 400) -> dict[str, float]:
    """Full call cycles over real HTTP + WebSocket on loopback (3 requests and 6 frames each)."""
    config = ServerConfig(tls=False, users=["alice", "bob"], clock="virtual")
    server = await start_server(config, clock=VirtualClock())
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        ta, wsa = await _login(session, server.url, "alice")
        tb, wsb = await _login(session, server.url, "bob")
        start = time.perf_counter()
        for _ in range(cycles):
            t0 = time.perf_counter()
            async with session.post(
                f"{server.url}/v3.0/calls",
                headers={"authToken": ta, "resource": "dev-alice"},
                json={"type": "audio", "receiverType": "user", "category": "call", "receiver": "bob"},
            ) as r:
                sid = (await r.json())["data"]["data"]["entities"]["on"]["entity"]["sessionid"]
            latencies.append(time.perf_counter() - t0)
            await wsb.receive_json(timeout=5)
            await wsa.receive_json(timeout=5)
            for token, dev, status in ((tb, "dev-bob", "ongoing"), (ta, "dev-alice", "ended")):
                t0 = time.perf_counter()
                async with session.put(
                    f"{server.url}/v3.0/calls/{sid}",
                    headers={"authToken": token, "resource": dev},
                    json={"status": status},
                ) as r:
                    await r.read()
                latencies.append(time.perf_counter() - t0)
                await wsa.receive_json(timeout=5)
                await wsb.receive_json(timeout=5)
        elapsed = time.perf_counter() - start
        await wsa.close()
        await wsb.close()
    await server.stop()
    latencies.sort()
    return {
        "server_cycles_per_s": cycles / elapsed,
        "request_p50_ms": statistics.median(latencies) * 1000,
        "request_p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


async def bench_server_cpu(cycles: int = 600) -> dict[str, float]:
    """Server CPU per full call cycle, with the server in its own process (``ringside serve``)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve", "--no-tls", "--clock", "virtual", "--users", "alice,bob"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().split()[-1]  # "ringside: listening on <url>"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        ta, wsa = await _login(session, url, "alice")
        tb, wsb = await _login(session, url, "bob")
        cpu_before = _cpu_seconds(process.pid)
        for _ in range(cycles):
            await _one_cycle(session, url, (ta, wsa), (tb, wsb))
        cpu = _cpu_seconds(process.pid) - cpu_before
        await wsa.close()
        await wsb.close()
    process.terminate()
    process.wait(timeout=10)
    return {"server_cpu_us_per_cycle": cpu / cycles * 1e6}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _one_cycle(session: aiohttp.ClientSession, url: str, a: tuple[str, Any], b: tuple[str, Any]) -> None:
    (ta, wsa), (tb, wsb) = a, b
    body = {"type": "audio", "receiverType": "user", "category": "call", "receiver": "bob"}
    async with session.post(f"{url}/v3.0/calls", headers={"authToken": ta, "resource": "dev-alice"}, json=body) as r:
        sid = (await r.json())["data"]["data"]["entities"]["on"]["entity"]["sessionid"]
    await wsb.receive_json(timeout=5)
    await wsa.receive_json(timeout=5)
    for token, dev, status in ((tb, "dev-bob", "ongoing"), (ta, "dev-alice", "ended")):
        headers = {"authToken": token, "resource": dev}
        async with session.put(f"{url}/v3.0/calls/{sid}", headers=headers, json={"status": status}) as r:
            await r.read()
        await wsa.receive_json(timeout=5)
        await wsb.receive_json(timeout=5)


async def bench_idle_sockets(count: int = 500) -> dict[str, float]:
    """Server memory per idle authenticated WebSocket (server and clients share this process)."""
    config = ServerConfig(tls=False, clock="virtual", users=[f"u{i}" for i in range(count)])
    server = await start_server(config, clock=VirtualClock())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sockets = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.perf_counter()
        for i in range(count):
            sockets.append((await _login(session, server.url, f"u{i}"))[1])
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for ws in sockets:
            await ws.close()
    await server.stop()
    return {"logins_with_socket_per_s": count / elapsed, "kib_per_socket_pair": (after - before) / count}


def main() -> int:
    figures: dict[str, Any] = {}
    figures.update(bench_core())
    figures.update(asyncio.run(bench_server()))
    figures.update(asyncio.run(bench_server_cpu()))
    figures.update(asyncio.run(bench_idle_sockets()))
    print(f"{'figure':32} {'value':>12} {'baseline':>12}  note")
    for name, value in figures.items():
        base = BASELINES.get(name, {})
        note = base.get("note", "")
        print(f"{name:32} {value:12.2f} {base.get('value', float('nan')):12.2f}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
