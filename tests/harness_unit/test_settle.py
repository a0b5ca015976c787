"""``World.settle`` on fakes: it asks each instance to ``sync`` only when something may have moved it, and
never returns before every frame the server sent has been received.

The fake server's journal and the fake instances' frame counters are driven by hand, so each test says
exactly what happened between two settles and counts the ``sync`` commands that followed.
"""

from __future__ import annotations

from typing import Any

import pytest

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
        self.received = 0
        self.lag = 0
        self.syncs = 0

    def sent(self) -> int:
        return sum(1 for e in self.probe.entries if e["kind"] == "ws.out" and e["device"] == self.tag) - sum(
            e.get("unsent", 0) for e in self.probe.entries if e["kind"] == "ws.close" and e["device"] == self.tag
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
