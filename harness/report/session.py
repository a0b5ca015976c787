"""The pytest plugins that collect rows during the run and write the report as it goes and at the end.

:class:`RowBuilder` runs wherever scenarios run (the one pytest process, or each pytest-xdist worker):
it turns each phase's report into the scenario's :class:`~harness.report.collect.Row` and carries the
finished row on the teardown phase's report (``TestReport.user_properties``, as JSON; once per scenario),
with the client's service description.
:class:`ComplianceReport` runs on the controller only: it takes the rows off the reports it is told
about (its own, or the workers'), so a serial run and a parallel one build the report the same way.
Each finished scenario's row is appended to ``<run>/rows.jsonl`` at once (beside ``run.json``, what the
run is), so a run that is killed still leaves its rows (``ringside report merge <run>`` makes the
report of them); at the end — or at once on Ctrl-C / SIGTERM, then marked ``complete: false`` — the
report is built from the rows in catalogue order (:func:`harness.report.shards.assemble`, the code path
``ringside report merge`` uses too) and written.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

import orjson
import pytest

from harness.budget import milliseconds
from harness.report import compliance, shards
from harness.report.collect import (
    CLOCK_SECONDS,
    DEFAULT_LATENCY_BUDGET_MS,
    FAILED_STEP,
    JOURNAL,
    KNOWN_ENTRY,
    ORACLE_NOTES,
    PARTIES,
    SCENARIO,
    SERVICE_INFO,
    STEPS,
    Row,
    latencies,
    mismatch_of,
    scenario_tags,
    sections_of,
    stable_id,
    tier_of,
    verdict_of,
)
from mockserver.clock import RealClock
from mockserver.diagram import timeline
from mockserver.jsoncodec import encode_line

#: ``TestReport.user_properties`` names: the scenario's row so far, and the client's service description.
ROW_PROPERTY = "ringside-row"
SERVICE_PROPERTY = "ringside-service"
#: Item stash key: the item's place in the whole collection, before any filter.
POSITION = pytest.StashKey[int]()


#: Environment variable that sets the latency budget when the option is not given (a slow CI machine
#: can widen it once for every run instead of on every command line).
BUDGET_VARIABLE = "RINGSIDE_LATENCY_BUDGET"


def latency_budget(config: pytest.Config) -> float:
    """``--ringside-latency-budget`` (ms), else ``$RINGSIDE_LATENCY_BUDGET``, else the default."""
    value = config.getoption("ringside_latency_budget", default=None)
    if value is not None:
        return float(value)
    text = os.environ.get(BUDGET_VARIABLE, "").strip()
    if not text:
        return DEFAULT_LATENCY_BUDGET_MS
    try:
        return milliseconds(text)
    except ValueError:
        raise pytest.UsageError(f"{BUDGET_VARIABLE}={text!r}: wants a number of milliseconds, 0 or more") from None


class RowBuilder:
    """Registered in every process that runs scenarios: builds each scenario's row, phase by phase."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        #: draw timelines only when a report file will hold them
        self.timelines = config.getoption("ringside_report_dir") is not None
        self.budget = latency_budget(config)
        self.rows: dict[str, Row] = {}
        self._service_sent = False

    @pytest.hookimpl(tryfirst=True)  # before any filter (tags, -k) deselects: positions in the whole catalogue
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for index, item in enumerate(items):
            item.stash[POSITION] = index

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)  # outermost: sees the outcome after the plugin's changes
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        row = self.rows.get(item.nodeid)
        if row is None:
            scenario = getattr(item, "obj", None)
            bdd = getattr(scenario, "__scenario__", None)
            tags = scenario_tags(item)
            row = Row(
                id=stable_id(item),
                name=getattr(bdd, "name", item.name),
                feature=str(getattr(getattr(bdd, "feature", None), "rel_filename", item.path.name)),
                nodeid=item.nodeid,
                tags=tags,
                tier=tier_of(tags),
                sections=sections_of(tags),
                position=item.stash.get(POSITION, None),
            )
            self.rows[item.nodeid] = row
        row.duration += report.duration
        verdict, reason = verdict_of(item, report, call)
        # setup/teardown only matter when they did not pass; the call phase always decides
        if report.when == "call" or (verdict != "passed" and row.verdict in ("passed", "passed-late")):
            row.verdict, row.reason = verdict, reason
            if verdict in ("failed", "error", "known-failure"):
                row.failure = _failure_text(call, report)
                row.failed_step = item.stash.get(FAILED_STEP, None) or None
                if report.when == "call" and call.excinfo is not None:
                    row.mismatch = mismatch_of(call.excinfo.value)
        row.steps = [s.as_json() for s in item.stash.get(STEPS, [])]
        row.known_failure = item.stash.get(KNOWN_ENTRY, None)
        row.parties = item.stash.get(PARTIES, row.parties)
        journal = item.stash.get(JOURNAL, None)
        if journal is not None:
            del item.stash[JOURNAL]  # drawn once: the journal may be long
            if self.timelines:
                row.timeline = timeline(journal)
            row.latency = latencies(journal, row.parties, self.budget)
        if report.when == "call" and row.verdict == "passed":
            late = [entry for entry in row.latency if entry["late"]]
            if late:
                worst = max(late, key=lambda entry: float(entry["ms"]))
                row.verdict = "passed-late"
                row.reason = (
                    f"{len(late)} callback(s) later than the {self.budget:g} ms budget after their server frame; "
                    f"the latest: {worst['callback']} {worst['ms']:.0f} ms"
                )
        row.oracle_notes = item.stash.get(ORACLE_NOTES, row.oracle_notes)
        row.clock_seconds = item.stash.get(CLOCK_SECONDS, row.clock_seconds)
        if SCENARIO in item.stash:
            row.name, row.feature = item.stash[SCENARIO]
        info = self.config.stash.get(SERVICE_INFO, None)
        if info is not None and not self._service_sent:
            report.user_properties.append((SERVICE_PROPERTY, json.dumps(info, default=str)))
            self._service_sent = True
        if report.when == "teardown":
            # the row travels once, on the last phase's report: only a scenario that ran to its end counts,
            # and the whole row (timeline included) is costly to encode. Its fields are JSON values already:
            # encoded as they are (``dataclasses.asdict`` would deep-copy the timeline first, for nothing)
            report.user_properties.append((ROW_PROPERTY, encode_line(vars(row))))
            del self.rows[item.nodeid]


