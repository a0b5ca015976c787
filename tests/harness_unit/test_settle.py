"""``World.settle`` on fakes: it asks each instance to ``sync`` only when something may have moved it, and
never returns before every frame the server sent has been received.

The fake server's journal and the fake instances' frame counters are driven by hand, so each test says
exactly what happened between two settles and counts the ``sync`` commands that followed.
"""

from __future__ import annotations

from typing import Any

import pytest

from adapter_protocol.client import ClientInstance
from adapter_protocol.names import Capability, Command
from harness.errors import AdapterError
from harness.world import CallbackLog, Party, World

Json = dict[str, Any]


class FakeProbe:
    """The journal (ws.out / ws.close entries only) and a virtual (or real) clock."""

    def __init__(self, *, virtual: bool = True) -> None:
        self.virtual = virtual
        self.entries: list[Json] = []

    def journal_seq(self) -> int:
        return len(self.entries)

    def now(self) -> float:
        return 1_800_000_000.0

    def journal(self, *, since: int = 0, kinds: Any = None) -> list[Json]:
        return [e for e in self.entries if e["seq"] > since and (kinds is None or e["kind"] in kinds)]

    def send(self, device: str, count: int = 1) -> None:
        for _ in range(count):
            self.entries.append({"seq": len(self.entries) + 1, "kind": "ws.out", "device": device})

    def close(self, device: str, unsent: int = 0) -> None:
        self.entries.append({"seq": len(self.entries) + 1, "kind": "ws.close", "device": device, "unsent": unsent})


class FakeInstance:
    """An instance whose frames arrive when the test says (``lag``: syncs before it catches up)."""

    def __init__(self, probe: FakeProbe, tag: str) -> None:
        self.probe = probe
        self.tag = tag
        self.resource: str | None = None
        self.callbacks_sent: int | None = None
        self.next_timer: float | None = None
        self.commands: list[Json] = []
        #: (commands sent, frames received) of the last reply with sync's counts (ClientInstance keeps it)
        self.counted: tuple[int, int] | None = None
        self.received = 0
        self.lag = 0
        self.syncs = 0
        #: frames it got on sockets the server never authenticated (refused reconnects' auth replies)
        self.unauthenticated = 0

    def sent(self) -> int:
        return (
            self.unauthenticated
            + sum(1 for e in self.probe.entries if e["kind"] == "ws.out" and e["device"] == self.tag)
            - sum(e.get("unsent", 0) for e in self.probe.entries if e["kind"] == "ws.close" and e["device"] == self.tag)
        )

    def ok(self, name: str, params: Json | None = None) -> Any:
        self.commands.append({"command": name, "params": params or {}})
        if name == Command.SYNC:
            self.syncs += 1
            if self.lag:
                self.lag -= 1
            else:
                self.received = self.sent()
            return {"resource": self.tag, "framesReceived": self.received, "now": 0, "callbacksSent": 0}
        return None


class FakeService:
    def __init__(self, *, virtual: bool) -> None:
        self.capabilities = frozenset({Capability.VIRTUAL_TIME} if virtual else set())


def world_of(*names: str, virtual: bool = True) -> tuple[World, FakeProbe, dict[str, FakeInstance]]:
    probe = FakeProbe(virtual=virtual)
    world = World(probe, FakeService(virtual=virtual), CallbackLog(probe))  # type: ignore[arg-type]
    instances = {}
    for name in names:
        instance = FakeInstance(probe, f"dev-{name}")
        world.parties[name] = Party(name=name, uid=name, instance=instance)  # type: ignore[arg-type]
        instances[name] = instance
    return world, probe, instances


def syncs(instances: dict[str, FakeInstance]) -> dict[str, int]:
    counts = {name: i.syncs for name, i in instances.items()}
    for instance in instances.values():
        instance.syncs = 0
    return counts


def test_a_quiet_instance_is_not_asked_again() -> None:
    world, _probe, instances = world_of("alice", "bob")
    world.settle()
    assert syncs(instances) == {"alice": 1, "bob": 1}  # nothing known about them yet
    world.settle()
    assert syncs(instances) == {"alice": 0, "bob": 0}  # nothing happened since: no round trips


def test_a_frame_sent_to_an_instance_makes_it_sync_and_only_it() -> None:
    world, probe, instances = world_of("alice", "bob")
    world.settle()
    syncs(instances)
    probe.send("dev-bob", 2)
    world.settle()
    assert syncs(instances) == {"alice": 0, "bob": 1}
    assert instances["bob"].received == 2


