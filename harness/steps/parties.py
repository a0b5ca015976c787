"""Steps about who takes part: users, their devices (client instances), groups."""

from __future__ import annotations

import re

from pytest_bdd import given, parsers

from adapter_protocol.names import Capability, Command
from harness.errors import ScenarioError
from harness.steps.remote import remote_call
from harness.world import World


def names(text: str) -> list[str]:
    """``"alice, bob and carol"`` → ``["alice", "bob", "carol"]``."""
    return [n for n in re.split(r"\s*(?:,|\band\b)\s*", text.strip()) if n]


@given(parsers.re(r"(?P<who>[\w, ]+?) (?:is|are) logged in$"))
def logged_in(world: World, who: str) -> None:
    """Each named user gets a client instance, logged in, with the default listener."""
    world.add_parties(names(who))


@given(parsers.re(r"(?P<name>\w+) is logged in without a listener$"))
def logged_in_without_listener(world: World, name: str) -> None:
    """A logged-in instance with no call listener yet."""
    world.add_party(name, name, listener=False)


@given(parsers.re(r'(?P<uid>\w+) is also logged in on a second device "(?P<device>[\w-]+)"$'))
def second_device(world: World, uid: str, device: str) -> None:
    """Another instance of the same user (needs the multi-device capability)."""
    world.require(Capability.MULTI_DEVICE)
    world.add_party(device, uid)


@given(parsers.re(r"(?P<name>\w+) exists but is not logged in$"))
def exists_offline(world: World, name: str) -> None:
    """A user the server knows, with no client instance."""
    world.ensure_user(name)


@given(parsers.re(r"a group (?P<guid>[\w-]+) with members (?P<members>[\w@., -]+)$"))
def group(world: World, guid: str, members: str) -> None:
    """A group of existing (or new) users; magic uids (``ring-accept-1s@x``) become scripted members."""
    for uid in names(members):
        if uid.startswith("ring-"):
            world.magic_user(uid)
        else:
            world.ensure_user(uid)
    world.probe.add_group(guid, names(members))


@given(parsers.re(r"(?P<callee>\w+) is on a call with (?P<remote>remote )?(?P<caller>[\w.-]+)$"))
def on_a_call(world: World, callee: str, remote: str | None, caller: str) -> None:
    """``caller`` calls ``callee``, who accepts: an ongoing call known as "<caller>'s call". Every
    callback this set-up causes is expected (claimed); parties are created if needed."""
    if callee not in world.parties:
        world.add_party(callee, callee)
    if remote:
        remote_call(world, caller, callee, "user", "audio")
        sid = world.sessions.pop("the call")
    else:
        if caller not in world.parties:
            world.add_party(caller, caller)
        result = world.act(
            caller, Command.INITIATE_CALL, {"receiver": callee, "receiverType": "user", "callType": "audio"}
        )
        if not result.ok:
            raise ScenarioError(f"set-up: {caller} could not call {callee}: {result.error}")
        sid = str(result.result["sessionId"])
        world.sessions[f"{caller}'s call"] = sid
    world.wait_for_callback(callee, "onIncomingCallReceived", within=1, session=sid)
    accepted = world.act(callee, Command.ACCEPT_CALL, {"sessionId": sid})
    if not accepted.ok:
        raise ScenarioError(f"set-up: {callee} could not accept {caller}'s call: {accepted.error}")
    if not remote:
        world.wait_for_callback(caller, "onOutgoingCallAccepted", within=1, session=sid)
    for name in (callee, caller):
        if name in world.parties:
            for report in world.callbacks_of(name):
                world.claim(name, report)
