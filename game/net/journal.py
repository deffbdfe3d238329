"""The host's autosave: the game after every month, and every action as it arrives.

A host folder holds two files:

- ``game.json``: the class game (the Session's save format) after the last month played,
  replaced atomically; ``main.py play --load`` opens it too;
- ``journal.jsonl``: one JSON object per line, appended and flushed as each action is
  accepted (a team joining, a move, an answer, a message, the teacher's switches, a month
  played), so that a host killed at any moment loses nothing it had acknowledged.

After every month it also writes the class's export for the debrief (`save_export`):
``class-game.json`` and ``class-game.csv`` (game.export's format, which `main.py
class-report` reads; the JSON also holds the whole conversation) and ``conversation.csv``.

`--resume` reads both back as untrusted input: a line that is not what this module wrote
(wrong kind, wrong types, text too long) is refused with its line number; only a last line
cut short by the kill is dropped, and said so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from game import export
from game.errors import SaveError
from game.files import open_append, read_limited, write_atomic
from game.safetext import control_problem, csv_cell

GAME = "game.json"
JOURNAL = "journal.jsonl"
MAX_JOURNAL_BYTES = 64 << 20
MAX_TEXT = 2000  # longer than any message the server accepts (see classroom.MAX_MESSAGE)

# Each kind of line and its fields: name -> type (str, int, bool, list, or a tuple of allowed types).
SCHEMA: dict[str, dict[str, type | tuple]] = {
    "host": {"code": str, "teacher": str, "secret": str},
    "start": {"humans": list, "seed": int, "turn": int},
    "device": {"token": str, "actor": str, "label": str},
    "drop": {"token": str},
    "choose": {"id": str, "turn": int, "actor": str, "move": str, "timeout": bool},
    "answer": {"id": str, "turn": int, "actor": str, "question": str, "proposer": str, "move": str, "yes": bool,
               "timeout": bool},
    "message": {"id": str, "turn": int, "sender": str, "to": str, "text": str},
    "offer": {"id": str, "turn": int, "sender": str, "to": str, "move": str, "text": str},
    "reply": {"id": str, "turn": int, "sender": str, "offer": str, "accept": bool},
    "mute": {"target": str, "on": bool},
    "setting": {"name": str, "value": (str, int, bool)},
    "played": {"turn": int, "fingerprint": str},
    "next": {"turn": int},
    "inject": {"turn": int, "outcome": str},
    "again": {"turn": int, "actor": str},
}


def check_line(data, where: str) -> dict:
    """One journal line checked against SCHEMA; SaveError naming the line otherwise."""
    if not isinstance(data, dict) or data.get("kind") not in SCHEMA:
        raise SaveError(f"{where}: not a journal entry this Summit writes (kind {str(data.get('kind'))[:40]!r})"
                        if isinstance(data, dict) else f"{where}: not a journal entry (a JSON object)")
    fields = SCHEMA[data["kind"]]
    extra = set(data) - set(fields) - {"kind", "seq"}
    if extra:
        raise SaveError(f"{where}: unexpected field(s) {', '.join(sorted(extra))[:80]} in a {data['kind']} entry")
    for name, kind in fields.items():
        value = data.get(name)
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            raise SaveError(f"{where}: field '{name}' of a {data['kind']} entry must be "
                            f"{getattr(kind, '__name__', 'a string, number or true/false')}")
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise SaveError(f"{where}: field '{name}' is longer than {MAX_TEXT} characters")
            problem = control_problem(value, prose=True)
            if problem:
                raise SaveError(f"{where}: field '{name}' {problem}")
    if data["kind"] == "start" and not all(isinstance(h, str) for h in data["humans"]):
        raise SaveError(f"{where}: the teams of a start entry must be leader ids")
    return data


class Journal:
    """A host folder: the game after each month, and every action as it arrives."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self._fh = None
        self.seq = 0
        self._complete: int | None = None  # bytes of whole lines, when the last line was cut short

    @property
    def game_path(self) -> Path:
        return self.folder / GAME

    @property
    def journal_path(self) -> Path:
        return self.folder / JOURNAL

    def exists(self) -> bool:
        return self.journal_path.exists() or self.game_path.exists()

    def open(self, fresh: bool) -> None:
        """Start writing: a new game (the folder must not hold one), or after `read()` to go on."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if fresh and self.exists():
            raise SaveError(f"{self.folder} already holds a class game; continue it with --resume, "
                            "or give another folder (--save-dir)")
        if not fresh and self._complete is not None:  # drop the cut line before appending after it
            os.truncate(self.journal_path, self._complete)
        self._fh = open_append(self.journal_path)
        os.chmod(self.journal_path, 0o600)  # it holds the teams' tokens

    def write(self, kind: str, **fields) -> None:
        """Append one entry and hand it to the operating system (it survives the host being killed)."""
        self.seq += 1
        line = json.dumps({"kind": kind, "seq": self.seq, **fields}, ensure_ascii=False, allow_nan=False)
        self._fh.write(line.encode("utf-8") + b"\n")
        self._fh.flush()

    def save_game(self, text: str) -> None:
        """The game after a month, replaced atomically and synced to disk."""
        write_atomic(self.game_path, text)

    def save_export(self, data: dict) -> None:
        """The class's game (with its conversation) as JSON and CSV, and the conversation as CSV;
        each file replaced atomically."""
        export.write(data, self.folder / "class")
        write_atomic(self.folder / "conversation.csv", conversation_csv(data["conversation"]))

    def read(self) -> tuple[str | None, list[dict], str | None]:
        """(the saved game's text or None, the journal's entries, a note about a cut last line or None)."""
        game = None
        if self.game_path.exists():
            game = read_limited(self.game_path, 16 << 20, "saved game").decode("utf-8", errors="strict")
        if not self.journal_path.exists():
            raise SaveError(f"{self.folder}: no {JOURNAL} to resume from (is this a host folder?)")
        raw = read_limited(self.journal_path, MAX_JOURNAL_BYTES, "journal")
        entries, note = [], None
        lines = raw.split(b"\n")
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{self.journal_path}:{number}"
            try:
                data = json.loads(line.decode("utf-8"), parse_constant=_no_constant)
            except (UnicodeDecodeError, ValueError) as exc:
                if number == len(lines) and not raw.endswith(b"\n"):  # the kill cut the last line short
                    note = f"{where}: the last line was cut short when the host stopped; it is left out"
                    self._complete = len(raw) - len(line)
                    break
                raise SaveError(f"{where}: not valid JSON ({str(exc)[:80]})") from None
            entries.append(check_line(data, where))
        self.seq = max((e.get("seq", 0) for e in entries if isinstance(e.get("seq"), int)), default=0)
        return game, entries, note

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


CONVERSATION_COLUMNS = ["number", "month", "turn", "kind", "from", "to", "text", "move", "offer", "accept"]


def conversation_csv(rows: list[dict]) -> str:
    """The conversation as CSV, one line per message, offer or reply (cells safe for a spreadsheet)."""
    lines = [",".join(CONVERSATION_COLUMNS)] + [",".join(csv_cell(str(r[c])) for c in CONVERSATION_COLUMNS) for r in rows]
    return "\n".join(lines) + "\n"


def _no_constant(name: str):
    raise ValueError(f"{name} is not allowed")