def test_a_command_makes_an_instance_sync_but_advance_time_does_not() -> None:
    world, _probe, instances = world_of("alice", "bob")
    world.settle()
    syncs(instances)
    instances["alice"].ok(Command.ADVANCE_TIME, {"to": 1})
    world.settle()
    assert syncs(instances) == {"alice": 0, "bob": 0}  # advanceTime replies once its timers' I/O is done
    instances["alice"].ok(Command.ACCEPT_CALL, {"sessionId": "s"})
    world.settle()
    assert syncs(instances) == {"alice": 1, "bob": 0}


def test_a_closed_socket_makes_an_instance_sync() -> None:
    world, probe, instances = world_of("alice")
    probe.send("dev-alice", 3)
    world.settle()
    syncs(instances)
    probe.close("dev-alice", unsent=1)  # one frame never left: the client cannot have it
    world.settle()
    assert syncs(instances) == {"alice": 1}
    assert instances["alice"].received == 2


def test_an_instance_behind_is_asked_until_it_caught_up() -> None:
    world, probe, instances = world_of("alice", "bob")
    world.settle()
    syncs(instances)
    probe.send("dev-alice", 1)
    instances["alice"].lag = 2  # its first two syncs still report the old count
    world.settle()
    assert syncs(instances) == {"alice": 3, "bob": 0}
    assert instances["alice"].received == 1


def test_frames_sent_while_another_instance_syncs_are_waited_for() -> None:
    world, probe, instances = world_of("alice", "bob")
    world.settle()
    syncs(instances)
    original = instances["bob"].ok

    def bob_ok(name: str, params: Json | None = None) -> Any:
        if name == Command.SYNC and not instances["bob"].syncs:
            probe.send("dev-alice")  # bob's in-flight request made the server tell alice something
        return original(name, params)

    instances["bob"].ok = bob_ok  # type: ignore[method-assign]
    instances["bob"].commands.append({"command": Command.END_CALL})
    world.settle()
    assert syncs(instances) == {"alice": 1, "bob": 1}
    assert instances["alice"].received == 1


def test_an_instance_that_never_catches_up_fails_naming_the_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    world, probe, instances = world_of("alice")
    world.settle()
    probe.send("dev-alice", 4)
    instances["alice"].lag = 10**9
    clock = iter(range(0, 100, 3))
    monkeypatch.setattr(world._real, "monotonic", lambda: float(next(clock)))
    with pytest.raises(AdapterError, match=r"alice: the server sent 4 WebSocket frames .* reports 0 received"):
        world.settle()


def test_with_the_real_clock_every_settle_syncs_every_instance() -> None:
    world, _probe, instances = world_of("alice", "bob", virtual=False)
    world.settle()
    world.settle()
    assert syncs(instances) == {"alice": 2, "bob": 2}  # timers run by themselves: nobody is known quiet


class CountingInstance(FakeInstance):
    """An instance whose ``advanceTime`` reply carries what ``sync`` would say (the optional counts)."""

    def ok(self, name: str, params: Json | None = None) -> Any:
        if name != Command.ADVANCE_TIME:
            return super().ok(name, params)
        self.commands.append({"command": name, "params": params or {}})
        if self.lag:
            self.lag -= 1
        else:
            self.received = self.sent()
        self.resource, self.counted = self.tag, (len(self.commands), self.received)  # as ClientInstance does
        return {"now": 0, "nextTimer": None, "resource": self.tag, "framesReceived": self.received, "callbacksSent": 0}


def counting_world(*names: str) -> tuple[World, FakeProbe, dict[str, FakeInstance]]:
    world, probe, _ = world_of()
    instances: dict[str, FakeInstance] = {}
    for name in names:
        instance = CountingInstance(probe, f"dev-{name}")
        world.parties[name] = Party(name=name, uid=name, instance=instance)  # type: ignore[arg-type]
        instances[name] = instance
    return world, probe, instances


def test_an_advance_time_reply_with_the_counts_spares_the_sync() -> None:
    world, probe, instances = counting_world("alice", "bob")
    world.settle()
    syncs(instances)
    world._step_clients_to(1.0)  # a timer of the server sent alice a frame meanwhile, she has it already
    probe.send("dev-alice")
    instances["alice"].received = instances["alice"].sent()
    world._step_clients_to(2.0)
    world.settle()
    assert syncs(instances) == {"alice": 0, "bob": 0}
    assert world.parties["alice"].quiet is not None


