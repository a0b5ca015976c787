"""Tag expressions for ``--ringside-tags``: ``must and not robustness``, ``(spec-accept or spec-reject)``.

A small recursive-descent parser (``or`` < ``and`` < ``not`` < atoms and parentheses), so a bad
expression is rejected before anything starts, with where it went wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from harness.stop import stop_run

_TOKEN = re.compile(r"\s*(\(|\)|@?[\w.:-]+)")
_KEYWORDS = ("and", "or", "not")

#: A parsed expression: the scenario's tags → whether it is selected.
Predicate = Callable[[set[str]], bool]


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda tags: a(tags) or b(tags)


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda tags: a(tags) and b(tags)


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = self._tokenize(expression)
        self.pos = 0

    def _tokenize(self, text: str) -> list[str]:
        tokens: list[str] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if not m:
                raise ValueError(f"bad tag expression {self.expression!r}: unexpected {text[pos:].strip()[:20]!r}")
            tokens.append(m.group(1))
            pos = m.end()
        return tokens

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _fail(self, wanted: str) -> ValueError:
        got = self._peek()
        where = f"{got!r}" if got is not None else "the end"
        return ValueError(f"bad tag expression {self.expression!r}: expected {wanted}, found {where}")

    def parse(self) -> Predicate:
        if not self.tokens:
            raise ValueError("bad tag expression: it is empty")
        predicate = self._or()
        if self._peek() is not None:
            raise self._fail("'and', 'or' or the end")
        return predicate

    def _or(self) -> Predicate:
        left = self._and()
        while self._peek() == "or":
            self.pos += 1
            right = self._and()
            left = _either(left, right)
        return left

    def _and(self) -> Predicate:
        left = self._not()
        while self._peek() == "and":
            self.pos += 1
            right = self._not()
            left = _both(left, right)
        return left

    def _not(self) -> Predicate:
        if self._peek() == "not":
            self.pos += 1
            inner = self._not()
            return lambda tags: not inner(tags)
        return self._atom()

    def _atom(self) -> Predicate:
        token = self._peek()
        if token == "(":
            self.pos += 1
            inner = self._or()
            if self._peek() != ")":
                raise self._fail("')'")
            self.pos += 1
            return inner
        if token is None or token == ")" or token in _KEYWORDS:
            raise self._fail("a tag")
        self.pos += 1
        name = token.lstrip("@")
        return lambda tags: name in tags


def parse(expression: str) -> Predicate:
    """The expression as a predicate; ``ValueError`` (one line, saying where) if it is malformed."""
    return _Parser(expression).parse()


def matches(expression: str, tags: set[str]) -> bool:
    """Whether a scenario with ``tags`` satisfies ``expression`` (tags may be written with or without @)."""
    return parse(expression)(tags)


def item_tags(item: pytest.Item) -> set[str]:
    """A collected scenario's Gherkin tags."""
    return {str(m.args[0]) for m in item.iter_markers("ringside_tag")}


def select(config: pytest.Config, items: list[pytest.Item], expression: str) -> None:
    """Deselect every item whose tags do not satisfy ``expression``.

    An expression that selects nothing stops the run (exit 5) naming the tags there are: a typo in a
    CI filter must not pass as "nothing failed".
    """
    try:
        predicate = parse(expression)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        (keep if predicate(item_tags(item)) else drop).append(item)
    if items and not keep:
        stop_run(
            config,
            f"ringside: --tags {expression!r} selects none of the {len(items)} scenarios; {known_tags(items)}",
            pytest.ExitCode.NO_TESTS_COLLECTED,
        )
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def known_tags(items: list[pytest.Item]) -> str:
    """The catalogue's tags in one line (``id-*`` tags summarised)."""
    every = set().union(*(item_tags(item) for item in items)) if items else set()
    named = sorted(t for t in every if not t.startswith("id-"))
    ids = len(every) - len(named)
    return f"known tags: {', '.join(named)}" + (f" (and id-<ID> for each of {ids} scenarios)" if ids else "")
