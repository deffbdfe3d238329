"""Mesa agents: one Leader per actor slot of the scenario."""

from __future__ import annotations

import mesa
import numpy as np


class Leader(mesa.Agent):
    """A leader at the table. In every world at once, it picks its move from the AI's policy."""

    def __init__(self, model, slot: int):
        super().__init__(model)
        self.slot = slot
        self.actor_id = model.game.actor_ids[slot]

    @property
    def name(self) -> str:
        return self.model.state.actor_name(self.actor_id)

    def choose(self) -> None:
        """Draw this leader's move in every world (a human's choice, where given, wins)."""
        picks = self.model.state.ai_choice(self.slot)
        human = self.model.human_choices.get(self.actor_id)
        if human is not None:
            picks = np.full_like(picks, self.model.game.move_index[human])
        self.model.choices[:, self.slot] = picks
