"""The table is total: every (kind, status, move, role) either transitions as its row says or is refused.

Two Hypothesis tests, as h2's test_state_machines: one over state x input on the pure ``handle``,
one stateful over a whole :class:`~mockserver.core.Backend` (ids, fan-out, busy-ness, wire shapes).
"""

from __future__ import annotations

import copy

import hypothesis.strategies as st
import pytest
from helpers import CALLER, GROUP, T0, eager, group_call, reach, user_call
from hypothesis import HealthCheck, event, given, settings
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from mockserver.core import (
    SYSTEM_ACTOR,
    SYSTEM_DEVICE,
    TRANSITIONS,
    Backend,
    CallRecord,
    CallStatus,
    ErrorCode,
    Kind,
    Move,
    RingsideError,
    Role,
    handle,
)
from mockserver.core.machine import MemberDeclined, MemberJoined, StatusChanged
from mockserver.core.states import ANSWERS, Effect
from mockserver.schemas import assert_valid

#: The codes ``handle`` may refuse a move with (machine.refusal's docstring).
MOVE_CODES = frozenset(
    {
        ErrorCode.NOT_A_PARTICIPANT,
        ErrorCode.CALL_ALREADY_ENDED,
        ErrorCode.ROLE_NOT_ALLOWED,
        ErrorCode.CALL_ALREADY_ANSWERED,
        ErrorCode.NOT_IN_CALL,
        ErrorCode.CALL_WRONG_STATE,
    }
)
#: A listed key can still be refused, but only for what the acting member did before.
PER_MEMBER_CODES = frozenset({ErrorCode.CALL_ALREADY_ANSWERED, ErrorCode.NOT_IN_CALL})
ALL_MEMBERS = ("bob", "carol", "dave")


# -- records in every status, with varied histories -------------------------------------------------


def _step(call: CallRecord, actor: str, move: Move, now: float) -> CallRecord:
    new, _ = handle(call, move, actor=actor, now=now)
    return new


@st.composite
def records(draw: st.DrawFn, kind: Kind, status: CallStatus) -> CallRecord:
    """A call of ``kind`` in ``status``, reached by a drawn legal history."""
    now = T0
    if kind is Kind.USER:
        call = user_call()
        if status is CallStatus.INITIATED:
            return call
        if status in (CallStatus.ONGOING, CallStatus.ENDED):
            call = _step(call, "bob", Move.ACCEPT, now + draw(st.integers(0, 60)))
            if status is CallStatus.ENDED:
                call = _step(call, draw(st.sampled_from([CALLER, "bob"])), Move.END, now + 100)
            return call
        actor, move = {
            CallStatus.REJECTED: ("bob", Move.REJECT),
            CallStatus.BUSY: ("bob", Move.BUSY),
            CallStatus.CANCELLED: (CALLER, Move.CANCEL),
            CallStatus.UNANSWERED: (draw(st.sampled_from([CALLER, SYSTEM_ACTOR])), Move.UNANSWERED),
        }[status]
        return _step(call, actor, move, now + 1)

    members = draw(st.lists(st.sampled_from(ALL_MEMBERS), min_size=1, max_size=3, unique=True))
    call = group_call(members=members)
    order = draw(st.permutations(members))
    if status in (CallStatus.REJECTED, CallStatus.BUSY):
        moves = [Move.BUSY] * len(order)
        if status is CallStatus.REJECTED:
            moves = [draw(st.sampled_from([Move.REJECT, Move.BUSY])) for _ in order]
            moves[draw(st.integers(0, len(order) - 1))] = Move.REJECT
        for i, (uid, move) in enumerate(zip(order, moves, strict=True)):
            call = _step(call, uid, move, now + i)
        return call
    # decline some (never all), then maybe accept and join
    declining = draw(st.integers(0, len(order) - 1))
    for uid in order[:declining]:
        call = _step(call, uid, draw(st.sampled_from([Move.REJECT, Move.BUSY])), now)
    rest = order[declining:]
    if status in (CallStatus.ONGOING, CallStatus.ENDED):
        joining = draw(st.integers(1, len(rest)))
        for uid in rest[:joining]:
            call = _step(call, uid, Move.ACCEPT, now + 1)
        if status is CallStatus.ENDED:
            call = _step(call, draw(st.sampled_from([CALLER, *call.participants])), Move.END, now + 2)
    elif status is CallStatus.CANCELLED:
        call = _step(call, CALLER, Move.CANCEL, now + 1)
    elif status is CallStatus.UNANSWERED:
        call = _step(call, draw(st.sampled_from([CALLER, SYSTEM_ACTOR])), Move.UNANSWERED, now + 1)
    return call


