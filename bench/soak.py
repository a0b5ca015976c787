"""``make soak``: ``ringside serve`` under endless call cycles; its RSS and open file descriptors must
stay within the bounds docs/reliability.md states, after a warm-up that fills every bounded store.

The server runs in its own process with its default limits (so /proc/<pid>/status and /proc/<pid>/fd
measure it alone); this process drives it over loopback the way a QA team's tests do: alice calls bob,
bob accepts, alice hangs up, both devices read every frame; alice logs in again every 10th cycle (a
new auth token each time), bob's socket reconnects every 500th, and a journal page of 200 entries is
read every 100th (``--page-every``).

    python -m bench.soak                      # 10 minutes
    python -m bench.soak --minutes 60         # or SOAK_SECONDS=3600 make soak
    python -m bench.soak --seconds 30 --report-only

Exit 0: within the bounds; 1: RSS or fds grew beyond them; 2: the server could not be driven.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import queue
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

#: The bound docs/reliability.md states: RSS growth per call cycle after warm-up.
RSS_BOUND_KIB_PER_CYCLE = 2.0
#: Open file descriptors the server may gain over the measured part (a leak of one per reconnect shows).
FD_BOUND = 4
#: The done-when criterion needs at least this many measured cycles to speak.
MIN_MEASURED_CYCLES = 3_000
SAMPLE_EVERY = 5.0
API_KEY = "ringside-api-key"
CALL = {"type": "audio", "receiverType": "user", "category": "call", "receiver": "bob"}


@dataclass
class Sample:
    """One look at the server process."""

    elapsed: float
    cycles: int
    rss_kib: int
    fds: int


@dataclass
class Run:
    """What the driver did and saw."""

    cycles: int = 0
    logins: int = 0
    reconnects: int = 0
    pages: int = 0
    samples: list[Sample] = field(default_factory=list)
    warm: Sample | None = None


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def open_fds(pid: int) -> int:
    """Open file descriptors of ``pid``."""
    return len(os.listdir(f"/proc/{pid}/fd"))


class Client:
    """One user's REST credential and WebSocket, as the SDK holds them."""

    def __init__(self, session: aiohttp.ClientSession, url: str, uid: str) -> None:
        self.session, self.url, self.uid = session, url, uid
        self.device = f"soak-{uid}"
        self.token = ""
        self.jwt = ""
        self.ws: aiohttp.ClientWebSocketResponse | None = None

    async def login(self) -> None:
        """``POST /users/{uid}/auth_tokens`` then ``PUT /me``: a fresh token, as every test's login makes."""
        url = f"{self.url}/users/{self.uid}/auth_tokens"
        async with self.session.post(url, headers={"apiKey": API_KEY}, json={}) as reply:
            self.token = (await _data(reply))["authToken"]
        async with self.session.put(f"{self.url}/v3.0/me", headers=self.headers, json={}) as reply:
            self.jwt = (await _data(reply))["jwt"]

    @property
    def headers(self) -> dict[str, str]:
        return {"authToken": self.token, "resource": self.device, "appId": "ringside"}

    async def connect(self) -> None:
        """Open the chat socket and authenticate it (closing the old one first)."""
        if self.ws is not None:
            await self.ws.close()
        self.ws = await self.session.ws_connect(self.url.replace("http", "ws", 1) + "/")
        body = {"auth": self.jwt, "deviceId": self.device, "presenceSubscription": "NONE", "params": {}}
        frame = {"appId": "ringside", "deviceId": self.device, "type": "auth", "sender": self.uid, "body": body}
        await self.ws.send_json(frame)
        await self.frame()

    async def frame(self) -> Any:
        assert self.ws is not None
        return await self.ws.receive_json(timeout=10)


async def _data(reply: aiohttp.ClientResponse) -> Any:
    body = await reply.json()
    if "data" not in body:
        raise RuntimeError(f"{reply.method} {reply.url.path}: {reply.status} {body}")
    return body["data"]


async def cycle(alice: Client, bob: Client) -> None:
    """alice calls bob, bob accepts, alice hangs up; each step's frame reaches both devices."""
    async with alice.session.post(f"{alice.url}/v3.0/calls", headers=alice.headers, json=CALL) as reply:
        sid = (await _data(reply))["data"]["entities"]["on"]["entity"]["sessionid"]
    await asyncio.gather(alice.frame(), bob.frame())
    for who, status in ((bob, "ongoing"), (alice, "ended")):
        url = f"{who.url}/v3.0/calls/{sid}"
        async with who.session.put(url, headers=who.headers, json={"status": status}) as reply:
            await _data(reply)
        await asyncio.gather(alice.frame(), bob.frame())


