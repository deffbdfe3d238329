"""Command-line front door: one sub-command per module in game/commands/."""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import sys

from .errors import ScenarioError, SummitError
from .files import Refused, explain
from .interrupt import describe, exit_status, raise_on_sigterm
from .safetext import TerminalStream

# Each module in game.commands provides NAME, HELP, add_arguments(parser) and run(args) -> int.
COMMANDS = [
    "play",
    "host",
    "validate",
    "new",
    "diff",
    "lint",
    "map",
    "schema",
    "list",
    "blocs",
    "lens",
    "handouts",
    "class_report",
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


class OutputError(SummitError):
    """Standard output or error cannot be written (a full disk, a closed terminal)."""

    exit_code = 1


class _Output(TerminalStream):
    """stdout/stderr for a command: control characters escaped, write errors in words."""

    def __init__(self, raw, name: str):
        super().__init__(raw)
        self.name = name

    def _guard(self, call, *args):
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            raise OutputError(f"{self.name} is full" + ("" if full else f" or closed ({explain(exc)})")) from None

    def write(self, text: str) -> int:
        return self._guard(super().write, text)

    def flush(self) -> None:
        self._guard(self.raw.flush)


def _silence(stream) -> None:
    """Point a broken or full stream at /dev/null, so that Python's last flush is quiet."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # complain with the sub-command's own usage line
        getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    raise_on_sigterm()
    raw_out, raw_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Output(raw_out, "standard output"), _Output(raw_err, "standard error")
    try:
        status = int(args.run(args) or 0)
        sys.stdout.flush()
        return status
    except SummitError as exc:
        if isinstance(exc, OutputError):
            _silence(raw_out)
        with contextlib.suppress(OSError):  # a scenario's problems are FILE:LINE:COLUMN lines, as `validate` prints them
            print(str(exc) if isinstance(exc, ScenarioError) else f"summit {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (handled alike)
        with contextlib.suppress(OSError):
            print(describe(exc), file=sys.stderr)
        return exit_status(exc)
    except BrokenPipeError:  # e.g. `summit schema | head`
        _silence(raw_out)
        return 0
    except OSError as exc:  # a file the command could not read or write, in words
        where = f" ({exc.filename})" if exc.filename and not isinstance(exc, Refused) else ""
        with contextlib.suppress(OSError):
            print(f"summit {args.command}: error: {explain(exc)}{where}", file=sys.stderr)
        return 1
    finally:
        sys.stdout, sys.stderr = raw_out, raw_err
