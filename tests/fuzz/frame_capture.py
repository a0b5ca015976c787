"""A pytest plugin for a catalogue run (``-p fuzz.frame_capture``): after each scenario, every frame the
mock server sent (the journal's ``ws.out`` entries) is appended as one JSON line to the file named by
``RINGSIDE_FRAMES_OUT``. tests/fuzz/test_asyncapi.py checks them against docs/asyncapi.yaml."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from mockserver.server import MockServer


@pytest.fixture(autouse=True)
def _capture_frames(ringside_server: MockServer) -> Iterator[None]:
    since = ringside_server.call(lambda hub: hub.journal.last_seq)
    yield
    entries = ringside_server.journal(since=since, kinds=["ws.out"])
    with open(os.environ["RINGSIDE_FRAMES_OUT"], "a", encoding="utf-8") as out:
        for entry in entries:
            out.write(json.dumps({"device": entry.get("device"), "frame": entry["frame"]}) + "\n")
