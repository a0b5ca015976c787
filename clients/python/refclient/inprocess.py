"""refclient's adapter test service inside the harness's own process: the fast path of ``--client python``.

:class:`InProcessService` runs the same :class:`~refclient.service.AdapterService` as
``python -m refclient.service`` — the same instances, the same command handlers, the same quirks —
on an event loop of its own, in a thread of its own, or on an event loop another thread already runs
(the harness gives it the mock server's: requests between the two then take no thread switch, about a
seventh of a catalogue run's CPU). The client still reaches the mock server the way
it always does (REST and WebSocket over the network, TLS when the server has it, callback reports
POSTed to ``callbackUrl``); what is left out is only the adapter protocol's HTTP hop between the
harness and the service. :meth:`InProcessService.request` takes the place of that hop: it answers
``(status, body, headers)`` for a method and URL exactly as the HTTP routes would, and every request
and reply body goes through JSON on the way (so the harness and the client never share an object, and
a reply that would not survive the wire does not survive here either).

What the HTTP path has and this one lacks: a service in its own process (a client that crashes or
hogs the CPU takes the harness with it) and the service's own HTTP layer (routes, framing; tested in
``tests/refclient/test_refclient_service.py``). ``ringside run --transport http`` runs the catalogue
the other way, through ``python -m refclient.service``, like any other client.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

import orjson

from adapter_protocol.errors import AdapterError
from refclient.faults import Quirks
from refclient.instance import ProtocolError
from refclient.service import AdapterService, command_body

__all__ = ["URL", "InProcessService"]

T = TypeVar("T")
Json = dict[str, Any]
Reply = tuple[int, Any, dict[str, str]]
#: The base URL the harness uses for the in-process service (never opened as a socket).
URL = "inprocess://refclient"
_INSTANCE_PREFIX = "/instances/"
#: Real seconds the service may take to stop its instances when closed.
CLOSE_DEADLINE = 10.0


class InProcessService:
    """refclient's adapter service on its own loop thread; :meth:`request` is the adapter protocol's HTTP."""

    def __init__(self, quirks: Quirks | None = None, *, loop: asyncio.AbstractEventLoop | None = None) -> None:
        #: ``loop``: a running loop to share (closing the service leaves it running); else a new one on a
        #: thread of its own
        self._loop = loop if loop is not None else asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        if loop is None:
            self._thread = threading.Thread(target=self._loop.run_forever, name="refclient-in-process", daemon=True)
            self._thread.start()
        self._service: AdapterService = self._run(self._make(quirks or Quirks()), CLOSE_DEADLINE)
        self._closed = False

    @staticmethod
    async def _make(quirks: Quirks) -> AdapterService:
        return AdapterService(quirks)  # built on its loop (its asyncio objects belong there)

    def request(self, method: str, url: str, body: Any = None, *, deadline: float) -> Reply:
        """What the service's HTTP route for ``method url`` would answer: ``(status, JSON body, headers)``.

        Raises :class:`~adapter_protocol.errors.AdapterError` when the reply does not come within
        ``deadline`` real seconds (the request is cancelled) or the service is closed.
        """
        if self._closed:
            raise AdapterError(f"the in-process service is closed ({method} {url})")
        path = url[len(URL) :] if url.startswith(URL) else url
        wire = None if body is None else _through_json(body)
        try:
            status, reply, headers = self._run(self._route(method, path or "/", wire), deadline)
        except FutureTimeout:
            raise AdapterError(
                f"the in-process service did not answer {method} {url} within {deadline:.1f} s"
            ) from None
        return status, None if reply is None else _through_json(reply), headers

    async def _route(self, method: str, path: str, body: Any) -> Reply:
        service = self._service
        try:
            if path == "/":
                if method == "GET":
                    return 200, service.description(), {}
                if method == "POST":
                    location = f"{URL}{_INSTANCE_PREFIX}{service.create_instance(body)}"
                    return 201, {"url": location}, {"Location": location}
                if method == "DELETE":
                    await service.close_instances()
                    return 204, None, {}
            elif path.startswith(_INSTANCE_PREFIX):
                instance_id = path[len(_INSTANCE_PREFIX) :]
                if method == "POST":
                    checked = command_body(body)
                    return 200, await service.run_command(service.instance(instance_id), checked), {}
                if method == "DELETE":
                    await service.delete_instance(instance_id)
                    return 204, None, {}
            raise ProtocolError(404, "BAD_REQUEST", f"{method} {path}: Not Found")
        except ProtocolError as exc:
            return exc.status, exc.to_json(), {}

    def close(self) -> None:
        """Close every instance (without logging out, as ``DELETE /`` does) and stop the loop thread."""
        if self._closed:
            return
        self._closed = True
        try:
            self._run(self._shutdown(), CLOSE_DEADLINE)
        finally:
            if self._thread is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(timeout=CLOSE_DEADLINE)
                if not self._thread.is_alive():
                    self._loop.close()

    async def _shutdown(self) -> None:
        await self._service.close_instances()
        await self._service.close_session()

    def _run(self, coro: Coroutine[Any, Any, T], deadline: float) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout=deadline)
        except FutureTimeout:
            future.cancel()
            raise


def _through_json(value: Any) -> Any:
    """``value`` as it would arrive over HTTP: a deep copy made of JSON types only (orjson, several times
    faster than json per command; json for what orjson refuses, such as an integer beyond 64 bits)."""
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:  # orjson.JSONEncodeError is one
        return json.loads(json.dumps(value))
