"""A class's game for the next lesson: every month as JSON and as a CSV table (choices, who made
them, results with their chance and roll, events, factors, relations, payoffs, scores, the
news), and reading such a file back, checked, for `main.py class-report`.

The JSON holds the scenario itself, so a report can play the same scenario in AI worlds even
if the file in scenarios/ has changed since. Everything read back is untrusted input: a
regular file under a size cap, JSON without NaN, the parts and bounds checked, the scenario
through the one loader.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import __version__, explain, narrate
from .compiled import Game
from .errors import SaveError, ScenarioError
from .files import read_limited, write_atomic
from .safetext import csv_cell
from .state import State

FORMAT = "summit-class-game"
FORMAT_VERSION = 1
MAX_BYTES = 32 << 20


def pair_key(game: Game, q: int) -> str:
    i, j = game.pairs[q]
    return f"{game.actor_ids[i]}-{game.actor_ids[j]}"


def game_data(state: State, closes: np.ndarray, teams=(), settings: dict | None = None) -> dict:
    """The class's game as plain data (closes: the state at the close of each month so far, [months, T])."""
    g = state.game
    F = g.n_factors
    totals = np.zeros(g.n_actors)
    months = []
    for record, x in zip(state.records, closes):
        report = narrate.report(state, record)
        reasons = {r.actor: r for r in explain.reasons(state, record)}
        totals += np.asarray(record.payoffs)
        moves = {}
        for a, aid in enumerate(g.actor_ids):
            m = record.choices[a]
            if m < 0:
                continue
            r = reasons[aid]
            moves[aid] = {"holder": g.personas[record.personas[a]].name, "move": g.move_ids[m], "label": r.label,
                          "by": "team" if aid in record.by_hand else "computer", "result": r.result,
                          "chance": round(r.chance, 6), "roll": None if r.roll is None else round(r.roll, 6), "reason": r.words}
        changes = [{"what": c.label, "before": round(c.before, 6), "after": round(c.after, 6),
                    "parts": [{"cause": words, "amount": round(amount, 6)} for words, amount in c.parts]}
                   for c in explain.what_moved(state, record, x)]
        months.append({
            "turn": record.turn, "month": g.date_of_turn(record.turn).strftime("%Y-%m"),
            "events": report.events, "set_off_by_teacher": [g.outcome_ids[o] for o in record.injected],
            "moves": moves, "answers": list(record.answers), "deals": report.deals,
            "factors": {f: round(float(x[k]), 6) for k, f in enumerate(g.factor_ids)},
            "relations": {pair_key(g, q): round(float(x[F + q]), 6) for q in range(g.n_pairs)},
            "payoffs": {aid: round(float(p), 6) for aid, p in zip(g.actor_ids, record.payoffs)},
            "scores": {aid: round(float(s), 6) for aid, s in zip(g.actor_ids, totals)},
            "news": report.lines()[1:], "what_moved": changes,
        })
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "version": __version__,
        "scenario_id": g.scenario.id, "title": g.scenario.title, "seed": int(state.seed),
        "world": int(state.worlds.index[0]), "teams": list(teams), "months_played": len(state.records),
        "scenario_months": g.turns, "settings": settings or {},
        "final": {"scores": {aid: round(float(s), 6) for aid, s in zip(g.actor_ids, totals)},
                  "verdicts": narrate.verdicts(state) if state.records else {}},
        "turns": months,
        "scenario": g.scenario.model_dump(mode="json"),
    }


