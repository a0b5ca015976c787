"""Clocks, timers on a virtual clock, and the journal: time and record-keeping at the server's edge."""

from __future__ import annotations

import json

import pytest

from mockserver.clock import VIRTUAL_EPOCH, RealClock, ScaledClock, VirtualClock, parse_clock
from mockserver.journal import KINDS, Journal
from mockserver.journal_types import ENTRY_TYPES
from mockserver.timers import Timers

# -- clocks --------------------------------------------------------------------------------------------


class FakeRealClock(RealClock):
    """A RealClock whose readings the test sets: no sleeping."""

    def __init__(self, *, now: float = 5_000.0, monotonic: float = 100.0) -> None:
        self.wall = now
        self.mono = monotonic

    def now(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono


def test_virtual_clock_starts_and_advances():
    clock = VirtualClock()
    assert clock.now() == VIRTUAL_EPOCH and clock.kind == "virtual" and clock.rate == 0.0
    assert clock.advance(2.5) == VIRTUAL_EPOCH + 2.5
    assert clock.advance(0) == VIRTUAL_EPOCH + 2.5
    assert clock.advance_to(VIRTUAL_EPOCH + 10) == VIRTUAL_EPOCH + 10
    assert clock.advance_to(VIRTUAL_EPOCH + 10) == VIRTUAL_EPOCH + 10, "standing still is fine"
    assert VirtualClock(start=7).now() == 7.0


def test_virtual_clock_never_goes_backwards():
    clock = VirtualClock(start=100.0)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-0.001)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance_to(99.999)
    assert clock.now() == 100.0, "a refused move leaves the clock where it was"


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_virtual_clock_refuses_non_finite_time(bad):
    clock = VirtualClock(start=100.0)
    with pytest.raises(ValueError):
        clock.advance(bad)
    with pytest.raises(ValueError):
        clock.advance_to(bad)
    assert clock.now() == 100.0


def test_scaled_clock_runs_factor_times_real_time():
    real = FakeRealClock(now=5_000.0, monotonic=100.0)
    clock = ScaledClock(10, real=real)
    assert clock.kind == "scaled" and clock.rate == 10.0
    assert clock.now() == 5_000.0, "starts at the wall clock"
    real.mono = 101.5
    assert clock.now() == pytest.approx(5_015.0)
    real.wall = 0.0  # the wall clock jumping does not matter: only monotonic time is scaled
    real.mono = 103.0
    assert clock.now() == pytest.approx(5_030.0)


def test_scaled_clock_with_start():
    real = FakeRealClock(monotonic=50.0)
    clock = ScaledClock(0.5, start=1_000.0, real=real)
    real.mono = 54.0
    assert clock.now() == pytest.approx(1_002.0)


@pytest.mark.parametrize("factor", [0, -1, -0.5])
def test_scaled_clock_needs_a_positive_factor(factor):
    with pytest.raises(ValueError, match="factor"):
        ScaledClock(factor, real=FakeRealClock())


def test_real_clock():
    clock = RealClock()
    assert clock.kind == "real" and clock.rate == 1.0
    assert clock.now() > 1_600_000_000
    first = clock.monotonic()
    assert clock.monotonic() >= first


def test_parse_clock():
    assert isinstance(parse_clock("real"), RealClock)
    virtual = parse_clock("virtual")
    assert isinstance(virtual, VirtualClock) and virtual.now() == VIRTUAL_EPOCH
    assert parse_clock("virtual", start=12.0).now() == 12.0
    scaled = parse_clock("scaled:4", start=10.0)
    assert isinstance(scaled, ScaledClock) and scaled.rate == 4.0
    assert parse_clock("scaled:0.25").rate == 0.25


@pytest.mark.parametrize("spec", ["", "Real", "fast", "scaled", "scaled:", "scaled:x", "scaled:0", "scaled:-2"])
def test_parse_clock_refuses_bad_values(spec):
    with pytest.raises(ValueError, match=r"bad clock|factor"):
        parse_clock(spec)


@pytest.mark.parametrize("spec", ["scaled:nan", "scaled:inf"])
def test_parse_clock_refuses_non_finite_factors(spec):
    with pytest.raises(ValueError):
        parse_clock(spec)


# -- timers on a virtual clock ---------------------------------------------------------------------


def _recorder(clock: VirtualClock, log: list, label: str):
    async def fire() -> None:
        log.append((label, clock.now()))

    return fire


