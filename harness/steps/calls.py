"""Steps that place and answer calls, and check what the commands returned."""

from __future__ import annotations

from typing import Any

from pytest_bdd import parsers, then, when

from harness.errors import ComplianceViolation, ScenarioError
from harness.world import World


def _session(world: World, name: str) -> str:
    sid = world.sessions.get("the call")
    if sid is None:
        raise ScenarioError("no call has been placed yet in this scenario")
    return sid


def _place(world: World, caller: str, receiver: str, receiver_type: str, call_type: str, timeout: Any) -> None:
    params: dict[str, Any] = {"receiver": receiver, "receiverType": receiver_type, "callType": call_type}
    if timeout is not None:
        world.require("custom-timeout")
        params["timeout"] = timeout
    if receiver_type == "group":
        world.require("group-calls")
    result = world.act(caller, "initiateCall", params)
    if result.ok:
        world.sessions["the call"] = result.result["sessionId"]
        world.sessions[f"{caller}'s call"] = result.result["sessionId"]


@when(parsers.re(r"(?P<caller>\w+) calls (?P<receiver>[\w.-]+)(?: with an? (?P<kind>audio|video) call)?$"))
def calls(world: World, caller: str, receiver: str, kind: str | None) -> None:
    """A user call (audio unless said)."""
    _place(world, caller, receiver, "user", kind or "audio", None)


@when(
    parsers.re(
        r"(?P<caller>\w+) calls (?P<receiver>[\w.-]+)(?: with an? (?P<kind>audio|video) call)? "
        r"with a timeout of (?P<timeout>-?[\d.]+) seconds?$"
    )
)
def calls_with_timeout(world: World, caller: str, receiver: str, kind: str | None, timeout: str) -> None:
    """A user call with a custom ring timeout (passed to the client untouched)."""
    value: float | int = float(timeout) if "." in timeout else int(timeout)
    _place(world, caller, receiver, "user", kind or "audio", value)


@when(parsers.re(r"(?P<caller>\w+) calls the group (?P<guid>[\w-]+)(?: with an? (?P<kind>audio|video) call)?$"))
def calls_group(world: World, caller: str, guid: str, kind: str | None) -> None:
    """A group call."""
    _place(world, caller, guid, "group", kind or "audio", None)


@when(parsers.re(r"(?P<name>[\w-]+) accepts the call$"))
def accepts(world: World, name: str) -> None:
    """``acceptCall`` on the current call."""
    world.act(name, "acceptCall", {"sessionId": _session(world, name)})


@when(parsers.re(r"(?P<name>[\w-]+) rejects the call$"))
def rejects(world: World, name: str) -> None:
    """``rejectCall(sid, "rejected")``."""
    world.act(name, "rejectCall", {"sessionId": _session(world, name), "status": "rejected"})


@when(parsers.re(r"(?P<name>[\w-]+) answers busy$"))
def busy(world: World, name: str) -> None:
    """``rejectCall(sid, "busy")``."""
    world.act(name, "rejectCall", {"sessionId": _session(world, name), "status": "busy"})


@when(parsers.re(r"(?P<name>[\w-]+) cancels the call$"))
def cancels(world: World, name: str) -> None:
    """``rejectCall(sid, "cancelled")`` by the caller."""
    world.act(name, "rejectCall", {"sessionId": _session(world, name), "status": "cancelled"})


@when(parsers.re(r"(?P<name>[\w-]+) ends the call$"))
def ends(world: World, name: str) -> None:
    """``endCall``."""
    world.act(name, "endCall", {"sessionId": _session(world, name)})


@when(parsers.re(r'(?P<name>[\w-]+) (?P<command>accepts|ends) the call "(?P<sid>[^"]*)"$'))
def acts_on_named_session(world: World, name: str, command: str, sid: str) -> None:
    """Act on an explicit session id (e.g. one that does not exist)."""
    world.act(name, "acceptCall" if command == "accepts" else "endCall", {"sessionId": sid})


@then(parsers.re(r"(?P<name>[\w-]+)'s command succeeds$"))
def command_succeeds(world: World, name: str) -> None:
    """The last command of ``name`` resolved."""
    party = world.party(name)
    if party.last_error is not None:
        raise ComplianceViolation(f"{name}'s last command failed: {party.last_error}")


@then(parsers.re(r"(?P<name>[\w-]+)'s command fails with (?P<code>[A-Z_]+)$"))
def command_fails(world: World, name: str, code: str) -> None:
    """The last command of ``name`` was refused with exactly ``code``."""
    party = world.party(name)
    if party.last_error is None:
        raise ComplianceViolation(f"{name}'s last command should have failed with {code}, but it succeeded")
    if party.last_error.get("code") != code:
        raise ComplianceViolation(
            f"{name}'s last command failed with the wrong code.\n  expected: {code}\n  actual:   "
            f"{party.last_error.get('code')} ({party.last_error.get('message')})"
        )


@then(parsers.re(r"(?P<name>[\w-]+) gets a call with (?P<field>\w+) (?P<value>.+)$"))
def returned_call_field(world: World, name: str, field: str, value: str) -> None:
    """A field of the Call the last command returned."""
    call = world.party(name).last_call or {}
    expect_field(call, field, value, what=f"the Call {name}'s command returned")


def expect_field(call: dict[str, Any], field: str, value: str, *, what: str) -> None:
    """Compare one Call field with a step's text (``null``, ``set``, a number or a word)."""
    actual = call.get(field)
    if value == "set":
        ok = actual is not None
    elif value == "null":
        ok = actual is None
    else:
        ok = str(actual) == value.strip('"')
    if not ok:
        raise ComplianceViolation(f"{what}: field {field!r}\n  expected: {value}\n  actual:   {actual!r}")


@then(parsers.re(r"the server has the call (?P<status>\w+)$"))
def server_status(world: World, status: str) -> None:
    """The mock server's own view of the current call."""
    sid = _session(world, "")
    actual = world.server.data("GET", f"/calls/{sid}")["status"]
    if actual != status:
        raise ComplianceViolation(f"the call on the server\n  expected status: {status}\n  actual status:   {actual}")
