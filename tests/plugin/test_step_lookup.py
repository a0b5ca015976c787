"""pytester: pytest-bdd's step lookup, remembered (``harness/steplookup.py``), finds what pytest-bdd finds.

Two test modules share step texts; one overrides a step of the conftest with its own. With the memo each
module still gets its own definition, parsed arguments still differ per text, a step type still picks
its own definition, and a step text seen before in a module is answered from the memo.
"""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.usefixtures("lean_pytest")

CONFTEST = """
import json, os
from pytest_bdd import given, parsers, then, when
from harness import steplookup

RAN = []

@given(parsers.parse("a number {n:d}"), target_fixture="number")
def a_number(n):
    return n

@when(parsers.parse("a number {n:d}"), target_fixture="number")
def a_number_when(n):
    return n * 10  # the same text as a When is another step

@then(parsers.parse("it is {n:d}"))
def it_is(number, n):
    assert number == n

@then("the shared step runs")
def shared(request):
    RAN.append(("conftest", request.node.name))

def pytest_sessionfinish(session):
    memo = [m for m in steplookup._MEMOS.values()]
    texts = sorted({(k[1], k[2], k[3]) for m in memo for k in m if len(k) == 4})
    import importlib
    modules = [importlib.import_module(f"pytest_bdd.{name}") for name in ("scenario", "utils")]
    memoised = [m.signature.__module__ == "harness.steplookup" for m in modules]
    with open("memo.json", "w") as out:
        json.dump({"ran": RAN, "texts": texts, "signatures": memoised}, out)
"""

FEATURE = """\
Feature: {name}
  Scenario: three
    Given a number 3
    Then it is 3
    And the shared step runs

  Scenario: four as a when
    When a number 4
    Then it is 40
    And the shared step runs
"""

OVERRIDE = """
from pytest_bdd import scenarios, then
import conftest

scenarios("a.feature")

@then("the shared step runs")
def shared(request):
    conftest.RAN.append(("module a", request.node.name))
"""


def test_the_remembered_lookup_finds_what_pytest_bdd_finds(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makefile(".feature", a=FEATURE.format(name="A"), b=FEATURE.format(name="B"))
    pytester.makepyfile(test_a=OVERRIDE, test_b='from pytest_bdd import scenarios\n\nscenarios("b.feature")\n')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    seen = json.loads((pytester.path / "memo.json").read_text())
    assert sorted(map(tuple, seen["ran"])) == [
        ("conftest", "test_four_as_a_when"),
        ("conftest", "test_three"),
        ("module a", "test_four_as_a_when"),
        ("module a", "test_three"),
    ]
    assert seen["signatures"] == [True, True], "step signatures answered from the memo while the run lasts"
    # one entry per (module, step type, text): the second scenario of a module reuses the first's
    texts = {tuple(t) for t in seen["texts"]}
    assert ("test_a.py", "then", "the shared step runs") in texts
    assert ("test_b.py", "then", "the shared step runs") in texts
    assert ("test_a.py", "given", "a number 3") in texts and ("test_a.py", "when", "a number 4") in texts
    assert len(texts) == 2 * 5
