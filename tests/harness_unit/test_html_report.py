"""report.html: self-contained, escaped, failures first, filterable, with steps, diffs and a diagram per scenario.

On hand-made reports: a version 1 report (no compliance, latency or diffs) and a version 2 one (the
report.json v2 contract: tiers, sections, previous verdicts, mismatches, latency)."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from harness.report import html, html_assets
from harness.report.schemas import assert_valid

PARTIES = [
    {"name": "alice", "uid": "alice", "tag": "s1-alice", "resource": "dev-a"},
    {"name": "bob", "uid": "bob", "tag": "s1-bob", "resource": "dev-b"},
]
TIMELINE = [
    {"seq": 1, "t": 100.0, "kind": "http.request", "method": "POST", "path": "/v3.0/calls", "device": "dev-a"},
    {
        "seq": 2,
        "t": 100.0,
        "kind": "ws.out",
        "device": "dev-a",
        "status": "initiated",
        "stamp": "dev-a",
        "sessionId": "s",
    },
    {
        "seq": 3,
        "t": 100.0,
        "kind": "ws.out",
        "device": "dev-b",
        "status": "initiated",
        "stamp": "dev-a",
        "sessionId": "s",
    },
    {
        "seq": 4,
        "t": 100.0,
        "kind": "callback",
        "tag": "s1-bob",
        "callback": "onIncomingCallReceived",
        "status": "initiated",
    },
    {
        "seq": 5,
        "t": 103.5,
        "kind": "http.request",
        "method": "PUT",
        "path": "/v3.0/calls/s",
        "device": "dev-b",
        "move": "busy",
    },
    {
        "seq": 6,
        "t": 103.5,
        "kind": "http.response",
        "device": "dev-b",
        "error": "ERR_CALL_ALREADY_ENDED",
        "httpStatus": 409,
    },
    {
        "seq": 7,
        "t": 104.0,
        "kind": "ws.out",
        "device": "script-ring-x",
        "uid": "ring-x",
        "status": "initiated",
        "sessionId": "s",
    },
]


def report(verdict: str = "failed", failure: str | None = "bob <never> got it & more") -> dict[str, Any]:
    row = {
        "id": "X-001",
        "name": "Bob <answers>",
        "feature": "x.feature",
        "nodeid": "n",
        "tags": ["must"],
        "verdict": verdict,
        "duration": 0.5,
        "failure": failure,
        "reason": None,
        "oracleNotes": ["note <1>"],
        "timeline": TIMELINE,
        "parties": PARTIES,
    }
    return {
        "reportVersion": 1,
        "tool": {"name": "ringside", "version": "0.1.0"},
        "client": {"name": "python", "service": "svc", "version": "1", "capabilities": ["virtual-time"]},
        "startedAt": 0.0,
        "finishedAt": 1.0,
        "duration": 1.0,
        "summary": {"total": 1, "passed": 0, "failed": 1, "error": 0, "skipped": 0, "known_failure": 0},
        "scenarios": [row],
    }


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, dict(attrs)))


def parsed(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(page)
    return parser.seen


def test_the_page_is_self_contained_and_escapes_everything() -> None:
    page = html.render(report())
    tags = parsed(page)
    scripts = [attrs for t, attrs in tags if t == "script"]
    assert scripts == [{}], "one inline script, nothing loaded"
    assert not [t for t, attrs in tags if t in ("link", "img", "iframe", "object", "embed")]
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    assert "bob &lt;never&gt; got it &amp; more" in page and "<never>" not in page
    assert "Bob &lt;answers&gt;" in page and "note &lt;1&gt;" in page


def test_a_failed_scenario_is_a_closed_details_with_its_diagram() -> None:
    tags = parsed(html.render(report()))
    details = [attrs for t, attrs in tags if t == "details"]
    assert [(d["id"], d["class"], "open" in d) for d in details] == [("X-001", "scenario", False)]
    assert sum(1 for t, _ in tags if t == "svg") == 1
    arrows = [attrs for t, attrs in tags if t == "line" and attrs.get("marker-end")]
    assert len(arrows) == 6, "request, two frames, busy request, error reply, scripted user's frame"
    assert all(a["marker-end"] == "url(#arrow-X-001)" for a in arrows)


def test_the_diagram_names_its_lanes_and_marks_echoes() -> None:
    svg = html.sequence_diagram(TIMELINE, PARTIES, key="k")
    assert [lane for lane in (">alice<", ">ringside<", ">bob<", ">ring-x<") if lane in svg] == [
        ">alice<",
        ">ringside<",
        ">bob<",
        ">ring-x<",
    ]
    assert "initiated (own echo)" in svg and "PUT calls/… busy" in svg and "✗ ERR_CALL_ALREADY_ENDED" in svg
    assert "+3.5s" in svg and "onIncomingCallReceived" in svg


# -- report.json v2 -------------------------------------------------------------------------------

COUNTS = {"total": 0, "passed": 0, "passed_late": 0, "failed": 0, "error": 0, "skipped": 0, "known_failure": 0}


def v2_row(row_id: str, verdict: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": row_id,
        "name": f"scenario {row_id}",
        "feature": "accept/accept.feature",
        "nodeid": f"n::{row_id}",
        "tags": [f"id-{row_id}", "must", "spec-accept"],
        "verdict": verdict,
        "duration": 0.25,
        "failure": None,
        "reason": None,
        "oracleNotes": [],
        "timeline": [],
        "parties": [],
        "clockSeconds": 0.0,
        "steps": [
            {"keyword": "Given", "text": "alice and bob are logged in", "outcome": "passed", "duration": 0.01},
            {"keyword": "Then", "text": "bob receives onIncomingCallReceived", "outcome": "passed", "duration": 0.02},
        ],
        "failedStep": None,
        "knownFailure": None,
        "tier": "must",
        "sections": ["accept"],
        "latency": [],
        "mismatch": None,
        "previousVerdict": verdict,
    }
    row.update(fields)
    return row


MISMATCH = {
    "expected": {"receiver": "bob", "type": "audio", "call": {"receiver": {"uid": "bob"}}, "tags": [1, 2]},
    "actual": {
        "receiverId": "bob",
        "type": "video",
        "call": {"receiver": {"uid": "<script>x()</script>"}},
        "tags": [1, 3],
    },
    "fields": [
        {"path": "receiver", "expected": "bob", "actual": None, "kind": "missing"},
        {"path": "receiverId", "expected": None, "actual": "bob", "kind": "unexpected"},
        {"path": "type", "expected": "audio", "actual": "video", "kind": "changed"},
        {"path": "call.receiver.uid", "expected": "bob", "actual": "<script>x()</script>", "kind": "changed"},
        {"path": "tags[1]", "expected": 2, "actual": 3, "kind": "changed"},
    ],
}
FAILED_STEPS = [
    {"keyword": "Given", "text": "alice and bob are logged in", "outcome": "passed", "duration": 0.01},
    {"keyword": "When", "text": "alice calls bob", "outcome": "failed", "duration": 0.02},
    {"keyword": "Then", "text": "bob receives onIncomingCallReceived", "outcome": "not run", "duration": 0.0},
]


def v2_report() -> dict[str, Any]:
    rows = [
        v2_row("A-001", "passed"),
        v2_row(
            "A-002",
            "failed",
            failure="ComplianceViolation: the payload <script>alert('pwned')</script> differs",
            failedStep="When alice calls bob",
            steps=FAILED_STEPS,
            mismatch=MISMATCH,
            previousVerdict="passed",
            timeline=TIMELINE,
            parties=PARTIES,
        ),
        v2_row("A-003", "error", failure="AdapterError: boom", failedStep="Given alice and bob are logged in"),
        v2_row("A-004", "passed", previousVerdict="failed", tier="should", tags=["id-A-004", "should", "spec-reject"]),
        v2_row(
            "A-005",
            "known-failure",
            reason="SDK bug 12",
            failure="the same old thing",
            failedStep="After the scenario",
            knownFailure={
                "reason": "SDK bug 12",
                "step": None,
                "failure": "an older thing",
                "matched": True,
                "observed": "the same old thing",
                "recorded": "a recorded thing",
                "changed": True,
            },
        ),
        v2_row("A-006", "failed", failure="late", failedStep="When alice calls bob", steps=FAILED_STEPS),
        v2_row(
            "A-007",
            "passed-late",
            feature="reject/reject.feature",
            tags=["id-A-007", "robustness"],
            tier=None,
            sections=["robustness"],
            latency=[
                {"callback": "onIncomingCallReceived", "ms": 12.0, "frameSeq": 3, "callbackSeq": 4, "late": False},
                {"callback": "onOutgoingCallRejected", "ms": 300.5, "frameSeq": 8, "callbackSeq": 9, "late": True},
            ],
        ),
        v2_row("A-008", "skipped", reason="client lacks capability group-calls", previousVerdict=None),
    ]
    must = {**COUNTS, "total": 6, "passed": 1, "failed": 2, "error": 1, "known_failure": 1, "skipped": 1}
    return {
        "reportVersion": 2,
        "tool": {"name": "ringside", "version": "0.2.0"},
        "client": {"name": "python:<faulty>", "service": "svc", "version": "1", "capabilities": ["virtual-time"]},
        "startedAt": 0.0,
        "finishedAt": 2.0,
        "duration": 2.0,
        "complete": True,
        "latencyBudgetMs": 250,
        "summary": {
            "total": 8,
            "passed": 2,
            "passed_late": 1,
            "failed": 2,
            "error": 1,
            "skipped": 1,
            "known_failure": 1,
        },
        "assessment": {
            "verdict": "does-not-conform",
            "statement": "does not conform: 2 failed, 1 error",
            "declaredCapabilities": ["virtual-time"],
            "requiredCapabilities": [],
            "skippedFor": {"group-calls": 1},
            "failedByKind": {"spec": 2, "robustness": 0},
        },
        "compliance": {
            "tiers": {
                "must": {"passed": 1, "total": 6, "conforms": False, "statement": "does not conform at must: 1/6"},
                "should": {"passed": 1, "total": 1, "conforms": True, "statement": "conforms at should: 1/1"},
            },
            "sections": [
                {"section": "accept", "title": "Accept", "must": must, "should": dict(COUNTS)},
                {
                    "section": "reject",
                    "title": "Reject",
                    "must": dict(COUNTS),
                    "should": {**COUNTS, "total": 1, "passed": 1},
                },
                {"section": "robustness", "title": "Robustness", "must": dict(COUNTS), "should": dict(COUNTS)},
                {"section": "group", "title": "Group calls", "must": {**COUNTS, "skipped": 2}, "should": dict(COUNTS)},
            ],
        },
        "latency": {
            "budgetMs": 250,
            "byCallback": {
                "onIncomingCallReceived": {"count": 7, "p50Ms": 11.0, "p95Ms": 40.0, "maxMs": 48.5},
                "onOutgoingCallRejected": {"count": 1, "p50Ms": 300.5, "p95Ms": 300.5, "maxMs": 300.5, "late": 1},
            },
        },
        "scenarios": rows,
    }


VOID = {"meta", "br", "hr", "input", "img", "link", "area", "base", "col", "embed", "source", "track", "wbr"}


class Balance(HTMLParser):
    """Checks every element is closed in order (SVG's self-closing elements count as closed)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()


def details_ids(page: str) -> list[str]:
    return [str(attrs["id"]) for t, attrs in parsed(page) if t == "details" and attrs.get("class") == "scenario"]


def row_html(page: str, row_id: str) -> str:
    """One scenario's markup: from its <details> to the next scenario's (or the end of its group)."""
    start = page.index(f"<details id='{row_id}'")
    end = page.find("<details id=", start + 1)
    return page[start : end if end >= 0 else page.index("</section>", start)]


@pytest.mark.parametrize("make", [report, v2_report], ids=["v1", "v2"])
def test_every_element_is_closed_in_order(make: Any) -> None:
    checker = Balance()
    checker.feed(html.render(make()))
    checker.close()
    assert checker.stack == []


def test_failures_errors_and_changes_come_first_then_the_rest_in_catalogue_order() -> None:
    page = html.render(v2_report())
    assert details_ids(page) == ["A-002", "A-006", "A-003", "A-004", "A-005", "A-001", "A-007", "A-008"]
    attention, rest = page.index("id='attention'"), page.index("id='rest'")
    assert attention < page.index("id='A-002'") < page.index("id='A-005'") < rest < page.index("id='A-001'")
    assert "Failures, errors and changed verdicts (5)" in page and "in catalogue order (3)" in page


def test_rows_carry_what_the_filters_read_and_the_filters_offer_what_is_there() -> None:
    tags = parsed(html.render(v2_report()))
    rows = {attrs["id"]: attrs for t, attrs in tags if t == "details" and attrs.get("class") == "scenario"}
    assert rows["A-002"]["data-verdict"] == "failed" and rows["A-002"]["data-changed"] == "true"
    assert rows["A-004"]["data-tier"] == "should" and rows["A-004"]["data-changed"] == "true"
    assert rows["A-005"]["data-changed"] == "true", "a known failure that changed shape is a change"
    assert rows["A-001"]["data-changed"] == "false" and rows["A-008"]["data-changed"] == "false"
    assert rows["A-007"]["data-tier"] == "none" and rows["A-007"]["data-feature"] == "reject/reject.feature"
    assert rows["A-007"]["data-tags"] == "id-A-007 robustness"
    form = next(attrs for t, attrs in tags if t == "form")
    assert form["id"] == "filters" and "hidden" in form, "without the script there is no filter to show"

    def options(select: str) -> list[str | None]:
        page = html.render(v2_report())
        block = page[page.index(f"<select id='f-{select}'") : page.index("</select>", page.index(f"id='f-{select}'"))]
        return [attrs.get("value") for t, attrs in parsed(block) if t == "option"]

    assert options("verdict") == ["", "passed", "passed-late", "failed", "error", "known-failure", "skipped", "changed"]
    assert options("tier") == ["", "must", "should", "none"]
    assert options("feature") == ["", "accept/accept.feature", "reject/reject.feature"]
    assert options("tag") == ["", "must", "robustness", "should", "spec-accept", "spec-reject"]
    controls = [t for t, _ in tags if t in ("select", "input", "button")]
    assert controls.count("select") == 4 and "input" in controls and controls.count("button") == 3


def test_a_script_in_what_the_client_sent_is_text() -> None:
    page = html.render(v2_report())
    assert page.count("<script") == 1 and page.count("</script>") == 1
    script = page[page.index("<script>") + len("<script>") : page.index("</script>")]
    assert script == html_assets.SCRIPT
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page and "python:&lt;faulty&gt;" in page


def test_the_payload_diff_is_marked_field_by_field() -> None:
    page = html.render(v2_report())
    tags = parsed(page)
    diff_rows = [(a["data-path"], a["data-kind"], a["class"]) for t, a in tags if t == "tr" and "data-kind" in a]
    assert diff_rows == [
        ("receiver", "missing", "d-missing"),
        ("receiverId", "unexpected", "d-unexpected"),
        ("type", "changed", "d-changed"),
        ("call.receiver.uid", "changed", "d-changed"),
        ("tags[1]", "changed", "d-changed"),
    ]

    def marks(side: str) -> list[tuple[str | None, str | None]]:
        start = page.index(f"data-side='{side}'")
        pane = page[start : page.index("</pre>", start)]
        return [(a.get("data-path"), a.get("class")) for t, a in parsed("<pre " + pane) if t == "mark"]

    assert marks("expected") == [
        ("receiver", "d-missing"),
        ("type", "d-changed"),
        ("call.receiver.uid", "d-changed"),
        ("tags.1", "d-changed"),
    ]
    assert marks("actual") == [
        ("receiverId", "d-unexpected"),
        ("type", "d-changed"),
        ("call.receiver.uid", "d-changed"),
        ("tags.1", "d-changed"),
    ]
    assert re.search(
        r"<mark class='d-missing' data-path='receiver'>  &quot;receiver&quot;: &quot;bob&quot;,</mark>", page
    )


def test_the_failing_step_is_marked_and_the_rest_named() -> None:
    page = html.render(v2_report())
    row = row_html(page, "A-002")
    steps = [
        (a.get("data-outcome"), a.get("class"), "aria-current" in a)
        for t, a in parsed(row)
        if t == "li" and "data-outcome" in a
    ]
    assert steps == [
        ("passed", "step o-passed", False),
        ("failed", "step o-failed failing", True),
        ("not run", "step o-not-run", False),
    ]
    assert "✗ failed (the failing step)" in row and "failing step: <b>When alice calls bob</b>" in row
    assert "<svg" in row and "changed: was passed" in row
    known = row_html(page, "A-005")
    assert "After the scenario <span class='out'>✗ failed (the failing step)</span>" in known, "an after-scenario check"
    assert "an older thing" in known and "the same old thing" in known and "data-changed='true'" in known
    assert "observed when the list was updated</dt><dd><pre>a recorded thing" in known
    assert "known failure changed shape" in known


def test_the_compliance_table_and_the_tier_statements() -> None:
    tags = parsed(html.render(v2_report()))
    rows = [(a["data-section"], a["data-tier"]) for t, a in tags if t == "tr" and "data-section" in a]
    assert rows == [("accept", "must"), ("reject", "should"), ("group", "must")], "a tier with no scenario is left out"
    page = html.render(v2_report())
    accept = page[page.index("data-section='accept'") : page.index("</tr>", page.index("data-section='accept'"))]
    assert "1 / 6" in accept and "✗ no" in accept and "data-filter-tag='spec-accept'" in accept
    assert "<li class='no' data-tier='must' data-conforms='false'>does not conform at must: 1/6</li>" in page
    assert "<li class='yes' data-tier='should' data-conforms='true'>conforms at should: 1/1</li>" in page
    counts = {a["data-verdict"]: a["data-count"] for t, a in tags if t == "li" and "data-count" in a}
    assert counts == {
        "total": "8",
        "passed": "2",
        "passed-late": "1",
        "failed": "2",
        "error": "1",
        "known-failure": "1",
        "skipped": "1",
    }


def test_latency_per_callback_and_per_scenario() -> None:
    page = html.render(v2_report())
    table = page[page.index("<section id='latency'") : page.index("</section>", page.index("<section id='latency'"))]
    assert "the budget is 250 ms" in table
    assert "300.5 ms (over budget)" in table and "48.5 ms (over budget)" not in table
    assert "<th scope='col' class='n'>late</th>" in table and "<td class='n late'>1</td>" in table
    row = row_html(page, "A-007")
    assert "<tr class=late><td>onOutgoingCallRejected</td><td class='n'>300.5 ms</td>" in row
    assert "<span class='why'>late: onOutgoingCallRejected 300.5 ms after the server frame</span>" in row


def test_a_version_1_report_leaves_out_what_it_lacks() -> None:
    page = html.render(report())
    assert "id='compliance'" not in page and "id='latency'" not in page and "class='mismatch'" not in page
    body = page[page.index("<body>") : page.index("<script>")]
    assert "passed-late" not in body, "no passed-late count, filter or row"
    tags = parsed(page)
    row = next(a for t, a in tags if t == "details")
    assert row["data-tier"] == "must", "the tier comes from the tags"
    assert "interrupted" not in page


def test_an_interrupted_run_says_so() -> None:
    partial = copy.deepcopy(v2_report())
    partial["complete"] = False
    assert "This run was interrupted: the report holds only the 8 scenarios that finished." in html.render(partial)


def test_odd_values_do_not_break_the_page() -> None:
    odd = copy.deepcopy(v2_report())
    odd["latency"] = {"budgetMs": None, "byCallback": {"x": {"count": 1, "p50Ms": None}}}
    odd["compliance"] = {"tiers": None, "sections": None}
    odd["scenarios"][1]["mismatch"] = {"fields": [{"path": "$.a[0]", "kind": "weird"}]}
    odd["scenarios"][1]["steps"] = None
    page = html.render(odd)
    assert "id='compliance'" not in page and "data-kind='changed'" in page
    empty = html.render({"complete": False, "scenarios": []})
    assert "All scenarios, in catalogue order (0)" in empty and "holds only the 0 scenarios" in empty


def test_long_payloads_wait_behind_a_click_and_short_ones_show() -> None:
    page = html.render(v2_report())
    assert "<details class='payloads' open>" in page
    long = copy.deepcopy(v2_report())
    long["scenarios"][1]["mismatch"]["actual"]["raw"] = {f"k{i}": i for i in range(40)}
    page = html.render(long)
    assert "<details class='payloads'>" in page and "data-path='call.receiver.uid'" in page


@pytest.mark.parametrize(
    ("path", "normal"),
    [
        ("[1]", "1"),
        ("$.a[0].b", "a.0.b"),
        ("call.receiver.uid", "call.receiver.uid"),
        ("$[2]", "2"),
        ("tags[1]", "tags.1"),
    ],
)
def test_diff_paths_are_read_in_every_spelling(path: str, normal: str) -> None:
    assert html._norm_path(path) == normal


def test_a_list_payload_is_marked_by_index() -> None:
    marked = html._pretty(["onIncomingCallReceived", "onOutgoingCallAccepted"], {"1": "unexpected"})
    assert marked.splitlines()[2] == (
        "<mark class='d-unexpected' data-path='1'>  &quot;onOutgoingCallAccepted&quot;</mark> "
        "<span class='dl'>← unexpected</span>"
    )


def test_the_hand_made_v2_report_is_a_valid_report() -> None:
    """The fixture stays what ringside writes (report.schema.json), so these tests test the real contract."""
    assert_valid("report/report", v2_report())
