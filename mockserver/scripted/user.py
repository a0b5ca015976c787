"""A scripted user: a device that hears its user's call frames and answers (or calls) on a schedule.

A :class:`ScriptedUser` is a hub device like any SDK's socket (``Hub.open_device(peer, scripted=True)``
+ ``Hub.authenticate``): the hub delivers every frame of its user to :meth:`ScriptedUser.send_text`,
after the outbound hooks, so injected faults reach it too. It reads call frames the way the SDK does
(§4 of the wire facts), and when its script says so it acts through ``Hub.update`` / ``Hub.initiate``
with its own resource ``script-<uid>``: the journal shows its frames in, its moves, and the frames
those moves cause, exactly as for a real client. There is no other way in.

Reactions never act inside ``send_text`` (that runs in the middle of another actor's fan-out): each
one is a timer on the hub's clock, so "accept after 0 s" still lands after the ring has reached
everyone, and virtual time fires it on the next advance, in due order.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mockserver.core import RingsideError
from mockserver.hub import CLOSE_BY_SERVER
from mockserver.scripted.behaviours import Answer, AnswerStep, CalleeBehaviour, CallPlan
from mockserver.scripted.frames import TERMINAL, CallFrame

if TYPE_CHECKING:
    from mockserver.hub import Device, Hub
    from mockserver.timers import Timer

Json = dict[str, Any]

#: Sessions remembered per scripted user (to ignore duplicated or late frames of finished calls).
_MAX_SESSIONS = 10_000

#: The status each move sends.
_MOVE_STATUS = {
    "accept": "ongoing",
    "reject": "rejected",
    "busy": "busy",
    "cancel": "cancelled",
    "unanswered": "unanswered",
    "end": "ended",
}


def resource_of(uid: str) -> str:
    """The device id (SDK ``resource``) a scripted user acts with and stamps its frames with."""
    return f"script-{uid}"


@dataclass(kw_only=True)
class _Session:
    """What a scripted user knows about one call it takes part in."""

    session_id: str
    role: str  #: "callee" or "caller"
    step: AnswerStep | None = None  #: callee: how it answers this call
    plan: CallPlan | None = None  #: caller: the plan that placed it
    accepted: bool = False  #: caller: the other side accepted
    done: bool = False  #: over for this user (terminal status seen)
    timers: list[Timer] = field(default_factory=list)


class ScriptedUser:
    """One scripted user's virtual device (the hub's ``Peer``)."""

    def __init__(
        self,
        hub: Hub,
        uid: str,
        *,
        behaviour: CalleeBehaviour | None,
        rng: random.Random,
        source: str,
    ) -> None:
        self.hub = hub
        self.uid = uid
        self.resource = resource_of(uid)
        self.behaviour = behaviour
        self.rng = rng
        self.source = source  #: "magic", "file:<path>" or "script:<id>"
        self.rings = 0  #: incoming calls heard so far (picks the step of a per-call sequence)
        self.sessions: dict[str, _Session] = {}
        self.plan_timers: list[Timer] = []
        self.device: Device | None = None
        self._serial = itertools.count(1)

    # -- lifecycle ---------------------------------------------------------------------------------

    def connect(self) -> None:
        """Register the device with the hub, authenticated as ``uid`` (no-op if already connected)."""
        if self.device is not None:
            return
        self.device = self.hub.open_device(self, scripted=True)
        self.hub.authenticate(self.device, self.uid, self.resource)
        self._journal(
            "ready", behaviour=self.behaviour.describe() if self.behaviour else None, conn=self.device.conn_id
        )

    def disconnect(self) -> None:
        """Cancel everything pending and unregister the device."""
        for timer in self.plan_timers:
            self.hub.timers.cancel(timer)
        self.plan_timers.clear()
        for session in self.sessions.values():
            self._cancel(session)
        if self.device is not None:
            device, self.device = self.device, None
            self.hub.close_device(device)

    def set_behaviour(self, behaviour: CalleeBehaviour | None, *, source: str) -> None:
        """Replace how this user answers; a per-call sequence starts again from its first step."""
        self.behaviour, self.source, self.rings = behaviour, source, 0
        self._journal("behaviour", behaviour=behaviour.describe() if behaviour else None, source=source)

    def describe(self) -> Json:
        """The control API's view."""
        return {
            "uid": self.uid,
            "device": self.resource,
            "connected": self.device is not None,
            "source": self.source,
            "answer": self.behaviour.describe() if self.behaviour else None,
            "rings": self.rings,
            "pending": [
                {"due": t.due, "label": t.label}
                for t in sorted([*self.plan_timers, *(t for s in self.sessions.values() for t in s.timers)])
                if not t.cancelled
            ],
        }

    # -- Peer --------------------------------------------------------------------------------------

    async def send_text(self, data: str) -> None:
        """A frame for this user: read it like the SDK would, and plan the reaction."""
        try:
            frame = json.loads(data)
        except json.JSONDecodeError:
            return
        event = CallFrame.parse(frame)
        if event is not None:
            self._on_call_frame(event)

    def write_backlog(self) -> int | None:
        """An in-process device takes each frame at once."""
        return 0

    def send_now(self, data: str) -> bool:
        """Frames reach an in-process device through :meth:`send_text` only."""
        return False

    async def close(self, reason: str, *, code: int = CLOSE_BY_SERVER) -> None:
        """The hub (or a fault) closes this device: stop acting (there is no socket, so no ``code`` to send)."""
        self._journal("closed", reason=reason)
        self.disconnect()

    def abort(self) -> None:
        """Like :meth:`close`, without the journal entry."""
        self.disconnect()

    # -- hearing -----------------------------------------------------------------------------------

    def _on_call_frame(self, event: CallFrame) -> None:
        session = self.sessions.get(event.session_id)
        if event.status == "initiated":
            if event.caller != self.uid and session is None:
                self._on_ring(event)
        elif event.status == "ongoing":
            if session is not None and session.role == "caller" and not session.accepted and event.actor != self.uid:
                self._on_accepted(session)
        elif event.status in TERMINAL and session is not None and not session.done:
            session.done = True
            self._cancel(session)

    def _on_ring(self, event: CallFrame) -> None:
        step = self.behaviour.step_for(self.rings) if self.behaviour else AnswerStep(answer=Answer.NOANSWER)
        self.rings += 1
        session = _Session(session_id=event.session_id, role="callee", step=step)
        self._remember(session)
        self._journal("ring", sessionId=event.session_id, caller=event.caller, step=step.describe())
        if step.answer is not Answer.NOANSWER and step.after is not None:
            self._later(session, step.after.draw(self.rng), step.answer.value)

    def _on_accepted(self, session: _Session) -> None:
        # As the SDK does for user calls, the caller's ring timer stops when the callee accepts.
        session.accepted = True
        self._cancel(session)
        if session.plan is not None and session.plan.end is not None:
            self._later(session, session.plan.end.draw(self.rng), "end")

    # -- acting ------------------------------------------------------------------------------------

    def schedule_calls(self, plans: tuple[CallPlan, ...]) -> None:
        """Plan the outgoing calls of a script, timed from now (``count`` calls, ``every`` apart)."""
        for plan in plans:
            offset = plan.at.draw(self.rng)
            for k in range(plan.count):
                if k and plan.every is not None:
                    offset += plan.every.draw(self.rng)
                self._plan_call(plan, offset)

    def _plan_call(self, plan: CallPlan, delay: float) -> None:
        holder: list[Timer] = []

        async def place() -> None:
            if holder and holder[0] in self.plan_timers:
                self.plan_timers.remove(holder[0])
            await self._place(plan)

        timer = self.hub.timers.call_later(delay, place, label=f"script:{self.uid}:call:{plan.to}")
        holder.append(timer)
        self.plan_timers.append(timer)
        self._journal("planned", action="call", to=plan.to, due=timer.due)

    async def _place(self, plan: CallPlan) -> None:
        self._journal("act", action="call", to=plan.to, receiverType=plan.receiver_type, callType=plan.call_type)
        try:
            outcome = await self.hub.initiate(
                self.uid,
                receiver=plan.to,
                receiver_type=plan.receiver_type,
                call_type=plan.call_type,
                resource=self.resource,
            )
        except RingsideError as error:
            self._journal("refused", action="call", to=plan.to, code=str(error.code), message=error.message)
            return
        session = _Session(session_id=outcome.call.session_id, role="caller", plan=plan)
        self._remember(session)
        if plan.cancel is not None:
            self._later(session, plan.cancel.draw(self.rng), "cancel")
        elif plan.unanswered is not None:
            self._later(session, plan.unanswered.draw(self.rng), "unanswered")

    def _later(self, session: _Session, delay: float, action: str) -> None:
        label = f"script:{self.uid}:{action}:{next(self._serial)}"
        holder: list[Timer] = []

        async def fire() -> None:
            if holder and holder[0] in session.timers:
                session.timers.remove(holder[0])
            await self._act(session, action)

        timer = self.hub.timers.call_later(delay, fire, label=label)
        holder.append(timer)
        session.timers.append(timer)
        self._journal("planned", action=action, sessionId=session.session_id, due=timer.due)

    async def _act(self, session: _Session, action: str) -> None:
        if session.done:
            return
        self._journal("act", action=action, sessionId=session.session_id)
        try:
            await self.hub.update(self.uid, session.session_id, _MOVE_STATUS[action], resource=self.resource)
        except RingsideError as error:
            self._journal(
                "refused", action=action, sessionId=session.session_id, code=str(error.code), message=error.message
            )
            return
        step = session.step
        if action == "accept" and step is not None and step.end_after is not None and not session.done:
            self._later(session, step.end_after.draw(self.rng), "end")

    # -- bookkeeping -------------------------------------------------------------------------------

    def _cancel(self, session: _Session) -> None:
        for timer in session.timers:
            self.hub.timers.cancel(timer)
        session.timers.clear()

    def _remember(self, session: _Session) -> None:
        self.sessions[session.session_id] = session
        if len(self.sessions) > _MAX_SESSIONS:
            for sid in [sid for sid, s in self.sessions.items() if s.done][: len(self.sessions) - _MAX_SESSIONS]:
                del self.sessions[sid]

    def _journal(self, event: str, **fields: Any) -> None:
        self.hub.journal.record("script", uid=self.uid, device=self.resource, event=event, **fields)
