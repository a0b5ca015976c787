"""The compliance report really opens in a browser: a faulty client's report.html, read in Chromium.

A handful of catalogue scenarios run against ``python:no-call-duration`` (the reference client with
one deliberate defect: its Call objects carry no ``duration``), so some pass and some fail comparing
a payload. The page must then say what report.json says, list the failures first, filter to them,
and show the failing step, the expected vs actual diff and the sequence diagram of one; a screenshot
of that is kept as the test's artefact (its path is printed and recorded as a junit property).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.report import html

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: The faulty client and the scenarios: END-014/END-015 fail on the missing duration, the others pass.
CLIENT = "python:no-call-duration"
SCENARIOS = ("END-014", "ACC-009", "END-015", "REJ-001", "CAN-001")
#: Real seconds the run may take (it takes a few).
DEADLINE = 120


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required (.ci/run installs it)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """Where the faulty client's report.html is, and its report.json."""
    reports = tmp_path_factory.mktemp("reports")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "run",
            "--client",
            CLIENT,
            "--tags",
            " or ".join(f"id-{s}" for s in SCENARIOS),
            "--report-dir",
            str(reports),
        ],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    folder = reports / "latest"
    assert (folder / "report.html").exists(), done.stdout + done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    return folder / "report.html", json.loads((folder / "report.json").read_text())


def test_a_faulty_clients_report_reads_right_in_chromium(
    chromium: Any,
    faulty_run: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    page_file, report = faulty_run
    rows = report["scenarios"]
    failed = [r for r in rows if r["verdict"] == "failed"]
    assert sorted(r["id"] for r in rows) == sorted(SCENARIOS)
    assert {r["id"] for r in failed} == {"END-014", "END-015"}, "the defect is caught, and only there"
    assert report["reportVersion"] == 2
    assert all(r["mismatch"] and r["mismatch"]["fields"] for r in failed), "each failure compared a payload"

    errors: list[str] = []
    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_file.as_uri())
    assert page.title() == f"ringside compliance: {CLIENT}"

    # the numbers on the page are report.json's
    summary = report["summary"]
    shown = {
        li.get_attribute("data-verdict"): li.locator("strong").inner_text() for li in page.locator("#summary li").all()
    }
    expected = {"total": str(summary["total"])}
    expected |= {v: str(summary[v.replace("-", "_")]) for v in html.VERDICTS if v.replace("-", "_") in summary}
    assert shown == expected
    assert page.locator("#statement").inner_text() == report["assessment"]["statement"]
    tiers = report["compliance"]["tiers"]
    assert page.locator("ul.tiers li").all_inner_texts() == [tiers[t]["statement"] for t in ("must", "should")]
    table = page.locator("table.compliance tr[data-section]").evaluate_all(
        "rows => rows.map(r => [r.dataset.section, r.dataset.tier, r.querySelector('td.n').textContent])"
    )
    assert table == [
        [s["section"], tier, f"{s[tier]['passed'] + s[tier]['passed_late']} / {s[tier]['total']}"]
        for s in report["compliance"]["sections"]
        for tier in ("must", "should")
        if s[tier]["total"] or s[tier]["skipped"]
    ]
    latency = page.locator("table.latency tr[data-callback]").evaluate_all(
        "rows => rows.map(r => [r.dataset.callback, r.cells[2].textContent, r.cells[3].textContent])"
    )
    by_callback = report["latency"]["byCallback"]
    assert latency == [[c, f"{f['p50Ms']:.1f} ms", f"{f['p95Ms']:.1f} ms"] for c, f in sorted(by_callback.items())]
    assert latency, "callbacks were timed"

    # the failures come first
    order = page.locator("details.scenario").evaluate_all("rows => rows.map(r => [r.id, r.dataset.verdict])")
    assert len(order) == len(rows)
    assert [v for _, v in order[: len(failed)]] == ["failed"] * len(failed)
    assert [i for i, _ in order[len(failed) :]] == [r["id"] for r in rows if r["verdict"] != "failed"]

    # filtered to "failed", only the failed rows show
    page.select_option("#f-verdict", "failed")
    visible = page.locator("details.scenario:visible")
    assert visible.count() == len(failed)
    assert set(visible.evaluate_all("rows => rows.map(r => r.dataset.verdict)")) == {"failed"}
    assert page.locator("#f-count").inner_text() == f"showing {len(failed)} of {len(rows)} scenarios"

    # one of them, expanded: the failing step, the payload diff, the sequence diagram
    first = visible.first
    row = next(r for r in rows if r["id"] == first.get_attribute("id"))
    assert first.get_attribute("open") is None
    first.locator("summary").first.focus()
    page.keyboard.press("Enter")  # from the keyboard
    assert first.get_attribute("open") is not None
    failing = first.locator("ol.steps li.failing")
    assert failing.is_visible() and failing.get_attribute("aria-current") == "step"
    assert row["failedStep"] in " ".join(failing.inner_text().split())
    assert first.locator("pre.failure").inner_text().strip() == row["failure"].strip()
    diff = first.locator("table.diff tr[data-kind]")
    assert diff.count() == len(row["mismatch"]["fields"]) >= 1
    paths = diff.evaluate_all("rows => rows.map(r => r.dataset.path)")
    assert paths == [f["path"] for f in row["mismatch"]["fields"]]
    payloads = first.locator("details.payloads")
    if payloads.get_attribute("open") is None:
        payloads.locator("summary").click()
    marked = first.locator("pre[data-side='actual'] mark").evaluate_all("marks => marks.map(m => m.dataset.path)")
    assert marked == [html._norm_path(f["path"]) for f in row["mismatch"]["fields"] if f["kind"] != "missing"]
    assert first.locator("pre[data-side='actual'] mark").first.is_visible()
    diagram = first.locator("figure.diagram svg")
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100, "the diagram is laid out"
    assert first.locator("svg line[marker-end]").count() >= 6
    shot = tmp_path / f"report-{row['id']}.png"
    first.screenshot(path=str(shot))
    record_property("screenshot", str(shot))
    print(f"screenshot of the expanded failure: {shot}")

    # "show all" brings every row back
    page.get_by_role("button", name="show all").click()
    assert page.locator("details.scenario:visible").count() == len(rows)
    # a spec section's name lists its scenarios
    page.locator("table.compliance a[data-filter-tag='spec-end']").click()
    ended = [r["id"] for r in sorted(rows, key=lambda r: r["verdict"] != "failed") if "end" in r["sections"]]
    shown_text = f"showing {len(ended)} of {len(rows)} scenarios"
    page.wait_for_function(f"document.getElementById('f-count').textContent === '{shown_text}'")
    assert page.locator("#f-tag").input_value() == "spec-end"
    assert page.locator("details.scenario:visible").evaluate_all("rows => rows.map(r => r.id)") == ended
    assert errors == []
    page.close()

    # without JavaScript: every row listed, no filter that cannot work, a row still opens
    context = chromium.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(page_file.as_uri())
        assert plain.locator("details.scenario:visible").count() == len(rows)
        assert not plain.locator("#filters").is_visible()
        row_without_js = plain.locator("details.scenario").first
        row_without_js.locator("summary").first.click()
        assert row_without_js.locator("ol.steps").is_visible()
    finally:
        context.close()


