"""Control endpoints for scripts and faults (``/_ringside/scripts``, ``/_ringside/faults``).

Registered with :func:`mockserver.control.route` when this module is imported (``mockserver.scripted``
imports it). Bodies use the script schema; a bad one is refused with ``ERR_SCRIPT_INVALID`` whose
``details.problems`` lists ``{path, message}`` for every problem.

==========  ==========================  ================================================================
method      path                        does
==========  ==========================  ================================================================
POST        /_ringside/scripts          load a script (the YAML format, as JSON); replies with its summary
GET         /_ringside/scripts          loaded scripts and every scripted user (magic ones included)
DELETE      /_ringside/scripts          forget every script (see ``Scripting.clear_scripts``)
POST        /_ringside/faults           arm one fault (an object) or several (``{"faults": [...]}``)
GET         /_ringside/faults           armed faults (remaining, fired) and running refusal windows
DELETE      /_ringside/faults           disarm every fault
DELETE      /_ringside/faults/{id}      disarm one fault
==========  ==========================  ================================================================
"""

from __future__ import annotations

from typing import Any

from mockserver.control import route
from mockserver.core import ErrorCode, RingsideError
from mockserver.exchange import Json, Request
from mockserver.hub import Hub
from mockserver.scripted.behaviours import render_path
from mockserver.scripted.engine import scripting_of
from mockserver.scripted.script import ScriptInvalid
from mockserver.scripted.script_file import check_script_data


def _invalid(exc: ScriptInvalid) -> RingsideError:
    return RingsideError(
        ErrorCode.SCRIPT_INVALID,
        exc.lines[0] if len(exc.lines) == 1 else f"{exc.lines[0]} (and {len(exc.lines) - 1} more)",
        {"problems": [{"path": render_path(p.path), "message": p.message} for p in exc.problems]},
    )


@route("POST", "/scripts")
async def post_script(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Load a script now (times count from now)."""
    try:
        script = check_script_data(request.json())
    except ScriptInvalid as exc:
        raise _invalid(exc) from None
    loaded = await scripting_of(hub).apply(script, source="control")
    return loaded.to_json()


@route("GET", "/scripts")
async def get_scripts(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Loaded scripts and scripted users."""
    return scripting_of(hub).to_json()


@route("DELETE", "/scripts")
async def delete_scripts(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Forget every loaded script."""
    engine = scripting_of(hub)
    engine.clear_scripts()
    return engine.to_json()


@route("POST", "/faults")
async def post_faults(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Arm one fault (``{kind, user, …}``) or several (``{"faults": [...]}``) now."""
    body = request.json()
    items: Any = body["faults"] if "faults" in body and "kind" not in body else [body]
    try:
        script = check_script_data({"faults": items})
    except ScriptInvalid as exc:
        raise _invalid(exc) from None
    engine = scripting_of(hub)
    armed = [await engine.faults.arm(spec, source="control", seed=engine.seed) for spec in script.faults]
    return {"faults": [f.to_json() for f in armed]}


@route("GET", "/faults")
async def get_faults(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Armed faults and running refusal windows."""
    return scripting_of(hub).faults.to_json()


@route("DELETE", "/faults")
async def delete_faults(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Disarm every fault."""
    engine = scripting_of(hub)
    return {"removed": engine.faults.clear()}


@route("DELETE", r"/faults/(?P<fid>[A-Za-z0-9]+)")
async def delete_fault(hub: Hub, request: Request, params: dict[str, str]) -> Json:
    """Disarm one fault."""
    if not scripting_of(hub).faults.remove(params["fid"]):
        raise RingsideError(ErrorCode.ENDPOINT_NOT_FOUND, f"no fault {params['fid']!r}", {"faultId": params["fid"]})
    return {"removed": [params["fid"]]}
