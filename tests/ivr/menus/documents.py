"""Config documents for the menu tests: the demo as a dict, and what loading one reports."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import yaml

from hotline.demo import HOTLINES_YAML
from ivr.menus.loading import (
    ConfigError,
    Problem,
    config_document,
    load_config_file,
    load_config_text,
)

MANDARIN, ENGLISH = 0, 1  # positions of the 95598 and 400 hotlines in the demo


@cache
def _demo_json() -> str:
    return json.dumps(config_document(load_config_file(HOTLINES_YAML)), ensure_ascii=False)


def demo_document() -> dict[str, Any]:
    """A fresh, fully spelled-out copy of the demo config, safe to mutate."""
    document: dict[str, Any] = json.loads(_demo_json())
    return document


def demo_menus() -> dict[str, Any]:
    """The demo without its flow tests, for checks of the menus themselves: a rewired menu
    fails the demo's flow tests, as it should (tests/ivr/menus/test_scenarios.py)."""
    document = demo_document()
    del document["scenarios"]
    return document


def node(document: dict[str, Any], hotline: int, node_id: str) -> dict[str, Any]:
    nodes: dict[str, dict[str, Any]] = document["hotlines"][hotline]["menu"]["nodes"]
    return nodes.setdefault(node_id, {})


def problems_in(document: dict[str, Any]) -> list[Problem]:
    """Everything `load_config_text` reports for the document written as YAML ([] if none)."""
    try:
        load_config_text(yaml.safe_dump(document, allow_unicode=True), "test.yaml")
    except ConfigError as error:
        found = error.problems
    else:
        return []
    assert found, "a ConfigError always lists its problems"
    return found


def assert_problem(document: dict[str, Any], path: str, reason: str) -> list[Problem]:
    """Assert a problem with exactly this path and a reason containing `reason`."""
    found = problems_in(document)
    at_path = [problem.reason for problem in found if problem.path == path]
    assert any(reason in text for text in at_path), (path, reason, [str(p) for p in found])
    return found
