"""Time for the mock server: one ``Clock`` interface, three kinds (real, scaled, virtual).

Only :class:`RealClock` reads the system clock. Everything else in ringside asks a ``Clock`` passed
to it, so a test can swap in :class:`VirtualClock` and move time by hand (like trio's MockClock,
or Stripe's test clocks). ``now()`` is epoch seconds as a float, because the wire carries epoch
seconds (``initiatedAt``, ``sentAt``).
"""

from __future__ import annotations

import math
import time
from typing import Protocol

#: Where virtual time starts unless told otherwise: 2027-01-15T08:00:00Z, a fixed, readable instant.
VIRTUAL_EPOCH = 1_800_000_000.0


class Clock(Protocol):
    """What every clock offers."""

    #: "real", "scaled" or "virtual"
    kind: str
    #: clock seconds per real second (1 for real, N for scaled, 0 for virtual: it moves only when told)
    rate: float

    def now(self) -> float:
        """The current time in epoch seconds."""
        ...


class RealClock:
    """The system's wall clock; the one place in ringside that reads it."""

    kind = "real"
    rate = 1.0

    def now(self) -> float:
        """Wall-clock epoch seconds."""
        return time.time()

    def monotonic(self) -> float:
        """Monotonic seconds, for measuring durations (never goes backwards)."""
        return time.monotonic()


class ScaledClock:
    """Real time sped up ``factor`` times, starting from ``start`` (default: the wall clock now)."""

    kind = "scaled"

    def __init__(self, factor: float, *, start: float | None = None, real: RealClock | None = None) -> None:
        if not math.isfinite(factor) or factor <= 0:
            raise ValueError(f"a scaled clock needs a finite factor > 0, not {factor}")
        self.rate = float(factor)
        self._real = real or RealClock()
        self._origin = self._real.monotonic()
        self._start = self._real.now() if start is None else start

    def now(self) -> float:
        """``start`` plus the real time elapsed since creation, times the factor."""
        return self._start + (self._real.monotonic() - self._origin) * self.rate


class VirtualClock:
    """A clock that moves only when told to, and never backwards."""

    kind = "virtual"
    rate = 0.0

    def __init__(self, start: float = VIRTUAL_EPOCH) -> None:
        self._now = float(start)

    def now(self) -> float:
        """The current virtual time."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` (≥ 0); returns the new time."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"virtual time never goes backwards and moves by finite amounts (asked for {seconds})")
        self._now += seconds
        return self._now

    def advance_to(self, when: float) -> float:
        """Move forward to ``when`` (≥ now); returns the new time."""
        if not math.isfinite(when):
            raise ValueError(f"virtual time must stay finite (asked for {when})")
        if when < self._now:
            raise ValueError(f"virtual time never goes backwards ({when} < now {self._now})")
        self._now = float(when)
        return self._now


def parse_clock(spec: str, *, start: float | None = None) -> Clock:
    """Build a clock from the CLI's ``--clock`` value: ``real``, ``scaled:N`` or ``virtual``."""
    if spec == "real":
        return RealClock()
    if spec == "virtual":
        return VirtualClock(VIRTUAL_EPOCH if start is None else start)
    if spec.startswith("scaled:"):
        try:
            factor = float(spec.removeprefix("scaled:"))
        except ValueError:
            raise ValueError(f"bad clock {spec!r}: scaled:N needs a number, e.g. scaled:10") from None
        return ScaledClock(factor, start=start)
    raise ValueError(f"bad clock {spec!r}: use real, scaled:N or virtual")
