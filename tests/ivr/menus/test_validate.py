"""Whole-config checks: each kind of mistake is found with its exact path and a clear reason."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.demo import HOTLINES_YAML
from ivr.menus.loading import load_config_file
from ivr.menus.validate import problems
from tests.ivr.menus.documents import (
    ENGLISH,
    MANDARIN,
    assert_problem,
    demo_document,
    demo_menus,
    node,
    problems_in,
)

HOTLINE = "hotlines[0]"
NODES = "hotlines[0].menu.nodes"


def test_the_demo_config_has_no_problems() -> None:
    assert problems(load_config_file(HOTLINES_YAML)) == []


def test_a_submenu_to_a_missing_node_is_dangling() -> None:
    document = demo_document()
    node(document, MANDARIN, "fault")["options"][1]["action"] = {"type": "submenu", "node": "gone"}
    assert_problem(document, f"{NODES}.fault.options[1].action.node", "no node 'gone'")


def test_a_fallback_to_a_missing_node_is_dangling() -> None:
    document = demo_document()
    node(document, MANDARIN, "billing")["fallback"] = {"type": "submenu", "node": "gone"}
    assert_problem(document, f"{NODES}.billing.fallback.node", "no node 'gone'")


@pytest.mark.parametrize(
    ("hotline", "where"),
    [
        (MANDARIN, "menu.nodes.billing.options[0].action"),
        (MANDARIN, "menu.nodes.fault.fallback"),
        (MANDARIN, "vip.action"),
        (MANDARIN, "operator"),
        (ENGLISH, "closed.action"),
    ],
)
def test_an_unknown_queue_is_found_in_every_kind_of_action(hotline: int, where: str) -> None:
    document = demo_document()
    target: Any = document["hotlines"][hotline]
    *parents, last = where.replace("[0]", ".0").split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = {"type": "queue", "queue": "nowhere"}
    path = f"hotlines[{hotline}].{where}.queue"
    assert_problem(document, path, "unknown queue 'nowhere' (known: billing, business")


def test_a_missing_start_node_is_reported_once() -> None:
    document = demo_document()
    document["hotlines"][MANDARIN]["menu"]["start"] = "welcome"
    found = assert_problem(document, f"{HOTLINE}.menu.start", "no node 'welcome'")
    assert not any("unreachable" in problem.reason for problem in found)


def test_a_node_no_option_leads_to_is_unreachable() -> None:
    document = demo_document()
    node(document, MANDARIN, "orphan")["prompt"] = {"zh-CN": "孤立的菜单"}
    assert_problem(document, f"{NODES}.orphan", "unreachable")


def test_a_node_reached_only_from_the_vip_policy_is_reachable() -> None:
    document = demo_menus()
    node(document, MANDARIN, "vip_menu").update(
        prompt={"zh-CN": "VIP菜单"},
        options=[{"key": "1", "label": "专席", "action": {"type": "queue", "queue": "vip"}}],
    )
    document["hotlines"][MANDARIN]["vip"]["action"] = {"type": "submenu", "node": "vip_menu"}
    assert problems_in(document) == []


def test_a_loop_with_no_exit_names_every_stuck_node() -> None:
    document = demo_document()
    loop = {"type": "submenu", "node": "loop_b"}
    node(document, MANDARIN, "loop_a").update(
        prompt={"zh-CN": "甲"},
        options=[
            {"key": "0", "label": "乙", "action": loop},
            {"key": "*", "label": "重听", "action": {"type": "repeat"}},  # no way back either
        ],
        fallback=loop,
    )
    node(document, MANDARIN, "loop_b").update(
        prompt={"zh-CN": "乙"},
        options=[
            {"key": "0", "label": "甲", "action": {"type": "submenu", "node": "loop_a"}},
            {"key": "*", "label": "重听", "action": {"type": "repeat"}},
        ],
        fallback={"type": "submenu", "node": "loop_a"},
    )
    node(document, MANDARIN, "main")["options"][5]["action"] = {"type": "submenu", "node": "loop_a"}
    found = assert_problem(document, f"{NODES}.loop_a", "loop with no exit")
    assert_problem(document, f"{NODES}.loop_b", "stuck: loop_a, loop_b")
    assert not any(p.path == f"{NODES}.main" for p in found)  # main can still reach queues


def test_back_to_a_parent_is_a_way_out() -> None:
    document = demo_menus()
    node(document, MANDARIN, "loop_a").update(
        prompt={"zh-CN": "甲"},
        options=[{"key": "0", "label": "甲", "action": {"type": "submenu", "node": "loop_a"}}],
        fallback={"type": "back"},
    )
    node(document, MANDARIN, "main")["options"][5]["action"] = {"type": "submenu", "node": "loop_a"}
    assert problems_in(document) == []


def test_the_default_zero_key_is_a_way_out() -> None:
    document = demo_menus()
    node(document, MANDARIN, "loop_a").update(
        prompt={"zh-CN": "甲"}, fallback={"type": "submenu", "node": "loop_a"}
    )
    node(document, MANDARIN, "main")["options"][5]["action"] = {"type": "submenu", "node": "loop_a"}
    assert problems_in(document) == []


def test_duplicate_option_keys_in_a_node() -> None:
    document = demo_document()
    node(document, MANDARIN, "main")["options"][1]["key"] = "1"
    assert_problem(
        document, f"{NODES}.main.options[1].key", "key '1' is already used by options[0]"
    )


def test_duplicate_speech_keywords_in_a_node_ignore_case() -> None:
    document = demo_document()
    node(document, ENGLISH, "main")["options"][1]["speech"].append("Sales")
    path = "hotlines[1].menu.nodes.main.options[2].speech[0]"
    assert_problem(document, path, "keyword 'sales' is already used by options[1]")


def test_the_same_keyword_in_two_nodes_is_fine() -> None:
    document = demo_document()
    node(document, MANDARIN, "fault")["options"][0]["speech"].append("电费")
    assert problems_in(document) == []


def test_blank_labels_and_keywords() -> None:
    document = demo_document()
    option = node(document, MANDARIN, "fault")["options"][0]
    option["label"], option["speech"] = " ", [""]
    assert_problem(document, f"{NODES}.fault.options[0].label", "empty label")
    assert_problem(document, f"{NODES}.fault.options[0].speech[0]", "empty speech keyword")


@pytest.mark.parametrize("key", ["0", "*", "#"])
def test_an_option_may_take_over_a_default_key(key: str) -> None:
    document = demo_menus()
    option = {"key": key, "label": "账单", "action": {"type": "queue", "queue": "billing"}}
    node(document, MANDARIN, "billing")["options"] = [option]
    assert problems_in(document) == []


def test_an_unknown_language_in_a_prompt() -> None:
    document = demo_document()
    node(document, MANDARIN, "fault")["prompt"]["zh"] = "停电请按1"
    assert_problem(document, f"{NODES}.fault.prompt.zh", "unknown language 'zh'; use cmn-CN")


def test_a_node_prompt_without_the_hotline_language() -> None:
    document = demo_document()
    node(document, MANDARIN, "fault")["prompt"] = {"en-US": "For a power cut, press 1."}
    assert_problem(document, f"{NODES}.fault.prompt", "no zh-CN text (the hotline's language)")


def test_a_node_with_audio_needs_no_prompt() -> None:
    document = demo_menus()
    node(document, MANDARIN, "fault").update(prompt={}, audio="https://example.com/fault.mp3")
    assert problems_in(document) == []


@pytest.mark.parametrize(
    "where",
    [
        "greeting",
        "messages.invalid",
        "messages.transfer",
        "vip.greeting",
        "menu.nodes.main.options[4].action.prompt",
        "menu.nodes.main.options[5].action.prompt",
    ],
)
def test_other_prompts_need_the_hotline_language(where: str) -> None:
    document = demo_document()
    target: Any = document["hotlines"][MANDARIN]
    *parents, last = where.replace("[", ".").replace("]", "").split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = {"en-US": "English only"}
    assert_problem(document, f"{HOTLINE}.{where}", "no zh-CN text")


def test_the_closed_prompt_needs_the_hotline_language() -> None:
    document = demo_document()
    document["hotlines"][ENGLISH]["closed"]["prompt"] = {"zh-CN": "现在是非工作时间。"}
    assert_problem(document, "hotlines[1].closed.prompt", "no en-US text")


def test_an_empty_prompt_text() -> None:
    document = demo_document()
    document["hotlines"][MANDARIN]["messages"]["goodbye"]["zh-CN"] = "  "
    assert_problem(document, f"{HOTLINE}.messages.goodbye.zh-CN", "empty prompt text")


def test_an_unknown_hotline_language_is_reported_once() -> None:
    document = demo_document()
    document["hotlines"][MANDARIN]["language"] = "zh-SG"
    found = assert_problem(document, f"{HOTLINE}.language", "unknown language 'zh-SG'")
    assert len(found) == 1


def test_a_number_dialled_for_two_hotlines() -> None:
    document = demo_document()
    document["hotlines"][ENGLISH]["numbers"].append("+8695598")
    reason = "+8695598 is already dialled at hotlines[0].numbers[1]"
    assert_problem(document, "hotlines[1].numbers[2]", reason)


def test_duplicate_hotline_ids() -> None:
    document = demo_document()
    document["hotlines"][ENGLISH]["id"] = "95598"
    assert_problem(document, "hotlines[1].id", "duplicate hotline id (hotlines[0])")


def test_duplicate_caller_phones() -> None:
    document = demo_document()
    document["callers"][3]["phone"] = document["callers"][0]["phone"]
    assert_problem(document, "callers[3].phone", "duplicate caller phone (callers[0])")


def test_vip_classes_must_not_be_blank_but_may_be_unused() -> None:
    document = demo_menus()
    document["hotlines"][MANDARIN]["vip"]["classes"] = ["diamond"]  # no caller has it: fine
    assert problems_in(document) == []
    document["hotlines"][MANDARIN]["vip"]["classes"] = ["gold", ""]
    assert_problem(document, f"{HOTLINE}.vip.classes[1]", "empty VIP class")
    document["callers"][0]["vip"] = ""
    assert_problem(document, "callers[0].vip", "empty VIP class")


def test_overlapping_ranges_on_a_day() -> None:
    document = demo_document()
    document["hotlines"][ENGLISH]["hours"]["weekly"]["sat"] = ["09:00-12:00", "11:30-13:00"]
    reason = "'11:30-13:00' overlaps '09:00-12:00'"
    assert_problem(document, "hotlines[1].hours.weekly.sat[1]", reason)


def test_touching_ranges_do_not_overlap() -> None:
    document = demo_document()
    document["hotlines"][ENGLISH]["hours"]["weekly"]["sat"] = ["09:00-12:00", "12:00-24:00"]
    assert problems_in(document) == []


def test_a_date_overridden_twice() -> None:
    document = demo_document()
    overrides = document["hotlines"][ENGLISH]["hours"]["overrides"]
    overrides.append({"date": "2025-12-31", "hours": []})
    reason = "2025-12-31 is already in overrides[0]"
    assert_problem(document, "hotlines[1].hours.overrides[1].date", reason)


def test_a_line_never_open_without_a_closed_policy() -> None:
    document = demo_document()
    document["hotlines"][ENGLISH]["hours"] = {"weekly": {}, "cn_calendar": True}
    document["hotlines"][ENGLISH]["closed"] = None
    assert_problem(document, "hotlines[1].hours", "never open, and no closed policy")


def test_a_closed_policy_is_required_when_not_always_open() -> None:
    document = demo_document()
    document["hotlines"][ENGLISH]["closed"] = None
    assert_problem(document, "hotlines[1].closed", "required when the hotline is not always open")


def test_an_unknown_time_zone() -> None:
    document = demo_document()
    document["hotlines"][MANDARIN]["timezone"] = "Asia/Beijing"
    assert_problem(document, f"{HOTLINE}.timezone", "unknown time zone 'Asia/Beijing'")


@pytest.mark.parametrize("voice", ["Polly.Zhiyu ", "polly.Zhiyu", "Polly.", "Zhiyu", "Google.x"])
def test_a_voice_twilio_does_not_accept(voice: str) -> None:
    document = demo_document()
    document["hotlines"][MANDARIN]["voice"] = voice
    assert_problem(document, f"{HOTLINE}.voice", f"Twilio does not accept voice {voice!r}")


@pytest.mark.parametrize(
    "voice", ["alice", "woman", "Polly.Zhiyu", "Polly.Joanna-Neural", "Google.cmn-CN-Standard-A"]
)
def test_voices_twilio_accepts(voice: str) -> None:
    document = demo_document()
    document["hotlines"][MANDARIN]["voice"] = voice
    assert problems_in(document) == []


@pytest.mark.parametrize("name", ["Fault", "9queue", "a" * 33, "vip queue"])
def test_queue_names_follow_the_pattern(name: str) -> None:
    document = demo_document()
    document["queues"][name] = {"name": {"en-US": "Other"}}
    assert_problem(document, f"queues.{name}", "queue names match ^[a-z][a-z0-9_-]{0,31}$")


def test_a_hold_prompt_must_speak_each_hotline_language_it_serves() -> None:
    document = demo_document()
    del document["queues"]["billing"]["hold_prompt"]["en-US"]
    assert_problem(document, "queues.billing.hold_prompt", "no en-US text, yet hotline '400'")


@pytest.mark.parametrize(
    ("where", "action", "reason"),
    [
        ("vip.action", {"type": "back"}, "'back' needs a menu node"),
        ("operator", {"type": "repeat"}, "'repeat' needs a menu node"),
        ("operator", {"type": "operator"}, "cannot send callers to itself"),
        ("menu.nodes.fault.fallback", {"type": "repeat"}, "never ends for a silent caller"),
    ],
)
def test_actions_that_make_no_sense_where_they_are(
    where: str, action: dict[str, str], reason: str
) -> None:
    document = demo_document()
    target: Any = document["hotlines"][MANDARIN]
    *parents, last = where.split(".")
    for part in parents:
        target = target[part]
    target[last] = action
    assert_problem(document, f"{HOTLINE}.{where}.type", reason)
