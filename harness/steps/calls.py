"""Steps that place and answer calls, and check what the commands returned."""

from __future__ import annotations

import json
import re
from typing import Any

from pytest_bdd import parsers, then, when

from adapter_protocol.names import Capability, Command
from harness import journal_view
from harness.errors import ComplianceViolation, PayloadMismatch, ScenarioError
from harness.world import World
from mockserver.probe import HttpRequest, HttpResponse


def _session(world: World, name: str, which: str = "the call") -> str:
    sid = world.sessions.get(which)
    if sid is None and which in world.failed_calls:
        # the client's own initiateCall failed: its fault, not the scenario's
        raise ComplianceViolation(f"{which} was never placed: initiateCall failed with {world.failed_calls[which]}")
    if sid is None:
        raise ScenarioError(
            f"no call known as {which!r} in this scenario (known: {', '.join(world.sessions) or 'none'})"
        )
    return sid


def session_of(world: World, which: str | None) -> str:
    """The session id of ``"the call"`` (``None``) or of ``"<owner>'s call"``."""
    return _session(world, "", which or "the call")


def _remember(world: World, caller: str, result: Any) -> None:
    if result.ok and isinstance(result.result, dict) and result.result.get("sessionId"):
        world.sessions["the call"] = result.result["sessionId"]
        world.sessions[f"{caller}'s call"] = result.result["sessionId"]
    elif not result.ok:
        world.failed_calls["the call"] = world.failed_calls[f"{caller}'s call"] = result.error


def _place(world: World, caller: str, receiver: str, receiver_type: str, call_type: str, timeout: Any) -> None:
    params: dict[str, Any] = {"receiver": receiver, "receiverType": receiver_type, "callType": call_type}
    if timeout is not None:
        world.require(Capability.CUSTOM_TIMEOUT)
        params["timeout"] = timeout
    if receiver_type == "group":
        world.require(Capability.GROUP_CALLS)
    _remember(world, caller, world.act(caller, Command.INITIATE_CALL, params))


def _seconds(text: str) -> float | int:
    """A timeout as the step wrote it: ``3`` stays an int, ``2.7`` a float (the client floors it)."""
    return float(text) if "." in text else int(text)


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
    _place(world, caller, receiver, "user", kind or "audio", _seconds(timeout))


@when(parsers.re(r"(?P<caller>\w+) calls the group (?P<guid>[\w-]+)(?: with an? (?P<kind>audio|video) call)?$"))
def calls_group(world: World, caller: str, guid: str, kind: str | None) -> None:
    """A group call."""
    _place(world, caller, guid, "group", kind or "audio", None)


@when(
    parsers.re(
        r"(?P<caller>\w+) calls the group (?P<guid>[\w-]+)(?: with an? (?P<kind>audio|video) call)? "
        r"with a timeout of (?P<timeout>-?[\d.]+) seconds?$"
    )
)
def calls_group_with_timeout(world: World, caller: str, guid: str, kind: str | None, timeout: str) -> None:
    """A group call with a custom ring timeout."""
    _place(world, caller, guid, "group", kind or "audio", _seconds(timeout))


@when(parsers.re(r"(?P<name>[\w-]+) accepts the call$"))
def accepts(world: World, name: str) -> None:
    """``acceptCall`` on the current call."""
    world.act(name, Command.ACCEPT_CALL, {"sessionId": _session(world, name)})


@when(parsers.re(r"(?P<name>[\w-]+) rejects the call$"))
def rejects(world: World, name: str) -> None:
    """``rejectCall(sid, "rejected")``."""
    world.act(name, Command.REJECT_CALL, {"sessionId": _session(world, name), "status": "rejected"})


@when(parsers.re(r"(?P<name>[\w-]+) answers busy$"))
def busy(world: World, name: str) -> None:
    """``rejectCall(sid, "busy")``."""
    world.act(name, Command.REJECT_CALL, {"sessionId": _session(world, name), "status": "busy"})


@when(parsers.re(r"(?P<name>[\w-]+) cancels the call$"))
def cancels(world: World, name: str) -> None:
    """``rejectCall(sid, "cancelled")`` by the caller."""
    world.act(name, Command.REJECT_CALL, {"sessionId": _session(world, name), "status": "cancelled"})


