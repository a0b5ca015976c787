"""The ringside adapter test service for refclient (``docs/adapter-protocol.md``, version 1).

Run it as::

    python -m refclient.service --port 0 [--host 127.0.0.1] [--quirks name[,name…]]

It prints exactly one line on stdout when ready, ``ringside-adapter: listening on http://HOST:PORT``;
logs go to stderr (level from ``--log-level`` or ``RINGSIDE_REFCLIENT_LOG``, default WARNING).
Quirks (deliberate faults, :mod:`refclient.faults`) come from ``--quirks`` and from the environment
variable ``RINGSIDE_REFCLIENT_QUIRKS``; the union of both is used. ``DELETE /`` stops the service,
which then exits with status 0.

Routes::

    GET    /                 describe the service
    POST   /                 create an instance  → 201, Location: /instances/N
    POST   /instances/N      run a command       → 200 {"ok": …}
    DELETE /instances/N      log out and free    → 204
    DELETE /                 shut down           → 204, then exit 0

Protocol errors are ``{"error": {"code", "message", "details"}}`` with HTTP 400 (``BAD_REQUEST``,
``UNKNOWN_COMMAND``, ``NOT_SUPPORTED``) or 404 (``UNKNOWN_INSTANCE``, unknown routes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from aiohttp import web

from adapter_protocol.names import READY_PREFIX, Capability, Command
from refclient.client import SDK_VERSION
from refclient.errors import CometChatError
from refclient.faults import ENV_VAR, Quirks
from refclient.instance import Instance, InstanceConfig, ProtocolError, bad_request

__all__ = ["CAPABILITIES", "NAME", "READY_PREFIX", "AdapterService", "main"]

log = logging.getLogger("refclient.service")

#: The service's name in ``GET /``.
NAME = "ringside-python-reference"
#: Everything this service implements (all of protocol version 1).
CAPABILITIES = [c.value for c in Capability]
#: Environment variable with the log level (e.g. ``INFO``, ``DEBUG``).
LOG_ENV_VAR = "RINGSIDE_REFCLIENT_LOG"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Json = dict[str, Any]
#: Commands whose result carries sync's counts already: their replies need no ``counts`` beside it.
_COUNTING_COMMANDS = frozenset({Command.ADVANCE_TIME, Command.SYNC})


class AdapterService:
    """The test service: the instances, the routes, and the shutdown signal.

    Args:
        quirks: deliberate faults given to every client instance.
    """

    def __init__(
        self,
        quirks: Quirks | None = None,
        breakage: tuple[str, str] | None = None,
        capabilities: Sequence[str] | None = None,
    ) -> None:
        self.quirks = quirks or Quirks()
        #: what ``GET /`` declares (all of :data:`CAPABILITIES` unless narrowed, to test a harness)
        self.capabilities = list(CAPABILITIES if capabilities is None else capabilities)
        #: (command, how): make the *service* misbehave on one command — "crash", "hang" or "garbage"
        self.breakage = breakage
        self.instances: dict[str, Instance] = {}
        self.stopped = asyncio.Event()
        self._created = 0
        self._session: aiohttp.ClientSession | None = None

    def app(self) -> web.Application:
        """The aiohttp application serving the protocol."""
        app = web.Application(middlewares=[self._errors])
        app.router.add_get("/", self.describe)
        app.router.add_post("/", self.create)
        app.router.add_delete("/", self.stop)
        app.router.add_post("/instances/{id}", self.command)
        app.router.add_delete("/instances/{id}", self.delete)
        app.on_cleanup.append(self._cleanup)
        return app

    # -- routes -----------------------------------------------------------------------------------

    async def describe(self, request: web.Request) -> web.Response:
        """``GET /``."""
        return web.json_response(self.description())

    async def create(self, request: web.Request) -> web.Response:
        """``POST /``: a new, not yet logged-in instance."""
        instance_id = self.create_instance(await _json_body(request))
        url = f"{request.url.origin()}/instances/{instance_id}"
        return web.json_response({"url": url}, status=201, headers={"Location": url})

    async def command(self, request: web.Request) -> web.Response:
        """``POST /instances/{id}``: run a command; the client's own errors are ``ok: false``."""
        instance = self.instance(request.match_info["id"])
        body = command_body(await _json_body(request))
        if self.breakage is not None and body["command"] == self.breakage[0]:
            return await self._break(self.breakage[1])
        return web.json_response(await self.run_command(instance, body))

    # -- the routes' work, without HTTP (the in-process service, refclient.inprocess, calls these too) --

    def description(self) -> Json:
        """The body of ``GET /``."""
        return {
            "name": NAME,
            "version": SDK_VERSION,
            "protocolVersion": 1,
            "capabilities": self.capabilities,
            "sdk": {"name": "refclient", "version": SDK_VERSION},
            "quirks": self.quirks.enabled(),
        }

    def create_instance(self, body: Any) -> str:
        """``POST /``'s work: validate the request, make the instance; returns its id."""
        config = InstanceConfig.from_json(body)
        self._created += 1
        instance_id = str(self._created)
        self.instances[instance_id] = Instance(config, self._http, self.quirks)
        return instance_id

    async def run_command(self, instance: Instance, body: Json) -> Json:
        """``POST /instances/{id}``'s work on a checked body: the reply, ``ok: false`` for the client's own errors."""
        try:
            result = await instance.run(body["command"], body["params"])
        except CometChatError as exc:
            reply: Json = {"ok": False, "error": exc.to_json()}
        else:
            reply = {"ok": True, "result": result}
        # what sync would answer, when the instance is settled as the reply goes (optional in the protocol)
        if body["command"] not in _COUNTING_COMMANDS and (counts := instance.counts_if_settled()) is not None:
            reply["counts"] = counts
        return reply

    async def delete_instance(self, instance_id: str) -> None:
        """``DELETE /instances/{id}``'s work: log out and free the instance."""
        instance = self.instance(instance_id)
        del self.instances[instance_id]
        await instance.close()

    async def _break(self, how: str) -> web.Response:
        """A broken test service, for proving the harness copes: die, never answer, or answer garbage."""
        if how == "crash":
            log.warning("--break: crashing on purpose")
            os._exit(3)
        if how == "hang":
            await asyncio.Event().wait()
        return web.Response(text="<html>500 oops</html>", content_type="text/html")

    async def delete(self, request: web.Request) -> web.Response:
        """``DELETE /instances/{id}``: log out and free the instance."""
        await self.delete_instance(request.match_info["id"])
        return web.Response(status=204)

    async def stop(self, request: web.Request) -> web.StreamResponse:
        """``DELETE /``: reply, then let :func:`serve` shut everything down."""
        response = web.Response(status=204)
        await response.prepare(request)
        await response.write_eof()
        self.stopped.set()
        return response

    # -- plumbing ---------------------------------------------------------------------------------

    def instance(self, instance_id: str) -> Instance:
        """The instance ``instance_id`` (``404 UNKNOWN_INSTANCE`` if there is none)."""
        instance = self.instances.get(instance_id)
        if instance is None:
            raise ProtocolError(404, "UNKNOWN_INSTANCE", f"no instance {instance_id!r}")
        return instance

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        return self._session

    async def close_instances(self) -> None:
        """Close every instance (without logging out: the service is going away)."""
        instances, self.instances = list(self.instances.values()), {}
        await asyncio.gather(*(instance.close(logout=False) for instance in instances), return_exceptions=True)

    async def close_session(self) -> None:
        """Close the HTTP session the instances' callback POSTs share."""
        if self._session is not None:
            await self._session.close()

    async def _cleanup(self, app: web.Application) -> None:
        await self.close_instances()
        await self.close_session()

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ProtocolError as exc:
            return web.json_response(exc.to_json(), status=exc.status)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            error = ProtocolError(exc.status, "BAD_REQUEST", f"{request.method} {request.path}: {exc.reason}")
            return web.json_response(error.to_json(), status=exc.status)
        except Exception as exc:
            log.exception("%s %s failed", request.method, request.path)
            body = {"error": {"code": "INTERNAL_ERROR", "message": f"{type(exc).__name__}: {exc}", "details": None}}
            return web.json_response(body, status=500)


