"""``ringside example [DIR]`` copies the example calling page out and builds it; the copy serves."""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from harness import resources
from harness.cli import main
from harness.example_cmd import example_files

ROOT = Path(__file__).resolve().parents[2]
#: Real seconds npm (install and build) and the page's server may take.
DEADLINE = 180.0


def test_the_example_sources_are_the_checkouts_without_what_a_build_makes() -> None:
    assert resources.example_dir() == ROOT / "examples" / "web-calling"
    names = {str(p) for p in example_files()}
    assert {"index.html", "style.css", "src/app.js", "package.json", "package-lock.json", "serve.py"} <= names
    assert not any(n.startswith(("dist/", "node_modules/")) or n.endswith("__init__.py") for n in names), names


def test_no_build_copies_the_sources_and_says_what_is_left(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "page"
    assert main(["example", str(dest), "--no-build"]) == 0
    source = resources.example_dir()
    for name in example_files():
        assert (dest / name).read_bytes() == (source / name).read_bytes()
    assert not (dest / "dist").exists() and not (dest / "node_modules").exists()
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"ringside: wrote the example app to {dest}",
        f"ringside: serve it with `npm ci && npm run build` in {dest}, then `python {dest / 'serve.py'} --ringside "
        "127.0.0.1:8443` while `ringside serve --port 8443 --users alice,bob` runs",
    ]


def test_a_taken_destination_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mine.txt").write_text("mine")
    assert main(["example", "--dest", str(tmp_path), "--no-build"]) == 2
    assert capsys.readouterr().err == (
        f"ringside example: {tmp_path} is not empty; choose another destination or remove it\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


def test_without_npm_the_copy_stays_and_one_line_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    dest = tmp_path / "page"
    assert main(["example", str(dest)]) == 3
    err = capsys.readouterr().err
    assert err == (
        f"ringside example: npm is not on PATH: install Node 20 with npm, then run `npm ci && npm run build` in {dest}\n"
    )
    assert (dest / "src" / "app.js").is_file()


@pytest.mark.node
def test_the_built_copy_serves_the_page_and_its_bundle(tmp_path: Path) -> None:
    if shutil.which("npm") is None:
        pytest.fail("npm is required (Node 20 with npm)")
    dest = tmp_path / "page"
    built = subprocess.run(
        [sys.executable, "-m", "harness.cli", "example", str(dest)],
        capture_output=True, text=True, timeout=DEADLINE, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert built.stdout.splitlines()[-1].startswith(f"ringside: serve it with `python {dest / 'serve.py'} ")
    bundle = (dest / "dist" / "app.js").read_text()
    assert "CometChat" in bundle and "initiateCall" in bundle, "the bundle carries the SDK and the app"
    with subprocess.Popen(
        [sys.executable, str(dest / "serve.py"), "--port", "0"], stdout=subprocess.PIPE, text=True
    ) as page:
        try:
            assert page.stdout is not None
            first = page.stdout.readline()
            url = first.split("open ", 1)[1].split("?", 1)[0]
            with urllib.request.urlopen(url, timeout=DEADLINE) as reply:
                assert '<script src="dist/app.js"' in reply.read().decode()
            with urllib.request.urlopen(url + "dist/app.js", timeout=DEADLINE) as reply:
                assert reply.read().decode() == bundle
        finally:
            page.terminate()
