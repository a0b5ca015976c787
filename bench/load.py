"""The load client of ``make bench``: one client, the same code for ringside and the bare server.

It speaks what the SDK speaks (wire facts §2.4, §2.7, §3.2): ``POST /v3.0/users/{uid}/auth_tokens`` with
``apiKey``, ``PUT /v3.0/me`` for the jwt, the chat socket on ``/`` with the auth frame, then
``POST /v3.0/calls`` and ``PUT /v3.0/calls/{sid}``. Every socket has a reader task that stamps each
frame with the time it reached this process, so a frame is timed when it arrives, not when a pair's
loop gets round to it. Every frame is checked (session id and status), the same way for both servers.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from bench.servers import ServerProcess
from bench.wire_client import HttpConnection, WsConnection

Json = dict[str, Any]
APP_ID = "ringside"
API_KEY = "ringside-api-key"
CALL = {"type": "audio", "receiverType": "user", "category": "call"}
#: Deadline for any one reply or frame (a server that stops answering fails the bench, it never hangs it).
DEADLINE = 15.0


class LoadError(RuntimeError):
    """The server did not answer as the wire says."""


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of ``values``."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class Device:
    """One SDK instance: a user's auth token, jwt, REST connection (keep-alive) and chat socket.

    ``timeout`` None (the call loops) awaits without a deadline of its own: the round's deadline covers
    the whole loop, and a ``wait_for`` per await would cost the client more than the server's work."""

    def __init__(self, url: str, uid: str, resource: str) -> None:
        self.url, self.uid, self.resource = url, uid, resource
        self.token = ""
        self.jwt = ""
        self.http: HttpConnection | None = None
        self.ws: WsConnection | None = None
        self.inbox: deque[tuple[float, bytes]] = deque()
        self.waiting: asyncio.Future[None] | None = None
        self._headers = b""

    def _set_token(self, token: str) -> None:
        self.token = token
        self._headers = (
            f"appId: {APP_ID}\r\nauthToken: {token}\r\nresource: {self.resource}\r\nContent-Type: application/json\r\n"
        ).encode()

    async def request(
        self, method: str, path: str, body: Json, headers: bytes | None = None, timeout: float | None = DEADLINE
    ) -> Json:
        """One REST request; its reply's ``data``, or :class:`LoadError` with the error envelope."""
        if self.http is None:
            self.http = await asyncio.wait_for(HttpConnection.open(self.url), DEADLINE)
        sending = self.http.send(method, path, self._headers if headers is None else headers, orjson.dumps(body))
        try:
            reply = await (sending if timeout is None else asyncio.wait_for(sending, timeout))
        except TimeoutError:
            raise LoadError(f"{method} {path} as {self.uid}: no reply within {timeout:g} s") from None
        return self.data(method, path, reply)

    def send(self, method: str, path: str, body: Json) -> asyncio.Future[tuple[int, bytes]]:
        """Send a request on the open REST connection now; :meth:`data` reads its reply."""
        assert self.http is not None, "log in first"
        return self.http.send(method, path, self._headers, orjson.dumps(body))

    def data(self, method: str, path: str, reply: tuple[int, bytes]) -> Json:
        """The ``data`` of a reply, or :class:`LoadError` with the error envelope."""
        status, raw = reply
        payload = orjson.loads(raw)
        if not isinstance(payload, dict) or "data" not in payload:
            raise LoadError(f"{method} {path} as {self.uid}: HTTP {status} {payload}")
        data: Json = payload["data"]
        return data

    async def login(self, *, keep_http: bool = True) -> None:
        """``CometChat.login(uid, authKey)``: an auth token, then ``PUT /me`` for the jwt."""
        admin = (
            f"appId: {APP_ID}\r\napiKey: {API_KEY}\r\nresource: {self.resource}\r\nContent-Type: application/json\r\n"
        )
        reply = await self.request("POST", f"/v3.0/users/{self.uid}/auth_tokens", {}, admin.encode())
        self._set_token(reply["authToken"])
        self.jwt = (await self.request("PUT", "/v3.0/me", {}))["jwt"]
        if not keep_http and self.http is not None:
            self.http.close()
            self.http = None

    def _arrived(self, arrived: float, message: bytes) -> None:
        self.inbox.append((arrived, message))
        waiting = self.waiting
        if waiting is not None and not waiting.done():
            waiting.set_result(None)

    async def connect(self) -> None:
        """Open the chat socket and authenticate it; from then on every frame is stamped as it arrives."""
        try:
            self.ws = await WsConnection.open(self.url, self._arrived, DEADLINE)
        except TimeoutError:
            raise LoadError(f"{self.uid}: no WebSocket upgrade within {DEADLINE:g} s") from None
        body = {"auth": self.jwt, "deviceId": self.resource, "presenceSubscription": "NONE", "params": {}}
        frame = {"appId": APP_ID, "deviceId": self.resource, "type": "auth", "sender": self.uid, "body": body}
        self.ws.send_text(orjson.dumps(frame))
        _, reply = await self.next_frame("the auth reply", DEADLINE)
        if not isinstance(reply, dict) or (reply.get("body") or {}).get("code") != "200":
            raise LoadError(f"socket auth of {self.uid}: {reply}")

    async def next_frame(self, what: str, timeout: float | None = None) -> tuple[float, Any]:
        """The next frame and when it arrived."""
        if not self.inbox:
            self.waiting = asyncio.get_running_loop().create_future()
            try:
                await (self.waiting if timeout is None else asyncio.wait_for(self.waiting, timeout))
            except TimeoutError:
                raise LoadError(f"{self.uid}: no frame ({what}) within {timeout:g} s") from None
            finally:
                self.waiting = None
        arrived, raw = self.inbox.popleft()
        return arrived, orjson.loads(raw)

    async def expect(self, sid: str, status: str, timeout: float | None = None) -> float:
        """This device's next frame must announce ``status`` of ``sid``; returns when it arrived."""
        arrived, frame = await self.next_frame(f"{status} of {sid}", timeout)
        try:
            entity = frame["body"]["data"]["entities"]["on"]["entity"]
            ok = entity["sessionid"] == sid and entity["status"] == status
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise LoadError(f"{self.uid}: wanted {status} of {sid}, got {str(frame)[:300]}")
        return arrived

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
        if self.http is not None:
            self.http.close()


