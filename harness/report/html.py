"""``report.html``: the compliance report as one self-contained page a person can read.

No scripts, no external assets: a summary, a table of scenarios, and for each scenario its failure,
the oracles' notes and a sequence diagram (inline SVG) drawn from the journal excerpt in report.json:
one lane per device (the mock server in the middle), requests and frames as arrows, listener
callbacks as boxes on the lane of the device that reported them.
"""

from __future__ import annotations

import html
from typing import Any

Json = dict[str, Any]

VERDICT_COLOURS = {
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "error": "#9a6700",
    "skipped": "#6e7781",
    "known-failure": "#8250df",
}
_LANE = 170  #: horizontal distance between lanes, px
_ROW = 22  #: vertical distance between events, px
_TOP = 44
SERVER = "ringside"

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1200px;color:#1f2328;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} .muted{color:#656d76}
.badges span{display:inline-block;margin:.2rem .4rem .2rem 0;padding:.15rem .6rem;border-radius:1rem;color:#fff;font-weight:600}
table{border-collapse:collapse;width:100%;margin:1rem 0} th,td{border-bottom:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa} .v{font-weight:700} details{margin:.4rem 0;border:1px solid #d0d7de;border-radius:6px;padding:.4rem .8rem}
summary{cursor:pointer} pre{white-space:pre-wrap;background:#f6f8fa;padding:.6rem;border-radius:6px;font-size:12px}
svg text{font:11px ui-monospace,SFMono-Regular,Menlo,monospace} .tags{font-size:12px;color:#656d76}
"""


def render(report: Json) -> str:
    """The whole page for one report."""
    client = report["client"]
    summary = report["summary"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>ringside compliance: {_e(client.get('name'))}</title><style>{_STYLE}</style></head><body>",
        f"<h1>ringside compliance report: {_e(client.get('name'))}</h1>",
        f"<p class='muted'>service {_e(client.get('service'))} {_e(client.get('version'))} · "
        f"reached {_e(client.get('transport', 'http'))} · "
        f"capabilities {_e(', '.join(client.get('capabilities', [])) or 'none')} · "
        f"{summary['total']} scenarios in {report['duration']:.1f} s · ringside {_e(report['tool']['version'])}</p>",
        f"<p><b>{_e(report['assessment']['statement'])}</b></p>" if report.get("assessment") else "",
        "<p class='badges'>" + "".join(_badge(v, summary[v.replace("-", "_")]) for v in VERDICT_COLOURS) + "</p>",
        "<table><tr><th>id</th><th>scenario</th><th>feature</th><th>verdict</th><th>time</th></tr>",
    ]
    for row in report["scenarios"]:
        parts.append(
            f"<tr><td><a href='#{_e(row['id'])}'>{_e(row['id'])}</a></td><td>{_e(row['name'])}</td>"
            f"<td>{_e(row['feature'])}</td><td class='v' style='color:{_colour(row['verdict'])}'>{_e(row['verdict'])}</td>"
            f"<td>{row['duration']:.2f} s</td></tr>"
        )
    parts.append("</table><h2>Scenarios</h2>")
    for row in report["scenarios"]:
        parts.append(_scenario(row))
    parts.append("</body></html>")
    return "\n".join(parts)


def _scenario(row: Json) -> str:
    is_open = " open" if row["verdict"] in ("failed", "error") else ""
    out = [
        f"<details id='{_e(row['id'])}'{is_open}><summary><b>{_e(row['id'])}</b> {_e(row['name'])} — "
        f"<span class='v' style='color:{_colour(row['verdict'])}'>{_e(row['verdict'])}</span></summary>",
        f"<p class='tags'>{_e(' '.join('@' + t for t in row['tags']))}</p>",
    ]
    if row.get("failedStep"):
        out.append(f"<p>failing step: <b>{_e(row['failedStep'])}</b></p>")
    if row.get("failure"):
        label = "observed (known failure)" if row["verdict"] == "known-failure" else ""
        out.append(f"<pre>{_e(label + chr(10) if label else '')}{_e(row['failure'])}</pre>")
    if row.get("reason"):
        out.append(f"<p><i>{_e(row['reason'])}</i></p>")
    if row.get("oracleNotes"):
        out.append("<ul>" + "".join(f"<li>{_e(n)}</li>" for n in row["oracleNotes"]) + "</ul>")
    if row.get("timeline"):
        out.append(sequence_diagram(row["timeline"], row.get("parties", []), key=str(row["id"])))
    out.append("</details>")
    return "\n".join(out)


def sequence_diagram(timeline: list[Json], parties: list[Json], *, key: str = "d") -> str:
    """An inline SVG sequence diagram of one scenario (``key`` keeps its arrowhead id unique on the page)."""
    marker_id = "arrow-" + "".join(c if c.isalnum() else "-" for c in key)
    lanes, lane_of_device, lane_of_tag = _lanes(timeline, parties)
    index = {name: i for i, name in enumerate(lanes)}
    start = timeline[0]["t"]
    width = 90 + _LANE * len(lanes)
    body: list[str] = []
    y = _TOP
    for entry in timeline:
        drawn = _event(entry, index, lane_of_device, lane_of_tag, y).replace("url(#arrow)", f"url(#{marker_id})")
        if drawn:
            body.append(f"<text x='4' y='{y + 4}' fill='#656d76'>+{entry['t'] - start:.1f}s</text>")
            body.append(drawn)
            y += _ROW
    height = y + 10
    heads = []
    for name, i in index.items():
        x = _x(i)
        heads.append(f"<line x1='{x}' y1='28' x2='{x}' y2='{height}' stroke='#d0d7de' stroke-dasharray='4 3'/>")
        heads.append(f"<text x='{x}' y='18' text-anchor='middle' font-weight='bold'>{_e(name)}</text>")
    marker = (
        f"<defs><marker id='{marker_id}' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='7' markerHeight='7' "
        "orient='auto-start-reverse'><path d='M0,0 L10,5 L0,10 z' fill='#57606a'/></marker></defs>"
    )
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img' "
        f"aria-label='sequence diagram'>{marker}{''.join(heads)}{''.join(body)}</svg>"
    )


def _lanes(timeline: list[Json], parties: list[Json]) -> tuple[list[str], dict[str, str], dict[str, str]]:
    lane_of_device = {str(p["resource"]): str(p["name"]) for p in parties if p.get("resource")}
    lane_of_tag = {str(p["tag"]): str(p["name"]) for p in parties}
    names = [str(p["name"]) for p in parties]
    left, right = names[: (len(names) + 1) // 2], names[(len(names) + 1) // 2 :]
    for entry in timeline:  # devices that are not parties: scripted users, the control API
        device = entry.get("device")
        if device and device not in lane_of_device:
            lane = str(entry.get("uid") or device).removeprefix("script-")
            lane_of_device[device] = lane
            if lane not in names and lane != SERVER:
                names.append(lane)
                right.append(lane)
    return [*left, SERVER, *right], lane_of_device, lane_of_tag


def _event(entry: Json, index: dict[str, int], by_device: dict[str, str], by_tag: dict[str, str], y: int) -> str:
    kind = entry["kind"]
    server = index[SERVER]
    if kind == "http.request":
        lane = by_device.get(str(entry.get("device")))
        if lane is None:
            return ""
        segments = str(entry.get("path", "")).strip("/").split("/")
        path = "calls/…" if len(segments) >= 2 and segments[-2] == "calls" else segments[-1]
        label = f"{entry.get('method')} {path}" + (f" {entry['move']}" if entry.get("move") else "")
        return _arrow(index[lane], server, y, label, "#0969da")
    if kind == "http.response" and entry.get("error"):
        lane = by_device.get(str(entry.get("device")))
        target = index[lane] if lane else server
        return _arrow(server, target, y, f"✗ {entry['error']}", "#cf222e", dashed=True)
    if kind == "ws.out":
        lane = by_device.get(str(entry.get("device")))
        if lane is None:
            return ""
        echo = entry.get("stamp") == entry.get("device")
        return _arrow(server, index[lane], y, f"{entry.get('status')}{' (own echo)' if echo else ''}", "#57606a")
    if kind == "callback":
        lane = by_tag.get(str(entry.get("tag")))
        return _box(index[lane], y, f"{entry.get('callback')}", "#ddf4ff") if lane else ""
    if kind in ("fault", "timer", "script"):
        text = entry.get("effect") or entry.get("label") or entry.get("event") or kind
        return _box(server, y, f"{kind}: {text}", "#fff8c5")
    return ""


def _x(i: int) -> int:
    return 90 + _LANE * i + _LANE // 2 - 40


def _arrow(a: int, b: int, y: int, label: str, colour: str, *, dashed: bool = False) -> str:
    x1, x2 = _x(a), _x(b)
    dash = " stroke-dasharray='5 3'" if dashed else ""
    mid = (x1 + x2) / 2
    return (
        f"<line x1='{x1}' y1='{y}' x2='{x2}' y2='{y}' stroke='{colour}' stroke-width='1.4'{dash} marker-end='url(#arrow)'/>"
        f"<text x='{mid}' y='{y - 4}' text-anchor='middle' fill='{colour}'>{_e(label)}</text>"
    )


def _box(lane: int, y: int, label: str, fill: str) -> str:
    x = _x(lane)
    w = max(60, 7 * len(label))
    return (
        f"<rect x='{x - w / 2}' y='{y - 12}' width='{w}' height='16' rx='4' fill='{fill}' stroke='#8c959f'/>"
        f"<text x='{x}' y='{y}' text-anchor='middle'>{_e(label)}</text>"
    )


def _badge(verdict: str, count: int) -> str:
    return f"<span style='background:{_colour(verdict)}'>{count} {verdict}</span>"


def _colour(verdict: str) -> str:
    return VERDICT_COLOURS.get(verdict, "#57606a")


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)
