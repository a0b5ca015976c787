"""The pure call state machine: apply a move to a call at time ``now``, get the new call and events.

Nothing here reads a clock, awaits, or does I/O. A call is an immutable :class:`CallRecord`;
:func:`handle` returns a new record plus the events the move caused, or raises
:class:`~mockserver.core.errors.RingsideError` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mockserver.core.errors import ErrorCode, RingsideError
from mockserver.core.states import ANSWERS, TRANSITIONS, CallStatus, Effect, Kind, Move, Role

#: The actor id the server uses for its own moves (server-side ring expiry).
SYSTEM_ACTOR = "ringside-system"


@dataclass(frozen=True, kw_only=True)
class CallRecord:
    """Everything the server knows about one call. Immutable: moves return a new record."""

    session_id: str
    kind: Kind
    call_type: str  #: "audio" or "video"
    caller: str  #: uid of the initiator
    receiver: str  #: uid (user call) or guid (group call) that was called
    ringing: tuple[str, ...]  #: uids this call rings: the callee, or every group member but the caller
    status: CallStatus = CallStatus.INITIATED
    initiated_at: float
    joined_at: float | None = None  #: when the call became ongoing
    ended_at: float | None = None  #: when the call reached a terminal status
    participants: tuple[str, ...] = ()  #: callee-side uids who accepted (joined), in order
    declines: Mapping[str, Move] = field(default_factory=dict)  #: group members who declined, and how
    engaged_when_rung: tuple[str, ...] = ()  #: rung uids that were already in another live call
    metadata: Any = None
    last_actor: str | None = None  #: uid of whoever made the last accepted move

    @property
    def parties(self) -> tuple[str, ...]:
        """Every user who hears of this call: the caller and everyone it rings."""
        return (self.caller, *self.ringing)

    def role_of(self, uid: str) -> Role:
        """The role ``uid`` plays in this call."""
        if uid == SYSTEM_ACTOR:
            return Role.SYSTEM
        if uid == self.caller:
            return Role.CALLER
        if uid in self.ringing:
            return Role.CALLEE
        return Role.OUTSIDER

    def live_for(self, uid: str) -> bool:
        """Whether ``uid`` is busy with this call: caller or callee of a ringing call, or in it."""
        if self.status is CallStatus.INITIATED:
            return uid == self.caller or (uid in self.ringing and uid not in self.declines)
        if self.status is CallStatus.ONGOING:
            return uid == self.caller or uid in self.participants
        return False


@dataclass(frozen=True, kw_only=True)
class StatusChanged:
    """The call took a new status; every party's devices hear of it."""

    session_id: str
    status: CallStatus
    actor: str
    at: float


@dataclass(frozen=True, kw_only=True)
class MemberDeclined:
    """Group call: one member rejected or answered busy; only that member's devices hear of it."""

    session_id: str
    member: str
    status: CallStatus
    at: float


@dataclass(frozen=True, kw_only=True)
class MemberJoined:
    """Group call: one more member joined the ongoing call; only that member's devices hear of it."""

    session_id: str
    member: str
    at: float


CallEvent = StatusChanged | MemberDeclined | MemberJoined


def refusal(call: CallRecord, move: Move, actor: str) -> RingsideError | None:
    """Why ``actor`` may not make ``move`` on ``call`` now, or ``None`` if the move is allowed.

    Precedence is fixed, so a bad move always gets the same code: not a participant, call over,
    wrong role, already answered, not in the call, wrong state.
    """
    role = call.role_of(actor)
    details = {"sessionId": call.session_id, "status": call.status.value, "requested": move.value}
    if role is Role.OUTSIDER:
        return RingsideError(ErrorCode.NOT_A_PARTICIPANT, f"{actor!r} is not a participant of this call", details)
    if call.status.terminal:
        return RingsideError(ErrorCode.CALL_ALREADY_ENDED, f"the call is already {call.status}", details)
    if not any(k[0] is call.kind and k[2] is move and k[3] is role for k in TRANSITIONS):
        return RingsideError(
            ErrorCode.ROLE_NOT_ALLOWED, f"the {role.value} may not send status {move.value!r}", details
        )
    if move in ANSWERS and role is Role.CALLEE and _already_answered(call, actor):
        return RingsideError(ErrorCode.CALL_ALREADY_ANSWERED, "the call was already answered", details)
    if call.kind is Kind.GROUP and move is Move.END and role is Role.CALLEE and actor not in call.participants:
        return RingsideError(ErrorCode.NOT_IN_CALL, f"{actor!r} never joined this call", details)
    if (call.kind, call.status, move, role) not in TRANSITIONS:
        return RingsideError(
            ErrorCode.CALL_WRONG_STATE, f"cannot send {move.value!r} while the call is {call.status}", details
        )
    return None


def _already_answered(call: CallRecord, member: str) -> bool:
    if call.kind is Kind.USER:
        return call.status is not CallStatus.INITIATED
    return member in call.participants or member in call.declines


def handle(call: CallRecord, move: Move, *, actor: str, now: float) -> tuple[CallRecord, list[CallEvent]]:
    """Apply ``move`` by ``actor`` at time ``now``.

    Returns:
        The new record and the events the move caused, in order.

    Raises:
        RingsideError: the move is refused; ``call`` is unchanged (it is immutable anyway).
    """
    problem = refusal(call, move, actor)
    if problem is not None:
        raise problem
    row = TRANSITIONS[(call.kind, call.status, move, call.role_of(actor))]
    if row.effect is Effect.JOIN:
        joined = replace(call, participants=(*call.participants, actor), last_actor=actor)
        return joined, [MemberJoined(session_id=call.session_id, member=actor, at=now)]
    if row.effect is Effect.DECLINE:
        return _decline(call, move, actor, now)
    assert row.to is not None
    return _set_status(call, row.to, actor, now)


def _set_status(call: CallRecord, status: CallStatus, actor: str, now: float) -> tuple[CallRecord, list[CallEvent]]:
    changes: dict[str, Any] = {"status": status, "last_actor": actor}
    if status is CallStatus.ONGOING:
        changes["joined_at"] = now
        changes["participants"] = (*call.participants, actor)
    if status.terminal:
        changes["ended_at"] = now
    new = replace(call, **changes)
    return new, [StatusChanged(session_id=call.session_id, status=status, actor=actor, at=now)]


def _decline(call: CallRecord, move: Move, actor: str, now: float) -> tuple[CallRecord, list[CallEvent]]:
    declines = {**call.declines, actor: move}
    status = CallStatus(move.value)
    declined = replace(call, declines=declines, last_actor=actor)
    events: list[CallEvent] = [MemberDeclined(session_id=call.session_id, member=actor, status=status, at=now)]
    if all(uid in declines for uid in call.ringing):
        # Everyone said no: the call is over. Busy only if nobody plainly rejected.
        final = CallStatus.BUSY if all(m is Move.BUSY for m in declines.values()) else CallStatus.REJECTED
        declined, more = _set_status(declined, final, actor, now)
        events += more
    return declined, events


def ring_deadline(call: CallRecord, ring_timeout: float | None) -> float | None:
    """When the server's own ring expiry (an extension, off by default) ends this call, if ever."""
    if ring_timeout is None or call.status is not CallStatus.INITIATED:
        return None
    return call.initiated_at + ring_timeout
