"""The backend's brain, without I/O: users, groups and calls of one app, and who hears what.

Every operation takes ``now`` and returns an :class:`Outcome`: the REST reply plus the WebSocket
frames to deliver (to every device of the named users: the echo rule stamps each frame with the acting
device's ``resource``, and the acting device drops its own echo). The aiohttp edge, scripted users and
the control API all act through these same methods, so the journal shows every actor alike.

The reply and frames are laid out at the move, once per event however many devices hear it
(:func:`~mockserver.core.messages.call_frame`). Messages share what does not change between them (a
user's entity, a call's parties): nothing may change one, or anything in one, in place.
"""

from __future__ import annotations

import itertools
from collections import deque
from operator import itemgetter
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
from mockserver.core.messages import SYSTEM_DEVICE, CallTemplates, Wrap, call_frame, group_wrap, user_wrap
from mockserver.core.states import TERMINAL, CallStatus, Kind, Move

Json = dict[str, Any]

#: The call types a call may have (the SDK's CALL_TYPE).
CALL_TYPES = ("audio", "video")
#: How messages show the server when it acts (its ring expiry).
_SYSTEM_WRAP = user_wrap(User(uid=SYSTEM_ACTOR, name="ringside", created_at=0.0), online=True)
#: What a client may send as a call's status, by its wire value.
_MOVES: dict[str, Move] = {m.value: m for m in Move}
_KINDS: dict[str, Kind] = {k.value: k for k in Kind}
_USER, _INITIATED, _ONGOING = Kind.USER, CallStatus.INITIATED, CallStatus.ONGOING
#: A user's wrap as kept: what it shows but ``lastActiveAt`` (presence, then :func:`_shown`), the
#: ``last_active_at`` it was made for, the wrap.
_KeptWrap = tuple[tuple[Any, ...], float, Wrap]


def _shown(user: User) -> tuple[Any, ...]:
    """What a user's wrap shows of them but ``lastActiveAt`` and presence; metadata by identity, plus
    whether it is empty (a change in place)."""
    return (user.name, user.role, user.avatar, user.metadata, not user.metadata, user.created_at)


#: the deadline of a (deadline, session id) pair: what expire() orders by
_deadline = itemgetter(0)
#: call templates kept at most (one per caller, receiver and call type: see CallTemplates)
_MAX_TEMPLATES = 4096


class Delivery:
    """One WebSocket frame for every device of ``uids``."""

    __slots__ = ("frame", "uids")

    def __init__(self, uids: tuple[str, ...], frame: Json) -> None:
        self.uids = uids
        self.frame = frame  #: the frame (the same object every time it is read; never to be changed)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Delivery):
            return NotImplemented
        return self.uids == other.uids and self.frame == other.frame

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        body = self.frame["body"]
        return f"Delivery(uids={self.uids!r}, message={body['id']}, status={body['data']['action']!r})"


class Outcome:
    """What one accepted call move produced: the new record, its events, and the frames to deliver (one
    per event, laid out at the move), the first of which carries the REST reply."""

    __slots__ = ("call", "deliveries", "events", "reply")

    def __init__(self, call: CallRecord, events: list[CallEvent], deliveries: list[Delivery]) -> None:
        self.call = call
        self.events = events
        #: one frame per event, in order, each for every device of the users who hear of it
        self.deliveries = deliveries
        #: the REST reply's ``data``: the first event's call message (the first frame's ``body``)
        self.reply: Json = deliveries[0].frame["body"] if deliveries else {}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Outcome):
            return NotImplemented
        return (self.call, self.events, self.deliveries) == (other.call, other.events, other.deliveries)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Outcome(call={self.call!r}, events={self.events!r})"


class _MoveDelivery(Delivery):
    """A :class:`Delivery` as a move makes it: called with no arguments it runs ``object.__init__`` (C),
    not the Python ``__init__``, and the move sets the fields (cheaper than ``object.__new__(Delivery)``,
    which goes through ``tp_new_wrapper``'s checks)."""

    __slots__ = ()
    __init__ = object.__init__


