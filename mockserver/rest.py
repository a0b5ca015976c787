"""The CometChat REST API the SDK uses for ringing, as pure request → reply handlers over the hub.

Paths are matched on their **end**, so any prefix works: the SDK sends ``/me`` before it has
settings and ``/v3.0/me`` after (wire facts §1.1, §9.2). Each route names its auth (apiKey, authToken
or none) and the schema its body must pass.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from mockserver.core import ErrorCode, RingsideError
from mockserver.core.directory import User
from mockserver.core.messages import call_log, user_entity
from mockserver.exchange import Json, Reply, Request
from mockserver.hub import Hub

Handler = Callable[["Context"], Awaitable[Any]]


class Context(NamedTuple):
    """A matched request: the hub, the request, path parameters and the authenticated user (a named
    tuple: made once per request, immutable)."""

    hub: Hub
    request: Request
    params: dict[str, str]
    user: User | None
    token: str | None

    @property
    def me(self) -> User:
        """The authenticated user (routes with token auth always have one)."""
        assert self.user is not None
        return self.user

    @property
    def resource(self) -> str | None:
        """The acting device: the SDK's ``resource`` header, stamped on every frame this causes."""
        return self.request.headers.get("resource")  # headers' names are lower-case


@dataclass(frozen=True)
class Route:
    """One endpoint: method, a pattern matched at the end of the path, auth kind, handler."""

    method: str
    pattern: re.Pattern[str]
    auth: str  # "apikey" | "token" | "none"
    handler: Handler


def settings(hub: Hub) -> Json:
    """The app settings: every host points back at this server, analytics off (wire facts §9.3)."""
    host, port = hub.config.advertised_host, hub.port
    return {
        "CLIENT_API_HOST": f"{host}:{port}",
        "ADMIN_API_HOST": f"{host}:{port}",
        "CHAT_API_VERSION": "v3.0",
        "CHAT_HOST": host,
        "CHAT_WSS_PORT": port,
        "WS_API_VERSION": "v3.0",
        "ANALYTICS_PING_DISABLED": True,
        "APP_VERSION": 3,
        "MODE": "DEFAULT",
        "REGION": hub.config.region,
        "settingsHash": "ringside",
        "settingsHashReceivedAt": int(hub.clock.now()),
    }


def _user_json(ctx: Context, user: User) -> Json:
    return user_entity(user, online=user.uid in ctx.hub.backend.online) | {
        "hasBlockedMe": False,
        "blockedByMe": False,
        "deactivatedAt": 0,
    }


def _me(ctx: Context, user: User, token: str) -> Json:
    return _user_json(ctx, user) | {
        "authToken": token,
        "jwt": ctx.hub.backend.directory.jwt_for(token),
        "settings": settings(ctx.hub),
    }


async def auth_token(ctx: Context) -> Json:
    """``POST /users/{uid}/auth_tokens`` (apiKey): log in as ``uid``; creates it if allowed."""
    ctx.request.json("wire/auth-token-request", required=False)
    uid = ctx.params["uid"]
    user = ctx.hub.user_or_create(uid)
    token = ctx.hub.backend.directory.issue_token(user.uid)
    return {"uid": user.uid, "authToken": token, "createdAt": int(ctx.hub.clock.now())}


async def put_me(ctx: Context) -> Json:
    """``PUT /me`` (authToken): the SDK's login; echoes the token, hands out the jwt and settings."""
    ctx.request.json("wire/me-request", required=False)
    assert ctx.token is not None
    return _me(ctx, ctx.me, ctx.token)


async def get_me(ctx: Context) -> Json:
    """``GET /me`` (authToken)."""
    assert ctx.token is not None
    return _me(ctx, ctx.me, ctx.token)


async def delete_me(ctx: Context) -> Json:
    """``DELETE /me``: logout; the token stops working."""
    assert ctx.token is not None
    ctx.hub.backend.directory.revoke(ctx.token)
    return {}


async def get_settings(ctx: Context) -> Json:
    """``GET /settings``."""
    return settings(ctx.hub)


