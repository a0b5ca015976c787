"""The two servers under load, each in its own process: ``ringside serve`` and ``bench.bare_server``.

Each process is the server alone, so its CPU (utime + stime of /proc/<pid>/stat, every thread) and its
RSS (VmRSS of /proc/<pid>/status) are the server's and nothing else's; the load client's work never counts.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

RINGSIDE = "ringside"
BARE = "bare"
_LISTENING = re.compile(r"(?:ringside|bare): listening on (\S+)")
_TICK = os.sysconf("SC_CLK_TCK")
_PR_SET_PDEATHSIG = 1


class ServerError(RuntimeError):
    """A server could not be started or died under load."""


@dataclass
class ServerProcess:
    """One server process and where it listens."""

    kind: str
    process: subprocess.Popen[str]
    url: str
    stderr: Path
    workdir: tempfile.TemporaryDirectory[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """utime + stime of the whole process (all threads), in seconds."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK

    def rss_kib(self) -> int:
        """Resident set size in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise ServerError(f"{self.kind}: no VmRSS for pid {self.pid}")

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise ServerError(f"{self.kind} server exited with {self.process.returncode}: {self.tail()}")

    def tail(self) -> str:
        try:
            return " | ".join(self.stderr.read_text(errors="replace").strip().splitlines()[-5:])
        except OSError:
            return ""

    async def aclose(self) -> None:
        """:meth:`stop` off the event loop, so the loop's own sockets can still answer the server's closes."""
        await asyncio.to_thread(self.stop)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s; idempotent."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.workdir.cleanup()


def command(kind: str, users: list[str], workdir: str) -> list[str]:
    """The command line of a server of ``kind`` with ``users`` created up front (plain HTTP, port 0)."""
    users_arg = ",".join(users)
    if kind == RINGSIDE:
        # Default limits and the real clock: ringside as a developer runs it. --tls-dir keeps the control
        # token file out of ~/.cache (the load client uses the client API only, never the control API).
        cmd = [sys.executable, "-m", "harness.cli", "serve", "--no-tls", "--port", "0", "--tls-dir", workdir]
        return [*cmd, *(["--users", users_arg] if users else [])]
    if kind == BARE:
        return [sys.executable, "-m", "bench.bare_server", "--port", "0", "--users", users_arg]
    raise ValueError(kind)


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the bench dies, so no server outlives a killed run (Linux)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def start(kind: str, users: list[str], *, timeout: float = 60.0) -> ServerProcess:
    """Start a server and wait (with a deadline) for the line that says where it listens."""
    workdir = tempfile.TemporaryDirectory(prefix=f"bench-{kind}-")
    stderr = Path(workdir.name) / "stderr.txt"
    with stderr.open("w") as err:
        process = subprocess.Popen(
            command(kind, users, workdir.name),
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=drain, daemon=True).start()
    server = ServerProcess(kind, process, "", stderr, workdir, lines)
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=min(left, 1.0))
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        if match := _LISTENING.match(line):
            server.url = match.group(1)
            return server
    tail = server.tail()
    server.stop()
    raise ServerError(f"{kind} server did not start within {timeout:g} s: {tail}")


async def start_all(kinds: tuple[str, ...], users: list[str]) -> dict[str, ServerProcess]:
    """Start one server of each kind at once (their start-ups overlap); none is left running on failure."""
    started = await asyncio.gather(*(asyncio.to_thread(start, kind, users) for kind in kinds), return_exceptions=True)
    failed = [s for s in started if isinstance(s, BaseException)]
    if failed:
        for server in started:
            if isinstance(server, ServerProcess):
                server.stop()
        raise failed[0]
    return {kind: server for kind, server in zip(kinds, started, strict=True) if isinstance(server, ServerProcess)}
