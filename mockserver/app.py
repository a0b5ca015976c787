"""The aiohttp edge — the only module that imports aiohttp: HTTP and WebSocket in, hub calls out.

One port serves everything, as the real SDK needs (wire facts §9): REST on any path, the chat
WebSocket on ``GET /`` with an Upgrade header, the control API under ``/_ringside``, CORS for
browser SDKs, TLS or plain. Every request and frame is journaled before it is handled, and any
failure becomes the wire's error envelope: a bad request never crashes the server.
"""

from __future__ import annotations

import asyncio
import traceback
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import WebSocketError, WSCloseCode, WSMsgType, web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.helpers import rfc822_formatted_time
from aiohttp.http import SERVER_SOFTWARE, HttpVersion11
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong

from mockserver import control, dashboard, jsoncodec, rest, schemas, ws
from mockserver.clock import Clock, parse_clock
from mockserver.config import ServerConfig
from mockserver.core import ErrorCode, RingsideError
from mockserver.exchange import Reply, Request
from mockserver.hub import CLOSE_BY_SERVER, Hub
from mockserver.journal import Journal
from mockserver.scripted import install as install_scripting
from mockserver.tls import TlsFiles, ensure_tls_files

#: Headers the SDK sends that a browser must be allowed to send (wire facts §2.1, §11).
CORS_ALLOW_HEADERS = "appid, authtoken, apikey, resource, sdk, content-type, accept, onbehalfofuser, authorization"
CORS_ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
#: Request headers worth keeping in the journal (the rest is noise).
_JOURNALED_HEADERS = ("appid", "resource", "sdk", "authtoken", "apikey", "origin", "content-type")
_BODY_JOURNAL_LIMIT = 64 * 1024
#: Longest request line (method, URL, version) read; longer → 414 ERR_URL_TOO_LONG. The SDK's are < 200.
MAX_REQUEST_LINE = 8192
#: Longest header line read (aiohttp's default); longer → 431 ERR_HEADERS_TOO_LARGE. The two limits
#: differ so that aiohttp's one exception for both (LineTooLong) tells which one was hit by its limit.
MAX_HEADER_LINE = 8190
#: Most header lines read (aiohttp's default); more → 431 ERR_HEADERS_TOO_LARGE. The SDK sends ~10.
MAX_HEADERS = 128
#: After refusing a WebSocket frame over the size limit (close 1009), how long the server keeps reading and
#: discarding the rest of it before closing the connection. Closing with unread bytes makes the kernel send
#: a reset, which can reach the client before the 1009 close frame it has not read yet.
OVERSIZED_LINGER = 2.0


class _LingeringWebSocket(web.WebSocketResponse):
    """aiohttp's WebSocket, closing a connection that sent an oversized frame only once the peer is done.

    aiohttp answers a too-big frame with close 1009 and shuts the TCP connection at once. The peer is
    usually still sending that frame; the unread bytes make the kernel reset the connection, and the
    client reports 1006 instead of 1009. Here the transport stays open (aiohttp's protocol already
    discards what arrives after the error) until the peer closes or :data:`OVERSIZED_LINGER` passes:
    :meth:`Edge.websocket` waits for that.
    """

    lingering = False

    def _set_code_close_transport(self, code: WSCloseCode) -> None:
        # aiohttp's close() reads the stored too-big error again and would record 1006 over the 1009 it sent
        refused = self.exception()
        if isinstance(refused, WebSocketError) and refused.code == WSCloseCode.MESSAGE_TOO_BIG:
            self._close_code = WSCloseCode.MESSAGE_TOO_BIG
            self.lingering = True  # Edge.websocket closes the transport after the linger
            return
        super()._set_code_close_transport(code)