@when(parsers.re(r"(?P<name>[\w-]+) ends the call$"))
def ends(world: World, name: str) -> None:
    """``endCall``."""
    world.act(name, Command.END_CALL, {"sessionId": _session(world, name)})


@when(parsers.re(r'(?P<name>[\w-]+) (?P<command>accepts|ends) the call "(?P<sid>[^"]*)"$'))
def acts_on_named_session(world: World, name: str, command: str, sid: str) -> None:
    """Act on an explicit session id (e.g. one that does not exist)."""
    world.act(name, Command.ACCEPT_CALL if command == "accepts" else Command.END_CALL, {"sessionId": sid})


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


def returned_call(world: World, name: str) -> dict[str, Any]:
    """The Call ``name``'s last command returned; a failed command, or one that returned something else
    (``null``), is a violation: an older command's Call must not stand in for it."""
    party = world.party(name)
    if party.last_error is not None:
        raise ComplianceViolation(f"{name}'s last command returned no Call: it failed with {party.last_error}")
    result = party.last_result
    if not isinstance(result, dict) or "sessionId" not in result:
        raise ComplianceViolation(f"{name}'s last command should have returned a Call, but returned {result!r}")
    return result


@then(parsers.re(r"(?P<name>[\w-]+) gets a call with (?P<field>\w+) (?P<value>.+)$"))
def returned_call_field(world: World, name: str, field: str, value: str) -> None:
    """A field of the Call the last command returned."""
    expect_field(returned_call(world, name), field, value, what=f"the Call {name}'s command returned")


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
        raise PayloadMismatch(
            f"{what}: field {field!r}\n  expected: {value}\n  actual:   {actual!r}",
            expected={**call, field: _expected_value(value)},
            actual=call,
        )


def _expected_value(value: str) -> Any:
    """A step's expected field value as JSON, for the report's diff ("set": any value but null)."""
    if value == "set":
        return "(any value but null)"
    if value == "null":
        return None
    text = value.strip('"')
    try:
        return json.loads(text)
    except ValueError:
        return text


@then(parsers.re(r"the server has the call (?P<status>\w+)$"))
def server_status(world: World, status: str) -> None:
    """The mock server's own view of the current call."""
    sid = _session(world, "")
    actual = world.server_call(sid)["status"]
    if actual != status:
        raise PayloadMismatch(
            f"the call on the server\n  expected status: {status}\n  actual status:   {actual}",
            expected={"status": status},
            actual={"status": actual},
        )


# -- acting on a named call ----------------------------------------------------------------------

_MOVES = {
    "accepts": (Command.ACCEPT_CALL, None),
    "rejects": (Command.REJECT_CALL, "rejected"),
    "answers busy to": (Command.REJECT_CALL, "busy"),
    "cancels": (Command.REJECT_CALL, "cancelled"),
    "ends": (Command.END_CALL, None),
}
_MOVE_RE = "|".join(_MOVES)


def _move_params(world: World, verb: str, which: str | None) -> tuple[str, dict[str, Any]]:
    command, status = _MOVES[verb]
    params: dict[str, Any] = {"sessionId": session_of(world, which)}
    if status is not None:
        params["status"] = status
    return command, params


@when(parsers.re(rf"(?P<name>[\w-]+) (?P<verb>{_MOVE_RE}) (?P<owner>\w+)'s call$"))
def moves_named_call(world: World, name: str, verb: str, owner: str) -> None:
    """Accept / reject / answer busy to / cancel / end one call by its caller's name ("bob's call")."""
    command, params = _move_params(world, verb, f"{owner}'s call")
    world.act(name, command, params)


@when(parsers.re(r"(?P<name>[\w-]+) rejects the call with status (?P<status>\w+)$"))
def rejects_with_status(world: World, name: str, status: str) -> None:
    """``rejectCall(sid, status)`` with any status word (e.g. the callee sending ``cancelled``)."""
    world.act(name, Command.REJECT_CALL, {"sessionId": _session(world, name), "status": status})


_REJECT_STATUS = {"rejects": "rejected", "cancels": "cancelled", "answers busy to": "busy"}