def test_an_advance_time_count_that_is_behind_is_followed_by_a_sync() -> None:
    world, probe, instances = counting_world("alice")
    world.settle()
    syncs(instances)
    world._step_clients_to(1.0)
    probe.send("dev-alice", 2)  # sent after the reply: the count in it is behind
    world.settle()
    assert syncs(instances) == {"alice": 1}
    assert instances["alice"].received == 2


def test_a_command_after_advance_time_makes_its_counts_stale() -> None:
    world, _probe, instances = counting_world("alice")
    world.settle()
    syncs(instances)
    world._step_clients_to(1.0)
    instances["alice"].ok(Command.ACCEPT_CALL, {"sessionId": "s"})
    world.settle()
    assert syncs(instances) == {"alice": 1}


def test_without_the_counts_advance_time_is_followed_by_syncs_as_before() -> None:
    world, probe, instances = world_of("alice")  # FakeInstance answers advanceTime with null
    world.settle()
    syncs(instances)
    probe.send("dev-alice")
    world._step_clients_to(1.0)
    world.settle()
    assert syncs(instances) == {"alice": 1}


def test_frames_to_a_socket_not_authenticated_yet_count_for_the_device_it_claimed() -> None:
    """A refused reconnect: the server answers the auth frame of a socket it never authenticated; the
    client counts that reply among its frames, so the harness must too (else it settles too early)."""
    world, probe, instances = world_of("alice")
    probe.send("dev-alice", 2)
    world.settle()
    syncs(instances)
    auth = {"type": "auth", "deviceId": "dev-alice", "body": {"auth": "<redacted>", "deviceId": "dev-alice"}}
    for conn in (7, 8):  # two refused reconnects, each answered with one frame on its own connection
        probe.entries.append(
            {"seq": len(probe.entries) + 1, "kind": "ws.in", "conn": conn, "device": None, "frame": auth}
        )
        probe.entries.append({"seq": len(probe.entries) + 1, "kind": "ws.out", "conn": conn, "device": None})
    probe.entries.append({"seq": len(probe.entries) + 1, "kind": "ws.close", "conn": 8, "device": None, "unsent": 0})
    instances["alice"].unauthenticated = 2
    instances["alice"].lag = 1  # the first sync answers before those two replies arrived: not settled yet
    world.settle()
    assert world._sent_to("dev-alice") == 4
    assert syncs(instances) == {"alice": 2}  # asked (something happened to her device) until she has all 4
    assert instances["alice"].received == 4
    other = {"type": "auth", "body": {"deviceId": "dev-bob"}}
    probe.entries.append({"seq": len(probe.entries) + 1, "kind": "ws.in", "conn": 9, "device": None, "frame": other})
    probe.entries.append(
        {"seq": len(probe.entries) + 1, "kind": "ws.in", "conn": 10, "device": None, "frame": {"x": 1}}
    )
    probe.entries.append({"seq": len(probe.entries) + 1, "kind": "ws.out", "conn": 10, "device": None})
    world.settle()
    assert (world._sent_to("dev-alice"), world._sent_to("dev-bob")) == (4, 0)  # an unclaimed socket counts for nobody


# -- every command's reply may carry sync's counts (the real ClientInstance reads them) -----------------


class ScriptedService:
    """A test service behind a fake transport: one instance, whose frames arrive when the test says; its
    command replies carry ``counts`` (what sync would answer) when ``counting`` is on."""

    def __init__(self, probe: FakeProbe, *, counting: bool) -> None:
        self.probe = probe
        self.counting = counting
        self.capabilities = frozenset({Capability.VIRTUAL_TIME})
        self.received = 0
        self.syncs = 0
        #: called (once) after a reply is made, before the harness reads it (a frame sent just after)
        self.after_reply: Any = None

    def sent(self) -> int:
        return sum(1 for e in self.probe.entries if e["kind"] == "ws.out" and e["device"] == "dev-alice")

    def transport(self, method: str, url: str, body: Any = None, *, deadline: float) -> tuple[int, Any, dict[str, str]]:
        self.received = self.sent()  # the instance has every frame sent so far, each one dispatched
        counts = {"resource": "dev-alice", "framesReceived": self.received, "callbacksSent": 0}
        if body["command"] == Command.SYNC:
            self.syncs += 1
            reply: Json = {"ok": True, "result": {**counts, "now": 0}}
        else:
            reply = {"ok": True, "result": None, **({"counts": counts} if self.counting else {})}
        if self.after_reply is not None:
            self.after_reply()
            self.after_reply = None
        return 200, reply, {}


