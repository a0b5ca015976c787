"""``ringside run``: the conformance suite as one command (a thin layer over pytest)."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness import js_adapter, sdk_versions
from harness.budget import option as budget_option
from harness.clients import bundled, command_for
from harness.errors import SERVICE_EXIT
from harness.resources import features_dir

# This process only checks the options and starts pytest: what only some options need (pytest itself, the
# tag parser, the known-failures loader, the reference client's quirks, the side-by-side matrix) is
# imported where it is used, so `ringside run` starts its pytest without loading aiohttp and the server.

FEATURES = features_dir()
#: Exit status for an option that cannot work (argparse's own is 2 as well).
USAGE_EXIT = 2


def add_run_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ringside run``."""
    p = sub.add_parser("run", help="run the conformance suite against a client", description=__doc__)
    target = p.add_mutually_exclusive_group()
    target.add_argument(
        "--client",
        default="python",
        help="bundled client name, 'all', a published SDK version (cometchat-js@4.0.5, cometchat-js@latest, "
        "cometchat-pro@3.0.13), a range or all of them (cometchat-js@4.0.0..4.2.0, cometchat-js@all), or a comma "
        "list of any of these (default python)",
    )
    target.add_argument("--client-cmd", help="command that starts your test service (gets --port 0)")
    target.add_argument("--client-url", help="URL of your running test service")
    p.add_argument(
        "--transport",
        choices=("in-process", "http"),
        default="in-process",
        help="how the bundled python client is reached: in-process (default: its adapter service on a thread of "
        "the harness's process) or http (python -m refclient.service, the adapter protocol like any client)",
    )
    p.add_argument(
        "--tls",
        choices=("auto", "always", "wire"),
        default="auto",
        help="which scenarios reach the mock server over TLS: always, or wire (spec-wire-* and robustness; "
        "the others over its plain-HTTP listener); auto (default): wire for the python client, always otherwise",
    )
    p.add_argument("--tags", help='tag expression, e.g. "must and not robustness"')
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
    p.add_argument(
        "--latency-budget",
        type=budget_option,
        metavar="MS",
        help="real milliseconds a callback may take after the server frame that caused it; a passing scenario "
        "with a later one is graded passed-late (default 250)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 on should-tier failures and on late passes too (by default only must-tier failures and "
        "errors, stale known failures and a client not assessed do)",
    )
    p.add_argument(
        "-n",
        "--numprocesses",
        metavar="N",
        type=_workers,
        help="run the scenarios in N processes (or 'auto': one per CPU) with pytest-xdist, each with its own "
        "mock server and test service; one report",
    )
    p.add_argument(
        "-j",
        "--jobs",
        metavar="N",
        type=_jobs,
        default=1,
        help="with several clients (a list, SDK versions such as cometchat-js@4.0.0..4.2.0 or @all, or 'all'): "
        "run N of them at a time, each with its own mock server (default 1; 'auto': one per CPU)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="pytest's own output instead of ringside's console")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="anything after -- goes to pytest")
    p.set_defaults(func=run)


def _jobs(text: str) -> int:
    if text == "auto":
        return os.cpu_count() or 1
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"wants a number of clients at a time (1 or more) or 'auto', not {text!r}")


def _workers(text: str) -> str:
    if text == "auto" or (text.isdigit() and int(text) >= 1):
        return text
    raise argparse.ArgumentTypeError(f"wants a number of processes (1 or more) or 'auto', not {text!r}")


#: The pytest plugins ``ringside run`` loads (plugin autoload is off: see :func:`pytest_env`); ``-n`` adds xdist.
PLUGINS = ("pytest_bdd.plugin", "harness.plugin")


