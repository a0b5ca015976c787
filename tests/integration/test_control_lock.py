"""The locked control API (docs/reliability.md, "The locked control API"): a per-server token on every
request, a Host that names this server, no CORS grant; the callback sink's per-tag key; tokens from
``secrets`` unless seeded; credentials fingerprinted in the journal."""

from __future__ import annotations

import json

import aiohttp
import pytest
from support import API_KEY, LOGIN_BODY, Api, online_device

from mockserver.redaction import fingerprint
from mockserver.schemas import assert_valid

ORIGIN = "http://evil.example"
#: (method, path, body) across the control API: reads, changes and acting as a user.
CONTROL_CALLS = [
    ("GET", "", None),
    ("GET", "/health", None),
    ("GET", "/users", None),
    ("POST", "/users", {"uid": "mallory"}),
    ("POST", "/users/alice/tokens", None),
    ("POST", "/reset", {}),
    ("GET", "/journal", None),
    ("POST", "/calls", {"as": "alice", "receiver": "bob"}),
    ("POST", "/clock/advance", {"seconds": 60}),
    ("GET", "/callbacks/alice-1", None),
    ("POST", "/callbacks/alice-1", {"callback": "forged"}),
    ("GET", "/no/such/endpoint", None),
]


async def _send(api: Api, method: str, path: str, body: object, headers: dict[str, str]) -> tuple[int, dict]:
    reply = await api.request(method, "/_ringside" + path, body=body, headers=headers)
    return reply.status, reply.body


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-token"),
        pytest.param({"Authorization": "Bearer not-the-token"}, id="wrong-bearer"),
        pytest.param({"X-Ringside-Control-Token": "not-the-token"}, id="wrong-header"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="basic-auth"),
        pytest.param({"Authorization": "Bearer "}, id="empty-bearer"),
        pytest.param({"Authorization": "Bearer t\u00f6ken"}, id="non-ascii"),
    ],
)
async def test_every_control_request_needs_the_token(api: Api, server, headers):
    before = server.data("GET", "/users")
    for method, path, body in CONTROL_CALLS:
        status, reply = await _send(api, method, path, body, headers)
        assert status == 401, (method, path, reply)
        assert_valid("wire/error-envelope", reply)
        assert reply["error"]["code"] == "ERR_CONTROL_UNAUTHORIZED"
        assert "apiKey" not in json.dumps(reply)
    assert server.data("GET", "/users") == before, "a refused request changes nothing"
    assert server.data("GET", "/calls") == [] and server.probe.callbacks_of("alice-1") == []


@pytest.mark.parametrize(
    "header", [pytest.param("Authorization", id="bearer"), pytest.param("X-Ringside-Control-Token", id="header")]
)
async def test_the_token_opens_it(api: Api, server, header):
    value = f"Bearer {server.control_token}" if header == "Authorization" else server.control_token
    status, reply = await _send(api, "GET", "/users", None, {header: value})
    assert status == 200 and [u["uid"] for u in reply["data"]][:2] == ["alice", "bob"]


def test_two_servers_have_different_control_tokens(start_mock_server):
    one, two = start_mock_server(), start_mock_server()
    assert one.control_token != two.control_token
    assert len(one.control_token) >= 40, "32 random bytes"


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1.evil.example:{port}",
        "localhost.evil.example",
        "0.0.0.0:{port}",
        "[::ffff:10.0.0.1]:{port}",
        "",
    ],
)
async def test_a_host_that_is_not_this_server_is_refused(api: Api, server, host):
    """DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 sends Host: evil.example."""
    port = server.url.rpartition(":")[2]
    headers = {**api.control_headers, "Host": host.format(port=port)}
    status, reply = await _send(api, "GET", "/users", None, headers)
    assert (status, reply["error"]["code"]) == (403, "ERR_CONTROL_FORBIDDEN"), reply
    assert "authTokens" not in json.dumps(reply)


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "[::1]:{port}", "127.9.9.9"])
async def test_loopback_hosts_are_accepted(api: Api, server, host):
    port = server.url.rpartition(":")[2]
    status, _ = await _send(api, "GET", "/users", None, {**api.control_headers, "Host": host.format(port=port)})
    assert status == 200


