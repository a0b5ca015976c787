"""The control API (``/_ringside/…``, locked): what tests and tools use to steer the server.

Documented in docs/control-api.md. Locked (docs/reliability.md, "The locked control API"): every request
comes from loopback, names this server in ``Host`` and carries the server's control token; the one
exception is the callback sink's ``POST``, authorised by a per-tag key in the URL the harness hands
the client (:func:`callback_url`). Replies use the wire's envelopes. Nothing here is a back door
into call state: acting as a user (``POST /_ringside/calls``) goes through the same hub methods as
the SDK's REST calls, stamped with the device id ``ringside-control``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any

from mockserver import __version__
from mockserver.core import ErrorCode, RingsideError
from mockserver.core.messages import group_entity, user_entity
from mockserver.exchange import Json, Reply, Request
from mockserver.hub import Hub

PREFIX = "/_ringside"
#: The device id stamped on frames caused by the control API acting as a user.
CONTROL_DEVICE = "ringside-control"

ControlHandler = Callable[[Hub, Request, dict[str, str]], Awaitable[Any]]


def _field(body: Json, key: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or (
        isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))
    ):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise RingsideError(
            ErrorCode.VALIDATION_FAILED, f"{key!r} must be a {names}", {"field": key, "got": repr(value)[:100]}
        )
    return value


def is_control_path(path: str) -> bool:
    """Whether ``path`` is the control API's (``/_ringside`` and below)."""
    return path == PREFIX or path.startswith(PREFIX + "/")


#: The header that may carry the control token instead of ``Authorization: Bearer <token>``.
TOKEN_HEADER = "X-Ringside-Control-Token"
#: The query parameter of a callback URL that authorises its POSTs (:func:`callback_url`).
SINK_KEY = "sinkKey"


def callback_key(control_token: str, tag: str) -> str:
    """The key that lets a client POST callback reports for ``tag`` (and no other tag), and nothing else:
    the first 32 hex digits of HMAC-SHA256(control token, ``"callback:" + tag``)."""
    return hmac.new(control_token.encode(), f"callback:{tag}".encode(), hashlib.sha256).hexdigest()[:32]


def callback_url(base_url: str, control_token: str, tag: str) -> str:
    """The ``callbackUrl`` to give a client instance tagged ``tag`` (adapter protocol)."""
    return f"{base_url}{PREFIX}/callbacks/{tag}?{SINK_KEY}={callback_key(control_token, tag)}"


def _hostname(host: str) -> str:
    """``Host`` without its port, lower-case, IPv6 brackets removed."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def host_allowed(hub: Hub, host: str | None) -> bool:
    """Whether a ``Host`` header names this server: a loopback address, ``localhost``, or the host it
    was told to bind or advertise (never a name a DNS-rebinding page could bring, never 0.0.0.0)."""
    if not host:
        return False
    name = _hostname(host)
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
    if address is not None and address.is_loopback:
        return True
    own = {hub.config.host.lower(), hub.config.advertised_host.lower(), "localhost"}
    own -= {"", "0.0.0.0", "::"}
    return name in own


def _presented_token(request: Request) -> str | None:
    authorization = request.header("authorization")
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return request.header(TOKEN_HEADER)


_CALLBACK_POST = re.compile(rf"^{PREFIX}/callbacks/(?P<tag>[^/]+)/?\Z")


def refusal(hub: Hub, request: Request, *, public: bool = False) -> RingsideError | None:
    """Why the lock refuses ``request`` (None: let it through). ``public``: a file of the dashboard, which
    holds no data: loopback and ``Host`` are checked, the token is not (a browser cannot send it)."""
    if not is_loopback(request.remote):
        return RingsideError(ErrorCode.CONTROL_FORBIDDEN, "the control API answers loopback only", {})
    host = request.header("host")
    if not host_allowed(hub, host):
        return RingsideError(
            ErrorCode.CONTROL_FORBIDDEN,
            "the Host header does not name this server (use 127.0.0.1, localhost or the host ringside printed)",
            {"host": (host or "")[:200]},
        )
    if public:
        return None
    sink = _CALLBACK_POST.match(request.path) if request.method == "POST" else None
    key = request.query.get(SINK_KEY)
    if sink and key and hmac.compare_digest(key.encode(), callback_key(hub.config.control_token, sink["tag"]).encode()):
        return None
    token = _presented_token(request)
    if not token:
        return RingsideError(
            ErrorCode.CONTROL_UNAUTHORIZED,
            "the control API wants this server's control token: Authorization: Bearer <token> "
            "(ringside serve prints the file that holds it)",
            {},
        )
    if not hmac.compare_digest(token.encode(), hub.config.control_token.encode()):
        return RingsideError(ErrorCode.CONTROL_UNAUTHORIZED, "that is not this server's control token", {})
    return None


def is_loopback(remote: str | None) -> bool:
    """Whether a peer address is on loopback (the control API answers nobody else)."""
    return remote is not None and (remote.startswith("127.") or remote in ("::1", "localhost"))


async def info(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """What this server is: version, app id, api key, clock, where to connect."""
    return {
        "name": "ringside",
        "version": __version__,
        "appId": hub.config.app_id,
        "apiKey": hub.config.api_key,
        "region": hub.config.region,
        "tls": hub.config.tls,
        "host": hub.config.advertised_host,
        "port": hub.port,
        "clock": {"kind": hub.clock.kind, "now": hub.clock.now(), "rate": hub.clock.rate},
    }


async def reset(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Forget calls, users and groups made since start; optionally clear the journal."""
    body = request.json(required=False)
    await hub.reset(
        clear_journal=bool(_field(body, "clearJournal", bool, required=False)),
        close_sockets=_field(body, "closeSockets", bool, required=False) is not False,
    )
    return {"now": hub.clock.now(), "journalSeq": hub.journal.last_seq}


