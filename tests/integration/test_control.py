"""The control API (/_ringside): reset, users, groups, clock, calls, journal, devices, callbacks, acting as users."""

from __future__ import annotations

import asyncio
import json

import pytest
from support import Api, check_journal, online_device, settle, sid_of, status_of

from mockserver import control
from mockserver.clock import VIRTUAL_EPOCH
from mockserver.exchange import Request
from mockserver.schemas import assert_valid


async def test_info(api: Api, server):
    for path in ("", "/", "/health"):
        info = (await api.control("GET", path)).data
        assert info["appId"] == "ringside" and info["apiKey"] == "ringside-api-key"
        assert info["port"] == server.server.port and info["tls"] is False
        assert info["clock"] == {"kind": "virtual", "now": VIRTUAL_EPOCH, "rate": 0.0}


# -- reset -------------------------------------------------------------------------------------------


async def test_reset_forgets_what_was_made_since_start(api: Api, server, http):
    alice = await api.login("alice")
    await api.control("POST", "/users", {"uid": "erin"})
    await api.control("POST", "/groups", {"guid": "g2", "members": ["alice", "bob"]})
    await api.initiate(alice, "bob")
    device = await online_device(http, server.ws_url, alice, "WEB-A")
    closing = asyncio.ensure_future(device.ws.receive())  # answer the server's close while reset waits for it

    reply = await api.control("POST", "/reset", {})
    assert reply.status == 200 and reply.data["now"] == VIRTUAL_EPOCH
    assert (await asyncio.wait_for(closing, 5)).data == 4000, "reset closes client sockets"

    assert (await api.control("GET", "/calls")).data == []
    assert [u["uid"] for u in (await api.control("GET", "/users")).data] == ["alice", "bob", "carol", "dave"]
    assert [g["guid"] for g in (await api.control("GET", "/groups")).data] == ["team"]
    stale = await api.request("GET", "/me", token=alice.token)
    assert stale.code == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND", "tokens are forgotten too"
    # ids start again from the seed
    again = await api.login("alice")
    assert again.token == alice.token


async def test_reset_can_clear_the_journal(api: Api, server):
    await api.login("alice")
    reply = await api.control("POST", "/reset", {"clearJournal": True})
    entries = server.journal()
    assert entries[0]["kind"] == "control" and entries[0]["action"] == "reset"
    assert entries[0]["seq"] == reply.data["journalSeq"]
    assert [e["kind"] for e in entries[1:]] == ["http.response"], "only the reset's own response follows"
    bad = await api.control("POST", "/reset", {"clearJournal": "yes"})
    assert bad.code == "ERR_VALIDATION_FAILED"


# -- users and groups ----------------------------------------------------------------------------------


async def test_users(api: Api, server, http):
    created = await api.control("POST", "/users", {"uid": "erin", "name": "Erin"})
    assert created.status == 200
    token = created.data["authToken"]
    assert created.data["uid"] == "erin" and created.data["authTokens"] == [token]
    me = await api.request("GET", "/me", token=token)
    assert me.data["name"] == "Erin"
    fresh = (await api.control("POST", "/users/erin/tokens")).data
    assert fresh["uid"] == "erin" and fresh["authToken"] != token

    alice = await api.login("alice")
    device = await online_device(http, server.ws_url, alice, "WEB-A")
    sid = sid_of((await api.initiate(alice, "bob")).data)
    rows = {row["uid"]: row for row in (await api.control("GET", "/users")).data}
    assert list(rows) == ["alice", "bob", "carol", "dave", "erin"]
    assert rows["alice"]["devices"] == ["WEB-A"] and rows["alice"]["status"] == "online"
    assert rows["alice"]["engagedIn"] == [sid] and rows["bob"]["engagedIn"] == [sid]
    assert rows["carol"]["engagedIn"] == [] and rows["erin"]["authTokens"] == [token, fresh["authToken"]]
    for row in rows.values():
        assert_valid("wire/user", row)
    assert device.uid == "alice"

    assert (await api.control("POST", "/users", {"uid": "erin"})).code == "ERR_UID_ALREADY_EXISTS"
    assert (await api.control("POST", "/users", {})).code == "ERR_VALIDATION_FAILED"
    assert (await api.control("POST", "/users", {"uid": "a/b"})).code == "ERR_VALIDATION_FAILED"
    assert (await api.control("POST", "/users", {"uid": "erin\n"})).code == "ERR_VALIDATION_FAILED"
    assert (await api.control("GET", "/users%0A")).code == "ERR_ENDPOINT_NOT_FOUND", "a final newline is no route"
    assert (await api.control("POST", "/users/zed/tokens")).code == "ERR_UID_NOT_FOUND"
    assert any(e.get("action") == "user-created" for e in server.journal(kinds=["control"]))


