"""Messages share what does not change between them, so nothing may change a message in place.

The backend lays a move's frames out from templates and from *wraps* of users (``{"entity": …,
"entityType": "user"}``) that every message showing that user unchanged holds by reference: a second
move's frame holds the same dict as the first's. These tests pin that sharing down (so the rest mean
something), that the core itself never changes a frame once built, and that every code path which
alters a frame on its way out (redaction in the journal) copies what it changes and leaves the frame,
and every frame sharing parts with it, as it was.
"""

from __future__ import annotations

import copy
from pathlib import Path

from helpers import eager

from mockserver.clock import VirtualClock
from mockserver.core import Backend, Move
from mockserver.journal import Journal
from mockserver.redaction import redact
from mockserver.scripted.frames import CallFrame

T0 = 1_800_000_000.0


def make_backend() -> Backend:
    backend = Backend(app_id="app", region="eu", seed=5)
    backend.directory.add_user("alice", now=T0, metadata={"authToken": "alice-secret", "team": "red"})
    for uid in ("bob", "carol", "dave"):
        backend.directory.add_user(uid, now=T0)
    backend.directory.add_group("team", name="Team", members=["alice", "bob", "carol", "dave"], now=T0)
    return backend


def entities(frame: dict) -> dict:
    return frame["body"]["data"]["entities"]


def test_unchanged_users_are_shown_by_one_shared_dict():
    backend = make_backend()
    first = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="A")
    sid = first.call.session_id
    # bob accepts at the same clock second he was last active in: nobody changed, both wraps are reused
    backend.directory.users["bob"].last_active_at = T0
    second = backend.update("bob", sid, Move.ACCEPT.value, now=T0, resource="B")
    a, b = first.deliveries[0].frame, second.deliveries[0].frame
    assert entities(a)["for"] is entities(b)["for"] is entities(b)["by"]  # bob, twice
    on_a, on_b = entities(a)["on"]["entity"], entities(b)["on"]["entity"]
    assert on_a["data"] is on_b["data"]  # who called whom
    assert entities(a)["by"] is on_a["data"]["entities"]["sender"]  # alice
    assert [a] == eager(backend, first, "A") and [b] == eager(backend, second, "B")


def test_the_core_never_changes_a_frame_it_built():
    backend = make_backend()
    outcomes = [
        backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="A")
    ]
    sid = outcomes[0].call.session_id
    frozen = copy.deepcopy([d.frame for d in outcomes[0].deliveries])
    outcomes.append(backend.update("bob", sid, Move.ACCEPT.value, now=T0 + 1, resource="B"))
    frozen += copy.deepcopy([d.frame for d in outcomes[-1].deliveries])
    # everything a frame shows changes, and more moves are made, on the same and other calls
    backend.directory.users["alice"].name = "Renamed"
    backend.directory.users["bob"].avatar = "https://example.test/bob.png"
    backend.online.add("bob")
    outcomes.append(backend.update("alice", sid, Move.END.value, now=T0 + 2, resource="A"))
    group = backend.initiate(
        "alice", receiver="team", receiver_type="group", call_type="video", now=T0 + 3, resource="A"
    )
    for member in ("bob", "carol", "dave"):
        backend.update(member, group.call.session_id, Move.REJECT.value, now=T0 + 4, resource=member)
    backend.initiate("bob", receiver="alice", receiver_type="user", call_type="audio", now=T0 + 5, resource="B")
    assert [d.frame for o in outcomes[:2] for d in o.deliveries] == frozen


def test_redaction_copies_what_it_hides_and_leaves_shared_frames_alone():
    backend = make_backend()
    first = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="A")
    backend.directory.users["bob"].last_active_at = T0
    second = backend.update("bob", first.call.session_id, Move.ACCEPT.value, now=T0, resource="B")
    frames = [first.deliveries[0].frame, second.deliveries[0].frame]
    assert entities(frames[0])["by"] is entities(frames[1])["on"]["entity"]["data"]["entities"]["sender"]
    before = copy.deepcopy(frames)
    redacted = redact({"frame": frames[0]})
    hidden = entities(redacted["frame"])["by"]["entity"]["metadata"]
    assert hidden["authToken"].startswith("<redacted:") and hidden["team"] == "red"
    assert frames == before  # the frame and the one sharing alice's wrap with it: unchanged
    assert entities(frames[0])["by"]["entity"]["metadata"]["authToken"] == "alice-secret"


def test_the_journal_redacts_copies_in_memory_and_on_file(tmp_path: Path):
    backend = make_backend()
    out = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="A")
    frame = out.deliveries[0].frame
    before = copy.deepcopy(frame)
    for journal in (Journal(VirtualClock()), Journal(VirtualClock(), path=tmp_path / "journal.jsonl")):
        try:
            for _ in range(2):  # the same frame to two devices
                journal.record("ws.out", conn=1, uid="bob", device="B", frame=frame)
            for entry in journal.entries():
                shown = entities(entry["frame"])["by"]["entity"]["metadata"]["authToken"]
                assert shown.startswith("<redacted:")
                assert entry["frame"] is not frame
        finally:
            journal.close()
        assert frame == before and out.reply is frame["body"]


def test_reading_a_frame_for_faults_changes_nothing():
    backend = make_backend()
    out = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="A")
    frame = out.deliveries[0].frame
    before = copy.deepcopy(frame)
    parsed = CallFrame.parse(frame)
    assert parsed is not None and parsed.actor == "alice" and parsed.device == "A"
    assert frame == before


def test_a_wrap_is_remade_only_when_what_it_shows_changes():
    backend = make_backend()
    out = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=T0, resource="A")
    alice = entities(out.deliveries[0].frame)["by"]
    # later in the same whole second: lastActiveAt shows the same, so the same wrap
    again = backend.initiate(
        "alice", receiver="carol", receiver_type="user", call_type="audio", now=T0 + 0.5, resource="A"
    )
    assert entities(again.deliveries[0].frame)["by"] is alice
    # the next second, then online, then renamed: a new wrap each time, each as the plain layout shows
    for change in (None, "online", "rename"):
        if change == "online":
            backend.online.add("alice")
        elif change == "rename":
            backend.directory.users["alice"].name = "Alicia"
        out = backend.initiate(
            "alice", receiver="dave", receiver_type="user", call_type="video", now=T0 + 1, resource="A"
        )
        wrap = entities(out.deliveries[0].frame)["by"]
        assert wrap is not alice and [out.deliveries[0].frame] == eager(backend, out, "A")
        alice = wrap
    assert alice["entity"]["status"] == "online" and alice["entity"]["name"] == "Alicia"
    assert alice["entity"]["lastActiveAt"] == int(T0 + 1)
