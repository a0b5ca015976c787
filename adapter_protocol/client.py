"""A typed, synchronous client of the adapter protocol (docs/adapter-protocol.md): the system under test.

``AdapterService`` is the test service (``GET /``, ``POST /``, ``DELETE /``); ``ClientInstance`` is one
SDK instance in it (``POST <instance>`` commands). Every call has a deadline; a service that hangs,
crashes or answers garbage raises :class:`~adapter_protocol.errors.AdapterError` naming what went wrong.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import shlex
import socket
import subprocess
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from adapter_protocol.errors import AdapterError, ServiceStartError
from adapter_protocol.names import READY_PREFIX, Command
from adapter_protocol.schemas import validate

__all__ = [
    "DEFAULT_COMMAND_DEADLINE",
    "READY_PREFIX",
    "RESULT_SCHEMAS",
    "SPAWN_DEADLINE",
    "AdapterService",
    "ClientInstance",
    "CommandResult",
    "ServiceStartError",
    "StderrTail",
    "Transport",
]

Json = dict[str, Any]
#: Real seconds a single command may take before the service counts as hung.
DEFAULT_COMMAND_DEADLINE = 10.0
#: Real seconds a spawned service may take to print its "listening" line.
SPAWN_DEADLINE = 60.0
#: The schema each command's ``result`` must pass when it is not null.
RESULT_SCHEMAS: dict[str, str] = {
    Command.LOGIN: "adapter/user",
    Command.INITIATE_CALL: "adapter/call",
    Command.ACCEPT_CALL: "adapter/call",
    Command.REJECT_CALL: "adapter/call",
    Command.END_CALL: "adapter/call",
    Command.GET_ACTIVE_CALL: "adapter/call",
    Command.GENERATE_TOKEN: "adapter/generate-token-result",
    Command.START_SESSION: "adapter/start-session-result",
    Command.SESSION_EVENT: "adapter/call",
    Command.GET_SESSION: "adapter/get-session-result",
    Command.ADVANCE_TIME: "adapter/advance-time-result",
    Command.SYNC: "adapter/sync-result",
}

#: Commands whose ``result`` may itself carry ``sync``'s counts (``resource``, ``framesReceived``, …);
#: ``sync``'s own result is read by whoever sent it.
_COUNTED_RESULTS = frozenset({Command.ADVANCE_TIME})


@dataclass(frozen=True)
class CommandResult:
    """What a command returned: ``ok`` with a ``result``, or the client's own ``error``."""

    command: str
    ok: bool
    result: Any = None
    error: Json | None = None
    #: what ``sync`` would have answered as the reply went (the reply's optional ``counts``, or the
    #: counts an ``advanceTime`` result carries), else ``None``
    counts: Json | None = None

    @property
    def error_code(self) -> str | None:
        """The client's error code, if the command failed."""
        return None if self.error is None else str(self.error.get("code"))


