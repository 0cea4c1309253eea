"""Opening hours: whether a hotline is open, when it next opens, and faulty ranges."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from ivr.menus.schema import Hours, Weekday

NEXT_OPENING_HORIZON_DAYS = 14
_WEEKDAYS = list(Weekday)  # Monday first, matching date.weekday()
_MINUTES_PER_DAY = 24 * 60


def minutes_of(range_text: str) -> tuple[int, int]:
    """'08:00-18:00' → (480, 1080): start included, end excluded (the schema checked the form)."""
    start, end = range_text.split("-")
    return _minute_of_day(start), _minute_of_day(end)


def _minute_of_day(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def cn_day_kind(day: date) -> str | None:
    """'holiday' (statutory), 'makeup' (a weekend workday, 调休) or None; None for unknown years."""
    try:
        is_day_off, holiday_name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        # chinese_calendar only knows the years the State Council has announced.
        return None
    if is_day_off and holiday_name is not None:
        return "holiday"
    if not is_day_off and day.weekday() >= 5:
        return "makeup"
    return None


def ranges_on(hours: Hours, day: date) -> list[str]:
    """The ranges in force on a local date: override, else holiday/make-up day, else weekly."""
    for override in hours.overrides:
        if override.date == day:
            return list(override.hours)
    if hours.cn_calendar:
        kind = cn_day_kind(day)
        if kind == "holiday":
            return list(hours.holiday)
        if kind == "makeup":
            return list(hours.makeup)
    return list(hours.weekly.get(_WEEKDAYS[day.weekday()], []))


def is_open(hours: Hours, at: datetime, tz: str) -> bool:
    """Whether the hotline is open at the tz-aware instant `at`, read in the zone `tz`."""
    if hours.always_open:
        return True
    local = _local(at, tz)
    minute = local.hour * 60 + local.minute
    return any(
        start <= minute < end for start, end in map(minutes_of, ranges_on(hours, local.date()))
    )


def next_opening(hours: Hours, at: datetime, tz: str) -> datetime | None:
    """The first instant at or after `at` when the hotline is open (in `tz`), within 14 days."""
    local = _local(at, tz)
    if hours.always_open:
        return local
    zone = ZoneInfo(tz)
    for offset in range(NEXT_OPENING_HORIZON_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        for start, end in sorted(map(minutes_of, ranges_on(hours, day))):
            if _wall_clock(day, end, zone) <= local:
                continue
            return max(_wall_clock(day, start, zone), local)
    return None


def overlapping_pairs(ranges: list[str]) -> list[tuple[int, int]]:
    """Index pairs (earlier, later) of ranges that share at least one minute."""
    spans = [minutes_of(text) for text in ranges]
    return [
        (first, second)
        for second in range(len(spans))
        for first in range(second)
        if spans[first][0] < spans[second][1] and spans[second][0] < spans[first][1]
    ]


def mistakes(hours: Hours) -> list[tuple[str, str]]:
    """(path under `hours`, reason) for overlapping ranges and dates overridden twice."""
    labelled = [(f".weekly.{day.value}", ranges) for day, ranges in hours.weekly.items()]
    labelled += [(".holiday", hours.holiday), (".makeup", hours.makeup)]
    labelled += [(f".overrides[{i}].hours", o.hours) for i, o in enumerate(hours.overrides)]
    found = [
        (f"{label}[{later}]", f"{ranges[later]!r} overlaps {ranges[earlier]!r}")
        for label, ranges in labelled
        for earlier, later in overlapping_pairs(ranges)
    ]
    first_override: dict[date, int] = {}
    for index, override in enumerate(hours.overrides):
        if override.date in first_override:
            earlier = first_override[override.date]
            found.append(
                (f".overrides[{index}].date", f"{override.date} is already in overrides[{earlier}]")
            )
        first_override.setdefault(override.date, index)
    return found


def never_open(hours: Hours) -> bool:
    """True when no weekly, holiday, make-up or override range can ever open the line."""
    if hours.always_open:
        return False
    if any(hours.weekly.values()) or any(override.hours for override in hours.overrides):
        return False
    return not (hours.cn_calendar and (hours.holiday or hours.makeup))


def _local(at: datetime, tz: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` must be timezone-aware")
    return at.astimezone(ZoneInfo(tz))


def _wall_clock(day: date, minute: int, zone: ZoneInfo) -> datetime:
    if minute >= _MINUTES_PER_DAY:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
