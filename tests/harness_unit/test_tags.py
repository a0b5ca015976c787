import pytest

from harness.tags import matches


@pytest.mark.parametrize(
    ("expression", "tags", "expected"),
    [
        ("must", {"must", "spec-accept"}, True),
        ("@must", {"must"}, True),
        ("must and not slow", {"must", "slow"}, False),
        ("spec-accept or spec-reject", {"spec-reject"}, True),
        ("not (spec-accept or spec-reject)", {"spec-end"}, True),
        ("requires-group-calls and should", {"requires-group-calls", "must"}, False),
    ],
)
def test_tag_expressions(expression: str, tags: set[str], expected: bool) -> None:
    assert matches(expression, tags) is expected


@pytest.mark.parametrize("bad", ["must and", "(must", "must;import os", "__import__('os')"])
def test_bad_expressions_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="bad tag expression"):
        matches(bad, {"must"})
