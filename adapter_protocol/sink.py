"""The callback sink's bookkeeping: the listener callbacks each client instance reported, by instance tag.

A test service POSTs every listener callback to the ``callbackUrl`` it was given; whoever serves that
URL (ringside's mock server, at ``/_ringside/callbacks/<tag>``) hands each report to
:meth:`CallbackSink.receive`. The sink keeps the reports in arrival order, recognises a retried report
(same ``seq``, same content: kept once), and tells subscribers about each new one. It does no I/O and
holds no lock: its owner calls it from one thread (the mock server calls it on its event loop).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["CallbackSink", "SinkListener"]

Json = dict[str, Any]
#: Called with (tag, report) after each new report is kept.
SinkListener = Callable[[str, Json], None]


class CallbackSink:
    """Callback reports by instance tag."""

    def __init__(self) -> None:
        self._reports: dict[str, list[Json]] = {}
        self._listeners: list[SinkListener] = []

    def receive(self, tag: str, report: Json) -> bool:
        """Keep ``report`` from instance ``tag``; returns False (and keeps nothing) for a repeat.

        A service retries a report whose POST seemed to fail; if the first copy did arrive, the second
        is the same report with the same ``seq``."""
        kept = self._reports.setdefault(tag, [])
        if "seq" in report and any(r.get("seq") == report["seq"] and r == report for r in kept):
            return False
        kept.append(report)
        for listener in list(self._listeners):
            listener(tag, report)
        return True

    def of(self, tag: str) -> list[Json]:
        """Every report of ``tag``, in arrival order (a copy)."""
        return list(self._reports.get(tag, []))

    def count(self, tag: str) -> int:
        """How many reports ``tag`` made."""
        return len(self._reports.get(tag, []))

    def tags(self) -> list[str]:
        """Every tag that reported something."""
        return list(self._reports)

    def subscribe(self, listener: SinkListener) -> Callable[[], None]:
        """Call ``listener`` after each new report; returns a function that unsubscribes it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def forget(self, tag: str, seq: int) -> bool:
        """Drop the report numbered ``seq`` of ``tag`` (as if it never arrived); returns whether one was."""
        kept = self._reports.get(tag, [])
        for index, report in enumerate(kept):
            if report.get("seq") == seq:
                del kept[index]
                return True
        return False

    def clear(self) -> None:
        """Forget every report (listeners stay)."""
        self._reports.clear()
