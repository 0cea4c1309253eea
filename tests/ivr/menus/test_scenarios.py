"""Flow tests played through the menu engine: each kind of end, passing and failing, with
the reason an admin reads."""

from __future__ import annotations

import pytest
import yaml

from ivr.menus.loading import ConfigError, load_config_text
from ivr.menus.scenarios import run_scenarios
from ivr.menus.validate import problems
from tests.ivr.menus.flow_configs import play_one, scenario, small_config, small_document

MAIN = "hotlines[0].menu.nodes.main"
FAULT = "hotlines[0].menu.nodes.fault"


def test_keys_through_a_submenu_end_in_its_queue() -> None:
    result = play_one(["1", "1"], {"queue": "fault", "hears": ["欢迎致电测试热线", "停电请按1"]})
    assert result.passed, result.failure
    assert result.ended == "queue fault"
    assert result.path == ("1 报修", "1 停电")
    assert result.heard == (
        "欢迎致电测试热线",
        "报修请按1，查询请按2，转接请按3，留言请按4",
        "停电请按1",
        "报修电话排队中",
    )
    assert result.reached == {f"{FAULT}.options[0]"}


def test_the_wrong_queue_names_both_queues_the_inputs_and_the_path() -> None:
    result = play_one(["1", "1"], {"queue": "general"})
    assert result.failure == (
        "expected queue general, got queue fault after inputs 1, 1 (path 1 报修 > 1 停电)"
    )


def test_a_hang_up_is_heard_with_its_prompt_and_the_goodbye() -> None:
    result = play_one(["2"], {"action": "hangup", "hears": ["请登录网站查询", "再见"]})
    assert result.passed, result.failure
    assert result.reached == {f"{MAIN}.options[1]"}


def test_a_transfer_expected_as_voicemail_fails() -> None:
    assert play_one(["3"], {"action": "transfer", "hears": "正在为您转接"}).passed
    failed = play_one(["3"], {"action": "voicemail"})
    assert (
        failed.failure == "expected voicemail, got transfer 4008000000 after input 3 (path 3 转接)"
    )


def test_a_voicemail_and_a_queue_are_told_apart() -> None:
    assert play_one(["4"], {"action": "voicemail", "hears": "请留言"}).passed
    assert play_one(["4"], {"queue": "fault"}).failure.startswith(
        "expected queue fault, got voicemail after input 4"
    )
    assert play_one(["1", "1"], {"action": "voicemail"}).failure.startswith(
        "expected voicemail, got queue fault"
    )
    assert play_one(["1", "1"], {"action": "queue"}).passed


def test_a_fragment_not_heard_fails_and_shows_what_was_heard() -> None:
    result = play_one(["2"], {"action": "hangup", "hears": ["请登录网站查询", "停电请按2"]})
    assert result.failure == (
        "never heard '停电请按2'; heard: 欢迎致电测试热线"
        " / 报修请按1，查询请按2，转接请按3，留言请按4 / 请登录网站查询 / 再见"
    )


def test_a_menu_that_wants_more_input_than_given_fails() -> None:
    result = play_one(["1"], {"queue": "fault"})
    assert result.failure == (
        "the menu asked for more input than given: after input 1 it waits at node 'fault'"
    )
    assert play_one([], {"queue": "fault"}).failure == (
        "the menu asked for more input than given: after no input it waits at node 'main'"
    )


def test_inputs_left_over_after_the_call_left_the_menu_fail() -> None:
    result = play_one(["2", "1"], {"action": "hangup"})
    assert result.failure == "the call left the menu (hangup) after input 2; input 1 left over"
    result = play_one(["2", "1"], {"queue": "fault"})
    assert result.failure == (
        "the call left the menu (hangup) after input 2; input 1 left over; "
        "expected queue fault, got hangup after input 2 (path 2 查询)"
    )


def test_several_keys_in_one_string_are_one_step_each() -> None:
    assert play_one(["11"], {"queue": "fault"}).passed


def test_speech_picks_an_option_where_the_node_listens_for_it() -> None:
    assert play_one([{"say": "我要报修"}, "1"], {"queue": "fault"}).passed
    result = play_one(["1", {"say": "停电"}], {"queue": "fault"})
    assert result.failure == "node 'fault' listens for keys only, so '停电' is not heard"


def test_silence_re_prompts_then_takes_the_fallback() -> None:
    result = play_one(["", ""], {"action": "hangup", "hears": ["没有收到按键", "未能识别您的选择"]})
    assert result.passed, result.failure
    assert result.reached == {f"{MAIN}.fallback"}
    assert play_one([""], {"action": "hangup"}).failure.startswith(
        "the menu asked for more input than given: after input silence"
    )


def test_a_wrong_key_is_heard_as_invalid_and_the_caller_may_go_on() -> None:
    result = play_one(["9", "1", "1"], {"queue": "fault", "hears": "输入有误"})
    assert result.passed, result.failure