@when(parsers.re(r'(?P<name>[\w-]+) (?P<command>rejects|cancels|answers busy to) the call "(?P<sid>[^"]*)"$'))
def rejects_named_session(world: World, name: str, command: str, sid: str) -> None:
    """Reject / cancel / answer busy to an explicit session id (e.g. one that does not exist)."""
    status = _REJECT_STATUS[command]
    world.act(name, Command.REJECT_CALL, {"sessionId": sid, "status": status})


# -- several things at one instant ---------------------------------------------------------------

_ACTION = re.compile(
    rf"^(?P<name>[\w-]+) (?:(?P<verb>{_MOVE_RE}|answers busy) (?:the call|(?P<owner>\w+)'s call)?"
    r"|calls (?P<receiver>[\w.-]+))$"
)


def _action(world: World, text: str) -> tuple[str, str, dict[str, Any]]:
    match = _ACTION.match(text.strip())
    if match is None:
        raise ScenarioError(f"not an action: {text!r} (e.g. 'bob accepts the call', 'alice calls bob')")
    name = match["name"]
    if match["receiver"]:
        return name, Command.INITIATE_CALL, {"receiver": match["receiver"], "receiverType": "user", "callType": "audio"}
    verb = "answers busy to" if match["verb"] == "answers busy" else match["verb"]
    command, params = _move_params(world, verb, f"{match['owner']}'s call" if match["owner"] else None)
    return name, command, params


@when(parsers.re(r"(?P<first>.+?) and at the same instant (?P<second>.+)$"))
def at_the_same_instant(world: World, first: str, second: str) -> None:
    """Two actions at one instant: the second is sent right after the first returned, before any
    frame the first caused was waited for (the server sees them in the order written)."""
    actions = [_action(world, first), _action(world, second)]
    results = world.act_at_once(actions)
    for (name, command, _), result in zip(actions, results, strict=True):
        if command == Command.INITIATE_CALL:
            _remember(world, name, result)


@when(parsers.re(r"(?P<seconds>[\d.]+) seconds? pass and at that very instant (?P<action>.+)$"))
def at_that_instant(world: World, seconds: str, action: str) -> None:
    """Time passes up to an instant; the action happens at it, before the clients' timers due then."""
    world.approach(float(seconds))
    name, command, params = _action(world, action)
    world.act(name, command, params)


# -- outcomes ------------------------------------------------------------------------------------


def last_call_exchange(world: World, name: str) -> tuple[HttpRequest, HttpResponse]:
    """The last ``/calls`` request ``name``'s device sent, and the server's reply to it."""
    resource = world.party(name).instance.resource
    entries = world.journal()
    requests = [
        e
        for e in journal_view.requests(entries)
        if e["headers"].get("resource") == resource and re.search(r"/calls(?:/|$)", e["path"])
    ]
    if not requests:
        raise ComplianceViolation(f"{name}'s device sent no call request to the server")
    request = requests[-1]
    replies = journal_view.responses_to(entries, request)
    if not replies:
        raise ScenarioError(f"the server journaled no reply to {name}'s {request.get('method')} {request.get('path')}")
    return request, replies[-1]


@then(parsers.re(r"the server refused (?P<name>[\w-]+)'s last call request with (?P<code>[A-Z_]+)$"))
def server_refused(world: World, name: str, code: str) -> None:
    """The server's answer to the last call request from ``name``'s device was the error ``code``."""
    request, reply = last_call_exchange(world, name)
    actual = ((reply.get("body") or {}).get("error") or {}).get("code")
    if actual != code:
        raise ComplianceViolation(
            f"the server's answer to {name}'s {request.get('method')} {request.get('path')} {request.get('body')}\n"
            f"  expected error: {code}\n  actual:         {actual or reply.get('body')}"
        )


@then(parsers.re(r"(?P<name>[\w-]+)'s command fails with the server's error (?P<code>[A-Z_]+)$"))
def command_fails_with_envelope(world: World, name: str, code: str) -> None:
    """The command failed with exactly the server's error envelope (code, message, details)."""
    command_fails(world, name, code)
    server_refused(world, name, code)
    _, reply = last_call_exchange(world, name)
    expected = reply["body"]["error"]
    actual = world.party(name).last_error or {}
    for key in ("message", "details"):
        if actual.get(key) != expected.get(key):
            raise ComplianceViolation(
                f"{name}'s error does not pass the server's envelope through: field {key!r}\n"
                f"  expected: {expected.get(key)!r}\n  actual:   {actual.get(key)!r}"
            )


