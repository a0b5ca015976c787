"""The call state machine, driven directly: every row of TRANSITIONS, every refusal, group semantics.

No loop, no fixtures: build a record, feed moves with an explicit ``now``, assert (record, events).
"""

from __future__ import annotations

import copy

import pytest
from helpers import CALLEE, CALLER, OUTSIDER, T0, actor_with_role, apply, group_call, reach, user_call

from mockserver.core import SYSTEM_ACTOR, TRANSITIONS, CallRecord, CallStatus, ErrorCode, Kind, Move, Role, handle
from mockserver.core import refusal as refusal_of
from mockserver.core.machine import MemberDeclined, MemberJoined, StatusChanged, ring_deadline
from mockserver.core.states import Effect, state_diagram

NOW = T0 + 42.0


def _actor_for_row(call: CallRecord, move: Move, role: Role) -> str:
    """An actor of ``role`` for whom the row's move is allowed in ``call``."""
    if role is Role.CALLEE and call.kind is Kind.GROUP:
        if move is Move.END:
            return call.participants[0]
        return next(uid for uid in call.ringing if uid not in call.participants and uid not in call.declines)
    return actor_with_role(call, role)


def _refused(call: CallRecord, move: Move, actor: str, now: float = NOW) -> ErrorCode:
    before = copy.deepcopy(call)
    with pytest.raises(Exception) as info:
        handle(call, move, actor=actor, now=now)
    error = info.value
    assert type(error).__name__ == "RingsideError", error
    assert call == before, "a refused move must leave the record as it was"
    problem = refusal_of(call, move, actor)
    assert problem is not None and problem.code is error.code, "refusal() and handle() disagree"
    return error.code


# -- every row of the table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "row"),
    list(TRANSITIONS.items()),
    ids=[f"{k.value}-{s.value}-{m.name}-{r.value}" for k, s, m, r in TRANSITIONS],
)
def test_every_legal_transition(key, row):
    kind, status, move, role = key
    call = reach(kind, status)
    actor = _actor_for_row(call, move, role)
    assert refusal_of(call, move, actor) is None

    new, events = handle(call, move, actor=actor, now=NOW)

    # what never changes
    for name in ("session_id", "kind", "call_type", "caller", "receiver", "ringing", "initiated_at", "metadata"):
        assert getattr(new, name) == getattr(call, name), name
    if row.effect is Effect.SET_STATUS:
        assert row.to is not None
        assert new.status is row.to
        assert events == [StatusChanged(session_id=call.session_id, status=row.to, actor=actor, at=NOW)]
        assert new.last_actor == actor
        if row.to is CallStatus.ONGOING:
            assert new.joined_at == NOW
            assert new.participants == (actor,)
        else:
            assert new.joined_at == call.joined_at
            assert new.participants == call.participants
        assert new.ended_at == (NOW if row.to.terminal else None)
    elif row.effect is Effect.DECLINE:
        assert kind is Kind.GROUP
        assert new.status is CallStatus.INITIATED, "one decline of several keeps the call ringing"
        assert new.declines == {actor: move}
        assert new.ended_at is None
        assert events == [
            MemberDeclined(session_id=call.session_id, member=actor, status=CallStatus(move.value), at=NOW)
        ]
    else:
        assert row.effect is Effect.JOIN
        assert kind is Kind.GROUP
        assert new.status is CallStatus.ONGOING
        assert new.participants == (*call.participants, actor)
        assert new.joined_at == call.joined_at, "a join does not move the call's joinedAt"
        assert new.last_actor == actor
        assert events == [MemberJoined(session_id=call.session_id, member=actor, at=NOW)]


def test_table_shape():
    for (kind, status, _move, role), row in TRANSITIONS.items():
        assert not status.terminal, "a terminal call accepts nothing"
        assert role is not Role.OUTSIDER
        if row.effect is Effect.SET_STATUS:
            assert row.to is not None
        else:
            assert kind is Kind.GROUP and row.to is None
    # both kinds have exactly the same keys: they differ only in effects
    user = {(s, m, r) for k, s, m, r in TRANSITIONS if k is Kind.USER}
    group = {(s, m, r) for k, s, m, r in TRANSITIONS if k is Kind.GROUP}
    assert group - user == {(CallStatus.ONGOING, Move.ACCEPT, Role.CALLEE)}
    assert user <= group


