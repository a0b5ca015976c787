"""The edge's JSON reply (``mockserver.app._JsonReply``) sends, byte for byte, what aiohttp's ``web.Response``
sends for the same status, headers and body: it lays the reply out itself for speed, so a change in
aiohttp (pinned only to ``<4``) that this would miss must show here. Both answer on one kept-alive
connection, requests pipelined, read raw off the socket; only the Date value may differ."""

from __future__ import annotations

import asyncio
import re

import pytest
from aiohttp import web
from aiohttp.web_server import Server

from mockserver.app import _HEAD_JSON, _HEAD_JSON_ANY_ORIGIN, _JSON, _JSON_ANY_ORIGIN, _JsonReply

DEADLINE = 5.0
BODY = b'{"data":{"uid":"alice","n":"\xc3\xa9"}}'
ORIGIN = "https://app.example"
#: (status, _JsonReply's header fields, web.Response's headers)
CASES = {
    "any-origin": (200, _HEAD_JSON_ANY_ORIGIN, _JSON_ANY_ORIGIN),
    "control": (401, _HEAD_JSON, _JSON),
    "origin": (
        404,
        b"%sAccess-Control-Allow-Origin: %s\r\nVary: Origin\r\n" % (_HEAD_JSON, ORIGIN.encode()),
        {**_JSON, "Access-Control-Allow-Origin": ORIGIN, "Vary": "Origin"},
    ),
}


async def _handler(request: web.BaseRequest) -> web.StreamResponse:
    kind, case = request.path.strip("/").split("/")
    status, fields, headers = CASES[case]
    if kind == "fast":
        return _JsonReply(status, fields, BODY)
    return web.Response(status=status, body=BODY, headers=headers)


async def _exchange(port: int, paths: list[str]) -> bytes:
    """Every request written at once (pipelined), then the replies read until the last one is complete."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"".join(f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() for p in paths))
        await writer.drain()
        raw = b""
        async with asyncio.timeout(DEADLINE):
            while raw.count(BODY) < len(paths):
                chunk = await reader.read(65536)
                assert chunk, f"the server closed the connection after {raw!r}"
                raw += chunk
        return raw
    finally:
        writer.close()


@pytest.mark.parametrize("case", sorted(CASES))
async def test_the_json_reply_sends_what_web_response_sends(case: str) -> None:
    server = await asyncio.get_running_loop().create_server(Server(_handler), "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        fast = await _exchange(port, [f"/fast/{case}"] * 2)
        slow = await _exchange(port, [f"/slow/{case}"] * 2)
    finally:
        server.close()
        await server.wait_closed()
    undated = re.compile(rb"Date: [^\r]+\r\n")
    assert undated.sub(b"Date: -\r\n", fast) == undated.sub(b"Date: -\r\n", slow)
    assert fast.startswith(b"HTTP/1.1 %d " % CASES[case][0]) and fast.count(b"HTTP/1.1 ") == 2