async def test_groups(api: Api):
    made = await api.control("POST", "/groups", {"guid": "duo", "name": "Duo", "members": ["bob", "carol"]})
    assert made.data["guid"] == "duo" and made.data["members"] == ["bob", "carol"]
    assert_valid("wire/group", made.data)
    listed = {g["guid"]: g for g in (await api.control("GET", "/groups")).data}
    assert listed["team"]["members"] == ["alice", "bob", "carol"] and listed["duo"]["owner"] == "bob"
    bob = await api.login("bob")
    call = await api.initiate(bob, "duo", receiver_type="group")
    assert call.status == 200 and call.data["receiver"] == "duo"
    assert (await api.control("POST", "/groups", {"guid": "x", "members": ["zed"]})).code == "ERR_UID_NOT_FOUND"
    assert (await api.control("POST", "/groups", {"guid": "x", "members": "bob"})).code == "ERR_VALIDATION_FAILED"
    assert (await api.control("POST", "/groups", {"guid": "x", "members": [1]})).code == "ERR_VALIDATION_FAILED"
    assert (await api.control("POST", "/groups", {"members": ["bob"]})).code == "ERR_VALIDATION_FAILED"


# -- the clock ---------------------------------------------------------------------------------------------


async def test_clock_read_and_advance(api: Api):
    clock = (await api.control("GET", "/clock")).data
    assert clock == {"kind": "virtual", "now": VIRTUAL_EPOCH, "rate": 0.0, "nextTimer": None, "timers": []}
    moved = (await api.control("POST", "/clock/advance", {"seconds": 12.5})).data
    assert moved == {"now": VIRTUAL_EPOCH + 12.5, "fired": [], "nextTimer": None}
    moved = (await api.control("POST", "/clock/advance", {"to": VIRTUAL_EPOCH + 100})).data
    assert moved["now"] == VIRTUAL_EPOCH + 100
    same = (await api.control("POST", "/clock/advance", {"seconds": 0})).data
    assert same["now"] == VIRTUAL_EPOCH + 100
    # time shows on the wire
    alice = await api.login("alice")
    call = await api.initiate(alice, "bob")
    assert call.data["sentAt"] == int(VIRTUAL_EPOCH + 100)


async def test_clock_refuses_backwards_and_bad_values(api: Api):
    await api.control("POST", "/clock/advance", {"seconds": 10})
    back = await api.control("POST", "/clock/advance", {"to": VIRTUAL_EPOCH + 5})
    assert (back.status, back.code) == (409, "ERR_CLOCK_REFUSED")
    negative = await api.control("POST", "/clock/advance", {"seconds": -1})
    assert negative.code == "ERR_CLOCK_REFUSED"
    for body in ({"seconds": "5"}, {"seconds": True}, {}, {"to": None}):
        assert (await api.control("POST", "/clock/advance", body)).code == "ERR_VALIDATION_FAILED", body
    assert (await api.control("GET", "/clock")).data["now"] == VIRTUAL_EPOCH + 10


@pytest.mark.parametrize("raw", [b'{"seconds": NaN}', b'{"to": NaN}', b'{"seconds": Infinity}', b'{"to": Infinity}'])
async def test_clock_refuses_non_finite_values(api: Api, raw):
    reply = await api.control("POST", "/clock/advance", raw=raw)
    assert (reply.status, reply.code) == (400, "ERR_BAD_JSON"), "strict JSON: NaN and Infinity are not JSON"
    assert (await api.control("GET", "/clock")).data["now"] == VIRTUAL_EPOCH


async def test_real_clock_cannot_be_moved(make_server, http):
    server = make_server(clock="real")
    api = Api(http, server.url, control_token=server.control_token)
    assert (await api.control("GET", "/clock")).data["kind"] == "real"
    refused = await api.control("POST", "/clock/advance", {"seconds": 1})
    assert (refused.status, refused.code) == (409, "ERR_CLOCK_REFUSED")


