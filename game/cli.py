"""Command-line front door: one sub-command per module in game/commands/."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module in game.commands provides NAME, HELP, add_arguments(parser) and run(args) -> int.
COMMANDS = [
    "play",
    "validate",
    "schema",
    "list",
    "blocs",
    "batch",
    "compare",
    "replay",
    "sensitivity",
    "discover",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage message and exit 2, never a traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="summit",
        description="Summit: a classroom simulation of great-power diplomacy around North Korea.",
        epilog="Run 'summit COMMAND --help' for the options of one command.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"game.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"game.commands.{name}":
                continue  # not built yet
            raise
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(run=module.run, parser=p)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # complain with the sub-command's own usage line
        getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
