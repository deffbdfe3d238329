"""The game API, in the spirit of OpenSpiel's State: one object the UI, the batch
runner and the tests drive. It wraps `rules.Worlds` (world 0 is the one shown) and
keeps a history of every turn in words, from the scenario's own texts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field

import numpy as np

from . import ai, rng, rules
from .compiled import BLOCKED, FAILURE, SUCCESS, Game
from .landscape import Minimum, local_minima

RESULT_WORDS = {SUCCESS: "success", FAILURE: "failed", BLOCKED: "blocked"}


@dataclass(frozen=True)
class MoveInfo:
    """A legal move as a player sees it."""

    id: str
    label: str
    description: str
    rationale: str
    probability: float
    blockable_by: tuple[str, ...]
    expected: list[str]


@dataclass(frozen=True)
class BlockQuestion:
    """A human leader may block another leader's move."""

    blocker: str
    proposer: str
    move_id: str
    move_label: str
    text: str


@dataclass
class ActionReport:
    actor: str
    actor_name: str
    move_id: str
    label: str
    result: str  # success | failed | blocked
    blocked_by: str | None
    news: str
    why: str


@dataclass
class TurnReport:
    turn: int
    date: str
    events: list[str] = field(default_factory=list)
    actions: list[ActionReport] = field(default_factory=list)
    payoffs: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"Turn {self.turn + 1} ({self.date})"]
        out += [f"  Event: {e}" for e in self.events]
        for a in self.actions:
            out.append(f"  {a.actor_name}: {a.label} — {a.result}. {a.news}".rstrip())
            out.append(f"      why: {a.why}")
        return out


def describe_effects(game: Game, fd: np.ndarray, pd: np.ndarray) -> list[str]:
    """Words for a block of factor and pair deltas."""
    out = []
    for f in np.flatnonzero(fd):
        fac = game.scenario.factors[f]
        out.append(f"{fac.label} {fd[f]:+.3g}{(' ' + fac.unit) if fac.unit else ''}")
    for q in np.flatnonzero(pd):
        out.append(f"{game.relation_label(q)} {pd[q]:+.2f}")
    return out


