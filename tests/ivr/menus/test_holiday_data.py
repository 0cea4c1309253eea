"""A year the holiday calendar does not know, now or next in Beijing, is warned about."""

from __future__ import annotations

from datetime import UTC, date, datetime

import chinese_calendar
import pytest

from ivr.menus.holiday_data import holiday_data_warnings, missing_years, year_known


def last_known_year() -> int:
    """The installed package's last year, found the way the code finds it."""
    year = 2004
    while year_known(year + 1):
        year += 1
    return year


LAST = last_known_year()


def test_the_installed_package_stops_at_a_year_it_names() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.get_holiday_detail(date(LAST + 1, 6, 1))
    assert year_known(LAST)
    assert not year_known(LAST + 1)


def test_no_warning_while_this_year_and_the_next_are_known() -> None:
    assert missing_years(datetime(LAST - 1, 6, 1, tzinfo=UTC)) == []
    assert holiday_data_warnings(datetime(LAST - 1, 6, 1, tzinfo=UTC)) == []


def test_the_coming_year_without_data_is_warned_about() -> None:
    (warning,) = holiday_data_warnings(datetime(LAST, 6, 1, tzinfo=UTC))
    assert f"has no data for {LAST + 1}:" in warning
    assert "chinesecalendar 1." in warning  # names the installed version to upgrade


def test_the_year_turns_in_beijing_not_in_utc() -> None:
    # 16:30 UTC on 31 December is 00:30 on 1 January in Beijing.
    assert missing_years(datetime(LAST - 1, 12, 31, 15, 30, tzinfo=UTC)) == []
    assert missing_years(datetime(LAST - 1, 12, 31, 16, 30, tzinfo=UTC)) == [LAST + 1]


def test_this_year_and_the_next_both_missing_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_data(day: date) -> tuple[bool, str | None]:
        raise NotImplementedError(f"no available data for year {day.year}")

    monkeypatch.setattr(chinese_calendar, "get_holiday_detail", no_data)
    (warning,) = holiday_data_warnings(datetime(2026, 3, 1, tzinfo=UTC))
    assert "has no data for 2026 and 2027:" in warning
