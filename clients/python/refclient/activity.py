"""A counter of work in flight that can be awaited until it drops to zero.

The client counts every REST request and every timer effect in one :class:`Activity`; the test
service's ``sync`` and ``advanceTime`` await :meth:`Activity.idle` to know that nothing the client
started is still running.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["Activity"]


class Activity:
    """How many operations are running; :meth:`idle` waits until none are."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def running(self) -> int:
        """Operations in flight right now."""
        return self._running

    def begin(self) -> None:
        """Count one more operation in flight."""
        self._running += 1
        self._idle.clear()

    def end(self) -> None:
        """Count one operation finished."""
        self._running -= 1
        if self._running <= 0:
            self._running = 0
            self._idle.set()

    @asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        """``begin()`` on entry and ``end()`` on exit, however the block exits."""
        self.begin()
        try:
            yield
        finally:
            self.end()

    async def idle(self) -> None:
        """Return once no operation is in flight (at once if none is)."""
        while self._running:
            await self._idle.wait()
