"""What the console and `hotline menu validate` get for a config text: problems, warnings
and every flow test's result."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import yaml

from hotline.demo import HOTLINES_YAML
from ivr.menus.checking import check_config_text
from ivr.menus.problem import Problem
from tests.ivr.menus.flow_configs import scenario, small_document
from tests.ivr.menus.test_holiday_data import LAST

KNOWN = datetime(LAST - 1, 6, 1, tzinfo=UTC)  # this year and the next have holiday data


def text_of(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True)


def test_the_demo_checks_clean_with_every_flow_test_passed() -> None:
    check = check_config_text(HOTLINES_YAML.read_text("utf-8"), now=KNOWN)
    assert check.ok
    assert check.problems == []
    assert check.warnings == []
    assert len(check.results) == 33
    assert all(result.passed for result in check.results)


def test_a_failing_flow_test_is_a_problem_and_every_result_is_kept() -> None:
    good = scenario(["2"], {"action": "hangup"}, name="查询")
    bad = scenario(["1", "1"], {"queue": "general"}, name="报修")
    check = check_config_text(text_of(small_document(good, bad)), now=KNOWN)
    assert not check.ok
    assert [p.path for p in check.problems] == ["scenarios[1]"]
    assert [(r.name, r.passed) for r in check.results] == [("查询", True), ("报修", False)]


def test_ends_no_flow_test_reaches_are_warnings_once_there_are_flow_tests() -> None:
    only = scenario(["2"], {"action": "hangup"})
    check = check_config_text(text_of(small_document(only)), now=KNOWN)
    assert check.ok
    reached = "hotlines[0].menu.nodes.main.options[1]"
    uncovered = {w.path for w in check.warnings}
    assert reached not in uncovered
    assert "hotlines[0].menu.nodes.fault.options[0]" in uncovered
    assert "hotlines[0].hours.holiday" in uncovered
    assert check_config_text(text_of(small_document()), now=KNOWN).warnings == []


def test_the_holiday_data_warning_and_a_flow_test_in_an_unknown_year() -> None:
    # 1 October (National Day) or, if that is a weekend, the Monday after: without data an
    # ordinary weekday, and the line is open.
    day = date(LAST + 1, 10, 1)
    day += timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)
    later = scenario(["2"], {"action": "hangup"}, at=f"{day} 10:00")
    check = check_config_text(text_of(small_document(later)), now=datetime(LAST, 6, 1, tzinfo=UTC))
    assert check.ok  # warnings do not block
    assert check.warnings[0].path == ""
    assert f"no data for {LAST + 1}" in check.warnings[0].reason
    assert (
        Problem(
            "scenarios[0].at",
            f"the holiday calendar has no data for {LAST + 1}: this flow test runs as if that "
            "year had no public holidays or make-up workdays",
        )
        in check.warnings
    )


def test_a_broken_text_has_problems_and_no_results() -> None:
    check = check_config_text("queues: [", now=KNOWN)
    assert check.config is None
    assert not check.ok
    assert check.results == []
    assert check.problems[0].reason.startswith("YAML syntax error")
