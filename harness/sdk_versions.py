"""Published CometChat JS SDK versions as clients: ``cometchat-js@4.0.5``, ``cometchat-pro@3.0.13``.

A versioned client name is ``<base>@<versions>``, where ``<base>`` names an npm package
(:data:`PACKAGES`) and ``<versions>`` is one of

* an exact version, ``4.0.5``;
* ``latest``: the newest published version (what ``npm view`` calls ``version``);
* ``all``: every published version, pre-releases left out;
* a range of published versions, ``4.0.0..4.2.0`` (both ends included);
* a comma list of any of these, ``4.0.0,4.1.1..4.1.5,latest``.

A ``--client`` value may list several clients separated by commas:
``cometchat-js@4.0.0..4.2.0,cometchat-pro@3.0.13``; a part without ``@`` that looks like a version
continues the previous client's list.

Each version runs the same adapter (``clients/cometchat-js``: its ``ws``, fake-timers and code as
today); only the SDK differs. It is installed on first use with ``npm install --prefix`` into
``<user cache>/sdks/<package>@<version>/`` (one folder per package@version, npm's progress on stderr) and
reused after; the adapter's service is started with ``--sdk <that folder's package directory>``. The
version the adapter's own ``package.json`` pins (:func:`pinned`) needs no install: it is the adapter's
own ``node_modules``.

Known-failures entries may say which versions they hold for (``versions: ">=4.1.0 <4.1.5"``);
:func:`in_range` is the matcher (see its doc for the syntax).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

from harness import js_adapter, resources

#: Client base name → npm package. ``cometchat-js`` is v4 (and later); ``cometchat-pro`` the v3 line.
PACKAGES: Final = {
    "cometchat-js": "@cometchat/chat-sdk-javascript",
    "cometchat-pro": "@cometchat-pro/chat",
}
#: Written into a version's folder once its npm install succeeded.
STAMP: Final = ".ringside-sdk.json"
_NPM_INSTALL: Final = ("install", "--no-audit", "--no-fund", "--no-save", "--loglevel=http")
_VERSION = re.compile(r"^\d+\.\d+\.\d+\Z")
_LOOKS_LIKE_VERSION = re.compile(r"^(\d+\.\d+\.\d+(\.\.\d+\.\d+\.\d+)?|all|latest)\Z")


class VersionError(ValueError):
    """A versioned client name that cannot work (bad syntax, no such version, registry refused); one line."""


@dataclass(frozen=True)
class Sdk:
    """One SDK package at one exact version."""

    base: str  #: the client base name, ``cometchat-js``
    version: str  #: exact, ``4.0.5``

    @property
    def package(self) -> str:
        return PACKAGES[self.base]

    @property
    def client(self) -> str:
        """The client name with its exact version: ``cometchat-js@4.0.5``."""
        return f"{self.base}@{self.version}"

    @property
    def folder(self) -> str:
        """Its folder in the cache: ``@cometchat+chat-sdk-javascript@4.0.5``."""
        return f"{self.package.replace('/', '+')}@{self.version}"


# -- versions and ranges ---------------------------------------------------------------------------------


def key(version: str) -> tuple[int, ...]:
    """A version's sort key (``4.0.10`` after ``4.0.9``). Raises VersionError for anything but ``N.N.N``."""
    if not _VERSION.match(version):
        raise VersionError(f"not a version: {version!r} (wants MAJOR.MINOR.PATCH, e.g. 4.0.5)")
    return tuple(int(part) for part in version.split("."))


_COMPARATOR = re.compile(r"^(>=|<=|>|<|=)?(\d+\.\d+\.\d+)\Z")


def in_range(version: str, spec: str) -> bool:
    """Whether ``version`` is in the semver-style range ``spec``.

    ``spec`` is one or more comparators separated by spaces, all of which must hold (``>=4.1.0 <4.1.5``);
    alternatives are separated by ``||`` (``<4.0.5 || >=4.2.0``). A comparator is ``>=``, ``<=``, ``>``,
    ``<`` or ``=`` followed by ``MAJOR.MINOR.PATCH``; a bare version means ``=``. ``*`` (or an empty
    spec) matches every version. Raises VersionError for a malformed spec.
    """
    check_range(spec)
    wanted = key(version)
    for alternative in spec.split("||"):
        words = alternative.split()
        if not words or words == ["*"]:
            return True
        if all(_holds(wanted, word) for word in words):
            return True
    return False


def check_range(spec: str) -> None:
    """Raise VersionError (one line) unless ``spec`` is a range :func:`in_range` understands."""
    for alternative in spec.split("||"):
        for word in alternative.split():
            if word != "*" and not _COMPARATOR.match(word):
                raise VersionError(
                    f"bad version range {spec!r}: {word!r} is not a comparator (>=, <=, >, <, = and MAJOR.MINOR.PATCH)"
                )


def _holds(version: tuple[int, ...], word: str) -> bool:
    match = _COMPARATOR.match(word)
    assert match is not None  # check_range ran first
    op, bound = match[1] or "=", key(match[2])
    return {
        ">=": version >= bound,
        "<=": version <= bound,
        ">": version > bound,
        "<": version < bound,
        "=": version == bound,
    }[op]


