"""Steps about call listeners: adding several, removing, replacing by id."""

from __future__ import annotations

from pytest_bdd import given, parsers, when

from adapter_protocol.names import Capability
from harness.world import World


@given(parsers.re(r"(?P<name>[\w-]+) adds a call listener (?P<listener>[\w-]+)$"))
@when(parsers.re(r"(?P<name>[\w-]+) adds a call listener (?P<listener>[\w-]+)$"))
def add_listener(world: World, name: str, listener: str) -> None:
    """``addCallListener(id)`` (the same id again replaces the first)."""
    world.require(Capability.LISTENERS)
    world.add_listener(world.party(name), listener)


@given(parsers.re(r"(?P<name>[\w-]+) removes the call listener (?P<listener>[\w-]+)$"))
@when(parsers.re(r"(?P<name>[\w-]+) removes the call listener (?P<listener>[\w-]+)$"))
def remove_listener(world: World, name: str, listener: str) -> None:
    """``removeCallListener(id)``."""
    world.require(Capability.LISTENERS)
    world.remove_listener(world.party(name), listener)
