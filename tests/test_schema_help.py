"""Editor help: every field of the JSON Schema has a description and examples, and the examples
are values the format accepts (taken from the shipped files, so they stay true)."""

from __future__ import annotations

from game.schema import json_schema


def properties(schema):
    yield from (("Scenario", k, v) for k, v in schema["properties"].items())
    for model, d in schema["$defs"].items():
        yield from ((model, k, v) for k, v in d.get("properties", {}).items())


def test_every_field_has_a_description_and_examples():
    schema = json_schema()
    missing = [f"{m}.{k}" for m, k, v in properties(schema) if not v.get("description")]
    assert missing == []
    no_example = [f"{m}.{k}" for m, k, v in properties(schema) if not v.get("examples")]
    assert no_example == []


def test_number_examples_lie_in_the_fields_range():
    for model, key, prop in properties(json_schema()):
        for ex in prop["examples"]:
            if isinstance(ex, (int, float)) and not isinstance(ex, bool):
                assert prop.get("minimum", -1e9) <= ex <= prop.get("maximum", 1e9), (model, key, ex)
                assert prop.get("exclusiveMinimum", -1e9) < ex, (model, key, ex)


def test_examples_are_real_values_from_the_baseline():
    props = dict(((m, k), v) for m, k, v in properties(json_schema()))
    assert props[("Actor", "power")]["examples"][0] > 0
    assert props[("Scenario", "id")]["examples"] == ["vladivostok-2019", "dam-deals"] or \
        props[("Scenario", "id")]["examples"][0] == "vladivostok-2019"
    assert props[("Factor", "unit")]["examples"]
