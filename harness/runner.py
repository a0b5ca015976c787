"""``ringside run``: the conformance suite as one command (a thin layer over pytest)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from harness.clients import ROOT, bundled

FEATURES = ROOT / "features"


def add_run_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ringside run``."""
    p = sub.add_parser("run", help="run the conformance suite against a client", description=__doc__)
    target = p.add_mutually_exclusive_group()
    target.add_argument("--client", default="python", help="bundled client name, or 'all' (default python)")
    target.add_argument("--client-cmd", help="command that starts your test service (gets --port 0)")
    target.add_argument("--client-url", help="URL of your running test service")
    p.add_argument("--tags", help='tag expression, e.g. "must and not slow"')
    p.add_argument("--report-dir", type=Path, default=Path("reports"), help="where reports go (default reports/)")
    p.add_argument("--clock", choices=("virtual", "real"), default="virtual", help="server clock (default virtual)")
    p.add_argument("--known-failures", type=Path, help="YAML list of known failures (id + reason)")
    p.add_argument("--features", type=Path, default=FEATURES, help="feature directory (default: the bundled catalogue)")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="anything after -- goes to pytest")
    p.set_defaults(func=run)


def pytest_args(args: argparse.Namespace, client: str | None) -> list[str]:
    """The pytest command line for one client."""
    argv = [str(args.features), "-p", "no:cacheprovider", "-q", "-rfE", "--rootdir", str(args.features)]
    argv += ["--ringside-report-dir", str(args.report_dir), "--ringside-clock", args.clock]
    if client:
        argv += ["--ringside-client", client]
    if args.client_cmd:
        argv += ["--ringside-client-cmd", args.client_cmd]
    if args.client_url:
        argv += ["--ringside-client-url", args.client_url]
    if args.tags:
        argv += ["--ringside-tags", args.tags]
    if args.known_failures:
        argv += ["--ringside-known-failures", str(args.known_failures)]
    return argv + [a for a in args.pytest_args if a != "--"]


def run(args: argparse.Namespace) -> int:
    """Run the suite; exit non-zero if any scenario failed or errored."""
    if args.client_cmd or args.client_url:
        clients: list[str | None] = [None]
    elif args.client == "all":
        clients = list(bundled())
    else:
        clients = [args.client]
    worst = 0
    for client in clients:
        print(
            f"ringside: running the conformance suite against {client or args.client_cmd or args.client_url}",
            flush=True,
        )
        code = int(pytest.main(pytest_args(args, client)))
        worst = max(worst, 0 if code == pytest.ExitCode.NO_TESTS_COLLECTED else code)
    return worst


if __name__ == "__main__":
    sys.exit(run(argparse.Namespace()))
