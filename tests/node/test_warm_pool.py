"""The adapter's instances and the start-up work done ahead of need: the warm pool of instance threads
(or processes, RINGSIDE_INSTANCE_MODE=process), the SDK loaded before the configuration arrives, and the
V8 code cache of the npm modules.

Each pooled thread / process serves one instance at a time (a virtual-clock instance's isolate is then
recycled for a later one: test_instance_reuse.py); these tests check, in both modes, that one from the
pool behaves as a fresh one, keeps to its own CA file, fails alone when it crashes and is gone once its
instance is deleted (without a pool, nothing is recycled), and that what makes loading the SDK ahead safe
holds for the pinned SDK.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter_protocol.client import AdapterService
from adapter_protocol.errors import AdapterError
from harness.clients import command_for
from mockserver.control import callback_url as callback_url_for

from .conftest import JS, _need_node, instance_params

pytestmark = pytest.mark.node

POOL = 2


def _node(script: str, *, env: dict[str, str] | None = None, cwd: Path = JS) -> Any:
    """Run ``script`` with node in the adapter's directory; it prints one JSON line."""
    done = subprocess.run(
        ["node", "-e", script],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


MODES = ["thread", "process"]


def _spawn(mode: str, **env: str) -> AdapterService:
    _need_node()
    return AdapterService.spawn(command_for("cometchat-js"), env={"RINGSIDE_INSTANCE_MODE": mode, **env})


@pytest.fixture(params=MODES)
def pooled_service(request: pytest.FixtureRequest) -> Iterator[AdapterService]:
    service = _spawn(request.param, RINGSIDE_POOL_SIZE=str(POOL))
    yield service
    service.close()


def _params(served: Any, tag: str, uid: str = "alice") -> dict[str, Any]:
    return instance_params(served, tag, uid, callback_url_for(served.url, served.control_token, tag))


def test_loading_the_sdk_touches_no_timer_clock_storage_or_global() -> None:
    """What lets a pooled process load the SDK before it knows its clock: the load has no such effect."""
    _need_node()
    script = r"""
      const polyfill = require('./polyfill');
      polyfill.install();
      const before = new Set(Object.getOwnPropertyNames(globalThis));
      const calls = [];
      for (const k of ['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask']) {
        const real = globalThis[k];
        globalThis[k] = function (...a) { calls.push(k); return real.apply(this, a); };
      }
      const RealDate = Date;
      globalThis.Date = class extends RealDate {
        constructor(...a) { super(...a); calls.push('new Date'); }
        static now() { calls.push('Date.now'); return RealDate.now(); }
      };
      const perfNow = performance.now.bind(performance);
      performance.now = () => { calls.push('performance.now'); return perfNow(); };
      require('@cometchat/chat-sdk-javascript');
      const added = Object.getOwnPropertyNames(globalThis).filter((k) => !before.has(k));
      console.log(JSON.stringify({ calls, added, local: localStorage.length, session: sessionStorage.length }));
    """
    assert _node(script) == {"calls": [], "added": [], "local": 0, "session": 0}


def test_pooled_processes_each_serve_one_instance_and_start_fresh(served: Any, pooled_service: AdapterService) -> None:
    """More instances than the pool holds, one after another, on either clock: each one's process has
    received exactly the frames the server sent to that instance's device and reported no callback,
    so nothing of an instance an isolate served before (a recycled one's) shows."""
    for n in range(POOL + 3):
        tag = f"pool{n}-alice"
        params = instance_params(served, tag, "alice", callback_url_for(served.url, served.control_token, tag))
        params["clock"] = {"mode": "virtual" if n % 2 else "real", "now": 1_800_000_000}
        instance = pooled_service.create(tag=tag, uid="alice", params=params)
        try:
            assert instance.ok("login")["uid"] == "alice"
            synced = instance.ok("sync")
            devices = served.control("GET", "/devices")["data"]
            sent = sum(d["framesSent"] for d in devices if d["resource"] == synced["resource"])
            assert sent > 0
            assert synced["framesReceived"] == sent
            assert synced["callbacksSent"] == 0
            if n % 2:  # the virtual clock, installed after the SDK had loaded, owns the SDK's timers
                assert synced["now"] == 1_800_000_000
                advanced = instance.ok("advanceTime", {"to": 1_800_000_001})
                assert advanced["now"] == 1_800_000_001
                assert advanced["nextTimer"] is not None  # the SDK's WS ping, on the virtual clock
                # and what sync would say, counted after the same settle
                assert advanced["resource"] == synced["resource"]
                assert advanced["framesReceived"] == synced["framesReceived"]
                assert advanced["callbacksSent"] == 0
        finally:
            instance.delete()


def test_a_process_is_never_given_an_instance_of_another_ca(
    served: Any, pooled_service: AdapterService, tmp_path: Path
) -> None:
    """A pooled thread / process trusts the CA file it was started for (a thread: a TLS context of exactly
    that file; a process: NODE_EXTRA_CA_CERTS, read once at start) and is never used for another. An
    instance whose CA file does not sign the server's certificate fails to log in, and the next one,
    with the right file, logs in."""
    service = pooled_service
    tag = "ca-alice"
    params = instance_params(served, tag, "alice", callback_url_for(served.url, served.control_token, tag))
    first = service.create(tag=tag, uid="alice", params=params)
    first.ok("login")
    first.delete()
    system_cas = Path("/etc/ssl/certs/ca-certificates.crt")
    if not system_cas.is_file():
        pytest.skip("needs the system CA bundle as a CA file that does not sign the mock's certificate")
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(system_cas.read_bytes())
    tag2 = "ca2-alice"
    params2 = instance_params(served, tag2, "alice", callback_url_for(served.url, served.control_token, tag2))
    params2["server"]["caFile"] = str(other_ca)
    second = service.create(tag=tag2, uid="alice", params=params2)
    try:
        refused = second.command("login")
        assert not refused.ok, "a process trusting the mock's CA was reused for another CA file"
    finally:
        second.delete()
    tag3 = "ca3-alice"
    params3 = instance_params(served, tag3, "alice", callback_url_for(served.url, served.control_token, tag3))
    third = service.create(tag=tag3, uid="alice", params=params3)
    third.ok("login")
    third.delete()


def test_the_code_cache_is_keyed_by_content_not_just_length(tmp_path: Path) -> None:
    """V8 accepts cached data for any source of the same length; the cache must never run stale code."""
    _need_node()
    package = tmp_path / "node_modules" / "probe"
    package.mkdir(parents=True)
    module = package / "index.js"
    cache = tmp_path / "cache"
    script = f"""
      require({json.dumps(str(JS / "compile-cache.js"))}).install();
      console.log(JSON.stringify(require({json.dumps(str(module))})));
    """
    env = {"RINGSIDE_V8_CACHE_DIR": str(cache)}
    module.write_text("module.exports = { answer: 'aaa', id: __filename.length > 0 };\n")
    assert _node(script, env=env, cwd=tmp_path) == {"answer": "aaa", "id": True}
    assert len(list(cache.glob("*.v8"))) == 1, "the first load writes an entry"
    assert _node(script, env=env, cwd=tmp_path) == {"answer": "aaa", "id": True}
    module.write_text("module.exports = { answer: 'bbb', id: __filename.length > 0 };\n")  # same length
    assert _node(script, env=env, cwd=tmp_path) == {"answer": "bbb", "id": True}
    assert len(list(cache.glob("*.v8"))) == 2


def test_the_code_cache_is_off_for_a_directory_others_can_write(tmp_path: Path) -> None:
    _need_node()
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    script = f"console.log(JSON.stringify(require({json.dumps(str(JS / 'compile-cache.js'))}).install()));"
    assert _node(script, env={"RINGSIDE_V8_CACHE_DIR": str(shared)}) is None
    assert _node(script, env={"RINGSIDE_V8_CACHE_DIR": "off"}) is None
    private = tmp_path / "private"
    assert _node(script, env={"RINGSIDE_V8_CACHE_DIR": str(private)}) == str(private)
    assert private.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", ["exit", "throw"])
def test_a_crashing_instance_fails_alone(served: Any, mode: str, fault: str) -> None:
    """An instance whose thread / process ends (``exit``) fails its pending command with 500
    INSTANCE_CRASHED and every later one, and nothing else: the instance beside it and new instances go
    on. One that throws an error nothing catches (``throw``) is logged and goes on, in both modes."""
    service = _spawn(mode, RINGSIDE_POOL_SIZE="1", RINGSIDE_TEST_FAULT=f"getSession:{fault}")
    try:
        bystander = service.create(tag="crash-bob", uid="bob", params=_params(served, "crash-bob", "bob"))
        bystander.ok("login")
        victim = service.create(tag="crash-alice", uid="alice", params=_params(served, "crash-alice"))
        victim.ok("login")
        if fault == "exit":
            with pytest.raises(AdapterError, match=rf"HTTP 500.*INSTANCE_CRASHED.*instance {mode} exited \(70\)"):
                victim.command("getSession")
            with pytest.raises(AdapterError, match=r"HTTP 500.*INSTANCE_CRASHED"):
                victim.command("sync")
        else:
            assert victim.command("getSession").ok
            assert victim.ok("sync")["resource"]
        assert service.alive()
        assert bystander.ok("sync")["framesReceived"] > 0
        fresh = service.create(tag="crash-carol", uid="carol", params=_params(served, "crash-carol", "carol"))
        assert fresh.ok("login")["uid"] == "carol"
        fresh.delete()
        victim.delete()
        bystander.delete()
    finally:
        service.close()
    if fault == "throw":
        assert service.stderr is not None
        assert "RINGSIDE_TEST_FAULT on getSession" in service.stderr.text()


def _threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def test_a_deleted_instances_thread_is_gone(served: Any) -> None:
    """Thread mode: DELETE answers once the instance's thread has ended, so instances come and go
    without the service keeping a thread (or its isolate's memory) per instance it ever ran."""
    if not Path("/proc/self/task").is_dir():
        pytest.skip("needs Linux /proc")
    service = _spawn("thread", RINGSIDE_POOL_SIZE="0")
    try:
        assert service.process is not None
        pid = service.process.pid
        first = service.create(tag="gone0-alice", uid="alice", params=_params(served, "gone0-alice"))
        first.ok("login")
        first.delete()  # the first instance also starts what the service keeps (libuv's thread pool)
        baseline = _threads(pid)
        for n in range(3):
            tag = f"gone{n + 1}-alice"
            instance = service.create(tag=tag, uid="alice", params=_params(served, tag))
            assert _threads(pid) > baseline
            instance.ok("login")
            instance.delete()
            assert _threads(pid) == baseline
    finally:
        service.close()