def wire_world(*, counting: bool) -> tuple[World, FakeProbe, ScriptedService, ClientInstance]:
    probe = FakeProbe()
    service = ScriptedService(probe, counting=counting)
    world = World(probe, service, CallbackLog(probe))  # type: ignore[arg-type]
    instance = ClientInstance(service=service, url="http://fake/instances/1", tag="alice", uid="alice")  # type: ignore[arg-type]
    world.parties["alice"] = Party(name="alice", uid="alice", instance=instance)
    return world, probe, service, instance


def test_a_command_reply_with_the_counts_spares_the_sync() -> None:
    world, probe, service, instance = wire_world(counting=True)
    probe.send("dev-alice", 2)  # the auth reply and one more, both received before the reply
    world.act("alice", Command.LOGIN)
    assert service.syncs == 0
    assert (instance.resource, instance.callbacks_sent) == ("dev-alice", 0)  # taken from the counts
    assert world.parties["alice"].quiet is not None  # settled: the next settle asks nothing either
    world.settle()
    assert service.syncs == 0
    world.act("alice", Command.ACCEPT_CALL, {"sessionId": "s"})
    assert service.syncs == 0


def test_without_the_counts_every_command_is_followed_by_a_sync() -> None:
    world, probe, service, instance = wire_world(counting=False)
    probe.send("dev-alice")
    world.act("alice", Command.LOGIN)
    assert service.syncs == 1
    assert instance.counted is None and instance.resource == "dev-alice"  # from the sync
    world.act("alice", Command.ACCEPT_CALL, {"sessionId": "s"})
    assert service.syncs == 2


def test_counts_behind_the_server_are_followed_by_a_sync() -> None:
    """A frame the server sent after the reply was made: the reply's framesReceived is lower than the
    server's count of frames sent to the device, so the harness asks."""
    world, probe, service, _instance = wire_world(counting=True)
    world.act("alice", Command.LOGIN)
    service.after_reply = lambda: probe.send("dev-alice")
    world.act("alice", Command.INITIATE_CALL, {"receiver": "bob"})
    assert service.syncs == 1
    assert service.received == 1


def test_counts_are_used_once_and_not_after_another_command() -> None:
    world, probe, service, instance = wire_world(counting=True)
    world.act("alice", Command.LOGIN)
    assert instance.counted is None  # the settle used them
    service.counting = False
    instance.command(Command.GET_ACTIVE_CALL)  # a later reply without counts: the earlier ones are stale
    world.settle()
    assert service.syncs == 1
    service.counting = True
    instance.command(Command.ACCEPT_CALL, {"sessionId": "s"})
    instance.counted = None  # as if a settle had used them already
    probe.send("dev-alice")
    world.settle()
    assert service.syncs == 2


def test_counts_do_not_settle_an_instance_whose_socket_closed_since_it_last_settled() -> None:
    world, probe, service, _instance = wire_world(counting=True)
    world.act("alice", Command.LOGIN)
    probe.close("dev-alice")  # the client may not have noticed yet: its counts were taken before
    world.act("alice", Command.GET_ACTIVE_CALL)
    assert service.syncs == 1
    world.act("alice", Command.GET_ACTIVE_CALL)  # settled since, nothing new: the counts will do
    assert service.syncs == 1


def test_an_advance_time_result_with_the_counts_is_read_as_counts() -> None:
    world, _probe, service, instance = wire_world(counting=False)
    world.act("alice", Command.LOGIN)
    syncs_before = service.syncs
    scripted = service.transport

    def advance(method: str, url: str, body: Any = None, *, deadline: float) -> tuple[int, Any, dict[str, str]]:
        result = {"now": 1, "nextTimer": None, "resource": "dev-alice", "framesReceived": 3, "callbacksSent": 2}
        return 200, {"ok": True, "result": result}, {}

    instance.service.transport = advance
    outcome = instance.command(Command.ADVANCE_TIME, {"to": 1})
    assert outcome.counts is not None and instance.counted == (len(instance.commands), 3)
    assert instance.callbacks_sent == 2
    instance.service.transport = scripted
    world.settle()
    assert service.syncs == syncs_before  # settled from the result's counts