class State:
    """One game in progress (or W worlds in lockstep; world 0 is reported)."""

    steps: list | None = None  # with record_steps: every world's (factors, pairs) at the start and after each turn

    def __init__(self, game: Game, seed: int, worlds: int | np.ndarray = 1, humans=(), history: bool | None = None,
                 record_steps: bool = False):
        index = np.arange(worlds) if np.isscalar(worlds) else np.asarray(worlds, dtype=np.int64)
        unknown = [h for h in humans if h not in game.actor_index]
        if unknown:
            raise ValueError(f"unknown leader(s) {', '.join(unknown)}; choose from {', '.join(game.actor_ids)}")
        self.game = game
        self.humans = tuple(humans)
        self.worlds = rules.new_worlds(game, int(seed), index)
        self.keep_history = (len(index) == 1) if history is None else history
        self.history: list[TurnReport] = []
        self._series_f = [self.worlds.factors[0].copy()]
        self._series_q = [self.worlds.pairs[0].copy()]
        self.steps = [(self.worlds.factors.copy(), self.worlds.pairs.copy())] if record_steps else None
        self._pending_events: list[str] = []
        self._policy: ai.Policy | None = None
        self._open()

    # --- turn flow ------------------------------------------------------------------------

    @property
    def seed(self) -> int:
        return self.worlds.seed

    @property
    def turn(self) -> int:
        """Turns completed."""
        return self.worlds.turn

    @property
    def over(self) -> bool:
        return self.worlds.turn >= self.game.turns

    @property
    def date(self) -> dt.date:
        return self.game.date_of_turn(min(self.turn, self.game.turns))

    @property
    def pending_events(self) -> list[str]:
        """What happened at the opening of the current turn (already applied)."""
        return list(self._pending_events)

    def _open(self) -> None:
        if self.over:
            return
        fired = rules.open_turn(self.game, self.worlds)
        self._policy = None
        self._pending_events = []
        if self.keep_history:
            for e, o in enumerate(fired[0]):
                if o >= 0:
                    ev = self.game.events[e]
                    text = f"{ev.label}: {self.game.outcome_labels[o]}"
                    news = self.game.outcome_news[o]
                    self._pending_events.append(text + (f" — {news}" if news else ""))

    def policy(self) -> ai.Policy:
        if self._policy is None:
            self._policy = ai.policy(self.game, self.worlds)
        return self._policy

    def ai_choice(self, slot: int) -> np.ndarray:
        """[W]: the AI's draw for one leader (the same numbers whoever asks: State or a Mesa Leader)."""
        u = rng.uniform_slots(self.worlds.seed, self.worlds.index, self.turn, rng.CHOICE, np.array([slot]))[:, 0]
        return ai.sample(self.game, self.policy().prob, u, slot)

    def ai_choices(self) -> np.ndarray:
        """[W, A]: the AI's draw for every leader."""
        return np.stack([self.ai_choice(a) for a in range(self.game.n_actors)], axis=1)

    def _check_open(self) -> None:
        if self.over:
            raise ValueError("the game is over")

    def legal_moves(self, actor: str, world: int = 0) -> list[MoveInfo]:
        self._check_open()
        g = self.game
        a = self._actor(actor)
        legal = self.policy().legal[world]
        out = []
        for m in range(g.move_start[a], g.move_stop[a]):
            if not legal[m]:
                continue
            mv = g.moves[m]
            ea = g.move_effects
            expected = describe_effects(g, ea.factor_delta[m, SUCCESS], ea.pair_delta[m, SUCCESS])
            if mv.probability < 1:
                expected.append(f"succeeds with chance {mv.probability:.0%}")
            out.append(MoveInfo(mv.id, mv.label, mv.description, mv.rationale, mv.probability, tuple(mv.blockable_by), expected))
        return out

    def block_questions(self, choices: dict[str, str]) -> list[BlockQuestion]:
        """The blocking decisions humans must make for these choices (AI choices included)."""
        full = self._choice_array(choices)[0]
        out = []
        for a, m in enumerate(full):
            if m < 0:
                continue
            for b in np.flatnonzero(self.game.move_blockers[m]):
                blocker = self.game.actor_ids[b]
                if blocker in self.humans:
                    proposer = self.actor_name(self.game.actor_ids[a])
                    label = self.game.moves[m].label
                    out.append(BlockQuestion(blocker, self.game.actor_ids[a], self.game.move_ids[m], label,
                                             f"{proposer} proposes '{label}'. Will {self.actor_name(blocker)} block it?"))
        return out

    def _choice_array(self, choices: dict[str, str]) -> np.ndarray:
        g = self.game
        full = self.ai_choices()
        for actor, move in choices.items():
            a = self._actor(actor)
            if move not in g.move_index or g.move_owner[g.move_index[move]] != a:
                raise ValueError(f"'{move}' is not a move of {actor}")
            m = g.move_index[move]
            if not self.policy().legal[:, m].all():
                raise ValueError(f"'{move}' is not allowed now (its preconditions do not hold)")
            full[:, a] = m
        return full

    def advance(self, choices: dict[str, str] | None = None, blocks: dict[tuple[str, str], bool] | None = None) -> TurnReport | None:
        """Play one turn: the given choices, the AI for every other leader."""
        self._check_open()
        return self.advance_indices(self._choice_array(choices or {}), blocks)

    def advance_indices(self, choices: np.ndarray, blocks: dict[tuple[str, str], bool] | None = None) -> TurnReport | None:
        """Play one turn from a [W, A] array of move indices (used by the Mesa model)."""
        self._check_open()
        g, w = self.game, self.worlds
        override = {(self._actor(b), g.move_index[m]): bool(v) for (b, m), v in (blocks or {}).items()}
        pol = self.policy()
        result, blocked_by = rules.resolve(g, w, choices, pol.block_prob, override)
        self.last_results = (result, blocked_by)  # [W, A] each: outcome code, blocker index
        report = None
        if self.keep_history:
            report = TurnReport(self.turn, self.date.isoformat(), self._pending_events)
            for a in g.resolution_order:
                m = choices[0, a]
                if m < 0:
                    continue
                mv = g.moves[m]
                r = int(result[0, a])
                variant = [mv.effects, mv.on_failure, mv.on_blocked][r]
                by = g.actor_ids[blocked_by[0, a]] if blocked_by[0, a] >= 0 else None
                news = variant.news or self._effect_words(m, r)
                if by:
                    news = f"Blocked by {self.actor_name(by)}. " + news
                report.actions.append(ActionReport(g.actor_ids[a], self.actor_name(g.actor_ids[a]), mv.id, mv.label,
                                                   RESULT_WORDS[r], by, news, mv.rationale))
        earned = rules.finish_turn(g, w)
        self._series_f.append(w.factors[0].copy())
        self._series_q.append(w.pairs[0].copy())
        if self.steps is not None:
            self.steps.append((w.factors.copy(), w.pairs.copy()))
        if report is not None:
            report.payoffs = {a: float(earned[0, i]) for i, a in enumerate(g.actor_ids)}
            self.history.append(report)
        self._open()
        return report

    def _effect_words(self, m: int, variant: int) -> str:
        ea = self.game.move_effects
        words = describe_effects(self.game, ea.factor_delta[m, variant], ea.pair_delta[m, variant])
        return ("Expected: " + "; ".join(words) + ".") if words else "Nothing changes."

    def play_out(self) -> None:
        """Let the AI play every remaining turn."""
        while not self.over:
            self.advance_indices(self.ai_choices())

    # --- what a player sees -------------------------------------------------------------------

    def _actor(self, actor: str) -> int:
        try:
            return self.game.actor_index[actor]
        except KeyError:
            raise ValueError(f"unknown leader '{actor}'; choose from {', '.join(self.game.actor_ids)}") from None

    def _persona(self, actor: str, world: int = 0):
        return self.game.personas[self.worlds.persona[world, self._actor(actor)]]

    def actor_name(self, actor: str, world: int = 0) -> str:
        return self._persona(actor, world).name

    def actor_short_name(self, actor: str, world: int = 0) -> str:
        return self._persona(actor, world).short_name

    def outcomes(self, world: int = 0) -> list[str]:
        """Ids of the event outcomes that have happened so far."""
        return [o for o, hit in zip(self.game.outcome_ids, self.worlds.happened[world]) if hit]

    def actor_title(self, actor: str, world: int = 0) -> str:
        return self._persona(actor, world).title

    def actor_portrait(self, actor: str, world: int = 0) -> str:
        return self._persona(actor, world).portrait

    def actor_colour(self, actor: str, world: int = 0) -> str:
        return self._persona(actor, world).colour

    def factors(self, world: int = 0) -> dict[str, float]:
        return {f: float(v) for f, v in zip(self.game.factor_ids, self.worlds.factors[world])}

    def relation(self, a: str, b: str, world: int = 0) -> float:
        q = self.game.pair_of[self._actor(a), self._actor(b)]
        return 1.0 if q < 0 else float(self.worlds.pairs[world, q])

    def relations(self, world: int = 0) -> np.ndarray:
        return rules.relation_matrix(self.game, self.worlds.pairs[world])

    def scores(self, world: int = 0) -> dict[str, float]:
        return {a: float(s) for a, s in zip(self.game.actor_ids, self.worlds.scores[world])}

    def closest_partners(self, world: int = 0) -> dict[str, str]:
        idx = rules.closest_partners(self.game, self.worlds.pairs[world : world + 1])[0]
        return {a: self.game.actor_ids[j] for a, j in zip(self.game.actor_ids, idx)}

    def blocs(self, world: int = 0) -> list[Minimum]:
        return local_minima(self.game.power, self.relations(world))

    def verdicts(self, world: int = 0) -> dict[str, str]:
        """Each leader's score against standing still (the opening state held every turn)."""
        g = self.game
        start = rules.new_worlds(g, 0, np.array([0]))
        start.persona = self.worlds.persona[world : world + 1].copy()
        baseline = rules.payoff(g, start)[0] * max(self.turn, 1)
        out = {}
        for i, a in enumerate(g.actor_ids):
            score, base = self.worlds.scores[world, i], baseline[i]
            margin = score - base
            scale = max(abs(base), 1e-9)
            if abs(margin) < 0.02 * scale + 1e-9:
                word = "held steady"
            elif margin > 0:
                word = "gained ground"
            else:
                word = "lost ground"
            out[a] = f"{self.actor_name(a, world)} {word}: {score:.2f} points vs {base:.2f} had nothing changed."
        return out

    def series(self) -> dict[str, np.ndarray]:
        """World 0 over the turns so far: factors [T+1, F], relations [T+1, A, A]."""
        q = np.array(self._series_q)
        return {"factors": np.array(self._series_f), "relations": rules.relation_matrix(self.game, q), "pairs": q}

    # --- save and load ----------------------------------------------------------------------

    def to_json(self) -> str:
        """The game as a save file's text (see game.saves: a checksum, read back under checks)."""
        from .saves import dumps

        return dumps(self._data())

    def _data(self) -> dict:
        w = self.worlds
        return {
            "scenario": self.game.scenario.model_dump(mode="json"),
            "humans": list(self.humans),
            "keep_history": self.keep_history,
            "worlds": {
                "seed": w.seed,
                "index": w.index.tolist(),
                "turn": w.turn,
                "factors": w.factors.tolist(),
                "pairs": w.pairs.tolist(),
                "persona": w.persona.tolist(),
                "move_succeeded": w.move_succeeded.tolist(),
                "move_chosen": w.move_chosen.tolist(),
                "happened": w.happened.tolist(),
                "fired": w.fired.tolist(),
                "scores": w.scores.tolist(),
                "opened": w.opened,
            },
            "pending_events": self._pending_events,
            "series": {"factors": np.array(self._series_f).tolist(), "pairs": np.array(self._series_q).tolist()},
            "history": [asdict(h) for h in self.history],
        }

    @classmethod
    def from_json(cls, text: str) -> State:
        """Load a saved game; a damaged, foreign or tampered file raises SaveError (a ValueError) saying why."""
        from .saves import loads

        game, data, arrays = loads(text)
        d = data["worlds"]
        state = cls.__new__(cls)
        state.game = game
        state.humans = tuple(data["humans"])
        state.keep_history = data["keep_history"]
        state.worlds = rules.Worlds(
            seed=d["seed"],
            index=arrays["index"],
            turn=d["turn"],
            factors=arrays["factors"],
            pairs=arrays["pairs"],
            persona=arrays["persona"].astype(np.intp),
            move_succeeded=arrays["move_succeeded"].astype(np.int32),
            move_chosen=arrays["move_chosen"].astype(np.int32),
            happened=arrays["happened"],
            fired=arrays["fired"],
            scores=arrays["scores"],
            opened=d["opened"],
        )
        state._series_f = [np.array(x, dtype=np.float64) for x in data["series"]["factors"]]
        state._series_q = [np.array(x, dtype=np.float64) for x in data["series"]["pairs"]]
        state._pending_events = list(data["pending_events"])
        state.history = [
            TurnReport(h["turn"], h["date"], list(h["events"]), [ActionReport(**a) for a in h["actions"]], dict(h["payoffs"]))
            for h in data["history"]
        ]
        state._policy = None
        return state

    def fingerprint(self) -> str:
        """A hash of the full world state (for tests and replays)."""
        w = self.worlds
        h = hashlib.sha256()
        for a in (w.factors, w.pairs, w.persona, w.move_succeeded, w.move_chosen, w.happened, w.fired, w.scores):
            h.update(np.ascontiguousarray(a).tobytes())
        h.update(str(w.turn).encode())
        return h.hexdigest()


def simulate(game: Game, seed: int, worlds: int | np.ndarray, record_steps: bool = False) -> dict[str, np.ndarray]:
    """Play AI-only worlds to the end in lockstep; return their outcomes as arrays."""
    state = State(game, seed, worlds, history=False, record_steps=record_steps)
    while not state.over:
        state.advance_indices(state.ai_choices())
    w = state.worlds
    out = {
        "world": w.index.copy(),
        "factors": w.factors.copy(),
        "relations": rules.relation_matrix(game, w.pairs),
        "scores": w.scores.copy(),
        "closest": rules.closest_partners(game, w.pairs),
        "blocs": rules.best_blocs(game, w.pairs),
        "outcomes": w.happened.copy(),
        "move_counts": w.move_chosen.copy(),
        "persona": w.persona.copy(),
    }
    if record_steps:
        out["factor_series"] = np.stack([f for f, _ in state.steps])
        out["relation_series"] = rules.relation_matrix(game, np.stack([q for _, q in state.steps]))
    return out