class ComplianceReport:
    """Registered on the controller: gathers the rows, writes them as they come, judges the run, writes
    the report."""

    def __init__(self, config: pytest.Config, directory: Path | None) -> None:
        self.config = config
        self.directory = directory
        self.rows: dict[str, Row] = {}
        self.clock = RealClock()
        self.started = self.clock.now()
        self.written: Path | None = None
        self.assessment: dict[str, Any] | None = None
        self.report: dict[str, Any] | None = None
        self.budget = latency_budget(config)
        self.strict = bool(config.getoption("ringside_strict", default=False))
        self._run: str | None = None
        #: node id → its place in the collection, so rows come out in the same order however they ran
        self.order: dict[str, int] = {}
        #: scenarios that ran to their end (their teardown came): a run stopped mid-scenario counts only these
        self.decided: set[str] = set()
        self._pending: list[Row] = []  #: finished rows not yet in rows.jsonl (the run folder not yet named)
        self._log: shards.RowLog | None = None
        self._sigterm: Any = None

    @property
    def run(self) -> str:
        """This run's folder name: its start time and the client's name (its service's, for your own client)."""
        if self._run is None:
            label = self._label()
            if label is None:
                return compliance.run_id("custom", self.started)  # not fixed until the service has answered
            self._run = compliance.run_id(label, self.started)
        return self._run

    def _label(self) -> str | None:
        custom = self.config.getoption("ringside_client_url") or self.config.getoption("ringside_client_cmd")
        info = self.config.stash.get(SERVICE_INFO, None)
        if not custom:
            return str(self.config.getoption("ringside_client"))
        if info is not None:
            return str(info.get("name") or "custom")
        return None

    # -- the run starts -----------------------------------------------------------------------------

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """SIGTERM (a CI job cancelled) ends the run like Ctrl-C: the report of the rows so far is written."""
        if threading.current_thread() is threading.main_thread():
            with contextlib.suppress(ValueError, OSError):
                if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
                    self._sigterm = signal.signal(signal.SIGTERM, _interrupt)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.order = {item.nodeid: index for index, item in enumerate(session.items)}

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if not self.order:
            self.order = {nodeid: index for index, nodeid in enumerate(ids)}

    # -- scenarios ------------------------------------------------------------------------------------

    def ordered_rows(self) -> list[Row]:
        """The rows in collection order (the order they finished in differs from run to run under xdist)."""
        last = len(self.order)
        return sorted(self.rows.values(), key=lambda row: self.order.get(row.nodeid, last))

    @pytest.hookimpl(tryfirst=True)  # before the console reads the row
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == ROW_PROPERTY:
                self.rows[report.nodeid] = Row(**orjson.loads(str(value)))
            elif name == SERVICE_PROPERTY and SERVICE_INFO not in self.config.stash:
                self.config.stash[SERVICE_INFO] = json.loads(str(value))
        if report.nodeid not in self.rows:
            return
        if report.when == "teardown":  # the scenario ran to its end: its row is final
            self.decided.add(report.nodeid)
            if self.directory is not None:
                self._pending.append(self.rows[report.nodeid])
                self._flush()

    def _flush(self) -> None:
        """Append the finished rows to ``rows.jsonl`` (once the run folder has its name)."""
        if self._log is None:
            if self._label() is None or self.directory is None:
                return
            self._log = shards.RowLog(self.directory / self.run)
            self._log.start(self._meta())
        for row in self._pending:
            self._log.append(row)
        self._pending.clear()

    def _client(self) -> dict[str, Any] | None:
        info = self.config.stash.get(SERVICE_INFO, None)
        if info is None:
            return None
        target = self.config.getoption("ringside_client_url") or self.config.getoption("ringside_client_cmd")
        return {
            "name": str(self.config.getoption("ringside_client") if not target else info.get("name", "custom")),
            "service": info.get("name"),
            "version": info.get("version"),
            "capabilities": sorted(info.get("capabilities", [])),
            "command": target,
            "transport": info.get("transport", "http"),  # in-process: the bundled reference client's fast path
            **(
                {"sdk": info["sdk"]} if isinstance(info.get("sdk"), dict) else {}
            ),  # the SDK package and version it drives
        }

    def _meta(self) -> dict[str, Any]:
        return {
            "client": self._client(),
            "startedAt": self.started,
            "requiredCapabilities": required_capabilities(self.config),
            "latencyBudgetMs": self.budget,
            "strict": self.strict,
            "scenarios": len(self.order),
        }

    # -- the end ----------------------------------------------------------------------------------

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self._sigterm is not None:
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signal.SIGTERM, self._sigterm)
        client = self._client()
        rows = [row for row in self.ordered_rows() if row.nodeid in self.decided]
        if client is None or not rows:
            return  # no client was ever started (nothing collected, or a usage error)
        interrupted = session.exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
        complete = not interrupted and len(rows) >= len(self.order)
        if self.directory is not None:
            with contextlib.suppress(OSError):
                self._flush()
        report = shards.assemble(
            rows,
            client=client,
            started=self.started,
            finished=self.clock.now(),
            required=required_capabilities(self.config),
            budget_ms=self.budget,
            complete=complete,
            previous=compliance.previous_verdicts(self.directory, self.run) if self.directory else {},
        )
        self.report = report
        self.assessment = report["assessment"]
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            failing = compliance.failing(report, strict=self.strict)
            not_assessed = self.assessment["verdict"] == "not-assessed"
            # a must-tier failure or error (with --ringside-strict: any failure, error or late pass), a stale
            # known failure, or a client not assessed fail the run; a should-tier failure alone does not
            session.exitstatus = pytest.ExitCode.TESTS_FAILED if failing or not_assessed else pytest.ExitCode.OK
        if self.directory is not None:
            self.written = compliance.write(report, self.directory, self.run)
            if self._log is not None:
                self._log.finish(complete=complete)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.assessment is not None:
            terminalreporter.write_line(f"ringside: {self.assessment['statement']}")
        if self.report is not None:
            for line in compliance.tier_lines(self.report, strict=self.strict):
                terminalreporter.write_line(f"ringside: {line}")
        if self.written is not None:
            terminalreporter.write_line(f"ringside: compliance report {self.written / 'report.json'}")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def required_capabilities(config: pytest.Config) -> list[str]:
    """``--ringside-require-capabilities a,b`` as a list."""
    text = str(config.getoption("ringside_require_capabilities") or "")
    return [c.strip() for c in text.split(",") if c.strip()]


def _failure_text(call: pytest.CallInfo[None], report: pytest.TestReport) -> str:
    if call.excinfo is not None and not isinstance(call.excinfo.value, pytest.skip.Exception):
        return f"{call.excinfo.typename}: {call.excinfo.value}"
    return str(report.longrepr)[-2000:]
