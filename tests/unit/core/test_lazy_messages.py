"""The fast paths of the core give what the plain ones gave.

* A move's reply and frames (laid out at the move from templates and shared wraps of users) equal the
  plain layout (``messages.call_message`` / ``ws_call_frame`` of the directory at the move), however
  much changes before they are read.
* Records and events built positionally (``machine._new``) equal the keyword-built ones.
"""

from __future__ import annotations

import hashlib

import pytest
from helpers import actor_with_role, eager, entity_of, reach

from mockserver.core import (
    SYSTEM_DEVICE,
    Backend,
    CallRecord,
    CallStatus,
    ErrorCode,
    Kind,
    Move,
    RingsideError,
    refusal,
)
from mockserver.core import messages as M
from mockserver.core.directory import IdSource
from mockserver.core.machine import MemberDeclined, StatusChanged, _set_status, handle
from mockserver.core.states import TERMINAL, TRANSITIONS, Effect

T0 = 1_800_000_000.0


def make_backend() -> Backend:
    backend = Backend(app_id="app", region="eu", seed=3, ring_timeout=30.0)
    for uid in ("alice", "bob", "carol", "dave"):
        backend.directory.add_user(uid, now=T0)
    backend.directory.add_group("team", name="The Team", members=["alice", "bob", "carol", "dave"], now=T0)
    return backend


def test_a_late_read_shows_the_move_not_what_came_after():
    backend = make_backend()
    backend.online.add("bob")
    out = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0 + 5, resource="A")
    expected = eager(backend, out, "A")
    # everything a frame shows changes before anyone reads it
    backend.directory.users["alice"].name = "Renamed"
    backend.directory.users["bob"].avatar = "https://example.test/bob.png"
    backend.online.discard("bob")
    backend.online.add("alice")
    later = backend.update("bob", out.call.session_id, Move.ACCEPT.value, now=T0 + 99, resource="B")
    assert [d.frame for d in out.deliveries] == expected
    assert out.reply == expected[0]["body"]
    assert out.reply["data"]["entities"]["by"]["entity"]["name"] == "Alice"
    later_caller = later.reply["data"]["entities"]["on"]["entity"]["data"]["entities"]["sender"]["entity"]
    assert later_caller["name"] == "Renamed"  # the later move sees it
    assert later.reply["data"]["entities"]["by"]["entity"]["avatar"] == "https://example.test/bob.png"


def test_each_message_is_laid_out_once_and_the_reply_is_the_first_body():
    backend = make_backend()
    out = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="video", now=T0, resource=None)
    frame = out.deliveries[0].frame
    assert out.deliveries[0].frame is frame
    assert out.deliveries is out.deliveries
    assert out.reply is frame["body"]
    assert frame["deviceId"] == SYSTEM_DEVICE


def test_group_decline_and_final_status_take_consecutive_ids_at_the_move():
    backend = make_backend()
    out = backend.initiate("alice", receiver="team", receiver_type="group", call_type="video", now=T0, resource="A")
    sid = out.call.session_id
    backend.update("bob", sid, Move.REJECT.value, now=T0 + 1, resource="B")
    backend.update("carol", sid, Move.BUSY.value, now=T0 + 2, resource="C")
    last = backend.update("dave", sid, Move.REJECT.value, now=T0 + 3, resource="D")  # unread for now
    expected = eager(backend, last, "D")
    after = backend.initiate("bob", receiver="team", receiver_type="group", call_type="audio", now=T0 + 4, resource="B")
    assert [type(e) for e in last.events] == [MemberDeclined, StatusChanged]
    assert [d.frame for d in last.deliveries] == expected
    ids = [int(d.frame["body"]["id"]) for d in last.deliveries]
    assert ids[1] == ids[0] + 1 and int(after.reply["id"]) == ids[1] + 1


def test_join_and_system_expiry_match_the_eager_layout():
    backend = make_backend()
    out = backend.initiate("alice", receiver="team", receiver_type="group", call_type="video", now=T0, resource="A")
    sid = out.call.session_id
    accepted = backend.update("bob", sid, Move.ACCEPT.value, now=T0 + 1, resource="B")
    joined = backend.update("carol", sid, Move.ACCEPT.value, now=T0 + 2, resource="C")
    for outcome, resource in ((out, "A"), (accepted, "B"), (joined, "C")):
        assert [d.frame for d in outcome.deliveries] == eager(backend, outcome, resource)
    ring = backend.initiate("bob", receiver="dave", receiver_type="user", call_type="audio", now=T0, resource="B")
    (expired,) = backend.expire(T0 + 31)
    assert expired.call.session_id == ring.call.session_id
    assert [d.frame for d in expired.deliveries] == eager(backend, expired, SYSTEM_DEVICE)


def test_message_for_is_the_eager_message():
    backend = make_backend()
    out = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="A")
    body = backend.message_for(out.call, CallStatus.INITIATED, "alice", now=T0, resource="A")
    expected = M.call_message(
        out.call,
        status=CallStatus.INITIATED,
        actor=entity_of(backend, "alice"),
        caller=entity_of(backend, "alice"),
        receiver=entity_of(backend, "bob"),
        message_id=int(body["id"]),
        now=T0,
        resource="A",
    )
    assert body == expected and int(body["id"]) == int(out.reply["id"]) + 1


