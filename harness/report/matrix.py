"""Several clients' reports side by side: ``ringside run --client all`` and the SDK version matrix.

``matrix.json`` (per scenario: each client's verdict, and why where it did not pass) and ``matrix.html`` (one
self-contained table), in ``<reports>/<stamp>-matrix/``, with ``latest-matrix`` pointing at the newest.

Two kinds:

* ``clients`` — different clients (``--client all``): rows where the clients disagree first.
* ``versions`` — every client is a published version of a CometChat SDK (``--client cometchat-js@4.0.0..4.2.0``,
  ``cometchat-js@all,cometchat-pro@3.0.13``): the columns are ordered by version, and each scenario carries
  the versions where its *behaviour* changed from the version before: ``regression`` (passed → failed),
  ``fix`` (failed → passed) or ``change`` (to or from an error or a skip). Behaviour compares classes of
  verdicts: passed and passed-late are a pass, failed and known-failure a failure (whether a failure is
  listed says nothing of the SDK), error and skipped each their own. Regressions and fixes come first, by
  version, then the other changes (to or from a skip or an error), then the scenarios that never passed
  anywhere, then the rest.
"""

from __future__ import annotations

import json
import os
import time
from html import escape
from pathlib import Path
from typing import Any

from harness.report.html import VERDICT_COLOURS
from mockserver.clock import RealClock

Json = dict[str, Any]

#: Verdict → behaviour class, for the changes between versions.
BEHAVIOUR = {
    "passed": "pass",
    "passed-late": "pass",
    "failed": "fail",
    "known-failure": "fail",
    "error": "error",
    "skipped": "skipped",
}
#: Short cell labels of the version matrix (the full verdict is the cell's title).
SHORT = {"passed": "✓", "passed-late": "✓L", "failed": "✗", "known-failure": "K", "error": "E", "skipped": "s"}


def sdk_of(report: Json) -> tuple[str, str] | None:
    """(package, version) of the SDK a report's client drove, from ``client.sdk`` (None for other clients)."""
    sdk = report["client"].get("sdk")
    if isinstance(sdk, dict) and sdk.get("name") and sdk.get("version"):
        return str(sdk["name"]), str(sdk["version"])
    return None


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (1 << 30,)


def note(scenario: Json) -> str | None:
    """Why a scenario did not pass, in one line: its known failure's reason, the skip's reason, or the
    failing step and the first line of its failure. None for a pass."""
    verdict = scenario["verdict"]
    if BEHAVIOUR.get(verdict) == "pass":
        return None
    if verdict == "known-failure":
        known = scenario.get("knownFailure") or {}
        return f"known failure: {known.get('reason') or scenario.get('reason') or ''}".strip()
    text = str(scenario.get("failure") or scenario.get("reason") or "").strip().splitlines()
    first = text[0] if text else verdict
    step = scenario.get("failedStep")
    return f"{step}: {first}" if step and verdict in ("failed", "error") else first