def test_a_script_from_the_client_is_shown_not_run(chromium: Any, tmp_path: Path) -> None:
    evil = "<script>window.pwned = 1</script><img src=x onerror='window.pwned = 2'>"
    row = {
        "id": "X-001",
        "name": evil,
        "feature": "x.feature",
        "nodeid": "n",
        "tags": ["must"],
        "verdict": "failed",
        "duration": 0.5,
        "failure": f"ComplianceViolation: got {evil}",
        "failedStep": f"Then bob receives {evil}",
        "steps": [{"keyword": "Then", "text": f"bob receives {evil}", "outcome": "failed", "duration": 0.1}],
        "mismatch": {
            "expected": {"uid": "bob"},
            "actual": {"uid": evil},
            "fields": [{"path": "uid", "expected": "bob", "actual": evil, "kind": "changed"}],
        },
    }
    report = {
        "reportVersion": 2,
        "tool": {"name": "ringside", "version": "0"},
        "client": {"name": evil, "capabilities": []},
        "duration": 1.0,
        "summary": {"total": 1, "passed": 0, "failed": 1, "error": 0, "skipped": 0, "known_failure": 0},
        "assessment": {"verdict": "does-not-conform", "statement": evil},
        "scenarios": [row],
    }
    page_file = tmp_path / "report.html"
    page_file.write_text(html.render(report), encoding="utf-8")
    for scheme in ("light", "dark"):
        page = chromium.new_page(color_scheme=scheme)
        page.goto(page_file.as_uri() + "#X-001")
        assert page.evaluate("window.pwned") is None, "nothing the client sent ran"
        assert page.locator("img").count() == 0
        details = page.locator("details#X-001")
        assert details.get_attribute("open") is not None, "the script opens the scenario a link points at"
        assert evil in details.locator("pre.failure").inner_text()
        assert evil in page.locator("#statement").inner_text()
        colours = page.evaluate(
            "[getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]"
        )
        light_text = colours[0] != "rgb(31, 35, 40)"
        assert light_text == (scheme == "dark"), f"{scheme} scheme: text and background {colours}"
        page.close()