def test_outcomes_and_deliveries_compare_by_what_they_carry():
    twins = [make_backend(), make_backend()]
    a, b = (
        x.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="A")
        for x in twins
    )
    assert a == b and a.deliveries == b.deliveries
    c = twins[0].update("bob", a.call.session_id, Move.REJECT.value, now=T0, resource="B")
    assert c != a and c.deliveries != a.deliveries
    assert "Outcome(" in repr(a) and "Delivery(" in repr(a.deliveries[0])


# -- positional builds equal the keyword ones ------------------------------------------------------


def _ringing(kind: Kind = Kind.USER) -> CallRecord:
    return CallRecord(
        session_id="v1.eu.app.x",
        kind=kind,
        call_type="audio",
        caller="alice",
        receiver="bob",
        ringing=("bob",),
        initiated_at=T0,
        metadata={"k": 1},
        last_actor="alice",
        engaged_when_rung=("bob",),
    )


@pytest.mark.parametrize("status", list(CallStatus))
def test_set_status_equals_replace(status):
    call = _ringing()
    for start in (call, call._replace(status=CallStatus.ONGOING, joined_at=T0 + 1, participants=("bob",))):
        new, events = _set_status(start, status, "bob", T0 + 7)
        expected = start._replace(status=status, last_actor="bob")
        if status is CallStatus.ONGOING:
            expected = expected._replace(joined_at=T0 + 7, participants=(*start.participants, "bob"))
        if status in TERMINAL:
            expected = expected._replace(ended_at=T0 + 7)
        assert new == expected and type(new) is CallRecord
        assert events == [StatusChanged(session_id=start.session_id, status=status, actor="bob", at=T0 + 7)]


def test_initiate_builds_the_keyword_record():
    backend = make_backend()
    busy = backend.initiate("carol", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="C")
    out = backend.initiate(
        "alice", receiver="bob", receiver_type="user", call_type="video", now=T0 + 1, resource="A", metadata={"m": 2}
    )
    assert out.call == CallRecord(
        session_id=out.call.session_id,
        kind=Kind.USER,
        call_type="video",
        caller="alice",
        receiver="bob",
        ringing=("bob",),
        initiated_at=T0 + 1,
        metadata={"m": 2},
        last_actor="alice",
        engaged_when_rung=("bob",),
    )
    assert busy.events == [
        StatusChanged(session_id=busy.call.session_id, status=CallStatus.INITIATED, actor="carol", at=T0)
    ]


def test_records_and_events_equal_only_their_own_type():
    declined = MemberDeclined(session_id="s", member="busy", status=CallStatus.BUSY, at=1.0)
    changed = StatusChanged(session_id="s", status=CallStatus.BUSY, actor="busy", at=1.0)
    assert tuple(declined) == tuple(changed)
    assert declined != changed and not declined == changed  # noqa: SIM201
    assert changed != tuple(changed) and _ringing() != tuple(_ringing())
    assert changed == StatusChanged(*changed) and hash(changed) == hash(StatusChanged(*changed))
    assert {changed, StatusChanged(*changed)} == {changed}


def test_terminal_set_is_the_terminal_property():
    assert (
        {s for s in CallStatus if s.terminal}
        == TERMINAL
        == set(CallStatus)
        - {
            CallStatus.INITIATED,
            CallStatus.ONGOING,
        }
    )


def test_handle_fast_path_leaves_refusals_to_refusal():
    """A key off the table (ongoing, accept, callee) is refused with refusal()'s code, its precedence kept."""
    call, _ = handle(_ringing(), Move.ACCEPT, actor="bob", now=T0 + 1)
    with pytest.raises(RingsideError) as info:
        handle(call, Move.ACCEPT, actor="bob", now=T0 + 2)
    problem = refusal(call, Move.ACCEPT, "bob")
    assert problem is not None and info.value.code is problem.code is ErrorCode.CALL_ALREADY_ANSWERED


def test_seeded_ids_are_the_sha256_of_seed_kind_and_count():
    ids = IdSource(42)
    got = [ids.next("session", 40), ids.next("token"), ids.next("session", 40)]
    want = [
        hashlib.sha256(b"42:session:1").hexdigest()[:40],
        hashlib.sha256(b"42:token:1").hexdigest()[:32],
        hashlib.sha256(b"42:session:2").hexdigest()[:40],
    ]
    assert got == want


@pytest.mark.parametrize(
    "key", [key for key, row in TRANSITIONS.items() if row.effect is Effect.SET_STATUS], ids="-".join
)
def test_handle_builds_a_status_change_as_set_status_does(key):
    """handle() builds a status change inline: the same record and events as _set_status()."""
    kind, status, move, role = key
    call = reach(kind, status)
    actor = actor_with_role(call, role)
    to = TRANSITIONS[key].to
    assert to is not None
    assert handle(call, move, actor=actor, now=T0 + 50) == _set_status(call, to, actor, T0 + 50)
