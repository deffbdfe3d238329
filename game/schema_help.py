"""Editor help for the JSON Schema: a description and examples for every field.

Descriptions come from the pydantic models (`Field(description=...)`), completed here for the
fields whose meaning is their type's; examples are real values taken from the shipped baseline
and the guide's example files (the first value each field has there), so they are never made up
and never drift from the format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_FILES = ("scenarios/vladivostok-2019.yaml", "docs/examples/deals.yaml", "docs/examples/election.yaml",
                 "docs/examples/minimal.yaml")

MORE: dict[str, str] = {
    "ActorMoves.moves": "This leader's moves (at most 16); include one that changes nothing, such as waiting.",
    "Effects.factors": "Changes to factors: factor, delta (in its unit), optional noise and scale.",
    "Effects.relations": "Changes to relations: between (two actors), delta (-2 to 2), optional noise.",
    "EventCondition.happened": "true: the outcome has happened earlier in the game; false: it has not.",
    "Factor.source": "Id of an entry in `sources`.",
    "FactorCondition.value": "The number the factor is compared with, in the factor's unit.",
    "Logistic.intercept": "Log-odds when every term is 0: 0 is a 50% chance, 2 about 88%, -2 about 12%.",
    "Logistic.terms": "Quantities that move the chance: coef x the quantity on a 0..1 scale is added to the log-odds.",
    "Move.source": "Id of an entry in `sources`.",
    "Outcome.label": "Name of the outcome shown in the game.",
    "Outcome.effects": "What happens when this outcome is drawn.",
    "Payoff.factors": "Weights on factors: payoff per turn for a factor going from its min to its max.",
    "Payoff.relations": "Weights on this leader's relations with others: payoff per turn for a relation of +1.",
    "Quantity.factor": "A factor id (give this or `relation`).",
    "Quantity.relation": "Two actor ids (give this or `factor`).",
    "RandomEvent.kind": "'random': may happen each turn with `probability`.",
    "RandomEvent.label": "Name of the event shown in the game.",
    "RandomEvent.description": "A longer explanation for the class.",
    "RandomEvent.preconditions": "Conditions that must all hold for the event to be possible this turn.",
    "RandomEvent.outcomes": "What can happen; each with a chance, one may leave its chance out (otherwise).",
    "RandomEvent.source": "Id of an entry in `sources`.",
    "Relation.source": "Id of an entry in `sources`.",
    "RelationCondition.value": "The number the relation is compared with, from -1 to 1.",
    "RelationEffect.delta": "Change of the relation, from -2 to 2 (the result stays within -1 and 1).",
    "RelationEffect.noise": "Standard deviation of a random change added to the delta.",
    "RelationSettings.volatility": "Standard deviation of every relation's random change per turn.",
    "Replacement.successor": "The leader who takes the seat: name, title, payoff, optional term and rationality.",
    "Scale.factor": "A factor id whose level scales the effect (give this or `relation`).",
    "Scale.relation": "Two actor ids whose relation scales the effect (give this or `factor`).",
    "ScheduledEvent.kind": "'scheduled': happens on `date` (an election, a deadline).",
    "ScheduledEvent.label": "Name of the event shown in the game.",
    "ScheduledEvent.description": "A longer explanation for the class.",
    "ScheduledEvent.outcomes": "What can happen; each with a chance, one may leave its chance out (otherwise).",
    "ScheduledEvent.source": "Id of an entry in `sources`.",
    "Successor.name": "Full name as shown in the game.",
    "Successor.short_name": "One or two words for compact labels (default: derived from the name).",
    "Successor.title": "Office, e.g. President of Bregon.",
    "Successor.portrait": "Portrait badge id in assets/portraits.yaml.",
    "Successor.colour": "The successor's colour, as #RRGGBB in quotes (default: the seat's).",
    "Successor.rationality": "How strictly the AI picks the successor's best move (default: the seat's).",
    "Successor.term": "The successor's hold on office (default: the seat's).",
    "Term.factor": "A factor id (give this or `relation`).",
    "Term.relation": "Two actor ids (give this or `factor`).",
    "Term.coef": "Added to the log-odds per unit of the quantity on a 0..1 scale (-50 to 50).",
    "Scenario.schema_version": "The version of this format; leave it out or write 1.",
    "Scenario.turn_length": "Length of a turn; only 'month' exists.",
    "Scenario.sources": "Publications the numbers come from: id and citation (author, title, outlet, date).",
    "Scenario.learning_objectives": "What students should be able to explain after playing (up to 60).",
    "Scenario.discussion_questions": "Questions for the debrief (up to 60).",
    "Scenario.actors": "The leaders at the table (2 to 20).",
    "Scenario.factors": "Quantities of the world, each with a range and dynamics (1 to 40).",
    "Scenario.relations": "How the leaders stand with each other and how relations move on their own.",
    "Scenario.moves": "For each leader, the moves it can make (one per turn).",
    "Scenario.events": "Things that happen to the leaders: scheduled (on a date) or random (each turn, by chance).",
}


def examples() -> dict[str, list[Any]]:
    """'Model.field' -> up to two values that field has in the shipped files."""
    from game.loader import load_scenario

    found: dict[str, list[Any]] = {}
    for name in EXAMPLE_FILES:
        path = ROOT / name
        if path.exists():
            _collect(load_scenario(path), found)
    return found


def _collect(obj: Any, found: dict[str, list[Any]]) -> None:
    if isinstance(obj, BaseModel):
        for field in type(obj).model_fields:
            value = getattr(obj, field)
            if value is None:
                continue
            key = f"{type(obj).__name__}.{field}"
            shown = _shown(value)
            if shown is not None and shown not in found.setdefault(key, []) and len(found[key]) < 2:
                found[key].append(shown)
            _collect(value, found)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _collect(v, found)
    elif isinstance(obj, dict):
        for v in obj.values():
            _collect(v, found)


def _shown(value: Any) -> Any:
    """A value as an editor shows an example: scalars as they are, lists and sections cut short."""
    if isinstance(value, BaseModel):
        return _cut(value.model_dump(mode="json", exclude_none=True, exclude_defaults=True))
    if isinstance(value, (list, tuple)):
        return [_shown(value[0])] if value else []
    if isinstance(value, dict):
        return _cut({k: (v.model_dump(mode="json", exclude_none=True, exclude_defaults=True) if isinstance(v, BaseModel) else v)
                     for k, v in list(value.items())[:1]})
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _cut(data: Any, depth: int = 0) -> Any:
    """Nested data cut to two levels and a few items, so an example stays readable."""
    if isinstance(data, dict):
        return {k: _cut(v, depth + 1) for k, v in list(data.items())[:6]} if depth < 2 else "..."
    if isinstance(data, list):
        return [_cut(v, depth + 1) for v in data[:1]] if depth < 2 else "..."
    return data


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with a description and examples on every property (in place; returned)."""
    seen = examples()
    models = [("Scenario", schema)] + list(schema.get("$defs", {}).items())
    for model, d in models:
        for field, prop in d.get("properties", {}).items():
            key = f"{model}.{field}"
            if "description" not in prop and key in MORE:
                prop["description"] = MORE[key]
            refers = f"{field.title()}.id"  # a reference (outcome: ...) shows the ids it can name
            if key in seen or refers in seen:
                prop.setdefault("examples", seen.get(key) or seen[refers])
            elif "default" in prop:
                prop.setdefault("examples", [prop["default"]])
    return schema
