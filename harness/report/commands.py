"""``ringside report``: compare two runs, merge shards, a CI job summary, a badge.

* ``compare A B`` — per scenario, what changed from report A (the baseline: the last release, the honest
  client) to report B (this build): new failures first, then regressions, fixes and other changes. Exit 1
  on a new failure or a must-tier regression, else 0.
* ``merge DIR… [-o OUT]`` — shards (run folders, reports folders, report.json files; a killed run's
  rows.jsonl) → one report, as a single run would have written it. One DIR without ``-o``: its report is
  made again in place (how a killed run gets its report).
* ``summary [REPORT]`` — Markdown for a CI job summary (appended to ``$GITHUB_STEP_SUMMARY`` when set).
* ``badge [REPORT] [-o FILE]`` — an SVG badge with the must-tier figure.

Every problem with the input is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from html import escape
from pathlib import Path
from typing import Any

from harness.report import compliance, shards
from harness.report.shards import ShardError

Json = dict[str, Any]
USAGE_EXIT = 2
#: How bad a verdict is, for regressions (failed and error alike).
RANK = {"passed": 0, "passed-late": 1, "skipped": 2, "known-failure": 3, "failed": 4, "error": 4}
DEFAULT_REPORT = Path("reports/latest")


def add_report_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ringside report …``."""
    p = sub.add_parser("report", help="compare, merge, summarise compliance reports", description=__doc__)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    actions = p.add_subparsers(dest="action", required=True)

    c = actions.add_parser("compare", help="what changed from report A to report B (exit 1 on a new failure)")
    c.add_argument("a", type=Path, help="the baseline: report.json, run folder or reports folder")
    c.add_argument("b", type=Path, help="the run to judge")
    c.add_argument("--json", action="store_true", help="the comparison as JSON")
    c.set_defaults(func=compare_command)

    m = actions.add_parser("merge", help="shards of one client's run → one report")
    m.add_argument("shards", type=Path, nargs="+", metavar="DIR", help="run folders, reports folders or report.json")
    m.add_argument(
        "-o",
        "--output",
        type=Path,
        help="folder for report.json, junit.xml, ctrf.json, report.html (default: in place for one DIR, "
        "else reports/<run> with reports/latest pointing at it)",
    )
    m.set_defaults(func=merge_command)

    s = actions.add_parser("summary", help="Markdown for a CI job summary ($GITHUB_STEP_SUMMARY when set)")
    s.add_argument("report", type=Path, nargs="?", default=DEFAULT_REPORT, help="default reports/latest")
    s.set_defaults(func=summary_command)

    b = actions.add_parser("badge", help="an SVG badge with the must-tier figure")
    b.add_argument("report", type=Path, nargs="?", default=DEFAULT_REPORT, help="default reports/latest")
    b.add_argument("-o", "--output", type=Path, help="write the SVG here (default: print it)")
    b.set_defaults(func=badge_command)


def _fail(message: str) -> int:
    print(f"ringside report: {message}", file=sys.stderr)
    return USAGE_EXIT


# -- compare -----------------------------------------------------------------------------------------