async def test_ring_expiry_on_the_virtual_clock(make_server, http):
    server = make_server(ring_timeout=30)
    api = Api(http, server.url, control_token=server.control_token)
    alice, bob = await api.login("alice"), await api.login("bob")
    a, b = [await online_device(http, server.ws_url, who, f"WEB-{who.uid}") for who in (alice, bob)]
    sid = sid_of((await api.initiate(alice, "bob", resource="WEB-alice")).data)
    for device in (a, b):
        assert [status_of(f["body"]) for f in await device.calls()] == ["initiated"]
    clock = (await api.control("GET", "/clock")).data
    assert clock["nextTimer"] == VIRTUAL_EPOCH + 30 and clock["timers"][0]["label"] == "ring-expiry"

    early = (await api.control("POST", "/clock/advance", {"seconds": 29.9})).data
    assert early["fired"] == []
    assert await a.calls() == [] and await b.calls() == []

    due = (await api.control("POST", "/clock/advance", {"seconds": 0.1})).data
    assert due["fired"] == ["ring-expiry"] and due["nextTimer"] is None
    for device in (a, b):
        (frame,) = await device.calls()
        assert status_of(frame["body"]) == "unanswered" and frame["deviceId"] == "ringside-system"
    assert (await api.control("GET", f"/calls/{sid}")).data["status"] == "unanswered"
    assert any(e.get("label") == "ring-expiry" for e in server.journal(kinds=["timer"]))


async def test_ring_expiry_on_a_scaled_clock(make_server, http):
    """The real-time timer path: 30 clock seconds at 100x are 300 ms; waited for with a deadline, not a sleep."""
    server = make_server(clock="scaled:100", ring_timeout=30)
    api = Api(http, server.url, control_token=server.control_token)
    alice, bob = await api.login("alice"), await api.login("bob")
    device = await online_device(http, server.ws_url, bob, "WEB-B")
    sid = sid_of((await api.initiate(alice, "bob", resource="WEB-A")).data)
    first = await device.recv()
    assert status_of(first["body"]) == "initiated"
    expired = await device.recv(timeout=10)
    assert status_of(expired["body"]) == "unanswered" and expired["deviceId"] == "ringside-system"
    assert sid_of(expired["body"]) == sid
    ended_at = expired["body"]["data"]["entities"]["on"]["entity"]["endedAt"]
    initiated_at = first["body"]["data"]["entities"]["on"]["entity"]["initiatedAt"]
    # whole clock seconds, and up to 100 ms of real lateness (10 clock s at 100x) on a loaded CI machine
    assert 29 <= ended_at - initiated_at <= 40, "expiry lands on the scaled clock's due time"
    refused = await api.control("POST", "/clock/advance", {"seconds": 1})
    assert refused.code == "ERR_CLOCK_REFUSED", "only a virtual clock can be moved"


async def test_answered_call_does_not_expire(make_server, http):
    server = make_server(ring_timeout=30)
    api = Api(http, server.url, control_token=server.control_token)
    alice, bob = await api.login("alice"), await api.login("bob")
    sid = sid_of((await api.initiate(alice, "bob")).data)
    await api.update(bob, sid, "ongoing")
    assert (await api.control("GET", "/clock")).data["nextTimer"] is None
    assert (await api.control("POST", "/clock/advance", {"seconds": 300})).data["fired"] == []
    assert (await api.control("GET", f"/calls/{sid}")).data["status"] == "ongoing"


# -- calls, journal, devices -----------------------------------------------------------------------


async def test_calls(api: Api):
    alice, bob = await api.login("alice"), await api.login("bob")
    first = sid_of((await api.initiate(alice, "bob")).data)
    await api.update(bob, first, "busy")
    second = sid_of((await api.initiate(bob, "team", receiver_type="group")).data)
    listed = (await api.control("GET", "/calls")).data
    assert [(c["sessionId"], c["status"]) for c in listed] == [(first, "busy"), (second, "initiated")]
    one = (await api.control("GET", f"/calls/{second}")).data
    assert one["ringing"] == ["alice", "carol"] and one["receiverType"] == "group" and one["caller"] == "bob"
    missing = await api.control("GET", "/calls/v1.nope")
    assert (missing.status, missing.code) == (404, "ERR_CALL_NOT_FOUND")