async def test_timers_fire_in_due_order_with_ties_in_insertion_order():
    clock = VirtualClock(start=0.0)
    timers = Timers(clock)
    log: list = []
    timers.call_at(5, _recorder(clock, log, "b"), label="b")
    timers.call_at(2, _recorder(clock, log, "a"), label="a")
    timers.call_at(5, _recorder(clock, log, "c"), label="c")
    timers.call_later(7, _recorder(clock, log, "d"), label="d")
    timers.call_at(5, _recorder(clock, log, "e"), label="e")
    assert timers.virtual
    assert [t.label for t in timers.pending()] == ["a", "b", "c", "e", "d"]
    assert timers.next_due() == 2
    assert log == [], "nothing fires by itself on a virtual clock"

    fired = await timers.advance_to(6)
    assert [t.label for t in fired] == ["a", "b", "c", "e"]
    assert log == [("a", 2.0), ("b", 5.0), ("c", 5.0), ("e", 5.0)], "the clock reads each timer's due time"
    assert clock.now() == 6.0
    assert timers.next_due() == 7

    fired = await timers.advance_to(100)
    assert [t.label for t in fired] == ["d"] and log[-1] == ("d", 7.0)
    assert clock.now() == 100 and timers.next_due() is None and timers.pending() == []


async def test_cancelled_timers_do_not_fire():
    clock = VirtualClock(start=0.0)
    timers = Timers(clock)
    log: list = []
    keep = timers.call_at(1, _recorder(clock, log, "keep"), label="keep")
    drop = timers.call_at(1, _recorder(clock, log, "drop"), label="drop")
    first = timers.call_at(0.5, _recorder(clock, log, "first"), label="first")
    timers.cancel(drop)
    timers.cancel(first)
    assert timers.next_due() == 1
    assert timers.pending() == [keep]
    fired = await timers.advance_to(10)
    assert fired == [keep] and log == [("keep", 1.0)]
    timers.cancel(keep)  # no effect once fired


async def test_timers_clear():
    clock = VirtualClock(start=0.0)
    timers = Timers(clock)
    log: list = []
    timers.call_at(1, _recorder(clock, log, "x"))
    timers.clear()
    assert await timers.advance_to(5) == [] and log == []


async def test_timer_set_by_a_timer_fires_in_the_same_advance():
    clock = VirtualClock(start=0.0)
    timers = Timers(clock)
    log: list = []

    async def first() -> None:
        log.append(("first", clock.now()))
        timers.call_later(2, _recorder(clock, log, "second"), label="second")

    timers.call_at(1, first, label="first")
    fired = await timers.advance_to(10)
    assert [t.label for t in fired] == ["first", "second"]
    assert log == [("first", 1.0), ("second", 3.0)]


async def test_timer_due_in_the_past_fires_on_next_advance_at_now():
    clock = VirtualClock(start=50.0)
    timers = Timers(clock)
    log: list = []
    timers.call_at(10, _recorder(clock, log, "late"))
    await timers.advance_to(50)
    assert log == [("late", 50.0)], "the clock never moves back to a past due time"


async def test_failing_timer_does_not_stop_the_others():
    clock = VirtualClock(start=0.0)
    errors: list = []
    timers = Timers(clock, on_error=lambda timer, exc: errors.append((timer.label, type(exc))))
    log: list = []

    async def boom() -> None:
        raise RuntimeError("boom")

    timers.call_at(1, boom, label="boom")
    timers.call_at(2, _recorder(clock, log, "after"), label="after")
    fired = await timers.advance_to(3)
    assert [t.label for t in fired] == ["boom", "after"]
    assert errors == [("boom", RuntimeError)] and log == [("after", 2.0)]


async def test_timers_advance_backwards_raises():
    clock = VirtualClock(start=10.0)
    timers = Timers(clock)
    log: list = []
    timers.call_at(11, _recorder(clock, log, "x"))
    with pytest.raises(ValueError, match="backwards"):
        await timers.advance_to(9)
    assert clock.now() == 10.0 and log == [] and timers.next_due() == 11


# -- the journal -------------------------------------------------------------------------------------


def test_journal_seq_is_gapless_and_entries_carry_time():
    clock = VirtualClock(start=500.0)
    journal = Journal(clock, wall=FakeRealClock(now=42.0))
    assert journal.last_seq == 0 and journal.entries() == []
    first = journal.record("http.request", method="GET", path="/me")
    clock.advance(1)
    journal.record("http.response", requestSeq=first["seq"], status=200)
    journal.record("ws.open", conn=1)
    entries = journal.entries()
    assert [e["seq"] for e in entries] == [1, 2, 3] and journal.last_seq == 3
    assert entries[0] == {"seq": 1, "kind": "http.request", "t": 500.0, "wall": 42.0, "method": "GET", "path": "/me"}
    assert entries[1]["t"] == 501.0


def test_journal_since_and_kinds():
    journal = Journal(VirtualClock(start=0.0))
    for kind in ["http.request", "http.response", "ws.out", "http.request", "http.response", "call"]:
        journal.record(kind)
    assert [e["seq"] for e in journal.entries(since=4)] == [5, 6]
    assert journal.entries(since=6) == [] and journal.entries(since=100) == []
    assert [e["seq"] for e in journal.entries(kinds=["http.request"])] == [1, 4]
    assert [e["seq"] for e in journal.entries(since=2, kinds=["http.request", "call"])] == [4, 6]
    assert [e["seq"] for e in journal.entries(kinds=[])] == [1, 2, 3, 4, 5, 6], "no kinds: every kind"