def compare(a: Json, b: Json) -> Json:
    """Per scenario id, what changed from report ``a`` to report ``b``.

    Groups: ``newFailures`` (failed/error in B, not in A — a scenario new in B included), ``regressions``
    (worse in B, not a new failure: e.g. passed → passed-late, passed → known-failure), ``fixed`` (failed/
    error in A, not in B), ``changed`` (any other change of verdict, and a known failure whose observed
    failure changed shape), ``added`` / ``removed`` (in one report only, not failing)."""
    rows_a = {r["id"]: r for r in a["scenarios"]}
    rows_b = {r["id"]: r for r in b["scenarios"]}
    groups: dict[str, list[Json]] = {k: [] for k in ("newFailures", "regressions", "fixed", "changed", "added")}
    removed: list[Json] = []
    for sid, row in rows_b.items():
        old = rows_a.get(sid)
        before = old["verdict"] if old else None
        after = row["verdict"]
        entry = {
            "id": sid,
            "name": row["name"],
            "tier": row.get("tier"),
            "before": before,
            "after": after,
            "failedStep": row.get("failedStep"),
            "failure": _first_line(row.get("failure") or row.get("reason") or ""),
        }
        if after in compliance.FAILING and before not in compliance.FAILING:
            groups["newFailures"].append(entry)
        elif before is None:
            groups["added"].append(entry)
        elif before in compliance.FAILING and after not in compliance.FAILING:
            groups["fixed"].append(entry)
        elif RANK.get(after, 0) > RANK.get(before, 0):
            groups["regressions"].append(entry)
        elif before != after:
            groups["changed"].append(entry)
        elif after == "known-failure" and (row.get("knownFailure") or {}).get("changed"):
            groups["changed"].append({**entry, "note": "the known failure's observed failure changed"})
    for sid, row in rows_a.items():
        if sid not in rows_b:
            removed.append({"id": sid, "name": row["name"], "tier": row.get("tier"), "before": row["verdict"]})
    must_regressions = [e for e in groups["newFailures"] + groups["regressions"] if e["tier"] != "should"]
    changed_ids = sorted({e["id"] for group in groups.values() for e in group} | {e["id"] for e in removed})
    return {
        "a": {"client": a["client"].get("name"), "summary": a["summary"]},
        "b": {"client": b["client"].get("name"), "summary": b["summary"]},
        **groups,
        "removed": removed,
        "changedIds": changed_ids,
        "unchanged": len(set(rows_a) & set(rows_b)) - len([i for i in changed_ids if i in rows_a and i in rows_b]),
        "regressed": bool(groups["newFailures"] or must_regressions),
    }


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0][:200] if lines else ""


_TITLES = {
    "newFailures": "new failures",
    "regressions": "regressions",
    "fixed": "fixed",
    "changed": "other changes",
    "added": "new scenarios",
    "removed": "scenarios no longer run",
}


def compare_text(result: Json, a: Path, b: Path) -> list[str]:
    lines = [
        f"ringside compare: {a} ({result['a']['client']}, {result['a']['summary']['total']} scenarios) → "
        f"{b} ({result['b']['client']}, {result['b']['summary']['total']} scenarios)"
    ]
    for key, title in _TITLES.items():
        entries = result[key]
        if not entries:
            continue
        lines.append(f"{title} ({len(entries)}):")
        for e in entries:
            tier = f"[{e['tier']}] " if e.get("tier") else ""
            arrow = f"{e.get('before') or 'absent'} → {e.get('after') or 'absent'}"
            lines.append(f"  {e['id']:10} {arrow:28} {tier}{e['name']}")
            if key == "newFailures" and e.get("failedStep"):
                lines.append(f"  {'':10} step: {e['failedStep']}")
            if key == "newFailures" and e.get("failure"):
                lines.append(f"  {'':10} {e['failure']}")
            if e.get("note"):
                lines.append(f"  {'':10} {e['note']}")
    lines.append(
        f"{len(result['changedIds'])} changed, {result['unchanged']} unchanged; "
        + ("REGRESSED (a new failure or a must-tier regression)" if result["regressed"] else "no regression")
    )
    return lines


def compare_command(args: argparse.Namespace) -> int:
    try:
        a = shards.load_any(args.a)
        b = shards.load_any(args.b)
        result = compare(a, b)
    except ShardError as exc:
        return _fail(str(exc))
    except (KeyError, TypeError) as exc:
        return _fail(f"not a ringside report ({type(exc).__name__}: {exc})")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(compare_text(result, args.a, args.b)))
    return 1 if result["regressed"] else 0


# -- merge -------------------------------------------------------------------------------------------