async def test_journal_since_and_kind(api: Api, server):
    await api.login("alice")
    whole = (await api.control("GET", "/journal")).data
    assert whole["lastSeq"] >= whole["entries"][-1]["seq"]
    assert whole["entries"][-1]["path"] == "/_ringside/journal", "the journal request is in, its response not yet"
    check_journal(whole["entries"][:-1])
    mid = whole["entries"][2]["seq"]
    since = (await api.control("GET", f"/journal?since={mid}")).data["entries"]
    assert since[0]["seq"] == mid + 1
    requests = (await api.control("GET", "/journal?kind=http.request")).data["entries"]
    assert {e["kind"] for e in requests} == {"http.request"}
    assert [e["path"] for e in requests][:2] == ["/users/alice/auth_tokens", "/v3.0/me"]
    both = (await api.control("GET", "/journal?kind=http.request,control")).data["entries"]
    assert {e["kind"] for e in both} == {"http.request", "control"}
    assert both[0]["kind"] == "control" and both[0]["action"] == "started" and both[0]["seq"] == 1
    later = (await api.control("GET", "/journal?kind=http.request,control&since=1")).data["entries"]
    assert later[: len(both) - 1] == both[1:], "the same entries, minus seq 1"
    assert {e["kind"] for e in later} == {"http.request"}
    assert (await api.control("GET", "/journal?since=abc")).code == "ERR_VALIDATION_FAILED"


async def test_journal_records_calls_and_frames(api: Api, server, http):
    alice, bob = await api.login("alice"), await api.login("bob")
    device = await online_device(http, server.ws_url, bob, "WEB-B")
    sid = sid_of((await api.initiate(alice, "bob", resource="WEB-A")).data)
    await device.calls()
    calls = server.journal(kinds=["call"])
    assert [(e["sessionId"], e["status"], e["actor"], e["device"]) for e in calls] == [
        (sid, "initiated", "alice", "WEB-A")
    ]
    out = [e for e in server.journal(kinds=["ws.out"]) if e.get("sessionId") == sid]
    assert [(e["uid"], e["device"], e["status"]) for e in out] == [("bob", "WEB-B", "initiated")]
    ins = server.journal(kinds=["ws.in"])
    assert [e["frame"].get("type") or e["frame"].get("action") for e in ins] == ["auth", "ping"]


async def test_devices_frame_counts(api: Api, server, http):
    alice, bob = await api.login("alice"), await api.login("bob")
    a = await online_device(http, server.ws_url, alice, "WEB-A")  # in: auth; out: auth ok
    b = await online_device(http, server.ws_url, bob, "WEB-B")
    await a.send("garbage")  # in: 1; out: error
    await a.recv()
    await api.initiate(alice, "bob", resource="WEB-A")  # out: 1 each
    await a.calls()  # in: ping; out: call + pong
    await b.calls()
    devices = {d["resource"]: d for d in (await api.control("GET", "/devices")).data}
    assert devices["WEB-A"]["uid"] == "alice" and devices["WEB-A"]["scripted"] is False
    assert (devices["WEB-A"]["framesReceived"], devices["WEB-A"]["framesSent"]) == (3, 4)
    assert (devices["WEB-B"]["framesReceived"], devices["WEB-B"]["framesSent"]) == (2, 3)
    assert devices["WEB-A"]["openedAt"] == VIRTUAL_EPOCH
    await b.ws.close()
    settle(server, lambda hub: len(hub.devices) == 1)
    assert [d["resource"] for d in (await api.control("GET", "/devices")).data] == ["WEB-A"]
    stats = (await api.control("GET", "/stats")).data
    assert stats["devices"] == 1 and stats["calls"] == 1 and stats["framesOut"] >= 7


async def test_devices_long_poll_until_a_user_has_authenticated(api: Api, server, http):
    alice = await api.login("alice")
    assert (await api.control("GET", "/devices?uid=alice")).data == []
    waiting = asyncio.ensure_future(api.control("GET", "/devices?uid=alice&wait=5"))
    await online_device(http, server.ws_url, alice, "WEB-A")
    assert [d["resource"] for d in (await asyncio.wait_for(waiting, 5)).data] == ["WEB-A"]
    assert (await api.control("GET", "/devices?uid=nobody&wait=0.05")).data == []
    assert (await api.control("GET", "/devices?uid=alice&wait=soon")).code == "ERR_VALIDATION_FAILED"


