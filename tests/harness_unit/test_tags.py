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


@pytest.mark.parametrize(
    ("expression", "tags", "expected"),
    [
        ("a or b and c", {"a"}, True),  # and binds tighter than or
        ("(a or b) and c", {"a"}, False),
        ("not not a", {"a"}, True),
        ("not a or b", {"b", "a"}, True),
        ("id-ACC-001 or id-ACC-002", {"id-ACC-002"}, True),
    ],
)
def test_precedence_follows_python(expression: str, tags: set[str], expected: bool) -> None:
    assert matches(expression, tags) is expected


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("must and (", "expected a tag, found the end"),
        ("", "it is empty"),
        ("must must", "expected 'and', 'or' or the end, found 'must'"),
        ("(must))", "found ')'"),
        ("and must", "expected a tag, found 'and'"),
    ],
)
def test_a_bad_expression_says_where(bad: str, says: str) -> None:
    with pytest.raises(ValueError) as caught:
        matches(bad, {"must"})
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)