@then(parsers.re(r"(?P<name>[\w-]+) sent no (?P<status>\w+) update to the server$"))
def sent_no_update(world: World, name: str, status: str) -> None:
    """No ``PUT /calls/{sid}`` with that status left ``name``'s device during the scenario."""
    resource = world.party(name).instance.resource
    for entry in journal_view.requests(world.journal()):
        if entry["method"] != "PUT":
            continue
        if entry["headers"].get("resource") != resource or "/calls/" not in entry["path"]:
            continue
        if f'"{status}"' in str(entry.get("body") or ""):
            raise ComplianceViolation(
                f"{name} should not have sent status {status!r}, but sent {entry.get('method')} "
                f"{entry.get('path')} {entry.get('body')} at t={entry.get('t')}"
            )


@then(parsers.re(r"the server has (?P<count>\d+) calls?$"))
def server_call_count(world: World, count: str) -> None:
    """How many calls the server knows (a call refused locally never reaches it)."""
    calls = world.probe.calls()
    if len(calls) != int(count):
        raise ComplianceViolation(f"the server should know {count} call(s), but knows {len(calls)}")


@then(parsers.re(r"the server has (?P<owner>\w+)'s call (?P<status>\w+)$"))
def server_status_of(world: World, owner: str, status: str) -> None:
    """The mock server's own view of one call, by its caller's name."""
    sid = session_of(world, f"{owner}'s call")
    actual = world.server_call(sid)["status"]
    if actual != status:
        raise ComplianceViolation(
            f"{owner}'s call on the server\n  expected status: {status}\n  actual status:   {actual}"
        )


@then(parsers.re(r"the server has the call (?P<status>\w+) by (?P<uid>[\w.-]+)$"))
def server_status_by(world: World, status: str, uid: str) -> None:
    """The call's status on the server, and who made the move that set it."""
    server_status(world, status)
    actor = world.server_call(_session(world, ""))["lastActor"]
    if actor != uid:
        raise ComplianceViolation(
            f"the call became {status} by the wrong party\n  expected: {uid}\n  actual:   {actor}"
        )


@then(parsers.re(r"(?P<name>[\w-]+) gets the call(?: with (?P<field>\w+) (?P<value>.+))?$"))
def returned_the_call(world: World, name: str, field: str | None, value: str | None) -> None:
    """The Call the last command returned is the current call (same session id)."""
    call = returned_call(world, name)
    expect_field(call, "sessionId", session_of(world, None), what=f"the Call {name}'s command returned")
    if field is not None and value is not None:
        expect_field(call, field, value, what=f"the Call {name}'s command returned")


# -- the active call (capability active-call) ----------------------------------------------------


def _active_call(world: World, name: str) -> Any:
    world.require(Capability.ACTIVE_CALL)
    return world.party(name).instance.ok(Command.GET_ACTIVE_CALL)


@then(parsers.re(r"(?P<name>[\w-]+)'s active call is (?P<which>the call|\w+'s call)(?: with status (?P<status>\w+))?$"))
def active_call_is(world: World, name: str, which: str, status: str | None) -> None:
    """``getActiveCall()`` is that call (and has that status, if said)."""
    active = _active_call(world, name)
    if not isinstance(active, dict):
        raise ComplianceViolation(f"{name} should have {which} as active call, but has none")
    expect_field(active, "sessionId", session_of(world, which), what=f"{name}'s active call")
    if status is not None:
        expect_field(active, "status", status, what=f"{name}'s active call")


@then(parsers.re(r"(?P<name>[\w-]+) has no active call$"))
def no_active_call(world: World, name: str) -> None:
    """``getActiveCall()`` is null."""
    active = _active_call(world, name)
    if active is not None:
        raise ComplianceViolation(
            f"{name} should have no active call, but has {active.get('sessionId')} ({active.get('status')})"
        )


# -- the call session (capability generate-token) ------------------------------------------------