class _Peer:
    """The hub's view of an aiohttp WebSocket (one per socket: slots, no instance dict)."""

    __slots__ = ("_compress", "_socket", "_transport")

    def __init__(self, socket: web.WebSocketResponse, transport: asyncio.Transport | None) -> None:
        self._socket = socket
        self._transport = transport
        #: permessage-deflate, negotiated in the handshake (done when the peer is made): fixed from then on
        self._compress = bool(socket.compress)

    async def send_text(self, data: str) -> None:
        if not self._socket.closed:
            await self._socket.send_str(data)

    def send_now(self, data: str) -> bool:
        # A text frame from the server is a 2- or 4-byte header and the payload, unmasked (RFC 6455 §5.2).
        # Written straight to the transport only when nothing is buffered (the write cannot wait) and no
        # compression was negotiated (permessage-deflate keeps state aiohttp's writer owns).
        transport = self._transport
        if transport is None or self._compress or transport.is_closing() or self._socket.closed:
            return False
        if transport.get_write_buffer_size():
            return False
        payload = data.encode()
        size = len(payload)
        if size < 126:
            transport.write(bytes((0x81, size)) + payload)
        elif size < 65536:
            transport.write(bytes((0x81, 126, size >> 8, size & 0xFF)) + payload)
        else:
            return False
        return True

    async def close(self, reason: str, *, code: int = CLOSE_BY_SERVER) -> None:
        await self._socket.close(code=code, message=reason.encode()[:120])

    def abort(self) -> None:
        # transport.close() would wait for a stalled peer to read its buffer first; abort() does not.
        if self._transport is not None:
            self._transport.abort()

    def write_backlog(self) -> int | None:
        if self._transport is None or self._transport.is_closing():
            return None
        return self._transport.get_write_buffer_size()


#: A JSON reply's headers: for the control API, and (with CORS) for a client request without an Origin.
_JSON = {"Content-Type": "application/json"}
_JSON_ANY_ORIGIN = {**_JSON, "Access-Control-Allow-Origin": "*"}
#: The same, as :class:`_JsonReply` writes them (the fields aiohttp's ``web.Response`` would send first).
_HEAD_JSON = b"Content-Type: application/json\r\n"
_HEAD_JSON_ANY_ORIGIN = _HEAD_JSON + b"Access-Control-Allow-Origin: *\r\n"
#: The fields aiohttp writes last: the body's length, the date, its name.
_HEAD_TAIL = b"Content-Length: %d\r\nDate: %s\r\nServer: " + SERVER_SOFTWARE.encode() + b"\r\n\r\n"
#: aiohttp's Date value (it makes a new one once a second) and its bytes: the last one seen
_DATE: list[tuple[str, bytes]] = [("", b"")]
#: HTTP/1.1 status lines, made once per status (aiohttp's reason phrases: those of ``http.HTTPStatus``).
_STATUS_LINES: dict[int, bytes] = {}


class _JsonReply(web.StreamResponse):
    """A JSON reply to a kept-alive HTTP/1.1 request, sent byte for byte as aiohttp's ``web.Response`` sends
    it (status line; Content-Type, CORS, Content-Length, Date and Server, in that order; the body) but laid
    out in one piece and written with one transport write when aiohttp prepares it. ``web.Response`` builds
    a header multidict, checks and serialises it and goes through its writer's buffering, about a quarter
    of the CPU of answering a request under the bench's load (docs/performance.md). Replies it does not fit
    (HTTP/1.0, ``Connection: close``, HEAD, a status without a body) go through ``web.Response``."""

    def __init__(self, status: int, fields: bytes, body: bytes) -> None:
        super().__init__(status=status)
        line = _STATUS_LINES.get(status)
        if line is None:
            line = _STATUS_LINES[status] = f"HTTP/1.1 {status} {self.reason}\r\n".encode()
        date = rfc822_formatted_time()
        seen = _DATE[0]
        if date is not seen[0]:
            seen = _DATE[0] = (date, date.encode())
        self._data = line + fields + _HEAD_TAIL % (len(body), seen[1]) + body
        self._size = len(body)

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        if self._eof_sent:
            return None
        if self._payload_writer is not None:
            return self._payload_writer
        transport = request.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("Cannot write to closing transport")  # as aiohttp's writer: peer gone
        writer = self._payload_writer = request.writer
        self._req = request
        self._keep_alive = True
        writer.buffer_size += len(self._data)
        writer.output_size += len(self._data)
        transport.write(self._data)
        return writer

    async def write_eof(self, data: bytes = b"") -> None:
        if self._eof_sent:
            return
        writer = self._payload_writer
        assert writer is not None, "Response has not been started"
        await writer.drain()  # waits only while the transport is paused, as aiohttp's write_eof
        self._eof_sent = True
        self._req = None
        self._body_length = self._size
        self._payload_writer = None


