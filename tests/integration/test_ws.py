"""The chat WebSocket over a real socket: auth, ping/pong, the echo rule, garbage, and schema-valid frames."""

from __future__ import annotations

import json

import aiohttp
import pytest
from support import Api, Device, auth_frame, online_device, open_device, settle, sid_of, status_of

from mockserver.schemas import validate

AUTH_OK = {"type": "auth", "body": {"code": "200", "status": "OK"}}


async def test_auth_and_ping(api: Api, http, server):
    alice = await api.login("alice")
    device = await open_device(http, server.ws_url, "WEB-A")
    reply = await device.auth(alice)
    assert reply == AUTH_OK
    assert isinstance(reply["body"]["code"], str), "the SDK compares with the string '200'"
    await device.send({"action": "ping", "ack": "true"})
    assert await device.recv() == {"action": "pong"}
    assert await device.sync() == []


async def test_ws_url_is_the_root_and_settings_point_at_it(api: Api, http, server):
    alice = await api.login("alice")
    settings = alice.me["settings"]
    url = f"ws://{settings['CHAT_HOST']}:{settings['CHAT_WSS_PORT']}"
    device = await open_device(http, url, "WEB-A")
    assert await device.auth(alice) == AUTH_OK


async def test_echo_rule_stamps_the_acting_resource_and_reaches_every_device(api: Api, http, server):
    alice, bob, carol = [await api.login(uid) for uid in ("alice", "bob", "carol")]
    a1 = await online_device(http, server.ws_url, alice, "WEB-A1")
    a2 = await online_device(http, server.ws_url, alice, "WEB-A2")
    b1 = await online_device(http, server.ws_url, bob, "WEB-B1")
    c1 = await online_device(http, server.ws_url, carol, "WEB-C1")

    initiated = await api.initiate(alice, "bob", resource="WEB-A1")
    for device in (a1, a2, b1):
        frames = await device.calls()
        assert len(frames) == 1, (device.resource, frames)
        frame = frames[0]
        assert frame["deviceId"] == "WEB-A1", "stamped with the acting request's resource"
        assert frame["body"] == initiated.data
        assert (frame["sender"], frame["receiver"], frame["receiverType"]) == ("alice", "bob", "user")
        assert frame["appId"] == "ringside"
    assert await c1.calls() == [], "an outsider hears nothing"

    sid = sid_of(initiated.data)
    accepted = await api.update(bob, sid, "ongoing", resource="WEB-B1")
    for device in (a1, a2, b1):
        (frame,) = await device.calls()
        assert frame["deviceId"] == "WEB-B1" and frame["body"] == accepted.data
        assert status_of(frame["body"]) == "ongoing"
    ended = await api.update(alice, sid, "ended", resource="WEB-A2")
    for device in (a1, a2, b1):
        (frame,) = await device.calls()
        assert frame["deviceId"] == "WEB-A2" and status_of(frame["body"]) == "ended"
        assert frame["body"] == ended.data
    assert await c1.calls() == []


async def test_group_decline_reaches_only_the_decliner(api: Api, http, server):
    alice, bob, carol = [await api.login(uid) for uid in ("alice", "bob", "carol")]
    devices = {
        uid: await online_device(http, server.ws_url, login, f"WEB-{uid}")
        for uid, login in (("alice", alice), ("bob", bob), ("carol", carol))
    }
    sid = sid_of((await api.initiate(alice, "team", receiver_type="group", resource="WEB-alice")).data)
    for device in devices.values():
        (frame,) = await device.calls()
        assert status_of(frame["body"]) == "initiated" and frame["receiverType"] == "group"

    await api.update(bob, sid, "rejected", resource="WEB-bob")
    (frame,) = await devices["bob"].calls()
    assert status_of(frame["body"]) == "rejected" and frame["deviceId"] == "WEB-bob"
    assert await devices["alice"].calls() == [] and await devices["carol"].calls() == []

    await api.update(carol, sid, "busy", resource="WEB-carol")  # the last decline: the call is over
    carol_frames = await devices["carol"].calls()
    assert [status_of(f["body"]) for f in carol_frames] == ["busy", "rejected"]
    for uid in ("alice", "bob"):
        (frame,) = await devices[uid].calls()
        assert status_of(frame["body"]) == "rejected"


