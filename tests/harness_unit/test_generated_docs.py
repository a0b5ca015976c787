"""The generated docs (step reference, coverage table) match the code and catalogue they describe."""

from __future__ import annotations

import re

from harness import coverage, stepdoc
from harness.clients import ROOT


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
    expected = coverage.render(entries, coverage.meanings(coverage.README), coverage.statements(coverage.STATEMENTS))
    assert coverage.OUTPUT.read_text(encoding="utf-8") == expected, "run `python -m harness.coverage`"


def test_every_spec_statement_is_checked_by_existing_scenarios_or_needs_media() -> None:
    entries = coverage.collect(coverage.FEATURES)
    listed = coverage.statements(coverage.STATEMENTS)
    assert len([s for s in listed if s.source == "spec"]) >= 60
    assert coverage.statement_problems(listed, entries) == []


def test_a_statement_with_no_scenario_or_a_missing_one_is_a_problem() -> None:
    entries = [coverage.Entry(id="ACC-001", name="n", path="accept/a.feature", tags=frozenset({"spec-accept"}))]
    listed = [
        coverage.Statement(id="a.1", section="Accept", statement="s", scenarios=("ACC-001",)),
        coverage.Statement(id="a.2", section="Accept", statement="s"),
        coverage.Statement(id="a.3", section="Accept", statement="s", scenarios=("ACC-999",)),
        coverage.Statement(id="a.4", section="Accept", statement="s", media="needs a media session"),
    ]
    found = coverage.statement_problems(listed, entries)
    assert len(found) == 2
    assert "a.2" in found[0] and "no scenario" in found[0]
    assert "a.3" in found[1] and "ACC-999" in found[1]


def test_the_tags_the_docs_name_are_the_catalogues() -> None:
    """A user copying a tag or a --tags filter from the docs gets scenarios, not an empty selection."""
    known = {tag for entry in coverage.collect(coverage.FEATURES) for tag in entry.tags}
    named: dict[str, str] = {}
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for tag in re.findall(r"`@([a-z][\w-]*)`", text):
            named.setdefault(tag, doc.name)
        for expression in re.findall(r'--(?:ringside-)?tags[ =]"([^"]+)"', text):
            for word in re.findall(r"[\w-]+", expression):
                if word not in ("and", "or", "not"):
                    named.setdefault(word, doc.name)
    unknown = {tag: doc for tag, doc in named.items() if tag not in known and not tag.startswith("id-")}
    assert named and unknown == {}
