"""The CometChat REST API over real HTTP: login, settings, users, calls, call logs, telemetry, CORS."""

from __future__ import annotations

import pytest
from support import API_KEY, APP_ID, LOGIN_BODY, Api, sid_of, status_of

from mockserver.config import ServerConfig
from mockserver.schemas import assert_valid

ORIGIN = "http://localhost:5173"
REQUIRED_CORS_HEADERS = {"appid", "authtoken", "apikey", "resource", "sdk", "content-type"}


# -- login ---------------------------------------------------------------------------------------------


async def test_login_flow(api: Api, server):
    minted = await api.request("POST", "/users/alice/auth_tokens", api_key=API_KEY, body=LOGIN_BODY)
    assert minted.status == 200
    assert_valid("wire/data-envelope", minted.body)
    assert_valid("wire/auth-token", minted.data)
    assert minted.data["uid"] == "alice"
    token = minted.data["authToken"]

    me = await api.request("PUT", "/me", token=token, body=LOGIN_BODY)
    assert me.status == 200
    assert_valid("wire/me", me.data)
    data = me.data
    assert data["uid"] == "alice" and data["name"] == "Alice"
    assert data["authToken"] == token, "the SDK logs in twice unless /me echoes the token"
    assert data["jwt"]
    settings = data["settings"]
    assert_valid("wire/settings", settings)
    port = server.server.port
    assert settings["CLIENT_API_HOST"] == settings["ADMIN_API_HOST"] == f"127.0.0.1:{port}"
    assert settings["CHAT_HOST"] == "127.0.0.1" and int(settings["CHAT_WSS_PORT"]) == port
    assert settings["CHAT_API_VERSION"] == "v3.0"
    assert settings["ANALYTICS_PING_DISABLED"] is True
    assert settings["APP_VERSION"] == 3


async def test_settings_advertise_the_public_host(make_server, http):
    server = make_server(public_host="mock.test")
    port = server.server.port
    settings = (await Api(http, f"http://127.0.0.1:{port}").request("GET", "/settings")).data
    assert settings["CLIENT_API_HOST"] == settings["ADMIN_API_HOST"] == f"mock.test:{port}"
    assert settings["CHAT_HOST"] == "mock.test"
    # a server bound to every interface tells the SDK to come back on loopback (not started here)
    assert ServerConfig(host="0.0.0.0").advertised_host == "127.0.0.1"
    assert ServerConfig(host="::").advertised_host == "127.0.0.1"


async def test_each_login_gets_a_new_token_and_its_own_jwt(api: Api):
    first, second = await api.login("bob"), await api.login("bob")
    assert first.token != second.token
    assert first.jwt != second.jwt, "one jwt per login: a logout revokes only its own (test_slow_consumers.py)"
    for login in (first, second):
        me = await api.request("GET", "/v3.0/me", token=login.token)
        assert me.data["authToken"] == login.token


@pytest.mark.parametrize("path", ["/me", "/v3.0/me", "/foo/bar/me", "/v3.0/me/", "me"])
async def test_any_path_prefix(api: Api, path):
    login = await api.login("alice")
    reply = await api.request("PUT", path if path.startswith("/") else "/" + path, token=login.token, body=LOGIN_BODY)
    assert reply.status == 200 and reply.data["uid"] == "alice"


@pytest.mark.parametrize(
    "path", ["/users/bob/auth_tokens", "/v3.0/users/bob/auth_tokens", "/x/y/users/bob/auth_tokens"]
)
async def test_auth_tokens_on_any_prefix(api: Api, path):
    reply = await api.request("POST", path, api_key=API_KEY, body=LOGIN_BODY)
    assert reply.status == 200 and reply.data["uid"] == "bob"


async def test_get_settings_needs_no_auth_and_matches_me(api: Api):
    login = await api.login("alice")
    for path in ("/settings", "/v3.0/settings"):
        reply = await api.request("GET", path, app_id=None)
        assert reply.status == 200
        assert_valid("wire/settings", reply.data)
        assert reply.data == login.me["settings"]


