"""Scripts through the control API and ``--script``: load, list, clear, reset, refuse bad ones."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from mockserver.config import ServerConfig
from mockserver.scripted import ScriptInvalid
from mockserver.server import MockServer

from .conftest import Client, advance, call_log, control, control_reply, journal, sid_of

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "scripted-scenario.yaml"

STARTUP = """\
description: startup
users:
  - uid: bob
    answer: accept-1s
  - uid: carol
    calls:
      - to: alice
        at: 10
        cancel: 5
"""


def startup_file(tmp_path: Path, text: str = STARTUP) -> Path:
    path = tmp_path / "startup.yaml"
    path.write_text(text)
    return path


async def test_post_get_delete(server: MockServer, connect: Any) -> None:
    loaded = await control(
        server,
        "POST",
        "/scripts",
        {
            "description": "per-test behaviours",
            "users": [
                {"uid": "erin", "name": "Erin", "answer": "reject-1s"},
                {"uid": "carol", "calls": [{"to": "alice", "at": 5}]},
            ],
            "faults": [{"kind": "drop", "user": "alice", "status": "ended"}],
        },
    )
    assert loaded["id"] == "s1" and loaded["source"] == "control"
    assert loaded["users"] == [
        {"uid": "erin", "answer": "reject-1s", "calls": []},
        {"uid": "carol", "answer": None, "calls": ["call user alice (audio) at 5s"]},
    ]
    state = await control(server, "GET", "/scripts")
    assert [s["id"] for s in state["scripts"]] == ["s1"]
    users = {u["uid"]: u for u in state["users"]}
    assert users["erin"]["device"] == "script-erin" and users["erin"]["connected"]
    assert users["carol"]["pending"][0]["label"] == "script:carol:call:alice"
    directory = {u["uid"]: u for u in await control(server, "GET", "/users")}
    assert directory["erin"]["name"] == "Erin" and directory["erin"]["devices"] == ["script-erin"]

    cleared = await control(server, "DELETE", "/scripts")
    assert cleared["scripts"] == [] and cleared["users"] == []
    assert (await control(server, "GET", "/faults"))["faults"] == []
    alice: Client = await connect(server, "alice")
    await advance(server, 60)
    await alice.barrier()
    assert alice.call_statuses() == [], "carol's planned call was cancelled"
    sid = sid_of(await alice.initiate("erin"))
    await advance(server, 60)
    assert [s for s, *_ in call_log(server, sid)] == ["initiated"], "erin is a plain user again"
    magic = sid_of(await alice.initiate("ring-accept-1s"))
    await advance(server, 1)
    await alice.call_frame("ongoing", sid=magic)


async def test_a_later_script_replaces_a_users_answer(server: MockServer, connect: Any) -> None:
    await control(server, "POST", "/scripts", {"users": [{"uid": "erin", "answer": "reject-1s"}]})
    await control(server, "POST", "/scripts", {"users": [{"uid": "erin", "answer": "accept-1s"}]})
    alice: Client = await connect(server, "alice")
    sid = sid_of(await alice.initiate("erin"))
    await advance(server, 1)
    await alice.call_frame("ongoing", sid=sid)
    assert len((await control(server, "GET", "/scripts"))["scripts"]) == 2


async def test_a_magic_id_can_be_scripted_and_falls_back(server: MockServer, connect: Any) -> None:
    await control(server, "POST", "/scripts", {"users": [{"uid": "ring-accept-1s", "answer": "busy-1s"}]})
    alice: Client = await connect(server, "alice")
    first = sid_of(await alice.initiate("ring-accept-1s"))
    await advance(server, 1)
    await alice.call_frame("busy", sid=first)
    await control(server, "DELETE", "/scripts")
    second = sid_of(await alice.initiate("ring-accept-1s"))
    await advance(server, 1)
    await alice.call_frame("ongoing", sid=second)


async def test_bad_scripts_are_refused_with_every_problem(server: MockServer) -> None:
    reply = await control_reply(
        server,
        "POST",
        "/scripts",
        {"users": [{"uid": "bob", "answer": "acept-1s"}, {"uid": "carol", "calls": [{"to": "x", "type": "fax"}]}]},
    )
    error = reply["error"]
    assert error["code"] == "ERR_SCRIPT_INVALID"
    assert error["details"]["problems"] == [
        {
            "path": "users[0].answer",
            "message": "step 'acept-1s': unknown action 'acept'; use accept, reject, busy or noanswer",
        },
        {"path": "users[1].calls[0].type", "message": "'fax' is not one of ['audio', 'video']"},
    ]
    assert "(and 1 more)" in error["message"]
    assert (await control(server, "GET", "/scripts"))["scripts"] == [], "nothing was half-applied"
    assert (await control_reply(server, "POST", "/scripts", {}))["data"]["users"] == []


async def test_startup_script_and_reset(make_server: Any, connect: Any, tmp_path: Path) -> None:
    server = make_server(clock="virtual", users=["alice"], script_path=startup_file(tmp_path))
    state = await control(server, "GET", "/scripts")
    assert [(s["id"], s["source"]) for s in state["scripts"]] == [("s1", f"file:{tmp_path / 'startup.yaml'}")]
    await control(server, "POST", "/scripts", {"users": [{"uid": "erin", "answer": "reject-1s"}]})
    await advance(server, 4)
    await control(server, "POST", "/reset", {"closeSockets": True})
    state = await control(server, "GET", "/scripts")
    assert [s["source"] for s in state["scripts"]] == [f"file:{tmp_path / 'startup.yaml'}"]
    assert sorted(u["uid"] for u in state["users"]) == ["bob", "carol"], "control scripts are gone"
    alice: Client = await connect(server, "alice")
    await advance(server, 9.999)
    await alice.barrier()
    assert alice.call_statuses() == [], "carol's call is planned from the reset, not from the start"
    await advance(server, 0.001)
    ring = await alice.call_frame("initiated")
    assert ring["deviceId"] == "script-carol"
    sid = sid_of(await alice.initiate("bob"))
    await advance(server, 1)
    await alice.call_frame("ongoing", sid=sid)


def test_a_bad_startup_script_stops_the_server_from_starting(tmp_path: Path) -> None:
    path = startup_file(tmp_path, "users:\n  - uid: bob\n    answer: accept-1\n")
    server = MockServer(ServerConfig(tls=False, clock="virtual", script_path=path))
    try:
        with pytest.raises(ScriptInvalid, match=rf"^{path}:3: users\[0\]\.answer: step 'accept-1'"):
            server.start()
    finally:
        server.stop()


async def test_the_documented_example_runs(make_server: Any, connect: Any) -> None:
    server = make_server(clock="virtual", users=["alice"], script_path=EXAMPLE)
    alice: Client = await connect(server, "alice")
    await advance(server, 2 * 3600)
    assert journal(server, "error") == []
    # the server closed alice's socket during the advance; her side learns of it a moment later
    await asyncio.wait_for(alice.closed.wait(), 5)
    effects = [e["effect"] for e in journal(server, "fault")]
    assert effects[:2] == ["duplicate", "close"]
    calls = {(e["caller"], e["receiver"]) for e in journal(server, "call")}
    assert ("carol", "alice") in calls and ("dave", "team") in calls


async def test_a_magic_uid_created_through_the_control_api_still_answers(make_server: Any, connect: Any) -> None:
    server = make_server(clock="virtual", users=["alice"])
    created = await control(server, "POST", "/users", {"uid": "ring-accept-1s", "name": "Robo"})
    assert created["name"] == "Robo"
    alice: Client = await connect(server, "alice")
    await alice.initiate("ring-accept-1s")
    await advance(server, 1)
    assert [e["status"] for e in journal(server, "call")] == ["initiated", "ongoing"]


async def test_a_configured_group_may_name_magic_members(make_server: Any, connect: Any) -> None:
    server = make_server(clock="virtual", users=["alice"], groups={"team": ["alice", "ring-accept-1s"]})
    alice: Client = await connect(server, "alice")
    await alice.initiate("team", receiver_type="group")
    await advance(server, 1)
    assert [(e["status"], e["actor"]) for e in journal(server, "call")] == [
        ("initiated", "alice"),
        ("ongoing", "ring-accept-1s"),
    ]
