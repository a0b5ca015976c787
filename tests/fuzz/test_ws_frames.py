"""Garbage, binary, oversized and deeply nested WebSocket frames: each is answered by an error frame or a
clean close, never a crash, and the server goes on serving every other socket.

Each example sends one hostile frame on a socket (authenticated or not, drawn), then a ping: everything
that arrives before the pong must be an error frame (``wire/ws-error-frame``) or an auth reply
(``wire/ws-auth-reply``); or the socket closes with a clean code (1000, 1008, 1009 or ringside's 4xxx,
never 1011 or a dropped connection). A watcher socket opened before the run must still answer a ping,
and the journal must hold no ``error`` entry (ringside's own failures). ``RINGSIDE_FUZZ_FRAMES`` sets
the number of examples (``make fuzz`` raises it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.config import DEFAULT_MAX_BODY
from mockserver.schemas import validate
from mockserver.server import MockServer

from .ws_client import CLEAN_CLOSES, Closed, Loop, Socket, connect

#: the oversized examples make Hypothesis warn about the size of their repr, which only matters on failure
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

FRAMES = int(os.environ.get("RINGSIDE_FUZZ_FRAMES", "150"))


def login(server: MockServer, uid: str) -> str:
    """A fresh login for ``uid``: its WebSocket credential (jwt)."""

    def mint(hub: Any) -> str:
        token = hub.backend.directory.issue_token(uid)
        jwt: str = hub.backend.directory.jwt_for(token)
        return jwt

    return server.call(mint)


# --- hostile frames ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
frame_like = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["auth", "message", "error", "typing", ""]) | json_values,
        "action": st.sampled_from(["ping", "pong", "auth"]) | json_values,
        "body": json_values | st.fixed_dictionaries({}, optional={"auth": json_values, "deviceId": json_values}),
        "appId": st.sampled_from(["ringside", "other"]) | json_values,
        "deviceId": json_values,
    },
)


def _not_a_ping(value: Any) -> bool:
    """A ping gets a pong of its own, which would be taken for the answer to the ping that follows it."""
    return not (isinstance(value, dict) and value.get("action") == "ping")


def _nested(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    return '{"type":"auth","body":' * depth + "{}" + "}" * depth


hostile = st.one_of(
    st.text(max_size=200).map(lambda t: ("text", t)),  # garbage text, mostly not JSON
    st.binary(max_size=200).map(lambda b: ("binary", b)),
    json_values.filter(_not_a_ping).map(lambda v: ("text", json.dumps(v))),  # JSON that is not a frame
    frame_like.filter(_not_a_ping).map(lambda v: ("text", json.dumps(v))),  # almost frames
    st.builds(_nested, st.sampled_from([65, 1_000, 40_000]), st.sampled_from(["array", "object", "auth"])).map(
        lambda t: ("text", t)
    ),
    st.sampled_from(["NaN", "[Infinity]", '{"action": NaN}', "9" * 5000, '{"x": ' + "9" * 5000 + "}"]).map(
        lambda t: ("text", t)
    ),
    st.sampled_from([DEFAULT_MAX_BODY + 1, 4 * DEFAULT_MAX_BODY]).map(lambda n: ("text", '"' + "x" * n + '"')),
    st.sampled_from([DEFAULT_MAX_BODY + 1]).map(lambda n: ("binary", b"\0" * n)),
)


def _answer_ok(frame: dict[str, Any]) -> bool:
    if frame.get("type") == "error":
        return not validate("wire/ws-error-frame", frame)
    if frame.get("type") == "auth":
        return not validate("wire/ws-auth-reply", frame)
    return False


# --- the test ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client() -> Iterator[Loop]:
    loop = Loop()
    yield loop
    loop.close()


def test_hostile_frames_get_an_error_frame_or_a_clean_close(fuzz_server: MockServer, client: Loop) -> None:
    server = fuzz_server
    watcher = client.run(connect(client.http, server.ws_url, "watcher"))
    assert client.run(watcher.auth("dave", login(server, "dave")))["body"]["code"] == "200"  # type: ignore[index]
    errors_before = len(server.journal(kinds=["error"]))
    state: dict[str, Socket] = {}
    outcomes = {"answered": 0, "closed": 0, "silent": 0}

    async def socket_for(authenticated: bool) -> Socket:
        key = "auth" if authenticated else "anon"
        sock = state.get(key)
        if sock is None or sock.closed is not None or sock.ws.closed:
            sock = await connect(client.http, server.ws_url, f"fuzz-{key}")
            if authenticated:
                reply = await sock.auth("carol", login(server, "carol"))
                assert reply == {"type": "auth", "body": {"code": "200", "status": "OK"}}, reply
            state[key] = sock
        return sock

    @settings(
        max_examples=FRAMES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(frame=hostile, authenticated=st.booleans())
    def one(frame: tuple[str, Any], authenticated: bool) -> None:
        async def go() -> None:
            sock = await socket_for(authenticated)
            kind, payload = frame
            try:
                if kind == "binary":
                    await sock.ws.send_bytes(payload)
                else:
                    await sock.ws.send_str(payload)
            except (ConnectionError, RuntimeError):
                pass  # the server closed while the frame was going out: judged by the close below
            answer = await sock.sync()
            if isinstance(answer, Closed):
                assert answer.code in CLEAN_CLOSES, f"{kind} {str(payload)[:80]!r}: closed with {answer.code}"
                outcomes["closed"] += 1
                return
            assert all(_answer_ok(f) for f in answer), f"{kind} {str(payload)[:80]!r} got {answer}"
            outcomes["answered" if answer else "silent"] += 1

        client.run(go())

    one()
    # still serving: the watcher's ping is answered, and ringside journaled no failure of its own
    assert client.run(watcher.sync()) == []
    failures = server.journal(kinds=["error"])[errors_before:]
    assert failures == [], failures[0]
    assert outcomes["answered"] > 0 and outcomes["closed"] > 0, outcomes
    for sock in [watcher, *state.values()]:
        client.run(sock.close())


def test_each_kind_of_hostile_frame_on_its_own(fuzz_server: MockServer, client: Loop) -> None:
    """The kinds the issue names, one by one, with what each must get."""
    server = fuzz_server
    cases: list[tuple[str, Any, str]] = [
        ("text", "not json at all", "ERR_BAD_WS_FRAME"),
        ("binary", b"\x00\x01\x02", "ERR_BAD_WS_FRAME"),
        ("text", "[" * 100_000 + "]" * 100_000, "error"),
        ("text", '{"a":' * 40_000 + "1" + "}" * 40_000, "error"),
        ("text", '{"action": "ping", "x": NaN}', "error"),
        ("text", "9" * 5000, "error"),
        ("text", '"' + "x" * (DEFAULT_MAX_BODY + 1) + '"', "close"),
    ]

    async def go() -> None:
        for kind, payload, expected in cases:
            sock = await connect(client.http, server.ws_url, "one-by-one")
            if kind == "binary":
                await sock.ws.send_bytes(payload)
            else:
                await sock.ws.send_str(payload)
            answer = await sock.sync()
            label = f"{kind} {str(payload)[:40]!r}"
            if expected == "close":
                assert isinstance(answer, Closed) and answer.code == 1009, f"{label}: {answer}"
                refused = server.journal(kinds=["ws.in"])[-1]
                assert "1009" in str(refused.get("refused")) or "MESSAGE_TOO_BIG" in str(refused.get("refused"))
                continue
            assert not isinstance(answer, Closed), f"{label}: closed with {answer.code}"
            assert len(answer) == 1 and _answer_ok(answer[0]), f"{label}: {answer}"
            if expected != "error":
                assert answer[0]["body"]["code"] == expected, f"{label}: {answer}"
            await sock.close()

    client.run(go())
    assert server.journal(kinds=["error"]) == []


@pytest.mark.parametrize("size", [DEFAULT_MAX_BODY + 1, 4 * DEFAULT_MAX_BODY, 16 * DEFAULT_MAX_BODY])
def test_an_oversized_frame_is_always_refused_with_1009_never_a_reset(
    fuzz_server: MockServer, client: Loop, size: int
) -> None:
    """Found by the frame fuzzer: the server closed the connection while the rest of the oversized frame
    was still arriving, so the kernel reset it and the client saw 1006 (no close frame) about half the
    time. Now the server reads and drops the rest before closing (a lingering close): 1009 every time,
    and the server keeps serving."""
    server = fuzz_server

    async def go() -> list[int | None]:
        codes: list[int | None] = []
        for attempt in range(8):
            sock = await connect(client.http, server.ws_url, f"too-big-{attempt}")
            try:
                await sock.ws.send_str('"' + "x" * size + '"')
            except (ConnectionError, RuntimeError):
                pass
            answer = await sock.sync()
            codes.append(answer.code if isinstance(answer, Closed) else -1)
        watcher = await connect(client.http, server.ws_url, "after-too-big")
        assert await watcher.sync() == []
        await watcher.close()
        return codes

    assert client.run(go()) == [1009] * 8
    assert server.journal(kinds=["error"]) == []
