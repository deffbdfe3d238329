"""`summit schema [--out FILE]`: the JSON Schema of scenario files, for editors."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..files import Refused, explain, write_atomic
from ..schema import json_schema

NAME = "schema"
HELP = "Print the JSON Schema of scenario files (for editor completion and checking)."


def add_arguments(p) -> None:
    p.add_argument("--out", metavar="FILE", help="write the schema to FILE instead of printing it")
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = (
        "VS Code: install the YAML extension (redhat.vscode-yaml), then\n"
        "  summit schema --out summit.schema.json\n"
        "and put this line at the top of a scenario file (the path is relative to it):\n"
        "  # yaml-language-server: $schema=summit.schema.json\n"
        "See docs/scenario-format.md, 'Editor support'."
    )


def run(args) -> int:
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if not args.out:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    if out.is_dir():
        print(f"summit schema: error: {out} is a folder; give a file name such as {out / 'summit.schema.json'}", file=sys.stderr)
        return 2
    if not out.parent.is_dir():
        print(f"summit schema: error: the folder {out.parent} does not exist", file=sys.stderr)
        return 2
    try:
        write_atomic(out, text)
    except Refused as exc:  # a device, FIFO or link at that path: never replaced
        print(f"summit schema: error: {exc.strerror}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"summit schema: error: cannot write {out}: {explain(exc)}", file=sys.stderr)
        return 1
    print(f"Wrote {out}. In VS Code (YAML extension), put this line at the top of a scenario file:\n"
          f"# yaml-language-server: $schema={out.resolve().as_uri()}")
    return 0
