"""The game API in OpenSpiel's terms: `legal_actions`, `apply_actions`, `returns`,
`is_terminal`, `clone`, `serialize`. A State wraps `rules.Worlds` (W worlds in lockstep;
world 0 is the one a class sees) and keeps a structured record of every turn of world 0.
Words for the screen live in `game.narrate`; strategies in `game.strategies`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field

import numpy as np

from . import ai, rng, rules
from .compiled import Game, Persona
from .landscape import Minimum, local_minima

BLOCK, CONSENT = "block", "consent"


@dataclass(frozen=True)
class Question:
    """A decision a human leader must make about another leader's move: block it (a veto),
    or accept or refuse an offer made to him."""

    kind: str  # BLOCK | CONSENT
    actor: str  # who decides
    proposer: str
    move_id: str


@dataclass
class TurnRecord:
    """What happened in one turn of world 0, as indices and numbers (narrate.py words it)."""

    turn: int
    events: list[int] = field(default_factory=list)  # outcomes that opened the turn
    choices: list[int] = field(default_factory=list)  # [A] move index or -1
    results: list[int] = field(default_factory=list)  # [A] SUCCESS, FAILURE, BLOCKED, REFUSED or -1
    blocked_by: list[int] = field(default_factory=list)  # [A] actor index or -1
    chance: list[float] = field(default_factory=list)  # [A] the success chance each move had
    roll: list[float] = field(default_factory=list)  # [A] the number drawn against it
    kept: list[int] = field(default_factory=list)  # obligations kept this turn
    broken: list[int] = field(default_factory=list)  # obligations broken at its end
    payoffs: list[float] = field(default_factory=list)  # [A] earned this turn
    by_hand: list[str] = field(default_factory=list)  # leaders whose move a team chose
    personas: list[int] = field(default_factory=list)  # [A] who held each seat when the moves resolved
    answers: list[dict] = field(default_factory=list)  # the teams' answers: {"kind", "actor", "move", "yes"}
    injected: list[int] = field(default_factory=list)  # outcomes a teacher set off this turn (also in events)
    moved: list[dict] = field(default_factory=list)  # what moved each target: {"source", "who", "target", "amount"}


def _moved(trace: rules.Trace | None) -> list[dict]:
    """A trace's entries as record data, merged per (source, who, target)."""
    if trace is None:
        return []
    merged: dict[tuple, float] = {}
    for source, who, target, amount in trace.entries:
        merged[(source, who, target)] = merged.get((source, who, target), 0.0) + amount
    return [{"source": s, "who": w, "target": t, "amount": a} for (s, w, t), a in merged.items() if abs(a) > 1e-12]