def expected_refusal(call: CallRecord, move: Move, actor: str) -> ErrorCode | None:
    """The documented precedence, written independently of the machine: the code, or None if allowed."""
    role = call.role_of(actor)
    if role is Role.OUTSIDER:
        return ErrorCode.NOT_A_PARTICIPANT
    if call.status.terminal:
        return ErrorCode.CALL_ALREADY_ENDED
    if not any((call.kind, s, move, role) in TRANSITIONS for s in CallStatus):
        return ErrorCode.ROLE_NOT_ALLOWED
    if role is Role.CALLEE and move in ANSWERS:
        answered = (
            call.status is not CallStatus.INITIATED
            if call.kind is Kind.USER
            else (actor in call.participants or actor in call.declines)
        )
        if answered:
            return ErrorCode.CALL_ALREADY_ANSWERED
    if call.kind is Kind.GROUP and role is Role.CALLEE and move is Move.END and actor not in call.participants:
        return ErrorCode.NOT_IN_CALL
    if (call.kind, call.status, move, role) not in TRANSITIONS:
        return ErrorCode.CALL_WRONG_STATE
    return None


@st.composite
def situations(draw: st.DrawFn) -> tuple[CallRecord, Move, Role, str]:
    kind = draw(st.sampled_from(list(Kind)))
    status = draw(st.sampled_from(list(CallStatus)))
    call = draw(records(kind, status))
    move = draw(st.sampled_from(list(Move)))
    role = draw(st.sampled_from(list(Role)))
    actor = {
        Role.CALLER: call.caller,
        Role.CALLEE: draw(st.sampled_from(call.ringing)),
        Role.SYSTEM: SYSTEM_ACTOR,
        Role.OUTSIDER: draw(st.sampled_from(["mallory", GROUP, *(m for m in ALL_MEMBERS if m not in call.ringing)])),
    }[role]
    assert call.role_of(actor) is role
    return call, move, role, actor


def check_move(call: CallRecord, move: Move, role: Role, actor: str, now: float) -> bool:
    """Apply ``move``: it follows its row of TRANSITIONS (True), or it is refused with a documented code and no
    change (False)."""
    key = (call.kind, call.status, move, role)
    before = copy.deepcopy(call)
    try:
        new, events = handle(call, move, actor=actor, now=now)
    except RingsideError as error:
        assert error.code in MOVE_CODES
        assert error.code is expected_refusal(call, move, actor)
        if key in TRANSITIONS:
            assert error.code in PER_MEMBER_CODES, (key, error.code)
        assert call == before, "a refused move changed the record"
        assert error.envelope()["error"]["code"] == error.code.value
        return False
    assert call == before, "handle mutated its input"
    assert key in TRANSITIONS, f"{key} is not in the table but was allowed"
    assert expected_refusal(call, move, actor) is None
    row = TRANSITIONS[key]
    assert new.last_actor == actor  # every accepted move records who made it, a lone decline included
    assert all(e.session_id == call.session_id and e.at == now for e in events)
    if row.effect is Effect.SET_STATUS:
        assert new.status is row.to
        assert events == [StatusChanged(session_id=call.session_id, status=row.to, actor=actor, at=now)]
        assert new.joined_at == (now if row.to is CallStatus.ONGOING else call.joined_at)
        assert new.ended_at == (now if new.status.terminal else None)
    elif row.effect is Effect.DECLINE:
        assert isinstance(events[0], MemberDeclined) and events[0].member == actor
        assert new.declines == {**call.declines, actor: move}
        everyone = set(new.declines) == set(call.ringing)
        if everyone:
            final = CallStatus.BUSY if all(m is Move.BUSY for m in new.declines.values()) else CallStatus.REJECTED
            assert new.status is final and new.ended_at == now
            assert events[1:] == [StatusChanged(session_id=call.session_id, status=final, actor=actor, at=now)]
        else:
            assert new.status is CallStatus.INITIATED and events[1:] == []
    else:
        assert events == [MemberJoined(session_id=call.session_id, member=actor, at=now)]
        assert new.status is CallStatus.ONGOING and new.participants == (*call.participants, actor)
    return True


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situation=situations(), now=st.floats(T0 + 1000, T0 + 10_000, allow_nan=False))
def test_every_state_and_move_transitions_or_is_refused(situation, now):
    call, move, role, actor = situation
    check_move(call, move, role, actor, now)


