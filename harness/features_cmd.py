"""``ringside features [DIR]`` (or ``--dest DIR``): copy the bundled scenario catalogue out, to read or extend it.

The copy is a directory pytest can run as it is: every ``*.feature`` file, ``test_catalogue.py`` (which
binds them to ringside's step library), ``spec-statements.yaml`` and the catalogue's README. Run it with
``ringside run --features DIR`` or ``pytest DIR --ringside-client python``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from harness import resources

DEFAULT_DEST = Path("ringside-features")
#: Exit status when the destination cannot be used (a usage error, as argparse's own).
USAGE_EXIT = 2


def add_features_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``ringside features``."""
    p = sub.add_parser(
        "features",
        help="copy the scenario catalogue into a directory, to read or extend it",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    p.add_argument(
        "dir",
        nargs="?",
        type=Path,
        help=f"where to write it; must not exist or be empty (default ./{DEFAULT_DEST})",
    )
    p.add_argument("--dest", type=Path, help="the same as DIR")
    p.set_defaults(func=copy_features)


def export(dest: Path) -> list[Path]:
    """Copy the catalogue's files into ``dest`` (created); returns them relative to ``dest``."""
    source = resources.features_dir()
    files = resources.catalogue_files()
    for name in files:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, dest / name)
    return files


def copy_features(args: argparse.Namespace) -> int:
    """Write the catalogue to DIR (or ``--dest``); refuse an existing, non-empty destination (exit 2)."""
    if args.dir is not None and args.dest is not None and args.dir != args.dest:
        print(f"ringside features: two destinations ({args.dir} and --dest {args.dest}); give one", file=sys.stderr)
        return USAGE_EXIT
    dest: Path = args.dir or args.dest or DEFAULT_DEST
    if dest.exists() and not (dest.is_dir() and not any(dest.iterdir())):
        what = "is not empty" if dest.is_dir() else "exists and is not a directory"
        print(f"ringside features: {dest} {what}; choose another destination or remove it", file=sys.stderr)
        return USAGE_EXIT
    try:
        files = export(dest)
    except OSError as exc:
        print(f"ringside features: cannot write {dest}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    features = sum(1 for name in files if name.suffix == ".feature")
    others = ", ".join(str(name) for name in files if name.suffix != ".feature")
    print(f"ringside: wrote the catalogue to {dest}: {features} feature files, {others}")
    print(f"ringside: run it with `ringside run --features {dest}` or `pytest {dest} --ringside-client python`")
    return 0
