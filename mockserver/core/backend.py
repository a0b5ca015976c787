"""The backend's brain, without I/O: users, groups and calls of one app, and who hears what.

Every operation takes ``now`` and returns an :class:`Outcome`: the REST reply plus the WebSocket
frames to deliver (to every device of the named users: the echo rule stamps each frame with the acting
device's ``resource``, and the acting device drops its own echo). The aiohttp edge, scripted users and
the control API all act through these same methods, so the journal shows every actor alike.

The reply and frames are laid out when first read, once per event however many devices hear it
(:class:`~mockserver.core.messages.CallMessage`); what they show is fixed at the move.
"""

from __future__ import annotations

import itertools
from typing import Any

from mockserver.core.directory import Directory, IdSource, User, check_id
from mockserver.core.errors import ErrorCode, RingsideError
from mockserver.core.machine import (
    NO_DECLINES,
    SYSTEM_ACTOR,
    CallEvent,
    CallRecord,
    MemberDeclined,
    StatusChanged,
    handle,
    ring_deadline,
    tuple_new,
)
from mockserver.core.messages import (
    SYSTEM_DEVICE,
    CallMessage,
    GroupView,
    Scene,
    UserView,
    group_view,
    user_view,
)
from mockserver.core.states import TERMINAL, CallStatus, Kind, Move

Json = dict[str, Any]

#: The call types a call may have (the SDK's CALL_TYPE).
CALL_TYPES = ("audio", "video")
_SYSTEM_VIEW = user_view(User(uid=SYSTEM_ACTOR, name="ringside", created_at=0.0), online=True)
#: What a client may send as a call's status, by its wire value.
_MOVES: dict[str, Move] = {m.value: m for m in Move}
_KINDS: dict[str, Kind] = {k.value: k for k in Kind}
_USER, _INITIATED, _ONGOING = Kind.USER, CallStatus.INITIATED, CallStatus.ONGOING


class Delivery:
    """One WebSocket frame for every device of ``uids``; the frame is laid out the first time it is read."""

    __slots__ = ("message", "uids")

    def __init__(self, uids: tuple[str, ...], message: CallMessage) -> None:
        self.uids = uids
        self.message = message  #: the call message the frame carries

    @property
    def frame(self) -> Json:
        """The frame (the same object every time it is read)."""
        return self.message.frame()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Delivery):
            return NotImplemented
        return self.uids == other.uids and self.message == other.message

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Delivery(uids={self.uids!r}, message={self.message!r})"


