"""A bare WebSocket client on a plain ``socket``: it reads only when told to.

aiohttp's client reads eagerly into its own buffers, so it cannot play a device that stops reading.
This one sets the kernel receive buffer before connecting (``SO_RCVBUF``) and reads nothing unless a
test calls :meth:`RawSocket.recv` — a stalled consumer, or a socket a test can drop mid-call.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
from typing import Any

from support import DEADLINE, Login, auth_frame

OP_TEXT = 0x1
OP_CLOSE = 0x8


class Closed(Exception):
    """The server closed the connection (``code`` from its close frame, None if it just went away)."""

    def __init__(self, code: int | None) -> None:
        super().__init__(f"closed (code {code})")
        self.code = code


class RawSocket:
    """One WebSocket over a non-blocking socket driven by the loop's ``sock_*`` calls."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = b""
        self.frames: list[dict[str, Any]] = []

    @classmethod
    async def connect(cls, port: int, *, rcvbuf: int | None = None) -> RawSocket:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:  # before connect, so the window the server sees is small from the start
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle wait behind a delayed ACK
        sock.setblocking(False)
        async with asyncio.timeout(DEADLINE):
            await loop.sock_connect(sock, ("127.0.0.1", port))
            key = base64.b64encode(os.urandom(16)).decode()
            request = (
                "GET / HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            )
            await loop.sock_sendall(sock, request.encode())
            raw = cls(sock)
            head = await raw._read_until(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        return raw

    async def _read_until(self, marker: bytes) -> bytes:
        loop = asyncio.get_running_loop()
        while marker not in self._buffer:
            chunk = await loop.sock_recv(self.sock, 65536)
            if not chunk:
                raise Closed(None)
            self._buffer += chunk
        head, _, self._buffer = self._buffer.partition(marker)
        return head

    async def _read_exact(self, n: int) -> bytes:
        loop = asyncio.get_running_loop()
        while len(self._buffer) < n:
            chunk = await loop.sock_recv(self.sock, 65536)
            if not chunk:
                raise Closed(None)
            self._buffer += chunk
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    async def send(self, frame: Any) -> None:
        """One masked text frame (clients must mask)."""
        payload = json.dumps(frame).encode()
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | OP_TEXT, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | OP_TEXT, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | OP_TEXT, 0x80 | 127, n)
        keystream = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(keystream, "big")).to_bytes(n, "big")
        await asyncio.wait_for(asyncio.get_running_loop().sock_sendall(self.sock, header + mask + masked), DEADLINE)

    async def recv(self, *, timeout: float = DEADLINE) -> dict[str, Any]:
        """The next text frame, decoded; :class:`Closed` on a close frame or EOF."""
        async with asyncio.timeout(timeout):
            while True:
                first, second = await self._read_exact(2)
                n = second & 0x7F
                if n == 126:
                    (n,) = struct.unpack("!H", await self._read_exact(2))
                elif n == 127:
                    (n,) = struct.unpack("!Q", await self._read_exact(8))
                payload = await self._read_exact(n)
                opcode = first & 0x0F
                if opcode == OP_CLOSE:
                    raise Closed(struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None)
                if opcode == OP_TEXT:
                    frame: dict[str, Any] = json.loads(payload)
                    self.frames.append(frame)
                    return frame

    async def auth(self, login: Login, resource: str) -> dict[str, Any]:
        await self.send(auth_frame(login.uid, login.jwt, resource))
        return await self.recv()

    async def wait_closed(self, *, timeout: float = DEADLINE) -> int | None:
        """Read (and drop) frames until the server closes; its close code."""
        try:
            while True:
                await self.recv(timeout=timeout)
        except Closed as closed:
            return closed.code
        except ConnectionError:
            return None

    def drop(self) -> None:
        """Go away without a close frame: RST, as a phone losing its network looks to the server."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self) -> None:
        self.sock.close()
