"""``MockServer``: the mock server on its own event loop in a background thread, behind a sync facade.

pytest-bdd steps are synchronous, so tests talk to the server through this one thread-safe object
(as pytest-httpserver does with werkzeug). Every method marshals onto the server's loop and waits,
with a deadline, for the answer.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from mockserver import control as control_api
from mockserver import jsoncodec
from mockserver.app import RunningServer, listen_plain, start_server
from mockserver.clock import Clock, VirtualClock, parse_clock
from mockserver.config import ServerConfig
from mockserver.exchange import Json, Reply, Request
from mockserver.hub import Hub
from mockserver.probe import Probe

T = TypeVar("T")
#: How long a facade call may take before it is reported as a hang (real seconds).
DEFAULT_DEADLINE = 30.0


class MockServer:
    """Start with :meth:`start`, stop with :meth:`stop` (or use it as a context manager)."""

    def __init__(
        self,
        config: ServerConfig | None = None,
        *,
        clock: Clock | None = None,
        plain_listener: bool = False,
        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
    ) -> None:
        self.config = config or ServerConfig()
        self.clock = clock or parse_clock(self.config.clock)
        #: ``loop_factory``: the event loop to run on (e.g. ``uvloop.new_event_loop``); asyncio's by default
        self._loop = (loop_factory or asyncio.new_event_loop)()
        self._thread = threading.Thread(target=self._loop.run_forever, name="ringside-mock", daemon=True)
        self._server: RunningServer | None = None
        #: with TLS on, also listen in plain HTTP on a port of its own (same server, same state): for
        #: clients whose scenario is not about TLS, sparing them the handshakes (:attr:`plain`)
        self._plain_listener = plain_listener
        self._plain: RunningServer | None = None
        #: the typed port a harness uses (the only way ringside's own harness reaches the server)
        self.probe = Probe(self)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> MockServer:
        """Start the loop thread and the server; returns self."""
        self._thread.start()
        self._server = self.run(start_server(self.config, clock=self.clock))
        if self._plain_listener and self._server.tls is not None:
            self._plain = self.run(self._listen_plain(self._server))
        return self

    async def _listen_plain(self, running: RunningServer) -> RunningServer:
        return await listen_plain(running, self.config.host)

    def stop(self) -> None:
        """Stop the server and its thread."""
        if self._server is not None:
            self.run(self._server.stop())
            self._server = None
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- plumbing --------------------------------------------------------------------------------

    @property
    def server(self) -> RunningServer:
        """The running server (after :meth:`start`)."""
        assert self._server is not None, "MockServer.start() first"
        return self._server

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The server's event loop (its own thread runs it): another asyncio component may share it."""
        return self._loop

    @property
    def hub(self) -> Hub:
        """The hub; touch it only through :meth:`call` from another thread."""
        return self.server.hub

    def run(self, coro: Coroutine[Any, Any, T], *, deadline: float = DEFAULT_DEADLINE) -> T:
        """Run ``coro`` on the server's loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout=deadline)

    def call(self, fn: Callable[[Hub], T]) -> T:
        """Run ``fn(hub)`` on the server's loop (for reads and quick changes)."""

        async def inner() -> T:
            return fn(self.hub)

        return self.run(inner())

    def call_async(self, fn: Callable[[Hub], Awaitable[T]]) -> T:
        """Run ``await fn(hub)`` on the server's loop."""

        async def inner() -> T:
            return await fn(self.hub)

        return self.run(inner())

    def control(self, method: str, path: str, body: Json | None = None) -> Reply:
        """Call the control API in-process (same code path as HTTP, without the socket)."""
        request = self.control_request(method, path, body)
        return self.call_async(lambda hub: control_api.handle(hub, request))

    def control_request(self, method: str, path: str, body: Json | None = None) -> Request:
        """A control-API request as :meth:`control` sends it (carrying the control token), for callers that
        run it on the loop themselves (``await control_api.handle(hub, request)``)."""
        return Request(
            method=method,
            path=control_api.PREFIX + path,
            headers={"host": "127.0.0.1", "authorization": f"Bearer {self.control_token}"},
            body=jsoncodec.encode(body) if body is not None else b"",
            remote="127.0.0.1",
        )

    def data(self, method: str, path: str, body: Json | None = None) -> Any:
        """Like :meth:`control`, but returns ``data`` and raises on an error envelope."""
        reply = self.control(method, path, body)
        if "error" in reply.body:
            raise RuntimeError(f"control {method} {path} failed: {reply.body['error']}")
        return reply.body["data"]

    # -- conveniences ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL (``https://127.0.0.1:PORT``)."""
        return self.server.url

    @property
    def ws_url(self) -> str:
        """WebSocket URL."""
        return self.server.ws_url

    @property
    def plain(self) -> RunningServer | None:
        """The plain-HTTP listener of a TLS server started with ``plain_listener=True`` (its ``url``,
        ``ws_url`` and ``port``; same hub, same state), or None."""
        return self._plain

    @property
    def control_token(self) -> str:
        """The secret the control API wants on every request (``Authorization: Bearer <token>``)."""
        return self.config.control_token

    def callback_url(self, tag: str, *, tls: bool = True) -> str:
        """The ``callbackUrl`` for a client instance tagged ``tag``: it may POST that tag's callback
        reports to the sink, and nothing else (docs/control-api.md). ``tls=False``: on the plain
        listener, if there is one."""
        base = self._plain.url if not tls and self._plain is not None else self.url
        return control_api.callback_url(base, self.control_token, tag)

    @property
    def ca_file(self) -> str | None:
        """The CA certificate clients must trust (None without TLS)."""
        return str(self.server.tls.ca) if self.server.tls else None

    @property
    def virtual(self) -> bool:
        """Whether the clock is virtual."""
        return isinstance(self.clock, VirtualClock)

    def now(self) -> float:
        """The server clock's time."""
        return self.clock.now()

    def reset(self, *, clear_journal: bool = False) -> None:
        """Forget everything made since start."""
        self.data("POST", "/reset", {"clearJournal": clear_journal})

    def advance(self, seconds: float) -> Json:
        """Virtual clock: move forward, firing due timers; returns after their frames were sent."""
        result: Json = self.data("POST", "/clock/advance", {"seconds": seconds})
        return result

    def advance_to(self, when: float) -> Json:
        """Virtual clock: move to ``when``."""
        result: Json = self.data("POST", "/clock/advance", {"to": when})
        return result

    def journal(self, *, since: int = 0, kinds: list[str] | None = None) -> list[Json]:
        """Journal entries after ``since``."""
        return self.call(lambda hub: hub.journal.entries(since=since, kinds=kinds))

    def wait_for_device(self, uid: str, *, timeout: float = 10.0) -> None:
        """Return once ``uid`` has an authenticated WebSocket; raise TimeoutError after ``timeout`` s."""
        if not self.call_async(lambda hub: hub.wait_for_devices(uid, timeout=timeout)):
            raise TimeoutError(f"{uid} has no authenticated WebSocket after {timeout} s")

    def add_user(self, uid: str, name: str | None = None) -> str:
        """Create a user; returns an auth token for it."""
        token: str = self.data("POST", "/users", {"uid": uid, "name": name})["authToken"]
        return token

    def add_group(self, guid: str, members: list[str], name: str | None = None) -> None:
        """Create a group."""
        self.data("POST", "/groups", {"guid": guid, "members": members, "name": name})
