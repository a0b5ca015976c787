"""The adapter's start-up work done ahead of need: the warm pool of instance processes, the SDK loaded
before the configuration arrives, and the V8 code cache of the npm modules.

Each pooled process serves exactly one instance; these tests check that a process from the pool
behaves as a fresh one, and that what makes loading the SDK ahead safe holds for the pinned SDK.
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


@pytest.fixture
def pooled_service() -> Iterator[AdapterService]:
    _need_node()
    service = AdapterService.spawn(command_for("cometchat-js"), env={"RINGSIDE_POOL_SIZE": str(POOL)})
    yield service
    service.close()


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
    so no process (and no SDK state) served an instance before."""
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
        finally:
            instance.delete()


def test_a_process_is_never_given_an_instance_of_another_ca(
    served: Any, pooled_service: AdapterService, tmp_path: Path
) -> None:
    """NODE_EXTRA_CA_CERTS is read once, at start: pooled processes forked for one CA file are not used
    for another. An instance whose CA file does not sign the server's certificate fails to log in."""
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
