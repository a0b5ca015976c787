"""``--ringside-console``: what ``ringside run`` prints instead of pytest's own output.

One block per failing scenario (its id and name, the Gherkin step that failed, the failure, where its
sequence diagram is), a progress line on long runs, and a closing summary that lists failed scenario
ids. Verdicts are read from the compliance report's rows, so the console and report.json agree.
``ringside run -v`` keeps pytest's own output instead.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import pytest

from harness.report import compliance
from harness.report.collect import Row
from harness.report.session import ComplianceReport
from mockserver.clock import RealClock

#: Lines of a failure message shown on the console (the report has all of it).
FAILURE_LINES = 12
_SHOWN = ("failed", "error")


class Console:
    """Registered by the plugin when ``--ringside-console`` is on (``ringside run`` turns it on)."""

    def __init__(self, config: pytest.Config, out: TextIO | None = None) -> None:
        self.config = config
        self.out = out or sys.stdout
        self.clock = RealClock()
        self.started = self.clock.now()
        self.last_progress = self.collected_at = self.started
        self.progress_every = float(config.getoption("ringside_progress_every"))
        self.total = 0
        self.done = 0
        self.finished: set[str] = set()

    def _say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    @property
    def _report(self) -> ComplianceReport | None:
        plugin = self.config.pluginmanager.get_plugin("ringside-report")
        return plugin if isinstance(plugin, ComplianceReport) else None

    # -- collection ---------------------------------------------------------------------------------

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            lines = str(report.longrepr).strip().splitlines()
            self._say(f"ringside: cannot collect {report.nodeid or 'the features'}: {lines[-1] if lines else ''}")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if session.items or not self.config.pluginmanager.hasplugin("dsession"):
            self._collected(len(session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        """Under pytest-xdist the controller collects nothing itself: each worker says what it collected."""
        if not self.total:
            self._collected(len(ids))

    def _collected(self, total: int) -> None:
        self.total = total
        self.last_progress = self.collected_at = self.clock.now()  # estimates leave out start-up (workers')
        tags = self.config.getoption("ringside_tags")
        chosen = f" (tags: {tags})" if tags else ""
        workers = getattr(self.config.option, "numprocesses", None)
        spread = f" in {workers} processes" if workers else ""
        self._say(f"ringside: {self.total} scenarios{chosen}{spread}")

    # -- scenarios ----------------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown" or report.nodeid in self.finished:
            return
        self.finished.add(report.nodeid)
        self.done += 1
        row = self._report.rows.get(report.nodeid) if self._report else None
        if row is not None and row.verdict in _SHOWN:
            self._failure(row)
        now = self.clock.now()
        if now - self.last_progress >= self.progress_every and self.done < self.total:
            self.last_progress = now
            self._say(f"ringside: {self._progress(now)}")

    def _progress(self, now: float) -> str:
        rows = list(self._report.rows.values()) if self._report else []
        failed = sum(1 for r in rows if r.verdict == "failed")
        errors = sum(1 for r in rows if r.verdict == "error")
        elapsed = now - self.collected_at
        left = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        return f"{self.done}/{self.total} scenarios, {failed} failed, {errors} errors, about {left:.0f} s left"

    def _failure(self, row: Row) -> None:
        word = "FAILED" if row.verdict == "failed" else "ERROR"
        self._say(f"\n{word} {row.id} {row.name}  ({row.feature})")
        if row.tier == "should":
            self._say("  tier: should (fails the run only with --strict)")
        if row.failed_step:
            self._say(f"  step: {row.failed_step}")
        lines = (row.failure or row.reason or "").strip().splitlines()
        for line in lines[:FAILURE_LINES]:
            self._say(f"  {line}")
        if len(lines) > FAILURE_LINES:
            self._say(f"  … {len(lines) - FAILURE_LINES} more lines in the report")
        html = self._html()
        if html is not None:
            self._say(f"  diagram: {html}#{row.id}")

    def _html(self) -> Path | None:
        report = self._report
        if report is None or report.directory is None:
            return None
        return report.directory / report.run / "report.html"

    # -- the end ------------------------------------------------------------------------------------

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        if isinstance(excinfo.value, pytest.exit.Exception):
            self._say(str(excinfo.value.msg))
        else:
            self._say("ringside: interrupted")

    @pytest.hookimpl(trylast=True)  # after the compliance report has been written
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        report = self._report
        # only scenarios that ran to the end: a run stopped in a scenario's set-up counts nothing for it
        rows = [r for r in report.ordered_rows() if r.nodeid in self.finished] if report else []
        if not rows:
            return
        counts = {v: sum(1 for r in rows if r.verdict == v) for v in ("passed", "failed", "error", "skipped")}
        known = sum(1 for r in rows if r.verdict == "known-failure")
        late = sum(1 for r in rows if r.verdict == "passed-late")
        elapsed = self.clock.now() - self.started
        self._say(
            f"\nringside: {counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors, "
            f"{counts['skipped']} skipped, {known} known failures{f', {late} passed late' if late else ''} "
            f"in {elapsed:.1f} s"
        )
        for verdict in _SHOWN:
            ids = [r.id for r in rows if r.verdict == verdict]
            if ids:
                self._say(f"ringside: {verdict}: {', '.join(ids)}")
        if report is not None and report.assessment is not None:
            self._say(f"ringside: {report.assessment['statement']}")
        if report is not None and report.report is not None:
            for line in compliance.tier_lines(report.report, strict=report.strict):
                self._say(f"ringside: {line}")
        if report is not None and report.written is not None:
            self._say(f"ringside: compliance report {report.written / 'report.html'}")


def register(config: pytest.Config) -> None:
    """Turn the console on (the plugin calls this for ``--ringside-console``)."""
    config.pluginmanager.register(Console(config), "ringside-console")
