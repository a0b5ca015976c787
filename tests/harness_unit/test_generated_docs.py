"""The generated docs (step reference, coverage table) match the code and catalogue they describe."""

from __future__ import annotations

from harness import coverage, stepdoc


def test_the_step_reference_is_current() -> None:
    assert stepdoc.main(["--check"]) == 0, "docs/steps.md is stale: run `python -m harness.stepdoc`"


def test_every_step_has_a_docstring() -> None:
    steps = stepdoc.collect()
    assert len(steps) >= 50
    assert [s.pattern for s in steps if not s.doc] == []


def test_the_catalogue_is_well_tagged_and_the_coverage_table_is_current() -> None:
    entries = coverage.collect(coverage.FEATURES)
    assert coverage.problems(entries) == []
    assert len(entries) >= 60
    expected = coverage.render(entries, coverage.meanings(coverage.README))
    assert coverage.OUTPUT.read_text(encoding="utf-8") == expected, "run `python -m harness.coverage`"
