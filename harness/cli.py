"""The ``ringside`` command: ``serve`` runs the mock server, ``run`` runs the conformance suite."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from harness.runner import add_run_parser
from mockserver.app import serve_forever, start_server
from mockserver.config import DEFAULT_API_KEY, DEFAULT_APP_ID, ServerConfig
from mockserver.core import RingsideError


def _users(value: str) -> list[str]:
    return [u.strip() for u in value.split(",") if u.strip()]


def _groups(values: list[str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for value in values:
        guid, _, members = value.partition("=")
        if not guid or not members:
            raise argparse.ArgumentTypeError(f"--group wants GUID=uid1,uid2 (got {value!r})")
        groups[guid] = _users(members)
    return groups


def add_serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ringside serve``."""
    p = sub.add_parser("serve", help="run the mock CometChat backend", description="Run the mock CometChat backend.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: the OS picks one)")
    p.add_argument("--tls", action=argparse.BooleanOptionalAction, default=True, help="serve HTTPS/WSS (default on)")
    p.add_argument("--tls-dir", type=Path, help="where the local CA lives (default ~/.cache/ringside/tls)")
    p.add_argument("--app-id", default=DEFAULT_APP_ID, help=f"app id (default {DEFAULT_APP_ID})")
    p.add_argument("--api-key", default=DEFAULT_API_KEY, help=f"API (auth) key (default {DEFAULT_API_KEY})")
    p.add_argument("--region", default="eu", help="region named in session ids (default eu)")
    p.add_argument("--users", type=_users, default=[], help="users to create up front: alice,bob")
    p.add_argument("--fake-users", type=int, default=0, help="create N more users with seeded fake names")
    p.add_argument("--group", action="append", default=[], help="a group to create: GUID=uid1,uid2 (repeatable)")
    p.add_argument("--auto-users", action="store_true", help="create unknown users on their first login")
    p.add_argument("--clock", default="real", help="real | scaled:N | virtual (default real)")
    p.add_argument("--seed", type=int, default=0, help="seed for ids and fake names (default 0)")
    p.add_argument("--journal", type=Path, help="append every journal entry to this JSON Lines file")
    p.add_argument("--ring-timeout", type=float, help="server-side ring expiry in seconds (extension; default off)")
    p.add_argument("--script", type=Path, help="YAML script of scripted users")
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
        groups=_groups(args.group),
        auto_create_users=args.auto_users,
        clock=args.clock,
        seed=args.seed,
        journal_path=args.journal,
        ring_timeout=args.ring_timeout,
        script_path=args.script,
    )


def serve(args: argparse.Namespace) -> int:
    """Run the server until SIGINT / SIGTERM."""
    try:
        config = config_from_args(args)
    except argparse.ArgumentTypeError as exc:
        print(f"ringside: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_serve(config))


async def _serve(config: ServerConfig) -> int:
    try:
        server = await start_server(config)
    except (OSError, ValueError, RingsideError) as exc:
        print(f"ringside: cannot start: {exc}", file=sys.stderr)
        return 1
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
        f"clock {hub.clock.kind}, users {users}",
        flush=True,
    )
    print(f"ringside: control API {server.url}/_ringside", flush=True)
    await serve_forever(server, stop)
    print("ringside: stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ringside`` console script."""
    parser = argparse.ArgumentParser(prog="ringside", description="CometChat ringing mock server and conformance suite")
    sub = parser.add_subparsers(dest="command", required=True)
    add_serve_parser(sub)
    add_run_parser(sub)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
