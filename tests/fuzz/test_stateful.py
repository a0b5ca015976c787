"""Hypothesis stateful testing of the server over real sockets (REST over HTTP, devices over WebSocket).

Three users with two devices each log in, connect, disconnect and reconnect, place calls to each other,
accept, reject, answer busy, cancel, end, let them ring out, and move the virtual clock (the server runs
with ``--ring-timeout``, so a ringing call expires by itself). After every step:

* **one state per call**: the server's view (control API), the last REST reply and the last frame every
  device got agree on each call's status, and every status change the server accepted is one the state
  machine allows (a call that ended never moves again);
* **the same frames to every device of both parties**: each transition reaches every device of the
  caller and the callee that was connected at the time, as one identical frame;
* **no frame duplicated or lost per connected device**: each device got exactly the frames of the
  transitions that happened while it was connected, in order, and nothing else;
* **the journal is complete**: seq gapless, every request answered, one ``call`` entry per transition,
  and no ringside failure.

``RINGSIDE_FUZZ_STATEFUL`` (examples) and ``RINGSIDE_FUZZ_STEPS`` (steps each) size the run; ``make fuzz``
raises both. Runs are derandomized, so CI sees the same sequence every time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from mockserver.config import DEFAULT_API_KEY, DEFAULT_APP_ID, ServerConfig
from mockserver.server import MockServer

from .ws_client import Closed, Loop, Socket, connect

EXAMPLES = int(os.environ.get("RINGSIDE_FUZZ_STATEFUL", "20"))
STEPS = int(os.environ.get("RINGSIDE_FUZZ_STEPS", "40"))
RING_TIMEOUT = 30.0
USERS = ("alice", "bob", "carol")
DEVICES = tuple(f"{uid}-{n}" for uid in USERS for n in (1, 2))
TERMINAL = {"rejected", "busy", "cancelled", "unanswered", "ended"}
#: status → the statuses a call may move to next (docs/state-machine.md, one-to-one calls)
ALLOWED = {
    "initiated": {"ongoing", "rejected", "busy", "cancelled", "unanswered"},
    "ongoing": {"ended"},
}
#: drawn with accepts and ends twice as likely, so calls get answered and hung up, not only turned down
UPDATES = ("ongoing", "ongoing", "ended", "ended", "rejected", "busy", "cancelled", "unanswered")


#: what the whole run did, so the test can tell it exercised the server (not just refused everything)
TOTALS: dict[str, Any] = {"transitions": 0, "frames": 0, "statuses": set()}


def _owner(device: str) -> str:
    return device.rsplit("-", 1)[0]


@dataclass
class CallModel:
    sid: str
    caller: str
    callee: str
    status: str
    initiated_at: float
    frames: list[str] = field(default_factory=list)  #: every status the parties were told, in order


@pytest.fixture(scope="module")
def stateful_server() -> Iterator[MockServer]:
    config = ServerConfig(tls=False, users=list(USERS), clock="virtual", ring_timeout=RING_TIMEOUT, call_retention=1e9)
    server = MockServer(config).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client() -> Iterator[Loop]:
    loop = Loop()
    yield loop
    loop.close()


class Calls(RuleBasedStateMachine):
    """The machine; :func:`test_calls_over_real_sockets` binds it to a server and a loop."""

    server: MockServer
    client: Loop
    calls = Bundle("calls")

    def __init__(self) -> None:
        super().__init__()
        self.sockets: dict[str, Socket] = {}
        self.expected: dict[str, list[tuple[str, str]]] = {d: [] for d in DEVICES}  #: device → (sid, status)
        self.received: dict[str, list[tuple[str, str]]] = {d: [] for d in DEVICES}
        self.bodies: dict[tuple[str, str], str] = {}  #: (sid, status) → the frame's body, as first seen
        self.model: dict[str, CallModel] = {}
        self.tokens: dict[str, str] = {}
        self.jwts: dict[str, str] = {}
        self.transitions = 0

    # -- plumbing ---------------------------------------------------------------------------------

    def run(self, coro: Any) -> Any:
        return self.client.run(coro)

    async def _http(self, method: str, path: str, uid: str, body: Any, resource: str | None) -> tuple[int, Any]:
        headers = {"appId": DEFAULT_APP_ID, "authToken": self.tokens[uid], "Content-Type": "application/json"}
        if resource:
            headers["resource"] = resource
        async with self.client.http.request(
            method, self.server.url + path, data=json.dumps(body), headers=headers
        ) as reply:
            return reply.status, json.loads(await reply.text())

    def _announce(self, call: CallModel, status: str) -> None:
        """A transition the server accepted: every connected device of both parties is owed one frame."""
        self.transitions += 1
        TOTALS["statuses"].add(status)
        call.frames.append(status)
        for device in self.sockets:
            if _owner(device) in (call.caller, call.callee):
                self.expected[device].append((call.sid, status))

    # -- rules ------------------------------------------------------------------------------------

    @initialize(target=calls)
    def fresh_server(self) -> str:
        self.server.reset(clear_journal=True)
        api = {"appId": DEFAULT_APP_ID, "apiKey": DEFAULT_API_KEY}
        for uid in USERS:

            async def login(uid: str = uid) -> tuple[str, str]:
                async with self.client.http.post(
                    f"{self.server.url}/users/{uid}/auth_tokens", headers=api, data="{}"
                ) as minted:
                    token = json.loads(await minted.text())["data"]["authToken"]
                headers = {"appId": DEFAULT_APP_ID, "authToken": token}
                async with self.client.http.put(f"{self.server.url}/v3.0/me", headers=headers, data="{}") as me:
                    return token, json.loads(await me.text())["data"]["jwt"]

            self.tokens[uid], self.jwts[uid] = self.run(login())
        for uid in USERS:  # one device each from the start; the rules add, drop and bring back the others
            self.connect(f"{uid}-1")
        return self.place_call("alice", "bob", 1)  # and one call ringing, so every run has a call to move

    @rule(device=st.sampled_from(DEVICES))
    def connect(self, device: str) -> None:
        if device in self.sockets:
            return
        uid = _owner(device)

        async def go() -> Socket:
            sock = await connect(self.client.http, self.server.ws_url, device)
            reply = await sock.auth(uid, self.jwts[uid])
            assert reply == {"type": "auth", "body": {"code": "200", "status": "OK"}}, reply
            return sock

        self.sockets[device] = self.run(go())

    @rule(device=st.sampled_from(DEVICES))
    def disconnect(self, device: str) -> None:
        sock = self.sockets.pop(device, None)
        if sock is None:
            return
        self._collect(device, sock)  # what it got before it went away still counts
        self.run(sock.close())
        self.expected[device] = self.received[device] = []  # a new connection starts a new stream

    @rule(
        target=calls,
        caller=st.sampled_from(USERS),
        callee=st.sampled_from(USERS),
        device=st.sampled_from((None, 1, 2)),
    )
    def place_call(self, caller: str, callee: str, device: int | None) -> str:
        body = {"type": "audio", "receiverType": "user", "category": "call", "status": "initiated", "receiver": callee}
        resource = f"{caller}-{device}" if device else None
        status, reply = self.run(self._http("POST", "/v3.0/calls", caller, body, resource))
        if caller == callee:
            assert status == 400 and reply["error"]["code"] == "ERR_CANNOT_CALL_SELF", reply
            return "none"
        assert status == 200, reply
        entity = reply["data"]["data"]["entities"]["on"]["entity"]
        assert entity["status"] == "initiated"
        call = CallModel(entity["sessionid"], caller, callee, "initiated", self.server.now())
        self.model[call.sid] = call
        self._announce(call, "initiated")
        return call.sid

    @rule(sid=calls, by_callee=st.booleans(), status=st.sampled_from(UPDATES), device=st.sampled_from((None, 1, 2)))
    def update_call(self, sid: str, by_callee: bool, status: str, device: int | None) -> None:
        call = self.model.get(sid)
        if call is None:
            return
        actor = call.callee if by_callee else call.caller
        resource = f"{actor}-{device}" if device else None
        code, reply = self.run(self._http("PUT", f"/v3.0/calls/{sid}", actor, {"status": status}, resource))
        if code != 200:
            assert code in (400, 403, 409), reply
            assert set(reply) == {"error"}, reply
            return
        moved_to = reply["data"]["data"]["entities"]["on"]["entity"]["status"]
        assert moved_to == status, reply
        assert status in ALLOWED.get(call.status, set()), f"{call.status} → {status} accepted by {actor}"
        call.status = status
        self._announce(call, status)

    @rule(sid=calls, pick=st.integers(0, 9), by_callee=st.booleans(), device=st.sampled_from((None, 1, 2)))
    def move_call_on(self, sid: str, pick: int, by_callee: bool, device: int | None) -> None:
        """A move the state machine allows from where the call is (``update_call`` tries any move)."""
        call = self.model.get(sid)
        if call is None or call.status in TERMINAL:
            return
        options = sorted(ALLOWED[call.status])
        self.update_call(sid, by_callee, options[pick % len(options)], device)

    @rule(seconds=st.sampled_from([1.0, 1.0, 10.0, 29.0, 45.0]))
    def advance_clock(self, seconds: float) -> None:
        before = self.server.now()
        self.server.advance(seconds)
        now = self.server.now()
        ringing = sorted(
            (c for c in self.model.values() if c.status == "initiated" and c.initiated_at + RING_TIMEOUT <= now),
            key=lambda c: c.initiated_at,  # earliest first; calls placed at the same instant as placed (a stable sort)
        )
        for call in ringing:
            assert call.initiated_at + RING_TIMEOUT > before - 1e-9
            call.status = "unanswered"
            self._announce(call, "unanswered")

    # -- invariants -------------------------------------------------------------------------------

    def _collect(self, device: str, sock: Socket) -> None:
        got = self.run(sock.sync())
        assert not isinstance(got, Closed), f"{device} was closed by the server: {got}"
        for frame in got:
            assert frame.get("type") == "message", f"{device} got a frame that is no call frame: {frame}"
            entity = frame["body"]["data"]["entities"]["on"]["entity"]
            key = (entity["sessionid"], entity["status"])
            self.received[device].append(key)
            TOTALS["frames"] += 1
            body = json.dumps(frame["body"], sort_keys=True)
            assert self.bodies.setdefault(key, body) == body, f"{device} got another frame for {key}"

    @invariant()
    def devices_got_exactly_their_frames(self) -> None:
        for device, sock in self.sockets.items():
            self._collect(device, sock)
            assert self.received[device] == self.expected[device], (
                f"{device}: got {self.received[device]}, owed {self.expected[device]}"
            )

    @invariant()
    def one_state_per_call(self) -> None:
        if not self.model:
            return
        server_view = {c["sessionId"]: c["status"] for c in self.server.data("GET", "/calls")}
        for sid, call in self.model.items():
            assert server_view.get(sid) == call.status, f"{sid}: server {server_view.get(sid)}, model {call.status}"

    @invariant()
    def journal_is_complete(self) -> None:
        entries = self.server.journal()
        seqs = [e["seq"] for e in entries]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "journal seq has gaps"
        asked = [e["seq"] for e in entries if e["kind"] == "http.request"]
        answered = sorted(e["requestSeq"] for e in entries if e["kind"] == "http.response")
        assert answered == asked
        assert len([e for e in entries if e["kind"] == "call"]) == self.transitions
        assert [e for e in entries if e["kind"] == "error"] == []

    def teardown(self) -> None:
        TOTALS["transitions"] += self.transitions
        for sock in self.sockets.values():
            self.run(sock.close())


def test_calls_over_real_sockets(stateful_server: MockServer, client: Loop) -> None:
    Calls.server = stateful_server
    Calls.client = client
    machine = Calls.TestCase
    machine.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        phases=[Phase.explicit, Phase.generate] if os.environ.get("RINGSIDE_FUZZ_NO_SHRINK") else list(Phase),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    machine().runTest()
    assert TOTALS["transitions"] >= EXAMPLES and TOTALS["frames"] >= EXAMPLES, TOTALS
    assert TOTALS["statuses"] >= {"ongoing", "ended", "unanswered"}, TOTALS
