"""Working days in mainland China: the statutory holiday calendar and working-time arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days count as working days.

    The official calendar (statutory holidays off, make-up weekend days on) comes from
    `chinese_calendar`; for years it does not know yet, Monday to Friday. The extra sets let
    an operator override single days (a local holiday, a late-announced make-up day).
    """

    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:  # a year the package has no data for
            return day.weekday() < 5

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """`start` plus `days` × 24 h of working-day time, in Asia/Shanghai.

        The clock only runs on working days: 2025-09-30 20:00 plus one working day is
        2025-10-09 20:00 (Oct 1–8 are holidays); from a holiday the clock starts at the next
        working day's midnight. A deadline that ends exactly at midnight stays on the day it
        ends (24:00), never rolls into the next one.
        """
        if start.tzinfo is None:
            raise ValueError("naive datetime: pass a tz-aware timestamp")
        if days < 0:
            raise ValueError(f"days must be zero or more, got {days}")
        cursor = start.astimezone(SHANGHAI)
        remaining = timedelta(days=days)
        # Every loop step moves to the next midnight, so the loop ends after at most
        # `days` working days plus the holidays in between.
        while True:
            midnight = datetime.combine(cursor.date() + timedelta(days=1), time(), SHANGHAI)
            if self.is_working_day(cursor.date()):
                available = midnight - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
            cursor = midnight

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


OFFICIAL = WorkingCalendar()
