"""The bare server is an honest baseline only if the load client cannot tell it from ringside: its call
messages and frames must have ringside's layout (same keys, same value types, at every depth)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench/ is the checkout's, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.bare_server import BareCalls  # noqa: E402
from mockserver.core import Backend  # noqa: E402


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    return type(value).__name__


def test_bare_calls_lay_messages_out_like_ringside() -> None:
    backend, bare = Backend(app_id="ringside", seed=1), BareCalls("ringside")
    for uid in ("alice", "bob"):
        backend.directory.add_user(uid, now=100.0)
        bare.add_user(uid, 100.0)
    ours = backend.initiate("alice", receiver="bob", receiver_type="user", call_type="audio", now=101.0, resource="a")
    reply, frame = bare.initiate("alice", "bob", "audio", 101.0, "a")
    steps = [((ours.reply, ours.deliveries[0].frame), (reply, frame))]
    sid, bare_sid = ours.call.session_id, reply["data"]["entities"]["on"]["entity"]["sessionid"]
    for actor, status, resource in (("bob", "ongoing", "b"), ("alice", "ended", "a")):
        out = backend.update(actor, sid, status, now=103.0, resource=resource)
        steps.append(((out.reply, out.deliveries[0].frame), bare.update(actor, bare_sid, status, 103.0, resource)))
    for (ringside_reply, ringside_frame), (bare_reply, bare_frame) in steps:
        assert shape(bare_reply) == shape(ringside_reply)
        assert shape(bare_frame) == shape(ringside_frame)
        assert bare_frame["deviceId"] == ringside_frame["deviceId"]