def merge_command(args: argparse.Namespace) -> int:
    try:
        loaded = [shards.load_shard(path) for path in args.shards]
        first = loaded[0]
        if args.output is not None:
            out, latest_dir = args.output, None
        elif (
            len(loaded) == 1
            and args.shards[0].is_dir()
            and ((args.shards[0] / "report.json").is_file() or (args.shards[0] / shards.ROWS_FILE).is_file())
        ):
            out, latest_dir = args.shards[0], None  # one run folder: its report, made again in place
        else:
            label = str(first.client.get("name") or "custom").replace(":", "_").replace("/", "_")
            run = compliance.run_id(label, min(s.started for s in loaded))
            latest_dir = Path("reports")
            out = latest_dir / run
        previous = compliance.previous_verdicts(out.resolve().parent, out.resolve().name)
        report = shards.merge(loaded, previous=previous)
    except ShardError as exc:
        return _fail(str(exc))
    try:
        if latest_dir is not None:
            written = compliance.write(report, latest_dir, out.name)
        else:
            written = compliance.write_files(report, out)
    except OSError as exc:
        return _fail(f"cannot write {out}: {exc.strerror}")
    s = report["summary"]
    state = "" if report["complete"] else " (incomplete: a shard was interrupted)"
    print(
        f"ringside report: merged {len(loaded)} shard(s), {s['total']} scenarios{state}: "
        f"{written / 'report.json'}, junit.xml, report.html"
    )
    for line in compliance.tier_lines(report):
        print(f"ringside report: {line}")
    return 0


# -- summary -----------------------------------------------------------------------------------------


def _cell(counts: Json) -> str:
    if not counts["total"]:
        return "-"
    passed = counts["passed"] + counts["passed_late"]
    ran = counts["total"] - counts["skipped"]
    extra = [
        f"{counts[k]} {label}"
        for k, label in (("failed", "failed"), ("error", "error"), ("known_failure", "known"), ("passed_late", "late"))
        if counts[k]
    ]
    mark = "✅" if not counts["failed"] and not counts["error"] else "❌"
    return f"{mark} {passed}/{ran}" + (f" ({', '.join(extra)})" if extra else "")


def summary_markdown(report: Json) -> str:
    """The report in Markdown: the statement, the compliance table, the failures, the latency figures."""
    client = report["client"]
    s = report["summary"]
    lines = [f"## ringside: {client.get('name')}", ""]
    if not report.get("complete", True):
        lines += ["> ⚠️ incomplete run: the rows so far", ""]
    lines.append(f"**{report['assessment']['statement']}**")
    lines.append("")
    tiers = report.get("compliance", {}).get("tiers", {})
    for tier in ("must", "should"):
        if tier in tiers and (tiers[tier]["total"] or tiers[tier].get("known_failure")):
            lines.append(f"- {'✅' if tiers[tier]['conforms'] else '❌'} {tiers[tier]['statement']}")
    lines.append(
        f"- {s['total']} scenarios: {s['passed']} passed, {s.get('passed_late', 0)} passed late, {s['failed']} failed, "
        f"{s['error']} errors, {s['skipped']} skipped, {s['known_failure']} known failures "
        f"in {report['duration']:.1f} s"
    )
    sections = report.get("compliance", {}).get("sections", [])
    if sections:
        lines += ["", "| section | must | should |", "|---|---|---|"]
        for sec in sections:
            lines.append(f"| {sec['title']} | {_cell(sec['must'])} | {_cell(sec['should'])} |")
    bad = [r for r in report["scenarios"] if r["verdict"] in compliance.FAILING]
    if bad:
        lines += ["", f"### Failures ({len(bad)})", ""]
        for row in bad[:50]:
            tier = f" `{row['tier']}`" if row.get("tier") else ""
            lines.append(f"- **{row['id']}** {_md(row['name'])}{tier} — {row['verdict']}")
            if row.get("failedStep"):
                lines.append(f"  - step: `{_md(row['failedStep'])}`")
            first = _first_line(row.get("failure") or row.get("reason") or "")
            if first:
                lines.append(f"  - {_md(first)}")
        if len(bad) > 50:
            lines.append(f"- … and {len(bad) - 50} more")
    changed = [r for r in report["scenarios"] if r.get("previousVerdict") and r["previousVerdict"] != r["verdict"]]
    if changed:
        lines += ["", f"### Changed since the previous run ({len(changed)})", ""]
        lines += [f"- **{r['id']}** {r['previousVerdict']} → {r['verdict']}" for r in changed[:50]]
    by = report.get("latency", {}).get("byCallback", {})
    if by:
        budget = report.get("latencyBudgetMs", report.get("latency", {}).get("budgetMs"))
        lines += ["", f"### Latency, server frame → callback (budget {budget:g} ms)", ""]
        lines += ["| callback | count | p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|"]
        for name, fig in by.items():
            lines.append(f"| {name} | {fig['count']} | {fig['p50Ms']:.1f} | {fig['p95Ms']:.1f} | {fig['maxMs']:.1f} |")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_command(args: argparse.Namespace) -> int:
    try:
        report = shards.load_any(args.report)
        text = summary_markdown(report)
    except ShardError as exc:
        return _fail(str(exc))
    except (KeyError, TypeError) as exc:
        return _fail(f"{args.report}: not a ringside report of version 2 ({type(exc).__name__}: {exc})")
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        try:
            with open(target, "a", encoding="utf-8") as out:
                out.write(text + "\n")
        except OSError as exc:
            return _fail(f"cannot append to $GITHUB_STEP_SUMMARY ({target}): {exc.strerror}")
        print(f"ringside report: summary appended to {target}")
    else:
        print(text, end="")
    return 0


