"""Summit's one exception tree: every problem a user can fix is a SummitError with a message.

`game.cli` turns them into a printed line and an exit status, in one place.
"""

from __future__ import annotations


class SummitError(Exception):
    """A problem the user can fix; str() is the whole message."""

    exit_code = 2


class ScenarioError(SummitError):
    """A scenario file (or data) has problems; ``.problems`` lists them all, in file order."""

    exit_code = 1  # `validate` documents 1 for a file with problems

    def __init__(self, problems: list):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # survives pickling (e.g. from a worker process) with its problems
        return (type(self), (self.problems,))


class BatchError(SummitError):
    """A problem with a batch's arguments, scenario or output directory."""


class SaveError(SummitError, ValueError):
    """A saved game that cannot be opened (unreadable, damaged, tampered with or foreign).
    Also a ValueError: what the game API raised for a bad save before this tree existed."""


class UsageError(SummitError):
    """A command-line argument that cannot be used."""