# -- call workloads --------------------------------------------------------------------------------


async def full_cycle(a: Device, b: Device, latencies: list[float]) -> None:
    """a calls b; b is rung; b accepts; a hears it (timed: accept sent -> a's frame); a ends; both hear."""
    reply = await a.request("POST", "/v3.0/calls", {**CALL, "receiver": b.uid}, timeout=None)
    sid = reply["data"]["entities"]["on"]["entity"]["sessionid"]
    await b.expect(sid, "initiated")
    await a.expect(sid, "initiated")  # the caller's own echo (wire facts §3.5)
    path = f"/v3.0/calls/{sid}"
    sent = time.perf_counter()
    accept = b.send("PUT", path, {"status": "ongoing"})
    latencies.append(await a.expect(sid, "ongoing") - sent)
    b.data("PUT", path, await accept)
    await b.expect(sid, "ongoing")
    await a.request("PUT", f"/v3.0/calls/{sid}", {"status": "ended"}, timeout=None)
    await a.expect(sid, "ended")
    await b.expect(sid, "ended")


async def setup_cycle(a: Device, b: Device, latencies: list[float]) -> None:
    """a calls b and b is rung (timed: initiate sent -> b's frame); a cancels, both hear it."""
    sent = time.perf_counter()
    reply = await a.request("POST", "/v3.0/calls", {**CALL, "receiver": b.uid}, timeout=None)
    sid = reply["data"]["entities"]["on"]["entity"]["sessionid"]
    latencies.append(await b.expect(sid, "initiated") - sent)
    await a.expect(sid, "initiated")
    await a.request("PUT", f"/v3.0/calls/{sid}", {"status": "cancelled"}, timeout=None)
    await a.expect(sid, "cancelled")
    await b.expect(sid, "cancelled")


