"""Does the article's argument show? A report on the shipped scenarios played by the AI.

Regenerate with `make report` (or `python -m game.article_report --out docs/baseline-report.md`):
the Markdown, and its figures in a folder `report/` beside it. Every figure comes from the
model; nothing is typed by hand (see game/report/).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .files import check_output, write_atomic
from .report.document import Settings, build


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worlds", type=int, default=1000, help="AI-played worlds per scenario (default 1000)")
    p.add_argument("--seed", type=int, default=2019)
    p.add_argument("--sensitivity-worlds", type=int, default=500, help="worlds per run of the sensitivity analysis (default 500)")
    p.add_argument("--lens-turns", type=int, default=6, help="months examined with the lens (default 6)")
    p.add_argument("--sensitivity-numbers", type=int, default=None, metavar="N",
                   help="vary only the first N uncertain numbers (default: all; for a quick look)")
    p.add_argument("--out", type=Path, default=None, help="write the Markdown here and its figures beside it (default: print)")
    args = p.parse_args(argv)
    if min(args.worlds, args.sensitivity_worlds) <= 1 or args.lens_turns < 0 or (args.sensitivity_numbers or 1) < 1:
        p.error("--worlds and --sensitivity-worlds must be at least 2, --lens-turns at least 0")
    settings = Settings(args.worlds, args.seed, args.sensitivity_worlds, args.lens_turns, sensitivity_limit=args.sensitivity_numbers)
    try:
        if args.out:  # before the work: a device, FIFO or link there is refused, never replaced
            check_output(args.out)
            folder = args.out.parent / settings.figure_dir
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                p.error(f"{folder} (where the figures go) exists and is not a folder; move it or choose another --out")
    except OSError as exc:
        p.error(exc.strerror)
    text = build(settings)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    folder = args.out.parent / settings.figure_dir
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in settings.figures.items():
        write_atomic(folder / name, data)
    write_atomic(args.out, text)
    print(f"wrote {args.out} and {len(settings.figures)} figure(s) in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
