"""``ringside example [DIR]``: the example calling page, copied out and built, ready to serve.

The page (``examples/web-calling`` in a checkout) runs the unmodified CometChat JS SDK in a browser
against ``ringside serve``: log in, the user list, an incoming-call banner, calls to magic users. Its
sources travel in the wheel; this copies them into DIR (default ``./ringside-example``) and builds the
bundle there (``npm ci`` fetches the SDK and esbuild from the npm registry, ``npm run build`` bundles;
``--no-build`` skips both). Then ``python DIR/serve.py`` serves it while ``ringside serve`` runs.

Exit status: 0; 2 for a taken destination; 3 when npm is missing or the install or build fails (the
copy stays, so the build can be run by hand).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from harness import resources
from harness.features_cmd import USAGE_EXIT, add_destination, destination
from harness.js_adapter import NPM_CI, InstallError, run_npm

DEFAULT_DEST = Path("ringside-example")
#: Exit status when npm is missing or its install or build fails (as for a client that cannot be made ready).
BUILD_FAILED = 3
#: What the build makes, and what a checkout may hold besides the sources: not copied.
_BUILT = ("dist", "node_modules")
_NPM_BUILD = ("run", "--silent", "build")


def add_example_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ringside example``."""
    p = sub.add_parser(
        "example",
        help="copy out the example calling page (the real JS SDK in a browser) and build it",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    add_destination(p, DEFAULT_DEST)
    p.add_argument("--no-build", action="store_true", help="copy the sources only (no npm)")
    p.set_defaults(func=write_example)


def example_files() -> list[Path]:
    """The example's sources, relative to its packaged directory (without the bundle and npm packages)."""
    return [f for f in resources.content_files(resources.example_dir()) if f.parts[0] not in _BUILT]


def write_example(args: argparse.Namespace) -> int:
    """Copy the example into DIR and build it (unless ``--no-build``)."""
    dest = destination("example", args, DEFAULT_DEST)
    if dest is None:
        return USAGE_EXIT
    source = resources.example_dir()
    try:
        for name in example_files():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, dest / name)
    except OSError as exc:
        print(f"ringside example: cannot write {dest}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"ringside: wrote the example app to {dest}")
    if not args.no_build:
        npm = shutil.which("npm")
        if npm is None:
            print(
                f"ringside example: npm is not on PATH: install Node 20 with npm, then run `npm ci && npm run build` in {dest}",
                file=sys.stderr,
            )
            return BUILD_FAILED
        print(f"ringside: building it (npm ci, npm run build in {dest})", flush=True)
        try:
            run_npm(npm, NPM_CI, dest, sys.stdout, failing=f"ringside example: npm ci in {dest}")
            run_npm(npm, _NPM_BUILD, dest, sys.stdout, failing=f"ringside example: npm run build in {dest}")
        except InstallError as exc:
            print(exc, file=sys.stderr)
            return BUILD_FAILED
    serve = f"python {dest / 'serve.py'} --ringside 127.0.0.1:8443"
    build = "" if not args.no_build else f"`npm ci && npm run build` in {dest}, then "
    print(f"ringside: serve it with {build}`{serve}` while `ringside serve --port 8443 --users alice,bob` runs")
    return 0
