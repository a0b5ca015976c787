"""Framework-free request and reply records shared by the REST API, the control API and the edge."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from mockserver import jsoncodec
from mockserver.core import ErrorCode, RingsideError
from mockserver.schemas import validate

Json = dict[str, Any]
#: Items per piece when the edge writes a streamed reply (see :attr:`Reply.stream`).
STREAM_PIECE = 100


#: An empty query or header set (shared: it cannot be changed).
_NONE: Mapping[str, str] = MappingProxyType({})


class Request(NamedTuple):
    """One HTTP request as the edge received it. ``headers`` keys are lower-case.

    A named tuple rather than a frozen dataclass: as immutable, and made in a third of the time (one per
    request: docs/performance.md)."""

    method: str
    path: str
    query: Mapping[str, str] = _NONE
    headers: Mapping[str, str] = _NONE
    body: bytes = b""
    remote: str | None = None

    def header(self, name: str) -> str | None:
        """A header, matched case-insensitively (the SDK sends ``authToken``, ``apiKey``)."""
        return self.headers.get(name.lower())

    def json(self, schema: str | None = None, *, required: bool = True) -> Json:
        """The body as a JSON object, checked against ``schema`` ("wire/…"); refuses anything else."""
        if not self.body.strip():
            if required:
                raise RingsideError(ErrorCode.VALIDATION_FAILED, "the request needs a JSON object body", {})
            return {}
        try:
            value = jsoncodec.decode(self.body)  # the edge read at most max_body bytes
        except RingsideError as error:
            if error.code is ErrorCode.BAD_JSON:
                error.details["body"] = self.body[:200].decode("utf-8", "replace")
            raise
        if not isinstance(value, dict):
            raise RingsideError(
                ErrorCode.VALIDATION_FAILED, "the body must be a JSON object", {"got": type(value).__name__}
            )
        if schema:
            check(schema, value)
        return value


class Raw(NamedTuple):
    """A reply that is not JSON: the dashboard's files (``body``) or its server-sent events (``events``,
    written as they come until the peer goes)."""

    content_type: str
    body: bytes = b""
    events: AsyncIterator[bytes] | None = None
    headers: Mapping[str, str] = _NONE


class Reply(NamedTuple):
    """What to answer: a JSON body (always the wire's envelope) and an HTTP status (a named tuple, like
    :class:`Request`)."""

    body: Json
    status: int = 200
    #: the key of a list under ``data`` that the edge encodes and writes piece by piece (a long journal
    #: page), so other requests are served in between; the journal keeps only its length
    stream: str | None = None
    #: not JSON at all (the dashboard's files and event stream: mockserver/dashboard.py); ``body`` unused
    raw: Raw | None = None

    @classmethod
    def data(cls, data: Any, status: int = 200) -> Reply:
        """``{"data": …}``."""
        return cls(status=status, body={"data": data})

    def summary(self) -> Json:
        """The body as the journal keeps it: a streamed list stands as its length."""
        if self.stream is None:
            return self.body
        data = dict(self.body["data"])
        data[self.stream] = len(data[self.stream])
        return {"data": data}

    def pieces(self) -> Iterator[bytes]:
        """The body's JSON, encoded lazily in pieces (the streamed list :data:`STREAM_PIECE` items at a
        time); joined, the same document as ``jsoncodec.encode(body)``."""
        if self.stream is None:
            yield jsoncodec.encode(self.body)
            return
        data = dict(self.body["data"])
        items = data.pop(self.stream)
        head = jsoncodec.encode({"data": data})[:-2]  # without the closing "}}"
        yield head + (b"," if data else b"") + jsoncodec.encode(self.stream) + b":["
        for start in range(0, len(items), STREAM_PIECE):
            piece = b",".join(jsoncodec.encode(item) for item in items[start : start + STREAM_PIECE])
            yield (b"," if start else b"") + piece
        yield b"]}}"

    @classmethod
    def error(cls, error: RingsideError) -> Reply:
        """``{"error": {"code", "message", "details"}}`` with the code's status."""
        return cls(status=error.status_hint, body=error.envelope())


def check(schema: str, value: Any) -> None:
    """Refuse ``value`` with ERR_VALIDATION_FAILED listing every schema problem."""
    problems = validate(schema, value)
    if problems:
        first = problems[0]
        raise RingsideError(
            ErrorCode.VALIDATION_FAILED,
            f"{first.path}: {first.message}",
            {"schema": schema, "problems": [{"path": p.path, "message": p.message} for p in problems]},
        )