def test_state_diagram_names_every_row():
    diagram = state_diagram()
    assert diagram.startswith("stateDiagram-v2")
    assert len([line for line in diagram.splitlines() if "-->" in line]) == len(TRANSITIONS) + 1 + 5


# -- one-to-one calls, by hand ----------------------------------------------------------------------


def test_user_accept_then_caller_ends():
    call = user_call()
    ongoing, events = handle(call, Move.ACCEPT, actor=CALLEE, now=T0 + 5)
    assert (ongoing.status, ongoing.joined_at, ongoing.ended_at) == (CallStatus.ONGOING, T0 + 5, None)
    assert ongoing.participants == (CALLEE,)
    assert events == [StatusChanged(session_id=call.session_id, status=CallStatus.ONGOING, actor=CALLEE, at=T0 + 5)]
    ended, events = handle(ongoing, Move.END, actor=CALLER, now=T0 + 65)
    assert (ended.status, ended.joined_at, ended.ended_at) == (CallStatus.ENDED, T0 + 5, T0 + 65)
    assert events[0].status is CallStatus.ENDED and events[0].actor == CALLER


def test_user_callee_ends():
    ended = apply(user_call(), (CALLEE, Move.ACCEPT), (CALLEE, Move.END))
    assert ended.status is CallStatus.ENDED and ended.last_actor == CALLEE


@pytest.mark.parametrize(
    ("actor", "move", "status"),
    [
        (CALLEE, Move.REJECT, CallStatus.REJECTED),
        (CALLEE, Move.BUSY, CallStatus.BUSY),
        (CALLER, Move.CANCEL, CallStatus.CANCELLED),
        (CALLER, Move.UNANSWERED, CallStatus.UNANSWERED),
        (SYSTEM_ACTOR, Move.UNANSWERED, CallStatus.UNANSWERED),
    ],
)
def test_user_call_ends_without_being_answered(actor, move, status):
    new, events = handle(user_call(), move, actor=actor, now=T0 + 3)
    assert new.status is status
    assert new.ended_at == T0 + 3
    assert new.joined_at is None and new.participants == ()
    assert [type(e) for e in events] == [StatusChanged]


# -- refusals, one per code, and their precedence -------------------------------------------------


def test_outsider_is_not_a_participant():
    assert _refused(user_call(), Move.ACCEPT, OUTSIDER) is ErrorCode.NOT_A_PARTICIPANT


def test_not_a_participant_beats_already_ended():
    assert _refused(reach(Kind.USER, CallStatus.ENDED), Move.END, OUTSIDER) is ErrorCode.NOT_A_PARTICIPANT


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("status", [s for s in CallStatus if s.terminal])
@pytest.mark.parametrize("move", list(Move))
@pytest.mark.parametrize("role", [Role.CALLER, Role.CALLEE, Role.SYSTEM])
def test_terminal_call_refuses_everything_with_already_ended(kind, status, move, role):
    call = reach(kind, status)
    assert _refused(call, move, actor_with_role(call, role)) is ErrorCode.CALL_ALREADY_ENDED


@pytest.mark.parametrize(
    ("role", "move"),
    [
        (Role.CALLER, Move.ACCEPT),
        (Role.CALLER, Move.REJECT),
        (Role.CALLER, Move.BUSY),
        (Role.CALLEE, Move.CANCEL),
        (Role.CALLEE, Move.UNANSWERED),
        (Role.SYSTEM, Move.ACCEPT),
        (Role.SYSTEM, Move.REJECT),
        (Role.SYSTEM, Move.BUSY),
        (Role.SYSTEM, Move.CANCEL),
        (Role.SYSTEM, Move.END),
    ],
)
@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("status", [CallStatus.INITIATED, CallStatus.ONGOING])
def test_role_not_allowed(kind, status, role, move):
    call = reach(kind, status)
    actor = actor_with_role(call, role)
    if role is Role.CALLEE and kind is Kind.GROUP:
        actor = "carol"  # a member who has not answered: nothing but the role is wrong
    assert _refused(call, move, actor) is ErrorCode.ROLE_NOT_ALLOWED


def test_already_ended_beats_role_not_allowed():
    # the caller may never accept, but the call being over is the first thing wrong
    assert _refused(reach(Kind.USER, CallStatus.REJECTED), Move.ACCEPT, CALLER) is ErrorCode.CALL_ALREADY_ENDED


