"""Steps about listener callbacks: which arrive, when, in what order, carrying what."""

from __future__ import annotations

from pytest_bdd import parsers, then

from adapter_protocol.names import Callback
from harness.errors import ComplianceViolation, PayloadMismatch
from harness.steps.calls import expect_field, session_of
from harness.world import Json, World, callback_label

#: The listener callbacks by name: a misspelt one matches no step (an ERROR), rather than a "receives no …"
#: that could never fail.
CALLBACK_PATTERN = f"(?P<callback>{'|'.join(callback.value for callback in Callback)})"


#: "receives Y" without "within" on a real clock: how long a callback caused by the step before may take.
REAL_CLOCK_ALLOWANCE = 0.5


def _within(world: World, within: str | None) -> float:
    """How long a "receives" step waits: what it says, else nothing in virtual time (a callback an action
    caused arrives at the same instant; settling lets it land) and a small allowance on a real clock."""
    if within:
        return float(within)
    return 0.0 if world.virtual else REAL_CLOCK_ALLOWANCE


def _current_call(world: World) -> str | None:
    """The session id of "the call", if the scenario has one: a callback of an older call must not count."""
    return world.sessions.get("the call")


def _wait(
    world: World,
    name: str,
    callback: str,
    *,
    within: float,
    listener: str | None = None,
    count: int = 1,
    session: str | None = None,
) -> Json:
    """:meth:`World.wait_for_callback`, saying in its failure which call the step meant."""
    try:
        return world.wait_for_callback(name, callback, within=within, listener=listener, count=count, session=session)
    except ComplianceViolation as exc:
        if session is None:
            raise
        raise ComplianceViolation(f"{exc}\n  (only a callback for the call {session} counts)") from None


def _let_pass(world: World, within: str | None) -> None:
    """Let the step's "within N seconds" pass (if it has one), then let everything in flight land."""
    if within:
        world.advance(float(within))
    world.settle()


@then(
    parsers.re(
        rf"(?P<name>[\w-]+) receives {CALLBACK_PATTERN}(?: with status (?P<status>\w+))?"
        r"(?: on listener (?P<listener>[\w-]+))?(?: within (?P<within>[\d.]+) seconds?)?$"
    )
)
def receives(
    world: World, name: str, callback: str, status: str | None, listener: str | None, within: str | None
) -> None:
    """The callback arrives for the current call (at once, unless a "within" says how long it may take),
    optionally with a status / on a listener."""
    report = _wait(
        world, name, callback, within=_within(world, within), listener=listener, session=_current_call(world)
    )
    world.claim(name, report)
    if status is not None:
        expect_field(report.get("call") or {}, "status", status, what=f"the Call in {name}'s {callback}")


@then(
    parsers.re(
        rf"(?P<name>[\w-]+) receives {CALLBACK_PATTERN}(?: with status (?P<status>\w+))? (?P<seconds>[\d.]+) seconds? "
        r"after the call was placed$"
    )
)
def receives_after(world: World, name: str, callback: str, status: str | None, seconds: str) -> None:
    """Timing: the callback for the current call, its arrival on the shared clock measured from the call's initiation."""
    expected = float(seconds)
    placed = world.call_placed_at()
    report = world.wait_for_callback(
        name, callback, within=max(0.0, placed + expected - world.now()) + 1, session=session_of(world, None)
    )
    world.claim(name, report)
    if status is not None:
        expect_field(report.get("call") or {}, "status", status, what=f"the Call in {name}'s {callback}")
    arrived = world.callback_time(name, report)
    tolerance = 0.0 if world.virtual else 0.25
    if abs((arrived - placed) - expected) > tolerance + 1e-6:
        raise ComplianceViolation(
            f"{name}'s {callback} arrived at the wrong time.\n  expected: {expected:g} s after the call was placed"
            f" (±{tolerance:g})\n  actual:   {arrived - placed:.3f} s"
        )