# -- client names ------------------------------------------------------------------------------------------


def is_versioned(name: str) -> bool:
    """Whether ``name`` is a versioned SDK client name (``cometchat-js@…``), list or single."""
    return name.partition("@")[0] in PACKAGES and "@" in name


def split_clients(value: str) -> list[tuple[str, str]]:
    """A ``--client`` value → (base, versions) pairs: ``cometchat-js@4.0.0,4.0.5,cometchat-pro@3.0.13`` →
    ``[("cometchat-js", "4.0.0,4.0.5"), ("cometchat-pro", "3.0.13")]``; a base without ``@`` gets ``""``."""
    out: list[tuple[str, str]] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            raise VersionError(f"empty item in the client list {value!r}")
        if out and out[-1][0] in PACKAGES and _LOOKS_LIKE_VERSION.match(part):
            base, versions = out[-1]
            out[-1] = (base, f"{versions},{part}")
            continue
        base, at, versions = part.partition("@")
        if at and not versions:
            raise VersionError(f"{part!r} names no version (e.g. {base}@4.2.0, {base}@latest, {base}@all)")
        out.append((base, versions))
    return out


def expand(base: str, versions: str, *, published: list[str] | None = None) -> list[Sdk]:
    """The exact versions a version list names, oldest first, each once. ``published`` (else asked of the
    registry, only when the list needs it: ``latest``, ``all`` or a range) is the package's version list."""
    if base not in PACKAGES:
        raise VersionError(f"unknown SDK client {base!r}; versioned clients: {', '.join(PACKAGES)}")
    chosen: list[str] = []
    for item in (i.strip() for i in versions.split(",")):
        if _VERSION.match(item):
            chosen.append(item)
            continue
        if item not in ("all", "latest") and ".." not in item:
            raise VersionError(
                f"{base}@{item}: wants a version (4.0.5), latest, all or a range of published versions (4.0.0..4.2.0)"
            )
        if published is None:
            published = published_versions(PACKAGES[base])
        if item == "all":
            chosen += published
        elif item == "latest":
            chosen.append(max(published, key=key))
        else:
            low, _, high = item.partition("..")
            low_key, high_key = key(low), key(high)
            if low_key > high_key:
                raise VersionError(f"{base}@{item}: the range runs backwards")
            found = [v for v in published if low_key <= key(v) <= high_key]
            if not found:
                raise VersionError(f"{base}@{item}: no published version of {PACKAGES[base]} in that range")
            chosen += found
    for version in chosen:
        key(version)
    return [Sdk(base, v) for v in sorted(set(chosen), key=key)]


def resolve(value: str) -> list[str]:
    """A ``--client`` value with versioned SDK clients → the client names one run each (exact versions)."""
    names: list[str] = []
    for base, versions in split_clients(value):
        if base in PACKAGES and versions:
            names += [sdk.client for sdk in expand(base, versions)]
        else:
            names.append(base if not versions else f"{base}@{versions}")
    return list(dict.fromkeys(names))


def parse_exact(name: str) -> Sdk | None:
    """``cometchat-js@4.0.5`` → its Sdk; None for a name that is not a versioned SDK client. Raises
    VersionError for a versioned name that is not one exact version (resolve those first)."""
    base, at, version = name.partition("@")
    if not at or base not in PACKAGES:
        return None
    key(version)
    return Sdk(base, version)


def version_of(name: str) -> str | None:
    """The SDK version a bundled client name runs: ``cometchat-js@4.0.5`` → 4.0.5, ``cometchat-js`` → the
    pinned version; None when it is not an SDK client (or not one exact version)."""
    if name == "cometchat-js":
        return pinned()
    with contextlib.suppress(VersionError):
        sdk = parse_exact(name)
        return sdk.version if sdk else None
    return None


def pinned() -> str:
    """The SDK version the adapter's package.json pins (its own node_modules holds it)."""
    return js_adapter.sdk_version(resources.js_adapter_sources())


# -- the registry --------------------------------------------------------------------------------------------


