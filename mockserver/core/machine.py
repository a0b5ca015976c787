"""The pure call state machine: apply a move to a call at time ``now``, get the new call and events.

Nothing here reads a clock, awaits, or does I/O. A call is an immutable :class:`CallRecord`;
:func:`handle` returns a new record plus the events the move caused, or raises
:class:`~mockserver.core.errors.RingsideError` and changes nothing.

Speed (docs/performance.md): records and events are named tuples, so the next record is a single
tuple allocation (``dataclasses.replace`` cost more than the rest of a move); :func:`handle` looks its
row up in :data:`~mockserver.core.states.TRANSITIONS` first (the actor's role worked out inline, a
status change built inline) and asks :func:`refusal` why only when the row is missing or the
per-member checks fail, so an allowed move costs one dict lookup, not a table scan. Records and events
compare equal only to their own type (not to a plain tuple).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from mockserver.core.errors import ErrorCode, RingsideError
from mockserver.core.states import ANSWERS, TERMINAL, TRANSITIONS, CallStatus, Effect, Kind, Move, Role

#: The actor id the server uses for its own moves (server-side ring expiry).
SYSTEM_ACTOR = "ringside-system"

# Enum members as module globals for the per-move code: ``CallStatus.ONGOING`` is a metaclass attribute
# lookup (~0.25 µs each on CPython 3.11), a global is a dict hit.
_INITIATED, _ONGOING = CallStatus.INITIATED, CallStatus.ONGOING
_CALLER, _CALLEE, _SYSTEM, _OUTSIDER = Role.CALLER, Role.CALLEE, Role.SYSTEM, Role.OUTSIDER
_USER, _GROUP = Kind.USER, Kind.GROUP
_END = Move.END
_SET_STATUS, _JOIN = Effect.SET_STATUS, Effect.JOIN
#: Builds a named tuple from all its fields in order, skipping the keyword-parsing ``__new__`` (3-4x
#: faster). Only for the per-move code; tests pin every such call against the keyword form.
tuple_new = tuple.__new__


def _same_type_eq(self: tuple[Any, ...], other: object) -> bool:
    """Named tuples of ringside compare equal only to the same type (a tuple's ``==`` ignores the type)."""
    return type(self) is type(other) and tuple.__eq__(self, other)


#: The declines of a call nobody declined. Shared by every such record, so never mutated: a decline
#: builds a new mapping (records are immutable, and :attr:`CallRecord.declines` is a read-only Mapping).
NO_DECLINES: Mapping[str, Move] = {}


class CallRecord(NamedTuple):
    """Everything the server knows about one call. Immutable: moves return a new record.

    A named tuple rather than a frozen dataclass for speed only (the next record is one tuple allocation).
    Build it by keyword, as everywhere in ringside: the field order is not part of its meaning."""

    session_id: str
    kind: Kind
    call_type: str  #: "audio" or "video"
    caller: str  #: uid of the initiator
    receiver: str  #: uid (user call) or guid (group call) that was called
    ringing: tuple[str, ...]  #: uids this call rings: the callee, or every group member but the caller
    initiated_at: float
    status: CallStatus = CallStatus.INITIATED
    joined_at: float | None = None  #: when the call became ongoing
    ended_at: float | None = None  #: when the call reached a terminal status
    participants: tuple[str, ...] = ()  #: callee-side uids who accepted (joined), in order
    declines: Mapping[str, Move] = NO_DECLINES  #: group members who declined, and how
    engaged_when_rung: tuple[str, ...] = ()  #: rung uids that were already in another live call
    metadata: Any = None
    last_actor: str | None = None  #: uid of whoever made the last accepted move

    def __eq__(self, other: object) -> bool:
        return _same_type_eq(self, other)

    def __ne__(self, other: object) -> bool:
        return not _same_type_eq(self, other)

    def __hash__(self) -> int:
        return tuple.__hash__(self)

    @property
    def parties(self) -> tuple[str, ...]:
        """Every user who hears of this call: the caller and everyone it rings."""
        return (self.caller, *self.ringing)

    def role_of(self, uid: str) -> Role:
        """The role ``uid`` plays in this call."""
        if uid == SYSTEM_ACTOR:
            return _SYSTEM
        if uid == self.caller:
            return _CALLER
        if uid in self.ringing:
            return _CALLEE
        return _OUTSIDER

    def live_for(self, uid: str) -> bool:
        """Whether ``uid`` is busy with this call: caller or callee of a ringing call, or in it."""
        status = self.status
        if status is _INITIATED:
            return uid == self.caller or (uid in self.ringing and uid not in self.declines)
        if status is _ONGOING:
            return uid == self.caller or uid in self.participants
        return False


class StatusChanged(NamedTuple):
    """The call took a new status; every party's devices hear of it."""

    session_id: str
    status: CallStatus
    actor: str
    at: float

    def __eq__(self, other: object) -> bool:
        return _same_type_eq(self, other)

    def __ne__(self, other: object) -> bool:
        return not _same_type_eq(self, other)

    def __hash__(self) -> int:
        return tuple.__hash__(self)


class MemberDeclined(NamedTuple):
    """Group call: one member rejected or answered busy; only that member's devices hear of it."""

    session_id: str
    member: str
    status: CallStatus
    at: float

    def __eq__(self, other: object) -> bool:
        return _same_type_eq(self, other)

    def __ne__(self, other: object) -> bool:
        return not _same_type_eq(self, other)

    def __hash__(self) -> int:
        return tuple.__hash__(self)


class MemberJoined(NamedTuple):
    """Group call: one more member joined the ongoing call; only that member's devices hear of it."""

    session_id: str
    member: str
    at: float

    def __eq__(self, other: object) -> bool:
        return _same_type_eq(self, other)

    def __ne__(self, other: object) -> bool:
        return not _same_type_eq(self, other)

    def __hash__(self) -> int:
        return tuple.__hash__(self)


CallEvent = StatusChanged | MemberDeclined | MemberJoined


#: Every row of :data:`TRANSITIONS` as ``(effect, to)``, for handle() (a tuple unpacks cheaper than a
#: dataclass's two attribute reads), indexed ``[kind][status][move][role]`` with every kind, status and
#: move present (three dict subscripts and a ``get`` cost less than building and hashing a 4-tuple key).
_ROWS: dict[Kind, dict[CallStatus, dict[Move, dict[Role, tuple[Effect, CallStatus | None]]]]] = {
    kind: {
        status: {
            move: {
                r: (row.effect, row.to)
                for (k, s, m, r), row in TRANSITIONS.items()
                if (k, s, m) == (kind, status, move)
            }
            for move in Move
        }
        for status in CallStatus
    }
    for kind in Kind
}

#: (kind, move, role) of every row: a role that never makes a move in any status is ROLE_NOT_ALLOWED.
_ROLE_MOVES: frozenset[tuple[Kind, Move, Role]] = frozenset((k, m, r) for k, _, m, r in TRANSITIONS)


def refusal(call: CallRecord, move: Move, actor: str) -> RingsideError | None:
    """Why ``actor`` may not make ``move`` on ``call`` now, or ``None`` if the move is allowed.

    Precedence is fixed, so a bad move always gets the same code: not a participant, call over,
    wrong role, already answered, not in the call, wrong state.
    """
    role = call.role_of(actor)
    details = {"sessionId": call.session_id, "status": call.status.value, "requested": move.value}
    if role is Role.OUTSIDER:
        return RingsideError(ErrorCode.NOT_A_PARTICIPANT, f"{actor!r} is not a participant of this call", details)
    if call.status in TERMINAL:
        return RingsideError(ErrorCode.CALL_ALREADY_ENDED, f"the call is already {call.status}", details)
    if (call.kind, move, role) not in _ROLE_MOVES:
        return RingsideError(
            ErrorCode.ROLE_NOT_ALLOWED, f"the {role.value} may not send status {move.value!r}", details
        )
    if _member_problem(call, move, actor, role):
        if move in ANSWERS:
            return RingsideError(ErrorCode.CALL_ALREADY_ANSWERED, "the call was already answered", details)
        return RingsideError(ErrorCode.NOT_IN_CALL, f"{actor!r} never joined this call", details)
    if (call.kind, call.status, move, role) not in TRANSITIONS:
        return RingsideError(
            ErrorCode.CALL_WRONG_STATE, f"cannot send {move.value!r} while the call is {call.status}", details
        )
    return None


def _member_problem(call: CallRecord, move: Move, actor: str, role: Role) -> bool:
    """Whether the callee already answered (an answer), or never joined the group call it ends (END)."""
    if role is not _CALLEE:
        return False
    if move in ANSWERS:
        if call.kind is _USER:
            return call.status is not _INITIATED
        return actor in call.participants or actor in call.declines
    return move is _END and call.kind is _GROUP and actor not in call.participants


def handle(call: CallRecord, move: Move, *, actor: str, now: float) -> tuple[CallRecord, list[CallEvent]]:
    """Apply ``move`` by ``actor`` at time ``now``.

    Returns:
        The new record and the events the move caused, in order.

    Raises:
        RingsideError: the move is refused; ``call`` is unchanged (it is immutable anyway).
    """
    (sid, kind, call_type, caller, receiver, ringing, initiated_at, status, joined_at, ended_at, participants,
     declines, engaged_when_rung, metadata, _) = call  # fmt: skip
    # call.role_of(actor), inlined
    if actor == SYSTEM_ACTOR:
        role = _SYSTEM
    elif actor == caller:
        role = _CALLER
    elif actor in ringing:
        role = _CALLEE
    else:
        role = _OUTSIDER
    row = _ROWS[kind][status][move].get(role)
    # A listed key has a participant's role, a live status and a role that makes this move, so of the
    # refusals only the per-member ones remain, and those only in group calls (a user call's answers
    # are listed for a ringing call only); anything else gets its code from refusal().
    if row is None or (kind is _GROUP and _member_problem(call, move, actor, role)):
        problem = refusal(call, move, actor)
        assert problem is not None, "a move off the table must be refused"
        raise problem
    effect, to = row
    if effect is _SET_STATUS:
        # _set_status(call, to, actor, now), inlined (most moves are these)
        if to is _ONGOING:
            # (a user call becomes ongoing when its one callee accepts: its participants are its ringing)
            joined_at, participants = now, ringing if kind is _USER else (*participants, actor)
        elif to in TERMINAL:
            ended_at = now
        new: CallRecord = tuple_new(
            CallRecord,
            (sid, kind, call_type, caller, receiver, ringing, initiated_at, to, joined_at, ended_at, participants,
             declines, engaged_when_rung, metadata, actor),
        )  # fmt: skip
        return new, [tuple_new(StatusChanged, (sid, to, actor, now))]
    if effect is _JOIN:
        joined = call._replace(participants=(*participants, actor), last_actor=actor)
        return joined, [MemberJoined(session_id=sid, member=actor, at=now)]
    return _decline(call, move, actor, now)


def _set_status(call: CallRecord, status: CallStatus, actor: str, now: float) -> tuple[CallRecord, list[CallEvent]]:
    # call._replace(status=status, last_actor=actor, ...), spelt out (see tuple_new)
    (sid, kind, call_type, caller, receiver, ringing, initiated_at, _, joined_at, ended_at, participants,
     declines, engaged_when_rung, metadata, _) = call  # fmt: skip
    if status is _ONGOING:
        joined_at, participants = now, (*participants, actor)
    elif status in TERMINAL:
        ended_at = now
    new: CallRecord = tuple_new(
        CallRecord,
        (sid, kind, call_type, caller, receiver, ringing, initiated_at, status, joined_at, ended_at, participants,
         declines, engaged_when_rung, metadata, actor),
    )  # fmt: skip
    return new, [tuple_new(StatusChanged, (sid, status, actor, now))]


def _decline(call: CallRecord, move: Move, actor: str, now: float) -> tuple[CallRecord, list[CallEvent]]:
    declines = {**call.declines, actor: move}
    status = CallStatus(move.value)
    declined = call._replace(declines=declines, last_actor=actor)
    events: list[CallEvent] = [MemberDeclined(session_id=call.session_id, member=actor, status=status, at=now)]
    if all(uid in declines for uid in call.ringing):
        # Everyone said no: the call is over. Busy only if nobody plainly rejected.
        final = CallStatus.BUSY if all(m is Move.BUSY for m in declines.values()) else CallStatus.REJECTED
        declined, more = _set_status(declined, final, actor, now)
        events += more
    return declined, events


def ring_deadline(call: CallRecord, ring_timeout: float | None) -> float | None:
    """When the server's own ring expiry (an extension, off by default) ends this call, if ever."""
    if ring_timeout is None or call.status is not _INITIATED:
        return None
    return call.initiated_at + ring_timeout