async def test_group_join_reaches_only_the_joiner(api: Api, http, make_server):
    server = make_server(groups={"four": ["alice", "bob", "carol", "dave"]})
    api = Api(api.http, server.url)
    logins = {uid: await api.login(uid) for uid in ("alice", "bob", "carol", "dave")}
    devices = {uid: await online_device(http, server.ws_url, login, f"WEB-{uid}") for uid, login in logins.items()}
    sid = sid_of((await api.initiate(logins["alice"], "four", receiver_type="group")).data)
    await api.update(logins["bob"], sid, "ongoing", resource="WEB-bob")
    for device in devices.values():
        assert [status_of(f["body"]) for f in await device.calls()] == ["initiated", "ongoing"]
    joined = await api.update(logins["carol"], sid, "ongoing", resource="WEB-carol")
    assert status_of(joined.data) == "ongoing"
    (frame,) = await devices["carol"].calls()
    assert frame["body"] == joined.data
    for uid in ("alice", "bob", "dave"):
        assert await devices[uid].calls() == [], f"{uid} must not hear carol's join"


async def test_frame_without_resource_header_is_stamped_by_the_server(api: Api, http, server):
    alice, bob = await api.login("alice"), await api.login("bob")
    device = await online_device(http, server.ws_url, bob, "WEB-B")
    await api.initiate(alice, "bob")
    (frame,) = await device.calls()
    assert frame["deviceId"] == "ringside-system"


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda f: f["body"].update(auth="jwt.alice.wrong"), id="unknown-jwt"),
        pytest.param(lambda f: f["body"].pop("auth"), id="no-jwt"),
        pytest.param(lambda f: f.update(appId="other-app"), id="other-app"),
        pytest.param(lambda f: f.pop("deviceId"), id="no-device-id"),
    ],
)
async def test_bad_auth_gets_a_failure_then_close(api: Api, http, server, mutate):
    alice = await api.login("alice")
    device = await open_device(http, server.ws_url, "WEB-A")
    frame = auth_frame("alice", alice.jwt, "WEB-A")
    mutate(frame)
    await device.send(frame)
    reply = await device.recv()  # validated as wire/ws-auth-reply
    assert reply["type"] == "auth"
    assert reply["body"]["status"] == "ERROR" and reply["body"]["code"] != "200"
    closing = await device.expect_closed()
    assert closing.type is aiohttp.WSMsgType.CLOSE and closing.data == 4000
    settle(server, lambda hub: not hub.devices)


async def test_auth_failure_is_schema_valid(api: Api, http, server):
    device = await open_device(http, server.ws_url, "WEB-A")
    await device.send(auth_frame("alice", "nope", "WEB-A"))
    reply = await device.recv(validate=False)
    assert validate("wire/ws-auth-reply", reply) == []


@pytest.mark.parametrize(
    ("send", "code"),
    [
        pytest.param("this is not json", "ERR_BAD_WS_FRAME", id="not-json"),
        pytest.param("[1, 2, 3]", "ERR_BAD_WS_FRAME", id="json-array"),
        pytest.param('"auth"', "ERR_BAD_WS_FRAME", id="json-string"),
        pytest.param(b"\x00\x01binary", "ERR_BAD_WS_FRAME", id="binary"),
        pytest.param('{"type": "message", "body": {}}', "ERR_WS_NOT_AUTHENTICATED", id="before-auth"),
        pytest.param('{"action": "typing"}', "ERR_WS_NOT_AUTHENTICATED", id="action-before-auth"),
    ],
)
async def test_garbage_before_auth_gets_an_error_and_the_socket_stays_usable(api: Api, http, server, send, code):
    device = await open_device(http, server.ws_url, "WEB-A")
    if isinstance(send, bytes):
        await device.ws.send_bytes(send)
    else:
        await device.send(send)
    error = await device.recv()  # validated as wire/ws-error-frame
    assert error["type"] == "error" and error["body"]["code"] == code
    # still usable: ping works and auth succeeds
    assert await device.sync() == []
    assert await device.auth(await api.login("alice")) == AUTH_OK