class _Pool:
    """Keep-alive HTTP/1.1 connections to test services, shared by every thread of the harness.

    A connection is borrowed for one request and given back when the reply was read in full and the
    service did not ask to close it; a connection the service closed while it sat idle (a restart) is
    noticed before it is used and replaced, and one idle for :data:`KEEP_IDLE` seconds is not used
    again (a server's keep-alive timeout — Node's is 5 s — could otherwise close it under a request
    already on its way). Nothing is retried: a command is sent at most once, so a failure is always the
    service's (or the network's), never hidden.
    """

    def __init__(self) -> None:
        #: idle connections by (scheme, netloc), each with the monotonic time it was given back
        self._idle: dict[tuple[str, str], list[tuple[http.client.HTTPConnection, float]]] = {}
        self._lock = threading.Lock()

    def borrow(self, scheme: str, netloc: str, deadline: float) -> http.client.HTTPConnection:
        key = (scheme, netloc)
        while True:
            with self._lock:
                idle = self._idle.get(key)
                conn, since = idle.pop() if idle else (None, 0.0)
            if conn is None:
                factory = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
                return factory(netloc, timeout=deadline)
            fresh = time.monotonic() - since < KEEP_IDLE
            if fresh and conn.sock is not None and not _dropped(conn.sock):
                conn.sock.settimeout(deadline)
                return conn
            conn.close()

    def give_back(self, scheme: str, netloc: str, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            self._idle.setdefault((scheme, netloc), []).append((conn, time.monotonic()))

    def forget(self, url: str) -> None:
        """Close the idle connections to the service at ``url`` (it is going away)."""
        parts = urllib.parse.urlsplit(url)
        with self._lock:
            idle = self._idle.pop((parts.scheme, parts.netloc), [])
        for conn, _ in idle:
            conn.close()


def _dropped(sock: socket.socket) -> bool:
    """Whether an idle keep-alive connection is unusable: readable means EOF (or stray bytes)."""
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


_POOL = _Pool()
#: Real seconds an idle kept-alive connection is still used (well under common keep-alive timeouts).
KEEP_IDLE = 2.0
_JSON_HEADERS = {"Content-Type": "application/json"}


class Transport(Protocol):
    """How a request reaches a test service: ``(status, JSON body or None, headers)`` for a method and URL.

    The adapter protocol's own is HTTP (:func:`http_transport`); a service that lives in the harness's
    process (the bundled reference client's fast path) answers the same requests without a socket.
    Raises :class:`AdapterError` when the service cannot be reached or does not answer in time."""

    def __call__(
        self, method: str, url: str, body: Any = None, *, deadline: float
    ) -> tuple[int, Any, dict[str, str]]: ...


def _http(method: str, url: str, body: Any = None, *, deadline: float) -> tuple[int, Any, dict[str, str]]:
    data = None if body is None else json.dumps(body).encode()
    parts = urllib.parse.urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    conn = _POOL.borrow(parts.scheme, parts.netloc, deadline)
    try:
        conn.request(method, target, body=data, headers=_JSON_HEADERS)
        response = conn.getresponse()
        raw = response.read()
    except TimeoutError:
        conn.close()
        raise AdapterError(f"the test service did not answer {method} {url} within {deadline:.1f} s") from None
    except (http.client.HTTPException, OSError) as exc:
        conn.close()
        raise AdapterError(f"the test service is unreachable ({method} {url}): {exc or type(exc).__name__}") from None
    status, headers = response.status, dict(response.getheaders())
    if response.will_close:
        conn.close()
    else:
        _POOL.give_back(parts.scheme, parts.netloc, conn)
    if not raw:
        return status, None, headers
    try:
        return status, json.loads(raw), headers
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise AdapterError(
            f"the test service answered {method} {url} with non-JSON: {raw[:200].decode('utf-8', 'replace')!r}"
        ) from None


#: The adapter protocol over HTTP (kept-alive connections): every service's transport unless told otherwise.
http_transport: Transport = _http


def _checked(schema: str, value: Any, what: str) -> Any:
    problems = validate(schema, value)
    if problems:
        lines = "\n".join(f"  {p.path}: {p.message}" for p in problems[:10])
        raise AdapterError(f"{what} breaks schema {schema}:\n{lines}\n  got: {json.dumps(value)[:500]}")
    return value


@dataclass
class ClientInstance:
    """One SDK instance inside the test service."""

    service: AdapterService
    url: str
    tag: str
    uid: str
    deadline: float = DEFAULT_COMMAND_DEADLINE
    resource: str | None = None
    next_timer: float | None = None
    #: How many callback reports the instance says it has made (``sync``'s optional ``callbacksSent``).
    callbacks_sent: int | None = None
    commands: list[Json] = field(default_factory=list)
    #: (commands sent, frames received) from the last reply that carried ``sync``'s counts (optional in
    #: the protocol): an instance sent no command since is settled from it without a ``sync`` of its own
    counted: tuple[int, int] | None = None

    def command(self, name: str, params: Json | None = None, *, deadline: float | None = None) -> CommandResult:
        """Run a command; raises AdapterError if the service misbehaves (not if the SDK refuses)."""
        request = {"command": name, "params": params or {}}
        try:
            status, body, _ = self.service.transport("POST", self.url, request, deadline=deadline or self.deadline)
        except AdapterError as exc:
            raise AdapterError(f"{self.tag}: {name}: {exc}") from None
        if status == 400 and isinstance(body, dict) and body.get("error", {}).get("code") == "UNKNOWN_COMMAND":
            raise AdapterError(f"the test service does not know the command {name!r}")
        if not 200 <= status < 300:
            raise AdapterError(f"command {name} answered HTTP {status}: {json.dumps(body)[:300]}")
        _checked("adapter/command-reply", body, f"the reply to {name}")
        ok, value = bool(body["ok"]), body.get("result")
        if ok and value is not None and name in RESULT_SCHEMAS:
            _checked(RESULT_SCHEMAS[name], value, f"{self.tag}: the result of {name}")
        counts = body.get("counts")
        if counts is None and name in _COUNTED_RESULTS and isinstance(value, dict) and "framesReceived" in value:
            counts = value
        result = CommandResult(command=name, ok=ok, result=value, error=body.get("error"), counts=counts)
        self.commands.append({"command": name, "params": params or {}, "ok": ok, "error": result.error})
        if counts is not None:
            self.resource = counts["resource"]
            self.callbacks_sent = counts.get("callbacksSent", self.callbacks_sent)
            self.counted = (len(self.commands), int(counts["framesReceived"]))
        return result

    def ok(self, name: str, params: Json | None = None) -> Any:
        """Run a command that must succeed; a refusal is a compliance failure naming the error."""
        result = self.command(name, params)
        if not result.ok:
            raise AdapterError(f"{self.tag}: {name}({json.dumps(params or {})}) failed: {json.dumps(result.error)}")
        return result.result

    def delete(self) -> None:
        """Free the instance (logs out). Errors are ignored: teardown must go on."""
        try:
            self.service.transport("DELETE", self.url, deadline=self.deadline)
        except AdapterError:
            pass


@dataclass
class AdapterService:
    """The test service: its description and the instances made in it."""

    url: str
    info: Json
    process: subprocess.Popen[str] | None = None
    deadline: float = DEFAULT_COMMAND_DEADLINE
    command: str | None = None  #: how it was spawned (so a crashed service can be started again)
    restarts: int = 0
    #: the end of a spawned service's stderr (for saying why it died)
    stderr: StderrTail | None = None
    #: scenarios in a row at whose end the service was found dead (the harness stops the run at a few)
    deaths_in_a_row: int = 0
    #: how requests reach it: HTTP, or a service living in this process (``in_process`` says which)
    transport: Transport = http_transport
    #: a service living in this process: how to stop it (``close`` calls it)
    closer: Callable[[], None] | None = None

    @property
    def in_process(self) -> bool:
        """Whether the service lives in the harness's own process (no adapter HTTP between them)."""
        return self.transport is not http_transport

    @property
    def capabilities(self) -> frozenset[str]:
        """What the service says it can do."""
        return frozenset(self.info.get("capabilities", []))

    @property
    def name(self) -> str:
        """The service's name."""
        return str(self.info.get("name", "unknown"))

    @classmethod
    def attach(
        cls,
        url: str,
        *,
        process: subprocess.Popen[str] | None = None,
        transport: Transport = http_transport,
        closer: Callable[[], None] | None = None,
    ) -> AdapterService:
        """Connect to a running service and read its description (over ``transport``: HTTP unless the
        service lives in this process; ``closer`` then stops it)."""
        url = url.rstrip("/")
        status, body, _ = transport("GET", url + "/", deadline=DEFAULT_COMMAND_DEADLINE)
        if status != 200:
            raise AdapterError(f"GET {url}/ answered HTTP {status}")
        info = _checked("adapter/service-info", body, "the service description")
        return cls(url=url, info=info, process=process, transport=transport, closer=closer)

    @classmethod
    def spawn(cls, command: str, *, env: dict[str, str] | None = None) -> AdapterService:
        """Start a service (``{port}`` in the command, else ``--port 0`` appended) and attach to it.

        Raises :class:`ServiceStartError` (once, with the exit code and the end of its stderr) if it
        cannot be started, exits before it is ready, or does not print its ready line in time.
        """
        full = command.replace("{port}", "0") if "{port}" in command else command + " --port 0"
        try:
            argv = shlex.split(full)
        except ValueError as exc:
            raise ServiceStartError(f"cannot parse the client command {command!r}: {exc}") from None
        if not argv:
            raise ServiceStartError("the client command is empty")
        try:
            process = subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, **(env or {})},
            )
        except OSError as exc:
            raise ServiceStartError(f"cannot start the client command {full!r}: {exc.strerror or exc}") from None
        stderr = StderrTail(process)
        url = _read_ready_line(process, full, stderr)
        try:
            service = cls.attach(url, process=process)
        except AdapterError as exc:
            process.kill()
            process.wait(timeout=5)
            raise ServiceStartError(f"the client command {full!r} printed its ready line, but {exc}") from None
        service.command = command
        service.stderr = stderr
        return service

    def restart_if_dead(self) -> bool:
        """Start a spawned service again if its process died; returns whether it did."""
        if self.alive() or self.command is None:
            return False
        _POOL.forget(self.url)
        fresh = AdapterService.spawn(self.command)
        self.url, self.info, self.process, self.stderr = fresh.url, fresh.info, fresh.process, fresh.stderr
        self.restarts += 1
        return True

    def create(self, *, tag: str, uid: str, params: Json) -> ClientInstance:
        """``POST /``: a new instance (not logged in yet)."""
        _checked("adapter/create-instance-request", params, "the harness's create request")
        status, body, headers = self.transport("POST", self.url + "/", params, deadline=self.deadline)
        if not 200 <= status < 300:
            raise AdapterError(f"creating instance {tag} answered HTTP {status}: {json.dumps(body)[:300]}")
        location = headers.get("Location") or (body or {}).get("url")
        if not location:
            raise AdapterError(f"creating instance {tag}: no Location header and no url in {json.dumps(body)[:200]}")
        return ClientInstance(
            service=self, url=urllib.parse.urljoin(self.url + "/", location), tag=tag, uid=uid, deadline=self.deadline
        )

    def close(self) -> None:
        """A spawned service: ``DELETE /`` and wait for it to exit (killed if it does not).

        A service the harness merely attached to (``--client-url``) is left running: it is yours. A
        service living in this process is stopped by its ``closer``.
        """
        if self.closer is not None:
            closer, self.closer = self.closer, None
            closer()
            return
        if self.process is None:
            return
        try:
            _http("DELETE", self.url + "/", deadline=3.0)
        except AdapterError:
            pass
        _POOL.forget(self.url)
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def alive(self) -> bool:
        """Whether a spawned service is still running (attached ones are assumed alive)."""
        return self.process is None or self.process.poll() is None

    def exit_description(self) -> str:
        """How a spawned service ended, in words (``exit code 1``, ``killed by signal 9``)."""
        return _exit_words(None if self.process is None else self.process.poll())


