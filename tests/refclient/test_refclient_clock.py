"""VirtualClock: timers fire only inside advance_to, in due order, each one's effects awaited first."""

from __future__ import annotations

import asyncio

import pytest

from refclient import VirtualClock

T0 = 1000.0


async def test_nothing_fires_without_advancing():
    clock = VirtualClock(T0)
    fired: list[str] = []
    clock.call_at(T0, lambda: fired.append("due now"))
    await asyncio.sleep(0)
    assert fired == []
    assert clock.next_deadline() == T0
    assert clock.now() == T0


async def test_timers_fire_in_due_order_then_arming_order_with_now_at_their_due_time():
    clock = VirtualClock(T0)
    fired: list[tuple[str, float]] = []
    clock.call_at(T0 + 3, lambda: fired.append(("c", clock.now())))
    clock.call_at(T0 + 1, lambda: fired.append(("a", clock.now())))
    clock.call_at(T0 + 2, lambda: fired.append(("b1", clock.now())))
    clock.call_at(T0 + 2, lambda: fired.append(("b2", clock.now())))
    clock.call_at(T0 + 9, lambda: fired.append(("late", clock.now())))
    await clock.advance_to(T0 + 5)
    assert fired == [("a", T0 + 1), ("b1", T0 + 2), ("b2", T0 + 2), ("c", T0 + 3)]
    assert clock.now() == T0 + 5
    assert clock.next_deadline() == T0 + 9


async def test_each_timers_coroutine_finishes_before_the_next_timer_fires():
    clock = VirtualClock(T0)
    log: list[str] = []
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def slow() -> None:
        log.append("slow start")
        await gate  # e.g. a REST request in flight
        log.append("slow end")

    clock.call_at(T0 + 1, slow)
    clock.call_at(T0 + 2, lambda: log.append("next"))
    advancing = asyncio.ensure_future(clock.advance_to(T0 + 2))
    for _ in range(5):
        await asyncio.sleep(0)
    assert log == ["slow start"]
    gate.set_result(None)
    await advancing
    assert log == ["slow start", "slow end", "next"]


async def test_settle_runs_after_every_fired_timer():
    clock = VirtualClock(T0)
    log: list[str] = []

    async def settle() -> None:
        log.append(f"settle@{clock.now()}")

    clock.call_at(T0 + 1, lambda: log.append("t1"))
    clock.call_at(T0 + 2, lambda: log.append("t2"))
    await clock.advance_to(T0 + 10, settle)
    assert log == ["t1", f"settle@{T0 + 1}", "t2", f"settle@{T0 + 2}"]


async def test_timers_armed_while_advancing_fire_in_the_same_advance_if_due():
    clock = VirtualClock(T0)
    log: list[float] = []

    def ping() -> None:  # like the keep-alive: re-arms itself every 15 s
        log.append(clock.now())
        clock.call_at(clock.now() + 15, ping)

    clock.call_at(T0 + 15, ping)
    await clock.advance_to(T0 + 50)
    assert log == [T0 + 15, T0 + 30, T0 + 45]
    assert clock.next_deadline() == T0 + 60


async def test_cancelled_timers_do_not_fire_and_are_not_the_next_deadline():
    clock = VirtualClock(T0)
    fired: list[str] = []
    first = clock.call_at(T0 + 1, lambda: fired.append("first"))
    clock.call_at(T0 + 2, lambda: fired.append("second"))
    clock.cancel(first)
    assert clock.next_deadline() == T0 + 2
    assert clock.pending() == 1
    await clock.advance_to(T0 + 3)
    assert fired == ["second"]
    assert clock.next_deadline() is None


async def test_a_timer_can_cancel_a_later_one_in_the_same_advance():
    clock = VirtualClock(T0)
    fired: list[str] = []
    later = clock.call_at(T0 + 2, lambda: fired.append("later"))
    clock.call_at(T0 + 1, lambda: clock.cancel(later))
    await clock.advance_to(T0 + 3)
    assert fired == []


async def test_a_past_due_timer_fires_at_the_current_time():
    clock = VirtualClock(T0)
    seen: list[float] = []
    clock.call_at(T0 - 10, lambda: seen.append(clock.now()))
    await clock.advance_to(T0)
    assert seen == [T0]


async def test_a_failing_timer_is_logged_and_does_not_stop_the_others(caplog):
    clock = VirtualClock(T0)
    fired: list[str] = []

    def boom() -> None:
        raise RuntimeError("boom")

    clock.call_at(T0 + 1, boom)
    clock.call_at(T0 + 2, lambda: fired.append("after"))
    await clock.advance_to(T0 + 2)
    assert fired == ["after"]
    assert "boom" in caplog.text


async def test_time_never_goes_backwards():
    clock = VirtualClock(T0)
    await clock.advance(5)
    assert clock.now() == T0 + 5
    with pytest.raises(ValueError, match="backwards"):
        await clock.advance_to(T0)
    await clock.advance_to(T0 + 5)  # standing still is fine
