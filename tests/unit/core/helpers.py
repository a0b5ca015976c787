"""Builders for the core tests: a call record in any status, reached through legal moves only.

Every record here is produced by :func:`mockserver.core.machine.handle` from a freshly initiated
call, so a test never starts from a state the machine itself could not reach.
"""

from __future__ import annotations

from collections.abc import Sequence

from mockserver.core import SYSTEM_ACTOR, SYSTEM_DEVICE, Backend, CallRecord, CallStatus, Kind, Move, Role, handle
from mockserver.core import messages as M
from mockserver.core.backend import Outcome
from mockserver.core.directory import User
from mockserver.core.machine import MemberDeclined, MemberJoined, StatusChanged

#: When every test call is initiated (any value works; a round one reads well in failures).
T0 = 1_000.0
CALLER = "alice"
CALLEE = "bob"
MEMBERS = ("bob", "carol", "dave")  #: the ringing members of the test group (the caller is alice)
OUTSIDER = "mallory"
GROUP = "team"


def user_call(*, caller: str = CALLER, callee: str = CALLEE, now: float = T0, sid: str = "v1.eu.app.u1") -> CallRecord:
    """A freshly initiated one-to-one call."""
    return CallRecord(
        session_id=sid,
        kind=Kind.USER,
        call_type="audio",
        caller=caller,
        receiver=callee,
        ringing=(callee,),
        initiated_at=now,
        last_actor=caller,
    )


def group_call(
    *, caller: str = CALLER, members: Sequence[str] = MEMBERS, now: float = T0, sid: str = "v1.eu.app.g1"
) -> CallRecord:
    """A freshly initiated group call ringing ``members``."""
    return CallRecord(
        session_id=sid,
        kind=Kind.GROUP,
        call_type="video",
        caller=caller,
        receiver=GROUP,
        ringing=tuple(members),
        initiated_at=now,
        last_actor=caller,
    )


def fresh(kind: Kind) -> CallRecord:
    """A freshly initiated call of ``kind``."""
    return user_call() if kind is Kind.USER else group_call()


def apply(call: CallRecord, *moves: tuple[str, Move], start: float = T0 + 1) -> CallRecord:
    """Apply ``(actor, move)`` pairs one second apart; every move must be accepted."""
    now = start
    for actor, move in moves:
        call, _ = handle(call, move, actor=actor, now=now)
        now += 1
    return call


#: One legal way from ``initiated`` to every status, per kind (actor, move) pairs.
PATHS: dict[tuple[Kind, CallStatus], tuple[tuple[str, Move], ...]] = {
    (Kind.USER, CallStatus.INITIATED): (),
    (Kind.USER, CallStatus.ONGOING): ((CALLEE, Move.ACCEPT),),
    (Kind.USER, CallStatus.ENDED): ((CALLEE, Move.ACCEPT), (CALLER, Move.END)),
    (Kind.USER, CallStatus.REJECTED): ((CALLEE, Move.REJECT),),
    (Kind.USER, CallStatus.BUSY): ((CALLEE, Move.BUSY),),
    (Kind.USER, CallStatus.CANCELLED): ((CALLER, Move.CANCEL),),
    (Kind.USER, CallStatus.UNANSWERED): ((CALLER, Move.UNANSWERED),),
    (Kind.GROUP, CallStatus.INITIATED): (),
    (Kind.GROUP, CallStatus.ONGOING): (("bob", Move.ACCEPT),),
    (Kind.GROUP, CallStatus.ENDED): (("bob", Move.ACCEPT), (CALLER, Move.END)),
    (Kind.GROUP, CallStatus.REJECTED): (("bob", Move.REJECT), ("carol", Move.BUSY), ("dave", Move.REJECT)),
    (Kind.GROUP, CallStatus.BUSY): (("bob", Move.BUSY), ("carol", Move.BUSY), ("dave", Move.BUSY)),
    (Kind.GROUP, CallStatus.CANCELLED): ((CALLER, Move.CANCEL),),
    (Kind.GROUP, CallStatus.UNANSWERED): ((SYSTEM_ACTOR, Move.UNANSWERED),),
}


def reach(kind: Kind, status: CallStatus) -> CallRecord:
    """A call of ``kind`` in ``status``, reached by the canonical path of :data:`PATHS`."""
    call = apply(fresh(kind), *PATHS[(kind, status)])
    assert call.status is status, (kind, status, call.status)
    return call


def actor_with_role(call: CallRecord, role: Role) -> str:
    """A uid playing ``role`` in ``call`` (for a group callee: the first ringing member)."""
    return {
        Role.CALLER: call.caller,
        Role.CALLEE: call.ringing[0],
        Role.SYSTEM: SYSTEM_ACTOR,
        Role.OUTSIDER: OUTSIDER,
    }[role]


# -- the eager layout the backend used to build at every move -------------------------------------


def entity_of(backend: Backend, uid: str) -> dict:
    if uid == SYSTEM_ACTOR:
        return M.user_entity(User(uid=SYSTEM_ACTOR, name="ringside", created_at=0.0), online=True)
    return M.user_entity(backend.directory.users[uid], online=uid in backend.online)


def eager(backend: Backend, outcome: Outcome, resource: str | None) -> list[dict]:
    """The frames the old eager code built at the move, from the directory as it is now; message ids are
    the ones the outcome's frames carry (asserted consecutive)."""
    call = outcome.call
    caller = entity_of(backend, call.caller)
    if call.kind is Kind.GROUP:
        receiver = M.group_entity(backend.directory.groups[call.receiver])
    else:
        receiver = entity_of(backend, call.receiver)
    first = int(outcome.deliveries[0].frame["body"]["id"])
    frames = []
    for offset, event in enumerate(outcome.events):
        if isinstance(event, StatusChanged):
            status, actor = event.status, event.actor
        elif isinstance(event, MemberDeclined):
            status, actor = event.status, event.member
        else:
            assert isinstance(event, MemberJoined)
            status, actor = CallStatus.ONGOING, event.member
        body = M.call_message(
            call,
            status=status,
            actor=entity_of(backend, actor),
            caller=caller,
            receiver=receiver,
            message_id=first + offset,
            now=event.at,
            resource=resource,
        )
        frames.append(M.ws_call_frame(backend.app_id, body, device_stamp=resource or SYSTEM_DEVICE))
    return frames
