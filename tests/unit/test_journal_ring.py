"""The journal keeps the newest ``capacity`` entries in memory and every entry in its file; it says what left."""

from __future__ import annotations

import gc
import json

import orjson
import pytest

from mockserver.clock import VirtualClock
from mockserver.journal import DEFAULT_CAPACITY, Journal
from mockserver.redaction import fingerprint


def journal_of(capacity: int, count: int, **kwargs) -> Journal:
    journal = Journal(VirtualClock(start=0.0), capacity=capacity, **kwargs)
    for i in range(count):
        journal.record("control", action=f"a{i}")
    return journal


def test_memory_holds_the_newest_entries_and_seq_keeps_counting():
    journal = journal_of(5, 12)
    assert [e["seq"] for e in journal.entries()] == [8, 9, 10, 11, 12]
    assert len(journal) == 5 and journal.last_seq == 12 and journal.first_seq == 8
    assert journal.evicted == 7
    assert [e["seq"] for e in journal.entries(since=9)] == [10, 11, 12]
    assert [e["seq"] for e in journal.entries(since=0, limit=2)] == [8, 9]
    assert [e["seq"] for e in journal.entries(since=10, limit=5)] == [11, 12]


def test_evicted_after_counts_what_a_reader_lost():
    journal = journal_of(5, 12)
    assert [journal.evicted_after(s) for s in (0, 3, 6, 7, 8, 12)] == [7, 4, 1, 0, 0, 0]


def test_a_clear_is_not_an_eviction():
    journal = journal_of(3, 5)  # 1, 2 evicted; 3, 4, 5 in memory
    journal.clear()
    assert journal.evicted_after(0) == 2 and journal.evicted_after(2) == 0, "3-5 were cleared on purpose"
    for _ in range(4):
        journal.record("timer", label="x")  # 6-9; 6 evicted
    assert [e["seq"] for e in journal.entries()] == [7, 8, 9]
    assert journal.evicted_after(0) == 3 and journal.evicted_after(5) == 1 and journal.evicted_after(6) == 0
    assert journal.first_seq == 7


def test_the_file_keeps_every_entry(tmp_path):
    path = tmp_path / "journal.jsonl"
    journal = journal_of(3, 10, path=path)
    journal.close()
    assert [json.loads(line)["seq"] for line in path.read_text().splitlines()] == list(range(1, 11))
    assert journal.path == path


def test_the_default_capacity_and_a_useless_one():
    assert Journal(VirtualClock()).capacity == DEFAULT_CAPACITY == 10_000
    with pytest.raises(ValueError, match="at least 1"):
        Journal(VirtualClock(), capacity=0)
    empty = Journal(VirtualClock(), capacity=1)
    assert empty.first_seq == 1 and empty.entries() == [] and empty.evicted_after(0) == 0


def test_json_recorded_encoded_is_read_decoded_and_redacted(tmp_path):
    """A frame or reply given as bytes (the JSON as sent) is kept so, and read back decoded, with its
    credentials fingerprinted, in memory and in the file alike."""
    reply = {"data": {"uid": "alice", "authToken": "secret-token", "n": [1, 2.5, None]}}
    frame = {"body": {"data": {"entities": {"on": {"entity": {"sessionid": "s1", "status": "initiated"}}}}}}
    path = tmp_path / "journal.jsonl"
    for journal in (Journal(VirtualClock(start=0.0)), Journal(VirtualClock(start=0.0), path=path)):
        journal.record("http.response", requestSeq=1, method="PUT", path="/me", status=200, body=orjson.dumps(reply))
        journal.record("ws.out", conn=1, uid="alice", device=None, frame=orjson.dumps(frame), sessionId="s1")
        if journal.path is None:  # kept encoded until read: nothing in the entries for the collector to walk
            gc.collect()
            assert not any(gc.is_tracked(entry) for entry in journal._entries)
        response, out = journal.entries()
        hidden = fingerprint("secret-token")
        assert response["body"] == {"data": {"uid": "alice", "authToken": hidden, "n": [1, 2.5, None]}}
        assert out["frame"] == frame and out["sessionId"] == "s1"
        assert journal.entries() == [response, out], "decoded once, read again the same"
        journal.close()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["body"]["data"]["authToken"] == fingerprint("secret-token")
    assert lines[1]["frame"] == frame
