"""Time for the reference client: a ``Clock`` protocol, the real clock and a virtual one.

Every timer the client owns (the ring timer, WebSocket pings, the pong deadline, reconnects) is
armed through a :class:`Clock`, never through ``asyncio.sleep`` or ``loop.call_later`` directly, so a
test service can swap in :class:`VirtualClock` and move time only when the harness says so.

Theory of operation
-------------------
A timer callback may be a plain function or return an awaitable (an ``async def`` function).
:class:`RealClock` arms an asyncio timer and, when it fires, runs the awaitable as a task.
:class:`VirtualClock` fires nothing on its own: :meth:`VirtualClock.advance_to` pops due timers in
(due time, arming order) order, moves ``now`` to each one's due time, and *awaits* its effects (and an
optional ``settle`` hook) before it looks at the next one. Timers armed while advancing are
considered too, so a pong deadline armed by a ping at ``t`` fires in the same advance if ``t + 3``
is still within reach.

:class:`RealClock` is the only place in ``refclient`` that reads the wall clock.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

__all__ = ["Clock", "RealClock", "TimerCallback", "TimerHandle", "VirtualClock"]

log = logging.getLogger(__name__)

#: What a timer runs: a plain function, or one returning an awaitable that the clock awaits.
TimerCallback = Callable[[], Awaitable[None] | None]


class TimerHandle:
    """One armed timer. Opaque to callers: pass it back to :meth:`Clock.cancel`."""

    __slots__ = ("_native", "callback", "cancelled", "when")

    def __init__(self, when: float, callback: TimerCallback) -> None:
        #: Due time, epoch seconds.
        self.when = when
        self.callback = callback
        #: True once cancelled (or fired): the callback will not run (again).
        self.cancelled = False
        self._native: asyncio.TimerHandle | None = None

    def __repr__(self) -> str:
        state = "cancelled" if self.cancelled else "armed"
        return f"<TimerHandle when={self.when:.3f} {state}>"


class Clock(Protocol):
    """Where the client reads the time and arms its timers."""

    def now(self) -> float:
        """The current time, epoch seconds."""
        ...

    def call_at(self, when: float, callback: TimerCallback) -> TimerHandle:
        """Run ``callback`` once at ``when`` (epoch seconds); a past ``when`` means "as soon as possible"."""
        ...

    def cancel(self, handle: TimerHandle) -> None:
        """Disarm ``handle``; harmless if it already fired or was cancelled."""
        ...


async def _run(callback: TimerCallback) -> None:
    """Run a timer callback, awaiting its result if it returned an awaitable; log, never raise."""
    try:
        result = callback()
        if inspect.isawaitable(result):
            await result
    except Exception:
        log.exception("timer callback %r failed", callback)


class RealClock:
    """Wall-clock time and asyncio timers. Must be used from inside a running event loop."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def now(self) -> float:
        """``time.time()``."""
        return time.time()

    def call_at(self, when: float, callback: TimerCallback) -> TimerHandle:
        """Arm an asyncio timer ``when - now()`` seconds from now (at least 0)."""
        handle = TimerHandle(when, callback)
        loop = asyncio.get_running_loop()
        handle._native = loop.call_later(max(0.0, when - self.now()), self._fire, handle)
        return handle

    def cancel(self, handle: TimerHandle) -> None:
        """Disarm ``handle``."""
        handle.cancelled = True
        if handle._native is not None:
            handle._native.cancel()

    def _fire(self, handle: TimerHandle) -> None:
        if handle.cancelled:
            return
        handle.cancelled = True
        task = asyncio.get_running_loop().create_task(_run(handle.callback))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class VirtualClock:
    """A clock that stands still until :meth:`advance_to` moves it.

    Args:
        now: the starting time, epoch seconds.
    """

    def __init__(self, now: float) -> None:
        self._now = float(now)
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._order = itertools.count()
        self._advancing = False

    def now(self) -> float:
        """The virtual time, epoch seconds."""
        return self._now

    def call_at(self, when: float, callback: TimerCallback) -> TimerHandle:
        """Arm a timer; it fires only inside :meth:`advance_to`."""
        handle = TimerHandle(float(when), callback)
        heapq.heappush(self._heap, (handle.when, next(self._order), handle))
        return handle

    def cancel(self, handle: TimerHandle) -> None:
        """Disarm ``handle`` (it is dropped lazily from the queue)."""
        handle.cancelled = True

    def next_deadline(self) -> float | None:
        """Due time of the earliest armed timer, or ``None`` when none is armed."""
        self._drop_cancelled()
        return self._heap[0][0] if self._heap else None

    def pending(self) -> int:
        """How many timers are armed."""
        return sum(1 for _, _, handle in self._heap if not handle.cancelled)

    async def advance_to(self, when: float, settle: Callable[[], Awaitable[None]] | None = None) -> None:
        """Move the clock to ``when``, firing every timer due by then, one at a time, in due order.

        A timer due in the past (armed with ``when < now``) fires at the current time. For each timer,
        ``now`` first jumps to its due time, then its callback runs and any awaitable it returns is
        awaited, then ``settle()`` (if given) is awaited, and only then is the next timer considered.

        Raises:
            ValueError: ``when`` is before :meth:`now` (time never goes backwards).
            RuntimeError: called again while an advance is still running.
        """
        if when < self._now:
            raise ValueError(f"time would go backwards: {when} < {self._now}")
        if self._advancing:
            raise RuntimeError("advance_to is already running")
        self._advancing = True
        try:
            while True:
                due = self.next_deadline()
                if due is None or due > when:
                    break
                _, _, handle = heapq.heappop(self._heap)
                handle.cancelled = True
                self._now = max(self._now, handle.when)
                await _run(handle.callback)
                if settle is not None:
                    await settle()
            self._now = float(when)
        finally:
            self._advancing = False

    async def advance(self, seconds: float, settle: Callable[[], Awaitable[None]] | None = None) -> None:
        """:meth:`advance_to` ``now() + seconds``."""
        await self.advance_to(self._now + seconds, settle)

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
