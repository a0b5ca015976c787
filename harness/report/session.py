"""The pytest plugins that collect rows during the run and write the report at the end.

:class:`RowBuilder` runs wherever scenarios run (the one pytest process, or each pytest-xdist worker):
it turns each phase's report into the scenario's :class:`~harness.report.collect.Row` and carries it
on the report itself (``TestReport.user_properties``, as JSON), with the client's service description.
:class:`ComplianceReport` runs on the controller only: it takes the rows off the reports it is told
about (its own, or the workers'), so a serial run and a parallel one build the report the same way,
and writes it at the end in collection order.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from harness.report import compliance
from harness.report.collect import (
    CLOCK_SECONDS,
    FAILED_STEP,
    JOURNAL,
    KNOWN_ENTRY,
    ORACLE_NOTES,
    PARTIES,
    SCENARIO,
    SERVICE_INFO,
    STEPS,
    Row,
    scenario_tags,
    stable_id,
    timeline,
    verdict_of,
)
from mockserver.clock import RealClock

#: ``TestReport.user_properties`` names: the scenario's row so far, and the client's service description.
ROW_PROPERTY = "ringside-row"
SERVICE_PROPERTY = "ringside-service"


class RowBuilder:
    """Registered in every process that runs scenarios: builds each scenario's row, phase by phase."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        #: draw timelines only when a report file will hold them
        self.timelines = config.getoption("ringside_report_dir") is not None
        self.rows: dict[str, Row] = {}
        self._service_sent = False

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)  # outermost: sees the outcome after the plugin's changes
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        row = self.rows.get(item.nodeid)
        if row is None:
            scenario = getattr(item, "obj", None)
            bdd = getattr(scenario, "__scenario__", None)
            row = Row(
                id=stable_id(item),
                name=getattr(bdd, "name", item.name),
                feature=str(getattr(getattr(bdd, "feature", None), "rel_filename", item.path.name)),
                nodeid=item.nodeid,
                tags=scenario_tags(item),
            )
            self.rows[item.nodeid] = row
        row.duration += report.duration
        verdict, reason = verdict_of(item, report, call)
        # setup/teardown only matter when they did not pass; the call phase always decides
        if report.when == "call" or (verdict != "passed" and row.verdict == "passed"):
            row.verdict, row.reason = verdict, reason
            if verdict in ("failed", "error", "known-failure"):
                row.failure = _failure_text(call, report)
                row.failed_step = item.stash.get(FAILED_STEP, None) or None
        row.steps = [s.as_json() for s in item.stash.get(STEPS, [])]
        row.known_failure = item.stash.get(KNOWN_ENTRY, None)
        journal = item.stash.get(JOURNAL, None)
        if journal is not None:
            del item.stash[JOURNAL]  # drawn once: the journal may be long
            if self.timelines:
                row.timeline = timeline(journal)
        row.oracle_notes = item.stash.get(ORACLE_NOTES, row.oracle_notes)
        row.parties = item.stash.get(PARTIES, row.parties)
        row.clock_seconds = item.stash.get(CLOCK_SECONDS, row.clock_seconds)
        if SCENARIO in item.stash:
            row.name, row.feature = item.stash[SCENARIO]
        report.user_properties.append((ROW_PROPERTY, json.dumps(dataclasses.asdict(row), default=str)))
        info = self.config.stash.get(SERVICE_INFO, None)
        if info is not None and not self._service_sent:
            report.user_properties.append((SERVICE_PROPERTY, json.dumps(info, default=str)))
            self._service_sent = True
        if report.when == "teardown":
            del self.rows[item.nodeid]


class ComplianceReport:
    """Registered on the controller: gathers the rows, judges the run, writes the report."""

    def __init__(self, config: pytest.Config, directory: Path | None) -> None:
        self.config = config
        self.directory = directory
        self.rows: dict[str, Row] = {}
        self.clock = RealClock()
        self.started = self.clock.now()
        self.written: Path | None = None
        self.assessment: dict[str, Any] | None = None
        self._run: str | None = None
        #: node id → its place in the collection, so rows come out in the same order however they ran
        self.order: dict[str, int] = {}

    @property
    def run(self) -> str:
        """This run's folder name: its start time and the client's name (its service's, for your own client)."""
        if self._run is None:
            custom = self.config.getoption("ringside_client_url") or self.config.getoption("ringside_client_cmd")
            info = self.config.stash.get(SERVICE_INFO, None)
            if not custom:
                label = str(self.config.getoption("ringside_client"))
            elif info is not None:
                label = str(info.get("name") or "custom")
            else:
                return compliance.run_id("custom", self.started)  # not fixed until the service has answered
            self._run = compliance.run_id(label, self.started)
        return self._run

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.order = {item.nodeid: index for index, item in enumerate(session.items)}

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if not self.order:
            self.order = {nodeid: index for index, nodeid in enumerate(ids)}

    def ordered_rows(self) -> list[Row]:
        """The rows in collection order (the order they finished in differs from run to run under xdist)."""
        last = len(self.order)
        return sorted(self.rows.values(), key=lambda row: self.order.get(row.nodeid, last))

    @pytest.hookimpl(tryfirst=True)  # before the console reads the row
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == ROW_PROPERTY:
                self.rows[report.nodeid] = Row(**json.loads(str(value)))
            elif name == SERVICE_PROPERTY and SERVICE_INFO not in self.config.stash:
                self.config.stash[SERVICE_INFO] = json.loads(str(value))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        info = self.config.stash.get(SERVICE_INFO, None)
        if info is None or not self.rows:
            return  # no client was ever started (nothing collected, or a usage error)
        target = self.config.getoption("ringside_client_url") or self.config.getoption("ringside_client_cmd")
        client = {
            "name": str(self.config.getoption("ringside_client") if not target else info.get("name", "custom")),
            "service": info.get("name"),
            "version": info.get("version"),
            "capabilities": sorted(info.get("capabilities", [])),
            "command": target,
            "transport": info.get("transport", "http"),  # in-process: the bundled reference client's fast path
        }
        report = compliance.build(
            self.ordered_rows(),
            client=client,
            started=self.started,
            finished=self.clock.now(),
            required=required_capabilities(self.config),
        )
        self.assessment = report["assessment"]
        if self.assessment["verdict"] == "not-assessed" and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED  # passing a few scenarios is no claim of conformance
        if self.directory is not None:
            self.written = compliance.write(report, self.directory, self.run)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.assessment is not None:
            terminalreporter.write_line(f"ringside: {self.assessment['statement']}")
        if self.written is not None:
            terminalreporter.write_line(f"ringside: compliance report {self.written / 'report.json'}")


def required_capabilities(config: pytest.Config) -> list[str]:
    """``--ringside-require-capabilities a,b`` as a list."""
    text = str(config.getoption("ringside_require_capabilities") or "")
    return [c.strip() for c in text.split(",") if c.strip()]


def _failure_text(call: pytest.CallInfo[None], report: pytest.TestReport) -> str:
    if call.excinfo is not None and not isinstance(call.excinfo.value, pytest.skip.Exception):
        return f"{call.excinfo.typename}: {call.excinfo.value}"
    return str(report.longrepr)[-2000:]
