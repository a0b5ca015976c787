"""``ringside serve`` as a real subprocess: start, serve, stop on SIGTERM; TLS banner; bad flags."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import ssl
import sys
from pathlib import Path

import aiohttp
import pytest
from support import Api

#: Real seconds the subprocess may take to start (imports included) or to stop.
STARTUP = 20.0


async def _spawn(*args: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "harness.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )


async def _read_until(proc: asyncio.subprocess.Process, marker: str, *, deadline: float = STARTUP) -> list[str]:
    """Lines of stdout up to and including the first one containing ``marker``."""
    lines: list[str] = []
    async with asyncio.timeout(deadline):
        while True:
            raw = await proc.stdout.readline()
            if not raw:
                err = await proc.stderr.read()
                raise AssertionError(f"stdout ended before {marker!r}: {lines} / stderr {err.decode()}")
            lines.append(raw.decode().rstrip("\n"))
            if marker in lines[-1]:
                return lines


async def _stop(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(proc.communicate(), STARTUP)
    return proc.returncode, out.decode()


@pytest.fixture
async def processes():
    """Processes started by a test; killed (by their own id) if the test left them running."""
    started: list[asyncio.subprocess.Process] = []
    yield started
    for proc in started:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_serve_plain(processes, tmp_path):
    journal = tmp_path / "journal.jsonl"
    proc = await _spawn(
        "serve", "--port", "0", "--no-tls", "--users", "alice,bob", "--clock", "virtual", "--journal", str(journal),
        env={"RINGSIDE_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    processes.append(proc)
    lines = await _read_until(proc, "ringside: listening on")
    url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", lines[-1]).group(1)
    rest = await _read_until(proc, "ringside: control API")
    assert any("clock virtual" in line and "users alice, bob" in line for line in rest), rest
    assert any(line.endswith("loop uvloop") for line in rest), "--loop auto takes uvloop when installed (dev has it)"
    assert rest[-1] == f"ringside: control API {url}/_ringside"
    dashboard, line = await _read_until(proc, "ringside: control token")
    token, token_file = re.fullmatch(r"ringside: control token (\S+) \(also in (\S+);.*", line).groups()
    assert dashboard == f"ringside: dashboard {url}/_ringside/ui/#token={token}"
    port = url.rpartition(":")[2]
    assert token_file == str(tmp_path / "cache" / "tls" / f"control-{port}.token"), "beside the CA, even with --no-tls"
    assert Path(token_file).read_text().strip() == token
    assert os.stat(token_file).st_mode & 0o777 == 0o600, "readable by its owner only"

    async with aiohttp.ClientSession() as http:
        locked = await Api(http, url).control("GET", "/users")
        assert (locked.status, locked.code) == (401, "ERR_CONTROL_UNAUTHORIZED")
        api = Api(http, url, control_token=token)
        login = await api.login("alice")
        assert login.me["settings"]["CLIENT_API_HOST"] == url.removeprefix("http://")
        info = (await api.control("GET", "")).data
        assert info["clock"]["kind"] == "virtual"
        assert [u["uid"] for u in (await api.control("GET", "/users")).data] == ["alice", "bob"]

    code, out = await _stop(proc)
    assert code == 0
    assert out.rstrip().endswith("ringside: stopped")
    assert '"kind":"http.request"' in journal.read_text()
    assert token not in journal.read_text() and login.token not in journal.read_text(), "credentials are redacted"
    assert not os.path.exists(token_file), "a clean stop removes the token file"


async def test_serve_tls_prints_the_ca(processes, tmp_path):
    tls_dir = tmp_path / "tls"
    proc = await _spawn(
        "serve", "--tls", "--tls-dir", str(tls_dir), "--users", "alice", "--clock", "virtual", "--loop", "asyncio"
    )  # fmt: skip
    processes.append(proc)
    lines = await _read_until(proc, "ringside: CA certificate")
    url = re.search(r"listening on (https://127\.0\.0\.1:\d+)", "\n".join(lines)).group(1)
    ca = tls_dir / "ca.pem"
    assert f"ringside: CA certificate {ca} (NODE_EXTRA_CA_CERTS={ca})" in lines
    context = ssl.create_default_context(cafile=str(ca))
    async with aiohttp.ClientSession() as http, http.get(url + "/settings", ssl=context) as reply:
        assert reply.status == 200
    code, out = await _stop(proc)
    assert code == 0 and "ringside: stopped" in out
    assert "loop asyncio" in out + "\n".join(lines)


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--clock", "warp"], "argument --clock: bad clock 'warp'"),
        (["--clock", "scaled:x"], "argument --clock: bad clock 'scaled:x'"),
        (["--clock", "scaled:0"], "argument --clock:"),
        (["--clock", ""], "argument --clock: bad clock ''"),
        (["--port", "99999"], "argument --port: wants a port from 0 to 65535 (got 99999"),
        (["--port", "http"], "argument --port: wants a whole number (got 'http')"),
        (["--fake-users", "-3"], "argument --fake-users: wants 0 or more (got -3)"),
        (["--ring-timeout", "-1"], "argument --ring-timeout: wants a positive number of seconds (got -1)"),
        (["--ring-timeout", "nan"], "argument --ring-timeout: wants a positive number of seconds (got nan)"),
        (["--users", ""], "argument --users: wants a comma-separated list of uids"),
        (["--users", " , "], "argument --users: wants a comma-separated list of uids"),
        (["--group", "nomembers"], "argument --group: wants GUID=uid1,uid2 (got 'nomembers')"),
        (["--group", "g="], "argument --group: wants GUID=uid1,uid2 (got 'g=')"),
        (["--script", "/no/such/script.yaml"], "argument --script: no such file: /no/such/script.yaml"),
        (["--journal", "/no/such/dir/journal.jsonl"], "--journal: no such directory: /no/such/dir"),
        (["--journal-size", "99"], "argument --journal-size: wants entries from 100 to 10,000,000 (got 99)"),
        (["--max-ended-calls", "0"], "argument --max-ended-calls: wants calls from 1 to 10,000,000 (got 0)"),
        (["--call-retention", "nan"], "argument --call-retention: wants seconds from 1 to 1,000,000,000 (got nan)"),
        (["--max-tokens-per-user", "x"], "argument --max-tokens-per-user: wants a number of tokens (got 'x')"),
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    ],
)
async def test_a_bad_flag_is_one_line_and_exit_2(processes, flags, says):
    proc = await _spawn("serve", "--no-tls", *flags)
    processes.append(proc)
    out, err = await asyncio.wait_for(proc.communicate(), STARTUP)
    lines = err.decode().splitlines()
    assert proc.returncode == 2, (flags, err.decode())
    assert len(lines) == 1 and lines[0].startswith("ringside serve: "), lines
    assert says in lines[0]
    assert "listening" not in out.decode()


async def test_port_in_use(processes, server):
    proc = await _spawn("serve", "--no-tls", "--port", str(server.server.port))
    processes.append(proc)
    _, err = await asyncio.wait_for(proc.communicate(), STARTUP)
    lines = err.decode().splitlines()
    assert proc.returncode == 1 and len(lines) == 1 and lines[0].startswith("ringside serve: cannot start:"), lines