def build(reports: list[Json]) -> Json:
    """One row per scenario id with every client's verdict (absent: the client did not run it)."""
    found = [sdk_of(r) for r in reports]
    sdks = [s for s in found if s is not None]
    versions = len(reports) > 1 and len(sdks) == len(reports)
    if versions:
        paired = sorted(zip(sdks, reports, strict=True), key=lambda pair: _version_key(pair[0][1]))
        sdks, reports = [p[0] for p in paired], [p[1] for p in paired]
    clients = [str(r["client"]["name"]) for r in reports]
    rows: dict[str, Json] = {}
    for client, report in zip(clients, reports, strict=True):
        for scenario in report["scenarios"]:
            row = rows.setdefault(
                scenario["id"], {"id": scenario["id"], "name": scenario["name"], "verdicts": {}, "notes": {}}
            )
            row["verdicts"][client] = scenario["verdict"]
            why = note(scenario)
            if why:
                row["notes"][client] = why
    for row in rows.values():
        row["agree"] = len(set(row["verdicts"].values())) == 1 and len(row["verdicts"]) == len(clients)
        if versions:
            row["changes"] = changes(clients, row["verdicts"])
            row["firstChange"] = row["changes"][0] if row["changes"] else None
    if versions:
        column = {c: i for i, c in enumerate(clients)}

        def order(row: Json) -> tuple[int, int, str]:
            behaviour = [c for c in row["changes"] if c["kind"] in ("regression", "fix")]
            if behaviour:  # a regression or a fix first, by the version of the first one
                return (0, column[behaviour[0]["at"]], row["id"])
            if row["firstChange"]:  # then a change to or from a skip or an error
                return (1, column[row["firstChange"]["at"]], row["id"])
            never = all(BEHAVIOUR.get(v) != "pass" for v in row["verdicts"].values())
            return (2 if never else 3, 0, row["id"])

        ordered = sorted(rows.values(), key=order)
    else:
        ordered = sorted(rows.values(), key=lambda r: (len(set(r["verdicts"].values())) == 1, r["id"]))
    out: Json = {
        "kind": "versions" if versions else "clients",
        "clients": clients,
        "summaries": {c: r["summary"] for c, r in zip(clients, reports, strict=True)},
        "runs": {
            c: {
                "startedAt": r.get("startedAt"),
                "finishedAt": r.get("finishedAt"),
                "complete": r.get("complete", True),
                "tool": (r.get("tool") or {}).get("version"),
                "assessment": (r.get("assessment") or {}).get("statement"),
                "tiers": {
                    tier: {k: v for k, v in counts.items() if k != "statement"}
                    for tier, counts in ((r.get("compliance") or {}).get("tiers") or {}).items()
                },
            }
            for c, r in zip(clients, reports, strict=True)
        },
        "scenarios": ordered,
    }
    if versions:
        out["sdks"] = {c: {"name": name, "version": version} for c, (name, version) in zip(clients, sdks, strict=True)}
        out["changed"] = sum(1 for r in ordered if r["changes"])
    return out


def changes(clients: list[str], verdicts: dict[str, str]) -> list[Json]:
    """Where the behaviour changed from one version (that ran the scenario) to the next that did."""
    found: list[Json] = []
    before: tuple[str, str] | None = None
    for client in clients:
        verdict = verdicts.get(client)
        if verdict is None:
            continue
        if before is not None and BEHAVIOUR.get(verdict) != BEHAVIOUR.get(before[1]):
            was, now = BEHAVIOUR.get(before[1]), BEHAVIOUR.get(verdict)
            kind = (
                "regression"
                if (was, now) == ("pass", "fail")
                else "fix"
                if (was, now) == ("fail", "pass")
                else "change"
            )
            found.append({"at": client, "since": before[0], "from": before[1], "to": verdict, "kind": kind})
        before = (client, verdict)
    return found


def render(matrix: Json, links: dict[str, str] | None = None) -> str:
    """matrix.html; ``links`` maps a client to its report.html (each verdict links to its scenario)."""
    if matrix.get("kind") == "versions":
        return _render_versions(matrix, links or {})
    clients = matrix["clients"]
    links = links or {}
    differ = sum(1 for r in matrix["scenarios"] if not r["agree"])
    head = "".join(f"<th>{_e(c)}</th>" for c in clients)
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>ringside: client matrix</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>ringside: {len(clients)} clients side by side</h1>",
        f"<p>{len(matrix['scenarios'])} scenarios; the clients disagree on <b>{differ}</b> (listed first).</p>",
        "<table><tr><th>id</th><th>scenario</th>" + head + "</tr>",
    ]
    for row in matrix["scenarios"]:
        cells = "".join(_cell(row["verdicts"].get(c), links.get(c), row["id"]) for c in clients)
        css = "" if row["agree"] else " class='differ'"
        out.append(f"<tr{css}><td>{_e(row['id'])}</td><td>{_e(row['name'])}</td>{cells}</tr>")
    out.append("</table></body></html>")
    return "\n".join(out)


_CSS = (
    "body{font:14px system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem}"
    "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}"
    "th{background:#f6f8fa}td.v{color:#fff;font-weight:600;text-align:center}tr.differ td:first-child{border-left:4px solid #cf222e}"
    "table.versions th.ver{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:500;padding:.4rem .1rem}"
    "table.versions td.v{padding:.2rem .1rem;min-width:1.4rem}table.versions td.v a{color:#fff;text-decoration:none}"
    "td.change,td.id{white-space:nowrap}.regression{color:#cf222e;font-weight:600}.fix{color:#1a7f37;font-weight:600}"
)


