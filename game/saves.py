"""Saved games: written with a checksum, read back as untrusted input.

A save file is one JSON object::

    {"format": "summit-save", "format_version": 3, "version": "0.1.0",
     "sha256": "<checksum of the game>", "game": {...what State.to_data() gives...}}

A class game saved by the model (`SummitModel.save`) adds parts to "game": "series", the
state at the close of every turn so far (what the charts show), "strategies", how each seat is
played, and "classroom", the class's settings (advisor, timer, a shorter game). Format 4 adds
to each turn's record what moved every target, the teams' answers and the events a teacher set
off; a format-3 save still loads (its months are told without their causes).

Reading one back (:func:`read`, :func:`loads`) checks, in this order, and stops at the first
problem with a :class:`SaveError` that says what is wrong:

1. the path is a regular file (a FIFO, ``/dev/zero`` or a folder is refused without
   blocking) of at most ``MAX_BYTES``; the text is UTF-8 JSON without NaN or Infinity;
2. it is a Summit save, of a format and a version this Summit can read ("saved by a newer
   Summit" otherwise);
3. the checksum matches the game: a damaged or edited file is refused;
4. the scenario inside passes the same checks as a scenario file, and the worlds carry that
   scenario's fingerprint (worlds spliced in from another game are refused);
5. every part of the game fits the :class:`SavedGame` model, whose shapes and bounds come
   from the compiled scenario: factors within their bounds, relations in [-1, 1], leaders
   that exist, the turn within the game, obligations open only until their deadline, a record
   of every turn that names real moves, outcomes and leaders.

The checksum catches damage and casual edits; it is not a signature (anyone can compute
one). What keeps a forged save harmless is step 5: whatever a save holds, the game it
gives is one the rules could have reached, in shape and bounds.

To add an array to the save format, add an annotated field to :class:`SavedWorlds` (its
shape in named sizes, see :func:`sizes`, and its bounds) and raise ``FORMAT_VERSION``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, ValidationInfo, model_validator

from . import __version__
from .compiled import NEVER, Game
from .limits import MAX_ACTORS, MAX_EVENTS
from .errors import SaveError, ScenarioError
from .files import explain, read_limited
from .safetext import OneLine, lines

FORMAT = "summit-save"
FORMAT_VERSION = 4  # 3: the strategic engine (one state vector, terms, obligations, turn records); 4: why (what moved
# each target, the teams' answers, events a teacher set off) and a class's settings
OLDEST_READABLE = 3  # a format-3 save loads without the parts 4 added (its turns are told without their causes)
MAX_BYTES = 16 << 20
MAX_WORLDS = 100_000
MAX_SCORE = 1e9  # far beyond any real game: a bound against absurd numbers, not a model figure
MAX_SEED = 2**63 - 1
MAX_ANSWERS = 4 * MAX_ACTORS * MAX_ACTORS  # every team answering about every move of a turn, with room
MAX_CAUSES = 100_000  # parts of what moved the targets in one turn

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_\-]*$", max_length=40)]
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_SCORE, le=MAX_SCORE)]


# --- arrays: shapes in named sizes, bounds from the compiled game ------------------------------


def sizes(game: Game, worlds: int, turn: int) -> dict[str, int]:
    """The named sizes array shapes are written in."""
    return {"W": worlds, "A": game.n_actors, "T": game.n_targets, "M": game.n_moves, "O": game.n_outcomes,
            "E": len(game.events), "J": game.n_obligations, "T1": turn + 1}


Bound = float | Callable[[Game, int], Any] | None  # a number, or f(game, turn) giving one per last-axis entry


@dataclass(frozen=True)
class Array:
    """Metadata of a saved array: its kind ('float', 'int' or 'bool'), its shape in named sizes
    and its bounds (inclusive)."""

    kind: str
    shape: tuple[str, ...]
    low: Bound = None
    high: Bound = None

    def check(self, name: str, value: Any, game: Game, dims: dict[str, int], turn: int) -> np.ndarray:
        want = tuple(dims[d] for d in self.shape)
        try:
            a = np.asarray(value)
        except ValueError:  # ragged nesting
            raise ValueError(f"{name} is not a table of numbers with shape {want}") from None
        ok_kind = {"float": "fi", "int": "i", "bool": "b"}[self.kind]
        if a.size and (a.dtype.kind not in ok_kind or (self.kind != "bool" and _holds_bool(value))):
            words = {"float": "numbers", "int": "whole numbers", "bool": "true/false values"}[self.kind]
            raise ValueError(f"{name} must hold {words} only")
        if a.shape != want and not (a.size == 0 and int(np.prod(want)) == 0):
            raise ValueError(f"{name} has shape {a.shape}; this scenario needs {want} ({' x '.join(self.shape)})")
        a = a.reshape(want).astype({"float": np.float64, "int": np.int64, "bool": bool}[self.kind])
        for bound, ok, word in ((self.low, np.greater_equal, "below"), (self.high, np.less_equal, "above")):
            if bound is None:
                continue
            limit = bound(game, turn) if callable(bound) else bound
            bad = ~ok(a, limit)
            if bad.any():
                at = tuple(int(i) for i in np.argwhere(bad)[0])
                lim = np.broadcast_to(np.asarray(limit, dtype=np.float64), a.shape)[at] if a.ndim else limit
                raise ValueError(f"{name}{list(at)} = {a[at].item()!r} is {word} its bound {float(lim):g}")
        return a


def _holds_bool(value: Any) -> bool:
    """Does a nested list hold true/false anywhere (numpy would quietly read it as 1/0)?"""
    stack = [value]
    while stack:
        x = stack.pop()
        if isinstance(x, bool):
            return True
        if isinstance(x, list):
            stack.extend(x)
    return False


def _target_min(g: Game, turn: int):
    return g.target_min


def _target_max(g: Game, turn: int):
    return g.target_max


def _latest_deadline(g: Game, turn: int):
    return turn + int(g.obligation_within.max()) if g.n_obligations else -1


def _last_persona(g: Game, turn: int):
    return len(g.personas) - 1


def _turns_so_far(g: Game, turn: int):
    return turn


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, arbitrary_types_allowed=True)


# --- the game inside a save --------------------------------------------------------------------


class SavedWorlds(_Model):
    seed: Annotated[StrictInt, Field(ge=0, le=MAX_SEED)]
    turn: Annotated[StrictInt, Field(ge=0)]
    opened: StrictBool
    scenario_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    index: Annotated[list, Array("int", ("W",), 0, float(2**62))]
    x: Annotated[list, Array("float", ("W", "T"), _target_min, _target_max)]
    persona: Annotated[list, Array("int", ("W", "A"), 0, _last_persona)]
    term_end: Annotated[list, Array("int", ("W", "A"), 0, float(NEVER))]
    move_succeeded: Annotated[list, Array("int", ("W", "M"), 0, _turns_so_far)]
    move_chosen: Annotated[list, Array("int", ("W", "M"), 0, _turns_so_far)]
    happened: Annotated[list, Array("bool", ("W", "O"))]
    fired: Annotated[list, Array("bool", ("W", "E"))]
    due: Annotated[list, Array("int", ("W", "J"), -1, _latest_deadline)]
    scores: Annotated[list, Array("float", ("W", "A"), -MAX_SCORE, MAX_SCORE)]

    @model_validator(mode="after")
    def _fits_the_game(self, info: ValidationInfo) -> SavedWorlds:
        game: Game = info.context["game"]
        if self.turn > game.turns:
            raise ValueError(f"turn is {self.turn}, but the game has {game.turns} turns")
        if not 1 <= len(self.index) <= MAX_WORLDS:
            raise ValueError(f"index holds {len(self.index)} worlds; a save holds 1 to {MAX_WORLDS:,}")
        dims = sizes(game, len(self.index), self.turn)
        arrays = {name: meta.check(name, getattr(self, name), game, dims, self.turn)
                  for name, meta in _arrays(type(self)).items()}
        slots = np.array([p.slot for p in game.personas])
        if (slots[arrays["persona"]] != np.arange(game.n_actors)).any():
            raise ValueError("persona puts a leader in another leader's seat")
        if (arrays["move_succeeded"] > arrays["move_chosen"]).any():
            raise ValueError("move_succeeded counts more successes than move_chosen counts choices")
        if ((arrays["due"] >= 0) & (arrays["due"] < self.turn)).any():
            raise ValueError("due holds an obligation whose deadline has passed (it would have been broken)")
        info.context["arrays"] = arrays
        return self


def _arrays(model: type[BaseModel]) -> dict[str, Array]:
    return {name: next(m for m in f.metadata if isinstance(m, Array))
            for name, f in model.model_fields.items() if any(isinstance(m, Array) for m in f.metadata)}


CAUSES = ("move", "event", "seat", "kept", "broken", "drift", "noise", "limit")


class SavedCause(_Model):
    """One part of what moved a target in a turn (state.TurnRecord.moved)."""

    source: Literal[CAUSES]
    who: StrictInt  # an actor (move), an outcome (event, seat), an obligation (kept, broken), else -1
    target: Annotated[StrictInt, Field(ge=0)]
    amount: Finite


class SavedAnswer(_Model):
    """A team's answer to a question in a turn."""

    kind: Literal["block", "consent"]
    actor: Id
    move: Annotated[str, Field(max_length=40)]
    yes: StrictBool