Workload = Callable[[Device, Device, list[float]], Awaitable[None]]
WORKLOADS: dict[str, Workload] = {"setup": setup_cycle, "cycle": full_cycle}


@dataclass
class Round:
    """One measured stretch against one server."""

    ops: int
    elapsed: float
    cpu: float
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.ops / self.elapsed if self.elapsed > 0 else math.nan

    @property
    def cpu_us_per_op(self) -> float:
        return self.cpu / self.ops * 1e6 if self.ops else math.nan


class Fleet:
    """Logged-in devices (two per pair) on one server, reused across rounds."""

    def __init__(self, server: ServerProcess, uids: list[str]) -> None:
        self.server, self.uids = server, uids
        self.devices: list[Device] = []

    async def open(self, concurrency: int = 20) -> None:
        self.devices = [Device(self.server.url, uid, f"bench-{uid}") for uid in self.uids]
        await _each(self.devices, concurrency, keep_http=True)

    async def run(self, workload: Workload, pairs: int, seconds: float) -> Round:
        """``pairs`` concurrent loops of ``workload`` for ``seconds`` (then the started ones finish)."""
        if 2 * pairs > len(self.devices):
            raise ValueError(f"{pairs} pairs need {2 * pairs} devices, have {len(self.devices)}")
        latencies: list[float] = []
        counts = [0] * pairs
        stop_at = time.perf_counter() + seconds

        async def loop(i: int) -> None:
            a, b = self.devices[2 * i], self.devices[2 * i + 1]
            while time.perf_counter() < stop_at:
                await workload(a, b, latencies)
                counts[i] += 1

        self.server.check_alive()
        cpu0, start = self.server.cpu_seconds(), time.perf_counter()
        await self._guard(asyncio.wait_for(asyncio.gather(*(loop(i) for i in range(pairs))), seconds + DEADLINE))
        elapsed, cpu = time.perf_counter() - start, self.server.cpu_seconds() - cpu0
        return Round(sum(counts), elapsed, cpu, latencies)

    async def _guard(self, work: Awaitable[Any]) -> None:
        try:
            await work
        except TimeoutError:
            self.server.check_alive()
            stuck = [d.uid for d in self.devices if d.waiting is not None]
            raise LoadError(f"{self.server.kind}: a round overran its deadline; waiting for frames: {stuck}") from None
        except (LoadError, OSError) as exc:
            self.server.check_alive()
            raise LoadError(f"{self.server.kind}: {exc}") from exc

    def close(self) -> None:
        for device in self.devices:
            device.close()


