"""The menu state machine, without HTTP."""

from __future__ import annotations

import pytest

from ivr.menus import engine
from ivr.menus.engine import Finish, Notice, Position, Prompt
from ivr.menus.schema import Hotline, QueueAction, VoicemailAction


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