async def test_the_advertised_host_is_accepted(make_server, http):
    server = make_server(public_host="ringside.test")
    api = Api(http, f"http://127.0.0.1:{server.server.port}", control_token=server.control_token)
    status, _ = await _send(api, "GET", "/clock", None, {**api.control_headers, "Host": "ringside.test:1234"})
    assert status == 200


async def test_the_client_rest_api_needs_no_token_and_checks_no_host(api: Api):
    reply = await api.request("GET", "/v3.0/settings", headers={"Host": "app.example:443"})
    assert reply.status == 200


async def test_no_cors_grant_on_control_paths(api: Api):
    """A cross-origin page can neither read a control reply nor get a preflight through."""
    with_origin = {**api.control_headers, "Origin": ORIGIN}
    for path in ("", "/users", "/nothing"):
        reply = await api.request("GET", "/_ringside" + path, headers=with_origin)
        assert "Access-Control-Allow-Origin" not in reply.headers, path
        assert "Access-Control-Allow-Credentials" not in reply.headers
    preflight = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    for path in ("/_ringside/users", "/_ringside", "/_ringside/callbacks/alice-1"):
        async with api.http.options(api.base + path, headers=preflight) as reply:
            assert reply.status == 401, path
            assert not any(h.lower().startswith("access-control-") for h in reply.headers), dict(reply.headers)
            assert_valid("wire/error-envelope", await reply.json())


async def test_the_client_rest_api_keeps_cors_for_any_origin(api: Api):
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "appid"}
    async with api.http.options(api.base + "/v3.0/calls/x", headers=preflight) as reply:
        assert reply.status == 204 and reply.headers["Access-Control-Allow-Origin"] == ORIGIN
    plain = await api.request("GET", "/v3.0/settings", headers={"Origin": ORIGIN})
    assert plain.headers["Access-Control-Allow-Origin"] == ORIGIN


# -- the callback sink --------------------------------------------------------------------------------


async def test_a_callback_url_posts_its_own_tag_only(api: Api, server, http):
    url = server.callback_url("alice-1")
    assert url.startswith(server.url + "/_ringside/callbacks/alice-1?sinkKey=")
    report = {"callback": "onIncomingCallReceived", "listenerId": "L1", "seq": 1}
    async with http.post(url, json=report) as reply:  # what an adapter does: no token, no other header
        assert reply.status == 200, await reply.text()
    assert server.probe.callbacks_of("alice-1") == [report]

    key = url.partition("sinkKey=")[2]
    refused = [
        ("POST", f"/callbacks/bob-1?sinkKey={key}"),  # another tag
        ("GET", f"/callbacks/alice-1?sinkKey={key}"),  # reading the sink
        ("POST", f"/users?sinkKey={key}"),  # anything else
        ("POST", f"/reset?sinkKey={key}"),
        ("POST", "/callbacks/alice-1?sinkKey=" + "0" * 32),  # a guessed key
        ("POST", "/callbacks/alice-1?sinkKey="),
    ]
    for method, path in refused:
        async with http.request(method, server.url + "/_ringside" + path, json=report) as reply:
            assert reply.status == 401, (method, path)
            assert (await reply.json())["error"]["code"] == "ERR_CONTROL_UNAUTHORIZED"
    assert server.probe.callbacks_of("bob-1") == [] and len(server.probe.callbacks_of("alice-1")) == 1
    other = await http.post(server.callback_url("bob-1"), json=report)
    assert other.status == 200


async def test_callback_keys_differ_between_servers(start_mock_server):
    one, two = start_mock_server(), start_mock_server()
    assert one.callback_url("t").partition("?")[2] != two.callback_url("t").partition("?")[2]


