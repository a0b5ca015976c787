"""The harness's one reader of the server's journal: typed selections of one scenario's entries.

Entries come from :meth:`mockserver.probe.Probe.journal` as the TypedDicts of
``mockserver/journal_types.py`` (one per kind); everything in the harness that needs "the requests",
"the frames sent to a device" or "the callbacks reported" asks here instead of matching kind strings.
"""

from __future__ import annotations

from collections.abc import Iterable

from mockserver.probe import CallbackReceived, HttpRequest, HttpResponse, JournalEntry, ServerError, WsOut

__all__ = [
    "JournalEntry",
    "call_frames",
    "callbacks",
    "errors",
    "requests",
    "requests_by_seq",
    "responses",
    "responses_to",
]


def requests(journal: Iterable[JournalEntry]) -> list[HttpRequest]:
    """Every HTTP request (REST and control), in order."""
    return [e for e in journal if e["kind"] == "http.request"]


def requests_by_seq(journal: Iterable[JournalEntry]) -> dict[int, HttpRequest]:
    """Every HTTP request by its journal seq (what a response's ``requestSeq`` names)."""
    return {e["seq"]: e for e in requests(journal)}


def responses(journal: Iterable[JournalEntry]) -> list[HttpResponse]:
    """Every HTTP response, in order."""
    return [e for e in journal if e["kind"] == "http.response"]


def responses_to(journal: Iterable[JournalEntry], request: HttpRequest) -> list[HttpResponse]:
    """The response(s) to ``request``."""
    return [e for e in responses(journal) if e["requestSeq"] == request["seq"]]


def call_frames(journal: Iterable[JournalEntry]) -> list[WsOut]:
    """Every call frame sent to a device (a ``ws.out`` carrying a session id)."""
    return [e for e in journal if e["kind"] == "ws.out" and e.get("sessionId")]


def callbacks(journal: Iterable[JournalEntry], *, tag: str | None = None) -> list[CallbackReceived]:
    """Every callback report the sink received (of instance ``tag``, if given)."""
    return [e for e in journal if e["kind"] == "callback" and (tag is None or e["tag"] == tag)]


def errors(journal: Iterable[JournalEntry]) -> list[ServerError]:
    """Every ``error`` entry (ringside's own failures, and sends to sockets already closed)."""
    return [e for e in journal if e["kind"] == "error"]
