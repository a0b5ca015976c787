"""The hub: the backend's state, its clock, timers and journal, and the devices frames go to.

The one place where the pure core meets time and I/O (without knowing HTTP): every actor — a REST
request, the control API, a scripted user — acts through :meth:`Hub.initiate` / :meth:`Hub.update`,
and every resulting frame goes out through :meth:`Hub.send`, which journals it first. The aiohttp
edge (``app.py``) turns HTTP and WebSocket traffic into these calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import traceback
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from adapter_protocol.sink import CallbackSink
from mockserver.clock import Clock, VirtualClock
from mockserver.config import ServerConfig
from mockserver.core import Backend, ErrorCode, Outcome, RingsideError
from mockserver.core.directory import User
from mockserver.fakes import fake_people
from mockserver.journal import Journal
from mockserver.jsoncodec import encode
from mockserver.timers import Timer, Timers

Json = dict[str, Any]

#: WebSocket close codes ringside sends (4000-4999 is the application's range; docs/reliability.md).
CLOSE_BY_SERVER = 4000  #: reset, shutdown, a fault, a refused auth
CLOSE_AUTH_DEADLINE = 4001  #: no successful auth frame within ``ServerConfig.auth_deadline``
CLOSE_SLOW_CONSUMER = 4008  #: the device did not take its frames: queue full, or a write past the send deadline
#: Real seconds a close handshake may take before the connection is aborted (a stalled peer never answers).
CLOSE_DEADLINE = 1.0


class Peer(Protocol):
    """The sending side of one WebSocket connection (or of a scripted user's virtual device)."""

    async def send_text(self, data: str) -> None:
        """Send one text frame."""
        ...

    async def close(self, reason: str, *, code: int = CLOSE_BY_SERVER) -> None:
        """Close the connection with a close handshake."""
        ...

    def abort(self) -> None:
        """Drop the connection at once (no handshake, nothing buffered is flushed)."""
        ...

    def write_backlog(self) -> int | None:
        """Bytes written but not yet taken by the peer's connection (None: cannot tell)."""
        ...

    def send_now(self, data: str) -> bool:
        """Write one text frame at once if that cannot wait (nothing buffered); False: use send_text."""
        ...


#: A frame shorter than this, on a connection with nothing waiting to go out, is written without arming
#: the send deadline: it fits far below the transport's high-water mark (64 KiB), so the write cannot wait.
_UNGUARDED_FRAME = 16 * 1024


@dataclass(frozen=True)
class _CloseMark:
    """In a device's outbox: close the socket once the frames before this are written."""

    reason: str
    code: int


@dataclass(kw_only=True, slots=True)
class Device:
    """One connected device: a WebSocket that authenticated (or is about to).

    A socket device has its own outbox and, while it has frames to write, its own writer task, so a
    device that stops reading holds up nobody but itself; a scripted user's virtual device is in-process
    and takes frames inline. An idle device holds no task, event or queue (docs/performance.md: memory
    per idle socket).
    """

    conn_id: int
    peer: Peer
    opened_at: float
    uid: str | None = None
    resource: str | None = None  #: the SDK's session id: its REST ``resource`` header and WS ``deviceId``
    frames_sent: int = 0  #: frames handed to the writer, less those dropped unwritten when the socket closed
    frames_received: int = 0
    scripted: bool = False
    origin: str | None = None
    outbox: deque[str | _CloseMark] | None = None  #: frames waiting for the writer (made on the first)
    unsent: int = 0  #: frames journaled as sent but dropped from the outbox when the socket closed
    closing: bool = False  #: the server is closing it: no more frames are taken
    close_code: int | None = None  #: the code the server closed it with
    task: asyncio.Task[None] | None = None  #: the writer, while the outbox has frames
    closer: asyncio.Task[None] | None = None  #: the server's close of the socket, once started
    is_closed: bool = False  #: the connection is gone (closed or aborted)
    _closed: asyncio.Event | None = None  #: made only for someone who waits for the close
    auth_timer: asyncio.TimerHandle | None = None

    @property
    def queued(self) -> int:
        """Frames waiting to be written."""
        return sum(1 for item in self.outbox if isinstance(item, str)) if self.outbox else 0

    def mark_closed(self) -> None:
        """The connection is gone: wake whoever waits in :meth:`wait_closed`."""
        self.is_closed = True
        if self._closed is not None:
            self._closed.set()

    async def wait_closed(self) -> None:
        """Return once the connection is gone."""
        if self.is_closed:
            return
        if self._closed is None:
            self._closed = asyncio.Event()
        await self._closed.wait()

    def describe(self) -> Json:
        """The control API's view of this device."""
        return {
            "connId": self.conn_id,
            "uid": self.uid,
            "resource": self.resource,
            "framesSent": self.frames_sent,
            "framesReceived": self.frames_received,
            "queued": self.queued,
            "openedAt": self.opened_at,
            "scripted": self.scripted,
        }


#: A hook that may rewrite, hold back or multiply a frame on its way to a device (faults live here).
#: It returns the frames to send now, in order (``[]`` drops it).
OutboundHook = Callable[[Device, Json], Awaitable[list[Json]]]


@dataclass
class HubStats:
    """Counters for the bench and the dashboard."""

    requests: int = 0
    frames_out: int = 0
    frames_in: int = 0
    calls: int = 0
    errors: dict[str, int] = field(default_factory=dict)


class Hub:
    """State, time and fan-out of one mock server."""

    def __init__(self, config: ServerConfig, clock: Clock, journal: Journal) -> None:
        self.config = config
        self.clock = clock
        self.journal = journal
        self.backend = Backend(
            app_id=config.app_id,
            region=config.region,
            seed=config.seed,
            ring_timeout=config.ring_timeout,
            max_ended_calls=config.max_ended_calls,
            call_retention=config.call_retention,
            max_tokens_per_user=config.max_tokens_per_user,
        )
        self.timers = Timers(clock, on_error=self._timer_failed)
        self.devices: dict[int, Device] = {}
        #: authenticated devices by user, oldest first (a fan-out looks up its recipients, not every socket)
        self._by_uid: dict[str, dict[int, Device]] = {}
        #: the last frame encoded, its JSON, its text and its call's (session id, status): a frame fanned out
        #: to several devices is encoded (and looked into) once
        self._encoded: tuple[Json | None, bytes, str, tuple[str, str] | None] = (None, b"", "", None)
        self.outbound_hooks: list[OutboundHook] = []
        #: outbound hooks that can tell whether they would pass every frame unchanged right now
        self._idle_checks: list[tuple[OutboundHook, Callable[[], bool]]] = []
        self.stats = HubStats()
        self._conn_ids = itertools.count(1)
        self._expiry: Timer | None = None
        #: listener callbacks reported by clients under test, by instance tag (adapter protocol sink)
        self.callbacks = CallbackSink()
        self._callbacks_changed = asyncio.Event()
        self._devices_changed = asyncio.Event()
        #: the port the edge bound (settings point the SDK back at it)
        self.port = 0
        #: predicates naming uids that come into being on first use (magic users, --auto-users)
        self.on_demand_users: list[Callable[[str], bool]] = [lambda _uid: config.auto_create_users]
        #: rules that may refuse a user's socket for a while (the reconnect-refusal fault): uid -> reason
        self.admission_rules: list[Callable[[str], str | None]] = []
        #: coroutines run at the end of :meth:`reset` (scripted users re-apply the startup script)
        self.reset_hooks: list[Callable[[], Awaitable[None]]] = []
        #: per-hub state of optional subsystems, by name (``"scripting"``: mockserver.scripted)
        self.extensions: dict[str, object] = {}

    # -- directory -------------------------------------------------------------------------------

    def seed_directory(self) -> None:
        """Create the users and groups the configuration asks for."""
        now = self.clock.now()
        for uid in self.config.users:
            if uid not in self.backend.directory.users:
                self.backend.directory.add_user(uid, now=now)
        if self.config.fake_users:
            for uid, name in fake_people(self.config.fake_users, seed=self.config.seed):
                if uid not in self.backend.directory.users:
                    self.backend.directory.add_user(uid, name=name, now=now)
        for guid, members in self.config.groups.items():
            for uid in members:  # a member may be a magic id (ring-accept-2s): it comes to life here
                with contextlib.suppress(RingsideError):
                    self.user_or_create(uid)
            try:
                self.backend.directory.add_group(guid, name=None, members=members, now=now)
            except RingsideError as error:
                error.message = f"group {guid}: {error.message} (create members with --users)"
                raise

    def user_or_create(self, uid: str) -> User:
        """The user ``uid``; created now if an on-demand rule (auto users, magic ids) covers it."""
        directory = self.backend.directory
        if uid not in directory.users and any(rule(uid) for rule in self.on_demand_users):
            directory.add_user(uid, now=self.clock.now())
            self.journal.record("control", action="user-created-on-demand", uid=uid)
        return directory.user(uid)

    async def reset(self, *, clear_journal: bool = False, close_sockets: bool = True) -> None:
        """Forget every call, user and group made since start (the configured ones come back)."""
        if close_sockets:
            await self.close_all("ringside reset")
        self.timers.clear()
        self._expiry = None
        self.backend.reset()
        for device in self.devices.values():
            if device.uid:
                self.backend.online.add(device.uid)
        self.seed_directory()
        self.callbacks.clear()
        if clear_journal:
            self.journal.clear()
        self.journal.record("control", action="reset", clearJournal=clear_journal)
        for hook in self.reset_hooks:
            await hook()

    # -- devices ---------------------------------------------------------------------------------

    def open_device(self, peer: Peer, *, origin: str | None = None, scripted: bool = False) -> Device:
        """Register a new connection (not yet authenticated); a socket gets its writer and auth deadline."""
        device = Device(
            conn_id=next(self._conn_ids), peer=peer, opened_at=self.clock.now(), origin=origin, scripted=scripted
        )
        self.devices[device.conn_id] = device
        self.journal.record("ws.open", conn=device.conn_id, origin=origin, scripted=scripted)
        if not scripted:
            loop = asyncio.get_running_loop()
            # Real time, not the server clock: an idle socket costs real resources whatever the clock says.
            device.auth_timer = loop.call_later(self.config.auth_deadline, self._auth_expired, device)
        return device

    def authenticate(self, device: Device, uid: str, resource: str | None) -> None:
        """Bind a connection to its user and device id."""
        if device.auth_timer is not None:
            device.auth_timer.cancel()
            device.auth_timer = None
        previous = device.uid
        if previous is not None:
            self._unindex(previous, device)
        device.uid, device.resource = uid, resource
        self._by_uid.setdefault(uid, {})[device.conn_id] = device
        if previous is not None and previous != uid and not self.devices_of(previous):
            self.backend.online.discard(previous)
        self.backend.online.add(uid)
        changed, self._devices_changed = self._devices_changed, asyncio.Event()
        changed.set()

    async def wait_for_devices(self, uid: str, count: int = 1, *, timeout: float) -> list[Device]:
        """Wait (up to ``timeout`` real seconds) until ``uid`` has ``count`` authenticated devices.

        An SDK resolves ``login`` before its socket has authenticated; a call placed in that gap
        reaches nobody. Tests and tools wait on this instead of sleeping.
        """
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while len(self.devices_of(uid)) < count and (left := end - loop.time()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._devices_changed.wait(), left)
        return self.devices_of(uid)

    def close_device(self, device: Device, *, code: int | None = None) -> None:
        """Forget a closed connection (the server's own close code wins over what the socket reports)."""
        if self.devices.pop(device.conn_id, None) is None:
            return
        if device.uid is not None:
            self._unindex(device.uid, device)
        if device.auth_timer is not None:
            device.auth_timer.cancel()
        if device.task is not None and device.task is not asyncio.current_task():
            device.task.cancel()
        device.closing = True
        self._drop_outbox(device)
        device.mark_closed()
        self.journal.record(
            "ws.close",
            conn=device.conn_id,
            uid=device.uid,
            device=device.resource,
            code=device.close_code if device.close_code is not None else code,
            **({"unsent": device.unsent} if device.unsent else {}),
        )
        if device.uid and not self.devices_of(device.uid):
            self.backend.online.discard(device.uid)

    def record_callback(self, tag: str, report: Json) -> None:
        """Keep and journal a callback a client under test reported (a retried copy is journaled as a repeat)."""
        if not self.callbacks.receive(tag, report):
            self.journal.record("callback.repeat", tag=tag, reportSeq=report["seq"], callback=report.get("callback"))
            return
        call: Json = report["call"] if isinstance(report.get("call"), dict) else {}
        self.journal.record(
            "callback",
            tag=tag,
            callback=report.get("callback"),
            listenerId=report.get("listenerId"),
            sessionId=call.get("sessionId"),
            status=call.get("status"),
            report=report,
        )
        changed, self._callbacks_changed = self._callbacks_changed, asyncio.Event()
        changed.set()

    async def wait_for_callbacks(self, tag: str, count: int, *, timeout: float) -> list[Json]:
        """Wait (up to ``timeout`` real seconds) until ``tag`` reported at least ``count`` callbacks."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while self.callbacks.count(tag) < count and (left := end - loop.time()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._callbacks_changed.wait(), left)
        return self.callbacks.of(tag)

    def admission_refusal(self, uid: str) -> str | None:
        """Why ``uid`` may not connect right now, if an injected fault says so."""
        for rule in self.admission_rules:
            if (reason := rule(uid)) is not None:
                return reason
        return None

    def devices_of(self, uid: str) -> list[Device]:
        """Every authenticated device of ``uid``, oldest first."""
        mine = self._by_uid.get(uid)
        if not mine:
            return []
        return list(mine.values()) if len(mine) == 1 else sorted(mine.values(), key=lambda d: d.conn_id)

    def _unindex(self, uid: str, device: Device) -> None:
        mine = self._by_uid.get(uid)
        if mine is not None:
            mine.pop(device.conn_id, None)
            if not mine:
                del self._by_uid[uid]

    def add_outbound_hook(self, hook: OutboundHook, *, idle: Callable[[], bool] | None = None) -> None:
        """Run ``hook`` on every frame on its way out; ``idle()`` True: the hook would pass every frame
        as it is right now, so a fan-out may skip it (the hot path when no fault is armed)."""
        self.outbound_hooks.append(hook)
        if idle is not None:
            self._idle_checks.append((hook, idle))

    def _hooks_idle(self) -> bool:
        """No outbound hook would change a frame right now (a hook without an idle check never is idle)."""
        hooks, checks = self.outbound_hooks, self._idle_checks
        if len(checks) != len(hooks):
            return not hooks
        for index, (known, idle) in enumerate(checks):  # noqa: SIM110 (a loop: no zip, no generator per fan-out)
            if hooks[index] is not known or not idle():
                return False
        return True

    async def send(self, device: Device, frame: Json, *, apply_hooks: bool = True) -> None:
        """Send ``frame`` to ``device`` through the outbound hooks, journaling each frame sent.

        A socket device's frames go to its outbox and return at once (its writer task writes them, in
        order): nobody waits on another device's socket. A device whose outbox is full is closed as a
        slow consumer; a device the server is closing takes no more frames.
        """
        if apply_hooks and self.outbound_hooks:
            frames = [frame]
            for hook in self.outbound_hooks:
                frames = [out for f in frames for out in await hook(device, f)]
        else:
            frames = [frame]
        for out in frames:
            if not device.scripted:
                self._put(device, out)
                continue
            encoded, data, call = self._encode(out)
            self._journal_out(device, encoded, call)
            try:  # an in-process device (a scripted user): it cannot stall
                await device.peer.send_text(data)
            except (ConnectionError, RuntimeError) as exc:  # the peer went away mid-send
                self.journal.record("error", where="send", conn=device.conn_id, device=device.resource, error=repr(exc))

    def _put(self, device: Device, frame: Json) -> None:
        """A socket device's frame: journaled, then written now if nothing is queued or buffered (no writer
        task to schedule), else queued for its writer; refused when it is closing, evicted when it is full."""
        if device.closing:
            return
        outbox = device.outbox
        if outbox is not None and len(outbox) >= self.config.send_queue:
            self._evict(device, "queue-full")
            return
        encoded, data, call = self._encode(frame)
        self._journal_out(device, encoded, call)
        if device.task is not None or outbox or not device.peer.send_now(data):
            self._queue(device, data)

    def _journal_out(self, device: Device, encoded: bytes, call: tuple[str, str] | None) -> None:
        """Journal a frame sent to ``device`` (a call frame with its session id and status: ``call``) and
        count it. The journal keeps the frame as encoded (decoded when read)."""
        device.frames_sent += 1
        self.stats.frames_out += 1
        entry = {
            "seq": 0,
            "kind": "ws.out",
            "t": 0.0,
            "wall": 0.0,
            "conn": device.conn_id,
            "uid": device.uid,
            "device": device.resource,
            "frame": encoded,
        }
        if call is not None:
            entry["sessionId"], entry["status"] = call
        self.journal.append(entry)  # laid out as record() would: no keyword dict, no copy

    def _encode(self, frame: Json) -> tuple[bytes, str, tuple[str, str] | None]:
        """``frame`` as JSON bytes (for the journal), as the text of a WebSocket frame, and the session id
        and status of the call it is about (None: not a call frame): made once however many devices it
        goes to (frames are not changed once sent, so the last one encoded is known by identity)."""
        cached = self._encoded
        if frame is not cached[0]:
            encoded = encode(frame)  # strict JSON: never NaN
            call: tuple[str, str] | None
            try:
                entity = frame["body"]["data"]["entities"]["on"]["entity"]
                call = (entity["sessionid"], entity["status"])
            except (KeyError, TypeError):
                call = None
            cached = self._encoded = (frame, encoded, encoded.decode("utf-8"), call)
        return cached[1], cached[2], cached[3]

    async def disconnect(
        self, device: Device, reason: str, *, code: int = CLOSE_BY_SERVER, after_frames: bool = False
    ) -> None:
        """Close ``device``'s connection: now (its unwritten frames dropped), or ``after_frames`` already
        queued (a fault's close-after, an auth failure's reply). Returns once it closed or was aborted."""
        if device.scripted:  # in-process
            await device.peer.close(reason, code=code)
            return
        if device.is_closed:
            return
        if not device.closing:
            device.closing = True
            device.close_code = code
            if after_frames:
                self._queue(device, _CloseMark(reason, code))
            else:
                self._close_now(device, reason, code)
        await device.wait_closed()

    async def close_all(self, reason: str) -> None:
        """Close every socket device at once; each is closed or aborted within :data:`CLOSE_DEADLINE`."""
        sockets = [d for d in self.devices.values() if not d.scripted]
        if sockets:
            await asyncio.gather(*(self.disconnect(d, reason) for d in sockets))
            # The handshakes still under way end (or are aborted) within the close deadline too.
            closing = {d.closer for d in sockets if d.closer is not None and not d.closer.done()}
            if closing:
                await asyncio.wait(closing, timeout=CLOSE_DEADLINE * 2)

    def _evict(self, device: Device, reason: str) -> None:
        """Close a device that does not take its frames (``reason``: queue-full, send-deadline, auth-deadline)."""
        # Only the writer's own timeout overrides a close already under way (a close queued behind frames).
        if device.conn_id not in self.devices or (device.closing and reason != "send-deadline"):
            return
        code = CLOSE_AUTH_DEADLINE if reason == "auth-deadline" else CLOSE_SLOW_CONSUMER
        device.closing, device.close_code = True, code
        self.journal.record(
            "ws.evict",
            conn=device.conn_id,
            uid=device.uid,
            device=device.resource,
            reason=reason,
            code=code,
            queued=device.queued,
            limit=self.config.send_queue,
            deadline=self.config.auth_deadline if reason == "auth-deadline" else self.config.send_deadline,
        )
        self._close_now(device, f"ringside: {reason}", code)

    def _auth_expired(self, device: Device) -> None:
        device.auth_timer = None
        if device.uid is None:
            self._evict(device, "auth-deadline")

    def _drop_outbox(self, device: Device) -> None:
        """Forget the frames not yet written (they count as unsent; close marks just go)."""
        queued = device.queued
        device.unsent += queued
        device.frames_sent -= queued
        if device.outbox is not None:
            device.outbox.clear()

    def _close_now(self, device: Device, reason: str, code: int) -> None:
        """Stop the writer (its frames dropped) and close the socket in a task of its own."""
        self._drop_outbox(device)
        if device.task is not None and device.task is not asyncio.current_task():
            device.task.cancel()
        self._start_closer(device, reason, code)

    def _start_closer(self, device: Device, reason: str, code: int) -> None:
        # Its own task, not the writer's: the socket's handler ends once the close frame is out, and
        # forgetting the device then stops the writer, but must not cut the handshake short.
        if device.closer is None:
            device.closer = asyncio.get_running_loop().create_task(
                self._close_peer(device, reason, code), name=f"ringside-close-{device.conn_id}"
            )

    async def _close_peer(self, device: Device, reason: str, code: int) -> None:
        """A close handshake within :data:`CLOSE_DEADLINE`, else abort: a stalled peer never answers."""
        handshake = asyncio.ensure_future(device.peer.close(reason, code=code))
        try:
            await asyncio.wait({handshake}, timeout=CLOSE_DEADLINE)
        finally:  # late, failed or interrupted: drop the connection
            if not handshake.done() or handshake.cancelled() or handshake.exception() is not None:
                handshake.cancel()
                device.peer.abort()
            device.mark_closed()

    def _queue(self, device: Device, item: str | _CloseMark) -> None:
        """Put ``item`` in the device's outbox, starting its writer if it has none running."""
        if device.outbox is None:
            device.outbox = deque()
        device.outbox.append(item)
        if device.task is None:
            device.task = asyncio.get_running_loop().create_task(
                self._write(device), name=f"ringside-writer-{device.conn_id}"
            )

    async def _write(self, device: Device) -> None:
        """The device's writer: its frames in order, each within the send deadline; it ends when the
        outbox is empty (the next frame starts another), so an idle socket costs no task."""
        try:
            await self._drain(device)
        finally:
            if device.task is asyncio.current_task():
                device.task = None

    async def _drain(self, device: Device) -> None:
        outbox = device.outbox
        while outbox:
            item = outbox.popleft()
            if isinstance(item, _CloseMark):
                self._start_closer(device, item.reason, item.code)
                return
            try:
                if device.peer.write_backlog() == 0 and len(item) < _UNGUARDED_FRAME:
                    # Nothing waiting to go out: the frame is handed to the kernel without waiting, so the
                    # deadline (a timer armed and cancelled per frame) guards nothing here.
                    await device.peer.send_text(item)
                else:
                    async with asyncio.timeout(self.config.send_deadline):
                        await device.peer.send_text(item)
            except TimeoutError:
                self._evict(device, "send-deadline")
                return
            except (ConnectionError, RuntimeError) as exc:  # the peer went away mid-send
                self.journal.record("error", where="send", conn=device.conn_id, device=device.resource, error=repr(exc))
            except Exception:  # a bug in ringside: journal it and close the socket rather than let frames pile up
                self.journal.record("error", where="writer", conn=device.conn_id, traceback=traceback.format_exc())
                device.closing, device.close_code = True, CLOSE_BY_SERVER
                self._close_now(device, "ringside failed", CLOSE_BY_SERVER)
                return

    async def deliver(self, outcome: Outcome) -> None:
        """Send every frame of ``outcome`` to every device of its recipients, in order."""
        direct = self._hooks_idle()  # then a socket device's frame is put without a coroutine per frame
        for delivery in outcome.deliveries:
            frame = delivery.frame
            for uid in delivery.uids:
                for device in self.devices_of(uid):
                    if direct and not device.scripted:
                        self._put(device, frame)
                    else:
                        await self.send(device, frame)
                        direct = direct and self._hooks_idle()  # a scripted user's move may arm a fault

    # -- call moves ------------------------------------------------------------------------------

    async def initiate(
        self,
        actor: str,
        *,
        receiver: str,
        receiver_type: str,
        call_type: str,
        resource: str | None,
        metadata: Any = None,
    ) -> Outcome:
        """``actor`` places a call; journals it, fans it out, and arms the server's ring expiry."""
        if receiver_type == "user" and receiver not in self.backend.directory.users:
            with contextlib.suppress(RingsideError):
                self.user_or_create(receiver)
        outcome = self.backend.initiate(
            actor,
            receiver=receiver,
            receiver_type=receiver_type,
            call_type=call_type,
            now=self.clock.now(),
            resource=resource,
            metadata=metadata,
        )
        self.stats.calls += 1
        await self._apply(outcome, actor=actor, resource=resource)
        return outcome

    async def update(self, actor: str, session_id: str, status: str, *, resource: str | None) -> Outcome:
        """``actor`` moves call ``session_id`` to ``status``; journals it and fans it out."""
        outcome = self.backend.update(actor, session_id, status, now=self.clock.now(), resource=resource)
        await self._apply(outcome, actor=actor, resource=resource)
        return outcome

    async def _apply(self, outcome: Outcome, *, actor: str, resource: str | None) -> None:
        call, append = outcome.call, self.journal.append
        receiver_type = call.kind.value
        for event in outcome.events:
            append(
                {
                    "seq": 0,
                    "kind": "call",
                    "t": 0.0,
                    "wall": 0.0,
                    "sessionId": event.session_id,
                    "event": type(event).__name__,
                    "status": getattr(event, "status", None),
                    "actor": actor,
                    "device": resource,
                    "member": getattr(event, "member", None),
                    "receiverType": receiver_type,
                    "caller": call.caller,
                    "receiver": call.receiver,
                }
            )
        await self.deliver(outcome)
        self._arm_expiry()

    def _arm_expiry(self) -> None:
        due = self.backend.next_deadline()
        if self._expiry is not None and (due is None or self._expiry.due != due):
            self.timers.cancel(self._expiry)
            self._expiry = None
        if due is not None and self._expiry is None:
            self._expiry = self.timers.call_at(due, self._expire, label="ring-expiry")

    async def _expire(self) -> None:
        self._expiry = None
        for outcome in self.backend.expire(self.clock.now()):
            self.journal.record("timer", label="ring-expiry", sessionId=outcome.call.session_id)
            await self._apply(outcome, actor="ringside-system", resource=None)
        self._arm_expiry()

    # -- time ------------------------------------------------------------------------------------

    async def advance_to(self, when: float) -> list[Timer]:
        """Virtual clock only: move to ``when``, firing every due timer in order; returns them."""
        if not isinstance(self.clock, VirtualClock):
            raise RingsideError(
                ErrorCode.CLOCK_REFUSED, f"the {self.clock.kind} clock cannot be moved; start with --clock virtual"
            )
        if when < self.clock.now():
            raise RingsideError(
                ErrorCode.CLOCK_REFUSED,
                "virtual time never goes backwards",
                {"now": self.clock.now(), "requested": when},
            )
        fired = await self.timers.advance_to(when)
        self.journal.record("control", action="clock", now=self.clock.now(), fired=[t.label for t in fired])
        return fired

    def _timer_failed(self, timer: Timer, exc: BaseException) -> None:
        self.journal.record("error", where="timer", label=timer.label, error=repr(exc))
