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
    add_destination(p, DEFAULT_DEST)
    p.set_defaults(func=copy_features)


def add_destination(p: argparse.ArgumentParser, default: Path) -> None:
    """``[DIR] [--dest DIR]``: where a command that copies files out writes them (see :func:`destination`)."""
    p.add_argument(
        "dir", nargs="?", type=Path, help=f"where to write; must not exist or be empty (default ./{default})"
    )
    p.add_argument("--dest", type=Path, help="the same as DIR")


def export(dest: Path) -> list[Path]:
    """Copy the catalogue's files into ``dest`` (created); returns them relative to ``dest``."""
    source = resources.features_dir()
    files = resources.catalogue_files()
    for name in files:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, dest / name)
    return files


def destination(command: str, args: argparse.Namespace, default: Path) -> Path | None:
    """Where ``ringside COMMAND [DIR] [--dest DIR]`` writes: a new or empty directory. ``None`` (said in
    one line on stderr) when two different ones are given or it is taken."""
    if args.dir is not None and args.dest is not None and args.dir != args.dest:
        print(f"ringside {command}: two destinations ({args.dir} and --dest {args.dest}); give one", file=sys.stderr)
        return None
    dest: Path = args.dir or args.dest or default
    if dest.exists() and not (dest.is_dir() and not any(dest.iterdir())):
        what = "is not empty" if dest.is_dir() else "exists and is not a directory"
        print(f"ringside {command}: {dest} {what}; choose another destination or remove it", file=sys.stderr)
        return None
    return dest


def copy_features(args: argparse.Namespace) -> int:
    """Write the catalogue to DIR (or ``--dest``); refuse an existing, non-empty destination (exit 2)."""
    dest = destination("features", args, DEFAULT_DEST)
    if dest is None:
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
