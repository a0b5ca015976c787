"""Steps about the call session that follows an accept: the call token, and the session's own events.

The spec's "Start Call Session": the caller generates a call token in ``onOutgoingCallAccepted``, the
callee in ``acceptCall``'s success callback, and each starts the session with it. The session's
``OngoingCallListener`` then ends it: ``onCallEnded`` (the other side left) clears the active call and
ends the session; ``onCallEndButtonPressed`` first ends the call (``endCall``), then does the same.
There is no media server: a client with the ``call-session`` capability runs that flow with a session
object of its own (docs/adapter-protocol.md).
"""

from __future__ import annotations

from typing import Any

from pytest_bdd import parsers, then, when

from adapter_protocol.names import Capability, Command
from harness.errors import ComplianceViolation, ScenarioError
from harness.steps.callbacks import CALLBACK_PATTERN
from harness.steps.calls import expect_field, returned_call, session_of
from harness.world import World

_PRONOUN = r"(?:her|his|their|its)"


def _token_for(world: World, name: str, sid: str) -> None:
    world.require(Capability.GENERATE_TOKEN)
    world.act(name, Command.GENERATE_TOKEN, {"sessionId": sid})


@when(parsers.re(rf"(?P<name>[\w-]+) generates a call token for the Call in {_PRONOUN} {CALLBACK_PATTERN}$"))
def token_from_callback(world: World, name: str, callback: str) -> None:
    """``generateToken`` for the session of the Call the latest such callback carried (the caller's
    flow: in ``onOutgoingCallAccepted``)."""
    hits = [r for r in world.callbacks_of(name) if r.get("callback") == callback]
    if not hits:
        raise ComplianceViolation(f"{name} never received {callback}, so has no Call to generate a token for")
    sid = (hits[-1].get("call") or {}).get("sessionId")
    if not sid:
        raise ComplianceViolation(f"the Call in {name}'s {callback} has no sessionId")
    _token_for(world, name, str(sid))


@when(parsers.re(rf"(?P<name>[\w-]+) generates a call token for the Call {_PRONOUN} (?:acceptCall|command) returned$"))
def token_from_result(world: World, name: str) -> None:
    """``generateToken`` for the session of the Call ``name``'s last command returned (the callee's flow:
    in ``acceptCall``'s success callback)."""
    _token_for(world, name, str(returned_call(world, name)["sessionId"]))


def _start(world: World, name: str, token: Any) -> None:
    world.require(Capability.CALL_SESSION)
    world.act(name, Command.START_SESSION, {"sessionId": session_of(world, None), "token": token})


@when(parsers.re(rf"(?P<name>[\w-]+) starts the call session with {_PRONOUN} token$"))
def starts_session(world: World, name: str) -> None:
    """``startSession`` for the current call with the token ``name``'s last command (``generateToken``) returned."""
    result = world.party(name).last_result
    token = result.get("token") if isinstance(result, dict) else None
    if not token:
        raise ScenarioError(f"{name} has no call token to start the session with (generate one first): {result!r}")
    _start(world, name, token)


@when(parsers.re(r"(?P<name>[\w-]+) joins the call session$"))
def joins_session(world: World, name: str) -> None:
    """Generate a token for the current call and start the session with it; both must succeed."""
    world.require(Capability.CALL_SESSION)
    _token_for(world, name, session_of(world, None))
    party = world.party(name)
    if party.last_error is not None:
        raise ComplianceViolation(f"{name} could not generate a call token: {party.last_error}")
    _start(world, name, (party.last_result or {}).get("token"))
    if party.last_error is not None:
        raise ComplianceViolation(f"{name} could not start the call session: {party.last_error}")


@when(parsers.re(r"(?P<name>[\w-]+)'s call session reports the call ended$"))
def session_reports_ended(world: World, name: str) -> None:
    """The session's ``onCallEnded`` (the other side left the media session): the spec's handler runs."""
    world.require(Capability.CALL_SESSION)
    world.act(name, Command.SESSION_EVENT, {"event": "callEnded"})


@when(parsers.re(r"(?P<name>[\w-]+) presses the end call button$"))
def presses_end_button(world: World, name: str) -> None:
    """The session's ``onCallEndButtonPressed``: the handler ends the call (its result is the Call
    ``endCall`` returned), then clears the active call and ends the session."""
    world.require(Capability.CALL_SESSION)
    world.act(name, Command.SESSION_EVENT, {"event": "callEndButtonPressed"})


def _session(world: World, name: str) -> Any:
    world.require(Capability.CALL_SESSION)
    return world.party(name).instance.ok(Command.GET_SESSION)


@then(parsers.re(r"(?P<name>[\w-]+)'s call session is (?P<which>the call|\w+'s call), active$"))
def session_active(world: World, name: str, which: str) -> None:
    """``getSession``: the session ``name`` holds is for that call and still running."""
    session = _session(world, name)
    if not isinstance(session, dict):
        raise ComplianceViolation(f"{name} should be in the call session of {which}, but holds no session")
    expect_field(session, "sessionId", session_of(world, which), what=f"{name}'s call session")
    if session.get("active") is not True:
        raise ComplianceViolation(f"{name}'s call session should be active, but is not: {session}")


@then(parsers.re(r"(?P<name>[\w-]+)'s call session has ended$"))
def session_ended(world: World, name: str) -> None:
    """``getSession``: no session, or one for the current call that ``endSession()`` ended."""
    session = _session(world, name)
    if session is None:
        return
    expect_field(session, "sessionId", session_of(world, None), what=f"{name}'s call session")
    if session.get("active") is not False:
        raise ComplianceViolation(f"{name}'s call session should have ended, but is still active: {session}")
