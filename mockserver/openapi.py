"""The OpenAPI 3.1 description of ringside's HTTP APIs, built from the schemas the server validates with.

Served at ``GET /_ringside/openapi.json`` and fuzzed by schemathesis (``tests/fuzz/``, docs/reliability.md).

* **The client REST API** (``mockserver.rest.ROUTES``): every route under the ``/v3.0`` prefix the SDK
  uses once it has settings (routes match on the end of the path, so any prefix works; wire facts §1.1).
  Request bodies are the wire schemas the handlers check (``wire/initiate-call-request``…), replies the
  wire schemas of their ``data`` (``wire/call-message``…), wrapped in the ``{"data": …}`` envelope.
* **The control API** (``mockserver.control.ROUTES`` and the routes other modules register): its bodies
  are checked field by field in ``control.py`` (no schema files), so they are described here; the
  script and fault bodies use the script schema, the calls it places the call message.
* Every refusal, on both APIs, is the wire's error envelope (``wire/error-envelope``) with a 4xx status.

The wire schemas go into ``components/schemas`` as ``wire.<name>`` (``script.script``), with their
``$id`` dropped and every ``$ref`` rewritten to point inside the document, so the description stands
alone. Paths come from the route tables' own patterns: a route with no entry in :data:`REST` or
:func:`_control_operations` fails :func:`build` (and ``tests/fuzz/test_openapi.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from mockserver import __version__, control, rest, schemas
from mockserver.exchange import Json

OPENAPI_PATH: Final = control.PREFIX + "/openapi.json"
#: The prefix the REST paths are described under (the SDK's, once it has settings).
REST_PREFIX: Final = "/v3.0"
_COMPONENTS: Final = "#/components/schemas/"
_PARAM = re.compile(r"\(\?P<(?P<name>\w+)>(?P<pattern>[^)]*)\)")


class UndescribedRoute(LookupError):
    """A route of the server has no operation here (add one to :data:`REST` or the control table)."""


@dataclass(frozen=True)
class Operation:
    """What one route takes and answers.

    ``body``: a schema (a ``$ref`` to a component or inline) of the request body, or None for none;
    ``data``: the schema of ``data`` in the success reply; ``auth``: ``apikey``, ``token``, ``none`` or
    ``control``; ``query``: query parameters (name → schema).
    """

    summary: str
    data: Json
    body: Json | None = None
    body_required: bool = True
    auth: str = "none"
    query: dict[str, Json] = field(default_factory=dict)
    #: the reply is ``data`` itself, not wrapped in the envelope (only this document is)
    raw: bool = False


def wire(name: str) -> Json:
    """A ``$ref`` to the component holding the server schema ``name`` (``"wire/call-message"``)."""
    return {"$ref": _COMPONENTS + component_name(name)}


def component_name(name: str) -> str:
    """``"wire/call-message"`` → ``"wire.call-message"`` (component names allow no ``/``)."""
    return name.replace("/", ".")


_OBJECT: Final[Json] = {"type": "object"}
_EMPTY: Final[Json] = {"type": "object", "maxProperties": 0}
_ARRAY_OF_OBJECTS: Final[Json] = {"type": "array", "items": {"type": "object"}}


def _array_of(item: Json) -> Json:
    return {"type": "array", "items": item}


#: The client REST API, by handler (its path and method come from ``rest.ROUTES``).
REST: Final[dict[rest.Handler, Operation]] = {
    rest.auth_token: Operation(
        "login(uid, authKey): an auth token for uid",
        wire("wire/auth-token"),
        wire("wire/auth-token-request"),
        body_required=False,
        auth="apikey",
    ),
    rest.get_user: Operation("a user", wire("wire/user"), auth="token"),
    rest.put_me: Operation(
        "login's second step: the user, its jwt and settings",
        wire("wire/me"),
        wire("wire/me-request"),
        body_required=False,
        auth="token",
    ),
    rest.get_me: Operation("the logged-in user", wire("wire/me"), auth="token"),
    rest.delete_me: Operation("logout: the token stops working", _EMPTY, auth="token"),
    rest.get_settings: Operation("the app settings", wire("wire/settings")),
    rest.create_user: Operation("createUser", wire("wire/user"), wire("wire/create-user-request"), auth="apikey"),
    rest.initiate_call: Operation(
        "initiateCall", wire("wire/call-message"), wire("wire/initiate-call-request"), auth="token"
    ),
    rest.list_calls: Operation("the call log, newest first", _array_of(wire("wire/call-log")), auth="token"),
    rest.update_call: Operation(
        "accept, reject, busy, cancel, unanswered, end",
        wire("wire/call-message"),
        wire("wire/update-call-request"),
        auth="token",
    ),
    rest.get_call: Operation("one call log entry", wire("wire/call-log"), auth="token"),
    rest.call_token: Operation(
        "the Calls SDK's generateToken", wire("wire/call-token"), wire("wire/call-token-request"), auth="token"
    ),
    rest.user_sessions: Operation(
        "the SDK's telemetry", _EMPTY, wire("wire/user-session-request"), body_required=False, auth="token"
    ),
}


def _object(required: list[str], properties: dict[str, Json], *, closed: bool = False) -> Json:
    schema: Json = {"type": "object", "required": required, "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    return schema


_STR: Final[Json] = {"type": "string"}
_OPT_STR: Final[Json] = {"type": ["string", "null"]}
_OPT_BOOL: Final[Json] = {"type": ["boolean", "null"]}
_NUMBER: Final[Json] = {"type": "number"}
_INT_QUERY: Final[Json] = {"type": "string", "pattern": "^[0-9]{1,12}$"}
_NUM_QUERY: Final[Json] = {"type": "string", "pattern": "^[0-9]{1,4}(\\.[0-9]{1,3})?$"}
_USER_ROW: Final[Json] = {
    "allOf": [wire("wire/user")],
    "type": "object",
    "required": ["authTokens", "devices", "engagedIn"],
    "properties": {"authTokens": _array_of(_STR), "devices": _array_of(_OPT_STR), "engagedIn": _array_of(_STR)},
}
_GROUP_ROW: Final[Json] = {
    "allOf": [wire("wire/group")],
    "type": "object",
    "required": ["members"],
    "properties": {"members": _array_of(_STR)},
}
_FAULT: Final[Json] = {"$ref": _COMPONENTS + component_name("script/script") + "/$defs/fault"}


def _control_operations() -> dict[control.ControlHandler, Operation]:
    """The control API, by handler (imported late: the scripted routes register themselves on import)."""
    from mockserver.scripted import routes as scripted  # noqa: PLC0415

    c = control
    ctl = "control"
    return {
        c.info: Operation(
            "what this server is",
            _object(["name", "version", "appId", "apiKey", "host", "port", "clock"], {"port": {"type": "integer"}}),
            auth=ctl,
        ),
        c.reset: Operation(
            "forget calls, users and groups made since start",
            _object(["now", "journalSeq"], {"now": _NUMBER, "journalSeq": {"type": "integer"}}),
            _object([], {"clearJournal": _OPT_BOOL, "closeSockets": _OPT_BOOL}),
            body_required=False,
            auth=ctl,
        ),
        c.list_users: Operation("every user", _array_of(_USER_ROW), auth=ctl),
        c.create_user: Operation(
            "create a user and hand out a token",
            {"allOf": [_USER_ROW], "required": ["authToken"], "properties": {"authToken": _STR}},
            _object(["uid"], {"uid": _STR, "name": _OPT_STR}),
            auth=ctl,
        ),
        c.new_token: Operation(
            "a fresh auth token", _object(["uid", "authToken"], {"uid": _STR, "authToken": _STR}), auth=ctl
        ),
        c.list_groups: Operation("every group", _array_of(_GROUP_ROW), auth=ctl),
        c.create_group: Operation(
            "create or replace a group",
            _GROUP_ROW,
            _object(["guid", "members"], {"guid": _STR, "name": _OPT_STR, "members": _array_of(_STR)}),
            auth=ctl,
        ),
        c.get_clock: Operation(
            "the clock", _object(["kind", "now", "rate", "timers"], {"timers": _ARRAY_OF_OBJECTS}), auth=ctl
        ),
        c.advance_clock: Operation(
            "move the virtual clock",
            _object(["now", "fired"], {"now": _NUMBER, "fired": _array_of(_STR)}),
            {
                "oneOf": [
                    _object(["seconds"], {"seconds": _NUMBER}),
                    _object(["to"], {"to": _NUMBER}),
                ]
            },
            auth=ctl,
        ),
        c.list_calls: Operation("every call", _ARRAY_OF_OBJECTS, auth=ctl),
        c.get_call: Operation("one call", _OBJECT, auth=ctl),
        c.act_initiate: Operation(
            "place a call as a user",
            wire("wire/call-message"),
            _object(
                ["as", "receiver"],
                {"as": _STR, "receiver": _STR, "receiverType": _OPT_STR, "callType": _OPT_STR},
            ),
            auth=ctl,
        ),
        c.act_update: Operation(
            "move a call as a user",
            wire("wire/call-message"),
            _object(["as", "status"], {"as": _STR, "status": _STR}),
            auth=ctl,
        ),
        c.journal: Operation(
            "one page of journal entries after a cursor (docs/control-api.md)",
            _object(
                ["entries", "next", "more", "lastSeq", "firstSeq", "dropped", "missing"],
                {
                    "entries": _ARRAY_OF_OBJECTS,
                    "next": {"type": "integer"},
                    "more": {"type": "boolean"},
                    "lastSeq": {"type": "integer"},
                    "firstSeq": {"type": "integer"},
                    "capacity": {"type": "integer"},
                    "dropped": {"type": "integer"},
                    "missing": {"type": "integer"},
                    "file": _OPT_STR,
                },
            ),
            auth=ctl,
            query={"after": _INT_QUERY, "since": _INT_QUERY, "limit": _INT_QUERY, "kind": _STR},
        ),
        c.devices: Operation("connected devices", _ARRAY_OF_OBJECTS, auth=ctl, query={"uid": _STR, "wait": _NUM_QUERY}),
        c.drop_device: Operation("close one device's socket now", _OBJECT, auth=ctl),
        c.post_callback: Operation("the callback sink", _EMPTY, _OBJECT, auth=ctl),
        c.get_callbacks: Operation(
            "callbacks reported under a tag",
            _ARRAY_OF_OBJECTS,
            auth=ctl,
            query={"count": _INT_QUERY, "wait": _NUM_QUERY},
        ),
        c.stats: Operation(
            "counters", _object(["requests", "framesOut", "framesIn", "calls", "devices"], {}), auth=ctl
        ),
        scripted.post_script: Operation("load a script", _OBJECT, wire("script/script"), auth=ctl),
        scripted.get_scripts: Operation("loaded scripts and scripted users", _OBJECT, auth=ctl),
        scripted.delete_scripts: Operation("forget every script", _OBJECT, auth=ctl),
        scripted.post_faults: Operation(
            "arm one fault or several",
            _object(["faults"], {"faults": _ARRAY_OF_OBJECTS}),
            {"oneOf": [_FAULT, _object(["faults"], {"faults": _array_of(_FAULT)}, closed=True)]},
            auth=ctl,
        ),
        scripted.get_faults: Operation("armed faults", _OBJECT, auth=ctl),
        scripted.delete_faults: Operation("disarm every fault", _OBJECT, auth=ctl),
        scripted.delete_fault: Operation("disarm one fault", _OBJECT, auth=ctl),
        c.openapi_json: Operation(
            "this description",
            _object(["openapi", "paths", "components"], {"openapi": {"const": "3.1.0"}}),
            auth=ctl,
            raw=True,
        ),
    }


def path_template(pattern: str) -> tuple[str, dict[str, str]]:
    """A route regex → an OpenAPI path template and its parameters' patterns.

    ``(?:^|/)calls/(?P<sid>[^/]+)/?\\Z`` → ``("calls/{sid}", {"sid": "^[^/]+$"})`` (a parameter's pattern in
    the ECMA-262 dialect of OpenAPI, where ``$`` is the end of the text).
    """
    params = {m["name"]: f"^{m['pattern']}$" for m in _PARAM.finditer(pattern)}
    text = _PARAM.sub(lambda m: "{" + m["name"] + "}", pattern)
    for junk in ("(?:^|/)", "/?\\Z", "^"):
        text = text.replace(junk, "")
    if re.search(r"[\\()\[\]?*+$^]", text):
        raise ValueError(f"cannot turn the route pattern {pattern!r} into a path")
    return text, params


def routes() -> list[tuple[str, str, dict[str, str], Operation]]:
    """Every route of the server as ``(method, path, path params, operation)``; raises UndescribedRoute."""
    out: list[tuple[str, str, dict[str, str], Operation]] = []
    for route in rest.ROUTES:
        operation = REST.get(route.handler)
        if operation is None:
            raise UndescribedRoute(f"REST {route.method} {route.pattern.pattern} ({route.handler.__name__})")
        path, params = path_template(route.pattern.pattern)
        out.append((route.method, f"{REST_PREFIX}/{path}", params, operation))
    described = _control_operations()
    for method, pattern, handler in [*control.ROUTES, *control.EXTRA_ROUTES]:
        op = described.get(handler)
        if op is None:
            raise UndescribedRoute(f"control {method} {pattern.pattern} ({handler.__name__})")
        path, params = path_template(pattern.pattern)
        out.append((method, path, params, op))
    return out


def _rewrite_refs(node: Any, own: str) -> Any:
    """Point every ``$ref`` of the schema ``own`` at the document's components."""
    if isinstance(node, list):
        return [_rewrite_refs(item, own) for item in node]
    if not isinstance(node, dict):
        return node
    out: Json = {}
    for key, value in node.items():
        if key in ("$id", "$schema"):
            continue
        if key == "$ref" and isinstance(value, str):
            target, _, fragment = value.partition("#")
            if not target:
                name = own
            elif target.startswith(schemas.BASE_URI) and target.endswith(".schema.json"):
                name = target[len(schemas.BASE_URI) : -len(".schema.json")]
            else:
                raise ValueError(f"{own}: cannot place the $ref {value!r} in the document")
            out[key] = _COMPONENTS + component_name(name) + fragment
        else:
            out[key] = _rewrite_refs(value, own)
    return out


