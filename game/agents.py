"""Mesa agents: one Leader per actor seat, owning its choice through a strategy."""

from __future__ import annotations

import mesa

from .strategies import Strategy


class Leader(mesa.Agent):
    """A leader at the table: in every world at once, it picks its move with its strategy."""

    def __init__(self, model, slot: int, strategy: Strategy):
        super().__init__(model)
        self.slot = slot
        self.actor_id = model.game.actor_ids[slot]
        self.strategy = strategy

    @property
    def name(self) -> str:
        return self.model.state.actor_name(self.actor_id)

    def choose(self) -> None:
        """Draw this leader's move in every world."""
        self.model.choices[:, self.slot] = self.strategy.choose(self.model, self.slot)
