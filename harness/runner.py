"""``ringside run``: the conformance suite as one command (a thin layer over pytest)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.clients import ROOT, bundled
from harness.report import matrix

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
    p.add_argument("--known-failures", type=Path, help="YAML list of known failures (id, reason, step, failure)")
    p.add_argument(
        "--require-capabilities",
        default="",
        metavar="A,B",
        help="capabilities the client must declare; without them the run stops as not assessed",
    )
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
    if args.require_capabilities:
        argv += ["--ringside-require-capabilities", args.require_capabilities]
    return argv + [a for a in args.pytest_args if a != "--"]


def run(args: argparse.Namespace) -> int:
    """Run the suite (one pytest process per client); exit non-zero if any scenario failed or errored."""
    if args.client_cmd or args.client_url:
        clients: list[str | None] = [None]
    elif args.client == "all":
        clients = list(bundled())
    else:
        clients = [args.client]
    worst = 0
    results: list[tuple[str, int, Path | None]] = []
    for client in clients:
        label = client or args.client_cmd or args.client_url
        print(f"ringside: running the conformance suite against {label}", flush=True)
        before = _latest(args.report_dir)
        code = subprocess.run([sys.executable, "-m", "pytest", *pytest_args(args, client)], check=False).returncode
        code = 0 if code == pytest.ExitCode.NO_TESTS_COLLECTED else code
        after = _latest(args.report_dir)
        results.append((str(label), code, after if after != before else None))
        worst = max(worst, code)
    if len(results) > 1:
        print("\nringside: summary")
        for label, code, report in results:
            print(f"  {label:20} {_counts(report)}  {'ok' if code == 0 else f'exit {code}'}  {report or ''}")
        written = [report for _, _, report in results if report is not None]
        if len(written) > 1:
            print(f"  side by side: {matrix.write(written, args.report_dir) / 'matrix.html'}")
    return worst


def _latest(directory: Path) -> Path | None:
    latest = directory / "latest"
    return latest.resolve() if latest.exists() else None


def _counts(report_dir: Path | None) -> str:
    if report_dir is None:
        return "(no report)"
    summary = json.loads((report_dir / "report.json").read_text())["summary"]
    return (
        f"{summary['total']} scenarios: {summary['passed']} passed, {summary['failed']} failed, "
        f"{summary['error']} errors, {summary['skipped']} skipped, {summary['known_failure']} known failures"
    )
