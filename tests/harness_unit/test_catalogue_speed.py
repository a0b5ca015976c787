"""What makes the catalogue fast without changing what it checks: instances deleted at once, TLS kept for
the scenarios about the wire, the transport chosen per client, and ``ringside run`` starting pytest
without loading the server or the reference client in its own process."""

from __future__ import annotations

import subprocess
import sys
import threading
from types import SimpleNamespace
from typing import Any

import pytest

from harness import runner
from harness.cli import parser
from harness.clients import REFERENCE_SERVICE, in_process_service
from harness.fixtures import scenario_tls
from harness.world import CallbackLog, Party, World


class Probe:
    virtual = True
    has_plain_listener = True

    def journal_seq(self) -> int:
        return 0

    def now(self) -> float:
        return 0.0


class Deleting:
    """An instance whose ``delete`` only returns once every instance of the world is being deleted."""

    def __init__(self, barrier: threading.Barrier) -> None:
        self.barrier = barrier
        self.deleted = False

    def delete(self) -> None:
        self.barrier.wait(timeout=5)  # raises BrokenBarrierError if the deletes come one after another
        self.deleted = True


def test_close_deletes_every_instance_at_once() -> None:
    probe = Probe()
    world = World(probe, SimpleNamespace(capabilities=frozenset()), CallbackLog(probe))  # type: ignore[arg-type]
    barrier = threading.Barrier(3)
    instances = [Deleting(barrier) for _ in range(3)]
    for n, instance in enumerate(instances):
        world.parties[f"p{n}"] = Party(name=f"p{n}", uid=f"p{n}", instance=instance)  # type: ignore[arg-type]
    world.close()
    assert all(i.deleted for i in instances)


def test_a_world_without_tls_uses_the_plain_listener_only_if_there_is_one() -> None:
    probe = Probe()
    service: Any = SimpleNamespace(capabilities=frozenset())
    assert World(probe, service, CallbackLog(probe), tls=False).tls is False  # type: ignore[arg-type]
    probe.has_plain_listener = False
    assert World(probe, service, CallbackLog(probe), tls=False).tls is True  # type: ignore[arg-type]


class Item:
    def __init__(self, mode: str, tags: list[str]) -> None:
        self.config = SimpleNamespace(getoption=lambda name: mode)
        self.tags = tags

    def iter_markers(self, name: str) -> list[Any]:
        return [SimpleNamespace(args=(t,)) for t in self.tags]


@pytest.mark.parametrize(
    ("mode", "service", "tags", "tls"),
    [
        ("auto", REFERENCE_SERVICE, ["spec-accept", "must"], False),
        ("auto", REFERENCE_SERVICE, ["spec-wire-echo", "must"], True),
        ("auto", REFERENCE_SERVICE, ["robustness", "spec-end"], True),
        ("auto", "ringside-cometchat-js", ["spec-accept"], True),  # any other client: TLS always
        ("wire", "ringside-cometchat-js", ["spec-accept"], False),
        ("always", REFERENCE_SERVICE, ["spec-accept"], True),
    ],
)
def test_which_scenarios_keep_tls(mode: str, service: str, tags: list[str], tls: bool) -> None:
    assert scenario_tls(Item(mode, tags), SimpleNamespace(info={"name": service})) is tls  # type: ignore[arg-type]


def test_only_the_python_client_has_an_in_process_service() -> None:
    assert in_process_service("cometchat-js") is None
    with pytest.raises(ValueError, match="unknown quirk"):
        in_process_service("python:no-such-quirk")


def args(*argv: str) -> Any:
    return parser("run")[0].parse_args(["run", *argv])


def test_run_passes_the_transport_and_tls_choices_only_where_they_mean_something() -> None:
    python = runner.pytest_args(args("--transport", "http", "--tls", "always"), "python:no-call-duration")
    assert "--ringside-transport=http" in python and "--ringside-tls=always" in python
    js = runner.pytest_args(args(), "cometchat-js")
    assert not any(a.startswith("--ringside-transport") for a in js)
    assert "--ringside-tls=auto" in js
    parallel = runner.pytest_args(args("-n", "auto"), "python")
    assert parallel[parallel.index("-n") - 2 : parallel.index("-n") + 2] == ["-p", "xdist.plugin", "-n", "auto"]


def test_run_passes_values_that_start_with_an_at_sign_as_values() -> None:
    # pytest reads a separate "@name" argument as a file of arguments: `--tags @must` (Cucumber's
    # spelling) once stopped the run with pytest's usage and "No such file or directory: 'must'"
    argv = runner.pytest_args(args("--tags", "@must and not @robustness", "--report-dir", "@reports"), "python")
    assert "--ringside-tags=@must and not @robustness" in argv and "--ringside-report-dir=@reports" in argv
    assert not [a for a in argv if a.startswith("@")]


def test_ringside_run_starts_pytest_without_loading_the_server_or_the_client() -> None:
    code = (
        "import sys; from harness import cli; top, _ = cli.parser('run'); "
        "a = top.parse_args(['run', '--client', 'python', '--tags', 'must']); "
        "from harness import runner; runner.check(a, ['python']); "
        "print(sorted(m for m in ('aiohttp', 'mockserver.app', 'mockserver.server', 'harness.report.matrix') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_every_command_is_still_in_the_full_parser() -> None:
    assert set(parser()[1]) == {"serve", "run", "features", "example", "report", "known-failures"}
    assert set(parser("run")[1]) == {"run"}
    assert set(parser("example")[1]) == {"example"}


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version  # noqa: PLC0415

    from harness.cli import main  # noqa: PLC0415

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"ringside {version('ringside')}\n", "the CLI and the installed package agree"