@when(parsers.re(r"(?P<name>[\w-]+) generates a call token for (?P<which>the call|\w+'s call)$"))
def generates_token(world: World, name: str, which: str) -> None:
    """``generateToken(sessionId)`` (the Calls SDK's call, to start the media session)."""
    world.require(Capability.GENERATE_TOKEN)
    world.act(name, Command.GENERATE_TOKEN, {"sessionId": session_of(world, which)})


def logged_in_token(world: World, name: str) -> str:
    """The authToken ``name``'s device is logged in with: the one the server confirmed in its reply to
    the device's last ``PUT /me`` (the SDK's ``getLoggedinUser().getAuthToken()``)."""
    resource = world.party(name).instance.resource
    entries = world.journal()
    logins = {
        e["seq"]
        for e in journal_view.requests(entries)
        if e["method"] == "PUT" and re.search(r"(?:^|/)me/?$", e["path"]) and e["headers"].get("resource") == resource
    }
    tokens = [
        str((e.get("body", {}).get("data") or {}).get("authToken"))
        for e in journal_view.responses(entries)
        if e["requestSeq"] in logins and "data" in e.get("body", {})
    ]
    if not tokens:
        raise ScenarioError(f"the journal has no login (PUT /me) of {name}'s device {resource!r}")
    return tokens[-1]


def token_exchange(world: World, token: Any) -> tuple[HttpRequest, HttpResponse] | None:
    """The ``POST /call_tokens`` request whose reply issued ``token``, and that reply (None if none did)."""
    entries = world.journal()
    requests = journal_view.requests_by_seq(entries)
    for reply in journal_view.responses(entries):
        if not reply["path"].endswith("call_tokens"):
            continue
        if (reply.get("body", {}).get("data") or {}).get("token") != token:
            continue
        return requests[reply["requestSeq"]], reply
    return None


@then(parsers.re(r"(?P<name>[\w-]+) gets a token(?: for (?P<which>the call|\w+'s call))?$"))
def gets_token(world: World, name: str, which: str | None) -> None:
    """The last command returned ``{token}``: the token the server issued in reply to a
    ``POST /call_tokens`` that carried ``name``'s authToken and the session id of the call (the current
    one unless named)."""
    result = world.party(name).last_result
    token = result.get("token") if isinstance(result, dict) else None
    if not token:
        raise ComplianceViolation(f"{name} should have got a call token, but got {result!r}")
    exchange = token_exchange(world, token)
    if exchange is None:
        raise ComplianceViolation(f"{name}'s token {token!r} is not one the server issued (no POST /call_tokens reply)")
    request, _ = exchange
    sid = session_of(world, which)
    try:
        asked_for = json.loads(request.get("body") or "{}").get("sessionId")
    except (json.JSONDecodeError, AttributeError):
        asked_for = None
    if asked_for != sid:
        raise ComplianceViolation(
            f"{name}'s token was issued for the wrong session\n  expected: {sid}\n  actual:   {asked_for!r}"
            f" (POST {request.get('path')} {request.get('body')})"
        )
    sent = (request.get("headers") or {}).get("authtoken")
    expected = logged_in_token(world, name)
    if sent != expected:
        raise ComplianceViolation(
            f"{name}'s token request did not carry {name}'s authToken\n  expected: {expected}\n  actual:   {sent!r}"
        )


@then(parsers.re(r"the call request (?P<name>[\w-]+) sent has no (?P<key>\w+)$"))
def request_lacks(world: World, name: str, key: str) -> None:
    """The last ``POST /calls`` from ``name``'s device has no such key (e.g. the ring timeout)."""
    request, _ = last_call_exchange(world, name)
    try:
        body = json.loads(request.get("body") or "{}")
    except json.JSONDecodeError:
        raise ComplianceViolation(f"{name}'s call request is not JSON: {request.get('body')!r}") from None
    if key in body:
        raise ComplianceViolation(f"{name}'s call request should not carry {key!r}: {request.get('body')}")


@when(parsers.re(r"(?P<name>[\w-]+) clears the active call$"))
def clears_active_call(world: World, name: str) -> None:
    """``clearActiveCall()``: the client forgets its active call locally (nothing is sent)."""
    world.require(Capability.ACTIVE_CALL)
    world.act(name, Command.CLEAR_ACTIVE_CALL)
