"""The call state machine as data: statuses, moves, roles, and the transition table.

Rules
-----
* A call is born ``initiated`` by its caller and rings its callee (user call) or every member of the
  group but the caller (group call).
* Only a callee / ringing member answers: ``accept`` (→ ongoing), ``reject``, ``busy``.
* Only the caller gives up on a ringing call: ``cancel``, or ``unanswered`` when its ring timer fires
  (the caller's SDK runs that timer; the server may run its own as an extension, acting as SYSTEM).
* Either party ends an ongoing call; in a group call, the caller or any member who joined.
* A terminal call (ended, rejected, busy, cancelled, unanswered) accepts nothing.

Theory of operation
-------------------
``TRANSITIONS`` maps ``(kind, status, move, role)`` to a :class:`Transition`. A key that is absent is
a refused move; :func:`mockserver.core.machine.refusal` picks its error code by a fixed precedence
(terminal > role > already answered > wrong state), so the same bad move always gets the same code.

Group calls differ in two places, both written in the table:

* ``reject`` / ``busy`` by one member is that member's **decline**: the call keeps ringing the others,
  and only the decliner's own devices hear of it. When every ringing member has declined, the call
  itself becomes ``rejected`` (or ``busy`` if every decline was busy) and everyone hears.
* ``accept`` by a member while the call is already ``ongoing`` is a **join**: the status stays
  ongoing, the member becomes a participant, and only the joiner's own devices hear of it (so the
  caller's SDK does not see a second "accepted").

Keep docs/state-machine.md in sync: it is generated from this table (``python -m mockserver.core.states``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum


class CallStatus(StrEnum):
    """A call's status, exactly as it travels on the wire (``on.entity.status``)."""

    INITIATED = "initiated"
    ONGOING = "ongoing"
    ENDED = "ended"
    REJECTED = "rejected"
    BUSY = "busy"
    CANCELLED = "cancelled"
    UNANSWERED = "unanswered"

    @property
    def terminal(self) -> bool:
        """A terminal call accepts no move."""
        return self in TERMINAL


#: The statuses of a call that is over (``status in TERMINAL`` is what ``status.terminal`` says, minus
#: an enum property lookup: the hot path uses the set).
TERMINAL: frozenset[CallStatus] = frozenset(
    {CallStatus.ENDED, CallStatus.REJECTED, CallStatus.BUSY, CallStatus.CANCELLED, CallStatus.UNANSWERED}
)


class Move(StrEnum):
    """What a party asks for; the value is the status a client sends in ``PUT /calls/{sid}``."""

    ACCEPT = "ongoing"
    REJECT = "rejected"
    BUSY = "busy"
    CANCEL = "cancelled"
    UNANSWERED = "unanswered"
    END = "ended"


class Role(StrEnum):
    """The acting party's relation to the call (a StrEnum like the others, so it hashes at C speed in
    the table's keys)."""

    CALLER = "caller"  #: the user who initiated the call
    CALLEE = "callee"  #: the called user, or a ringing member of the called group
    SYSTEM = "system"  #: the server itself (its optional ring expiry)
    OUTSIDER = "outsider"  #: anyone else: always refused with ERR_NOT_A_PARTICIPANT


class Kind(StrEnum):
    """A call to one user or to a group (the wire's ``receiverType``)."""

    USER = "user"
    GROUP = "group"


class Effect(Enum):
    """What an allowed move does."""

    SET_STATUS = "set-status"  #: the call takes the transition's new status; everyone hears
    DECLINE = "decline"  #: group only: one member declines; the call ends when all have
    JOIN = "join"  #: group only: one more member joins the ongoing call


@dataclass(frozen=True, kw_only=True)
class Transition:
    """One row of the table: the effect and, for SET_STATUS, the status the call takes."""

    effect: Effect
    to: CallStatus | None = None


_I, _O = CallStatus.INITIATED, CallStatus.ONGOING
_C, _R, _S = Role.CALLER, Role.CALLEE, Role.SYSTEM


def _set(status: CallStatus) -> Transition:
    return Transition(effect=Effect.SET_STATUS, to=status)


#: The whole state machine. Every (kind, status, move, role) not listed here is refused.
TRANSITIONS: dict[tuple[Kind, CallStatus, Move, Role], Transition] = {
    # one-to-one calls
    (Kind.USER, _I, Move.ACCEPT, _R): _set(CallStatus.ONGOING),
    (Kind.USER, _I, Move.REJECT, _R): _set(CallStatus.REJECTED),
    (Kind.USER, _I, Move.BUSY, _R): _set(CallStatus.BUSY),
    (Kind.USER, _I, Move.CANCEL, _C): _set(CallStatus.CANCELLED),
    (Kind.USER, _I, Move.UNANSWERED, _C): _set(CallStatus.UNANSWERED),
    (Kind.USER, _I, Move.UNANSWERED, _S): _set(CallStatus.UNANSWERED),
    (Kind.USER, _O, Move.END, _C): _set(CallStatus.ENDED),
    (Kind.USER, _O, Move.END, _R): _set(CallStatus.ENDED),
    # group calls
    (Kind.GROUP, _I, Move.ACCEPT, _R): _set(CallStatus.ONGOING),
    (Kind.GROUP, _I, Move.REJECT, _R): Transition(effect=Effect.DECLINE),
    (Kind.GROUP, _I, Move.BUSY, _R): Transition(effect=Effect.DECLINE),
    (Kind.GROUP, _I, Move.CANCEL, _C): _set(CallStatus.CANCELLED),
    (Kind.GROUP, _I, Move.UNANSWERED, _C): _set(CallStatus.UNANSWERED),
    (Kind.GROUP, _I, Move.UNANSWERED, _S): _set(CallStatus.UNANSWERED),
    (Kind.GROUP, _O, Move.ACCEPT, _R): Transition(effect=Effect.JOIN),
    (Kind.GROUP, _O, Move.END, _C): _set(CallStatus.ENDED),
    (Kind.GROUP, _O, Move.END, _R): _set(CallStatus.ENDED),
}

#: Moves that answer a ringing call: only the callee side makes them.
ANSWERS: frozenset[Move] = frozenset({Move.ACCEPT, Move.REJECT, Move.BUSY})


def state_diagram() -> str:
    """The table as a Mermaid state diagram (for docs/state-machine.md)."""
    lines = ["stateDiagram-v2", "    [*] --> initiated: caller initiates"]
    for (kind, status, move, role), row in TRANSITIONS.items():
        target = row.to.value if row.to is not None else status.value
        label = f"{kind.value}: {role.value} {move.name.lower()}"
        if row.effect is not Effect.SET_STATUS:
            label += f" ({row.effect.value})"
        lines.append(f"    {status.value} --> {target}: {label}")
    lines += [f"    {s.value} --> [*]" for s in CallStatus if s.terminal]
    return "\n".join(lines)


if __name__ == "__main__":
    print(state_diagram())
