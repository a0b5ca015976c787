"""``report.html``: the compliance report as one self-contained page a person can read.

One file, no network: inline CSS, a small inline script and inline SVG only. In reading order:

* the assessment (one statement), the per-tier statements ("conforms at must: 94/94") and the counts;
* the compliance table: spec sections (``@spec-*`` tags) x tier x verdict counts;
* per-callback latency (p50/p95/max from the server frame to the client's callback, with the budget);
* the scenarios: failures, errors and changed verdicts first, then the rest in catalogue order. Each
  is a ``<details>`` (its ``id`` is the scenario id, so ``report.html#ACC-001`` points at it) holding
  its Gherkin steps (the failing one marked), the failure, the expected vs actual payload diff field by
  field, the known-failure entry and what was observed, and a sequence diagram drawn from the journal
  excerpt: one lane per device (the mock server in the middle), requests and frames as arrows,
  listener callbacks as boxes on the lane of the device that reported them.

The script (harness/report/html_assets.py) only adds the filters (verdict, tier, feature, tag, text)
and opens the scenario a link points at; without it every row is listed and readable. A section whose
data a report lacks (a version 1 report has no compliance, latency or diffs) is left out. Everything
from the report is escaped: payloads and failure texts come from the client under test.
"""

from __future__ import annotations

import html
import json
from typing import Any

from harness.report.html_assets import SCRIPT, STYLE
from mockserver.diagram import sequence_diagram

Json = dict[str, Any]

#: Every verdict, in the order the page lists them (``summary`` keys use ``_`` for ``-``).
VERDICTS = ("passed", "passed-late", "failed", "error", "known-failure", "skipped")
#: Diagram colours of the verdicts (the page itself styles them in CSS, light and dark).
VERDICT_COLOURS = {
    "passed": "#1a7f37",
    "passed-late": "#0b6e79",
    "failed": "#cf222e",
    "error": "#9a6700",
    "skipped": "#6e7781",
    "known-failure": "#8250df",
}
#: Compliance table columns: (key in a section's tier counts, heading).
_COUNT_COLUMNS = (
    ("passed", "passed"),
    ("passed_late", "passed late"),
    ("failed", "failed"),
    ("error", "error"),
    ("known_failure", "known failure"),
    ("skipped", "skipped"),
)
_TIERS = ("must", "should")
_DIFF_KINDS = ("changed", "missing", "unexpected")
#: Payloads shorter than this many lines are shown in full at once; longer ones behind a click.
_SHORT_PAYLOAD = 30
CURRENT = " aria-current='step'"  #: marks the failing step for assistive technology


