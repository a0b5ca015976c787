"""Steps that let time pass: instant and exact in virtual time, real waits otherwise."""

from __future__ import annotations

from pytest_bdd import parsers, when

from harness.world import World


@when(parsers.re(r"(?P<seconds>[\d.]+) (?:more )?seconds? pass(?:es)?$"))
def seconds_pass(world: World, seconds: str) -> None:
    """Advance the shared clock (server and clients in lock-step)."""
    world.advance(float(seconds))


@when(parsers.re(r"(?P<minutes>[\d.]+) minutes? pass(?:es)?$"))
def minutes_pass(world: World, minutes: str) -> None:
    """Advance the shared clock by minutes."""
    world.advance(float(minutes) * 60)
