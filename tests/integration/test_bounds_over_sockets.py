"""Bounded memory over real sockets: the journal ring and its pages, ended-call retention, tokens per user.

docs/reliability.md ("Memory bounds") states each bound; docs/control-api.md the journal's paging.
"""

from __future__ import annotations

import argparse
import json

import aiohttp
import pytest
from support import Api, sid_of

from mockserver.cli import add_serve_parser, config_from_args
from mockserver.config import (
    DEFAULT_CALL_RETENTION,
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_MAX_ENDED_CALLS,
    DEFAULT_MAX_TOKENS_PER_USER,
    ServerConfig,
)
from mockserver.control import JOURNAL_PAGE, JOURNAL_PAGE_MAX
from mockserver.probe import JournalEvicted
from mockserver.server import MockServer


def _api(http: aiohttp.ClientSession, server: MockServer) -> Api:
    return Api(http, server.url, control_token=server.control_token)


def _fill(server: MockServer, count: int) -> None:
    """``count`` more journal entries, cheaply (through the journal itself, on the server's loop)."""
    server.call(lambda hub: [hub.journal.record("control", action="filler", uid=str(i)) for i in range(count)])


async def _cycle(api: Api, caller, callee, *, end: bool = True) -> str:
    sid = sid_of((await api.initiate(caller, callee.uid)).data)
    if end:
        assert (await api.update(callee, sid, "rejected")).status == 200
    return sid


def test_the_defaults_are_the_documented_bounds():
    config = ServerConfig()
    assert (
        (config.journal_size, config.max_ended_calls, config.call_retention, config.max_tokens_per_user)
        == (
            DEFAULT_JOURNAL_SIZE,
            DEFAULT_MAX_ENDED_CALLS,
            DEFAULT_CALL_RETENTION,
            DEFAULT_MAX_TOKENS_PER_USER,
        )
        == (10_000, 1_000, 3_600.0, 32)
    )
    assert (JOURNAL_PAGE, JOURNAL_PAGE_MAX) == (1_000, 10_000)


# -- the journal: pages, a ring, the file ---------------------------------------------------------------


async def test_journal_pages_walk_every_entry_once(api: Api, server: MockServer):
    _fill(server, 250)
    seen: list[int] = []
    cursor, pages = 0, 0
    while True:
        page = (await api.control("GET", f"/journal?after={cursor}&limit=100")).data
        pages += 1
        seen += [e["seq"] for e in page["entries"]]
        assert len(page["entries"]) <= 100
        assert page["next"] >= cursor
        cursor = page["next"]
        if not page["more"]:
            break
    assert seen == list(range(1, seen[-1] + 1)), "gapless, no entry twice"
    assert pages >= 3 and cursor >= seen[-1]
    # the cursor of the last page is where the next reader starts: nothing before it comes again
    after = (await api.control("GET", f"/journal?after={cursor}")).data["entries"]
    assert after and after[0]["seq"] == cursor + 1 and after[0]["path"] == "/_ringside/journal"


async def test_journal_page_defaults_and_limits(api: Api, server: MockServer):
    _fill(server, JOURNAL_PAGE + 50)
    first = (await api.control("GET", "/journal")).data
    assert len(first["entries"]) == JOURNAL_PAGE and first["more"] is True
    assert first["next"] == first["entries"][-1]["seq"]
    since = (await api.control("GET", f"/journal?since={first['next']}")).data
    assert since["entries"][0]["seq"] == first["next"] + 1, "since is after's older name"
    kinds = (await api.control("GET", "/journal?kind=control&limit=2")).data
    assert [e["kind"] for e in kinds["entries"]] == ["control", "control"] and kinds["more"] is True
    for bad in ("limit=0", f"limit={JOURNAL_PAGE_MAX + 1}", "limit=x", "after=x", "since=1.5"):
        assert (await api.control("GET", f"/journal?{bad}")).code == "ERR_VALIDATION_FAILED", bad


async def test_a_journal_page_is_streamed_and_journaled_as_a_count(api: Api, server: MockServer):
    _fill(server, 3_000)
    async with api.http.get(
        f"{server.url}/_ringside/journal?limit={JOURNAL_PAGE_MAX}", headers=api.control_headers
    ) as reply:
        assert reply.status == 200 and reply.headers.get("Transfer-Encoding") == "chunked"
        assert reply.content_type == "application/json"
        body = json.loads(await reply.read())
    page = body["data"]
    assert [e["seq"] for e in page["entries"]] == list(range(1, page["next"] + 1))
    response = [e for e in server.journal(kinds=["http.response"]) if e["path"] == "/_ringside/journal"][-1]
    assert response["body"]["data"]["entries"] == len(page["entries"]), "the journal keeps the count, not a copy"
    assert response["body"]["data"]["next"] == page["next"]


async def test_the_journal_keeps_the_newest_entries_and_says_what_it_dropped(make_server, http, tmp_path):
    path = tmp_path / "journal.jsonl"
    server = make_server(journal_size=100, journal_path=path)
    api = _api(http, server)
    _fill(server, 300)
    page = (await api.control("GET", "/journal?after=0&limit=10")).data
    assert page["capacity"] == 100 and page["dropped"] > 200
    assert page["firstSeq"] == page["dropped"] + 1 and page["entries"][0]["seq"] == page["firstSeq"]
    assert page["missing"] == page["dropped"], "everything before firstSeq was asked for and is gone"
    assert page["file"] == str(path)
    later = (await api.control("GET", f"/journal?after={page['lastSeq']}")).data
    assert later["missing"] == 0 and later["entries"][0]["seq"] == page["lastSeq"] + 1
    on_disk = [json.loads(line)["seq"] for line in path.read_text().splitlines()]
    assert on_disk == list(range(1, on_disk[-1] + 1)), "the file keeps every entry"
    stats = (await api.control("GET", "/stats")).data
    assert stats["journalKept"] == 100 and stats["journalDropped"] >= page["dropped"]


