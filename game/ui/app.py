"""The application: the window, the frame loop, screen switching, overlays, save/load.

Tests drive it deterministically: post pygame events, then ``app.run_frames(n)`` pumps n
frames with a fixed time step (no sleeping, no clock).
"""

from __future__ import annotations

import datetime as dt
import sys
import traceback
import warnings
from pathlib import Path

import pygame
import pygame_gui

from game import interrupt
from game.errors import SaveError, SummitError
from game.files import atomic_path, explain
from game.ui import theme as T
from game.ui.screen import Screen

FIXED_DT = 1 / 60
# pygame_gui warns when a theme font size is first used; sizes scale with the window, so that is expected.
warnings.filterwarnings("ignore", message=".*(not already loaded|Preload this font|pre-load font).*", category=UserWarning)


class App:
    def __init__(self, size=(T.DESIGN_W, T.DESIGN_H), strict: bool = False, mc_worlds: int = 400,
                 save_dir: Path | str = "saves", export_dir: Path | str = "out", animate: bool = True):
        pygame.display.init()
        pygame.font.init()
        pygame.key.set_repeat(0)
        self.strict = strict  # tests: exceptions propagate; in class: shown as a message
        self.mc_worlds = int(mc_worlds)
        self.save_dir = Path(save_dir)
        self.export_dir = Path(export_dir)
        self.animate = animate
        size = (max(T.MIN_W, int(size[0])), max(T.MIN_H, int(size[1])))
        pygame.display.set_caption("Summit — great-power diplomacy around North Korea")
        self.window = pygame.display.set_mode(size, pygame.RESIZABLE)
        self.windowed_size = size
        self.fullscreen = False
        self.layout = T.Layout(self.window.get_size())
        self._managers: dict[float, pygame_gui.UIManager] = {}
        self.manager = self._manager_for(self.layout)
        self.screen: Screen | None = None
        self.overlay: Screen | None = None
        self.session = None
        self.running = True
        self.frame = 0
        self.errors: list[str] = []
        self._error_streak = 0
        self.last_saved: Path | None = None
        self.last_autosave: Path | None = None
        self.autosave_failed = False
        self.stopped_by: str | None = None  # "Ctrl-C" or "SIGTERM" once asked to stop
        self._cached_overlays: dict[str, Screen] = {}
        self.watcher = None  # play --watch: reloads the scenario when its file changes
        self.recipe = None

    # --- managers and layout -----------------------------------------------------------

    def _manager_for(self, layout: T.Layout) -> pygame_gui.UIManager:
        key = (layout.s, T.text_scale, T.high_contrast)
        m = self._managers.get(key)
        if m is None:
            m = pygame_gui.UIManager(layout.size, None, enable_live_theme_updates=False)
            data = T._gui_data_dir()
            m.add_font_paths("fira_code", str(data / "FiraCode-Regular.ttf"), str(data / "FiraCode-Bold.ttf")
                             if (data / "FiraCode-Bold.ttf").exists() else None)
            m.get_theme().load_theme(T.scaled_theme(layout.s))
            self._managers[key] = m
        else:
            m.set_window_resolution(layout.size)
        return m

    def _apply_size(self, size):
        size = (max(T.MIN_W, int(size[0])), max(T.MIN_H, int(size[1])))
        if self.window.get_size() != size:
            flags = pygame.FULLSCREEN if self.fullscreen else pygame.RESIZABLE
            self.window = pygame.display.set_mode(size, flags)
        self.relayout()

    def relayout(self):
        size = self.window.get_size()
        new = T.Layout(size)
        if new.size == self.layout.size and new.s == self.layout.s and self.manager is self._manager_for(new):
            return
        for part in (self.overlay, self.screen, *self._cached_overlays.values()):
            if part is not None:
                part.teardown()
        self.layout = new
        self.manager = self._manager_for(new)
        if self.screen is not None:
            self.screen.build()
        if self.overlay is not None:
            self.screen and self.screen.set_visible(False)
            self.overlay.build()

    def set_display(self, scale: float | None = None, contrast: bool | None = None) -> None:
        """The teacher's text size and high-contrast setting: every screen is laid out again with it."""
        T.set_display(scale, contrast)
        for part in (self.overlay, self.screen, *self._cached_overlays.values()):
            if part is not None:
                part.teardown()
        self._cached_overlays.clear()
        self.manager = self._manager_for(self.layout)
        for part in (self.screen, self.overlay):
            if part is not None:
                for cache in ("_chrome_key", "_dash_key", "_chart_key"):
                    if hasattr(part, cache):
                        setattr(part, cache, None)
                part.build()
        if self.overlay is not None and self.screen is not None:
            self.screen.set_visible(False)

    def toggle_fullscreen(self):
        """F11: full screen on the projector and back (everything rescales)."""
        try:
            if pygame.display.get_driver() == "dummy":
                raise pygame.error("no real display")
            if not self.fullscreen:
                self.windowed_size = self.window.get_size()
            pygame.display.toggle_fullscreen()
            self.fullscreen = not self.fullscreen
            if not self.fullscreen and pygame.display.get_surface().get_size() != tuple(self.windowed_size):
                pygame.display.set_mode(self.windowed_size, pygame.RESIZABLE)  # back to the classroom size
        except pygame.error:
            try:
                if not self.fullscreen:
                    self.windowed_size = self.window.get_size()
                    sizes = pygame.display.get_desktop_sizes() or [self.windowed_size]
                    self.window = pygame.display.set_mode(sizes[0], pygame.FULLSCREEN)
                    self.fullscreen = True
                else:
                    self.window = pygame.display.set_mode(self.windowed_size, pygame.RESIZABLE)
                    self.fullscreen = False
            except pygame.error:
                self.fullscreen = False
                self.window = pygame.display.set_mode(self.windowed_size, pygame.RESIZABLE)
        self.window = pygame.display.get_surface()
        self.relayout()

    # --- screens -------------------------------------------------------------------------

    def set_screen(self, screen: Screen):
        self.close_overlay()
        if self.screen is not None:
            self.screen.teardown()
            self.screen.on_close()
        self.screen = screen
        screen.build()

    def open_overlay(self, overlay: Screen):
        self.close_overlay()
        if self.screen is not None:
            self.screen.set_visible(False)
        self.overlay = overlay
        if getattr(overlay, "cached", False) and overlay.widgets:
            overlay.set_visible(True)  # built before at this size: just show it again
        else:
            overlay.build()

    def close_overlay(self):
        if self.overlay is not None:
            if getattr(self.overlay, "cached", False):
                self.overlay.set_visible(False)
            else:
                self.overlay.teardown()
            self.overlay = None
            if self.screen is not None:
                self.screen.set_visible(True)
                refresh = getattr(self.screen, "refresh_visibility", None)
                if refresh:
                    refresh()

    def show_start(self, path=None, humans=(), seed=None):
        """The start screen, on `path` (else the baseline), with `humans` and `seed` preselected."""
        from game.ui.start import StartScreen

        self.session = None
        self.set_screen(StartScreen(self, path, humans, seed))

    def start_session(self, session):
        from game.ui.table import TableScreen

        self.session = session
        if session.state.over:
            self.show_debrief()
        else:
            self.set_screen(TableScreen(self))

    def show_table(self):
        from game.ui.table import TableScreen

        if self.session is not None:
            self.set_screen(TableScreen(self))

    def show_debrief(self):
        from game.ui.debrief import DebriefScreen

        if self.session is not None:
            self.set_screen(DebriefScreen(self))

    def show_message(self, title: str, text: str, error: bool = False):
        from game.ui.overlays import MessageOverlay

        self.open_overlay(MessageOverlay(self, title, text, error=error))

    def open_menu(self):
        from game.ui.overlays import MenuOverlay

        self.open_overlay(MenuOverlay(self))

    def open_help(self):
        from game.ui.overlays import HelpOverlay

        if "help" not in self._cached_overlays:
            self._cached_overlays["help"] = HelpOverlay(self)
        self.open_overlay(self._cached_overlays["help"])

    def open_load_dialog(self):
        from game.ui.overlays import FileOverlay

        self.save_dir.mkdir(parents=True, exist_ok=True) if self._can_write(self.save_dir) else None
        self.open_overlay(FileOverlay(self, "Load a saved game", self.save_dir, {".json"}, self.load_game))

    @staticmethod
    def _can_write(path: Path) -> bool:
        try:
            path.mkdir(parents=True, exist_ok=True)
            return True
        except OSError:
            return False

    # --- game actions ----------------------------------------------------------------------

    def save_game(self, path=None) -> Path | None:
        if self.session is None:
            self.show_message("Nothing to save", "Start a game first; saving keeps a game in progress.")
            return None
        if path is None:
            path = self.save_dir / self.session.save_name()  # named by the month the screen shows
        try:
            saved = self.session.save(path)
        except OSError as exc:  # a full disk, a read-only folder, a device or FIFO at the path
            self.show_message("Could not save", f"{path}: {explain(exc)}", error=True)
            return None
        self.last_saved = saved
        self.show_message("Game saved", f"Saved to {saved}.\nLoad it from the menu (Esc, then Load game) to continue exactly from here.")
        return saved

    def autosave(self) -> Path | None:
        """Keep the game in progress in the save folder (every month, and before the window closes);
        the path, or None when there is no game or it cannot be written (said once, on screen)."""
        s = self.session
        if s is None or s.state.over or (s.batch and s.batch.get("dir")):
            return None
        try:
            path = s.autosave(self.save_dir)
        except OSError as exc:
            if not self.autosave_failed:
                self.autosave_failed = True
                self.show_message("Could not autosave", f"{self.save_dir}: {explain(exc)}. Save by hand (Ctrl+S) "
                                  "to a folder that can be written.", error=True)
            return None
        self.last_autosave = path
        return path

    def close_window(self):
        """The window's close button: the game is autosaved first, then the class is asked
        (Enter keeps playing); a second close quits."""
        from game.ui.overlays import ConfirmOverlay

        s = self.session
        asks = getattr(self.screen, "asks_before_closing", False)  # the hot-seat table (a host's projector keeps its journal)
        if not asks or s is None or s.state.over or getattr(self.overlay, "name", "") == "close":
            self.quit()
            return
        saved = self.autosave()
        note = (f"Nothing is lost: the game is saved in {saved}. Continue it later with Load game, or with "
                f"python main.py play --load {saved}" if saved else "The game could not be saved: press No and save it (Ctrl+S).")
        confirm = ConfirmOverlay(self, "Close Summit?", note, self.quit, yes_label="Quit  (Y)")
        confirm.name = "close"
        self.open_overlay(confirm)

    def load_game(self, path) -> bool:
        from game.session import Session

        try:
            session = Session.load(path)
        except SaveError as exc:  # unreadable, damaged, tampered with or foreign: a message, never a crash
            self.show_message("Cannot load this game", str(exc), error=True)
            return False
        self.start_session(session)
        return True

    def restart(self):
        from game.session import Session

        s = self.session
        if s is None:
            self.show_start()
            return
        try:
            if s.batch and s.batch.get("dir"):
                new = Session.from_batch(s.batch["dir"], s.batch["run"])
            else:
                new = Session.new(s.scenario_path, s.humans, s.seed, scenario=s.scenario, ai=s.model.ai_spec)
        except SummitError as exc:  # the scenario file changed and no longer loads, or the batch is gone
            self.show_message("Cannot restart", str(exc), error=True)
            return
        self.start_session(new)

    def quit(self):
        self.running = False

    def watch(self, recipe) -> None:
        """Reload `recipe.path` whenever it (or a file it extends) changes (`play --watch`)."""
        from game.errors import ScenarioError
        from game.loader import load
        from game.ui.watch import Watcher

        try:
            files = [Path(f) for f in load(recipe.path).files]
        except ScenarioError:  # broken now: watch the file itself until it is fixed
            files = [Path(recipe.path)]
        self.recipe, self.watcher = recipe, Watcher(files)

    def reload(self) -> bool:
        """The game again from the file as it is now, at the same month and seed; the validator's
        messages on screen (the game as it was) when the file has problems."""
        from game.ui.watch import reloaded

        try:
            session, files = reloaded(self.recipe, self.session)
        except (SummitError, ValueError) as exc:
            self.show_message("The scenario has problems; the game stays as it was", str(exc), error=True)
            return False
        self.watcher.watch(files)
        if self.overlay is not None:
            self.close_overlay()
        self.start_session(session)
        return True

    # --- the frame ---------------------------------------------------------------------------

    def _text_focused(self) -> bool:
        focus = self.manager.get_focus_set() or set()
        return any(isinstance(el, (pygame_gui.elements.UITextEntryLine, pygame_gui.elements.UITextEntryBox)) for el in focus)

    def _global_key(self, event) -> bool:
        key, mods = event.key, event.mod
        if key == pygame.K_F11:
            self.toggle_fullscreen()
            return True
        if key == pygame.K_s and mods & pygame.KMOD_CTRL:
            if self.session is not None:
                self.save_game()
            return True
        if key == pygame.K_ESCAPE:
            if self.overlay is not None:
                closer = getattr(self.overlay, "escape", None)
                closer() if closer else self.close_overlay()
            elif self.screen is not None and getattr(self.screen, "escape", None) and self.screen.escape():
                pass
            else:
                self.open_menu()
            return True
        if key in (pygame.K_F1,) or (key == pygame.K_h and not self._text_focused()):
            if self.overlay is not None and getattr(self.overlay, "name", "") == "help":
                self.close_overlay()
            elif self.overlay is None or getattr(self.overlay, "name", "") in ("menu",):
                self.open_help()
            return True
        return False

    def dispatch(self, event):
        if event.type == pygame.QUIT:
            self.close_window()
            return
        if event.type == pygame.VIDEORESIZE:
            # A real window has already been resized by the system (calling set_mode again would
            # recreate it and loop); only a synthetic event (tests, dummy driver) needs set_mode.
            if pygame.display.get_driver() == "dummy" and not self.fullscreen:
                self._apply_size((event.w, event.h))
            else:
                self.window = pygame.display.get_surface()
                self.relayout()
            return
        if event.type in (pygame.WINDOWRESIZED, pygame.WINDOWSIZECHANGED):
            self.relayout()
            return
        self.manager.process_events(event)
        if event.type == pygame.KEYDOWN and self._global_key(event):
            return
        if event.type == pygame.KEYDOWN and self._text_focused() and event.key not in (pygame.K_RETURN, pygame.K_KP_ENTER):
            return
        target = self.overlay if self.overlay is not None else self.screen
        if target is not None:
            target.handle(event)

    def step(self, events=None, dt: float | None = None):
        """One frame: events, update, draw. dt defaults to the fixed 1/60 s."""
        dt = FIXED_DT if dt is None else float(dt)
        if events is None:
            events = pygame.event.get()
        surface = pygame.display.get_surface()
        if surface is not None and surface is not self.window:
            self.window = surface
        if self.window.get_size() != self.layout.size:
            self.relayout()
        if self.watcher is not None and self.watcher.changed():
            self.reload()
        for event in events:
            self.dispatch(event)
            if not self.running:
                return
        if self.screen is not None:
            self.screen.update(dt)
        if self.overlay is not None:
            self.overlay.update(dt)
        self.manager.update(dt)
        self.draw()
        self.frame += 1

    def draw(self):
        surf = self.window
        surf.fill(T.BG)
        if self.screen is not None:
            self.screen.draw(surf)
        if self.overlay is not None:
            self.overlay.draw(surf)
        self.manager.draw_ui(surf)
        top = self.overlay if self.overlay is not None else self.screen
        if top is not None and hasattr(top, "draw_over"):
            top.draw_over(surf)
        pygame.display.flip()

    def run_frames(self, n: int, dt: float = FIXED_DT):
        for _ in range(int(n)):
            if not self.running:
                break
            if self.strict:
                self.step(dt=dt)
                continue
            try:
                self.step(dt=dt)
                self._error_streak = 0
            except Exception:  # noqa: BLE001
                self._recover()

    def screenshot(self, path) -> Path:
        """Save the window as a PNG, atomically (OSError, or pygame.error, when it cannot be written)."""
        path = Path(path)
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            pygame.image.save(self.window, fh, path.name)
        return path

    def run(self) -> int:
        """The real-time loop (a classroom: errors become messages, never a crash). Ctrl-C and
        SIGTERM end it at the next frame, saving a game in progress (see `stopped`)."""
        with interrupt.deferred(self._stop):
            self._loop()
        if self.watcher is not None:
            self.watcher.close()
        return self.stopped() if self.stopped_by else 0

    def _stop(self, signal_name: str) -> None:
        self.stopped_by = signal_name
        self.running = False

    def stopped(self) -> int:
        """After Ctrl-C or SIGTERM: save the game in progress, say where, and give the exit status."""
        msg = f"Stopped by {self.stopped_by}."
        s = self.session
        if s is not None and not s.state.over:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            path = self.save_dir / f"{getattr(s.scenario, 'id', 'game')}-turn{s.state.turn:02d}-autosave-{stamp}.json"
            try:
                s.save(path)
                msg += f" The game is saved in {path}; continue it with: python main.py play --load {path}"
            except OSError as exc:
                msg += f" The game could not be saved there ({path}: {explain(exc)})."
        print(msg, file=sys.stderr)
        return 143 if self.stopped_by == "SIGTERM" else 130

    def _loop(self) -> None:
        clock = pygame.time.Clock()
        idle = 0.0
        while self.running:
            # 60 frames a second while anything moves; 20 when nobody has touched anything for 3 s
            busy = idle < 3.0 or self._animating()
            dt = min(0.1, clock.tick(60 if busy else 20) / 1000.0)
            try:
                events = pygame.event.get()
                idle = 0.0 if events else idle + dt
                self.step(events, dt=dt)
                self._error_streak = 0
            except Exception:  # noqa: BLE001
                if self.strict:
                    raise
                self._recover()

    def _animating(self) -> bool:
        if getattr(self.screen, "animating", False):
            return True
        mc = getattr(self.screen, "mc", None)
        return mc is not None and not mc.finished

    def _recover(self):
        text = traceback.format_exc()
        self.errors.append(text)
        print(text, file=sys.stderr)
        self._error_streak += 1
        try:
            if self._error_streak > 3:
                self.show_start()
            self.show_message("Something went wrong",
                              "The game hit an unexpected problem and carried on. You can save (Ctrl+S) and "
                              "reload, or restart from the menu.\n\n" + text.strip().splitlines()[-1], error=True)
        except Exception:  # noqa: BLE001
            self.overlay = None

    # --- test helpers ------------------------------------------------------------------------

    def buttons(self) -> list:
        """Visible, enabled buttons of the overlay (if any) or the screen."""
        owner = self.overlay if self.overlay is not None else self.screen
        out = []
        for w in (owner.widgets if owner else []):
            for el in _walk(w):
                if isinstance(el, pygame_gui.elements.UIButton) and el.visible and el.alive() and el.is_enabled:
                    out.append(el)
        return out

    def button(self, text_start: str):
        for b in self.buttons():
            if str(b.text).lower().startswith(text_start.lower()):
                return b
        return None

    @staticmethod
    def post_click(widget):
        pos = widget.rect.center
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos, touch=False, window=None))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=pos, touch=False, window=None))

    @staticmethod
    def post_key(key, mod=0, unicode=""):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod, unicode=unicode, scancode=0))
        pygame.event.post(pygame.event.Event(pygame.KEYUP, key=key, mod=mod, unicode=unicode, scancode=0))


def _walk(el):
    yield el
    container = getattr(el, "get_container", None)
    if container is not None:
        try:
            for child in container().elements:
                yield from _walk(child)
        except Exception:  # noqa: BLE001
            return
