"""``ringside serve``: the mock CometChat backend as a long-running local fake.

Every flag is checked before anything starts; a bad one is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockserver.app import serve_forever, start_server
from mockserver.clock import parse_clock
from mockserver.config import (
    DEFAULT_API_KEY,
    DEFAULT_APP_ID,
    DEFAULT_AUTH_DEADLINE,
    DEFAULT_CALL_RETENTION,
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_MAX_ENDED_CALLS,
    DEFAULT_MAX_TOKENS_PER_USER,
    DEFAULT_SEND_DEADLINE,
    DEFAULT_SEND_QUEUE,
    ServerConfig,
)
from mockserver.core import RingsideError
from mockserver.dashboard import url as dashboard_url
from mockserver.tls import control_token_file, write_secret

#: Exit status when the server cannot start (port taken, bad script file, …).
START_FAILED = 1


def _users(value: str) -> list[str]:
    users = [u.strip() for u in value.split(",") if u.strip()]
    if not users:
        raise argparse.ArgumentTypeError("wants a comma-separated list of uids, e.g. alice,bob (got nothing)")
    return users


def _port(value: str) -> int:
    port = _int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"wants a port from 0 to 65535 (got {port}; 0 lets the OS pick)")
    return port


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants a whole number (got {value!r})") from None


def _count(value: str) -> int:
    count = _int(value)
    if count < 0:
        raise argparse.ArgumentTypeError(f"wants 0 or more (got {count})")
    return count


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"wants a number of seconds (got {value!r})") from None
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"wants a positive number of seconds (got {value})")
    return seconds


def _bounded(kind: type[int] | type[float], low: float, high: float, unit: str) -> Callable[[str], Any]:
    """A flag type: a number of ``unit`` from ``low`` to ``high``."""

    def parse(value: str) -> Any:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"wants a number of {unit} (got {value!r})") from None
        if not low <= number <= high:  # also refuses nan
            raise argparse.ArgumentTypeError(f"wants {unit} from {_plain(low)} to {_plain(high)} (got {value})")
        return number

    return parse


def _plain(number: float) -> str:
    """A bound as people write it: 10,000,000 rather than ``1e+07`` (65535 stays a port number)."""
    if not float(number).is_integer():
        return f"{number:g}"
    return f"{int(number):,}" if number >= 1_000_000 else str(int(number))


def _clock(value: str) -> str:
    try:
        parse_clock(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _existing_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {value}")
    return path


def _group(value: str) -> tuple[str, list[str]]:
    guid, _, members = value.partition("=")
    if not guid.strip() or not [m for m in members.split(",") if m.strip()]:
        raise argparse.ArgumentTypeError(f"wants GUID=uid1,uid2 (got {value!r})")
    return guid.strip(), _users(members)


def add_serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ringside serve``."""
    p = sub.add_parser("serve", help="run the mock CometChat backend", description="Run the mock CometChat backend.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=0, help="port (default 0: the OS picks one)")
    p.add_argument("--tls", action=argparse.BooleanOptionalAction, default=True, help="serve HTTPS/WSS (default on)")
    p.add_argument("--tls-dir", type=Path, help="where the local CA lives (default ~/.cache/ringside/tls)")
    p.add_argument("--app-id", default=DEFAULT_APP_ID, help=f"app id (default {DEFAULT_APP_ID})")
    p.add_argument("--api-key", default=DEFAULT_API_KEY, help=f"API (auth) key (default {DEFAULT_API_KEY})")
    p.add_argument("--region", default="eu", help="region named in session ids (default eu)")
    p.add_argument("--users", type=_users, default=[], help="users to create up front: alice,bob")
    p.add_argument("--fake-users", type=_count, default=0, help="create N more users with seeded fake names")
    p.add_argument("--group", type=_group, action="append", default=[], help="a group: GUID=uid1,uid2 (repeatable)")
    p.add_argument("--auto-users", action="store_true", help="create unknown users on their first login")
    p.add_argument("--clock", type=_clock, default="real", help="real | scaled:N | virtual (default real)")
    p.add_argument(
        "--seed",
        type=_int,
        default=None,
        help="make ids, auth tokens and jwts reproducible from this seed (default: random, from secrets)",
    )
    p.add_argument("--journal", type=Path, help="append every journal entry to this JSON Lines file")
    p.add_argument("--ring-timeout", type=_seconds, help="server-side ring expiry in seconds (extension; default off)")
    p.add_argument("--script", type=_existing_file, help="YAML script of scripted users")
    # memory bounds (docs/reliability.md)
    p.add_argument(
        "--journal-size",
        type=_bounded(int, 100, 10_000_000, "entries"),
        default=DEFAULT_JOURNAL_SIZE,
        help=f"journal entries kept in memory; --journal keeps them all (default {DEFAULT_JOURNAL_SIZE})",
    )
    p.add_argument(
        "--max-ended-calls",
        type=_bounded(int, 1, 10_000_000, "calls"),
        default=DEFAULT_MAX_ENDED_CALLS,
        help=f"ended calls kept; the earliest ended are forgotten first (default {DEFAULT_MAX_ENDED_CALLS})",
    )
    p.add_argument(
        "--call-retention",
        type=_bounded(float, 1, 1e9, "seconds"),
        default=DEFAULT_CALL_RETENTION,
        help=f"server-clock seconds an ended call is kept at most (default {DEFAULT_CALL_RETENTION:g})",
    )
    p.add_argument(
        "--max-tokens-per-user",
        type=_bounded(int, 1, 100_000, "tokens"),
        default=DEFAULT_MAX_TOKENS_PER_USER,
        help=f"auth tokens a user keeps; the least recently used go (default {DEFAULT_MAX_TOKENS_PER_USER})",
    )
    p.add_argument(
        "--send-queue",
        type=_bounded(int, 1, 1_000_000, "frames"),
        default=DEFAULT_SEND_QUEUE,
        help=f"frames a device may have waiting before it is closed as a slow consumer (default {DEFAULT_SEND_QUEUE})",
    )
    p.add_argument(
        "--send-deadline",
        type=_bounded(float, 0.01, 3600, "seconds"),
        default=DEFAULT_SEND_DEADLINE,
        help=f"seconds one frame's write may take before the device is closed (default {DEFAULT_SEND_DEADLINE:g})",
    )
    p.add_argument(
        "--auth-deadline",
        type=_bounded(float, 0.01, 3600, "seconds"),
        default=DEFAULT_AUTH_DEADLINE,
        help=f"seconds a WebSocket may stay open without authenticating (default {DEFAULT_AUTH_DEADLINE:g})",
    )
    p.add_argument(
        "--loop",
        choices=("auto", "asyncio", "uvloop"),
        default="auto",
        help="event loop: uvloop (faster; pip install 'ringside[fast]'), asyncio, or auto: uvloop if installed",
    )
    p.set_defaults(func=serve)


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    """The server configuration the flags describe."""
    return ServerConfig(
        host=args.host,
        port=args.port,
        tls=args.tls,
        tls_dir=args.tls_dir,
        app_id=args.app_id,
        api_key=args.api_key,
        region=args.region,
        users=args.users,
        fake_users=args.fake_users,
        groups=dict(args.group),
        auto_create_users=args.auto_users,
        clock=args.clock,
        seed=args.seed,
        journal_path=args.journal,
        ring_timeout=args.ring_timeout,
        script_path=args.script,
        journal_size=args.journal_size,
        max_ended_calls=args.max_ended_calls,
        call_retention=args.call_retention,
        max_tokens_per_user=args.max_tokens_per_user,
        send_queue=args.send_queue,
        send_deadline=args.send_deadline,
        auth_deadline=args.auth_deadline,
    )


def serve(args: argparse.Namespace) -> int:
    """Run the server until SIGINT / SIGTERM."""
    if args.journal is not None and not args.journal.parent.is_dir():
        print(f"ringside serve: --journal: no such directory: {args.journal.parent}", file=sys.stderr)
        return 2
    loop_factory = _loop_factory(args.loop)
    if isinstance(loop_factory, str):
        print(f"ringside serve: --loop: {loop_factory}", file=sys.stderr)
        return 2
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(_serve(config_from_args(args)))


def _loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop] | str | None:
    """The event loop ``--loop`` asks for (None: asyncio's own), or why it cannot be had."""
    if choice == "asyncio":
        return None
    try:
        uvloop = importlib.import_module("uvloop")  # optional: ringside[fast]
    except ImportError:
        return None if choice == "auto" else "uvloop is not installed (pip install 'ringside[fast]')"
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


