"""Opening hours: weekly ranges, overrides, Chinese holidays and make-up days, time zones."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.demo import HOTLINES_YAML
from ivr.menus.hours import (
    cn_day_kind,
    is_open,
    minutes_of,
    never_open,
    next_opening,
    overlapping_pairs,
)
from ivr.menus.loading import load_config_file
from ivr.menus.schema import Hours

SHANGHAI = "Asia/Shanghai"
# The demo 400 line: Mon-Fri 09:00-18:00, Sat 09:00-12:00, closed on Chinese public holidays,
# make-up workdays 09:00-18:00, and 2025-12-31 closes at 15:00.
LINE_400 = load_config_file(HOTLINES_YAML).hotlines[1].hours


def hours_of(**fields: object) -> Hours:
    return Hours.model_validate(fields)


def shanghai(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(SHANGHAI))


@pytest.mark.parametrize(
    ("local_time", "expected"),
    [
        ("2025-06-09 08:59:59", False),  # Monday
        ("2025-06-09 09:00:00", True),  # a range includes its start
        ("2025-06-09 17:59:59", True),
        ("2025-06-09 18:00:00", False),  # and excludes its end
        ("2025-06-14 11:59:00", True),  # Saturday morning
        ("2025-06-14 12:00:00", False),
        ("2025-06-15 10:00:00", False),  # Sunday: no ranges, closed
    ],
)
def test_weekly_range_edges(local_time: str, expected: bool) -> None:
    assert is_open(LINE_400, shanghai(local_time), SHANGHAI) is expected


def test_a_range_may_end_at_midnight() -> None:
    hours = hours_of(weekly={"mon": ["20:00-24:00"]}, cn_calendar=False)
    assert is_open(hours, shanghai("2025-06-09 23:59:59"), SHANGHAI)
    assert not is_open(hours, shanghai("2025-06-10 00:00:00"), SHANGHAI)


def test_always_open() -> None:
    hours = hours_of(always_open=True)
    assert is_open(hours, shanghai("2025-10-01 03:00"), SHANGHAI)
    assert next_opening(hours, shanghai("2025-10-01 03:00"), SHANGHAI) == shanghai(
        "2025-10-01 03:00"
    )


def test_an_override_beats_the_weekly_hours() -> None:
    assert is_open(LINE_400, shanghai("2025-12-31 14:59"), SHANGHAI)
    assert not is_open(LINE_400, shanghai("2025-12-31 15:00"), SHANGHAI)  # Wednesday, closes early
    assert is_open(LINE_400, shanghai("2025-12-30 17:00"), SHANGHAI)


def test_an_override_beats_a_public_holiday() -> None:
    override = {"date": "2025-10-01", "hours": ["10:00-12:00"]}
    hours = Hours.model_validate({**LINE_400.model_dump(), "overrides": [override]})
    assert is_open(hours, shanghai("2025-10-01 10:30"), SHANGHAI)
    assert not is_open(hours, shanghai("2025-10-01 09:30"), SHANGHAI)


@pytest.mark.parametrize(
    ("local_time", "expected"),
    [
        ("2025-06-02 10:00", False),  # Dragon Boat Festival, a Monday
        ("2025-10-01 10:00", False),  # National Day, a Wednesday
        ("2025-10-08 10:00", False),  # last day of the Golden Week
        ("2025-10-09 10:00", True),  # back at work
        ("2025-09-28 10:00", True),  # a Sunday make-up workday
        ("2025-10-11 15:00", True),  # a Saturday make-up workday: make-up hours, not Saturday's
        ("2025-10-11 18:00", False),
        ("2026-01-01 10:00", False),  # New Year's Day 2026
        ("2026-02-17 10:00", False),  # Spring Festival 2026
        ("2026-02-14 15:00", True),  # a Saturday make-up workday in 2026
        ("2026-10-01 10:00", False),  # National Day 2026
    ],
)
def test_chinese_public_holidays_and_make_up_workdays(local_time: str, expected: bool) -> None:
    assert is_open(LINE_400, shanghai(local_time), SHANGHAI) is expected


def test_holiday_ranges_apply_on_public_holidays() -> None:
    hours = hours_of(weekly={"wed": ["09:00-18:00"]}, holiday=["10:00-16:00"])
    assert not is_open(hours, shanghai("2025-10-01 09:30"), SHANGHAI)
    assert is_open(hours, shanghai("2025-10-01 15:30"), SHANGHAI)


def test_without_cn_calendar_a_holiday_is_a_plain_weekday() -> None:
    hours = LINE_400.model_copy(update={"cn_calendar": False})
    assert is_open(hours, shanghai("2025-10-01 10:00"), SHANGHAI)
    assert not is_open(hours, shanghai("2025-09-28 10:00"), SHANGHAI)


@pytest.mark.parametrize("year", [2003, 2035])
def test_a_year_chinese_calendar_does_not_know_falls_back_to_weekly(year: int) -> None:
    monday_after_new_year = {2003: "2003-01-06", 2035: "2035-01-01"}[year]
    assert cn_day_kind(datetime.fromisoformat(monday_after_new_year).date()) is None
    assert is_open(LINE_400, shanghai(f"{monday_after_new_year} 10:00"), SHANGHAI)


def test_cn_day_kinds() -> None:
    assert cn_day_kind(datetime(2025, 10, 1).date()) == "holiday"
    assert cn_day_kind(datetime(2025, 9, 28).date()) == "makeup"
    assert cn_day_kind(datetime(2025, 6, 14).date()) is None  # an ordinary Saturday
    assert cn_day_kind(datetime(2025, 6, 10).date()) is None  # an ordinary Tuesday


def test_the_instant_is_read_in_the_hotline_time_zone() -> None:
    nine_thirty_in_shanghai = datetime(2025, 6, 9, 1, 30, tzinfo=UTC)  # Monday
    assert is_open(LINE_400, nine_thirty_in_shanghai, SHANGHAI)
    assert not is_open(LINE_400, nine_thirty_in_shanghai, "Europe/London")  # 02:30 there
    half_past_six_in_shanghai = datetime(2025, 6, 9, 10, 30, tzinfo=UTC)
    assert not is_open(LINE_400, half_past_six_in_shanghai, SHANGHAI)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(LINE_400, datetime(2025, 6, 9, 10, 0), SHANGHAI)


@pytest.mark.parametrize(
    ("local_time", "opens"),
    [
        ("2025-06-09 10:00", "2025-06-09 10:00"),  # open now: now
        ("2025-06-09 07:15", "2025-06-09 09:00"),  # later today
        ("2025-06-13 18:30", "2025-06-14 09:00"),  # Friday evening → Saturday morning
        ("2025-06-14 12:00", "2025-06-16 09:00"),  # Saturday noon → Monday
        ("2025-09-30 18:00", "2025-10-09 09:00"),  # over the National Day Golden Week
        ("2025-09-27 13:00", "2025-09-28 09:00"),  # Saturday → the Sunday make-up workday
    ],
)
def test_next_opening(local_time: str, opens: str) -> None:
    found = next_opening(LINE_400, shanghai(local_time), SHANGHAI)
    assert found == shanghai(opens)
    assert found is not None
    assert found.tzinfo == ZoneInfo(SHANGHAI)


def test_next_opening_from_another_zone_answers_in_the_hotline_zone() -> None:
    friday_evening = datetime(2025, 6, 13, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    assert next_opening(LINE_400, friday_evening, SHANGHAI) == shanghai("2025-06-14 09:00")


def test_next_opening_gives_up_after_fourteen_days() -> None:
    closed = hours_of(weekly={}, cn_calendar=False)
    assert next_opening(closed, shanghai("2025-06-09 10:00"), SHANGHAI) is None
    one_far_day = hours_of(overrides=[{"date": "2025-06-27", "hours": ["09:00-10:00"]}])
    assert next_opening(one_far_day, shanghai("2025-06-09 10:00"), SHANGHAI) is None
    assert next_opening(one_far_day, shanghai("2025-06-13 10:00"), SHANGHAI) == shanghai(
        "2025-06-27 09:00"
    )


def test_range_helpers() -> None:
    assert minutes_of("08:00-24:00") == (480, 1440)
    assert overlapping_pairs(["08:00-12:00", "12:00-13:00", "11:00-12:30"]) == [(0, 2), (1, 2)]
    assert never_open(hours_of(cn_calendar=False))
    assert not never_open(hours_of(holiday=["09:00-12:00"]))
    assert not never_open(hours_of(always_open=True))