async def _each(devices: list[Device], concurrency: int, *, keep_http: bool) -> None:
    """Log every device in and authenticate its socket, ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(device: Device) -> None:
        async with gate:
            await device.login(keep_http=keep_http)
            await device.connect()

    await asyncio.gather(*(one(d) for d in devices))


# -- logins ----------------------------------------------------------------------------------------


async def logins(server: ServerProcess, uids: list[str], *, concurrency: int, tag: str) -> Round:
    """Every uid logs in (REST, a fresh connection each) and authenticates a socket, ``concurrency`` at a
    time; the sockets are closed after the clock stops."""
    devices = [Device(server.url, uid, f"login-{tag}-{i}") for i, uid in enumerate(uids)]
    server.check_alive()
    cpu0, start = server.cpu_seconds(), time.perf_counter()
    try:
        await _each(devices, concurrency, keep_http=False)
    except (LoadError, OSError) as exc:
        server.check_alive()
        raise LoadError(f"{server.kind}: {exc}") from exc
    finally:
        elapsed, cpu = time.perf_counter() - start, server.cpu_seconds() - cpu0
        for device in devices:
            device.close()
    return Round(len(devices), elapsed, cpu)


# -- idle sockets ----------------------------------------------------------------------------------


@dataclass
class Idle:
    """Server RSS with no client socket, then with each count of idle authenticated sockets open."""

    rss_before_kib: int
    rss_kib: dict[int, int]  #: sockets open -> RSS

    def kib_per_socket(self, sockets: int) -> float:
        return (self.rss_kib[sockets] - self.rss_before_kib) / sockets if sockets else math.nan


async def idle_sockets(
    server: ServerProcess, uids: list[str], counts: Sequence[int], *, concurrency: int = 64, warm: int = 0
) -> Idle:
    """Log users in and leave their authenticated sockets open (REST connections closed), reading the
    server's RSS once each count in ``counts`` (ascending) is reached; ``uids`` has the largest count.

    The server is fresh (its users already created) and does nothing else meanwhile; it is stopped here,
    after the sockets are closed. ``warm`` more logins with a socket, opened first and counted in the
    "before" figure, fill what a server keeps a bounded amount of (ringside's journal ring) and warm the
    allocator, so the figure is what one more idle socket costs, not a one-off fill spread over them."""
    warming = [Device(server.url, uid, f"warm-{uid}") for uid in uids[:warm]]
    devices = [Device(server.url, uid, f"idle-{uid}") for uid in uids]
    rss: dict[int, int] = {}
    try:
        try:
            await _each(warming, concurrency, keep_http=False)
        except (LoadError, OSError) as exc:
            server.check_alive()
            raise LoadError(f"{server.kind} (warm-up): {exc}") from exc
        before, opened = server.rss_kib(), 0
        for count in sorted(counts):
            try:
                await _each(devices[opened:count], concurrency, keep_http=False)
            except (LoadError, OSError) as exc:
                server.check_alive()
                raise LoadError(f"{server.kind}: {exc}") from exc
            opened = count
            server.check_alive()
            rss[count] = server.rss_kib()
    finally:
        for device in [*warming, *devices]:
            device.close()
        await server.aclose()
    return Idle(before, rss)


# -- scripted timing -------------------------------------------------------------------------------


@dataclass
class Timing:
    """Signed errors (actual - scripted, seconds) of ringside's scripted answers and of asyncio's call_later."""

    delay: float
    scripted: list[float]
    call_later: list[float]


async def scripted_timing(
    server: ServerProcess, uids: list[str], delays: Sequence[float], per_delay: int
) -> list[Timing]:
    """``per_delay`` callers per delay, all at once, each calling its own ``ring-accept-<d>s@<tag>``.

    Timed from just before the initiate request leaves to the arrival of the caller's ``ongoing`` frame,
    so network time can only make an answer look late, never early. The baseline: ``loop.call_later``
    of the same delays, started in the same instant in this process."""
    loop = asyncio.get_running_loop()
    plan = [(d, k) for d in delays for k in range(per_delay)]
    callers = [Device(server.url, uid, f"timing-{uid}") for uid in uids[: len(plan)]]

    async def scripted(device: Device, delay: float, k: int) -> float:
        callee = f"ring-accept-{delay:g}s@bench{k}"
        sent = time.perf_counter()
        reply = await device.request("POST", "/v3.0/calls", {**CALL, "receiver": callee})
        sid = reply["data"]["entities"]["on"]["entity"]["sessionid"]
        await device.expect(sid, "initiated")
        return await device.expect(sid, "ongoing", timeout=delay + DEADLINE) - sent - delay

    async def baseline(delay: float) -> float:
        fired: asyncio.Future[float] = loop.create_future()
        start = time.perf_counter()
        loop.call_later(delay, lambda: fired.set_result(time.perf_counter()))
        return await fired - start - delay

    try:
        await _each(callers, 10, keep_http=True)
        results = await asyncio.gather(
            *(scripted(callers[i], d, k) for i, (d, k) in enumerate(plan)),
            *(baseline(d) for d, _ in plan),
        )
    finally:
        for device in callers:
            device.close()
    half = len(plan)
    return [
        Timing(
            d,
            [r for (pd, _), r in zip(plan, results[:half], strict=True) if pd == d],
            [r for (pd, _), r in zip(plan, results[half:], strict=True) if pd == d],
        )
        for d in delays
    ]
