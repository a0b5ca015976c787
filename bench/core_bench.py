"""Pure call cycles, no I/O: ringside's core (``mockserver.core.Backend``) against the bare server's
dict-based machine (``bench.bare_server.BareCalls``) doing the same three transitions (initiate,
accept, end) and building the same call messages and frames.

Both sides are timed as the servers use them: every cycle reads each move's REST reply and every frame
it delivers. ringside's core lays its messages out only when they are read (``Outcome.reply``,
``Delivery.frame``), so a cycle that skipped the reads would time the state machine alone; the bare
machine builds them eagerly, and its cycle reads the same reply and frame of each move. Time is CPU
time of this process (``time.process_time``): on a shared machine, waiting for a core is not counted.
"""

from __future__ import annotations

import time

from bench.bare_server import BareCalls


def core_cycles(cycles: int) -> float:
    """ringside's core: cycles per second (initiate, accept, end), each move's reply and every frame of
    each delivery read, as the server reads them to answer and to send."""
    from mockserver.core import Backend  # noqa: PLC0415 (here: a core mid-edit breaks this figure, not the bench)

    backend = Backend(app_id="bench", seed=1)
    for uid in ("alice", "bob"):
        backend.directory.add_user(uid, now=0.0)
    read = 0
    start = time.process_time()
    for i in range(cycles):
        now = float(i)
        out = backend.initiate(
            "alice", receiver="bob", receiver_type="user", call_type="audio", now=now, resource="dev-a"
        )
        sid = out.call.session_id
        accepted = backend.update("bob", sid, "ongoing", now=now, resource="dev-b")
        ended = backend.update("alice", sid, "ended", now=now, resource="dev-a")
        for outcome in (out, accepted, ended):
            read += len(outcome.reply)
            for delivery in outcome.deliveries:
                read += len(delivery.frame)
    elapsed = time.process_time() - start
    assert read, "nothing was read"
    return cycles / elapsed


def bare_cycles(cycles: int) -> float:
    """The minimal machine: cycles per second, same transitions, same message shapes, the reply and the
    frame of each move read the same way (it builds them eagerly: one frame per move, to both parties)."""
    machine = BareCalls("bench")
    for uid in ("alice", "bob"):
        machine.add_user(uid, 0.0)
    read = 0
    start = time.process_time()
    for i in range(cycles):
        now = float(i)
        out = machine.initiate("alice", "bob", "audio", now, "dev-a")
        sid = out[0]["data"]["entities"]["on"]["entity"]["sessionid"]
        accepted = machine.update("bob", sid, "ongoing", now, "dev-b")
        ended = machine.update("alice", sid, "ended", now, "dev-a")
        for reply, frame in (out, accepted, ended):
            read += len(reply) + len(frame)
    elapsed = time.process_time() - start
    assert read, "nothing was read"
    return cycles / elapsed