#: How many of its last stderr lines a failed service's error shows.
STDERR_TAIL_LINES = 15


class StderrTail:
    """Drains a spawned service's stderr (so it never blocks on a full pipe) and keeps its last lines."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._thread = threading.Thread(target=self._drain, args=(process,), name="adapter-stderr", daemon=True)
        self._thread.start()

    def _drain(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self.lines.append(line.rstrip("\n"))

    def text(self, *, settle: float = 1.0) -> str:
        """The kept lines, indented; waits briefly for a dead process's last words."""
        self._thread.join(timeout=settle)
        if not self.lines:
            return "  (nothing on stderr)"
        return "\n".join(f"  | {line}" for line in self.lines)


def _exit_words(code: int | None) -> str:
    if code is None:
        return "still running"
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


def _read_ready_line(process: subprocess.Popen[str], command: str, stderr: StderrTail) -> str:
    found: list[str] = []
    done = threading.Event()

    def reader() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(READY_PREFIX) and not found:
                found.append(line[len(READY_PREFIX) :].strip())
                done.set()
        done.set()  # stdout closed: the process is gone (or closed it), so stop waiting now

    threading.Thread(target=reader, name="adapter-stdout", daemon=True).start()
    if done.wait(SPAWN_DEADLINE) and found:
        return found[0]
    try:
        code: int | None = process.wait(timeout=2)
        what = f"exited before it was ready ({_exit_words(code)})"
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
        what = f"did not print {READY_PREFIX!r}<url> within {SPAWN_DEADLINE:.0f} s (killed)"
    raise ServiceStartError(f"the client command {command!r} {what}; its stderr ended with:\n{stderr.text()}")