def test_every_key_exhaustively():
    """Every one of the kind x status x move x role combinations, on the canonical path to each status."""
    seen, accepted = set(), set()
    for kind in Kind:
        for status in CallStatus:
            call = reach(kind, status)
            for move in Move:
                for role in Role:
                    actors = {
                        Role.CALLER: [call.caller],
                        Role.CALLEE: list(call.ringing),
                        Role.SYSTEM: [SYSTEM_ACTOR],
                        Role.OUTSIDER: ["mallory"],
                    }[role]
                    for actor in actors:
                        if check_move(call, move, role, actor, T0 + 5000):
                            accepted.add((kind, status, move, role))
                    seen.add((kind, status, move, role))
    assert len(seen) == len(Kind) * len(CallStatus) * len(Move) * len(Role)
    assert accepted == set(TRANSITIONS), "every row is taken by someone, and nothing else is"


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("status", list(CallStatus))
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_records_strategy_reaches_every_status(kind, status, data):
    """Sanity of the strategy above: each (kind, status) pair has records."""
    call = data.draw(records(kind, status))
    assert (call.kind, call.status) == (kind, status)


# -- a whole backend, stateful ---------------------------------------------------------------------

USERS = ("alice", "bob", "carol", "mallory")
GROUPS = {"team": ["alice", "bob", "carol"], "pair": ["bob", "carol"]}
SEED = 7
RING_TIMEOUT = 60.0


def _backend(seed: int) -> Backend:
    backend = Backend(app_id="app", region="eu", seed=seed, ring_timeout=RING_TIMEOUT)
    for uid in USERS:
        backend.directory.add_user(uid, now=T0)
    for guid, members in GROUPS.items():
        backend.directory.add_group(guid, name=None, members=members, now=T0)
    return backend


def _comparable(result: object) -> object:
    if isinstance(result, RingsideError):
        return ("error", result.code, result.message, result.details)
    assert isinstance(result, list)
    return [(o.call, o.reply, o.deliveries, o.events) for o in result]