class SavedTurn(_Model):
    """One turn of world 0 as the engine records it (state.TurnRecord): indices and numbers only."""

    turn: Annotated[StrictInt, Field(ge=0)]
    events: Annotated[list[StrictInt], Field(max_length=MAX_EVENTS)]
    choices: list[StrictInt]
    results: list[StrictInt]
    blocked_by: list[StrictInt]
    chance: list[Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]]
    roll: list[Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]]
    kept: Annotated[list[StrictInt], Field(max_length=1000)]
    broken: Annotated[list[StrictInt], Field(max_length=1000)]
    payoffs: list[Finite]
    by_hand: Annotated[list[Id], Field(max_length=MAX_ACTORS)]
    personas: list[StrictInt]
    answers: Annotated[list[SavedAnswer], Field(max_length=MAX_ANSWERS)] = []
    injected: Annotated[list[StrictInt], Field(max_length=MAX_EVENTS)] = []
    moved: Annotated[list[SavedCause], Field(max_length=MAX_CAUSES)] = []


class SavedSettings(_Model):
    """A class's settings: the advisor, a timer per choice, a shorter game."""

    advisor: StrictBool
    timer: Annotated[StrictInt, Field(ge=0, le=3600)]
    on_timeout: Literal["ai", "hold"]
    last_turn: Annotated[StrictInt, Field(ge=1)] | None


