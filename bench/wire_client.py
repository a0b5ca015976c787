"""A lean HTTP/1.1 + WebSocket client on asyncio protocols, for the load client only.

Why not aiohttp's client: on 2 cores the load client shares the machine with the server under test,
and aiohttp's client spends about twice the bare server's CPU per call cycle, so the bench measured
the client, not the server (both servers capped at the same rate, ratio near 1). These protocols
cost a fraction of that. They speak just what the two servers need: keep-alive requests with a
``Content-Length`` or chunked reply, and RFC 6455 frames (client frames masked, no extensions).
Frames are stamped with ``time.perf_counter()`` as their bytes arrive, in ``data_received``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import time
from collections.abc import Callable
from urllib.parse import urlsplit

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WireError(ConnectionError):
    """The connection broke or the peer sent something this client does not take."""


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.hostname is None or parts.port is None:
        raise ValueError(f"want http://host:port, got {url!r}")
    return parts.hostname, parts.port


class HttpConnection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.host = f"{host}:{port}".encode()
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.lost: Exception | None = None

    @classmethod
    async def open(cls, url: str) -> HttpConnection:
        host, port = host_port(url)
        _, protocol = await asyncio.get_running_loop().create_connection(lambda: cls(host, port), host, port)
        return protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or WireError("connection closed by the server")
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(self.lost)

    def send(self, method: str, path: str, headers: bytes, body: bytes) -> asyncio.Future[tuple[int, bytes]]:
        """Send one request now (``headers``: ready ``Name: value\\r\\n`` lines); a future of its status and body."""
        if self.lost is not None or self.transport is None:
            raise WireError(f"{method} {path}: connection is gone ({self.lost})")
        if self.waiter is not None and not self.waiter.done():
            raise WireError(f"{method} {path}: a request is already waiting on this connection")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(
            b"%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n%s\r\n%s"
            % (method.encode(), path.encode(), self.host, len(body), headers, body)
        )
        return self.waiter

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.waiter is None or self.waiter.done():
            return
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        lines = bytes(self.buf[:end]).split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked = -1, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        start = end + 4
        if chunked:
            parsed = _dechunk(self.buf, start)
            if parsed is None:
                return
            body, consumed = parsed
        else:
            if length < 0:
                self.waiter.set_exception(WireError("a reply without Content-Length or chunking"))
                return
            if len(self.buf) < start + length:
                return
            body, consumed = bytes(self.buf[start : start + length]), start + length
        del self.buf[:consumed]
        self.waiter.set_result((status, body))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _dechunk(buf: bytearray, pos: int) -> tuple[bytes, int] | None:
    """A whole chunked body starting at ``pos``, and where it ends; None while incomplete."""
    out = bytearray()
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(bytes(buf[pos:eol]).split(b";")[0], 16)
        pos = eol + 2
        if size == 0:
            trailer = buf.find(b"\r\n", pos)
            return None if trailer < 0 else (bytes(out), trailer + 2)
        if len(buf) < pos + size + 2:
            return None
        out += buf[pos : pos + size]
        pos += size + 2


def _mask(payload: bytes) -> bytes:
    key = os.urandom(4)
    n = len(payload)
    repeated = (key * (n // 4 + 1))[:n]
    return key + (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")


def _frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 1 << 16:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return head + _mask(payload)


OnMessage = Callable[[float, bytes], None]


class WsConnection(asyncio.Protocol):
    """A client WebSocket on ``/``: text and binary messages go to ``on_message(arrived, payload)``."""

    def __init__(self, host: str, port: int, on_message: OnMessage) -> None:
        self.host, self.port, self.on_message = host, port, on_message
        self.key = base64.b64encode(os.urandom(16))
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.upgraded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.fragments: list[bytes] = []
        self.closed = False

    @classmethod
    async def open(cls, url: str, on_message: OnMessage, timeout: float) -> WsConnection:
        host, port = host_port(url)
        _, protocol = await asyncio.get_running_loop().create_connection(
            lambda: cls(host, port, on_message), host, port
        )
        await asyncio.wait_for(protocol.upgraded, timeout)
        return protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(
            b"GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (self.host.encode(), self.port, self.key)
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.upgraded.done():
            self.upgraded.set_exception(exc or WireError("closed during the WebSocket handshake"))

    def data_received(self, data: bytes) -> None:
        arrived = time.perf_counter()
        self.buf += data
        if not self.upgraded.done():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end])
            del self.buf[: end + 4]
            accept = base64.b64encode(hashlib.sha1(self.key + _GUID).digest())
            if not head.startswith(b"HTTP/1.1 101") or accept not in head:
                self.upgraded.set_exception(WireError(f"no WebSocket upgrade: {head[:200]!r}"))
                self.close()
                return
            self.upgraded.set_result(None)
        self._frames(arrived)

    def _frames(self, arrived: float) -> None:
        buf = self.buf
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n, pos = b1 & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return
                n, pos = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n, pos = int.from_bytes(buf[2:10], "big"), 10
            if b1 & 0x80:  # a server never masks; tolerate it anyway
                pos += 4
            if len(buf) < pos + n:
                return
            payload = bytes(buf[pos : pos + n])
            if b1 & 0x80:
                key = buf[pos - 4 : pos]
                payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            del buf[: pos + n]
            opcode, fin = b0 & 0x0F, b0 & 0x80
            if opcode in (0x1, 0x2, 0x0):
                self.fragments.append(payload)
                if fin:
                    message = b"".join(self.fragments)
                    self.fragments = []
                    self.on_message(arrived, message)
            elif opcode == 0x8:
                self.close()
                return
            elif opcode == 0x9 and self.transport is not None:
                self.transport.write(_frame(0xA, payload))

    def send_text(self, text: bytes) -> None:
        if self.transport is None or self.closed:
            raise WireError("the socket is closed")
        self.transport.write(_frame(0x1, text))

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.closed = True
            try:
                self.transport.write(_frame(0x8, (1000).to_bytes(2, "big")))
            finally:
                self.transport.close()