def test_role_not_allowed_beats_wrong_state():
    # (user, ongoing, cancel, caller) is absent and so is any (user, *, cancel, callee): role first
    assert _refused(reach(Kind.USER, CallStatus.ONGOING), Move.CANCEL, CALLEE) is ErrorCode.ROLE_NOT_ALLOWED
    assert _refused(reach(Kind.USER, CallStatus.ONGOING), Move.ACCEPT, CALLER) is ErrorCode.ROLE_NOT_ALLOWED


@pytest.mark.parametrize("move", [Move.ACCEPT, Move.REJECT, Move.BUSY])
def test_user_callee_cannot_answer_twice(move):
    # (user, ongoing, reject|busy, callee) is not in the table: already answered wins over wrong state
    assert _refused(reach(Kind.USER, CallStatus.ONGOING), move, CALLEE) is ErrorCode.CALL_ALREADY_ANSWERED


@pytest.mark.parametrize("first", [Move.ACCEPT, Move.REJECT, Move.BUSY])
@pytest.mark.parametrize("second", [Move.ACCEPT, Move.REJECT, Move.BUSY])
def test_group_member_cannot_answer_twice(first, second):
    call = apply(group_call(), ("bob", first))
    assert _refused(call, second, "bob") is ErrorCode.CALL_ALREADY_ANSWERED


def test_not_in_call_beats_wrong_state():
    # ending a ringing group call as a member: the member never joined
    assert _refused(group_call(), Move.END, "bob") is ErrorCode.NOT_IN_CALL


@pytest.mark.parametrize(
    ("kind", "status", "move", "actor"),
    [
        (Kind.USER, CallStatus.INITIATED, Move.END, CALLER),
        (Kind.USER, CallStatus.INITIATED, Move.END, CALLEE),
        (Kind.USER, CallStatus.ONGOING, Move.CANCEL, CALLER),
        (Kind.USER, CallStatus.ONGOING, Move.UNANSWERED, CALLER),
        (Kind.USER, CallStatus.ONGOING, Move.UNANSWERED, SYSTEM_ACTOR),
        (Kind.GROUP, CallStatus.INITIATED, Move.END, CALLER),
        (Kind.GROUP, CallStatus.ONGOING, Move.CANCEL, CALLER),
        (Kind.GROUP, CallStatus.ONGOING, Move.UNANSWERED, SYSTEM_ACTOR),
        (Kind.GROUP, CallStatus.ONGOING, Move.REJECT, "carol"),
        (Kind.GROUP, CallStatus.ONGOING, Move.BUSY, "carol"),
    ],
)
def test_wrong_state(kind, status, move, actor):
    assert _refused(reach(kind, status), move, actor) is ErrorCode.CALL_WRONG_STATE


def test_refusal_details_and_side():
    error = refusal_of(reach(Kind.USER, CallStatus.ENDED), Move.ACCEPT, CALLEE)
    assert error is not None
    assert error.details == {"sessionId": "v1.eu.app.u1", "status": "ended", "requested": "ongoing"}
    assert error.status_hint == 409
    assert error.envelope()["error"]["code"] == "ERR_CALL_ALREADY_ENDED"
    assert error.side.value == "client"


# -- group semantics --------------------------------------------------------------------------------


def test_group_decline_keeps_ringing_and_tells_only_the_decliner():
    call = group_call()
    new, events = handle(call, Move.REJECT, actor="bob", now=NOW)
    assert new.status is CallStatus.INITIATED
    assert events == [MemberDeclined(session_id=call.session_id, member="bob", status=CallStatus.REJECTED, at=NOW)]
    assert not new.live_for("bob") and new.live_for("carol") and new.live_for(CALLER)


def test_group_decline_records_the_last_actor():
    new, _ = handle(group_call(), Move.BUSY, actor="carol", now=NOW)
    assert new.last_actor == "carol"


def test_group_all_decline_rejects():
    call = apply(group_call(), ("bob", Move.REJECT), ("carol", Move.BUSY))
    new, events = handle(call, Move.REJECT, actor="dave", now=NOW)
    assert new.status is CallStatus.REJECTED
    assert new.ended_at == NOW and new.last_actor == "dave"
    assert events == [
        MemberDeclined(session_id=call.session_id, member="dave", status=CallStatus.REJECTED, at=NOW),
        StatusChanged(session_id=call.session_id, status=CallStatus.REJECTED, actor="dave", at=NOW),
    ]


