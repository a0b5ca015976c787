"""Message-level faults: drop, delay, duplicate or reorder a user's next call event; close sockets.

A fault targets one user (optionally one of its devices, by resource) and, for message faults, the
next ``count`` call events of one status (any status if none is given). It acts in the hub's outbound
hook, so it sees each frame on its way to each device, after the call state already changed: the
server's state is right, only what a client hears is wrong, which is what a flaky network does.

=========== ===================================================================================
kind        effect on the matched event (for every device of the user that gets it)
=========== ===================================================================================
drop        never sent
delay       sent ``by`` seconds later (server clock), after anything sent meanwhile
duplicate   sent ``1 + copies`` times in a row; with ``by``, the copies come ``by`` seconds later (a late
            duplicate, e.g. after the call already ended)
reorder     held back and sent right after the next call frame to that device (or after ``hold``)
close       the device's socket is closed right after the frame was sent (``status`` given), or at
            ``at`` seconds after arming, or at once; reconnects (WS auth) are then refused for
            ``refuse`` seconds
=========== ===================================================================================

Every effect is journaled as a ``fault`` entry (``faultId``, ``effect``, user, device, session,
status). Scripted users' own devices receive message faults too (a dropped ring is never answered),
but ``close`` only closes real sockets.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mockserver.core.states import CallStatus
from mockserver.scripted.behaviours import BehaviourError, Delay, Path, parse_delay
from mockserver.scripted.frames import CallFrame

if TYPE_CHECKING:
    from mockserver.hub import Device, Hub
    from mockserver.timers import Timer

Json = dict[str, Any]

#: Without a later frame to swap with, a reordered frame is released after this many seconds.
DEFAULT_HOLD = 10.0


class FaultKind(StrEnum):
    """What a fault does (see the module docstring)."""

    DROP = "drop"
    DELAY = "delay"
    DUPLICATE = "duplicate"
    REORDER = "reorder"
    CLOSE = "close"


@dataclass(frozen=True, kw_only=True)
class FaultSpec:
    """A fault as a script or the control API states it (before it is armed)."""

    kind: FaultKind
    user: str
    device: str | None = None  #: only this device (resource) of the user
    status: str | None = None  #: the call status to match (close: the trigger); None: any call event
    count: int = 1  #: how many events it applies to
    by: Delay | None = None  #: delay: how long; duplicate: how much later the copies come
    copies: int = 1  #: duplicate: extra copies
    hold: Delay | None = None  #: reorder: release after this long if no frame follows (default 10 s)
    at: Delay | None = None  #: close: this long after arming (with no status and no at: at once)
    refuse: Delay | None = None  #: close: refuse reconnects this long after closing

    def to_json(self) -> Json:
        """The script / control form."""
        shape: Json = {"kind": self.kind.value, "user": self.user}
        if self.device is not None:
            shape["device"] = self.device
        if self.status is not None:
            shape["status"] = self.status
        if self.count != 1:
            shape["count"] = self.count
        if self.kind is FaultKind.DUPLICATE:
            shape["copies"] = self.copies
        for key in ("by", "hold", "at", "refuse"):
            delay: Delay | None = getattr(self, key)
            if delay is not None:
                shape[key] = delay.to_json()
        return shape


_KEYS = frozenset({"kind", "user", "device", "status", "count", "by", "copies", "hold", "at", "refuse"})
_ONLY_FOR: dict[str, FaultKind | tuple[FaultKind, ...]] = {
    "by": (FaultKind.DELAY, FaultKind.DUPLICATE),
    "copies": FaultKind.DUPLICATE,
    "hold": FaultKind.REORDER,
    "at": FaultKind.CLOSE,
    "refuse": FaultKind.CLOSE,
}
_STATUSES = tuple(s.value for s in CallStatus)


def parse_fault(value: Any, path: Path = ()) -> FaultSpec:
    """A fault from a script or the control API: ``{kind, user, device?, status?, count?, …}``.

    Raises:
        BehaviourError: with the path of the offending key.
    """
    if not isinstance(value, dict):
        raise BehaviourError("a fault is an object with at least 'kind' and 'user'", path)
    unknown = sorted(set(value) - _KEYS)
    if unknown:
        raise BehaviourError(f"unknown fault key {unknown[0]!r}; use {', '.join(sorted(_KEYS))}", (*path, unknown[0]))
    try:
        kind = FaultKind(str(value.get("kind")))
    except ValueError:
        kinds = ", ".join(k.value for k in FaultKind)
        raise BehaviourError(f"kind must be one of {kinds}, not {value.get('kind')!r}", (*path, "kind")) from None
    for key, only in _ONLY_FOR.items():
        allowed = only if isinstance(only, tuple) else (only,)
        if key in value and kind not in allowed:
            names = " and ".join(k.value for k in allowed)
            raise BehaviourError(f"{key!r} applies only to {names} faults", (*path, key))
    user = value.get("user")
    if not isinstance(user, str) or not user:
        raise BehaviourError("a fault needs 'user': the uid whose events or sockets it hits", (*path, "user"))
    device = value.get("device")
    if device is not None and not isinstance(device, str):
        raise BehaviourError("device must be a device id (the SDK's resource) string", (*path, "device"))
    status = value.get("status")
    if status is not None and status not in _STATUSES:
        raise BehaviourError(f"status must be one of {', '.join(_STATUSES)}, not {status!r}", (*path, "status"))
    count = _positive_int(value, "count", path)
    copies = _positive_int(value, "copies", path)
    if kind is FaultKind.DELAY and "by" not in value:
        raise BehaviourError("a delay fault needs 'by': how long to hold the event", path)
    if kind is FaultKind.CLOSE and "at" in value and status is not None:
        raise BehaviourError("close at a time ('at') or on a status ('status'), not both", (*path, "at"))

    def delay(key: str) -> Delay | None:
        return parse_delay(value[key], (*path, key)) if key in value else None

    return FaultSpec(
        kind=kind,
        user=user,
        device=device,
        status=status,
        count=count,
        by=delay("by"),
        copies=copies,
        hold=delay("hold"),
        at=delay("at"),
        refuse=delay("refuse"),
    )


def _positive_int(value: dict[str, Any], key: str, path: Path) -> int:
    number = value.get(key, 1)
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise BehaviourError(f"{key} must be an integer ≥ 1, got {number!r}", (*path, key))
    return number


# -- armed faults ----------------------------------------------------------------------------------


@dataclass(kw_only=True)
class ArmedFault:
    """A fault in force: its spec, where it came from, and how much of it is left."""

    id: str
    spec: FaultSpec
    source: str  #: "control" or "script:<id>"
    armed_at: float
    remaining: int
    rng: random.Random = field(repr=False)
    claimed: dict[str, float] = field(default_factory=dict)  #: event key -> drawn delay (0 if none)
    fired: int = 0  #: frames it acted on
    timer: Timer | None = field(default=None, repr=False)

    def matches(self, device: Device, event: CallFrame) -> bool:
        """Whether this fault targets ``event`` on its way to ``device``."""
        spec = self.spec
        if device.uid != spec.user or (spec.device is not None and device.resource != spec.device):
            return False
        if spec.kind is FaultKind.CLOSE and (spec.status is None or device.scripted):
            return False
        return spec.status is None or event.status == spec.status

    def to_json(self) -> Json:
        """The control API's view."""
        return {
            "id": self.id,
            "source": self.source,
            "armedAt": self.armed_at,
            "remaining": self.remaining,
            "fired": self.fired,
            "spent": self.remaining <= 0,
            **self.spec.to_json(),
        }


