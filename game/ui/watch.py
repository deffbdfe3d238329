"""`summit play FILE --watch`: reload the scenario when its file (or a file it extends) changes.

`Watcher` notices changes on a background thread (watchfiles; it watches the folders, since
editors often save by replacing the file); the app asks it once a frame. `reloaded` builds the
new game: the same seed, leaders, AI and teacher's settings, played by the computer up to the
month the class had reached (or the new scenario's last month). A file with problems raises ScenarioError, whose
FILE:LINE:COLUMN lines the app shows on screen while the old game stays open.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from game.loader import load
from game.session import Session


@dataclass(frozen=True)
class Recipe:
    """How the game was started, to start it again from a changed file."""

    path: Path
    humans: tuple[str, ...] = ()
    seed: int = 2019
    ai: object = None


def reloaded(recipe: Recipe, old: Session | None) -> tuple[Session, list[Path]]:
    """The game from the file as it is now, at the old game's month; and the files it was read from.
    Raises ScenarioError (every problem) or ValueError (a leader the file no longer has)."""
    loaded = load(recipe.path)
    humans = [h for h in (old.humans if old is not None else recipe.humans) if h in {a.id for a in loaded.scenario.actors}]
    ai = old.model.ai_spec if old is not None else recipe.ai
    session = Session.new(recipe.path, humans, old.seed if old is not None else recipe.seed, scenario=loaded.scenario, ai=ai,
                          settings=old.settings if old is not None else None)
    if old is not None:
        session.autoplay(min(old.state.turn, session.game.turns - 1))
    return session, [Path(f) for f in loaded.files]


class Watcher:
    """Watches files on a thread; `changed()` says (once) whether any changed since it last asked."""

    def __init__(self, files: list[Path]):
        self._stop = threading.Event()
        self._changed = threading.Event()
        self._files: set[Path] = set()
        self._thread: threading.Thread | None = None
        self.watch(files)

    def watch(self, files: list[Path]) -> None:
        """Watch these files from now on (a reload may add or drop a base file)."""
        files_now = {Path(f).resolve() for f in files}
        if files_now == self._files and self._thread is not None:
            return
        self.close()
        self._stop = threading.Event()
        self._files = files_now
        self._thread = threading.Thread(target=self._run, name="summit-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from watchfiles import watch

        folders = sorted({str(f.parent) for f in self._files})
        for changes in watch(*folders, stop_event=self._stop, debounce=300, rust_timeout=500, yield_on_timeout=False):
            if any(Path(p).resolve() in self._files for _, p in changes):
                self._changed.set()

    def changed(self) -> bool:
        if self._changed.is_set():
            self._changed.clear()
            return True
        return False

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