def published_versions(package: str) -> list[str]:
    """Every published release of ``package`` (pre-releases left out), oldest first: ``npm view``, or, when
    the registry cannot be asked, the list it gave last time (kept in the cache)."""
    memo = resources.cache_dir() / "sdks" / f"{package.replace('/', '+')}.versions.json"
    npm = shutil.which("npm")
    if npm is None:
        raise js_adapter.InstallError(
            f"cannot list the versions of {package}: npm is not on PATH (Node 20 with npm is needed)"
        )
    done = subprocess.run(
        [npm, "view", package, "versions", "--json"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode == 0:
        try:
            listed = json.loads(done.stdout)
        except ValueError:
            listed = None
        if isinstance(listed, str):
            listed = [listed]
        if isinstance(listed, list):
            versions = sorted((str(v) for v in listed if _VERSION.match(str(v))), key=key)
            with contextlib.suppress(OSError):
                memo.parent.mkdir(parents=True, exist_ok=True)
                memo.write_text(json.dumps(versions) + "\n", encoding="utf-8")
            return versions
    with contextlib.suppress(OSError, ValueError):
        remembered = json.loads(memo.read_text(encoding="utf-8"))
        print(f"ringside: the npm registry did not answer; using {package}'s version list from {memo}", file=sys.stderr)
        return [str(v) for v in remembered]
    if _no_such(done.stdout + done.stderr):
        raise VersionError(f"the npm registry has no package {package}")
    raise js_adapter.InstallError(f"cannot list the versions of {package}: {_npm_reason(done.stdout + done.stderr)}")


# -- installing ------------------------------------------------------------------------------------------------


def sdk_dir(sdk: Sdk, *, log: TextIO | None = None) -> Path | None:
    """The directory of ``sdk``'s npm package for the adapter's ``--sdk``, installed on first use; None for
    the version the adapter pins (its own node_modules). Raises VersionError (one line) when npm fails."""
    if sdk.base == "cometchat-js" and sdk.version == pinned():
        return None
    return install(sdk, resources.cache_dir(), log=log)


def install(sdk: Sdk, cache: Path, *, log: TextIO | None = None) -> Path:
    """``npm install --prefix <cache>/sdks/<package>@<version> <package>@<version>`` once; the package dir."""
    target = cache / "sdks" / sdk.folder
    package_dir = target / "node_modules" / sdk.package
    if (target / STAMP).is_file() and (package_dir / "package.json").is_file():
        return package_dir
    out = log or sys.stderr
    try:
        target.mkdir(parents=True, exist_ok=True)
        with js_adapter.locked(target.parent / f".{sdk.folder}.lock"):
            if (target / STAMP).is_file() and (package_dir / "package.json").is_file():
                return package_dir  # another run installed it meanwhile
            _npm_install(sdk, target, out)
            installed = json.loads((package_dir / "package.json").read_text(encoding="utf-8")).get("version")
            if installed != sdk.version:
                raise js_adapter.InstallError(f"npm installed {sdk.package}@{installed}, not {sdk.version}")
            (target / STAMP).write_text(json.dumps({"package": sdk.package, "version": sdk.version}) + "\n")
    except OSError as exc:
        raise js_adapter.InstallError(f"cannot install {sdk.package}@{sdk.version} into {target}: {exc}") from None
    return package_dir


def _npm_install(sdk: Sdk, target: Path, log: TextIO) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise js_adapter.InstallError(
            f"cannot install {sdk.package}@{sdk.version}: npm is not on PATH (Node 20 with npm is needed)"
        )
    print(f"ringside: installing {sdk.package}@{sdk.version} into {target} (first use)", file=log, flush=True)
    shutil.rmtree(target / "node_modules", ignore_errors=True)
    status, lines = js_adapter.npm_lines(
        npm, [*_NPM_INSTALL, "--prefix", str(target), f"{sdk.package}@{sdk.version}"], target, log
    )
    if status != 0:
        shutil.rmtree(target, ignore_errors=True)  # nothing half-installed is left to be taken for a version
        output = "\n".join(lines)
        if _no_such(output):
            raise VersionError(
                f"{sdk.client}: the npm registry has no {sdk.package}@{sdk.version} "
                f"(`npm view {sdk.package} versions` lists the published ones)"
            )
        raise js_adapter.InstallError(
            f"cannot install {sdk.package}@{sdk.version} into {target}: {_npm_reason(output)}"
        )


def _npm_reason(output: str) -> str:
    """npm's error output in one line."""
    errors = [
        line.removeprefix("npm error").removeprefix("npm ERR!").strip()
        for line in output.splitlines()
        if line.startswith(("npm error", "npm ERR!"))
    ]
    return js_adapter.npm_reason(errors)


def _no_such(output: str) -> bool:
    """Whether npm said the version (ETARGET) or the package (E404) does not exist."""
    return any(f"code {code}" in output for code in ("ETARGET", "E404"))


def main(argv: list[str] | None = None) -> int:
    """``python -m harness.sdk_versions install NAME…``: install SDK versions into the cache now (``make setup``
    does it for the version ``make test`` runs besides the pinned one); nothing to do for one already there."""
    import argparse  # noqa: PLC0415 - only for this entry point

    parser = argparse.ArgumentParser(prog="python -m harness.sdk_versions", description=main.__doc__)
    parser.add_argument("action", choices=("install",))
    parser.add_argument("clients", nargs="+", help="e.g. cometchat-js@4.0.0 cometchat-pro@3.0.13")
    args = parser.parse_args(argv)
    try:
        for value in args.clients:
            for name in resolve(value):
                sdk = parse_exact(name)
                if sdk is None:
                    raise VersionError(
                        f"{name} is not a published SDK version (cometchat-js@4.0.5, cometchat-pro@3.0.13)"
                    )
                sdk_dir(sdk)
    except ValueError as exc:  # VersionError, js_adapter.InstallError: one line each
        print(f"ringside: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, VersionError) else 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
