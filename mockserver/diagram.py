"""A journal excerpt as a sequence diagram: the timeline a diagram needs, and the inline SVG drawn from it.

Shared by the compliance report (one diagram per scenario) and the dashboard (one per live call), so
both draw the same picture. Pure functions over journal entries as plain mappings; no I/O, no pytest.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Json = dict[str, Any]
#: Journal kinds a timeline keeps (enough to draw a sequence diagram).
TIMELINE_KINDS = ("call", "callback", "http.request", "http.response", "ws.out", "fault", "script", "timer")
_LANE = 170  #: horizontal distance between lanes, px
_ROW = 22  #: vertical distance between events, px
_TOP = 44
SERVER = "ringside"
#: The device stamp of moves made through the control API (the dashboard's buttons, a test's
#: ``PUT /_ringside/calls/{sid}``): mockserver.control.CONTROL_DEVICE, which imports the server.
CONTROL_DEVICE = "ringside-control"
#: The lane those moves are drawn from.
CONTROL_LANE = "control API"


def _requests_by_seq(journal: Iterable[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    """Every HTTP request by its journal seq (what a response's ``requestSeq`` names)."""
    return {int(e["seq"]): e for e in journal if e["kind"] == "http.request"}


def timeline(journal: Sequence[Mapping[str, Any]]) -> list[Json]:
    """The journal entries a sequence diagram needs, each reduced to its essentials.

    Kept: client requests (with the acting device and, for call updates, the status asked for), error
    replies, call frames out, call changes (drawn for moves made through the control API, which no
    request of the user's shows), callbacks, faults, script actions and timers. Dropped: the control
    API's own traffic, successful replies, pings, pongs and auth frames.
    """
    # The diagram reads any kind's fields by name, so it works on plain dicts.
    requests: dict[int, Json] = {seq: dict(e) for seq, e in _requests_by_seq(journal).items()}
    rows = []
    for typed in journal:
        entry: Json = dict(typed)
        if entry["kind"] not in TIMELINE_KINDS or _is_noise(entry, requests):
            continue
        row = compact(entry)
        if entry["kind"] == "http.response":  # an error goes back to the device that asked
            request = requests.get(entry.get("requestSeq", -1), {})
            row["device"] = (request.get("headers") or {}).get("resource")
        rows.append(row)
    return rows


def _is_noise(entry: Json, requests: dict[int, Json]) -> bool:
    kind = entry["kind"]
    if kind == "http.request":
        return str(entry.get("path", "")).startswith("/_ringside") or entry.get("method") == "OPTIONS"
    if kind == "http.response":
        request = requests.get(entry.get("requestSeq", -1), {})
        return "error" not in (entry.get("body") or {}) or str(request.get("path", "")).startswith("/_ringside")
    if kind == "ws.out":
        return not entry.get("sessionId")
    return False


def compact(entry: Json) -> Json:
    """One journal entry, reduced to what a timeline needs."""
    keep = (
        "seq",
        "t",
        "kind",
        "uid",
        "device",
        "sessionId",
        "status",
        "method",
        "path",
        "callback",
        "tag",
        "actor",
        "event",
        "member",
        "label",
        "fault",
        "effect",
    )
    row = {k: entry[k] for k in keep if entry.get(k) is not None}
    if entry["kind"] == "http.request":
        row["device"] = (entry.get("headers") or {}).get("resource")
        try:
            move = json.loads(entry.get("body") or "{}").get("status")
        except (json.JSONDecodeError, AttributeError):
            move = None
        if move is not None:
            row["move"] = move
    if entry["kind"] == "http.response":
        error = (entry.get("body") or {}).get("error")
        if error:
            row["error"] = error.get("code")
        row["httpStatus"] = entry.get("status")
        row.pop("status", None)
    if entry["kind"] == "ws.out":
        row["stamp"] = (entry.get("frame") or {}).get("deviceId")
    return row


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
            lane = CONTROL_LANE if device == CONTROL_DEVICE else str(entry.get("uid") or device).removeprefix("script-")
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
    if kind == "call" and entry.get("device") == CONTROL_DEVICE:
        # a move made as a user through the control API: no request of the user's own shows it
        what = entry.get("status") or str(entry.get("event", "")).removeprefix("Member").lower()
        return _arrow(index[CONTROL_LANE], server, y, f"as {entry.get('actor')}: {what}", "#8250df")
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


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)
