"""A pytest plugin for ``make flake-check``: run the collected scenarios in an order shuffled by a seed.

``-p bench.shuffle --shuffle-seed N``: the same seed gives the same order, so a verdict that changes
with the order can be replayed. (pytest-randomly does the same, but is on for every run once installed;
this is on only when asked.)
"""

from __future__ import annotations

import random

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--shuffle-seed", type=int, default=None, help="run the tests in an order shuffled by this seed")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seed = config.getoption("--shuffle-seed")
    if seed is not None:
        random.Random(seed).shuffle(items)


def pytest_report_header(config: pytest.Config) -> str | None:
    seed = config.getoption("--shuffle-seed")
    return None if seed is None else f"shuffled with seed {seed} (-p bench.shuffle --shuffle-seed {seed})"
