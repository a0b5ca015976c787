"""Known failures of a client: scenarios that fail for a documented reason, in a documented way.

A YAML list of entries::

    - id: END-004                       # the scenario's stable id
      reason: "why the client fails it"  # shown in the report
      step: "Then the Call in bob's onCallEndedMessageReceived has joinedAt of the moment the call was accepted"
      failure: "field 'joinedAt'"        # a regular expression searched (case-insensitively) in the failure text
      observed: "ComplianceViolation: …" # optional: the failure text last seen (``ringside known-failures record``)

``step`` is the step that fails (the keyword may be left out; ``After the scenario`` names the checks that
run after the last step). A listed scenario is a *known failure* only when it fails (FAIL, not ERROR)
at that step with a message that matches ``failure``. If it fails in any other way it is a failure, with
both the expectation and what was observed; if it passes, the run fails too ("remove it from the list"),
so the list never goes stale and never hides a new bug behind an old one.

``versions`` (optional) is a semver-style range of the client's versions the entry holds for
(``">=4.1.0 <4.1.5"``, ``"<4.0.5 || >=4.2.0"``; :func:`harness.sdk_versions.in_range`): one list serves every
published version of an SDK, and an entry applies only to the versions in its range (the version comes from
the client's name, ``cometchat-js@4.0.5``; the bare ``cometchat-js`` is the version its adapter pins). An
entry without ``versions`` applies to every version; a run whose client version is unknown (``--client-cmd``,
``--client-url``) uses only the entries without a range. Two entries for one scenario may not both apply to
one version. Staleness is per version: an entry whose range covers a version that passes the scenario fails
that version's run.

``observed`` (optional) is the whole failure text seen when the list was last updated. A known failure whose
failure text now differs from it (ids, numbers and times aside) is still a known failure, flagged
``changed`` in the report: it fails the same step the same way, but says something else — worth a look.
``ringside known-failures record REPORT`` writes each known failure's observed text into the list.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import sdk_versions
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
    observed: str | None = None
    versions: str | None = None

    def applies_to(self, version: str | None) -> bool:
        """Whether the entry holds for the client ``version`` (None: unknown, only entries without a range)."""
        if self.versions is None:
            return True
        return version is not None and sdk_versions.in_range(version, self.versions)

    def matches(self, step: str | None, text: str) -> bool:
        """Whether a failure observed at ``step`` with message ``text`` is this known failure."""
        if step is None or _bare(step) != _bare(self.step):
            return False
        return re.search(self.failure, text, re.IGNORECASE) is not None

    def expectation(self) -> str:
        return f"to fail at {self.step!r} matching /{self.failure}/"

    def as_json(self, matched: bool, observed: str = "") -> dict[str, Any]:
        """The entry as a report row shows it, with the failure text seen this run (``observed``) and whether
        it differs from the one the entry records (never, when it records none)."""
        changed = self.observed is not None and normalise(observed) != normalise(self.observed)
        shown: dict[str, Any] = {
            "reason": self.reason,
            "step": self.step,
            "failure": self.failure,
            "matched": matched,
            "observed": observed,
            "recorded": self.observed,
            "changed": changed,
        }
        if self.versions is not None:
            shown["versions"] = self.versions
        return shown


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_TOKENISH = re.compile(r"\b(?=[\w.-]*\d)[\w-]+(?:\.[\w-]+){2,}\b")  # session ids: v1.eu.ringside.…
_HEX = re.compile(r"\b[0-9a-f]{12,}\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def normalise(text: str) -> str:
    """A failure text without what changes from run to run: ids, hex strings, numbers (times included)."""
    text = _UUID.sub("<id>", text)
    text = _TOKENISH.sub("<id>", text)
    text = _HEX.sub("<hex>", text)
    text = _NUMBER.sub("<n>", text)
    return " ".join(text.split())


def load(path: Path, version: str | None = None) -> dict[str, KnownFailure]:
    """Stable id → the entry that applies to the client ``version`` (see the module doc). Raises
    ``pytest.UsageError`` with one clear line on a bad file."""
    entries: dict[str, KnownFailure] = {}
    for entry in load_all(path):
        if not entry.applies_to(version):
            continue
        if entry.id in entries:
            raise pytest.UsageError(
                f"{path}: two entries for {entry.id} apply to version {version}: give them versions ranges that do not overlap"
            )
        entries[entry.id] = entry
    return entries


def _read(path: Path) -> list[Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except OSError as exc:
        raise pytest.UsageError(f"cannot read the known-failures file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise pytest.UsageError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, list):
        raise pytest.UsageError(f"{path}: a known-failures file is a list of {{id, reason, step, failure}} entries")
    return data


def load_all(path: Path) -> list[KnownFailure]:
    """Every entry of the file, in order, whatever versions it holds for. Raises ``pytest.UsageError``."""
    data = _read(path)
    wanted = ("id", "reason", "step", "failure")
    entries: list[KnownFailure] = []
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
        observed = entry.get("observed")
        if observed is not None and not isinstance(observed, str):
            raise pytest.UsageError(f"{path}: entry {number} ({entry['id']}): observed is a text, if given")
        versions = entry.get("versions")
        if versions is not None:
            try:
                sdk_versions.check_range(str(versions))
            except sdk_versions.VersionError as exc:
                raise pytest.UsageError(f"{path}: entry {number} ({entry['id']}): {exc}") from None
        entries.append(
            KnownFailure(
                id=str(entry["id"]),
                reason=str(entry["reason"]),
                step=str(entry["step"]),
                failure=str(entry["failure"]),
                observed=observed,
                versions=None if versions is None else str(versions),
            )
        )
    return entries


def client_version(config: pytest.Config) -> str | None:
    """The version of the client under test that known-failures ranges are matched against: from a bundled
    SDK client's name (``cometchat-js@4.0.5``; ``cometchat-js`` is the pinned version), else None."""
    if config.getoption("ringside_client_cmd") or config.getoption("ringside_client_url"):
        return None
    return sdk_versions.version_of(str(config.getoption("ringside_client")))


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
        item.stash[KNOWN_ENTRY] = entry.as_json(False, "")
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
    observed = f"{call.excinfo.typename}: {error}" if call.excinfo is not None else str(report.longrepr)
    if not isinstance(error, AssertionError):
        item.stash[KNOWN_ENTRY] = entry.as_json(False, observed)
        return  # an ERROR stays an error: it says nothing about the known deviation
    step = item.stash.get(FAILED_STEP, None)
    matched = entry.matches(step, str(error))
    item.stash[KNOWN_ENTRY] = entry.as_json(matched, observed)
    if matched:
        item.stash[KNOWN_VERDICT] = ("known-failure", entry.reason)
        report.outcome = "skipped"
        report.wasxfail = f"known failure: {entry.reason}"
        return
    differently = f"listed as a known failure, expected {entry.expectation()}, but it failed differently at {step!r}"
    item.stash[KNOWN_VERDICT] = ("failed", differently)
    report.sections.append(("ringside known failure", f"{entry.id} is {differently}"))


