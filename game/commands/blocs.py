"""`summit blocs SCENARIO [--turn N]`: the blocs landscape theory predicts."""

from __future__ import annotations

import json

from game.model import SummitModel

from ..errors import UsageError
from ..landscape import describe
from .common import SET_HELP, open_game

SHOWN = 10  # configurations listed by default; --all lists every one

NAME = "blocs"
HELP = "Print the blocs that landscape theory (Axelrod & Bennett 1993) predicts for a scenario's relations."


def add_arguments(p) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario file, or the id of a shipped scenario")
    p.add_argument("--turn", type=int, default=0, metavar="N",
                   help="first let the AI play N turns (default 0: the opening relations)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="seed for those N turns (default 1)")
    p.add_argument("--all", action="store_true",
                   help=f"list every stable configuration (default: the {SHOWN} lowest, and a summary of the rest)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE", help=SET_HELP)
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args) -> int:
    game = open_game(args.scenario, args.sets)
    if not 0 <= args.turn <= game.turns:
        raise UsageError(f"--turn must be between 0 and {game.turns} (the scenario's number of turns)")
    model = SummitModel(game, seed=args.seed)
    for _ in range(args.turn):
        model.step()
    state = model.state
    minima = state.blocs()
    shown = minima if args.all else minima[:SHOWN]
    names = [state.actor_name(a) for a in game.actor_ids]
    if args.json:
        print(json.dumps({
            "scenario": game.scenario.id,
            "turn": args.turn,
            "seed": args.seed,
            "set": list(args.sets),
            "actors": game.actor_ids,
            "stable_configurations": len(minima),
            "configurations": [m.as_dict(game.actor_ids) for m in shown],
        }, indent=2))
        return 0
    when = "at the start" if args.turn == 0 else f"after {args.turn} turns (seed {args.seed})"
    changed = f", with {', '.join(args.sets)}" if args.sets else ""
    print(f"{game.scenario.title}: blocs predicted {when}{changed}")
    print("Each pair is weighted by both leaders' power and their current relation; energy is the sum over")
    print("pairs split apart of power x power x relation (lower fits better). Each configuration below is")
    print("stable: no single leader would switch sides.")
    print(f"{len(minima):,} stable configuration(s), lowest energy first:")
    for line in describe(shown, names):
        print("  " + line)
    rest = minima[len(shown):]
    if rest:
        print(f"  ... and {len(rest):,} more (energy {min(m.energy for m in rest):.2f} to {max(m.energy for m in rest):.2f}, "
              f"together {sum(m.basin for m in rest):.0%} of starts); --all lists every one")
    return 0
