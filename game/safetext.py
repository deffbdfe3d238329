"""Text that came from a file, made safe: refused where it is read, escaped where it is shown.

Control characters (C0, DEL, C1), line and paragraph separators and the Unicode
bidirectional overrides can rewrite a terminal (``ESC ]0;title BEL``, ``ESC [2J``), forge
lines (a newline in a name) or reorder what a reader sees. Scenario and save fields refuse
them (prose fields allow the line break ``\\n``); everything printed or written to Markdown,
HTML, CSV or a plot is escaped as well, so a file that slipped past a check still cannot.
"""

from __future__ import annotations

import html as _html
import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_TERMINAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMES = {"\0": "NUL", "\a": "BEL", "\b": "BS", "\t": "TAB", "\n": "line break", "\r": "CR", "\x1b": "ESC", "\x7f": "DEL"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _name(ch: str) -> str:
    word = _NAMES.get(ch)
    return f"U+{ord(ch):04X}" + (f" ({word})" if word else "")


def control_problem(text: str, prose: bool = False) -> str | None:
    """What is wrong with `text` (its first control character), or None when it is clean."""
    bad = (_UNSAFE_BUT_NEWLINE if prose else UNSAFE).search(text)
    if bad is None:
        return None
    allowed = "only line breaks among control characters" if prose else "no control characters or line breaks"
    return f"contains the control character {_name(bad.group())} at character {bad.start() + 1}; text here may hold {allowed}"


def _refuse(prose: bool):
    def check(value: str) -> str:
        problem = control_problem(value, prose)
        if problem:
            raise PydanticCustomError("control_character", problem)
        return value

    return AfterValidator(check)


OneLine = Annotated[str, _refuse(prose=False)]
"""Text of one line: names, labels, titles, ids shown to people."""
Prose = Annotated[str, _refuse(prose=True)]
"""Text of paragraphs: line breaks allowed, no other control character."""


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """For a terminal: control characters shown as ``\\x1b`` (line breaks, tabs and the
    carriage return of a progress line stay)."""
    return _TERMINAL.sub(lambda m: _escape(m.group()), str(text))


def one_line(text: str) -> str:
    """Every control character escaped, line breaks included."""
    return UNSAFE.sub(lambda m: _escape(m.group()), str(text))


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def lines(text: str) -> str:
    """A message of several lines: every control character escaped but the line breaks."""
    return "\n".join(one_line(line) for line in str(text).split("\n"))


def markdown(text: str) -> str:
    """For Markdown text and table cells: one line (control characters shown escaped), and
    pipes, backslashes, backticks, emphasis, brackets and HTML tags inert."""
    text = _MD_SPECIAL.sub(r"\\\1", one_line(" ".join(str(text).split())))
    return text


def html(text: str) -> str:
    """For HTML: control characters escaped, then HTML-escaped (quotes too)."""
    return _html.escape(terminal(text), quote=True)


def csv_cell(text: str) -> str:
    """A text cell of a CSV file: never read by a spreadsheet as a formula, quoted when needed."""
    text = one_line(text)
    if text.startswith(FORMULA_START):
        text = "'" + text
    if any(c in text for c in ',"\n\r'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def plot(text: str) -> str:
    """For matplotlib: one line, and '$' kept literal (it would start math mode)."""
    return one_line(text).replace("$", r"\$")


class TerminalStream:
    """A text stream that escapes control characters on their way to `raw` (stdout, stderr)."""

    def __init__(self, raw):
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(terminal(text))
        return len(text)

    def __getattr__(self, name):  # flush, isatty, fileno, encoding, buffer ...
        return getattr(self.raw, name)