async def _serve(config: ServerConfig) -> int:
    try:
        server = await start_server(config)
    except (OSError, ValueError, RingsideError) as exc:
        print(f"ringside serve: cannot start: {_one_line(exc)}", file=sys.stderr)
        return START_FAILED
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    hub = server.hub
    print(f"ringside: listening on {server.url}", flush=True)
    if server.tls:
        print(f"ringside: CA certificate {server.tls.ca} (NODE_EXTRA_CA_CERTS={server.tls.ca})", flush=True)
    users = ", ".join(hub.backend.directory.users) or "(none)"
    print(
        f"ringside: app id {config.app_id}, api key {config.api_key}, region {config.region}, "
        f"clock {hub.clock.kind}, users {users}, loop {_loop_name(loop)}",
        flush=True,
    )
    print(f"ringside: control API {server.url}/_ringside", flush=True)
    print(f"ringside: dashboard {dashboard_url(server.url, config.control_token)}", flush=True)
    token_file = control_token_file(config.tls_dir, server.port)
    try:
        write_secret(token_file, config.control_token)
        where = f"also in {token_file}"
    except OSError as exc:
        where = f"not written to {token_file}: {_one_line(exc)}"
    print(
        f"ringside: control token {config.control_token} ({where}; send it as Authorization: Bearer <token>)",
        flush=True,
    )
    try:
        await serve_forever(server, stop)
    finally:
        token_file.unlink(missing_ok=True)
    print("ringside: stopped", flush=True)
    return 0


def _loop_name(loop: asyncio.AbstractEventLoop) -> str:
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
