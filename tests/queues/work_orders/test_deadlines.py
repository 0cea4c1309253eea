"""Deadline rules and working-day arithmetic: pure functions, the clock passed in."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from queues.work_orders.categories import Category
from queues.work_orders.deadlines import (
    DEFAULT_POLICY,
    DEFAULT_RULES,
    Area,
    DeadlineKind,
    DeadlinePolicy,
    Rule,
    Unit,
)
from queues.working_days import OFFICIAL, WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def test_national_day_holidays_and_make_up_workday() -> None:
    assert all(not OFFICIAL.is_working_day(date(2025, 10, day)) for day in range(1, 9))
    assert OFFICIAL.is_working_day(date(2025, 10, 9))
    assert OFFICIAL.is_working_day(date(2025, 9, 28))  # a Sunday, made up for the holiday
    assert not OFFICIAL.is_working_day(date(2025, 9, 27))  # an ordinary Saturday


def test_unknown_years_fall_back_to_monday_to_friday() -> None:
    assert OFFICIAL.is_working_day(date(2040, 1, 2))  # Monday
    assert not OFFICIAL.is_working_day(date(2040, 1, 7))  # Saturday


def test_extra_days_override_the_official_calendar() -> None:
    calendar = WorkingCalendar(
        extra_holidays=frozenset({date(2025, 10, 9)}), extra_workdays=frozenset({date(2025, 10, 4)})
    )
    assert not calendar.is_working_day(date(2025, 10, 9))
    assert calendar.is_working_day(date(2025, 10, 4))


def test_complaint_on_the_eve_of_national_day_is_due_after_the_holiday() -> None:
    due = DEFAULT_POLICY.due_times(Category.COMPLAINT, Area.CITY, at(2025, 9, 30, 20, 0))
    assert due[DeadlineKind.CONTACT] == at(2025, 10, 9, 20, 0)
    # 7 working days: Oct 9, 10, 11 (make-up Saturday), 13, 14, 15, 16 → Oct 16 20:00.
    assert due[DeadlineKind.REPLY] == at(2025, 10, 16, 20, 0)


def test_make_up_sunday_counts_as_a_working_day() -> None:
    # Saturday 2025-09-27 noon: the clock starts on the make-up Sunday 09-28.
    assert OFFICIAL.add_working_days(at(2025, 9, 27, 12, 0), 1) == at(2025, 9, 29, 0, 0)
    # Friday 2025-09-26 18:00 + 1 working day: 6 h Friday, skip Saturday, 18 h Sunday.
    assert OFFICIAL.add_working_days(at(2025, 9, 26, 18, 0), 1) == at(2025, 9, 28, 18, 0)


def test_from_a_holiday_the_clock_starts_on_the_next_working_day() -> None:
    assert OFFICIAL.add_working_days(at(2025, 10, 3, 10, 0), 1) == at(2025, 10, 10, 0, 0)


def test_working_days_accept_any_zone_and_reject_naive_times() -> None:
    utc = at(2025, 9, 30, 20, 0).astimezone(ZoneInfo("UTC"))
    assert OFFICIAL.add_working_days(utc, 1) == at(2025, 10, 9, 20, 0)
    with pytest.raises(ValueError, match="naive"):
        OFFICIAL.add_working_days(datetime(2025, 9, 30, 20, 0), 1)
    with pytest.raises(ValueError, match="zero or more"):
        OFFICIAL.add_working_days(utc, -1)


def test_next_working_day_skips_the_holiday() -> None:
    assert OFFICIAL.next_working_day(date(2025, 9, 30)) == date(2025, 10, 9)


@pytest.mark.parametrize(
    ("area", "minutes"), [(Area.CITY, 45), (Area.RURAL, 90), (Area.REMOTE, 120)]
)
def test_fault_repair_arrival_by_area(area: Area, minutes: int) -> None:
    start = at(2025, 10, 1, 3, 0)  # a holiday in the night: fault repair never stops
    due = DEFAULT_POLICY.due_times(Category.FAULT_REPAIR, area, start)
    assert due[DeadlineKind.ARRIVAL] == start + timedelta(minutes=minutes)
    assert due[DeadlineKind.REPLY] == start + timedelta(hours=24)


def test_each_category_has_its_deadlines() -> None:
    start = at(2026, 11, 23, 9, 0)  # a Monday
    due = {c: DEFAULT_POLICY.due_times(c, Area.CITY, start) for c in Category}
    assert due[Category.INQUIRY] == {DeadlineKind.REPLY: at(2026, 11, 24, 9, 0)}
    assert due[Category.REPORT] == {DeadlineKind.REPLY: at(2026, 12, 2, 9, 0)}
    assert set(due[Category.COMPLAINT]) == {DeadlineKind.CONTACT, DeadlineKind.REPLY}
    assert due[Category.PRAISE] == {}


def test_policy_is_configurable_and_frozen() -> None:
    rules = dict(DEFAULT_RULES) | {Category.INQUIRY: (Rule(DeadlineKind.REPLY, Unit.HOURS, 4),)}
    policy = DeadlinePolicy(rules=rules)
    start = at(2026, 11, 27, 10, 0)
    assert policy.due_times(Category.INQUIRY, Area.CITY, start) == {
        DeadlineKind.REPLY: at(2026, 11, 27, 14, 0)
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.calendar = OFFICIAL  # type: ignore[misc]


def test_policy_rejects_bad_rules() -> None:
    twice = (Rule(DeadlineKind.REPLY, Unit.HOURS, 1), Rule(DeadlineKind.REPLY, Unit.HOURS, 2))
    with pytest.raises(ValueError, match="appears twice"):
        DeadlinePolicy(rules={Category.INQUIRY: twice})
    with pytest.raises(ValueError, match="zero or more"):
        Rule(DeadlineKind.REPLY, Unit.HOURS, -1)
