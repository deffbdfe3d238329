"""Summit's single entry point: `python main.py COMMAND ...` (also installed as `summit`)."""

import sys

from game.cli import main

if __name__ == "__main__":
    sys.exit(main())