def _fits_json_reply(request: web.BaseRequest, method: str, status: int, origin: str | None) -> bool:
    """Whether :class:`_JsonReply` sends what ``web.Response`` would for this request (``method``) and status."""
    return (
        method != "HEAD"
        and request.keep_alive
        and request.version == HttpVersion11
        and status >= 200
        and status not in (204, 304)
        and (origin is None or (origin.isascii() and origin.isprintable()))
    )


async def _expect(request: web.BaseRequest) -> None:
    """``Expect: 100-continue`` answered as aiohttp's application router does (any other expectation: 417)."""
    expect = request.headers.get("Expect", "")
    if request.version == HttpVersion11:
        if expect.lower() == "100-continue":
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.writer.output_size = 0
        else:
            raise web.HTTPExpectationFailed(text=f"Unknown Expect: {expect}")


def _cors(request: web.BaseRequest, response: web.StreamResponse) -> None:
    origin = request.headers.get("Origin")
    response.headers["Access-Control-Allow-Origin"] = origin or "*"
    if origin:
        response.headers["Vary"] = "Origin"


class Edge:
    """Turns aiohttp requests into hub calls."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def dispatch(self, request: web.BaseRequest) -> web.StreamResponse:
        method, path, headers = request.method, request.path, request.headers
        if headers.get("Expect"):
            await _expect(request)
        if method == "GET" and headers.get("Upgrade", "").lower() == "websocket":
            return await self.websocket(request)
        control_path = control.is_control_path(path)
        if method == "OPTIONS" and not control_path:
            # a CORS preflight: granted for the client REST API only (a control path gets its 401/403)
            entry = self.hub.journal.record(
                "http.request",
                method="OPTIONS",
                path=path,
                headers={
                    "origin": request.headers.get("Origin"),
                    "request-headers": request.headers.get("Access-Control-Request-Headers"),
                },
                remote=request.remote,
            )
            self.hub.journal.record("http.response", requestSeq=entry["seq"], method="OPTIONS", path=path, status=204)
            response = web.Response(status=204)
            response.headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
            response.headers["Access-Control-Allow-Methods"] = CORS_ALLOW_METHODS
            response.headers["Access-Control-Max-Age"] = "600"
            _cors(request, response)
            return response
        return await self.http(request, method, path, control_path)

    async def http(self, request: web.BaseRequest, method: str, path: str, control_path: bool) -> web.StreamResponse:
        if control_path and dashboard.is_dashboard_path(path):  # watching is not journaled (mockserver/dashboard.py)
            return await self._dashboard(request, method, path)
        hub = self.hub
        hub.stats.requests += 1
        headers = {k.lower(): v for k, v in request.headers.items()}
        too_large = False
        content = request.content
        if content.is_eof() and content.exception() is None:
            # the whole body is here (a request that fits one read, the usual one): take it as it is, without
            # aiohttp's read loop; the same size limit as its client_max_size (0: none)
            body = content.read_nowait()
            limit = hub.config.max_body
            if limit and len(body) > limit:
                body, too_large = b"", True
        else:
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                body, too_large = b"", True
        remote = request.remote
        has_query = bool(request.query_string)
        entry = hub.journal.append(
            {
                "seq": 0,
                "kind": "http.request",
                "t": 0.0,
                "wall": 0.0,
                "method": method,
                "path": path,
                "query": dict(request.query) if has_query else {},
                "headers": {k: headers[k] for k in _JOURNALED_HEADERS if k in headers},
                "remote": remote,
                "body": body[:_BODY_JOURNAL_LIMIT].decode("utf-8", "replace"),
                "bodyTooLarge": too_large,
            }
        )
        seq: int = entry["seq"]
        if too_large:
            reply = Reply.error(
                RingsideError(
                    ErrorCode.BODY_TOO_LARGE,
                    f"the body is larger than {hub.config.max_body} bytes",
                    {"limit": hub.config.max_body},
                )
            )
            return self._respond(request, method, path, seq, reply, control_path)
        req = Request(method, path, dict(request.query) if has_query else {}, headers, body, remote)
        try:
            if control_path:
                reply = await control.handle(hub, req)
            elif path == "/" and method == "GET":
                reply = Reply.data({"name": "ringside", "hint": "CometChat mock: REST on any path, WebSocket on /"})
            else:
                reply = await rest.handle(hub, req)
        except Exception as exc:  # a bug in ringside: answer, journal, keep serving
            hub.journal.record("error", where="http", requestSeq=seq, traceback=traceback.format_exc())
            reply = Reply.error(RingsideError(ErrorCode.INTERNAL, f"ringside failed: {exc!r}", {}))
        if reply.stream is not None:
            return await self._stream(request, seq, reply)
        return self._respond(request, method, path, seq, reply, control_path)

    async def _dashboard(self, request: web.BaseRequest, method: str, path: str) -> web.StreamResponse:
        """The dashboard's files, event stream and diagrams, locked as the control API, never journaled."""
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            body = b""
        req = Request(
            method=method,
            path=path,
            query=dict(request.query) if request.query_string else {},
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            remote=request.remote,
        )
        try:
            reply = await dashboard.handle(self.hub, req)
        except Exception as exc:  # a bug in ringside: answer, journal, keep serving
            self.hub.journal.record("error", where="dashboard", traceback=traceback.format_exc())
            reply = Reply.error(RingsideError(ErrorCode.INTERNAL, f"ringside failed: {exc!r}", {}))
        raw = reply.raw
        if raw is None:
            return web.Response(status=reply.status, body=jsoncodec.encode(reply.body), headers=_JSON)
        headers = {"Content-Type": raw.content_type, **raw.headers}
        if raw.events is None:
            return web.Response(status=reply.status, body=raw.body, headers=headers)
        response = web.StreamResponse(status=reply.status, headers=headers)
        await response.prepare(request)
        try:
            async for chunk in raw.events:
                await response.write(chunk)
        except ConnectionError:  # the page went away
            pass
        return response

    def _journal_response(self, method: str, path: str, seq: int, status: int, body: Any) -> None:
        self.hub.journal.append(
            {
                "seq": 0,
                "kind": "http.response",
                "t": 0.0,
                "wall": 0.0,
                "requestSeq": seq,
                "method": method,
                "path": path,
                "status": status,
                "body": body,
            }
        )

    async def _stream(self, request: web.BaseRequest, seq: int, reply: Reply) -> web.StreamResponse:
        """A long reply (a journal page) encoded and written piece by piece, yielding to the loop between
        pieces: every other request and frame is served meanwhile. The journal keeps its summary."""
        self._journal_response(request.method, request.path, seq, reply.status, reply.summary())
        response = web.StreamResponse(status=reply.status, headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for piece in reply.pieces():
            await response.write(piece)
            await asyncio.sleep(0)
        await response.write_eof()
        return response

    def _respond(
        self, request: web.BaseRequest, method: str, path: str, seq: int, reply: Reply, control_path: bool
    ) -> web.StreamResponse:
        body, status = reply.body, reply.status
        encoded = jsoncodec.encode(body)
        self._journal_response(method, path, seq, status, encoded)  # kept encoded, decoded when read
        error = body.get("error")
        if error is not None:
            errors = self.hub.stats.errors
            errors[error["code"]] = errors.get(error["code"], 0) + 1
        origin = None if control_path else request.headers.get("Origin")
        if _fits_json_reply(request, method, status, origin):
            if control_path:  # no cross-origin page may read the control API
                fields = _HEAD_JSON
            elif origin:
                fields = b"%sAccess-Control-Allow-Origin: %s\r\nVary: Origin\r\n" % (_HEAD_JSON, origin.encode())
            else:
                fields = _HEAD_JSON_ANY_ORIGIN
            return _JsonReply(status, fields, encoded)
        if control_path:
            headers = _JSON
        else:
            headers = {**_JSON, "Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else _JSON_ANY_ORIGIN
        return web.Response(status=status, body=encoded, headers=headers)

    async def websocket(self, request: web.BaseRequest) -> web.StreamResponse:
        socket = _LingeringWebSocket(autoping=True, max_msg_size=self.hub.config.max_body, timeout=1.0)
        await socket.prepare(request)
        device = self.hub.open_device(_Peer(socket, request.transport), origin=request.headers.get("Origin"))
        try:
            async for message in socket:
                if message.type is WSMsgType.TEXT:
                    await ws.on_text(self.hub, device, message.data)
                elif message.type is WSMsgType.BINARY:
                    await ws.on_binary(self.hub, device, message.data)
                elif message.type is WSMsgType.ERROR:
                    # e.g. a frame over the size limit: the client's fault, so not an "error" entry
                    self.hub.journal.record(
                        "ws.in", conn=device.conn_id, uid=device.uid, refused=repr(socket.exception())
                    )
                    break
        except Exception:
            self.hub.journal.record("error", where="ws", conn=device.conn_id, traceback=traceback.format_exc())
        finally:
            self.hub.close_device(device, code=socket.close_code)
        if socket.lingering:
            await _linger(request)
        return socket


async def _linger(request: web.BaseRequest) -> None:
    """Wait until the peer closes the connection or :data:`OVERSIZED_LINGER` passes, then close it."""
    protocol = request.protocol
    if isinstance(protocol, _EnvelopeRequestHandler):
        try:
            await asyncio.wait_for(asyncio.shield(protocol.lost), OVERSIZED_LINGER)
        except TimeoutError:
            pass
    if request.transport is not None:
        request.transport.close()


def head_error(status: int, exc: BaseException | None) -> RingsideError:
    """What to answer a request aiohttp could not parse (or a failure outside every handler)."""
    if isinstance(exc, LineTooLong):
        if exc.args[1:2] == (MAX_REQUEST_LINE,):
            return RingsideError(
                ErrorCode.URL_TOO_LONG, f"the request line is longer than {MAX_REQUEST_LINE} bytes",
                {"limit": MAX_REQUEST_LINE},
            )  # fmt: skip
        return RingsideError(
            ErrorCode.HEADERS_TOO_LARGE, f"a header line is longer than {MAX_HEADER_LINE} bytes",
            {"limit": MAX_HEADER_LINE},
        )  # fmt: skip
    if isinstance(exc, BadHttpMessage) and "too many headers" in str(exc).lower():
        return RingsideError(
            ErrorCode.HEADERS_TOO_LARGE, f"more than {MAX_HEADERS} header lines", {"limit": MAX_HEADERS}
        )
    if status < 500:
        reason = exc.message if isinstance(exc, BadHttpMessage) else str(exc or "malformed request")
        return RingsideError(ErrorCode.BAD_HTTP, f"not well-formed HTTP/1.1: {reason}"[:300], {})
    return RingsideError(ErrorCode.INTERNAL, f"ringside failed outside any handler ({status})", {})


class _EnvelopeRequestHandler(web.RequestHandler):
    """aiohttp's per-connection protocol, answering what its parser refused (a URL or header over the
    limits, broken HTTP) with the wire's error envelope instead of aiohttp's plain text. aiohttp has no
    public hook for that response (aio-libs/aiohttp#3287): this overrides ``handle_error``, and
    tests/integration/test_strict_input.py pins the behaviour. It also tells when the peer has gone
    (:attr:`lost`), for the lingering close of :class:`_LingeringWebSocket`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: BaseException | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)
        super().connection_lost(exc)

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0 or status >= 500:
            return super().handle_error(request, status, exc, message)  # aiohttp logs it (and may raise)
        error = head_error(status, exc)
        response = web.Response(
            status=error.status_hint, body=jsoncodec.encode(error.envelope()), content_type="application/json"
        )
        response.force_close()
        return response


class _EnvelopeServer(web.Server):
    """aiohttp's low-level server, making :class:`_EnvelopeRequestHandler` connections."""

    def __call__(self) -> web.RequestHandler:
        return _EnvelopeRequestHandler(self, loop=self._loop, **self._kwargs)


def build_server(hub: Hub) -> web.Server:
    """aiohttp's low-level server with the edge as its one handler: every path and method is the edge's to
    answer, so there is no application, router, middleware or signal between a request and the edge (they
    cost about 5 % of the server's CPU under load: docs/performance.md). Bodies are bounded to ``max_body``
    and the parser to the limits above; no access log."""
    loop = asyncio.get_running_loop()
    max_body = hub.config.max_body

    def make_request(
        message: Any, payload: Any, protocol: Any, writer: Any, task: asyncio.Task[None]
    ) -> web.BaseRequest:
        return web.BaseRequest(message, payload, protocol, writer, task, loop, client_max_size=max_body)

    return _EnvelopeServer(
        Edge(hub).dispatch,
        request_factory=make_request,
        access_log=None,
        max_line_size=MAX_REQUEST_LINE,
        max_field_size=MAX_HEADER_LINE,
        max_headers=MAX_HEADERS,
    )


@dataclass
class RunningServer:
    """A started server: where it listens, its TLS files, and the hub to steer it."""

    hub: Hub
    runner: web.BaseRunner
    host: str
    port: int
    tls: TlsFiles | None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``https://127.0.0.1:8443``."""
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """WebSocket URL, e.g. ``wss://127.0.0.1:8443/``."""
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}/"

    async def stop(self) -> None:
        """Close every socket (each within the hub's close deadline, stalled ones aborted) and stop listening."""
        dashboard.stop_streams(self.hub)
        await self.hub.close_all("server stopping")
        self.hub.timers.clear()
        await self.runner.cleanup()
        self.hub.journal.close()


async def start_server(
    config: ServerConfig, *, clock: Clock | None = None, journal: Journal | None = None
) -> RunningServer:
    """Build the hub and start listening (port 0: the OS picks)."""
    clock = clock or parse_clock(config.clock)
    journal = journal or Journal(clock, path=config.journal_path, capacity=config.journal_size)
    hub = Hub(config, clock, journal)
    await install_scripting(hub)  # scripted users, magic ids, faults; a bad --script file raises here
    hub.seed_directory()  # after scripting, so a configured group may name magic members
    schemas.warm()
    tls = ensure_tls_files(config.tls_dir) if config.tls else None
    runner = web.ServerRunner(build_server(hub), handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, ssl_context=tls.server_context() if tls else None)
    await site.start()
    address: Any = runner.addresses[0]
    hub.port = int(address[1])
    host = config.advertised_host
    journal.record("control", action="started", host=host, port=hub.port, tls=bool(tls), clock=clock.kind)
    return RunningServer(hub=hub, runner=runner, host=host, port=hub.port, tls=tls)


async def listen_plain(running: RunningServer, host: str) -> RunningServer:
    """The same app and hub on another port, without TLS (what a scenario that is not about TLS uses)."""
    site = web.TCPSite(running.runner, host, 0)
    await site.start()
    ports = {int(address[1]) for address in running.runner.addresses} - {running.port}
    return replace(running, port=ports.pop(), tls=None)


async def serve_forever(server: RunningServer, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set (the CLI sets it on SIGINT / SIGTERM)."""
    await stop.wait()
    await server.stop()