# -- ringside known-failures record ------------------------------------------------------------------

_ENTRY_START = re.compile(r"^-\s+id:\s*(?P<id>.+?)\s*$")
_FIELD = re.compile(r"^(?P<indent>\s+)(?P<key>\w+):")


def record_observed(path: Path, observed: dict[str, str], version: str | None = None) -> list[str]:
    """Write each listed scenario's observed failure text (``observed``: id → text) into the known-failures
    file ``path`` as its ``observed:`` field — into the entry that applies to the client ``version`` — keeping
    the file's comments and layout (entries written in block style; a file with other entries is rewritten
    plainly). Returns the ids written. Raises ``pytest.UsageError`` (one line) when the file cannot be read or
    names none of them."""
    entries = load(path, version)
    wanted = {i: t for i, t in observed.items() if i in entries}
    if not wanted:
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    done: set[str] = set()
    out: list[str] = []
    index = 0
    while index < len(lines):
        match = _ENTRY_START.match(lines[index])
        scenario = _unquote(match["id"]) if match else None
        if scenario is None or scenario not in wanted:
            out.append(lines[index])
            index += 1
            continue
        block = [lines[index]]
        index += 1
        while index < len(lines) and (lines[index].startswith((" ", "\t")) and lines[index].strip()):
            block.append(lines[index])
            index += 1
        if not _block_applies(block, version):  # another version's entry for the same scenario
            out += block
            continue
        indent = next((m["indent"] for line in block[1:] if (m := _FIELD.match(line))), "  ")
        kept: list[str] = [block[0]]
        skipping = False
        for line in block[1:]:
            field = _FIELD.match(line)
            if field and len(field["indent"]) == len(indent):
                skipping = field["key"] == "observed"
            if not skipping:
                kept.append(line)
        kept.append(f"{indent}observed: {json.dumps(wanted[scenario], ensure_ascii=False)}")
        out += kept
        done.add(scenario)
    text = "\n".join(out) + "\n"
    if done != set(wanted) or _reloads_wrong(text, wanted, version):
        text = _plain_dump(load_all(path), wanted, version)
    path.write_text(text, encoding="utf-8")
    return sorted(wanted)