@dataclass(kw_only=True)
class _Held:
    frame: Json
    fault: ArmedFault
    event: CallFrame
    timer: Timer | None = None


class FaultBook:
    """Every armed fault of one hub, its outbound hook and its admission rule."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.faults: dict[str, ArmedFault] = {}
        #: uid -> (refused until, fault id)
        self.refusals: dict[str, tuple[float, str]] = {}
        self._held: dict[int, _Held] = {}
        self._closing: set[int] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ids = itertools.count(1)

    # -- arming ------------------------------------------------------------------------------------

    async def arm(self, spec: FaultSpec, *, source: str, seed: int) -> ArmedFault:
        """Put ``spec`` in force now; a ``close`` without trigger closes at once."""
        fid = f"f{next(self._ids)}"
        fault = ArmedFault(
            id=fid,
            spec=spec,
            source=source,
            armed_at=self.hub.clock.now(),
            remaining=spec.count,
            rng=random.Random(f"{seed}:fault:{fid}"),
        )
        self.faults[fid] = fault
        self.hub.journal.record("control", action="fault-armed", faultId=fid, source=source, fault=spec.to_json())
        if spec.kind is FaultKind.CLOSE and spec.status is None:
            if spec.at is None:
                await self._close_now(fault)
            else:
                fault.timer = self.hub.timers.call_later(
                    spec.at.draw(fault.rng), lambda: self._close_now(fault), label=f"fault:{fid}:close"
                )
        return fault

    def remove(self, fid: str) -> bool:
        """Disarm one fault (its refusal window, if running, is lifted too)."""
        fault = self.faults.pop(fid, None)
        if fault is None:
            return False
        if fault.timer is not None:
            self.hub.timers.cancel(fault.timer)
        self.refusals = {uid: r for uid, r in self.refusals.items() if r[1] != fid}
        self.hub.journal.record("control", action="fault-disarmed", faultId=fid)
        return True

    def clear(self, *, source_prefix: str = "") -> list[str]:
        """Disarm every fault whose source starts with ``source_prefix`` (all by default)."""
        gone = [fid for fid, f in self.faults.items() if f.source.startswith(source_prefix)]
        for fid in gone:
            self.remove(fid)
        return gone

    def reset(self) -> None:
        """Forget everything (the hub's timers were cleared already); held frames are dropped."""
        self.faults.clear()
        self.refusals.clear()
        self._held.clear()

    def to_json(self) -> Json:
        """The control API's view: armed faults and running refusal windows."""
        now = self.hub.clock.now()
        return {
            "faults": [f.to_json() for f in self.faults.values()],
            "refusals": [
                {"uid": uid, "until": until, "faultId": fid}
                for uid, (until, fid) in self.refusals.items()
                if until > now
            ],
        }

    # -- the hub's hooks ---------------------------------------------------------------------------

    def admission(self, uid: str) -> str | None:
        """Hub admission rule: refuse ``uid``'s socket while a close fault's refusal window runs."""
        refusal = self.refusals.get(uid)
        if refusal is None:
            return None
        until, fid = refusal
        now = self.hub.clock.now()
        if now >= until:
            del self.refusals[uid]
            return None
        self.hub.journal.record("fault", faultId=fid, effect="reconnect-refused", uid=uid, until=until)
        return f"ringside fault {fid}: reconnects of {uid!r} are refused for {until - now:.3f} more seconds"

    def idle(self) -> bool:
        """Nothing armed, held or closing: :meth:`hook` would pass every frame as it is (the hub skips it)."""
        return not self.faults and not self._held and not self._closing

    async def hook(self, device: Device, frame: Json) -> list[Json]:
        """Hub outbound hook: apply the first fault that targets ``frame`` on its way to ``device``."""
        if not self.faults and not self._held and not self._closing:  # nothing armed: every frame as it is
            return [frame]
        if device.conn_id in self._closing:
            self._record(None, "lost-on-closing-socket", device, CallFrame.parse(frame))
            return []
        event = CallFrame.parse(frame)
        if event is None:
            return [frame]
        previous = self._held.pop(device.conn_id, None)
        out = [frame]
        for fault in self.faults.values():
            if not fault.matches(device, event):
                continue
            if event.event_key not in fault.claimed:
                if fault.remaining <= 0:
                    continue
                fault.remaining -= 1
                by = fault.spec.by
                fault.claimed[event.event_key] = by.draw(fault.rng) if by is not None else 0.0
            fault.fired += 1
            out = await self._apply(fault, device, frame, event)
            break
        if previous is not None:
            if previous.timer is not None:
                self.hub.timers.cancel(previous.timer)
            self._record(previous.fault, "reorder-release", device, previous.event, after=event.status)
            out = [*out, previous.frame]
        return out

    async def _apply(self, fault: ArmedFault, device: Device, frame: Json, event: CallFrame) -> list[Json]:
        kind = fault.spec.kind
        if kind is FaultKind.DROP:
            self._record(fault, "drop", device, event)
            return []
        if kind is FaultKind.DUPLICATE:
            late = fault.claimed[event.event_key]
            self._record(fault, "duplicate", device, event, copies=fault.spec.copies, delay=late)
            if late <= 0:
                return [frame] * (1 + fault.spec.copies)
            for _ in range(fault.spec.copies):
                self.hub.timers.call_later(
                    late,
                    lambda: self._send_late(fault, device, frame, event, effect="late-copy"),
                    label=f"fault:{fault.id}:late-copy",
                )
            return [frame]
        if kind is FaultKind.DELAY:
            delay = fault.claimed[event.event_key]
            self._record(fault, "delay", device, event, delay=delay)
            self.hub.timers.call_later(
                delay, lambda: self._send_late(fault, device, frame, event), label=f"fault:{fault.id}:delay"
            )
            return []
        if kind is FaultKind.REORDER:
            held = _Held(frame=frame, fault=fault, event=event)
            hold = (fault.spec.hold or Delay.fixed(DEFAULT_HOLD)).draw(fault.rng)
            held.timer = self.hub.timers.call_later(
                hold, lambda: self._release_held(device, held), label=f"fault:{fault.id}:hold"
            )
            self._held[device.conn_id] = held
            self._record(fault, "reorder-hold", device, event, hold=hold)
            return []
        # CLOSE on a status: the frame goes out first, then the socket closes.
        await self.hub.send(device, frame, apply_hooks=False)
        await self._close_devices(fault, [device], trigger=event)
        return []

    async def _send_late(
        self, fault: ArmedFault, device: Device, frame: Json, event: CallFrame, *, effect: str = "delay"
    ) -> None:
        if device.conn_id not in self.hub.devices:
            self._record(fault, f"{effect}-lost", device, event)
            return
        self._record(fault, f"{effect}-release", device, event)
        await self.hub.send(device, frame, apply_hooks=False)

    async def _release_held(self, device: Device, held: _Held) -> None:
        if self._held.get(device.conn_id) is not held:
            return
        del self._held[device.conn_id]
        if device.conn_id not in self.hub.devices:
            self._record(held.fault, "reorder-lost", device, held.event)
            return
        self._record(held.fault, "reorder-release", device, held.event, after=None)
        await self.hub.send(device, held.frame, apply_hooks=False)

    async def _close_now(self, fault: ArmedFault) -> None:
        spec = fault.spec
        devices = [
            d
            for d in self.hub.devices_of(spec.user)
            if not d.scripted and (spec.device is None or d.resource == spec.device)
        ]
        fault.remaining = 0
        fault.fired += len(devices)
        await self._close_devices(fault, devices, trigger=None)

    async def _close_devices(self, fault: ArmedFault, devices: list[Device], *, trigger: CallFrame | None) -> None:
        now = self.hub.clock.now()
        refuse = fault.spec.refuse.draw(fault.rng) if fault.spec.refuse is not None else 0.0
        if refuse > 0:
            until = max(now + refuse, self.refusals.get(fault.spec.user, (0.0, ""))[0])
            self.refusals[fault.spec.user] = (until, fault.id)
        self.hub.journal.record(
            "fault",
            faultId=fault.id,
            effect="close",
            uid=fault.spec.user,
            conns=[d.conn_id for d in devices],
            devices=[d.resource for d in devices],
            sessionId=trigger.session_id if trigger else None,
            status=trigger.status if trigger else None,
            refuseUntil=now + refuse if refuse > 0 else None,
        )
        loop = asyncio.get_running_loop()
        for device in devices:
            if device.conn_id in self._closing:
                continue
            self._closing.add(device.conn_id)
            # After the frames already queued for it (a close "on a status" follows that frame).
            task = loop.create_task(self.hub.disconnect(device, f"ringside fault {fault.id}", after_frames=True))
            self._tasks.add(task)
            task.add_done_callback(functools.partial(self._closed, conn=device.conn_id))
        # Let the close frames go out now (the close handshake itself is not waited for).
        await asyncio.sleep(0)

    def _closed(self, task: asyncio.Task[Any], *, conn: int) -> None:
        self._tasks.discard(task)
        self._closing.discard(conn)
        if not task.cancelled() and task.exception() is not None:
            self.hub.journal.record("error", where="fault-close", conn=conn, error=repr(task.exception()))

    def _record(
        self, fault: ArmedFault | None, effect: str, device: Device, event: CallFrame | None, **extra: Any
    ) -> None:
        self.hub.journal.record(
            "fault",
            faultId=fault.id if fault else None,
            effect=effect,
            uid=device.uid,
            conn=device.conn_id,
            device=device.resource,
            sessionId=event.session_id if event else None,
            status=event.status if event else None,
            **extra,
        )
