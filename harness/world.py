"""One scenario's world: the mock server, the client instances, time, and waiting for callbacks.

Steps are synchronous and short; they call into a :class:`World`. The world keeps one timeline for
everybody: with a virtual clock, :meth:`World.advance` moves the mock server and every client instance
in lock-step from one due timer to the next (server first, then instances in creation order), and
:meth:`World.settle` waits — on frame counts, never on sleeps — until every frame sent has been
received and dispatched and every callback reported.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, cast

from adapter_protocol.client import AdapterService, ClientInstance, CommandResult
from adapter_protocol.names import Callback, Capability, Command
from harness import journal_view
from harness.errors import AdapterError, CapabilityMissing, ComplianceViolation, ScenarioError
from mockserver.clock import RealClock
from mockserver.probe import CallState, JournalEntry, Probe, ServerFailure

Json = dict[str, Any]
#: Real seconds to wait for frames in flight to be received (a client slower than this is broken).
SETTLE_DEADLINE = 5.0
#: Real-time slack added to "within N seconds" when the clock is real.
REAL_TIME_SLACK = 0.3
#: How far short of an instant :meth:`World.approach` leaves the clients (virtual seconds).
APPROACH_GAP = 0.001
#: The listener id the "logged in" steps register on every instance.
DEFAULT_LISTENER = "main"
CALLBACKS = tuple(Callback)
#: Journal kinds that say something happened to a device: a frame sent, its socket closed or evicted, a failed
#: send; and frames received (``ws.in``), for the device id a socket claims in its auth frame.
_DEVICE_KINDS = ("ws.out", "ws.close", "ws.evict", "error", "ws.in")
#: Commands after which an instance is as settled as before (``advanceTime`` waits for its timers' I/O).
_SETTLING_COMMANDS = frozenset({Command.SYNC, Command.ADVANCE_TIME})
_scenario_numbers = itertools.count(1)
#: Threads that log parties in and delete instances several at a time. One pool for the whole session:
#: starting (and joining) fresh threads in every scenario cost about 10 ms of each scenario's 40.
_PARTY_THREADS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="ringside-party")


def _claimed_device(entry: Json) -> str | None:
    """The device id an auth frame (a ``ws.in`` journal entry) claims, if it is one."""
    frame = entry.get("frame")
    if not isinstance(frame, dict) or frame.get("type") != "auth":
        return None
    body = frame.get("body")
    claim = frame.get("deviceId") or (body.get("deviceId") if isinstance(body, dict) else None)
    return claim if isinstance(claim, str) and claim else None


def callback_label(report: Json) -> str:
    """``onOutgoingCallRejected(busy)``: a callback report in failure messages."""
    return f"{report.get('callback')}({(report.get('call') or {}).get('status')})"


@dataclass
class CallbackLog:
    """Callbacks reported by all instances, as the server's sink keeps them; waited on with a condition.

    The sink tells the log about each new report (on the server's thread); the log keeps its own copy, so
    reading it costs no round trip to the server's loop."""

    probe: Probe
    condition: threading.Condition = field(default_factory=threading.Condition)
    _reports: dict[str, list[Json]] = field(default_factory=dict)

    def install(self) -> None:
        """Keep each report the server's sink keeps, and wake waiters."""

        def keep(tag: str, report: Json) -> None:
            with self.condition:
                self._reports.setdefault(tag, []).append(report)
                self.condition.notify_all()

        self.probe.on_callback(keep)

    def of(self, tag: str) -> list[Json]:
        """Every callback ``tag`` reported, in order."""
        with self.condition:
            return list(self._reports.get(tag, ()))

    def clear(self) -> None:
        """Forget every report (the server forgets them on reset)."""
        with self.condition:
            self._reports.clear()


@dataclass
class Party:
    """A named participant of the scenario: a client instance (one device of a user)."""

    name: str
    uid: str
    instance: ClientInstance
    listeners: set[str] = field(default_factory=set)
    last_call: Json | None = None
    last_result: Any = None
    last_error: Json | None = None
    #: (resource, server events for it, commands sent) when the instance was last seen settled
    quiet: tuple[str, int, int] | None = None
    #: closed sockets and failed sends of its device when it was last seen settled: one since makes a
    #: reply's counts (taken before the harness saw it) no ground to skip the ``sync``
    breaks: int = 0


class World:
    """Everything one scenario touches."""

    def __init__(self, probe: Probe, service: AdapterService, callbacks: CallbackLog, *, tls: bool = True) -> None:
        self.probe = probe
        #: whether the instances reach the server over TLS (else over its plain-HTTP listener, if it has one)
        self.tls = tls or not probe.has_plain_listener
        self.service = service
        self.callbacks = callbacks
        self.number = next(_scenario_numbers)
        self.parties: dict[str, Party] = {}
        self.sessions: dict[str, str] = {}  # label ("the call", "alice's call") -> session id
        self.failed_calls: dict[str, Json | None] = {}  # label -> the error of an initiateCall that failed
        self.journal_start = probe.journal_seq()
        self.started_at = probe.now()
        self.virtual = probe.virtual and Capability.VIRTUAL_TIME in service.capabilities
        self._real = RealClock()
        self._claimed: set[tuple[str, int, str, str]] = set()
        #: frames sent per device and server events per device (frames, closes, failed sends), counted
        #: from the journal incrementally: entries up to ``_cursor`` are counted
        self._cursor = self.journal_start
        self._sent: dict[str, int] = {}
        self._events: dict[str, int] = {}
        #: per device, the events that are not a frame sent: closed sockets, evictions, failed sends
        self._breaks: dict[str, int] = {}
        #: connection → the device id its auth frame claimed: what the server sends a socket it has not
        #: (yet) authenticated — a refused reconnect's auth reply — reaches that device all the same
        self._claims: dict[int, str] = {}

    # -- capabilities ------------------------------------------------------------------------------

    def require(self, capability: str) -> None:
        """Skip the scenario (CapabilityMissing) unless the service has ``capability``."""
        if capability not in self.service.capabilities:
            raise CapabilityMissing(f"client lacks capability {capability}")

    # -- parties ---------------------------------------------------------------------------------

    def ensure_user(self, uid: str) -> None:
        """Make sure ``uid`` exists on the server."""
        self.probe.ensure_user(uid)

    def magic_user(self, uid: str) -> None:
        """Bring a magic uid (``ring-accept-2s@x``) into being as the server does on first use, so it
        gets its scripted device (creating it as a plain user would not)."""
        self.probe.bring_to_life(uid)

    def party(self, name: str) -> Party:
        """A party by the name a step used ("alice", "alice's phone")."""
        try:
            return self.parties[name]
        except KeyError:
            raise ScenarioError(f"no party called {name!r}; known: {', '.join(self.parties) or 'none'}") from None

    def add_parties(self, names: list[str]) -> list[Party]:
        """Several users (uid = name), each with one instance, created and logged in concurrently
        (instances start in parallel; they join the scenario in the order given), then the default
        listener on each."""
        if len(names) < 2 or len(set(names)) < len(names) or any(n in self.parties for n in names):
            return [self.add_party(name, name) for name in names]
        self.probe.ensure_users(names)
        futures = [_PARTY_THREADS.submit(self._new_instance, name, name, login=True) for name in names]
        wait(futures)
        parties = []
        failure: BaseException | None = None
        for name, future in zip(names, futures, strict=True):
            if (problem := future.exception()) is not None:
                failure = failure or problem
                continue
            party = Party(name=name, uid=name, instance=future.result())
            self.parties[name] = party  # registered even if a sibling failed, so close() deletes it
            parties.append(party)
        if failure is not None:
            raise failure
        for party in parties:
            self._await_socket(party)
        self.settle()
        for party in parties:
            self.add_listener(party, DEFAULT_LISTENER)
        return parties

    def add_party(self, name: str, uid: str, *, login: bool = True, listener: bool = True) -> Party:
        """Create a client instance for ``uid`` named ``name``; log it in and add the default listener."""
        if uid in {p.uid for p in self.parties.values()} and Capability.MULTI_DEVICE not in self.service.capabilities:
            raise CapabilityMissing(f"client lacks capability {Capability.MULTI_DEVICE}")
        self.ensure_user(uid)
        instance = self._new_instance(name, uid, login=False)
        party = Party(name=name, uid=uid, instance=instance)
        self.parties[name] = party
        if login:
            instance.ok(Command.LOGIN)
            self._await_socket(party)
            self.settle()
        if listener:
            self.add_listener(party, DEFAULT_LISTENER)
        return party

    def _await_socket(self, party: Party) -> None:
        """A client may resolve login before its socket authenticated (the JS SDK does): a call placed in
        that gap would reach nobody, so wait until the server sees every device of this user."""
        wanted = sum(1 for p in self.parties.values() if p.uid == party.uid)
        found = self.probe.wait_for_devices(party.uid, wanted, timeout=SETTLE_DEADLINE)
        if len(found) < wanted:
            raise AdapterError(
                f"{party.name}: login succeeded, but the server saw {len(found)} of {wanted} authenticated "
                f"WebSocket(s) for {party.uid} after {SETTLE_DEADLINE:.0f} s"
            )

    def _new_instance(self, name: str, uid: str, *, login: bool) -> ClientInstance:
        """Create (and optionally log in) one instance; touches no scenario state, so it may run in a thread."""
        tag = f"s{self.number}-{name.replace(' ', '_').replace(chr(39), '')}"
        server = self.probe.endpoint(tls=self.tls)
        params = {
            "tag": tag,
            "appId": server.app_id,
            "region": server.region,
            "server": {
                "clientHost": server.host_port,
                "adminHost": server.host_port,
                "baseUrl": server.url,
                "wsUrl": server.ws_url,
                "tls": server.ca_file is not None,
                "caFile": server.ca_file,
            },
            "user": {"uid": uid, "authKey": server.api_key, "authToken": None},
            "callbackUrl": self.probe.callback_url(tag, tls=self.tls),
            "clock": {"mode": "virtual" if self.virtual else "real", "now": self.probe.now()},
        }
        instance = self.service.create(tag=tag, uid=uid, params=params)
        if login:
            instance.ok(Command.LOGIN)
        return instance

    def add_listener(self, party: Party, listener_id: str) -> None:
        """Register a call listener on ``party``."""
        party.instance.ok(Command.ADD_CALL_LISTENER, {"id": listener_id})
        party.listeners.add(listener_id)

    def remove_listener(self, party: Party, listener_id: str) -> None:
        """Unregister a call listener."""
        party.instance.ok(Command.REMOVE_CALL_LISTENER, {"id": listener_id})
        party.listeners.discard(listener_id)

    # -- commands --------------------------------------------------------------------------------

    def act(self, name: str, command: str, params: Json | None = None) -> Any:
        """Run a command for a party, remember its outcome, and let its effects settle."""
        party = self.party(name)
        result = self._remember(party, party.instance.command(command, params))
        self.settle()
        return result

    @staticmethod
    def _remember(party: Party, result: CommandResult) -> CommandResult:
        party.last_result, party.last_error = result.result, result.error
        # A command that returned no Call (failed, or returned null) leaves no Call to check: a step
        # about "the Call it got" must not read the one an earlier command returned.
        is_call = result.ok and isinstance(result.result, dict) and "sessionId" in result.result
        party.last_call = result.result if is_call else None
        return result

    def act_at_once(self, actions: list[tuple[str, str, Json]]) -> list[Any]:
        """Run several commands at one instant: each is sent as soon as the previous one returned,
        with no settling in between (frames of the first may still be in flight), then settle."""
        results = []
        for name, command, params in actions:
            party = self.party(name)
            results.append(self._remember(party, party.instance.command(command, params)))
        self.settle()
        return results

    # -- time ------------------------------------------------------------------------------------

    def now(self) -> float:
        """The shared clock (the server's)."""
        return self.probe.now()

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass: lock-step in virtual time, a real wait otherwise."""
        if seconds < 0:
            raise ScenarioError("time never goes backwards")
        if not self.virtual:
            if self.probe.virtual:
                # The client's own timers run in real time: the scenario needs the virtual-time capability.
                raise CapabilityMissing(f"client lacks capability {Capability.VIRTUAL_TIME}")
            self._wait_real(seconds)
            return
        target = self.now() + seconds
        self._step_clients_to(self.now())
        for _ in range(100_000):
            step = min([t for t in self._due_times() if t <= target], default=target)
            self.probe.advance_to(max(step, self.now()))
            self._step_clients_to(self.now())
            self.settle()
            if self.now() >= target:
                return
        raise ScenarioError("time did not reach its target after 100000 steps (a timer loop?)")

    def approach(self, seconds: float) -> None:
        """Move to the instant ``seconds`` from now, but leave the clients' timers due at exactly that
        instant unfired: the server's clock stands on it, every client a millisecond before it. The next
        :meth:`advance` (or settle-and-advance) fires them: whatever a step does in between happens
        at the same instant, before the clients' timers."""
        if not self.virtual:
            raise CapabilityMissing(f"client lacks capability {Capability.VIRTUAL_TIME}")
        target = self.now() + seconds
        self.advance(max(0.0, seconds - APPROACH_GAP))
        self.probe.advance_to(target)
        self.settle()

    def _due_times(self) -> list[float]:
        """When the next timers fall due: the server's earliest and each client's."""
        server_due = self.probe.next_due()
        return [t for t in (server_due, *self._client_timers()) if t]

    def _client_timers(self) -> list[float]:
        return [p.instance.next_timer for p in self.parties.values() if p.instance.next_timer is not None]

    def _step_clients_to(self, when: float) -> None:
        # Every instance, every time, even one already at ``when``: a client may have started a timer on
        # its own since it last settled (it noticed a closed socket, say), and only the reply says so.
        for party in self.parties.values():
            instance = party.instance
            result = instance.ok(Command.ADVANCE_TIME, {"to": when})
            if not isinstance(result, dict):
                instance.next_timer = None
                continue
            # the reply may carry what sync would say (optional): the instance keeps it for the next settle
            instance.next_timer = result.get("nextTimer")

    def _wait_real(self, seconds: float) -> None:
        # Real clock: time passes by itself; wait on the callback condition so nothing is missed.
        end = self._real.monotonic() + seconds
        with self.callbacks.condition:
            while (left := end - self._real.monotonic()) > 0:
                self.callbacks.condition.wait(left)
        self.settle()

    # -- quiescence ------------------------------------------------------------------------------

    def settle(self) -> None:
        """Return once every frame the server sent to each instance was received and dispatched.

        Each instance not known to be quiet is asked to ``sync`` (``atLeast``: the frames sent to it so
        far); then the server's counts are read again, and an instance that has received fewer frames
        than were sent to it by then (or to which something happened meanwhile) is asked again, until
        all agree or :data:`SETTLE_DEADLINE` passes. With the virtual clock, an instance is quiet — no
        ``sync`` needed — when it settled before, has been sent no command since but ``sync`` and
        ``advanceTime`` (whose reply waits for the I/O its timers started), and the server has neither
        sent it a frame nor closed its socket since: nothing can have moved it.
        """
        self._count_frames()
        pending = [p for p in self.parties.values() if not self._is_quiet(p)]
        start = self._real.monotonic()
        settled: dict[str, int] = {}  # party → events of its device when it settled in this call
        first = True
        while pending:
            received: dict[str, int] = {}
            for party in pending:
                received[party.name] = self._observed(party) if first else self._sync(party)
            first = False
            self._count_frames()
            behind = []
            for party in pending:
                resource = party.instance.resource
                if received[party.name] >= self._sent_to(resource):
                    party.quiet = self._mark_quiet(party)
                    party.breaks = self._breaks.get(resource, 0) if resource is not None else 0
                    settled[party.name] = self._events_of(resource)
                else:
                    behind.append(party)
            # an instance that settled (or was quiet) before may have been sent frames by another one's I/O since
            late = {p.name for p in behind}
            pending = behind + [p for p in self.parties.values() if p.name not in late and self._moved(p, settled)]
            if pending and self._real.monotonic() - start > SETTLE_DEADLINE:
                party = pending[0]
                raise AdapterError(
                    f"{party.name}: the server sent {self._sent_to(party.instance.resource)} WebSocket frames to "
                    f"device {party.instance.resource!r} but the client reports {received.get(party.name, 0)} "
                    f"received after {SETTLE_DEADLINE:.0f} s"
                )

    def _observed(self, party: Party) -> int:
        """The frames an instance received: from its last command's reply when that carried ``sync``'s
        counts (optional in the protocol; used once), no command was sent since, and its device's socket
        neither closed nor failed a send since it last settled; else from a ``sync``."""
        instance = party.instance
        counted, instance.counted = instance.counted, None
        if (
            counted is not None
            and counted[0] == len(instance.commands)
            and instance.resource is not None
            and self._breaks.get(instance.resource, 0) == party.breaks
        ):
            return counted[1]
        return self._sync(party)

    def _sync(self, party: Party) -> int:
        """``sync`` one instance; returns the frames it says it received."""
        reply = party.instance.ok(Command.SYNC, {"atLeast": self._sent_to(party.instance.resource)})
        party.instance.resource = reply.get("resource") or party.instance.resource
        party.instance.callbacks_sent = reply.get("callbacksSent", party.instance.callbacks_sent)
        return int(reply.get("framesReceived", 0))

    def _mark_quiet(self, party: Party) -> tuple[str, int, int] | None:
        resource = party.instance.resource
        if resource is None or not self.virtual:
            return None
        return (resource, self._events.get(resource, 0), len(party.instance.commands))

    def _is_quiet(self, party: Party) -> bool:
        """Settled before, and nothing can have moved it since (see :meth:`settle`)."""
        if party.quiet is None or not self.virtual:
            return False
        resource, events, commands = party.quiet
        if party.instance.resource != resource or self._events.get(resource, 0) != events:
            return False
        return all(c["command"] in _SETTLING_COMMANDS for c in party.instance.commands[commands:])

    def _events_of(self, resource: str | None) -> int:
        return 0 if resource is None else self._events.get(resource, 0)

    def _moved(self, party: Party, settled: dict[str, int]) -> bool:
        """Whether something happened to an instance since it settled in this call (or was last quiet)."""
        if party.name in settled:
            return self._events_of(party.instance.resource) != settled[party.name]
        return not self._is_quiet(party)

    def _count_frames(self) -> None:
        """Bring the per-device counts up to date with the journal (only the entries new since last time)."""
        entries = self.probe.journal(since=self._cursor, kinds=_DEVICE_KINDS)
        if not entries:
            return
        sent, events, claims, breaks = self._sent, self._events, self._claims, self._breaks
        for typed in entries:
            entry: Json = cast(Json, typed)
            device = entry.get("device")
            kind = entry["kind"]
            if kind == "ws.in":
                if device is None and (claim := _claimed_device(entry)) is not None:
                    claims[int(entry.get("conn", 0))] = claim
                continue
            if device is None:
                # a frame to a socket the server has not authenticated (yet): the device its auth frame named
                device = claims.get(int(entry.get("conn", 0)))
                if device is None:
                    continue
            if kind == "ws.out":
                sent[device] = sent.get(device, 0) + 1
            else:
                if kind == "ws.close":
                    sent[device] = sent.get(device, 0) - int(entry.get("unsent", 0))
                elif kind == "error":
                    if entry.get("where") != "send":
                        continue
                    sent[device] = sent.get(device, 0) - 1
                breaks[device] = breaks.get(device, 0) + 1
            events[device] = events.get(device, 0) + 1
        self._cursor = int(entries[-1]["seq"])

    def _sent_to(self, resource: str | None) -> int:
        return 0 if resource is None else self._sent.get(resource, 0)

    # -- callbacks -------------------------------------------------------------------------------

    def callbacks_of(self, name: str, *, listener: str | None = None) -> list[Json]:
        """Callbacks ``name`` reported so far (optionally of one listener)."""
        reports = self.callbacks.of(self.party(name).instance.tag)
        return [r for r in reports if listener is None or r.get("listenerId") == listener]

    def wait_for_callback(
        self,
        name: str,
        callback: str,
        *,
        within: float,
        listener: str | None = None,
        count: int = 1,
        session: str | None = None,
    ) -> Json:
        """Wait until ``name`` reported ``callback`` (``count`` times, for ``session`` if given); fail naming
        what did arrive."""

        def found() -> list[Json]:
            return [
                r
                for r in self.callbacks_of(name, listener=listener)
                if r.get("callback") == callback
                and (session is None or (r.get("call") or {}).get("sessionId") == session)
            ]

        self.settle()
        if len(found()) < count:
            if self.virtual:
                self._advance_until(within, lambda: len(found()) >= count)
            else:
                self._wait_real_until(within + REAL_TIME_SLACK, lambda: len(found()) >= count)
        hits = found()
        if len(hits) < count:
            got = [callback_label(r) for r in self.callbacks_of(name)]
            raise ComplianceViolation(
                f"{name} should have received {callback} within {within:g} s, but did not.\n"
                f"  expected: {callback}" + (f" x{count}" if count > 1 else "") + "\n"
                f"  actual callbacks of {name}: {', '.join(got) or 'none'}"
            )
        return hits[count - 1]

    def _advance_until(self, seconds: float, done: Any) -> None:
        target = self.now() + seconds
        while self.now() < target and not done():
            step = min([t for t in self._due_times() if self.now() < t <= target], default=target)
            self.advance(step - self.now())

    def _wait_real_until(self, seconds: float, done: Any) -> None:
        end = self._real.monotonic() + seconds
        with self.callbacks.condition:
            while not done() and (left := end - self._real.monotonic()) > 0:
                self.callbacks.condition.wait(left)
        self.settle()

    def claim(self, name: str, report: Json) -> None:
        """Mark a callback as expected by a step (``receives no other callback`` ignores it)."""
        self._claimed.add((name, int(report.get("seq", 0)), str(report.get("listenerId")), str(report.get("callback"))))

    def unclaimed(self, name: str) -> list[Json]:
        """Callbacks of ``name`` that no step expected."""
        return [
            r
            for r in self.callbacks_of(name)
            if (name, int(r.get("seq", 0)), str(r.get("listenerId")), str(r.get("callback"))) not in self._claimed
        ]

    def call_placed_at(self) -> float:
        """Server time at which the current call was initiated."""
        sid = self.sessions.get("the call")
        if sid is None:
            raise ScenarioError("no call has been placed yet in this scenario")
        return float(self.probe.call(sid)["initiatedAt"])

    def server_call(self, session_id: str) -> CallState:
        """The server's own view of a call."""
        return self.probe.call(session_id)

    def callback_time(self, name: str, report: Json) -> float:
        """Server time at which the sink received ``report``."""
        tag = self.party(name).instance.tag
        for entry in journal_view.callbacks(self.journal(), tag=tag):
            if entry["report"] == report:
                return float(entry["t"])
        raise ScenarioError(f"callback {report.get('callback')} of {name} is not in the journal")

    # -- trust in the verdict -------------------------------------------------------------------

    def server_failures(self) -> list[ServerFailure]:
        """ringside's own failures during the scenario (a handler crash, a timer or a fault that raised)."""
        return self.probe.server_failures(since=self.journal_start)

    def lost_callbacks(self) -> list[str]:
        """Callback reports that never reached the sink: gaps in each instance's ``seq``, or fewer than
        the instance says it sent."""
        out = []
        for party in self.parties.values():
            # the server's sink is the authority on what arrived (the log here is its copy, for waiting)
            numbers = [int(r.get("seq", 0)) for r in self.probe.callbacks_of(party.instance.tag)]
            seqs = sorted(set(numbers))
            twice = sorted({n for n in numbers if numbers.count(n) > 1})
            if twice:
                out.append(
                    f"{party.name} (instance {party.instance.tag}): different callback reports share the number(s) "
                    + ", ".join(f"#{n}" for n in twice)
                )
            top = max([*seqs, party.instance.callbacks_sent or 0])
            missing = sorted(set(range(1, top + 1)) - set(seqs))
            if missing:
                got = ", ".join(f"#{n}" for n in seqs) or "none"
                out.append(
                    f"{party.name} (instance {party.instance.tag}): callback report(s) "
                    f"{', '.join(f'#{n}' for n in missing)} never arrived (received: {got})"
                )
        return out

    # -- teardown --------------------------------------------------------------------------------

    def journal(self) -> list[JournalEntry]:
        """Every journal entry since the scenario started."""
        return self.probe.journal(since=self.journal_start)

    def close(self) -> None:
        """Delete every instance (logs them out): several at once, as :meth:`add_parties` creates them."""
        instances = [party.instance for party in self.parties.values()]
        if len(instances) < 2:
            for instance in instances:
                instance.delete()
            return
        deleted = [_PARTY_THREADS.submit(instance.delete) for instance in instances]
        wait(deleted)  # all of them, even when one fails
        for future in deleted:
            future.result()
