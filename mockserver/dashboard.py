"""The dashboard: ``/_ringside/ui/``, a page to watch the server and play the other party by hand.

``ringside serve`` prints its address. It is locked like the control API (docs/control-api.md): loopback
only, a ``Host`` naming this server, and the control token on every request that carries data. The
page's own files (:data:`FILES`, in ``mockserver/ui/``, shipped in the wheel) hold no data and are
served without the token, since a browser cannot send it when it opens a URL; the page reads the token
from the URL's fragment (``#token=…``, never sent to a server) or asks for it, then sends it as
``Authorization: Bearer`` on every request:

* ``GET /_ringside/ui/events``: server-sent events, one ``data:`` line per change (users and devices,
  calls, clock, armed faults, and the journal entries since the last one). The stream looks at the
  journal's last seq :data:`POLL` times a second while it is open and sends nothing when nothing
  changed: the server does no work for the dashboard while nobody watches it.
* ``GET /_ringside/ui/diagram?sid=SID``: the call's sequence diagram as SVG, drawn by the same code as
  the compliance report's (:mod:`mockserver.diagram`).

Every action button uses the control API itself (``POST /_ringside/calls``, ``PUT /_ringside/calls/{sid}``,
``DELETE /_ringside/devices/{conn}``, ``POST /_ringside/faults``, ``POST /_ringside/clock/advance``).
The dashboard's own requests are kept out of the journal (mockserver/app.py), so watching does not
change what is watched.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from mockserver import control, jsoncodec
from mockserver.core import ErrorCode, RingsideError
from mockserver.diagram import sequence_diagram, timeline
from mockserver.exchange import Json, Raw, Reply, Request
from mockserver.hub import Hub

PREFIX = control.PREFIX + "/ui"
#: path → (file in mockserver/ui, content type)
FILES = {
    PREFIX + "/": ("index.html", "text/html; charset=utf-8"),
    PREFIX + "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    PREFIX + "/app.css": ("app.css", "text/css; charset=utf-8"),
}
#: The page may load its own files and talk to this server, nothing else; it may not be framed.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
#: How often an open event stream looks for news (per second), and after how many idle looks it sends a
#: keep-alive comment.
POLL = 5
KEEPALIVE = POLL * 15
#: Journal entries the first event carries (the newest), and at most per event after that.
BACKLOG = 500
#: Users and calls an event lists at most (the newest calls).
MAX_USERS = 500
MAX_CALLS = 50


#: Set when a server stops: its event streams end (so no request is left pending at shutdown).
_STOPS: weakref.WeakKeyDictionary[Hub, asyncio.Event] = weakref.WeakKeyDictionary()


def _stop_of(hub: Hub) -> asyncio.Event:
    stop = _STOPS.get(hub)
    if stop is None:
        stop = _STOPS[hub] = asyncio.Event()
    return stop


def stop_streams(hub: Hub) -> None:
    """End every event stream of this server (it is stopping)."""
    _stop_of(hub).set()


def is_dashboard_path(path: str) -> bool:
    """Whether ``path`` is the dashboard's (``/_ringside/ui`` and below)."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def url(base_url: str, token: str) -> str:
    """The address to open: ``https://127.0.0.1:PORT/_ringside/ui/#token=…``."""
    return f"{base_url}{PREFIX}/#token={token}"


async def handle(hub: Hub, request: Request) -> Reply:
    """Answer one dashboard request (a file, the event stream, a diagram), locked as the control API."""
    path = "/" if request.path == PREFIX else request.path
    public = request.method == "GET" and (path in FILES or path == "/")
    refused = control.refusal(hub, request, public=public)
    if refused is not None:
        return Reply.error(refused)
    if path == "/":
        return Reply(body={}, raw=Raw("text/plain", b"", headers={"Location": PREFIX + "/"}), status=308)
    if request.method != "GET":
        return Reply.error(
            RingsideError(ErrorCode.ENDPOINT_NOT_FOUND, f"method not allowed here: {request.method} {path}", {})
        )
    if path in FILES:
        name, content_type = FILES[path]
        data = resources.files("mockserver").joinpath("ui", name).read_bytes()
        return Reply(body={}, raw=Raw(content_type, data, headers=_HEADERS))
    if path == PREFIX + "/events":
        return Reply(body={}, raw=Raw("text/event-stream", events=events(hub), headers={"Cache-Control": "no-store"}))
    if path == PREFIX + "/diagram":
        sid = request.query.get("sid")
        if not sid:
            raise_missing = RingsideError(ErrorCode.VALIDATION_FAILED, "'sid' names the call to draw", {"field": "sid"})
            return Reply.error(raise_missing)
        try:
            return Reply.data(diagram(hub, sid))
        except RingsideError as error:
            return Reply.error(error)
    return Reply.error(RingsideError(ErrorCode.ENDPOINT_NOT_FOUND, f"no such dashboard path: {path}", {"path": path}))


