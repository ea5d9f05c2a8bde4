"""The `nerveflag` command line: one module per subcommand.

Each subcommand module defines `add_parser(subparsers)` (registering its arguments and
`func`) and a `run(args) -> int`. Exit codes are the same for every subcommand:

| code | meaning |
|---|---|
| 0 | success |
| 1 | fatal error (one-line message on stderr) |
| 2 | usage error (argparse) |
| 3 | finished, but some input rows were quarantined |
"""
from __future__ import annotations

import argparse
import importlib
import sys

EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_QUARANTINED = 0, 1, 2, 3

#: Subcommand modules under pipelines.cli, in --help order.
COMMANDS = ["run", "extract", "score", "train", "evaluate", "synth", "brat", "bench"]


class CLIError(Exception):
    """An error reported to the user as one line, exit code 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nerveflag",
        description="Find patients whose nerve injury is being missed in visit notes.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"pipelines.cli.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `nerveflag` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or EXIT_OK)
    except (CLIError, FileNotFoundError, ValueError, OSError) as err:
        print(f"nerveflag {args.command}: error: {err}", file=sys.stderr)
        return EXIT_FATAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
