"""Steps for the mock server's scripted users and injected faults (``/_ringside/scripts``, ``/_ringside/faults``).

Magic callees (``ring-accept-2s``, ``ring-noanswer`` …) need no step: calling them is enough. These
steps load scripted *callers* and arm message / socket faults against a party's device, so a
scenario can put the client under test next to a remote peer or a flaky network.
"""

from __future__ import annotations

from typing import Any

from pytest_bdd import given, parsers, then, when

from harness.errors import ComplianceViolation, ScenarioError
from harness.world import SETTLE_DEADLINE, World
from mockserver.probe import ProbeError


def _load_script(world: World, script: dict[str, Any]) -> None:
    try:
        world.probe.load_script(script)
    except ProbeError as exc:
        raise ScenarioError(str(exc)) from None


def _target(world: World, name: str) -> dict[str, Any]:
    """A fault target: a party's own device, or every device of a user that is not a party."""
    if name in world.parties:
        party = world.party(name)
        world.settle()
        if party.instance.resource is None:
            raise ScenarioError(f"{name}'s device id is not known yet (not logged in?)")
        return {"user": party.uid, "device": party.instance.resource}
    return {"user": name}


def arm(world: World, fault: dict[str, Any]) -> None:
    """Arm one fault now."""
    try:
        world.probe.arm_fault(fault)
    except ProbeError as exc:
        raise ScenarioError(str(exc)) from None


# -- scripted callers ----------------------------------------------------------------------------


@given(
    parsers.re(
        r"scripted user (?P<uid>[\w.-]+) calls (?P<callee>[\w-]+)(?: with an? (?P<kind>audio|video) call)?"
        r"(?: and (?P<giveup>cancels|gives up) after (?P<after>[\d.]+) seconds?)?"
        r"(?: and hangs up (?P<end>[\d.]+) seconds? after an accept)?$"
    )
)
@when(
    parsers.re(
        r"scripted user (?P<uid>[\w.-]+) calls (?P<callee>[\w-]+)(?: with an? (?P<kind>audio|video) call)?"
        r"(?: and (?P<giveup>cancels|gives up) after (?P<after>[\d.]+) seconds?)?"
        r"(?: and hangs up (?P<end>[\d.]+) seconds? after an accept)?$"
    )
)
def scripted_caller(
    world: World, uid: str, callee: str, kind: str | None, giveup: str | None, after: str | None, end: str | None
) -> None:
    """Load a script in which ``uid`` calls now; it may cancel / give up as unanswered, or hang up after an accept."""
    plan: dict[str, Any] = {"to": callee, "type": kind or "audio", "at": 0}
    if giveup and after:
        plan["cancel" if giveup == "cancels" else "unanswered"] = float(after)
    if end:
        plan["end"] = float(end)
    _load_script(world, {"users": [{"uid": uid, "answer": "noanswer", "calls": [plan]}]})
    world.advance(0)  # the call is due now: fire it
    mine = [c for c in world.probe.calls() if c["caller"] == uid]
    if not mine:
        raise ScenarioError(f"scripted user {uid} placed no call (see the journal's script entries)")
    world.sessions["the call"] = world.sessions[f"{uid}'s call"] = str(mine[-1]["sessionId"])


# -- faults --------------------------------------------------------------------------------------

_MESSAGE_FAULTS = {"duplicates": "duplicate", "drops": "drop", "holds back": "reorder"}


@given(
    parsers.re(r"the server (?P<verb>duplicates|drops|holds back) the next (?P<status>\w+) event to (?P<name>[\w-]+)$")
)
@when(
    parsers.re(r"the server (?P<verb>duplicates|drops|holds back) the next (?P<status>\w+) event to (?P<name>[\w-]+)$")
)
def message_fault(world: World, verb: str, status: str, name: str) -> None:
    """Duplicate (one extra copy at once), drop, or hold back until the following call frame, the next
    event of that status on its way to a party's device."""
    arm(world, {"kind": _MESSAGE_FAULTS[verb], "status": status, **_target(world, name)})


@given(
    parsers.re(r"the server delays the next (?P<status>\w+) event to (?P<name>[\w-]+) by (?P<seconds>[\d.]+) seconds?$")
)
@when(
    parsers.re(r"the server delays the next (?P<status>\w+) event to (?P<name>[\w-]+) by (?P<seconds>[\d.]+) seconds?$")
)
def delay_fault(world: World, status: str, name: str, seconds: str) -> None:
    """The next event of that status reaches the party's device that much later (server clock)."""
    arm(world, {"kind": "delay", "status": status, "by": float(seconds), **_target(world, name)})


@when(
    parsers.re(
        r"the server closes (?P<name>[\w-]+)'s socket(?: and refuses reconnects for (?P<refuse>[\d.]+) seconds?)?$"
    )
)
def close_socket(world: World, name: str, refuse: str | None) -> None:
    """The server drops the party's WebSocket now (optionally refusing reconnects for a while)."""
    target = _target(world, name)
    fault: dict[str, Any] = {"kind": "close", **target}
    if refuse:
        fault["refuse"] = float(refuse)
    arm(world, fault)
    # the server only starts the close: wait for its handshake, so the client has had the close frame
    # (and the settle below asks it to sync) before time moves on
    world.probe.wait_for_closed(target["user"], device=target.get("device"), timeout=SETTLE_DEADLINE)
    world.settle()


@given(parsers.re(r"the server closes (?P<name>[\w-]+)'s socket as the next (?P<status>\w+) event reaches it$"))
def close_on_event(world: World, name: str, status: str) -> None:
    """The party's socket is closed right after the next event of that status was sent to it."""
    arm(world, {"kind": "close", "status": status, **_target(world, name)})


@given(
    parsers.re(
        r"the server duplicates the next (?P<status>\w+) event to (?P<name>[\w-]+), "
        r"the copy (?P<seconds>[\d.]+) seconds? later$"
    )
)
@when(
    parsers.re(
        r"the server duplicates the next (?P<status>\w+) event to (?P<name>[\w-]+), "
        r"the copy (?P<seconds>[\d.]+) seconds? later$"
    )
)
def late_duplicate(world: World, status: str, name: str, seconds: str) -> None:
    """A late duplicate: the event arrives as usual, and an identical copy that much later (server clock)."""
    arm(world, {"kind": "duplicate", "status": status, "by": float(seconds), **_target(world, name)})


@then("every injected fault took effect")
def every_fault_fired(world: World) -> None:
    """Each armed fault acted on at least one frame or socket (a scenario must not pass vacuously)."""
    idle = [f for f in world.probe.faults() if not f.get("fired")]
    if idle:
        raise ComplianceViolation(
            "these injected faults never took effect (the event never came?): "
            + ", ".join(f"{f.get('kind')} {f.get('status') or ''} for {f.get('user')}" for f in idle)
        )