# -- badge -------------------------------------------------------------------------------------------

BADGE_COLOURS = {"conforms": "#2ea44f", "known": "#dfb317", "fails": "#cb2431", "none": "#9f9f9f"}


def badge_figure(report: Json) -> tuple[str, str]:
    """(text, colour key) of the must tier: "110/119"; green when it conforms with no known failure, yellow
    when it conforms with known failures, red when it does not, grey when nothing of the tier ran."""
    tier = report.get("compliance", {}).get("tiers", {}).get("must")
    if not tier or not tier["total"]:
        return "not assessed", "none"
    text = f"{tier['passed']}/{tier['total']}"
    if not tier["conforms"]:
        return text, "fails"
    return text, "known" if tier.get("known_failure") else "conforms"


def badge_svg(label: str, value: str, colour: str) -> str:
    """A flat two-part badge (shields.io's layout), text widths estimated at 6.5 px a character."""
    left = int(len(label) * 6.5) + 12
    right = int(len(value) * 6.5) + 12
    width = left + right
    label_e, value_e = escape(label), escape(value)
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='20' role='img' "
        f"aria-label='{label_e}: {value_e}'><title>{label_e}: {value_e}</title>"
        f"<linearGradient id='s' x2='0' y2='100%'><stop offset='0' stop-color='#bbb' stop-opacity='.1'/>"
        f"<stop offset='1' stop-opacity='.1'/></linearGradient>"
        f"<clipPath id='r'><rect width='{width}' height='20' rx='3' fill='#fff'/></clipPath>"
        f"<g clip-path='url(#r)'><rect width='{left}' height='20' fill='#555'/>"
        f"<rect x='{left}' width='{right}' height='20' fill='{colour}'/>"
        f"<rect width='{width}' height='20' fill='url(#s)'/></g>"
        f"<g fill='#fff' text-anchor='middle' font-family='Verdana,Geneva,DejaVu Sans,sans-serif' font-size='11'>"
        f"<text x='{left / 2}' y='14'>{label_e}</text><text x='{left + right / 2}' y='14'>{value_e}</text></g></svg>\n"
    )


def badge_command(args: argparse.Namespace) -> int:
    try:
        report = shards.load_any(args.report)
        value, key = badge_figure(report)
    except ShardError as exc:
        return _fail(str(exc))
    except (KeyError, TypeError) as exc:
        return _fail(f"{args.report}: not a ringside report of version 2 ({type(exc).__name__}: {exc})")
    svg = badge_svg("ringside must", value, BADGE_COLOURS[key])
    if args.output is None:
        print(svg, end="")
        return 0
    try:
        args.output.write_text(svg, encoding="utf-8")
    except OSError as exc:
        return _fail(f"cannot write {args.output}: {exc.strerror}")
    print(f"ringside report: badge 'ringside must | {value}' in {args.output}")
    return 0
