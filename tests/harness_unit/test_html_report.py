"""report.html: self-contained, escaped, one section and one sequence diagram per scenario."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from harness.report import html

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
    assert not [t for t, attrs in tags if t == "script" or (t in ("link", "img") and attrs)], (
        "no scripts, no external assets"
    )
    assert "bob &lt;never&gt; got it &amp; more" in page and "<never>" not in page
    assert "Bob &lt;answers&gt;" in page and "note &lt;1&gt;" in page


def test_a_failed_scenario_opens_with_its_diagram() -> None:
    tags = parsed(html.render(report()))
    details = [attrs for t, attrs in tags if t == "details"]
    assert details == [{"id": "X-001", "open": None}]
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


def test_a_passed_scenario_stays_closed() -> None:
    tags = parsed(html.render(report("passed", None)))
    assert [attrs for t, attrs in tags if t == "details"] == [{"id": "X-001"}]