def test_the_default_keys_reach_the_operator_go_back_and_repeat() -> None:
    operator = play_one(["0"], {"queue": "general"})
    assert operator.passed, operator.failure
    assert operator.path == ("0 operator",)
    assert operator.reached == frozenset()  # the default key is no option of the config
    assert play_one(["1", "*", "2"], {"action": "hangup"}).passed
    assert play_one(["#", "4"], {"action": "voicemail"}).passed


def test_a_listed_vip_caller_goes_to_the_vip_path_as_the_webhook_finds_them() -> None:
    for caller in ("+8613800138000", "8613800138000"):
        result = play_one([], {"queue": "vip", "hears": "尊敬的VIP客户"}, caller=caller)
        assert result.passed, (caller, result.failure)
        assert result.reached == {"hotlines[0].vip"}
    assert play_one(["1", "1"], {"queue": "fault"}, caller="+8613900000001").passed
    assert play_one([], {"queue": "vip"}, caller="+8613900000001").failure.startswith(
        "the menu asked for more input"
    )


def test_after_hours_the_closed_policy_applies_even_to_a_vip() -> None:
    result = play_one(
        [],
        {"action": "voicemail", "hears": ["现在是非工作时间", "请在提示音后留言"]},
        at="2026-03-02 18:00",
        caller="+8613800138000",
    )
    assert result.passed, result.failure
    assert result.reached == {"hotlines[0].closed"}
    assert play_one(["2"], {"action": "hangup"}, at="2026-03-02 17:59").passed


def test_a_public_holiday_closes_a_weekday() -> None:
    result = play_one([], {"action": "voicemail"}, at="2026-10-01 10:00")  # National Day
    assert result.passed, result.failure
    assert result.reached == {"hotlines[0].closed", "hotlines[0].hours.holiday"}


def test_a_make_up_workday_opens_a_sunday() -> None:
    result = play_one(["2"], {"action": "hangup"}, at="2026-09-20 10:00")
    assert result.passed, result.failure
    assert result.reached == {"hotlines[0].hours.makeup", f"{MAIN}.options[1]"}
    assert play_one([], {"action": "voicemail"}, at="2026-09-13 10:00").passed  # a Sunday


def test_the_moment_is_beijing_time_unless_it_carries_an_offset() -> None:
    assert play_one([], {"action": "voicemail"}, at="2026-03-02 02:00").passed
    assert play_one(["2"], {"action": "hangup"}, at="2026-03-02T02:00:00Z").passed


def test_a_line_with_hours_needs_a_moment() -> None:
    result = play_one(["2"], {"action": "hangup"}, at=None)
    assert result.failure == "needs `at`: hotline 'line' keeps opening hours"


def test_an_always_open_line_needs_no_moment() -> None:
    document = small_document(scenario(["2"], {"action": "hangup"}, at=None))
    document["hotlines"][0]["hours"] = {"always_open": True}
    del document["hotlines"][0]["closed"]
    config = load_config_text(yaml.safe_dump(document, allow_unicode=True))
    assert run_scenarios(config)[0].passed


def test_an_unknown_number_or_queue_fails_before_playing() -> None:
    assert play_one([], {"queue": "fault"}, dial="12345").failure == "no hotline answers 12345"
    assert play_one(["1", "1"], {"queue": "faults"}).failure == (
        "expects queue 'faults', which is not in queues (known: fault, general, vip)"
    )


def test_failures_are_problems_at_the_scenario_and_refuse_the_config() -> None:
    good = scenario(["2"], {"action": "hangup"}, name="查询")
    bad = scenario(["1", "1"], {"queue": "general"}, name="报修")
    config = small_config(good, bad)
    found = problems(config)
    assert [str(problem) for problem in found] == [
        "scenarios[1]: flow test '报修' failed: expected queue general, got queue fault after "
        "inputs 1, 1 (path 1 报修 > 1 停电)"
    ]
    with pytest.raises(ConfigError) as raised:
        load_config_text(yaml.safe_dump(small_document(good, bad), allow_unicode=True), "t.yaml")
    assert raised.value.problems == found
    assert problems(small_config(good)) == []


def test_two_scenarios_may_not_share_a_name() -> None:
    twice = scenario(["2"], {"action": "hangup"}, name="查询")
    found = problems(small_config(twice, twice))
    assert [str(problem) for problem in found] == [
        "scenarios[1].name: duplicate name (scenarios[0])"
    ]


def test_a_broken_menu_is_reported_and_its_flow_tests_are_not_played() -> None:
    document = small_document(scenario(["1", "1"], {"queue": "fault"}))
    document["hotlines"][0]["menu"]["nodes"]["main"]["options"][0]["action"]["node"] = "gone"
    with pytest.raises(ConfigError) as raised:
        load_config_text(yaml.safe_dump(document, allow_unicode=True))
    assert [problem.path for problem in raised.value.problems] == [
        f"{MAIN}.options[0].action.node",
        FAULT,  # now unreachable
    ]