def state(hub: Hub) -> Json:
    """What the page shows besides the journal: server, clock, users with devices, calls, armed faults."""
    from mockserver.scripted.engine import scripting_of  # noqa: PLC0415 (scripting imports the control API)

    clock = hub.clock
    users = []
    for uid in list(hub.backend.directory.users)[:MAX_USERS]:
        user = hub.backend.directory.user(uid)
        users.append(
            {
                "uid": uid,
                "name": user.name,
                "online": uid in hub.backend.online,
                "devices": [d.describe() for d in hub.devices_of(uid)],
                "engagedIn": hub.backend.engaged(uid),
            }
        )
    calls = [hub.backend.snapshot(c) for c in list(hub.backend.calls.values())[-MAX_CALLS:]]
    calls.reverse()
    try:
        faults: Any = scripting_of(hub).faults.to_json()
    except (LookupError, AttributeError):
        faults = None
    return {
        "server": {
            "appId": hub.config.app_id,
            "apiKey": hub.config.api_key,
            "region": hub.config.region,
            "host": hub.config.advertised_host,
            "port": hub.port,
            "tls": hub.config.tls,
        },
        "clock": {"kind": clock.kind, "now": clock.now(), "rate": clock.rate, "nextTimer": hub.timers.next_due()},
        "users": users,
        "calls": calls,
        "faults": faults,
        "journal": {"lastSeq": hub.journal.last_seq, "firstSeq": hub.journal.first_seq},
    }


async def events(hub: Hub) -> AsyncIterator[bytes]:
    """Server-sent events: the state and the new journal entries whenever the journal moved."""
    seen = -1
    idle = 0
    stop = _stop_of(hub)
    while not stop.is_set():
        last = hub.journal.last_seq
        if last != seen:
            fresh = seen < 0 or last < seen  # the first event, or the journal was cleared (POST /reset)
            # the newest BACKLOG at most: in a burst the page skips the older ones (GET /_ringside/journal has all)
            since = max(0, last - BACKLOG) if fresh else max(seen, last - BACKLOG)
            entries = hub.journal.entries(since=since)
            payload = {"state": state(hub), "entries": entries, "reset": fresh}
            yield b"data: " + jsoncodec.encode(payload) + b"\n\n"
            seen, idle = last, 0
        else:
            idle += 1
            if idle >= KEEPALIVE:
                yield b": keep-alive\n\n"
                idle = 0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1 / POLL)


def call_entries(hub: Hub, sid: str) -> list[Json]:
    """The journal entries (in memory) about call ``sid``: its moves, frames, timers, faults, script
    actions, the requests naming it and the request that placed it."""
    requests: dict[int, Json] = {}
    chosen: dict[int, Json] = {}
    for entry in hub.journal.entries(since=0):
        kind = entry["kind"]
        item: Json = dict(entry)
        if kind == "http.request":
            requests[item["seq"]] = item
            if sid in str(item.get("path", "")):
                chosen[item["seq"]] = item
        elif kind == "http.response":
            asked = item.get("requestSeq", -1)
            if asked in chosen or (
                item.get("method") == "POST" and sid.encode() in jsoncodec.encode(item.get("body") or {})
            ):
                chosen[item["seq"]] = item
                if asked in requests:
                    chosen[asked] = requests[asked]
        elif item.get("sessionId") == sid:
            chosen[item["seq"]] = item
    return [chosen[seq] for seq in sorted(chosen)]


def diagram(hub: Hub, sid: str) -> Json:
    """Call ``sid``'s sequence diagram (SVG): one lane per device that heard of it, ringside in the middle."""
    call = hub.backend.call(sid)  # ERR_CALL_NOT_FOUND for an unknown one
    rows = timeline(call_entries(hub, sid))
    parties: list[Json] = []
    named: dict[str, str] = {}
    for row in rows:
        device, uid = row.get("device"), row.get("uid")
        if row["kind"] == "ws.out" and device and uid and device not in named:
            count = sum(1 for p in parties if p["uid"] == uid)
            name = str(uid) if count == 0 else f"{uid} ({count + 1})"
            named[device] = name
            parties.append({"name": name, "uid": uid, "resource": device, "tag": f"device:{device}"})
    svg = sequence_diagram(rows, parties, key=f"call-{sid}") if rows else ""
    return {"sessionId": sid, "status": call.status.value, "events": len(rows), "svg": svg}
