"""The backend's brain, without I/O: users, groups and calls of one app, and who hears what.

Every operation takes ``now`` and returns an :class:`Outcome`: the REST reply plus the WebSocket
frames to deliver (to every device of the named users: the echo rule stamps each frame with the acting
device's ``resource``, and the acting device drops its own echo). The aiohttp edge, scripted users and
the control API all act through these same methods, so the journal shows every actor alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockserver.core import messages
from mockserver.core.directory import Directory, IdSource, User, check_id
from mockserver.core.errors import ErrorCode, RingsideError
from mockserver.core.machine import (
    SYSTEM_ACTOR,
    CallEvent,
    CallRecord,
    MemberDeclined,
    MemberJoined,
    StatusChanged,
    handle,
    ring_deadline,
)
from mockserver.core.states import CallStatus, Kind, Move

Json = dict[str, Any]

#: The ``deviceId`` stamped on frames the server sends on its own behalf (ring expiry).
SYSTEM_DEVICE = "ringside-system"
#: The call types a call may have (the SDK's CALL_TYPE).
CALL_TYPES = ("audio", "video")
_SYSTEM_USER = User(uid=SYSTEM_ACTOR, name="ringside", created_at=0.0)


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One WebSocket frame for every device of ``uids``."""

    uids: tuple[str, ...]
    frame: Json


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What one accepted call move produced."""

    call: CallRecord
    reply: Json  #: the REST reply's ``data`` (a call message)
    deliveries: list[Delivery] = field(default_factory=list)
    events: list[CallEvent] = field(default_factory=list)


class Backend:
    """One app's users, groups and calls.

    Args:
        app_id: the app id every request must carry.
        region: goes into session ids (``v1.<region>.<appId>.<hex>``).
        seed: makes every id (session, token, jwt) deterministic; ``None``: ids from :mod:`secrets`.
        ring_timeout: optional server-side ring expiry in seconds (an extension; the real SDK's caller
            runs the ring timer itself). ``None``: calls ring until someone acts.
        max_ended_calls: ended calls kept at most; the earliest ended are forgotten first. ``None``: all.
        call_retention: clock seconds an ended call is kept at most. ``None``: no time limit.
        max_tokens_per_user: auth tokens a user keeps at most (the least recently used go). ``None``: all.

    Live calls (ringing or ongoing) are never forgotten; a forgotten call is answered like one that
    never existed (``ERR_CALL_NOT_FOUND``). Forgetting happens as moves arrive (:meth:`trim`), with the
    ``now`` they bring: the core keeps no timers of its own.
    """

    def __init__(
        self,
        *,
        app_id: str,
        region: str = "eu",
        seed: int | None = 0,
        ring_timeout: float | None = None,
        max_ended_calls: int | None = None,
        call_retention: float | None = None,
        max_tokens_per_user: int | None = None,
    ) -> None:
        self.app_id = app_id
        self.region = region
        self.seed = seed
        self.ring_timeout = ring_timeout
        self.max_ended_calls = max_ended_calls
        self.call_retention = call_retention
        self.max_tokens_per_user = max_tokens_per_user
        #: ended calls forgotten so far (for the control API's stats)
        self.calls_trimmed = 0
        self.reset()

    def reset(self) -> None:
        """Forget every user, group and call; ids start again from the seed."""
        self.ids = IdSource(self.seed)
        self.directory = Directory(self.ids, max_tokens_per_user=self.max_tokens_per_user)
        self.calls: dict[str, CallRecord] = {}
        #: the calls still ringing or ongoing (an index: busy checks and expiry scan only these)
        self.live: dict[str, CallRecord] = {}
        #: the ended calls, in the order they ended, with when (what :meth:`trim` forgets from the front)
        self.ended: dict[str, float] = {}
        self.online: set[str] = set()

    # -- queries ---------------------------------------------------------------------------------

    def call(self, session_id: str) -> CallRecord:
        """The call ``session_id``, or ERR_CALL_NOT_FOUND."""
        try:
            return self.calls[session_id]
        except KeyError:
            raise RingsideError(
                ErrorCode.CALL_NOT_FOUND, f"no call with session id {session_id!r}", {"sessionId": session_id}
            ) from None

    def engaged(self, uid: str) -> list[str]:
        """Session ids of the live calls ``uid`` is busy with (ringing as caller or callee, or in)."""
        return [c.session_id for c in self.live.values() if c.live_for(uid)]

    def next_deadline(self) -> float | None:
        """The earliest server-side ring expiry, if the extension is on and a call is ringing."""
        if self.ring_timeout is None:
            return None
        due = [d for c in self.live.values() if (d := ring_deadline(c, self.ring_timeout)) is not None]
        return min(due, default=None)

    # -- moves -----------------------------------------------------------------------------------

    def initiate(
        self,
        actor: str,
        *,
        receiver: str,
        receiver_type: str,
        call_type: str,
        now: float,
        resource: str | None,
        metadata: Any = None,
    ) -> Outcome:
        """``POST /calls``: ``actor`` calls a user or group; it rings even if the callee is busy."""
        caller = self.directory.user(actor)
        if receiver_type not in (Kind.USER, Kind.GROUP):
            raise RingsideError(
                ErrorCode.VALIDATION_FAILED, "receiverType must be 'user' or 'group'", {"receiverType": receiver_type}
            )
        if call_type not in CALL_TYPES:
            raise RingsideError(ErrorCode.VALIDATION_FAILED, "type must be 'audio' or 'video'", {"type": call_type})
        kind = Kind(receiver_type)
        check_id(receiver, "receiver")
        if kind is Kind.USER:
            if receiver not in self.directory.users:
                raise RingsideError(ErrorCode.RECEIVER_NOT_FOUND, f"no user {receiver!r}", {"receiver": receiver})
            if receiver == actor:
                raise RingsideError(ErrorCode.CANNOT_CALL_SELF, "a user cannot call themself", {"uid": actor})
            ringing: tuple[str, ...] = (receiver,)
        else:
            group = self.directory.groups.get(receiver)
            if group is None:
                raise RingsideError(ErrorCode.RECEIVER_NOT_FOUND, f"no group {receiver!r}", {"receiver": receiver})
            if actor not in group.members:
                raise RingsideError(
                    ErrorCode.NOT_A_GROUP_MEMBER, f"{actor!r} is not a member of {receiver!r}", {"guid": receiver}
                )
            ringing = tuple(uid for uid in group.members if uid != actor)
            if not ringing:
                raise RingsideError(ErrorCode.GROUP_EMPTY, "nobody else is in the group", {"guid": receiver})
        session_id = f"v1.{self.region}.{self.app_id}.{self.ids.next('session', 40)}"
        call = CallRecord(
            session_id=session_id,
            kind=kind,
            call_type=call_type,
            caller=caller.uid,
            receiver=receiver,
            ringing=ringing,
            initiated_at=now,
            metadata=metadata,
            last_actor=caller.uid,
            engaged_when_rung=tuple(uid for uid in ringing if self.engaged(uid)),
        )
        self._store(call, now)
        caller.last_active_at = now
        event = StatusChanged(session_id=session_id, status=CallStatus.INITIATED, actor=actor, at=now)
        return self._outcome(call, [event], now=now, resource=resource)

    def update(self, actor: str, session_id: str, status: str, *, now: float, resource: str | None) -> Outcome:
        """``PUT /calls/{sessionId}``: ``actor`` moves the call to ``status``."""
        try:
            move = Move(status)
        except ValueError:
            raise RingsideError(
                ErrorCode.INVALID_STATUS,
                f"status {status!r} cannot be sent; one of {', '.join(m.value for m in Move)}",
                {"status": status},
            ) from None
        call = self.call(session_id)
        user = None if actor == SYSTEM_ACTOR else self.directory.user(actor)
        new, events = handle(call, move, actor=actor, now=now)
        self._store(new, now)
        if user is not None:
            user.last_active_at = now
        return self._outcome(new, events, now=now, resource=resource)

    def _store(self, call: CallRecord, now: float) -> None:
        self.calls[call.session_id] = call
        if call.status.terminal:
            self.live.pop(call.session_id, None)
            self.ended.setdefault(call.session_id, call.ended_at if call.ended_at is not None else now)
        else:
            self.live[call.session_id] = call
        self.trim(now)

    def trim(self, now: float) -> list[str]:
        """Forget ended calls beyond the count limit or ended more than the retention ago; returns their ids.

        Only calls in :attr:`ended` are candidates, so a live call is never touched."""
        forgotten: list[str] = []
        horizon = None if self.call_retention is None else now - self.call_retention
        while self.ended:
            sid, ended_at = next(iter(self.ended.items()))
            over = self.max_ended_calls is not None and len(self.ended) > self.max_ended_calls
            if not over and (horizon is None or ended_at >= horizon):
                break
            del self.ended[sid]
            assert sid not in self.live, f"{sid} is live and ended at once"
            del self.calls[sid]
            forgotten.append(sid)
        self.calls_trimmed += len(forgotten)
        return forgotten

    def expire(self, now: float) -> list[Outcome]:
        """Apply the server-side ring expiry to every call due by ``now`` (earliest first)."""
        due = sorted(
            (d, c.session_id)
            for c in self.live.values()
            if (d := ring_deadline(c, self.ring_timeout)) is not None and d <= now
        )
        return [
            self.update(SYSTEM_ACTOR, sid, Move.UNANSWERED.value, now=now, resource=SYSTEM_DEVICE) for _, sid in due
        ]

    # -- fan-out ---------------------------------------------------------------------------------

    def _entity_of(self, uid: str) -> Json:
        if uid == SYSTEM_ACTOR:
            return messages.user_entity(_SYSTEM_USER, online=True)
        return messages.user_entity(self.directory.user(uid), online=uid in self.online)

    def _receiver_entity(self, call: CallRecord) -> Json:
        if call.kind is Kind.GROUP:
            return messages.group_entity(self.directory.groups[call.receiver])
        return self._entity_of(call.receiver)

    def message_for(
        self, call: CallRecord, status: CallStatus, actor: str, *, now: float, resource: str | None
    ) -> Json:
        """A fresh call message announcing ``status`` of ``call`` as done by ``actor``."""
        return messages.call_message(
            call,
            status=status,
            actor=self._entity_of(actor),
            caller=self._entity_of(call.caller),
            receiver=self._receiver_entity(call),
            message_id=self.ids.count("message"),
            now=now,
            resource=resource,
        )

    def _outcome(self, call: CallRecord, events: list[CallEvent], *, now: float, resource: str | None) -> Outcome:
        stamp = resource or SYSTEM_DEVICE
        deliveries: list[Delivery] = []
        reply: Json = {}
        for event in events:
            if isinstance(event, StatusChanged):
                body = self.message_for(call, event.status, event.actor, now=now, resource=resource)
                uids = call.parties
            elif isinstance(event, MemberDeclined):
                body = self.message_for(call, event.status, event.member, now=now, resource=resource)
                uids = (event.member,)
            else:
                assert isinstance(event, MemberJoined)
                body = self.message_for(call, CallStatus.ONGOING, event.member, now=now, resource=resource)
                uids = (event.member,)
            reply = reply or body
            deliveries.append(Delivery(uids=uids, frame=messages.ws_call_frame(self.app_id, body, device_stamp=stamp)))
        return Outcome(call=call, reply=reply, deliveries=deliveries, events=list(events))

    def snapshot(self, call: CallRecord) -> Json:
        """The control API's view of one call: its state plus what the server knows about busy-ness."""
        return {
            "sessionId": call.session_id,
            "status": call.status.value,
            "receiverType": call.kind.value,
            "type": call.call_type,
            "caller": call.caller,
            "receiver": call.receiver,
            "ringing": list(call.ringing),
            "participants": list(call.participants),
            "declines": {uid: m.value for uid, m in call.declines.items()},
            "initiatedAt": call.initiated_at,
            "joinedAt": call.joined_at,
            "endedAt": call.ended_at,
            "engagedWhenRung": list(call.engaged_when_rung),
            "lastActor": call.last_actor,
        }


__all__ = ["SYSTEM_DEVICE", "Backend", "Delivery", "Outcome"]