@pytest.mark.parametrize(
    ("send", "code"),
    [
        pytest.param("{not json", "ERR_BAD_WS_FRAME", id="not-json"),
        pytest.param("[]", "ERR_BAD_WS_FRAME", id="json-array"),
        pytest.param("null", "ERR_BAD_WS_FRAME", id="json-null"),
        pytest.param(b"\xff", "ERR_BAD_WS_FRAME", id="binary"),
        pytest.param('{"foo": 1}', "ERR_BAD_WS_FRAME", id="no-type"),
        pytest.param('{"type": 5}', "ERR_BAD_WS_FRAME", id="type-not-string"),
    ],
)
async def test_garbage_after_auth_gets_an_error_and_calls_still_flow(api: Api, http, server, send, code):
    alice, bob = await api.login("alice"), await api.login("bob")
    device = await online_device(http, server.ws_url, bob, "WEB-B")
    if isinstance(send, bytes):
        await device.ws.send_bytes(send)
    else:
        await device.send(send)
    error = await device.recv()
    assert error["type"] == "error" and error["body"]["code"] == code
    await api.initiate(alice, "bob", resource="WEB-A")
    (frame,) = await device.calls()
    assert status_of(frame["body"]) == "initiated"


async def test_unknown_typed_frames_are_ignored(api: Api, http, server):
    device = await online_device(http, server.ws_url, await api.login("alice"), "WEB-A")
    await device.send({"type": "typing_started", "body": {"receiver": "bob"}})
    await device.send({"action": "receipts"})
    assert await device.sync() == []


async def test_reauth_on_the_same_socket_switches_user(api: Api, http, server):
    alice, bob = await api.login("alice"), await api.login("bob")
    device = await online_device(http, server.ws_url, alice, "WEB-X")
    assert await device.auth(bob) == AUTH_OK
    assert server.call(lambda hub: [(d.uid, d.resource) for d in hub.devices.values()]) == [("bob", "WEB-X")]


async def test_reauth_as_another_user_takes_the_first_offline(api: Api, http, server):
    alice, bob = await api.login("alice"), await api.login("bob")
    device = await online_device(http, server.ws_url, alice, "WEB-X")
    assert await device.auth(bob) == AUTH_OK
    assert (await api.request("GET", "/me", token=alice.token)).data["status"] == "offline"


async def test_presence_follows_sockets(api: Api, http, server):
    alice, bob = await api.login("alice"), await api.login("bob")
    assert alice.me["status"] == "offline"
    a1 = await online_device(http, server.ws_url, alice, "WEB-A1")
    a2 = await online_device(http, server.ws_url, alice, "WEB-A2")
    reply = await api.initiate(alice, "bob")
    assert reply.data["data"]["entities"]["by"]["entity"]["status"] == "online"
    assert reply.data["data"]["entities"]["for"]["entity"]["status"] == "offline"
    await a1.ws.close()
    settle(server, lambda hub: len(hub.devices) == 1)
    assert (await api.request("GET", "/me", token=alice.token)).data["status"] == "online", "one socket is left"
    await a2.ws.close()
    settle(server, lambda hub: not hub.backend.online)
    assert (await api.request("GET", "/me", token=alice.token)).data["status"] == "offline"
    assert (await api.request("GET", "/me", token=bob.token)).data["status"] == "offline"


@pytest.mark.parametrize("compress", [0, 15], ids=["plain", "permessage-deflate"])
async def test_frames_of_every_length_class_arrive_whole(api: Api, http, server, compress: int):
    """A frame goes straight to the transport (its own 2- or 4-byte header) when nothing is buffered and
    no compression was negotiated, else through aiohttp's writer (frames of 64 KiB and more, and every
    frame of a client that negotiated permessage-deflate, as the real SDK's does): each length class
    arrives whole and equal to the REST reply, either way."""
    alice, bob = await api.login("alice"), await api.login("bob")
    ws = await http.ws_connect(server.ws_url, compress=compress, autoclose=True)
    device = Device(ws=ws, resource="WEB-B1")
    assert await device.auth(bob) == AUTH_OK
    for pad in (0, 200, 70_000):  # < 126 bytes is impossible for a call frame; 126..65535; >= 65536
        body = {
            "type": "audio",
            "receiverType": "user",
            "category": "call",
            "receiver": "bob",
            "data": {"metadata": {"pad": "x" * pad}} if pad else {},
        }
        initiated = await api.request("POST", "/v3.0/calls", token=alice.token, body=body, resource="WEB-A1")
        assert initiated.status == 200, initiated
        (frame,) = await device.calls()
        assert frame["body"] == initiated.data, pad
        assert len(json.dumps(frame)) > pad
        await api.update(alice, sid_of(initiated.data), "cancelled", resource="WEB-A1")
        (cancelled,) = await device.calls()
        assert status_of(cancelled["body"]) == "cancelled"
    assert ws.compress == compress