async def create_user(ctx: Context) -> Json:
    """``POST /users`` (apiKey): ``createUser``."""
    body = ctx.request.json("wire/create-user-request")
    extra = {k: body[k] for k in ("avatar", "role", "metadata") if body.get(k) is not None}
    user = ctx.hub.backend.directory.add_user(body["uid"], now=ctx.hub.clock.now(), name=body.get("name"), **extra)
    return _user_json(ctx, user)


async def get_user(ctx: Context) -> Json:
    """``GET /users/{uid}``."""
    return _user_json(ctx, ctx.hub.backend.directory.user(ctx.params["uid"]))


async def initiate_call(ctx: Context) -> Json:
    """``POST /calls``: ``initiateCall``."""
    body = ctx.request.json("wire/initiate-call-request")
    metadata = body.get("metadata", (body.get("data") or {}).get("metadata"))
    outcome = await ctx.hub.initiate(
        ctx.me.uid,
        receiver=str(body["receiver"]),
        receiver_type=body["receiverType"],
        call_type=body["type"],
        resource=ctx.resource,
        metadata=metadata,
    )
    return outcome.reply


async def update_call(ctx: Context) -> Json:
    """``PUT /calls/{sessionId}``: accept, reject, busy, cancel, unanswered, end."""
    body = ctx.request.json("wire/update-call-request")
    outcome = await ctx.hub.update(ctx.me.uid, ctx.params["sid"], body["status"], resource=ctx.resource)
    return outcome.reply


def _visible_call(ctx: Context, session_id: str) -> Any:
    call = ctx.hub.backend.call(session_id)
    if ctx.me.uid not in call.parties:
        raise RingsideError(
            ErrorCode.NOT_A_PARTICIPANT, f"{ctx.me.uid!r} is not a participant of this call", {"sessionId": session_id}
        )
    return call


async def list_calls(ctx: Context) -> list[Json]:
    """``GET /calls``: the call log of the user's calls, newest first."""
    mine = [c for c in ctx.hub.backend.calls.values() if ctx.me.uid in c.parties]
    # newest first; calls placed at the same instant keep reverse creation order
    return [call_log(c) for c in reversed(sorted(mine, key=lambda c: c.initiated_at))]


async def get_call(ctx: Context) -> Json:
    """``GET /calls/{sessionId}``: one call log entry."""
    return call_log(_visible_call(ctx, ctx.params["sid"]))


async def call_token(ctx: Context) -> Json:
    """``POST /call_tokens`` (Calls SDK ``generateToken``): a token to join the media session."""
    body = ctx.request.json("wire/call-token-request")
    call = _visible_call(ctx, body["sessionId"])
    return {"token": f"calltoken.{call.session_id}.{ctx.me.uid}.{ctx.hub.backend.ids.next('calltoken', 16)}"}


async def user_sessions(ctx: Context) -> Json:
    """``POST /user_sessions``: the SDK's telemetry, accepted and journaled."""
    ctx.request.json("wire/user-session-request", required=False)
    return {}


def _r(method: str, pattern: str, auth: str, handler: Handler) -> Route:
    # \Z, not $: "$" also matches before a final newline, so GET /calls/%0A (a session id of "\n") was
    # answered as GET /calls, the call log (found by schemathesis)
    return Route(method, re.compile(r"(?:^|/)" + pattern + r"/?\Z"), auth, handler)


_ID = r"(?P<{}>[^/]+)"
ROUTES: list[Route] = [
    _r("POST", rf"users/{_ID.format('uid')}/auth_tokens", "apikey", auth_token),
    _r("GET", rf"users/{_ID.format('uid')}", "token", get_user),
    _r("PUT", "me", "token", put_me),
    _r("GET", "me", "token", get_me),
    _r("DELETE", "me", "token", delete_me),
    _r("GET", "settings", "none", get_settings),
    _r("POST", "users", "apikey", create_user),
    _r("POST", "calls", "token", initiate_call),
    _r("GET", "calls", "token", list_calls),
    _r("PUT", rf"calls/{_ID.format('sid')}", "token", update_call),
    _r("GET", rf"calls/{_ID.format('sid')}", "token", get_call),
    _r("POST", "call_tokens", "token", call_token),
    _r("POST", "user_sessions", "token", user_sessions),
]


