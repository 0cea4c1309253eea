"""Loading configs from YAML: field paths, syntax errors, every problem at once, round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from hotline.demo import HOTLINES_YAML
from ivr.menus.loading import (
    ConfigError,
    Problem,
    config_document,
    config_to_yaml,
    json_schema,
    load_config_file,
    load_config_text,
)
from tests.ivr.menus.documents import (
    ENGLISH,
    MANDARIN,
    assert_problem,
    demo_document,
    node,
    problems_in,
)

NODES = "hotlines[0].menu.nodes"


def problems_of_text(text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as raised:
        load_config_text(text, "hotlines.yaml")
    return raised.value.problems


def test_the_demo_loads_with_both_hotlines() -> None:
    config = load_config_file(HOTLINES_YAML)
    assert [hotline.id for hotline in config.hotlines] == ["95598", "400"]
    assert set(config.queues) == {"vip", "fault", "complaint", "billing", "business", "general"}
    assert config.hotlines[MANDARIN].voice == "Polly.Zhiyu"


def test_a_field_error_inside_an_action_has_a_plain_path() -> None:
    document = demo_document()
    node(document, MANDARIN, "fault")["options"][1]["action"] = {"type": "submenu"}
    assert_problem(document, f"{NODES}.fault.options[1].action.node", "required field is missing")


def test_an_unknown_action_type_lists_the_known_ones() -> None:
    document = demo_document()
    node(document, MANDARIN, "fault")["fallback"] = {"type": "dial"}
    assert_problem(document, f"{NODES}.fault.fallback", "'submenu', 'queue', 'hangup'")


def test_an_unknown_field_is_named() -> None:
    document = demo_document()
    node(document, MANDARIN, "fault")["timout"] = 6
    assert_problem(document, f"{NODES}.fault.timout", "unknown field")


def test_a_node_called_like_an_action_keeps_its_name_in_the_path() -> None:
    document = demo_document()
    document["hotlines"][MANDARIN]["menu"]["nodes"]["operator"] = {"queue": "x"}
    assert_problem(document, f"{NODES}.operator.queue", "unknown field")


def test_numbers_read_as_integers_get_a_quoting_hint() -> None:
    text = HOTLINES_YAML.read_text(encoding="utf-8").replace('"95598", "+8695598"', "95598")
    found = problems_of_text(text)
    assert (
        Problem(
            "hotlines[0].numbers[0]",
            "Input should be a valid string (YAML read this as a number: put it in quotes, "
            "e.g. '95598')",
        )
        in found
    )


def test_a_bad_weekday_and_a_bad_date_are_reported_by_path() -> None:
    document = demo_document()
    document["hotlines"][ENGLISH]["hours"]["weekly"]["monday"] = ["09:00-18:00"]
    document["hotlines"][ENGLISH]["hours"]["overrides"][0]["date"] = "2025-02-30"
    found = assert_problem(document, "hotlines[1].hours.weekly.monday", "bad key: Input should")
    assert any(p.path == "hotlines[1].hours.overrides[0].date" for p in found)


def test_a_yaml_syntax_error_reports_its_line_and_column() -> None:
    text = "queues:\n  fault:\n    name: {zh-CN: 故障报修\nhotlines: []\n"
    [problem] = problems_of_text(text)
    assert problem.path == ""
    assert "YAML syntax error at line 4, column 9" in problem.reason


def test_an_empty_file_and_a_list_are_refused() -> None:
    assert problems_of_text("  \n# nothing\n") == [Problem("", "the config is empty")]
    [problem] = problems_of_text("- 1\n- 2\n")
    assert problem.path == ""
    assert "valid dictionary" in problem.reason


def test_a_key_written_twice_is_reported() -> None:
    text = "queues: {}\nhotlines: []\nqueues: {}\n"
    found = problems_of_text(text)
    assert Problem("queues", "written twice (lines 1 and 3); only one can stay") in found
    assert any(p.path == "hotlines" for p in found)  # and the field errors too


def test_a_node_written_twice_is_reported_with_its_path() -> None:
    text = HOTLINES_YAML.read_text(encoding="utf-8").replace(
        "        business:\n", "        billing:\n", 1
    )
    found = problems_of_text(text)
    assert any(
        p.path == "hotlines[0].menu.nodes.billing" and "written twice" in p.reason for p in found
    )


def test_field_errors_and_yaml_duplicates_are_all_reported_together() -> None:
    document = demo_document()
    document["hotlines"][MANDARIN]["language"] = 7
    document["hotlines"][ENGLISH]["menu"]["start"] = None
    document["callers"][0]["phone"] = "call me"
    paths = {problem.path for problem in problems_in(document)}
    assert {"hotlines[0].language", "hotlines[1].menu.start", "callers[0].phone"} <= paths


def test_several_whole_config_mistakes_are_all_reported() -> None:
    document = demo_document()
    node(document, MANDARIN, "fault")["options"][0]["action"]["queue"] = "repair"
    node(document, MANDARIN, "main")["options"][1]["key"] = "1"
    document["hotlines"][ENGLISH]["timezone"] = "Beijing"
    document["callers"][1]["phone"] = document["callers"][0]["phone"]
    paths = [problem.path for problem in problems_in(document)]
    assert paths == [
        "hotlines[0].menu.nodes.fault.options[0].action.queue",
        "hotlines[0].menu.nodes.main.options[1].key",
        "hotlines[1].timezone",
        "callers[1].phone",
    ]


def test_config_error_says_where_and_how_many() -> None:
    error = ConfigError([Problem("hotlines[0].menu.start", "no node 'x'"), Problem("", "bad")])
    assert (
        str(error) == "<config>: 2 problems\n  hotlines[0].menu.start: no node 'x'\n  (config): bad"
    )


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file") as raised:
        load_config_file(tmp_path / "absent.yaml")
    assert raised.value.source.endswith("absent.yaml")


def test_yaml_round_trip_keeps_the_config_and_the_chinese() -> None:
    config = load_config_file(HOTLINES_YAML)
    text = config_to_yaml(config)
    assert load_config_text(text, "exported.yaml") == config
    assert "欢迎致电国家电网95598供电服务热线" in text
    assert "\\u" not in text
    assert config_to_yaml(load_config_text(text, "again")) == text  # stable


def test_the_document_is_json_safe_and_loads_back() -> None:
    config = load_config_file(HOTLINES_YAML)
    document = config_document(config)
    encoded = json.dumps(document, ensure_ascii=False)
    assert json.loads(encoded) == document
    assert load_config_text(yaml.safe_dump(document, allow_unicode=True), "doc") == config


def test_the_json_schema_comes_from_the_model() -> None:
    schema = json_schema()
    assert set(schema["properties"]) == {"queues", "hotlines", "callers", "agents", "scenarios"}
    assert "Hotline" in schema["$defs"]
    json.dumps(schema)
