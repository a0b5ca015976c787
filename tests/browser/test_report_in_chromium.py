"""The compliance report really opens in a browser: a real run's report.html, rendered by Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
pytest_plugins = ["pytester"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

FEATURE = """\
Feature: Report
  @id-REP-001
  Scenario: Bob answers
    Given alice and bob are logged in
    When alice calls bob
    Then bob receives onIncomingCallReceived
    When bob accepts the call
    Then alice receives onOutgoingCallAccepted

  @id-REP-002
  Scenario: Bob never hears the cancel
    Given alice and bob are logged in
    When alice calls bob
    And alice cancels the call
    Then bob receives onIncomingCallCancelled
"""


def test_a_real_report_renders_with_its_diagrams(pytester: pytest.Pytester, tmp_path: Path) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    pytester.makefile(".feature", report=FEATURE)
    pytester.makepyfile(test_report='from pytest_bdd import scenarios\n\nscenarios("report.feature")\n')
    result = pytester.runpytest_subprocess(
        "--ringside-client", "python:skip-cancelled-callback", "--ringside-report-dir", "rep", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, failed=1)
    page_file = pytester.path / "rep" / "latest" / "report.html"
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(page_file.as_uri())
            assert page.title() == "ringside compliance: python:skip-cancelled-callback"
            assert page.locator(".badges span").all_inner_texts()[:2] == ["1 passed", "1 failed"]
            failed = page.locator("details#REP-002")
            assert failed.get_attribute("open") is not None, "a failed scenario is open"
            assert "bob should have received onIncomingCallCancelled" in failed.inner_text()
            arrows = failed.locator("svg line[marker-end]")
            assert arrows.count() >= 6
            box = failed.locator("svg").bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 100, "the diagram is laid out"
            failed.screenshot(path=str(tmp_path / "rep-002.png"))
        finally:
            browser.close()
