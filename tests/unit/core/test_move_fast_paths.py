"""The per-move fast paths build what the plain forms build.

A user-call move makes its Outcome and Delivery without their Python ``__init__``; ``handle`` finds its
row in an index of :data:`~mockserver.core.TRANSITIONS`; a user call's accept reuses its ringing tuple as
its participants (one tuple for every user call between the same two); a user's kept wrap is remade from
the kept one when only ``lastActiveAt`` changed; ``trim`` finds the earliest ended call in a queue of its
own. Each is pinned here against the plain form it stands for.
"""

from __future__ import annotations

from helpers import eager

from mockserver.core import TRANSITIONS, Backend, CallStatus, Kind, Move, Role, handle
from mockserver.core.backend import Delivery, Outcome
from mockserver.core.machine import _ROWS
from mockserver.core.messages import user_wrap

T0 = 1_800_000_000.0


def make_backend() -> Backend:
    backend = Backend(app_id="app", region="eu", seed=9)
    for uid in ("alice", "bob", "carol"):
        backend.directory.add_user(uid, now=T0)
    backend.directory.add_group("team", name="Team", members=["alice", "bob", "carol"], now=T0)
    return backend


def test_a_moves_outcome_and_delivery_equal_the_constructed_ones():
    backend = make_backend()
    out = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="A")
    delivery = out.deliveries[0]
    assert isinstance(out, Outcome) and isinstance(delivery, Delivery)
    built = Outcome(out.call, out.events, [Delivery(delivery.uids, delivery.frame)])
    assert out == built and built == out and delivery == built.deliveries[0]
    assert out.reply is delivery.frame["body"] and built.reply is out.reply
    assert repr(out) == repr(built) and repr(delivery) == repr(built.deliveries[0])


def test_handles_row_index_is_the_transition_table():
    indexed = {
        (kind, status, move, role): row
        for kind, by_status in _ROWS.items()
        for status, by_move in by_status.items()
        for move, by_role in by_move.items()
        for role, row in by_role.items()
    }
    assert indexed == {key: (row.effect, row.to) for key, row in TRANSITIONS.items()}
    # every kind, status and move is present, so handle()'s subscripts never miss
    assert all(set(_ROWS[kind][status]) == set(Move) for kind in Kind for status in CallStatus)
    assert not _ROWS[Kind.USER][CallStatus.ENDED][Move.END].get(Role.CALLER)


def test_a_user_call_accepted_has_its_callee_as_its_one_participant():
    backend = make_backend()
    out = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="A")
    accepted, _ = handle(out.call, Move.ACCEPT, actor="bob", now=T0 + 1)
    assert accepted.participants == ("bob",) == accepted.ringing
    assert accepted == out.call._replace(
        status=CallStatus.ONGOING, joined_at=T0 + 1, participants=("bob",), last_actor="bob"
    )
    # every user call between the same two users shares its tuples of uids (tuples: nothing changes them)
    again = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="A")
    assert again.call.ringing is out.call.ringing and again.deliveries[0].uids is out.deliveries[0].uids
    assert out.deliveries[0].uids == ("alice", "bob") and out.call.ringing == ("bob",)
    group = backend.initiate("alice", receiver="team", receiver_type="group", call_type="video", now=T0, resource="A")
    joined, _ = handle(group.call, Move.ACCEPT, actor="carol", now=T0 + 1)
    assert joined.participants == ("carol",) and joined.ringing == ("bob", "carol")


def test_a_wrap_remade_for_lastactiveat_alone_is_the_plain_wrap():
    backend = make_backend()
    backend.online.add("bob")
    out = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="A")
    sid = out.call.session_id
    # bob moves two seconds later (a new lastActiveAt), then alice in the same second as bob
    for actor, status, now in (("bob", Move.ACCEPT, T0 + 2.5), ("alice", Move.END, T0 + 2.9)):
        move = backend.update(actor, sid, status.value, now=now, resource=actor)
        frame = move.deliveries[0].frame
        assert [frame] == eager(backend, move, actor)
        users = backend.directory.users
        entities = frame["body"]["data"]["entities"]
        assert entities["by"] == user_wrap(users[actor], online=actor == "bob")
        assert entities["on"]["entity"]["data"]["entities"]["receiver"] == user_wrap(users["bob"], online=True)
        assert entities["by"]["entity"]["lastActiveAt"] == int(now)


def test_trim_reads_the_earliest_ended_call_from_its_own_queue():
    backend = Backend(app_id="app", region="eu", seed=9, max_ended_calls=3, call_retention=10.0)
    for uid in ("alice", "bob"):
        backend.directory.add_user(uid, now=T0)
    sids = []
    for i in range(50):
        out = backend.initiate(
            "alice", receiver="bob", receiver_type="user", call_type="audio", now=T0 + i, resource="A"
        )
        sids.append(out.call.session_id)
        backend.update("alice", sids[-1], Move.CANCEL.value, now=T0 + i, resource="A")
    # the last three, in the order they ended; the queue holds no more than the dict
    assert list(backend.ended) == list(backend._ended_order) == sids[-3:] == list(backend.calls)
    assert backend.calls_trimmed == 47
    assert backend.trim(T0 + 57) == [] and backend.trim(T0 + 57.5) == sids[-3:-2]  # (ended at T0 + 47)
    assert list(backend.ended) == list(backend._ended_order) == sids[-2:]