def _authenticate(hub: Hub, request: Request, route: Route) -> tuple[User | None, str | None]:
    headers = request.headers  # names lower-case: Request.header without lower-casing a literal each time
    app_id = headers.get("appid")
    if app_id is not None and app_id != hub.config.app_id:
        raise RingsideError(
            ErrorCode.APP_ID_MISMATCH, f"this server serves app {hub.config.app_id!r}", {"appId": app_id}
        )
    if route.auth == "apikey":
        if headers.get("apikey") != hub.config.api_key:
            raise RingsideError(ErrorCode.API_KEY_NOT_FOUND, "the apiKey header is missing or wrong", {})
        return None, None
    if route.auth == "token":
        token = headers.get("authtoken")
        user = hub.backend.directory.user_for_token(token)
        acting_for = headers.get("onbehalfofuser")
        if acting_for is not None and acting_for != user.uid:
            raise RingsideError(
                ErrorCode.TOKEN_USER_MISMATCH,
                "a token acts only for its own user",
                {"uid": user.uid, "onBehalfOf": acting_for},
            )
        return user, token
    return None, None


def _route_keys(route: Route) -> tuple[str, str]:
    """What a path must end with for ``route`` to match it: (its last path segment if the pattern ends in a
    literal, else ""; the segment before a trailing parameter, else "")."""
    text = route.pattern.pattern.removeprefix("(?:^|/)").removesuffix("/?\\Z")
    parts = text.replace(_ID.format("uid"), "{}").replace(_ID.format("sid"), "{}").split("/")
    assert all(part == "{}" or re.escape(part) == part for part in parts), f"a literal or a parameter: {text}"
    if parts[-1] == "{}":
        return "", parts[-2]
    return parts[-1], ""


#: The routes that may match a path, by its last segment and by the segment before it (a route ending in
#: a parameter): each path is searched with the few regexes it could match, not every route's, in
#: ROUTES order, so the first route whose pattern and method match answers, as before.
_BY_LAST: dict[str, list[tuple[int, Route]]] = {}
_BY_BEFORE_PARAM: dict[str, list[tuple[int, Route]]] = {}
for _index, _route in enumerate(ROUTES):
    _last, _before = _route_keys(_route)
    if _last:
        _BY_LAST.setdefault(_last, []).append((_index, _route))
    else:
        _BY_BEFORE_PARAM.setdefault(_before, []).append((_index, _route))


def _candidates(path: str) -> list[tuple[int, Route]]:
    """Every route whose pattern could match ``path`` (a superset of those that do), in ROUTES order."""
    segments = path.removesuffix("/").rsplit("/", 2)
    by_last = _BY_LAST.get(segments[-1], [])
    by_param = _BY_BEFORE_PARAM.get(segments[-2], []) if len(segments) > 1 and segments[-1] else []
    if not by_param:
        return by_last
    return sorted(by_last + by_param, key=lambda item: item[0]) if by_last else by_param


async def handle(hub: Hub, request: Request) -> Reply:
    """Answer one REST request; every refusal becomes the wire's error envelope."""
    path_matched = False
    for _, route in _candidates(request.path):
        match = route.pattern.search(request.path)
        if not match:
            continue
        path_matched = True
        if route.method != request.method:
            continue
        try:
            user, token = _authenticate(hub, request, route)
            ctx = Context(hub=hub, request=request, params=match.groupdict(), user=user, token=token)
            return Reply.data(await route.handler(ctx))
        except RingsideError as error:
            return Reply.error(error)
    what = "method not allowed here" if path_matched else "no such endpoint"
    return Reply.error(
        RingsideError(ErrorCode.ENDPOINT_NOT_FOUND, f"{what}: {request.method} {request.path}", {"path": request.path})
    )
