"""Pure call cycles, no I/O: ringside's core (``mockserver.core.Backend``) against the bare server's
dict-based machine (``bench.bare_server.BareCalls``) doing the same three transitions (initiate,
accept, end) and building the same call messages and frames."""

from __future__ import annotations

import time

from bench.bare_server import BareCalls


def core_cycles(cycles: int) -> float:
    """ringside's core: cycles per second (initiate, accept, end; each builds its reply and frames)."""
    from mockserver.core import Backend  # noqa: PLC0415 (here: a core mid-edit breaks this figure, not the bench)

    backend = Backend(app_id="bench", seed=1)
    for uid in ("alice", "bob"):
        backend.directory.add_user(uid, now=0.0)
    start = time.perf_counter()
    for i in range(cycles):
        now = float(i)
        out = backend.initiate(
            "alice", receiver="bob", receiver_type="user", call_type="audio", now=now, resource="dev-a"
        )
        sid = out.call.session_id
        backend.update("bob", sid, "ongoing", now=now, resource="dev-b")
        backend.update("alice", sid, "ended", now=now, resource="dev-a")
    return cycles / (time.perf_counter() - start)


def bare_cycles(cycles: int) -> float:
    """The minimal machine: cycles per second, same transitions, same message shapes."""
    machine = BareCalls("bench")
    for uid in ("alice", "bob"):
        machine.add_user(uid, 0.0)
    start = time.perf_counter()
    for i in range(cycles):
        now = float(i)
        reply, _ = machine.initiate("alice", "bob", "audio", now, "dev-a")
        sid = reply["data"]["entities"]["on"]["entity"]["sessionid"]
        machine.update("bob", sid, "ongoing", now, "dev-b")
        machine.update("alice", sid, "ended", now, "dev-a")
    return cycles / (time.perf_counter() - start)
