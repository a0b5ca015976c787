"""Steps for remote users scripted through the mock server's control API (no client instance).

A remote user is a user of the mock server that no client under test drives: the step makes its
moves through ``POST /_ringside/calls`` and ``PUT /_ringside/calls/{sid}`` (stamped with the device id
``ringside-control``), exactly as if another SDK had sent them. This pairs the client under test with
a scripted peer in either role.
"""

from __future__ import annotations

from pytest_bdd import given, parsers, when

from harness.errors import ScenarioError
from harness.steps.calls import session_of
from harness.world import World
from mockserver.probe import ProbeError

_REMOTE_MOVES = {
    "accepts": "ongoing",
    "rejects": "rejected",
    "answers busy to": "busy",
    "cancels": "cancelled",
    "ends": "ended",
}


def _move(world: World, uid: str, sid: str, status: str) -> None:
    try:
        world.probe.move_call(uid, sid, status)
    except ProbeError as exc:
        raise ScenarioError(f"the remote user's move was refused: {uid} → {status} on {sid}: {exc}") from None
    world.settle()


def remote_call(world: World, uid: str, receiver: str, receiver_type: str, call_type: str) -> None:
    """``uid`` (no client) places a call; it becomes "the call" and "<uid>'s call"."""
    world.ensure_user(uid)
    try:
        sid = world.probe.place_call(uid, receiver, receiver_type=receiver_type, call_type=call_type)
    except ProbeError as exc:
        raise ScenarioError(f"the remote user's call was refused: {uid} → {receiver}: {exc}") from None
    world.settle()
    world.sessions["the call"] = sid
    world.sessions[f"{uid}'s call"] = sid


@given(parsers.re(r"remote (?P<uid>[\w.-]+) calls (?P<receiver>\w+)(?: with an? (?P<kind>audio|video) call)?$"))
@when(parsers.re(r"remote (?P<uid>[\w.-]+) calls (?P<receiver>\w+)(?: with an? (?P<kind>audio|video) call)?$"))
def remote_calls(world: World, uid: str, receiver: str, kind: str | None) -> None:
    """A remote user calls a user (audio unless said)."""
    remote_call(world, uid, receiver, "user", kind or "audio")


@when(parsers.re(r"remote (?P<uid>[\w.-]+) calls the group (?P<guid>[\w-]+)$"))
def remote_calls_group(world: World, uid: str, guid: str) -> None:
    """A remote user calls a group."""
    remote_call(world, uid, guid, "group", "audio")


@when(parsers.re(rf"remote (?P<uid>[\w.-]+) (?P<verb>{'|'.join(_REMOTE_MOVES)}) (?:the call|(?P<owner>\w+)'s call)$"))
def remote_moves(world: World, uid: str, verb: str, owner: str | None) -> None:
    """A remote user accepts / rejects / answers busy to / cancels / ends a call."""
    sid = session_of(world, f"{owner}'s call" if owner else None)
    _move(world, uid, sid, _REMOTE_MOVES[verb])


@when(parsers.re(r"remote (?P<uid>[\w.-]+) gives up on the call as unanswered$"))
def remote_unanswered(world: World, uid: str) -> None:
    """The remote caller's ring timer fires: it sends ``unanswered`` as the real SDK does."""
    _move(world, uid, session_of(world, None), "unanswered")