def pytest_env() -> dict[str, str]:
    """The environment of ``ringside run``'s pytest: plugin autoload off.

    pytest would otherwise import every plugin installed in the environment (hypothesis, schemathesis,
    faker, anyio …) and, without bytecode caching, rewrite their assertions on every start: seconds the
    catalogue does not need. ``ringside run`` loads what it uses by name (:data:`PLUGINS`); another
    plugin is one ``-- -p NAME`` away.
    """
    return {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def pytest_args(args: argparse.Namespace, client: str | None) -> list[str]:
    """The pytest command line for one client (run it with :func:`pytest_env`)."""
    argv = [str(args.features), "-p", "no:cacheprovider", "--rootdir", str(args.features)]
    for plugin in PLUGINS:
        argv += ["-p", plugin]
    if args.numprocesses:
        argv += ["-p", "xdist.plugin", "-n", args.numprocesses]
    # ringside's console replaces pytest's (failures by scenario id and step); -v keeps pytest's own
    argv += ["-v", "-rfE"] if args.verbose else ["-p", "no:terminal", "--ringside-console"]
    # Values go as --option=value: pytest reads a separate argument that starts with "@" as a file of
    # arguments, so `--tags "@must"` (Cucumber's spelling) would otherwise be read as a missing file.
    argv += [f"--ringside-report-dir={args.report_dir}", f"--ringside-clock={args.clock}"]
    argv += [f"--ringside-tls={args.tls}"]
    if client:
        argv += [f"--ringside-client={client}"]
        if client.partition(":")[0] == "python":
            argv += [f"--ringside-transport={args.transport}"]
    if args.client_cmd:
        argv += [f"--ringside-client-cmd={args.client_cmd}"]
    if args.client_url:
        argv += [f"--ringside-client-url={args.client_url}"]
    if args.tags:
        argv += [f"--ringside-tags={args.tags}"]
    if args.known_failures:
        argv += [f"--ringside-known-failures={args.known_failures}"]
    if args.require_capabilities:
        argv += [f"--ringside-require-capabilities={args.require_capabilities}"]
    if getattr(args, "latency_budget", None) is not None:
        argv += [f"--ringside-latency-budget={args.latency_budget:g}"]
    if getattr(args, "strict", False):
        argv += ["--ringside-strict"]
    return argv + [a for a in args.pytest_args if a != "--"]


class UsageProblem(Exception):
    """An option that cannot work: reported in one line before anything starts (exit 2)."""


class ClientUnavailable(Exception):
    """A bundled client that cannot be made ready (its first-use install failed): exit 3, like a
    test service that cannot start."""


def check(args: argparse.Namespace, clients: list[str | None]) -> None:
    """Every option checked before any server or client starts; raises UsageProblem."""
    for client in clients:
        if client is not None:
            _check_client(client)
    if args.numprocesses and importlib.util.find_spec("xdist") is None:
        raise UsageProblem("-n needs pytest-xdist (pip install pytest-xdist)")
    if args.tags is not None:
        from harness import tags  # noqa: PLC0415 - imported on use (see the note at the top)

        try:
            tags.parse(args.tags)
        except ValueError as exc:
            raise UsageProblem(f"--tags: {exc}") from None
    if not args.features.is_dir():
        raise UsageProblem(f"--features: no such directory: {args.features}")
    if args.known_failures is not None:
        if not args.known_failures.is_file():
            raise UsageProblem(f"--known-failures: no such file: {args.known_failures}")
        import pytest  # noqa: PLC0415 - imported on use (see the note at the top)

        from harness import known_failures  # noqa: PLC0415

        try:
            known_failures.load_all(args.known_failures)
        except pytest.UsageError as exc:
            raise UsageProblem(f"--known-failures: {exc}") from None
    if args.client_url is not None and not args.client_url.startswith(("http://", "https://")):
        raise UsageProblem(f"--client-url wants an http:// or https:// URL (got {args.client_url!r})")
    if args.client_cmd is not None and not args.client_cmd.strip():
        raise UsageProblem("--client-cmd is empty")
    try:
        args.report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageProblem(f"--report-dir: cannot create {args.report_dir}: {exc.strerror}") from None


def _resolve(value: str) -> list[str]:
    """``--client``'s value → one client name per run (versioned SDK clients expanded to exact versions)."""
    try:
        return sdk_versions.resolve(value)
    except js_adapter.InstallError as exc:  # the registry could not be asked for the versions
        raise ClientUnavailable(f"--client {value}: {exc}") from None
    except ValueError as exc:
        raise UsageProblem(f"--client: {exc}") from None


def _check_client(name: str) -> None:
    base, _, quirks = name.partition(":")
    try:
        command_for(name)  # the JS adapter's first-use npm install happens here, with its progress
    except js_adapter.InstallError as exc:
        raise ClientUnavailable(f"--client {name}: {exc}") from None
    except ValueError as exc:
        raise UsageProblem(f"--client: {exc}") from None
    if base == "python" and quirks:
        from refclient.faults import Quirks  # noqa: PLC0415 - imported on use (see the note at the top)

        try:
            Quirks.parse(quirks.replace("+", ","))
        except ValueError as exc:
            raise UsageProblem(f"--client {name}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    """Run the suite (one pytest process per client); exit non-zero if any scenario failed or errored.

    Exit status: 0 every must-tier scenario passed (or failed only as listed; with --strict every
    scenario, on time), 1 failures, 2 a bad option, 3 the client's test service could not be started or
    kept dying, 5 the tag filter selected nothing, 130 interrupted (the report of the scenarios so far is
    written, marked incomplete).
    """
    try:
        if args.client_cmd or args.client_url:
            clients: list[str | None] = [None]
        elif args.client == "all":
            clients = list(bundled())
        else:  # a list, and SDK versions (cometchat-js@4.0.0..4.2.0) one client each
            clients = list(_resolve(args.client))
        check(args, clients)
    except UsageProblem as exc:
        print(f"ringside: {exc}", file=sys.stderr)
        return USAGE_EXIT
    except ClientUnavailable as exc:
        print(f"ringside: {exc}", file=sys.stderr)
        return SERVICE_EXIT
    if len(clients) > 1:
        return _run_many(args, [client for client in clients if client])
    worst = 0
    results: list[tuple[str, int, Path | None]] = []
    for client in clients:
        label = client or args.client_cmd or args.client_url
        how = f" ({args.transport})" if client and client.partition(":")[0] == "python" else ""
        print(f"ringside: running the conformance suite against {label}{how}", flush=True)
        before = _latest(args.report_dir)
        command = [sys.executable, "-m", "pytest", *pytest_args(args, client)]
        code = _run_pytest(command)
        after = _latest(args.report_dir)
        if code == INTERRUPTED:
            if after is not None and after != before:
                print(f"ringside: interrupted; the report of the scenarios so far: {after / 'report.html'}")
            return INTERRUPTED
        results.append((str(label), code, after if after != before else None))
        worst = max(worst, code)
    return worst


def client_folder(client: str) -> str:
    """The folder of one client's runs in a several-client run's report directory (``cometchat-js@4.0.5``)."""
    return client.replace(":", "_").replace("/", "_")


def _run_many(args: argparse.Namespace, clients: list[str]) -> int:
    """Several clients (``--client all``, SDK versions, a list): one pytest per client, each with its own mock
    server and test service, ``-j`` at a time, each client's runs in ``<report dir>/<client>/`` (its own
    ``latest``, so each compares with its own previous run); then the matrix of all of them.

    With ``-j 1`` each run's console is shown as it goes; in parallel each goes to ``<client>/console.log``
    and one line per client is printed when it ends."""
    jobs = max(1, int(getattr(args, "jobs", 1) or 1))
    plan = [(client, args.report_dir / client_folder(client)) for client in clients]
    commands: dict[str, list[str]] = {}
    for client, directory in plan:
        directory.mkdir(parents=True, exist_ok=True)
        own = argparse.Namespace(**{**vars(args), "report_dir": directory})
        commands[client] = [sys.executable, "-m", "pytest", *pytest_args(own, client)]
    before = {client: _latest(directory) for client, directory in plan}
    if jobs == 1:
        codes: dict[str, int] = {}
        for client, _ in plan:
            print(f"ringside: running the conformance suite against {client}", flush=True)
            codes[client] = _run_pytest(commands[client])
            if codes[client] == INTERRUPTED:
                break
    else:
        print(f"ringside: {len(plan)} clients, {jobs} at a time (each run's console: <client>/console.log)", flush=True)
        codes = _run_parallel(commands, {c: d / "console.log" for c, d in plan}, jobs)
    results: list[tuple[str, int, Path | None]] = []
    for client, directory in plan:
        after = _latest(directory)
        if client in codes:
            results.append((client, codes[client], after if after != before[client] else None))
    interrupted = any(code == INTERRUPTED for _, code, _ in results) or len(results) < len(plan)
    width = max(len(client) for client in clients)
    print("\nringside: summary" + (" (interrupted)" if interrupted else ""))
    for label, code, report in results:
        print(f"  {label:{width}}  {_counts(report)}  {'ok' if code == 0 else f'exit {code}'}  {report or ''}")
    written = [report for _, _, report in results if report is not None]
    if len(written) > 1:
        from harness.report import matrix  # noqa: PLC0415 - imported on use (see the note at the top)

        command = shlex.join(["ringside", *sys.argv[1:]])
        print(f"  side by side: {matrix.write(written, args.report_dir, command=command) / 'matrix.html'}")
    if interrupted:
        return INTERRUPTED
    return max((code for _, code, _ in results), default=0)


def _run_parallel(commands: dict[str, list[str]], logs: dict[str, Path], jobs: int) -> dict[str, int]:
    """Run the pytest commands ``jobs`` at a time, each one's output into its log; client → exit status.

    Ctrl-C reaches every running pytest from the terminal (same process group); SIGTERM is passed on to
    each. Either way the runs still going write their incomplete reports, and no new one starts."""
    waiting = list(commands)
    running: dict[str, subprocess.Popen[bytes]] = {}
    codes: dict[str, int] = {}
    stopping = False
    previous = signal.getsignal(signal.SIGTERM)

    def forward(signum: int, frame: object) -> None:
        for process in running.values():
            process.send_signal(signal.SIGTERM)
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, forward)
    try:
        while waiting or running:
            try:
                while waiting and len(running) < jobs and not stopping:
                    client = waiting.pop(0)
                    with logs[client].open("wb") as log:
                        running[client] = subprocess.Popen(
                            commands[client], env=pytest_env(), stdout=log, stderr=subprocess.STDOUT
                        )
                if stopping and not running:
                    break
                for client, process in list(running.items()):
                    code = process.poll()
                    if code is None:
                        continue
                    del running[client]
                    codes[client] = INTERRUPTED if stopping and code != 0 else code
                    status = "ok" if code == 0 else f"exit {code}"
                    print(f"ringside: {client}: {_counts(_latest(logs[client].parent))}  {status}", flush=True)
                time.sleep(0.2)
            except KeyboardInterrupt:
                if stopping:  # a second Ctrl-C: stop now
                    for process in running.values():
                        process.kill()
                    raise
                stopping = True
                waiting.clear()
                deadline = time.monotonic() + INTERRUPT_GRACE
                for process in running.values():
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(timeout=max(0.0, deadline - time.monotonic()))
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()
        with contextlib.suppress(ValueError, TypeError):
            signal.signal(signal.SIGTERM, previous)
    return codes


#: Exit status of a run stopped by Ctrl-C (or SIGTERM).
INTERRUPTED = 130
#: Real seconds pytest may take to write the report of the scenarios so far after Ctrl-C.
INTERRUPT_GRACE = 30.0


def _run_pytest(command: list[str]) -> int:
    """Run pytest; on Ctrl-C let it finish writing its (incomplete) report, a second Ctrl-C kills it.

    The terminal sends Ctrl-C to pytest too, so it is not sent again; SIGTERM (a cancelled CI job) is
    passed on to it."""
    process = subprocess.Popen(command, env=pytest_env())
    previous = signal.getsignal(signal.SIGTERM)

    def forward(signum: int, frame: object) -> None:
        process.send_signal(signal.SIGTERM)
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, forward)
    try:
        return process.wait()
    except KeyboardInterrupt:
        try:
            process.wait(timeout=INTERRUPT_GRACE)
        except (KeyboardInterrupt, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        return INTERRUPTED
    finally:
        with contextlib.suppress(ValueError, TypeError):
            signal.signal(signal.SIGTERM, previous)


def _latest(directory: Path) -> Path | None:
    latest = directory / "latest"
    return latest.resolve() if latest.exists() else None


def _counts(report_dir: Path | None) -> str:
    if report_dir is None:
        return "(no report)"
    summary = json.loads((report_dir / "report.json").read_text())["summary"]
    return (
        f"{summary['total']} scenarios: {summary['passed']} passed, {summary.get('passed_late', 0)} late, "
        f"{summary['failed']} failed, "
        f"{summary['error']} errors, {summary['skipped']} skipped, {summary['known_failure']} known failures"
    )