def _block_applies(block: list[str], version: str | None) -> bool:
    try:
        data = yaml.safe_load("\n".join(block))
    except yaml.YAMLError:
        return True  # the plain rewrite below checks the result
    entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    versions = entry.get("versions")
    return versions is None or (version is not None and sdk_versions.in_range(version, str(versions)))


def _unquote(text: str) -> str:
    loaded = yaml.safe_load(text)
    return str(loaded) if loaded is not None else text


def _reloads_wrong(text: str, wanted: dict[str, str], version: str | None) -> bool:
    try:
        data = yaml.safe_load(text) or []
    except yaml.YAMLError:
        return True
    got = {
        str(e.get("id")): e.get("observed")
        for e in data
        if isinstance(e, dict)
        and (e.get("versions") is None or (version is not None and sdk_versions.in_range(version, str(e["versions"]))))
    }
    return any(got.get(i) != t for i, t in wanted.items())


def _plain_dump(entries: list[KnownFailure], wanted: dict[str, str], version: str | None) -> str:
    data = []
    for entry in entries:
        item = {"id": entry.id, "reason": entry.reason, "step": entry.step, "failure": entry.failure}
        if entry.versions is not None:
            item["versions"] = entry.versions
        observed = wanted.get(entry.id, entry.observed) if entry.applies_to(version) else entry.observed
        if observed is not None:
            item["observed"] = observed
        data.append(item)
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120))


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ringside known-failures record REPORT [--file FILE]``."""
    p = sub.add_parser("known-failures", help="maintain a known-failures list", description=__doc__)
    actions = p.add_subparsers(dest="action", required=True)
    record = actions.add_parser(
        "record",
        help="write the failure text each known failure showed in REPORT into the list (its observed: field)",
    )
    record.add_argument(
        "report", type=Path, nargs="?", default=Path("reports/latest"), help="report.json or run folder"
    )
    record.add_argument(
        "--file", type=Path, help="the known-failures list (default: the bundled client's list, for a bundled client)"
    )
    record.set_defaults(func=record_command)


def record_command(args: argparse.Namespace) -> int:
    from harness.report.shards import ShardError, load_report  # noqa: PLC0415 - imported on use

    try:
        report = load_report(args.report)
    except ShardError as exc:
        print(f"ringside known-failures: {exc}", file=sys.stderr)
        return 2
    target: Path | None = args.file
    if target is None:
        name = str(report["client"].get("name") or "")
        target = known_failures_file(name) if ":" not in name and not report["client"].get("command") else None
        if target is None:
            print(
                f"ringside known-failures: {name!r} is not a bundled client with a list of its own: say which with --file",
                file=sys.stderr,
            )
            return 2
    observed = {
        str(row["id"]): str(row["knownFailure"]["observed"])
        for row in report["scenarios"]
        if row["verdict"] == "known-failure" and (row.get("knownFailure") or {}).get("observed")
    }
    name = str(report["client"].get("name") or "")
    version = None if report["client"].get("command") else sdk_versions.version_of(name)
    try:
        written = record_observed(target, observed, version)
    except pytest.UsageError as exc:
        print(f"ringside known-failures: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"ringside known-failures: cannot write {target}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"ringside known-failures: recorded the observed failure of {len(written)} scenario(s) in {target}")
    return 0