class SavedGame(_Model):
    """Everything in a save but the scenario (checked like a scenario file, before this)."""

    scenario: dict
    humans: Annotated[list[Id], Field(max_length=MAX_ACTORS)]
    keep_history: StrictBool
    worlds: SavedWorlds
    opening: Annotated[list[StrictInt], Field(max_length=MAX_EVENTS)]
    opening_moved: Annotated[list[SavedCause], Field(max_length=MAX_CAUSES)] = []
    injected: Annotated[list[StrictInt], Field(max_length=MAX_EVENTS)] = []
    records: list[SavedTurn]
    series: Annotated[list, Array("float", ("T1", "T"), _target_min, _target_max)] | None = None  # a class game's charts
    strategies: dict[Id, Annotated[OneLine, Field(max_length=500)]] | None = None  # how each seat is played
    classroom: SavedSettings | None = None  # a class's settings (game.session.Settings)

    @model_validator(mode="after")
    def _fits_the_game(self, info: ValidationInfo) -> SavedGame:
        game: Game = info.context["game"]
        turn = self.worlds.turn
        unknown = [h for h in self.humans if h not in game.actor_index]
        if unknown or len(set(self.humans)) != len(self.humans):
            raise ValueError(f"humans lists {'unknown leader ' + repr(unknown[0]) if unknown else 'a leader twice'}")
        if any(not 0 <= o < game.n_outcomes for o in self.opening):
            raise ValueError("opening names an event outcome the scenario does not have")
        if any(o not in self.opening for o in self.injected):
            raise ValueError("injected names an event outcome that did not open this turn")
        _check_causes(game, "opening_moved", self.opening_moved)
        if len(self.records) != (turn if self.keep_history else 0):
            raise ValueError(f"records hold {len(self.records)} turns; the game is at turn {turn}")
        for k, t in enumerate(self.records):
            _check_turn(game, k, t, self.humans)
        if self.series is not None:
            info.context["series"] = Array("float", ("T1", "T"), _target_min, _target_max).check(
                "series", self.series, game, sizes(game, 1, turn), turn)
        if self.strategies is not None:
            _check_strategies(game, self.strategies, self.humans)
        if self.classroom is not None and self.classroom.last_turn is not None and self.classroom.last_turn > game.turns:
            raise ValueError(f"classroom.last_turn is {self.classroom.last_turn}, but the game has {game.turns} turns")
        return self


