"""The sizes Summit supports, in one place: the schema, the rules and the landscape read them.

The actor limit is what the slowest part handles exactly: landscape theory enumerates every
two-bloc split (2^(n-1) of them), in the game, in `blocs` and for every world of a batch.
"""

MAX_ACTORS = 20  # exact bloc enumeration: 2^19 splits per world
MAX_FACTORS = 40
MAX_MOVES_PER_ACTOR = 16
MAX_EVENTS = 60
MAX_OUTCOMES_PER_EVENT = 10
MAX_TURNS = 240
MAX_LIST = 60
MAX_CONDITIONS = 20
MAX_CONDITION_DEPTH = 4  # all/any nested at most this deep
MAX_INTERACTIONS = 40  # payoff terms on a product of two quantities, per leader
MAX_OBLIGATION_TURNS = 24
MAX_PLANNER_ROLLOUTS = 512
MAX_PLANNER_HORIZON = 24


def too_many_actors(n: int) -> str | None:
    """The one message every part gives for a scenario with too many actors, or None."""
    if n > MAX_ACTORS:
        return (f"{n} actors is more than Summit supports ({MAX_ACTORS}): landscape theory's blocs are "
                f"computed exactly over every split, which grows as 2^n")
    return None
