"""Bad requests get the wire's error envelope, the server keeps serving, and the journal keeps every pair."""

from __future__ import annotations

import json

import pytest
from support import API_KEY, Api, check_journal, sid_of

from mockserver.schemas import assert_valid

#: (id, method, path, how to authenticate, body or raw bytes, expected status, expected code)
TOKEN, APIKEY, NONE = "token", "apikey", "none"
CASES = [
    ("malformed-json", "POST", "/v3.0/calls", TOKEN, b'{"type": "audio",', 400, "ERR_BAD_JSON"),
    ("not-utf8", "POST", "/v3.0/calls", TOKEN, b"\xff\xfe\x00", 400, "ERR_BAD_JSON"),
    ("empty-body", "POST", "/v3.0/calls", TOKEN, b"", 400, "ERR_VALIDATION_FAILED"),
    ("json-array", "POST", "/v3.0/calls", TOKEN, b"[]", 400, "ERR_VALIDATION_FAILED"),
    ("json-number", "PUT", "/v3.0/calls/{sid}", TOKEN, b"42", 400, "ERR_VALIDATION_FAILED"),
    ("wrong-type", "POST", "/v3.0/calls", TOKEN,
     {"type": "fax", "receiverType": "user", "category": "call", "receiver": "bob"}, 400, "ERR_VALIDATION_FAILED"),
    ("receiver-not-string", "POST", "/v3.0/calls", TOKEN,
     {"type": "audio", "receiverType": "user", "category": "call", "receiver": 7}, 400, "ERR_VALIDATION_FAILED"),
    ("receiver-not-url-safe", "POST", "/v3.0/calls", TOKEN,
     {"type": "audio", "receiverType": "user", "category": "call", "receiver": "bob smith"}, 400,
     "ERR_VALIDATION_FAILED"),
    ("missing-fields", "POST", "/v3.0/calls", TOKEN, {"receiver": "bob"}, 400, "ERR_VALIDATION_FAILED"),
    ("status-not-string", "PUT", "/v3.0/calls/{sid}", TOKEN, {"status": 5}, 400, "ERR_VALIDATION_FAILED"),
    ("status-initiated", "PUT", "/v3.0/calls/{sid}", TOKEN, {"status": "initiated"}, 400, "ERR_VALIDATION_FAILED"),
    ("status-missing", "PUT", "/v3.0/calls/{sid}", TOKEN, {"joinedAt": 1}, 400, "ERR_VALIDATION_FAILED"),
    ("unknown-session", "PUT", "/v3.0/calls/v1.eu.ringside.nope", TOKEN, {"status": "ongoing"}, 404,
     "ERR_CALL_NOT_FOUND"),
    ("someone-elses-call", "PUT", "/v3.0/calls/{sid}", "carol", {"status": "ended"}, 403, "ERR_NOT_A_PARTICIPANT"),
    ("missing-token", "PUT", "/v3.0/calls/{sid}", NONE, {"status": "ongoing"}, 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"),
    ("foreign-token", "PUT", "/v3.0/calls/{sid}", "foreign", {"status": "ongoing"}, 401,
     "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"),
    ("huge-body", "POST", "/v3.0/calls", TOKEN, b"{" + b" " * (1024 * 1024) + b"}", 413, "ERR_BODY_TOO_LARGE"),
    ("huge-body-no-auth", "POST", "/users", NONE, b"x" * (1024 * 1024), 413, "ERR_BODY_TOO_LARGE"),
    ("unknown-endpoint", "GET", "/v3.0/conversations", TOKEN, None, 404, "ERR_ENDPOINT_NOT_FOUND"),
    ("wrong-method", "DELETE", "/v3.0/calls", TOKEN, None, 404, "ERR_ENDPOINT_NOT_FOUND"),
    ("unknown-control", "GET", "/_ringside/nothing", NONE, None, 404, "ERR_ENDPOINT_NOT_FOUND"),
    ("control-bad-json", "POST", "/_ringside/users", NONE, b"{uid", 400, "ERR_BAD_JSON"),
    ("control-wrong-type", "POST", "/_ringside/users", NONE, {"uid": 5}, 400, "ERR_VALIDATION_FAILED"),
    ("bad-user-body", "POST", "/users", APIKEY, {"uid": ["x"], "name": "X"}, 400, "ERR_VALIDATION_FAILED"),
    ("bad-login-body", "POST", "/users/alice/auth_tokens", APIKEY, {"platform": 1}, 400, "ERR_VALIDATION_FAILED"),
    ("bad-me-body", "PUT", "/me", TOKEN, {"appInfo": "v4"}, 400, "ERR_VALIDATION_FAILED"),
]  # fmt: skip


async def _send(api: Api, tokens: dict[str, str], sid: str, case) -> object:
    _, method, path, auth, body, _, _ = case
    kwargs: dict = {}
    if auth == TOKEN:
        kwargs["token"] = tokens["alice"]
    elif auth == APIKEY:
        kwargs["api_key"] = API_KEY
    elif auth != NONE:
        kwargs["token"] = tokens[auth]
    if path.startswith("/_ringside"):
        kwargs["headers"] = api.control_headers
    if isinstance(body, bytes):
        kwargs["raw"] = body
    elif body is not None:
        kwargs["body"] = body
    return await api.request(method, path.format(sid=sid), **kwargs)


#: Requests _setup makes on the server under test: three logins (auth_tokens + PUT /me) and one call.
SETUP_REQUESTS = 7


async def _setup(api: Api, make_server, http) -> tuple[dict[str, str], str]:
    alice, _bob, carol = [await api.login(uid) for uid in ("alice", "bob", "carol")]
    foreign = await Api(http, make_server(seed=5).url).login("alice")
    sid = sid_of((await api.initiate(alice, "bob")).data)
    return {"alice": alice.token, "carol": carol.token, "foreign": foreign.token}, sid


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
async def test_bad_request(api: Api, server, make_server, http, case):
    tokens, sid = await _setup(api, make_server, http)
    made = SETUP_REQUESTS
    check_journal(server.journal(), requests=made)

    reply = await _send(api, tokens, sid, case)

    expected_status, expected_code = case[5], case[6]
    assert (reply.status, reply.code) == (expected_status, expected_code), reply.body
    assert_valid("wire/error-envelope", reply.body)
    assert reply.headers["Content-Type"].startswith("application/json")
    # the server still serves, and the call is as it was
    assert (await api.request("GET", "/settings")).status == 200
    assert server.data("GET", f"/calls/{sid}")["status"] == "initiated"
    # every request has its request and response entry, seq gapless
    entries = server.journal()
    check_journal(entries, requests=made + 2)
    response = next(e for e in reversed(entries) if e["kind"] == "http.response" and e["status"] == expected_status)
    assert response["body"] == reply.body


async def test_all_bad_requests_back_to_back(api: Api, server, make_server, http):
    tokens, sid = await _setup(api, make_server, http)
    made = SETUP_REQUESTS
    check_journal(server.journal(), requests=made)
    for case in CASES:
        reply = await _send(api, tokens, sid, case)
        assert reply.code == case[6], case[0]
        made += 1
    assert (await api.request("GET", "/v3.0/settings")).status == 200
    made += 1
    entries = server.journal()
    check_journal(entries, requests=made)
    errors = [e for e in entries if e["kind"] == "error"]
    assert errors == [], "no bad input may reach ringside's internal-error path"
    stats = server.data("GET", "/stats")
    assert stats["journalSeq"] >= entries[-1]["seq"]


async def test_journal_keeps_request_details(api: Api, server):
    login = await api.login("alice")
    await api.request("POST", "/v3.0/calls", token=login.token, raw=b'{"oops"', resource="WEB-Z")
    request = server.journal(kinds=["http.request"])[-1]
    assert request["method"] == "POST" and request["path"] == "/v3.0/calls"
    assert request["body"] == '{"oops"'
    assert request["headers"]["resource"] == "WEB-Z" and request["headers"]["appid"] == "ringside"
    assert request["remote"] == "127.0.0.1"
    response = server.journal(kinds=["http.response"])[-1]
    assert response["requestSeq"] == request["seq"] and response["status"] == 400
    assert json.dumps(response["body"])  # JSON all the way


async def test_max_body_is_configurable(make_server, http):
    server = make_server(max_body=64)
    api = Api(http, server.url)
    reply = await api.request("POST", "/users", api_key=API_KEY, body={"uid": "erin", "name": "E" * 80})
    assert (reply.status, reply.code) == (413, "ERR_BODY_TOO_LARGE")
    assert reply.body["error"]["details"] == {"limit": 64}
    small = await api.request("POST", "/users", api_key=API_KEY, body={"uid": "erin", "name": "E"})
    assert small.status == 200