def _check_turn(game: Game, k: int, t: SavedTurn, humans: list[str]) -> None:
    where, A = f"records[{k}]", game.n_actors
    if t.turn != k:
        raise ValueError(f"{where} is turn {t.turn}; expected turn {k}")
    if any(len(v) != A for v in (t.choices, t.results, t.blocked_by, t.chance, t.roll, t.payoffs, t.personas)):
        raise ValueError(f"{where}: every per-leader list must have {A} entries")
    for a, (m, r, b, p) in enumerate(zip(t.choices, t.results, t.blocked_by, t.personas)):
        if not (m == -1 or (0 <= m < game.n_moves and game.move_owner[m] == a)) or not -1 <= r <= 3 or (m < 0) != (r < 0):
            raise ValueError(f"{where}: leader {a} has a move or result that is not one of its own")
        if not -1 <= b < A or (b >= 0 and not game.move_blockers[m, b]):
            raise ValueError(f"{where}: leader {a}'s move is blocked by someone who cannot block it")
        if not 0 <= p < len(game.personas) or game.personas[p].slot != a:
            raise ValueError(f"{where}: leader {a}'s seat holds someone from another seat")
    if any(not 0 <= o < game.n_outcomes for o in t.events) or any(not 0 <= j < game.n_obligations for j in t.kept + t.broken):
        raise ValueError(f"{where} names an event outcome or a deal the scenario does not have")
    if any(h not in humans for h in t.by_hand):
        raise ValueError(f"{where}: a move chosen by hand for a leader no team plays")
    for ans in t.answers:
        if ans.actor not in humans or ans.move not in game.move_index:
            raise ValueError(f"{where}: an answer by a leader no team plays, or about a move the scenario does not have")
    if any(o not in t.events for o in t.injected):
        raise ValueError(f"{where}: injected names an event outcome that did not open the turn")
    _check_causes(game, f"{where}.moved", t.moved)


def _check_causes(game: Game, where: str, causes: list[SavedCause]) -> None:
    """Each cause names a real target, and a real actor, outcome or obligation for its kind."""
    limit = {"move": game.n_actors, "event": game.n_outcomes, "seat": game.n_outcomes,
             "kept": game.n_obligations, "broken": game.n_obligations}
    for c in causes:
        if not c.target < game.n_targets or not (0 <= c.who < limit[c.source] if c.source in limit else c.who == -1):
            raise ValueError(f"{where}: a cause names a target, leader, outcome or deal the scenario does not have")


def _check_strategies(game: Game, strategies: dict, humans: list[str]) -> None:
    from .strategies import make

    if set(strategies) != set(game.actor_ids):
        raise ValueError("strategies must name every leader once")
    for aid, spec in strategies.items():
        if (spec == "human") != (aid in humans):
            raise ValueError(f"strategies: '{aid}' is {'not ' if spec == 'human' else ''}played by a team, but humans says otherwise")
        make(spec)  # ValueError (a clear message) for a strategy this Summit does not know


# --- reading and writing -------------------------------------------------------------------------


def canonical(data: Any) -> bytes:
    """The one byte form a checksum is taken over (sorted keys, no spaces, no NaN)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def fingerprint(scenario: dict) -> str:
    """The scenario's fingerprint: sha256 of its canonical JSON."""
    return hashlib.sha256(canonical(scenario)).hexdigest()


def dumps(game_data: dict) -> str:
    """A save file's text for State.to_data() (with a class game's series and strategies): the
    worlds carry the scenario's fingerprint, and the whole game a checksum."""
    game_data = dict(game_data)
    game_data["worlds"] = {**game_data["worlds"], "scenario_sha256": fingerprint(game_data["scenario"])}
    body = canonical(game_data)
    return json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "version": __version__,
                       "sha256": hashlib.sha256(body).hexdigest(), "game": game_data}, allow_nan=False)


