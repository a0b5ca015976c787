"""The ``ringside`` command: ``serve`` runs the mock server, ``run`` runs the conformance suite.

Every usage error is one line on stderr (``ringside run: --tags: …``) and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn, cast

from harness.features_cmd import add_features_parser
from harness.runner import add_run_parser
from mockserver.cli import add_serve_parser


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the command, not the whole usage text."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


def parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The ``ringside`` argument parser, and its subcommands' parsers by name."""
    top = OneLineParser(prog="ringside", description="CometChat ringing mock server and conformance suite")
    # argparse's types make a subparser action invariant in its parser class; every parser here is one
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        top.add_subparsers(dest="command", required=True, parser_class=OneLineParser),
    )
    add_serve_parser(sub)
    add_run_parser(sub)
    add_features_parser(sub)
    return top, dict(sub.choices)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ringside`` console script."""
    top, commands = parser()
    args, unknown = top.parse_known_args(argv)
    if unknown:  # said by the subcommand, so the hint points at its own --help
        commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        print("ringside: interrupted", file=sys.stderr)
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