async def test_stats_count_every_frame_in(api: Api, server, http):
    device = await online_device(http, server.ws_url, await api.login("alice"), "WEB-A")
    await device.ws.send_bytes(b"\x00")
    await device.recv()
    await device.sync()
    received = sum(d["framesReceived"] for d in (await api.control("GET", "/devices")).data)
    assert received == 3
    assert (await api.control("GET", "/stats")).data["framesIn"] == received


# -- callbacks sink ------------------------------------------------------------------------------------


async def test_callbacks_sink(api: Api, server):
    report = {
        "callback": "onIncomingCallReceived",
        "listenerId": "L1",
        "call": {"sessionId": "v1.x", "status": "initiated"},
    }
    posted = await api.control("POST", "/callbacks/bob-1", report)
    assert (posted.status, posted.data) == (200, {})
    assert (await api.control("GET", "/callbacks/bob-1")).data == [report]
    assert (await api.control("GET", "/callbacks/nobody")).data == []
    entry = server.journal(kinds=["callback"])[-1]
    assert (entry["tag"], entry["callback"], entry["sessionId"], entry["status"]) == (
        "bob-1", "onIncomingCallReceived", "v1.x", "initiated",
    )  # fmt: skip
    assert (await api.control("POST", "/callbacks/bad tag", report)).code == "ERR_ENDPOINT_NOT_FOUND"
    assert (await api.control("POST", "/callbacks/t", None)).code == "ERR_VALIDATION_FAILED"


async def test_callbacks_long_poll(api: Api):
    waiting = asyncio.ensure_future(api.control("GET", "/callbacks/alice-1?count=2&wait=4"))
    await api.control("POST", "/callbacks/alice-1", {"callback": "a"})
    await api.control("POST", "/callbacks/alice-1", {"callback": "b"})
    reply = await asyncio.wait_for(waiting, 4)
    assert [r["callback"] for r in reply.data] == ["a", "b"]
    assert (await api.control("GET", "/callbacks/alice-1?count=x&wait=1")).code == "ERR_VALIDATION_FAILED"


# -- loopback only ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("remote", ["10.0.0.1", "192.168.1.5", "::ffff:10.0.0.1", "example.com", None])
def test_control_refuses_non_loopback(server, remote):
    request = Request(method="GET", path="/_ringside/users", remote=remote)
    reply = server.call_async(lambda hub: control.handle(hub, request))
    assert reply.status == 403 and reply.body["error"]["code"] == "ERR_CONTROL_FORBIDDEN"
    assert_valid("wire/error-envelope", reply.body)


@pytest.mark.parametrize("remote", ["127.0.0.1", "127.1.2.3", "::1"])
def test_control_answers_loopback(server, remote):
    headers = {"host": "127.0.0.1", "authorization": f"Bearer {server.control_token}"}
    request = Request(method="GET", path="/_ringside/clock", headers=headers, remote=remote)
    assert server.call_async(lambda hub: control.handle(hub, request)).status == 200


def test_refused_control_changes_nothing(server):
    body = json.dumps({"uid": "erin"}).encode()
    request = Request(method="POST", path="/_ringside/users", body=body, remote="10.0.0.1")
    server.call_async(lambda hub: control.handle(hub, request))
    assert "erin" not in server.call(lambda hub: list(hub.backend.directory.users))


# -- acting as a user ------------------------------------------------------------------------------------