def read(path) -> str:
    """A save file's text: a regular file of at most MAX_BYTES, UTF-8; SaveError otherwise."""
    try:
        raw = read_limited(path, MAX_BYTES, "saved game")
    except OSError as exc:
        raise SaveError(f"{path}: cannot load the saved game: {explain(exc)}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SaveError(f"{path}: cannot load the saved game: this is not a Summit save file (not UTF-8 text)") from None


def _version(text: Any) -> tuple[int, ...] | None:
    try:
        parts = tuple(int(x) for x in str(text).split("+")[0].split("-")[0].split("."))
    except ValueError:
        return None
    return parts if 1 <= len(parts) <= 4 else None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number a save may hold")


def _parse(text: str) -> dict:
    if len(text) > MAX_BYTES:
        raise SaveError(f"the file is too large; saved games may be at most {MAX_BYTES >> 20} MB")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise SaveError(f"this is not a Summit save file (not JSON: {exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise SaveError("this is not a Summit save file (its JSON is nested far too deeply)") from None
    except ValueError as exc:  # NaN, Infinity, or an integer of thousands of digits
        raise SaveError(f"the file is damaged: {exc}") from None
    if not isinstance(data, dict) or data.get("format") not in (FORMAT, "summit-save-1"):
        raise SaveError("this is not a Summit save file")
    return data


def _check_envelope(data: dict) -> dict:
    ours = _version(__version__)
    theirs = _version(data.get("version"))
    fmt = data.get("format_version") if data.get("format") == FORMAT else 1
    if theirs is None or not isinstance(fmt, int) or isinstance(fmt, bool):
        raise SaveError("the file is damaged: its version is missing or unreadable")
    if theirs > ours or fmt > FORMAT_VERSION:
        raise SaveError(f"this game was saved by a newer Summit ({data.get('version')}); this is {__version__}: "
                        "update Summit to open it")
    if fmt < OLDEST_READABLE:
        raise SaveError(f"this game was saved by an older Summit (save format {fmt}), which this version cannot open")
    body = data.get("game")
    if not isinstance(body, dict) or set(data) != {"format", "format_version", "version", "sha256", "game"}:
        raise SaveError("the file is damaged: it does not have the parts of a save file")
    try:
        sha = hashlib.sha256(canonical(body)).hexdigest()
    except (ValueError, TypeError):
        sha = None
    if sha != data.get("sha256"):
        raise SaveError("the file was changed after it was saved (its checksum does not match): it is damaged or "
                        "was edited, and cannot be trusted")
    return body


def _problem(exc: ValidationError) -> str:
    e = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in e["loc"])
    msg = e["msg"].removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def loads(text: str, source: str | None = None) -> tuple[Game, dict, dict[str, np.ndarray]]:
    """(the compiled game, the checked game data, its world arrays as numpy, with the series under
    "series" when the save has one) from a save's text; SaveError with the first problem
    otherwise (prefixed with `source`, e.g. the file's path)."""
    try:
        return _loads(text)
    except SaveError as exc:  # quoted keys and values may hold control characters: shown escaped
        raise SaveError(lines(f"{source + ': ' if source else ''}cannot load the saved game: {exc}")) from None


def _loads(text: str) -> tuple[Game, dict, dict[str, np.ndarray]]:
    from .loader import parse_scenario

    body = _check_envelope(_parse(text))
    scenario = body.get("scenario")
    if not isinstance(scenario, dict):
        raise SaveError("the file is damaged: it holds no scenario")
    try:
        game = Game(parse_scenario(scenario, "the saved scenario"))
    except ScenarioError as exc:
        raise SaveError(f"the scenario inside the save is not valid:\n{exc}") from None
    worlds = body.get("worlds")
    if isinstance(worlds, dict) and worlds.get("scenario_sha256") != fingerprint(scenario):
        raise SaveError("the worlds in this save belong to another scenario than the one it holds (spliced or damaged)")
    context = {"game": game}
    try:
        checked = SavedGame.model_validate(body, context=context)
    except ValidationError as exc:
        raise SaveError(f"the file is damaged: {_problem(exc)}") from None
    arrays = dict(context["arrays"])
    if "series" in context:
        arrays["series"] = context["series"]
    return game, checked.model_dump(), arrays