@then(parsers.re(rf"the Call in (?P<name>[\w-]+)'s {CALLBACK_PATTERN} has (?P<field>\w+) (?P<value>.+)$"))
def callback_call_field(world: World, name: str, callback: str, field: str, value: str) -> None:
    """A field of the Call a callback carried (the latest of that callback)."""
    hits = [r for r in world.callbacks_of(name) if r.get("callback") == callback]
    if not hits:
        raise ComplianceViolation(f"{name} never received {callback}")
    expect_field(hits[-1].get("call") or {}, field, value, what=f"the Call in {name}'s {callback}")


@then(
    parsers.re(
        rf"(?P<name>[\w-]+) receives no {CALLBACK_PATTERN}(?: on listener (?P<listener>[\w-]+))?(?: within (?P<within>[\d.]+) seconds?)?$"
    )
)
def receives_none_of(world: World, name: str, callback: str, listener: str | None, within: str | None) -> None:
    """That callback never fires (on that listener, if said; waiting ``within`` seconds first, if said)."""
    _let_pass(world, within)
    hits = [r for r in world.callbacks_of(name, listener=listener) if r.get("callback") == callback]
    if hits:
        where = f" on listener {listener}" if listener else ""
        raise ComplianceViolation(
            f"{name} should not have received {callback}{where}, but got it {len(hits)} time(s): "
            + ", ".join(str((h.get("call") or {}).get("status")) for h in hits)
        )


@then(parsers.re(r"(?P<name>[\w-]+) receives no other callback(?: within (?P<within>[\d.]+) seconds?)?$"))
def receives_nothing_else(world: World, name: str, within: str | None) -> None:
    """Every callback ``name`` got was one a step already expected."""
    _let_pass(world, within)
    extra = world.unclaimed(name)
    if extra:
        raise ComplianceViolation(
            f"{name} received callbacks no step expected: " + ", ".join(callback_label(r) for r in extra)
        )


@then(parsers.re(r"(?P<name>[\w-]+) receives no callback(?: within (?P<within>[\d.]+) seconds?)?$"))
def receives_nothing(world: World, name: str, within: str | None) -> None:
    """No callback at all."""
    _let_pass(world, within)
    got = world.callbacks_of(name)
    if got:
        raise ComplianceViolation(
            f"{name} should have received no callback, but got: " + ", ".join(callback_label(r) for r in got)
        )


@then(parsers.re(r"the callbacks of (?P<name>[\w-]+) are (?P<sequence>on\w+(?:, on\w+)*)$"))
def exact_sequence(world: World, name: str, sequence: str) -> None:
    """Exactly these callbacks, in this order."""
    world.settle()
    expected = [s.strip() for s in sequence.split(",")]
    actual = [str(r.get("callback")) for r in world.callbacks_of(name)]
    if actual != expected:
        raise PayloadMismatch(
            f"the callbacks of {name}\n  expected: {', '.join(expected)}\n  actual:   {', '.join(actual) or 'none'}",
            expected=expected,
            actual=actual,
        )
    for report in world.callbacks_of(name):
        world.claim(name, report)


_TIMES = {"once": 1, "twice": 2}


@then(
    parsers.re(
        rf"(?P<name>[\w-]+) receives {CALLBACK_PATTERN}(?: with status (?P<status>\w+))?(?: on listener (?P<listener>[\w-]+))? "
        r"exactly (?P<times>once|twice|\d+ times)$"
    )
)
def receives_exactly(
    world: World, name: str, callback: str, status: str | None, listener: str | None, times: str
) -> None:
    """The callback arrives, and no more often than said (a duplicate event must not fire it again)."""
    expected = _TIMES.get(times) or int(times.split(maxsplit=1)[0])
    last = world.wait_for_callback(name, callback, within=_within(world, None), listener=listener, count=expected)
    world.settle()
    hits = [
        r
        for r in world.callbacks_of(name, listener=listener)
        if r.get("callback") == callback and (status is None or (r.get("call") or {}).get("status") == status)
    ]
    for report in hits:
        world.claim(name, report)
    if len(hits) != expected:
        where = f" on listener {listener}" if listener else ""
        raise ComplianceViolation(
            f"{name} should have received {callback}{where} exactly {times}, but got it {len(hits)} time(s)"
        )
    if status is not None:
        expect_field(last.get("call") or {}, "status", status, what=f"the Call in {name}'s {callback}")


