"""Whether the holiday calendar package knows the years the hours and deadlines need."""

from __future__ import annotations

from datetime import date, datetime
from importlib.metadata import PackageNotFoundError, version
from zoneinfo import ZoneInfo

import chinese_calendar

#: The calendar is China's: "the coming year" is read on Beijing's wall clock.
CALENDAR_TIMEZONE = ZoneInfo("Asia/Shanghai")


def year_known(year: int) -> bool:
    """Whether chinese_calendar has the State Council's holidays of `year` (it raises
    NotImplementedError for the years it does not carry)."""
    try:
        chinese_calendar.get_holiday_detail(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def missing_years(now: datetime) -> list[int]:
    """This year and the next, in Beijing, when the package has no data for them."""
    this_year = now.astimezone(CALENDAR_TIMEZONE).year
    return [year for year in (this_year, this_year + 1) if not year_known(year)]


def holiday_data_warnings(now: datetime) -> list[str]:
    """What to tell an admin when a year in use or coming has no holiday data ([] if none)."""
    missing = missing_years(now)
    if not missing:
        return []
    years = " and ".join(map(str, missing))
    return [
        f"the holiday calendar (chinesecalendar {_package_version()}) has no data for {years}: "
        "public holidays and make-up workdays of that time are not applied (opening hours "
        "fall back to the weekly ones, working days to Monday-Friday); upgrade chinesecalendar "
        "once a release carries them, or add the dates as hours overrides"
    ]


def _package_version() -> str:
    try:
        return version("chinesecalendar")
    except PackageNotFoundError:
        return "version unknown"
