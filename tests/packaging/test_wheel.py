"""The built wheel stands alone: installed into a fresh venv and run from an empty directory.

Once per module: the working tree is copied (without .git, .venv, node_modules, reports), built with
``pip wheel --no-deps`` and installed into a new venv in a temp directory (its dependencies from the
package index, through pip's own cache). Every command then runs in an empty directory with the venv's
``bin`` first on PATH, no PYTHONPATH and ringside's cache (TLS CA, the JS adapter's npm packages) in the
temp directory, so nothing can come from the checkout.

The full ``ringside run --client cometchat-js --tags must`` from the wheel takes about two minutes; it
runs with ``RINGSIDE_WHEEL_FULL=1`` (``make wheel-check``). ``make test`` runs a must-tier subset of it,
which installs the npm packages into the cache all the same.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapter_protocol import schemas as adapter
from harness.report import schemas as report
from mockserver import schemas as wire

pytestmark = [pytest.mark.wheel, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
SKIP_IN_COPY = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "reports",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
)
#: Environment that could lead the installed ringside back to the checkout or change pytest's behaviour.
SCRUBBED = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "RINGSIDE_TLS_DIR")


@dataclass
class Installed:
    """ringside installed from its wheel into a fresh venv, and a scratch area next to it."""

    venv: Path
    base: Path
    env: dict[str, str]

    def workdir(self, name: str) -> Path:
        """A new empty directory to run commands in."""
        directory = self.base / "work" / name
        directory.mkdir(parents=True)
        return directory

    def run(self, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.venv / "bin" / args[0]), *args[1:]],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _check(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert result.returncode == 0, f"{what}: exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def _step(what: str, *argv: str) -> None:
    _check(subprocess.run(argv, capture_output=True, text=True, check=False), what)


def _build(base: Path) -> None:
    """The wheel of a copy of the working tree, installed into a fresh venv, all under ``base``."""
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=SKIP_IN_COPY)
    _step("pip wheel", sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", str(base / "dist"))
    (wheel,) = (base / "dist").glob("ringside-*.whl")
    venv = base / "venv"
    _step("venv", sys.executable, "-m", "venv", str(venv))
    _step("pip install <wheel>", str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel))


@pytest.fixture(scope="module")
def installed(once_per_run: Callable[[str, Callable[[Path], None]], Path]) -> Installed:
    """Built and installed once per test run, whichever worker's test comes first (about a minute)."""
    base = once_per_run("wheel", _build)
    venv = base / "venv"
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["RINGSIDE_CACHE_DIR"] = str(base / "cache")
    return Installed(venv=venv, base=base, env=env)


