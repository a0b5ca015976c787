"""Steps about listener callbacks: which arrive, when, in what order, carrying what."""

from __future__ import annotations

from pytest_bdd import parsers, then

from harness.errors import ComplianceViolation
from harness.steps.calls import expect_field
from harness.world import World

_CB = r"(?P<callback>on[A-Z]\w+)"


@then(
    parsers.re(
        rf"(?P<name>[\w-]+) receives {_CB}(?: with status (?P<status>\w+))?"
        r"(?: on listener (?P<listener>[\w-]+))?(?: within (?P<within>[\d.]+) seconds?)?$"
    )
)
def receives(
    world: World, name: str, callback: str, status: str | None, listener: str | None, within: str | None
) -> None:
    """The callback arrives (within 1 s unless said), optionally with a status / on a listener."""
    report = world.wait_for_callback(name, callback, within=float(within or 1), listener=listener)
    world.claim(name, report)
    if status is not None:
        expect_field(report.get("call") or {}, "status", status, what=f"the Call in {name}'s {callback}")


@then(parsers.re(rf"(?P<name>[\w-]+) receives {_CB} (?P<seconds>[\d.]+) seconds? after the call was placed$"))
def receives_after(world: World, name: str, callback: str, seconds: str) -> None:
    """Timing: the callback's arrival on the shared clock, measured from the call's initiation."""
    expected = float(seconds)
    report = world.wait_for_callback(name, callback, within=expected + 1)
    world.claim(name, report)
    placed, arrived = world.call_placed_at(), world.callback_time(name, report)
    tolerance = 0.0 if world.virtual else 0.25
    if abs((arrived - placed) - expected) > tolerance + 1e-6:
        raise ComplianceViolation(
            f"{name}'s {callback} arrived at the wrong time.\n  expected: {expected:g} s after the call was placed"
            f" (±{tolerance:g})\n  actual:   {arrived - placed:.3f} s"
        )


@then(parsers.re(rf"the Call in (?P<name>[\w-]+)'s {_CB} has (?P<field>\w+) (?P<value>.+)$"))
def callback_call_field(world: World, name: str, callback: str, field: str, value: str) -> None:
    """A field of the Call a callback carried (the latest of that callback)."""
    hits = [r for r in world.callbacks_of(name) if r.get("callback") == callback]
    if not hits:
        raise ComplianceViolation(f"{name} never received {callback}")
    expect_field(hits[-1].get("call") or {}, field, value, what=f"the Call in {name}'s {callback}")


@then(parsers.re(rf"(?P<name>[\w-]+) receives no {_CB}(?: within (?P<within>[\d.]+) seconds?)?$"))
def receives_none_of(world: World, name: str, callback: str, within: str | None) -> None:
    """That callback never fires (waiting ``within`` seconds first, if said)."""
    if within:
        world.advance(float(within))
    world.settle()
    hits = [r for r in world.callbacks_of(name) if r.get("callback") == callback]
    if hits:
        raise ComplianceViolation(
            f"{name} should not have received {callback}, but got it {len(hits)} time(s): "
            + ", ".join(str((h.get("call") or {}).get("status")) for h in hits)
        )


@then(parsers.re(r"(?P<name>[\w-]+) receives no other callback(?: within (?P<within>[\d.]+) seconds?)?$"))
def receives_nothing_else(world: World, name: str, within: str | None) -> None:
    """Every callback ``name`` got was one a step already expected."""
    if within:
        world.advance(float(within))
    world.settle()
    extra = world.unclaimed(name)
    if extra:
        raise ComplianceViolation(
            f"{name} received callbacks no step expected: "
            + ", ".join(f"{r.get('callback')}({(r.get('call') or {}).get('status')})" for r in extra)
        )


@then(parsers.re(r"(?P<name>[\w-]+) receives no callback(?: within (?P<within>[\d.]+) seconds?)?$"))
def receives_nothing(world: World, name: str, within: str | None) -> None:
    """No callback at all."""
    if within:
        world.advance(float(within))
    world.settle()
    got = world.callbacks_of(name)
    if got:
        raise ComplianceViolation(
            f"{name} should have received no callback, but got: "
            + ", ".join(f"{r.get('callback')}({(r.get('call') or {}).get('status')})" for r in got)
        )


@then(parsers.re(r"the callbacks of (?P<name>[\w-]+) are (?P<sequence>on\w+(?:, on\w+)*)$"))
def exact_sequence(world: World, name: str, sequence: str) -> None:
    """Exactly these callbacks, in this order."""
    world.settle()
    expected = [s.strip() for s in sequence.split(",")]
    actual = [str(r.get("callback")) for r in world.callbacks_of(name)]
    if actual != expected:
        raise ComplianceViolation(
            f"the callbacks of {name}\n  expected: {', '.join(expected)}\n  actual:   {', '.join(actual) or 'none'}"
        )
    for report in world.callbacks_of(name):
        world.claim(name, report)