def test_group_all_busy_is_busy():
    call = apply(group_call(), ("bob", Move.BUSY), ("carol", Move.BUSY))
    new, events = handle(call, Move.BUSY, actor="dave", now=NOW)
    assert new.status is CallStatus.BUSY
    assert [type(e) for e in events] == [MemberDeclined, StatusChanged]
    assert events[1].status is CallStatus.BUSY


def test_group_accept_after_declines_goes_ongoing():
    call = apply(group_call(), ("bob", Move.REJECT), ("carol", Move.BUSY))
    new, events = handle(call, Move.ACCEPT, actor="dave", now=NOW)
    assert new.status is CallStatus.ONGOING and new.participants == ("dave",) and new.joined_at == NOW
    assert events == [StatusChanged(session_id=call.session_id, status=CallStatus.ONGOING, actor="dave", at=NOW)]


def test_group_join_while_ongoing_tells_only_the_joiner():
    call = apply(group_call(), ("bob", Move.ACCEPT))
    new, events = handle(call, Move.ACCEPT, actor="carol", now=NOW)
    assert new.status is CallStatus.ONGOING
    assert new.participants == ("bob", "carol")
    assert new.joined_at == call.joined_at
    assert events == [MemberJoined(session_id=call.session_id, member="carol", at=NOW)]
    assert new.live_for("carol") and not new.live_for("dave")


@pytest.mark.parametrize("ender", [CALLER, "bob", "carol"])
def test_group_end_by_a_joined_member_or_caller_ends_it(ender):
    call = apply(group_call(), ("bob", Move.ACCEPT), ("carol", Move.ACCEPT))
    new, events = handle(call, Move.END, actor=ender, now=NOW)
    assert new.status is CallStatus.ENDED and new.ended_at == NOW
    assert events == [StatusChanged(session_id=call.session_id, status=CallStatus.ENDED, actor=ender, at=NOW)]


@pytest.mark.parametrize("member", ["carol", "dave"])
def test_group_end_by_a_member_who_never_joined(member):
    call = apply(group_call(), ("dave", Move.REJECT), ("bob", Move.ACCEPT))
    assert _refused(call, Move.END, member) is ErrorCode.NOT_IN_CALL


def test_group_decliner_cannot_join_later():
    call = apply(group_call(), ("dave", Move.REJECT), ("bob", Move.ACCEPT))
    assert _refused(call, Move.ACCEPT, "dave") is ErrorCode.CALL_ALREADY_ANSWERED


def test_group_of_one_member_rejects_on_first_decline():
    call = group_call(members=("bob",))
    new, events = handle(call, Move.BUSY, actor="bob", now=NOW)
    assert new.status is CallStatus.BUSY
    assert [type(e) for e in events] == [MemberDeclined, StatusChanged]


# -- liveness and the ring deadline -----------------------------------------------------------------


def test_live_for_follows_the_status():
    call = user_call()
    assert call.live_for(CALLER) and call.live_for(CALLEE) and not call.live_for(OUTSIDER)
    ongoing = reach(Kind.USER, CallStatus.ONGOING)
    assert ongoing.live_for(CALLER) and ongoing.live_for(CALLEE)
    for status in (s for s in CallStatus if s.terminal):
        ended = reach(Kind.USER, status)
        assert not ended.live_for(CALLER) and not ended.live_for(CALLEE)


def test_role_of():
    call = group_call()
    assert call.role_of(CALLER) is Role.CALLER
    assert call.role_of("carol") is Role.CALLEE
    assert call.role_of(SYSTEM_ACTOR) is Role.SYSTEM
    assert call.role_of(OUTSIDER) is Role.OUTSIDER
    assert call.parties == (CALLER, "bob", "carol", "dave")


def test_ring_deadline():
    call = user_call(now=T0)
    assert ring_deadline(call, None) is None
    assert ring_deadline(call, 45.0) == T0 + 45.0
    assert ring_deadline(reach(Kind.USER, CallStatus.ONGOING), 45.0) is None
    assert ring_deadline(reach(Kind.USER, CallStatus.CANCELLED), 45.0) is None