class State:
    """One game in progress (or W worlds in lockstep; world 0 is reported)."""

    def __init__(self, game: Game, seed: int, worlds: int | np.ndarray = 1, humans=(), history: bool | None = None):
        index = np.arange(worlds) if np.isscalar(worlds) else np.asarray(worlds, dtype=np.int64)
        unknown = [h for h in humans if h not in game.actor_index]
        if unknown:
            raise ValueError(f"unknown leader(s) {', '.join(unknown)}; choose from {', '.join(game.actor_ids)}")
        self.game = game
        self.humans = tuple(humans)
        self.worlds = rules.new_worlds(game, int(seed), index)
        self.keep_history = (len(index) == 1) if history is None else history
        self.records: list[TurnRecord] = []
        self.opening: list[int] = []  # outcomes that opened the current turn (world 0)
        self.opening_moved: list[dict] = []  # what those outcomes moved (a class game's record)
        self.injected: list[int] = []  # outcomes a teacher set off in the current turn
        self.last: rules.Resolution | None = None
        self._policy: ai.Policy | None = None
        self.x_closed = self.worlds.x.copy()  # every world's state when the last turn closed (before new events)
        self._open()

    # --- OpenSpiel's core ---------------------------------------------------------------------

    @property
    def seed(self) -> int:
        return self.worlds.seed

    @property
    def turn(self) -> int:
        """Turns completed."""
        return self.worlds.turn

    def is_terminal(self) -> bool:
        return self.worlds.turn >= self.game.turns

    @property
    def over(self) -> bool:
        return self.is_terminal()

    @property
    def date(self) -> dt.date:
        return self.game.date_of_turn(min(self.turn, self.game.turns))

    def legal_mask(self) -> np.ndarray:
        """[W, M]: the moves whose preconditions hold now."""
        return self.policy().legal

    def legal_actions(self, actor: str, world: int = 0) -> list[str]:
        """Ids of the actor's moves allowed now."""
        self._check_open()
        a = self._actor(actor)
        legal = self.legal_mask()[world]
        return [self.game.move_ids[m] for m in range(self.game.move_start[a], self.game.move_stop[a]) if legal[m]]

    def returns(self) -> np.ndarray:
        """[W, A]: each leader's score so far (the sum of its payoffs per turn)."""
        return self.worlds.scores.copy()

    def clone(self) -> State:
        other = State.__new__(State)
        other.__dict__.update(self.__dict__)
        other.worlds = self.worlds.copy()
        other.records = [TurnRecord(**asdict(r)) for r in self.records]
        other.opening = list(self.opening)
        other.opening_moved = list(self.opening_moved)
        other.injected = list(self.injected)
        return other

    # --- the turn -------------------------------------------------------------------------------

    def _trace(self) -> rules.Trace | None:
        """A trace of what moves world 0, for a class game's record only (never for batch worlds)."""
        return rules.Trace() if self.keep_history else None

    def _open(self) -> None:
        if self.is_terminal():
            return
        trace = self._trace()
        fired = rules.open_turn(self.game, self.worlds, trace)
        self._policy = None
        self.opening = [int(o) for o in fired[0] if o >= 0]
        self.opening_moved = _moved(trace)
        self.injected = []

    def inject(self, outcome: str) -> None:
        """A teacher sets off a random event's outcome now, in every world, before the moves
        resolve (with this turn's event noise); the news tells it as this month's event."""
        self._check_open()
        g = self.game
        if outcome not in g.outcome_index:
            raise ValueError(f"unknown event outcome '{outcome}'; choose from {', '.join(g.outcome_ids)}")
        o = g.outcome_index[outcome]
        e = int(g.outcome_event[o])
        if g.event_scheduled[e]:
            raise ValueError(f"'{outcome}' belongs to a scheduled event, which happens on its date; only random events can be set off")
        T, E = g.n_targets, len(g.events)
        noise = rng.sparse_normal(self.seed, self.worlds.index, self.turn, rng.EVENT_NOISE, E * T,
                                  g.event_noise_slots).reshape(self.worlds.size, E, T)[:, e]
        trace = self._trace()
        rules.happen(g, self.worlds, e, np.full(self.worlds.size, o, dtype=np.intp), noise, trace)
        self._policy = None
        self.opening.append(o)
        self.opening_moved += _moved(trace)
        self.injected.append(o)

    def policy(self) -> ai.Policy:
        if self._policy is None:
            self._policy = ai.policy(self.game, self.worlds)
        return self._policy

    def ai_choice(self, slot: int) -> np.ndarray:
        """[W]: the fast AI's draw for one leader (the same numbers whoever asks)."""
        u = rng.uniform_slots(self.worlds.seed, self.worlds.index, self.turn, rng.CHOICE, np.array([slot]))[:, 0]
        return ai.sample(self.game, self.policy().prob, u, slot)

    def ai_choices(self) -> np.ndarray:
        """[W, A]: the fast AI's draw for every leader."""
        return np.stack([self.ai_choice(a) for a in range(self.game.n_actors)], axis=1)

    def choice_array(self, choices: dict[str, str] | None = None, base: np.ndarray | None = None) -> np.ndarray:
        """[W, A] move indices: the given choices (actor id -> move id) over `base` (default: the fast AI's)."""
        g = self.game
        full = self.ai_choices() if base is None else base.copy()
        for actor, move in (choices or {}).items():
            a = self._actor(actor)
            if move not in g.move_index or g.move_owner[g.move_index[move]] != a:
                raise ValueError(f"'{move}' is not a move of {actor}")
            m = g.move_index[move]
            if not self.legal_mask()[:, m].all():
                raise ValueError(f"'{move}' is not allowed now (its preconditions do not hold)")
            full[:, a] = m
        return full

    def questions(self, choices: np.ndarray | dict[str, str]) -> list[Question]:
        """The decisions humans must make about these choices in world 0: blocks, then consents."""
        full = choices if isinstance(choices, np.ndarray) else self.choice_array(choices)
        g, out = self.game, []
        for a, m in enumerate(full[0]):
            if m < 0:
                continue
            for b in np.flatnonzero(g.move_blockers[m]):
                if g.actor_ids[b] in self.humans:
                    out.append(Question(BLOCK, g.actor_ids[b], g.actor_ids[a], g.move_ids[m]))
            r = g.move_offer_to[m]
            if r >= 0 and g.actor_ids[r] in self.humans:
                out.append(Question(CONSENT, g.actor_ids[r], g.actor_ids[a], g.move_ids[m]))
        return out

    def block_questions(self, choices: dict[str, str]) -> list[Question]:
        return self.questions(choices)

    def apply_actions(self, choices: np.ndarray | dict[str, str] | None = None,
                      answers: dict[tuple[str, str, str], bool] | None = None) -> TurnRecord | None:
        """Play one turn: moves [W, A] (or actor -> move id, the fast AI for the rest), and the
        humans' answers {(kind, actor, move id): yes}; returns world 0's record (if kept)."""
        self._check_open()
        g, w = self.game, self.worlds
        full = choices if isinstance(choices, np.ndarray) else self.choice_array(choices)
        pol = self.policy()
        blocks, consents = {}, {}
        for (kind, actor, move), yes in (answers or {}).items():
            if kind == BLOCK:
                blocks[(self._actor(actor), g.move_index[move])] = bool(yes) and bool(g.move_blockers[g.move_index[move], self._actor(actor)])
            elif kind == CONSENT:
                consents[g.move_index[move]] = bool(yes)
            else:
                raise ValueError(f"unknown kind of answer {kind!r}")
        personas = [int(p) for p in w.persona[0]]
        trace = self._trace()
        res = rules.resolve(g, w, full, rules.Decisions(pol.block_prob, pol.accept_prob, blocks, consents), trace)
        turn = self.turn
        earned = rules.close_turn(g, w, res, trace)
        self.x_closed = w.x.copy()
        self.last = res
        record = None
        if self.keep_history:
            record = TurnRecord(
                turn, list(self.opening), [int(x) for x in full[0]], [int(x) for x in res.result[0]],
                [int(x) for x in res.blocked_by[0]], [float(x) for x in res.chance[0]], [float(x) for x in res.roll[0]],
                [int(j) for j in np.flatnonzero(res.kept[0])], [int(j) for j in np.flatnonzero(res.broken[0])],
                [float(x) for x in earned[0]],
                [a for a in self.humans if isinstance(choices, dict) and a in choices], personas,
                [{"kind": k, "actor": a, "move": m, "yes": bool(y)} for (k, a, m), y in (answers or {}).items()],
                list(self.injected), self.opening_moved + _moved(trace))
            self.records.append(record)
        self._open()
        return record

    def play_out(self) -> None:
        """Let the fast AI play every remaining turn."""
        while not self.is_terminal():
            self.apply_actions(self.ai_choices())

    def _check_open(self) -> None:
        if self.is_terminal():
            raise ValueError("the game is over")

    # --- what the state holds -------------------------------------------------------------------

    def _actor(self, actor: str) -> int:
        try:
            return self.game.actor_index[actor]
        except KeyError:
            raise ValueError(f"unknown leader '{actor}'; choose from {', '.join(self.game.actor_ids)}") from None

    def persona(self, actor: str, world: int = 0) -> Persona:
        """Who holds the actor's seat now."""
        return self.game.personas[self.worlds.persona[world, self._actor(actor)]]

    def actor_name(self, actor: str, world: int = 0) -> str:
        return self.persona(actor, world).name

    def actor_short_name(self, actor: str, world: int = 0) -> str:
        return self.persona(actor, world).short_name

    def actor_title(self, actor: str, world: int = 0) -> str:
        return self.persona(actor, world).title

    def actor_portrait(self, actor: str, world: int = 0) -> str:
        return self.persona(actor, world).portrait

    def actor_colour(self, actor: str, world: int = 0) -> str:
        return self.persona(actor, world).colour

    def outcomes(self, world: int = 0) -> list[str]:
        """Ids of the event outcomes that have happened so far."""
        return [o for o, hit in zip(self.game.outcome_ids, self.worlds.happened[world]) if hit]

    def factors(self, world: int = 0) -> dict[str, float]:
        return {f: float(v) for f, v in zip(self.game.factor_ids, self.worlds.factors[world])}

    def relation(self, a: str, b: str, world: int = 0) -> float:
        q = self.game.pair_of[self._actor(a), self._actor(b)]
        return 1.0 if q < 0 else float(self.worlds.pairs[world, q])

    def relations(self, world: int = 0) -> np.ndarray:
        return rules.relation_matrix(self.game, self.worlds.pairs[world])

    def scores(self, world: int = 0) -> dict[str, float]:
        return {a: float(s) for a, s in zip(self.game.actor_ids, self.worlds.scores[world])}

    def open_obligations(self, world: int = 0) -> list[tuple[str, int]]:
        """(offer move id, last turn to keep it) for every open obligation."""
        return [(self.game.move_ids[self.game.obligation_move[j]], int(d)) for j, d in enumerate(self.worlds.due[world]) if d >= 0]

    def closest_partners(self, world: int = 0) -> dict[str, str]:
        idx = rules.closest_partners(self.game, self.worlds.pairs[world : world + 1])[0]
        return {a: self.game.actor_ids[j] for a, j in zip(self.game.actor_ids, idx)}

    def blocs(self, world: int = 0) -> list[Minimum]:
        return local_minima(self.game.power, self.relations(world))

    # --- save and load --------------------------------------------------------------------------

    ARRAYS = ("index", "x", "persona", "term_end", "move_succeeded", "move_chosen", "happened", "fired", "due", "scores")

    def to_data(self) -> dict:
        """Everything the state is, as plain JSON data (game.saves writes and checks it)."""
        w = self.worlds
        return {
            "scenario": self.game.scenario.model_dump(mode="json"),
            "humans": list(self.humans),
            "keep_history": self.keep_history,
            "worlds": {"seed": w.seed, "turn": w.turn, "opened": w.opened, **{k: getattr(w, k).tolist() for k in self.ARRAYS}},
            "opening": list(self.opening),
            "opening_moved": list(self.opening_moved),
            "injected": list(self.injected),
            "records": [asdict(r) for r in self.records],
        }

    def serialize(self) -> str:
        """A save file's text (game.saves: a checksum; read back under checks)."""
        from .saves import dumps

        return dumps(self.to_data())

    to_json = serialize

    @classmethod
    def deserialize(cls, text: str) -> State:
        """A saved state; a damaged, foreign or tampered file raises SaveError (a ValueError) saying why."""
        from .saves import loads

        game, data, arrays = loads(text)
        return cls.from_data(game, data, arrays)

    from_json = deserialize

    @classmethod
    def from_data(cls, game: Game, data: dict, arrays: dict[str, np.ndarray]) -> State:
        """A state from checked save data (game.saves.loads) and its arrays."""
        d = data["worlds"]
        state = cls.__new__(cls)
        state.game = game
        state.humans = tuple(data["humans"])
        state.keep_history = bool(data["keep_history"])
        dtypes = {"persona": np.intp, "term_end": np.intp, "move_succeeded": np.int32, "move_chosen": np.int32,
                  "due": np.int32, "index": np.int64}
        state.worlds = rules.Worlds(seed=int(d["seed"]), turn=int(d["turn"]), opened=bool(d["opened"]), n_factors=game.n_factors,
                                    **{k: arrays[k].astype(dtypes.get(k, arrays[k].dtype)) for k in cls.ARRAYS})
        state.opening = [int(o) for o in data["opening"]]
        state.opening_moved = [dict(m) for m in data.get("opening_moved") or []]
        state.injected = [int(o) for o in data.get("injected") or []]
        state.records = [TurnRecord(**r) for r in data["records"]]
        state.last = None
        state._policy = None
        state.x_closed = state.worlds.x.copy()
        return state

    def fingerprint(self) -> str:
        """A hash of the full world state (for tests and replays)."""
        w = self.worlds
        h = hashlib.sha256()
        for key in self.ARRAYS[1:]:
            h.update(np.ascontiguousarray(getattr(w, key)).tobytes())
        h.update(str(w.turn).encode())
        return h.hexdigest()