def test_journal_clear_keeps_counting():
    journal = Journal(VirtualClock(start=0.0))
    for _ in range(3):
        journal.record("control")
    journal.clear()
    assert journal.entries() == [] and journal.last_seq == 3
    journal.record("control")
    journal.record("timer")
    assert [e["seq"] for e in journal.entries()] == [4, 5]
    assert [e["seq"] for e in journal.entries(since=1)] == [4, 5]
    assert [e["seq"] for e in journal.entries(since=4)] == [5]


def test_journal_refuses_unknown_kinds():
    journal = Journal(VirtualClock(start=0.0))
    with pytest.raises(ValueError, match="unknown journal kind"):
        journal.record("http.whatever")
    assert journal.last_seq == 0, "a refused entry takes no seq"
    assert set(KINDS) >= {"http.request", "http.response", "ws.in", "ws.out", "call", "timer", "callback"}


def test_journal_refuses_a_field_its_kind_does_not_declare():
    journal = Journal(VirtualClock(start=0.0))
    with pytest.raises(ValueError, match=r"'ws.out' declares no \['sessionid'\]"):
        journal.record("ws.out", conn=1, uid="alice", device="d", frame={}, sessionid="s")
    assert journal.last_seq == 0
    assert set(ENTRY_TYPES) == set(KINDS), "one TypedDict per journal kind"


def test_an_entry_laid_out_by_its_writer_is_kept_as_record_keeps_it(tmp_path):
    """Journal.append (the hot writers' way) stamps seq, t and wall in place and keeps the key order, the
    refusals and the file (credentials fingerprinted there at once) of Journal.record."""
    path = tmp_path / "journal.jsonl"
    journal = Journal(VirtualClock(start=3.0), wall=FakeRealClock(now=4.0), path=path)
    by_record = journal.record("http.request", method="PUT", path="/me", headers={"authtoken": "secret-token"})
    laid_out = {"seq": 0, "kind": "http.request", "t": 0.0, "wall": 0.0, "method": "PUT", "path": "/me"}
    by_append = journal.append(laid_out | {"headers": {"authtoken": "secret-token"}})
    assert by_append["seq"] == by_record["seq"] + 1 and (by_append["t"], by_append["wall"]) == (3.0, 4.0)
    assert list(by_append) == list(by_record) == ["seq", "kind", "t", "wall", "method", "path", "headers"]
    assert {**by_append, "seq": 0} == {**by_record, "seq": 0}
    assert "secret-token" not in path.read_text(), "the file holds fingerprints, as for record()"
    with pytest.raises(ValueError, match=r"'ws.out' declares no \['sessionid'\]"):
        journal.append({"seq": 0, "kind": "ws.out", "t": 0.0, "wall": 0.0, "conn": 1, "sessionid": "s"})
    with pytest.raises(ValueError, match="unknown journal kind"):
        journal.append({"seq": 0, "kind": "http.whatever", "t": 0.0, "wall": 0.0})
    assert journal.last_seq == 2, "a refused entry takes no seq"
    journal.close()
    memory = Journal(VirtualClock(start=0.0))
    entry = memory.append({"seq": 0, "kind": "ws.out", "t": 0.0, "wall": 0.0, "conn": 1, "frame": b'{"a":1}'})
    assert memory.entries() == [entry] and entry["frame"] == {"a": 1}, "encoded JSON is decoded when read"


def test_a_repeated_callback_report_keeps_the_entry_seq():
    journal = Journal(VirtualClock(start=0.0))
    journal.record("control", action="x")
    entry = journal.record("callback.repeat", tag="t", reportSeq=7, callback="onIncomingCallReceived")
    assert entry["seq"] == 2 and entry["reportSeq"] == 7


def test_journal_file_is_written_line_by_line(tmp_path):
    path = tmp_path / "journal.jsonl"
    journal = Journal(VirtualClock(start=1.0), wall=FakeRealClock(now=2.0), path=path)
    journal.record("control", action="started")
    # each entry is on disk as soon as it is recorded (flushed), before close
    assert [json.loads(line) for line in path.read_text().splitlines()] == journal.entries()
    journal.record("ws.out", frame={"a": [1, 2]}, device=object.__name__)
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and all(line.startswith("{") and "\n" not in line for line in lines)
    assert [json.loads(line) for line in lines] == journal.entries()
    journal.close()
    journal.close()  # twice is fine
    journal.record("control", action="after-close")
    assert len(path.read_text().splitlines()) == 2, "after close, entries stay in memory only"


def test_journal_file_appends(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text('{"seq":0}\n')
    journal = Journal(VirtualClock(start=0.0), path=path)
    journal.record("control")
    journal.close()
    assert len(path.read_text().splitlines()) == 2


def test_journal_file_handles_values_json_cannot(tmp_path):
    path = tmp_path / "journal.jsonl"
    journal = Journal(VirtualClock(start=0.0), path=path)
    journal.record("error", error=ValueError("x"), where={1, 2}.__class__)
    journal.close()
    assert json.loads(path.read_text())["kind"] == "error"