@then(
    parsers.re(
        rf"(?P<name>[\w-]+) receives {CALLBACK_PATTERN} for (?P<owner>\w+)'s call(?: with status (?P<status>\w+))?"
        r"(?: within (?P<within>[\d.]+) seconds?)?$"
    )
)
def receives_for_call(
    world: World, name: str, callback: str, owner: str, status: str | None, within: str | None
) -> None:
    """The callback arrives for one call, named by its caller ("for bob's call")."""
    sid = session_of(world, f"{owner}'s call")
    report = _wait(world, name, callback, within=_within(world, within), session=sid)
    world.claim(name, report)
    if status is not None:
        expect_field(report.get("call") or {}, "status", status, what=f"the Call in {name}'s {callback}")


@then(parsers.re(rf"(?P<name>[\w-]+) receives no {CALLBACK_PATTERN} for (?P<owner>\w+)'s call$"))
def receives_none_for_call(world: World, name: str, callback: str, owner: str) -> None:
    """That callback never fired for that call."""
    sid = session_of(world, f"{owner}'s call")
    world.settle()
    hits = [
        r
        for r in world.callbacks_of(name)
        if r.get("callback") == callback and (r.get("call") or {}).get("sessionId") == sid
    ]
    if hits:
        raise ComplianceViolation(f"{name} should not have received {callback} for {owner}'s call, but did")


@then(
    parsers.re(
        r"(?P<name>[\w-]+) receives no callback on listener (?P<listener>[\w-]+)(?: within (?P<within>[\d.]+) seconds?)?$"
    )
)
def receives_nothing_on(world: World, name: str, listener: str, within: str | None) -> None:
    """Nothing at all on one listener (a removed or replaced one)."""
    _let_pass(world, within)
    got = world.callbacks_of(name, listener=listener)
    if got:
        raise ComplianceViolation(
            f"{name} should have received no callback on listener {listener}, but got: "
            + ", ".join(callback_label(r) for r in got)
        )


@then(parsers.re(rf"the Call in (?P<name>[\w-]+)'s {CALLBACK_PATTERN} is (?P<which>the call|\w+'s call)$"))
def callback_is_the_call(world: World, name: str, callback: str, which: str) -> None:
    """The latest such callback carried that call (same session id)."""
    hits = [r for r in world.callbacks_of(name) if r.get("callback") == callback]
    if not hits:
        raise ComplianceViolation(f"{name} never received {callback}")
    expect_field(
        hits[-1].get("call") or {}, "sessionId", session_of(world, which), what=f"the Call in {name}'s {callback}"
    )


@then(
    parsers.re(rf"the Call in (?P<name>[\w-]+)'s {CALLBACK_PATTERN} has joinedAt of the moment the call was accepted$")
)
def callback_joined_at(world: World, name: str, callback: str) -> None:
    """``joinedAt`` is when the call became ongoing (whole seconds, as on the wire), not when it ended."""
    hits = [r for r in world.callbacks_of(name) if r.get("callback") == callback]
    if not hits:
        raise ComplianceViolation(f"{name} never received {callback}")
    joined = world.server_call(session_of(world, None))["joinedAt"]
    if joined is None:
        raise ComplianceViolation("the call was never accepted on the server")
    expect_field(hits[-1].get("call") or {}, "joinedAt", str(int(joined)), what=f"the Call in {name}'s {callback}")