class _MoveOutcome(Outcome):
    """An :class:`Outcome` as a move makes it (see :class:`_MoveDelivery`)."""

    __slots__ = ()
    __init__ = object.__init__


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
        #: the same ids in the same order, for trim() to read the earliest without iterating ``ended``
        #: (a dict deleted from the front scans every deleted slot to find its first entry, until it is
        #: resized: with 1,000 ended calls kept that scan was ~20k instructions per call cycle)
        self._ended_order: deque[str] = deque()
        self.online: set[str] = set()
        #: message ids: 1, 2, 3, ... one per call message (a C counter: every move takes one)
        self._message_ids = itertools.count(1)
        #: per (kind, caller, receiver, call type): what every message of such a call shows alike
        self._templates: dict[tuple[Kind, str, str, str], CallTemplates] = {}
        #: per live call: its templates and its parties (who hears of it), looked up once per move
        self._shapes: dict[str, tuple[CallTemplates, tuple[str, ...]]] = {}
        #: per uid: their wrap, shared by every message that shows them so until their presence or a field
        #: changes, kept with what it shows (see _KeptWrap)
        self._user_wraps: dict[str, _KeptWrap] = {}
        #: per guid: what the group's wrap shows, and that wrap
        self._group_wraps: dict[str, tuple[tuple[Any, ...], Wrap]] = {}

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
        users = self.directory.users
        caller = users.get(actor) or self.directory.user(actor)  # (the method raises ERR_UID_NOT_FOUND)
        try:
            kind = _KINDS[receiver_type]
        except (KeyError, TypeError):
            raise RingsideError(
                ErrorCode.VALIDATION_FAILED, "receiverType must be 'user' or 'group'", {"receiverType": receiver_type}
            ) from None
        if call_type not in CALL_TYPES:
            raise RingsideError(ErrorCode.VALIDATION_FAILED, "type must be 'audio' or 'video'", {"type": call_type})
        # (an unknown receiver is first checked for a valid id: every id in the directory passed it)
        if kind is _USER:
            if receiver not in users:
                check_id(receiver, "receiver")
                raise RingsideError(ErrorCode.RECEIVER_NOT_FOUND, f"no user {receiver!r}", {"receiver": receiver})
            if receiver == actor:
                raise RingsideError(ErrorCode.CANNOT_CALL_SELF, "a user cannot call themself", {"uid": actor})
            templates = self._templates.get((kind, actor, receiver, call_type)) or self._templates_of(
                kind, actor, receiver, call_type
            )
            # (the same tuples for every call between the two: a record's tuples are never changed)
            ringing, parties = templates.ringing, templates.uids
        else:
            group = self.directory.groups.get(receiver)
            if group is None:
                check_id(receiver, "receiver")
                raise RingsideError(ErrorCode.RECEIVER_NOT_FOUND, f"no group {receiver!r}", {"receiver": receiver})
            if actor not in group.members:
                raise RingsideError(
                    ErrorCode.NOT_A_GROUP_MEMBER, f"{actor!r} is not a member of {receiver!r}", {"guid": receiver}
                )
            ringing = tuple(uid for uid in group.members if uid != actor)
            if not ringing:
                raise RingsideError(ErrorCode.GROUP_EMPTY, "nobody else is in the group", {"guid": receiver})
            templates = self._templates_of(kind, actor, receiver, call_type)
            parties = (actor, *ringing)
        session_id = f"v1.{self.region}.{self.app_id}.{self.ids.next('session', 40)}"
        engaged = tuple(uid for uid in ringing if self.engaged(uid)) if self.live else ()
        # CallRecord(session_id=..., kind=..., ...), spelt out: see machine.tuple_new
        call: CallRecord = tuple_new(
            CallRecord,
            (session_id, kind, call_type, actor, receiver, ringing, now, _INITIATED, None, None, (), NO_DECLINES,
             engaged, metadata, actor),
        )  # fmt: skip
        self.calls[session_id] = self.live[session_id] = call  # self._store() for a ringing call
        shape = self._shapes[session_id] = (templates, parties)
        if self.max_ended_calls is not None or self.call_retention is not None:
            self.trim(now)
        caller.last_active_at = now
        event: StatusChanged = tuple_new(StatusChanged, (session_id, _INITIATED, actor, now))
        return self._outcome(call, [event], actor, now, resource, shape)

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
        # store it: the calls, the live index, the ended ones in the order they ended (a call ends once,
        # at the move that ends it)
        self.calls[session_id] = new
        if new.status in TERMINAL:
            del self.live[session_id]
            shape = self._shapes.pop(session_id, None)  # (an ended call has no more messages)
            self.ended[session_id] = now
            self._ended_order.append(session_id)
        else:
            self.live[session_id] = new
            shape = self._shapes.get(session_id)
        if self.max_ended_calls is not None or self.call_retention is not None:  # else trim() is a no-op
            self.trim(now)
        if user is not None:
            user.last_active_at = now
        if shape is None:  # (every call has one from initiate() until it ends)
            shape = (self._templates_for(new), new.parties)
        return self._outcome(new, events, actor, now, resource, shape)

    def trim(self, now: float) -> list[str]:
        """Forget ended calls beyond the count limit or ended more than the retention ago; returns their ids.

        Only calls in :attr:`ended` are candidates, so a live call is never touched."""
        forgotten: list[str] = []
        ended, order, limit = self.ended, self._ended_order, self.max_ended_calls
        horizon = None if self.call_retention is None else now - self.call_retention
        while order:
            sid = order[0]
            ended_at = ended.get(sid)
            if ended_at is not None:  # (else forgotten already)
                over = limit is not None and len(ended) > limit
                if not over and (horizon is None or ended_at >= horizon):
                    break
                del ended[sid]
                assert sid not in self.live, f"{sid} is live and ended at once"
                del self.calls[sid]
                forgotten.append(sid)
            order.popleft()
        self.calls_trimmed += len(forgotten)
        return forgotten

    def expire(self, now: float) -> list[Outcome]:
        """Apply the server-side ring expiry to every call due by ``now``: earliest deadline first, calls
        placed at the same instant in the order they were placed (the live index keeps that order, and
        the sort is stable; a session id is a hash, no order at all)."""
        due = sorted(
            (
                (d, c.session_id)
                for c in self.live.values()
                if (d := ring_deadline(c, self.ring_timeout)) is not None and d <= now
            ),
            key=_deadline,
        )
        return [
            self.update(SYSTEM_ACTOR, sid, Move.UNANSWERED.value, now=now, resource=SYSTEM_DEVICE) for _, sid in due
        ]

    # -- fan-out ---------------------------------------------------------------------------------

    def _user_wrap(self, uid: str) -> Wrap:
        """How messages show ``uid`` now: the wrap made last time if nothing it shows changed since (their
        fields, compared by value, and their presence), else a new one."""
        if uid == SYSTEM_ACTOR:
            return _SYSTEM_WRAP
        user = self.directory.users.get(uid)
        if user is None:
            user = self.directory.user(uid)  # raises ERR_UID_NOT_FOUND
        kept = self._user_wraps.get(uid)
        if kept is not None and kept[0] == (uid in self.online, *_shown(user)):
            return kept[2] if kept[1] == user.last_active_at else self._touched_wrap(uid, user, kept)
        return self._new_user_wrap(uid, user)

    def _new_user_wrap(self, uid: str, user: User) -> Wrap:
        """A new wrap of ``user``, kept with what it shows."""
        online = uid in self.online
        wrap = user_wrap(user, online=online)
        self._user_wraps[uid] = ((online, *_shown(user)), user.last_active_at, wrap)
        return wrap

    def _touched_wrap(self, uid: str, user: User, kept: _KeptWrap) -> Wrap:
        """The wrap of ``user``, of whom only ``lastActiveAt`` changed since ``kept`` (every move changes the
        mover's): the kept wrap if it still shows the same (whole seconds), else a copy of its entity."""
        shown, last_active, wrap = kept[0], user.last_active_at, kept[2]
        entity = wrap["entity"]
        if entity["lastActiveAt"] != (whole := int(last_active)):
            entity = entity.copy()
            entity["lastActiveAt"] = whole
            wrap = {"entity": entity, "entityType": "user"}
        self._user_wraps[uid] = (shown, last_active, wrap)
        return wrap

    def _group_wrap(self, guid: str) -> Wrap:
        """How messages show the group ``guid`` now (the last wrap, if what it shows is unchanged)."""
        group = self.directory.groups[guid]
        shown = (group.name, len(group.members), group.owner, group.created_at)
        seen = self._group_wraps.get(guid)
        if seen is not None and seen[0] == shown:
            return seen[1]
        wrap = group_wrap(group)
        self._group_wraps[guid] = (shown, wrap)
        return wrap

    def _templates_for(self, call: CallRecord) -> CallTemplates:
        return self._templates_of(call.kind, call.caller, call.receiver, call.call_type)

    def _templates_of(self, kind: Kind, caller: str, receiver: str, call_type: str) -> CallTemplates:
        key = (kind, caller, receiver, call_type)
        templates = self._templates.get(key)
        if templates is None:
            if len(self._templates) >= _MAX_TEMPLATES:  # a bound, not a policy: they are cheap to remake
                self._templates.clear()
            templates = self._templates[key] = CallTemplates(*key, self.app_id)
        return templates

    def message_for(
        self, call: CallRecord, status: CallStatus, actor: str, *, now: float, resource: str | None
    ) -> Json:
        """A fresh call message announcing ``status`` of ``call`` as done by ``actor``."""
        caller = self._user_wrap(call.caller)
        receiver = self._user_wrap(call.receiver) if call.kind is _USER else self._group_wrap(call.receiver)
        by = caller if actor == call.caller else self._user_wrap(actor)
        templates = self._templates_for(call)
        data = templates.data(caller, receiver, call.metadata)
        frame = call_frame(
            call, status, next(self._message_ids), int(now), actor, by, receiver, data, resource, templates
        )
        return frame["body"]  # type: ignore[no-any-return]

    def _outcome(
        self,
        call: CallRecord,
        events: list[CallEvent],
        actor: str,
        now: float,
        resource: str | None,
        shape: tuple[CallTemplates, tuple[str, ...]],
    ) -> Outcome:
        """The outcome of ``actor``'s move (every event of a move is the mover's), its frames laid out now."""
        templates, parties = shape
        caller_uid = templates.caller
        users, online, seen = self.directory.users, self.online, self._user_wraps
        # self._user_wrap() of the caller and the callee, inlined for the usual case: a known user whose
        # wrap still shows them as they are (the cache never holds SYSTEM_ACTOR); anything else takes the method
        kept = seen.get(caller_uid)
        if kept is None or (user := users.get(caller_uid)) is None:
            caller = self._user_wrap(caller_uid)
        elif kept[0] == (caller_uid in online, user.name, user.role, user.avatar, user.metadata, not user.metadata,
                         user.created_at):  # fmt: skip
            caller = kept[2]
            if kept[1] != (last_active := user.last_active_at):  # self._touched_wrap(), inlined
                entity = caller["entity"]
                if entity["lastActiveAt"] != (whole := int(last_active)):
                    entity = entity.copy()
                    entity["lastActiveAt"] = whole
                    caller = {"entity": entity, "entityType": "user"}
                seen[caller_uid] = (kept[0], last_active, caller)
        else:
            caller = self._new_user_wrap(caller_uid, user)
        receiver_uid = templates.receiver
        if templates.user_call:
            kept = seen.get(receiver_uid)
            if kept is None or (user := users.get(receiver_uid)) is None:
                receiver = self._user_wrap(receiver_uid)
            elif kept[0] == (receiver_uid in online, user.name, user.role, user.avatar, user.metadata,
                             not user.metadata, user.created_at):  # fmt: skip
                receiver = kept[2]
                if kept[1] != (last_active := user.last_active_at):  # self._touched_wrap(), inlined
                    entity = receiver["entity"]
                    if entity["lastActiveAt"] != (whole := int(last_active)):
                        entity = entity.copy()
                        entity["lastActiveAt"] = whole
                        receiver = {"entity": entity, "entityType": "user"}
                    seen[receiver_uid] = (kept[0], last_active, receiver)
            else:
                receiver = self._new_user_wrap(receiver_uid, user)
            by = caller if actor == caller_uid else receiver if actor == receiver_uid else self._user_wrap(actor)
        else:
            receiver = self._group_wrap(receiver_uid)
            by = caller if actor == caller_uid else self._user_wrap(actor)
        # templates.data(caller, receiver, call.metadata), inlined for a call without metadata
        known = templates.parties
        if call.metadata is not None:
            data = templates.data(caller, receiver, call.metadata)
        elif known is not None and known[0] is caller and known[1] is receiver:
            data = templates.known_data
        else:
            data = templates.known_data = {"entities": {"sender": caller, "receiver": receiver}}
            templates.parties = (caller, receiver)
        sent_at, ids = int(now), self._message_ids
        if templates.user_call:  # (every move of a user call is one status change)
            frame = call_frame(call, call.status, next(ids), sent_at, actor, by, receiver, data, resource, templates)
            # Outcome(call, events, [Delivery(parties, frame)]), without running either __init__
            delivery: Delivery = _MoveDelivery()
            delivery.uids, delivery.frame = parties, frame
            outcome: Outcome = _MoveOutcome()
            outcome.call = call  # (one field a statement: four at once go through a tuple)
            outcome.events = events
            outcome.deliveries = [delivery]
            outcome.reply = frame["body"]
            return outcome
        deliveries: list[Delivery] = []
        for event in events:
            if isinstance(event, StatusChanged):
                status, uids = event.status, parties
            elif isinstance(event, MemberDeclined):
                status, uids = event.status, (event.member,)
            else:
                status, uids = _ONGOING, (event.member,)
            frame = call_frame(call, status, next(ids), sent_at, actor, by, receiver, data, resource, templates)
            deliveries.append(Delivery(uids, frame))
        return Outcome(call, events, deliveries)

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