async def test_act_as_user(api: Api, server, http):
    alice, bob = await api.login("alice"), await api.login("bob")
    a = await online_device(http, server.ws_url, alice, "WEB-A")
    b = await online_device(http, server.ws_url, bob, "WEB-B")
    placed = await api.control("POST", "/calls", {"as": "alice", "receiver": "bob", "callType": "video"})
    assert placed.status == 200
    assert_valid("wire/call-message", placed.data)
    assert placed.data["type"] == "video" and placed.data["data"]["resource"] == "ringside-control"
    sid = sid_of(placed.data)
    for device in (a, b):
        (frame,) = await device.calls()
        assert frame["deviceId"] == "ringside-control" and frame["body"] == placed.data

    accepted = await api.control("PUT", f"/calls/{sid}", {"as": "bob", "status": "ongoing"})
    assert_valid("wire/call-message", accepted.data)
    assert status_of(accepted.data) == "ongoing"
    for device in (a, b):
        (frame,) = await device.calls()
        assert status_of(frame["body"]) == "ongoing"

    refused = await api.control("PUT", f"/calls/{sid}", {"as": "carol", "status": "ended"})
    assert refused.code == "ERR_NOT_A_PARTICIPANT"
    assert (await api.control("PUT", f"/calls/{sid}", {"as": "bob"})).code == "ERR_VALIDATION_FAILED"
    assert (await api.control("PUT", f"/calls/{sid}", {"as": "bob", "status": "nah"})).code == "ERR_INVALID_CALL_STATUS"
    assert (await api.control("PUT", f"/calls/{sid}", {"as": "zed", "status": "ended"})).code == "ERR_UID_NOT_FOUND"
    group = await api.control("POST", "/calls", {"as": "carol", "receiver": "team", "receiverType": "group"})
    assert group.data["receiverType"] == "group" and group.data["type"] == "audio"
    assert (await api.control("POST", "/calls", {"receiver": "bob"})).code == "ERR_VALIDATION_FAILED"
    assert (await api.control("POST", "/calls", {"as": "bob", "receiver": "bob"})).code == "ERR_CANNOT_CALL_SELF"
    ended = await api.control("PUT", f"/calls/{sid}", {"as": "alice", "status": "ended"})
    assert status_of(ended.data) == "ended"
    acted = [e for e in server.journal(kinds=["call"]) if e["sessionId"] == sid]
    assert [(e["actor"], e["device"]) for e in acted] == [
        ("alice", "ringside-control"), ("bob", "ringside-control"), ("alice", "ringside-control"),
    ]  # fmt: skip


async def test_act_as_user_refuses_a_bad_receiver_type(api: Api, server):
    reply = await api.control("POST", "/calls", {"as": "alice", "receiver": "bob", "receiverType": "room"})
    assert (reply.status, reply.code) == (400, "ERR_VALIDATION_FAILED")
    assert server.journal(kinds=["error"]) == []


async def test_act_as_user_refuses_a_bad_call_type(api: Api):
    reply = await api.control("POST", "/calls", {"as": "alice", "receiver": "bob", "callType": "fax"})
    assert (reply.status, reply.code) == (400, "ERR_VALIDATION_FAILED")
    assert (await api.control("GET", "/calls")).data == []


def test_facade(server):
    token = server.add_user("erin", "Erin")
    assert token.startswith("erin_")
    server.add_group("pair", ["erin", "alice"])
    assert server.virtual and server.now() == VIRTUAL_EPOCH and server.ca_file is None
    assert server.advance(5)["now"] == VIRTUAL_EPOCH + 5
    assert server.advance_to(VIRTUAL_EPOCH + 9)["now"] == VIRTUAL_EPOCH + 9
    with pytest.raises(RuntimeError, match="ERR_CLOCK_REFUSED"):
        server.advance_to(VIRTUAL_EPOCH)
    server.reset(clear_journal=True)
    assert "erin" not in server.call(lambda hub: list(hub.backend.directory.users))


# -- the journal file -------------------------------------------------------------------------------------


async def test_journal_file_holds_every_entry(make_server, http, tmp_path):
    path = tmp_path / "journal.jsonl"
    server = make_server(journal_path=path)
    api = Api(http, server.url, control_token=server.control_token)
    await api.login("alice")
    memory = server.journal()
    on_disk = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["seq"] for e in on_disk] == [e["seq"] for e in memory]
    assert [e["kind"] for e in on_disk] == [e["kind"] for e in memory]


async def test_journal_file_matches_memory(make_server, http, tmp_path):
    path = tmp_path / "journal.jsonl"
    server = make_server(journal_path=path)
    api = Api(http, server.url, control_token=server.control_token)
    await api.login("alice")
    memory = json.loads(json.dumps(server.journal(), default=str))
    on_disk = [json.loads(line) for line in path.read_text().splitlines()]
    assert on_disk == memory
