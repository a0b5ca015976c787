"""Known failures of a client: scenarios that fail for a documented reason, in a documented way.

A YAML list of entries::

    - id: END-004                       # the scenario's stable id
      reason: "why the client fails it"  # shown in the report
      step: "Then the Call in bob's onCallEndedMessageReceived has joinedAt of the moment the call was accepted"
      failure: "field 'joinedAt'"        # a regular expression searched (case-insensitively) in the failure text

``step`` is the step that fails (the keyword may be left out; ``After the scenario`` names the checks that
run after the last step). A listed scenario is a *known failure* only when it fails (FAIL, not ERROR)
at that step with a message that matches ``failure``. If it fails in any other way it is a failure, with
both the expectation and what was observed; if it passes, the run fails too ("remove it from the list"),
so the list never goes stale and never hides a new bug behind an old one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.clients import known_failures_file
from harness.report.collect import FAILED_STEP, KNOWN_ENTRY, KNOWN_VERDICT, stable_id

_KEYWORDS = ("given ", "when ", "then ", "and ", "but ")
#: Item stash key: the entry that lists this scenario.
LISTED = pytest.StashKey["KnownFailure"]()


def _bare(step: str) -> str:
    text = " ".join(step.split()).lower()
    for keyword in _KEYWORDS:
        if text.startswith(keyword):
            return text.removeprefix(keyword)
    return text


@dataclass(frozen=True)
class KnownFailure:
    """One entry of a known-failures file."""

    id: str
    reason: str
    step: str
    failure: str

    def matches(self, step: str | None, text: str) -> bool:
        """Whether a failure observed at ``step`` with message ``text`` is this known failure."""
        if step is None or _bare(step) != _bare(self.step):
            return False
        return re.search(self.failure, text, re.IGNORECASE) is not None

    def expectation(self) -> str:
        return f"to fail at {self.step!r} matching /{self.failure}/"

    def as_json(self, matched: bool) -> dict[str, Any]:
        return {"reason": self.reason, "step": self.step, "failure": self.failure, "matched": matched}


def load(path: Path) -> dict[str, KnownFailure]:
    """Stable id → entry. Raises ``pytest.UsageError`` with one clear line on a bad file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except OSError as exc:
        raise pytest.UsageError(f"cannot read the known-failures file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise pytest.UsageError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    wanted = ("id", "reason", "step", "failure")
    if not isinstance(data, list):
        raise pytest.UsageError(f"{path}: a known-failures file is a list of {{{', '.join(wanted)}}} entries")
    entries: dict[str, KnownFailure] = {}
    for number, entry in enumerate(data, 1):
        missing = [k for k in wanted if not isinstance(entry, dict) or not str(entry.get(k) or "").strip()]
        if missing:
            raise pytest.UsageError(
                f"{path}: entry {number} lacks {', '.join(missing)} (each entry needs {', '.join(wanted)})"
            )
        try:
            re.compile(str(entry["failure"]))
        except re.error as exc:
            raise pytest.UsageError(f"{path}: entry {number} ({entry['id']}): bad failure pattern: {exc}") from None
        entries[str(entry["id"])] = KnownFailure(*(str(entry[k]) for k in wanted))
    return entries


def default_for(config: pytest.Config) -> Path | None:
    """The bundled client's own list, when testing a bundled client by name."""
    if config.getoption("ringside_client_cmd") or config.getoption("ringside_client_url"):
        return None
    name = str(config.getoption("ringside_client"))
    return None if ":" in name else known_failures_file(name)


def apply(items: list[pytest.Item], listed: dict[str, KnownFailure], *, source: Path) -> None:
    """Attach each entry to its scenario; an entry naming no scenario of the catalogue is a usage error."""
    ids = {stable_id(item): item for item in items}
    unknown = sorted(set(listed) - set(ids))
    if unknown:
        raise pytest.UsageError(f"{source}: lists scenarios the catalogue does not have: {', '.join(unknown)}")
    for scenario_id, entry in listed.items():
        ids[scenario_id].stash[LISTED] = entry


def judge(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """Turn a listed scenario's call-phase report into its final outcome (see the module doc)."""
    entry = item.stash.get(LISTED, None)
    if entry is None or report.when != "call" or report.skipped:
        return
    if report.passed:
        item.stash[KNOWN_ENTRY] = entry.as_json(False)
        item.stash[KNOWN_VERDICT] = (
            "failed",
            f"listed as a known failure ({entry.reason}) but it passes: remove it from the list",
        )
        report.outcome = "failed"
        report.longrepr = (
            f"{entry.id} is listed as a known failure ({entry.reason}) but it passes: remove it from the list"
        )
        return
    error = call.excinfo.value if call.excinfo is not None else None
    if not isinstance(error, AssertionError):
        item.stash[KNOWN_ENTRY] = entry.as_json(False)
        return  # an ERROR stays an error: it says nothing about the known deviation
    step = item.stash.get(FAILED_STEP, None)
    matched = entry.matches(step, str(error))
    item.stash[KNOWN_ENTRY] = entry.as_json(matched)
    if matched:
        item.stash[KNOWN_VERDICT] = ("known-failure", entry.reason)
        report.outcome = "skipped"
        report.wasxfail = f"known failure: {entry.reason}"
        return
    differently = f"listed as a known failure, expected {entry.expectation()}, but it failed differently at {step!r}"
    item.stash[KNOWN_VERDICT] = ("failed", differently)
    report.sections.append(("ringside known failure", f"{entry.id} is {differently}"))
