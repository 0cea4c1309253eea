"""The flow-test format: unknown keys refused, each mistake named by its path."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ivr.menus.loading import ConfigError, Problem, config_to_yaml, load_config_text
from tests.ivr.menus.documents import problems_in
from tests.ivr.menus.flow_configs import scenario, small_document

AT = "scenarios[0]"


def only_problems(*scenarios: dict[str, Any]) -> list[str]:
    return [str(problem) for problem in problems_in(small_document(*scenarios))]


def assert_one(found: list[str], path: str, reason: str) -> None:
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}: "), found
    assert reason in found[0], found


@pytest.mark.parametrize(
    ("field", "value", "path", "reason"),
    [
        ("expext", {}, AT + ".expext", "unknown field"),
        ("name", "", AT + ".name", "at least 1 character"),
        ("dial", "95598-1", AT + ".dial", "'95598-1': digits with an optional leading +"),
        ("caller", "boss", AT + ".caller", "'boss': digits with an optional leading +"),
        ("at", "next monday", AT + ".at", "Input should be a valid datetime"),
        ("inputs", "1", AT + ".inputs", "Input should be a valid list"),
    ],
)
def test_a_bad_scenario_field_is_named(field: str, value: Any, path: str, reason: str) -> None:
    found = only_problems(scenario(["1", "1"], {"queue": "fault"}) | {field: value})
    assert_one(found, path, reason)


def test_a_missing_name_or_expectation_is_required() -> None:
    bare = {"dial": "95598", "inputs": []}
    assert only_problems(bare) == [
        f"{AT}.name: required field is missing",
        f"{AT}.expect: required field is missing",
    ]


@pytest.mark.parametrize(
    ("given", "path", "reason"),
    [
        (1, f"{AT}.inputs[0]", "write keys in quotes, e.g. '1' (YAML read a number)"),
        ("1a", f"{AT}.inputs[0].keys", "'1a': keys are 0-9, * and #; for speech write {say: ...}"),
        ({"say": "  "}, f"{AT}.inputs[0].say", "empty speech; write '' for a silent caller"),
        ({"say": "停电", "keys": "1"}, f"{AT}.inputs[0]", "either keys or speech, not both"),
        ({"sya": "停电"}, f"{AT}.inputs[0].sya", "unknown field"),
    ],
)
def test_a_bad_input_is_named(given: Any, path: str, reason: str) -> None:
    found = only_problems(scenario([given], {"queue": "fault"}))
    assert_one(found, path, reason)


def test_an_unquoted_key_in_yaml_is_caught_with_a_hint() -> None:
    text = yaml.safe_dump(small_document(), allow_unicode=True).replace(
        "scenarios: []\n",
        "scenarios:\n- {name: x, dial: '95598', at: 2026-03-02 10:00, inputs: [1, 1],"
        " expect: {queue: fault}}\n",
    )
    with pytest.raises(ConfigError) as raised:
        load_config_text(text)
    assert [str(problem) for problem in raised.value.problems] == [
        f"{AT}.inputs[{index}]: write keys in quotes, e.g. '1' (YAML read a number)"
        for index in (0, 1)
    ]


@pytest.mark.parametrize(
    ("expect", "path", "reason"),
    [
        ({}, f"{AT}.expect", "say where the call ends: queue: NAME or action: queue, hangup"),
        ({"queue": "fault", "action": "voicemail"}, f"{AT}.expect", "ends in a queue, not"),
        (
            {"action": "dance"},
            f"{AT}.expect.action",
            "'queue', 'hangup', 'transfer' or 'voicemail'",
        ),
        ({"queue": "fault", "hears": [""]}, f"{AT}.expect.hears", "empty fragment"),
        ({"queue": "fault", "heard": "x"}, f"{AT}.expect.heard", "unknown field"),
    ],
)
def test_a_bad_expectation_is_named(expect: dict[str, Any], path: str, reason: str) -> None:
    found = only_problems(scenario(["1", "1"], expect))
    assert_one(found, path, reason)


def test_one_fragment_may_be_written_without_a_list() -> None:
    text = yaml.safe_dump(
        small_document(scenario(["2"], {"action": "hangup", "hears": "请登录网站查询"})),
        allow_unicode=True,
    )
    config = load_config_text(text)
    assert config.scenarios[0].expect.hears == ["请登录网站查询"]


def test_schema_and_whole_config_problems_come_together() -> None:
    document = small_document(scenario(["1", "1"], {"queue": "fault"}, dial="x"))
    document["hotlines"][0]["language"] = 7
    found = problems_in(document)
    assert Problem(f"{AT}.dial", "'x': digits with an optional leading +") in found
    assert any(problem.path == "hotlines[0].language" for problem in found)


def test_scenarios_export_as_written_and_load_back_equal() -> None:
    given = scenario([{"say": "报修"}, "", "1"], {"queue": "fault"}, caller="+8613900000001")
    text = yaml.safe_dump(small_document(given), allow_unicode=True)
    config = load_config_text(text)
    exported = config_to_yaml(config)
    assert "  inputs:\n  - say: 报修\n  - ''\n  - '1'\n" in exported
    assert "  at: '2026-03-02T10:00:00+08:00'\n" in exported
    assert load_config_text(exported) == config
