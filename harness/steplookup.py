"""pytest-bdd's step lookup, remembered: the same step text resolves to the same step definitions.

For every step of every scenario pytest-bdd (9.x) walks *every* fixture name pytest knows, asks pytest
which of its definitions the test item can see, and tries each step definition's parser on the step's
text (``pytest_bdd.scenario.find_fixturedefs_for_step``): with ringside's step library that walk was
a tenth of the harness's time per scenario. Its answer depends only on the step (type and text), on
where the item sits (the fixtures its module and package can see) and on which fixtures are registered,
so :func:`install` replaces it with the same loop over a memo keyed on exactly those: the step
definitions an item's module can see are gathered once (the walk), and a step text seen before there,
with the same fixtures registered, gets the same definitions again without even running the parsers. Everything after the
lookup (pytest-bdd's injection of the chosen definition, argument parsing, ``target_fixture``) is
untouched. A pytest-bdd without that function is left as it is.
"""

from __future__ import annotations

import importlib
import inspect
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import pytest

Finder = Callable[..., Iterable[Any]]
#: the function of ``pytest_bdd.scenario`` that is wrapped
_NAME = "find_fixturedefs_for_step"
#: the memo of each fixture manager (one per pytest session): (fixtures registered, place) → the step
#: definitions visible there; (fixtures registered, place, step type, step text) → the ones that match
_MEMOS: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], list[Any]]] = weakref.WeakKeyDictionary()


def install(config: pytest.Config) -> None:
    """Wrap pytest-bdd's lookup with the memo for this session (undone when the session's config is)."""
    try:
        # by module name: ``from pytest_bdd import scenario`` is pytest-bdd's decorator, not its module
        bdd_scenario = importlib.import_module("pytest_bdd.scenario")
        compat = importlib.import_module("pytest_bdd.compat")
        steps = importlib.import_module("pytest_bdd.steps")
    except ImportError:  # pragma: no cover - pytest-bdd is a dependency
        return
    original: Finder | None = getattr(bdd_scenario, _NAME, None)
    names: Callable[..., list[str]] | None = getattr(compat, "get_fixture_names", None)
    definitions: Callable[..., Any] | None = getattr(compat, "getfixturedefs", None)
    registry: Any = getattr(steps, "step_function_context_registry", None)
    if original is None or names is None or definitions is None or registry is None:
        return
    if getattr(original, "ringside_memo", False):
        return
    fixture_names, fixturedefs_of = names, definitions

    def visible_steps(fixturemanager: Any, node: Any) -> list[tuple[Any, Any]]:
        """Every step definition ``node`` can see, with its step context, in pytest-bdd's own order."""
        return [
            (fixturedef, context)
            for name in fixture_names(fixturemanager=fixturemanager)
            for fixturedef in fixturedefs_of(fixturemanager, name, node) or []
            if (context := registry.get(fixturedef.func)) is not None
        ]

    def find_fixturedefs_for_step(step: Any, fixturemanager: Any, node: Any) -> list[Any]:
        memo = _MEMOS.setdefault(fixturemanager, {})
        place = (len(fixture_names(fixturemanager=fixturemanager)), _place(node))
        key = (*place, step.type, step.name)
        found = memo.get(key)
        if found is None:
            visible = memo.get(place)
            if visible is None:
                visible = memo[place] = visible_steps(fixturemanager, node)
            # what pytest-bdd's own loop keeps: the step's type (or any) and a parser that matches its text
            found = memo[key] = [
                fixturedef
                for fixturedef, context in visible
                if (context.type is None or context.type == step.type) and context.parser.is_matching(step.name)
            ]
        return list(found)

    find_fixturedefs_for_step.ringside_memo = True  # type: ignore[attr-defined]
    setattr(bdd_scenario, _NAME, find_fixturedefs_for_step)  # read at call time by pytest-bdd's injection

    def restore() -> None:
        if getattr(bdd_scenario, _NAME, None) is find_fixturedefs_for_step:
            setattr(bdd_scenario, _NAME, original)

    config.add_cleanup(restore)
    _remember_signatures(config, bdd_scenario, importlib.import_module("pytest_bdd.utils"))


def _remember_signatures(config: pytest.Config, *modules: Any) -> None:
    """pytest-bdd asks ``inspect.signature`` of the step function twice for every step it runs (which
    arguments to pass, which fixtures to request): about 2 % of a catalogue run. A step function's
    signature does not change, so the modules' ``signature`` answers from a memo (undone with the config)."""
    originals = {module: getattr(module, "signature", None) for module in modules}
    if any(found is not inspect.signature for found in originals.values()):
        return  # another pytest-bdd, or already wrapped: left as it is
    memo: dict[Any, inspect.Signature] = {}

    def signature(obj: Any, *args: Any, **kwargs: Any) -> inspect.Signature:
        if args or kwargs:
            return inspect.signature(obj, *args, **kwargs)
        try:
            return memo[obj]
        except KeyError:
            found = memo[obj] = inspect.signature(obj)
            return found
        except TypeError:  # an unhashable callable
            return inspect.signature(obj)

    for module in modules:
        module.signature = signature

    def restore() -> None:
        for module, original in originals.items():
            if getattr(module, "signature", None) is signature:
                module.signature = original

    config.add_cleanup(restore)


def _place(node: Any) -> str:
    """Where an item sits, as far as fixture visibility goes: its parent's node id (module or class)."""
    parent = getattr(node, "parent", None)
    return str(parent.nodeid) if parent is not None else str(node.nodeid)
