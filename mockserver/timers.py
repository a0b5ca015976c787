"""Server-side timers on the server's clock: scripted delays, ring expiry, delayed faults.

With a real or scaled clock a timer is an asyncio timer, armed in two steps (a long sleep, then a
short one) because a single long sleep lands late (up to 0.1 % of its length, as measured on a 2-core machine).
With a virtual clock nothing fires by itself: :meth:`Timers.advance_to` runs every due timer in
due order (ties in the order they were set), moving the clock to each one's due time first, and
awaits each callback (which sends its frames) before the next.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from mockserver.clock import Clock, VirtualClock

TimerCallback = Callable[[], Awaitable[None]]

#: Below this many real seconds, sleep straight to the due time; above, wake early and re-aim.
_FINAL_APPROACH = 0.05


@dataclass(order=True)
class Timer:
    """One pending timer; cancel it with :meth:`Timers.cancel`."""

    due: float
    seq: int
    label: str = field(compare=False)
    callback: TimerCallback = field(compare=False, repr=False)
    cancelled: bool = field(default=False, compare=False)


class Timers:
    """A priority queue of timers on ``clock``."""

    def __init__(self, clock: Clock, *, on_error: Callable[[Timer, BaseException], None] | None = None) -> None:
        self.clock = clock
        self._heap: list[Timer] = []
        self._seq = itertools.count()
        self._handle: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._on_error = on_error
        self._lock = asyncio.Lock()

    @property
    def virtual(self) -> bool:
        """Whether timers wait for explicit advances."""
        return isinstance(self.clock, VirtualClock)

    def call_at(self, due: float, callback: TimerCallback, *, label: str = "") -> Timer:
        """Run ``callback`` when the clock reaches ``due`` (at once if it already has)."""
        timer = Timer(due=due, seq=next(self._seq), label=label, callback=callback)
        heapq.heappush(self._heap, timer)
        self._rearm()
        return timer

    def call_later(self, delay: float, callback: TimerCallback, *, label: str = "") -> Timer:
        """Run ``callback`` ``delay`` clock seconds from now."""
        return self.call_at(self.clock.now() + max(0.0, delay), callback, label=label)

    def cancel(self, timer: Timer) -> None:
        """Forget ``timer`` (no effect if it already fired)."""
        timer.cancelled = True

    def next_due(self) -> float | None:
        """The due time of the earliest pending timer."""
        self._drop_cancelled()
        return self._heap[0].due if self._heap else None

    def pending(self) -> list[Timer]:
        """Every pending timer, earliest first."""
        return sorted(t for t in self._heap if not t.cancelled)

    def clear(self) -> None:
        """Cancel everything."""
        for timer in self._heap:
            timer.cancelled = True
        self._heap.clear()
        if self._handle:
            self._handle.cancel()
            self._handle = None

    async def advance_to(self, when: float) -> list[Timer]:
        """Virtual clock: fire every timer due by ``when`` in order, then set the clock to ``when``."""
        assert isinstance(self.clock, VirtualClock)
        fired: list[Timer] = []
        async with self._lock:
            if when < self.clock.now():
                raise ValueError(f"virtual time never goes backwards ({when} < now {self.clock.now()})")
            while (due := self.next_due()) is not None and due <= when:
                timer = heapq.heappop(self._heap)
                self.clock.advance_to(max(timer.due, self.clock.now()))
                await self._fire(timer)
                fired.append(timer)
            self.clock.advance_to(when)
        return fired

    async def _fire(self, timer: Timer) -> None:
        try:
            await timer.callback()
        except Exception as exc:  # a failing timer must not stop the others
            if self._on_error:
                self._on_error(timer, exc)

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)

    def _rearm(self) -> None:
        if self.virtual:
            return
        if self._handle:
            self._handle.cancel()
            self._handle = None
        due = self.next_due()
        if due is None:
            return
        loop = asyncio.get_running_loop()
        wait = (due - self.clock.now()) / self.clock.rate
        if wait > _FINAL_APPROACH * 2:
            # Wake early, then aim again: a long sleep alone lands late.
            self._handle = loop.call_later(wait - max(_FINAL_APPROACH, wait * 0.002), self._rearm)
        else:
            self._handle = loop.call_later(max(0.0, wait), self._run_due)

    def _run_due(self) -> None:
        self._handle = None
        now = self.clock.now()
        while (due := self.next_due()) is not None and due <= now:
            timer = heapq.heappop(self._heap)
            task = asyncio.get_running_loop().create_task(self._fire(timer))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        self._rearm()