class BackendMachine(RuleBasedStateMachine):
    """Two backends with the same seed, driven in lockstep by random actors."""

    sessions = Bundle("sessions")

    def __init__(self) -> None:
        super().__init__()
        self.backend = _backend(SEED)
        self.twin = _backend(SEED)
        self.now = T0
        self.terminal: dict[str, CallRecord] = {}

    def _both(self, action):
        results = []
        for backend in (self.backend, self.twin):
            try:
                outcome = action(backend)
            except RingsideError as error:
                results.append(error)
            else:
                results.append(outcome if isinstance(outcome, list) else [outcome])
        first, second = results
        assert _comparable(first) == _comparable(second), "same seed, same moves, different results"
        return first

    def _check(self, outcomes: list, resource: str | None) -> None:
        for outcome in outcomes:
            call = outcome.call
            assert_valid("wire/call-message", outcome.reply)
            assert outcome.reply["data"]["entities"]["on"]["entity"]["sessionid"] == call.session_id
            assert len(outcome.deliveries) == len(outcome.events) >= 1
            for happened, delivery in zip(outcome.events, outcome.deliveries, strict=True):
                assert_valid("wire/ws-call-frame", delivery.frame)
                assert delivery.frame["deviceId"] == (resource or SYSTEM_DEVICE), "the echo rule's stamp"
                if isinstance(happened, StatusChanged):
                    assert delivery.uids == call.parties
                    assert delivery.frame["body"]["data"]["entities"]["on"]["entity"]["status"] == happened.status
                else:
                    assert isinstance(happened, MemberDeclined | MemberJoined)
                    assert delivery.uids == (happened.member,)
            assert outcome.reply == outcome.deliveries[0].frame["body"]
            # laid out when read, they are what the eager layout gave at the move
            assert [d.frame for d in outcome.deliveries] == eager(self.backend, outcome, resource)

    @rule(
        target=sessions,
        actor=st.sampled_from(USERS),
        receiver=st.sampled_from([*USERS, *GROUPS, "nobody"]),
        call_type=st.sampled_from(["audio", "video"]),
        resource=st.sampled_from([None, "WEB-1", "WEB-2"]),
    )
    def initiate(self, actor, receiver, call_type, resource):
        kind = "group" if receiver in GROUPS else "user"
        busy = {uid for uid in USERS if self.backend.engaged(uid)}
        result = self._both(
            lambda b: b.initiate(
                actor, receiver=receiver, receiver_type=kind, call_type=call_type, now=self.now, resource=resource
            )
        )
        if isinstance(result, RingsideError):
            assert result.code in {
                ErrorCode.RECEIVER_NOT_FOUND,
                ErrorCode.CANNOT_CALL_SELF,
                ErrorCode.NOT_A_GROUP_MEMBER,
            }
            return multiple()
        self._check(result, resource)
        call = result[0].call
        assert call.engaged_when_rung == tuple(uid for uid in call.ringing if uid in busy)
        return call.session_id

    @rule(
        session=sessions,
        data=st.data(),
        status=st.sampled_from([*(m.value for m in Move), *(m.value for m in Move), "initiated", "ringing"]),
        resource=st.sampled_from([None, "WEB-1", "WEB-2"]),
    )
    def update(self, session, data, status, resource, actor=None):
        call = self.backend.calls[session]
        if actor is None:  # mostly a party of the call, sometimes anyone
            actor = data.draw(st.one_of(st.sampled_from(call.parties), st.sampled_from([*USERS, SYSTEM_ACTOR])))
        result = self._both(lambda b: b.update(actor, session, status, now=self.now, resource=resource))
        event(f"update: {result.code if isinstance(result, RingsideError) else result[0].call.status}")
        if isinstance(result, RingsideError):
            assert result.code in MOVE_CODES | {ErrorCode.INVALID_STATUS}
            if status not in {m.value for m in Move}:
                assert result.code is ErrorCode.INVALID_STATUS
        else:
            assert status in {m.value for m in Move}
            self._check(result, resource)

    @rule(session=sessions, data=st.data(), resource=st.sampled_from([None, "WEB-1"]))
    def plausible_update(self, session, data, resource):
        """A party makes a move the table lists for its role and the call's status (drives calls forward)."""
        call = self.backend.calls[session]
        actor = data.draw(st.sampled_from([*call.parties, SYSTEM_ACTOR]))
        role = call.role_of(actor)
        moves = [m for (k, s, m, r) in TRANSITIONS if (k, s, r) == (call.kind, call.status, role)]
        if not moves:
            return
        self.update(session, data, data.draw(st.sampled_from(moves)).value, resource, actor=actor)

    @rule(seconds=st.floats(0, 90, allow_nan=False))
    def tick(self, seconds):
        self.now += seconds

    @rule()
    def expire(self):
        result = self._both(lambda b: b.expire(self.now))
        assert isinstance(result, list)
        self._check(result, SYSTEM_DEVICE)
        for outcome in result:
            assert outcome.call.status is CallStatus.UNANSWERED
            assert outcome.call.last_actor == SYSTEM_ACTOR

    @invariant()
    def terminal_calls_never_change(self):
        for sid, frozen in self.terminal.items():
            assert self.backend.calls[sid] == frozen, f"terminal call {sid} changed"
        for sid, call in self.backend.calls.items():
            if call.status.terminal:
                self.terminal.setdefault(sid, call)

    @invariant()
    def engaged_matches_statuses(self):
        for uid in USERS:
            engaged = self.backend.engaged(uid)
            expected = [
                c.session_id
                for c in self.backend.calls.values()
                if (
                    c.status is CallStatus.INITIATED
                    and (uid == c.caller or (uid in c.ringing and uid not in c.declines))
                )
                or (c.status is CallStatus.ONGOING and (uid == c.caller or uid in c.participants))
            ]
            assert engaged == expected
            assert all(not self.backend.calls[sid].status.terminal for sid in engaged)

    @invariant()
    def deadline_is_earliest_ringing_call(self):
        ringing = [
            c.initiated_at + RING_TIMEOUT for c in self.backend.calls.values() if c.status is CallStatus.INITIATED
        ]
        assert self.backend.next_deadline() == min(ringing, default=None)


BackendMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_backend_stateful = BackendMachine.TestCase
