"""The config's `routing:` block reaches every router option, and the docs list them all."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from queues.catalogue import BackoffSpec, PlanSpec, RoutingSpec
from routing.rules import QueueRules

DOCS = Path(__file__).resolve().parents[2] / "docs" / "routing.md"
# The router's names for the two options the config spells for people.
CONFIG_NAME = {"priority_offsets_s": "priority_s", "name": None}


def _documented_defaults() -> dict[str, str]:
    """Option → its default as the table in docs/routing.md gives it."""
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("## Every option of a queue's `routing:` block", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_.]+)` \| ([^|]+) \|", table, flags=re.MULTILINE)
    return {name: default.strip() for name, default in rows}


def test_every_router_option_can_be_set_from_the_config() -> None:
    spec = RoutingSpec.model_validate(
        {
            "ring_timeout_s": 7,
            "lease_margin_s": 3,
            "wrap_up_s": 0,
            "max_wait_s": 90,
            "max_size": 4,
            "join_empty": "no_agents",
            "leave_empty": "no_available",
            "weight": 2,
            "priority_s": {"gold": 30},
            "backoff": {"reject_s": 1, "busy_s": 2, "no_answer_s": 3},
            "max_no_answer": 5,
            "strategy": "random",
        }
    )
    rules = spec.rules("q")
    expected = {
        "ring_timeout_s": 7,
        "lease_margin_s": 3,
        "wrap_up_s": 0,
        "max_wait_s": 90,
        "max_size": 4,
        "weight": 2,
        "max_no_answer": 5,
    }
    for name, value in expected.items():
        assert getattr(rules, name) == value, name
    assert dict(rules.priority_offsets_s) == {"gold": 30}
    assert (rules.backoff.reject_s, rules.backoff.busy_s, rules.backoff.no_answer_s) == (1, 2, 3)
    assert rules.join_empty == "no_agents"
    assert rules.leave_empty == "no_available"
    assert rules.strategy == "random"
    settable = set(RoutingSpec.model_fields)
    for field in dataclasses.fields(QueueRules):
        config_name = CONFIG_NAME.get(field.name, field.name)
        assert config_name is None or config_name in settable, f"{field.name} not in the config"


def test_the_docs_list_every_option_of_the_routing_block() -> None:
    options = set(RoutingSpec.model_fields) - {"plan", "backoff"}
    options |= {f"plan.{name}" for name in PlanSpec.model_fields}
    options |= {f"backoff.{name}" for name in BackoffSpec.model_fields}
    documented = _documented_defaults()
    assert options <= set(documented), options - set(documented)


def test_the_documented_number_defaults_are_the_configs() -> None:
    documented = _documented_defaults()
    spec = RoutingSpec()
    numbers = {name: getattr(spec, name) for name in RoutingSpec.model_fields}
    numbers |= {f"backoff.{name}": getattr(spec.backoff, name) for name in BackoffSpec.model_fields}
    numbers["plan.floor"] = spec.plan.floor
    for name, value in numbers.items():
        if isinstance(value, int) and not isinstance(value, bool):
            assert documented[name] == str(value), f"{name}: {documented[name]} vs {value}"