def command_body(body: Any) -> Json:
    """A command request checked: ``{"command": str, "params": {...}}`` (``params`` null or absent: ``{}``)."""
    if not isinstance(body, dict) or not isinstance(body.get("command"), str):
        raise bad_request('the body must be {"command": "...", "params": {...}}')
    params = body.get("params")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise bad_request("params must be an object or null")
    return {"command": body["command"], "params": params}


async def _json_body(request: web.Request) -> Any:
    text = await request.text()
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise bad_request(f"the body is not JSON: {exc}") from None


async def serve(
    host: str,
    port: int,
    quirks: Quirks,
    breakage: tuple[str, str] | None = None,
    capabilities: Sequence[str] | None = None,
) -> None:
    """Serve until ``DELETE /`` or SIGINT/SIGTERM; print the ready line once listening."""
    service = AdapterService(quirks, breakage, capabilities)
    runner = web.AppRunner(service.app(), access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    print(f"{READY_PREFIX}http://{host}:{bound}", flush=True)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, service.stopped.set)
    try:
        await service.stopped.wait()
    finally:
        await runner.cleanup()


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m refclient.service", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--quirks",
        action="append",
        default=[],
        metavar="NAMES",
        help=f"comma-separated deliberate faults (also ${ENV_VAR}); known: {', '.join(Quirks.names())}",
    )
    parser.add_argument(
        "--break",
        dest="breakage",
        metavar="COMMAND:HOW",
        help="make the service itself misbehave on COMMAND: crash, hang or garbage (to test a harness)",
    )
    parser.add_argument(
        "--capabilities",
        metavar="NAMES",
        help="declare only these comma-separated capabilities ('' for none), to see how a harness judges that",
    )
    parser.add_argument("--log-level", default=os.environ.get(LOG_ENV_VAR, "WARNING"), help="stderr log level")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr, level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    try:
        quirks = Quirks.from_env().merged(Quirks.parse(",".join(args.quirks)))
    except ValueError as exc:
        print(f"refclient.service: {exc}", file=sys.stderr)
        return 2
    if quirks.enabled():
        log.warning("deliberate faults on: %s", ", ".join(quirks.enabled()))
    breakage = None
    if args.breakage:
        command, _, how = args.breakage.partition(":")
        if how not in ("crash", "hang", "garbage"):
            print("refclient.service: --break wants COMMAND:crash|hang|garbage", file=sys.stderr)
            return 2
        breakage = (command, how)
    capabilities = None
    if args.capabilities is not None:
        capabilities = [c for c in args.capabilities.split(",") if c]
        unknown = sorted(set(capabilities) - set(CAPABILITIES))
        if unknown:
            print(f"refclient.service: unknown capabilities {', '.join(unknown)}", file=sys.stderr)
            return 2
    asyncio.run(serve(args.host, args.port, quirks, breakage, capabilities))
    return 0


if __name__ == "__main__":
    sys.exit(main())
