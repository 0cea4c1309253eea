"""The menu state machine, without HTTP."""

from __future__ import annotations

import pytest

from hotline.demo import HOTLINES_YAML
from ivr.menus import engine
from ivr.menus.engine import Finish, Notice, Position, Prompt
from ivr.menus.loading import load_config_file
from ivr.menus.schema import HangupAction, Hotline, QueueAction, VoicemailAction


def make_hotline() -> Hotline:
    return Hotline.model_validate(
        {
            "id": "t",
            "name": "test",
            "numbers": ["95598"],
            "language": "zh-CN",
            "messages": {
                "invalid": {"zh-CN": "按键有误"},
                "no_input": {"zh-CN": "没有听到"},
                "goodbye": {"zh-CN": "再见"},
                "apology": {"zh-CN": "抱歉"},
            },
            "operator": {"type": "queue", "queue": "general"},
            "menu": {
                "start": "root",
                "nodes": {
                    "root": {
                        "prompt": {"zh-CN": "主菜单"},
                        "retries": 1,
                        "options": [
                            {
                                "key": "1",
                                "label": "故障报修",
                                "speech": ["停电", "报修"],
                                "action": {"type": "submenu", "node": "fault"},
                            },
                            {"key": "5", "label": "建议", "action": {"type": "voicemail"}},
                        ],
                    },
                    "fault": {
                        "prompt": {"zh-CN": "故障菜单"},
                        "retries": 0,
                        "fallback": {"type": "queue", "queue": "fault"},
                        "options": [
                            {
                                "key": "1",
                                "label": "停电",
                                "action": {
                                    "type": "queue",
                                    "queue": "fault",
                                    "category": "故障报修",
                                },
                            },
                        ],
                    },
                },
            },
        }
    )


HOTLINE = make_hotline()
ROOT = engine.start(HOTLINE)


def test_a_key_opens_its_submenu_and_is_recorded() -> None:
    result = engine.step(HOTLINE, ROOT, "1")
    assert result.outcome == Prompt(Position(("root", "fault")))
    assert result.selection is not None
    assert result.selection.render() == "1 故障报修"
    assert result.selection.depth == 0


def test_a_queue_option_finishes_the_menu() -> None:
    result = engine.step(HOTLINE, Position(("root", "fault")), "1")
    assert isinstance(result.outcome, Finish)
    assert result.outcome.action == QueueAction(type="queue", queue="fault", category="故障报修")
    assert result.selection is not None
    assert result.selection.depth == 1


def test_speech_keywords_pick_an_option() -> None:
    result = engine.step(HOTLINE, ROOT, "", "我家停电了")
    assert result.outcome == Prompt(Position(("root", "fault")))


def test_no_input_then_invalid_then_fallback() -> None:
    first = engine.step(HOTLINE, ROOT, "")
    assert first.outcome == Prompt(Position(("root",), 1), Notice.NO_INPUT)
    assert isinstance(first.outcome, Prompt)
    second = engine.step(HOTLINE, first.outcome.position, "7")
    assert second.fallback
    assert isinstance(second.outcome, Finish)
    assert second.outcome.action == HOTLINE.operator


def test_invalid_key_is_noticed() -> None:
    result = engine.step(HOTLINE, ROOT, "8")
    assert result.outcome == Prompt(Position(("root",), 1), Notice.INVALID)


def test_default_keys_back_repeat_operator() -> None:
    inside = Position(("root", "fault"), 0)
    assert engine.step(HOTLINE, inside, "*").outcome == Prompt(Position(("root",)))
    assert engine.step(HOTLINE, ROOT, "*").outcome == Prompt(ROOT)  # back at the top repeats
    assert engine.step(HOTLINE, inside, "#").outcome == Prompt(inside)
    operator = engine.step(HOTLINE, inside, "0")
    assert isinstance(operator.outcome, Finish)
    assert operator.outcome.action == HOTLINE.operator
    assert operator.selection is not None
    assert operator.selection.key == "0"


def test_node_fallback_can_be_any_action() -> None:
    result = engine.step(HOTLINE, Position(("root", "fault")), "")
    assert isinstance(result.outcome, Finish)
    assert result.outcome.action == QueueAction(type="queue", queue="fault")


def test_voicemail_option() -> None:
    result = engine.step(HOTLINE, ROOT, "5")
    assert isinstance(result.outcome, Finish)
    assert isinstance(result.outcome.action, VoicemailAction)


@pytest.mark.parametrize(
    ("stack", "tries"),
    [
        ("", "0"),
        ("root..x", "0"),
        ("root", "x"),
        ("root", "99"),
        ("1root", "0"),
        (".".join(["a"] * 40), "0"),
    ],
)
def test_tampered_positions_are_refused(stack: str, tries: str) -> None:
    with pytest.raises(ValueError, match="bad"):
        Position.decode(stack, tries)


def test_position_round_trips() -> None:
    position = Position(("root", "fault"), 2)
    assert Position.decode(position.encode(), "2") == position


def _demo_keywords() -> list[tuple[Hotline, str, str, str]]:
    found: list[tuple[Hotline, str, str, str]] = []
    for hotline in load_config_file(HOTLINES_YAML).hotlines:
        for node_id, node in hotline.menu.nodes.items():
            for option in node.options:
                found.extend((hotline, node_id, option.key, word) for word in option.speech)
    return found


@pytest.mark.parametrize(
    ("hotline", "node_id", "key", "word"),
    [pytest.param(*case, id=f"{case[0].id}:{case[1]}:{case[3]}") for case in _demo_keywords()],
)
def test_every_demo_keyword_said_in_a_sentence_picks_its_own_option(
    hotline: Hotline, node_id: str, key: str, word: str
) -> None:
    # 停电 (fault) is inside 停电信息 and 计划停电 (option 9): the longest keyword wins.
    position = Position((node_id,))
    for said in (word, f"嗯，{word}。"):
        result = engine.step(hotline, position, "", said)
        assert result.selection is not None, said
        assert result.selection.key == key, said


def test_planned_outage_information_is_reachable_by_speech() -> None:
    hotline = load_config_file(HOTLINES_YAML).hotlines[0]
    for said in ("我想查一下计划停电", "停电信息"):
        result = engine.step(hotline, engine.start(hotline), "", said)
        assert isinstance(result.outcome, Finish), said
        assert isinstance(result.outcome.action, HangupAction)
        assert result.selection is not None
        assert result.selection.key == "9"
    outage = engine.step(hotline, engine.start(hotline), "", "我家停电了")
    assert outage.selection is not None
    assert outage.selection.key == "1"