def _error_reply() -> Json:
    return {
        "description": "refused: the wire's error envelope",
        "content": {"application/json": {"schema": wire("wire/error-envelope")}},
    }


def _operation(method: str, path: str, params: dict[str, str], op: Operation) -> Json:
    parameters: list[Json] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": pattern}}
        for name, pattern in params.items()
    ]
    parameters += [{"name": name, "in": "query", "required": False, "schema": s} for name, s in op.query.items()]
    envelope = (
        op.data
        if op.raw
        else {"type": "object", "required": ["data"], "properties": {"data": op.data}, "additionalProperties": False}
    )
    operation: Json = {
        "operationId": f"{method.lower()} {path}",
        "summary": op.summary,
        "tags": ["control" if path.startswith(control.PREFIX) else "rest"],
        "responses": {
            "200": {"description": "done", "content": {"application/json": {"schema": envelope}}},
            "4XX": _error_reply(),
        },
    }
    if parameters:
        operation["parameters"] = parameters
    if op.body is not None:
        operation["requestBody"] = {"required": op.body_required, "content": {"application/json": {"schema": op.body}}}
    security: dict[str, list[Json]] = {
        "apikey": [{"apiKey": []}],
        "token": [{"authToken": []}],
        "control": [{"controlBearer": []}, {"controlToken": []}],
    }
    operation["security"] = security.get(op.auth, [])
    return operation


def build(server_url: str | None = None) -> Json:
    """The OpenAPI 3.1 document (``server_url``, e.g. ``http://127.0.0.1:8080``, goes into ``servers``)."""
    paths: dict[str, Json] = {}
    for method, path, params, op in routes():
        paths.setdefault(path, {})[method.lower()] = _operation(method, path, params, op)
    components = {component_name(name): _rewrite_refs(schemas.schema(name), name) for name in schemas.names()}
    document: Json = {
        "openapi": "3.1.0",
        "jsonSchemaDialect": schemas.DRAFT_URI,
        "info": {
            "title": "ringside: the CometChat mock's REST and control APIs",
            "version": __version__,
            "description": (
                "REST routes match on the end of the path, so any prefix works; they are described under "
                f"{REST_PREFIX}. The control API ({control.PREFIX}) answers loopback only. "
                "Every reply is {data} or the error envelope {error: {code, message, details}}."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "apiKey"},
                "authToken": {"type": "apiKey", "in": "header", "name": "authToken"},
                "controlBearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the server's control token (ringside serve prints the file that holds it)",
                },
                "controlToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Ringside-Control-Token",
                    "description": "the server's control token, in a header of its own",
                },
            },
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document
