"""Problems placed at their YAML line, as the draft editor shows them."""

from __future__ import annotations

from hotline.demo import HOTLINES_YAML
from ivr.menus.problem import Problem
from ivr.menus.yaml_lines import check_text, locate, path_lines

DEMO = HOTLINES_YAML.read_text(encoding="utf-8")


def line_of(text: str, fragment: str, after: int = 0) -> int:
    """1-based number of the first line at or after `after` holding `fragment`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= after and fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in the text")


def test_the_demo_has_no_problems() -> None:
    assert check_text(DEMO) == []


def test_paths_map_to_the_line_of_their_key_or_item() -> None:
    lines = path_lines(DEMO)
    assert lines["queues"] == line_of(DEMO, "queues:")
    assert lines["hotlines[0]"] == line_of(DEMO, '- id: "95598"')
    assert lines["hotlines[1].numbers"] == line_of(DEMO, 'numbers: ["4008000000"')
    assert lines["hotlines[0].greeting.zh-CN"] == line_of(DEMO, "欢迎致电国家电网95598")


def test_a_dangling_target_points_at_its_own_line() -> None:
    text = DEMO.replace("queue: vip, category: VIP服务", "queue: nowhere, category: VIP服务")
    found = check_text(text)
    assert [(p.path, p.line) for p in found] == [
        ("hotlines[0].vip.action.queue", line_of(text, "queue: nowhere"))
    ]
    assert "unknown queue 'nowhere'" in found[0].reason


def test_a_schema_error_is_placed_and_a_missing_field_points_at_its_mapping() -> None:
    text = "\n".join(
        [
            "queues: {}",
            "hotlines:",
            "  - id: x",  # line 3: no name, numbers, language, messages, menu
            "    bogus: 1",  # line 4: unknown field
        ]
    )
    found = {p.path: p for p in check_text(text)}
    assert found["hotlines[0].bogus"].line == 4
    assert found["hotlines[0].name"].line == 3
    assert found["hotlines[0].name"].reason == "required field is missing"


def test_a_syntax_error_gives_its_line_and_no_path() -> None:
    found = check_text("queues:\n  a: [1, 2\nhotlines: []\n")
    assert len(found) == 1
    assert found[0].path == ""
    assert found[0].line == 3  # where the parser gave up
    assert "YAML syntax error" in found[0].reason


def test_an_empty_config_has_no_line() -> None:
    assert [(p.path, p.line) for p in check_text("")] == [("", None)]


def test_a_path_not_written_anywhere_has_no_line() -> None:
    [problem] = locate("a: 1\n", [Problem("b.c", "x")])
    assert problem.line is None


def test_aliases_are_walked_once() -> None:
    text = "base: &b {x: 1}\ncopy: *b\n"
    lines = path_lines(text)
    assert lines["base.x"] == 1
    assert lines["copy"] == 2