def _report(directory: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((directory / "reports" / "latest" / "report.json").read_text())
    return report


def test_the_installed_packages_are_the_wheels_not_the_checkout(installed: Installed) -> None:
    here = installed.workdir("imports")
    probe = (
        "import harness, mockserver, refclient, adapter_protocol\n"
        "from harness import resources\n"
        "for p in (harness.__file__, mockserver.__file__, refclient.__file__, adapter_protocol.__file__,\n"
        "          resources.features_dir(), resources.js_adapter_sources()):\n"
        "    print(p)\n"
    )
    result = installed.run("python", "-c", probe, cwd=here)
    _check(result, "import")
    site = str(installed.venv / "lib")
    paths = result.stdout.splitlines()
    assert len(paths) == 6
    assert all(p.startswith(site) for p in paths), paths
    assert not any((Path(p) / "node_modules").exists() for p in paths[4:])


def test_every_schema_loads_from_the_wheel(installed: Installed) -> None:
    probe = (
        "import json\n"
        "from mockserver import schemas as wire\n"
        "from adapter_protocol import schemas as adapter\n"
        "from harness.report import schemas as report\n"
        "print(json.dumps([sorted(wire.names()), sorted(adapter.names()), sorted(report.CATALOG.names())]))\n"
    )
    result = installed.run("python", "-c", probe, cwd=installed.workdir("schemas"))
    _check(result, "load the schemas")
    here = [sorted(wire.names()), sorted(adapter.names()), sorted(report.CATALOG.names())]  # the checkout's
    assert json.loads(result.stdout) == here
    assert all(here)


def test_run_python_must_passes_from_an_empty_directory(installed: Installed) -> None:
    here = installed.workdir("python-must")
    result = installed.run("ringside", "run", "--client", "python", "--tags", "must", cwd=here)
    _check(result, "ringside run --client python --tags must")
    summary = _report(here)["summary"]
    assert summary["total"] > 100
    assert summary["passed"] + summary["passed_late"] == summary["total"], summary
    assert "ringside: conforms:" in result.stdout


def test_features_copies_the_catalogue_out_and_the_copy_runs(installed: Installed) -> None:
    here = installed.workdir("features")
    result = installed.run("ringside", "features", "--dest", "x", cwd=here)
    _check(result, "ringside features --dest x")
    copied = {str(p.relative_to(here / "x")) for p in (here / "x").rglob("*") if p.is_file()}
    assert {"test_catalogue.py", "spec-statements.yaml", "README.md", "accept/accept.feature"} <= copied
    assert sum(name.endswith(".feature") for name in copied) >= 15
    assert "ringside run --features x" in result.stdout

    again = installed.run("ringside", "features", "--dest", "x", cwd=here)
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and "is not empty" in again.stderr

    run = installed.run("ringside", "run", "--features", "x", "--tags", "must and spec-reject", cwd=here)
    _check(run, "ringside run --features x")
    summary = _report(here)["summary"]
    assert summary["total"] >= 5 and summary["passed"] + summary["passed_late"] == summary["total"], summary


def test_example_copies_the_example_page_out_of_the_wheel(installed: Installed) -> None:
    here = installed.workdir("example")
    result = installed.run("ringside", "example", "page", "--no-build", cwd=here)
    _check(result, "ringside example page --no-build")
    copied = {str(p.relative_to(here / "page")) for p in (here / "page").rglob("*") if p.is_file()}
    assert copied == {
        "README.md",
        "index.html",
        "style.css",
        "package.json",
        "package-lock.json",
        "serve.py",
        "src/app.js",
    }
    assert (here / "page" / "src" / "app.js").read_bytes() == (ROOT / "examples/web-calling/src/app.js").read_bytes()


def test_serve_runs_with_tls_from_the_users_cache(installed: Installed) -> None:
    here = installed.workdir("serve")
    with subprocess.Popen(
        [str(installed.venv / "bin" / "ringside"), "serve", "--port", "0", "--users", "alice,bob"],
        cwd=here,
        env=installed.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        assert server.stdout is not None
        lines: list[str] = []
        for line in server.stdout:  # the server prints its ready line; EOF if it died
            lines.append(line.rstrip())
            if line.startswith("ringside: control token"):
                break
        url = next((line.split()[-1] for line in lines if line.startswith("ringside: listening on ")), None)
        assert url is not None and url.startswith("https://127.0.0.1:"), lines
        ca = Path(installed.env["RINGSIDE_CACHE_DIR"]) / "tls" / "ca.pem"
        assert any(str(ca) in line for line in lines), lines
        token = lines[-1].split()[3]
        token_file = ca.parent / f"control-{url.rpartition(':')[2]}.token"
        assert token_file.read_text().strip() == token, "the control token is written beside the CA"
        context = ssl.create_default_context(cafile=str(ca))
        health = urllib.request.Request(f"{url}/_ringside/health", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(health, context=context, timeout=10) as reply:
            assert reply.status == 200
        # the dashboard: its files are the wheel's package data, its diagrams the report's code
        assert f"ringside: dashboard {url}/_ringside/ui/#token={token}" in lines
        for path in ("/_ringside/ui/", "/_ringside/ui/app.js", "/_ringside/ui/app.css"):
            with urllib.request.urlopen(f"{url}{path}", context=context, timeout=10) as reply:
                assert reply.status == 200 and reply.read(), path
        control = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        place = urllib.request.Request(
            f"{url}/_ringside/calls", data=b'{"as": "alice", "receiver": "bob"}', headers=control, method="POST"
        )
        with urllib.request.urlopen(place, context=context, timeout=10) as reply:
            sid = json.load(reply)["data"]["data"]["entities"]["on"]["entity"]["sessionid"]
        drawn = urllib.request.Request(f"{url}/_ringside/ui/diagram?sid={sid}", headers=control)
        with urllib.request.urlopen(drawn, context=context, timeout=10) as reply:
            assert json.load(reply)["data"]["svg"].startswith("<svg")
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert "ringside: stopped" in server.stdout.read()


@pytest.mark.node
def test_cometchat_js_installs_its_npm_packages_into_the_cache_on_first_use(installed: Installed) -> None:
    here = installed.workdir("js-subset")
    result = installed.run("ringside", "run", "--client", "cometchat-js", "--tags", "must and spec-reject", cwd=here)
    _check(result, "ringside run --client cometchat-js --tags 'must and spec-reject'")
    folder = Path(installed.env["RINGSIDE_CACHE_DIR"]) / "cometchat-js-4.2.0"
    announced = (
        f"ringside: installing the CometChat JS SDK adapter (@cometchat/chat-sdk-javascript@4.2.0) into {folder}"
    )
    assert announced in result.stderr + result.stdout
    assert (folder / "node_modules" / "@cometchat" / "chat-sdk-javascript" / "package.json").is_file()
    assert (folder / ".ringside-installed.json").is_file()
    summary = _report(here)["summary"]
    assert summary["failed"] == summary["error"] == 0, summary
    assert summary["passed"] + summary["passed_late"] + summary["known_failure"] == summary["total"] > 0, summary


@pytest.mark.node
@pytest.mark.skipif(
    not os.environ.get("RINGSIDE_WHEEL_FULL"),
    reason="about two minutes; run by `make wheel-check` (RINGSIDE_WHEEL_FULL=1)",
)
def test_cometchat_js_must_passes_from_the_wheel(installed: Installed) -> None:
    here = installed.workdir("js-must")
    result = installed.run("ringside", "run", "--client", "cometchat-js", "--tags", "must", cwd=here, timeout=540)
    _check(result, "ringside run --client cometchat-js --tags must")
    summary = _report(here)["summary"]
    assert summary["failed"] == summary["error"] == 0, summary
    assert summary["passed"] + summary["passed_late"] + summary["known_failure"] == summary["total"] > 100, summary