async def test_header_names_are_case_insensitive(api: Api):
    login = await api.login("alice")
    reply = await api.request("GET", "/me", headers={"AUTHTOKEN": login.token, "APPID": APP_ID})
    assert reply.status == 200 and reply.data["uid"] == "alice"


async def test_logout_revokes_the_token(api: Api):
    login = await api.login("alice")
    out = await api.request("DELETE", "/v3.0/me", token=login.token)
    assert out.status == 200 and out.data == {}
    again = await api.request("GET", "/v3.0/me", token=login.token)
    assert (again.status, again.code) == (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")


async def test_unknown_user_cannot_log_in_unless_auto_users(api: Api, make_server, http):
    refused = await api.request("POST", "/users/zed/auth_tokens", api_key=API_KEY, body=LOGIN_BODY)
    assert (refused.status, refused.code) == (404, "ERR_UID_NOT_FOUND")
    auto = Api(http, make_server(auto_create_users=True).url)
    login = await auto.login("zed")
    assert login.me["uid"] == "zed" and login.me["name"] == "Zed"


# -- auth refusals ---------------------------------------------------------------------------------


async def test_unknown_or_missing_token(api: Api):
    for token in ("nope", "alice_0000", None):
        reply = await api.request("GET", "/v3.0/me", token=token)
        assert (reply.status, reply.code) == (401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")


async def test_token_of_another_server_is_unknown(api: Api, make_server, http):
    other = await Api(http, make_server(seed=99).url).login("alice")
    reply = await api.request("GET", "/me", token=other.token)
    assert reply.code == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"


@pytest.mark.parametrize("key", ["wrong", "", None])
async def test_wrong_api_key(api: Api, key):
    reply = await api.request("POST", "/users/alice/auth_tokens", api_key=key, body=LOGIN_BODY)
    assert (reply.status, reply.code) == (401, "AUTH_ERR_APIKEY_NOT_FOUND")


async def test_wrong_app_id_header(api: Api):
    login = await api.login("alice")
    for reply in (
        await api.request("GET", "/me", token=login.token, app_id="someone-else"),
        await api.request("POST", "/users/alice/auth_tokens", api_key=API_KEY, body=LOGIN_BODY, app_id="x"),
    ):
        assert (reply.status, reply.code) == (401, "ERR_APPID_MISMATCH")
        assert reply.body["error"]["details"] == {"appId": reply.body["error"]["details"]["appId"]}


async def test_on_behalf_of_another_user_is_refused(api: Api):
    login = await api.login("alice")
    reply = await api.request("GET", "/me", token=login.token, headers={"onBehalfOfUser": "bob"})
    assert (reply.status, reply.code) == (403, "ERR_AUTH_TOKEN_USER_MISMATCH")
    same = await api.request("GET", "/me", token=login.token, headers={"onBehalfOfUser": "alice"})
    assert same.status == 200


async def test_token_cannot_act_on_someone_elses_call(api: Api):
    alice, bob, carol = await api.login("alice"), await api.login("bob"), await api.login("carol")
    sid = sid_of((await api.initiate(alice, "bob")).data)
    for status in ("ongoing", "rejected", "cancelled", "ended"):
        reply = await api.update(carol, sid, status)
        assert (reply.status, reply.code) == (403, "ERR_NOT_A_PARTICIPANT")
    reply = await api.request("GET", f"/v3.0/calls/{sid}", token=carol.token)
    assert reply.code == "ERR_NOT_A_PARTICIPANT"
    reply = await api.request("POST", "/v3.0/call_tokens", token=carol.token, body={"sessionId": sid})
    assert reply.code == "ERR_NOT_A_PARTICIPANT"
    # the call is untouched: bob can still answer
    assert (await api.update(bob, sid, "ongoing")).status == 200


# -- users ---------------------------------------------------------------------------------------------


async def test_create_user(api: Api):
    body = {"uid": "erin", "name": "Erin E.", "avatar": "https://x/e.png", "role": "vip", "metadata": {"a": 1},
            "hasBlockedMe": False, "blockedByMe": False, "deactivatedAt": 0}  # fmt: skip
    reply = await api.request("POST", "/v3.0/users", api_key=API_KEY, body=body)
    assert reply.status == 200
    assert_valid("wire/user", reply.data)
    assert {k: reply.data[k] for k in ("uid", "name", "avatar", "role", "metadata")} == {
        "uid": "erin", "name": "Erin E.", "avatar": "https://x/e.png", "role": "vip", "metadata": {"a": 1},
    }  # fmt: skip
    login = await api.login("erin")
    assert login.me["name"] == "Erin E."
    fetched = await api.request("GET", "/v3.0/users/erin", token=login.token)
    assert fetched.data["uid"] == "erin"
    again = await api.request("POST", "/users", api_key=API_KEY, body=body)
    assert (again.status, again.code) == (409, "ERR_UID_ALREADY_EXISTS")


@pytest.mark.parametrize(
    "body",
    [
        {"uid": "erin"},
        {"name": "Erin"},
        {"uid": "er in", "name": "Erin"},
        {"uid": 5, "name": "Erin"},
        {"uid": "erin", "name": ""},
    ],
)
async def test_create_user_refuses_bad_bodies(api: Api, body):
    reply = await api.request("POST", "/users", api_key=API_KEY, body=body)
    assert (reply.status, reply.code) == (400, "ERR_VALIDATION_FAILED")


async def test_create_user_needs_the_api_key(api: Api):
    login = await api.login("alice")
    reply = await api.request("POST", "/users", token=login.token, body={"uid": "erin", "name": "Erin"})
    assert reply.code == "AUTH_ERR_APIKEY_NOT_FOUND"


# -- call flows --------------------------------------------------------------------------------------

FLOWS = {
    "accept-caller-ends": [("bob", "ongoing"), ("alice", "ended")],
    "accept-callee-ends": [("bob", "ongoing"), ("bob", "ended")],
    "reject": [("bob", "rejected")],
    "busy": [("bob", "busy")],
    "cancel": [("alice", "cancelled")],
    "unanswered": [("alice", "unanswered")],
}


@pytest.mark.parametrize("flow", list(FLOWS))
async def test_user_call_flow(api: Api, server, flow):
    users = {uid: await api.login(uid) for uid in ("alice", "bob")}
    initiated = await api.initiate(users["alice"], "bob", call_type="video", resource="WEB-A")
    assert initiated.status == 200
    assert_valid("wire/call-message", initiated.data)
    assert status_of(initiated.data) == "initiated"
    sid = sid_of(initiated.data)
    assert sid.startswith(f"v1.eu.{APP_ID}.")
    for uid, status in FLOWS[flow]:
        reply = await api.update(users[uid], sid, status, resource=f"WEB-{uid}")
        assert reply.status == 200, reply.body
        assert_valid("wire/call-message", reply.data)
        assert status_of(reply.data) == status == reply.data["data"]["action"]
        assert reply.data["sender"] == uid and sid_of(reply.data) == sid
        assert reply.data["data"]["resource"] == f"WEB-{uid}"
    final = FLOWS[flow][-1][1]
    snapshot = server.data("GET", f"/calls/{sid}")
    assert snapshot["status"] == final
    # a terminal call takes nothing more
    late = await api.update(users["bob"], sid, "ongoing")
    assert (late.status, late.code) == (409, "ERR_CALL_ALREADY_ENDED")


async def test_callee_end_carries_joined_at(api: Api):
    """endCall from the callee sends joinedAt too (wire facts §2.7): accepted and ignored."""
    alice, bob = await api.login("alice"), await api.login("bob")
    sid = sid_of((await api.initiate(alice, "bob")).data)
    accepted = await api.update(bob, sid, "ongoing")
    joined_at = accepted.data["data"]["entities"]["on"]["entity"]["joinedAt"]
    reply = await api.request(
        "PUT", f"/v3.0/calls/{sid}", token=bob.token, body={"status": "ended", "joinedAt": joined_at}
    )
    assert reply.status == 200 and status_of(reply.data) == "ended"


@pytest.mark.parametrize(
    ("actor", "status", "code", "http_status"),
    [
        ("alice", "ongoing", "ERR_CALL_ROLE_NOT_ALLOWED", 403),
        ("bob", "cancelled", "ERR_CALL_ROLE_NOT_ALLOWED", 403),
        ("alice", "ended", "ERR_CALL_WRONG_STATE", 409),
    ],
)
async def test_refused_moves_over_rest(api: Api, actor, status, code, http_status):
    users = {uid: await api.login(uid) for uid in ("alice", "bob")}
    sid = sid_of((await api.initiate(users["alice"], "bob")).data)
    reply = await api.update(users[actor], sid, status)
    assert (reply.status, reply.code) == (http_status, code)
    assert reply.body["error"]["details"]["sessionId"] == sid


async def test_group_call_flow(api: Api):
    alice, bob, carol = [await api.login(uid) for uid in ("alice", "bob", "carol")]
    initiated = await api.initiate(alice, "team", receiver_type="group")
    assert_valid("wire/call-message", initiated.data)
    assert initiated.data["data"]["entities"]["for"]["entityType"] == "group"
    sid = sid_of(initiated.data)
    declined = await api.update(bob, sid, "rejected")
    assert_valid("wire/call-message", declined.data)
    assert status_of(declined.data) == "rejected"
    accepted = await api.update(carol, sid, "ongoing")
    assert status_of(accepted.data) == "ongoing"
    assert (await api.update(bob, sid, "ended")).code == "ERR_NOT_IN_CALL"
    assert (await api.update(bob, sid, "ongoing")).code == "ERR_CALL_ALREADY_ANSWERED"
    ended = await api.update(carol, sid, "ended")
    assert_valid("wire/call-message", ended.data)
    assert status_of(ended.data) == "ended"


async def test_initiate_refusals(api: Api):
    alice, dave = await api.login("alice"), await api.login("dave")
    assert (await api.initiate(alice, "zed")).code == "ERR_RECEIVER_NOT_FOUND"
    assert (await api.initiate(alice, "nogroup", receiver_type="group")).code == "ERR_RECEIVER_NOT_FOUND"
    assert (await api.initiate(alice, "alice")).code == "ERR_CANNOT_CALL_SELF"
    assert (await api.initiate(dave, "team", receiver_type="group")).code == "ERR_NOT_A_MEMBER"


# -- call logs, call tokens, telemetry ---------------------------------------------------------------


async def test_call_logs(api: Api, server):
    alice, bob, carol = [await api.login(uid) for uid in ("alice", "bob", "carol")]
    first = sid_of((await api.initiate(alice, "bob")).data)
    await api.update(bob, first, "ongoing")
    server.advance(90)
    await api.update(alice, first, "ended")
    second = sid_of((await api.initiate(bob, "carol", call_type="video")).data)

    for path in ("/calls", "/v3.0/calls"):
        logs = await api.request("GET", path, token=bob.token)
        assert logs.status == 200
        assert [log["sessionId"] for log in logs.data] == [second, first], "newest first"
        for log in logs.data:
            assert_valid("wire/call-log", log)
    assert [log["sessionId"] for log in (await api.request("GET", "/calls", token=alice.token)).data] == [first]
    assert [log["sessionId"] for log in (await api.request("GET", "/calls", token=carol.token)).data] == [second]

    one = await api.request("GET", f"/v3.0/calls/{first}", token=alice.token)
    assert_valid("wire/call-log", one.data)
    assert one.data["status"] == "ended" and one.data["totalDuration"] == 90
    assert one.data["initiator"] == "alice" and one.data["receiver"] == "bob"
    ringing = await api.request("GET", f"/calls/{second}", token=carol.token)
    assert ringing.data["status"] == "initiated" and ringing.data["endedAt"] is None
    missing = await api.request("GET", "/calls/v1.eu.ringside.nope", token=alice.token)
    assert (missing.status, missing.code) == (404, "ERR_CALL_NOT_FOUND")
    newline = await api.request("GET", "/v3.0/calls/%0A", token=alice.token)  # a session id of "\n"
    assert (newline.status, newline.code) == (404, "ERR_CALL_NOT_FOUND"), "not the call log (GET /calls)"


async def test_call_logs_newest_first_at_the_same_instant(api: Api):
    alice, bob = await api.login("alice"), await api.login("bob")
    first = sid_of((await api.initiate(alice, "bob")).data)
    second = sid_of((await api.initiate(bob, "carol")).data)
    logs = await api.request("GET", "/calls", token=bob.token)
    assert [log["sessionId"] for log in logs.data] == [second, first]


async def test_call_tokens(api: Api):
    alice, bob = await api.login("alice"), await api.login("bob")
    sid = sid_of((await api.initiate(alice, "bob")).data)
    tokens = []
    for who in (alice, bob):
        reply = await api.request("POST", "/v3.0/call_tokens", token=who.token, body={"sessionId": sid})
        assert reply.status == 200
        assert_valid("wire/call-token", reply.data)
        tokens.append(reply.data["token"])
    assert tokens[0] != tokens[1]
    unknown = await api.request("POST", "/call_tokens", token=alice.token, body={"sessionId": "v1.x"})
    assert unknown.code == "ERR_CALL_NOT_FOUND"
    bad = await api.request("POST", "/call_tokens", token=alice.token, body={})
    assert bad.code == "ERR_VALIDATION_FAILED"


async def test_user_sessions_telemetry(api: Api):
    login = await api.login("alice")
    body = {"sessionId": "ab" * 32, "data": {"platform": "javascript"}, "generatedAt": 1795608130}
    reply = await api.request("POST", "/v3.0/user_sessions", token=login.token, body=body)
    assert (reply.status, reply.body) == (200, {"data": {}})
    empty = await api.request("POST", "/v3.0/user_sessions", token=login.token)
    assert empty.body == {"data": {}}


async def test_root_without_upgrade_says_what_it_is(api: Api):
    reply = await api.request("GET", "/")
    assert reply.status == 200 and reply.data["name"] == "ringside"


# -- CORS ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v3.0/calls/v1.eu.x", "/me", "/users/alice/auth_tokens", "/anything"])
async def test_cors_preflight(api: Api, path):
    async with api.http.options(
        api.base + path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "appid,authtoken,content-type,resource,sdk",
        },
    ) as reply:
        assert reply.status == 204
        assert reply.headers["Access-Control-Allow-Origin"] == ORIGIN
        allowed = {h.strip().lower() for h in reply.headers["Access-Control-Allow-Headers"].split(",")}
        assert allowed >= REQUIRED_CORS_HEADERS
        assert {"accept", "onbehalfofuser"} <= allowed
        methods = {m.strip().upper() for m in reply.headers["Access-Control-Allow-Methods"].split(",")}
        assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= methods


async def test_cors_preflight_without_origin(api: Api):
    async with api.http.options(api.base + "/me") as reply:
        assert reply.status == 204 and reply.headers["Access-Control-Allow-Origin"] == "*"


async def test_allow_origin_on_every_response(api: Api):
    login = await api.login("alice")
    origin = {"Origin": ORIGIN}
    replies = [
        await api.request("GET", "/me", token=login.token, headers=origin),  # 200
        await api.request("GET", "/me", token="nope", headers=origin),  # 401
        await api.request("GET", "/v3.0/nothing/here", headers=origin),  # 404
        await api.request("POST", "/v3.0/calls", token=login.token, raw=b"{", headers=origin),  # 400
        await api.request("PUT", "/v3.0/calls/v1.x", token=login.token, body={"status": "ended"}, headers=origin),
        await api.request("POST", "/calls", token=login.token, raw=b"x" * (1024 * 1024), headers=origin),  # 413
    ]  # (the control API grants no origin: tests/integration/test_control_lock.py)
    assert [r.status for r in replies] == [200, 401, 404, 400, 404, 413]
    for reply in replies:
        assert reply.headers["Access-Control-Allow-Origin"] == ORIGIN
    plain = await api.request("GET", "/settings")
    assert plain.headers["Access-Control-Allow-Origin"] == "*"