def render(report: Json) -> str:
    """The whole page for one report (version 1 or 2)."""
    client = report.get("client") or {}
    rows = list(report.get("scenarios") or [])
    title = f"ringside compliance: {client.get('name')}"
    parts = [
        "<!doctype html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<meta name='color-scheme' content='light dark'>",
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        "<header>",
        f"<h1>ringside compliance report: {_e(client.get('name'))}</h1>",
        _meta_line(report, client),
        _nav(report),
        "</header><main>",
        _assessment(report),
        _compliance(report.get("compliance")),
        _latency(report.get("latency"), report.get("latencyBudgetMs")),
        _scenarios(rows),
        "</main>",
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


# -- the top of the page -------------------------------------------------------------------------


def _meta_line(report: Json, client: Json) -> str:
    capabilities = ", ".join(str(c) for c in client.get("capabilities") or []) or "none"
    total = (report.get("summary") or {}).get("total", len(report.get("scenarios") or []))
    tool = report.get("tool") or {}
    return (
        f"<p class='muted'>service {_e(client.get('service'))} {_e(client.get('version'))} · "
        f"reached {_e(client.get('transport', 'http'))} · capabilities {_e(capabilities)} · "
        f"{_e(total)} scenarios in {_num(report.get('duration'), 1)} s · ringside {_e(tool.get('version'))} · "
        f"report version {_e(report.get('reportVersion'))}</p>"
    )


def _nav(report: Json) -> str:
    links = [("assessment", "Assessment")]
    if _sections_of(report.get("compliance")):
        links.append(("compliance", "Compliance by spec section"))
    if _by_callback(report.get("latency")):
        links.append(("latency", "Latency"))
    links.append(("scenarios", "Scenarios"))
    return (
        "<nav class='toc' aria-label='sections of this report'>"
        + "".join(f"<a href='#{a}'>{_e(t)}</a>" for a, t in links)
        + "</nav>"
    )


def _assessment(report: Json) -> str:
    out = ["<section id='assessment' aria-labelledby='h-assessment'><h2 id='h-assessment'>Assessment</h2>"]
    if report.get("complete") is False:
        out.append(
            "<p class='incomplete' role='alert'>This run was interrupted: the report holds only the "
            f"{len(report.get('scenarios') or [])} scenarios that finished.</p>"
        )
    assessment = report.get("assessment") or {}
    if assessment.get("statement"):
        verdict = str(assessment.get("verdict") or "")
        out.append(f"<p class='statement {_e(verdict)}' id='statement'>{_e(assessment['statement'])}</p>")
    tiers = (report.get("compliance") or {}).get("tiers") or {}
    statements = []
    for tier in [*_TIERS, *sorted(set(tiers) - set(_TIERS))]:
        figures = tiers.get(tier)
        if isinstance(figures, dict) and figures.get("statement"):
            yes = "yes" if figures.get("conforms") else "no"
            statements.append(
                f"<li class='{yes}' data-tier='{_e(tier)}' data-conforms='{str(bool(figures.get('conforms'))).lower()}'>"
                f"{_e(figures['statement'])}</li>"
            )
    if statements:
        out.append("<ul class='tiers' aria-label='conformance per tier'>" + "".join(statements) + "</ul>")
    out.append(_counts(report))
    out.append("</section>")
    return "\n".join(out)


def _counts(report: Json) -> str:
    summary = report.get("summary") or {}
    items = [
        f"<li data-verdict='total' data-count='{_e(summary.get('total', 0))}'>"
        f"<strong>{_e(summary.get('total', 0))}</strong> scenarios</li>"
    ]
    for verdict in VERDICTS:
        key = verdict.replace("-", "_")
        if key in summary:
            n = summary[key]
            items.append(
                f"<li class='v-{verdict}' data-verdict='{verdict}' data-count='{_e(n)}'>"
                f"<strong>{_e(n)}</strong> {_e(verdict.replace('-', ' '))}</li>"
            )
    return "<ul class='counts' id='summary' aria-label='scenarios per verdict'>" + "".join(items) + "</ul>"


def _sections_of(compliance: Any) -> list[Json]:
    if not isinstance(compliance, dict):
        return []
    return [s for s in compliance.get("sections") or [] if isinstance(s, dict)]


def _compliance(compliance: Any) -> str:
    sections = _sections_of(compliance)
    if not sections:
        return ""
    head = "".join(f"<th scope='col' class='n'>{_e(label)}</th>" for _, label in _COUNT_COLUMNS)
    out = [
        "<section id='compliance' aria-labelledby='h-compliance'>",
        "<h2 id='h-compliance'>Compliance by spec section</h2>",
        "<table class='compliance'><caption>Scenarios per spec section (the <code>@spec-*</code> tags) and tier: "
        "how many passed of how many, and every verdict counted. A section conforms at a tier when none of "
        "its scenarios failed or errored.</caption>",
        f"<thead><tr><th scope='col'>section</th><th scope='col'>tier</th><th scope='col' class='n'>passed / total</th>"
        f"{head}<th scope='col'>conforms</th></tr></thead><tbody>",
    ]
    for section in sections:
        name = str(section.get("section", ""))
        title = section.get("title") or name
        # a tier's total leaves skipped scenarios out: a tier whose scenarios were all skipped still shows
        tiers = [
            t
            for t in _TIERS
            if isinstance(section.get(t), dict) and (section[t].get("total") or section[t].get("skipped"))
        ]
        for i, tier in enumerate(tiers):
            counts = section[tier]
            passed = int(counts.get("passed", 0)) + int(counts.get("passed_late", 0))
            bad = int(counts.get("failed", 0)) + int(counts.get("error", 0))
            cells = []
            for key, _ in _COUNT_COLUMNS:
                n = counts.get(key, 0)
                style = (
                    "zero" if not n else "bad" if key in ("failed", "error") else "late" if key == "passed_late" else ""
                )
                cells.append(f"<td class='n {style}'>{_e(n)}</td>")
            label = (
                f"<th scope='rowgroup' rowspan='{len(tiers)}'><a href='#scenarios' data-filter-tag='{_e(_section_tag(name))}'>"
                f"{_e(title)}</a></th>"
                if i == 0
                else ""
            )
            out.append(
                f"<tr data-section='{_e(name)}' data-tier='{tier}'>{label}<td>{tier}</td>"
                f"<td class='n'>{passed} / {_e(counts.get('total', 0))}</td>{''.join(cells)}"
                f"<td class='{'bad' if bad else 'good'}'>{'✗ no' if bad else '✓ yes'}</td></tr>"
            )
    out.append("</tbody></table></section>")
    return "\n".join(out)


def _section_tag(section: str) -> str:
    return section if section == "robustness" else f"spec-{section}"


def _by_callback(latency: Any) -> dict[str, Json]:
    if not isinstance(latency, dict) or not isinstance(latency.get("byCallback"), dict):
        return {}
    return {str(k): v for k, v in latency["byCallback"].items() if isinstance(v, dict)}


def _latency(latency: Any, budget_default: Any) -> str:
    figures = _by_callback(latency)
    if not figures:
        return ""
    budget = (latency or {}).get("budgetMs", budget_default)
    late_column = any("late" in f for f in figures.values())
    out = [
        "<section id='latency' aria-labelledby='h-latency'><h2 id='h-latency'>Latency</h2>",
        "<table class='latency'><caption>Real time from the server frame that caused a callback to the "
        f"callback, per callback; the budget is {_num(budget, 0)} ms (a scenario whose callbacks were right but "
        "one came later than that is <em>passed late</em>).</caption>",
        "<thead><tr><th scope='col'>callback</th><th scope='col' class='n'>count</th><th scope='col' class='n'>p50</th>"
        "<th scope='col' class='n'>p95</th><th scope='col' class='n'>max</th><th scope='col' class='n'>budget</th>"
        + ("<th scope='col' class='n'>late</th>" if late_column else "")
        + "</tr></thead><tbody>",
    ]
    for callback, f in sorted(figures.items()):
        cells = []
        for key in ("p50Ms", "p95Ms", "maxMs"):
            value = f.get(key)
            over = isinstance(value, (int, float)) and isinstance(budget, (int, float)) and value > budget
            cells.append(
                f"<td class='n{' bad' if over else ''}'>{_num(value, 1)} ms{' (over budget)' if over else ''}</td>"
            )
        out.append(
            f"<tr data-callback='{_e(callback)}'><th scope='row'>{_e(callback)}</th>"
            f"<td class='n'>{_e(f.get('count', ''))}</td>{''.join(cells)}<td class='n'>{_num(budget, 0)} ms</td>"
            + (f"<td class='n{' late' if f.get('late') else ''}'>{_e(f.get('late', ''))}</td>" if late_column else "")
            + "</tr>"
        )
    out.append("</tbody></table></section>")
    return "\n".join(out)


# -- the scenarios -------------------------------------------------------------------------------


def _tier(row: Json) -> str:
    tier = row.get("tier")
    if tier:
        return str(tier)
    tags = row.get("tags") or []
    return next((t for t in _TIERS if t in tags), "none")


def changed(row: Json) -> bool:
    """The verdict differs from the previous run's (``previousVerdict``), or a known failure changed shape."""
    previous = row.get("previousVerdict")
    known = row.get("knownFailure") or {}
    return (previous is not None and previous != row.get("verdict")) or bool(known.get("changed"))


def attention(row: Json) -> int | None:
    """Where a row goes in the list that comes first: failed (0), error (1), changed (2); else None."""
    if row.get("verdict") == "failed":
        return 0
    if row.get("verdict") == "error":
        return 1
    return 2 if changed(row) else None


def ordered(rows: list[Json]) -> tuple[list[Json], list[Json]]:
    """(the rows that need attention, failures first, then errors, then changes; the rest), each in
    catalogue order otherwise."""
    first = sorted((r for r in rows if attention(r) is not None), key=lambda r: attention(r) or 0)
    return first, [r for r in rows if attention(r) is None]


def _scenarios(rows: list[Json]) -> str:
    first, rest = ordered(rows)
    out = [
        "<section id='scenarios' aria-labelledby='h-scenarios'><h2 id='h-scenarios'>Scenarios</h2>",
        _filters(rows),
    ]
    if first:
        out.append(
            "<section class='group' id='attention' aria-labelledby='h-attention'>"
            f"<h3 id='h-attention'>Failures, errors and changed verdicts ({len(first)})</h3>"
        )
        out.extend(_scenario(r) for r in first)
        out.append("</section>")
    heading = "All other scenarios, in catalogue order" if first else "All scenarios, in catalogue order"
    out.append(
        f"<section class='group' id='rest' aria-labelledby='h-rest'><h3 id='h-rest'>{heading} ({len(rest)})</h3>"
    )
    out.extend(_scenario(r) for r in rest)
    out.append("</section></section>")
    return "\n".join(out)


def _filters(rows: list[Json]) -> str:
    verdicts = [v for v in VERDICTS if any(r.get("verdict") == v for r in rows)]
    verdicts += sorted({str(r.get("verdict")) for r in rows} - set(verdicts))
    if any(changed(r) for r in rows):
        verdicts.append("changed")
    tiers = [t for t in (*_TIERS, "none") if any(_tier(r) == t for r in rows)]
    features = sorted({str(r.get("feature")) for r in rows})
    tags = sorted({str(t) for r in rows for t in r.get("tags") or [] if not str(t).startswith("id-")})
    return (
        "<form class='filters' id='filters' hidden aria-label='filter the scenarios'>"
        + _select("verdict", "verdict", verdicts)
        + _select("tier", "tier", tiers)
        + _select("feature", "feature", features)
        + _select("tag", "tag", tags)
        + "<label for='f-q'>text<input type='search' id='f-q' name='q' placeholder='id, name, step'></label>"
        "<button type='button' id='f-reset'>show all</button>"
        "<button type='button' id='f-expand'>expand shown</button>"
        "<button type='button' id='f-collapse'>collapse shown</button>"
        "<output id='f-count' for='f-verdict f-tier f-feature f-tag f-q' aria-live='polite'></output>"
        "</form>"
    )


def _select(name: str, label: str, values: list[str]) -> str:
    options = "".join(f"<option value='{_e(v)}'>{_e(v)}</option>" for v in values)
    return (
        f"<label for='f-{name}'>{_e(label)}<select id='f-{name}' name='{name}'>"
        f"<option value=''>all</option>{options}</select></label>"
    )


def _scenario(row: Json) -> str:
    verdict = str(row.get("verdict"))
    tier = _tier(row)
    tags = [str(t) for t in row.get("tags") or []]
    search = " ".join(str(x) for x in (row.get("id"), row.get("name"), row.get("feature"), row.get("failedStep")) if x)
    attrs = (
        f"id='{_e(row.get('id'))}' class='scenario' data-verdict='{_e(verdict)}' data-tier='{_e(tier)}' "
        f"data-feature='{_e(row.get('feature'))}' data-tags='{_e(' '.join(tags))}' "
        f"data-changed='{str(changed(row)).lower()}' data-search='{_e(search.lower())}'"
    )
    flags = []
    previous = row.get("previousVerdict")
    if previous is not None and previous != verdict:
        flags.append(f"<span class='flag' data-flag='changed'>changed: was {_e(previous)}</span>")
    if (row.get("knownFailure") or {}).get("changed"):
        flags.append("<span class='flag' data-flag='known-failure-changed'>known failure changed shape</span>")
    why = ""
    if verdict in ("failed", "error", "known-failure") and row.get("failedStep"):
        why = f"<span class='why'>failing step: <b>{_e(row['failedStep'])}</b></span>"
    elif verdict == "passed-late" and isinstance(row.get("latency"), list):
        late = [e for e in row["latency"] if isinstance(e, dict) and e.get("late")]
        text = ", ".join(f"{e.get('callback')} {_fmt(e.get('ms'), 1)} ms" for e in late)
        why = f"<span class='why'>late: {_e(text)} after the server frame</span>" if late else ""
    elif verdict == "skipped" and row.get("reason"):
        why = f"<span class='why'>{_e(row['reason'])}</span>"
    out = [
        f"<details {attrs}><summary><span class='verdict v-{_e(verdict)}'>{_e(verdict)}</span> "
        f"<span class='id'>{_e(row.get('id'))}</span> <span class='name'>{_e(row.get('name'))}</span> "
        f"<span class='tier'>{_e(tier)}</span> <span class='muted'>{_e(row.get('feature'))}</span> "
        f"<span class='muted'>{_duration(row.get('duration'))}</span>{''.join(flags)}{why}</summary>",
        f"<p class='tags'>{_e(' '.join('@' + t for t in tags))}"
        + (f" · the server clock moved {_num(row['clockSeconds'], 1)} s" if row.get("clockSeconds") else "")
        + (f" · previous run: {_e(previous)}" if previous is not None else "")
        + "</p>",
    ]
    if row.get("reason") and verdict != "known-failure":
        out.append(f"<p><i>{_e(row['reason'])}</i></p>")
    out.append(_known_failure(row))
    out.append(_steps(row))
    if row.get("failure") and verdict != "known-failure":
        out.append(f"<h4>Failure</h4><pre class='failure'>{_e(row['failure'])}</pre>")
    out.append(_mismatch(row.get("mismatch")))
    if row.get("oracleNotes"):
        out.append(
            "<h4>Oracle notes</h4><ul class='notes'>"
            + "".join(f"<li>{_e(n)}</li>" for n in row["oracleNotes"])
            + "</ul>"
        )
    out.append(_row_latency(row.get("latency")))
    if row.get("timeline"):
        out.append(
            "<figure class='diagram'>"
            + sequence_diagram(row["timeline"], row.get("parties") or [], key=str(row.get("id")))
            + "<figcaption class='muted'>Sequence diagram: requests and frames as arrows, callbacks as boxes "
            "on the lane of the device that reported them.</figcaption></figure>"
        )
    out.append("</details>")
    return "\n".join(p for p in out if p)


def _known_failure(row: Json) -> str:
    known = row.get("knownFailure")
    if not isinstance(known, dict) and row.get("verdict") != "known-failure":
        return ""
    known = known if isinstance(known, dict) else {}
    observed = known.get("observed") or row.get("failure")
    out = ["<div class='kf'><h4>Known failure</h4><dl>"]
    reason = known.get("reason") or row.get("reason")
    if reason:
        out.append(f"<dt>reason</dt><dd>{_e(reason)}</dd>")
    if known.get("step"):
        out.append(f"<dt>listed at step</dt><dd>{_e(known['step'])}</dd>")
    if known.get("failure"):
        out.append(f"<dt>listed failure</dt><dd><pre>{_e(known['failure'])}</pre></dd>")
    if known.get("recorded"):
        out.append(f"<dt>observed when the list was updated</dt><dd><pre>{_e(known['recorded'])}</pre></dd>")
    if observed:
        out.append(f"<dt>observed this run</dt><dd><pre class='failure'>{_e(observed)}</pre></dd>")
    if "changed" in known:
        text = (
            "yes: the observed failure differs from the one recorded in the list"
            if known["changed"]
            else "no: the same failure as recorded"
        )
        out.append(f"<dt>changed</dt><dd data-changed='{str(bool(known['changed'])).lower()}'>{text}</dd>")
    out.append("</dl></div>")
    return "".join(out)


def _steps(row: Json) -> str:
    steps = [s for s in row.get("steps") or [] if isinstance(s, dict)]
    failed_step = row.get("failedStep")
    if not steps:
        return f"<p>failing step: <b class='failing-step'>{_e(failed_step)}</b></p>" if failed_step else ""
    marked = False
    items = []
    for step in steps:
        outcome = str(step.get("outcome", ""))
        line = f"{step.get('keyword', '')} {step.get('text', '')}".strip()
        failing = not marked and (outcome in ("failed", "error") or (outcome != "passed" and line == failed_step))
        marked = marked or failing
        label = f"✗ {outcome} (the failing step)" if failing else outcome
        items.append(
            f"<li class='step o-{_e(outcome.replace(' ', '-'))}{' failing' if failing else ''}' data-outcome='{_e(outcome)}'"
            f"{CURRENT if failing else ''}>"
            f"<span class='kw'>{_e(step.get('keyword'))}</span> {_e(step.get('text'))} "
            f"<span class='out'>{_e(label)}</span> <span class='out'>{'' if outcome == 'not run' else _duration(step.get('duration'))}</span></li>"
        )
    if failed_step and not marked:  # an after-scenario check, not a step of its own
        items.append(
            f"<li class='step o-failed failing' data-outcome='failed' aria-current='step'>{_e(failed_step)} "
            "<span class='out'>✗ failed (the failing step)</span></li>"
        )
    return "<h4>Steps</h4><ol class='steps'>" + "".join(items) + "</ol>"


# -- expected vs actual --------------------------------------------------------------------------


def _norm_path(path: Any) -> str:
    text = str(path).removeprefix("$").replace("[", ".").replace("]", "")
    return text.removeprefix(".")


def _mismatch(mismatch: Any) -> str:
    """The expected vs actual payload of a failing comparison: a table of the differing fields, then
    both payloads with those fields highlighted (changed, missing and unexpected styled apart, and named)."""
    if not isinstance(mismatch, dict):
        return ""
    fields = [f for f in mismatch.get("fields") or [] if isinstance(f, dict)]
    out = ["<div class='mismatch'><h4>Expected vs actual</h4>"]
    if fields:
        out.append(
            "<table class='diff'><caption>The fields that differ</caption><thead><tr><th scope='col'>field</th>"
            "<th scope='col'>difference</th><th scope='col'>expected</th><th scope='col'>actual</th></tr></thead><tbody>"
        )
        for f in fields:
            kind = str(f.get("kind", "changed"))
            kind = kind if kind in _DIFF_KINDS else "changed"
            expected = "(absent)" if kind == "unexpected" else _json(f.get("expected"))
            actual = "(absent)" if kind == "missing" else _json(f.get("actual"))
            out.append(
                f"<tr class='d-{kind}' data-kind='{kind}' data-path='{_e(f.get('path'))}'>"
                f"<td><code>{_e(f.get('path'))}</code></td><td>{kind}</td>"
                f"<td><code>{_e(expected)}</code></td><td><code>{_e(actual)}</code></td></tr>"
            )
        out.append("</tbody></table>")
    marks = {_norm_path(f.get("path")): str(f.get("kind", "changed")) for f in fields}
    expected_marks = {p: k for p, k in marks.items() if k in ("changed", "missing")}
    actual_marks = {p: k for p, k in marks.items() if k in ("changed", "unexpected")}
    if "expected" in mismatch or "actual" in mismatch:
        expected = _pretty(mismatch.get("expected"), expected_marks)
        actual = _pretty(mismatch.get("actual"), actual_marks)
        short = max(expected.count("\n"), actual.count("\n")) < _SHORT_PAYLOAD
        out.append(
            f"<details class='payloads'{' open' if short or not fields else ''}>"
            "<summary>the whole expected and actual payloads, the differences marked</summary><div class='panes'>"
            f"<div><h5>expected</h5><pre class='payload' data-side='expected'>{expected}</pre></div>"
            f"<div><h5>actual</h5><pre class='payload' data-side='actual'>{actual}</pre></div>"
            "</div></details>"
        )
    out.append("</div>")
    return "".join(out)


def _pretty(value: Any, marks: dict[str, str]) -> str:
    """``value`` as indented JSON, escaped, each marked path wrapped in ``<mark class='d-KIND'>``."""
    lines: list[str] = []

    def emit(v: Any, path: str, prefix: str, suffix: str, depth: int) -> None:
        pad = "  " * depth
        start = len(lines)
        if isinstance(v, dict) and v:
            lines.append(f"{pad}{prefix}{{")
            items = list(v.items())
            for i, (k, x) in enumerate(items):
                key = f"{path}.{k}" if path else str(k)
                emit(x, key, f"{_e(json.dumps(str(k)))}: ", "," if i < len(items) - 1 else "", depth + 1)
            lines.append(f"{pad}}}{suffix}")
        elif isinstance(v, list) and v:
            lines.append(f"{pad}{prefix}[")
            for i, x in enumerate(v):
                emit(x, f"{path}.{i}" if path else str(i), "", "," if i < len(v) - 1 else "", depth + 1)
            lines.append(f"{pad}]{suffix}")
        else:
            lines.append(f"{pad}{prefix}{_e(_json(v))}{suffix}")
        kind = marks.get(path) if path else None
        if kind:
            lines[start] = f"<mark class='d-{_e(kind)}' data-path='{_e(path)}'>{lines[start]}"
            lines[-1] = f"{lines[-1]}</mark> <span class='dl'>← {_e(kind)}</span>"

    emit(value, "", "", "", 0)
    return "\n".join(lines)


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def _row_latency(latency: Any) -> str:
    entries = [e for e in latency or [] if isinstance(e, dict)] if isinstance(latency, list) else []
    if not entries:
        return ""
    rows = "".join(
        f"<tr{' class=late' if e.get('late') else ''}><td>{_e(e.get('callback'))}</td><td class='n'>{_num(e.get('ms'), 1)} ms</td>"
        f"<td class='n'>{_e(e.get('frameSeq'))}</td><td class='n'>{_e(e.get('callbackSeq'))}</td>"
        f"<td>{'no: late' if e.get('late') else 'yes'}</td></tr>"
        for e in entries
    )
    return (
        "<h4>Latency</h4><table class='row-latency'><thead><tr><th scope='col'>callback</th>"
        "<th scope='col' class='n'>server frame → callback</th><th scope='col' class='n'>frame #</th>"
        f"<th scope='col' class='n'>callback #</th><th scope='col'>within budget</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _num(value: Any, digits: int) -> str:
    """A number to ``digits`` places, anything else as text; escaped."""
    return _e(_fmt(value, digits))


def _fmt(value: Any, digits: int) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "" if value is None else str(value)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)
