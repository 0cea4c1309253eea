"""Every end of the demo's menus is reached by one of its flow tests, and a new end
without one is found."""

from __future__ import annotations

from hotline.demo import HOTLINES_YAML
from ivr.menus.loading import load_config_file
from ivr.menus.scenario_coverage import leaves, uncovered
from ivr.menus.scenarios import run_scenarios
from ivr.menus.schema import Config
from tests.ivr.menus.documents import ENGLISH, MANDARIN, demo_document, node
from tests.ivr.menus.flow_configs import scenario, small_config

MANDARIN_NODES = f"hotlines[{MANDARIN}].menu.nodes"


def test_every_end_of_the_demo_menus_has_a_passing_flow_test() -> None:
    config = load_config_file(HOTLINES_YAML)
    results = run_scenarios(config)
    assert [r.name for r in results if not r.passed] == []
    assert uncovered(config, results) == []


def test_the_leaves_are_read_from_the_menu_tree() -> None:
    found = leaves(load_config_file(HOTLINES_YAML))
    assert f"{MANDARIN_NODES}.fault.options[0]" in found  # 1 > 1 停电 → queue
    assert f"{MANDARIN_NODES}.main.options[4]" in found  # 5 表扬建议 → voicemail
    assert f"{MANDARIN_NODES}.billing.options[1]" in found  # 2 > 2 缴费方式 → hang-up
    assert f"{MANDARIN_NODES}.main.fallback" in found  # silence → the operator
    assert f"{MANDARIN_NODES}.main.options[0]" not in found  # a submenu is no end
    assert f"{MANDARIN_NODES}.fault.options[3]" not in found  # neither is "back"
    assert f"hotlines[{MANDARIN}].vip" in found
    assert f"hotlines[{MANDARIN}].closed" not in found  # 95598 never closes
    english = f"hotlines[{ENGLISH}]"
    for leaf in ("closed", "vip", "hours.holiday", "hours.makeup", "hours.overrides[0]"):
        assert f"{english}.{leaf}" in found
    per_hotline = [sum(leaf.startswith(f"hotlines[{i}].") for leaf in found) for i in (0, 1)]
    assert per_hotline == [21, 11]


def test_a_new_option_without_a_flow_test_is_uncovered() -> None:
    document = demo_document()
    option = {"key": "4", "label": "电费发票", "action": {"type": "queue", "queue": "billing"}}
    node(document, MANDARIN, "billing")["options"].append(option)
    config = Config.model_validate(document)
    assert uncovered(config, run_scenarios(config)) == [f"{MANDARIN_NODES}.billing.options[4]"]


def test_a_removed_flow_test_leaves_its_end_uncovered() -> None:
    document = demo_document()
    document["scenarios"] = [s for s in document["scenarios"] if s["name"] != "95598 缴费方式"]
    config = Config.model_validate(document)
    assert uncovered(config, run_scenarios(config)) == [f"{MANDARIN_NODES}.billing.options[1]"]


def test_only_passing_flow_tests_cover() -> None:
    passing = scenario(["4"], {"action": "voicemail"}, name="留言")
    failing = scenario(["4"], {"action": "hangup"}, name="留言挂机")
    assert "hotlines[0].menu.nodes.main.options[3]" in uncovered(
        small_config(failing), run_scenarios(small_config(failing))
    )
    config = small_config(passing)
    assert "hotlines[0].menu.nodes.main.options[3]" not in uncovered(config, run_scenarios(config))