async def test_the_probe_refuses_to_answer_with_fewer_entries(make_server, http):
    server = make_server(journal_size=100)
    start = server.probe.journal_seq()
    _fill(server, 50)
    assert len(server.probe.journal(since=start)) == 50
    _fill(server, 100)
    with pytest.raises(JournalEvicted, match=r"dropped from memory.*newest 100 \(--journal-size\).*--journal FILE"):
        server.probe.journal(since=start)
    with pytest.raises(JournalEvicted):
        server.probe.frames_sent_to("WEB-X", since=start)
    with pytest.raises(JournalEvicted):
        server.probe.server_failures(since=start)
    recent = server.probe.journal_seq() - 10
    assert len(server.probe.journal(since=recent)) == 10, "entries still in memory are answered"


# -- ended calls ----------------------------------------------------------------------------------------


async def test_ended_calls_beyond_the_cap_are_forgotten_and_live_ones_never(make_server, http):
    server = make_server(max_ended_calls=3)
    api = _api(http, server)
    alice, bob, carol = await api.login("alice"), await api.login("bob"), await api.login("carol")
    ringing = await _cycle(api, carol, alice, end=False)  # live throughout
    ongoing = await _cycle(api, carol, bob, end=False)
    assert (await api.update(bob, ongoing, "ongoing")).status == 200
    ended = [await _cycle(api, alice, bob) for _ in range(5)]
    kept = [c["sessionId"] for c in (await api.control("GET", "/calls")).data]
    assert kept == [ringing, ongoing, *ended[-3:]]
    for sid in ended[:2]:
        assert (await api.control("GET", f"/calls/{sid}")).code == "ERR_CALL_NOT_FOUND"
        gone = await api.update(alice, sid, "ended")
        assert (gone.status, gone.code) == (404, "ERR_CALL_NOT_FOUND"), "what an unknown session id gets"
        assert (await api.request("GET", f"/v3.0/calls/{sid}", token=alice.token)).code == "ERR_CALL_NOT_FOUND"
    assert (await api.update(alice, ringing, "rejected")).status == 200
    assert (await api.update(carol, ongoing, "ended")).status == 200
    assert (await api.control("GET", "/stats")).data["callsTrimmed"] >= 2


async def test_ended_calls_older_than_the_retention_are_forgotten_on_the_next_move(make_server, http):
    server = make_server(call_retention=60.0)
    api = _api(http, server)
    alice, bob = await api.login("alice"), await api.login("bob")
    old = await _cycle(api, alice, bob)
    server.advance(30)
    recent = await _cycle(api, alice, bob)
    live = await _cycle(api, bob, alice, end=False)
    server.advance(31)  # old ended 61 s ago, recent 31 s ago; live rings on, however long
    assert (await api.control("GET", f"/calls/{old}")).data["status"] == "rejected", "nothing trims on its own"
    await _cycle(api, alice, bob)  # any move brings its "now" to the trim
    assert (await api.control("GET", f"/calls/{old}")).code == "ERR_CALL_NOT_FOUND"
    assert (await api.control("GET", f"/calls/{recent}")).data["status"] == "rejected"
    server.advance(3_600)
    await _cycle(api, alice, bob)
    assert (await api.control("GET", f"/calls/{live}")).data["status"] == "initiated"


# -- auth tokens ----------------------------------------------------------------------------------------


async def test_a_user_keeps_its_most_recently_used_tokens(make_server, http):
    server = make_server(max_tokens_per_user=2)
    api = _api(http, server)
    first, second = await api.login("alice"), await api.login("alice")
    assert (await api.request("GET", "/v3.0/me", token=first.token)).status == 200  # first is now the fresher
    third = await api.login("alice")
    assert (await api.request("GET", "/v3.0/me", token=second.token)).code == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
    for still in (first, third):
        assert (await api.request("GET", "/v3.0/me", token=still.token)).status == 200
    users = {u["uid"]: u for u in (await api.control("GET", "/users")).data}
    assert sorted(users["alice"]["authTokens"]) == sorted([first.token, third.token])
    assert (await api.control("GET", "/stats")).data["tokensDropped"] == 1


def test_the_serve_flags_reach_the_config():
    parser = argparse.ArgumentParser()
    add_serve_parser(parser.add_subparsers())
    flags = ["--journal-size", "500", "--max-ended-calls", "7", "--call-retention", "90", "--max-tokens-per-user", "3"]
    config = config_from_args(parser.parse_args(["serve", *flags]))
    assert (config.journal_size, config.max_ended_calls, config.call_retention, config.max_tokens_per_user) == (
        500,
        7,
        90.0,
        3,
    )
    defaults = config_from_args(parser.parse_args(["serve"]))
    assert defaults.journal_size == DEFAULT_JOURNAL_SIZE and defaults.max_tokens_per_user == DEFAULT_MAX_TOKENS_PER_USER