# -- tokens ---------------------------------------------------------------------------------------------


async def _login_token(http: aiohttp.ClientSession, server) -> tuple[str, str]:
    api = Api(http, server.url)
    login = await api.login("alice")
    return login.token, login.jwt


async def test_tokens_are_unpredictable_by_default(start_mock_server, http):
    one, two = start_mock_server(users=["alice"]), start_mock_server(users=["alice"])
    token_one, jwt_one = await _login_token(http, one)
    token_two, jwt_two = await _login_token(http, two)
    assert token_one != token_two and jwt_one != jwt_two, "two servers with default options issue different tokens"
    again, _ = await _login_token(http, one)
    assert again != token_one
    one.reset()
    after_reset, _ = await _login_token(http, one)
    assert after_reset not in (token_one, again), "nothing starts again from a default seed"


async def test_a_seed_asks_for_determinism(start_mock_server, http):
    one, two, other = (start_mock_server(users=["alice"], seed=seed) for seed in (7, 7, 8))
    first = await _login_token(http, one)
    assert first == await _login_token(http, two), "the same seed issues the same tokens"
    assert first[0] != (await _login_token(http, other))[0]


# -- the journal keeps fingerprints, not credentials -------------------------------------------------


async def test_the_journal_holds_no_credential(make_server, http, tmp_path):
    path = tmp_path / "journal.jsonl"
    server = make_server(journal_path=path, seed=None)
    api = Api(http, server.url, control_token=server.control_token)
    alice = await api.login("alice")
    bob = await api.login("bob")
    device = await online_device(http, server.ws_url, alice, "WEB-A")
    await api.initiate(alice, "bob")
    await device.sync()
    await api.control("GET", "")  # info: carries the api key
    await api.control("GET", "/users")  # every user's tokens
    await api.control("POST", "/users", {"uid": "erin"})  # a fresh token
    await api.request("GET", "/v3.0/me", token="a-token-that-does-not-exist")
    await http.post(server.callback_url("alice-1"), json={"callback": "x"})

    secrets_ = [
        alice.token,
        alice.jwt,
        bob.token,
        bob.jwt,
        API_KEY,
        server.control_token,
        "a-token-that-does-not-exist",
    ]
    secrets_.append(server.callback_url("alice-1").partition("sinkKey=")[2])
    memory = json.dumps(server.journal())
    disk = path.read_text(encoding="utf-8")
    for secret in secrets_:
        assert secret not in memory, secret
        assert secret not in disk, secret

    requests = server.journal(kinds=["http.request"])
    me = next(e for e in requests if e["path"] == "/v3.0/me" and e["method"] == "PUT")
    assert me["headers"]["authtoken"] == fingerprint(alice.token), "a reader can still match a token it holds"
    assert fingerprint(alice.token) != fingerprint(bob.token)
    login = next(e for e in requests if e["path"].endswith("/auth_tokens"))
    assert login["headers"]["apikey"] == fingerprint(API_KEY)
    auth = next(e for e in server.journal(kinds=["ws.in"]) if e.get("frame", {}).get("type") == "auth")
    assert auth["frame"]["body"]["auth"] == fingerprint(alice.jwt)
    assert auth["frame"]["body"]["deviceId"] == "WEB-A", "only credentials are redacted"


async def test_replies_still_carry_the_real_credentials(api: Api):
    """Redaction is the journal's: what goes out on the wire is untouched."""
    minted = await api.request("POST", "/users/alice/auth_tokens", api_key=API_KEY, body=LOGIN_BODY)
    token = minted.data["authToken"]
    me = await api.request("PUT", "/v3.0/me", token=token, body=LOGIN_BODY)
    assert me.data["authToken"] == token and me.data["jwt"].startswith("jwt.alice.")
    info = (await api.control("GET", "")).data
    assert info["apiKey"] == API_KEY