def _user_row(hub: Hub, uid: str) -> Json:
    user = hub.backend.directory.user(uid)
    return user_entity(user, online=uid in hub.backend.online) | {
        "authTokens": hub.backend.directory.tokens_of(uid),
        "devices": [d.resource for d in hub.devices_of(uid)],
        "engagedIn": hub.backend.engaged(uid),
    }


async def list_users(hub: Hub, request: Request, params: dict[str, str]) -> list[Json]:
    """Every user with tokens, devices, and the live calls they are engaged in."""
    return [_user_row(hub, uid) for uid in hub.backend.directory.users]


async def create_user(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Create a user (``{"uid", "name"?}``) and hand out an auth token for it."""
    body = request.json()
    uid = _field(body, "uid", str)
    name = _field(body, "name", str, required=False)
    if uid not in hub.backend.directory.users and any(rule(uid) for rule in hub.on_demand_users):
        # a magic id (ring-accept-2s…) must come to life with its scripted device, as on first use
        user = hub.user_or_create(uid)
        user.name = name or user.name
    else:
        hub.backend.directory.add_user(uid, now=hub.clock.now(), name=name)
    token = hub.backend.directory.issue_token(uid)
    hub.journal.record("control", action="user-created", uid=uid)
    return _user_row(hub, uid) | {"authToken": token}


async def new_token(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """A fresh auth token for an existing user."""
    return {"uid": params["uid"], "authToken": hub.backend.directory.issue_token(params["uid"])}


async def list_groups(hub: Hub, request: Request, params: dict[str, str]) -> list[Json]:
    """Every group with its members."""
    return [group_entity(g) | {"members": g.members} for g in hub.backend.directory.groups.values()]


async def create_group(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Create or replace a group: ``{"guid", "name"?, "members": [uid, …]}``."""
    body = request.json()
    members = _field(body, "members", list)
    if not all(isinstance(m, str) for m in members):
        raise RingsideError(ErrorCode.VALIDATION_FAILED, "'members' must be a list of uids", {"field": "members"})
    group = hub.backend.directory.add_group(
        _field(body, "guid", str), name=_field(body, "name", str, required=False), members=members, now=hub.clock.now()
    )
    hub.journal.record("control", action="group-created", guid=group.guid, members=group.members)
    return group_entity(group) | {"members": group.members}


async def get_clock(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """The clock: kind, now, rate, and the next server timer due."""
    return {
        "kind": hub.clock.kind,
        "now": hub.clock.now(),
        "rate": hub.clock.rate,
        "nextTimer": hub.timers.next_due(),
        "timers": [{"due": t.due, "label": t.label} for t in hub.timers.pending()],
    }


async def advance_clock(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Virtual clock: ``{"seconds": N}`` or ``{"to": T}``; replies after every due event was sent."""
    body = request.json()
    if "to" in body:
        when = float(_field(body, "to", (int, float)))
    else:
        seconds = float(_field(body, "seconds", (int, float)))
        if seconds < 0:
            raise RingsideError(ErrorCode.CLOCK_REFUSED, "virtual time never goes backwards", {"seconds": seconds})
        when = hub.clock.now() + seconds
    if not math.isfinite(when):
        raise RingsideError(ErrorCode.CLOCK_REFUSED, "the clock only moves by finite amounts", {"requested": str(when)})
    fired = await hub.advance_to(when)
    return {"now": hub.clock.now(), "fired": [t.label for t in fired], "nextTimer": hub.timers.next_due()}


async def list_calls(hub: Hub, request: Request, params: dict[str, str]) -> list[Json]:
    """Every call the server knows, oldest first."""
    return [hub.backend.snapshot(c) for c in hub.backend.calls.values()]


async def get_call(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """One call's state."""
    return hub.backend.snapshot(hub.backend.call(params["sid"]))


async def act_initiate(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Place a call as user ``as``: ``{"as", "receiver", "receiverType"?, "callType"?}``."""
    body = request.json()
    outcome = await hub.initiate(
        _field(body, "as", str),
        receiver=_field(body, "receiver", str),
        receiver_type=_field(body, "receiverType", str, required=False) or "user",
        call_type=_field(body, "callType", str, required=False) or "audio",
        resource=CONTROL_DEVICE,
    )
    return outcome.reply


async def act_update(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Move a call as user ``as``: ``{"as", "status"}``."""
    body = request.json()
    outcome = await hub.update(
        _field(body, "as", str), params["sid"], _field(body, "status", str), resource=CONTROL_DEVICE
    )
    return outcome.reply


#: Journal entries in one page when ``?limit`` is not given, and the most one page may hold.
JOURNAL_PAGE = 1_000
JOURNAL_PAGE_MAX = 10_000


def _query_int(request: Request, name: str, default: int) -> int:
    try:
        return int(request.query.get(name, str(default)))
    except ValueError:
        raise RingsideError(ErrorCode.VALIDATION_FAILED, f"{name!r} must be an integer", {"field": name}) from None


async def journal(hub: Hub, request: Request, params: dict[str, str]) -> Reply:
    """One page of journal entries, oldest first: ``?after=SEQ`` (exclusive; ``since`` is its older name),
    ``?kind=a,b``, ``?limit=N`` (default 1000, at most 10000). ``next`` is the cursor for the next page,
    ``more`` whether there is one; ``missing`` counts the entries after the cursor that memory no longer
    holds (the journal keeps the newest ``--journal-size``; the ``--journal`` file keeps them all).
    The page is streamed: a long one does not hold up other requests."""
    after = _query_int(request, "after", _query_int(request, "since", 0))
    limit = _query_int(request, "limit", JOURNAL_PAGE)
    if not 1 <= limit <= JOURNAL_PAGE_MAX:
        raise RingsideError(
            ErrorCode.VALIDATION_FAILED, f"'limit' must be 1 to {JOURNAL_PAGE_MAX}", {"field": "limit", "got": limit}
        )
    kinds = [k for k in request.query.get("kind", "").split(",") if k] or None
    book = hub.journal
    last = book.last_seq
    entries = book.entries(since=after, kinds=kinds, limit=limit + 1)
    more = len(entries) > limit
    del entries[limit:]
    cursor = entries[-1]["seq"] if more else max(after, last, entries[-1]["seq"] if entries else 0)
    page = {
        "lastSeq": max(last, cursor),
        "firstSeq": book.first_seq,
        "capacity": book.capacity,
        "dropped": book.evicted,
        "missing": book.evicted_after(after),
        "file": str(book.path) if book.path else None,
        "next": cursor,
        "more": more,
        "entries": entries,
    }
    return Reply(body={"data": page}, stream="entries")


async def devices(hub: Hub, request: Request, params: dict[str, str]) -> list[Json]:
    """Connected devices with frame counts; ``?uid=U`` only U's, ``&wait=S`` long-polls until U has one."""
    uid = request.query.get("uid")
    if uid is None:
        return [d.describe() for d in hub.devices.values()]
    try:
        wait = min(float(request.query.get("wait", "0")), 60.0)
    except ValueError:
        raise RingsideError(ErrorCode.VALIDATION_FAILED, "'wait' must be a number", {}) from None
    found = await hub.wait_for_devices(uid, timeout=wait) if wait > 0 else hub.devices_of(uid)
    return [d.describe() for d in found]


async def drop_device(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Close one device's socket now, as a network drop would (close code 4000; the SDK reconnects)."""
    conn = params["conn"]
    device = hub.devices.get(int(conn)) if conn.isascii() and conn.isdigit() and len(conn) <= 12 else None
    if device is None:
        raise RingsideError(
            ErrorCode.ENDPOINT_NOT_FOUND,
            f"no connected device {params['conn']} (GET /_ringside/devices lists them)",
            {"conn": params["conn"]},
        )
    described = device.describe()
    hub.journal.record(
        "control", action="device-dropped", conn=device.conn_id, **({"uid": device.uid} if device.uid else {})
    )
    await hub.disconnect(device, "ringside: dropped from the control API")
    return described


async def post_callback(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """The adapter protocol's callback sink: a client under test reports a listener callback."""
    body = request.json()
    hub.record_callback(params["tag"], body)
    return {}


async def get_callbacks(hub: Hub, request: Request, params: dict[str, str]) -> list[Json]:
    """Callbacks reported under ``tag``, in arrival order; ``?count=N&wait=S`` long-polls for N of them."""
    try:
        count = int(request.query.get("count", "0"))
        wait = min(float(request.query.get("wait", "0")), 60.0)
    except ValueError:
        raise RingsideError(ErrorCode.VALIDATION_FAILED, "'count' and 'wait' must be numbers", {}) from None
    if count and wait > 0:
        return await hub.wait_for_callbacks(params["tag"], count, timeout=wait)
    return hub.callbacks.of(params["tag"])


async def stats(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Counters (requests, frames, calls) for benchmarks and dashboards."""
    return {
        "requests": hub.stats.requests,
        "framesOut": hub.stats.frames_out,
        "framesIn": hub.stats.frames_in,
        "calls": hub.stats.calls,
        "devices": len(hub.devices),
        "journalSeq": hub.journal.last_seq,
        # what is kept, and what the memory bounds let go (docs/reliability.md)
        "journalKept": len(hub.journal),
        "journalDropped": hub.journal.evicted,
        "callsKept": len(hub.backend.calls),
        "callsLive": len(hub.backend.live),
        "callsTrimmed": hub.backend.calls_trimmed,
        "tokensDropped": hub.backend.directory.tokens_dropped,
    }


async def openapi_json(hub: Hub, request: Request, params: dict[str, str]) -> Reply:
    """This server's OpenAPI 3.1 description (mockserver/openapi.py), as the document itself (no envelope)."""
    from mockserver import openapi  # noqa: PLC0415 (it reads this module's route table)

    scheme = "https" if hub.config.tls else "http"
    return Reply(body=openapi.build(f"{scheme}://{hub.config.advertised_host}:{hub.port}"))


_TAG = r"(?P<tag>[A-Za-z0-9_.@:-]{1,100})"
ROUTES: list[tuple[str, re.Pattern[str], ControlHandler]] = [
    (m, re.compile(f"^{PREFIX}{p}/?\\Z"), h)
    for m, p, h in [
        ("GET", "", info),
        ("GET", "/health", info),
        ("POST", "/reset", reset),
        ("GET", "/users", list_users),
        ("POST", "/users", create_user),
        ("POST", r"/users/(?P<uid>[^/]+)/tokens", new_token),
        ("GET", "/groups", list_groups),
        ("POST", "/groups", create_group),
        ("GET", "/clock", get_clock),
        ("POST", "/clock/advance", advance_clock),
        ("GET", "/calls", list_calls),
        ("POST", "/calls", act_initiate),
        ("GET", r"/calls/(?P<sid>[^/]+)", get_call),
        ("PUT", r"/calls/(?P<sid>[^/]+)", act_update),
        ("GET", "/journal", journal),
        ("GET", "/devices", devices),
        ("DELETE", r"/devices/(?P<conn>[^/]+)", drop_device),
        ("POST", f"/callbacks/{_TAG}", post_callback),
        ("GET", f"/callbacks/{_TAG}", get_callbacks),
        ("GET", "/stats", stats),
        ("GET", "/openapi.json", openapi_json),
    ]
]

#: More routes registered by other modules (scripted users, faults) at import time.
EXTRA_ROUTES: list[tuple[str, re.Pattern[str], ControlHandler]] = []


def route(method: str, pattern: str) -> Callable[[ControlHandler], ControlHandler]:
    """Register an extra control route (``pattern`` is relative to ``/_ringside``)."""

    def register(handler: ControlHandler) -> ControlHandler:
        EXTRA_ROUTES.append((method, re.compile(f"^{PREFIX}{pattern}/?\\Z"), handler))
        return handler

    return register


async def handle(hub: Hub, request: Request) -> Reply:
    """Answer one control request."""
    refused = refusal(hub, request)
    if refused is not None:
        return Reply.error(refused)
    path_matched = False
    for method, pattern, handler in [*ROUTES, *EXTRA_ROUTES]:
        match = pattern.match(request.path)
        if not match:
            continue
        path_matched = True
        if method != request.method:
            continue
        try:
            result = await handler(hub, request, match.groupdict())
            return result if isinstance(result, Reply) else Reply.data(result)
        except RingsideError as error:
            return Reply.error(error)
    what = "method not allowed here" if path_matched else "no such control endpoint"
    return Reply.error(
        RingsideError(ErrorCode.ENDPOINT_NOT_FOUND, f"{what}: {request.method} {request.path}", {"path": request.path})
    )