def csv_text(data: dict) -> str:
    """One row per month: events, each leader's move, who chose it, result, chance, roll, payoff
    and score, then every factor and relation at the month's close, then the news."""
    actors = list(data["final"]["scores"])
    first = data["turns"][0] if data["turns"] else {"factors": {}, "relations": {}}
    factors, pairs = list(first["factors"]), list(first["relations"])
    head = ["turn", "month", "events"]
    for a in actors:
        head += [f"{a}.holder", f"{a}.move", f"{a}.by", f"{a}.result", f"{a}.chance", f"{a}.roll", f"{a}.payoff", f"{a}.score"]
    head += [f"factor.{f}" for f in factors] + [f"relation.{p}" for p in pairs] + ["news"]
    rows = [[csv_cell(h) for h in head]]
    for t in data["turns"]:
        row = [str(t["turn"] + 1), t["month"], csv_cell(" | ".join(t["events"]))]
        for a in actors:
            mv = t["moves"].get(a)
            if mv is None:
                row += ["", "", "", "", "", ""]
            else:
                row += [csv_cell(mv["holder"]), csv_cell(mv["label"]), mv["by"], mv["result"], f"{mv['chance']:.4f}",
                        "" if mv["roll"] is None else f"{mv['roll']:.4f}"]
            row += [f"{t['payoffs'][a]:.6f}", f"{t['scores'][a]:.6f}"]
        row += [f"{t['factors'][f]:.6g}" for f in factors] + [f"{t['relations'][p]:.6f}" for p in pairs]
        row.append(csv_cell(" | ".join(line.strip() for line in t["news"])))
        rows.append(row)
    return "\n".join(",".join(r) for r in rows) + "\n"


def write(data: dict, base: Path) -> tuple[Path, Path]:
    """Write BASE-game.json and BASE-game.csv atomically; OSError when they cannot be written."""
    base = Path(base)
    js, table = Path(str(base) + "-game.json"), Path(str(base) + "-game.csv")
    write_atomic(js, json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n")
    write_atomic(table, csv_text(data))
    return js, table


# --- reading a class's game back (class-report) ------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class _Final(_Strict):
    scores: dict[str, float]


class _File(_Strict):
    format: str
    format_version: int
    scenario_id: str = Field(max_length=100)
    seed: int = Field(ge=0, le=2**63 - 1)
    world: int = Field(ge=0, le=2**62)
    teams: list[str] = Field(max_length=20)
    months_played: int = Field(ge=0, le=1000)
    final: _Final
    scenario: dict


@dataclass
class ClassGame:
    path: Path
    game: Game
    seed: int
    world: int
    teams: list[str]
    months: int
    scores: dict[str, float]


def read(path) -> ClassGame:
    """A class's exported game, checked; SaveError saying what is wrong (naming the file)."""
    from .loader import parse_scenario

    path = Path(path)
    where = f"{path}: cannot read the class's game"
    try:
        raw = read_limited(path, MAX_BYTES, "class game")
        data = json.loads(raw.decode("utf-8"), parse_constant=lambda c: _refuse(c))
    except OSError as exc:
        from .files import explain as words

        raise SaveError(f"{where}: {words(exc)}") from None
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise SaveError(f"{where}: it is not a Summit class-game file (JSON written by the debrief's export): {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SaveError(f"{where}: it is not a Summit class-game file (the debrief's export writes *-game.json)")
    try:
        f = _File.model_validate(data)
    except ValidationError as exc:
        e = exc.errors(include_url=False)[0]
        raise SaveError(f"{where}: {'.'.join(map(str, e['loc']))}: {e['msg']}") from None
    if f.format_version > FORMAT_VERSION:
        raise SaveError(f"{where}: it was written by a newer Summit (format {f.format_version}); update Summit to read it")
    try:
        game = Game(parse_scenario(f.scenario, f"{path} (its scenario)"))
    except ScenarioError as exc:
        raise SaveError(f"{where}: the scenario inside is not valid:\n{exc}") from None
    if set(f.final.scores) != set(game.actor_ids) or any(t not in game.actor_index for t in f.teams):
        raise SaveError(f"{where}: its scores or teams name leaders its scenario does not have")
    if not 1 <= f.months_played <= game.turns:
        raise SaveError(f"{where}: months_played is {f.months_played}; its scenario has 1 to {game.turns} months")
    if any(not np.isfinite(v) or abs(v) > 1e9 for v in f.final.scores.values()):
        raise SaveError(f"{where}: a score is not a finite number of sensible size")
    return ClassGame(path, game, f.seed, f.world, list(f.teams), f.months_played, dict(f.final.scores))


def _refuse(constant: str):
    raise ValueError(f"{constant} is not a number this file may hold")