def _render_versions(matrix: Json, links: dict[str, str]) -> str:
    clients = matrix["clients"]
    sdks = matrix.get("sdks", {})
    head = "".join(
        f"<th class='ver' title='{_e(sdks.get(c, {}).get('name', c))}'>{_e(_label(c, sdks))}</th>" for c in clients
    )
    legend = ", ".join(f"{_e(SHORT[v])} {_e(v)}" for v in SHORT)
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>ringside: SDK version matrix</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>ringside: {len(clients)} SDK versions side by side</h1>",
        f"<p>{len(matrix['scenarios'])} scenarios; behaviour changed between versions in <b>{matrix.get('changed', 0)}</b> "
        "(regressions and fixes first, by version; then other changes; then those no version passes). "
        f"Cells: {legend}. A cell's title says why it did not pass.</p>",
        "<table class='versions'><tr><th>id</th><th>scenario</th><th>first change</th>" + head + "</tr>",
    ]
    for row in matrix["scenarios"]:
        cells = "".join(
            _cell(row["verdicts"].get(c), links.get(c), row["id"], short=True, title=row["notes"].get(c))
            for c in clients
        )
        first = row.get("firstChange")
        every = "; ".join(
            f"{c['kind']} in {_label(c['at'], sdks)}: {c['from']} → {c['to']}" for c in row.get("changes", [])
        )
        change = (
            f"<span class='{_e(first['kind'])}' title='{_e(every)}'>{_e(first['kind'])}</span> in "
            f"{_e(_label(first['at'], sdks))}"
            + (f" (+{len(row['changes']) - 1} more)" if len(row["changes"]) > 1 else "")
            if first
            else ""
        )
        css = " class='differ'" if first else ""
        out.append(
            f"<tr{css}><td class='id'>{_e(row['id'])}</td><td>{_e(row['name'])}</td><td class='change'>{change}</td>{cells}</tr>"
        )
    out.append("</table></body></html>")
    return "\n".join(out)


def _label(client: str, sdks: dict[str, Any]) -> str:
    """A column's short label: the version, with ``v3`` packages named (``pro 3.0.13``)."""
    sdk = sdks.get(client)
    if not sdk:
        return client
    return str(sdk["version"]) if client.startswith("cometchat-js") else f"{client.partition('@')[0]} {sdk['version']}"


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _cell(
    verdict: str | None, link: str | None, scenario: str, *, short: bool = False, title: str | None = None
) -> str:
    if verdict is None:
        return "<td>—</td>"
    label = SHORT.get(verdict, verdict) if short else verdict
    text = _e(label) if link is None else f"<a style='color:#fff' href='{_e(link)}#{_e(scenario)}'>{_e(label)}</a>"
    hover = f" title='{_e(verdict + (': ' + title if title else ''))}'" if short else ""
    return f"<td class='v'{hover} style='background:{VERDICT_COLOURS.get(verdict, '#57606a')}'>{text}</td>"


def write(report_dirs: list[Path], directory: Path, *, command: str | None = None) -> Path:
    """Read each run's report.json, write the matrix in ``directory``, point ``latest-matrix`` at it;
    ``command``: the command line that made the runs (recorded in matrix.json)."""
    reports = [json.loads((d / "report.json").read_text(encoding="utf-8")) for d in report_dirs]
    matrix = build(reports)
    if command:
        matrix["command"] = command
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(RealClock().now()))
    out = directory / f"{stamp}-matrix"
    out.mkdir(parents=True, exist_ok=True)
    (out / "matrix.json").write_text(json.dumps(matrix, indent=2) + "\n", encoding="utf-8")
    by_client = {str(r["client"]["name"]): d for r, d in zip(reports, report_dirs, strict=True)}
    links = {c: os.path.relpath(by_client[c] / "report.html", out) for c in matrix["clients"]}
    (out / "matrix.html").write_text(render(matrix, links), encoding="utf-8")
    latest = directory / "latest-matrix"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    os.symlink(out.name, latest)
    return out