async def drive(url: str, pid: int, control_headers: dict[str, str], args: argparse.Namespace) -> Run:
    run = Run()
    start = time.monotonic()
    next_sample = 0.0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=4)) as session:
        alice, bob = Client(session, url, "alice"), Client(session, url, "bob")
        for client in (alice, bob):
            await client.login()
            await client.connect()
        while (elapsed := time.monotonic() - start) < args.seconds:
            if elapsed >= next_sample:
                sample = Sample(elapsed, run.cycles, rss_kib(pid), open_fds(pid))
                run.samples.append(sample)
                warm = run.cycles >= args.warm_up_cycles and elapsed >= args.warm_up_seconds
                if run.warm is None and warm:
                    run.warm = sample
                    print(f"soak: warm-up done at {run.cycles:,} cycles, {elapsed:.0f} s", flush=True)
                print(
                    f"soak: t={elapsed:6.0f} s  cycles={run.cycles:8,}  rss={sample.rss_kib / 1024:7.1f} MiB  "
                    f"fds={sample.fds}",
                    flush=True,
                )
                next_sample += SAMPLE_EVERY
            await cycle(alice, bob)
            run.cycles += 1
            if run.cycles % 10 == 0:
                await alice.login()
                run.logins += 1
            if args.page_every and run.cycles % args.page_every == 0:
                async with session.get(f"{url}/_ringside/journal?limit=200", headers=control_headers) as reply:
                    await _data(reply)
                run.pages += 1
            if run.cycles % 500 == 0:
                await bob.connect()
                run.reconnects += 1
        run.samples.append(Sample(time.monotonic() - start, run.cycles, rss_kib(pid), open_fds(pid)))
        async with session.get(f"{url}/_ringside/stats", headers=control_headers) as reply:
            stats = await _data(reply)
        for client in (alice, bob):
            if client.ws is not None:
                await client.ws.close()
    kept = ", ".join(f"{k} {v:,}" for k, v in stats.items() if isinstance(v, int))
    print(f"soak: server stats: {kept}", flush=True)
    return run


def verdict(run: Run, *, report_only: bool) -> int:
    """Print the figures; 0 within the bounds, 1 beyond them."""
    end = run.samples[-1]
    print(
        f"soak: {run.cycles:,} call cycles in {end.elapsed:.0f} s ({run.cycles / max(end.elapsed, 1e-9):.0f}/s), "
        f"{run.logins:,} logins, {run.reconnects:,} reconnects, {run.pages:,} journal pages",
        flush=True,
    )
    if run.warm is None:
        print("soak: the run ended inside the warm-up: no verdict (run longer)", flush=True)
        return 0 if report_only else 1
    warm = run.warm
    measured = end.cycles - warm.cycles
    growth_kib = end.rss_kib - warm.rss_kib
    per_cycle = growth_kib / max(measured, 1)
    peak = max(s.rss_kib for s in run.samples if s.cycles >= warm.cycles)
    fd_growth = end.fds - warm.fds
    print(
        f"soak: after warm-up: rss {warm.rss_kib / 1024:.1f} MiB, {warm.fds} fds at {warm.cycles:,} cycles; "
        f"at the end: rss {end.rss_kib / 1024:.1f} MiB (peak {peak / 1024:.1f}), {end.fds} fds",
        flush=True,
    )
    print(
        f"soak: rss growth {growth_kib / 1024:+.1f} MiB over {measured:,} cycles = {per_cycle:+.3f} KiB/cycle "
        f"(bound {RSS_BOUND_KIB_PER_CYCLE:g}); fds {fd_growth:+d} (bound +{FD_BOUND})",
        flush=True,
    )
    if measured < MIN_MEASURED_CYCLES:
        print(f"soak: only {measured:,} cycles measured; the criterion wants {MIN_MEASURED_CYCLES:,}+", flush=True)
    failed = per_cycle > RSS_BOUND_KIB_PER_CYCLE or fd_growth > FD_BOUND
    print(f"soak: {'FAIL' if failed else 'PASS'}{' (report only)' if report_only else ''}", flush=True)
    return 1 if failed and not report_only else 0


def start_server(extra: list[str]) -> tuple[subprocess.Popen[str], str, dict[str, str]]:
    """``ringside serve`` in its own process; returns it, its URL and the control API's headers."""
    command = [sys.executable, "-m", "harness.cli", "serve", "--no-tls", "--users", "alice,bob", *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:
        for line in process.stdout or ():
            lines.put(line)

    threading.Thread(target=drain, daemon=True).start()
    url, headers = "", dict[str, str]()
    deadline = time.monotonic() + 30
    while not headers and (left := deadline - time.monotonic()) > 0:
        try:  # once listening, the rest of the banner comes at once (a server without a control token has none)
            line = lines.get(timeout=min(left, 2.0) if url else left)
        except queue.Empty:
            break
        if match := re.match(r"ringside: listening on (\S+)", line):
            url = match.group(1)
        elif match := re.match(r"ringside: control token (\S+)", line):
            headers = {"Authorization": f"Bearer {match.group(1)}"}
    if not url:
        process.kill()
        raise RuntimeError(f"ringside serve did not start: {' '.join(command)}")
    return process, url, headers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", "600")))
    length.add_argument("--minutes", type=float)
    parser.add_argument("--warm-up-cycles", type=int, default=3_000, help="cycles before measuring (default 3000)")
    parser.add_argument("--warm-up-seconds", type=float, default=30.0, help="and seconds (default 30)")
    parser.add_argument("--page-every", type=int, default=100, help="read a journal page every N cycles (0: never)")
    parser.add_argument("--report-only", action="store_true", help="print the figures, exit 0 whatever they are")
    parser.add_argument("--serve-arg", action="append", default=[], help="one more flag for ringside serve")
    args = parser.parse_args(argv)
    if args.minutes is not None:
        args.seconds = args.minutes * 60
    try:
        process, url, headers = start_server(args.serve_arg)
    except RuntimeError as exc:
        print(f"soak: {exc}", file=sys.stderr)
        return 2
    print(f"soak: ringside serve pid {process.pid} at {url}, {args.seconds:.0f} s", flush=True)
    try:
        run = asyncio.run(drive(url, process.pid, headers, args))
    except (aiohttp.ClientError, TimeoutError, RuntimeError) as exc:
        print(f"soak: driving the server failed: {exc!r}", file=sys.stderr)
        return 2
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return verdict(run, report_only=args.report_only)


if __name__ == "__main__":
    sys.exit(main())
