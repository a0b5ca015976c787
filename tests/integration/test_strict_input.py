"""Strict input (docs/reliability.md, "Strict input"): one JSON decoder for REST, WebSocket and control,
with depth, size and number bounds, NaN / Infinity refused, and oversized heads answered in the envelope."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from support import API_KEY, DEADLINE, Api, auth_frame, online_device, open_device

from mockserver.jsoncodec import MAX_DEPTH, MAX_SAFE_INTEGER
from mockserver.schemas import assert_valid

CALL = {"type": "audio", "receiverType": "user", "category": "call", "status": "initiated", "receiver": "bob"}


def _call_body(metadata_json: str) -> bytes:
    """An initiateCall body whose metadata is spliced in as raw JSON text (so NaN can be spelt)."""
    return (json.dumps(CALL)[:-1] + f', "metadata": {metadata_json}}}').encode()


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


#: (id, raw metadata JSON, status, code)
REFUSED_METADATA = [
    ("nested-100000", _nested(100_000), 400, "ERR_JSON_TOO_DEEP"),
    ("nested-one-too-deep", '{"a": ' + _nested(MAX_DEPTH - 1) + "}", 400, "ERR_JSON_TOO_DEEP"),
    ("integer-5000-digits", '{"n": ' + "7" * 5000 + "}", 400, "ERR_NUMBER_OUT_OF_RANGE"),
    ("integer-30-digits", '{"n": ' + "7" * 30 + "}", 400, "ERR_NUMBER_OUT_OF_RANGE"),
    ("integer-above-2**53", f'{{"n": {MAX_SAFE_INTEGER + 1}}}', 400, "ERR_NUMBER_OUT_OF_RANGE"),
    ("integer-below--2**53", f'{{"n": -{MAX_SAFE_INTEGER + 1}}}', 400, "ERR_NUMBER_OUT_OF_RANGE"),
    ("float-1e400", '{"x": 1e400}', 400, "ERR_NUMBER_OUT_OF_RANGE"),
    ("nan", '{"x": NaN}', 400, "ERR_BAD_JSON"),
    ("infinity", '{"x": Infinity}', 400, "ERR_BAD_JSON"),
    ("minus-infinity", '{"x": -Infinity}', 400, "ERR_BAD_JSON"),
    ("lone-surrogate", '{"x": "\\ud800"}', 400, "ERR_BAD_JSON"),
]


@pytest.mark.parametrize("case", REFUSED_METADATA, ids=[c[0] for c in REFUSED_METADATA])
async def test_rest_refuses_what_a_strict_parser_would_not_take(api: Api, server, http, case):
    _, metadata, status, code = case
    alice, bob = await api.login("alice"), await api.login("bob")
    listener = await online_device(http, server.ws_url, bob, "WEB-B")
    reply = await api.request("POST", "/v3.0/calls", token=alice.token, raw=_call_body(metadata))
    assert (reply.status, reply.code) == (status, code), reply.body
    assert reply.headers["Content-Type"].startswith("application/json")
    assert await listener.sync() == [], "a refused call rings nobody"
    assert server.data("GET", "/calls") == []
    assert [e for e in server.journal(kinds=["error"])] == [], "bad input never reaches the internal-error path"


async def test_bounds_are_inclusive(api: Api, server, http):
    """What the bounds allow still goes through, and comes back exactly as sent."""
    alice, bob = await api.login("alice"), await api.login("bob")
    listener = await online_device(http, server.ws_url, bob, "WEB-B")
    deep: object = "bottom"
    for _ in range(MAX_DEPTH - 3):  # body > metadata > 61 lists: 64 levels of nesting in all
        deep = [deep]
    metadata = {"deep": deep, "max": MAX_SAFE_INTEGER, "min": -MAX_SAFE_INTEGER, "ms": 1_795_608_125_341}
    reply = await api.request("POST", "/v3.0/calls", token=alice.token, body={**CALL, "metadata": metadata})
    assert reply.status == 200, reply.body
    (frame,) = await listener.calls()
    assert frame["body"]["data"]["entities"]["on"]["entity"]["data"]["metadata"] == metadata


async def test_replies_frames_and_the_journal_file_are_strict_json(make_server, http, tmp_path):
    """Everything ringside writes parses with a strict parser (no NaN, no Infinity anywhere)."""
    journal = tmp_path / "journal.jsonl"
    server = make_server(journal_path=journal)
    api = Api(http, server.url, control_token=server.control_token)
    alice, bob = await api.login("alice"), await api.login("bob")
    listener = await online_device(http, server.ws_url, bob, "WEB-B")
    await api.request("POST", "/v3.0/calls", token=alice.token, raw=_call_body('{"x": NaN}'))
    await api.request("POST", "/v3.0/calls", token=alice.token, body={**CALL, "metadata": {"x": 1.5}})
    await listener.sync()

    def strict(text: str) -> object:
        def refuse(constant: str) -> object:
            raise AssertionError(f"non-standard JSON constant {constant} in {text[:200]}")

        return json.loads(text, parse_constant=refuse)

    for line in journal.read_text(encoding="utf-8").splitlines():
        strict(line)
    async with http.get(server.url + "/v3.0/settings") as reply:
        strict(await reply.text())


@pytest.mark.parametrize(
    "raw, code",
    [
        pytest.param(_nested(100_000), "ERR_JSON_TOO_DEEP", id="nested-100000"),
        pytest.param('{"type": "x", "body": ' + _nested(MAX_DEPTH) + "}", "ERR_JSON_TOO_DEEP", id="nested-65"),
        pytest.param('{"action": "ping", "n": ' + "9" * 5000 + "}", "ERR_NUMBER_OUT_OF_RANGE", id="integer-5000"),
        pytest.param('{"action": "ping", "x": NaN}', "ERR_BAD_WS_FRAME", id="nan"),
        pytest.param('{"action": "ping", "x": -Infinity}', "ERR_BAD_WS_FRAME", id="infinity"),
    ],
)
async def test_ws_answers_an_error_frame_and_stays_open(api: Api, http, server, raw, code):
    alice = await api.login("alice")
    device = await open_device(http, server.ws_url, "WEB-A")
    await device.send(raw)
    frame = await device.recv()
    assert frame["type"] == "error" and frame["body"]["code"] == code, frame
    await device.send(auth_frame("alice", alice.jwt, "WEB-A"))
    assert (await device.recv())["body"]["code"] == "200", "the socket stays open and usable"
    assert await device.sync() == []
    assert server.journal(kinds=["error"]) == []


@pytest.mark.parametrize(
    "raw, code",
    [
        pytest.param(_nested(100_000).encode(), "ERR_JSON_TOO_DEEP", id="nested-100000"),
        pytest.param(b'{"uid": "erin", "n": ' + b"1" * 5000 + b"}", "ERR_NUMBER_OUT_OF_RANGE", id="integer-5000"),
        pytest.param(b'{"seconds": NaN}', "ERR_BAD_JSON", id="nan"),
    ],
)
async def test_control_bodies_go_through_the_same_decoder(api: Api, server, raw, code):
    for path in ("/_ringside/users", "/_ringside/clock/advance"):
        reply = await api.request("POST", path, raw=raw, headers=api.control_headers)
        assert (reply.status, reply.code) == (400, code), (path, reply.body)
    assert server.journal(kinds=["error"]) == []


async def _raw_request(server, method: str, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, server.url + path, headers=headers, timeout=aiohttp.ClientTimeout(total=DEADLINE)
        ) as reply,
    ):
        return reply.status, reply.headers.get("Content-Type", ""), await reply.read()


@pytest.mark.parametrize(
    "path, headers, status, code",
    [
        pytest.param("/v3.0/settings", {"X-Big": "h" * 9 * 1024}, 431, "ERR_HEADERS_TOO_LARGE", id="9KB-header"),
        pytest.param("/v3.0/settings?q=" + "u" * 20 * 1024, {}, 414, "ERR_URL_TOO_LONG", id="20KB-url"),
        pytest.param(
            "/_ringside/users", {"X-Big": "h" * 9 * 1024}, 431, "ERR_HEADERS_TOO_LARGE", id="9KB-header-control"
        ),
    ],
)
async def test_oversized_heads_get_the_envelope(server, api: Api, path, headers, status, code):
    got_status, content_type, body = await _raw_request(server, "GET", path, headers)
    assert got_status == status, body[:200]
    assert content_type.startswith("application/json"), (content_type, body[:200])
    envelope = json.loads(body)
    assert_valid("wire/error-envelope", envelope)
    assert envelope["error"]["code"] == code
    assert (await api.request("GET", "/v3.0/settings")).status == 200, "the server keeps serving"


async def test_body_size_limit_still_holds_for_websocket_frames(make_server, http):
    server = make_server(max_body=1024)
    api = Api(http, server.url)
    alice = await api.login("alice")
    device = await online_device(http, server.ws_url, alice, "WEB-A")
    await device.send('{"action": "ping", "pad": "' + "p" * 2000 + '"}')
    await device.expect_closed()  # aiohttp's frame limit: a clean close, never a crash
    assert server.journal(kinds=["error"]) == []
    assert (await api.request("POST", "/users", api_key=API_KEY, body={"uid": "erin", "name": "Erin"})).status == 200


async def test_expect_100_continue_is_answered_and_an_unknown_expectation_refused(server):
    """The edge is aiohttp's low-level server (no application router), so it answers ``Expect`` itself."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.server.port)
    try:
        body = b"{}"
        head = f"POST /v3.0/user_sessions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n"
        writer.write(head.encode())
        assert await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), DEADLINE) == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(body)
        status_line = await asyncio.wait_for(reader.readline(), DEADLINE)
        assert status_line.startswith(b"HTTP/1.1 401"), status_line  # no token: the envelope, after the 100
    finally:
        writer.close()
    status, _, _ = await _raw_request(server, "GET", "/v3.0/settings", {"Expect": "something-else"})
    assert status == 417
