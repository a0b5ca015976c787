"""Seeded fake people for ``--fake-users N``: the same seed gives the same people (no seed: seed 0's)."""

from __future__ import annotations

import re


def fake_people(count: int, *, seed: int | None) -> list[tuple[str, str]]:
    """``count`` (uid, name) pairs; uids are lower-case first names, made unique with a number."""
    from faker import Faker  # noqa: PLC0415 -- imported on use: loading faker costs 1-2 s, most runs never need it

    faker = Faker()
    faker.seed_instance(seed or 0)
    people: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(people) < count:
        name = faker.name()
        uid = re.sub(r"[^a-z0-9]", "", name.split()[0].lower()) or "user"
        n = 1
        while (candidate := uid if n == 1 else f"{uid}{n}") in seen:
            n += 1
        seen.add(candidate)
        people.append((candidate, name))
    return people
