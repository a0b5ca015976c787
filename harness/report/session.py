"""The pytest plugin object that collects rows during the run and writes the report at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.report import compliance
from harness.report.collect import (
    CLOCK_SECONDS,
    FAILED_STEP,
    KNOWN_ENTRY,
    ORACLE_NOTES,
    PARTIES,
    SCENARIO,
    SERVICE_INFO,
    STEPS,
    TIMELINE,
    Row,
    scenario_tags,
    stable_id,
    verdict_of,
)
from mockserver.clock import RealClock


class ComplianceReport:
    """Registered on the controller when ``--ringside-report-dir`` is given."""

    def __init__(self, config: pytest.Config, directory: Path | None) -> None:
        self.config = config
        self.directory = directory
        self.rows: dict[str, Row] = {}
        self.clock = RealClock()
        self.started = self.clock.now()
        self.written: Path | None = None
        self.assessment: dict[str, Any] | None = None
        self._run: str | None = None

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
        row.timeline = item.stash.get(TIMELINE, row.timeline)
        row.oracle_notes = item.stash.get(ORACLE_NOTES, row.oracle_notes)
        row.parties = item.stash.get(PARTIES, row.parties)
        row.clock_seconds = item.stash.get(CLOCK_SECONDS, row.clock_seconds)
        if SCENARIO in item.stash:
            row.name, row.feature = item.stash[SCENARIO]

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
        }
        report = compliance.build(
            list(self.rows.values()),
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
