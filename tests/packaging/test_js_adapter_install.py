"""The JS adapter's first-use install into the user cache (harness.js_adapter), with a stand-in npm.

The stand-in records each call and makes node_modules like `npm ci` would; one test uses the real npm
against a registry that refuses connections.
"""

from __future__ import annotations

import io
import json
import shutil
import stat
from pathlib import Path

import pytest

from harness import js_adapter, resources

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = ROOT / "clients" / "cometchat-js"

FAKE_NPM = """#!/bin/sh
echo "$PWD $*" >> "$FAKE_NPM_LOG"
if [ -n "$FAKE_NPM_FAIL" ]; then
  echo "npm error code E404" >&2
  echo "npm error 404 Not Found - GET https://registry.example/@cometchat%2fchat-sdk-javascript - Not found" >&2
  echo "npm error A complete log of this run can be found in: /tmp/npm-debug.log" >&2
  exit 1
fi
mkdir -p node_modules/@cometchat/chat-sdk-javascript
echo '{"version": "4.2.0"}' > node_modules/@cometchat/chat-sdk-javascript/package.json
echo "npm http fetch GET 200 https://registry.example/ws 3ms (cache hit)" >&2
echo "added 5 packages in 10ms"
"""


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """The adapter's shipped files, as a wheel holds them (no node_modules)."""
    directory = tmp_path / "site-packages" / "harness" / "_cometchat_js"
    directory.mkdir(parents=True)
    for name in resources.content_files(ADAPTER, recursive=False):
        shutil.copyfile(ADAPTER / name, directory / name)
    (directory / "__init__.py").write_text('"""marker"""\n')
    return directory


@pytest.fixture
def npm_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the stand-in npm first on PATH; returns the file it logs its calls to."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM)
    npm.chmod(npm.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "npm-calls.log"
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_NPM_LOG", str(log))
    return log


def _calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_first_use_copies_the_sources_and_runs_npm_ci_once_with_a_message(
    sources: Path, npm_log: Path, tmp_path: Path
) -> None:
    out = io.StringIO()
    target = js_adapter.ensure_installed(sources, tmp_path / "cache", log=out)

    assert target == tmp_path / "cache" / "cometchat-js-4.2.0"
    assert _calls(npm_log) == [f"{target} ci --no-audit --no-fund --loglevel=http"]
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "ringside: installing the CometChat JS SDK adapter (@cometchat/chat-sdk-javascript@4.2.0) "
        f"into {target} (first use)"
    )
    assert "  npm http fetch GET 200 https://registry.example/ws 3ms (cache hit)" in lines
    assert "  added 5 packages in 10ms" in lines
    for name in ("service.js", "instance.js", "polyfill.js", "virtual-clock.js", "package.json", "package-lock.json"):
        assert (target / name).read_bytes() == (ADAPTER / name).read_bytes()
    assert not (target / "__init__.py").exists()
    assert json.loads((target / js_adapter.STAMP).read_text())["version"] == "4.2.0"


def test_a_second_use_reuses_the_install_silently(sources: Path, npm_log: Path, tmp_path: Path) -> None:
    first = js_adapter.ensure_installed(sources, tmp_path / "cache", log=io.StringIO())
    out = io.StringIO()
    assert js_adapter.ensure_installed(sources, tmp_path / "cache", log=out) == first
    assert len(_calls(npm_log)) == 1
    assert out.getvalue() == ""


def test_new_adapter_sources_are_copied_without_reinstalling(sources: Path, npm_log: Path, tmp_path: Path) -> None:
    target = js_adapter.ensure_installed(sources, tmp_path / "cache", log=io.StringIO())
    (sources / "service.js").write_text("// a newer adapter\n")
    js_adapter.ensure_installed(sources, tmp_path / "cache", log=io.StringIO())
    assert (target / "service.js").read_text() == "// a newer adapter\n"
    assert len(_calls(npm_log)) == 1


def test_a_new_lockfile_reinstalls(sources: Path, npm_log: Path, tmp_path: Path) -> None:
    js_adapter.ensure_installed(sources, tmp_path / "cache", log=io.StringIO())
    lock = json.loads((sources / "package-lock.json").read_text())
    lock["lockfileVersion"] = 3
    lock["name"] = "changed"
    (sources / "package-lock.json").write_text(json.dumps(lock))
    js_adapter.ensure_installed(sources, tmp_path / "cache", log=io.StringIO())
    assert len(_calls(npm_log)) == 2


def test_an_npm_failure_is_one_line_and_leaves_no_stamp(
    sources: Path, npm_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_NPM_FAIL", "1")
    with pytest.raises(js_adapter.InstallError) as caught:
        js_adapter.ensure_installed(sources, tmp_path / "cache", log=io.StringIO())
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("cannot install the CometChat JS SDK adapter into ")
    assert "npm ci failed (exit 1): E404: 404 Not Found - GET https://registry.example/" in message
    assert message.endswith("; npm's log: /tmp/npm-debug.log")
    assert not (tmp_path / "cache" / "cometchat-js-4.2.0" / js_adapter.STAMP).exists()
    monkeypatch.delenv("FAKE_NPM_FAIL")  # the next use tries again
    js_adapter.ensure_installed(sources, tmp_path / "cache", log=io.StringIO())
    assert len(_calls(npm_log)) == 2


def test_no_npm_on_path_is_one_line(sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(js_adapter.InstallError, match=r"^cannot install .*: npm is not on PATH \(.*Node 20.*\)$"):
        js_adapter.ensure_installed(sources, tmp_path / "cache", log=io.StringIO())


def test_a_checkout_with_node_modules_runs_the_adapter_in_place(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "js_adapter_sources", lambda: sources)
    monkeypatch.setenv("RINGSIDE_CACHE_DIR", str(tmp_path / "cache"))
    sdk = sources / "node_modules" / "@cometchat" / "chat-sdk-javascript"
    sdk.mkdir(parents=True)
    (sdk / "package.json").write_text("{}")
    assert js_adapter.adapter_dir() == sources
    assert not (tmp_path / "cache").exists()


def test_without_node_modules_the_adapter_runs_from_the_cache_folder(
    sources: Path, npm_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "js_adapter_sources", lambda: sources)
    monkeypatch.setenv("RINGSIDE_CACHE_DIR", str(tmp_path / "cache"))
    assert js_adapter.adapter_dir(log=io.StringIO()) == tmp_path / "cache" / "cometchat-js-4.2.0"


def test_the_cache_folder_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RINGSIDE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert resources.cache_dir() == tmp_path / "xdg" / "ringside"
    monkeypatch.setenv("RINGSIDE_CACHE_DIR", str(tmp_path / "mine"))
    assert resources.cache_dir() == tmp_path / "mine"


@pytest.mark.node
def test_a_registry_that_refuses_is_one_line_naming_the_cause(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("npm") is None:
        pytest.fail("npm is required (make test installs the JS adapter with it)")
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:1/")
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "empty-npm-cache"))  # nothing to fall back on
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    with pytest.raises(js_adapter.InstallError) as caught:
        js_adapter.ensure_installed(sources, tmp_path / "cache", log=io.StringIO())
    message = str(caught.value)
    assert "\n" not in message
    assert "npm ci failed (exit 1): ECONNREFUSED: " in message
    assert "is the npm registry reachable?" in message
