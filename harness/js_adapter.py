"""The CometChat JS SDK adapter's npm dependencies: installed on first use into the user cache.

ringside ships the adapter's sources (``clients/cometchat-js``: service.js, instance.js, …, package.json
and package-lock.json) but not its ``node_modules``. :func:`adapter_dir` says where to run it from:

* a checkout whose ``clients/cometchat-js`` has its npm packages (``make setup`` ran ``npm ci`` there)
  runs the adapter in place;
* otherwise (an installed wheel) the sources are copied into ``<cache>/cometchat-js-<SDK version>/``
  (:func:`harness.resources.cache_dir`; one folder per package@version) and ``npm ci`` installs the
  locked dependencies there, once, with npm's progress on stderr. A stamp file records what was
  installed: later runs reuse the folder, a ringside with other adapter sources refreshes them, and
  another lockfile reinstalls.

Failures (no npm on PATH, the registry refusing) raise :class:`InstallError` with one line that says
what to do; npm's own configuration (``npm_config_registry``, proxies, its cache) applies as usual.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, TextIO

from harness import resources

SDK_PACKAGE: Final = "@cometchat/chat-sdk-javascript"
#: Written into the cache folder once its npm install succeeded.
STAMP: Final = ".ringside-installed.json"
_LOCK_FILES: Final = ("package.json", "package-lock.json")
#: ``npm ci`` as ringside runs it: the lockfile exactly, no audit or funding notes, one line per fetch
NPM_CI: Final = ("ci", "--no-audit", "--no-fund", "--loglevel=http")
#: npm error lines that are details of the error object, not its message.
_NPM_DETAIL: Final = ("code", "syscall", "errno", "at ", "{", "}", "address:", "port:", "type:")
_NETWORK_CODES: Final = frozenset({"ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EAI_AGAIN"})


class InstallError(ValueError):
    """The adapter's npm dependencies could not be installed; the message is one line."""


def adapter_dir(*, log: TextIO | None = None) -> Path:
    """A directory whose ``service.js`` runs: the checkout's adapter, or its installed copy in the cache."""
    sources = resources.js_adapter_sources()
    if (sources / "node_modules" / SDK_PACKAGE / "package.json").is_file():
        return sources
    return ensure_installed(sources, resources.cache_dir(), log=log)


def sdk_version(sources: Path) -> str:
    """The SDK version the adapter's package.json pins (the cache folder is named after it)."""
    try:
        manifest = json.loads((sources / "package.json").read_text(encoding="utf-8"))
        return str(manifest["dependencies"][SDK_PACKAGE])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InstallError(
            f"the JS adapter's package.json in {sources} names no {SDK_PACKAGE} version ({exc})"
        ) from None


def ensure_installed(sources: Path, cache: Path, *, log: TextIO | None = None) -> Path:
    """The adapter installed under ``cache`` (copied and ``npm ci``-ed when missing or out of date)."""
    target = cache / f"cometchat-js-{sdk_version(sources)}"
    files = resources.content_files(sources, recursive=False)
    wanted = _fingerprint(sources, files)
    if _stamp(target) == wanted:
        return target
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with locked(cache / f".{target.name}.lock"):
            stamp = _stamp(target)  # another process may have installed it meanwhile
            if stamp == wanted:
                return target
            target.mkdir(exist_ok=True)
            reinstall = stamp is None or stamp.get("lock") != wanted["lock"]
            if reinstall:
                (target / STAMP).unlink(missing_ok=True)
            _copy_sources(sources, target, files, stale=[] if stamp is None else stamp.get("files", []))
            if reinstall:
                _npm_ci(target, log or sys.stderr)
            _write_json(target / STAMP, wanted)
    except OSError as exc:
        raise InstallError(f"cannot install the CometChat JS SDK adapter into {target}: {exc}") from None
    return target


def _fingerprint(sources: Path, files: list[Path]) -> dict[str, Any]:
    def digest(names: list[Path]) -> str:
        h = hashlib.sha256()
        for name in names:
            h.update(str(name).encode() + b"\0" + (sources / name).read_bytes() + b"\0")
        return h.hexdigest()

    return {
        "package": SDK_PACKAGE,
        "version": sdk_version(sources),
        "lock": digest([Path(name) for name in _LOCK_FILES]),
        "sources": digest(files),
        "files": [str(name) for name in files],
    }


def _stamp(target: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((target / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _copy_sources(sources: Path, target: Path, files: list[Path], stale: list[str]) -> None:
    """Copy each file atomically (a running adapter never reads half a file); drop files no longer shipped."""
    for gone in set(stale) - {str(f) for f in files}:
        if "/" not in gone and gone not in (STAMP, "node_modules"):
            (target / gone).unlink(missing_ok=True)
    for name in files:
        partial = target / f".{name}.{os.getpid()}.tmp"
        shutil.copyfile(sources / name, partial)
        os.replace(partial, target / name)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """One installer at a time per cache folder (parallel runs wait for the first)."""
    try:
        import fcntl  # noqa: PLC0415 - POSIX only; elsewhere installs are not serialised
    except ImportError:
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _npm_ci(target: Path, log: TextIO) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise InstallError(
            "cannot install the CometChat JS SDK adapter: npm is not on PATH (the cometchat-js client needs Node 20 with npm)"
        )
    version = sdk_version(target)
    print(
        f"ringside: installing the CometChat JS SDK adapter ({SDK_PACKAGE}@{version}) into {target} (first use)",
        file=log,
        flush=True,
    )
    shutil.rmtree(target / "node_modules", ignore_errors=True)
    run_npm(npm, NPM_CI, target, log, failing=f"cannot install the CometChat JS SDK adapter into {target}: npm ci")


def npm_lines(npm: str, args: list[str], cwd: Path, log: TextIO) -> tuple[int, list[str]]:
    """``npm ARGS`` in ``cwd``: its exit status and every line it printed; the lines that are not errors
    are shown on ``log``, indented, as they come (npm's progress: one line per fetch, then "added N packages")."""
    lines: list[str] = []
    with subprocess.Popen(
        [npm, *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as npm_process:
        assert npm_process.stdout is not None
        for line in npm_process.stdout:
            text = line.rstrip()
            lines.append(text)
            if text and not text.startswith("npm error"):
                print(f"  {text}", file=log, flush=True)
    return npm_process.returncode, lines


def run_npm(npm: str, args: tuple[str, ...], cwd: Path, log: TextIO, *, failing: str) -> None:
    """:func:`npm_lines`, raising :class:`InstallError` in one line (``failing`` + " failed (exit N): " +
    npm's reason) when npm fails."""
    status, lines = npm_lines(npm, list(args), cwd, log)
    if status != 0:
        errors = [line.removeprefix("npm error").strip() for line in lines if line.startswith("npm error")]
        raise InstallError(f"{failing} failed (exit {status}): {npm_reason(errors)}")


def npm_reason(errors: list[str]) -> str:
    """npm's error output in one line: its code, the first message and where its log is."""
    code = next((e.removeprefix("code ").strip() for e in errors if e.startswith("code ")), None)
    message = next((e for e in errors if e and not e.startswith(_NPM_DETAIL) and "complete log" not in e), None)
    log = next((e.rsplit(": ", 1)[-1] for e in errors if "complete log" in e), None)
    parts = [p for p in (code, message) if p]
    reason = ": ".join(parts) if parts else "no error message"
    hint = " (is the npm registry reachable? see `npm config get registry`)" if code in _NETWORK_CODES else ""
    return f"{reason}{hint}" + (f"; npm's log: {log}" if log else "")
