"""The ``ringside`` command: ``serve`` runs the mock server, ``run`` runs the conformance suite, ``report``
compares, merges and summarises its reports, ``known-failures record`` keeps a known-failures list current.

Every usage error is one line on stderr (``ringside run: --tags: …``) and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn, cast

from harness.features_cmd import add_features_parser
from harness.runner import add_run_parser
from mockserver import __version__


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the command, not the whole usage text."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


#: Subcommands whose parsers need nothing of the server: ``ringside run …`` builds only its own.
_LIGHT = ("run", "features", "example", "report", "known-failures")


def parser(only: str | None = None) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The ``ringside`` argument parser, and its subcommands' parsers by name (``only``: just that one
    of ``run`` and ``features``, which spares their commands loading the server for ``serve``'s options)."""
    top = OneLineParser(prog="ringside", description="CometChat ringing mock server and conformance suite")
    top.add_argument("--version", action="version", version=f"ringside {__version__}")
    # argparse's types make a subparser action invariant in its parser class; every parser here is one
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        top.add_subparsers(dest="command", required=True, parser_class=OneLineParser),
    )
    everything = only not in _LIGHT
    if everything:
        from mockserver.cli import add_serve_parser  # noqa: PLC0415 - it loads the server (aiohttp and all)

        add_serve_parser(sub)
    if everything or only == "run":
        add_run_parser(sub)
    if everything or only == "features":
        add_features_parser(sub)
    if everything or only == "example":
        from harness.example_cmd import add_example_parser  # noqa: PLC0415 - only what the command needs

        add_example_parser(sub)
    if everything or only == "report":
        from harness.report.commands import add_report_parser  # noqa: PLC0415 - only what the command needs

        add_report_parser(sub)
    if everything or only == "known-failures":
        from harness.known_failures import add_parser  # noqa: PLC0415 - it loads pytest

        add_parser(sub)
    return top, dict(sub.choices)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ringside`` console script."""
    words = sys.argv[1:] if argv is None else argv
    top, commands = parser(words[0] if words and words[0] in _LIGHT else None)
    args, unknown = top.parse_known_args(argv)
    if unknown:  # said by the subcommand, so the hint points at its own --help
        commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        result: int = args.func(args)
    except KeyboardInterrupt:
        print("ringside: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ringside report compare A B | head`: the reader has gone, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
