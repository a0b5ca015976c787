"""Tag expressions for ``--ringside-tags``: ``must and not slow``, ``(spec-accept or spec-reject)``."""

from __future__ import annotations

import re

import pytest

_TOKEN = re.compile(r"\s*(\(|\)|\band\b|\bor\b|\bnot\b|@?[\w.:-]+)")


def matches(expression: str, tags: set[str]) -> bool:
    """Whether a scenario with ``tags`` satisfies ``expression`` (tags may be written with or without @)."""
    words: list[str] = []
    pos = 0
    text = expression.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or not m.group(1):
            raise ValueError(f"bad tag expression {expression!r} near {text[pos:]!r}")
        token = m.group(1)
        if token in ("(", ")", "and", "or", "not"):
            words.append(token)
        else:
            words.append(str(token.lstrip("@") in tags))
        pos = m.end()
    try:
        return bool(eval(" ".join(words), {"__builtins__": {}}, {}))  # only True/False/and/or/not/() remain
    except SyntaxError:
        raise ValueError(f"bad tag expression {expression!r}") from None


def select(config: pytest.Config, items: list[pytest.Item], expression: str) -> None:
    """Deselect every item whose tags do not satisfy ``expression``."""
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        item_tags = {str(m.args[0]) for m in item.iter_markers("ringside_tag")}
        (keep if matches(expression, item_tags) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
