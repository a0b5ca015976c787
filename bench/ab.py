"""A/B of ringside commits under the bench's 10-pair call-cycle load, beside the bare server.

    python -m bench.ab 7f18625 HEAD              # two commits of ringside, then bare
    python -m bench.ab HEAD --rounds 6 --seconds 2 --pairs 10

Each commit's tree is exported (``git archive``) to a temporary folder and served from there with this
checkout's interpreter (``python -m harness.cli serve --no-tls --port 0``); the bare server is this
checkout's. The same load client (bench/load.py) drives every server in turn, round after round, the
order reversed every other round, so a burst of load elsewhere on the machine spoils one round of each,
not one variant. Prints per variant the median cycles/s and server CPU per cycle, each as a ratio to the
bare server's in the same rounds, the median per-round p99 of the event latency, and every round's CPU
per cycle (their spread says how far to trust a difference). Not part of ``make bench``: a tool for
saying what a change bought (docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from bench import load, servers

ROOT = Path(__file__).resolve().parent.parent
_LISTENING = re.compile(r"(?:ringside|bare): listening on (\S+)")


def _export(commit: str, into: Path) -> Path:
    """The tree of ``commit`` under ``into`` (a folder per commit)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", commit], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    folder = into / sha
    folder.mkdir()
    archive = subprocess.run(["git", "archive", sha], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def _start(kind: str, cwd: Path, users: list[str], workdir: Path) -> servers.ServerProcess:
    """A server of ``kind`` (ringside or bare) run from ``cwd``; waits for its listening line."""
    cmd = servers.command(kind, users, str(workdir))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(cwd), str(cwd / "clients" / "python")]))
    stderr = workdir / "stderr.txt"
    with stderr.open("w") as err:
        process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    stdout = process.stdout
    assert stdout is not None
    for line in stdout:
        if match := _LISTENING.match(line):
            threading.Thread(target=stdout.read, daemon=True).start()  # keep its pipe drained
            return servers.ServerProcess(kind, process, match.group(1), stderr, tempfile.TemporaryDirectory())
    raise servers.ServerError(f"{kind} from {cwd} did not start: {stderr.read_text()[-500:]}")


async def run(commits: list[str], rounds: int, seconds: float, pairs: int) -> list[str]:
    """The table, one line per variant (each commit, then bare)."""
    users = [f"p{i}" for i in range(2 * pairs)]
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as tmp:
        base = Path(tmp)
        variants: dict[str, servers.ServerProcess] = {}
        try:
            for commit in commits:
                tree = _export(commit, base)
                work = base / f"work-{tree.name}"
                work.mkdir()
                variants[f"ringside@{tree.name}"] = _start(servers.RINGSIDE, tree, users, work)
            (base / "work-bare").mkdir()
            variants["bare"] = _start(servers.BARE, ROOT, users, base / "work-bare")
            fleets = {name: load.Fleet(proc, users) for name, proc in variants.items()}
            try:
                for fleet in fleets.values():
                    await fleet.open()
                    await fleet.run(load.full_cycle, pairs, 0.5)  # warm-up
                results: dict[str, list[load.Round]] = {name: [] for name in fleets}
                names = list(fleets)
                for r in range(rounds):
                    for name in names if r % 2 == 0 else names[::-1]:
                        results[name].append(await fleets[name].run(load.full_cycle, pairs, seconds))
            finally:
                for fleet in fleets.values():
                    fleet.close()
        finally:
            for proc in variants.values():
                proc.stop()
    bare_rate = statistics.median(r.rate for r in results["bare"])
    bare_cpu = statistics.median(r.cpu_us_per_op for r in results["bare"])
    lines = []
    for name, rs in results.items():
        rate = statistics.median(r.rate for r in rs)
        cpu = statistics.median(r.cpu_us_per_op for r in rs)
        p99 = statistics.median(load.percentile(r.latencies, 0.99) * 1000 for r in rs)
        each = " ".join(f"{r.cpu_us_per_op:.0f}" for r in rs)
        lines.append(
            f"{name:20} {rate:6.0f} cycles/s ({rate / bare_rate:.2f}x bare)  {cpu:6.0f} µs/cycle "
            f"({cpu / bare_cpu:.2f}x bare)  p99 {p99:6.2f} ms  µs/cycle per round: {each}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__.split("\n\n")[0])
    parser.add_argument("commits", nargs="+", help="ringside commits to compare (anything git rev-parse takes)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--pairs", type=int, default=10)
    args = parser.parse_args(argv)
    load_avg = os.getloadavg()[0]
    lines = asyncio.run(run(args.commits, args.rounds, args.seconds, args.pairs))
    print(
        f"{args.pairs} pairs, {args.rounds} alternating rounds of {args.seconds:g} s; load {load_avg:.1f} at the start"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
