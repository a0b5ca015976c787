"""The SDK-vs-SDK matrix: several clients' reports side by side (``ringside run --client all``).

``matrix.json`` (per scenario: each client's verdict) and ``matrix.html`` (one self-contained table,
rows where the clients disagree first), in ``<reports>/<stamp>-matrix/``, with ``latest-matrix``
pointing at the newest.
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


def build(reports: list[Json]) -> Json:
    """One row per scenario id with every client's verdict (absent: the client did not run it)."""
    clients = [str(r["client"]["name"]) for r in reports]
    rows: dict[str, Json] = {}
    for client, report in zip(clients, reports, strict=True):
        for scenario in report["scenarios"]:
            row = rows.setdefault(scenario["id"], {"id": scenario["id"], "name": scenario["name"], "verdicts": {}})
            row["verdicts"][client] = scenario["verdict"]
    ordered = sorted(rows.values(), key=lambda r: (len(set(r["verdicts"].values())) == 1, r["id"]))
    for row in ordered:
        row["agree"] = len(set(row["verdicts"].values())) == 1 and len(row["verdicts"]) == len(clients)
    return {
        "clients": clients,
        "summaries": {c: r["summary"] for c, r in zip(clients, reports, strict=True)},
        "scenarios": ordered,
    }


def render(matrix: Json, links: dict[str, str] | None = None) -> str:
    """matrix.html; ``links`` maps a client to its report.html (each verdict links to its scenario)."""
    clients = matrix["clients"]
    links = links or {}
    differ = sum(1 for r in matrix["scenarios"] if not r["agree"])
    head = "".join(f"<th>{_e(c)}</th>" for c in clients)
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>ringside: client matrix</title>",
        "<style>body{font:14px system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem}"
        "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}"
        "th{background:#f6f8fa}td.v{color:#fff;font-weight:600;text-align:center}tr.differ td:first-child{border-left:4px solid #cf222e}"
        "</style></head><body>",
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


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _cell(verdict: str | None, link: str | None, scenario: str) -> str:
    if verdict is None:
        return "<td>—</td>"
    text = _e(verdict) if link is None else f"<a style='color:#fff' href='{_e(link)}#{_e(scenario)}'>{_e(verdict)}</a>"
    return f"<td class='v' style='background:{VERDICT_COLOURS.get(verdict, '#57606a')}'>{text}</td>"


def write(report_dirs: list[Path], directory: Path) -> Path:
    """Read each run's report.json, write the matrix beside them, point ``latest-matrix`` at it."""
    reports = [json.loads((d / "report.json").read_text(encoding="utf-8")) for d in report_dirs]
    matrix = build(reports)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(RealClock().now()))
    out = directory / f"{stamp}-matrix"
    out.mkdir(parents=True, exist_ok=True)
    (out / "matrix.json").write_text(json.dumps(matrix, indent=2) + "\n", encoding="utf-8")
    links = {c: f"../{d.name}/report.html" for c, d in zip(matrix["clients"], report_dirs, strict=True)}
    (out / "matrix.html").write_text(render(matrix, links), encoding="utf-8")
    latest = directory / "latest-matrix"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    os.symlink(out.name, latest)
    return out
