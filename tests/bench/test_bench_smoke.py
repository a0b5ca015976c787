"""``make bench``'s machinery with tiny counts: every figure comes out beside a baseline and a ratio.

No timing asserts: benchmarks are not timed tests (the figures of a --quick run mean nothing anyway).
The catalogue's figures are read from two small report.json files (running the catalogue here would
cost more than this whole test); everything else really runs: both servers in their own processes,
the load client, the pure-core loops, the scripted users on the real clock.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench/ is the checkout's, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.figures import FAIL, PASS, SKIPPED, SOFT_MISS  # noqa: E402

EXPECTED = [
    *(f"{kind} {n} pair{'s' if n > 1 else ''}" for n in (1, 10, 50) for kind in ("call setups/s,", "call cycles/s,")),
    "server CPU per cycle, 10 pairs",
    *(f"event latency {q}, {n} pair{'s' if n > 1 else ''}" for n in (1, 10) for q in ("p50", "p99")),
    "logins with socket/s",
    "server RSS per idle socket, 50 sockets",
    "server RSS per idle socket, 200 sockets",
    "pure core cycles/s",
    *(
        f"scripted {d} s answer, {what}"
        for d in ("0.2", "0.5")
        for what in ("|actual - scripted| p50", "|actual - scripted| p99", "earliest actual - scripted")
    ),
    "catalogue wall time, python",
    "catalogue wall time, cometchat-js",
]


def _report(client: str, scenarios: list[tuple[float, float]]) -> dict[str, object]:
    rows = [
        {"id": f"S-{i}", "verdict": "passed", "duration": wall, "clockSeconds": scripted}
        for i, (wall, scripted) in enumerate(scenarios)
    ]
    return {"client": {"name": client}, "duration": sum(w for w, _ in scenarios), "scenarios": rows}


@pytest.mark.timeout(120)
def test_quick_bench_prints_every_figure_with_baseline_and_ratio(tmp_path: Path) -> None:
    for client, scenarios in (("python", [(0.02, 45.0), (0.03, 3.0)]), ("cometchat-js", [(0.5, 45.0)])):
        run = tmp_path / "reports" / f"run-{client}"
        run.mkdir(parents=True)
        (run / "report.json").write_text(json.dumps(_report(client, scenarios)))
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out), "--catalogue-from", str(tmp_path / "reports")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 1: a hard goal missed, which is a figure
    document = json.loads(out.read_text())
    figures = {f["name"]: f for f in document["figures"]}
    assert list(figures) == EXPECTED, done.stdout + done.stderr
    for name, figure in figures.items():
        assert figure["value"] is not None, (name, figure)
        assert figure["baseline"] is not None, (name, figure)
        assert figure["ratio"] is not None, (name, figure)
        assert figure["goal"], name
        assert figure["verdict"] in (PASS, FAIL, SOFT_MISS), (name, figure)
        assert name in done.stdout  # and the table printed it
    assert SKIPPED not in {f["verdict"] for f in figures.values()}
    catalogue = figures["catalogue wall time, python"]
    assert catalogue["baseline"] == 48.0 and catalogue["value"] == pytest.approx(0.05)  # read from the report
    assert catalogue["ratio"] == pytest.approx(960.0) and catalogue["verdict"] == PASS
    failed = [f["name"] for f in document["figures"] if f["verdict"] == FAIL]
    assert document["failed"] == failed
    assert ("hard goal(s) missed" in done.stdout) == bool(failed) and (done.returncode == 1) == bool(failed)


def test_the_catalogue_figure_is_the_run_with_the_median_wall_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several runs per client (``--catalogue-runs``, default 3): one slow moment spoils one run, not the figure."""
    import asyncio  # noqa: PLC0415

    from bench import __main__ as bench_main  # noqa: PLC0415
    from bench import catalogue  # noqa: PLC0415

    walls = iter([9.0, 5.0, 7.0])

    def run(client: str, extra: list[str] | None = None, timeout: float = 1800.0) -> catalogue.CatalogueRun:
        wall = next(walls)
        return catalogue.CatalogueRun(
            client=client,
            wall=wall,
            scripted=6300.0,
            scenarios=1,
            verdicts={"passed": 1},
            report_duration=wall - 1,
            median_scenario=0.04,
        )

    monkeypatch.setattr(catalogue, "run", run)
    settings, _ = bench_main.parse(["--only", "catalogue", "--no-js", "--no-json"])
    assert settings.catalogue_runs == 3
    (python, _js) = asyncio.run(bench_main.catalogue_group(settings, None))  # type: ignore[arg-type]
    assert python.value == 7.0 and python.ratio == pytest.approx(900.0) and python.verdict == PASS
    assert "the median of 3 runs: 9.00, 5.00, 7.00 s" in python.note
    with pytest.raises(SystemExit) as refused:
        bench_main.parse(["--catalogue-runs", "0"])
    assert refused.value.code == 2
