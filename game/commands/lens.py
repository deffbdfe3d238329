"""`summit lens SCENARIO`: the stage game at a turn (dominant moves, equilibria, the QRE)."""

from __future__ import annotations

import json

from ..model import SummitModel
from ..errors import UsageError
from .common import SET_HELP, open_game, whole_number

NAME = "lens"
HELP = "Show the stage game at a turn: payoffs of every joint move, dominant moves, Nash and quantal-response equilibria."


def add_arguments(p):
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario file, or the id of a shipped scenario")
    p.add_argument("--turn", type=whole_number, default=0, metavar="N",
                   help="first let the AI play N turns (default 0: the opening month)")
    p.add_argument("--seed", type=whole_number, default=1, metavar="S", help="seed for those turns and the draws (default 1)")
    p.add_argument("--actors", metavar="A,B", default=None,
                   help="the leaders whose moves to enumerate (default: all; two give the bimatrix and its mixed equilibria)")
    p.add_argument("--draws", type=whole_number, default=64, metavar="D",
                   help="random draws per joint move, shared by every profile (default 64)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE", help=SET_HELP)
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args) -> int:
    from .. import lens

    game = open_game(args.scenario, args.sets)
    if not 0 <= args.turn < game.turns:
        raise UsageError(f"--turn must be from 0 to {game.turns - 1} (the scenario has {game.turns} turns)")
    if not 1 <= args.draws <= 4096:
        raise UsageError("--draws must be from 1 to 4096")
    actors = [a.strip() for a in args.actors.split(",") if a.strip()] if args.actors else None
    unknown = [a for a in actors or [] if a not in game.actor_index]
    if unknown or (actors is not None and len(set(actors)) != len(actors)):
        raise UsageError(f"--actors: name different leaders of this scenario ({', '.join(game.actor_ids)})"
                         + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    model = SummitModel(game, seed=args.seed)
    for _ in range(args.turn):
        model.step()
    try:
        data = lens.summary(model.state, actors, args.draws)
    except ValueError as exc:  # a stage game too large to enumerate, in words
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    for line in lens.describe(data, game):
        print(line)
    return 0