class Outcome:
    """What one accepted call move produced: the new record and its events, then (laid out when first
    read, from the move's :class:`Scene`) the REST reply and the frames to deliver."""

    __slots__ = ("_deliveries", "_scene", "call", "events")

    def __init__(self, call: CallRecord, events: list[CallEvent], scene: Scene) -> None:
        self.call = call
        self.events = events
        self._scene = scene
        self._deliveries: list[Delivery] | None = None

    @property
    def deliveries(self) -> list[Delivery]:
        """One frame per event, in order, each for every device of the users who hear of it."""
        deliveries = self._deliveries
        if deliveries is None:
            deliveries = self._deliveries = self._lay_out()
        return deliveries

    @property
    def reply(self) -> Json:
        """The REST reply's ``data``: the first event's call message (the first frame's ``body``)."""
        deliveries = self.deliveries
        return deliveries[0].message.body() if deliveries else {}

    def _lay_out(self) -> list[Delivery]:
        call, scene = self.call, self._scene
        deliveries: list[Delivery] = []
        for message_id, event in enumerate(self.events, scene[3]):
            if isinstance(event, StatusChanged):
                status, uids = event.status, call.parties
            elif isinstance(event, MemberDeclined):
                status, uids = event.status, (event.member,)
            else:
                status, uids = _ONGOING, (event.member,)
            deliveries.append(Delivery(uids, CallMessage(call, status, message_id, scene)))
        return deliveries

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return (self.call, self.events, self.deliveries) == (other.call, other.events, other.deliveries)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Outcome(call={self.call!r}, events={self.events!r})"


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
        #: message ids: 1, 2, 3, ... one per call message (a C counter: every move takes one)
        self._message_ids = itertools.count(1)

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
        try:
            kind = _KINDS[receiver_type]
        except (KeyError, TypeError):
            raise RingsideError(
                ErrorCode.VALIDATION_FAILED, "receiverType must be 'user' or 'group'", {"receiverType": receiver_type}
            ) from None
        if call_type not in CALL_TYPES:
            raise RingsideError(ErrorCode.VALIDATION_FAILED, "type must be 'audio' or 'video'", {"type": call_type})
        if receiver not in (self.directory.users if kind is _USER else self.directory.groups):
            check_id(receiver, "receiver")  # (every id in the directory passed it when it was added)
        if kind is _USER:
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
        engaged = tuple(uid for uid in ringing if self.engaged(uid)) if self.live else ()
        # CallRecord(session_id=..., kind=..., ...), spelt out: see machine.tuple_new
        call: CallRecord = tuple_new(
            CallRecord,
            (session_id, kind, call_type, actor, receiver, ringing, now, _INITIATED, None, None, (), NO_DECLINES,
             engaged, metadata, actor),
        )  # fmt: skip
        self.calls[session_id] = self.live[session_id] = call  # self._store() for a ringing call
        if self.max_ended_calls is not None or self.call_retention is not None:
            self.trim(now)
        caller.last_active_at = now
        event: StatusChanged = tuple_new(StatusChanged, (session_id, _INITIATED, actor, now))
        return self._outcome(call, [event], actor, now, resource)

    def update(self, actor: str, session_id: str, status: str, *, now: float, resource: str | None) -> Outcome:
        """``PUT /calls/{sessionId}``: ``actor`` moves the call to ``status``."""
        try:
            move = _MOVES[status]
        except (KeyError, TypeError):
            raise RingsideError(
                ErrorCode.INVALID_STATUS,
                f"status {status!r} cannot be sent; one of {', '.join(m.value for m in Move)}",
                {"status": status},
            ) from None
        call = self.calls.get(session_id)
        if call is None:
            call = self.call(session_id)  # raises ERR_CALL_NOT_FOUND
        user = None if actor == SYSTEM_ACTOR else (self.directory.users.get(actor) or self.directory.user(actor))
        new, events = handle(call, move, actor=actor, now=now)
        self._store(session_id, new, now)
        if user is not None:
            user.last_active_at = now
        return self._outcome(new, events, actor, now, resource)

    def _store(self, sid: str, call: CallRecord, now: float) -> None:
        self.calls[sid] = call
        if call.status in TERMINAL:
            self.live.pop(sid, None)
            ended_at = call.ended_at
            self.ended.setdefault(sid, ended_at if ended_at is not None else now)
        else:
            self.live[sid] = call
        if self.max_ended_calls is not None or self.call_retention is not None:  # else trim() is a no-op
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

    def _view_of(self, uid: str) -> UserView:
        if uid == SYSTEM_ACTOR:
            return _SYSTEM_VIEW
        user = self.directory.users.get(uid)
        if user is None:
            user = self.directory.user(uid)  # raises ERR_UID_NOT_FOUND
        return (user.__dict__.copy(), uid in self.online)  # user_view(), inlined: two or three per move

    def _receiver_view(self, call: CallRecord) -> UserView | GroupView:
        if call.kind is _USER:
            return self._view_of(call.receiver)
        return group_view(self.directory.groups[call.receiver])

    def message_for(
        self, call: CallRecord, status: CallStatus, actor: str, *, now: float, resource: str | None
    ) -> Json:
        """A fresh call message announcing ``status`` of ``call`` as done by ``actor``."""
        caller, receiver = self._view_of(call.caller), self._receiver_view(call)
        by = caller if actor == call.caller else self._view_of(actor)
        message_id = next(self._message_ids)
        return CallMessage(
            call, status, message_id, (by, caller, receiver, message_id, now, resource, self.app_id)
        ).body()

    def _outcome(
        self, call: CallRecord, events: list[CallEvent], actor: str, now: float, resource: str | None
    ) -> Outcome:
        """The outcome of ``actor``'s move (every event of a move is the mover's). What its messages will
        show is taken now (:class:`Scene`); laying them out waits until someone reads the reply or a frame."""
        users, online = self.directory.users, self.online
        caller_uid, receiver_uid = call.caller, call.receiver  # (a named tuple's field is a descriptor call)
        # self._view_of() of the caller and the callee, inlined for the usual case (a known user)
        user = users.get(caller_uid)
        caller = (
            self._view_of(caller_uid)
            if user is None or caller_uid == SYSTEM_ACTOR
            else (user.__dict__.copy(), caller_uid in online)
        )
        callee: UserView | None = None
        if call.kind is _USER:
            user = users.get(receiver_uid)
            callee = (
                self._view_of(receiver_uid)
                if user is None or receiver_uid == SYSTEM_ACTOR
                else (user.__dict__.copy(), receiver_uid in online)
            )
        receiver = group_view(self.directory.groups[receiver_uid]) if callee is None else callee
        if actor == caller_uid:
            by = caller
        elif callee is not None and actor == receiver_uid:
            by = callee
        else:
            by = self._view_of(actor)
        first_id = next(self._message_ids)
        for _ in events[1:]:
            next(self._message_ids)
        return Outcome(call, events, (by, caller, receiver, first_id, now, resource, self.app_id))

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
