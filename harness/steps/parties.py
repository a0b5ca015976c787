"""Steps about who takes part: users, their devices (client instances), groups."""

from __future__ import annotations

import re

from pytest_bdd import given, parsers

from harness.world import World


def names(text: str) -> list[str]:
    """``"alice, bob and carol"`` → ``["alice", "bob", "carol"]``."""
    return [n for n in re.split(r"\s*(?:,|\band\b)\s*", text.strip()) if n]


@given(parsers.re(r"(?P<who>[\w, ]+?) (?:is|are) logged in$"))
def logged_in(world: World, who: str) -> None:
    """Each named user gets a client instance, logged in, with the default listener."""
    for name in names(who):
        world.add_party(name, name)


@given(parsers.re(r"(?P<name>\w+) is logged in without a listener$"))
def logged_in_without_listener(world: World, name: str) -> None:
    """A logged-in instance with no call listener yet."""
    world.add_party(name, name, listener=False)


@given(parsers.re(r'(?P<uid>\w+) is also logged in on a second device "(?P<device>[\w-]+)"$'))
def second_device(world: World, uid: str, device: str) -> None:
    """Another instance of the same user (needs the multi-device capability)."""
    world.require("multi-device")
    world.add_party(device, uid)


@given(parsers.re(r"(?P<name>\w+) exists but is not logged in$"))
def exists_offline(world: World, name: str) -> None:
    """A user the server knows, with no client instance."""
    world.ensure_user(name)


@given(parsers.re(r"a group (?P<guid>[\w-]+) with members (?P<members>[\w, ]+)$"))
def group(world: World, guid: str, members: str) -> None:
    """A group of existing (or new) users."""
    for uid in names(members):
        world.ensure_user(uid)
    world.server.add_group(guid, names(members))
